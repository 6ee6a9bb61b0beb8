#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""modbus_an's per-PDU features (docs/features.md) against the independent
Python reference tests/reference/features_ref.py.

The reference rebuilds every Modbus/TCP ADU from the raw TCP bytes that stock
tshark (modbus_an disabled) prints, checks its PDU set against Wireshark's
own mbtcp decoding, pairs requests and responses itself and computes every
feature. For every capture (../shared/captures, tests/captures/gen, edge and
real):
  * export      - `-z modbus_an,features,FILE.csv` has the contract's columns
                  in order, the same (frame, pdu_index) rows as the reference,
                  and every cell equal: numbers within 1e-9 relative (1e-12
                  absolute near 0), strings and empty cells exactly,
                  time_epoch to the nanosecond;
  * sidecar     - FILE.csv.stats.csv equals the statistics (count, mean,
                  population std, min, max, q1, q3 by linear interpolation)
                  recomputed from the plugin's own CSV, 1e-9 relative;
  * reference_vs_wireshark - the reference itself: its PDUs equal Wireshark's
                  (length, transaction id, unit id, protocol id, function
                  code), its response times equal modbus.response_time to the
                  ns wherever both link the same request.
Plus: the tree fields (modbus_an.feature.*, modbus_an.outlier.*) of two
small captures equal the CSV, and the preferences
modbus_an.feature_split_direction and modbus_an.strict_unit_id agree with
the reference run with the same flags.

Runs tests/tshark.sh --prove-loaded first and fails if the freshly built
plugin is not the one tshark loads.

