#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The first pass ends in the dissection lifecycle, never in a tap: adding or
removing one -z modbus_an output never changes another, in a single pass and
with -2, and the outputs that are final in both modes agree between them.

Every output runs alone and with every other output (pairs), on the
generated network capture (connections, retries, STP-free causes, poll
groups) and the generated heartbeat capture (stalls, watched registers).
Outputs that write a file are compared by the file's bytes."""
import itertools
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mbtshark  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = [os.path.join(HERE, "captures", "net", "gen_network.pcap"),
            os.path.join(HERE, "captures", "gen", "gen_heartbeat.pcap")]
# name -> does it print a final result in a single pass
OUTPUTS = {"stat": True, "csv": True, "netcsv": True, "flowtable": False, "table": False,
           "nettable": False, "features": True, "registers": True}
# every other output: each alone, and all of them together
MORE = {"summary": True, "polls": True, "heartbeats": True, "flows": True, "connections": True, "tcp": True,
        "causes": True, "stp": True, "topology": True, "verdict": True, "json": True}
WATCH = '"hb","","1","holding","100","u16","ABCD"'


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        cls.tmp = tempfile.mkdtemp(prefix="modbus_an_lifecycle.")
        os.chmod(cls.tmp, 0o777)  # tshark runs as the unprivileged test user
        cls.runs = {}

    def run_set(self, cap, names, two_pass):
        """{output name: text} of one tshark run with these outputs."""
        key = (cap, tuple(names), two_pass)
        if key in self.runs:
            return self.runs[key]
        tag = "%s-%s-%d" % (os.path.basename(cap), "+".join(names), two_pass)
        args = (["-2"] if two_pass else []) + ["-r", cap, "-q",
                                              "-o", "uat:modbus_an_registers:" + WATCH]
        files = {}
        for n in names:
            if n in ("features", "registers"):
                files[n] = os.path.join(self.tmp, "%s.%s.csv" % (tag, n))
                args += ["-z", "modbus_an,%s,%s" % (n, files[n])]
            else:
                args += ["-z", "modbus_an," + n]
        rc, out, err = mbtshark.run(args)
        self.assertEqual(rc, 0, err)
        texts = {n: out for n in names if n not in files}
        # each text output is its own block; split stdout by the other outputs
        # only when alone; in a set, compare the whole stdout minus file notes
        for n, path in files.items():
            with open(path) as f:
                texts[n] = f.read()
        self.runs[key] = (texts, out)
        return self.runs[key]

    @staticmethod
    def strip_file_lines(out):
        """stdout without the one-line notes of outputs that write files."""
        return "".join(l for l in out.splitlines(True)
                       if not l.startswith(("modbus_an features:", "modbus_an registers:")))

    def test_pairs_equal_alone(self):
        for cap in CAPTURES:
            for two_pass in (False, True):
                alone = {n: self.run_set(cap, [n], two_pass) for n in OUTPUTS}
                for a, b in itertools.combinations(OUTPUTS, 2):
                    with self.subTest(capture=os.path.basename(cap), two_pass=two_pass, pair=(a, b)):
                        texts, out = self.run_set(cap, [a, b], two_pass)
                        # files: byte-identical
                        for n in (a, b):
                            if n in ("features", "registers"):
                                self.assertEqual(texts[n], alone[n][0][n], n)
                        # stdout: the two texts in registration order, each as when alone
                        outs = [self.strip_file_lines(alone[n][1]) for n in (a, b)]
                        got = self.strip_file_lines(out)
                        self.assertTrue(got in (outs[0] + outs[1], outs[1] + outs[0]),
                                        "stdout of %s+%s is not the two outputs alone" % (a, b))

    def test_all_together_equal_alone(self):
        """Every output (the pairs above and the sections) in one run: the
        stdout is each output's own stdout, whole, none changed by another."""
        names = list(OUTPUTS) + list(MORE)
        for cap in CAPTURES:
            for two_pass in (False, True):
                with self.subTest(capture=os.path.basename(cap), two_pass=two_pass):
                    texts, out = self.run_set(cap, names, two_pass)
                    got = self.strip_file_lines(out)
                    total = 0
                    for n in names:
                        a_texts, a_out = self.run_set(cap, [n], two_pass)
                        alone = self.strip_file_lines(a_out)
                        self.assertIn(alone, got, n)
                        total += len(alone)
                        if n in ("features", "registers"):
                            self.assertEqual(texts[n], a_texts[n], n)
                    self.assertEqual(len(got), total)

    def test_single_pass_equals_two_pass(self):
        for cap in CAPTURES:
            for n, final in list(OUTPUTS.items()) + list(MORE.items()):
                if not final:
                    continue
                with self.subTest(capture=os.path.basename(cap), output=n):
                    one = self.run_set(cap, [n], False)
                    two = self.run_set(cap, [n], True)
                    if n in ("features", "registers"):
                        self.assertEqual(one[0][n], two[0][n])
                    else:
                        self.assertEqual(one[1], two[1])

    def test_feature_records_kept_for_later_passes_only(self):
        """tshark's single pass never comes back to a frame: from its second
        frame on each frame keeps its feature records only while it is the
        current one; -2 keeps them all for its second pass. Both give the same
        columns for every PDU and the same per-flow summary (features CSV and
        flows above); Wireshark's log (info level) says which was chosen."""
        log = ["--log-level", "info", "--log-domains", "modbus_an"]
        cap = CAPTURES[0]
        rc, out1, err1 = mbtshark.run(log + ["-r", cap, "-q", "-z", "modbus_an,flows"])
        self.assertEqual(rc, 0, err1)
        rc, out2, err2 = mbtshark.run(log + ["-2", "-r", cap, "-q", "-z", "modbus_an,flows"])
        self.assertEqual(rc, 0, err2)
        single = "single pass: a frame keeps its feature records only while it is the current one"
        every = "every frame keeps its feature records"
        self.assertIn(single, err1)
        self.assertNotIn(every, err1)
        self.assertIn(every, err2)
        self.assertNotIn(single, err2)
        self.assertEqual(out1, out2)
        self.assertIn("Flows (TCP connections)", out1)  # the summary is there, with rows
        self.assertGreater(len(out1.splitlines()), 10)

    def test_gui_tables_warn_in_a_single_pass(self):
        for n in ("table", "nettable"):
            rc, out, err = mbtshark.run(["-r", CAPTURES[0], "-q", "-z", "modbus_an," + n])
            self.assertEqual(rc, 0, err)
            self.assertIn("-z modbus_an,%s counts outcomes decided by the end of the first pass "
                          "only with tshark -2" % n, err)
            rc, out, err = mbtshark.run(["-2", "-r", CAPTURES[0], "-q", "-z", "modbus_an," + n])
            self.assertNotIn("counts outcomes", err)


if __name__ == "__main__":
    unittest.main()
