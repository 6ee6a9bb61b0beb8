#!/usr/bin/env python3
# test_generator_truth.py - check modbus_an against the generator's ground truth
# SPDX-License-Identifier: GPL-2.0-or-later
"""For every tests/captures/gen/*.truth.json (written by
tests/generator/make_captures.sh), compare what modbus_an reports with what
the generator did, number for number:

  * every request: outcome, the missed/late/unanswered_at_end/delayed flags,
    pair, stream, unit, function code, transaction id, and for answered and
    late ones the response frame and response time;
  * every response: the request it answers, exception flag and code, the
    delayed/late flags, never orphan/duplicate/ambiguous;
  * every response time equals the capture's frame times and Wireshark's own
    modbus.response_time, to the microsecond;
  * the -z modbus_an,csv rows (per pair, per pair and unit, TOTAL) equal the
    counts and response-time statistics derived from the truth;
  * with -o modbus_an.delay_threshold:2.0 exactly the requests the truth
    predicts are delayed, per PDU and in the statistics.

Run: python3 tests/test_generator_truth.py   (exit status 1 on failure)
"""
import glob
import json
import math
import os
import subprocess
import sys
import unittest
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import mbtshark  # noqa: E402

GEN = os.path.join(REPO, "tests", "captures", "gen")
# mbgen's truths (requests and their faults); gen_heartbeat (hbgen) has its
# own shape and its own test, tests/test_heartbeats.py.
TRUTHS = sorted(p for p in glob.glob(os.path.join(GEN, "*.truth.json"))
                if "requests" in json.load(open(p)))
THRESHOLD_2 = ["-o", "modbus_an.delay_threshold:2.0"]
COUNT_COLS = ["requests", "responses", "answered", "missed", "late", "unanswered_at_end",
              "delayed", "exceptions", "orphans", "duplicates", "ambiguous"]
RT_COLS = ["rt_min", "rt_avg", "rt_p50", "rt_p95", "rt_max"]
US = 1000  # one microsecond in ns
MAX_REPORT = 40


def setUpModule():
    mbtshark.prove_loaded()


# ---- value parsing ----------------------------------------------------------

def to_ns(s):
    """'1.500123000' / '1.500123000 seconds' / '1700000000.1' -> int ns."""
    if s is None or s == "":
        return None
    s = s.strip().split()[0]
    return int((Decimal(s) * 1000000000).to_integral_value())


def to_int(s):
    if s is None or s == "":
        return None
    s = s.strip()
    return int(s, 16) if s.lower().startswith("0x") else int(s, 10)


def to_bool(s):
    if s is None:
        return None
    v = s.strip().lower()
    if v in ("1", "true"):
        return True
    if v in ("0", "false"):
        return False
    return "bad boolean %r" % s


def nearest_rank(sorted_vals, p):
    return sorted_vals[max(1, math.ceil(p / 100.0 * len(sorted_vals))) - 1]


# ---- per capture data, computed once ----------------------------------------

