#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Feature edge-case captures: check modbus_an's per-PDU features
(docs/features.md) against the hand-computed expectations in
tests/captures/features/*.expect.json (written by
tests/edge/make_feature_captures.py).

For every capture (and every tshark argument set, "variant", its expect file
lists):
  * wireshark_view - Wireshark itself (modbus_an disabled) decodes exactly the
    Modbus/TCP PDUs the expect file says (transaction, protocol and unit ids
    per frame): guards the captures, not the plugin;
  * csv            - -q -z modbus_an,features,<file>: one row per expected PDU,
    keyed by (frame, pdu_index), and every expected column has the expected
    value (reals to 1e-9 relative; an expected 0 must be exactly 0; null
    means the cell must be empty);
  * tree           - with -2, the tree fields modbus_an.feature.<column> and
    modbus_an.outlier.<metric>.<zscore|sigma|iqr> of the expect file's
    tree_columns agree with the same expectations;
  * expert         - -Y modbus_an.invalid.expert, -Y modbus_an.outlier.expert
    and -Y "modbus_an.outlier == 1" select exactly the expected frames (one
    run with the three filters or-ed; the printed fields tell which matched).
Plus: the generator re-creates byte-identical files.

Runs tests/tshark.sh --prove-loaded first and fails if the freshly built
plugin is not the one tshark loads.

Usage: python3 tests/test_feature_edges.py [-v] [unittest args]
"""
import csv
import filecmp
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import mbtshark  # noqa: E402

FEAT_DIR = os.path.join(REPO, "tests", "captures", "features")
GENERATOR = os.path.join(REPO, "tests", "edge", "make_feature_captures.py")
REL_TOL = 1e-9
# A z-score is a ratio of differences of doubles: where the exact value is 0 (the
# value equals the history's mean) it comes out as a rounding residue of order
# 1e-14. z is of order 1, so 1e-9 absolute is the 1e-9 relative tolerance at its
# scale. Every other expected 0 (zero fill, the std of equal integers or of equal
# dyadic entropies, a 0 ns inter-arrival time) must be exactly 0.
ZSCORE_ABS_TOL = 1e-9
METRICS = ("response_time", "time_delta", "packet_length", "payload_entropy")

_tmp = None


def setUpModule():
    global _tmp
    mbtshark.prove_loaded()
    # tshark runs as an unprivileged user when the tests run as root: it must be
    # able to write the CSV there.
    _tmp = tempfile.mkdtemp(prefix="modbus_an_feat_")
    os.chmod(_tmp, 0o777)


def tearDownModule():
    # pytest may tear the module down and set it up again in one process: forget it.
    global _tmp
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)
        _tmp = None


def load_expectations():
    if not os.path.isdir(FEAT_DIR):
        return []
    names = sorted(f[:-len(".expect.json")] for f in os.listdir(FEAT_DIR)
                   if f.endswith(".expect.json"))
    result = []
    for name in names:
        with open(os.path.join(FEAT_DIR, name + ".expect.json")) as fh:
            result.append(json.load(fh))
    return result


# ---------------------------------------------------------------- values

def value_error(want, got, column=""):
    """None if the CSV cell / tree value `got` (str, '' or None when absent)
    matches `want` (from the expect file)."""
    if want is None:
        return None if got in (None, "") else "should be empty, is %r" % got
    if got in (None, ""):
        return "empty (expected %r)" % (want,)
    try:
        if isinstance(want, bool):
            s = got.strip().lower()
            if s in ("1", "true"):
                ok = want is True
            elif s in ("0", "false"):
                ok = want is False
            else:
                return "not a boolean: %r (expected %r)" % (got, want)
        elif isinstance(want, int):
            ok = float(got) == want
        elif isinstance(want, float):
            g = float(got)
            if column.endswith("zscore"):
                ok = math.isclose(g, want, rel_tol=REL_TOL, abs_tol=ZSCORE_ABS_TOL)
            elif want == 0:
                ok = g == 0.0
            else:
                ok = math.isclose(g, want, rel_tol=REL_TOL, abs_tol=0.0)
        else:
            ok = got == want
    except ValueError as e:
        return "unparsable %r (expected %r): %s" % (got, want, e)
    return None if ok else "is %r, expected %r" % (got, want)


def expected_pdus(exp, variant):
    """(frame, pdu_index) -> (expect dict for this variant, pdu entry)."""
    out = {}
    for p in exp["pdus"]:
        e = dict(p["expect"])
        e.update(p.get("variant_expect", {}).get(variant, {}))
        out[(p["frame"], p["pdu_index"])] = (e, p)
    return out


def tree_field(column):
    for m in METRICS:
        for x in ("zscore", "sigma", "iqr"):
            if column == "%s_%s" % (m, x):
                return "modbus_an.outlier.%s.%s" % (m, x)
    return "modbus_an.feature." + column


def fmt(key, p):
    s = "frame %d pdu %d (tid %d)" % (key[0], key[1], p["transaction_id"])
    return s + (" [%s]" % p["note"] if p.get("note") else "")


# ---------------------------------------------------------------- cached tshark runs

_cache = {}


def cached(key, fn):
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]


def capture_path(exp):
    return os.path.join(FEAT_DIR, exp["capture"])


def wireshark_view(exp):
    def run():
        out = mbtshark.tshark(["--disable-protocol", "modbus_an", "-r", capture_path(exp),
                               "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                               "-e", "frame.number", "-e", "mbtcp.trans_id",
                               "-e", "mbtcp.prot_id", "-e", "mbtcp.unit_id"])
        rows = {}
        for line in out.splitlines():
            cols = line.split("\t") + [""] * 4
            rows[int(cols[0])] = [[int(v) for v in c.split(",") if v != ""] for c in cols[1:4]]
        return rows
    return cached(("view", exp["name"]), run)


def feature_csv(exp, variant):
    def run():
        args = exp["variants"][variant]["tshark_extra_args"]
        path = os.path.join(_tmp, "%s__%s.csv" % (exp["name"], variant))
        if os.path.exists(path):
            os.unlink(path)
        mbtshark.tshark(["-r", capture_path(exp), "-q", "-z", "modbus_an,features," + path]
                        + list(args))
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            return reader.fieldnames, list(reader)
    return cached(("csv", exp["name"], variant), run)


def tree_values(exp, variant):
    """frame -> {column: [values of the PDUs of the frame that have the field]}"""
    def run():
        args = exp["variants"][variant]["tshark_extra_args"]
        cols = exp["tree_columns"]
        fields = []
        for c in cols:
            fields += ["-e", tree_field(c)]
        out = mbtshark.tshark(["-2", "-r", capture_path(exp), "-T", "fields",
                               "-E", "occurrence=a", "-E", "aggregator=|",
                               "-e", "frame.number"] + fields + list(args))
        rows = {}
        for line in out.splitlines():
            v = line.split("\t") + [""] * len(cols)
            rows[int(v[0])] = {c: [x for x in v[i + 1].split("|") if x != ""]
                               for i, c in enumerate(cols)}
        return rows
    return cached(("tree", exp["name"], variant), run)


EXPERT_FILTERS = (("modbus_an.invalid.expert", "invalid_expert_frames"),
                  ("modbus_an.outlier.expert", "outlier_expert_frames"),
                  ("modbus_an.outlier == 1", "outlier_frames"))


def filtered_frames(exp, variant):
    """One -2 run with -Y selecting the frames of any of EXPERT_FILTERS; the
    fields printed tell which filter(s) each frame matched. Returns
    {filter: sorted frames}."""
    def run():
        args = exp["variants"][variant]["tshark_extra_args"]
        out = mbtshark.tshark(["-2", "-r", capture_path(exp),
                               "-Y", " || ".join("(%s)" % f for f, _ in EXPERT_FILTERS),
                               "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
                               "-e", "frame.number", "-e", "modbus_an.invalid.expert",
                               "-e", "modbus_an.outlier.expert", "-e", "modbus_an.outlier"]
                              + list(args))
        res = {f: [] for f, _ in EXPERT_FILTERS}
        for line in out.splitlines():
            v = line.split("\t") + ["", "", ""]
            frame = int(v[0])
            if v[1]:
                res["modbus_an.invalid.expert"].append(frame)
            if v[2]:
                res["modbus_an.outlier.expert"].append(frame)
            if any(x.strip().lower() in ("1", "true") for x in v[3].split("|")):
                res["modbus_an.outlier == 1"].append(frame)
        return {f: sorted(x) for f, x in res.items()}
    return cached(("filter", exp["name"], variant), run)


# ---------------------------------------------------------------- checks

def check_wireshark_view(tc, exp, variant):
    view = wireshark_view(exp)
    ws = exp["wireshark"]
    errors = []
    if len(view) != ws["frames"]:
        errors.append("tshark sees %d frames, expected %d" % (len(view), ws["frames"]))
    for frame in sorted(view):
        k = str(frame)
        want = [ws["mbtcp_transaction_ids_by_frame"].get(k, []),
                ws["mbtcp_protocol_ids_by_frame"].get(k, []),
                ws["mbtcp_unit_ids_by_frame"].get(k, [])]
        if view[frame] != want:
            errors.append("frame %d: mbtcp trans_id/prot_id/unit_id %s, expected %s"
                          % (frame, view[frame], want))
    if errors:
        tc.fail("%s: Wireshark's own decoding differs from the expect file:\n  %s"
                % (exp["name"], "\n  ".join(errors)))


def check_csv(tc, exp, variant):
    header, rows = feature_csv(exp, variant)
    want = expected_pdus(exp, variant)
    errors = []
    got = {}
    for r in rows:
        try:
            key = (int(r["frame"]), int(r["pdu_index"]))
        except (KeyError, ValueError):
            errors.append("row without frame/pdu_index: %s" % r)
            continue
        if key in got:
            errors.append("row frame %d pdu %d twice" % key)
        got[key] = r
    order = [(int(r["frame"]), int(r["pdu_index"])) for r in rows]
    if order != sorted(order):
        errors.append("rows are not in capture order")
    for k in sorted(set(want) - set(got)):
        errors.append("%s: no CSV row" % fmt(k, want[k][1]))
    for k in sorted(set(got) - set(want)):
        errors.append("frame %d pdu %d: unexpected CSV row" % k)
    missing_cols = sorted({c for e, _ in want.values() for c in e} - set(header or []))
    if missing_cols:
        errors.append("CSV lacks columns %s" % missing_cols)
    for k in sorted(set(want) & set(got)):
        e, p = want[k]
        for col in sorted(e):
            if col not in got[k]:
                continue
            err = value_error(e[col], got[k][col], col)
            if err:
                errors.append("%s: %s %s" % (fmt(k, p), col, err))
    if errors:
        tc.fail("%s [%s] -z modbus_an,features: %d mismatch(es):\n  %s"
                % (exp["name"], variant, len(errors), "\n  ".join(errors)))


def check_tree(tc, exp, variant):
    rows = tree_values(exp, variant)
    want = expected_pdus(exp, variant)
    errors = []
    frames = sorted({k[0] for k in want})
    for frame in frames:
        keys = sorted(k for k in want if k[0] == frame)
        for col in exp["tree_columns"]:
            exps = [want[k][0].get(col, "unchecked") for k in keys]
            if "unchecked" in exps:
                continue   # not every PDU of the frame has an expectation for it
            present = [x for x in exps if x is not None]
            got = rows.get(frame, {}).get(col, [])
            if len(got) != len(present):
                errors.append("frame %d %s: %d value(s) %s, expected %s"
                              % (frame, tree_field(col), len(got), got, exps))
                continue
            for w, g in zip(present, got):
                err = value_error(w, g, col)
                if err:
                    errors.append("frame %d %s: %s" % (frame, tree_field(col), err))
    if errors:
        tc.fail("%s [%s] -2 tree fields: %d mismatch(es):\n  %s"
                % (exp["name"], variant, len(errors), "\n  ".join(errors)))


def check_expert(tc, exp, variant):
    v = exp["variants"][variant]
    errors = []
    selected = filtered_frames(exp, variant)
    for flt, key in EXPERT_FILTERS:
        got = selected[flt]
        if got != sorted(v[key]):
            errors.append("-Y '%s' selects frames %s, expected %s" % (flt, got, sorted(v[key])))
    if errors:
        tc.fail("%s [%s]:\n  %s" % (exp["name"], variant, "\n  ".join(errors)))


# ---------------------------------------------------------------- test cases

class FeatureEdges(unittest.TestCase):
    """Methods are added below, per capture and variant."""

    def test_expectations_present(self):
        self.assertTrue(load_expectations(), "no *.expect.json in %s" % FEAT_DIR)

    def test_generator_is_deterministic(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, GENERATOR, tmp], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            made = sorted(os.listdir(tmp))
            have = sorted(f for f in os.listdir(FEAT_DIR)
                          if f.endswith(".pcap") or f.endswith(".expect.json"))
            self.assertEqual(made, have, "generator output and tests/captures/features differ "
                                         "in files")
            _, mismatch, errors = filecmp.cmpfiles(tmp, FEAT_DIR, made, shallow=False)
            self.assertEqual(mismatch + errors, [],
                             "files differ from a fresh run of the generator; re-run "
                             "tests/edge/make_feature_captures.py")


def _add_tests():
    for exp in load_expectations():
        def view(self, exp=exp):
            check_wireshark_view(self, exp, "default")
        view.__name__ = "test_%s__wireshark_view" % exp["name"]
        view.__doc__ = "%s: Wireshark's own decoding" % exp["name"]
        setattr(FeatureEdges, view.__name__, view)
        for variant in sorted(exp["variants"]):
            suffix = exp["name"] + ("" if variant == "default" else "__" + variant)
            for check in (check_csv, check_tree, check_expert):
                def method(self, check=check, exp=exp, variant=variant):
                    check(self, exp, variant)
                cname = check.__name__[len("check_"):]
                method.__name__ = "test_%s__%s" % (suffix, cname)
                method.__doc__ = "%s [%s]: %s" % (
                    exp["name"], " ".join(exp["variants"][variant]["tshark_extra_args"])
                    or "default", cname)
                setattr(FeatureEdges, method.__name__, method)


_add_tests()

if __name__ == "__main__":
    unittest.main()
