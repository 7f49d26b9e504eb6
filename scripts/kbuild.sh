#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build one kernel configuration out of tree.
#
#   kbuild.sh NAME [FRAGMENT...]
#
# With CONFIG_ONLY=1, stop after configuring. SRC= overrides the tree.
# ARCH=arm64 or ARCH=arm cross-builds (default: x86_64).
#
# The configuration is tinyconfig plus config/vm.config and the
# architecture's config/vm-ARCH.config, the selftest's own "config" file
# and the given fragments. Every option a fragment asks
# for is checked after olddefconfig; a dropped one fails the build.
. "$(dirname "$0")/lib.sh"

name=$1
shift
src=${SRC:-$TREE}
obj=$OBJ/$name
mkdir -p "$obj"

fragments=("$CONFIGS/vm.config" "$CONFIGS/vm-$GUEST_ARCH.config")
test_config=$src/tools/testing/selftests/drivers/usb/ffs-dmabuf/config
[[ -f $test_config ]] && fragments+=("$test_config")
for f in "$@"; do
	fragments+=("$(realpath "$f")")
done

export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026"
export KBUILD_BUILD_USER=ffs KBUILD_BUILD_HOST=ffs-dmabuf
kmake_vars
KMAKE=(make -C "$src" O="$obj" "${KMAKE_VARS[@]}" -j"$JOBS")

# Every option the fragments set must survive olddefconfig (where several
# set one, the last one's value: merge_config.sh's rule).
check_options()
{
	local f line opt bad=0
	local -A want from
	for f in "${fragments[@]}"; do
		while read -r line; do
			case $line in
			CONFIG_*=*) opt=${line%%=*} ;;
			"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
				line="# $opt is not set" ;;
			*) continue ;;
			esac
			want[$opt]=$line
			from[$opt]=$(basename "$f")
		done <"$f"
	done
	for opt in "${!want[@]}"; do
		line=${want[$opt]}
		if [[ $line == \#* ]]; then
			grep -q "^$opt=" "$obj/.config" || continue
		else
			grep -qxF "$line" "$obj/.config" && continue
		fi
		echo "config: $opt: asked '$line' in ${from[$opt]}, got '$(grep "^$opt=\|^# $opt is" "$obj/.config" || echo unset)'" >&2
		bad=1
	done
	return $bad
}

configure()
{
	local old=$obj/.config.prev
	[[ -f $obj/.config ]] && cp -p "$obj/.config" "$old"
	"${KMAKE[@]}" tinyconfig >/dev/null
	(cd "$obj" && "$src"/scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" "${fragments[@]}" >/dev/null)
	"${KMAKE[@]}" olddefconfig >/dev/null
	# Unchanged: keep the old timestamp so nothing is rebuilt.
	if [[ -f $old ]] && cmp -s "$old" "$obj/.config"; then
		touch -r "$old" "$obj/.config"
	fi
	rm -f "$old"
	check_options
}

build()
{
	"${KMAKE[@]}" "$(basename "$KIMAGE")"
	if grep -q '^CONFIG_MODULES=y' "$obj/.config"; then
		"${KMAKE[@]}" modules
	fi
	"${KMAKE[@]}" headers_install >/dev/null
}

step "config ($name)" "$LOGS/config-$name.log" configure
[[ -z "${CONFIG_ONLY:-}" ]] || exit 0
step "build ($name)" "$LOGS/build-$name.log" build
log "kernel: $obj/$KIMAGE"
