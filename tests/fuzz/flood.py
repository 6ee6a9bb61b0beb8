#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Flood captures for the fuzz run (generated on demand, never committed).

  requests N - N Modbus/TCP read requests (fc 3) and no answer, spread
               round-robin over --conns connections (default 16) that open
               with a handshake; transaction ids are distinct within each
               connection (a counter, so N / conns <= 65536), one request per
               segment every --interval-us microseconds (default 20: the
               pending tables fill up long before the response timeout); the
               server's TCP acknowledges every 16th request of a connection
               (an ACK without data: Wireshark's TCP analysis walks the
               unacknowledged segments of a direction, which must not grow
               without bound; it is not an answer).
  conns N    - N short connections from 100 clients to 10.0.0.1:502: SYN,
               SYN+ACK, ACK, one request, RST from the client; one every
               --interval-us (default 1000).

Prints one line: "packets P requests R connections C" (the truth the fuzz
run checks tshark's counts against).
Usage: flood.py requests|conns N OUT.pcap [--conns K] [--interval-us U]
"""
import argparse
import struct

import pcapgen

# Ethernet + IPv4 + TCP (no options) + MBAP + fc 3 request: one struct per frame.
_FRAME = struct.Struct("!6s6sH" "BBHHHBBH4s4s" "HHIIBBHHH" "HHHBB" "HH")
_HDR = struct.Struct("!6s6sH" "BBHHHBBH4s4s" "HHIIBBHHH")
_REC = struct.Struct("<IIII")
SRV = bytes([10, 0, 0, 1])
PSH_ACK = pcapgen.PSH | pcapgen.ACK


def rec(f, ts_us, n):
    f.write(_REC.pack(ts_us // 1000000, ts_us % 1000000, n, n))


def ctl(f, ts_us, src, dst, sport, dport, seq, ack, flags, ident):
    """A TCP segment without payload."""
    rec(f, ts_us, 54)
    f.write(_HDR.pack(pcapgen.mac_of(dst), pcapgen.mac_of(src), 0x0800, 0x45, 0, 40, ident & 0xFFFF, 0x4000, 64,
                      6, 0, src, dst, sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 8192, 0, 0))


def request(f, ts_us, src, dst, sport, dport, seq, ack, ident, tid, ref):
    rec(f, ts_us, 66)
    f.write(_FRAME.pack(pcapgen.mac_of(dst), pcapgen.mac_of(src), 0x0800, 0x45, 0, 52, ident & 0xFFFF, 0x4000, 64,
                        6, 0, src, dst, sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, PSH_ACK, 8192,
                        0, 0, tid, 0, 6, 1, 3, ref, 10))


def flood_requests(path, n, conns, interval_us):
    if n > conns * 65536:
        raise SystemExit("flood.py: %d requests need more than %d connections for distinct ids" % (n, conns))
    t = 1700000000 * 1000000
    packets = 0
    with pcapgen.PcapWriter(path) as w:
        f = w.f
        cl = [(bytes([10, 0, 1, 1 + i % 250]), 40000 + i) for i in range(conns)]
        seq = [1000] * conns
        for i, (c, port) in enumerate(cl):
            ctl(f, t, c, SRV, port, 502, 999, 0, pcapgen.SYN, i)
            ctl(f, t + 100, SRV, c, 502, port, 4999, 1000, pcapgen.SYN | pcapgen.ACK, i)
            ctl(f, t + 150, c, SRV, port, 502, 1000, 5000, pcapgen.ACK, i)
            t += 200
            packets += 3
        for k in range(n):
            i = k % conns
            c, port = cl[i]
            request(f, t, c, SRV, port, 502, seq[i], 5000, k, (k // conns) & 0xFFFF, k % 1000)
            seq[i] += 12
            if (k // conns) % 16 == 15:
                ctl(f, t + interval_us // 2, SRV, c, 502, port, 5000, seq[i], pcapgen.ACK, k)
                packets += 1
            t += interval_us
        packets += n
    return packets, n, conns


def flood_conns(path, n, interval_us):
    t = 1700000000 * 1000000
    with pcapgen.PcapWriter(path) as w:
        f = w.f
        for k in range(n):
            c = bytes([10, 1, (k % 100) // 250, 1 + (k % 100) % 250])
            port = 10000 + (k // 100) % 50000
            ctl(f, t, c, SRV, port, 502, 999, 0, pcapgen.SYN, k)
            ctl(f, t + 100, SRV, c, 502, port, 4999, 1000, pcapgen.SYN | pcapgen.ACK, k)
            ctl(f, t + 150, c, SRV, port, 502, 1000, 5000, pcapgen.ACK, k)
            request(f, t + 200, c, SRV, port, 502, 1000, 5000, k + 1, k & 0xFFFF, k % 1000)
            ctl(f, t + 300, c, SRV, port, 502, 1012, 5000, pcapgen.RST | pcapgen.ACK, k + 2)
            t += interval_us
    return 5 * n, n, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=["requests", "conns"])
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--interval-us", type=int, default=None)
    a = ap.parse_args()
    if a.kind == "requests":
        p, r, c = flood_requests(a.out, a.n, a.conns, a.interval_us or 20)
    else:
        p, r, c = flood_conns(a.out, a.n, a.interval_us or 1000)
    print("packets %d requests %d connections %d" % (p, r, c))


if __name__ == "__main__":
    main()
