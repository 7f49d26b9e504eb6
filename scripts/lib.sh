# SPDX-License-Identifier: GPL-2.0
# Common definitions for the ffs-dmabuf build and test scripts.
# Sourced, never run.

set -euo pipefail

# Debian's tools first (python3 with the packages the kernel scripts use)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
LOGS=$BUILD/logs
RESULTS=$BUILD/results
PATCHES=$TOP/patches
CONFIGS=$TOP/config

# The mainline peer: Debian's linux-source-6.12.
PEER_PKG=linux-source-6.12
PEER_PKG_VERSION=${PEER_PKG_VERSION:-6.12.117-1~deb12u1}
PEER_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Which series the tree, series, status and check scripts work on:
# SERIES=ours (default), the 6.1 series in patches/ on Debian's
# linux-source-6.1 (pinned); SERIES=mainline, the fixes for mainline in
# patches/mainline/ on linux-source-6.12.
SERIES=${SERIES:-ours}
case $SERIES in
ours)
	BASE_PKG=linux-source-6.1
	BASE_PKG_VERSION=${BASE_PKG_VERSION:-6.1.192-2}
	BASE_TARBALL=/usr/src/linux-source-6.1.tar.xz
	# The working tree (developer's) or a scratch tree for KERNEL_SRC.
	if [[ -n "${KERNEL_SRC:-}" ]]; then
		TREE=$BUILD/ext/linux
		OBJ=$BUILD/ext/obj
	else
		TREE=$BUILD/linux
		OBJ=$BUILD/obj
	fi
	;;
mainline)
	[[ -z "${KERNEL_SRC:-}" ]] || { echo "error: KERNEL_SRC is for SERIES=ours" >&2; exit 1; }
	BASE_PKG=$PEER_PKG
	BASE_PKG_VERSION=$PEER_PKG_VERSION
	BASE_TARBALL=$PEER_TARBALL
	PATCHES=$PATCHES/mainline
	TREE=$BUILD/mainline/linux
	OBJ=$BUILD/mainline/obj
	;;
*)
	echo "error: SERIES=$SERIES: ours or mainline" >&2
	exit 1
	;;
esac

# Fixed identity and date of the imported base commit, so that its hash
# (the cover letter's base-commit: trailer) is the same on every machine.
BASE_IDENT_NAME="Debian kernel source"
BASE_IDENT_EMAIL="debian-kernel@lists.debian.org"
BASE_DATE="2000-01-01T00:00:00Z"

JOBS=${JOBS:-$(nproc)}

# ccache keys relative to the checkout, so that a new clone (CI) hits the
# cache filled by another one
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}

mkdir -p "$LOGS" "$RESULTS"

_t0=${FFS_T0:-$(date +%s)}
export FFS_T0=$_t0

log()
{
	printf '[%4ds] %s\n' "$(($(date +%s) - _t0))" "$*"
}

warn()
{
	printf 'WARNING: %s\n' "$*" >&2
}

die()
{
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# guest_arch ARCH: the guest's architecture, x86_64, arm64 or arm, in
# GUEST_ARCH, with Debian's cross compiler prefix for it (CROSS) and its
# kernel's boot image (KIMAGE). ARCH= in the environment, x86_64 without.
guest_arch()
{
	case $1 in
	x86_64) CROSS= KIMAGE=arch/x86/boot/bzImage ;;
	arm64) CROSS=aarch64-linux-gnu- KIMAGE=arch/arm64/boot/Image ;;
	arm) CROSS=arm-linux-gnueabihf- KIMAGE=arch/arm/boot/zImage ;;
	*) die "ARCH=$1: x86_64, arm64 or arm" ;;
	esac
	GUEST_ARCH=$1
}
guest_arch "${ARCH:-x86_64}"

