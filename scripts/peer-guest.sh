#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest job of make peer (/ffs/peer-selftest): the FunctionFS DMABUF
# selftest run directly, one harness run (-r CASE) per case, from the case
# after the one named by ffs.after= on the kernel command line (the case
# that crashed the previous boot) or from the first. Needs a kselftest
# harness with -l and -r (6.12's; 6.1's has neither).
#
# Before each case, "ffs-peer: RUN CASE" goes to the kernel log, whose
# console is written synchronously: the case that crashes the kernel is
# known even when its own output is lost. The output is prefixed as
# run_kselftest.sh does, line by line (busybox sed would buffer it).
dir=/kselftest/drivers/usb/ffs-dmabuf
prog=ffs_dmabuf_test

after=
for arg in $(cat /proc/cmdline); do
	case $arg in
	ffs.after=*) after=${arg#ffs.after=} ;;
	esac
done
cd $dir || exit 1

# Every case as fixture[.variant].test, in the order the harness runs them,
# from the "-l" table ("%-20s %-25s %s": fixture, variant and test columns,
# zipped per fixture, fixtures separated by a line of dashes).
list_cases()
{
	./$prog -l 2>&1 | awk '
	function flush(  i, j) {
		for (i = 0; i < nv || (i == 0 && nv == 0); i++)
			for (j = 0; j < nt; j++)
				print f (nv ? "." v[i] : "") "." t[j]
		f = ""; nv = 0; nt = 0
	}
	/^# FIXTURE/ { next }
	/^-----/ { flush(); next }
	{
		a = substr($0, 1, 20); b = substr($0, 22, 25); c = substr($0, 48)
		gsub(/ /, "", a); gsub(/ /, "", b); gsub(/ /, "", c)
		if (a != "") f = a
		if (b != "") v[nv++] = b
		if (c != "") t[nt++] = c
	}
	END { flush() }'
}

prefix()
{
	while IFS= read -r line; do
		echo "# $line"
	done
}

cases=
skip=$after
for c in $(list_cases); do
	if [ -n "$skip" ]; then
		[ "$c" = "$after" ] && skip=
		continue
	fi
	cases="$cases $c"
done
if [ -n "$skip" ] || [ -z "$cases" ]; then
	echo "not ok 1 selftests: drivers/usb/ffs-dmabuf: $prog # no case after '$after'"
	exit 1
fi

echo "# selftests: drivers/usb/ffs-dmabuf: $prog${after:+, from the case after $after}"
rc=0
for c in $cases; do
	echo "ffs-peer: RUN $c" >/dev/kmsg
	{ ./$prog -r "$c" 2>&1; echo $? >/tmp/peer-rc; } | prefix
	case $(cat /tmp/peer-rc) in
	0 | 4) ;;
	*) rc=1 ;;
	esac
done
if [ $rc = 0 ]; then
	echo "ok 1 selftests: drivers/usb/ffs-dmabuf: $prog"
else
	echo "not ok 1 selftests: drivers/usb/ffs-dmabuf: $prog # exit=$rc"
fi
exit $rc
