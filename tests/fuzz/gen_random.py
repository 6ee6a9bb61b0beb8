#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Random captures for the fuzz run: Modbus/TCP streams on port 502 and BPDUs.

Every file is a function of its kind and seed (random.Random(seed)):
  mbap  - 1..5 TCP connections to port 502 (IPv4, sometimes IPv6; with or
          without a handshake) carrying random MBAP ADUs in both directions:
          plausible headers with random transaction/unit ids, function codes
          (exceptions too) and bodies, lengths that sometimes lie (0, 1, 2,
          off by one, 0xffff), non-zero protocol ids, random bytes. The byte
          stream of each direction is cut into segments at random points
          (several ADUs in one segment, one ADU over several), with
          retransmissions, overlaps, gaps, reordering, zero windows, keep-alives,
          RST / FIN / a new SYN mid-stream, and timestamps that repeat, jump or
          go backwards.
  bpdu  - 802.1D configuration, RSTP, MSTP and TCN BPDUs (IEEE LLC, some
          802.1Q-tagged) and Cisco PVST+ (SNAP, originating-VLAN TLV) with
          random flags, ids from small pools (roots change and come back),
          random types/versions, truncated or padded bodies and lying 802.3
          lengths.
  mixed - both in one file, plus a little non-Modbus TCP and UDP.

