#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Non-Modbus traffic on 502 / 802 and Modbus on 5020 (issue 15, item 7):
tests/captures/edge/nonmodbus/*.pcap against its truth.json (both made by
tests/edge/make_nonmodbus_captures.py).

For every capture, one tshark run per argument set (-2, the statistics and
the per-PDU fields), then:
  * rc 0, nothing on stderr that says crash or sanitizer;
  * the non-Modbus captures: -z modbus_an,csv TOTAL counts 0 requests and
    0 responses, and no frame has a modbus_an PDU tree (modbus_an.type);
  * the port scan: 40 connection attempts, refused / established /
    unfinished as the truth says (-z modbus_an,netcsv), still 0 requests;
  * Modbus on 5020 with -d tcp.port==5020,mbtcp: requests, responses,
    answered and exceptions equal the truth, one modbus_an.type per PDU;
    without Decode As nothing is counted (Wireshark does not decode it);
  * the generator re-creates the committed files byte for byte;
  * with the sanitizer build (MODBUS_AN_ASAN_SO, default build-asan/
    modbus_an.so; skipped when absent): -2 -V and every statistic, no report.

Plain pytest functions: `python3 -m pytest tests/test_nonmodbus_502.py`.
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "lib"))
import mbtshark  # noqa: E402
DIR = os.path.join(REPO, "tests", "captures", "edge", "nonmodbus")
GENERATOR = os.path.join(REPO, "tests", "edge", "make_nonmodbus_captures.py")
NON_MODBUS = ["tls_802.pcap", "tls_502.pcap", "http_502.pcap", "random_502.pcap", "portscan_502.pcap"]
BAD = ("AddressSanitizer", "runtime error", "LeakSanitizer", "Segmentation", "Aborted", "Dissector bug")


def truth():
    with open(os.path.join(DIR, "truth.json")) as fh:
        return json.load(fh)


_RUNS = {}


def run(capture, decode_as=None):
    """One -2 run with the stat CSVs; returns (rc, stat rows, net rows, stderr)."""
    key = (capture, decode_as)
    if key not in _RUNS:
        args = ["-2", "-r", os.path.join(DIR, capture), "-q", "-z", "modbus_an,csv", "-z", "modbus_an,netcsv"]
        if decode_as:
            args += ["-d", decode_as]
        rc, out, err = mbtshark.run(args)
        stat, net = {}, []
        for head, rows in mbtshark.csv_sections(out):
            if head[:2] == ["pair", "unit"]:
                stat = {(r["pair"], r["unit"]): r for r in rows}
            elif head[:2] == ["pair", "connections"]:
                net = rows
        _RUNS[key] = (rc, stat, net, err)
    return _RUNS[key]


def pdu_types(capture, decode_as=None):
    args = ["-2", "-r", os.path.join(DIR, capture), "-T", "fields", "-e", "modbus_an.type"]
    if decode_as:
        args += ["-d", decode_as]
    rc, out, err = mbtshark.run(args)
    assert rc == 0, err
    return [v for line in out.splitlines() for v in line.split(",") if v]


def clean(rc, err):
    assert rc == 0, err[-2000:]
    assert not any(b in err for b in BAD), err[-2000:]


def test_prove_loaded():
    assert mbtshark.prove_loaded().startswith("loaded: ")


def test_generator_is_deterministic():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, GENERATOR, tmp], check=True, stdout=subprocess.DEVNULL)
        made = sorted(os.listdir(tmp))
        assert made == sorted(os.listdir(DIR)), made
        _, mismatch, errors = filecmp.cmpfiles(tmp, DIR, made, shallow=False)
        assert mismatch + errors == [], "re-run tests/edge/make_nonmodbus_captures.py: %s" % (mismatch + errors)


def test_non_modbus_counts_nothing():
    for capture in NON_MODBUS:
        rc, stat, _, err = run(capture)
        clean(rc, err)
        total = stat[("TOTAL", "*")]
        assert int(total["requests"]) == 0 and int(total["responses"]) == 0, (capture, total)
        assert int(total["orphans"]) == 0, (capture, total)
        assert list(stat) == [("TOTAL", "*")], (capture, list(stat))


def test_non_modbus_has_no_pdu_trees():
    for capture in NON_MODBUS:
        assert pdu_types(capture) == [], capture


def test_port_scan_attempts():
    t = truth()["portscan_502.pcap"]
    rc, _, net, err = run("portscan_502.pcap")
    clean(rc, err)
    assert len(net) == t["hosts"], len(net)
    for k in ("connections", "attempts", "refused", "established", "unfinished"):
        col = k
        assert sum(int(r[col]) for r in net) == t[k], (k, [r[col] for r in net])
    assert all(int(r["retries"]) == 0 for r in net)


def test_modbus_on_5020_with_decode_as():
    t = truth()["modbus_5020.pcap"]
    rc, stat, _, err = run("modbus_5020.pcap", t["decode_as"])
    clean(rc, err)
    total = stat[("TOTAL", "*")]
    for k in ("requests", "responses", "answered", "exceptions"):
        assert int(total[k]) == t[k], (k, total)
    assert int(total["orphans"]) == 0 and int(total["missed"]) == 0, total
    types = pdu_types("modbus_5020.pcap", t["decode_as"])
    assert types.count("request") == t["requests"] and types.count("response") == t["responses"], types


def test_modbus_on_5020_needs_decode_as():
    rc, stat, _, err = run("modbus_5020.pcap")
    clean(rc, err)
    assert int(stat[("TOTAL", "*")]["requests"]) == 0


def test_sanitizer_build():
    for capture, t in sorted(truth().items()):
        args = ["-2", "-V", "-r", os.path.join(DIR, capture), "-z", "modbus_an,stat", "-z", "modbus_an,csv",
                "-z", "modbus_an,flows", "-z", "modbus_an,netcsv", "-z", "modbus_an,nettable"]
        if t.get("decode_as"):
            args += ["-d", t["decode_as"]]
        res = mbtshark.sanitizer_run(args)
        if res is None:
            pytest.skip("no sanitizer build at %s" % mbtshark.ASAN_SO)
        rc, out, err = res
        clean(rc, err)
        assert "Dissector bug, protocol modbus_an" not in out and "Malformed Packet: modbus_an" not in out, capture