Usage: python3 tests/test_features.py [-v] [unittest args]
"""
import csv
import glob
import json
import math
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
sys.path.insert(0, os.path.join(REPO, "tests", "reference"))
import mbtshark  # noqa: E402
import features_ref as ref  # noqa: E402

# The reference's stock-tshark runs go through the session's cache too.
ref.RUNNER = mbtshark.plain_run

# Section 6 of docs/features.md: "Each PDU sees the PDUs with time in
# (t - 60 s, t], itself included, over the whole capture". Read literally, this
# includes PDUs later in capture order that carry the same timestamp (the
# later PDUs of a multi-PDU frame, back-to-back frames with equal times).
# "causal" would count only the PDUs up to this one in capture order; switch
# only together with the contract.
WINDOW_SEMANTICS = "causal"
REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_REPORT = 12
# Identity columns: the sidecar may describe them or not (they are not features).
ID_COLUMNS = {"frame", "pdu_index", "time_epoch", "stream"}

_tmpdir = None


def setUpModule():
    global _tmpdir
    mbtshark.prove_loaded()
    # tests/tshark.sh runs tshark as an unprivileged user when called as root:
    # the export must be able to write here.
    _tmpdir = tempfile.mkdtemp(prefix="modbus_an_features.")
    os.chmod(_tmpdir, 0o777)


def tearDownModule():
    # pytest may tear the module down and set it up again in one process: forget it.
    global _tmpdir
    if _tmpdir:
        shutil.rmtree(_tmpdir, ignore_errors=True)
        _tmpdir = None


# ---------------------------------------------------------------- captures

class Case:
    """One capture with the tshark arguments and server ports it needs.

    `-o modbus_an.<pref>:<value>` arguments are kept apart (prefs), so that
    the reference runs with the same flags; the other arguments (Decode As,
    mbtcp port) go to both tshark runs."""

    def __init__(self, name, path, tshark_args=(), server_ports=(502,)):
        self.name = name
        self.path = path
        self.args = []
        self.prefs = []
        a = list(tshark_args)
        i = 0
        while i < len(a):
            if a[i] == "-o" and i + 1 < len(a) and a[i + 1].startswith("modbus_an."):
                self.prefs.append(a[i + 1])
                i += 2
            else:
                self.args.append(a[i])
                i += 1
        self.ports = set(server_ports)
        self.split = "modbus_an.feature_split_direction:TRUE" in self.prefs
        self.strict = "modbus_an.strict_unit_id:TRUE" in self.prefs


def _ports_from_args(args):
    """Server ports a Decode As / mbtcp.tcp.port argument adds (besides 502)."""
    ports = {502}
    for i, a in enumerate(args):
        if a == "-d" and i + 1 < len(args):
            # tcp.port==5020,mbtcp
            spec = args[i + 1]
            if spec.startswith("tcp.port==") and spec.endswith(",mbtcp"):
                ports.add(int(spec[len("tcp.port=="):-len(",mbtcp")]))
        if a == "-o" and i + 1 < len(args) and args[i + 1].startswith("mbtcp.tcp.port:"):
            ports.add(int(args[i + 1].split(":", 1)[1]))
    return ports


def load_cases():
    cases = []
    shared = mbtshark.SHARED_CAPTURES
    if os.path.isdir(shared):
        for p in sorted(glob.glob(os.path.join(shared, "*.pcap"))
                        + glob.glob(os.path.join(shared, "*.pcapng"))):
            cases.append(Case("shared_" + os.path.basename(p), p))
    for truth in sorted(glob.glob(os.path.join(REPO, "tests", "captures", "gen", "*.truth.json"))):
        with open(truth) as fh:
            t = json.load(fh)
        args = list(t.get("decode_as") or [])
        ports = _ports_from_args(args) | {int(t.get("server_port", t.get("port", 502)))}
        # gen_heartbeat's truth (hbgen) names no capture: it is <name>.pcap.
        cap = t.get("capture") or os.path.basename(truth).replace(".truth.json", ".pcap")
        cases.append(Case("gen_" + cap, os.path.join(REPO, "tests", "captures", "gen", cap), args, ports))
    for exp in sorted(glob.glob(os.path.join(REPO, "tests", "captures", "edge", "*.expect.json"))):
        with open(exp) as fh:
            e = json.load(fh)
        for variant, args in sorted(e["tshark_extra_args_variants"].items()):
            cases.append(Case("edge_" + e["capture"] + ("" if variant == "default" else "__" + variant),
                              os.path.join(REPO, "tests", "captures", "edge", e["capture"]),
                              args, _ports_from_args(args)))
    for p in sorted(glob.glob(os.path.join(REPO, "tests", "captures", "real", "*.pcap"))):
        cases.append(Case("real_" + os.path.basename(p), p))
    # The feature edge captures (tests/edge/make_feature_captures.py), every variant.
    feat = os.path.join(REPO, "tests", "captures", "features")
    for exp in sorted(glob.glob(os.path.join(feat, "*.expect.json"))):
        with open(exp) as fh:
            e = json.load(fh)
        pcap = os.path.join(feat, os.path.basename(exp)[:-len(".expect.json")] + ".pcap")
        variants = {k: v.get("tshark_extra_args", []) for k, v in
                    (e.get("variants") or {"default": {}}).items()}
        for variant, args in sorted(variants.items()):
            cases.append(Case("features_" + os.path.basename(pcap)
                              + ("" if variant == "default" else "__" + variant),
                              pcap, args, _ports_from_args(args)))
    return cases


# ---------------------------------------------------------------- runs (cached)

_cache = {}


def _cached(key, fn):
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]


def plugin_export(case, prefs=()):
    """(header, rows as dicts of strings, sidecar rows) of -z modbus_an,features."""
    def run():
        out = os.path.join(_tmpdir, "%s%s.csv" % (case.name, "".join(
            "_" + p.split(":")[0].split(".")[-1] for p in prefs)))
        args = ["-r", case.path, "-q", "-z", "modbus_an,features," + out] + case.args
        for p in prefs:
            args += ["-o", p]
        mbtshark.tshark(args)
        with open(out, newline="") as fh:
            r = csv.reader(fh)
            header = next(r)
            rows = [dict(zip(header, line)) for line in r]
        with open(out + ".stats.csv", newline="") as fh:
            stats = list(csv.DictReader(fh))
        return header, rows, stats
    return _cached(("plugin", case.name, tuple(prefs)), run)


def reference(case, split_direction=False, strict_unit_id=False):
    return reference_detail(case, split_direction, strict_unit_id)[0]


def reference_detail(case, split_direction=False, strict_unit_id=False):
    """(rows, pdus) of the reference."""
    return _cached(("ref", case.name, split_direction, strict_unit_id),
                   lambda: ref.compute(case.path, case.ports, split_direction, strict_unit_id,
                                       case.args, window=WINDOW_SEMANTICS, with_pdus=True))


# ---------------------------------------------------------------- comparison

def close(a, b):
    if a == b:
        return True
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


def cell_error(col, got, want):
    """None if the plugin's cell (string) equals the reference value."""
    if want is None:
        return None if got == "" else "should be empty"
    if got == "":
        return "is empty"
    if col in ref.STRING_COLUMNS:
        return None if got == want else "differs"
    if col == "time_epoch":
        try:
            return None if ref.parse_ns(got) == ref.parse_ns(want) else "differs"
        except (ValueError, ref.ReferenceError):
            return "unparsable"
    try:
        g = float(got)
    except ValueError:
        return "not a number"
    return None if close(g, float(want)) else "differs"


