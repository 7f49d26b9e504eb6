#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest job "demo" (make): the zero-copy loopback gadget, then DMABUF
# transfers against write()/read() at one transfer size.
dir=/kselftest/drivers/usb/ffs-dmabuf
size=${FFS_DEMO_SIZE:-1M}
mib=${FFS_DEMO_MIB:-64}

echo
$dir/ffs_demo || exit 1
echo
echo "Gadget side, $size transfers, $mib MiB each way (ffs_bench):"
printf '  %-12s %-10s %10s %16s\n' method direction MB/s "CPU ms per GiB"
for m in write dmabuf-in read dmabuf-out; do
	case $m in
	write|dmabuf-in) d="IN" ;;
	*) d="OUT" ;;
	esac
	$dir/ffs_bench -m $m -s "$size" -t "$mib" |
		awk -F, -v d=$d '{ printf "  %-12s %-10s %10.1f %16.0f\n", $1, d, $5, $6 }'
done
echo
