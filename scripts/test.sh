#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test / make: build the patched kernel, run it in QEMU, run the
# patch quality gate (make test only), and print the summary.
#
#   test.sh full     everything, each result printed (make test)
#   test.sh quick    the demo: zero-copy loopback and a short benchmark (make)
#   test.sh check    the patch quality gate only (make check)
. "$(dirname "$0")/lib.sh"

mode=${1:-full}
[[ $SERIES == ours || $mode == check ]] || die "SERIES=$SERIES: only 'make check' takes it"
# One at a time: two would build in the same directories
mkdir -p "$BUILD"
exec 9>"$BUILD/.test.lock"
flock -n 9 || die "another make test, make or make check runs in $TOP"
STRESS_SECONDS=${STRESS_SECONDS:-60}
out=$RESULTS/$mode.txt
: >"$out"
S=$TOP/scripts

"$S"/deps.sh
log "base: $("$S"/base.sh)"
"$S"/tree.sh sync

# run_vm ARGS...: scripts/vm.py ARGS, its results into $out. In make test,
# a boot whose kernel, initramfs, arguments and runner are those of a
# boot that passed before is not repeated: that boot's results are
# reported again (VM_CACHE=0: boot anyway). A failed boot is never reused.
VM_CACHE_DIR=$BUILD/vm-cache
run_vm()
{
	local a prev= inputs=() key cache tmp
	for a in "$@"; do
		[[ $prev == --kernel || $prev == --initrd ]] && inputs+=("$a")
		prev=$a
	done
	key=$({ sha1sum "${inputs[@]}" | cut -d' ' -f1
		cat "$S/vm.py"
		printf '%s\n' "$@"; } | sha1sum | cut -d' ' -f1)
	cache=$VM_CACHE_DIR/$key
	if [[ $mode == full && ${VM_CACHE:-1} == 1 && -f $cache ]]; then
		log "boot: inputs unchanged since a passing boot, its results reused ($cache)"
		awk -F'\t' '$1 == "PASS" { print "ok - " $2 }
			$1 == "SKIP" { print "ok - " $2 " # SKIP " $3 }' "$cache"
		cat "$cache" >>"$out"
		return 0
	fi
	tmp=$(mktemp)
	"$S"/vm.py "$@" --results "$tmp" || true
	cat "$tmp" >>"$out"
	if grep -q '^FAIL' "$tmp"; then
		rm -f "$tmp"
	else
		mkdir -p "$VM_CACHE_DIR"
		mv "$tmp" "$cache"
	fi
}

# In make test, boots run in the background, one after the other, while
# the next kernels build: a TCG guest running the selftest leaves the
# host's CPUs mostly idle (a 60 s selftest boot used 24 of the 120
# CPU-seconds of this 2-core machine), and the builds, at a lower
# priority than the guests, fill the rest. Background jobs write their
# output to a log, printed once every job is done (jobs_wait).
job_pids=() job_outs=() last_boot=
if [[ $mode == full ]]; then
	renice -n 10 -p $$ >/dev/null
fi

