#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression captures of the fuzz run (tests/fuzz/regress, made by
tests/fuzz/make_regress.py): the fixed behaviour, checked through tshark.

  * the generator re-creates the committed files byte for byte;
  * huge_durations: handshake average and maximum, duration maximum are the
    truth's (the average saturates, but is never negative and never above
    the maximum: before the fix the int64 sum wrapped to a negative average);
  * huge_response_times: 3 late requests, rt_min/rt_max exact, rt_avg
    within [0, rt_max];
  * pcapng_far_future: the request and its answer are paired with a
    response time of 0 (both times clamp to the same instant) instead of
    none;
  * pcapng_period_jumps: one poll group, 6 polls, its cadence the one
    period there is (the median of periods that span more than int64 can
    subtract; before the fix UBSan reported it, release builds wrapped);
  * with the sanitizer build (MODBUS_AN_ASAN_SO, default build-asan/
    modbus_an.so, skipped when absent): no sanitizer report, -2 -V and the
    statistics on every capture.

Plain pytest functions: `python3 -m pytest tests/test_fuzz_regress.py`.
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
REGRESS = os.path.join(REPO, "tests", "fuzz", "regress")
GENERATOR = os.path.join(REPO, "tests", "fuzz", "make_regress.py")


def truth():
    with open(os.path.join(REGRESS, "regress.json")) as fh:
        return {t["capture"]: t for t in json.load(fh)}


_CACHE = {}


def csvs(capture):
    """(stat rows by pair/unit, netcsv rows by pair) of one capture, one tshark run."""
    if capture not in _CACHE:
        rc, out, err = mbtshark.run(["-r", os.path.join(REGRESS, capture), "-q", "-z", "modbus_an,csv",
                                     "-z", "modbus_an,netcsv"])
        assert rc == 0, err
        stat, net = {}, {}
        for head, rows in mbtshark.csv_sections(out):
            if "unit" in head:
                stat.update({(r["pair"], r["unit"]): r for r in rows})
            elif "connections" in head:
                net.update({r["pair"]: r for r in rows})
        _CACHE[capture] = (stat, net)
    return _CACHE[capture]


def close(a, b, tol=2e-6):
    return abs(float(a) - float(b)) <= tol


def test_prove_loaded():
    assert mbtshark.prove_loaded().startswith("loaded: ")


def test_generator_is_deterministic():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, GENERATOR, tmp], check=True, stdout=subprocess.DEVNULL)
        made = sorted(os.listdir(tmp))
        assert made == sorted(f for f in os.listdir(REGRESS) if not f.startswith(".")), made
        _, mismatch, errors = filecmp.cmpfiles(tmp, REGRESS, made, shallow=False)
        assert mismatch + errors == [], "re-run tests/fuzz/make_regress.py: %s" % (mismatch + errors)


def test_huge_durations():
    t = truth()["huge_durations.pcap"]
    _, net = csvs(t["capture"])
    row = net['"%s"' % t["pair"]] if '"%s"' % t["pair"] in net else net[t["pair"]]
    assert int(row["connections"]) == t["conns"]
    assert close(row["handshake_max"], t["handshake_max_s"]), row["handshake_max"]
    assert close(row["duration_max"], t["duration_max_s"]), row["duration_max"]
    assert 0 <= float(row["handshake_avg"]) <= float(row["handshake_max"]), row["handshake_avg"]


def test_huge_response_times():
    t = truth()["huge_response_times.pcap"]
    stat, _ = csvs(t["capture"])
    row = stat[(t["pair"], "*")]
    assert int(row["requests"]) == t["requests"] and int(row["late"]) == t["late"], row
    assert close(row["rt_max"], t["rt_max_s"]) and close(row["rt_min"], t["rt_min_s"]), row
    assert 0 <= float(row["rt_avg"]) <= float(row["rt_max"]), row["rt_avg"]
    assert stat[("TOTAL", "*")]["rt_avg"] == row["rt_avg"]


def test_pcapng_far_future():
    t = truth()["pcapng_far_future.pcapng"]
    stat, _ = csvs(t["capture"])
    row = stat[(t["pair"], "*")]
    for k in ("requests", "responses", "answered"):
        assert int(row[k]) == t[k], (k, row)
    assert row["rt_max"] != "" and float(row["rt_max"]) == 0.0, row


def test_pcapng_period_jumps():
    t = truth()["pcapng_period_jumps.pcapng"]
    rc, out, err = mbtshark.run(["-r", os.path.join(REGRESS, t["capture"]), "-q", "-z", "modbus_an,json",
                                 "-o", "modbus_an.poll_min_polls:1"])
    assert rc == 0, err
    doc = json.loads(out)
    assert len(doc["polls"]) == t["poll_groups"], doc["polls"]
    g = [x for x in doc["polls"] if x["group"] == 1 and x["pair"] == t["pair"]]
    assert g, doc["polls"]
    assert g[0]["polls"] == t["polls"] and close(g[0]["cadence"], t["cadence_s"], 1e-5), g[0]


def test_sanitizer_build():
    for capture in sorted(truth()):
        res = mbtshark.sanitizer_run(["-r", os.path.join(REGRESS, capture), "-2", "-V", "-z", "modbus_an,stat",
                                      "-z", "modbus_an,csv", "-z", "modbus_an,netcsv", "-z", "modbus_an,flows"])
        if res is None:
            pytest.skip("no sanitizer build at %s" % mbtshark.ASAN_SO)
        rc, out, err = res
        assert rc == 0 and mbtshark.sanitizer_clean(rc, err), (capture, rc, err[-2000:])
