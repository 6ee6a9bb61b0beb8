#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Conclusions one can trust (issue 11): every artefact reported on real
captures, reproduced by a capture we made (tests/generator/
make_conclusion_captures.py) whose truth was derived by hand, never from the
plugin (tests/generator/CONCLUSIONS.md; tests/generator/
check_conclusion_wire.py checks each truth against plain tshark).

- capture duplicates (span port): exactly the copied frames, linked to the
  first copy, counted per pair and direction, and never a retransmission
  or a cause; also on gen_faults with every 7th TCP frame copied, where
  every conclusion must equal gen_faults' own;
- transaction-id faults: reuse and mismatch links, strict pairing, and the
  pair_tid_mismatch preference;
- a function-code sweep with short bodies: every request paired with its
  reply, the short ones flagged malformed."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mbtshark  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CONC = os.path.join(HERE, "captures", "conclusions")


def cap(name):
    return os.path.join(CONC, name + ".pcap")


def truth(name):
    with open(os.path.join(CONC, name + ".truth.json")) as f:
        return json.load(f)


def fields(capture, display_filter, names, extra=(), two_pass=True):
    """Rows (lists of strings) of -T fields for the frames matching the filter."""
    args = (["-2"] if two_pass else []) + ["-r", capture, "-Y", display_filter, "-T", "fields",
                                           "-E", "occurrence=a", "-E", "aggregator=,"]
    for n in names:
        args += ["-e", n]
    out = mbtshark.tshark(args + list(extra))
    return [line.split("\t") for line in out.splitlines()]


class Duplicates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def check_duplicates(self, name):
        t = truth(name)
        want = {(d["frame"], d["original"]) for d in t["duplicates"]}
        rows = fields(cap(name), "modbus_an.capture_duplicate", ["frame.number", "modbus_an.capture_duplicate_of"])
        got = {(int(a), int(b)) for a, b in rows}
        self.assertEqual(got, want)
        return t

    def test_span_duplicates_exact(self):
        t = self.check_duplicates("span_duplicates")
        # Wireshark itself flags every copy of data as a retransmission: none of
        # them may be tied to a transaction or counted as one.
        dup = {d["frame"] for d in t["duplicates"]}
        rows = fields(cap("span_duplicates"), "modbus_an.tcp_retransmission || modbus_an.tcp.retransmission",
                      ["frame.number"])
        self.assertFalse(dup & {int(r[0]) for r in rows}, "a capture duplicate counted as a retransmission")
        # the two real retransmissions are still tied to their transactions
        real = {r["frame"] for r in t["retransmissions"]}
        self.assertTrue(real <= {int(r[0]) for r in rows})

    def test_gen_faults_span_duplicates_exact(self):
        self.check_duplicates("gen_faults_span")

    def test_gen_faults_span_changes_no_conclusion(self):
        """Copying every 7th frame changes nothing but the duplicates: the
        stat of the copy equals gen_faults' own (same pairs, units, counts,
        response times)."""
        mine = mbtshark.stat_csv(cap("gen_faults_span"))
        orig = mbtshark.stat_csv(os.path.join(HERE, "captures", "gen", "gen_faults.pcap"))
        self.assertEqual(mine, orig)

    def test_duplicate_counts_per_pair_and_direction(self):
        t = truth("span_duplicates")
        out = mbtshark.tshark(["-r", cap("span_duplicates"), "-q", "-z", "modbus_an,netcsv"])
        import csv
        import io
        rows = {r["pair"]: r for r in csv.DictReader(io.StringIO(out)) if r.get("pair")}
        for pair, p in t["pairs"].items():
            with self.subTest(pair=pair):
                self.assertEqual(int(rows[pair]["duplicates_to_server"]), p["duplicates_c2s"])
                self.assertEqual(int(rows[pair]["duplicates_to_client"]), p["duplicates_s2c"])
                self.assertEqual(int(rows[pair]["retrans_to_server"]), p["retransmissions_c2s"])
                self.assertEqual(int(rows[pair]["retrans_to_client"]), p["retransmissions_s2c"])

    def test_window_preference(self):
        """duplicate_window 0 turns the detection off: Wireshark's own
        retransmission flags then count again."""
        rows = fields(cap("span_duplicates"), "modbus_an.capture_duplicate", ["frame.number"],
                      extra=["-o", "modbus_an.duplicate_window:0"])
        self.assertEqual(rows, [])
        # a window shorter than the copies' delay (2-9 us) finds only the faster copies
        t = truth("span_duplicates")
        want = {d["frame"] for d in t["duplicates"] if d["delay_us"] <= 4}
        rows = fields(cap("span_duplicates"), "modbus_an.capture_duplicate", ["frame.number"],
                      extra=["-o", "modbus_an.duplicate_window:0.0000045"])
        self.assertEqual({int(r[0]) for r in rows}, want)


class TidFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        cls.t = truth("tid_wrap_offbyone")

    def test_reuse_links(self):
        rows = fields(cap("tid_wrap_offbyone"), "modbus_an.tid_reuse", ["frame.number", "modbus_an.tid_reuse_of"])
        self.assertEqual({(int(a), int(b)) for a, b in rows},
                         {(r["frame"], r["reuses"]) for r in self.t["tid_reuse"]})

    def test_mismatch_links_and_strict_pairing(self):
        rows = fields(cap("tid_wrap_offbyone"), "modbus_an.tid_mismatch",
                      ["frame.number", "modbus_an.tid_mismatch_request", "modbus_an.orphan", "modbus_an.request_frame"])
        self.assertEqual({(int(r[0]), int(r[1])) for r in rows},
                         {(m["response_frame"], m["mismatch_request"]) for m in self.t["tid_mismatch"]})
        for r in rows:
            self.assertIn(r[2], ("1", "True"), "a mismatch stays an orphan by default")
            self.assertEqual(r[3], "", "a mismatch is not an answer by default")
        # the requests themselves: missed, each linked to its fitting response
        for m in self.t["tid_mismatch"]:
            (row,) = fields(cap("tid_wrap_offbyone"), "frame.number == %d" % m["mismatch_request"],
                            ["modbus_an.outcome", "modbus_an.tid_mismatch_response"])
            self.assertEqual(row, ["missed", str(m["response_frame"])])

    def test_counts_in_the_stat_and_expert_info(self):
        rows = mbtshark.stat_csv(cap("tid_wrap_offbyone"))
        total = [r for r in rows if r["pair"] == "TOTAL"][0]
        self.assertEqual(int(total["tid_reuse"]), len(self.t["tid_reuse"]))
        self.assertEqual(int(total["tid_mismatch"]), len(self.t["tid_mismatch"]))
        out = mbtshark.tshark(["-2", "-r", cap("tid_wrap_offbyone"), "-q", "-z", "expert,warn"])
        self.assertIn("Transaction id reused while a request with it is outstanding", out)
        self.assertIn("Response fits an outstanding request except for its transaction id", out)

    def test_pair_tid_mismatch_preference(self):
        pref = ["-o", "modbus_an.pair_tid_mismatch:TRUE"]
        for m in self.t["tid_mismatch"]:
            (row,) = fields(cap("tid_wrap_offbyone"), "frame.number == %d" % m["mismatch_request"],
                            ["modbus_an.outcome", "modbus_an.response_frame", "modbus_an.response_time"], extra=pref)
            self.assertEqual(row[:2], ["answered", str(m["response_frame"])])
            self.assertAlmostEqual(float(row[2]), m["response_time_s"], places=6)
        rows = fields(cap("tid_wrap_offbyone"), "modbus_an.tid_reuse", ["frame.number"], extra=pref)
        self.assertEqual(rows, [], "answered in time, the later requests reuse no outstanding id")


class Causes(unittest.TestCase):
    """Issue 11.2 / 11.3: a cause touches the transaction; a consequence
    (the client giving up: its FIN, the server's answering FIN, its new
    connection) is never the cause. Every request of the truths with an
    expected outcome: the plugin's outcome, cause and evidence frame."""

    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def check(self, name, extra=()):
        t = truth(name)
        rows = fields(cap(name), 'modbus_an.type == "request"',
                      ["frame.number", "modbus_an.outcome", "modbus_an.cause", "modbus_an.cause_frame"], extra=extra)
        got = {int(r[0]): r[1:] for r in rows}
        n = 0
        for r in t["requests"]:
            e = r.get("expect")
            if not e or r["frame"] not in got:
                continue
            n += 1
            with self.subTest(capture=name, frame=r["frame"], tag=r.get("tag")):
                outcome, cause, frame = got[r["frame"]]
                self.assertEqual(outcome, e["outcome"])
                self.assertEqual(cause or None, e.get("cause"), e.get("why"))
                self.assertEqual(int(frame) if frame else None, e.get("cause_frame"), e.get("why"))
        self.assertGreater(n, 0)
        return t

    def test_span_duplicates(self):
        t = self.check("span_duplicates")
        self.assertEqual({r["expect"]["cause"] for r in t["requests"] if r.get("expect", {}).get("cause")},
                         {"server", "tcp-retransmission", "retry"})

    def test_gave_up_reconnect(self):
        t = self.check("gave_up_reconnect")
        causes = [r["expect"]["cause"] for r in t["requests"] if r.get("expect", {}).get("cause")]
        self.assertIn("connection", causes)
        self.assertIn("server", causes)

    def test_tid_wrap(self):
        self.check("tid_wrap_offbyone")


