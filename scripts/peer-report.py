#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make peer's parser and report: our selftest on ours, on mainline and on
mainline with our fixes.

  peer-report.py outcome LOGDIR JOB
      how a boot's selftest ended (vm.py's logs of JOB in LOGDIR): "finished", "crashed CASE" (the kernel
      died, or the boot timed out, while CASE ran), "hung CASE" (the test
      runner killed the selftest in CASE) or "stopped" (outside any case)
  peer-report.py results BOOTS OUT
      one results file (runner format) for all the boots of one side
  peer-report.py report --ours BOOTS --mainline BOOTS ...
      the side-by-side report in Markdown

A BOOTS file lists one boot a line: number, job, log directory and the
case it resumed after (empty for the first boot), tab-separated.

The TAP and splat patterns are the runner's own (scripts/vm.py).
"""

import argparse
import fnmatch
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vm  # noqa: E402  (the runner's TAP and splat patterns)

# The harness's diagnostics inside a case: "# # file.c:123:name:Expected..."
DIAG = re.compile(r"^# # (?!\s*(RUN|OK|FAIL)\s)(.*)$")
# Lines of a kernel report worth quoting besides the SPLAT ones
REPORT_LINE = re.compile(r"RIP: |Comm: |^\s*\[[ \d.]+\]\s+(\? )?\w+\+0x")
TIMESTAMP = re.compile(r"^\[\s*[\d.]+\]\s?")
# The guest job's case markers in the kernel log (scripts/peer-guest.sh)
MARKER = re.compile(r"ffs-peer: RUN (\S+)")
# Case results that are failures: the harness's, or the case never ended
FAILED = ("FAIL", "CRASH", "HANG")
MAX_DIAG = 4
MAX_REPORT = 14


class Case:
    def __init__(self, name, boot):
        self.name, self.boot = name, boot
        self.status, self.detail, self.diag = "RUN", "", []


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return [line.rstrip("\r") for line in f.read().splitlines()]
    except OSError:
        return []


def parse_output(lines, boot=1):
    """The cases of one boot's output, and whether the job ended."""
    cases, current, ended = {}, None, False
    for line in lines:
        m = vm.RUN.match(line)
        if m:
            current = cases.setdefault(m.group(1), Case(m.group(1), boot))
            continue
        m = vm.INNER.match(line)
        if m:
            name = m.group(2) or (current.name if current else "?")
            case = cases.setdefault(name, Case(name, boot))
            case.status = vm.TapParser._status(m.group(1), m.group(3))
            case.detail = m.group(4) or ""
            current = None
            continue
        if vm.END.match(line):
            ended = True
            continue
        m = DIAG.match(line)
        if m and current and len(current.diag) < MAX_DIAG:
            current.diag.append(m.group(2).strip())
    return cases, ended


def splat_reports(lines):
    """Kernel reports in console lines, but for the known ones (vm.py's
    KNOWN): a list of (case, quoted lines), the case from the guest job's
    markers (None without them)."""
    reports, cur, case = [], None, None
    for line, is_known in zip(lines, vm.known_mask(lines)):
        if is_known:
            continue
        m = MARKER.search(line)
        if m:
            case = m.group(1)
            continue
        text = TIMESTAMP.sub("", line)
        is_splat = vm.SPLAT.search(line) and not vm.BENIGN.search(line)
        if "Kernel panic" in line:
            # The panic ends the boot; its own backtrace says nothing new
            if cur:
                reports.append((case, cur))
            if reports:
                reports[-1][1].append(text)
            else:
                reports.append((case, [text]))
            return reports
        if cur is None:
            if is_splat:
                cur = [text]
            continue
        if (is_splat or REPORT_LINE.search(line)) and len(cur) < MAX_REPORT:
            cur.append(text)
        if vm.END_TRACE.search(line):
            reports.append((case, cur))
            cur = None
    if cur:
        reports.append((case, cur))
    return reports


