#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark of one kernel: the guest job scripts/guest/bench.sh
# (ffs_bench, every method and transfer size) at high speed and at
# SuperSpeed, BENCH_REPS boots each, one CSV line per run in
# build/bench/LABEL.csv; scripts/bench-report.py makes the report.
#
#   bench.sh LABEL BZIMAGE INITRD
#
# A boot that hung, printed a kernel splat, or ran on a jiffies clocksource
# (the guest's TSC calibration sometimes fails under TCG) is discarded, its
# logs kept, and retried.
#
#   BENCH_REPS     boots per speed (3)
#   BENCH_SPEEDS   "hs ss"
#   BENCH_SECS     seconds per run (1); BENCH_DEPTH transfers in flight (8)
#   BENCH_ARGS     more kernel command line (default "tsc=reliable"), e.g.
#                  "ffs.sizes=1M" (scripts/guest/bench.sh lists them)
#   BENCH_CONFIG   the kernel's .config (default: the build dir of BZIMAGE)
#   BENCH_TIMEOUT  seconds per boot (480)
#
# tsc=reliable: 6.1 marks the TSC unstable on the SMP guest under TCG
# ("TSCs unsynchronized") and runs on the HPET, each read of which is an
# emulated MMIO access, while 6.12 keeps the TSC; the same clocksource on
# every kernel keeps comparisons fair. QEMU's TSC is the host's, shared by
# the vCPUs.
. "$(dirname "$0")/lib.sh"

[[ $# -eq 3 ]] || die "usage: bench.sh LABEL BZIMAGE INITRD"
label=$1
kernel=$(realpath "$2")
initrd=$(realpath "$3")
reps=${BENCH_REPS:-3}
speeds=${BENCH_SPEEDS:-hs ss}
tries=3
out=$BUILD/bench/$label.csv
logs=$LOGS/bench/$label
config=${BENCH_CONFIG:-$(dirname "$kernel")/../../../.config}
mkdir -p "$BUILD/bench"

# One benchmark at a time: two would share the CPUs and the files
exec 9>"$BUILD/bench/.lock"
if ! flock -n 9; then
	log "bench $label: waiting for another bench.sh to finish"
	flock 9
fi
rm -rf "$logs"
mkdir -p "$logs"

# config_value NAME: its value in the kernel's .config, n if unset
config_value()
{
	if [[ ! -f $config ]]; then
		echo "?"
	elif ! sed -n "s/^$1=//p" "$config" | grep .; then
		echo n
	fi
}
[[ -f $config ]] || warn "no $config: timer configuration unknown (BENCH_CONFIG=)"
hz=$(config_value CONFIG_HZ)
hres=$(config_value CONFIG_HIGH_RES_TIMERS)

# boot SPEED DIR: one boot of the guest job, logs in DIR
boot()
{
	local append="ffs.secs=${BENCH_SECS:-1} ffs.depth=${BENCH_DEPTH:-8} ${BENCH_ARGS-tsc=reliable}"

	[[ $1 == ss ]] && append+=" dummy_hcd.is_super_speed=1"
	mkdir -p "$2"
	"$TOP"/scripts/vm.py --kernel "$kernel" --initrd "$initrd" \
		--job bench --append "$append" --logdir "$2" \
		--results "$2/results.txt" --quiet --timeout "${BENCH_TIMEOUT:-480}"
}

# field DIR KEY: the value of the guest's "KEY,value" or "KEY: value" line
field()
{
	sed -n "s/^$2[,:] *//p" "$1/bench.output.log" | tr -d '\r' | head -n1
}

# The clocksource of the runs (init.sh's line may still say tsc-early)
clocksource()
{
	field "$1" BENCH-CLOCKSOURCE | grep . || field "$1" clocksource
}

# bad_boot DIR: why the boot in DIR is not usable, nothing if it is
bad_boot()
{
	local cs

	cs=$(clocksource "$1")
	if grep -q '^FAIL' "$1/results.txt" 2>/dev/null; then
		grep '^FAIL' "$1/results.txt" | cut -f2,3 | paste -sd';'
	elif [[ -z $(field "$1" BENCH-DONE) ]]; then
		echo "the job did not finish"
	elif [[ -z $cs || $cs == *jiffies* ]]; then
		echo "clocksource '$cs'"
	fi
}

# The runs of one boot: the boot's columns, then ffs_bench's
csv_lines()
{
	local speed=$1 rep=$2 dir=$3
	sed -n 's/^BENCH,//p' "$dir/bench.output.log" | tr -d '\r' |
		sed "s/^/$label,$speed,$rep,$(clocksource "$dir"),$hz,$hres,$(field "$dir" BENCH-IDLE),/"
}

header=
: >"$out.tmp"
for speed in $speeds; do
	for ((rep = 1; rep <= reps; rep++)); do
		dir=$logs/$speed-$rep
		for ((try = 1; try <= tries; try++)); do
			log "bench $label: $speed boot $rep/$reps (logs in $dir)"
			boot "$speed" "$dir" >/dev/null || true
			why=$(bad_boot "$dir")
			[[ -n $why ]] || break
			warn "$label $speed boot $rep: discarded ($why), logs in $dir.discarded.$try"
			rm -rf "$dir.discarded.$try"
			mv "$dir" "$dir.discarded.$try"
		done
		[[ -z $why ]] || { warn "$label $speed boot $rep: $tries failed boots, skipped"; continue; }
		grep '^BENCH-FAIL' "$dir/bench.output.log" >&2 || true
		log "  $(grep -c '^BENCH,' "$dir/bench.output.log") runs, clocksource $(clocksource "$dir"), $(field "$dir" BENCH-DONE)"
		[[ -n $header ]] || header=$(field "$dir" BENCH-HEADER)
		csv_lines "$speed" "$rep" "$dir" >>"$out.tmp"
	done
done
[[ -n $header ]] || die "no ffs_bench output; see $logs"
{
	echo "label,speed,boot,clocksource,config_hz,high_res_timers,idle_hrtimer_s,$header"
	cat "$out.tmp"
} >"$out"
rm -f "$out.tmp"
log "bench $label: $(($(wc -l <"$out") - 1)) runs in $out"
