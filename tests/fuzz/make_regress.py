#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression captures of what the fuzz run found (tests/fuzz/regress/).

Each capture is small, deterministic and comes with the numbers the fixed
plugin must print (regress.json, read by tests/test_fuzz_regress.py):

  huge_durations.pcap - one pair, three connections whose SYN is at
      t = 1 s (1970) and whose SYN+ACK and last segment are at
      t = 2^32 - 1 s (2106, the last classic pcap second): handshake times
      and durations of ~4.29e18 ns each. Their sums overflowed int64 in
      ma_net.c agg() (UBSan: signed integer overflow; release builds
      printed a negative handshake average). Found by the libFuzzer harness.
  huge_response_times.pcap - three requests at t ~ 1 s answered at
      t ~ 2^32 - 1 s on three connections: response times of ~4.29e18 ns
      whose sum overflowed ma_stats.c rt_sum (negative rt_avg).
  pcapng_far_future.pcapng - a request and its response with pcapng
      timestamps of 2^63 and 2^64 - 1 microseconds (years 294247 and
      586524): seconds * 10^9 overflowed int64 where the plugin converts
      frame times (postdissector/ingest.c, packet-modbus_an.c, taps).
  pcapng_period_jumps.pcapng - six polls of one register block whose
      pcapng times (if_tsoffset -2^33 s) alternate between before 1897 and
      beyond 2116 (clamped to -2^61 and 2^62 ns): periods of about +-6.9e18
      ns, whose median (ma_regs.c median_small) subtracted them in int64.
      Found by the libFuzzer harness.

Usage: tests/fuzz/make_regress.py OUT_DIR
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapgen  # noqa: E402
from pcapgen import ACK, PSH, SYN  # noqa: E402

CLI, SRV = pcapgen.ip4("10.0.0.1"), pcapgen.ip4("10.0.0.2")
LAST_US = (2 ** 32 - 1) * 1000000       # the last second a classic pcap can hold
PAIR = "10.0.0.1 -> 10.0.0.2:502"


def req(tid):
    return struct.pack(">HHHBBHH", tid, 0, 6, 1, 3, 0, 1)


def resp(tid):
    return struct.pack(">HHHBBBH", tid, 0, 5, 1, 3, 2, 7)


def huge_durations(path):
    with pcapgen.PcapWriter(path) as w:
        for i in range(3):
            c = pcapgen.Conn(w, CLI, SRV, 40000 + i, 502)
            c.send(1000000 + i, True, SYN)
            c.send(LAST_US - 100 + i, False, SYN | ACK)
            c.send(LAST_US - 50 + i, True, ACK)
    hs_us = LAST_US - 100 - 1000000
    return {"capture": os.path.basename(path), "pair": PAIR, "conns": 3,
            "handshake_avg_s": hs_us / 1e6, "handshake_max_s": hs_us / 1e6,
            "duration_max_s": (LAST_US - 50 + 2 - 1000002) / 1e6}


def huge_response_times(path):
    with pcapgen.PcapWriter(path) as w:
        for i in range(3):
            c = pcapgen.Conn(w, CLI, SRV, 40000 + i, 502)
            t = c.handshake(1000000 + 1000 * i)
            c.send(t + 10, True, PSH | ACK, req(i))
            c.send(LAST_US - 10, False, PSH | ACK, resp(i))
    return {"capture": os.path.basename(path), "pair": PAIR, "requests": 3, "late": 3,
            "rt_max_s": (LAST_US - 10 - (1000000 + 350 + 10)) / 1e6,
            "rt_min_s": (LAST_US - 10 - (1000000 + 2000 + 350 + 10)) / 1e6}


def _blk(t, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)


def pcapng_far_future(path):
    shb = _blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _blk(1, struct.pack("<HHI", 1, 0, 262144))     # Ethernet, microseconds

    def epb(ts, d):
        return _blk(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(d), len(d)) + d)
    f1 = pcapgen.tcp_frame(CLI, SRV, 40000, 502, 1, 1, PSH | ACK, req(1), checksum=True)
    f2 = pcapgen.tcp_frame(SRV, CLI, 502, 40000, 1, 13, PSH | ACK, resp(1), checksum=True)
    with open(path, "wb") as fh:
        fh.write(shb + idb + epb(2 ** 63 + 5, f1) + epb(2 ** 64 - 1, f2))
    return {"capture": os.path.basename(path), "pair": PAIR, "requests": 1, "responses": 1, "answered": 1}


def pcapng_period_jumps(path):
    shb = _blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    # if_tsoffset (option 14) of -2^33 s: times from before 1970 to beyond 2116
    idb = _blk(1, struct.pack("<HHI", 1, 0, 262144) + struct.pack("<HHq", 14, 8, -(2 ** 33)) + struct.pack("<HH", 0, 0))

    def epb(ts, d):
        return _blk(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(d), len(d)) + d)
    out = shb + idb
    seq = 1
    for i in range(6):
        f = pcapgen.tcp_frame(CLI, SRV, 40000, 502, seq, 1, PSH | ACK, req(i), ident=i, checksum=True)
        seq += 12
        out += epb(1 if i % 2 == 0 else 2 ** 64 - 1, f)
    with open(path, "wb") as fh:
        fh.write(out)
    period_s = ((1 << 62) + (1 << 61)) / 1e9     # from the clamped -2^61 to the clamped 2^62 ns
    return {"capture": os.path.basename(path), "pair": PAIR, "requests": 6, "poll_groups": 1, "polls": 6,
            "cadence_s": round(period_s, 6)}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    truth = [huge_durations(os.path.join(d, "huge_durations.pcap")),
             huge_response_times(os.path.join(d, "huge_response_times.pcap")),
             pcapng_far_future(os.path.join(d, "pcapng_far_future.pcapng")),
             pcapng_period_jumps(os.path.join(d, "pcapng_period_jumps.pcapng"))]
    with open(os.path.join(d, "regress.json"), "w") as fh:
        json.dump(truth, fh, indent=1, sort_keys=True)
        fh.write("\n")
    for t in truth:
        print(os.path.join(d, t["capture"]))


if __name__ == "__main__":
    main()
