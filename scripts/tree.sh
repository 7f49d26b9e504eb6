#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Create or refresh the kernel working tree: the base as one commit tagged
# "base", then every patch of patches/series applied with git am.
#
#   tree.sh create   (make tree) rebuild the tree from the base and the
#                    series; refuses when the tree holds unexported work
#   tree.sh sync     (make test) create the tree if missing, re-apply the
#                    series if patches/ changed; unexported commits on top
#                    of an up-to-date series are kept and tested
. "$(dirname "$0")/lib.sh"

mode=${1:-sync}
G=(git -C "$TREE")

# Non-empty output: why the tree holds work that is not in patches/.
unexported_work()
{
	[[ -d $TREE/.git ]] || return 0
	if [[ $("${G[@]}" rev-parse HEAD) != $("${G[@]}" rev-parse -q --verify refs/ffs/exported || true) ]]; then
		echo "commits not exported to patches/ ($("${G[@]}" rev-list --count refs/ffs/exported..HEAD 2>/dev/null || echo '?') new)"
	fi
	if [[ -n $("${G[@]}" status --porcelain --untracked-files=no) ||
	      -n $("${G[@]}" ls-files --others -- ':!.checkpatch-camelcase.*' | head -n1) ]]; then
		echo "uncommitted changes"
	fi
}

base_source_desc()
{
	if [[ -n "${KERNEL_SRC:-}" ]]; then
		echo "$KERNEL_SRC ($(git -C "$KERNEL_SRC" describe --always --dirty 2>/dev/null || echo 'plain tree'))"
	else
		echo "Debian $BASE_PKG $(dpkg-query -W -f='${Version}' $BASE_PKG)"
	fi
}

# Import the base source as a single commit with a fixed identity and date.
import_base()
{
	local desc=$1
	rm -rf "$TREE"
	mkdir -p "$TREE"
	if [[ -z "${KERNEL_SRC:-}" ]]; then
		tar -xJf "$BASE_TARBALL" -C "$TREE" --strip-components=1
	elif git -C "$KERNEL_SRC" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$KERNEL_SRC" archive --format=tar HEAD | tar -x -C "$TREE"
	else
		rsync -a --exclude=.git "$KERNEL_SRC"/ "$TREE"/
	fi
	commit_base "$TREE" ffs-dmabuf "$desc"
}

# The cover letter's subject and blurb become the branch description, from
# which "make series" regenerates it.
load_cover_description()
{
	local cover=$PATCHES/0000-cover-letter.patch
	[[ -f $cover ]] || return 0
	awk '
		!body && /^Subject: / { subj = $0; insubj = 1
			sub(/^Subject: (\[[^]]*\] )?/, "", subj); next }
		!body && insubj && /^[ \t]/ { subj = subj $0; next }
		!body && /^$/ { body = 1; print subj; print ""; next }
		!body { insubj = 0; next }
		/^[^ ].* \([0-9]+\):$/ { exit }
		{ print }
	' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$TREE/.git/ffs-description"
	"${G[@]}" config branch.ffs-dmabuf.description "$(cat "$TREE/.git/ffs-description")"
}

apply_series()
{
	local p
	"${G[@]}" reset -q --hard base
	"${G[@]}" clean -q -fdx
	while read -r p; do
		[[ -n $p ]] || continue
		"${G[@]}" am -q --committer-date-is-author-date "$p" ||
			die "patch $(basename "$p") does not apply (git -C $TREE am --abort)"
	done < <(series_files)
	load_cover_description
	"${G[@]}" update-ref refs/ffs/exported HEAD
	patches_hash >"$TREE/.git/ffs-patches"
}

desc=$(base_source_desc)
work=$(unexported_work)
if [[ -d $TREE/.git && $(cat "$TREE/.git/ffs-base" 2>/dev/null) != "$desc" ]]; then
	[[ -z $work ]] || die "the base changed to $desc but $TREE holds $work; run 'make series' to keep it or 'make discard' to drop it"
	log "tree: base changed to $desc, re-importing"
	rm -rf "$TREE"
fi
if [[ ! -d $TREE/.git ]]; then
	log "tree: importing $desc into $TREE"
	import_base "$desc"
	apply_series
	log "tree: applied $(series_files | wc -l) patches"
	exit 0
fi

synced=$([[ $(cat "$TREE/.git/ffs-patches" 2>/dev/null) == "$(patches_hash)" ]] && echo y || true)
case $mode in
create)
	[[ -z $work ]] || die "$TREE holds $work; run 'make series' to export it or 'make discard' to drop it"
	;;
sync)
	if [[ -n $synced ]]; then
		[[ -z $work ]] || log "tree: testing the working tree with $work"
		exit 0
	fi
	[[ -z $work ]] || die "patches/ changed but $TREE holds $work; run 'make series' (and merge) or 'make discard'"
	;;
discard)
	;;
*)
	die "usage: tree.sh create|sync|discard"
	;;
esac
apply_series
log "tree: applied $(series_files | wc -l) patches onto $desc"
