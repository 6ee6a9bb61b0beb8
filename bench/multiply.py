#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""multiply.py IN.pcap N OUT.pcap - N time-shifted copies of a classic pcap
(Ethernet, IPv4) in which copy i has the third octet of every IPv4 address
XORed with i, so each copy's TCP connections are new connections to
Wireshark (plain time-shifted copies would repeat the same sequence
numbers and be taken for retransmissions, and their Modbus not decoded).
IP checksums are left stale: Wireshark does not verify them by default."""
import struct
import sys


def main():
    src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = open(src, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("multiply.py: only Ethernet pcaps (linktype 1)")
    recs = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        recs.append((sec, frac, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    span = recs[-1][0] - recs[0][0] + 1
    with open(out, "wb") as f:
        f.write(data[:24])
        for i in range(n):
            for sec, frac, orig, pkt in recs:
                p = bytearray(pkt)
                if i and len(p) >= 34 and p[12:14] == b"\x08\x00":
                    p[14 + 12 + 2] ^= i
                    p[14 + 16 + 2] ^= i
                f.write(struct.pack(endian + "IIII", sec + i * span, frac, len(p), orig))
                f.write(p)
    _ = nano


if __name__ == "__main__":
    main()
