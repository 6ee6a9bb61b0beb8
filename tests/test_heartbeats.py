#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Poll groups, heartbeats and watched registers (core/ma_regs.c, ma_hb.c,
ma_watch.c, ma_hbconf.c; fields of postdissector/regs_ui.c; the stat
sections of tap/ma_regs_report.c; the CSV of tap/regs_export.c) against the
ground truth of tests/captures/gen/gen_heartbeat.pcap
(gen_heartbeat.truth.json, written by tests/generator/make_hb_truth.py).

Every expected number comes from the truth file (register values, freezes,
resets, wraps, pauses, writes) and from Wireshark's own fields of the
capture (frame.number, frame.time_epoch, tcp.srcport/dstport,
mbtcp.trans_id, modbus.request_frame, modbus.regval_uint16) - never from
modbus_an's output. The documented rules are recomputed here in Python:
  * poll group: every distinct (pair, unit, fc, start, count) read; a gap is
    a period > 1.5 x the median of the group's previous <= 31 periods
    (judged from the 4th period on); missed polls per gap =
    round(period / that median) - 1, at least 1; cadence = median of all
    periods; jitter = population std of the periods that were not gaps;
  * heartbeat: stalled after hb_stall_polls consecutive unchanged polls or
    when unchanged for longer than hb_stall_factor x its cadence (median of
    its last <= 15 poll periods, from 3 periods on); a stall starts at the
    first unchanged poll and ends at the first changed one; reset = a
    decrease that is not a wrap; wrap = a decrease whose forward distance
    mod 2^bits is <= 2^bits / 64;
  * auto-detection: a holding/input word with >= 10 polls, >= 80% of them
    changed and >= 80% of the changes one step of +1..+16 (mod 2^16);
  * watched register: a value on every read response covering it and on
    every write request covering it; changed = differs from the previous
    observation.

Configurations: tests/fixtures/hb/hb_defs.json, pcap_monitor.json, none
(auto-detection only), hb_auto off, the stall preferences, the
modbus_an_registers UAT from the command line, every malformed file in
tests/fixtures/hb/bad/ (plus tests/fixtures/hb/mixed/: a valid entry before
a bad one - the whole file must be rejected), the engineers' example files,
and single-pass vs two-pass dissection.

Runs tests/tshark.sh --prove-loaded first and fails if the freshly built
plugin is not the one tshark loads.