class Boot:
    """One boot of a selftest job: its cases, how it ended, its reports."""

    def __init__(self, number, job, logdir, after=""):
        self.number, self.job, self.logdir, self.after = \
            number, job, logdir, after
        self.console = os.path.join(logdir, f"{job}.console.log")
        console = read_lines(self.console)
        self.cases, ended = parse_output(
            read_lines(os.path.join(logdir, f"{job}.output.log")), number)
        self.reports = splat_reports(console)
        self.known = vm.scan_console(console)[1]
        running = [c for c in self.cases.values() if c.status == "RUN"]
        # The guest job's last marker: the case its output may have lost
        marked = [m.group(1) for m in map(MARKER.search, console) if m]
        if not running and marked and marked[-1] not in self.cases and \
                not ended:
            case = Case(marked[-1], number)
            self.cases[case.name] = case
            running = [case]
        if running:
            self.outcome = f"{'hung' if ended else 'crashed'} {running[-1].name}"
        else:
            self.outcome = "finished" if ended else "stopped"
        for case in running:
            if ended:
                case.status = "HANG"
                case.detail = (f"the test runner killed the selftest in "
                               f"this case (boot {number})")
            else:
                case.status = "CRASH"
                case.detail = (f"the kernel died or the boot timed out in "
                               f"this case (boot {number})")


def outcome(logdir, job):
    """finished, crashed CASE (the kernel died, or the boot timed out, in
    CASE), hung CASE (the test runner killed the selftest in CASE) or
    stopped (outside any case)."""
    return Boot(0, job, logdir).outcome


def read_boots(path):
    boots = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3:
                boots.append(Boot(int(fields[0]), fields[1], fields[2],
                                  fields[3] if len(fields) > 3 else ""))
    return boots


class Side:
    """All the boots of one kernel: cases in run order, boots' outcomes."""

    def __init__(self, label, boots_file):
        self.label, self.boots = label, read_boots(boots_file)
        self.cases = {}
        for b in self.boots:
            self.cases.update(b.cases)
        last = self.boots[-1] if self.boots else None
        self.incomplete = last is not None and last.outcome != "finished"

    def status(self, name):
        c = self.cases.get(name)
        return c.status if c else "NOT RUN"

    def reports_in(self, name):
        return sum(1 for b in self.boots for case, _ in b.reports
                   if case == name)

    def counts(self):
        n = {}
        for c in self.cases.values():
            n[c.status] = n.get(c.status, 0) + 1
        return n


def write_results(boots_file, out):
    side = Side("", boots_file)
    with open(out, "w") as f:
        for c in side.cases.values():
            status = "FAIL" if c.status in FAILED else c.status
            f.write(f"{status}\t{c.name}\t{c.detail}\n")
        for b in side.boots:
            ok = b.outcome == "finished"
            f.write(f"{'PASS' if ok else 'FAIL'}\tboot {b.number}: vm\t"
                    f"{'' if ok else b.outcome}\n")
            n = len(b.reports)
            f.write(f"{'FAIL' if n else 'PASS'}\tboot {b.number}: kernel "
                    f"log clean\t{f'{n} reports' if n else ''}\n")


def read_explanations(path):
    """(pattern, expected, reason, anchors, text) rows of the table."""
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 5:
                sys.exit(f"{path}: want 5 tab-separated fields: {line!r}")
            pattern, expected, reason, anchors, text = fields
            rows.append({"pattern": pattern, "expected": expected,
                         "reason": reason, "text": text,
                         "anchors": [a.strip() for a in anchors.split(";;")
                                     if a.strip()]})
    return rows


def find_anchor(source, anchor):
    """Line number of the first line holding ANCHOR, or None. "A >> B":
    the first line holding B after the first one holding A."""
    start = 0
    for part in (p.strip() for p in anchor.split(">>")):
        for i in range(start, len(source)):
            if part in source[i]:
                start = i + 1
                break
        else:
            return None
    return start


def matches(row, name):
    """The row's patterns (space-separated) match case NAME."""
    return any(fnmatch.fnmatchcase(name, p) for p in row["pattern"].split())


def explain(rows, name):
    for row in rows:
        if matches(row, name):
            return row
    return None


def md_escape(text):
    return text.replace("|", "\\|")