Usage: gen_random.py OUT_DIR [--mbap N] [--bpdu N] [--mixed N] [--seed S]
Writes rnd_<kind>_<seed>.pcap (seeds S, S+1, ...) and prints the paths.
"""
import argparse
import os
import random
import struct

import pcapgen
from pcapgen import ACK, FIN, PSH, RST, SYN

FCS = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43]


def rand_body(rng, fc, request):
    """A body that fits fc most of the time, with counts that sometimes lie."""
    r = rng.random()
    if r < 0.15:
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 2, 3, 5, rng.randrange(260)])))
    lie = rng.random() < 0.2
    qty = rng.choice([1, 2, 10, 125, 2000, rng.randrange(65536)])
    addr = rng.choice([0, 1, 100, 65535, rng.randrange(65536)])
    if fc in (1, 2, 3, 4):
        if request:
            return struct.pack(">HH", addr, qty)
        n = min(255, (qty + 7) // 8 if fc <= 2 else 2 * qty)
        if lie:
            n = rng.randrange(256)
        data = bytes(rng.getrandbits(8) for _ in range(min(n, rng.choice([n, n, rng.randrange(n + 1)]))))
        return bytes([n]) + data
    if fc in (5, 6):
        return struct.pack(">HH", addr, rng.choice([0, 0xFF00, rng.randrange(65536)]))
    if fc in (15, 16):
        if not request:
            return struct.pack(">HH", addr, qty)
        n = min(255, (qty + 7) // 8 if fc == 15 else 2 * qty)
        if lie:
            n = rng.randrange(256)
        return struct.pack(">HHB", addr, qty, n) + bytes(rng.getrandbits(8) for _ in range(min(n, 250)))
    if fc == 23:
        if request:
            wq = rng.choice([1, 2, 10, rng.randrange(200)])
            n = 2 * wq if not lie else rng.randrange(256)
            return struct.pack(">HHHHB", addr, qty, addr, wq, n & 0xFF) + bytes(min(n, 240))
        n = min(255, 2 * qty) if not lie else rng.randrange(256)
        return bytes([n]) + bytes(min(n, 250))
    if fc == 43:
        return bytes([0x0E, rng.choice([1, 2, 3, 4]), rng.randrange(256)]) + \
            (b"" if request else bytes(rng.getrandbits(8) for _ in range(rng.randrange(40))))
    if fc == 8:
        return struct.pack(">HH", rng.randrange(21), rng.randrange(65536))
    if fc in (20, 21):
        n = rng.randrange(256)
        return bytes([n]) + bytes(rng.getrandbits(8) for _ in range(min(n, rng.randrange(256))))
    if fc == 22:
        return struct.pack(">HHH", addr, rng.randrange(65536), rng.randrange(65536))
    if fc == 24:
        return struct.pack(">H", addr) if request else struct.pack(">HH", 2 * qty & 0xFFFF, qty & 0xFFFF)
    return b""


def rand_adu(rng, request, tid, unit, fc=None):
    if fc is None:
        fc = rng.choice(FCS) if rng.random() < 0.9 else rng.randrange(256)
    exc = not request and rng.random() < 0.1
    body = bytes([rng.choice([1, 2, 3, 4, 6, 10, 11, rng.randrange(256)])]) if exc else rand_body(rng, fc, request)
    if exc:
        fc |= 0x80
    pid = 0 if rng.random() < 0.92 else rng.choice([1, 0xFFFF, rng.randrange(65536)])
    length = len(body) + 2
    r = rng.random()
    if r < 0.08:
        length = rng.choice([0, 1, 2, length - 1, length + 1, 0xFFFF, 254, 256, rng.randrange(65536)])
    adu = struct.pack(">HHHBB", tid & 0xFFFF, pid, length & 0xFFFF, unit, fc) + body
    if rng.random() < 0.03:
        adu = adu[:rng.randrange(len(adu) + 1)]          # a writer that stopped short
    return adu


class Clock:
    def __init__(self, rng, t0):
        self.rng, self.t = rng, t0

    def tick(self):
        r = self.rng.random()
        if r < 0.05:
            return self.t                                 # same time
        if r < 0.07:
            self.t = max(0, self.t - self.rng.randrange(1, 5000000))   # backwards
        elif r < 0.09:
            self.t += self.rng.randrange(1, 4000) * 1000000            # seconds to an hour
        elif r < 0.092:
            self.t += self.rng.randrange(1, 1 << 26) * 1000000         # years
        else:
            self.t += self.rng.randrange(1, 200000)                    # < 0.2 s
        return self.t


def mbap_conn(rng, w, clock, idx, v6):
    if v6:
        cli = pcapgen.ip6("fd00::%x" % (idx + 10))
        srv = pcapgen.ip6("fd00::%x" % rng.choice([1, 2]))
    else:
        cli = bytes([10, 0, rng.randrange(3), 10 + idx])
        srv = bytes([10, 0, 0, rng.choice([1, 2, 3])])
    cport = rng.choice([1024 + idx, 40000 + idx, rng.randrange(1024, 65536)])
    sport = 502 if rng.random() < 0.9 else rng.choice([503, 5020, 80, rng.randrange(1, 65536)])
    if rng.random() < 0.02:
        cport = 502                                       # both ends on 502
    c = pcapgen.Conn(w, cli, srv, cport, sport, rng.getrandbits(32), rng.getrandbits(32))
    return c


def write_mbap(rng, w, t0, extra_noise=False):
    clock = Clock(rng, t0)
    conns = [mbap_conn(rng, w, clock, i, rng.random() < 0.15) for i in range(rng.randint(1, 5))]
    state = {}
    for c in conns:
        state[c] = {"tid": rng.randrange(65536), "unit": rng.choice([0, 1, 255, rng.randrange(256)]),
                    "sent": {True: [], False: []}, "pending": []}
        if rng.random() < 0.7:
            c.handshake(clock.tick(), rng.randrange(1, 5000))
    for _ in range(rng.randint(5, 120)):
        c = rng.choice(conns)
        st = state[c]
        # a burst of ADUs in one direction: requests, or answers to pending requests
        from_client = rng.random() < 0.55 or not st["pending"]
        if rng.random() < 0.1:
            from_client = not from_client
        adus = []
        for _ in range(rng.choice([1, 1, 1, 2, 3, rng.randint(1, 8)])):
            if from_client:
                r = rng.random()
                if r < 0.7:
                    st["tid"] = (st["tid"] + 1) & 0xFFFF
                elif r < 0.85:
                    st["tid"] = rng.randrange(65536)
                unit = st["unit"] if rng.random() < 0.9 else rng.randrange(256)
                a = rand_adu(rng, True, st["tid"], unit)
                st["pending"].append(a)
            else:
                fc = None
                if st["pending"] and rng.random() < 0.85:
                    req = st["pending"].pop(rng.randrange(len(st["pending"])) if rng.random() < 0.2 else 0)
                    tid, unit = (struct.unpack(">H", req[:2])[0], req[6]) if len(req) >= 7 else (0, 0)
                    if len(req) >= 8 and rng.random() < 0.9:
                        fc = req[7] & 0x7F                    # the answer to that request
                else:
                    tid, unit = rng.randrange(65536), rng.randrange(256)
                a = rand_adu(rng, False, tid, unit, fc)
            if rng.random() < 0.01:
                a = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300)))   # garbage
            adus.append(a)
        data = b"".join(adus)
        # cut into segments
        cuts = sorted(rng.sample(range(1, len(data)), max(0, min(len(data) - 1, rng.choice([0, 0, 0, 1, 2, 4])))))
        pieces = [data[i:j] for i, j in zip([0] + cuts, cuts + [len(data)])] if data else [b""]
        order = list(range(len(pieces)))
        if len(order) > 1 and rng.random() < 0.1:
            rng.shuffle(order)                           # out of order
        base = c.seq[from_client]
        offs = [0]
        for p in pieces:
            offs.append(offs[-1] + len(p))
        for k in order:
            p = pieces[k]
            if rng.random() < 0.03:
                continue                                 # lost: a gap
            flags = PSH | ACK
            win = 8192 if rng.random() < 0.97 else 0
            c.send(clock.tick(), from_client, flags, p, seq=base + offs[k], win=win)
            st["sent"][from_client].append((base + offs[k], p))
            if rng.random() < 0.05:                      # retransmission, same bytes
                c.send(clock.tick(), from_client, flags, p, seq=base + offs[k])
            if rng.random() < 0.02 and p:                # overlap with other bytes
                o = rng.randrange(len(p))
                junk = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 40)))
                c.send(clock.tick(), from_client, flags, junk, seq=base + offs[k] + o)
        c.seq[from_client] = base + len(data)
        r = rng.random()
        if r < 0.3:
            c.send(clock.tick(), not from_client, ACK)   # the peer's ACK
        elif r < 0.33:
            c.send(clock.tick(), not from_client, ACK)   # duplicate ACKs
            c.send(clock.tick(), not from_client, ACK)
        elif r < 0.35:
            c.send(clock.tick(), from_client, ACK, b"\x00", seq=c.seq[from_client] - 1)  # keep-alive
        elif r < 0.37:
            c.send(clock.tick(), rng.random() < 0.5, RST | ACK)
        elif r < 0.39:
            c.send(clock.tick(), rng.random() < 0.5, FIN | ACK)
        elif r < 0.40:
            c.seq = {True: rng.getrandbits(32), False: rng.getrandbits(32)}
            c.handshake(clock.tick())                     # port reuse
        elif r < 0.41:
            c.send(clock.tick(), from_client, rng.randrange(256), b"")  # any flags
    if extra_noise:
        for _ in range(rng.randint(1, 10)):
            src, dst = bytes([10, 9, 9, rng.randrange(256)]), bytes([10, 9, 8, 1])
            payload = bytes(rng.getrandbits(8) for _ in range(rng.randrange(100)))
            if rng.random() < 0.5:
                seg = pcapgen.tcp(rng.randrange(1024, 65536), rng.choice([80, 443, 44818]), rng.getrandbits(32),
                                  0, PSH | ACK, payload)
                w.write(clock.tick(), pcapgen.eth(pcapgen.mac_of(src), pcapgen.mac_of(dst), 0x0800,
                                                  pcapgen.ipv4(src, dst, 6, seg)))
            else:
                udp = struct.pack(">HHHH", rng.randrange(1024, 65536), rng.choice([502, 2222, 161]),
                                  8 + len(payload), 0) + payload
                w.write(clock.tick(), pcapgen.eth(pcapgen.mac_of(src), pcapgen.mac_of(dst), 0x0800,
                                                  pcapgen.ipv4(src, dst, 17, udp)))
    return clock.t


STP_DST = bytes.fromhex("0180c2000000")
PVST_DST = bytes.fromhex("01000ccccccd")


def bridge_id(rng, pool):
    prio, mac = rng.choice(pool)
    return struct.pack(">H", prio) + mac


def rand_bpdu(rng, ids, vlan):
    r = rng.random()
    if r < 0.1:
        return struct.pack(">HBB", 0, rng.choice([0, 2]), 0x80) + (b"" if rng.random() < 0.8 else bytes(4))
    version, typ = rng.choice([(0, 0), (2, 2), (3, 2), (0, 0), (2, 2)])
    if rng.random() < 0.05:
        version, typ = rng.randrange(256), rng.randrange(256)
    flags = rng.choice([0, 0x01, 0x3C, 0x3D, 0x78, 0x7C, 0x80, 0x81, rng.randrange(256)])
    b = struct.pack(">HBBB", 0 if rng.random() < 0.97 else rng.randrange(65536), version, typ, flags)
    b += bridge_id(rng, ids) + struct.pack(">I", rng.choice([0, 4, 19, 200000, rng.getrandbits(32)]))
    b += bridge_id(rng, ids) + struct.pack(">H", rng.choice([0x8001, 0x8002, 0x8003, rng.randrange(65536)]))
    b += struct.pack(">HHHH", rng.randrange(0, 20 * 256), 20 * 256, 2 * 256, 15 * 256)
    if version >= 2:
        b += b"\x00"
    if version == 3:
        msti = bytes(rng.getrandbits(8) for _ in range(16 * rng.randrange(3)))
        b += struct.pack(">H", 64 + len(msti)) + bytes(64) + msti
    r = rng.random()
    if r < 0.1:
        b = b[:rng.randrange(len(b) + 1)]
    elif r < 0.15:
        b += bytes(rng.getrandbits(8) for _ in range(rng.randrange(40)))
    return b


def bpdu_frame(rng, ids, vlans):
    src = b"\x00\x1e\xf6" + bytes([0, 0, rng.randrange(1, 6)])
    vlan = rng.choice(vlans)
    body = rand_bpdu(rng, ids, vlan)
    if rng.random() < 0.45:                            # Cisco PVST+ (SSTP), SNAP
        tlv = struct.pack(">HHH", 0, 2, vlan) if rng.random() < 0.95 else \
            struct.pack(">HH", rng.randrange(4), rng.randrange(8)) + bytes(rng.randrange(8))
        if len(body) >= 35:
            body = (body + bytes(1))[:36] + tlv         # TLVs from offset 36
        llc = b"\xaa\xaa\x03\x00\x00\x0c\x01\x0b" + body
        dst = PVST_DST
    else:
        llc = b"\x42\x42\x03" + body
        dst = STP_DST
    length = len(llc) if rng.random() < 0.95 else rng.randrange(1501)
    tagged = rng.random() < 0.4 and vlan != 1
    if tagged:
        frame = pcapgen._ETH.pack(dst, src, 0x8100) + struct.pack(">HH", vlan, length) + llc
    else:
        frame = pcapgen._ETH.pack(dst, src, length) + llc
    if len(frame) < 60:
        frame += bytes(60 - len(frame))
    return frame


def write_bpdus(rng, w, t0, n):
    clock = Clock(rng, t0)
    macs = [b"\x00\x1e\xf6" + bytes([0, 0, i]) for i in range(1, 5)]
    ids = [(rng.choice([4096, 32768, 32769, 32778, 61440]), rng.choice(macs)) for _ in range(rng.randint(1, 6))]
    vlans = [1] + rng.sample(range(2, 4095), rng.randint(0, 5))
    for _ in range(n):
        w.write(clock.tick(), bpdu_frame(rng, ids, vlans))
    return clock.t


def make(path, kind, seed):
    rng = random.Random("%s-%d" % (kind, seed))
    t0 = 1700000000 * 1000000 + rng.randrange(10 ** 9)
    with pcapgen.PcapWriter(path) as w:
        if kind == "mbap":
            write_mbap(rng, w, t0)
        elif kind == "bpdu":
            write_bpdus(rng, w, t0, rng.randint(10, 200))
        else:
            # interleaving by file position only: two halves with overlapping times
            t = write_bpdus(rng, w, t0, rng.randint(5, 50))
            t = write_mbap(rng, w, t0 + rng.randrange(-10 ** 6, 10 ** 7), extra_noise=True)
            write_bpdus(rng, w, t, rng.randint(5, 50))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--mbap", type=int, default=0)
    ap.add_argument("--bpdu", type=int, default=0)
    ap.add_argument("--mixed", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for kind, n in (("mbap", a.mbap), ("bpdu", a.bpdu), ("mixed", a.mixed)):
        for s in range(a.seed, a.seed + n):
            path = os.path.join(a.out_dir, "rnd_%s_%d.pcap" % (kind, s))
            make(path, kind, s)
            print(path)


if __name__ == "__main__":
    main()
