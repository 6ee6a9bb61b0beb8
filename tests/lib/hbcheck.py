# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared machinery of tests/test_heartbeats.py and tests/test_registers.py:
poll groups, heartbeats and watched registers (core/ma_regs.c, ma_hb.c,
ma_watch.c, ma_hbconf.c; fields of postdissector/regs_ui.c; the stat
sections of tap/ma_regs_report.c; the CSV of tap/regs_export.c) against the
ground truth of tests/captures/gen/gen_heartbeat.pcap
(gen_heartbeat.truth.json, written by tests/generator/make_hb_truth.py).

Here: loading the truth and mapping its polls and writes to frames with
Wireshark's own fields, running tshark (PDML, stat text, registers CSV),
the Python recomputation of the documented rules, and parsing the stat text
and the CSV.

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

A test module calls mbtshark.prove_loaded() and then setup() (which returns
the Truth) in its setUpModule, and teardown() in its tearDownModule.
"""
import csv
import io
import itertools
import json
import math
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import mbtshark

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

GEN = os.path.join(REPO, "tests", "captures", "gen")
CAP = os.path.join(GEN, "gen_heartbeat.pcap")
TRUTH_PATH = os.path.join(GEN, "gen_heartbeat.truth.json")
FIX = os.path.join(REPO, "tests", "fixtures", "hb")
HB_DEFS = os.path.join(FIX, "hb_defs.json")
PCAP_MONITOR = os.path.join(FIX, "pcap_monitor.json")

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


def setup():
    """The per-module state: a scratch directory for the CSV exports and the
    Truth (also kept here as T, for Hb and the expected_* functions)."""
    global _tmp, T
    # tests/tshark.sh runs tshark as an unprivileged user when called as root:
    # the CSV export must be able to write here.
    _tmp = tempfile.mkdtemp(prefix="modbus_an_hb.")
    os.chmod(_tmp, 0o777)
    T = Truth()
    return T


def teardown():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def cached(key, fn):
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]


# ---------------------------------------------------------------- tshark runs

run_tshark = mbtshark.run      # (returncode, stdout, stderr)
tshark_ok = mbtshark.tshark    # stdout; RuntimeError when tshark fails


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
                            # flags are in the tree only when set: absent is false
                            for flag_name in (("modbus_an.hb.stalled",) if kind == "hb" else
                                              ("modbus_an.reg.changed",)):
                                item.setdefault(flag_name, "0")
                            if item["_show"] in rec[kind]:
                                rec["dup"].append("%s %s" % (n, item["_show"]))
                            rec[kind][item["_show"]] = item
            if rec["raw"]:
                frames[frame] = rec
            elem.clear()
        return frames
    return cached(("pdml", two_pass, tuple(extra_args)), go)


def stat_and_csv(extra_args):
    """(JSON document of -z modbus_an,json, registers CSV rows, stderr,
    returncode) of one -q -z modbus_an,json,<file> -z modbus_an,registers,<csv>
    run. The document is parsed with exact decimals (times keep their ns)."""
    def go():
        n = next(_csv_seq)
        path = os.path.join(_tmp, "regs_%d.csv" % n)
        jpath = os.path.join(_tmp, "doc_%d.json" % n)
        for f in (path, jpath):
            if os.path.exists(f):
                os.unlink(f)
        rc, out, err = run_tshark(["-r", CAP, "-q", "-z", "modbus_an,json," + jpath,
                                   "-z", "modbus_an,registers," + path] + list(extra_args))
        rows = None
        if os.path.exists(path):
            with open(path, newline="") as fh:
                rows = list(csv.DictReader(fh))
        doc = None
        if os.path.exists(jpath):
            with open(jpath) as fh:
                doc = json.load(fh, parse_float=Decimal)
        return doc, rows, err, rc
    return cached(("stat", tuple(extra_args)), go)


# ---------------------------------------------------------------- the JSON document's sections

def us_of(t):
    """An epoch time of the JSON (Decimal seconds) as us_text prints it."""
    if t is None:
        return None
    ns = int(t * 1000000000)
    return us_text(ns)


def parse_groups(doc):
    """Poll groups and gaps of the JSON document, in the shape the tests use."""
    rows = [dict(idx=g["group"], pair=g["pair"], unit=g["unit"], fc=g["fc"], start=g["start"], count=g["count"],
                 polls=g["polls"], answers=g["answers"], cadence=float(g["cadence"] or 0),
                 jitter=float(g["jitter"]), gaps=g["gaps"], missed=g["missed_polls"], first=us_of(g["first_time"]),
                 last=us_of(g["last_time"]), state="STOPPED before end" if g["stopped"] else "polled to end")
            for g in doc["polls"]]
    rows.sort(key=lambda r: r["idx"])
    gaps = [dict(group=x["group"], before=x["before_frame"], before_ts=us_of(x["start_time"]), after=x["after_frame"],
                 secs=float(x["period"]), cadence=float(x["cadence"])) for x in doc["poll_gaps"]]
    return rows, gaps


def parse_heartbeats(doc):
    """(header line, {name: row}, [not polled rows], [stall rows]) of the
    JSON document; the header echoes the configuration as the tests expect."""
    c = doc["config"]
    hbs = [h for h in doc["heartbeats"] if h["state"] != "NOT POLLED"]
    header = "Heartbeats: %d (stalled after %d unchanged polls or > %g x cadence; auto-detection %s)" % (
        len(hbs), c["hb_stall_polls"], float(c["hb_stall_factor"]), "on" if c["hb_auto"] else "off")
    rows, not_polled, stalls = {}, [], []
    for h in doc["heartbeats"]:
        if h["state"] == "NOT POLLED":
            not_polled.append(dict(name=h["name"], source=h["source"], table=h["table"], reg=h["register"],
                                   bits=h["bits"]))
            continue
        rows[h["name"]] = dict(name=h["name"], source=h["source"], pair=h["pair"], unit=h["unit"], table=h["table"],
                               reg=h["register"], bits=h["bits"], polls=h["polls"], changes=h["changes"],
                               stalls=h["stalls"], resets=h["resets"], longest=float(h["longest_stall"] or 0),
                               last=h["last_value"],
                               state={"stalled, recovered": "ok"}.get(h["state"], h["state"]))
    for x in doc["stalls"]:
        stalls.append(dict(name=x["heartbeat"], start=x["start_frame"], start_ts=us_of(x["start_time"]),
                           end=x["end_frame"], end_ts=us_of(x["end_time"]),
                           last_ts=us_of(x["last_poll_time"]) if x["end_frame"] is None else None,
                           secs=float(x["duration"]), polls=x["polls"], value=x["value"]))
    return header, rows, not_polled, stalls


def parse_watches(doc):
    header = "Watched registers: %d" % len(doc["registers"])
    watches = {}
    for w in doc["registers"]:
        watches[w["name"]] = dict(name=w["name"], server=w["server"], port=w["port"], unit=w["unit"],
                                  table=w["table"], addr=w["address"], reads=w["reads"], writes=w["writes"],
                                  changes=w["changes"], first=float(w["first_value"]), last=float(w["last_value"]),
                                  list=[])
    for c in doc["register_changes"]:
        watches[c["register"]]["list"].append((c["frame"], us_of(c["time"]), float(c["previous"]),
                                               float(c["value"]), c["kind"]))
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


GAP_MIN_NS = 10 ** 9      # poll_gap_min default
MIN_POLLS = 5             # poll_min_polls default


def group_model(req_ts, end_ts=None, gap_min=GAP_MIN_NS, min_polls=MIN_POLLS):
    """The poll-group rules of docs/heartbeats.md, written independently:
    per request its period, the group's cadence and whether it is a gap;
    plus the totals. cadence = the median of the periods, or - when a jump
    of >= 4x in the sorted periods has >= 15 % (and >= 3) of them above
    it - the median of those above (bursts); a gap is a period between
    bursts > 1.5 x cadence and > gap_min; missed = sum of max(1,
    round(period / cadence) - 1), at most round(span / cadence) + 1 -
    cycles (but one per gap). Groups with fewer than min_polls polls are
    one-off reads: no cadence, no gap."""
    n = len(req_ts)
    periods = [b - a for a, b in zip(req_ts, req_ts[1:])]
    if n < min_polls or n < 2:
        recs = [dict(period=None, cadence=None, gap=None)] + [dict(period=p, cadence=None, gap=False)
                                                               for p in periods]
        return recs, dict(cadence=0, jitter=0.0, gaps=[], missed=0, cycles=n, bursty=False, one_off=True,
                          stopped=False)
    srt = sorted(periods)
    best, ratio = None, 0
    above_min = max(3, math.ceil(0.15 * len(srt)))
    for i in range(len(srt) - 1):
        q = Fraction(srt[i + 1], max(srt[i], 1000))
        if q > ratio and len(srt) - 1 - i >= above_min:
            ratio, best = q, i + 1
    bursty = best is not None and ratio >= 4
    cad = median_ns(srt[best:] if bursty else srt)
    recs = [dict(period=None, cadence=None, gap=None)]
    gaps, missed, cycles, ok = [], 0, 1, []
    for i, p in enumerate(periods, start=1):
        inner = bursty and 2 * p <= cad
        gap = not inner and cad > 0 and p > GAP_FACTOR * cad and p > gap_min
        recs.append(dict(period=p, cadence=cad, gap=gap))
        if inner:
            continue
        cycles += 1
        if gap:
            gaps.append((i, p, cad))
            missed += max(1, math.floor(Fraction(p, cad) + Fraction(1, 2)) - 1)
        else:
            ok.append(p / 1e9)
    room = max(0, math.floor(Fraction(req_ts[-1] - req_ts[0], cad) + Fraction(1, 2)) + 1 - cycles)
    missed = min(missed, max(room, len(gaps)))
    mean = sum(ok) / len(ok) if ok else 0.0
    jitter = math.sqrt(sum((x - mean) ** 2 for x in ok) / len(ok)) if ok else 0.0
    stopped = None
    if end_ts is not None:
        left = end_ts - req_ts[-1]
        stopped = cad > 0 and left > GAP_FACTOR * cad and left > gap_min
    return recs, dict(cadence=cad, jitter=jitter, gaps=gaps, missed=missed, cycles=cycles, bursty=bursty,
                      one_off=False, stopped=stopped)


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
