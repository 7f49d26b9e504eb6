#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Patch quality gate, on patches/ as committed (not on the working tree):
#  - every patch applies in order with git am;
#  - checkpatch.pl --strict: no error, no warning, no check;
#  - every prefix of the series builds (bisectable: vmlinux, and the boot
#    image at the last) with W=1, and neither W=1, sparse (C=2) nor
#    kernel-doc reports anything new in the files the patch touches,
#    compared with the base;
#  - the same cross-built for arm64 and 32-bit ARM (our series): every
#    prefix compiles the files it touches with nothing new reported;
#  - the USB documentation builds with no new warning;
#  - get_maintainer.pl names a maintainer for every new file.
# Results are cached by the series' hash. SERIES=mainline checks the
# fixes for mainline (patches/mainline/) on 6.12, its results prefixed
# "mainline: ".
. "$(dirname "$0")/lib.sh"

out=$1 # results file
chk=$BUILD/check
pfx=
if [[ $SERIES != ours ]]; then
	chk=$BUILD/check-$SERIES
	pfx="$SERIES: "
fi
SFX=${pfx:+-$SERIES}
wt=$chk/linux
obj=$OBJ/check
# Cached by the series and by this script
cache=$chk/results-$({ patches_hash; cat "$0"; } | sha1sum | cut -d' ' -f1)
G=(git -C "$wt")

if [[ -f $cache ]]; then
	log "check: series unchanged since the last check, reusing its results"
	while IFS=$'\t' read -r st name detail; do
		result "$out" "$st" "$name" "$detail"
	done <"$cache"
	exit 0
fi
mkdir -p "$chk"
new=$chk/results.new
: >"$new"

prepare_worktree()
{
	if [[ ! -d $wt ]]; then
		git -C "$TREE" worktree prune
		git -C "$TREE" worktree add -q --detach "$wt" base
	fi
	"${G[@]}" am --abort >/dev/null 2>&1 || true
	"${G[@]}" checkout -q --detach base
	"${G[@]}" clean -q -fdx
}

