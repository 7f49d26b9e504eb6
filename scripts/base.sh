#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the base kernel source is available: Debian's linux-source-6.1
# at the pinned version (falling back to the newest one, with a warning),
# or the tree given in KERNEL_SRC. Prints the base description.
. "$(dirname "$0")/lib.sh"

if [[ -n "${KERNEL_SRC:-}" ]]; then
	mk=$KERNEL_SRC/Makefile
	[[ -f $mk ]] || die "KERNEL_SRC=$KERNEL_SRC is not a kernel tree"
	v=$(awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3}
		END{print v "." p "." s}' "$mk")
	[[ $v == 6.1.* ]] || die "KERNEL_SRC=$KERNEL_SRC is Linux $v, not 6.1"
	echo "Linux $v from $KERNEL_SRC"
	exit 0
fi

install_source $BASE_PKG "$BASE_PKG_VERSION" "$BASE_TARBALL"
