#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest job of make bench (ffs.job=bench): ffs_bench for every transfer
# size and method at the speed this boot runs at, then the per-transfer
# latency runs. One "BENCH,<csv>" line per run for scripts/bench.sh.
#
# Kernel command line, with the defaults:
#   ffs.secs=1 ffs.depth=8          seconds per run, transfers in flight
#   ffs.sizes=512,4K,16K,64K,256K,1M,4M
#   ffs.methods=write,read,aio-in,aio-out,dmabuf-in,dmabuf-out
#   ffs.kinds=udmabuf,heap          DMABUF exporters
#   ffs.lat_sizes=512,4K ffs.lat_methods=write,read,dmabuf-in,dmabuf-out
#   ffs.lat_secs=0.5
#   ffs.profile=0                   1: each run of the lists alone under
#                                   ftrace's function profiler instead
#                                   (a kernel with config/trace.config)
#   ffs.profile_top=25              functions printed per profiled run
BENCH=/kselftest/drivers/usb/ffs-dmabuf/ffs_bench
secs=1
depth=8
sizes=512,4K,16K,64K,256K,1M,4M
methods=write,read,aio-in,aio-out,dmabuf-in,dmabuf-out
kinds=udmabuf,heap
lat_sizes=512,4K
lat_methods=write,read,dmabuf-in,dmabuf-out
lat_secs=0.5
profile=0
profile_top=25
for arg in $(cat /proc/cmdline); do
	case $arg in
	ffs.secs=*) secs=${arg#*=} ;;
	ffs.depth=*) depth=${arg#*=} ;;
	ffs.sizes=*) sizes=${arg#*=} ;;
	ffs.methods=*) methods=${arg#*=} ;;
	ffs.kinds=*) kinds=${arg#*=} ;;
	ffs.lat_sizes=*) lat_sizes=${arg#*=} ;;
	ffs.lat_methods=*) lat_methods=${arg#*=} ;;
	ffs.lat_secs=*) lat_secs=${arg#*=} ;;
	ffs.profile=*) profile=${arg#*=} ;;
	ffs.profile_top=*) profile_top=${arg#*=} ;;
	esac
done

# HRTIMER softirqs so far, all CPUs
hrtimer_softirqs()
{
	awk '$1 == "HRTIMER:" { for (i = 2; i <= NF; i++) n += $i } END { print n }' \
		/proc/softirqs
}

# bench ARGS...: ffs_bench, "BENCH,CSV" per run, "BENCH-FAIL,..." per
# failed run, its messages as "BENCH-NOTE,..."
bench()
{
	"$BENCH" "$@" 2>/tmp/err |
		sed -e '/^fail,/!s/^/BENCH,/' -e 's/^fail,/BENCH-FAIL,/'
	sed "s/^/BENCH-NOTE,$*: /" /tmp/err
}

# Up to 2N host and N gadget buffers of 4 MiB
echo 1024 >/sys/module/usbcore/parameters/usbfs_memory_mb
echo "BENCH-SPEED,$(cat /sys/module/dummy_hcd/parameters/is_super_speed)"
echo "BENCH-HEADER,$("$BENCH" -H)"

# The idle rate of HRTIMER softirqs, to subtract from each run's
n0=$(hrtimer_softirqs)
sleep 2
echo "BENCH-IDLE,$((($(hrtimer_softirqs) - n0) / 2))"
# After tsc-early made way for tsc
echo "BENCH-CLOCKSOURCE,$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

# profile_run METHOD KIND SIZE: one run under the function profiler, CPU
# time only (sleep-time off) and children included (graph-time), then the
# profile_top functions with the most time over all CPUs,
# "BENCH-PROFILE,run,function,hits,us"
T=/sys/kernel/tracing
profile_run()
{
	echo 0 >$T/function_profile_enabled
	echo 1 >$T/function_profile_enabled
	bench -m "$1" -k "$2" -s "$3" -q "$depth" -T "$secs"
	echo 0 >$T/function_profile_enabled
	cat $T/trace_stat/function* |
		awk '$3 ~ /^[0-9.]+$/ && $4 == "us" { hits[$1] += $2; us[$1] += $3 }
		     END { for (f in us) printf "%.0f %s %d\n", us[f], f, hits[f] }' |
		sort -rn | head -n "$profile_top" |
		while read -r us fn hits; do
			echo "BENCH-PROFILE,$1/$2/$3,$fn,$hits,$us"
		done
}

if [ "$profile" = 1 ]; then
	mount -t tracefs nodev $T 2>/dev/null
	echo 0 >$T/options/sleep-time
	echo 1 >$T/options/graph-time
	for m in $(echo "$methods" | tr , ' '); do
		for k in $(echo "$kinds" | tr , ' '); do
			for s in $(echo "$sizes" | tr , ' '); do
				profile_run "$m" "$k" "$s"
			done
		done
	done | tee /tmp/out
	echo "BENCH-DONE,$(grep -c '^BENCH-FAIL' /tmp/out) failed"
	exit 0
fi

{
	bench -m "$methods" -k "$kinds" -s "$sizes" -q "$depth" -T "$secs"
	bench -L -m "$lat_methods" -k "$kinds" -s "$lat_sizes" -T "$lat_secs"
} | tee /tmp/out
fails=$(grep -c '^BENCH-FAIL' /tmp/out)
echo "BENCH-DONE,$fails failed"
[ "$fails" = 0 ]
