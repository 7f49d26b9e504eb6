#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the selftests statically with the kernel's own kselftest Makefile
# (install target, so the VM runs the standard run_kselftest.sh) and pack
# them with busybox into an initramfs.
#
#   initramfs.sh NAME      (uses the kernel built by "kbuild.sh NAME")
. "$(dirname "$0")/lib.sh"

name=$1
src=${SRC:-$TREE}
obj=$OBJ/$name
root=$BUILD/initramfs/$name
cpio=$BUILD/initramfs/$name.cpio

build_selftests()
{
	rm -rf "$root"
	mkdir -p "$root"/{bin,kselftest,ffs}
	make -C "$src/tools/testing/selftests" O="$obj" \
		TARGETS=drivers/usb/ffs-dmabuf LDFLAGS=-static \
		INSTALL_PATH="$root/kselftest" install
}

pack()
{
	cp /bin/busybox "$root/bin/busybox"
	install -m 755 "$TOP/scripts/init.sh" "$root/init"
	# Jobs other than the selftest: ffs.job=NAME runs /ffs/NAME
	local job
	for job in "$TOP"/scripts/guest/*.sh; do
		[[ -e $job ]] || continue
		install -m 755 "$job" "$root/ffs/$(basename "$job" .sh)"
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$cpio"
}

step "selftests ($name)" "$LOGS/selftests-$name.log" build_selftests
step "initramfs ($name)" "$LOGS/initramfs-$name.log" pack
