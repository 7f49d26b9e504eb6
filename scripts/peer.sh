#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make peer: run mainline's own FunctionFS DMABUF implementation (Debian's
# linux-source-6.12) through our selftest, as it is and with our fixes for
# it (patches/mainline/), side by side with ours, and write
# build/peer/report.md.
#
#   peer.sh [all]    tree, kernels, selftest on each, benchmark, report
#   peer.sh build    the tree and the kernels only
#   peer.sh tree     build/peer/linux: 6.12 (tag "base"), branch "mainline"
#                    with our dummy_hcd and selftest patches (the 6.12
#                    variants of patches/mainline/test/ first), branch
#                    "fixed" with the fixes of patches/mainline/series
#                    before them
#   peer.sh variants export the "mainline" branch's commits that differ
#                    from their patch to patches/mainline/test/
#   peer.sh run [SIDE...]  the selftest on every kernel as built (or on
#                    SIDE: mainline, fixed, fixed-debug, ours), and the
#                    report
#   peer.sh bench    the benchmark's kernels, the benchmark on ours and
#                    mainline + fixes, and the report
#   peer.sh report   the report again, from the last run's results
#
# Only dummy_hcd's scatter-gather support and the selftests (and, on
# "fixed", the fixes) are applied to 6.12: FunctionFS, DMABUF included, is
# mainline's. Mainline with the fixes runs on the test kernel and on the
# debug kernel (PEER_DEBUG=0: not). When a case crashes a kernel, the
# selftest resumes after it on a new boot (the harness's -r filter), so
# that every case gets a result. PEER_BENCH=0 skips the benchmark.
. "$(dirname "$0")/lib.sh"

PEER=$BUILD/peer
PEER_TREE=$PEER/linux
# Our patches that go onto 6.12, by name in patches/series without their
# number; patches/mainline/test/NAME.patch, when there, replaces one.
PEER_PATCHES=(usb-gadget-dummy_hcd-Support-scatter-gather-requests
	selftests-usb-Add-FunctionFS-DMABUF-test-on-dummy_hc
	selftests-usb-ffs-dmabuf-Build-the-test-with-the-sel
	selftests-usb-ffs-dmabuf-Add-a-stress-test
	selftests-usb-ffs-dmabuf-Add-a-benchmark
	selftests-usb-ffs-dmabuf-Add-a-zero-copy-loopback-de)
PEER_VARIANTS=$PATCHES/mainline/test
# Our fixes for mainline, applied first on the "fixed" branch
FIXES=$PATCHES/mainline
PEER_DEBUG=${PEER_DEBUG:-1}
# At most this many selftest boots on one kernel (each crash costs one)
PEER_MAX_BOOTS=${PEER_MAX_BOOTS:-20}
# Benchmark boots per speed and kernel (bench.sh's BENCH_REPS): some boots
# run everything, write() included, 10-30% slower under TCG; the median of
# three is not moved by one of them
PEER_BENCH_REPS=${PEER_BENCH_REPS:-3}
# Per boot (the whole selftest takes about a minute on ours)
PEER_TIMEOUT=${PEER_TIMEOUT:-600}
# Both kernels' command line: a kernel that oopses, warns or stalls stops
# at once, in the case that broke it, rather than leaving a broken kernel
# to the next cases or hanging until the timeout; no case marker of
# peer-guest.sh is rate-limited away.
PEER_APPEND="oops=panic panic_on_warn=1 sysctl.kernel.panic_on_rcu_stall=1 printk.devkmsg=on"
S=$TOP/scripts
G=(git -C "$PEER_TREE")

# Debian's linux-source-6.12 at the pinned version (newest as a fallback).
peer_source()
{
	install_source $PEER_PKG "$PEER_PKG_VERSION" "$PEER_TARBALL"
}

# series_patch NAME: the patch of the series called NNNN-NAME.patch
series_patch()
{
	local p
	p=$(series_files | grep "/[0-9]\{4\}-$1\.patch\$") && [[ $(wc -l <<<"$p") -eq 1 ]] ||
		die "no single patch NNNN-$1.patch in patches/series"
	echo "$p"
}

# The patch files applied to 6.12, in order.
peer_patch_files()
{
	local name
	for name in "${PEER_PATCHES[@]}"; do
		if [[ -f $PEER_VARIANTS/$name.patch ]]; then
			echo "$PEER_VARIANTS/$name.patch"
		else
			series_patch "$name"
		fi
	done
}

# The fixes for mainline, in order
fix_files()
{
	[[ -f $FIXES/series ]] || return 0
	grep -v '^\s*\(#\|$\)' "$FIXES/series" | sed "s|^|$FIXES/|"
}

