#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The outputs of issue 13, checked against independent sources:

- every capture's JSON document validates against docs/modbus_an.schema.json
  (Debian's python3-jsonschema, draft 2020-12), the committed schema is the
  one the plugin generates, and the JSON's numbers equal the CSV's and the
  text table's;
- the summary of every shared capture fits one screen (40 lines, 120
  columns), a clean capture says so, each problem points at an output;
- the verdict on clean and faulty generated captures, against their truth,
  and its preferences;
- SQLite through the sqlite3 tool: row counts equal the stat, a re-run
  replaces, two captures coexist, a locked or read-only database gives an
  error and stays as it was;
- report_after (the capture monitor's context frames): a capture split in
  two counts every decided outcome exactly once;
- the error exits of -z modbus_an: one line on stderr, status 1."""
import csv
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mbtshark  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SCHEMA = os.path.join(REPO, "docs", "modbus_an.schema.json")
GEN = os.path.join(HERE, "captures", "gen")
SHARED = mbtshark.SHARED_CAPTURES


def captures():
    out = sorted(glob.glob(os.path.join(SHARED, "*.pcap*")))
    for d in ("gen", "net", "conclusions", "edge", "features"):
        out += sorted(glob.glob(os.path.join(HERE, "captures", d, "*.pcap")))
    return out


def truth(name):
    with open(os.path.join(GEN, name + ".truth.json")) as f:
        return json.load(f)


_work = None


def work_dir():
    """A folder tshark (run as an unprivileged user by tests/tshark.sh) can write."""
    global _work
    if _work is None:
        _work = tempfile.mkdtemp(prefix="modbus_an_outputs.")
        os.chmod(_work, 0o777)
    return _work


def tearDownModule():
    # pytest may tear the module down and set it up again in one process
    # (xdist hands its tests out interleaved with other modules'): forget it.
    global _work
    if _work:
        shutil.rmtree(_work, ignore_errors=True)
        _work = None


_docs = {}


def doc_of(path):
    """(JSON document, CSV rows) of one capture: one tshark run."""
    if path not in _docs:
        out = mbtshark.tshark(["-r", path, "-q", "-z", "modbus_an,json", "-z", "modbus_an,csv"])
        lines = out.splitlines()
        a, b = lines.index("{"), lines.index("}")   # the document, wherever tshark drew it
        doc = json.loads("\n".join(lines[a:b + 1]), parse_float=Decimal)
        rows = list(csv.DictReader(lines[:a] + lines[b + 1:]))
        _docs[path] = (doc, rows)
    return _docs[path]


class Json(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        import jsonschema
        with open(SCHEMA) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def test_committed_schema_is_the_generated_one(self):
        out = mbtshark.tshark(["-r", os.path.join(GEN, "gen_basic.pcap"), "-q", "-z", "modbus_an,schema"])
        self.assertEqual(json.loads(out), self.schema, "regenerate: tshark -q -r F -z modbus_an,schema > " + SCHEMA)

    def test_every_capture_validates_and_agrees_with_the_csv(self):
        cols = ["requests", "responses", "answered", "late", "missed", "unanswered_at_end", "delayed", "exceptions",
                "orphans", "duplicates", "ambiguous", "tid_reuse", "tid_mismatch"]
        for path in captures():
            with self.subTest(capture=os.path.basename(path)):
                doc, rows = doc_of(path)
                errs = sorted(self.validator.iter_errors(json.loads(json.dumps(doc, default=float))),
                              key=lambda e: list(e.path))
                self.assertEqual([e.message for e in errs[:3]], [])
                self.assertEqual(doc["capture"]["name"], os.path.basename(path))
                csv_rows = {(r["pair"], r["unit"]): r for r in rows}
                self.assertEqual(len(csv_rows), len(doc["pairs"]) + sum(len(p["units"]) for p in doc["pairs"]) + 1)
                tot = doc["summary"]["total"]
                for k in cols:
                    self.assertEqual(tot[k], int(csv_rows[("TOTAL", "*")][k]), k)
                for p in doc["pairs"]:
                    self.assertEqual(p["topic"], "/status/modbus_connections/%s/%s_%s_%d" % (
                        os.path.basename(path), p["client"], p["server"], p["server_port"]))
                    for k in cols:
                        self.assertEqual(p[k], int(csv_rows[(p["pair"], "*")][k]), (p["pair"], k))
                    for u in p["units"]:
                        for k in cols:
                            self.assertEqual(u[k], int(csv_rows[(p["pair"], str(u["unit"]))][k]), (p["pair"], k))
                    if p["rt_p95"] is not None:
                        self.assertEqual(p["rt_p95"], Decimal(csv_rows[(p["pair"], "*")]["rt_p95"]))
                self.assertEqual(doc["summary"]["topic"],
                                 "/status/modbus_connections/%s/summary" % os.path.basename(path))
                self.assertEqual(doc["capture"]["requests"], tot["requests"])

    def test_json_to_a_file_equals_stdout(self):
        path = os.path.join(GEN, "gen_faults.pcap")
        f = os.path.join(work_dir(), "faults.json")
        rc, out, err = mbtshark.run(["-r", path, "-q", "-z", "modbus_an,json," + f])
        self.assertEqual((rc, out), (0, ""))
        with open(f) as fh:
            self.assertEqual(json.load(fh, parse_float=Decimal), doc_of(path)[0])


class Summary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def test_fits_one_screen(self):
        for path in sorted(glob.glob(os.path.join(SHARED, "*.pcap*"))) + captures()[-30:]:
            with self.subTest(capture=os.path.basename(path)):
                out = mbtshark.tshark(["-r", path, "-q", "-z", "modbus_an,summary"])
                lines = out.splitlines()
                self.assertLessEqual(len(lines), 40)
                self.assertLessEqual(max(len(l) for l in lines), 120)
                doc = doc_of(path)[0]
                self.assertIn("verdict   " + doc["verdict"]["line"], lines)
                if not doc["summary"]["problems"]:
                    self.assertTrue(any(l.startswith("Clean:") for l in lines))

    def test_problems_point_at_outputs(self):
        names = {l.split()[0].split(",")[0].split("[")[0] for l in mbtshark.tshark(
            ["-r", os.path.join(GEN, "gen_basic.pcap"), "-q", "-z", "modbus_an,help"]).splitlines()[1:]}
        t = truth("gen_faults")
        doc = doc_of(os.path.join(GEN, "gen_faults.pcap"))[0]
        probs = doc["summary"]["problems"]
        self.assertTrue(probs)
        self.assertEqual(probs[0]["problem"], "missed")  # worst first
        self.assertEqual(sum(p["count"] for p in probs if p["problem"] == "missed"),
                         sum(1 for q in t["requests"] if q["expected_outcome"] == "missed"))
        for p in probs:
            self.assertIn(p["detail"], names)

    def test_every_text_section_fits_120_columns(self):
        path = os.path.join(HERE, "captures", "net", "gen_stp_modbus.pcap")
        for s in ("stat", "polls", "heartbeats", "registers", "flows", "connections", "tcp", "causes", "stp",
                  "topology", "summary"):
            with self.subTest(section=s):
                out = mbtshark.tshark(["-r", path, "-q", "-z", "modbus_an," + s])
                self.assertTrue(out.strip())
                self.assertLessEqual(max(len(l) for l in out.splitlines()), 120)


class Verdict(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def verdict(self, path, extra=()):
        out = mbtshark.tshark(["-r", path, "-q", "-z", "modbus_an,verdict"] + list(extra))
        lines = out.splitlines()
        self.assertEqual(len(lines), 1, out)
        return lines[0]

    def test_clean_capture(self):
        t = truth("gen_basic")
        self.assertTrue(all(q["expected_outcome"] == "answered" for q in t["requests"]))
        self.assertLessEqual(t["expected_totals"]["delayed"], 10)   # verdict_delayed default
        self.assertEqual(self.verdict(os.path.join(GEN, "gen_basic.pcap")), "discard: clean")

    def test_faulty_capture(self):
        t = truth("gen_faults")
        missed = t["expected_totals"]["missed"]
        v = self.verdict(os.path.join(GEN, "gen_faults.pcap"))
        self.assertTrue(v.startswith("keep: "), v)
        self.assertIn("missed %d" % missed, v)
        self.assertEqual(v, doc_of(os.path.join(GEN, "gen_faults.pcap"))[0]["verdict"]["line"])
        # the limits are preferences: 6 missed allowed, no connection failures counted
        v = self.verdict(os.path.join(GEN, "gen_faults.pcap"),
                         ["-o", "modbus_an.verdict_missed:%d" % missed, "-o", "modbus_an.verdict_failed_connections:9"])
        self.assertNotIn("missed", v)
        v = self.verdict(os.path.join(GEN, "gen_basic.pcap"), ["-o", "modbus_an.verdict_delayed:0"])
        self.assertEqual(v, "keep: delayed %d" % t_delayed(truth("gen_basic")))

    def test_stall_stp_and_tid_faults(self):
        v = self.verdict(os.path.join(GEN, "gen_heartbeat.pcap"))
        self.assertIn("stalled heartbeats", v)
        self.assertNotIn("stalled", self.verdict(os.path.join(GEN, "gen_heartbeat.pcap"),
                                                 ["-o", "modbus_an.verdict_stalls:FALSE"]))
        v = self.verdict(os.path.join(HERE, "captures", "net", "gen_stp_modbus.pcap"))
        self.assertIn("stp events", v)
        with open(os.path.join(HERE, "captures", "conclusions", "tid_wrap_offbyone.truth.json")) as f:
            tw = json.load(f)
        v = self.verdict(os.path.join(HERE, "captures", "conclusions", "tid_wrap_offbyone.pcap"))
        self.assertIn("tid faults %d" % (len(tw["tid_reuse"]) + len(tw["tid_mismatch"])), v)


def t_delayed(t):
    return t["expected_totals"]["delayed"]


class Sqlite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()
        if not shutil.which("sqlite3"):
            raise unittest.SkipTest("no sqlite3 tool (apt-get install sqlite3)")

    def db(self, name):
        p = os.path.join(work_dir(), name)
        for f in (p, p + "-journal", p + "-wal"):
            if os.path.exists(f):
                os.unlink(f)
        return p

    def q(self, db, sql):
        return subprocess.run(["sqlite3", db, sql], capture_output=True, text=True, check=True).stdout.strip()

    def write(self, db, capture, extra=()):
        return mbtshark.run(["-r", capture, "-q", "-z", "modbus_an,sqlite," + db] + list(extra))

    def test_counts_rerun_and_two_captures(self):
        db = self.db("snapshots.db")
        faults, basic = os.path.join(GEN, "gen_faults.pcap"), os.path.join(GEN, "gen_basic.pcap")
        for c in (faults, basic, faults):   # the second faults run replaces the first
            rc, out, err = self.write(db, c)
            self.assertEqual((rc, out, err), (0, "", ""))
        self.assertEqual(self.q(db, "SELECT name FROM captures ORDER BY name"), "gen_basic.pcap\ngen_faults.pcap")
        self.assertEqual(self.q(db, "SELECT version FROM schema_version"), "1")
        for c in (faults, basic):
            doc, rows = doc_of(c)
            tot = doc["summary"]["total"]
            cid = "(SELECT id FROM captures WHERE name = '%s')" % os.path.basename(c)
            with self.subTest(capture=os.path.basename(c)):
                self.assertEqual(int(self.q(db, "SELECT count(*) FROM transactions WHERE capture_id = " + cid)),
                                 tot["requests"])
                for outcome in ("answered", "late", "missed", "unanswered_at_end"):
                    self.assertEqual(int(self.q(db, "SELECT count(*) FROM transactions WHERE capture_id = %s AND "
                                                    "outcome = '%s'" % (cid, outcome))), tot[outcome], outcome)
                self.assertEqual(int(self.q(db, "SELECT count(*) FROM orphans WHERE capture_id = " + cid)),
                                 tot["orphans"])
                self.assertEqual(int(self.q(db, "SELECT count(*) FROM pairs WHERE capture_id = " + cid)),
                                 len(doc["pairs"]))
                self.assertEqual(int(self.q(db, "SELECT sum(requests) FROM units WHERE capture_id = " + cid)),
                                 tot["requests"])
                self.assertEqual(self.q(db, "SELECT verdict || ': ' || reasons FROM captures WHERE id = " + cid),
                                 doc["verdict"]["line"])
        # the README's query: never-answered requests
        t = truth("gen_faults")
        got = self.q(db, "SELECT count(*) FROM transactions t JOIN captures c ON c.id = t.capture_id "
                         "WHERE c.name = 'gen_faults.pcap' AND t.outcome = 'missed'")
        self.assertEqual(int(got), t["expected_totals"]["missed"])

    def test_failures_leave_the_database_as_it_was(self):
        db = self.db("keep.db")
        faults = os.path.join(GEN, "gen_faults.pcap")
        self.assertEqual(self.write(db, faults)[0], 0)
        with open(db, "rb") as f:
            before = hashlib.sha256(f.read()).hexdigest()
        # locked by another writer: wait 1 s, then one line and status 1
        con = sqlite3.connect(db, timeout=0)
        con.execute("BEGIN EXCLUSIVE")
        try:
            rc, out, err = self.write(db, os.path.join(GEN, "gen_basic.pcap"), ["-o", "modbus_an.sqlite_timeout:1"])
        finally:
            con.rollback()
            con.close()
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("locked", err)
        # read-only database file
        os.chmod(db, 0o444)
        rc, out, err = self.write(db, os.path.join(GEN, "gen_basic.pcap"))
        os.chmod(db, 0o666)
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        with open(db, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), before)
        self.assertEqual(self.q(db, "SELECT name FROM captures"), "gen_faults.pcap")
        # not a database at all
        bad = os.path.join(work_dir(), "not_a.db")
        with open(bad, "w") as f:
            f.write("hello, this is text\n" * 100)
        os.chmod(bad, 0o666)
        rc, out, err = self.write(bad, faults)
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(err.strip().splitlines()), 1, err)


class ReportAfter(unittest.TestCase):
    """A capture cut at time T: the part before T alone, and the whole
    capture with report_after T (the part before is context only). Every
    outcome decided at or after T is counted in the second; together they
    count each answered, late and delayed request and each response
    exactly once."""

    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def totals(self, path, extra=()):
        out = mbtshark.tshark(["-r", path, "-q", "-z", "modbus_an,json"] + list(extra))
        return json.loads(out)["summary"]["total"]

    def test_split_counts_each_outcome_once(self):
        for name in ("gen_faults", "gen_basic"):
            path = os.path.join(GEN, name + ".pcap")
            times = mbtshark.tshark(["-r", path, "-T", "fields", "-e", "frame.time_epoch"]).split()
            for cut in (len(times) // 3, len(times) // 2):
                with self.subTest(capture=name, cut=cut):
                    t_cut = times[cut]
                    first = os.path.join(work_dir(), "%s_first.pcap" % name)
                    subprocess.run(["editcap", "-B", "%s" % t_cut, path, first], check=True, capture_output=True)
                    os.chmod(first, 0o644)
                    whole = self.totals(path)
                    a = self.totals(first)
                    b = self.totals(path, ["-o", "modbus_an.report_after:" + t_cut])
                    # answered, late, delayed: decided by the answer, on one side of T
                    for k in ("answered", "late", "delayed", "exceptions", "responses"):
                        self.assertEqual(a[k] + b[k], whole[k], k)
                    # a request the first part saw missed (its timeout ran out before
                    # T) whose late answer came after T is missed there and late here:
                    # the boundary of a truncated capture (README, the monitor)
                    self.assertGreaterEqual(a["missed"] + b["missed"], whole["missed"])
                    self.assertLessEqual(b["missed"], whole["missed"])


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mbtshark.prove_loaded()

    def fails(self, z, want):
        rc, out, err = mbtshark.run(["-r", os.path.join(GEN, "gen_basic.pcap"), "-q", "-z", z])
        self.assertEqual(rc, 1, (z, err))
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, (z, err))
        self.assertIn(want, lines[0])

    def test_each_error(self):
        self.fails("modbus_an,bogus", 'unknown output "bogus"')
        self.fails("modbus_an,stats", 'unknown output "stats"')
        self.fails("modbus_an", "needs an output name")
        self.fails("modbus_an,sqlite", "needs a file")
        self.fails("modbus_an,features", "usage")
        self.fails("modbus_an,tcp,x", "takes no argument")
        self.fails("modbus_an,stat,nosuch.field == 1", "invalid filter")
        self.fails("modbus_an,json,/nonexistent/dir/x.json", "can't write /nonexistent/dir/x.json")
        self.fails("modbus_an,sqlite,/nonexistent/dir/x.db", "cannot open /nonexistent/dir/x.db")

    def test_help(self):
        rc, out, err = mbtshark.run(["-r", os.path.join(GEN, "gen_basic.pcap"), "-q", "-z", "modbus_an,help"])
        self.assertEqual(rc, 0)
        names = [l.split()[0] for l in out.splitlines()[1:]]
        for n in ("summary", "stat[,filter]", "polls", "heartbeats", "registers[,file.csv]", "flows", "connections",
                  "tcp", "causes", "stp", "topology", "json[,file.json]", "sqlite,file.db", "verdict"):
            self.assertIn(n, names)
        with open(os.path.join(REPO, "README.md")) as f:
            readme = f.read()
        for n in names:
            self.assertIn("modbus_an,%s" % n.split(",")[0].split("[")[0], readme, "README lists every output")


if __name__ == "__main__":
    unittest.main()