def compare_export(header, rows, ref_rows):
    """A list of error lines (empty if the export equals the reference)."""
    errors = []
    if header != ref.COLUMNS:
        missing = [c for c in ref.COLUMNS if c not in header]
        extra = [c for c in header if c not in ref.COLUMNS]
        errors.append("CSV header differs from docs/features.md: missing %s, extra %s%s"
                      % (missing, extra, "" if missing or extra else ", order differs (first "
                         "difference at position %d: %r, expected %r)" % next(
                             (i, a, b) for i, (a, b) in enumerate(zip(header, ref.COLUMNS))
                             if a != b)))
    try:
        got = {(int(r["frame"]), int(r["pdu_index"])): r for r in rows}
    except (KeyError, ValueError) as e:
        return errors + ["rows lack frame/pdu_index: %s" % e]
    want = {(r["frame"], r["pdu_index"]): r for r in ref_rows}
    if len(got) != len(rows):
        errors.append("duplicate (frame, pdu_index) rows in the export")
    only_p = sorted(set(got) - set(want))
    only_r = sorted(set(want) - set(got))
    if only_p:
        errors.append("%d PDU(s) only in the export, first %s" % (len(only_p), only_p[:5]))
    if only_r:
        errors.append("%d PDU(s) only in the reference, first %s" % (len(only_r), only_r[:5]))
    order = [(int(r["frame"]), int(r["pdu_index"])) for r in rows]
    if order != sorted(order):
        errors.append("export rows are not in (frame, pdu_index) order")
    diffs = []
    per_col = {}
    cols = [c for c in ref.COLUMNS if c in header]
    for k in sorted(set(got) & set(want)):
        g, w = got[k], want[k]
        for c in cols:
            err = cell_error(c, g[c], w[c])
            if err:
                per_col[c] = per_col.get(c, 0) + 1
                if len(diffs) < MAX_REPORT:
                    diffs.append("frame %d pdu %d %s: plugin %r, reference %r (%s)"
                                 % (k[0], k[1], c, g[c], ref.fmt_value(w[c]), err))
    if per_col:
        errors.append("%d differing cell(s); per column: %s" % (
            sum(per_col.values()),
            ", ".join("%s=%d" % (c, n) for c, n in sorted(per_col.items(), key=lambda x: -x[1]))))
        errors += diffs
    return errors


def compare_sidecar(header, rows, stats):
    errors = []
    if not stats:
        return ["the sidecar has no rows"]
    if list(stats[0].keys()) != ["column"] + ref.STATS_FIELDS:
        errors.append("sidecar header %s, expected %s" % (list(stats[0].keys()),
                                                          ["column"] + ref.STATS_FIELDS))
    listed = [s["column"] for s in stats]
    features = [c for c in ref.NUMERIC_COLUMNS if c not in ID_COLUMNS]
    missing = [c for c in features if c not in listed]
    bad = [c for c in listed if c not in ref.NUMERIC_COLUMNS or c not in header]
    if missing:
        errors.append("sidecar lacks numeric column(s) %s" % missing)
    if bad:
        errors.append("sidecar lists non-numeric or unknown column(s) %s" % bad)
    if len(set(listed)) != len(listed):
        errors.append("sidecar lists a column twice")
    want = ref.column_stats(rows, [c for c in listed if c in header])
    n = 0
    for s in stats:
        c = s["column"]
        if c not in want:
            continue
        w = want[c]
        for k in ref.STATS_FIELDS:
            got = s.get(k, "")
            exp = w[k]
            if k == "count":
                ok = got.strip() == str(exp)
            elif exp is None:
                ok = got == ""
            else:
                try:
                    ok = close(float(got), exp)
                except ValueError:
                    ok = False
            if not ok:
                n += 1
                if n <= MAX_REPORT:
                    errors.append("sidecar %s.%s: plugin %r, recomputed from the CSV %s"
                                  % (c, k, got, ref.fmt_value(exp)))
    if n > MAX_REPORT:
        errors.append("... %d sidecar differences in all" % n)
    return errors


