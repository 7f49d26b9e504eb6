#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the working tree's commits (base..HEAD) into patches/, in
# git format-patch form with a cover letter, plus a quilt "series" file.
# Deterministic: a second run changes nothing.
. "$(dirname "$0")/lib.sh"

G=(git -C "$TREE")
[[ -d $TREE/.git ]] || die "no working tree at $TREE; run 'make tree' first"
[[ -n "${KERNEL_SRC:-}" ]] && die "make series exports the working tree; unset KERNEL_SRC"

if [[ -n $("${G[@]}" status --porcelain --untracked-files=no) ]]; then
	warn "uncommitted changes in $TREE are not exported; commit them first"
fi
if [[ -z $("${G[@]}" config branch.ffs-dmabuf.description || true) ]]; then
	die "no cover letter text: git -C $TREE branch --edit-description (first line: subject)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${G[@]}" -c core.abbrev=12 -c diff.algorithm=myers -c diff.noprefix=false \
	-c diff.mnemonicPrefix=false -c format.signOff=false \
	format-patch -q --zero-commit --no-signature --base=base \
	--cover-letter --cover-from-description=subject \
	--no-numbered-files -o "$tmp" base..HEAD

# The cover letter carries the date of the export; use the last commit's.
sed -i "s/^Date: .*/Date: $("${G[@]}" log -1 --format=%aD HEAD)/" \
	"$tmp"/0000-cover-letter.patch
# Message-IDs depend on the time: drop threading headers for determinism.
sed -i -e '/^Message-Id: /Id' -e '/^In-Reply-To: /Id' -e '/^References: /Id' "$tmp"/*.patch

rm -f "$PATCHES"/*.patch "$PATCHES"/series
mkdir -p "$PATCHES"
cp "$tmp"/*.patch "$PATCHES"/
(cd "$PATCHES" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-cover-letter' >series)

"${G[@]}" update-ref refs/ffs/exported HEAD
patches_hash >"$TREE/.git/ffs-patches"
log "series: exported $(wc -l <"$PATCHES/series") patches to ${PATCHES#"$TOP"/}/"
