#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel in QEMU, run one job from the initramfs and judge it.

The kernel console goes to the first serial port, the job's output to the
second, so TAP never mixes with kernel messages. The run fails when the
job does not finish in time, when any TAP case failed, or when the kernel
log holds a splat, even if every case passed.
"""

import argparse
import os
import re
import subprocess
import sys
import time

SPLAT = re.compile(
    r"WARNING:|BUG:|Oops|KASAN:|UBSAN:|possible circular locking|"
    r"possible recursive locking|INFO: task .* blocked|"
    r"unreferenced object|DMA-API:|Call Trace:|Kernel panic|"
    r"general protection fault|inconsistent lock state|"
    r"suspicious RCU usage|sleeping function called from invalid context|"
    # dummy_hcd refusing a scatterlist longer than its request
    r"scatterlist covers \d+ bytes, request only")
# A case's result; 6.1's harness prints "ok N # SKIP reason", no name
INNER = re.compile(r"^# (not ok|ok) \d+(?: (.*?))??\s*(?:# (SKIP|TODO|XFAIL)\s*(.*))?$")
RUN = re.compile(r"^# #\s+RUN\s+(\S+) \.\.\.$")
OUTER = re.compile(r"^(not ok|ok) \d+ selftests: (.+?)(?: # (SKIP)\s*(.*))?$")
END = re.compile(r"^FFS-JOB-END rc=(-?\d+)")
# DMA-API debugging's boot messages, not reports
BENIGN = re.compile(r"DMA-API: (preallocated \d+ debug entries|debugging enabled)")
# Warnings of upstream code outside the series, each with its reason. Their
# whole report (up to "end trace") is listed as known, not as a failure.
KNOWN = [
    # udmabuf maps its own sg_table for CPU access on its misc device,
    # whose default 64 KiB max segment size it never raises (6.1 udmabuf).
    re.compile(r"DMA-API: misc udmabuf: mapping sg segment longer than "
               r"device claims to support"),
    # From 6.12 on, DMA-API debugging reports two mappings of the same
    # pages for one device, which dma-buf allows: one DMABUF attached to
    # the IN and the OUT endpoint of one UDC, each attachment mapped.
    re.compile(r"DMA-API: .*cacheline tracking EEXIST, overlapping "
               r"mappings aren't supported"),
]
END_TRACE = re.compile(r"---\[ end trace")
# DMA-API debugging's stack of the mapping, printed after a report
MAPPED_AT = re.compile(r"DMA-API: Mapped at:")
FRAME = re.compile(r"^(\[[ \d.]+\])?\s+\S+\+0x[0-9a-f]+/0x[0-9a-f]+")
# Figures the jobs print, kept for the summary
FIGURES = [
    re.compile(r"^# kmemleak: .*"),
    re.compile(r":(?P<case>[\w.]+):(?P<call>\w+: -?\d+ fault injection points)"),
    re.compile(r"^# # \d+s: integrity errors .*"),
    re.compile(r"^# failslab, .*"),
]


class Results:
    """Collects PASS/FAIL/SKIP lines in the runner's results file."""

    def __init__(self, path, prefix, quiet):
        self.path, self.prefix, self.quiet = path, prefix, quiet
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}

    def note(self, name, text):
        """A figure for the summary, not a result."""
        with open(self.path, "a") as f:
            f.write(f"NOTE\t{self.prefix}{name}\t{text}\n")

    def add(self, status, name, detail=""):
        self.counts[status] += 1
        with open(self.path, "a") as f:
            f.write(f"{status}\t{self.prefix}{name}\t{detail}\n")
        if not self.quiet:
            print(f"{'ok' if status != 'FAIL' else 'not ok'} - "
                  f"{self.prefix}{name}"
                  f"{' # SKIP ' + detail if status == 'SKIP' else ''}",
                  flush=True)


class TapParser:
    """Turns kselftest runner output into results, one per test case."""

    def __init__(self, results, job):
        self.results, self.job = results, job
        self.inner = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.end_rc = None
        self.running = ""

    def feed(self, line):
        self._figures(line)
        m = RUN.match(line)
        if m:
            self.running = m.group(1)
            return
        m = INNER.match(line)
        if m:
            status = self._status(m.group(1), m.group(3))
            self.inner[status] += 1
            self.results.add(status, m.group(2) or self.running,
                             m.group(4) or "")
            return
        m = OUTER.match(line)
        if m:
            status = self._status(m.group(1), m.group(3))
            if sum(self.inner.values()) == 0:
                self.results.add(status, m.group(2), m.group(4) or "")
            elif status == "FAIL" and self.inner["FAIL"] == 0:
                self.results.add("FAIL", m.group(2), "program failed")
            self.inner = {"PASS": 0, "FAIL": 0, "SKIP": 0}
            return
        m = END.match(line)
        if m:
            self.end_rc = int(m.group(1))

    def _figures(self, line):
        for fig in FIGURES:
            m = fig.search(line)
            if not m:
                continue
            if "case" in fig.groupindex:
                self.results.note(m.group("case"), m.group("call"))
            else:
                self.results.note(self.job, line.lstrip("# ").strip())

    @staticmethod
    def _status(ok, directive):
        if directive == "SKIP":
            return "SKIP"
        return "PASS" if ok == "ok" else "FAIL"


