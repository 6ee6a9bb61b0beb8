#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The same numbers in every view (issue 11.9, 11.10, 11.12):

- tshark single pass with a filter or -e on a request-side outcome field
  prints one line on stderr naming -2 (and -2 does not);
- expert info: one entry per anomaly, on the frame where it is decided (a
  delayed response's warning is on the response only), with constant
  summaries so that -z expert groups them; 3-sigma outliers and invalid
  PDUs are in the expert info without any filter;
- boolean flags are in the tree only when set.
Counts are checked against the generator's truth (gen_faults)."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mbtshark  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "captures", "gen")
FAULTS = os.path.join(GEN, "gen_faults.pcap")
TSHARK = os.path.join(HERE, "tshark.sh")


def run(args):
    p = subprocess.run([TSHARK] + args, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def truth(name):
    with open(os.path.join(GEN, name + ".truth.json")) as f:
        return json.load(f)


class SinglePassWarning(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def test_filter_on_request_side_field(self):
        rc, out, err = run(["-r", FAULTS, "-Y", "modbus_an.missed"])
        self.assertEqual(rc, 0)
        lines = [l for l in err.splitlines() if "modbus_an" in l]
        self.assertEqual(len(lines), 1, err)
        self.assertIn("modbus_an.missed", lines[0])
        self.assertIn("-2", lines[0])

    def test_fields_output(self):
        rc, out, err = run(["-r", FAULTS, "-T", "fields", "-e", "modbus_an.cause"])
        self.assertEqual(rc, 0)
        self.assertEqual(len([l for l in err.splitlines() if "tshark -2" in l]), 1, err)

    def test_no_warning_with_two_passes_or_response_side(self):
        for args in (["-2", "-r", FAULTS, "-Y", "modbus_an.missed"],
                     ["-r", FAULTS, "-Y", "modbus_an.delayed"],
                     ["-r", FAULTS, "-q", "-z", "modbus_an,stat"]):
            with self.subTest(args=args):
                rc, out, err = run(args)
                self.assertEqual(rc, 0)
                self.assertNotIn("tshark -2", err)

    def test_two_pass_finds_every_missed_request(self):
        t = truth("gen_faults")
        want = sum(1 for q in t["requests"] if q["expected_outcome"] == "missed")
        rc, out, err = run(["-2", "-r", FAULTS, "-Y", "modbus_an.missed", "-T", "fields", "-e", "frame.number"])
        self.assertEqual(len(out.split()), want)


class ExpertInfo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        cls.t = truth("gen_faults")
        rc, cls.expert, err = run(["-2", "-r", FAULTS, "-q", "-z", "expert,note"])
        assert rc == 0, err
        rc, out, err = run(["-2", "-r", FAULTS, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
                            "-e", "frame.number", "-e", "modbus_an.type", "-e", "_ws.expert.message",
                            "-Y", "modbus_an"])
        cls.rows = [l.split("\t") for l in out.splitlines()]

    def frames_with(self, msg, kind=None):
        return {int(r[0]) for r in self.rows if msg in r[2].split("|") and (kind is None or kind in r[1].split(","))}

    def test_delayed_once_on_the_response(self):
        want = sum(1 for q in self.t["requests"] if q["expected_delayed"])
        msg = "Delayed response (response time > delay_threshold)"
        self.assertEqual(len(self.frames_with(msg)), want)
        self.assertEqual(self.frames_with(msg, "request"), set(), "no second warning on the request")

    def test_missed_once_on_the_request(self):
        want = sum(1 for q in self.t["requests"] if q["expected_outcome"] == "missed")
        self.assertEqual(len(self.frames_with("Request never answered (missed)", "request")), want)

    def test_constant_summaries(self):
        """-z expert groups by summary: every modbus_an summary is one of the
        registered texts (no frame numbers, names or values in it)."""
        msgs = {m for r in self.rows for m in r[2].split("|") if m}
        self.assertTrue(msgs)
        for m in msgs:
            self.assertIsNone(re.search(r"\bframe \d+|\d+\.\d+ s\b", m), m)
        # and each appears once in -z expert's table, with its count
        for m in msgs:
            if "Delayed response" in m:
                lines = [l for l in self.expert.splitlines() if m in l]
                self.assertEqual(len(lines), 1, lines)

    def test_outliers_and_invalid_without_a_filter(self):
        """3-sigma outliers and invalid PDUs: the same count in -z expert
        with and without a display filter that references the features."""
        cap = os.path.join(HERE, "captures", "features", "planted_outliers.pcap")
        if not os.path.exists(cap):
            self.skipTest("no planted_outliers capture")
        counts = []
        for extra in ([], ["-Y", "modbus_an.feature.is_valid || !modbus_an.feature.is_valid"]):
            rc, out, err = run(["-r", cap, "-q", "-z", "expert,note"] + extra)
            m = re.search(r"^\s*(\d+)\s+\w+\s+modbus_an\s+Strong anomaly", out, re.M)
            counts.append(int(m.group(1)) if m else 0)
        # the generator planted two: a 200 ms answer and a 133-byte write
        with open(cap.replace(".pcap", ".expect.json")) as f:
            want = sum(1 for p in json.load(f)["pdus"]
                       if any(v == 3 for k, v in p["expect"].items() if k.endswith("_sigma")))
        self.assertEqual(want, 2)
        self.assertEqual(counts, [want, want])


class FlagsOnlyWhenSet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def test_no_false_boolean_in_the_tree(self):
        out = mbtshark.tshark(["-2", "-r", FAULTS, "-T", "pdml", "-J", "modbus_an"])
        false = re.findall(r'<field name="(modbus_an\.[a-z_.]+)" showname="[^"]*: False"', out)
        # feature values (modbus_an.feature.*, modbus_an.outlier.<metric>.iqr) are values, not flags
        false = [f for f in false if not f.startswith(("modbus_an.feature.", "modbus_an.outlier."))]
        self.assertEqual(false, [])
        self.assertIn('name="modbus_an.delayed"', out)


if __name__ == "__main__":
    unittest.main()
