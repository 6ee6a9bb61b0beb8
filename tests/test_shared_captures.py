#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""modbus_an on the real captures of ../shared/captures, checked against
independent sources: Wireshark's own modbus.response_time / request_frame,
and the counts measured for shared/captures/MANIFEST.md with other tools.
Also: single pass, -2, the CSV, the text table and the GUI table agree."""
import collections
import math
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mbtshark  # noqa: E402

CAP = mbtshark.SHARED_CAPTURES

# From MANIFEST.md: Modbus PDUs, exception PDUs, unanswered requests, orphan responses.
MANIFEST = {
    "digitalbond-diag-exceptions.pcap": dict(pdus=45, exc=14, unanswered=2, orphans=11),
    "gateway-pipelined-4units.pcap": dict(pdus=2258, exc=0, unanswered=27, orphans=1),
    "plant1-13plcs.pcap": dict(pdus=15976, exc=0, unanswered=7, orphans=3),
    "single-conn-long-poll.pcap": dict(pdus=5548, exc=0, unanswered=1, orphans=None),
    "non-modbus-probes-on-502.pcap": dict(pdus=12, exc=0, unanswered=0, orphans=0),
    "mei-fc43-exception.pcap": dict(pdus=4, exc=1, unanswered=0, orphans=0),
    "many-units-fc-mix.pcap": dict(pdus=48, exc=1, unanswered=0, orphans=0),
    "rtu6-exceptions-conn-per-poll.pcap": dict(pdus=7919, exc=3329, unanswered=1, orphans=None),
    "coil-writes-28min.pcapng": dict(pdus=12790, exc=0, unanswered=0, orphans=0),
}
STP_ONLY = ["stp-8021d-config.pcap", "rstp-tc-real-switch.pcap", "rpvst-per-vlan-roots.pcap"]

COUNT_COLS = ["requests", "responses", "answered", "missed", "late", "unanswered_at_end",
              "delayed", "exceptions", "orphans", "duplicates", "ambiguous"]


def ns(s):
    """'0.048081000' -> integer nanoseconds (exact)."""
    whole, _, frac = s.partition(".")
    return int(whole) * 10**9 + int((frac + "000000000")[:9])


def pdus_by_frame(pkts):
    """Per frame: Wireshark's view (mbtcp+modbus) and ours (modbus_an), in order."""
    ws, ours = {}, {}
    for frame, protos in pkts:
        cur = None
        for name, d in protos:
            if name == "mbtcp":
                cur = {"tid": d.get("mbtcp.trans_id"), "unit": d.get("mbtcp.unit_id")}
                ws.setdefault(frame, []).append(cur)
            elif name == "modbus" and cur is not None:
                cur.update(d)
            elif name == "modbus_an" and "modbus_an.type" in d:
                ours.setdefault(frame, []).append(d)
    return ws, ours


