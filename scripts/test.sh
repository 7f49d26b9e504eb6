#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test / make: build the patched kernel, run the selftests in QEMU,
# run the patch quality gate (make test only), and print the summary.
#
#   test.sh full     everything, each result printed (make test)
#   test.sh quick    selftests only, quiet, short summary (make)
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
if "$S"/kbuild.sh test && "$S"/initramfs.sh test; then
	log "boot: selftests in QEMU (console and output logs under $LOGS/test)"
	"$S"/vm.py --kernel "$OBJ/test/arch/x86/boot/bzImage" \
		--initrd "$BUILD/initramfs/test.cpio" --job selftest \
		--logdir "$LOGS/test" --results "$out" "${vm_args[@]}" || true
else
	result "$out" FAIL "kernel and selftests build" "see $LOGS"
fi

if [[ $mode == full ]]; then
	"$S"/check.sh "$out" || result "$out" FAIL "patch quality gate" "see $LOGS"
fi
exec "$S"/summary.sh "$out"
