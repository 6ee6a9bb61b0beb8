#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""multiply.py [options] IN N OUT - N time-shifted copies of a capture, each on
new addresses, so that every copy's TCP connections are new connections to
Wireshark (plain time-shifted copies repeat the same addresses, ports and
sequence numbers: Wireshark takes them for retransmissions of the first copy
and does not decode their Modbus).

Copy i (0 <= i < N) gets the address key K = --first-key + i and is shifted in
time by --phase + i * --period seconds:
  * IPv4: the second and third octets of the source and destination addresses
    are XORed with the high and low byte of K (key 0 leaves them as they are;
    with keys below 256 only the third octet changes, as the first version of
    this script did);
  * IPv6: bytes 12 and 13 of both addresses are XORed the same way;
  * frames that are neither (ARP, STP, LLDP, ...) are copied unchanged.
IP/TCP/UDP checksums are left stale: Wireshark does not verify them by
default, so they are irrelevant to the analysis and to the benchmark.

The copies are merged by time (each copy keeps its own frame order), so copies
may overlap in time when --period is shorter than the capture (their
addresses differ, so they never mix). Input: classic pcap (either byte order,
micro- or nanosecond) or pcapng (converted first with `editcap -F pcap`; only
a single link type is supported). Link types: Ethernet (with 802.1Q/802.1ad
VLAN tags), Linux cooked (SLL, SLL2), raw IP, BSD loopback (NULL/LOOP).

Options:
  --period S     seconds between copies (default: the capture's span in whole
                 seconds + 1, i.e. back to back)
  --phase S      shift of copy 0 in seconds (default 0)
  --start EPOCH  rebase: copy 0 starts at this Unix time (+ phase) instead of
                 at the capture's own first timestamp (to merge several
                 sources onto one timeline)
  --first-key K  address key of copy 0 (default 0); give each source merged
                 into one workload its own key range
  --max-gap S    compress idle gaps between consecutive frames longer than S
                 seconds to S (for captures with days between connections)