# Normalised warnings of FILE... (line numbers dropped, so that code moving
# does not count as a new warning).
file_warnings()
{
	local f o kfiles=() cfiles=() objs=()
	for f in "$@"; do
		[[ -f $wt/$f ]] || continue
		case $f in
		tools/* | Documentation/* | scripts/*) continue ;;
		*.c) cfiles+=("$f"); kfiles+=("$f") ;;
		*.h) kfiles+=("$f") ;;
		esac
	done
	for f in "${cfiles[@]}"; do
		o=${f%.c}.o
		# Only files built in this configuration: after a whole build,
		# those with an object. Without one (the cross-builds), make -k
		# tries them all and leaves no object for the others.
		[[ -z $whole || -f $obj/$o ]] || continue
		rm -f "$obj/$o"
		objs+=("$o")
	done
	{
		# One make for them all: each make costs seconds before it
		# compiles anything.
		if [[ ${#objs[@]} -gt 0 ]]; then
			kmake -k W=1 C=2 -j"$JOBS" "${objs[@]}" 2>&1 |
				grep -E ': (warning|error):' || true
		fi
		if [[ ${#kfiles[@]} -gt 0 ]]; then
			(cd "$wt" && scripts/kernel-doc -none "${kfiles[@]}" 2>&1) || true
		fi
	} | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | LC_ALL=C sort -u
}

# make in the worktree for the architecture of guest_arch (lib.sh), into
# $obj
kmake()
{
	kmake_vars
	make -C "$wt" O="$obj" "${KMAKE_VARS[@]}" "$@"
}

# build_prefix [vmlinux]: the kernel with W=1, its boot image unless
# vmlinux is asked (the image's packaging is the same at every prefix
# and costs more than half of an incremental build)
build_prefix()
{
	kmake W=1 -j"$JOBS" "${1:-$(basename "$KIMAGE")}"
}

configure()
{
	SRC=$wt ARCH=$GUEST_ARCH CONFIG_ONLY=1 "$TOP"/scripts/kbuild.sh \
		"$(basename "$obj")" "$CONFIGS/check.config"
}

step "${pfx}check: worktree" "$LOGS/check$SFX-worktree.log" prepare_worktree

# 1. The series applies; collect the files each patch touches.
mapfile -t files < <(series_files)
commits=()
for p in "${files[@]}"; do
	n=$(basename "$p")
	if "${G[@]}" am -q --committer-date-is-author-date "$p" >"$LOGS/check$SFX-am.log" 2>&1; then
		result "$new" PASS "$pfx$n: git am"
		commits+=("$("${G[@]}" rev-parse HEAD)")
	else
		result "$new" FAIL "$pfx$n: git am" "see $LOGS/check$SFX-am.log"
		"${G[@]}" am --abort >/dev/null 2>&1 || true
		break
	fi
done
head=$("${G[@]}" rev-parse HEAD)

# checkpatch findings of a patch, less the accepted exceptions
checkpatch()
{
	(cd "$wt" && scripts/checkpatch.pl --strict --quiet --no-summary \
		--show-types "$1" || true) 2>&1 |
	awk -F'\t' -v exc="$CONFIGS/checkpatch-exceptions" '
		BEGIN { while ((getline l < exc) > 0) if (l !~ /^#/) {
				split(l, f, "\t"); ok[f[1] "\t" f[2]] = 1 } }
		/^(ERROR|WARNING|CHECK):/ { flush(); split($0, t, ":"); type = t[2] }
		/^#[0-9]+: FILE: / { file = $0; sub(/^#[0-9]+: FILE: /, "", file)
				     sub(/:[0-9]+:$/, "", file) }
		{ block = block $0 "\n" }
		/^$/ { flush() }
		END { flush() }
		function flush() { if (block != "" && !((type "\t" file) in ok))
					   printf "%s", block
				   block = ""; type = ""; file = "" }'
}

# 2. checkpatch, on the patch files as they will be sent.
for p in "${files[@]:0:${#commits[@]}}"; do
	n=$(basename "$p")
	checkpatch "$p" >"$chk/checkpatch-$n.log"
	if ! grep -q '^\(ERROR\|WARNING\|CHECK\)' "$chk/checkpatch-$n.log"; then
		result "$new" PASS "$pfx$n: checkpatch --strict"
	else
		cat "$chk/checkpatch-$n.log"
		result "$new" FAIL "$pfx$n: checkpatch --strict" "$(grep -c '^\(ERROR\|WARNING\|CHECK\)' "$chk/checkpatch-$n.log") findings"
	fi
done

# new_warnings BASE NOW NAME: result NAME, passed when the warnings in file
# NOW are all in file BASE
new_warnings()
{
	local added
	added=$(LC_ALL=C comm -13 "$1" "$2")
	if [[ -n $added ]]; then
		echo "$added"
		result "$new" FAIL "$3" "$(echo "$added" | wc -l) new"
	else
		result "$new" PASS "$3"
	fi
}

# unbuilt NAME FILE...: fails NAME when a kernel C file among FILE... has
# no object in $obj: a check of its warnings would check nothing
unbuilt()
{
	local name=$1 f missing=()
	shift
	for f in "$@"; do
		case $f in
		tools/* | Documentation/* | scripts/*) continue ;;
		*.c) [[ ! -f $wt/$f || -f $obj/${f%.c}.o ]] || missing+=("$f") ;;
		esac
	done
	[[ ${#missing[@]} -eq 0 ]] ||
		result "$new" FAIL "$name" "not built in this configuration: ${missing[*]}"
}

# at_commit I: check out the series' commit I; its patch's name in n, the
# files it touches in mine
at_commit()
{
	local c=${commits[$1]}
	n=$(basename "${files[$1]}")
	"${G[@]}" checkout -q --detach "$c"
	mapfile -t mine < <("${G[@]}" diff --name-only "$c~1" "$c")
}

# 3. Bisectability and new warnings, against the base: whole builds.
whole=1
step "${pfx}check: config" "$LOGS/check$SFX-config.log" configure
mapfile -t touched < <("${G[@]}" diff --name-only base "$head")
"${G[@]}" checkout -q --detach base
step "${pfx}check: build base (W=1)" "$LOGS/check$SFX-base.log" build_prefix vmlinux
file_warnings "${touched[@]}" >"$chk/warnings-base"
built=1
last=$((${#commits[@]} - 1))
for i in "${!commits[@]}"; do
	at_commit "$i"
	# vmlinux at every prefix, the boot image too at the last
	target=vmlinux
	[[ $i -lt $last ]] || target=
	if [[ -n $built && -n $target ]] &&
	   ! printf '%s\n' "${mine[@]}" | grep -qvE '^(tools/|Documentation/|MAINTAINERS$)'; then
		# No kernel source changed: the kernel is the prefix before's
		result "$new" PASS "$pfx$n: builds with W=1"
	elif step "${pfx}check: build $n (W=1)" "$LOGS/check$SFX-build-$i.log" build_prefix ${target:+"$target"}; then
		result "$new" PASS "$pfx$n: builds with W=1"
		built=1
	else
		result "$new" FAIL "$pfx$n: builds with W=1" "see $LOGS/check$SFX-build-$i.log"
		built=
		continue
	fi
	unbuilt "$pfx$n: every file it touches is built" "${mine[@]}"
	file_warnings "${mine[@]}" >"$chk/warnings-$i"
	new_warnings "$chk/warnings-base" "$chk/warnings-$i" "$pfx$n: W=1, sparse, kernel-doc clean"
done

# 3b. Cross-built for arm64 and 32-bit ARM: every prefix compiles the
# files it touches with nothing new reported against the base. The
# objects these compile are all that is built: the whole series is linked
# for both architectures by make test's arm64 and arm kernels, which boot
# it (a whole W=1 build of the base here, to compare with, cost 3 minutes
# for each architecture).
cross_check()
{
	local i whole=
	guest_arch "$1"
	obj=$OBJ/check-$1
	# Configured with the series' selftest config, as the test kernel
	"${G[@]}" checkout -q --detach "$head"
	step "${pfx}check: config ($1)" "$LOGS/check$SFX-config-$1.log" configure
	"${G[@]}" checkout -q --detach base
	file_warnings "${touched[@]}" >"$chk/warnings-base-$1"
	for i in "${!commits[@]}"; do
		at_commit "$i"
		file_warnings "${mine[@]}" >"$chk/warnings-$i-$1"
		unbuilt "$pfx$n: $1: every file it touches is built" "${mine[@]}"
		new_warnings "$chk/warnings-base-$1" "$chk/warnings-$i-$1" \
			"$pfx$n: $1: compiles, W=1, sparse clean"
	done
	guest_arch x86_64
	obj=$OBJ/check
}
if [[ $SERIES == ours ]]; then
	cross_check arm64
	cross_check arm
fi

# 4. Documentation, when the series touches it.
docs()
{
	make -C "$wt" O="$chk/docs" SPHINXDIRS=usb htmldocs 2>&1 |
		grep -iE 'warning|error' | sed -E 's/:[0-9]+:/:/' | LC_ALL=C sort -u
}
if printf '%s\n' "${touched[@]}" | grep -q '^Documentation/usb/'; then
	"${G[@]}" checkout -q --detach base
	docs >"$chk/docs-base"
	"${G[@]}" checkout -q --detach "$head"
	docs >"$chk/docs-head"
	added=$(LC_ALL=C comm -13 "$chk/docs-base" "$chk/docs-head")
	if [[ -n $added ]]; then
		echo "$added"
		result "$new" FAIL "${pfx}series: htmldocs (usb) without new warnings"
	else
		result "$new" PASS "${pfx}series: htmldocs (usb) without new warnings"
	fi
fi

# 5. Every new file has a maintainer.
"${G[@]}" checkout -q --detach "$head"
while read -r f; do
	if (cd "$wt" && scripts/get_maintainer.pl --no-git --no-git-fallback -f "$f") |
		grep -qE '\((maintainer|supporter):'; then
		result "$new" PASS "${pfx}maintainer for $f"
	else
		result "$new" FAIL "${pfx}maintainer for $f"
	fi
done < <("${G[@]}" diff --name-only --diff-filter=A base "$head")

cat "$new" >>"$out"
grep -q '^FAIL' "$new" || mv "$new" "$cache"
