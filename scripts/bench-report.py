#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The report of make bench, from the raw CSV files of scripts/bench.sh.

    bench-report.py build/bench/A.csv [build/bench/B.csv]

Writes report.md, summary.csv and PNG plots beside the first file: each
figure is the median over the boots of one speed, with the minimum and the
maximum; with two files, both kernels side by side with the ratio A/B.
"""

import csv
import os
import statistics
import subprocess
import sys

# dummy_hcd's budget per frame timer tick, in whole max-size packets
BYTES_PER_TICK = {"hs": 512 * 13 * 8, "ss": 490000 // 1024 * 1024}
SPEED_NAME = {"hs": "high speed", "ss": "SuperSpeed"}
METHOD = """\
Each run moves data for about a second with one method and transfer size;
the figures are the median [min–max] over the boots. AIO and DMABUF keep
{depth} transfers in flight, write() and read() one; the host keeps twice
as many asynchronous usbfs URBs in flight. Every transfer's data is
checked (see ffs_bench.c). CPU: the gadget thread's CPU time per GiB
moved, full data checks excluded; host CPU: the usbfs thread's, for
reference.
Latency runs: one transfer at a time, mean time from queuing to completion.

The bus ceiling of a run is what dummy_hcd could have moved in the frame
timer ticks the run really had: bytes per tick (one frame's budget: high
speed {hs}, SuperSpeed {ss}, in whole max-size packets) times the tick
rate measured during the run, the HRTIMER softirqs per second
(dummy_hcd's timer is a soft hrtimer, the only one running at that rate)
minus the rate of the same boot when idle.
"""
DIRS = {"in": ("write", "aio-in", "dmabuf-in"),
        "out": ("read", "aio-out", "dmabuf-out")}
KINDS = ("udmabuf", "heap")
KiB, MiB = 1024, 1024 * 1024
# Sizes at which the CPU per transfer is compared: there the bus, not the
# CPU, bounds the transfers per second of every method
CPU_XFER_SIZES = (512, 4 * KiB, 64 * KiB)


def size_name(n):
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= KiB and n % KiB == 0:
        return f"{n // KiB} KiB"
    return f"{n} B"


def method_name(row):
    return row["method"] + ("" if row["kind"] == "-" else "/" + row["kind"])


def load(path):
    """Runs of one CSV file, with the derived per-run figures."""
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            for k in ("size", "boot", "depth"):
                r[k] = int(r[k])
            for k in ("mb_s", "cpu_ms_gib", "host_cpu_ms_gib", "xfer_s",
                      "lat_us", "hrtimer_s", "idle_hrtimer_s", "seconds"):
                r[k] = float(r[k])
            # Whole-guest CPU (/proc/stat), absent from older runs
            for k in ("guest_cpu_ms_gib", "softirq_ms_gib", "hardirq_ms_gib"):
                r[k] = float(r.get(k) or "nan")
            ticks = max(r["hrtimer_s"] - r["idle_hrtimer_s"], 1.0)
            r["tick_s"] = ticks
            r["ceiling"] = BYTES_PER_TICK[r["speed"]] * ticks / 1e6
            r["frac"] = r["mb_s"] / r["ceiling"]
            r["name"] = method_name(r)
            r["cpu_us_xfer"] = r["cpu_ms_gib"] * r["size"] / (1 << 30) * 1e3
            rows.append(r)
    return rows


class Stat:
    """min, median and max of a figure over the boots."""

    def __init__(self, values):
        self.n = len(values)
        self.min = min(values)
        self.med = statistics.median(values)
        self.max = max(values)

    def fmt(self, digits=1, pct=False):
        f = (lambda v: f"{v * 100:.{digits}f}%") if pct else \
            (lambda v: f"{v:.{digits}f}")
        if self.n == 1:
            return f(self.med)
        return f"{f(self.med)} [{f(self.min)}–{f(self.max)}]"


FIGURES = ("mb_s", "cpu_ms_gib", "host_cpu_ms_gib", "xfer_s", "lat_us",
           "cpu_us_xfer", "ceiling", "frac", "tick_s", "guest_cpu_ms_gib",
           "softirq_ms_gib", "hardirq_ms_gib")


def summarize(rows):
    """{(speed, mode, method, size): {figure: Stat}}"""
    groups = {}
    for r in rows:
        key = (r["speed"], r["mode"], r["name"], r["size"])
        groups.setdefault(key, []).append(r)
    return {k: {f: Stat([r[f] for r in g]) for f in FIGURES}
            for k, g in groups.items()}


def keys(summaries, speed, mode):
    """(method, size) of the given speed and mode in any summary, in order."""
    order = [m for d in DIRS.values() for m in d]

    def rank(key):
        base = key[0].split("/")[0]
        return (order.index(base) if base in order else 99, key[0], key[1])
    found = {(k[2], k[3]) for s in summaries for k in s
             if k[0] == speed and k[1] == mode}
    return sorted(found, key=rank)


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "–"


def table(out, labels, summaries, speed, mode, cols):
    """One Markdown table; cols: (title, figure, digits, pct)."""
    head = ["method", "size"]
    for title, *_ in cols:
        head += [f"{title} {lb}".strip() for lb in labels]
        if len(labels) == 2:
            head.append(f"{title} A/B")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for name, size in keys(summaries, speed, mode):
        cells = [name, size_name(size)]
        for _, fig, digits, pct in cols:
            stats = [s.get((speed, mode, name, size), {}).get(fig)
                     for s in summaries]
            cells += [st.fmt(digits, pct) if st else "–" for st in stats]
            if len(labels) == 2:
                cells.append(ratio(*(st.med if st else None for st in stats)))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")


def med(summary, speed, name, size, fig, mode="tput"):
    st = summary.get((speed, mode, name, size), {}).get(fig)
    return st.med if st else None


def targets(summary, speeds):
    """(target, verdict, detail) for the issue's targets."""
    res = []

    def add(what, ok, detail):
        res.append((what, "–" if ok is None else "PASS" if ok else "MISS",
                    detail))

    for speed in speeds:
        sp = speed.upper()
        for d, (copy, aio, dma) in DIRS.items():
            for kind in KINDS:
                dm = f"{dma}/{kind}"
                for size, factor in ((MiB, 5), (4 * MiB, 10)):
                    a = med(summary, speed, dm, size, "cpu_ms_gib")
                    b = med(summary, speed, copy, size, "cpu_ms_gib")
                    ok = None if a is None or b is None else a * factor <= b
                    add(f"{sp} {dm} CPU/GiB ≤ 1/{factor} of {copy}() at "
                        f"{size_name(size)}", ok,
                        f"{a:.0f} vs {b:.0f} ms/GiB: 1/{b / a:.1f}"
                        if a and b else "no data")
                worst, ok = None, None
                for size in sorted({k[3] for k in summary
                                    if k[0] == speed and k[1] == "tput"}):
                    if size < 64 * KiB:
                        continue
                    a = med(summary, speed, dm, size, "mb_s")
                    others = [med(summary, speed, m, size, "mb_s")
                              for m in (copy, aio)]
                    if a is None or None in others:
                        continue
                    r = a / max(others)
                    ok = (ok is None or ok) and r >= 1
                    if worst is None or r < worst[0]:
                        worst = (r, size)
                detail = "no data"
                if worst:
                    fr = [med(summary, speed, m, worst[1], "frac")
                          for m in (dm, copy, aio)]
                    detail = (f"lowest ratio {worst[0]:.2f} at "
                              f"{size_name(worst[1])}; of the ceiling: "
                              + ", ".join(f"{f * 100:.0f}%" for f in fr))
                add(f"{sp} {dm} MB/s ≥ {copy}() and {aio} from 64 KiB", ok,
                    detail)
                a = med(summary, speed, dm, 4 * KiB, "cpu_us_xfer")
                b = med(summary, speed, copy, 4 * KiB, "cpu_us_xfer")
                add(f"{sp} {dm} CPU/transfer ≤ {copy}()'s at 4 KiB",
                    None if a is None or b is None else a <= b,
                    f"{a:.1f} vs {b:.1f} us" if a and b else "no data")
                if speed == "hs":
                    f = med(summary, speed, dm, MiB, "frac")
                    add(f"HS {dm} ≥ 95% of the ceiling at 1 MiB",
                        None if f is None else f >= 0.95,
                        f"{f * 100:.1f}%" if f is not None else "no data")
                if speed == "ss" and d == "in":
                    a = med(summary, speed, dm, MiB, "mb_s")
                    b = med(summary, speed, copy, MiB, "mb_s")
                    add(f"SS {dm} ≥ 1.2x write() at 1 MiB",
                        None if not a or not b else a >= 1.2 * b,
                        f"{a:.1f} vs {b:.1f} MB/s: {a / b:.2f}x"
                        if a and b else "no data")
    return res


def compare_targets(sa, sb, speeds):
    """(target, verdict, detail): A against B, DMABUF methods only."""
    res = []
    checks = (("tput", "mb_s", "MB/s", True),
              ("lat", "xfer_s", "transfers/s", True),
              ("tput", "cpu_ms_gib", "CPU/GiB", False))
    for speed in speeds:
        for mode, fig, what, more in checks:
            ratios = []
            for name, size in keys([sa, sb], speed, mode):
                if not name.startswith("dmabuf"):
                    continue
                a = med(sa, speed, name, size, fig, mode)
                b = med(sb, speed, name, size, fig, mode)
                if a and b:
                    ratios.append((a / b, name, size))
            if not ratios:
                res.append((f"{speed.upper()} DMABUF {what}", "–", "no data"))
                continue
            good = [r for r in ratios if (r[0] >= 1 if more else r[0] <= 1)]
            worst = (min if more else max)(ratios)
            geo = statistics.geometric_mean([r[0] for r in ratios])
            rel = "≥" if more else "≤"
            res.append((f"{speed.upper()} DMABUF {what} A {rel} B at every "
                        "size", "PASS" if len(good) == len(ratios) else
                        "MISS",
                        f"{len(good)} of {len(ratios)}; worst A/B "
                        f"{worst[0]:.2f} ({worst[1]} {size_name(worst[2])}); "
                        f"geometric mean {geo:.2f}"))
    for speed in speeds:
        ratios = [(med(sa, speed, name, size, "cpu_us_xfer") /
                   med(sb, speed, name, size, "cpu_us_xfer"), name, size)
                  for name, size in keys([sa, sb], speed, "tput")
                  if name.startswith("dmabuf") and size in CPU_XFER_SIZES
                  and med(sa, speed, name, size, "cpu_us_xfer")
                  and med(sb, speed, name, size, "cpu_us_xfer")]
        if not ratios:
            res.append((f"{speed.upper()} DMABUF CPU/transfer", "–",
                        "no data"))
            continue
        worst = max(ratios)
        good = [r for r in ratios if r[0] <= 0.8]
        res.append((f"{speed.upper()} DMABUF CPU/transfer A ≤ 0.8x B at "
                    + ", ".join(map(size_name, CPU_XFER_SIZES)),
                    "PASS" if len(good) == len(ratios) else "MISS",
                    f"{len(good)} of {len(ratios)}; worst A/B "
                    f"{worst[0]:.2f} ({worst[1]} {size_name(worst[2])}); "
                    "geometric mean "
                    f"{statistics.geometric_mean([r[0] for r in ratios]):.2f}"))
    return res


def plot(outdir, labels, summaries, speed, fig, ylabel, logy):
    """PNG of one figure against the transfer size, one line per method."""
    base = os.path.join(outdir, f"{fig}-{speed}")
    names = keys(summaries, speed, "tput")
    methods = sorted({n for n, _ in names},
                     key=lambda n: [n for n, _ in names].index(n))
    series = []
    for i, s in enumerate(summaries):
        for j, m in enumerate(methods):
            pts = [(size, s[(speed, "tput", m, size)][fig].med)
                   for size in sorted({sz for n, sz in names if n == m})
                   if (speed, "tput", m, size) in s]
            if not pts:
                continue
            dat = f"{base}-{i}-{j}.dat"
            with open(dat, "w") as f:
                f.writelines(f"{x} {y}\n" for x, y in pts)
            title = m if len(labels) == 1 else f"{m} ({labels[i]})"
            series.append(f"'{dat}' using 1:2 with linespoints lc {j + 1} "
                          f"dt {i + 1} title '{title}'")
    if not series:
        return None
    sizes = sorted({sz for _, sz in names})
    xtics = ", ".join(f'"{size_name(sz)}" {sz}' for sz in sizes)
    script = f"""set terminal pngcairo size 1000,600 font ',10'
set output '{base}.png'
set title '{SPEED_NAME[speed]}: {ylabel}'
set logscale x 2
{'set logscale y' if logy else 'set yrange [0:*]'}
set xtics ({xtics})
set xlabel 'transfer size'
set ylabel '{ylabel}'
set key outside right
set grid
plot {', '.join(series)}
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    for f in os.listdir(outdir):
        if f.startswith(os.path.basename(base) + "-") and f.endswith(".dat"):
            os.unlink(os.path.join(outdir, f))
    return base + ".png"


def boots_line(rows, label):
    speeds = sorted({r["speed"] for r in rows})
    boots = {s: len({r["boot"] for r in rows if r["speed"] == s})
             for s in speeds}
    cs = sorted({r["clocksource"] for r in rows})
    r = rows[0]
    name = f"**{label}**" + (f" = `{r['label']}`" if label != r["label"]
                             else "")
    return (f"- {name}: CONFIG_HZ={r['config_hz']}, "
            f"CONFIG_HIGH_RES_TIMERS={r['high_res_timers']}, clocksource "
            f"{', '.join(cs)}; boots: "
            + ", ".join(f"{SPEED_NAME[s]} {boots[s]}" for s in speeds)
            + f"; {len(rows)} runs")


def write_summary(path, all_rows, summaries):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        head = ["label", "speed", "mode", "method", "size", "boots"]
        for fig in FIGURES:
            head += [f"{fig}_min", f"{fig}_med", f"{fig}_max"]
        w.writerow(head)
        for rows, s in zip(all_rows, summaries):
            for (speed, mode, name, size), st in sorted(s.items()):
                line = [rows[0]["label"], speed, mode, name, size,
                        st["mb_s"].n]
                for fig in FIGURES:
                    line += [f"{st[fig].min:.4g}", f"{st[fig].med:.4g}",
                             f"{st[fig].max:.4g}"]
                w.writerow(line)


def main():
    if not 2 <= len(sys.argv) <= 3:
        sys.exit(__doc__)
    all_rows = [load(p) for p in sys.argv[1:]]
    if not all(all_rows):
        sys.exit("no runs in " + " ".join(sys.argv[1:]))
    outdir = os.path.dirname(os.path.abspath(sys.argv[1]))
    labels = ["A", "B"][:len(all_rows)] if len(all_rows) == 2 else [""]
    summaries = [summarize(rows) for rows in all_rows]
    speeds = [s for s in BYTES_PER_TICK
              if any(r["speed"] == s for rows in all_rows for r in rows)]

    out = ["# FunctionFS transfers on dummy_hcd: benchmark", ""]
    for lb, rows in zip(labels, all_rows):
        out.append(boots_line(rows, lb or rows[0]["label"]))
    depths = sorted({r["depth"] for rows in all_rows for r in rows
                     if r["mode"] == "tput" and
                     r["method"].startswith(("aio", "dmabuf"))})
    out += ["", METHOD.format(depth="/".join(map(str, depths)) or "N",
                              hs=BYTES_PER_TICK["hs"],
                              ss=BYTES_PER_TICK["ss"])]

    for lb, s in zip(labels, summaries):
        res = targets(s, speeds)
        out += [f"## Targets{' ' + lb if lb else ''}", "",
                "| target | result | detail |", "|---|---|---|"]
        out += [f"| {t} | {v} | {d} |" for t, v, d in res]
        out.append("")
        passed = sum(v == "PASS" for _, v, _ in res)
        print(f"targets{' ' + lb if lb else ''}: {passed} of {len(res)} "
              "passed")
        for t, v, d in res:
            print(f"  {v:4} {t}: {d}")

    if len(summaries) == 2:
        res = compare_targets(*summaries, speeds)
        out += ["## Targets A against B (medians)", "",
                "| target | result | detail |", "|---|---|---|"]
        out += [f"| {t} | {v} | {d} |" for t, v, d in res]
        out.append("")
        for t, v, d in res:
            print(f"  {v:4} {t}: {d}")

    for speed in speeds:
        name = SPEED_NAME[speed]
        out += [f"## {name}: throughput and gadget CPU", ""]
        cols = [("MB/s", "mb_s", 1, False),
                ("ceiling MB/s", "ceiling", 1, False),
                ("of ceiling", "frac", 0, True),
                ("CPU ms/GiB", "cpu_ms_gib", 0, False),
                ("CPU us/transfer", "cpu_us_xfer", 1, False)]
        if len(labels) == 1:
            cols.append(("host CPU ms/GiB", "host_cpu_ms_gib", 0, False))
        table(out, labels, summaries, speed, "tput", cols)
        out += [f"## {name}: CPU of the whole guest", "",
                "All CPUs, from /proc/stat: busy time (gadget, host and "
                "idle-loop work) per GiB, and of it the time in softirqs "
                "(dummy_hcd's frame timer: the emulated DMA) and in hardirqs, "
                "which CONFIG_IRQ_TIME_ACCOUNTING keeps out of the threads' "
                "CPU time.", ""]
        table(out, labels, summaries, speed, "tput",
              [("guest CPU ms/GiB", "guest_cpu_ms_gib", 0, False),
               ("softirq ms/GiB", "softirq_ms_gib", 0, False),
               ("hardirq ms/GiB", "hardirq_ms_gib", 0, False)])
        out += [f"## {name}: per-transfer latency", ""]
        table(out, labels, summaries, speed, "lat",
              [("transfers/s", "xfer_s", 0, False),
               ("latency us", "lat_us", 0, False),
               ("CPU us/transfer", "cpu_us_xfer", 0, False)])
        for fig, ylabel, logy in (("mb_s", "throughput (MB/s)", False),
                                  ("frac", "throughput / bus ceiling", False),
                                  ("cpu_ms_gib", "gadget CPU (ms/GiB)",
                                   True)):
            png = plot(outdir, [r[0]["label"] for r in all_rows], summaries,
                       speed, fig, ylabel, logy)
            if png:
                out += [f"![{name}: {ylabel}]({os.path.basename(png)})", ""]

    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(out))
    write_summary(os.path.join(outdir, "summary.csv"), all_rows, summaries)
    print(f"report: {os.path.join(outdir, 'report.md')}")


if __name__ == "__main__":
    main()
