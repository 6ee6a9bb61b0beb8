#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ab.py - interleaved A/B of two plugin builds against dissection (issue 14).

Usage: bench/ab.sh [--rounds N] [--case "TSHARK ARGS"] OLD.so NEW.so WORKLOAD...
  OLD.so, NEW.so  two plugin files (bench/build_rev.sh REV prints one for a revision)
  WORKLOAD        a capture file, or a workload name of bench/workloads.py
                  (modbus-lossy-100k, mixed-plant-1m, ...: built on demand into build-bench/)
  --rounds N      rounds per workload (default 7; 3 is enough at 1M packets)
  --case ARGS     the plugin case (default "-q -z modbus_an,stat")

Each round runs, in an order rotated by one per round: tshark with OLD, tshark with NEW, and the
dissection baseline (-q --disable-protocol modbus_an -z conv,tcp), all through tests/tshark.sh and
measured as the tshark process itself (bench/tsrun.py: user+sys CPU from wait4, ru_maxrss). It
prints per workload the median CPU of each and, as bench.py does, the medians over rounds of the
ratios OLD/dissection, NEW/dissection and NEW/OLD of the same round: two builds compared in one run, so the VM's
drift hits both alike (bench.sh measures one build at a time; on this 2-core VM its ratios move
by +-10% between runs, more than most single changes).
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tsrun  # noqa: E402

DISSECTION = ["-q", "--disable-protocol", "modbus_an", "-z", "conv,tcp"]


def workload_path(w):
    if os.path.isfile(w):
        return os.path.abspath(w)
    import workloads  # noqa: E402 (builds on demand)
    return workloads.ensure(w, os.environ.get("MODBUS_AN_BENCH_CACHE",
                                              os.path.join(tsrun.REPO, "build-bench")))["file"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--case", default="-q -z modbus_an,stat")
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("workloads", nargs="+")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    runners = {"old": tsrun.Runner(so=a.old, quiet=True), "new": tsrun.Runner(so=a.new, quiet=True)}
    print("A/B: old %s (sha256 %s)\n     new %s (sha256 %s)\ncase: tshark %s; baseline: tshark %s; %d rounds"
          % (a.old, runners["old"].sha256[:16], a.new, runners["new"].sha256[:16], a.case,
             " ".join(DISSECTION), a.rounds))
    try:
        for w in a.workloads:
            pcap = workload_path(w)
            cpu = {"old": [], "new": [], "diss": []}
            rss = {"old": [], "new": [], "diss": []}
            order = ["old", "new", "diss"]
            for r in range(a.rounds):
                for c in order[r % 3:] + order[:r % 3]:
                    runner = runners["old" if c == "diss" else c]
                    args = ["-r", pcap] + (DISSECTION if c == "diss" else a.case.split())
                    res = runner.run(args)
                    cpu[c].append(res["cpu"])
                    rss[c].append(res["maxrss_kib"] / 1024.0)
            med = {c: statistics.median(v) for c, v in cpu.items()}

            def ratio(a, b):  # as bench.py: the median of the rounds' ratios
                return statistics.median(x / y for x, y in zip(cpu[a], cpu[b]))
            print("\n%s" % os.path.basename(pcap))
            for c in ("diss", "old", "new"):
                print("  %-4s CPU median %7.3f s  (runs %s)  peak RSS %.1f MiB"
                      % (c, med[c], " ".join("%.2f" % x for x in cpu[c]), statistics.median(rss[c])))
            print("  old/dissection %.3f  new/dissection %.3f  new/old %.3f (medians of the rounds' ratios)"
                  % (ratio("old", "diss"), ratio("new", "diss"), ratio("new", "old")))
    finally:
        for r in runners.values():
            r.close()


if __name__ == "__main__":
    main()