# The applied files and the patches of the variants: a change in
# patches/ is noticed even when a variant hides it.
peer_patches_hash()
{
	local name
	{
		fix_files
		peer_patch_files
		for name in "${PEER_PATCHES[@]}"; do
			series_patch "$name"
		done
	} | xargs cat | sha1sum | cut -d' ' -f1
}

# origin_id PATCH: what a variant is made from, the commit message (its
# subject without the [PATCH n/m] numbering) and the diff's patch-id, so
# that renumbering the series does not make variants out of date.
origin_id()
{
	{
		sed -n '/^Subject: /,/^---$/p' "$1" | sed '1s/^Subject: \[[^]]*\] /Subject: /'
		git patch-id --stable <"$1" | cut -d' ' -f1
	} | sha1sum | cut -d' ' -f1
}

# A variant says, in its notes (between "---" and the diffstat, which git am
# ignores), which patch it replaces and that patch's origin_id, then why it
# differs: "Variant-of: NAME ID", then the text.
variant_origin()
{
	sed -n 's/^Variant-of: //p' "$1" | head -n1
}

variant_why()
{
	awk '/^Variant-of: / { on = 1; next } on && /^ [^ ]+ +\| / { exit } on' "$1" |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# A variant made from another version of its patch is out of date.
check_variant()
{
	local name
	[[ $1 == "$PEER_VARIANTS"/* ]] || return 0
	name=$(basename "$1" .patch)
	[[ $(variant_origin "$1") == "$name $(origin_id "$(series_patch "$name")")" ]] ||
		die "$1 is out of date: $(basename "$(series_patch "$name")") changed since it was made (patches/mainline/test/README)"
}

patch_id()
{
	git patch-id --stable | cut -d' ' -f1
}

# peer.sh variants: export the peer tree's commits (base..mainline, one per
# PEER_PATCHES entry) as 6.12 variants. A commit that differs from its
# patch becomes patches/mainline/test/NAME.patch, with the commit's git note
# (why it differs) and the patch's origin_id; one that does not needs no
# variant.
peer_variants()
{
	local commits name orig why tmp i
	mapfile -t commits < <("${G[@]}" rev-list --reverse base..mainline)
	[[ ${#commits[@]} -eq ${#PEER_PATCHES[@]} ]] ||
		die "$PEER_TREE: want ${#PEER_PATCHES[@]} commits on base, one per patch, got ${#commits[@]}"
	tmp=$(mktemp -d)
	"${G[@]}" -c core.abbrev=12 -c diff.algorithm=myers -c diff.noprefix=false \
		-c diff.mnemonicPrefix=false -c format.signOff=false \
		format-patch -q -n --zero-commit --no-signature -o "$tmp" base..mainline
	mkdir -p "$PEER_VARIANTS"
	for i in "${!commits[@]}"; do
		name=${PEER_PATCHES[i]}
		orig=$(series_patch "$name")
		if [[ $(patch_id <"$orig") == $("${G[@]}" show "${commits[i]}" | patch_id) ]]; then
			rm -f "$PEER_VARIANTS/$name.patch"
			continue
		fi
		why=$("${G[@]}" notes show "${commits[i]}" 2>/dev/null) ||
			die "$name differs on 6.12: say why in a note (git -C $PEER_TREE notes add ${commits[i]})"
		awk -v origin="Variant-of: $name $(origin_id "$orig")" -v why="$why" '
			tolower($0) ~ /^message-id: / { next }
			!done && /^---$/ { print; print origin; print why; print ""; done = 1; next }
			{ print }' "$tmp/$(printf '%04d' $((i + 1)))"-*.patch >"$PEER_VARIANTS/$name.patch"
		log "peer: wrote $PEER_VARIANTS/$name.patch"
	done
	rm -rf "$tmp"
	peer_patches_hash >"$PEER_TREE/.git/ffs-patches"
}

# Import the 6.12 source as one commit tagged "base", like tree.sh does.
peer_import()
{
	local desc=$1
	rm -rf "$PEER_TREE"
	mkdir -p "$PEER_TREE"
	tar -xJf "$PEER_TARBALL" -C "$PEER_TREE" --strip-components=1
	commit_base "$PEER_TREE" peer "$desc"
	# git am and notes commit with the base's identity
	"${G[@]}" config user.name "$BASE_IDENT_NAME"
	"${G[@]}" config user.email "$BASE_IDENT_EMAIL"
}

# apply_branch BRANCH FILE...: BRANCH made anew from base with FILE... on it
apply_branch()
{
	local branch=$1 p
	shift
	"${G[@]}" checkout -q -f -B "$branch" base
	"${G[@]}" clean -q -fdx
	for p in "$@"; do
		check_variant "$p"
		"${G[@]}" am -q -3 --committer-date-is-author-date "$p" ||
			die "$(basename "$p") does not apply to 6.12 ($branch): make a 6.12 variant (patches/mainline/test/README)"
		# The why of a variant goes back into a note, for peer.sh variants
		[[ $p != "$PEER_VARIANTS"/* ]] ||
			"${G[@]}" notes add -f -m "$(variant_why "$p")" HEAD 2>/dev/null
	done
}

peer_apply()
{
	local tests
	rm -f "$PEER_TREE/.git/ffs-patches"
	"${G[@]}" am --abort >/dev/null 2>&1 || true
	mapfile -t tests < <(peer_patch_files)
	apply_branch fixed $(fix_files) "${tests[@]}"
	apply_branch mainline "${tests[@]}"
	peer_patches_hash >"$PEER_TREE/.git/ffs-patches"
}

# build/peer/linux: created, re-imported when the source changed, patches
# re-applied when they changed. The tree is generated: no work is kept.
peer_tree()
{
	local desc name
	for name in "${PEER_PATCHES[@]}"; do
		series_patch "$name" >/dev/null
	done
	desc=$(peer_source)
	if [[ $(cat "$PEER_TREE/.git/ffs-base" 2>/dev/null) != "$desc" ]]; then
		log "peer: importing $desc into $PEER_TREE"
		peer_import "$desc"
	fi
	if [[ $(cat "$PEER_TREE/.git/ffs-patches" 2>/dev/null) != "$(peer_patches_hash)" ]]; then
		peer_apply
		log "peer: applied $(peer_patch_files | sed "s|^$TOP/||" | paste -sd' '), and on \"fixed\" first $(fix_files | wc -l) fixes"
	fi
}

# Wait while another kernel build runs (make test, make usbtest, ...): two
# at once on a small machine are slower than one after the other, and the
# test kernel's build directory is shared with make test.
wait_builds()
{
	local pids said=
	while pids=$(pgrep -f "^(/usr)?/bin/bash [^ ]*kbuild\\.sh( |$)" | paste -sd" "); [[ -n $pids ]]; do
		[[ $pids == "$said" ]] ||
			log "peer: waiting for another kernel build to end (pid $pids)"
		said=$pids
		sleep 20
	done
}

# The kernels with the same configuration (tinyconfig, config/vm.config,
# the selftest's config; the debug kernel's with config/debug.config) and
# their initramfs (the same selftest on both branches, each kernel's own
# modules).
peer_build()
{
	if [[ ! -d $TREE/.git ]]; then
		"$S"/tree.sh sync
	elif [[ $(cat "$TREE/.git/ffs-patches" 2>/dev/null) != "$(patches_hash)" ]]; then
		warn "$TREE is not in sync with patches/ ('make test' re-applies them); testing it as it is"
	fi
	wait_builds
	"${G[@]}" checkout -q mainline
	SRC=$PEER_TREE "$S"/kbuild.sh peer
	SRC=$PEER_TREE "$S"/initramfs.sh peer
	"${G[@]}" checkout -q fixed
	SRC=$PEER_TREE "$S"/kbuild.sh peer-fixed
	SRC=$PEER_TREE "$S"/initramfs.sh peer-fixed
	if [[ $PEER_DEBUG == 1 ]]; then
		# Without DMABUF_DEBUG: on 6.12 it scrambles the exporter's
		# sg_table, on which DMA-API debugging then faults, fixed in 7.0
		# by 51db5336e16d ("dma-buf: improve sg_table debugging hack v4")
		sed 's/^CONFIG_DMABUF_DEBUG=y$/# CONFIG_DMABUF_DEBUG is not set/' \
			"$CONFIGS/debug.config" >"$PEER/debug.config"
		SRC=$PEER_TREE "$S"/kbuild.sh peer-fixed-debug "$PEER/debug.config"
		SRC=$PEER_TREE "$S"/initramfs.sh peer-fixed-debug
	fi
	wait_builds
	"$S"/kbuild.sh test
	"$S"/initramfs.sh test
	[[ ${PEER_BENCH:-1} == 0 ]] || build_bench
}

# The benchmark's kernels, with config/bench.config
build_bench()
{
	"${G[@]}" checkout -q fixed
	SRC=$PEER_TREE "$S"/kbuild.sh peer-fixed-bench "$CONFIGS/bench.config"
	SRC=$PEER_TREE "$S"/initramfs.sh peer-fixed-bench
	"$S"/kbuild.sh bench "$CONFIGS/bench.config"
	"$S"/initramfs.sh bench
}

# Each side's initramfs with the guest job that resumes after a crash, as
# a second cpio archive appended to it (the kernel unpacks one after the
# other).
peer_initrds()
{
	rm -rf "$PEER/guest"
	mkdir -p "$PEER/guest/ffs"
	install -m 755 "$S/peer-guest.sh" "$PEER/guest/ffs/peer-selftest"
	(cd "$PEER/guest" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$PEER/guest.cpio"
	# Each kernel with its own modules
	cat "$BUILD/initramfs/peer.cpio" "$PEER/guest.cpio" >"$PEER/mainline.cpio"
	cat "$BUILD/initramfs/peer-fixed.cpio" "$PEER/guest.cpio" >"$PEER/fixed.cpio"
	if [[ -f $BUILD/initramfs/peer-fixed-debug.cpio ]]; then
		cat "$BUILD/initramfs/peer-fixed-debug.cpio" "$PEER/guest.cpio" \
			>"$PEER/fixed-debug.cpio"
	fi
	cat "$BUILD/initramfs/test.cpio" "$PEER/guest.cpio" >"$PEER/ours.cpio"
}

# run_side LABEL NAME RESULTS LOGDIR: the selftest on kernel NAME (as
# kbuild.sh and initramfs.sh name it). With a harness that has -l and -r
# (6.12's), it runs case by case (scripts/peer-guest.sh) and, after a crash
# or a hang in a case, the next boot resumes with the cases after it
# (PEER_MAX_BOOTS boots at most); with 6.1's, as make test runs it.
run_side()
{
	local label=$1 name=$2 results=$3 logdir=$4
	local boots=$PEER/$label.boots initrd=$PEER/$label.cpio
	local boot=1 job=peer-selftest dir=$logdir after= end
	# The 6.12 kernels share the initramfs of "peer"
	local bin=$BUILD/initramfs/${name/#peer*/peer}/kselftest/drivers/usb/ffs-dmabuf/ffs_dmabuf_test

	grep -q 'run specified test' "$bin" 2>/dev/null || job=selftest
	rm -rf "$logdir"
	: >"$boots"
	while :; do
		mkdir -p "$dir"
		log "boot: $label, boot $boot${after:+, resuming after $after}"
		"$S"/vm.py --kernel "$OBJ/$name/arch/x86/boot/bzImage" --initrd "$initrd" \
			--job "$job" --logdir "$dir" --results "$dir/results.txt" \
			--timeout "$PEER_TIMEOUT" \
			--append "$PEER_APPEND${after:+ ffs.after=$after}" \
			>"$dir/vm.log" 2>&1 || true
		printf '%s\t%s\t%s\t%s\n' "$boot" "$job" "$dir" "$after" >>"$boots"
		end=$("$S"/peer-report.py outcome "$dir" "$job")
		log "boot: $label, boot $boot: $end"
		[[ $end == crashed\ * || $end == hung\ * ]] || break
		if [[ $job == selftest ]]; then
			warn "$label: $end; its harness cannot resume after a case"
			break
		fi
		if ((boot >= PEER_MAX_BOOTS)); then
			warn "$label: $PEER_MAX_BOOTS boots, not resuming again"
			break
		fi
		after=${end#* }
		boot=$((boot + 1))
		dir=$logdir/boot$boot
	done
	"$S"/peer-report.py results "$boots" "$results"
}

# peer_run [SIDE...]: the selftest on every side (mainline, fixed,
# fixed-debug, ours), or on those named
peer_run()
{
	local sides=("$@") side
	[[ ${#sides[@]} -gt 0 ]] || sides=(mainline fixed fixed-debug ours)
	peer_initrds
	for side in "${sides[@]}"; do
		case $side in
		mainline)
			run_side mainline peer "$RESULTS/peer.txt" "$LOGS/peer" ;;
		fixed)
			run_side fixed peer-fixed "$RESULTS/peer-fixed.txt" "$LOGS/peer-fixed" ;;
		fixed-debug)
			rm -f "$PEER/fixed-debug.boots"
			[[ $PEER_DEBUG == 1 ]] || continue
			# Known warnings of the debug kernel are reported, not fatal
			PEER_TIMEOUT=$((PEER_TIMEOUT * 3)) \
			PEER_APPEND="${PEER_APPEND/panic_on_warn=1 /} kmemleak=on" \
				run_side fixed-debug peer-fixed-debug \
				"$RESULTS/peer-fixed-debug.txt" "$LOGS/peer-fixed-debug" ;;
		ours)
			run_side ours test "$RESULTS/peer-ours.txt" "$LOGS/peer-ours" ;;
		*)
			die "no side $side: mainline, fixed, fixed-debug or ours" ;;
		esac
	done
}

# The benchmark on ours and on mainline with the fixes (PEER_BENCH=0: no),
# their kernels with config/bench.config (build_bench),
# when its scripts exist, PEER_BENCH_REPS boots per speed: mainline as it
# is cannot run it (its short DMABUF transfers fail, bug 13, and the
# refcount warning of bug 10 discards every boot). Its files go under build/peer/bench (the
# report with its plots, the CSVs) and build/peer/logs/bench, not where
# make bench writes ours.csv and report.md; make bench's lock keeps the two
# from running at once.
peer_bench()
{
	local label name
	rm -rf "$PEER/bench"
	if [[ ${PEER_BENCH:-1} == 0 ]]; then
		log "bench: skipped (PEER_BENCH=0)"
		return 0
	fi
	if [[ ! -x $S/bench.sh || ! -x $S/bench-report.py ]]; then
		log "bench: skipped, scripts/bench.sh and scripts/bench-report.py do not exist yet"
		return 0
	fi
	mkdir -p "$BUILD/bench"
	exec 8>"$BUILD/bench/.lock"
	flock -n 8 || { log "bench: waiting for another benchmark to end"; flock 8; }
	for label in ours mainline-fixed; do
		name=bench
		[[ $label == mainline-fixed ]] && name=peer-fixed-bench
		BUILD=$PEER BENCH_REPS=$PEER_BENCH_REPS "$S"/bench.sh "$label" \
			"$OBJ/$name/arch/x86/boot/bzImage" "$BUILD/initramfs/$name.cpio" ||
			{ warn "bench.sh $label failed"; exec 8>&-; return 0; }
	done
	"$S"/bench-report.py "$PEER/bench/ours.csv" "$PEER/bench/mainline-fixed.csv" \
		>"$PEER/bench/report.log" 2>&1 || warn "bench-report.py failed, see $PEER/bench/report.log"
	exec 8>&-
}

# What ours is, read without touching the working tree's index
ours_desc()
{
	local sync="in sync with patches/"
	[[ $(cat "$TREE/.git/ffs-patches" 2>/dev/null) == "$(patches_hash)" ]] ||
		sync="NOT in sync with patches/"
	echo "$(cat "$TREE/.git/ffs-base" 2>/dev/null) + $(git -C "$TREE" rev-list --count base..HEAD) commits, build/linux at $(git -C "$TREE" log -1 --format=%h), $sync"
}

peer_report()
{
	local rc=0 bench=()
	[[ -s $PEER/bench/report.md ]] && bench=(--bench "$PEER/bench/report.md")
	# The explanations' anchors are in mainline's f_fs.c, whichever
	# branch is checked out
	"${G[@]}" show mainline:drivers/usb/gadget/function/f_fs.c >"$PEER/f_fs.c"
	"$S"/peer-report.py report --top "$TOP" \
		--ours "$PEER/ours.boots" --mainline "$PEER/mainline.boots" \
		--fixed "$PEER/fixed.boots" --fixed-debug "$PEER/fixed-debug.boots" \
		--ours-desc "$(ours_desc)" \
		--mainline-desc "$(cat "$PEER_TREE/.git/ffs-base") + $(peer_patch_files | sed "s|^$TOP/||" | paste -sd' ' | sed 's/ /, /g')" \
		--fixed-desc "the same with the $(fix_files | wc -l) fixes of patches/mainline/series first" \
		--explanations "$CONFIGS/peer-explanations.tsv" \
		--ffs-source "$PEER/f_fs.c" \
		"${bench[@]}" --out "$PEER/report.md" || rc=$?
	cat "$PEER/report.md"
	log "peer: report $PEER/report.md"
	return $rc
}

case ${1:-all} in
all)
	"$S"/deps.sh
	peer_tree
	peer_build
	peer_run
	peer_bench
	peer_report
	;;
tree)
	peer_tree
	;;
build)
	peer_tree
	peer_build
	;;
variants)
	peer_variants
	;;
run)
	shift
	peer_run "$@"
	peer_report
	;;
bench)
	peer_tree
	wait_builds
	build_bench
	peer_bench
	peer_report
	;;
report)
	peer_report
	;;
*)
	die "usage: peer.sh [all|build|tree|variants|run [SIDE...]|bench|report]"
	;;
esac