class Capture:
    def __init__(self, truth_path):
        with open(truth_path) as f:
            self.truth = json.load(f)
        self.name = self.truth["scenario"]
        self.path = os.path.join(GEN, self.truth["capture"])
        self.port = self.truth["server_port"]
        self.extra = list(self.truth.get("decode_as") or [])
        self._cache = {}

    def cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    # Wireshark's own view (no modbus_an field involved).
    def reference(self):
        return self.cached("ref", self._reference)

    def _reference(self):
        fields = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "tcp.srcport",
                  "tcp.dstport", "tcp.stream", "mbtcp.trans_id", "mbtcp.unit_id",
                  "modbus.func_code", "modbus.exception_code", "modbus.response_time",
                  "modbus.request_frame"]
        args = ["-r", self.path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a"]
        if self.port != 502:
            # Wireshark's Modbus/TCP tells queries from responses by its own
            # port preference; with only -d it would not pair them.
            args += ["-o", "mbtcp.tcp.port:%d" % self.port]
        for f in fields:
            args += ["-e", f]
        frames = {}
        for line in mbtshark.tshark(args).splitlines():
            v = dict(zip(fields, line.split("\t")))
            if not v.get("mbtcp.trans_id"):
                continue
            frames[int(v["frame.number"])] = {
                "t": to_ns(v["frame.time_epoch"]),
                "src": v["ip.src"] or v["ipv6.src"],
                "sport": int(v["tcp.srcport"]), "dport": int(v["tcp.dstport"]),
                "stream": int(v["tcp.stream"]),
                "tid": int(v["mbtcp.trans_id"]), "unit": int(v["mbtcp.unit_id"]),
                "ws_rt": to_ns(v["modbus.response_time"]),
                "ws_req": to_int(v["modbus.request_frame"]),
            }
        # Locate each truth request and its response on the wire.
        loc = []
        for q in self.truth["requests"]:
            req = [n for n, f in frames.items() if f["dport"] == self.port
                   and f["sport"] == q["client_port"] and f["src"] == q["client_ip"]
                   and f["tid"] == q["tid"] and f["unit"] == q["unit"]]
            rsp = [n for n, f in frames.items() if f["sport"] == self.port
                   and f["dport"] == q["client_port"] and f["tid"] == q["tid"]
                   and f["unit"] == q["unit"]]
            loc.append((req, rsp))
        return frames, loc

    def pdus(self, extra=()):
        key = ("pdus",) + tuple(extra)
        return self.cached(key, lambda: mbtshark.pdus(self.path, self.extra + list(extra),
                                                       two_pass=True))

    def stats(self, extra=()):
        key = ("csv",) + tuple(extra)
        return self.cached(key, lambda: mbtshark.stat_csv(self.path, self.extra + list(extra)))

    def pair_label(self, q):
        return "%s -> %s:%d" % (q["client_ip"], q["server_ip"], q["server_port"])


class Errors(list):
    def add(self, fmt, *args):
        self.append(fmt % args if args else fmt)

    def check(self, tc, what):
        if self:
            shown = self[:MAX_REPORT]
            more = "" if len(self) <= MAX_REPORT else "\n  ... and %d more" % (len(self) - MAX_REPORT)
            tc.fail("%s: %d mismatch(es):\n  %s%s" % (what, len(self), "\n  ".join(shown), more))


# ---- the tests --------------------------------------------------------------

class TruthMixin:
    cap = None  # Capture, set per generated class

    def wire(self):
        frames, loc = self.cap.reference()
        errs = Errors()
        for q, (req, rsp) in zip(self.cap.truth["requests"], loc):
            if len(req) != 1:
                errs.add("seq %d: %d request frames on the wire", q["seq"], len(req))
            want = 1 if q["expected_outcome"] in ("answered", "late") else 0
            if len(rsp) != want:
                errs.add("seq %d: %d response frames on the wire, truth says %d",
                         q["seq"], len(rsp), want)
        if errs:
            self.fail("capture and truth disagree (regenerate?):\n  " + "\n  ".join(errs))
        return frames, loc

    def by_frame(self, extra=()):
        out = {}
        for p in self.cap.pdus(extra):
            out.setdefault(p["frame"], []).append(p)
        return out

    @staticmethod
    def tag(q):
        return "seq %d %s (port %d tid %d unit %d fc %d)" % (
            q["seq"], q["fault"], q["client_port"], q["tid"], q["unit"], q["fc"])

    def expect_bool(self, errs, tag, p, field, want):
        got = to_bool(p.get(field))
        if got is None:
            errs.add("%s: %s missing", tag, field)
        elif got != want:
            errs.add("%s: %s = %s, want %s", tag, field, p.get(field), want)

    def expect_eq(self, errs, tag, p, field, want, conv=lambda x: x):
        raw = p.get(field)
        try:
            got = conv(raw) if raw is not None else None
        except (ValueError, ArithmeticError):
            got = "unparsable %r" % raw
        if got != want:
            errs.add("%s: %s = %r, want %r", tag, field, raw, want)

    def test_00_truth_consistent(self):
        """The truth's totals agree with its request list (sanity)."""
        t = self.cap.truth
        for key, dkey in (("expected_totals", "expected_delayed"),
                          ("expected_totals_threshold_2", "expected_delayed_at_2s")):
            c = dict.fromkeys(COUNT_COLS, 0)
            for q in t["requests"]:
                c["requests"] += 1
                c[q["expected_outcome"]] += 1
                if q["expected_outcome"] in ("answered", "late"):
                    c["responses"] += 1
                    c["exceptions"] += q["exception_code"] is not None
                c["delayed"] += bool(q[dkey])
            self.assertEqual(c, t[key], key)
        self.wire()

    def test_10_requests(self):
        """Per request: outcome, flags, pair, ids and the response link."""
        frames, loc = self.wire()
        pdus = self.by_frame()
        errs = Errors()
        for q, (req, rsp) in zip(self.cap.truth["requests"], loc):
            tag = self.tag(q)
            got = [p for p in pdus.get(req[0], []) if p.get("modbus_an.type") == "request"]
            if len(got) != 1:
                errs.add("%s: %d modbus_an request trees in frame %d", tag, len(got), req[0])
                continue
            p = got[0]
            f = frames[req[0]]
            out = q["expected_outcome"]
            self.expect_eq(errs, tag, p, "modbus_an.pair", self.cap.pair_label(q))
            self.expect_eq(errs, tag, p, "modbus_an.stream", f["stream"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.unit_id", q["unit"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.function_code", q["fc"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.transaction_id", q["tid"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.outcome", out)
            self.expect_bool(errs, tag, p, "modbus_an.missed", out == "missed")
            self.expect_bool(errs, tag, p, "modbus_an.late", out == "late")
            self.expect_bool(errs, tag, p, "modbus_an.unanswered_at_end", out == "unanswered_at_end")
            self.expect_bool(errs, tag, p, "modbus_an.delayed", q["expected_delayed"])
            if out in ("answered", "late"):
                self.expect_eq(errs, tag, p, "modbus_an.response_frame", rsp[0], to_int)
                self.expect_eq(errs, tag, p, "modbus_an.response_time",
                               frames[rsp[0]]["t"] - f["t"], to_ns)
            else:
                for fld in ("modbus_an.response_frame", "modbus_an.response_time"):
                    if fld in p:
                        errs.add("%s: %s = %s on an unanswered request", tag, fld, p[fld])
        n_req = sum(1 for p in self.cap.pdus() if p.get("modbus_an.type") == "request")
        if n_req != len(self.cap.truth["requests"]):
            errs.add("plugin shows %d requests, truth has %d", n_req, len(self.cap.truth["requests"]))
        errs.check(self, self.cap.name + " requests")

    def test_20_responses(self):
        """Per response: link back, exception, flags; no orphans/duplicates."""
        frames, loc = self.wire()
        pdus = self.by_frame()
        errs = Errors()
        for q, (req, rsp) in zip(self.cap.truth["requests"], loc):
            if not rsp:
                continue
            tag = self.tag(q) + " response"
            got = [p for p in pdus.get(rsp[0], []) if p.get("modbus_an.type") == "response"]
            if len(got) != 1:
                errs.add("%s: %d modbus_an response trees in frame %d", tag, len(got), rsp[0])
                continue
            p = got[0]
            exc = q["exception_code"]
            self.expect_eq(errs, tag, p, "modbus_an.pair", self.cap.pair_label(q))
            self.expect_eq(errs, tag, p, "modbus_an.stream", frames[rsp[0]]["stream"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.unit_id", q["unit"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.transaction_id", q["tid"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.function_code",
                           q["fc"] | 0x80 if exc is not None else q["fc"], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.request_frame", req[0], to_int)
            self.expect_eq(errs, tag, p, "modbus_an.response_time",
                           frames[rsp[0]]["t"] - frames[req[0]]["t"], to_ns)
            self.expect_bool(errs, tag, p, "modbus_an.exception", exc is not None)
            if exc is not None:
                self.expect_eq(errs, tag, p, "modbus_an.exception_code", exc, to_int)
            elif "modbus_an.exception_code" in p:
                errs.add("%s: exception_code %s on a normal response", tag, p["modbus_an.exception_code"])
            self.expect_bool(errs, tag, p, "modbus_an.delayed", q["expected_delayed"])
            self.expect_bool(errs, tag, p, "modbus_an.late", q["expected_outcome"] == "late")
            for fld in ("modbus_an.orphan", "modbus_an.duplicate", "modbus_an.ambiguous"):
                self.expect_bool(errs, tag, p, fld, False)
        n_rsp = sum(1 for p in self.cap.pdus() if p.get("modbus_an.type") == "response")
        want = self.cap.truth["expected_totals"]["responses"]
        if n_rsp != want:
            errs.add("plugin shows %d responses, truth has %d", n_rsp, want)
        other = [p["frame"] for p in self.cap.pdus()
                 if p.get("modbus_an.type") not in ("request", "response")]
        if other:
            errs.add("modbus_an.type neither request nor response in frames %s", other[:10])
        errs.check(self, self.cap.name + " responses")

    def test_30_response_time_vs_wireshark(self):
        """modbus_an.response_time == Wireshark's modbus.response_time (1 us)."""
        frames, _ = self.wire()
        errs = Errors()
        compared = 0
        for p in self.cap.pdus():
            if p.get("modbus_an.type") != "response" or "modbus_an.response_time" not in p:
                continue
            f = frames.get(p["frame"])
            if f is None or f["ws_rt"] is None:
                continue    # Wireshark does not pair exception responses
            compared += 1
            got = to_ns(p["modbus_an.response_time"])
            if abs(got - f["ws_rt"]) > US:
                errs.add("frame %d: modbus_an.response_time %s, Wireshark %.9f",
                         p["frame"], p["modbus_an.response_time"], f["ws_rt"] / 1e9)
            if to_int(p.get("modbus_an.request_frame")) != f["ws_req"]:
                errs.add("frame %d: modbus_an.request_frame %s, Wireshark %s",
                         p["frame"], p.get("modbus_an.request_frame"), f["ws_req"])
        normal = sum(1 for q in self.cap.truth["requests"]
                     if q["expected_outcome"] in ("answered", "late") and q["exception_code"] is None)
        if compared < normal:
            errs.add("only %d responses compared, %d normal responses in the truth", compared, normal)
        errs.check(self, self.cap.name + " response times")

    # -- statistics --

    def expected_rows(self, delayed_key):
        frames, loc = self.cap.reference()
        groups = {}
        for q, (req, rsp) in zip(self.cap.truth["requests"], loc):
            pair = self.cap.pair_label(q)
            for key in ((pair, "*"), (pair, str(q["unit"])), ("TOTAL", "*")):
                g = groups.setdefault(key, {"c": dict.fromkeys(COUNT_COLS, 0), "rt": []})
                c = g["c"]
                c["requests"] += 1
                c[q["expected_outcome"]] += 1
                c["delayed"] += bool(q[delayed_key])
                if rsp:
                    c["responses"] += 1
                    c["exceptions"] += q["exception_code"] is not None
                    g["rt"].append(frames[rsp[0]]["t"] - frames[req[0]]["t"])
        return groups

    def compare_stats(self, rows, delayed_key, errs):
        groups = self.expected_rows(delayed_key)
        seen = set()
        for r in rows:
            key = (r.get("pair"), r.get("unit"))
            if key in seen:
                errs.add("row %s/%s appears twice", *key)
            seen.add(key)
            g = groups.get(key)
            if g is None:
                errs.add("unexpected row %s", dict(r))
                continue
            for col in COUNT_COLS:
                try:
                    got = int(r.get(col))
                except (TypeError, ValueError):
                    got = r.get(col)
                if got != g["c"][col]:
                    errs.add("%s unit %s: %s = %r, truth %d", key[0], key[1], col, r.get(col), g["c"][col])
            rts = sorted(g["rt"])
            want = {}
            if rts:
                want = {"rt_min": rts[0], "rt_max": rts[-1], "rt_avg": sum(rts) / len(rts),
                        "rt_p50": nearest_rank(rts, 50), "rt_p95": nearest_rank(rts, 95)}
            for col in RT_COLS:
                v = (r.get(col) or "").strip()
                if not rts:
                    if v:
                        errs.add("%s unit %s: %s = %r with no response time", key[0], key[1], col, v)
                    continue
                if not v:
                    errs.add("%s unit %s: %s empty, want %.9f", key[0], key[1], col, want[col] / 1e9)
                    continue
                try:
                    got = to_ns(v)
                except ArithmeticError:
                    errs.add("%s unit %s: %s = %r unparsable", key[0], key[1], col, v)
                    continue
                decimals = len(v.split(".")[1]) if "." in v else 0
                tol = max(US, 10 ** (9 - decimals) // 2 + 1)
                if abs(got - want[col]) > tol:
                    errs.add("%s unit %s: %s = %s, want %.9f", key[0], key[1], col, v, want[col] / 1e9)
        for key in groups:
            if key not in seen:
                errs.add("missing row %s unit %s", *key)

    def test_40_stat_csv(self):
        """-z modbus_an,csv: per pair, per (pair, unit) and TOTAL rows."""
        self.wire()
        errs = Errors()
        rows = self.cap.stats()
        self.compare_stats(rows, "expected_delayed", errs)
        total = [r for r in rows if r.get("pair") == "TOTAL"]
        if total:
            for col, want in self.cap.truth["expected_totals"].items():
                if str(want) != (total[0].get(col) or "").strip():
                    errs.add("TOTAL %s = %r, truth expected_totals %d", col, total[0].get(col), want)
        errs.check(self, self.cap.name + " stat csv")

    def test_50_threshold_2(self):
        """-o modbus_an.delay_threshold:2.0 changes exactly the predicted flags."""
        frames, loc = self.wire()
        pdus = self.by_frame(THRESHOLD_2)
        errs = Errors()
        for q, (req, rsp) in zip(self.cap.truth["requests"], loc):
            tag = self.tag(q) + " @2.0"
            for frame, kind in ((req[0], "request"), (rsp[0] if rsp else None, "response")):
                if frame is None:
                    continue
                got = [p for p in pdus.get(frame, []) if p.get("modbus_an.type") == kind]
                if len(got) != 1:
                    errs.add("%s: %d %s trees in frame %d", tag, len(got), kind, frame)
                    continue
                self.expect_bool(errs, tag + " " + kind, got[0], "modbus_an.delayed",
                                 q["expected_delayed_at_2s"])
                if kind == "request":
                    self.expect_eq(errs, tag, got[0], "modbus_an.outcome", q["expected_outcome"])
        errs.check(self, self.cap.name + " delay_threshold 2.0 (per PDU)")

    def test_60_threshold_2_stats(self):
        """-o modbus_an.delay_threshold:2.0: the statistics follow."""
        self.wire()
        errs = Errors()
        rows = self.cap.stats(THRESHOLD_2)
        self.compare_stats(rows, "expected_delayed_at_2s", errs)
        total = [r for r in rows if r.get("pair") == "TOTAL"]
        want = self.cap.truth["expected_totals_threshold_2"]["delayed"]
        if total and (total[0].get("delayed") or "").strip() != str(want):
            errs.add("TOTAL delayed @2.0 = %r, truth %d", total[0].get("delayed"), want)
        errs.check(self, self.cap.name + " delay_threshold 2.0 (stat csv)")


def _make_classes():
    for path in TRUTHS:
        cap = Capture(path)
        name = "Test_" + cap.name
        globals()[name] = type(name, (TruthMixin, unittest.TestCase), {"cap": cap})


_make_classes()


class TestCapturesPresent(unittest.TestCase):
    def test_truth_files(self):
        names = {Capture(p).name for p in TRUTHS}
        for want in ("gen_basic", "gen_faults", "gen_end_unanswered", "gen_port5020", "gen_ipv6"):
            self.assertIn(want, names, "run tests/generator/make_captures.sh")


if __name__ == "__main__":
    unittest.main(verbosity=2)