# ---------------------------------------------------------------- tests

class Features(unittest.TestCase):
    """Methods test_export__<case>, test_sidecar__<case> and
    test_reference_vs_wireshark__<case> are added below."""

    def check_export(self, case, prefs=(), split=False, strict=False):
        prefs = tuple(case.prefs) + tuple(prefs)
        header, rows, _ = plugin_export(case, prefs)
        errors = compare_export(header, rows, reference(case, split or case.split,
                                                        strict or case.strict))
        if errors:
            self.fail("%s %s: the export differs from the reference:\n  %s"
                      % (case.name, " ".join(prefs), "\n  ".join(errors)))

    def check_sidecar(self, case):
        header, rows, stats = plugin_export(case, tuple(case.prefs))
        errors = compare_sidecar(header, rows, stats)
        if errors:
            self.fail("%s: %s.stats.csv:\n  %s" % (case.name, "features CSV", "\n  ".join(errors)))

    def check_reference_vs_wireshark(self, case):
        """The reference itself: its PDU set, lengths, ids and function codes
        equal Wireshark's (features_ref checks that and raises otherwise), and
        its response times equal Wireshark's modbus.response_time to the ns
        wherever both link the same request. Wireshark 4.0 links a response to
        the *latest* earlier request with the same transaction id, unit and
        function code, the reference (like the foundation) to the oldest
        pending one: where the links differ, Wireshark's must be such a
        request of the same connection."""
        rows, pdus = reference_detail(case, case.split, case.strict)
        req = {}
        for p in pdus:
            if p.is_request:
                req.setdefault(p.frame, []).append(p)
        errors = []
        same = 0
        for p in pdus:
            if p.ws_request_frame is None or p.paired_req is None:
                continue
            if p.ws_request_frame == p.paired_req:
                same += 1
                if p.rt_ns != p.ws_response_time:
                    errors.append("frame %d: response time %d ns, Wireshark %d ns"
                                  % (p.frame, p.rt_ns, p.ws_response_time))
                continue
            key = (p.stream, p.adu[6], ref.u16(p.adu, 0), p.adu[7] & 0x7F)
            alt = [q for q in req.get(p.ws_request_frame, [])
                   if (q.stream, q.adu[6], ref.u16(q.adu, 0), q.adu[7]) == key]
            if not alt or p.ws_request_frame < p.paired_req:
                errors.append("frame %d: paired with request frame %d, Wireshark with %d"
                              % (p.frame, p.paired_req, p.ws_request_frame))
        if errors:
            self.fail("%s: reference vs Wireshark:\n  %s" % (case.name, "\n  ".join(errors[:20])))
        if any(p.ws_request_frame is not None for p in pdus):
            self.assertGreater(same, 0, "no response linked to the same request as Wireshark")

    def test_sidecar_describes_feature_columns(self):
        """The sidecar has exactly one row per feature column (every CSV column
        after `pair`), in CSV order (docs/features.md, Export)."""
        case = self._case("shared_mei-fc43-exception.pcap")
        header, rows, stats = plugin_export(case)
        listed = [s["column"] for s in stats]
        if listed != ref.FEATURE_COLUMNS:
            self.fail("sidecar rows are not exactly the feature columns in CSV order: missing %s, "
                      "extra %s" % ([c for c in ref.FEATURE_COLUMNS if c not in listed],
                                    [c for c in listed if c not in ref.FEATURE_COLUMNS]))

    # ---- the preferences

    def _case(self, name):
        for c in CASES:
            if c.name == name:
                return c
        self.skipTest("capture %s not available" % name)

    def test_pref_split_direction(self):
        for name in ("shared_gateway-pipelined-4units.pcap", "gen_gen_faults.pcap",
                     "edge_multi_pdu_segment.pcap"):
            with self.subTest(capture=name):
                self.check_export(self._case(name), ("modbus_an.feature_split_direction:TRUE",),
                                  split=True)

    def test_pref_strict_unit_id(self):
        for name in ("shared_many-units-fc-mix.pcap", "shared_mei-fc43-exception.pcap",
                     "edge_exceptions.pcap"):
            with self.subTest(capture=name):
                self.check_export(self._case(name), ("modbus_an.strict_unit_id:TRUE",),
                                  strict=True)

    def test_prefs_change_something(self):
        """The preference runs are not vacuous: the flags change the reference."""
        base = reference(self._case("shared_gateway-pipelined-4units.pcap"))
        split = reference(self._case("shared_gateway-pipelined-4units.pcap"), split_direction=True)
        self.assertNotEqual([r["time_delta"] for r in base], [r["time_delta"] for r in split])
        base = reference(self._case("shared_many-units-fc-mix.pcap"))
        strict = reference(self._case("shared_many-units-fc-mix.pcap"), strict_unit_id=True)
        self.assertNotEqual([r["unit_id_valid"] for r in base],
                            [r["unit_id_valid"] for r in strict])

    # ---- tree fields

    TREE_FIELDS = [
        ("modbus_an.feature.payload_entropy", "payload_entropy"),
        ("modbus_an.feature.time_delta_mean_10", "time_delta_mean_10"),
        ("modbus_an.feature.packet_length_std_10", "packet_length_std_10"),
        ("modbus_an.feature.is_valid", "is_valid"),
        ("modbus_an.feature.length_consistent", "length_consistent"),
        ("modbus_an.feature.function_code", "function_code"),
        ("modbus_an.feature.fc_share_60s", "fc_share_60s"),
        ("modbus_an.feature.session_pairing_ratio", "session_pairing_ratio"),
        ("modbus_an.feature.response_time", "response_time"),
        ("modbus_an.outlier.packet_length.sigma", "packet_length_sigma"),
        ("modbus_an.outlier.packet_length.zscore", "packet_length_zscore"),
        ("modbus_an.outlier.time_delta.iqr", "time_delta_iqr"),
        ("modbus_an.outlier.payload_entropy.zscore", "payload_entropy_zscore"),
    ]

    def test_flow_summaries_match_reference(self):
        """-2 -z modbus_an,flows (the GUI table) and the features section of
        -z modbus_an,stat summarise each connection exactly as the
        reference's per-PDU rows say: PDUs, duration, last dominant fc and
        pairing ratio, mean periodicity over full inter-arrival windows
        (PDU 11 on), invalid share, PDUs with a 3-sigma / IQR outlier."""
        metrics = ref.OUTLIER_METRICS
        for name in ("shared_digitalbond-diag-exceptions.pcap", "gen_gen_faults.pcap",
                     "shared_gateway-pipelined-4units.pcap"):
            with self.subTest(capture=name):
                case = self._case(name)
                want = {}
                for r in reference(case):
                    w = want.setdefault(r["stream"], {"pdus": 0, "first": r["time_epoch"], "per": [],
                                                      "invalid": 0, "strong": 0, "iqr": 0})
                    w["pdus"] += 1
                    w["last"] = r["time_epoch"]
                    w["fc"] = r["session_dominant_function_code"]
                    w["pairing"] = r["session_pairing_ratio"]
                    if r["session_packets"] >= 11:
                        w["per"].append(r["periodicity_score"])
                    w["invalid"] += r["is_valid"] == 0
                    w["strong"] += any(r[m + "_sigma"] == 3 for m in metrics)
                    w["iqr"] += any(r[m + "_iqr"] == 1 for m in metrics)
                out = mbtshark.tshark(["-r", case.path, "-q", "-2", "-z", "modbus_an,flowtable"]
                                      + list(case.args))
                got = {}
                for line in out.splitlines():
                    cells = [c.strip() for c in line.split("|")]
                    if len(cells) >= 10 and cells[0].isdigit():
                        got[int(cells[0])] = cells
                self.assertEqual(sorted(got), sorted(want), "flows listed")
                doc = json.loads(mbtshark.tshark(["-r", case.path, "-q", "-z", "modbus_an,json"] + list(case.args)))
                flows = {f["stream"]: f for f in doc["flows"]}
                for stream, w in want.items():
                    c = got[stream]
                    per = sum(w["per"]) / len(w["per"]) if w["per"] else None
                    dur = float(w["last"]) - float(w["first"])
                    self.assertEqual(int(c[2]), w["pdus"], (stream, "pdus"))
                    self.assertAlmostEqual(float(c[3]), dur, delta=0.0006, msg=(stream, "duration"))
                    self.assertEqual(int(c[4]), w["fc"], (stream, "fc"))
                    self.assertAlmostEqual(float(c[5]), w["pairing"], delta=0.00006, msg=(stream, "pairing"))
                    self.assertAlmostEqual(float(c[6]), per if per is not None else 0.0, delta=0.00006,
                                           msg=(stream, "periodicity"))
                    self.assertAlmostEqual(float(c[7]), w["invalid"] / w["pdus"], delta=0.00006,
                                           msg=(stream, "invalid"))
                    self.assertEqual(int(c[8]), w["strong"], (stream, "3 sigma"))
                    self.assertEqual(int(c[9]), w["iqr"], (stream, "iqr"))
                    # the same flow in the JSON document (the flows section, single pass)
                    f = flows[stream]
                    self.assertEqual((f["pdus"], f["dominant_fc"], f["outliers_3sigma"], f["outliers_iqr"]),
                                     (w["pdus"], w["fc"], w["strong"], w["iqr"]), (stream, "json"))
                    if per is None:
                        self.assertIsNone(f["periodicity"], (stream, "json periodicity"))
                    else:
                        self.assertAlmostEqual(f["periodicity"], per, delta=1e-9, msg=(stream, "json periodicity"))

    def test_tree_fields_equal_csv(self):
        for name in ("shared_digitalbond-diag-exceptions.pcap", "gen_gen_basic.pcap"):
            with self.subTest(capture=name):
                case = self._case(name)
                header, rows, _ = plugin_export(case)
                by_frame = {}
                for r in rows:
                    by_frame.setdefault(int(r["frame"]), []).append(r)
                args = ["-2", "-r", case.path, "-T", "fields", "-E", "occurrence=a",
                        "-E", "aggregator=;", "-e", "frame.number"]
                for f, _ in self.TREE_FIELDS:
                    args += ["-e", f]
                out = mbtshark.tshark(args + case.args)
                errors = []
                checked = 0
                seen_frames = set()
                for line in out.splitlines():
                    cols = line.split("\t")
                    cols += [""] * (len(self.TREE_FIELDS) + 1 - len(cols))
                    frame = int(cols[0])
                    csv_rows = by_frame.get(frame, [])
                    if csv_rows:
                        seen_frames.add(frame)
                    for (field, col), v in zip(self.TREE_FIELDS, cols[1:]):
                        vals = v.split(";") if v != "" else []
                        want = [r[col] for r in csv_rows if r[col] != ""]
                        if len(vals) != len(want):
                            errors.append("frame %d %s: tree %s, CSV %s" % (frame, field, vals, want))
                            continue
                        for a, b in zip(vals, want):
                            a = {"True": "1", "False": "0"}.get(a, a)
                            checked += 1
                            if not close(float(a), float(b)):
                                errors.append("frame %d %s: tree %r, CSV %r" % (frame, field, a, b))
                if seen_frames != set(by_frame):
                    errors.append("frames with PDUs in the CSV but no tree output: %s"
                                  % sorted(set(by_frame) - seen_frames)[:10])
                self.assertGreater(checked, 0)
                if errors:
                    self.fail("%s: tree fields differ from the CSV:\n  %s"
                              % (name, "\n  ".join(errors[:MAX_REPORT])))


CASES = load_cases()


def _add_tests():
    for case in CASES:
        safe = "".join(ch if ch.isalnum() else "_" for ch in case.name)

        def t_export(self, case=case):
            self.check_export(case)

        def t_sidecar(self, case=case):
            self.check_sidecar(case)

        def t_wireshark(self, case=case):
            self.check_reference_vs_wireshark(case)
        t_wireshark.__name__ = "test_reference_vs_wireshark__" + safe
        t_wireshark.__doc__ = "%s: the reference's PDUs and response times equal Wireshark's" % case.name
        setattr(Features, t_wireshark.__name__, t_wireshark)
        t_export.__name__ = "test_export__" + safe
        t_export.__doc__ = "%s %s: export equals the reference" % (
            case.name, " ".join(case.args + ["-o " + p for p in case.prefs]))
        t_sidecar.__name__ = "test_sidecar__" + safe
        t_sidecar.__doc__ = "%s: sidecar equals the statistics of the CSV" % case.name
        setattr(Features, t_export.__name__, t_export)
        setattr(Features, t_sidecar.__name__, t_sidecar)


_add_tests()

if __name__ == "__main__":
    unittest.main()