Usage: python3 tests/test_heartbeats.py [-v] [unittest args]
"""
import csv
import glob
import io
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import mbtshark  # noqa: E402

# Like the other suites: the plugin under test is $MODBUS_AN_SO (ctest sets
# it), else build/modbus_an.so; tests/tshark.sh reads the same variable.
os.environ.setdefault("MODBUS_AN_SO", os.path.join(REPO, "build", "modbus_an.so"))

GEN = os.path.join(REPO, "tests", "captures", "gen")
CAP = os.path.join(GEN, "gen_heartbeat.pcap")
TRUTH_PATH = os.path.join(GEN, "gen_heartbeat.truth.json")
FIX = os.path.join(REPO, "tests", "fixtures", "hb")
HB_DEFS = os.path.join(FIX, "hb_defs.json")
PCAP_MONITOR = os.path.join(FIX, "pcap_monitor.json")
HB_DEFS_EXAMPLE = os.path.join(FIX, "hb_defs_example.json")
PCAP_MONITOR_EXAMPLE = os.path.join(FIX, "pcap_monitor_example.json")
BAD_DIR = os.path.join(FIX, "bad")
MIXED_DIR = os.path.join(FIX, "mixed")

US = 1000                 # 1 microsecond in ns
TOL_NS = 1000             # the 1e-6 s tolerance of times
MAX_REPORT = 25
DEFAULT_STALL_POLLS = 3
DEFAULT_STALL_FACTOR = 3.0
GAP_FACTOR = Fraction(3, 2)
AUTO_MIN_POLLS = 10

# Watched registers given through the modbus_an_registers UAT:
# (name, server, unit, table, address, type, order).
WATCHES = [
    ("w106", "127.0.0.1", "1", "holding", "106", "u16", ""),
    ("w107_any", "", "", "holding", "107", "", ""),
    ("w101_abcd", "127.0.0.1", "1", "holding", "101", "u32", "ABCD"),
    ("w101_cdab", "127.0.0.1", "1", "holding", "101", "u32", "CDAB"),
    ("w105_s16", "127.0.0.1", "1", "holding", "105", "s16", ""),
    ("w106_unit2", "127.0.0.1", "2", "holding", "106", "u16", ""),   # never matches
]


def uat_args(watches=WATCHES):
    args = []
    for w in watches:
        args += ["-o", "uat:modbus_an_registers:" + ",".join('"%s"' % f for f in w)]
    return args


def pref(name, value):
    return ["-o", "modbus_an.%s:%s" % (name, value)]


DEFS_ARGS = pref("hb_defs_file", HB_DEFS)
MONITOR_ARGS = pref("pcap_monitor_file", PCAP_MONITOR)
# The main configuration: hb_defs.json and the watched registers.
MAIN_ARGS = DEFS_ARGS + uat_args()

_tmp = None
_cache = {}
_csv_seq = itertools.count()
T = None   # the truth, see Truth


def setUpModule():
    global _tmp, T
    mbtshark.prove_loaded()
    # tests/tshark.sh runs tshark as an unprivileged user when called as root:
    # the CSV export must be able to write here.
    _tmp = tempfile.mkdtemp(prefix="modbus_an_hb.")
    os.chmod(_tmp, 0o777)
    T = Truth()


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def cached(key, fn):
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]


# ---------------------------------------------------------------- tshark runs

def run_tshark(args):
    """(returncode, stdout, stderr) of tests/tshark.sh ARGS."""
    p = subprocess.run([mbtshark.WRAPPER] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def tshark_ok(args):
    rc, out, err = run_tshark(args)
    if rc != 0:
        raise RuntimeError("tshark %s failed (%d): %s" % (args, rc, err))
    return out


def to_ns(s):
    """'1795443422.011629000' / '0.200123000' -> int ns."""
    s = s.strip().split()[0]
    return int((Decimal(s) * 1000000000).to_integral_value())


def flag(s):
    if s in ("1", "True", "true"):
        return True
    if s in ("0", "False", "false"):
        return False
    raise ValueError("not a boolean: %r" % (s,))


REGS_FIELD_PREFIXES = ("modbus_an.poll.", "modbus_an.hb.", "modbus_an.reg.")


def _collect(field):
    """A modbus_an.poll.group / hb.name / reg.name item: its own show value,
    the show value of every modbus_an.* field below it, and the expert
    infos attached to it."""
    d = {"_show": field.get("show"), "_showname": field.get("showname"), "experts": []}
    for sub in field.iter("field"):
        if sub is field:
            continue
        n = sub.get("name") or ""
        if n.startswith("modbus_an.") and n.endswith(".expert"):
            d["experts"].append(n)
        elif n.startswith("modbus_an."):
            d.setdefault(n, sub.get("show"))
    return d


def pdml_regs(extra_args, two_pass=True):
    """frame -> {"poll": item or None, "hb": {name: item}, "reg": {name: item},
    "raw": [(field name, showname)] of every poll/hb/reg field and expert
    info of modbus_an, in tree order}. Only frames with such fields."""
    def go():
        args = (["-2"] if two_pass else []) + ["-r", CAP, "-T", "pdml", "-J", "frame modbus_an"] \
            + list(extra_args)
        out = tshark_ok(args)
        frames = {}
        for _, elem in ET.iterparse(io.StringIO(out), events=("end",)):
            if elem.tag != "packet":
                continue
            frame = None
            rec = {"poll": None, "hb": {}, "reg": {}, "raw": [], "dup": []}
            for proto in elem.findall("proto"):
                name = proto.get("name")
                if name == "frame":
                    for f in proto.iter("field"):
                        if f.get("name") == "frame.number":
                            frame = int(f.get("show"))
                            break
                elif name == "modbus_an":
                    for f in proto.iter("field"):
                        n = f.get("name") or ""
                        if n.startswith(REGS_FIELD_PREFIXES) or (n.startswith("modbus_an.")
                                                                 and n.endswith(".expert")):
                            rec["raw"].append((n, f.get("showname")))
                        if n == "modbus_an.poll.group":
                            if rec["poll"] is not None:
                                rec["dup"].append(n)
                            rec["poll"] = _collect(f)
                        elif n in ("modbus_an.hb.name", "modbus_an.reg.name"):
                            kind = "hb" if n == "modbus_an.hb.name" else "reg"
                            item = _collect(f)
                            if item["_show"] in rec[kind]:
                                rec["dup"].append("%s %s" % (n, item["_show"]))
                            rec[kind][item["_show"]] = item
            if rec["raw"]:
                frames[frame] = rec
            elem.clear()
        return frames
    return cached(("pdml", two_pass, tuple(extra_args)), go)


def stat_and_csv(extra_args):
    """(stat text, registers CSV rows, stderr, returncode) of one
    -q -z modbus_an,stat -z modbus_an,registers,<csv> run."""
    def go():
        path = os.path.join(_tmp, "regs_%d.csv" % next(_csv_seq))
        if os.path.exists(path):
            os.unlink(path)
        rc, out, err = run_tshark(["-r", CAP, "-q", "-z", "modbus_an,stat",
                                   "-z", "modbus_an,registers," + path] + list(extra_args))
        rows = None
        if os.path.exists(path):
            with open(path, newline="") as fh:
                rows = list(csv.DictReader(fh))
        return out, rows, err, rc
    return cached(("stat", tuple(extra_args)), go)


# ---------------------------------------------------------------- stat text parsing

def section(text, start, end):
    lines = text.splitlines()
    out, on = [], False
    for line in lines:
        if line.startswith(start):
            on = True
        elif on and end and line.startswith(end):
            break
        if on:
            out.append(line)
    return out


RE_GROUP = re.compile(
    r"^\s+(\d+) (\S+ -> \S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)"
    r"\s+(\d+)\s+(\d+)\s+([\d.]+) \([^)]*\)\s+([\d.]+) \([^)]*\)\s+(STOPPED before end|polled to end)$")
RE_GAP = re.compile(r"^  group (\d+): frame (\d+) at ([\d.]+) \([^)]*\) to frame (\d+), ([\d.]+) s "
                    r"\(cadence ([\d.]+) s\)$")
RE_HB = re.compile(
    r"^  (.+?)\s+(hb_defs|pcap_monitor|uat|auto)\s+(\S+ -> \S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(\d+)"
    r"\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(ok|STALLED at end|never polled)$")
RE_HB_NOT_POLLED = re.compile(
    r"^  (.+?)\s+(hb_defs|pcap_monitor|uat|auto)\s+-\s+-\s+(\S+)\s+(\d+)\s+(\d+)\s+NOT POLLED")
RE_STALL = re.compile(
    r"^  (.+?): start frame (\d+) at ([\d.]+) \([^)]*\), (?:end frame (\d+) at ([\d.]+) \([^)]*\)|"
    r"still stalled at end \(last poll ([\d.]+) \([^)]*\)\)), ([\d.]+) s, (\d+) unchanged polls, "
    r"value (\d+)$")
RE_WATCH = re.compile(r"^  (.+?): (\S+):(\d+) unit (\d+) (\S+) (\d+): (\d+) reads, (\d+) writes, "
                      r"(\d+) changes, first (\S+), last (\S+)$")
RE_CHANGE = re.compile(r"^    frame (\d+) at ([\d.]+) \([^)]*\): (\S+) -> (\S+) \((write|read)\)$")


def parse_groups(text):
    rows, gaps = [], []
    for line in section(text, "Poll groups:", "Heartbeats:"):
        m = RE_GROUP.match(line)
        if m:
            g = m.groups()
            rows.append(dict(idx=int(g[0]), pair=g[1], unit=int(g[2]), fc=int(g[3]), start=int(g[4]),
                             count=int(g[5]), polls=int(g[6]), answers=int(g[7]), cadence=float(g[8]),
                             jitter=float(g[9]), gaps=int(g[10]), missed=int(g[11]), first=g[12],
                             last=g[13], state=g[14]))
        m = RE_GAP.match(line)
        if m:
            g = m.groups()
            gaps.append(dict(group=int(g[0]), before=int(g[1]), before_ts=g[2], after=int(g[3]),
                             secs=float(g[4]), cadence=float(g[5])))
    return rows, gaps


def parse_heartbeats(text):
    """(header line, {name: row}, [not polled rows], [stall rows])"""
    lines = section(text, "Heartbeats:", "Watched registers:")
    header = lines[0] if lines else ""
    rows, not_polled, stalls = {}, [], []
    in_stalls = False
    for line in lines[1:]:
        if line.startswith("Heartbeat stalls"):
            in_stalls = True
            continue
        if in_stalls:
            m = RE_STALL.match(line)
            if m:
                g = m.groups()
                stalls.append(dict(name=g[0], start=int(g[1]), start_ts=g[2],
                                   end=int(g[3]) if g[3] else None, end_ts=g[4], last_ts=g[5],
                                   secs=float(g[6]), polls=int(g[7]), value=int(g[8])))
            elif line.strip() != "none":
                stalls.append(dict(name="?unparsed", line=line))
            continue
        m = RE_HB.match(line)
        if m:
            g = m.groups()
            rows[g[0]] = dict(name=g[0], source=g[1], pair=g[2], unit=int(g[3]), table=g[4], reg=int(g[5]),
                              bits=int(g[6]), polls=int(g[7]), changes=int(g[8]), stalls=int(g[9]),
                              resets=int(g[10]), longest=float(g[11]), last=int(g[12]), state=g[13])
            continue
        m = RE_HB_NOT_POLLED.match(line)
        if m:
            not_polled.append(dict(name=m.group(1), source=m.group(2), table=m.group(3),
                                   reg=int(m.group(4)), bits=int(m.group(5))))
    return header, rows, not_polled, stalls


def parse_watches(text):
    lines = section(text, "Watched registers:", None)
    header = lines[0] if lines else ""
    watches, cur = {}, None
    for line in lines[1:]:
        m = RE_WATCH.match(line)
        if m:
            g = m.groups()
            cur = dict(name=g[0], server=g[1], port=int(g[2]), unit=int(g[3]), table=g[4], addr=int(g[5]),
                       reads=int(g[6]), writes=int(g[7]), changes=int(g[8]), first=float(g[9]),
                       last=float(g[10]), list=[])
            watches[g[0]] = cur
            continue
        m = RE_CHANGE.match(line)
        if m and cur is not None:
            g = m.groups()
            cur["list"].append((int(g[0]), g[1], float(g[2]), float(g[3]), g[4]))
    return header, watches


def us_text(ns):
    """An absolute time as the stat text prints it (epoch s, 6 decimals)."""
    return "%d.%06d" % (ns // 1000000000, (ns % 1000000000) // 1000)


# ---------------------------------------------------------------- models of the documented rules

def median_ns(values):
    """Median of integer ns: the lower middle plus half the distance to the
    upper one (integer ns) for an even count."""
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else s[n // 2 - 1] + (s[n // 2] - s[n // 2 - 1]) // 2


def hb_model(values, frames, ts, bits, stall_polls=DEFAULT_STALL_POLLS, factor=DEFAULT_STALL_FACTOR):
    """Per poll: the expected heartbeat record; plus the stall list and the
    totals, by the documented rules (see the module docstring)."""
    recs, stalls = [], []
    tot = dict(polls=0, changes=0, stalls=0, resets=0, wraps=0, longest=0)
    unchanged, stalled, change_ts, cur, run = 0, False, None, None, None
    periods = []
    fac = Fraction(factor).limit_denominator(10 ** 9) if factor else Fraction(0)
    for i, (v, f, t) in enumerate(zip(values, frames, ts)):
        r = dict(frame=f, ts=t, value=v, prev=None, delta=None, first=(i == 0), changed=False,
                 stalled=False, stall_start=False, recovered=False, stall_frame=None,
                 stall_duration=None, reset=False, wrap=False)
        if i == 0:
            change_ts = t
        else:
            periods.append(t - ts[i - 1])
            prev = values[i - 1]
            r["prev"], r["delta"] = prev, v - prev
            if v == prev:
                unchanged += 1
                if unchanged == 1:
                    run = (f, t)
                if not stalled:
                    window = periods[-15:]
                    cad = median_ns(window) if len(window) >= 3 else 0
                    by_time = fac > 0 and cad > 0 and (t - change_ts) > fac * cad
                    if unchanged >= stall_polls or by_time:
                        stalled = True
                        tot["stalls"] += 1
                        r["stall_start"] = True
                        cur = dict(start=run[0], start_ts=run[1], end=None, end_ts=None, value=v)
                if stalled:
                    r["stalled"] = True
                    r["stall_frame"] = cur["start"]
                    cur["polls"] = unchanged
                    cur["last_ts"] = t
            else:
                tot["changes"] += 1
                r["changed"] = True
                if v < prev:
                    rng = 1 << bits
                    if (v - prev) % rng <= rng // 64:
                        r["wrap"] = True
                        tot["wraps"] += 1
                    else:
                        r["reset"] = True
                        tot["resets"] += 1
                if stalled:
                    stalled = False
                    cur["end"], cur["end_ts"] = f, t
                    d = t - cur["start_ts"]
                    tot["longest"] = max(tot["longest"], d)
                    r["recovered"] = True
                    r["stall_frame"] = cur["start"]
                    r["stall_duration"] = d
                    stalls.append(cur)
                unchanged = 0
                change_ts = t
        r["unchanged"] = unchanged
        r["since"] = t - change_ts
        recs.append(r)
    if stalled:
        tot["longest"] = max(tot["longest"], cur["last_ts"] - cur["start_ts"])
        stalls.append(cur)
    tot["polls"] = len(values)
    tot["last"] = values[-1] if values else None
    tot["stalled_at_end"] = stalled
    return recs, stalls, tot


def auto_promotion(words):
    """Index of the poll at which a 16-bit word becomes a detected counter
    (>= 10 polls, >= 80% changed, >= 80% of the changes one step of
    +1..+16 mod 2^16), or None."""
    changes = 0
    steps = Counter()
    for i in range(1, len(words)):
        d = (words[i] - words[i - 1]) & 0xFFFF
        if d:
            changes += 1
            steps[d if d < 0x8000 else d - 0x10000] += 1
        polls = i + 1
        if polls < AUTO_MIN_POLLS or changes * 5 < (polls - 1) * 4 or not steps:
            continue
        step, count = steps.most_common(1)[0]
        if count * 5 >= changes * 4 and 1 <= step <= 16:
            return i
    return None


def group_model(req_ts):
    """Per request: period, the cadence it was judged by, gap; plus totals."""
    recs, periods, gaps = [], [], []
    missed = 0
    for i, t in enumerate(req_ts):
        if i == 0:
            recs.append(dict(period=None, cadence=None, gap=None))
            continue
        p = t - req_ts[i - 1]
        cad, gap = None, False
        if len(periods) >= 3:
            cad = median_ns(periods[-31:])
            gap = cad > 0 and p > GAP_FACTOR * cad
            if gap:
                k = math.floor(Fraction(p, cad) + Fraction(1, 2)) - 1
                missed += max(1, k)
                gaps.append((i, p, cad))
        recs.append(dict(period=p, cadence=cad, gap=gap))
        periods.append(p)
    ok = [p / 1e9 for p, r in zip(periods, recs[1:]) if not r["gap"]]
    mean = sum(ok) / len(ok) if ok else 0.0
    jitter = math.sqrt(sum((x - mean) ** 2 for x in ok) / len(ok)) if ok else 0.0
    return recs, dict(cadence=median_ns(periods) if periods else 0, jitter=jitter, gaps=gaps,
                      missed=missed)


# ---------------------------------------------------------------- truth + wire

class Truth:
    """The truth file joined with Wireshark's own view of the capture."""

    def __init__(self):
        with open(TRUTH_PATH) as fh:
            self.t = json.load(fh)
        self.server = self.t["server"]
        self.port = self.t["port"]
        self._wire()
        self._groups()

    def _wire(self):
        fields = ["frame.number", "frame.time_epoch", "ip.src", "tcp.srcport", "tcp.dstport",
                  "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code", "modbus.request_frame",
                  "modbus.regval_uint16", "tcp.analysis.retransmission"]
        args = ["--disable-protocol", "modbus_an", "-r", CAP, "-T", "fields", "-E", "separator=\t",
                "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields:
            args += ["-e", f]
        self.frames = {}
        for line in tshark_ok(args).splitlines():
            v = dict(zip(fields, line.split("\t")))
            self.frames[int(v["frame.number"])] = v
        self.ts = {f: to_ns(v["frame.time_epoch"]) for f, v in self.frames.items()}
        self.capture_end = max(self.ts.values())
        self.requests, self.responses = {}, {}
        self.wire_problems = []
        for f, v in sorted(self.frames.items()):
            if not v.get("mbtcp.trans_id"):
                continue
            tids = v["mbtcp.trans_id"].split(",")
            if len(tids) != 1:
                self.wire_problems.append("frame %d carries %d Modbus/TCP PDUs" % (f, len(tids)))
                continue
            if v.get("tcp.analysis.retransmission"):
                self.wire_problems.append("frame %d is a TCP retransmission" % f)
            sport, dport, tid = int(v["tcp.srcport"]), int(v["tcp.dstport"]), int(tids[0])
            if dport == self.port:
                key, table = (sport, tid), self.requests
            elif sport == self.port:
                key, table = (dport, tid), self.responses
            else:
                self.wire_problems.append("frame %d: neither port is %d" % (f, self.port))
                continue
            if key in table:
                self.wire_problems.append("(client port, tid) %r twice: frames %d and %d"
                                          % (key, table[key], f))
            table[key] = f

    def req(self, ref):
        return self.requests.get((ref["client_port"], ref["tid"]))

    def resp(self, ref):
        return self.responses.get((ref["client_port"], ref["tid"]))

    def _groups(self):
        self.groups = {}
        for p in self.t["polls"]:
            self.groups.setdefault(p["group"], []).append(p)
        for g, polls in self.groups.items():
            polls.sort(key=lambda p: p["n"])
        # Poll group index: groups are numbered in the order of their first request.
        order = sorted(self.groups, key=lambda g: self.req(self.groups[g][0]) or 0)
        self.group_index = {g: i + 1 for i, g in enumerate(order)}
        self.writes = sorted(self.t["writes"], key=lambda w: self.req(w) or 0)

    # --- series of one group
    def polls(self, g):
        return self.groups[g]

    def resp_frames(self, g):
        return [self.resp(p) for p in self.groups[g]]

    def resp_ts(self, g):
        return [self.ts[self.resp(p)] for p in self.groups[g]]

    def req_frames(self, g):
        return [self.req(p) for p in self.groups[g]]

    def req_ts(self, g):
        return [self.ts[self.req(p)] for p in self.groups[g]]

    def word(self, g, addr):
        start = self.groups[g][0]["start"]
        return [p["values"][addr - start] for p in self.groups[g]]

    def series(self, g, addr, bits):
        if bits == 16:
            return self.word(g, addr)
        hi, lo = self.word(g, addr), self.word(g, addr + 1)
        return [h << 16 | l for h, l in zip(hi, lo)]

    def group_of_register(self, reg):
        """'A1:100' -> ('A1', 100)"""
        g, a = reg.split(":")
        return g, int(a)

    def table_of(self, g):
        return {3: "holding", 4: "input"}[self.groups[g][0]["fc"]]

    def pair_label(self, g):
        p = self.groups[g][0]
        return "%s -> %s:%d" % (p["client_ip"], self.server, self.port)

    def poll_index(self, g, ref):
        for i, p in enumerate(self.groups[g]):
            if p["client_port"] == ref["client_port"] and p["tid"] == ref["tid"]:
                return i
        raise KeyError(ref)


class Hb:
    """One expected heartbeat instance."""

    def __init__(self, name, source, group, reg, bits, first_index=0,
                 stall_polls=DEFAULT_STALL_POLLS, factor=DEFAULT_STALL_FACTOR):
        self.name, self.source, self.group, self.reg, self.bits = name, source, group, reg, bits
        self.first_index = first_index
        self.values = T.series(group, reg, bits)
        self.frames = T.resp_frames(group)
        self.recs, self.stalls, self.tot = hb_model(self.values, self.frames, T.resp_ts(group), bits,
                                                    stall_polls, factor)

    def shown(self):
        """The records the plugin shows (from the poll it was defined or detected at)."""
        return self.recs[self.first_index:]


def auto_candidates():
    """(group, address) -> promotion poll index, for every word of every
    holding/input poll group that the auto-detection rule accepts."""
    out = {}
    for g, polls in T.groups.items():
        start, count = polls[0]["start"], polls[0]["count"]
        for a in range(start, start + count):
            k = auto_promotion(T.word(g, a))
            if k is not None:
                out[(g, a)] = k
    return out


def expected_hbs(config, stall_polls=DEFAULT_STALL_POLLS, factor=DEFAULT_STALL_FACTOR, auto=True):
    """name -> Hb for a configuration: "defs" (hb_defs.json), "monitor"
    (pcap_monitor.json) or "none"."""
    defined = []
    if config == "defs":
        defined = [("plc_a_hb", "hb_defs", "A1", 100, 16), ("hb1", "hb_defs", "B1", 768, 16)]
    elif config == "monitor":
        # pcap_monitor heartbeats are named component_id:offset.
        defined = [("plc_a_counter32:101", "pcap_monitor", "A1", 101, 32),
                   ("plc_a_input_hb:200", "pcap_monitor", "A2", 200, 32),
                   ("plc_a_resetting:104", "pcap_monitor", "A1", 104, 16)]
    hbs, covered = {}, set()
    for name, src, g, reg, bits in defined:
        hbs[name] = Hb(name, src, g, reg, bits, 0, stall_polls, factor)
        for w in range(bits // 16):
            covered.add((g, reg + w))
    if auto:
        for (g, a), k in sorted(auto_candidates().items()):
            if (g, a) in covered:
                continue
            name = "auto %s %d" % (T.table_of(g), a)
            hbs[name] = Hb(name, "auto", g, a, 16, k, stall_polls, factor)
    return hbs


# --- watched registers

def decode(typ, order, words):
    if typ == "u16":
        return words[0]
    if typ == "s16":
        return words[0] - 0x10000 if words[0] & 0x8000 else words[0]
    hi, lo = words[0], words[1]
    if order == "CDAB":
        hi, lo = lo, hi
    return hi << 16 | lo


def expected_watch(w):
    """The observations of watch w: [(frame, value, prev or None, changed, access)]."""
    name, server, unit, table, addr, typ, order = w
    addr = int(addr)
    typ = typ or "u16"
    order = order or "ABCD"
    nwords = 2 if typ in ("u32", "s32", "f32") else 1
    events = []
    for g, polls in T.groups.items():
        p0 = polls[0]
        if T.table_of(g) != table or (server and server != T.server) or (unit and int(unit) != p0["unit"]):
            continue
        if not (p0["start"] <= addr and addr + nwords <= p0["start"] + p0["count"]):
            continue
        for p in polls:
            vals = p["values"][addr - p0["start"]:addr - p0["start"] + nwords]
            events.append((T.resp(p), decode(typ, order, vals), "read"))
    for wr in T.t["writes"]:
        if table != "holding" or (server and server != T.server) or (unit and int(unit) != wr["unit"]):
            continue
        if not (wr["start"] <= addr and addr + nwords <= wr["start"] + len(wr["values"])):
            continue
        vals = wr["values"][addr - wr["start"]:addr - wr["start"] + nwords]
        events.append((T.req(wr), decode(typ, order, vals), "write"))
    events.sort()
    out, prev = [], None
    for i, (f, v, acc) in enumerate(events):
        out.append((f, v, None if i == 0 else prev, i > 0 and v != prev, acc))
        prev = v
    return out


# ---------------------------------------------------------------- comparison helpers

def hb_state(r):
    names = [("stall_start", "stall"), ("stalled", "stalled"), ("recovered", "recovered"),
             ("reset", "reset"), ("wrap", "wrap")]
    return "+".join(n for k, n in names if r[k])


def compare_hb_item(name, r, item):
    """Problems of one PDML heartbeat item against expected record r."""
    errs = []
    f = r["frame"]

    def eq(field, want):
        got = item.get(field)
        if want is None:
            if got is not None:
                errs.append("frame %d %s: %s = %r, expected absent" % (f, name, field, got))
        elif got != str(want):
            errs.append("frame %d %s: %s = %r, expected %r" % (f, name, field, got, str(want)))

    def eq_time(field, want):
        got = item.get(field)
        if want is None:
            if got is not None:
                errs.append("frame %d %s: %s = %r, expected absent" % (f, name, field, got))
        elif got is None or abs(to_ns(got) - want) > TOL_NS:
            errs.append("frame %d %s: %s = %r, expected %.9f" % (f, name, field, got, want / 1e9))

    def eq_flag(field, want, always=False):
        got = item.get(field)
        if always:
            if got is None or flag(got) != want:
                errs.append("frame %d %s: %s = %r, expected %s" % (f, name, field, got, want))
        elif want:
            if got is None or not flag(got):
                errs.append("frame %d %s: %s = %r, expected True" % (f, name, field, got))
        elif got is not None and flag(got):
            errs.append("frame %d %s: %s = %r, expected absent/False" % (f, name, field, got))

    eq("modbus_an.hb.value", r["value"])
    eq("modbus_an.hb.previous", r["prev"])
    eq("modbus_an.hb.delta", r["delta"])
    eq_time("modbus_an.hb.since_change", r["since"])
    eq("modbus_an.hb.unchanged_polls", r["unchanged"])
    eq_flag("modbus_an.hb.stalled", r["stalled"], always=True)
    eq_flag("modbus_an.hb.stall_start", r["stall_start"])
    eq_flag("modbus_an.hb.recovered", r["recovered"])
    eq_flag("modbus_an.hb.reset", r["reset"])
    eq_flag("modbus_an.hb.wrap", r["wrap"])
    eq("modbus_an.hb.stall_frame", r["stall_frame"])
    eq_time("modbus_an.hb.stall_duration", r["stall_duration"])
    want_exp = sorted(e for e, k in (("modbus_an.hb.stall.expert", "stall_start"),
                                     ("modbus_an.hb.recovered.expert", "recovered"),
                                     ("modbus_an.hb.reset.expert", "reset")) if r[k])
    if sorted(item["experts"]) != want_exp:
        errs.append("frame %d %s: expert infos %s, expected %s" % (f, name, sorted(item["experts"]), want_exp))
    return errs


def check_hb_pdml(frames, hbs):
    """Problems of every frame's heartbeat items against the expected
    heartbeats hbs (name -> Hb): on every response that should carry a
    heartbeat exactly the expected names, and each item's fields."""
    errs = []
    want = {}
    for name, hb in hbs.items():
        for r in hb.shown():
            want.setdefault(r["frame"], {})[name] = (hb, r)
    for f in sorted(set(want) | set(fr for fr, rec in frames.items() if rec["hb"])):
        got = frames.get(f, {}).get("hb", {})
        exp = want.get(f, {})
        if set(got) != set(exp):
            errs.append("frame %d: heartbeats %s, expected %s" % (f, sorted(got), sorted(exp)))
        for name in sorted(set(got) & set(exp)):
            hb, r = exp[name]
            item = got[name]
            if item.get("modbus_an.hb.source") != hb.source:
                errs.append("frame %d %s: source %r, expected %r" % (f, name, item.get("modbus_an.hb.source"),
                                                                      hb.source))
            if item.get("modbus_an.hb.register") != str(hb.reg):
                errs.append("frame %d %s: register %r, expected %d" % (f, name,
                                                                        item.get("modbus_an.hb.register"), hb.reg))
            errs += compare_hb_item(name, r, item)
    return errs


def check_stat_heartbeats(text, hbs, not_polled=(), stall_polls=DEFAULT_STALL_POLLS,
                          factor=DEFAULT_STALL_FACTOR, auto=True):
    """Problems of the Heartbeats and Heartbeat stalls sections."""
    errs = []
    header, rows, np_rows, stalls = parse_heartbeats(text)
    want_header = "Heartbeats: %d (stalled after %d unchanged polls or > %g x cadence; auto-detection %s)" % (
        len(hbs), stall_polls, factor, "on" if auto else "off")
    if header != want_header:
        errs.append("header %r, expected %r" % (header, want_header))
    if set(rows) != set(hbs):
        errs.append("heartbeats listed %s, expected %s" % (sorted(rows), sorted(hbs)))
    for name in sorted(set(rows) & set(hbs)):
        row, hb = rows[name], hbs[name]
        tot = hb.tot
        want = dict(source=hb.source, pair=T.pair_label(hb.group), unit=T.groups[hb.group][0]["unit"],
                    table=T.table_of(hb.group), reg=hb.reg, bits=hb.bits, polls=tot["polls"],
                    changes=tot["changes"], stalls=tot["stalls"], resets=tot["resets"], last=tot["last"],
                    state="STALLED at end" if tot["stalled_at_end"] else "ok")
        for k, v in want.items():
            if row[k] != v:
                errs.append("%s: %s = %r, expected %r" % (name, k, row[k], v))
        if abs(row["longest"] - tot["longest"] / 1e9) > 1e-6:
            errs.append("%s: longest stall %.6f, expected %.9f" % (name, row["longest"], tot["longest"] / 1e9))
    got_np = sorted(r["name"] for r in np_rows)
    if got_np != sorted(not_polled):
        errs.append("NOT POLLED definitions %s, expected %s" % (got_np, sorted(not_polled)))
    want_stalls = []
    for name, hb in hbs.items():
        for s in hb.stalls:
            want_stalls.append((name, s))
    got_keyed = {(s["name"], s.get("start")): s for s in stalls}
    if len(stalls) != len(want_stalls) or len(got_keyed) != len(stalls):
        errs.append("%d stalls listed, expected %d: %s" % (len(stalls), len(want_stalls),
                                                          [(s["name"], s.get("start")) for s in stalls]))
    for name, s in want_stalls:
        g = got_keyed.get((name, s["start"]))
        if not g:
            errs.append("stall of %s from frame %d not listed" % (name, s["start"]))
            continue
        end_ts = s["end_ts"] if s["end"] else s["last_ts"]
        checks = [("start time", g["start_ts"], us_text(s["start_ts"])),
                  ("end frame", g["end"], s["end"]),
                  ("polls", g["polls"], s["polls"]), ("value", g["value"], s["value"])]
        if s["end"]:
            checks.append(("end time", g["end_ts"], us_text(s["end_ts"])))
        else:
            checks.append(("last poll time (still stalled at end)", g["last_ts"], us_text(s["last_ts"])))
        for what, got, want in checks:
            if got != want:
                errs.append("stall of %s from frame %d: %s %r, expected %r" % (name, s["start"], what, got, want))
        if abs(g["secs"] - (end_ts - s["start_ts"]) / 1e9) > 1e-6:
            errs.append("stall of %s from frame %d: %.6f s, expected %.9f" % (name, s["start"], g["secs"],
                                                                             (end_ts - s["start_ts"]) / 1e9))
    return errs


def check_csv_hb(rows, hbs):
    """Problems of the registers CSV's heartbeat rows (kind hb)."""
    errs = []
    got = [r for r in rows if r["kind"] == "hb"]
    want = []
    for name, hb in hbs.items():
        for r in hb.shown():
            want.append((r["frame"], name, hb, r))
    want.sort(key=lambda x: (x[0], x[1]))
    gk = {(int(r["frame"]), r["name"]): r for r in got}
    if len(got) != len(want) or len(gk) != len(got):
        errs.append("%d heartbeat rows, expected %d" % (len(got), len(want)))
    for f, name, hb, r in want:
        row = gk.get((f, name))
        if not row:
            errs.append("no heartbeat row for %s at frame %d" % (name, f))
            continue
        exp = dict(time="%d.%09d" % (r["ts"] // 10 ** 9, r["ts"] % 10 ** 9), pair=T.pair_label(hb.group),
                   unit=str(T.groups[hb.group][0]["unit"]), table=T.table_of(hb.group), address=str(hb.reg),
                   access="read", value=str(r["value"]), previous="" if r["prev"] is None else str(r["prev"]),
                   changed="1" if r["changed"] else "0", state=hb_state(r))
        for k, v in exp.items():
            if row.get(k) != v:
                errs.append("frame %d %s: CSV %s = %r, expected %r" % (f, name, k, row.get(k), v))
    return errs


def report(test, errs, what):
    if errs:
        more = "\n  ... %d more" % (len(errs) - MAX_REPORT) if len(errs) > MAX_REPORT else ""
        test.fail("%s: %d problems:\n  %s%s" % (what, len(errs), "\n  ".join(errs[:MAX_REPORT]), more))


# ================================================================ tests

class T1Loaded(unittest.TestCase):
    def test_plugin_loaded(self):
        line = mbtshark.prove_loaded()
        self.assertIn("modbus_an.so", line)
        self.assertIn("sha256=", line)


class T2Frames(unittest.TestCase):
    """Every truth poll and write maps to one request and one response frame
    by plain Wireshark fields; the truth's values are on the wire."""

    def test_wire_is_clean(self):
        report(self, T.wire_problems, "Wireshark's view of the capture")

    def test_every_poll_and_write_maps_to_frames(self):
        errs = []
        refs = [("poll", p) for p in T.t["polls"]] + [("write", w) for w in T.t["writes"]]
        for kind, p in refs:
            rq, rs = T.req(p), T.resp(p)
            if rq is None or rs is None:
                errs.append("%s %r: request frame %r, response frame %r" % (kind, (p["client_port"], p["tid"]),
                                                                          rq, rs))
                continue
            vq, vs = T.frames[rq], T.frames[rs]
            if vq["ip.src"] != p["client_ip"]:
                errs.append("%s tid %d: request from %s, truth %s" % (kind, p["tid"], vq["ip.src"], p["client_ip"]))
            if int(vq["mbtcp.unit_id"]) != p["unit"] or int(vq["modbus.func_code"]) != p["fc"]:
                errs.append("%s tid %d: unit/fc %s/%s, truth %d/%d" % (kind, p["tid"], vq["mbtcp.unit_id"],
                                                                     vq["modbus.func_code"], p["unit"], p["fc"]))
            if vs.get("modbus.request_frame") != str(rq):
                errs.append("%s tid %d: response %d says request frame %r, not %d"
                            % (kind, p["tid"], rs, vs.get("modbus.request_frame"), rq))
            if rs <= rq:
                errs.append("%s tid %d: response frame %d before request %d" % (kind, p["tid"], rs, rq))
            if kind == "poll":
                vals = [int(x) for x in vs.get("modbus.regval_uint16", "").split(",") if x != ""]
                if vals != p["values"]:
                    errs.append("poll %s n=%d: wire values %s, truth %s" % (p["group"], p["n"], vals, p["values"]))
        self.assertEqual(len(T.requests), len(refs), "Modbus requests on the wire vs truth polls + writes")
        self.assertEqual(len(T.responses), len(refs), "Modbus responses on the wire vs truth polls + writes")
        report(self, errs, "truth -> frames")

    def test_truth_polls_are_complete(self):
        for g, polls in T.groups.items():
            self.assertEqual([p["n"] for p in polls], list(range(len(polls))), g)
        self.assertEqual(set(T.groups), set(T.t["period"]))


class T3HbDefs(unittest.TestCase):
    """hb_defs.json: hb1 (B1 768) and plc_a_hb (A1 100), every response."""

    def setUp(self):
        self.frames = pdml_regs(MAIN_ARGS)
        self.hbs = expected_hbs("defs")

    def test_model_stalls_are_truth_freezes(self):
        """The documented count rule (3 polls) on the truth values gives
        exactly the truth's freezes with >= 3 unchanged polls."""
        for reg, name in (("A1:100", "plc_a_hb"), ("B1:768", "hb1")):
            g, _ = T.group_of_register(reg)
            count_only = Hb(name, "hb_defs", g, int(reg.split(":")[1]), 16, 0, 3, 0)
            want = [(T.resp(fz["first_unchanged"]), T.resp(fz["recover"]) if fz["recover"] else None,
                     fz["unchanged_polls"])
                    for fz in T.t["freezes"] if fz["register"] == reg and fz["unchanged_polls"] >= 3]
            got = [(s["start"], s["end"], s["polls"]) for s in count_only.stalls]
            self.assertEqual(got, want, reg)
            # ... and the time rule at k = 3 adds or moves none here.
            self.assertEqual([(s["start"], s["end"], s["polls"]) for s in self.hbs[name].stalls], want, reg)

    def test_per_frame_fields(self):
        sub = {n: self.hbs[n] for n in ("plc_a_hb", "hb1")}
        errs = []
        for name, hb in sub.items():
            for r in hb.shown():
                item = self.frames.get(r["frame"], {}).get("hb", {}).get(name)
                if item is None:
                    errs.append("frame %d: no heartbeat %s" % (r["frame"], name))
                    continue
                errs += compare_hb_item(name, r, item)
                if item.get("modbus_an.hb.source") != "hb_defs":
                    errs.append("frame %d %s: source %r" % (r["frame"], name, item.get("modbus_an.hb.source")))
        report(self, errs, "hb_defs heartbeats")

    def test_values_follow_truth(self):
        """The value/delta/unchanged_polls of plc_a_hb and hb1, straight from
        the truth's register values."""
        errs = []
        for name, g, idx in (("plc_a_hb", "A1", 0), ("hb1", "B1", 0)):
            polls = T.polls(g)
            run = 0
            for i, p in enumerate(polls):
                item = self.frames.get(T.resp(p), {}).get("hb", {}).get(name, {})
                v = p["values"][idx]
                prev = polls[i - 1]["values"][idx] if i else None
                run = run + 1 if i and v == prev else 0
                want = {"modbus_an.hb.value": str(v), "modbus_an.hb.unchanged_polls": str(run),
                        "modbus_an.hb.delta": None if i == 0 else str(v - prev)}
                for k, w in want.items():
                    if item.get(k) != w:
                        errs.append("%s n=%d frame %d: %s = %r, expected %r" % (name, p["n"], T.resp(p), k,
                                                                             item.get(k), w))
        report(self, errs, "values")

    def test_all_heartbeats_every_frame(self):
        """Every heartbeat item of the run (the two definitions and the
        detected counters) on exactly the expected frames."""
        report(self, check_hb_pdml(self.frames, self.hbs), "all heartbeats")

    def test_wrong_poll_never_used(self):
        names = set()
        for rec in self.frames.values():
            names |= set(rec["hb"])
        self.assertNotIn("wrong_poll", names)

    def test_stat_heartbeats_and_stalls(self):
        text = stat_and_csv(MAIN_ARGS)[0]
        report(self, check_stat_heartbeats(text, self.hbs, not_polled=["wrong_poll"]), "stat heartbeats")

    def test_stat_lists_truth_freezes(self):
        """Each truth freeze of A1:100 / B1:768 with >= 3 unchanged polls is
        a listed stall; shorter freezes are not."""
        text = stat_and_csv(MAIN_ARGS)[0]
        _, _, _, stalls = parse_heartbeats(text)
        names = {"A1:100": "plc_a_hb", "B1:768": "hb1"}
        listed = {(s["name"], s["start"]): s for s in stalls}
        for fz in T.t["freezes"]:
            if fz["register"] not in names:
                continue
            name = names[fz["register"]]
            start = T.resp(fz["first_unchanged"])
            s = listed.get((name, start))
            if fz["unchanged_polls"] < 3:
                self.assertIsNone(s, "freeze %r of %d polls listed as a stall" % (fz, fz["unchanged_polls"]))
                continue
            self.assertIsNotNone(s, "freeze %r not listed" % (fz,))
            self.assertEqual(s["polls"], fz["unchanged_polls"])
            g, _ = T.group_of_register(fz["register"])
            last_ts = T.ts[T.resp(fz["last_unchanged"])]
            if fz["recover"]:
                end = T.resp(fz["recover"])
                self.assertEqual(s["end"], end)
                self.assertAlmostEqual(s["secs"], (T.ts[end] - T.ts[start]) / 1e9, delta=1e-6)
            else:
                self.assertIsNone(s["end"], "still stalled at end expected")
                self.assertEqual(s["last_ts"], us_text(last_ts))
                self.assertAlmostEqual(s["secs"], (last_ts - T.ts[start]) / 1e9, delta=1e-6)
        self.assertIn("still stalled at end", text)

    def test_expert_filters_select_exactly_those_frames(self):
        """-Y on each expert info name selects exactly the frames the rules give."""
        out = tshark_ok(["-r", CAP, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                         "-e", "frame.number", "-e", "modbus_an.hb.name",
                         "-Y", "modbus_an.hb.stall.expert || modbus_an.hb.recovered.expert || "
                               "modbus_an.hb.reset.expert || modbus_an.poll.gap.expert"] + MAIN_ARGS)
        got = sorted(int(line.split("\t")[0]) for line in out.splitlines() if line.strip())
        want = set()
        for hb in self.hbs.values():
            for r in hb.shown():
                if r["stall_start"] or r["recovered"] or r["reset"]:
                    want.add(r["frame"])
        for g in T.groups:
            recs, _ = group_model(T.req_ts(g))
            for f, r in zip(T.req_frames(g), recs):
                if r["gap"]:
                    want.add(f)
        self.assertEqual(got, sorted(want))
        for name in ("modbus_an.hb.stall.expert", "modbus_an.hb.recovered.expert",
                     "modbus_an.hb.reset.expert", "modbus_an.poll.gap.expert"):
            out = tshark_ok(["-r", CAP, "-T", "fields", "-e", "frame.number", "-Y", name] + MAIN_ARGS)
            got1 = sorted(int(x) for x in out.split())
            want1 = set()
            key = {"modbus_an.hb.stall.expert": "stall_start", "modbus_an.hb.recovered.expert": "recovered",
                   "modbus_an.hb.reset.expert": "reset"}.get(name)
            if key:
                for hb in self.hbs.values():
                    want1 |= {r["frame"] for r in hb.shown() if r[key]}
            else:
                for g in T.groups:
                    recs, _ = group_model(T.req_ts(g))
                    want1 |= {f for f, r in zip(T.req_frames(g), recs) if r["gap"]}
            self.assertEqual(got1, sorted(want1), name)

    def test_no_duplicate_items(self):
        errs = ["frame %d: duplicate %s" % (f, d) for f, rec in self.frames.items() for d in rec["dup"]]
        report(self, errs, "duplicates")


class T4PcapMonitor(unittest.TestCase):
    """pcap_monitor.json: 32-bit holding 101, 32-bit input 200, 16-bit holding 104."""
    N32 = "plc_a_counter32:101"
    IN32 = "plc_a_input_hb:200"
    R16 = "plc_a_resetting:104"

    def setUp(self):
        self.frames = pdml_regs(MONITOR_ARGS)
        self.hbs = expected_hbs("monitor")

    def test_all_heartbeats_every_frame(self):
        report(self, check_hb_pdml(self.frames, self.hbs), "pcap_monitor heartbeats")

    def test_32bit_value_high_word_first_and_low_word_carry(self):
        """value = hi << 16 | lo; the truth's low-word wrap at n = 16
        (65535 -> 65536) is a +1 of the 32-bit counter: neither a reset nor
        (the value does not decrease) a wrap."""
        errs = []
        polls = T.polls("A1")
        for p in polls:
            item = self.frames.get(T.resp(p), {}).get("hb", {}).get(self.N32, {})
            want = p["values"][1] << 16 | p["values"][2]
            if item.get("modbus_an.hb.value") != str(want):
                errs.append("n=%d: value %r, expected %d" % (p["n"], item.get("modbus_an.hb.value"), want))
            for fl in ("modbus_an.hb.reset", "modbus_an.hb.wrap"):
                if item.get(fl) is not None and flag(item[fl]):
                    errs.append("n=%d: %s set" % (p["n"], fl))
        wraps = [w for w in T.t["wraps"] if w["register"] == "A1:101"]
        self.assertEqual(len(wraps), 1)
        p = T.polls("A1")[T.poll_index("A1", wraps[0]["poll"])]
        item = self.frames[T.resp(p)]["hb"][self.N32]
        self.assertEqual(item.get("modbus_an.hb.value"), str(wraps[0]["to"]))
        self.assertEqual(item.get("modbus_an.hb.previous"), str(wraps[0]["from"]))
        self.assertEqual(item.get("modbus_an.hb.delta"), "1")
        report(self, errs, "32-bit heartbeat")

    def _one_stall(self, name, reg):
        fz = [f for f in T.t["freezes"] if f["register"] == reg]
        self.assertEqual(len(fz), 1, reg)
        fz = fz[0]
        hb = self.hbs[name]
        want = [(T.resp(fz["first_unchanged"]), T.resp(fz["recover"]), fz["unchanged_polls"])]
        self.assertEqual([(s["start"], s["end"], s["polls"]) for s in hb.stalls], want, "model vs truth")
        text = stat_and_csv(MONITOR_ARGS)[0]
        stalls = [s for s in parse_heartbeats(text)[3] if s["name"] == name]
        self.assertEqual([(s["start"], s["end"], s["polls"]) for s in stalls], want, "stat text")
        starts = [f for f, rec in self.frames.items()
                  if name in rec["hb"] and rec["hb"][name].get("modbus_an.hb.stall_start")]
        recs = [f for f, rec in self.frames.items()
                if name in rec["hb"] and rec["hb"][name].get("modbus_an.hb.recovered")]
        self.assertEqual(len(starts), 1, "stall detected once")
        self.assertEqual(recs, [want[0][1]], "recovered once, at the truth's recovering poll")

    def test_32bit_freeze_is_one_stall(self):
        self._one_stall(self.N32, "A1:101")

    def test_input_32bit_freeze_is_one_stall(self):
        self._one_stall(self.IN32, "A2:200")

    def test_exactly_one_reset(self):
        resets = [r for r in T.t["resets"] if r["register"] == "A1:104"]
        self.assertEqual(len(resets), 1)
        want = T.resp(resets[0]["poll"])
        got = sorted(f for f, rec in self.frames.items() if self.R16 in rec["hb"]
                     and rec["hb"][self.R16].get("modbus_an.hb.reset") == "1")
        self.assertEqual(got, [want])
        item = self.frames[want]["hb"][self.R16]
        self.assertEqual(item.get("modbus_an.hb.previous"), str(resets[0]["from"]))
        self.assertEqual(item.get("modbus_an.hb.value"), str(resets[0]["to"]))
        self.assertIn("modbus_an.hb.reset.expert", item["experts"])
        all_resets = sorted((f, n) for f, rec in self.frames.items() for n, it in rec["hb"].items()
                            if it.get("modbus_an.hb.reset") == "1")
        self.assertEqual(all_resets, [(want, self.R16)], "no other reset in the capture")
        text = stat_and_csv(MONITOR_ARGS)[0]
        self.assertEqual(parse_heartbeats(text)[1][self.R16]["resets"], 1)

    def test_stat_heartbeats(self):
        text = stat_and_csv(MONITOR_ARGS)[0]
        report(self, check_stat_heartbeats(text, self.hbs), "stat heartbeats")

    def test_csv_heartbeat_rows(self):
        rows = stat_and_csv(MONITOR_ARGS)[1]
        self.assertIsNotNone(rows)
        report(self, check_csv_hb(rows, self.hbs), "registers CSV heartbeat rows")


class T5Auto(unittest.TestCase):
    """No configuration: auto-detected counters only."""

    def test_candidates_are_the_counters_of_the_truth(self):
        cands = auto_candidates()
        # The registers the truth calls counters / heartbeats, as 16-bit words
        # (a 32-bit heartbeat is detected by its low word).
        want = {("A1", 100), ("A1", 102), ("A1", 104), ("A1", 105), ("A2", 201), ("B1", 768), ("B1", 770)}
        self.assertEqual(set(cands), want)
        kinds = {}
        for r in T.t["registers"]:
            for w in range(r["bits"] // 16):
                kinds[(r["group"], r["address"] + w)] = r["kind"]
        for key in cands:
            self.assertTrue(kinds.get(key, "").startswith(("heartbeat", "counter")), (key, kinds.get(key)))
        for key, kind in kinds.items():
            if kind in ("constant", "noisy", "slow_counter", "written"):
                self.assertNotIn(key, cands)

    def test_stat_lists_exactly_the_candidates(self):
        text = stat_and_csv([])[0]
        hbs = expected_hbs("none")
        _, rows, _, _ = parse_heartbeats(text)
        self.assertEqual(set(rows), set(hbs))
        self.assertTrue(all(r["source"] == "auto" for r in rows.values()))
        report(self, check_stat_heartbeats(text, hbs), "stat heartbeats (auto)")

    def test_per_frame_fields(self):
        report(self, check_hb_pdml(pdml_regs([]), expected_hbs("none")), "auto heartbeats")

    def test_wraps_of_16bit_counters(self):
        """The truth's wraps on 16-bit words: A1:105 (65535 -> 0) and the low
        word of A1:101 (register 102, 65535 -> 0 at n = 16) are wraps, not resets."""
        frames = pdml_regs([])
        errs = []
        for w in T.t["wraps"]:
            g, a = T.group_of_register(w["register"])
            reg = a if w["register"] != "A1:101" else a + 1     # the low word
            name = "auto %s %d" % (T.table_of(g), reg)
            p = T.polls(g)[T.poll_index(g, w["poll"])]
            item = frames.get(T.resp(p), {}).get("hb", {}).get(name)
            if item is None:
                errs.append("%s: no item at frame %d" % (name, T.resp(p)))
                continue
            if item.get("modbus_an.hb.wrap") != "1" or item.get("modbus_an.hb.reset") is not None:
                errs.append("%s frame %d: wrap %r reset %r" % (name, T.resp(p), item.get("modbus_an.hb.wrap"),
                                                               item.get("modbus_an.hb.reset")))
            if item.get("modbus_an.hb.value") != str(w["to"] & 0xFFFF):
                errs.append("%s frame %d: value %r" % (name, T.resp(p), item.get("modbus_an.hb.value")))
        report(self, errs, "wraps")

    def test_auto_off(self):
        off = pref("hb_auto", "FALSE")
        text, rows, err, rc = stat_and_csv(off)
        self.assertEqual(rc, 0, err)
        header, hbrows, np_rows, stalls = parse_heartbeats(text)
        self.assertEqual(header, "Heartbeats: 0 (stalled after 3 unchanged polls or > 3 x cadence; "
                                 "auto-detection off)")
        self.assertEqual(hbrows, {})
        self.assertEqual([r for r in rows if r["kind"] == "hb"], [])
        out = tshark_ok(["-r", CAP, "-T", "fields", "-e", "modbus_an.hb.name", "-Y", "modbus_an.hb.name"] + off)
        self.assertEqual(out.strip(), "")
        # hb_defs still works with auto off.
        text = stat_and_csv(off + DEFS_ARGS)[0]
        _, hbrows, _, _ = parse_heartbeats(text)
        self.assertEqual(set(hbrows), {"plc_a_hb", "hb1"})


class T6Prefs(unittest.TestCase):
    """hb_stall_polls / hb_stall_factor change the stalls as the rules say."""

    VARIANTS = [
        (5, 3.0, pref("hb_stall_polls", 5)),
        (3, 0.0, pref("hb_stall_factor", 0)),
        (5, 0.0, pref("hb_stall_polls", 5) + pref("hb_stall_factor", 0)),
        (11, 3.0, pref("hb_stall_polls", 11)),
        (11, 0.0, pref("hb_stall_polls", 11) + pref("hb_stall_factor", 0)),
        (1, 0.0, pref("hb_stall_polls", 1) + pref("hb_stall_factor", 0)),
    ]

    def test_variants(self):
        for polls, factor, args in self.VARIANTS:
            with self.subTest(stall_polls=polls, stall_factor=factor):
                text, rows, err, rc = stat_and_csv(DEFS_ARGS + args)
                self.assertEqual(rc, 0, err)
                hbs = expected_hbs("defs", polls, factor)
                report(self, check_stat_heartbeats(text, hbs, not_polled=["wrong_poll"], stall_polls=polls,
                                                   factor=factor), "stat %s" % args)
                report(self, check_csv_hb(rows, hbs), "CSV %s" % args)

    def test_variants_differ(self):
        """The variants are not vacuous: the stall sets they predict differ."""
        def key(polls, factor):
            return sorted((n, s["start"]) for n, hb in expected_hbs("defs", polls, factor).items()
                          for s in hb.stalls)
        base = key(3, 3.0)
        self.assertNotEqual(key(11, 3.0), key(11, 0.0), "factor 0 must remove time-rule stalls")
        self.assertNotEqual(base, key(11, 0.0))
        # with 11 polls and no time rule only hb1's 12-poll freeze remains
        self.assertEqual([n for n, _ in key(11, 0.0)], ["hb1"])
        # plc_a_hb's 2-poll freeze (n = 120, 121) is a stall only with 1 poll
        short_fz = [fz for fz in T.t["freezes"] if fz["register"] == "A1:100" and fz["unchanged_polls"] < 3]
        self.assertEqual(len(short_fz), 1)
        short = T.resp(short_fz[0]["first_unchanged"])
        self.assertNotIn(("plc_a_hb", short), base)
        self.assertIn(("plc_a_hb", short), key(1, 0.0))
        # with 5 polls the stall is detected later (count rule) or by time
        k5 = expected_hbs("defs", 5, 0.0)["plc_a_hb"]
        self.assertEqual([r["unchanged"] for r in k5.recs if r["stall_start"]], [5, 5])


class T7PollGroups(unittest.TestCase):
    def setUp(self):
        self.text = stat_and_csv(MAIN_ARGS)[0]
        self.rows, self.gaps = parse_groups(self.text)

    def test_groups_table(self):
        self.assertEqual(len(self.rows), 3)
        self.assertIn("Poll groups: 3 ", self.text)
        by_idx = {r["idx"]: r for r in self.rows}
        for g, polls in T.groups.items():
            row = by_idx.get(T.group_index[g])
            self.assertIsNotNone(row, g)
            p0 = polls[0]
            recs, tot = group_model(T.req_ts(g))
            req_ts = T.req_ts(g)
            want = dict(pair=T.pair_label(g), unit=p0["unit"], fc=p0["fc"], start=p0["start"], count=p0["count"],
                        polls=len(polls), answers=len(polls), gaps=len(tot["gaps"]), missed=tot["missed"],
                        first=us_text(req_ts[0]), last=us_text(req_ts[-1]),
                        state="STOPPED before end" if (T.capture_end - req_ts[-1]) > GAP_FACTOR * tot["cadence"]
                        else "polled to end")
            for k, v in want.items():
                self.assertEqual(row[k], v, "%s %s" % (g, k))
            self.assertAlmostEqual(row["cadence"], tot["cadence"] / 1e9, delta=1e-6, msg=g)
            self.assertAlmostEqual(row["jitter"], tot["jitter"], delta=1e-6, msg=g)
            # the cadence is the truth's nominal period
            self.assertAlmostEqual(row["cadence"], T.t["period"][g], delta=0.005, msg=g)

    def test_gaps_are_the_truth_pauses(self):
        pauses = {p["group"]: p for p in T.t["pauses"]}
        for g in T.groups:
            recs, tot = group_model(T.req_ts(g))
            gi = T.group_index[g]
            listed = [x for x in self.gaps if x["group"] == gi]
            if g not in pauses:
                self.assertEqual(tot["gaps"], [], g)
                self.assertEqual(listed, [], g)
                continue
            pz = pauses[g]
            before, after = T.req(pz["last_before"]), T.req(pz["first_after"])
            self.assertEqual(len(tot["gaps"]), 1, g)
            i, period, cad = tot["gaps"][0]
            self.assertEqual(T.req_frames(g)[i], after)
            self.assertEqual(tot["missed"], pz["skipped_polls"], "missed polls by the rule vs truth")
            self.assertEqual(len(listed), 1, g)
            x = listed[0]
            self.assertEqual((x["before"], x["after"]), (before, after))
            self.assertEqual(x["before_ts"], us_text(T.ts[before]))
            self.assertAlmostEqual(x["secs"], (T.ts[after] - T.ts[before]) / 1e9, delta=1e-6)
            self.assertAlmostEqual(x["cadence"], cad / 1e9, delta=1e-6)
            row = [r for r in self.rows if r["idx"] == gi][0]
            self.assertEqual((row["gaps"], row["missed"]), (1, pz["skipped_polls"]))

    def test_per_frame_poll_fields(self):
        frames = pdml_regs(MAIN_ARGS)
        errs = []
        seen = set()
        for g in T.groups:
            gi = T.group_index[g]
            recs, _ = group_model(T.req_ts(g))
            for rq, rs, r in zip(T.req_frames(g), T.resp_frames(g), recs):
                seen |= {rq, rs}
                item = (frames.get(rq) or {}).get("poll")
                if item is None:
                    errs.append("%s request %d: no poll group" % (g, rq))
                    continue
                if item["_show"] != str(gi):
                    errs.append("%s request %d: group %r, expected %d" % (g, rq, item["_show"], gi))
                per = item.get("modbus_an.poll.period")
                if r["period"] is None:
                    if per is not None:
                        errs.append("%s request %d: period %r on the first poll" % (g, rq, per))
                elif per is None or abs(to_ns(per) - r["period"]) > TOL_NS:
                    errs.append("%s request %d: period %r, expected %d ns" % (g, rq, per, r["period"]))
                cad = item.get("modbus_an.poll.cadence")
                if r["cadence"] is None:
                    if cad is not None:
                        errs.append("%s request %d: cadence %r before the 4th period" % (g, rq, cad))
                elif cad is None or abs(to_ns(cad) - r["cadence"]) > TOL_NS:
                    errs.append("%s request %d: cadence %r, expected %d ns" % (g, rq, cad, r["cadence"]))
                gap = item.get("modbus_an.poll.gap")
                if r["gap"] is None:
                    if gap is not None:
                        errs.append("%s request %d: gap %r on the first poll" % (g, rq, gap))
                elif gap is None or flag(gap) != r["gap"]:
                    errs.append("%s request %d: gap %r, expected %s" % (g, rq, gap, r["gap"]))
                want_exp = ["modbus_an.poll.gap.expert"] if r["gap"] else []
                if item["experts"] != want_exp:
                    errs.append("%s request %d: experts %s, expected %s" % (g, rq, item["experts"], want_exp))
                ritem = (frames.get(rs) or {}).get("poll")
                if ritem is None or ritem["_show"] != str(gi):
                    errs.append("%s response %d: group %r" % (g, rs, ritem and ritem["_show"]))
                elif any(k in ritem for k in ("modbus_an.poll.period", "modbus_an.poll.gap",
                                              "modbus_an.poll.cadence")):
                    errs.append("%s response %d: request-only fields present" % (g, rs))
        for f, rec in frames.items():
            if rec["poll"] is not None and f not in seen:
                errs.append("frame %d: poll group %r on a frame that is no poll" % (f, rec["poll"]["_show"]))
        gap_frames = sorted(f for f, rec in frames.items() if rec["poll"] is not None
                            and rec["poll"].get("modbus_an.poll.gap") == "1")
        pz = T.t["pauses"][0]
        if gap_frames != [T.req(pz["first_after"])]:
            errs.append("gap set on %s, expected only %d" % (gap_frames, T.req(pz["first_after"])))
        report(self, errs, "poll fields")


class T8Watches(unittest.TestCase):
    """Watched registers from the modbus_an_registers UAT on the command line."""

    def setUp(self):
        self.frames = pdml_regs(MAIN_ARGS)
        self.text = stat_and_csv(MAIN_ARGS)[0]

    def test_uat_took_effect(self):
        header, watches = parse_watches(self.text)
        want = [w[0] for w in WATCHES if expected_watch(w)]
        self.assertEqual(header, "Watched registers: %d" % len(want))
        self.assertEqual(sorted(watches), sorted(want))
        self.assertNotIn("w106_unit2", watches)

    def test_writes_of_106_are_the_truth_writes(self):
        got = []
        for wr in T.writes:
            item = self.frames.get(T.req(wr), {}).get("reg", {}).get("w106")
            got.append(None if item is None else (float(item["modbus_an.reg.value"]),
                                                  item["modbus_an.reg.access"]))
        self.assertEqual(got, [(float(w["values"][0]), "write") for w in T.writes])
        self.assertEqual([w["values"][0] for w in T.writes], [11, 22, 22, 33])

    def test_per_frame_fields(self):
        errs = []
        for w in WATCHES:
            name = w[0]
            obs = expected_watch(w)
            want_frames = {o[0] for o in obs}
            for f, rec in self.frames.items():
                if name in rec["reg"] and f not in want_frames:
                    errs.append("frame %d: unexpected %s" % (f, name))
            for f, v, prev, changed, acc in obs:
                item = self.frames.get(f, {}).get("reg", {}).get(name)
                if item is None:
                    errs.append("frame %d: no %s" % (f, name))
                    continue
                want = {"modbus_an.reg.table": w[3], "modbus_an.reg.address": w[4], "modbus_an.reg.access": acc,
                        "modbus_an.reg.changed": "1" if changed else "0"}
                for k, x in want.items():
                    if item.get(k) != x:
                        errs.append("frame %d %s: %s = %r, expected %r" % (f, name, k, item.get(k), x))
                if float(item.get("modbus_an.reg.value", "nan")) != v:
                    errs.append("frame %d %s: value %r, expected %r" % (f, name, item.get("modbus_an.reg.value"), v))
                gp = item.get("modbus_an.reg.previous")
                if (prev is None) != (gp is None) or (gp is not None and float(gp) != prev):
                    errs.append("frame %d %s: previous %r, expected %r" % (f, name, gp, prev))
        report(self, errs, "watched register fields")

    def test_u32_orders(self):
        """u32 ABCD at 101 = hi << 16 | lo, CDAB = lo << 16 | hi, from the truth."""
        errs = []
        for p in T.polls("A1"):
            hi, lo = p["values"][1], p["values"][2]
            regs = self.frames.get(T.resp(p), {}).get("reg", {})
            for name, want in (("w101_abcd", hi << 16 | lo), ("w101_cdab", lo << 16 | hi)):
                got = regs.get(name, {}).get("modbus_an.reg.value")
                if got is None or float(got) != want:
                    errs.append("n=%d %s: %r, expected %d" % (p["n"], name, got, want))
        report(self, errs, "u32 byte orders")

    def test_stat_lists_exactly_the_changes(self):
        _, watches = parse_watches(self.text)
        errs = []
        for w in WATCHES:
            obs = expected_watch(w)
            if not obs:
                continue
            s = watches.get(w[0])
            if s is None:
                errs.append("%s not listed" % w[0])
                continue
            want = dict(server=T.server, port=T.port, unit=1, table=w[3], addr=int(w[4]),
                        reads=sum(o[4] == "read" for o in obs), writes=sum(o[4] == "write" for o in obs),
                        changes=sum(o[3] for o in obs), first=float(obs[0][1]), last=float(obs[-1][1]))
            for k, v in want.items():
                if s[k] != v:
                    errs.append("%s: %s = %r, expected %r" % (w[0], k, s[k], v))
            want_list = [(f, us_text(T.ts[f]), float(prev), float(v), acc)
                         for f, v, prev, changed, acc in obs if changed]
            if s["list"] != want_list:
                errs.append("%s: changes %s, expected %s" % (w[0], s["list"][:6], want_list[:6]))
        report(self, errs, "stat watched registers")

    def test_csv_rows(self):
        rows = stat_and_csv(MAIN_ARGS)[1]
        self.assertIsNotNone(rows, "the CSV was not written")
        self.assertEqual(list(rows[0].keys()) if rows else None,
                         ["frame", "time", "kind", "name", "pair", "unit", "table", "address", "access", "value",
                          "previous", "changed", "state"])
        errs = []
        for w in WATCHES:
            got = [r for r in rows if r["kind"] == "reg" and r["name"] == w[0]]
            obs = expected_watch(w)
            if len(got) != len(obs):
                errs.append("%s: %d rows, expected %d" % (w[0], len(got), len(obs)))
            for r, (f, v, prev, changed, acc) in zip(got, obs):
                want = dict(frame=str(f), time="%d.%09d" % (T.ts[f] // 10 ** 9, T.ts[f] % 10 ** 9),
                            table=w[3], address=w[4], access=acc, changed="1" if changed else "0",
                            pair="127.0.0.1 -> %s:%d" % (T.server, T.port), unit="1")
                for k, x in want.items():
                    if r[k] != x:
                        errs.append("%s frame %s: %s = %r, expected %r" % (w[0], r["frame"], k, r[k], x))
                if float(r["value"]) != v:
                    errs.append("%s frame %s: value %r, expected %r" % (w[0], r["frame"], r["value"], v))
                if (prev is None and r["previous"] != "") or (prev is not None and float(r["previous"] or "nan")
                                                               != prev):
                    errs.append("%s frame %s: previous %r, expected %r" % (w[0], r["frame"], r["previous"], prev))
        errs += check_csv_hb(rows, expected_hbs("defs"))
        report(self, errs, "registers CSV")


# --- malformed configuration files

# file -> (preference, entry at fault or None, substrings of the problem)
BAD_EXPECT = {
    "hb_defs_bad_pair.json": ("hb_defs_file", "hb3", ['"pair_id"', "192.168.112.5 to 192.168.112.10"]),
    "hb_defs_bad_unit.json": ("hb_defs_file", "hb5", ['"hb_dev_id"', "0-255", "300"]),
    "hb_defs_missing_key.json": ("hb_defs_file", "hb2", ['missing "hb_reg"']),
    "hb_defs_not_object.json": ("hb_defs_file", None, ["top level must be a JSON object"]),
    "hb_defs_reg_outside.json": ("hb_defs_file", "hb4", ['"hb_reg"', "800", "outside"]),
    "hb_defs_truncated.json": ("hb_defs_file", None, ["not valid JSON", "truncated"]),
    "pcap_monitor_bad_ip.json": ("pcap_monitor_file", "bms", ['"dest_ip"', "172.17.0.300"]),
    "pcap_monitor_bad_size.json": ("pcap_monitor_file", "bms", ['"heartbeat_size"', "4"]),
    "pcap_monitor_bad_type.json": ("pcap_monitor_file", "bms_running_info",
                                   ['"heartbeat_reg_type"', "Fancy Registers"]),
    "pcap_monitor_not_list.json": ("pcap_monitor_file", None, ['"heartbeats" must be a list']),
    "pcap_monitor_trailing.json": ("pcap_monitor_file", None, ["not valid JSON"]),
}
# Valid entries that match the capture, then a bad one: the whole file must go.
MIXED_EXPECT = {
    "hb_defs_valid_then_bad.json": ("hb_defs_file", "hb_bad_type", ['"hb_reg_type"', "7"]),
    "pcap_monitor_valid_then_bad.json": ("pcap_monitor_file", "bad_port", ['"dest_port"', "70000"]),
}


def baseline_auto():
    """The no-configuration run: stat text, CSV rows."""
    text, rows, err, rc = stat_and_csv([])
    return text, rows


def hb_rows_without_time(rows):
    return [tuple(r[k] for k in ("frame", "kind", "name", "value", "previous", "changed", "state"))
            for r in rows if r["kind"] == "hb"]


class T9Malformed(unittest.TestCase):
    def _check_bad(self, path, pref_name, entry, problems):
        text, rows, err, rc = stat_and_csv(pref(pref_name, path))
        self.assertEqual(rc, 0, "tshark exit status with %s: %s" % (path, err))
        msgs = [l for l in err.splitlines() if "modbus_an" in l]
        self.assertEqual(len(msgs), 1, "one message for %s, got: %r" % (path, err))
        msg = msgs[0]
        self.assertIn(path, msg, "the message names the file")
        if entry:
            self.assertIn(entry, msg, "the message names the entry")
        for s in problems:
            self.assertIn(s, msg, "the message names the problem")
        # no heartbeat of the file: only the auto ones, and no NOT POLLED line
        header, hbrows, np_rows, stalls = parse_heartbeats(text)
        self.assertEqual(np_rows, [], "definitions of a rejected file listed")
        self.assertTrue(all(r["source"] == "auto" for r in hbrows.values()), sorted(hbrows))
        self.assertEqual(set(hbrows), set(expected_hbs("none")))
        # ... and the analysis is otherwise the same as without the file
        base_text, base_rows = baseline_auto()
        self.assertEqual(parse_groups(text), parse_groups(base_text))
        self.assertEqual(parse_heartbeats(text)[1:], parse_heartbeats(base_text)[1:])
        self.assertEqual(hb_rows_without_time(rows), hb_rows_without_time(base_rows))
        self.assertIn("TOTAL", text)

    def test_every_bad_fixture_has_an_expectation(self):
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(BAD_DIR, "*.json")))
        self.assertTrue(files)
        self.assertEqual(files, sorted(BAD_EXPECT))

    def test_bad_fixtures(self):
        for name, (pref_name, entry, problems) in sorted(BAD_EXPECT.items()):
            with self.subTest(file=name):
                self._check_bad(os.path.join(BAD_DIR, name), pref_name, entry, problems)

    def test_valid_entries_of_a_bad_file_are_not_used(self):
        for name, (pref_name, entry, problems) in sorted(MIXED_EXPECT.items()):
            with self.subTest(file=name):
                self._check_bad(os.path.join(MIXED_DIR, name), pref_name, entry, problems)

    def test_trailing_text_message_names_the_problem(self):
        """pcap_monitor_trailing.json is a complete object followed by text:
        the message should say so (core/ma_hbconf.c has the message "not
        valid JSON (text after the top-level object)"), not call the file
        truncated."""
        path = os.path.join(BAD_DIR, "pcap_monitor_trailing.json")
        err = stat_and_csv(pref("pcap_monitor_file", path))[2]
        self.assertIn("text after the top-level object", err)

    def test_examples_load_without_error(self):
        for args, names in ((pref("hb_defs_file", HB_DEFS_EXAMPLE), ["hb1"]),
                            (pref("pcap_monitor_file", PCAP_MONITOR_EXAMPLE), ["bms_running_info:278"]),
                            (pref("hb_defs_file", HB_DEFS_EXAMPLE) + pref("pcap_monitor_file", PCAP_MONITOR_EXAMPLE),
                             ["hb1", "bms_running_info:278"])):
            with self.subTest(args=args):
                text, rows, err, rc = stat_and_csv(args)
                self.assertEqual(rc, 0, err)
                self.assertEqual([l for l in err.splitlines() if "modbus_an" in l], [])
                _, hbrows, np_rows, _ = parse_heartbeats(text)
                self.assertEqual(sorted(r["name"] for r in np_rows), sorted(names))
                self.assertEqual(set(hbrows), set(expected_hbs("none")))

    def test_good_fixtures_load_without_error(self):
        for args in (DEFS_ARGS, MONITOR_ARGS, MAIN_ARGS):
            err, rc = stat_and_csv(args)[2:]
            self.assertEqual(rc, 0, err)
            self.assertEqual([l for l in err.splitlines() if "modbus_an" in l], [], args)


class T10TwoPass(unittest.TestCase):
    def test_single_pass_equals_two_pass(self):
        for args in (MAIN_ARGS, MONITOR_ARGS):
            with self.subTest(args=args[:2]):
                one = pdml_regs(args, two_pass=False)
                two = pdml_regs(args, two_pass=True)
                errs = []
                for f in sorted(set(one) | set(two)):
                    a = one.get(f, {}).get("raw")
                    b = two.get(f, {}).get("raw")
                    if a != b:
                        errs.append("frame %d: single pass %s\n    two pass %s" % (f, (a or [])[:4], (b or [])[:4]))
                self.assertTrue(two, "no poll/hb/reg fields at all")
                report(self, errs, "single vs two pass")


if __name__ == "__main__":
    unittest.main()
