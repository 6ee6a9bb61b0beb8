#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Edge-case captures: check modbus_an's fields and statistics against the
hand-computed expectations in tests/captures/edge/*.expect.json.

For every capture (and every tshark argument set its expect file lists):
  * wireshark_view - Wireshark itself (modbus_an disabled) decodes exactly
    the Modbus/TCP PDUs the expect file says, flags the TCP retransmissions
    and malformed frames it says (guards the captures, not the plugin);
  * pdus           - with -2, one modbus_an tree per decoded PDU, each with
    the expected field values (absent where the expectation is null);
  * one_vs_two_pass - single-pass output agrees with -2 on every field of
    every response PDU;
  * stats          - -z modbus_an,csv rows equal the expected rows, and the
    single-pass and -2 tables agree.
Plus: the generator re-creates byte-identical files.

Runs tests/tshark.sh --prove-loaded first and fails if the freshly built
plugin is not the one tshark loads.

Usage: python3 tests/test_edge_captures.py [-v] [unittest args]
"""
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import mbtshark  # noqa: E402

EDGE_DIR = os.path.join(REPO, "tests", "captures", "edge")
GENERATOR = os.path.join(REPO, "tests", "edge", "make_edge_captures.py")

COUNT_COLUMNS = ["requests", "responses", "answered", "missed", "late", "unanswered_at_end",
                 "delayed", "exceptions", "orphans", "duplicates", "ambiguous"]
RT_COLUMNS = ["rt_min", "rt_avg", "rt_p50", "rt_p95", "rt_max"]
CSV_COLUMNS = ["pair", "unit"] + COUNT_COLUMNS + RT_COLUMNS
TIME_TOLERANCE = 5e-7   # the captures have microsecond timestamps


def setUpModule():
    mbtshark.prove_loaded()


def load_expectations():
    names = sorted(f[:-len(".expect.json")] for f in os.listdir(EDGE_DIR)
                   if f.endswith(".expect.json")) if os.path.isdir(EDGE_DIR) else []
    result = []
    for name in names:
        with open(os.path.join(EDGE_DIR, name + ".expect.json")) as fh:
            result.append(json.load(fh))
    return result


# ---------------------------------------------------------------- value parsing

def parse_bool(show):
    s = show.strip().lower()
    if s in ("1", "true"):
        return True
    if s in ("0", "false"):
        return False
    raise ValueError("not a boolean: %r" % show)


def parse_int(show):
    tok = show.strip().split()[0]
    return int(tok, 16) if tok.lower().startswith("0x") else int(tok, 10)


def parse_seconds(show):
    return float(show.strip().split()[0])


def value_error(name, expected, got):
    """None if got (a PDML 'show' string or None) matches expected."""
    if expected is None:
        return None if got is None else "should be absent, is %r" % got
    if name == "modbus_an.malformed" and expected is False:
        if got is None:
            return None
    if got is None:
        return "missing (expected %r)" % (expected,)
    try:
        if isinstance(expected, bool):
            ok = parse_bool(got) == expected
        elif isinstance(expected, int):
            ok = parse_int(got) == expected
        elif name.endswith("response_time"):
            ok = abs(parse_seconds(got) - float(expected)) < TIME_TOLERANCE
        else:
            ok = got == expected
    except (ValueError, IndexError) as e:
        return "unparsable %r (expected %r): %s" % (got, expected, e)
    return None if ok else "is %r, expected %r" % (got, expected)


def keyed(pdus):
    """(frame, transaction_id, n-th occurrence) -> PDU, for actual or expected PDUs."""
    out = {}
    seen = {}
    for p in pdus:
        if "fields" in p:     # expected
            tid = p["transaction_id"]
        else:
            raw = p.get("modbus_an.transaction_id")
            try:
                tid = parse_int(raw) if raw is not None else None
            except ValueError:
                tid = raw
        base = (p["frame"], tid)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[base + (n,)] = p
    return out


def fmt_key(k):
    return "frame %s tid %s%s" % (k[0], k[1], "" if k[2] == 0 else " (#%d)" % (k[2] + 1))


# ---------------------------------------------------------------- cached tshark runs

_cache = {}


def cached(kind, capture, args, fn):
    key = (kind, capture, tuple(args))
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]


def wireshark_view(capture, args):
    def run():
        # Without modbus_an, whose own expert info (group Malformed) would show
        # up as _ws.malformed: this is Wireshark's decoding alone.
        out = mbtshark.tshark(["-2", "--disable-protocol", "modbus_an",
                               "-r", capture, "-T", "fields", "-E", "occurrence=a",
                               "-E", "aggregator=,", "-e", "frame.number", "-e", "mbtcp.trans_id",
                               "-e", "tcp.analysis.retransmission", "-e", "_ws.malformed"]
                              + list(args))
        rows = {}
        for line in out.splitlines():
            cols = line.split("\t")
            cols += [""] * (4 - len(cols))
            rows[int(cols[0])] = {
                "tids": [int(t) for t in cols[1].split(",") if t != ""],
                "retrans": cols[2] != "",
                "malformed": cols[3] != "",
            }
        return rows
    return cached("view", capture, args, run)


def get_pdus(capture, args, two_pass):
    return cached("pdus%d" % two_pass, capture, args,
                  lambda: mbtshark.pdus(capture, extra_args=args, two_pass=two_pass))


def get_stats(capture, args, two_pass):
    return cached("csv%d" % two_pass, capture, args,
                  lambda: mbtshark.stat_csv(capture, extra_args=args, two_pass=two_pass))


# ---------------------------------------------------------------- checks

def check_wireshark_view(tc, exp, capture, args):
    view = wireshark_view(capture, args)
    ws = exp["wireshark"]
    errors = []
    if len(view) != ws["frames"]:
        errors.append("tshark sees %d frames, expected %d" % (len(view), ws["frames"]))
    want_tids = {int(k): v for k, v in ws["mbtcp_transaction_ids_by_frame"].items()}
    for frame in sorted(view):
        got = view[frame]["tids"]
        want = want_tids.get(frame, [])
        if got != want:
            errors.append("frame %d: mbtcp.trans_id %s, expected %s" % (frame, got, want))
        if view[frame]["retrans"] != (frame in ws["tcp_retransmission_frames"]):
            errors.append("frame %d: tcp.analysis.retransmission %s, expected %s"
                          % (frame, view[frame]["retrans"], not view[frame]["retrans"]))
        if view[frame]["malformed"] != (frame in ws["malformed_frames"]):
            errors.append("frame %d: _ws.malformed %s, expected %s"
                          % (frame, view[frame]["malformed"], not view[frame]["malformed"]))
    if errors:
        tc.fail("%s: Wireshark's own decoding differs from the expect file:\n  %s"
                % (exp["name"], "\n  ".join(errors)))


def check_pdus(tc, exp, capture, args):
    actual = keyed(get_pdus(capture, args, True))
    expected = keyed(exp["pdus"])
    errors = []
    for k in sorted(set(expected) - set(actual), key=str):
        errors.append("%s: no modbus_an tree (expected a %s)"
                      % (fmt_key(k), expected[k]["fields"].get("modbus_an.type")))
    for k in sorted(set(actual) - set(expected), key=str):
        errors.append("%s: unexpected modbus_an tree: %s" % (fmt_key(k), actual[k]))
    for k in sorted(set(actual) & set(expected), key=lambda k: (k[0], str(k[1]), k[2])):
        e = expected[k]
        for name, want in sorted(e["fields"].items()):
            err = value_error(name, want, actual[k].get(name))
            if err:
                errors.append("%s %s: %s %s%s" % (fmt_key(k), e["fields"].get("modbus_an.type", ""),
                                                  name, err,
                                                  (" [" + e["note"] + "]") if e.get("note") else ""))
    if errors:
        tc.fail("%s (-2): %d mismatch(es):\n  %s" % (exp["name"], len(errors), "\n  ".join(errors)))


def check_one_vs_two_pass(tc, exp, capture, args):
    def responses(pdus):
        return {k: {n: v for n, v in p.items() if n.startswith("modbus_an.")}
                for k, p in keyed(pdus).items() if p.get("modbus_an.type") == "response"}
    one = responses(get_pdus(capture, args, False))
    two = responses(get_pdus(capture, args, True))
    errors = []
    for k in sorted(set(one) ^ set(two), key=str):
        errors.append("%s: response only in the %s output" % (fmt_key(k), "-2" if k in two else "single-pass"))
    for k in sorted(set(one) & set(two), key=str):
        for name in sorted(set(one[k]) | set(two[k])):
            if one[k].get(name) != two[k].get(name):
                errors.append("%s %s: single pass %r, -2 %r" % (fmt_key(k), name, one[k].get(name),
                                                                two[k].get(name)))
    if errors:
        tc.fail("%s: single pass and -2 disagree on responses:\n  %s"
                % (exp["name"], "\n  ".join(errors)))


def row_key(r):
    return ("TOTAL", "*") if r["pair"] == "TOTAL" else (r["pair"], r["unit"])


def rt_error(col, want, got):
    if want is None:
        return None     # no sample: the table's notation for "none" is not specified
    try:
        if abs(float(got) - float(want)) < TIME_TOLERANCE:
            return None
    except (TypeError, ValueError):
        pass
    return "%s is %r, expected %s" % (col, got, want)


def check_stats(tc, exp, capture, args):
    one = get_stats(capture, args, False)
    two = get_stats(capture, args, True)
    errors = []
    if one:
        missing = [c for c in CSV_COLUMNS if c not in one[0]]
        if missing:
            errors.append("CSV lacks columns %s (has %s)" % (missing, list(one[0].keys())))
    got = {}
    for r in one:
        if row_key(r) in got:
            errors.append("row %s twice" % (row_key(r),))
        got[row_key(r)] = r
    want = {row_key(r): r for r in exp["stats"]["rows"]}
    for k in sorted(set(want) - set(got)):
        errors.append("row %s missing" % (k,))
    for k in sorted(set(got) - set(want)):
        errors.append("unexpected row %s: %s" % (k, got[k]))
    for k in sorted(set(got) & set(want)):
        for col in COUNT_COLUMNS:
            try:
                ok = int(got[k].get(col)) == want[k][col]
            except (TypeError, ValueError):
                ok = False
            if not ok:
                errors.append("row %s: %s is %r, expected %d" % (k, col, got[k].get(col), want[k][col]))
        for col in RT_COLUMNS:
            err = rt_error(col, want[k][col], got[k].get(col))
            if err:
                errors.append("row %s: %s" % (k, err))
    # single pass vs -2: the same table.
    two_by = {}
    for r in two:
        two_by[row_key(r)] = r
    for k in sorted(set(got) | set(two_by)):
        a, b = got.get(k), two_by.get(k)
        if a is None or b is None:
            errors.append("row %s only in the %s table" % (k, "-2" if a is None else "single-pass"))
            continue
        for col in COUNT_COLUMNS + RT_COLUMNS:
            if a.get(col) != b.get(col):
                errors.append("row %s: %s single pass %r, -2 %r" % (k, col, a.get(col), b.get(col)))
    if errors:
        tc.fail("%s: -z modbus_an,csv:\n  %s" % (exp["name"], "\n  ".join(errors)))


# ---------------------------------------------------------------- test cases

class EdgeCaptures(unittest.TestCase):
    """Methods are added below, four per capture and argument set."""

    def test_expectations_present(self):
        self.assertTrue(load_expectations(), "no *.expect.json in %s" % EDGE_DIR)

    def test_generator_is_deterministic(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, GENERATOR, tmp], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            made = sorted(os.listdir(tmp))
            have = sorted(f for f in os.listdir(EDGE_DIR)
                          if f.endswith(".pcap") or f.endswith(".expect.json"))
            self.assertEqual(made, have, "generator output and tests/captures/edge differ in files")
            _, mismatch, errors = filecmp.cmpfiles(tmp, EDGE_DIR, made, shallow=False)
            self.assertEqual(mismatch + errors, [],
                             "files differ from a fresh run of the generator; re-run "
                             "tests/edge/make_edge_captures.py")


# Captures whose expectations rest on how Wireshark frames Modbus/TCP where
# that changed: from 4.6 on, mbtcp no longer refuses a segment whose MBAP
# protocol id is not 0, whose length is < 2, or that has < 8 bytes (4.0 and
# 4.4 do): on malformed_mbap the stream then loses its framing in
# Wireshark itself (README, "Wireshark versions"). modbus_an follows
# Wireshark's framing, so its results differ with it.
FRAMING_CHANGED_IN = {"malformed_mbap": (4, 6)}


def tshark_version():
    out = subprocess.run(["tshark", "-v"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    m = re.search(r"(\d+)\.(\d+)\.\d+", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _add_tests():
    version = tshark_version()
    for exp in load_expectations():
        capture = os.path.join(EDGE_DIR, exp["capture"])
        for variant, args in sorted(exp["tshark_extra_args_variants"].items()):
            suffix = exp["name"] + ("" if variant == "default" else "__" + variant)
            for check in (check_wireshark_view, check_pdus, check_one_vs_two_pass, check_stats):
                def method(self, check=check, exp=exp, capture=capture, args=args):
                    since = FRAMING_CHANGED_IN.get(exp["name"])
                    if since and version >= since:
                        self.skipTest("Wireshark %d.%d frames this capture differently (mbtcp's checks)" % version)
                    check(self, exp, capture, args)
                cname = check.__name__[len("check_"):]
                method.__name__ = "test_%s__%s" % (suffix, cname)
                method.__doc__ = "%s %s: %s" % (exp["name"], " ".join(args), cname)
                setattr(EdgeCaptures, method.__name__, method)


_add_tests()

if __name__ == "__main__":
    unittest.main()
