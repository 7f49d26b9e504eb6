#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest job "demo" (make): the zero-copy loopback gadget, then DMABUF
# transfers against write()/read() at one transfer size.
dir=/kselftest/drivers/usb/ffs-dmabuf
size=${FFS_DEMO_SIZE:-1M}
secs=${FFS_DEMO_SECONDS:-2}
# The benchmark's host side keeps many 1 MiB URBs in flight
echo 1024 >/sys/module/usbcore/parameters/usbfs_memory_mb

echo
$dir/ffs_demo || exit 1
echo
echo "DMABUF against write()/read(), $size transfers, ${secs}s each (ffs_bench):"
{ $dir/ffs_bench -H; $dir/ffs_bench -m write,dmabuf-in,read,dmabuf-out \
	-s "$size" -T "$secs"; } | awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
		  printf "  %-12s %-5s %10s %16s\n", "method", "dir", "MB/s",
			 "CPU ms per GiB"; next }
	$1 == "fail" { print "  " $0; bad = 1; next }
	{ dir = $(col["method"]) ~ /write|-in$/ ? "IN" : "OUT"
	  printf "  %-12s %-5s %10.1f %16.0f\n", $(col["method"]), dir,
		 $(col["mb_s"]), $(col["cpu_ms_gib"]) }
	END { exit bad }'
