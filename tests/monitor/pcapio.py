# tests/monitor/pcapio.py - write tiny pcap files and read packet times and payloads back (pcap and pcapng)
# SPDX-License-Identifier: GPL-2.0-or-later
"""Just enough of the two capture formats for the monitor's fakes: the fake
dumpcap writes pcap files whose packets carry text markers ("REQ",
"FAULT:<reason>"), the fake tshark reads them back from whatever the
monitor hands it (mergecap / editcap write pcapng)."""
import struct
from decimal import Decimal

# Ethernet II to 02:00:00:00:00:02 from 02:00:00:00:00:01, ethertype 0x88b5
# (local experimental): no dissector makes anything of the marker.
ETH = bytes.fromhex("020000000002" "020000000001" "88b5")


def write_pcap(path, packets):
    """packets: [(epoch seconds, marker text)], written in order."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, text in packets:
            data = ETH + text.encode()
            d = Decimal(repr(t)) if isinstance(t, float) else Decimal(t)
            sec = int(d)
            usec = int((d - sec) * 1000000)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


def _pcap(buf):
    magic = struct.unpack("<I", buf[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = struct.unpack(e + "I", buf[:4])[0] == 0xA1B23C4D
    out, off = [], 24
    while off + 16 <= len(buf):
        sec, frac, incl, _ = struct.unpack(e + "IIII", buf[off:off + 16])
        data = buf[off + 16:off + 16 + incl]
        t = Decimal(sec) + Decimal(frac) / (Decimal(10 ** 9) if nano else Decimal(10 ** 6))
        out.append((t, data))
        off += 16 + incl
    return out


def _pcapng(buf):
    out, off, e, resol = [], 0, "<", []
    while off + 12 <= len(buf):
        btype = struct.unpack(e + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:   # section header: byte order
            e = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            resol = []
        blen = struct.unpack(e + "I", buf[off + 4:off + 8])[0]
        body = buf[off + 8:off + blen - 4]
        if btype == 1:            # interface description: if_tsresol (option 9)
            r, o = Decimal(10 ** 6), 8
            while o + 4 <= len(body):
                code, ln = struct.unpack(e + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9:
                    v = body[o + 4]
                    r = Decimal(2 ** (v & 0x7F)) if v & 0x80 else Decimal(10 ** v)
                o += 4 + ln + (-ln % 4)
            resol.append(r)
        elif btype == 6:          # enhanced packet
            iface, hi, lo, incl, _ = struct.unpack(e + "IIIII", body[:20])
            ticks = (hi << 32) | lo
            out.append((Decimal(ticks) / resol[iface], body[20:20 + incl]))
        off += blen
    return out


def read_packets(path):
    """[(epoch as Decimal, frame bytes)] of a pcap or pcapng file."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 24:
        return []
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return _pcapng(buf)
    return _pcap(buf)


def markers(path):
    """[(epoch, marker text)] of the packets the fakes wrote."""
    return [(t, d[len(ETH):].decode(errors="replace")) for t, d in read_packets(path) if d[:len(ETH)] == ETH]
