#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make usbtest: the kernel's own UDC test suite (g_zero, usbtest and
# tools/usb/testusb.c) on dummy_hcd, on the base kernel and with the series,
# as a table of testusb case results.
. "$(dirname "$0")/lib.sh"

dir=$BUILD/usbtest
base=$BUILD/basewt
mkdir -p "$dir/root/bin" "$dir/root/ffs"

"$TOP"/scripts/deps.sh
"$TOP"/scripts/tree.sh sync
if [[ ! -d $base ]]; then
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$base" base
fi

gcc -static -O2 -pthread -o "$dir/root/ffs/testusb" "$TREE/tools/usb/testusb.c"
cp /bin/busybox "$dir/root/bin/busybox"
install -m 755 "$TOP/scripts/init.sh" "$dir/root/init"
install -m 755 "$TOP/scripts/usbtest-guest.sh" "$dir/root/ffs/usbtest"
(cd "$dir/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$dir/usbtest.cpio"

for name in usbtest-base usbtest; do
	src=$TREE
	[[ $name == usbtest-base ]] && src=$base
	SRC=$src "$TOP"/scripts/kbuild.sh "$name" "$CONFIGS/usbtest.config"
	log "boot: testusb on $name"
	"$TOP"/scripts/vm.py --kernel "$OBJ/$name/arch/x86/boot/bzImage" \
		--initrd "$dir/usbtest.cpio" --job usbtest --logdir "$LOGS/$name" \
		--results "$dir/$name.results" --quiet --timeout 900
done

# One row per testusb case: pass, the errno, or not supported (no line)
python3 - "$LOGS/usbtest-base/usbtest.output.log" "$LOGS/usbtest/usbtest.output.log" <<'PY'
import re, sys

def results(path):
    r = {}
    for line in open(path, errors="replace"):
        m = re.match(r"T(\d+): \S+ test \d+(,| --> (\d+))", line)
        if m:
            r[int(m.group(1))] = "pass" if m.group(2) == "," else f"errno {m.group(3)}"
    return r

base, series = results(sys.argv[1]), results(sys.argv[2])
print("| testusb case | 6.1 base | with the series |\n|---|---|---|")
for t in range(30):
    print(f"| {t} | {base.get(t, 'not supported')} | {series.get(t, 'not supported')} |")
PY
