#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test / make: build the patched kernel, run the selftests in QEMU,
# run the patch quality gate (make test only), and print the summary.
#
#   test.sh full     everything, each result printed (make test)
#   test.sh quick    selftests only, quiet, short summary (make)
#   test.sh check    the patch quality gate only (make check)
. "$(dirname "$0")/lib.sh"

mode=${1:-full}
out=$RESULTS/$mode.txt
: >"$out"
S=$TOP/scripts

"$S"/deps.sh
log "base: $("$S"/base.sh)"
"$S"/tree.sh sync

vm_args=()
[[ $mode == quick ]] && vm_args+=(--quiet)
if [[ $mode == check ]]; then
	:
elif "$S"/kbuild.sh test && "$S"/initramfs.sh test; then
	log "boot: selftests in QEMU (console and output logs under $LOGS/test)"
	"$S"/vm.py --kernel "$OBJ/test/arch/x86/boot/bzImage" \
		--initrd "$BUILD/initramfs/test.cpio" --job selftest \
		--logdir "$LOGS/test" --results "$out" "${vm_args[@]}" || true
else
	result "$out" FAIL "kernel and selftests build" "see $LOGS"
fi

# The same selftest on the debug kernel (KASAN, lockdep, kmemleak, ...)
if [[ $mode == full ]]; then
	if "$S"/kbuild.sh debug "$CONFIGS/debug.config" &&
	   "$S"/initramfs.sh debug; then
		log "boot: selftests on the debug kernel"
		"$S"/vm.py --kernel "$OBJ/debug/arch/x86/boot/bzImage" \
			--initrd "$BUILD/initramfs/debug.cpio" --job selftest \
			--logdir "$LOGS/debug" --results "$out" --prefix "debug: " \
			--timeout 1500 --append "kmemleak=on" || true
	else
		result "$out" FAIL "debug kernel and selftests build" "see $LOGS"
	fi
fi

if [[ $mode != quick ]]; then
	"$S"/check.sh "$out" || result "$out" FAIL "patch quality gate" "see $LOGS"
fi
exec "$S"/summary.sh "$out"
