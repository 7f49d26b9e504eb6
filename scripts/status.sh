#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make status: base, series, working tree state, last test result.
. "$(dirname "$0")/lib.sh"

G=(git -C "$TREE")
echo "base:    $(cat "$TREE/.git/ffs-base" 2>/dev/null || echo "Debian $BASE_PKG $BASE_PKG_VERSION (pinned; no tree yet)")"
echo "series:  $(series_files | wc -l) patches in patches/"
if [[ ! -d $TREE/.git ]]; then
	echo "tree:    none (make tree)"
else
	ahead=$("${G[@]}" rev-list --count refs/ffs/exported..HEAD 2>/dev/null || echo '?')
	dirty=$("${G[@]}" status --porcelain --untracked-files=no | wc -l)
	untracked=$("${G[@]}" ls-files --others -- ':!.checkpatch-camelcase.*' | wc -l)
	synced=$([[ $(cat "$TREE/.git/ffs-patches" 2>/dev/null) == "$(patches_hash)" ]] &&
		echo "in sync with patches/" || echo "patches/ changed since the tree was made")
	echo "tree:    $TREE: $ahead unexported commits, $dirty changed and $untracked untracked files; $synced"
fi
echo "last test: $(cut -f1,2,3 "$BUILD/last-test" 2>/dev/null | tr '\t' ' ' || echo none)"
