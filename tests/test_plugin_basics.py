#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The plugin as a Wireshark citizen: it is the build that is loaded, its
fields are registered with descriptions, preferences are validated, a
disabled plugin adds nothing, expert info and Info tags appear."""
import json
import os
import subprocess
import sys
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mbtshark  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MEI = os.path.join(HERE, "captures", "real", "mei-fc43-exception.pcap")
FAULTS = os.path.join(HERE, "captures", "gen", "gen_faults.pcap")

REQUIRED_FIELDS = [
    "type", "pair", "unit_id", "function_code", "request_frame", "response_frame",
    "response_time", "delayed", "missed", "late", "unanswered_at_end", "orphan",
    "duplicate", "exception", "exception_code", "ambiguous",
]


def run(args):
    """tests/tshark.sh ARGS (through the session's tshark cache): .returncode, .stdout, .stderr."""
    rc, out, err = mbtshark.run(args)
    return types.SimpleNamespace(returncode=rc, stdout=out, stderr=err)


class Basics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.loaded = mbtshark.prove_loaded()

    def test_loaded_plugin_is_this_build(self):
        so = os.environ.get("MODBUS_AN_SO", os.path.join(mbtshark.REPO, "build", "modbus_an.so"))
        sha = subprocess.run(["sha256sum", so], capture_output=True, text=True).stdout.split()[0]
        self.assertIn("sha256=" + sha, self.loaded)

    def test_fields_registered_with_descriptions(self):
        out = mbtshark.tshark(["-G", "fields"])
        fields = {}
        for line in out.splitlines():
            cols = line.split("\t")
            if len(cols) > 6 and cols[0] == "F" and cols[2].startswith("modbus_an."):
                fields[cols[2]] = cols
        for name in REQUIRED_FIELDS:
            self.assertIn("modbus_an." + name, fields)
        for name, cols in fields.items():
            if name.endswith(".expert"):
                continue  # expert infos are listed as fields too
            self.assertTrue(cols[-1].strip(), "no description: " + name)
            self.assertRegex(name, r"^modbus_an\.[a-z0-9_.]+$")
        self.assertEqual(fields["modbus_an.request_frame"][3], "FT_FRAMENUM")
        self.assertEqual(fields["modbus_an.response_time"][3], "FT_RELATIVE_TIME")

    def test_expert_infos_registered(self):
        out = mbtshark.tshark(["-G", "fields"])
        for name in ["delayed", "late", "missed", "unanswered_at_end", "orphan", "duplicate",
                     "exception", "ambiguous", "malformed"]:
            self.assertIn("modbus_an.%s.expert" % name, out)

    def test_bad_preferences_are_rejected_with_a_message(self):
        def cfg(r):
            return json.loads(r.stdout)["config"]
        r = run(["-r", MEI, "-o", "modbus_an.delay_threshold:abc", "-q", "-z", "modbus_an,json"])
        self.assertIn('delay_threshold "abc" is not a number of seconds', r.stderr)
        self.assertEqual(cfg(r)["delay_threshold"], 1.0)  # previous value kept
        r = run(["-r", MEI, "-o", "modbus_an.response_timeout:-1", "-q", "-z", "modbus_an,json"])
        self.assertIn('response_timeout "-1" is not a number of seconds', r.stderr)
        r = run(["-r", MEI, "-o", "modbus_an.delay_threshold:5", "-o", "modbus_an.response_timeout:2",
                 "-q", "-z", "modbus_an,json"])
        self.assertIn("must not be below delay_threshold", r.stderr)
        self.assertEqual((cfg(r)["delay_threshold"], cfg(r)["response_timeout"]), (5.0, 5.0))

    def test_thresholds_change_classification(self):
        # mei: one reply after 3.019519 s, one after 0.022532 s
        def tot(args):
            rows = mbtshark.stat_csv(MEI, extra_args=args)
            return [r for r in rows if r["pair"] == "TOTAL"][0]
        t = tot([])
        self.assertEqual((t["delayed"], t["late"], t["answered"]), ("1", "1", "1"))
        t = tot(["-o", "modbus_an.delay_threshold:0.02", "-o", "modbus_an.response_timeout:4"])
        self.assertEqual((t["delayed"], t["late"], t["answered"]), ("2", "0", "2"))
        t = tot(["-o", "modbus_an.delay_threshold:3.019519"])  # strictly greater
        self.assertEqual((t["delayed"], t["late"]), ("0", "0"))

    def test_disabled_plugin_adds_nothing(self):
        out = mbtshark.tshark(["-r", FAULTS, "--disable-protocol", "modbus_an", "-T", "fields",
                               "-e", "modbus_an.type"])
        self.assertEqual(out.strip("\n\r"), "\n".join([""] * len(out.splitlines())).strip("\n"))
        out = mbtshark.tshark(["-r", FAULTS, "-T", "fields", "-e", "modbus_an.type"])
        self.assertIn("request", out)

    def test_expert_info_and_info_column(self):
        out = mbtshark.tshark(["-2", "-r", FAULTS, "-q", "-z", "expert"])
        self.assertIn("Request never answered (missed)", out)
        self.assertIn("Late response (after response_timeout)", out)
        out = mbtshark.tshark(["-2", "-r", FAULTS, "-Y", "modbus_an.missed == 1"])
        lines = [l for l in out.splitlines() if l.strip()]
        self.assertTrue(lines)
        self.assertTrue(all("[MISSED]" in l for l in lines), lines[:3])
        out = mbtshark.tshark(["-r", FAULTS, "-Y", "modbus_an.late == 1 && modbus_an.type == \"response\""])
        self.assertTrue(all("[LATE]" in l for l in out.splitlines() if l.strip()))

    def test_tap_filter_restricts_rows(self):
        rows = mbtshark.stat_csv(FAULTS, arg="modbus_an.unit_id == 1")
        units = {r["unit"] for r in rows if r["pair"] != "TOTAL"}
        self.assertEqual(units, {"*", "1"})
        r = run(["-r", FAULTS, "-q", "-z", "modbus_an,stat,nosuchfield == 1"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("invalid filter", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
