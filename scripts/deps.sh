#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build and tests need, only when missing.
. "$(dirname "$0")/lib.sh"

PKGS=(
	make gcc gcc-i686-linux-gnu libc6-dev flex bison bc libelf-dev libssl-dev perl python3
	cpio xz-utils kmod rsync git ccache sparse
	qemu-system-x86 busybox-static
	qemu-system-arm gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
	python3-sphinx python3-ply python3-git gnuplot-nox
)

installed()
{
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# The ARM guests' busybox is Debian's busybox-static of their
# architectures (initramfs.sh downloads it): apt needs their package lists
foreign=$(dpkg --print-foreign-architectures)
for a in arm64 armhf; do
	grep -qx "$a" <<<"$foreign" && continue
	[[ $(id -u) -eq 0 ]] ||
		die "run as root: dpkg --add-architecture $a && apt-get update"
	log "apt: adding the $a architecture's package lists"
	dpkg --add-architecture "$a"
	apt-get update -qq >"$LOGS/apt.log" 2>&1 ||
		warn "apt-get update failed (see $LOGS/apt.log); using the lists it has"
done

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	die "missing packages; run as root: apt-get install -y ${missing[*]}"
fi
log "apt: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A mirror in sync may fail one list: install from the others
apt-get update -qq >"$LOGS/apt.log" 2>&1 ||
	warn "apt-get update failed (see $LOGS/apt.log); using the lists it has"
if ! apt-get install -y -qq "${missing[@]}" >>"$LOGS/apt.log" 2>&1; then
	tail -n 5 "$LOGS/apt.log" >&2
	die "cannot install packages; run as root: apt-get update && apt-get install -y ${missing[*]}"
fi
