#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test VM: mount the usual filesystems, run the job named by
# ffs.job= on the kernel command line with its output on the device named
# by ffs.out= (default: the second serial port), print its exit status and
# power off.

/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp /mnt
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t configfs configfs /sys/kernel/config
mount -t debugfs debugfs /sys/kernel/debug
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

# ffs.job=NAME names the job; any other ffs.KEY=VALUE becomes FFS_KEY
job=
for arg in $(cat /proc/cmdline); do
	case $arg in
	ffs.job=*) job=${arg#ffs.job=} ;;
	ffs.*=*)
		key=$(echo "${arg%%=*}" | sed 's/^ffs\.//' | tr a-z A-Z)
		export "FFS_$key=${arg#*=}"
		;;
	esac
done

# Modules: loaded with their MODULE.PARAM=VALUE of the command line, and
# on demand by the kernel (FunctionFS when configfs asks for it)
load_module()
{
	modprobe "$1" $(tr ' ' '\n' </proc/cmdline | sed -n "s/^$1\.//p")
}
if [ -d /lib/modules ]; then
	echo /bin/modprobe >/proc/sys/kernel/modprobe
	load_module dummy_hcd
	load_module libcomposite
fi

# kmemleak: report, as a TAP line, the leaks whose backtrace is ours
kmemleak_check()
{
	leaks=/sys/kernel/debug/kmemleak
	[ -w $leaks ] || return 0
	echo scan >$leaks
	sleep 5
	echo scan >$leaks
	cat $leaks >/tmp/leaks
	cat /tmp/leaks
	all=$(grep -c "unreferenced object" /tmp/leaks)
	ours=$(awk -v re='ffs_|f_fs|dummy_|dma_buf|dma_fence|dma_resv|udmabuf|usb_' '
		/unreferenced object/ { if (blk ~ re) n++; blk = "" }
		{ blk = blk $0 }
		END { if (blk ~ re) n++; print n + 0 }' /tmp/leaks)
	echo "# kmemleak: $all reported, $ours from USB or dma-buf code"
	if [ "$ours" = 0 ]; then
		echo "# ok 1 kmemleak"
	else
		echo "# not ok 1 kmemleak"
	fi
}

# DMA-API debugging: report every error, not only the first one
[ -w /sys/kernel/debug/dma-api/all_errors ] &&
	echo 1 >/sys/kernel/debug/dma-api/all_errors

exec >"/dev/${FFS_OUT:-ttyS1}" 2>&1
echo "FFS-JOB-BEGIN $job"
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
case $job in
selftest | selftest32)
	cd /kselftest${job#selftest} && ./run_kselftest.sh
	rc=$?
	;;
*)
	if [ -x "/ffs/$job" ]; then
		"/ffs/$job"
		rc=$?
	else
		echo "unknown job '$job'"
		rc=127
	fi
	;;
esac
kmemleak_check
echo "FFS-JOB-END rc=$rc"
sync
reboot -f
