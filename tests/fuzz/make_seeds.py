#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed corpus of the libFuzzer harness (tests/fuzz/fuzz_core.c).

Each seed is a small input in the harness's byte layout (configuration
header, then one opcode and its operands per frame) that walks one path a
real capture takes: handshakes, pipelined and out-of-order pairing, tid
reuse and mismatch, exceptions, resets, retransmissions, capture duplicates,
heartbeats and watched registers, tiny pending tables, BPDUs (802.1D, RSTP
TC, TCN, root change, PVST+), causes, JSON configuration, time going
backwards, malformed and truncated ADUs, refused / timed-out connections,
application retries, IPv6. The encoder below mirrors the harness's reader;
keep the two in step.

Usage: tests/fuzz/make_seeds.py OUT_DIR   (deterministic; writes seed_*.bin)
"""
import os
import struct
import sys

# configuration flags (fuzz_core.c)
C_FEATURES, C_SPLIT, C_STRICT, C_TIDPAIR = 0x01, 0x02, 0x04, 0x08
C_AUTO, C_TINY_PENDING, C_JSON, C_TINY_BOUNDS = 0x10, 0x20, 0x40, 0x80
OP_TCP, OP_ADU_ONLY, OP_BPDU, OP_NOTHING = 0, 1, 2, 3
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
TA_RETRANS, TA_FAST, TA_SPURIOUS, TA_DUPACK, TA_ZEROWIN, TA_LOST = 1, 2, 4, 8, 16, 32


def u16(v):
    return struct.pack(">H", v & 0xFFFF)


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def duration_ms(ms):
    """A duration selector: 0, ms (<= 255) or ms in whole ms (<= 65535)."""
    if ms == 0:
        return b"\x00"
    if ms <= 255:
        return b"\x01" + bytes([ms])
    return b"\x02" + u16(ms)


def addr(host, v6=False):
    """Address byte: host 0..7 of 10.0.0.x (or fe..::x); None: unknown."""
    if host is None:
        return b"\x00"
    return bytes([(7 if v6 else 1) | (host << 3)])


class Seed:
    def __init__(self, flags=C_FEATURES | C_AUTO, delay_ms=1000, timeout_ms=3000, connect_ms=3000,
                 retry_ms=10000, stp_ms=50000, dup_ms=1, stall_polls=3, stall_factor2=6,
                 tiny_pending=None, tiny_bounds=None, hb=(), watches=(), expect=(), json=None):
        b = bytearray([flags])
        if flags & C_TINY_PENDING:
            b += bytes(tiny_pending)
        if flags & C_TINY_BOUNDS:
            b += bytes(tiny_bounds)
        for ms in (delay_ms, timeout_ms, connect_ms, retry_ms, stp_ms, dup_ms):
            b += duration_ms(ms)
        b += bytes([stall_polls - 1, stall_factor2])
        b += bytes([len(hb), len(watches), len(expect)])
        for h in hb:    # (source, client, server, unit|None, table, reg, words, start|None, count|None)
            src, cl, sv, unit, table, reg, words, start, count = h
            k = 1 | (2 if unit is not None else 0) | (4 if words == 2 else 0) | \
                (8 if start is not None else 0) | (16 if count is not None else 0)
            b += bytes([src]) + addr(cl) + addr(sv) + bytes([k])
            if unit is not None:
                b += bytes([unit])
            b += bytes([table, reg])
            if start is not None:
                b += bytes([start])
            if count is not None:
                b += bytes([count - 1])
        for w in watches:  # (server, unit|None, table, addr, type, order)
            sv, unit, table, a, typ, order = w
            b += addr(sv) + bytes([1 if unit is not None else 0])
            if unit is not None:
                b += bytes([unit])
            b += bytes([table, a, typ, order])
        for e in expect:   # (server, client, port)
            sv, cl, port = e
            b += addr(sv) + addr(cl)
            b += b"\x01" if port == 502 else b"\x00" + u16(port)
        if flags & C_JSON:
            kind, text = json
            b += bytes([kind]) + u16(len(text)) + text
        self.b = b
        self.streams = {}

    # -- time
    def dt(self, ms=0, back_ms=None, abs_us=None):
        if abs_us is not None:
            return b"\x07" + u32(abs_us)
        if back_ms is not None:
            return b"\x05" + u16(back_ms)
        if ms == 0:
            return b"\x00"
        if ms <= 255:
            return b"\x01" + bytes([ms])
        return b"\x04" + u16(ms // 10)

    def stream(self, sid, client=1, server=2, sport=502, cport=40000, v6=False):
        """Operand bytes that pick stream sid (its endpoints on first use)."""
        b = bytes([sid])
        if sid not in self.streams:
            self.streams[sid] = True
            p = 0
            extra = b""
            if sport == 502:
                p |= 1
            elif sport == 5020:
                p |= 2 | 8
            else:
                extra += u16(sport)
            if cport == 502:
                p |= 4
            else:
                extra += bytes([(cport - 1024) & 0xFF])
            b += addr(client, v6) + addr(server, v6) + bytes([p]) + extra + u32(1000) + u32(5000)
        return b

    def tcp(self, sid, to_server, adus=(), flags=ACK, analysis=0, ms=1, seq_back=None, ipid=1,
            digest=2, adu_only=False, **kw):
        op = (OP_ADU_ONLY if adu_only else OP_TCP) | (4 if to_server else 0) | (len(adus) << 3)
        b = bytes([op]) + self.dt(ms) + self.stream(sid, **kw)
        for a in adus:
            b += bytes([0xC0, len(a)]) + a
        if not adu_only:
            sk = 1 if seq_back is not None else 0
            b += bytes([flags, analysis, sk])
            if seq_back is not None:
                b += u16(seq_back)
            b += u16(ipid) + bytes([digest])
        self.b += b

    def bpdu(self, body, ms=1, pvst=False, mac=1, vlan=0):
        assert len(body) < 64
        k = len(body) | 0x40 | (0x80 if pvst else 0)
        b = bytes([OP_BPDU]) + self.dt(ms) + bytes([k]) + body
        if len(body) >= 4:
            b += bytes([mac])
            is_pvst = pvst and len(body) >= 42 and body[36:40] == b"\x00\x00\x00\x02"
            if not is_pvst:
                b += b"\x01" if vlan == 0 else b"\x00" + u16(vlan)
        self.b += b

    def nothing(self, ms=1, note=True):
        self.b += bytes([OP_NOTHING | (4 if note else 0)]) + self.dt(ms)

    def raw(self, data):
        self.b += data


def adu(tid, unit, fc, body=b"", pid=0, length=None):
    n = len(body) + 2 if length is None else length
    return struct.pack(">HHHBB", tid, pid, n, unit, fc) + body


def rd_req(tid, fc=3, start=0, qty=10, unit=1):
    return adu(tid, unit, fc, struct.pack(">HH", start, qty))


def rd_resp(tid, fc=3, words=(), unit=1):
    data = b"".join(struct.pack(">H", w & 0xFFFF) for w in words)
    return adu(tid, unit, fc, bytes([len(data)]) + data)


def handshake(s, sid, **kw):
    s.tcp(sid, True, flags=SYN, **kw)
    s.tcp(sid, False, flags=SYN | ACK)
    s.tcp(sid, True, flags=ACK)


def bpdu_config(flags=0, root=(32768, 1), bridge=(32768, 2), port=0x8001, version=0, typ=0, cost=4):
    def bid(p):
        prio, mac = p
        return struct.pack(">H", prio) + bytes([0, 0x1E, 0xF6, 0, 0, mac])
    b = struct.pack(">HBBB", 0, version, typ, flags) + bid(root) + struct.pack(">I", cost) + bid(bridge)
    b += struct.pack(">H", port) + struct.pack(">HHHH", 0, 20 * 256, 2 * 256, 15 * 256)
    if version >= 2:
        b += b"\x00"
    return b


def seeds():
    out = {}

    s = Seed()
    handshake(s, 0)
    for i in range(12):
        s.tcp(0, True, [rd_req(i)], ms=100)
        s.tcp(0, False, [rd_resp(i, words=range(10))], ms=20)
    s.tcp(0, True, flags=FIN | ACK)
    out["basic_poll"] = s

    s = Seed(flags=C_FEATURES | C_SPLIT | C_STRICT)
    handshake(s, 0)
    s.tcp(0, True, [rd_req(1), rd_req(2), rd_req(3, fc=4)])
    s.tcp(0, False, [rd_resp(3, fc=4, words=range(10)), rd_resp(1, words=range(10))], ms=50)
    s.tcp(0, False, [rd_resp(2, words=range(10))], ms=1500)
    s.tcp(0, False, [rd_resp(2, words=range(10))], ms=10)   # duplicate
    s.tcp(0, False, [rd_resp(9, words=range(10))], ms=10)   # orphan
    out["pipelined_out_of_order"] = s

    for name, fl in (("tid_faults", C_FEATURES), ("tid_mismatch_paired", C_FEATURES | C_TIDPAIR)):
        s = Seed(flags=fl)
        s.tcp(0, True, [rd_req(5)], ms=1)
        s.tcp(0, True, [rd_req(5)], ms=1)            # reuse while outstanding
        s.tcp(0, False, [rd_resp(6, words=range(10))], ms=5)  # mismatch
        s.tcp(0, False, [rd_resp(5, words=range(10))], ms=5)
        out[name] = s

    s = Seed()
    for i, fc in enumerate((1, 2, 3, 4, 5, 6, 15, 16, 23, 43, 8, 17)):
        s.tcp(0, True, [adu(i, 1, fc, bytes(6))], ms=10)
        s.tcp(0, False, [adu(i, 1, fc | 0x80, bytes([2]))], ms=10)
    out["exceptions_all_fcs"] = s

    s = Seed()
    handshake(s, 0)
    s.tcp(0, True, [rd_req(1), rd_req(2)])
    s.tcp(0, False, [rd_resp(1, words=range(10))])
    s.tcp(0, False, flags=RST | ACK, ms=200)
    handshake(s, 1, cport=40001)
    s.tcp(1, True, [rd_req(3)])
    s.tcp(1, False, flags=FIN | ACK, ms=100)
    out["rst_and_server_fin"] = s

    s = Seed()
    handshake(s, 0)
    req = rd_req(1)
    s.tcp(0, True, [req], ipid=10, digest=4)
    s.tcp(0, True, [req], analysis=TA_RETRANS, seq_back=len(req), ipid=11, digest=4, ms=200)
    s.tcp(0, False, [], analysis=TA_DUPACK)
    s.tcp(0, False, [], analysis=TA_RETRANS | TA_SPURIOUS, seq_back=0, ms=1)
    s.tcp(0, False, [], analysis=TA_LOST | TA_ZEROWIN | TA_FAST, ms=1500)
    s.tcp(0, False, [rd_resp(1, words=range(10))], analysis=TA_RETRANS, ms=10)
    out["retransmissions"] = s

    s = Seed(dup_ms=5)
    handshake(s, 0)
    req = rd_req(1)
    s.tcp(0, True, [req], ipid=77, digest=8, ms=1)
    s.tcp(0, True, [req], ipid=77, digest=8, ms=0, seq_back=len(req), analysis=TA_RETRANS)
    s.tcp(0, False, [rd_resp(1, words=range(10))], ipid=9, digest=10, ms=3)
    out["capture_duplicate"] = s

    hb = [(0, None, None, None, 0 + 2, 0, 1, None, None),      # holding reg 0, 16 bit
          (1, 1, 2, 1, 2, 4, 2, 0, 10)]                        # holding reg 4, 32 bit, poll 0/10
    watches = [(2, 1, 2, 1, 4, 1), (None, None, 2, 2, 3, 0), (None, None, 0, 0, 5, 0)]
    s = Seed(flags=C_FEATURES | C_AUTO, hb=hb, watches=watches, stall_polls=2)
    for i in range(30):
        v = i if i < 12 or i > 20 else 12
        s.tcp(0, True, [rd_req(i, start=0, qty=10)], ms=250)
        s.tcp(0, False, [rd_resp(i, words=[v, 0, 0, 7, 0, v * 3, 0, 0, 0, 0])], ms=10)
        if i % 7 == 0:
            s.tcp(0, True, [adu(1000 + i, 1, 16, struct.pack(">HHB", 0, 2, 4) + u32(i))], ms=5)
            s.tcp(0, True, [adu(2000 + i, 1, 5, struct.pack(">HH", 0, 0xFF00))], ms=5)
    out["heartbeats_watches"] = s

    s = Seed(flags=C_FEATURES | C_TINY_PENDING | C_TINY_BOUNDS, tiny_pending=[2, 5], tiny_bounds=[1, 1, 1])
    for i in range(20):
        s.tcp(i % 3, True, [rd_req(i, start=i)], ms=3, cport=40000 + i % 3)
    s.tcp(0, False, [rd_resp(0, words=range(10))])
    out["tiny_pending"] = s

    s = Seed()
    s.bpdu(bpdu_config())
    s.bpdu(bpdu_config(), ms=200)
    s.bpdu(bpdu_config(flags=0x01 | 0x3C, version=2, typ=2), ms=200)
    s.bpdu(bpdu_config(flags=0x01 | 0x3C, version=2, typ=2), ms=200)
    s.bpdu(bpdu_config(flags=0x38 | 0x40, version=2, typ=2, root=(4096, 9)), ms=200)
    s.bpdu(struct.pack(">HBB", 0, 0, 0x80), ms=10, mac=3)      # TCN
    s.bpdu(bpdu_config(flags=0x80), ms=10)                      # TCA
    s.bpdu(bpdu_config(version=3, typ=2) + b"\x00\x40", ms=10)  # MSTP-ish
    s.bpdu(bpdu_config()[:5], ms=1)                             # truncated
    s.bpdu(bpdu_config()[:3], ms=1)                             # too short
    out["bpdus_ieee"] = s

    s = Seed()
    for vlan in (1, 2, 3, 10, 1, 2):
        body = bpdu_config(version=2, typ=2, flags=0x3C, root=(32768 + vlan, 5)) + b"\x00" + u16(2) + u16(vlan)
        s.bpdu(body[:36] + b"\x00\x00\x00\x02" + u16(vlan), pvst=True, ms=500)
    s.bpdu(bpdu_config(), vlan=10, ms=10)
    out["bpdus_pvst"] = s

    s = Seed(stp_ms=5000)
    handshake(s, 0)
    s.tcp(0, True, [rd_req(1)], ms=10)
    s.bpdu(bpdu_config(flags=0x01, version=2, typ=2), ms=10)
    s.tcp(0, False, [rd_resp(1, words=range(10))], ms=1800)
    s.tcp(0, True, [rd_req(2)], ms=10)
    s.tcp(0, True, [], analysis=TA_RETRANS, seq_back=12, ms=500)
    s.tcp(0, False, [rd_resp(2, words=range(10))], ms=1500)
    s.tcp(0, True, [rd_req(3)], ms=10)
    s.tcp(0, True, [rd_req(4, start=1)], ms=10)
    s.tcp(0, True, [rd_req(5, start=1)], ms=100)   # retry of 4
    s.nothing(ms=10000)
    out["causes"] = s

    hbdefs = (b'{"pump": {"pair_id": "10.0.0.1->10.0.0.2:502", "hb_reg_type": 3, "hb_dev_id": 1,'
              b' "hb_start": 0, "hb_reg": 0, "hb_size": 10}}')
    s = Seed(flags=C_FEATURES | C_JSON, json=(1, hbdefs))
    for i in range(15):
        s.tcp(0, True, [rd_req(i)], ms=100)
        s.tcp(0, False, [rd_resp(i, words=[i % 4] + [0] * 9)], ms=10)
    out["json_hbdefs"] = s

    monitor = (b'{"ip_addrs": {"10.0.0.2": [502, 503]}, "ips": {"client": [{"dest_ip": "10.0.0.3",'
               b' "dest_port": 502}]}, "heartbeats": [{"component_id": "hb", "dest_ip": "10.0.0.2",'
               b' "dest_port": 502, "device_id": 1, "heartbeat_reg_type": "Holding Registers",'
               b' "heartbeat_size": 2, "heartbeat_offset": 0}]}')
    s = Seed(flags=C_FEATURES | C_JSON, json=(0, monitor))
    s.tcp(0, True, flags=SYN)
    s.tcp(0, False, flags=RST | ACK)
    s.tcp(1, True, flags=SYN, cport=40001, server=3)
    s.nothing(ms=5000)
    s.tcp(1, True, flags=SYN, cport=40001, server=3)
    out["json_monitor"] = s
    s = Seed(flags=C_JSON, json=(1, b'{"x": {"pair_id": 5, "hb_reg": "a"'))
    out["json_broken"] = s

    s = Seed()
    s.tcp(0, True, [rd_req(1)], ms=10)
    s.raw(bytes([OP_TCP]) + s.dt(back_ms=5000) + bytes([0]) + bytes([ACK, 0, 0]) + u16(1) + b"\x02")
    s.tcp(0, False, [rd_resp(1, words=range(10))], ms=0)
    s.raw(bytes([OP_NOTHING | 4]) + b"\x06" + u32(0xFFFFFFFF))   # years later
    s.tcp(0, True, [rd_req(2)], ms=0)
    s.raw(bytes([OP_NOTHING]) + s.dt(abs_us=5))                  # back to 1970
    s.tcp(0, False, [rd_resp(2, words=range(10))], ms=0)
    out["time_backwards"] = s

    s = Seed()
    s.tcp(0, True, [adu(1, 1, 3, b"\x00", pid=7)])               # protocol id
    s.tcp(0, True, [adu(2, 1, 3, b"\x00\x00\x00\x01", length=200)])  # length disagrees
    s.tcp(0, True, [adu(3, 1, 3, b"")])                          # short body
    s.tcp(0, True, [adu(4, 1, 16, struct.pack(">HHB", 0, 100, 200))])  # byte count lies
    s.tcp(0, False, [adu(4, 1, 16, b"")])
    s.tcp(0, True, [b"\x00\x05\x00"])                            # 3 bytes
    s.tcp(0, True, [b""], adu_only=True)
    # a truncated capture: k bits 3-4 = 1 (caplen < wirelen)
    s.raw(bytes([OP_TCP | 4 | (1 << 3)]) + s.dt(1) + bytes([0]) + bytes([0xC8 | 3, 12]) +
          rd_req(5) + bytes([ACK, 0, 0]) + u16(1) + b"\x02")
    out["malformed_truncated"] = s

    s = Seed()
    s.tcp(0, True, [adu(1, 1, 23, struct.pack(">HHHHB", 0, 4, 10, 2, 4) + u32(0x01020304))])
    s.tcp(0, False, [adu(1, 1, 23, bytes([8]) + bytes(8))])
    s.tcp(0, True, [adu(2, 1, 15, struct.pack(">HHB", 0, 10, 2) + b"\xff\x03")])
    s.tcp(0, False, [adu(2, 1, 15, struct.pack(">HH", 0, 10))])
    s.tcp(0, True, [adu(3, 1, 1, struct.pack(">HH", 0, 20))])
    s.tcp(0, False, [adu(3, 1, 1, b"\x03\xaa\x55\x0f")])
    s.tcp(0, True, [adu(4, 1, 43, b"\x0e\x01\x00")])
    s.tcp(0, False, [adu(4, 1, 43, b"\x0e\x01\x01\x00\x00\x01\x00\x03abc")])
    s.tcp(0, True, [adu(5, 1, 6, struct.pack(">HH", 4, 99))])
    s.tcp(0, False, [adu(5, 1, 6, struct.pack(">HH", 4, 99))])
    s.tcp(0, True, [adu(6, 1, 2, struct.pack(">HH", 0, 8))])
    s.tcp(0, False, [adu(6, 1, 2, b"\x01\x81")])
    out["fc_bodies"] = s

    s = Seed(connect_ms=500)
    s.tcp(0, True, flags=SYN)
    s.tcp(0, False, flags=RST | ACK, ms=1)                      # refused
    s.tcp(1, True, flags=SYN, cport=40001)
    s.tcp(1, True, flags=SYN, cport=40001, ms=1000)             # timeout, SYN retry
    handshake(s, 2, cport=40002)
    s.tcp(2, True, [rd_req(1)])
    s.tcp(2, True, flags=FIN | ACK, ms=10)
    handshake(s, 3, cport=40003)                                 # reconnect
    handshake(s, 4, cport=40004)                                 # parallel
    s.tcp(3, True, [rd_req(1)])
    s.tcp(4, True, [rd_req(1)], ms=50)                           # retry on another connection
    s.tcp(3, False, [rd_resp(1, words=range(10))], ms=50)
    s.tcp(5, True, flags=SYN, cport=40005)                       # unfinished
    out["connections"] = s

    s = Seed(flags=C_FEATURES | C_SPLIT)
    handshake(s, 0, v6=True, client=1, server=2)
    for i in range(12):
        s.tcp(0, True, [rd_req(i, fc=4)], ms=30)
        s.tcp(0, False, [rd_resp(i, fc=4, words=range(10))], ms=3)
    s.tcp(1, True, [rd_req(1)], client=None, server=None, sport=5020, cport=1025)
    s.tcp(1, False, [rd_resp(1, words=range(10))])
    out["ipv6_and_unknown_addrs"] = s

    s = Seed()
    s.tcp(0, True, [rd_req(i) for i in range(6)])
    s.tcp(0, False, [rd_resp(i, words=range(10)) for i in range(6)], ms=5)
    s.tcp(0, True, [adu(0xFFFF, 0, 3, struct.pack(">HH", 0xFFFF, 125))])
    s.tcp(0, False, [adu(0xFFFF, 0, 3, bytes([250]) + bytes(250))[:255]])
    out["multi_pdu_and_limits"] = s

    s = Seed(flags=C_FEATURES)
    for i in range(70):
        s.tcp(i % 2, bool(i % 3), [rd_req(i % 5, fc=1 + i % 4, start=i)], ms=i % 7, cport=40000 + i % 2)
    out["mixed_directions"] = s

    s = Seed(flags=0, delay_ms=0, timeout_ms=0, connect_ms=0, retry_ms=0, stp_ms=0, dup_ms=0,
             stall_polls=1, stall_factor2=0)
    for i in range(10):
        s.tcp(0, True, [rd_req(1)], ms=0)
        s.tcp(0, False, [rd_resp(1, words=range(10))], ms=0)
    out["zero_windows"] = s

    s = Seed()
    out["empty_frames"] = s
    for _ in range(10):
        s.nothing(ms=1000, note=False)
        s.nothing(ms=1000, note=True)

    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, s in sorted(seeds().items()):
        with open(os.path.join(d, "seed_%s.bin" % name), "wb") as fh:
            fh.write(bytes(s.b))
    print("%d seeds in %s" % (len(seeds()), d))


if __name__ == "__main__":
    main()