class SharedCaptures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        if not os.path.isdir(CAP):
            raise unittest.SkipTest("no shared captures at " + CAP)

    def path(self, name):
        return os.path.join(CAP, name)

    def test_response_time_equals_wireshark(self):
        """Every response both pair to the same request: times equal to the ns
        (so to the microsecond); pairing differences are counted and explained."""
        for name in MANIFEST:
            with self.subTest(capture=name):
                ws, ours = pdus_by_frame(mbtshark.packets(self.path(name)))
                both = same_req = ambiguous_diff = 0
                for frame, wl in ws.items():
                    ol = [d for d in ours.get(frame, [])]
                    # align by (tid, unit, occurrence) within the frame
                    seen = collections.Counter()
                    okey = {}
                    for d in ol:
                        k = (d.get("modbus_an.transaction_id"), d.get("modbus_an.unit_id"))
                        okey[k + (seen[k],)] = d
                        seen[k] += 1
                    seen = collections.Counter()
                    for w in wl:
                        k = (w["tid"], w["unit"])
                        o = okey.get(k + (seen[k],))
                        seen[k] += 1
                        if "modbus.request_frame" not in w or o is None:
                            continue
                        if "modbus_an.request_frame" not in o:
                            continue
                        both += 1
                        if o["modbus_an.request_frame"] != w["modbus.request_frame"]:
                            # only where several identical requests were pending
                            self.assertTrue(mbtshark.is_true(o["modbus_an.ambiguous"]), (name, frame))
                            ambiguous_diff += 1
                            continue
                        same_req += 1
                        self.assertEqual(ns(o["modbus_an.response_time"]),
                                         ns(w["modbus.response_time"]), (name, frame))
                self.assertGreater(both, 0)
                # Wireshark 4.0 pairs a response with the *latest* earlier request of
                # the same tid/unit/fc; we pair FIFO and flag it ambiguous. They differ
                # once: gateway frame 70 answers tid 504 sent twice (frames 68, 69).
                self.assertEqual(ambiguous_diff, 1 if name.startswith("gateway") else 0, name)
                self.assertEqual(both, same_req + ambiguous_diff, name)

    def test_counts_match_manifest(self):
        for name, m in MANIFEST.items():
            with self.subTest(capture=name):
                rows = mbtshark.stat_csv(self.path(name))
                tot = [r for r in rows if r["pair"] == "TOTAL"][0]
                c = {k: int(tot[k]) for k in COUNT_COLS}
                self.assertEqual(c["requests"] + c["responses"], m["pdus"])
                self.assertEqual(c["exceptions"], m["exc"])
                self.assertEqual(c["missed"] + c["unanswered_at_end"], m["unanswered"])
                if m["orphans"] is not None:
                    self.assertEqual(c["orphans"], m["orphans"])
                # each request has exactly one outcome
                self.assertEqual(c["requests"], c["answered"] + c["late"] + c["missed"]
                                 + c["unanswered_at_end"])

    def test_stp_only_captures_have_no_modbus(self):
        for name in STP_ONLY:
            rows = mbtshark.stat_csv(self.path(name))
            tot = [r for r in rows if r["pair"] == "TOTAL"][0]
            self.assertEqual(int(tot["requests"]) + int(tot["responses"]), 0)
            self.assertEqual(len(rows), 1)

    def test_single_pass_two_pass_and_tables_agree(self):
        for name in MANIFEST:
            with self.subTest(capture=name):
                one = mbtshark.stat_csv(self.path(name))
                two = mbtshark.stat_csv(self.path(name), two_pass=True)
                self.assertEqual(one, two)
                # the text table (-z modbus_an,stat) shows the same numbers; times
                # in ms with one decimal, "-" without a sample
                text = mbtshark.stat_text(self.path(name))
                by_key = {(r["pair"], r["unit"]): r for r in one}
                text_cols = ["requests", "answered", "late", "missed", "unanswered_at_end", "delayed", "exceptions",
                             "orphans", "tid_faults"]
                n = 0
                for line in text.splitlines():
                    toks = line.split()
                    if toks[:1] == ["TOTAL"]:
                        pair, rest = "TOTAL", toks[1:]
                    elif len(toks) > 3 and toks[1] == "->":
                        pair, rest = " ".join(toks[:3]), toks[3:]
                    else:
                        continue
                    if len(rest) != 1 + len(text_cols) + 3:
                        continue
                    r = by_key[(pair, rest[0])]
                    self.assertEqual([int(x) for x in rest[1:10]], [int(r[k]) for k in text_cols], line)
                    for x, k in zip(rest[10:], ["rt_p50", "rt_p95", "rt_max"]):
                        if r[k] == "":
                            self.assertEqual(x, "-")
                        else:
                            self.assertAlmostEqual(float(x), float(r[k]) * 1e3, delta=0.05001)
                    n += 1
                self.assertEqual(n, len(one))
                # the GUI table (printed by tshark -2 -z modbus_an,table): by heading
                gui = mbtshark.stat_table_rows(self.path(name))
                self.assertEqual(len(gui), len(one))
                heads = dict(zip(["Req", "Resp", "Answ", "Miss", "Late", "UnEnd", "Dlyd", "Exc", "Orph", "Dup",
                                  "Amb"], COUNT_COLS))
                for g in gui:
                    r = by_key[(g["Pair"], g["Unit"])]
                    self.assertEqual([int(g[h]) for h in heads], [int(r[k]) for k in heads.values()])
                    for h, k in (("RTmin", "rt_min"), ("RTavg", "rt_avg"), ("RTp50", "rt_p50"), ("RTp95", "rt_p95"),
                                 ("RTmax", "rt_max")):
                        want = float(r[k]) * 1e3 if r[k] else 0.0
                        self.assertAlmostEqual(float(g[h]), want, delta=0.0005001)

    def test_percentiles_and_times_from_fields(self):
        """rt_* of each pair row recomputed from the per-PDU response times
        (nearest rank), independently of the stat code."""
        for name in ["gateway-pipelined-4units.pcap", "single-conn-long-poll.pcap",
                     "digitalbond-diag-exceptions.pcap"]:
            with self.subTest(capture=name):
                per_pair = collections.defaultdict(list)
                for d in mbtshark.pdus(self.path(name)):
                    if d.get("modbus_an.type") == "request" and "modbus_an.response_time" in d:
                        per_pair[d["modbus_an.pair"]].append(ns(d["modbus_an.response_time"]))
                rows = {(r["pair"], r["unit"]): r for r in mbtshark.stat_csv(self.path(name))}
                for pair, v in per_pair.items():
                    v.sort()
                    r = rows[(pair, "*")]
                    self.assertEqual(ns(r["rt_min"]), v[0])
                    self.assertEqual(ns(r["rt_max"]), v[-1])
                    self.assertEqual(ns(r["rt_p50"]), v[math.ceil(0.50 * len(v)) - 1])
                    self.assertEqual(ns(r["rt_p95"]), v[math.ceil(0.95 * len(v)) - 1])
                    self.assertAlmostEqual(float(r["rt_avg"]), sum(v) / len(v) / 1e9, places=9)

    def test_two_pass_fields_match_csv(self):
        """Per-request outcome fields (-2) add up to the stat rows."""
        name = "gateway-pipelined-4units.pcap"
        counts = collections.Counter()
        for d in mbtshark.pdus(self.path(name)):
            if d.get("modbus_an.type") == "request":
                counts[d.get("modbus_an.outcome")] += 1
                counts["delayed"] += mbtshark.is_true(d.get("modbus_an.delayed"))
            elif d.get("modbus_an.type") == "response":
                counts["orphans"] += mbtshark.is_true(d.get("modbus_an.orphan"))
                counts["ambiguous"] += mbtshark.is_true(d.get("modbus_an.ambiguous"))
        tot = [r for r in mbtshark.stat_csv(self.path(name)) if r["pair"] == "TOTAL"][0]
        for k in ["answered", "late", "missed", "unanswered_at_end"]:
            self.assertEqual(counts[k], int(tot[k]), k)
        for k in ["delayed", "orphans", "ambiguous"]:
            self.assertEqual(counts[k], int(tot[k]), k)
        self.assertGreater(counts["missed"], 0)
        self.assertGreater(counts["delayed"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