class PollGroups(unittest.TestCase):
    """Issue 11.7: cadence is the typical cycle even when a group is polled
    in bursts; a gap exceeds 1.5 x cadence and poll_gap_min; groups with
    fewer than poll_min_polls polls are one-off reads. Per request (-2):
    modbus_an.poll.cadence near the truth's nominal cycle, modbus_an.poll.gap
    on exactly as many requests as the truth has gaps."""

    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def check(self, name, extra=()):
        t = truth(name)
        rows = fields(cap(name), "modbus_an.poll.group", ["frame.number", "ip.dst", "modbus.func_code",
                      "modbus.reference_num", "modbus.bit_cnt", "modbus.word_cnt", "modbus_an.poll.cadence",
                      "modbus_an.poll.gap", "modbus_an.type"], extra=extra)
        by = {}
        for r in rows:
            if r[8] != "request":
                continue
            key = (r[1], int(r[2]), int(r[3] or 0), int(r[4] or r[5] or 0))
            by.setdefault(key, []).append(r)
        n = 0
        for g in t["poll_groups"]:
            key = (g["server"], g["fc"], g["start"], g["count"])
            rs = by.get(key, [])
            with self.subTest(capture=name, group=key):
                self.assertEqual(len(rs), g["polls"])
                cads = {r[6] for r in rs if r[6]}
                gaps = sum(1 for r in rs if r[7] in ("1", "True"))
                if g["one_off"] or g["polls"] < 5:
                    self.assertEqual(cads, set(), "a one-off read has no cadence")
                    self.assertEqual(gaps, 0)
                    continue
                n += 1
                self.assertEqual(len(cads), 1, "one cadence per group")
                cad = float(cads.pop())
                self.assertLess(abs(cad - g["nominal_period"]), 0.05 * g["nominal_period"],
                                "cadence %.4f s vs the nominal cycle %.3f s" % (cad, g["nominal_period"]))
                self.assertEqual(gaps, len(g["gaps"]))
        self.assertGreater(n, 0)

    def test_bursty_poller(self):
        self.check("bursty_poller")

    def test_burst_repeats(self):
        self.check("burst_repeats")

    def test_gap_minimum_preference(self):
        """With poll_gap_min 0 the fast poller's 0.2 s hiccup is a gap too."""
        t = truth("burst_repeats")
        g = [x for x in t["poll_groups"] if x["server"] == "10.6.0.12"][0]
        rows = fields(cap("burst_repeats"), "modbus_an.poll.gap && ip.dst == 10.6.0.12", ["frame.number"],
                      extra=["-o", "modbus_an.poll_gap_min:0"])
        self.assertEqual(len(rows), len(g["gaps"]) + 1)


class ShortBodies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        cls.t = truth("fc_sweep_short")

    def test_every_request_paired_short_ones_flagged(self):
        rows = fields(cap("fc_sweep_short"), 'modbus_an.type == "request"',
                      ["frame.number", "modbus_an.outcome", "modbus_an.response_frame", "modbus_an.malformed"])
        got = {int(r[0]): r[1:] for r in rows}
        self.assertEqual(set(got), {r["frame"] for r in self.t["requests"]})
        for r in self.t["requests"]:
            with self.subTest(frame=r["frame"], fc=r["fc"]):
                outcome, resp, malformed = got[r["frame"]]
                self.assertEqual(outcome, "answered")
                self.assertEqual(int(resp), r["response_frame"])
                self.assertEqual(malformed in ("1", "True"), r["body_short"])
                self.assertEqual(r["body_short"], r["ws_malformed"], "the same PDUs Wireshark marks")
        self.assertEqual(sum(r["body_short"] for r in self.t["requests"]), 2)

    def test_no_orphans(self):
        total = [r for r in mbtshark.stat_csv(cap("fc_sweep_short")) if r["pair"] == "TOTAL"][0]
        self.assertEqual(int(total["orphans"]), 0)
        self.assertEqual(int(total["requests"]), len(self.t["requests"]))
        self.assertEqual(int(total["answered"]), len(self.t["requests"]))


if __name__ == "__main__":
    unittest.main()
