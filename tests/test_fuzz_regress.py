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

Plain functions (pytest collects them); `python3 tests/test_fuzz_regress.py`
runs them all without pytest.
"""
import csv
import filecmp
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
WRAPPER = os.path.join(REPO, "tests", "tshark.sh")
REGRESS = os.path.join(REPO, "tests", "fuzz", "regress")
GENERATOR = os.path.join(REPO, "tests", "fuzz", "make_regress.py")
ASAN_SO = os.environ.get("MODBUS_AN_ASAN_SO", os.path.join(REPO, "build-asan", "modbus_an.so"))


def truth():
    with open(os.path.join(REGRESS, "regress.json")) as fh:
        return {t["capture"]: t for t in json.load(fh)}


def tshark(args, env=None):
    p = subprocess.run([WRAPPER] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    return p.returncode, p.stdout, p.stderr


_CACHE = {}


def csvs(capture):
    """(stat rows by pair/unit, netcsv rows by pair) of one capture, one tshark run."""
    if capture not in _CACHE:
        rc, out, err = tshark(["-r", os.path.join(REGRESS, capture), "-q", "-z", "modbus_an,csv",
                               "-z", "modbus_an,netcsv"])
        assert rc == 0, err
        blocks, cur = [], []
        for line in out.splitlines():
            if not line or line.startswith("#"):
                if cur:
                    blocks.append(cur)
                    cur = []
                continue
            if line.startswith("pair,") and cur:
                blocks.append(cur)
                cur = []
            cur.append(line)
        if cur:
            blocks.append(cur)
        stat, net = {}, {}
        for b in blocks:
            rows = list(csv.DictReader(b))
            if rows and "unit" in rows[0]:
                stat.update({(r["pair"], r["unit"]): r for r in rows})
            elif rows and "connections" in rows[0]:
                net.update({r["pair"]: r for r in rows})
        _CACHE[capture] = (stat, net)
    return _CACHE[capture]


def close(a, b, tol=2e-6):
    return abs(float(a) - float(b)) <= tol


def test_prove_loaded():
    p = subprocess.run([WRAPPER, "--prove-loaded"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, p.stderr


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
    rc, out, err = tshark(["-r", os.path.join(REGRESS, t["capture"]), "-q", "-z", "modbus_an,json",
                           "-o", "modbus_an.poll_min_polls:1"])
    assert rc == 0, err
    doc = json.loads(out)
    assert len(doc["polls"]) == t["poll_groups"], doc["polls"]
    g = [x for x in doc["polls"] if x["group"] == 1 and x["pair"] == t["pair"]]
    assert g, doc["polls"]
    assert g[0]["polls"] == t["polls"] and close(g[0]["cadence"], t["cadence_s"], 1e-5), g[0]


def test_sanitizer_build():
    if not os.path.exists(ASAN_SO):
        print("skipped: no sanitizer build at %s" % ASAN_SO)
        return
    gcc = lambda lib: subprocess.run(["gcc", "-print-file-name=" + lib], stdout=subprocess.PIPE,
                                     text=True).stdout.strip()
    env = dict(os.environ, MODBUS_AN_SO=ASAN_SO, MODBUS_AN_PRELOAD=gcc("libasan.so") + " " + gcc("libubsan.so"),
               ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    for capture in sorted(truth()):
        rc, out, err = tshark(["-r", os.path.join(REGRESS, capture), "-2", "-V", "-z", "modbus_an,stat",
                               "-z", "modbus_an,csv", "-z", "modbus_an,netcsv", "-z", "modbus_an,flows"], env)
        assert rc == 0 and "runtime error" not in err and "Sanitizer" not in err, (capture, rc, err[-2000:])


def main():
    failed = 0
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    tests.sort(key=lambda t: t[0] != "test_prove_loaded")
    for name, fn in tests:
        try:
            fn()
            print("ok   %s" % name)
        except Exception as e:  # noqa: BLE001 - report every failure, then exit non-zero
            failed += 1
            print("FAIL %s: %r" % (name, e))
            if name == "test_prove_loaded":
                break
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
