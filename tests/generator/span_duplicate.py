#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# span_duplicate.py - "span-port duplicate mode": copy chosen frames of a capture a few us later.
"""Usage:
  span_duplicate.py IN.pcap OUT.pcap [--every N | --frames 3,8,20 | --random P]
                    [--delay-us D] [--seed S] [--truth OUT.json]

Writes OUT.pcap = IN.pcap with an identical copy of each selected frame
inserted D microseconds after it, the way a span (mirror) port that delivers
some frames twice does: same bytes (same IP id, TCP seq / ack / flags,
payload), only the timestamp differs. Copies are never copied again.

Selection (one of them; default --every 7):
  --every N     every Nth TCP frame (TCP frames number N, 2N, 3N, ... counted in
                input order over TCP frames only, IPv4 or IPv6, VLAN tags skipped)
  --frames L    the input frames of the comma-separated list L (1-based numbers)
  --random P    each TCP frame with probability P (needs --seed; deterministic)
Delay: --delay-us D (1..9, default 5); with --seed S and no --delay-us each
copy gets a delay drawn from 2..9 us by a seeded xorshift32 (the same on
every run and Python version).

Placement: a copy goes right after every input frame whose timestamp is <= the
copy's timestamp that follows its original, so a time-ordered input stays
time-ordered (a later frame with exactly the copy's time comes before it).
Input: classic pcap (not pcapng), either byte order, microsecond or
nanosecond timestamps, link type Ethernet (1). Standard library only.

--truth OUT.json writes {"input", "output", "selection", "delay_us",
"seed", "input_packets", "output_packets", "duplicates": [{"frame":
copy_frame_no, "original": original_frame_no, "input_frame": n,
"delay_us": d}], "renumbering": {"old frame": new frame}} with frame
numbers 1-based in the OUTPUT file (renumbering maps every input frame to
its number in the output). Sorted keys, indent 1.
"""
import argparse
import json
import os
import struct
import sys

LINKTYPE_ETHERNET = 1


class Rng:
    """xorshift32: the same sequence on every Python version."""

    def __init__(self, seed):
        self.s = (seed * 2654435761 + 0x9E3779B9) & 0xFFFFFFFF or 1

    def next(self):
        x = self.s
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.s = x & 0xFFFFFFFF
        return self.s

    def rand(self):
        return self.next() / 4294967296.0


def read_pcap(path):
    """-> (header bytes, endian '<' or '>', ticks per second, [[ts_ticks, incl bytes, orig_len]])"""
    with open(path, "rb") as f:
        d = f.read()
    if len(d) < 24:
        raise SystemExit("%s: not a pcap file" % path)
    magics = {b"\xd4\xc3\xb2\xa1": ("<", 10**6), b"\xa1\xb2\xc3\xd4": (">", 10**6),
              b"\x4d\x3c\xb2\xa1": ("<", 10**9), b"\xa1\xb2\x3c\x4d": (">", 10**9)}
    if d[:4] not in magics:
        raise SystemExit("%s: not a classic pcap file (pcapng? convert it with editcap -F pcap)"
                         % path)
    e, tps = magics[d[:4]]
    linktype = struct.unpack(e + "I", d[20:24])[0] & 0x0FFFFFFF
    if linktype != LINKTYPE_ETHERNET:
        raise SystemExit("%s: link type %d, only Ethernet (1) is supported" % (path, linktype))
    recs = []
    off = 24
    while off + 16 <= len(d):
        sec, frac, incl, orig = struct.unpack(e + "IIII", d[off:off + 16])
        data = d[off + 16:off + 16 + incl]
        if len(data) != incl:
            raise SystemExit("%s: truncated record at offset %d" % (path, off))
        recs.append([sec * tps + frac, data, orig])
        off += 16 + incl
    return d[:24], e, tps, recs


def is_tcp(data):
    """Ethernet II (optionally 802.1Q / QinQ tagged) carrying IPv4 or IPv6 TCP."""
    if len(data) < 14:
        return False
    off = 12
    et = struct.unpack("!H", data[off:off + 2])[0]
    while et in (0x8100, 0x88A8, 0x9100) and len(data) >= off + 6:
        off += 4
        et = struct.unpack("!H", data[off:off + 2])[0]
    off += 2
    if et == 0x0800 and len(data) >= off + 20:
        return data[off + 9] == 6
    if et == 0x86DD and len(data) >= off + 40:
        return data[off + 6] == 6
    return False