Prints one line: frames written, copies, first and last timestamp.
"""
import argparse
import heapq
import os
import struct
import subprocess
import sys
import tempfile

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000000),
    b"\xa1\xb2\xc3\xd4": (">", 1000000),
    b"\x4d\x3c\xb2\xa1": ("<", 1000000000),
    b"\xa1\xb2\x3c\x4d": (">", 1000000000),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


def read_pcap(path):
    """-> (global header bytes, endian, ticks per second, linktype, records)
    records: list of [ticks, orig_len, bytes]"""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == PCAPNG_MAGIC:
        fd, tmp = tempfile.mkstemp(suffix=".pcap")
        os.close(fd)
        try:
            subprocess.run(["editcap", "-F", "pcap", path, tmp], check=True,
                           stdout=subprocess.DEVNULL)
            return read_pcap(tmp)
        finally:
            os.unlink(tmp)
    if data[:4] not in PCAP_MAGICS:
        sys.exit("multiply.py: %s: not a pcap or pcapng file" % path)
    endian, res = PCAP_MAGICS[data[:4]]
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    recs = []
    off = 24
    hdr = struct.Struct(endian + "IIII")
    while off + 16 <= len(data):
        sec, frac, incl, orig = hdr.unpack_from(data, off)
        recs.append([sec * res + frac, orig, data[off + 16:off + 16 + incl]])
        off += 16 + incl
    return data[:24], endian, res, linktype, recs


def l3_offset(linktype, p):
    """-> (offset of the IP header, 4 or 6) or (None, None)."""
    if linktype == 1:  # Ethernet, possibly VLAN-tagged
        off = 12
        while off + 2 <= len(p):
            et = (p[off] << 8) | p[off + 1]
            if et in (0x8100, 0x88A8, 0x9100):
                off += 4
                continue
            break
        else:
            return None, None
        et = (p[off] << 8) | p[off + 1]
        off += 2
    elif linktype == 113:  # Linux cooked v1
        if len(p) < 16:
            return None, None
        et, off = (p[14] << 8) | p[15], 16
    elif linktype == 276:  # Linux cooked v2
        if len(p) < 20:
            return None, None
        et, off = (p[0] << 8) | p[1], 20
    elif linktype in (101, 12, 14):  # raw IP
        if not p:
            return None, None
        v = p[0] >> 4
        return (0, v) if v in (4, 6) else (None, None)
    elif linktype == 228:
        return 0, 4
    elif linktype == 229:
        return 0, 6
    elif linktype in (0, 108):  # BSD loopback: 4-byte address family
        if len(p) < 4:
            return None, None
        fam = struct.unpack(("<" if linktype == 0 and p[0] else ">") + "I", p[:4])[0]
        if fam == 2:
            return 4, 4
        if fam in (10, 24, 28, 30):
            return 4, 6
        return None, None
    else:
        sys.exit("multiply.py: link type %d is not supported" % linktype)
    if et == 0x0800:
        return off, 4
    if et == 0x86DD:
        return off, 6
    return None, None


def shift_addresses(linktype, pkt, key):
    if not key:
        return pkt
    off, ver = l3_offset(linktype, pkt)
    if off is None:
        return pkt
    hi, lo = key >> 8, key & 0xFF
    p = bytearray(pkt)
    if ver == 4 and len(p) >= off + 20:
        for a in (off + 12, off + 16):  # src, dst
            p[a + 1] ^= hi
            p[a + 2] ^= lo
    elif ver == 6 and len(p) >= off + 40:
        for a in (off + 8, off + 24):
            p[a + 12] ^= hi
            p[a + 13] ^= lo
    return bytes(p)


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("src")
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--period", type=float)
    ap.add_argument("--phase", type=float, default=0.0)
    ap.add_argument("--start", type=float)
    ap.add_argument("--first-key", type=int, default=0)
    ap.add_argument("--max-gap", type=float)
    a = ap.parse_args()
    if a.n < 1:
        sys.exit("multiply.py: N must be >= 1")
    if a.first_key < 0 or a.first_key + a.n - 1 > 0xFFFF:
        sys.exit("multiply.py: address keys must stay within 0..65535")

    ghdr, endian, res, linktype, recs = read_pcap(a.src)
    if not recs:
        sys.exit("multiply.py: %s has no packets" % a.src)
    if a.max_gap is not None:
        gap = int(a.max_gap * res)
        shift, prev = 0, recs[0][0]
        for r in recs:
            t = r[0]
            if t - prev > gap:
                shift += t - prev - gap
            prev = t
            r[0] = t - shift
    first = min(r[0] for r in recs)
    last = max(r[0] for r in recs)
    if a.period is None:  # the first version's "span": whole seconds + 1
        period = (last // res - first // res + 1) * res
    else:
        period = int(round(a.period * res))
    base = (int(round(a.start * res)) - first) if a.start is not None else 0
    base += int(round(a.phase * res))

    # Pre-shift the addresses once per copy lazily: a generator per copy.
    def copy(i):
        key = a.first_key + i
        dt = base + i * period
        for t, orig, pkt in recs:
            yield t + dt, i, orig, pkt, key

    hdr = struct.Struct(endian + "IIII")
    n = 0
    t_first = t_last = None
    with open(a.out, "wb") as f:
        f.write(ghdr)
        for t, _i, orig, pkt, key in heapq.merge(*(copy(i) for i in range(a.n)),
                                                key=lambda r: r[0]):
            if t < 0:
                sys.exit("multiply.py: a timestamp would be negative (check --start/--phase)")
            p = shift_addresses(linktype, pkt, key)
            f.write(hdr.pack(t // res, t % res, len(p), orig))
            f.write(p)
            n += 1
            t_first = t if t_first is None else t_first
            t_last = t
    print("%s: %d frames, %d copies, %.6f .. %.6f" % (a.out, n, a.n, t_first / res, t_last / res))


if __name__ == "__main__":
    main()
