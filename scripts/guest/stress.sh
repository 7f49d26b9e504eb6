#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest job "stress": ffs_stress for ffs.stress_seconds (default 60), then,
# on kernels with failslab, twice more while allocations fail at random:
# first any atomic allocation in the system (the completion paths run in
# interrupt context), then any allocation of the stress threads themselves
# (the ioctls, close and the host side).
dir=/kselftest/drivers/usb/ffs-dmabuf
seconds=${FFS_STRESS_SECONDS:-60}
fault_seconds=${FFS_FAULT_SECONDS:-20}
failslab=/sys/kernel/debug/failslab

# failslab PROBABILITY ATOMIC_ONLY TASK_FILTER: only the kmalloc caches
# fail (slub_debug=A,kmalloc-* on the command line), not the debugging
# tools' own (kmemleak, DMA-API debugging)
failslab()
{
	echo Y >$failslab/cache-filter
	echo "$1" >$failslab/probability
	echo 1 >$failslab/interval
	echo -1 >$failslab/times
	echo 1 >$failslab/verbose
	echo "$2" >$failslab/ignore-gfp-wait
	echo "$3" >$failslab/task-filter
}

injected()
{
	dmesg | grep -c "FAULT_INJECTION: forcing a failure"
}

set -o pipefail
rc=0

# ffs_stress ARGS: its TAP nested in the job's output, like the selftests'
stress()
{
	$dir/ffs_stress "$@" 2>&1 | sed 's/^/# /'
}

stress -d "$seconds" -s 1 || rc=1
if [ -d $failslab ]; then
	before=$(injected)
	failslab 10 Y N
	stress -f -d "$fault_seconds" -s 2 || rc=1
	failslab 0 Y N
	echo "# failslab, atomic allocations: $(($(injected) - before)) failures injected"
	before=$(injected)
	failslab 5 N Y
	stress -f -d "$fault_seconds" -s 3 || rc=1
	failslab 0 N N
	echo "# failslab, stress threads: $(($(injected) - before)) failures injected"
	# Back to normal: the interface still works
	stress -d 5 -s 4 || rc=1
fi
exit $rc
