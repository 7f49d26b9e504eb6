#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the selftests statically with the kernel's own kselftest Makefile
# (install target, so the VM runs the standard run_kselftest.sh) and pack
# them with busybox into an initramfs.
#
#   initramfs.sh NAME      (uses the kernel built by "kbuild.sh NAME")
#
# ARCH=arm64 or ARCH=arm: cross-built, with Debian's busybox-static of
# that architecture.
. "$(dirname "$0")/lib.sh"

name=$1
src=${SRC:-$TREE}
obj=$OBJ/$name
root=$BUILD/initramfs/$name
cpio=$BUILD/initramfs/$name.cpio

# kselftest_install ARGS...: the selftest, built statically and installed
kselftest_install()
{
	make -C "$src/tools/testing/selftests" O="$obj" \
		ARCH="$GUEST_ARCH" CROSS_COMPILE="$CROSS" \
		TARGETS=drivers/usb/ffs-dmabuf LDFLAGS=-static "$@" install
}

# The guest's busybox: the host's, or Debian's busybox-static of the
# guest's architecture, downloaded once
busybox_bin()
{
	local dir=$BUILD/busybox/$GUEST_ARCH deb_arch=$GUEST_ARCH
	if [[ $GUEST_ARCH == x86_64 ]]; then
		echo /bin/busybox
		return
	fi
	[[ $GUEST_ARCH == arm ]] && deb_arch=armhf
	if [[ ! -x $dir/bin/busybox ]]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		(cd "$dir" && apt-get download -qq "busybox-static:$deb_arch" &&
			dpkg-deb -x busybox-static_*.deb .) >&2
	fi
	echo "$dir/bin/busybox"
}

# The selftest for the kernel's own ABI, and built as 32-bit userspace for
# the compat ioctl path (/kselftest32, job selftest32) where the kernel
# runs it (CONFIG_COMPAT), with Debian's cross compilers (i686: gcc-multilib,
# the other way, conflicts with the ARM cross compilers). arm64's uapi
# headers do not serve 32-bit code (__BITS_PER_LONG is 64): armhf builds
# with the 32-bit ARM headers of the same tree.
build_selftests()
{
	local cc32 hdr32=()
	rm -rf "$root"
	mkdir -p "$root"/{bin,kselftest,ffs}
	kselftest_install INSTALL_PATH="$root/kselftest"
	grep -q '^CONFIG_COMPAT=y' "$obj/.config" || return 0
	case $GUEST_ARCH in
	x86_64) cc32=i686-linux-gnu-gcc ;;
	arm64)
		cc32=arm-linux-gnueabihf-gcc
		make -C "$src" ARCH=arm O="$obj/uapi32" headers_install >/dev/null
		hdr32=(KHDR_INCLUDES="-isystem $obj/uapi32/usr/include")
		;;
	*) return 0 ;;
	esac
	kselftest_install CC=$cc32 "${hdr32[@]}" BUILD="$obj/kselftest32" \
		INSTALL_PATH="$root/kselftest32"
}

# The kernel's modules (the selftest's gadget drivers are modules)
install_modules()
{
	grep -q '^CONFIG_MODULES=y' "$obj/.config" || return 0
	make -C "$src" O="$obj" ARCH="$GUEST_ARCH" CROSS_COMPILE="$CROSS" \
		INSTALL_MOD_PATH="$root" INSTALL_MOD_STRIP=1 modules_install
}

pack()
{
	install_modules
	cp "$(busybox_bin)" "$root/bin/busybox"
	install -m 755 "$TOP/scripts/init.sh" "$root/init"
	# Jobs other than the selftest: ffs.job=NAME runs /ffs/NAME
	local job
	for job in "$TOP"/scripts/guest/*.sh; do
		[[ -e $job ]] || continue
		install -m 755 "$job" "$root/ffs/$(basename "$job" .sh)"
	done
	# The same files make the same archive (make test reuses the results
	# of a boot whose initramfs did not change)
	find "$root" -exec touch -h -d @0 {} +
	(cd "$root" && find . | LC_ALL=C sort |
		cpio -o -H newc --reproducible --quiet) >"$cpio"
}

step "selftests ($name)" "$LOGS/selftests-$name.log" build_selftests
step "initramfs ($name)" "$LOGS/initramfs-$name.log" pack