def duplicate(in_path, out_path, every=None, frames=None, random_p=None, delay_us=None,
              seed=None, truth_path=None):
    header, e, tps, recs = read_pcap(in_path)
    if sum(x is not None for x in (every, frames, random_p)) > 1:
        raise SystemExit("use only one of --every, --frames, --random")
    if every is None and frames is None and random_p is None:
        every = 7
    if random_p is not None and seed is None:
        raise SystemExit("--random needs --seed")
    if delay_us is not None and not 1 <= delay_us <= 9:
        raise SystemExit("--delay-us must be 1..9 (a copy within 10 us)")
    rng = Rng(seed) if seed is not None else None
    sel_rng = Rng(seed + 104729) if seed is not None else None
    selected = []
    tcp_no = 0
    for i, (ts, data, orig) in enumerate(recs):
        tcp = is_tcp(data)
        if tcp:
            tcp_no += 1
        if frames is not None:
            take = (i + 1) in frames
        elif every is not None:
            take = tcp and tcp_no % every == 0
        else:
            take = tcp and sel_rng.rand() < random_p
        if take:
            if delay_us is not None:
                d = delay_us
            elif rng is not None:
                d = 2 + rng.next() % 8
            else:
                d = 5
            selected.append((i, d))
    if frames is not None:
        bad = [n for n in frames if not 1 <= n <= len(recs)]
        if bad:
            raise SystemExit("--frames: no such input frame(s): %s" % bad)
    # merge: originals in input order, each copy after the original and after every
    # following original whose timestamp is <= the copy's timestamp
    pending = []                    # (copy_ts, orig_index, delay)
    out = []                        # (ts, data, orig_len, input_index or None, copy_of_index)
    sel = dict(selected)
    for i, (ts, data, orig) in enumerate(recs):
        keep = []
        for c in pending:
            if c[0] < ts:
                j = c[1]
                out.append((c[0], recs[j][1], recs[j][2], None, j, c[2]))
            else:
                keep.append(c)
        pending = keep
        out.append((ts, data, orig, i, None, None))
        if i in sel:
            pending.append((ts + sel[i] * (tps // 10**6), i, sel[i]))
            pending.sort()
    for c in pending:
        j = c[1]
        out.append((c[0], recs[j][1], recs[j][2], None, j, c[2]))
    renum = {}
    dups = []
    for n, (ts, data, orig, idx, copy_of, d) in enumerate(out, 1):
        if idx is not None:
            renum[idx + 1] = n
    for n, (ts, data, orig, idx, copy_of, d) in enumerate(out, 1):
        if copy_of is not None:
            dups.append({"frame": n, "original": renum[copy_of + 1], "input_frame": copy_of + 1,
                         "delay_us": d})
    ordered = all(out[k][0] >= out[k - 1][0] for k in range(1, len(out)))
    with open(out_path, "wb") as f:
        f.write(header)
        for ts, data, orig, _, _, _ in out:
            sec, frac = divmod(ts, tps)
            f.write(struct.pack(e + "IIII", sec, frac, len(data), orig))
            f.write(data)
    truth = {
        "input": os.path.basename(in_path),
        "output": os.path.basename(out_path),
        "generated_by": "tests/generator/span_duplicate.py",
        "selection": ({"every": every} if every is not None else
                      {"frames": sorted(frames)} if frames is not None else
                      {"random": random_p}),
        "delay_us": delay_us,
        "seed": seed,
        "input_packets": len(recs),
        "input_tcp_packets": tcp_no,
        "output_packets": len(out),
        "time_ordered": ordered,
        "duplicates": dups,
        "renumbering": {str(k): v for k, v in sorted(renum.items())},
    }
    if truth_path:
        with open(truth_path, "w") as f:
            json.dump(truth, f, indent=1, sort_keys=True)
            f.write("\n")
    return truth


def main(argv):
    ap = argparse.ArgumentParser(description="span-port duplicate mode for classic pcap files")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--every", type=int)
    ap.add_argument("--frames", type=lambda s: sorted({int(x) for x in s.split(",") if x}))
    ap.add_argument("--random", type=float, dest="random_p")
    ap.add_argument("--delay-us", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--truth")
    a = ap.parse_args(argv[1:])
    if a.every is not None and a.every < 1:
        raise SystemExit("--every must be >= 1")
    t = duplicate(a.input, a.output, every=a.every, frames=a.frames, random_p=a.random_p,
                  delay_us=a.delay_us, seed=a.seed, truth_path=a.truth)
    print("%s: %d frames -> %s: %d frames (%d copies)%s" % (
        a.input, t["input_packets"], a.output, t["output_packets"], len(t["duplicates"]),
        "" if t["time_ordered"] else " WARNING: the output is not time-ordered (the input "
        "was not)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