# Per architecture: the QEMU machine, the kernel's console and the guest
# device the job's output goes to (init.sh's ffs.out). x86_64's pc has two
# serial ports; virt has one, the job's output goes to a virtio console.
MACHINES = {
    "x86_64": (["qemu-system-x86_64"], "ttyS0", "ttyS1"),
    "arm64": (["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57"],
              "ttyAMA0", "hvc0"),
    "arm": (["qemu-system-arm", "-M", "virt", "-cpu", "cortex-a15"],
            "ttyAMA0", "hvc0"),
}


def qemu_command(args):
    accel = os.environ.get("FFS_ACCEL", "tcg")
    machine, console, out = MACHINES[args.arch]
    append = (f"console={console} panic=-1 ffs.job={args.job} ffs.out={out} "
              f"{args.append}").strip()
    cmd = machine + ["-accel", accel, "-smp", str(args.smp), "-m", args.mem,
                     "-kernel", args.kernel, "-initrd", args.initrd,
                     "-append", append, "-nographic", "-no-reboot",
                     "-monitor", "none", "-serial", f"file:{args.console}"]
    if args.arch == "x86_64":
        return cmd + ["-cpu", "max" if accel == "tcg" else "host",
                      "-serial", f"file:{args.output}"]
    return cmd + ["-device", "virtio-serial-device",
                  "-chardev", f"file,id=out,path={args.output}",
                  "-device", "virtconsole,chardev=out"]


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return f.readlines()[-n:]
    except OSError:
        return []


def run(args, parser):
    """Run QEMU, relaying the job's output as it comes. True if it ended."""
    for p in (args.console, args.output):
        open(p, "w").close()
    cmd = qemu_command(args)
    with open(args.console + ".cmd", "w") as f:
        f.write(" ".join(cmd) + "\n")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    start = last_output = time.monotonic()
    pos, pending = 0, ""
    timed_out = False
    while True:
        done = proc.poll() is not None
        with open(args.output, errors="replace") as f:
            f.seek(pos)
            data = f.read()
            pos = f.tell()
        if data:
            last_output = time.monotonic()
            pending += data
            *lines, pending = pending.split("\n")
            for line in lines:
                line = line.rstrip("\r")
                if args.verbose and not line.startswith("FFS-JOB-"):
                    print(line, flush=True)
                parser.feed(line)
        if done:
            break
        now = time.monotonic()
        if now - start > args.timeout:
            proc.kill()
            proc.wait()
            timed_out = True
            break
        if now - last_output > 60:
            last = (tail(args.console, 1) or [""])[0].strip()[:100]
            print(f"  ... {args.job}: running {int(now - start)}s, "
                  f"console: {last}", flush=True)
            last_output = now
        time.sleep(0.2)
    if pending:
        parser.feed(pending.rstrip("\r"))
    if proc.returncode and not timed_out:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    return not timed_out


def known_mask(lines):
    """For each console line, whether it belongs to a known warning's
    report: from its KNOWN line to its "end trace", and the stack of where
    the buffer was mapped that DMA-API debugging prints after it."""
    mask, state = [], None
    for line in lines:
        if any(k.search(line) for k in KNOWN):
            state = "report"
        elif state == "report":
            if END_TRACE.search(line):
                state = "after"
                mask.append(True)
                continue
        elif state == "after" and MAPPED_AT.search(line):
            state = "mapped"
        elif state == "mapped" and FRAME.search(line):
            pass
        else:
            state = None
        mask.append(state is not None)
    return mask


def scan_console(lines):
    """Split the console's splat lines into (failures, known upstream):
    the splat lines outside known reports, the known reports' first
    lines."""
    splats, known = [], []
    for line, is_known in zip(lines, known_mask(lines)):
        if is_known:
            if any(k.search(line) for k in KNOWN):
                known.append(line)
        elif SPLAT.search(line) and not BENIGN.search(line):
            splats.append(line)
    return splats, known


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--job", required=True)
    ap.add_argument("--append", default="")
    ap.add_argument("--arch", choices=sorted(MACHINES), default="x86_64")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", default="2G")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.logdir, exist_ok=True)
    args.console = os.path.join(args.logdir, f"{args.job}.console.log")
    args.output = os.path.join(args.logdir, f"{args.job}.output.log")

    results = Results(args.results, args.prefix, args.quiet)
    parser = TapParser(results, args.job)
    finished = run(args, parser)

    if not finished:
        results.add("FAIL", f"{args.job}: vm", f"no end after {args.timeout}s")
        print(f"{args.job}: guest hung; last console lines:", file=sys.stderr)
        sys.stderr.writelines(tail(args.console, 30))
    elif parser.end_rc is None:
        results.add("FAIL", f"{args.job}: vm", "guest stopped early")
        sys.stderr.writelines(tail(args.console, 30))
    elif parser.end_rc and not results.counts["FAIL"]:
        results.add("FAIL", f"{args.job}: vm", f"exit status {parser.end_rc}")
    else:
        results.add("PASS", f"{args.job}: vm")

    splats, known = scan_console(tail(args.console, 1000000))
    results.note(args.job, f"{len(splats)} splat lines, "
                 f"{0 if finished else 1} hangs, "
                 f"{len(known)} known upstream warning lines")
    if known:
        print(f"{args.job}: {len(known)} known upstream warnings "
              f"(not failures), the first: {known[0].strip()}")
    if splats:
        results.add("FAIL", f"{args.job}: kernel log clean",
                    f"{len(splats)} splat lines")
        print(f"{args.job}: kernel splat in {args.console}:", file=sys.stderr)
        sys.stderr.writelines(splats[:20])
    else:
        results.add("PASS", f"{args.job}: kernel log clean")
    print(f"{args.job}: console {args.console}, output {args.output}")
    return 1 if results.counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