# kmake_vars: the toolchain of every kernel make here, for guest_arch's
# architecture, in KMAKE_VARS: ccache in front of both compilers (each new
# build directory compiles kconfig and scripts/ again), and nm told which
# LTO plugin to load. Without --plugin, binutils loads every plugin in
# /usr/lib/bfd-plugins on each call; where clang is installed that
# includes LLVMgold, and each nm takes 0.1 s instead of 0.013 s. kbuild
# runs nm on every object (check-local-export): a quarter of the CPU time
# of a kernel build from a warm ccache.
kmake_vars()
{
	local plugin
	KMAKE_VARS=(ARCH="$GUEST_ARCH" CROSS_COMPILE="$CROSS"
		CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc")
	plugin=$("${CROSS}gcc" -print-file-name=liblto_plugin.so)
	[[ $plugin != /* ]] || KMAKE_VARS+=(NM="${CROSS}nm --plugin $plugin")
}

# step NAME LOGFILE CMD...: run CMD with its output in LOGFILE, printing
# one line when it starts, a heartbeat every 30 s and its elapsed time at
# the end. On failure, print the log's tail and its path.
step()
{
	local name=$1 logf=$2 start pid rc=0 n=0
	shift 2
	start=$(date +%s)
	log "$name ..."
	"$@" >"$logf" 2>&1 &
	pid=$!
	while ! wait_timeout "$pid" 30; do
		n=$((n + 30))
		log "  $name: still running (${n}s): $(tail -n1 "$logf" | cut -c1-100)"
	done
	wait "$pid" || rc=$?
	if [[ $rc -ne 0 ]]; then
		tail -n 40 "$logf" >&2
		log "$name: FAILED after $(($(date +%s) - start))s (exit $rc), log: $logf"
		return "$rc"
	fi
	log "$name: done in $(($(date +%s) - start))s"
}

# wait_timeout PID SECS: true once PID has exited, false after SECS.
wait_timeout()
{
	local pid=$1 i
	for ((i = 0; i < $2 * 5; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	return 1
}

# result FILE STATUS NAME [DETAIL]: record one result for the summary.
result()
{
	printf '%s\t%s\t%s\n' "$2" "$3" "${4:-}" >>"$1"
	case $2 in
	PASS) printf 'ok - %s\n' "$3" ;;
	SKIP) printf 'ok - %s # SKIP %s\n' "$3" "${4:-}" ;;
	*) printf 'not ok - %s %s\n' "$3" "${4:-}" ;;
	esac
}

# Hash of the series as committed in patches/ (cover letter included).
patches_hash()
{
	local f
	{
		for f in "$PATCHES"/0000-cover-letter.patch "$PATCHES"/series; do
			[[ ! -f $f ]] || cat "$f"
		done
		for f in $(series_files); do
			cat "$f"
		done
	} | sha1sum | cut -d' ' -f1
}

# List of the series' patch files, in order.
series_files()
{
	[[ -f $PATCHES/series ]] || return 0
	grep -v '^\s*\(#\|$\)' "$PATCHES/series" | sed "s|^|$PATCHES/|"
}

pkg_version()
{
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

# install_source PKG VERSION TARBALL: Debian's kernel source package PKG at
# VERSION (the newest as a fallback, with a warning), installed when it is
# not; prints "Debian PKG VERSION".
install_source()
{
	local pkg=$1 want=$2 tarball=$3 have apt_log=$LOGS/apt-$1.log
	have=$(pkg_version "$pkg")
	if [[ $have != "$want" ]]; then
		[[ $(id -u) -eq 0 ]] ||
			die "$pkg missing; run as root: apt-get install -y $pkg=$want"
		export DEBIAN_FRONTEND=noninteractive
		{ apt-get install -y -qq --allow-downgrades "$pkg=$want" ||
		  { apt-get update -qq &&
		    apt-get install -y -qq --allow-downgrades "$pkg=$want"; } ||
		  apt-get install -y -qq "$pkg"; } >"$apt_log" 2>&1 ||
			die "cannot install $pkg; see $apt_log"
		have=$(pkg_version "$pkg")
		[[ $have == "$want" ]] ||
			warn "$pkg $want cannot be installed; using the newest, $have"
	fi
	[[ -f $tarball ]] || die "$tarball missing after installing $pkg"
	echo "Debian $pkg $have"
}

# commit_base DIR BRANCH DESC: make the source tree in DIR a git repository
# whose one commit, "Base: DESC" with a fixed identity and date, is tagged
# "base"; DESC goes to .git/ffs-base.
commit_base()
{
	local g=(git -C "$1")
	"${g[@]}" init -q -b "$2"
	"${g[@]}" config core.abbrev 12
	# Debian's top-level .gitignore ignores every top-level path: force.
	"${g[@]}" add -f -A .
	GIT_AUTHOR_NAME=$BASE_IDENT_NAME GIT_AUTHOR_EMAIL=$BASE_IDENT_EMAIL \
	GIT_COMMITTER_NAME=$BASE_IDENT_NAME GIT_COMMITTER_EMAIL=$BASE_IDENT_EMAIL \
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		"${g[@]}" commit -q --no-verify -m "Base: $3"
	"${g[@]}" tag -f base >/dev/null
	echo "$3" >"$1/.git/ffs-base"
}