def report(args):
    ours = Side("ours", args.ours)
    peer = Side("mainline", args.mainline)
    # Mainline with our fixes (patches/mainline/), on the test kernel and
    # on the debug kernel, when they ran
    fixed = [Side(label, path) for label, path in
             (("mainline + fixes", args.fixed),
              ("mainline + fixes, debug kernel", args.fixed_debug))
             if path and os.path.exists(path)]
    sides = [ours, peer] + fixed
    rows = read_explanations(args.explanations)
    with open(args.ffs_source, errors="replace") as f:
        source = f.read().splitlines()
    src_name = os.path.basename(args.ffs_source)
    names = list(ours.cases)
    for side in sides[1:]:
        names += [n for n in side.cases if n not in names]
    out = []
    w = out.append

    w("# FunctionFS DMABUF selftest: ours against mainline\n")
    w(f"- ours: {args.ours_desc}")
    w(f"- mainline: {args.mainline_desc}")
    if fixed:
        w(f"- mainline + fixes: {args.fixed_desc}")
    w("")
    w("Cases run by our selftest (tools/testing/selftests/drivers/usb/"
      "ffs-dmabuf) on both kernels under QEMU. A case that crashed or hung "
      "mainline's kernel is marked CRASH (HANG: the test runner killed it); "
      "the selftest then resumed, on a new boot, with the cases after it "
      "(harness filters `-r`). Both kernels boot with oops=panic and "
      "panic_on_warn=1: a kernel that oopses or warns stops in the case "
      "that broke it instead of leaving a broken kernel to the next "
      "cases.\n")

    # Summary
    def summary(side):
        n = side.counts()
        words = {"PASS": "passed", "FAIL": "failed", "CRASH": "crashed",
                 "HANG": "hung", "SKIP": "skipped"}
        parts = [f"{n[s]} {words[s]}" for s in words if n.get(s)]
        boots = len(side.boots)
        return (", ".join(parts) or "no case ran") + \
            f" ({boots} boot{'s' if boots != 1 else ''})"

    mainline_only, both, unexplained, mismatch, unused = [], [], [], [], []
    for name in names:
        o, p = ours.status(name), peer.status(name)
        row = explain(rows, name)
        if p in FAILED:
            if o in FAILED:
                both.append(name)
            else:
                mainline_only.append(name)
                if not row:
                    unexplained.append(name)
                elif row["expected"] != p:
                    mismatch.append(name)
        elif row and p == "PASS":
            unused.append(name)

    # With the fixes every case must pass, but for the differences of
    # design the table explains
    fixed_fail, not_fixed = {}, []
    for side in fixed:
        for name in names:
            if side.status(name) in FAILED:
                why = next((r["reason"] for r in rows
                            if matches(r, name) and
                            r["reason"].startswith("difference")), None)
                fixed_fail.setdefault(side.label, []).append((name, why))

    w("## Summary\n")
    for side in sides:
        w(f"- {side.label}: {summary(side)}")
    for side in fixed:
        bad = fixed_fail.get(side.label, [])
        not_fixed += [n for n, why in bad if not why]
        if not bad:
            w(f"- {side.label}: no case fails")
        else:
            w(f"- {side.label}: failing "
              + ", ".join(f"{n} ({why or '**NOT FIXED**'})" for n, why in bad))
        noisy = [n for n in names if side.reports_in(n)]
        if noisy:
            w(f"- {side.label}: kernel reports in {', '.join(noisy)}")
    w(f"- mainline-only failures: {len(mainline_only)}, explained "
      f"{len(mainline_only) - len(unexplained)}, "
      f"**UNEXPLAINED {len(unexplained)}**" if unexplained else
      f"- mainline-only failures: {len(mainline_only)}, all explained")
    if both:
        w(f"- failing on both: {len(both)} ({', '.join(both)}): our test or "
          "our series is wrong")
    ours_fail = [n for n in names if ours.status(n) in FAILED
                 and n not in both]
    if ours_fail:
        w(f"- failing on ours only: {', '.join(ours_fail)}")
    noisy = [n for n in names if peer.status(n) not in FAILED and
             peer.reports_in(n)]
    if noisy:
        w(f"- passing or skipped on mainline with kernel reports: "
          f"{', '.join(noisy)}")
    if mismatch:
        w(f"- outcome differs from the table's: "
          f"{', '.join(mismatch)}")
    if unused:
        w(f"- explained in the table but passing on mainline: "
          f"{', '.join(unused)}")
    for side in sides:
        missing = [n for n in names if side.status(n) == "NOT RUN"]
        if missing:
            w(f"- {side.label}: {len(missing)} cases not run")
        if side.incomplete:
            w(f"- {side.label}: the last boot did not finish "
              f"({side.boots[-1].outcome}): later cases did not run")
    w("")

    # Boots
    w("## Boots\n")
    w("| kernel | boot | resumed after | outcome | kernel reports | logs |")
    w("|---|---|---|---|---|---|")
    for side in sides:
        for b in side.boots:
            w(f"| {side.label} | {b.number} | {b.after or '-'} | "
              f"{b.outcome} | {len(b.reports)} | "
              f"{os.path.relpath(b.logdir, args.top)} |")
    w("")

    # Cases
    w("## Cases\n")
    extra = "".join(f" {s.label} |" for s in fixed)
    w(f"| case | ours | mainline | mainline kernel reports | why mainline fails |{extra}")
    w("|---|---|---|---|---|" + "---|" * len(fixed))
    for name in names:
        o, p = ours.status(name), peer.status(name)
        n = peer.reports_in(name)
        why = ""
        if name in mainline_only:
            row = explain(rows, name)
            why = (f"{row['reason']}" if row else "**UNEXPLAINED**")
        elif name in both:
            why = "fails on ours too"
        cols = "".join(f" {s.status(name)} |" for s in fixed)
        w(f"| {name} | {o} | {p} | {n or ''} | {md_escape(why)} |{cols}")
    w("")

    # Explanations
    w("## Mainline-only failures\n")
    if not mainline_only:
        w("None.\n")
    for name in mainline_only:
        case, row = peer.cases.get(name), explain(rows, name)
        w(f"### {name}: {peer.status(name)}\n")
        if case and case.diag:
            w("Test output on mainline:\n")
            w("```")
            out.extend(case.diag)
            w("```\n")
        if case and case.status in ("CRASH", "HANG"):
            w(f"{case.detail}.\n")
        if not row:
            w("**UNEXPLAINED**: no row of the explanation table matches; "
              "read the test output and f_fs.c, then add one.\n")
            continue
        w(f"**{row['reason']}** ({row['pattern']}): {row['text']}\n")
        if row["expected"] != peer.status(name):
            w(f"Note: the table expects {row['expected']} here.\n")
        for anchor in row["anchors"]:
            line = find_anchor(source, anchor)
            if line:
                w(f"- `{src_name}:{line}`: `{source[line - 1].strip()}`")
            else:
                w(f"- **ANCHOR NOT FOUND** in {src_name}: `{anchor}`")
        w("")

    # Kernel reports
    w("## Kernel log reports\n")
    for side in sides:
        for b in side.boots:
            rel = os.path.relpath(b.console, args.top)
            w(f"### {side.label}, boot {b.number} ({rel})\n")
            if b.known:
                w(f"{len(b.known)} lines of known upstream warnings "
                  "(scripts/vm.py KNOWN), not counted.\n")
            if not b.reports:
                w("No splat.\n")
                continue
            for case, lines in b.reports:
                w(f"In {case}:" if case else "Case unknown (no markers):")
                w("```")
                out.extend(lines)
                w("```")
            w("")

    if args.bench:
        # scripts/bench-report.py's report, one heading level down, its
        # plots linked from here
        rel = os.path.relpath(os.path.dirname(os.path.abspath(args.bench)),
                              os.path.dirname(os.path.abspath(args.out)))
        with open(args.bench, errors="replace") as f:
            for line in f.read().rstrip().splitlines():
                if line.startswith("#"):
                    line = "#" + line
                w(re.sub(r"\]\(([^/)]+\.png)\)", rf"]({rel}/\1)", line))
        w("")

    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")
    return 1 if unexplained or not_fixed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("outcome")
    p.add_argument("logdir")
    p.add_argument("job")
    p = sub.add_parser("results")
    p.add_argument("boots")
    p.add_argument("out")
    p = sub.add_parser("report")
    p.add_argument("--ours", required=True, help="ours' BOOTS file")
    p.add_argument("--mainline", required=True, help="mainline's BOOTS file")
    p.add_argument("--ours-desc", default="")
    p.add_argument("--mainline-desc", default="")
    p.add_argument("--fixed", help="mainline + fixes' BOOTS file")
    p.add_argument("--fixed-debug",
                   help="mainline + fixes' BOOTS file, debug kernel")
    p.add_argument("--fixed-desc", default="")
    p.add_argument("--explanations", required=True)
    p.add_argument("--ffs-source", required=True,
                   help="mainline's drivers/usb/gadget/function/f_fs.c")
    p.add_argument("--bench", help="benchmark report to append")
    p.add_argument("--top", default=os.getcwd(), help="paths relative to")
    p.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "outcome":
        print(outcome(args.logdir, args.job))
        return 0
    if args.cmd == "results":
        write_results(args.boots, args.out)
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
