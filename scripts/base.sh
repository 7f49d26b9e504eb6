#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the base kernel source is available: Debian's linux-source-6.1
# at the pinned version (falling back to the newest one, with a warning),
# or the tree given in KERNEL_SRC. Prints the base description.
. "$(dirname "$0")/lib.sh"

pkg_version()
{
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

if [[ -n "${KERNEL_SRC:-}" ]]; then
	mk=$KERNEL_SRC/Makefile
	[[ -f $mk ]] || die "KERNEL_SRC=$KERNEL_SRC is not a kernel tree"
	v=$(awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3}
		END{print v "." p "." s}' "$mk")
	[[ $v == 6.1.* ]] || die "KERNEL_SRC=$KERNEL_SRC is Linux $v, not 6.1"
	echo "Linux $v from $KERNEL_SRC"
	exit 0
fi

have=$(pkg_version $BASE_PKG)
if [[ $have != "$BASE_PKG_VERSION" ]]; then
	[[ $(id -u) -eq 0 ]] ||
		die "base source missing; run as root: apt-get install -y $BASE_PKG=$BASE_PKG_VERSION"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq --allow-downgrades \
		"$BASE_PKG=$BASE_PKG_VERSION" >"$LOGS/apt-base.log" 2>&1; then
		apt-get update -qq >>"$LOGS/apt-base.log" 2>&1 || true
		apt-get install -y -qq --allow-downgrades \
			"$BASE_PKG=$BASE_PKG_VERSION" >>"$LOGS/apt-base.log" 2>&1 ||
			apt-get install -y -qq $BASE_PKG >>"$LOGS/apt-base.log" 2>&1 ||
			die "cannot install $BASE_PKG; run as root: apt-get install -y $BASE_PKG"
	fi
	have=$(pkg_version $BASE_PKG)
	[[ $have == "$BASE_PKG_VERSION" ]] ||
		warn "$BASE_PKG $BASE_PKG_VERSION cannot be installed; using the newest, $have"
fi
[[ -f $BASE_TARBALL ]] || die "$BASE_TARBALL missing after installing $BASE_PKG"
echo "Debian $BASE_PKG $have"