# background NAME AFTER CMD...: run CMD in the background once the job
# of pid AFTER (if any) has ended; its output into its log
background()
{
	local name=$1 after=$2 jout=$LOGS/job-${#job_pids[@]}.out
	shift 2
	log "$name (in the background; its output in $jout)"
	(
		while [[ -n $after ]] && kill -0 "$after" 2>/dev/null; do
			sleep 1
		done
		log "$name"
		"$@"
		log "$name: done"
	) >"$jout" 2>&1 &
	job_pids+=("$!")
	job_outs+=("$jout")
}

# boot NAME CMD...: run CMD, a boot; in make test, in the background
# after the boots queued before it, at the guests' priority
boot()
{
	local name=$1
	shift
	if [[ $mode != full ]]; then
		log "boot: $name"
		"$@"
		return
	fi
	background "boot: $name" "$last_boot" renice_run 0 "$@"
	last_boot=${job_pids[-1]}
}

# renice_run N CMD...: CMD at priority N
renice_run()
{
	renice -n "$1" -p $BASHPID >/dev/null 2>&1 || true
	"${@:2}"
}

# Wait for the background jobs and print their output.
jobs_wait()
{
	local i
	for i in "${!job_pids[@]}"; do
		wait "${job_pids[$i]}" || true
		cat "${job_outs[$i]}"
	done
}

# test_vm ARGS...: a job on the test kernel
test_vm()
{
	run_vm --kernel "$OBJ/test/arch/x86/boot/bzImage" \
		--initrd "$BUILD/initramfs/test.cpio" "$@"
}

job=selftest vm_args=() built=
# The demo's CPU figures with the benchmark's clocksource (bench.sh: the
# TSC, which 6.1 marks unstable on the SMP guest under TCG; hpet's MMIO
# reads are emulated and slow, and the CPU column had jiffy resolution)
[[ $mode == quick ]] && job=demo vm_args+=(--verbose --append tsc=reliable)
if [[ $mode == check ]]; then
	:
elif "$S"/kbuild.sh test && "$S"/initramfs.sh test; then
	built=1
	result "$out" PASS "kernel and selftests build"
	boot "$job in QEMU (console and output logs under $LOGS/test)" \
		test_vm --job $job --logdir "$LOGS/test" "${vm_args[@]}"
else
	result "$out" FAIL "kernel and selftests build" "see $LOGS"
fi

# The same selftest where the UDC sees memory only through the DMA API's
# sync points, as behind an IOMMU or a non-coherent cache (every mapping
# bounced through swiotlb; guest memory above 4 GiB), and built as 32-bit
# userspace for the compat ioctl path
if [[ $mode == full && -n $built ]]; then
	boot "selftest with swiotlb=force" test_vm --job selftest \
		--append "swiotlb=force" --prefix "bounce: " --logdir "$LOGS/bounce"
	boot "selftest with 6 GiB of guest memory" test_vm --job selftest \
		--mem 6G --prefix "6g: " --logdir "$LOGS/6g"
	boot "selftest built as 32-bit userspace (compat ioctls)" test_vm \
		--job selftest32 --prefix "compat: " --logdir "$LOGS/compat"
fi

# The same selftest on arm64 and on 32-bit ARM, cross-built, on QEMU's
# virt machine; the 32-bit guest has more memory than its kernel maps
# (HIGHMEM), so that buffers in high memory are used too. On arm64 also
# with every mapping bounced (arm64 always has swiotlb), and built as
# 32-bit ARM userspace (armhf, the compat ioctls of Android-style daemons).
arch_vm()
{
	if ! (export ARCH=$1 && "$S"/kbuild.sh "$1" && "$S"/initramfs.sh "$1"); then
		result "$out" FAIL "$1: kernel and selftests build" "see $LOGS"
		return 0
	fi
	# The whole series built for $1 (the quality gate compiles only
	# the files each patch touches)
	result "$out" PASS "$1: kernel and selftests build"
	boot "selftest on $1" arch_boot "$1" "$1: " "$LOGS/$1"
	if [[ $1 == arm64 ]]; then
		boot "selftest on $1 with swiotlb=force" arch_boot "$1" \
			"$1 bounce: " "$LOGS/$1-bounce" --append swiotlb=force
		boot "selftest on $1 built as armhf (compat ioctls)" arch_boot \
			"$1" "$1 compat: " "$LOGS/$1-compat" --job selftest32
	fi
}

# arch_boot ARCH PREFIX LOGDIR ARGS...: the selftest on ARCH's kernel
arch_boot()
{
	run_vm --arch "$1" --kernel "$OBJ/$1/$(guest_arch "$1" && echo "$KIMAGE")" \
		--initrd "$BUILD/initramfs/$1.cpio" --job selftest \
		--timeout 2400 --prefix "$2" --logdir "$3" "${@:4}"
}

if [[ $mode == full && -n $built ]]; then
	arch_vm arm64
	arch_vm arm
fi

# The same selftest on the debug kernel (KASAN, lockdep, kmemleak, ...),
# then the stress test, plain and under failslab, on it too
debug_vm()
{
	run_vm --kernel "$OBJ/debug/arch/x86/boot/bzImage" \
		--initrd "$BUILD/initramfs/debug.cpio" --logdir "$LOGS/debug" \
		--prefix "debug: " "$@"
}

if [[ $mode == full ]]; then
	if "$S"/kbuild.sh debug "$CONFIGS/debug.config" &&
	   "$S"/initramfs.sh debug; then
		result "$out" PASS "debug kernel and selftests build"
		boot "selftests on the debug kernel" debug_vm --job selftest \
			--timeout 1500 --append "kmemleak=on"
		boot "stress on the debug kernel, $STRESS_SECONDS s" debug_vm \
			--job stress --timeout $((STRESS_SECONDS + 600)) \
			--append "kmemleak=on slub_debug=A,kmalloc-* ffs.stress_seconds=$STRESS_SECONDS"
	else
		result "$out" FAIL "debug kernel and selftests build" "see $LOGS"
	fi
fi

# The patch quality gate, on our series and on the fixes for mainline
# (SERIES=mainline make check: on those alone). In make test the two run
# side by side: their serial steps (configuration, git, checkpatch,
# sparse, linking) leave a core idle.
mainline_gate()
{
	{ SERIES=mainline "$S"/tree.sh sync && SERIES=mainline "$S"/check.sh "$1"; } ||
		result "$1" FAIL "mainline: patch quality gate" "see $LOGS"
}
mainline_out=$RESULTS/$mode-mainline.txt
: >"$mainline_out"
if [[ $mode == full ]]; then
	background "mainline: patch quality gate" "" mainline_gate "$mainline_out"
elif [[ $mode == check ]]; then
	mainline_gate "$mainline_out"
fi
if [[ $mode != quick && $SERIES == ours ]]; then
	"$S"/check.sh "$out" || result "$out" FAIL "patch quality gate" "see $LOGS"
fi
jobs_wait
cat "$mainline_out" >>"$out"
exec "$S"/summary.sh "$out"
