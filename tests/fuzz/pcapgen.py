# SPDX-License-Identifier: GPL-2.0-or-later
"""Fast pcap writing for the fuzz and flood generators (stdlib only).

PcapWriter writes classic little-endian pcap (microsecond timestamps,
Ethernet) through a 1 MiB buffer; the frame builders pack Ethernet, 802.1Q,
IPv4/IPv6 and TCP headers with precompiled structs. Checksums are left 0
unless asked for (Wireshark does not validate them by default). Conn keeps
the sequence numbers of one TCP connection (RFC 793 3.3).
"""
import struct

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

_GLOBAL = struct.Struct("<IHHiIII")
_REC = struct.Struct("<IIII")
_ETH = struct.Struct("!6s6sH")
_VLAN = struct.Struct("!HH")
_IP4 = struct.Struct("!BBHHHBBH4s4s")
_IP6 = struct.Struct("!IHBB16s16s")
_TCP = struct.Struct("!HHIIBBHHH")


class PcapWriter:
    """pcap file; write(ts_us, frame). Use as a context manager."""

    def __init__(self, path, linktype=1, snaplen=262144):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(_GLOBAL.pack(0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        self.frames = 0

    def write(self, ts_us, data, wirelen=None):
        ts_us = max(0, int(ts_us))
        n = len(data)
        self.f.write(_REC.pack(ts_us // 1000000, ts_us % 1000000, n, n if wirelen is None else wirelen))
        self.f.write(data)
        self.frames += 1

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def mac_of(ip):
    """A locally administered MAC derived from an address's last 4 bytes."""
    return b"\x02\x00" + ip[-4:]


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def csum16(b):
    if len(b) & 1:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(src_mac, dst_mac, ethertype, payload, vlan=None):
    if vlan is not None:
        return _ETH.pack(dst_mac, src_mac, 0x8100) + _VLAN.pack(vlan & 0xFFF, ethertype) + payload
    return _ETH.pack(dst_mac, src_mac, ethertype) + payload


def ipv4(src, dst, proto, payload, ident=0, ttl=64, checksum=False):
    h = _IP4.pack(0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, ttl, proto, 0, src, dst)
    if checksum:
        c = csum16(h)
        h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, hlim=64):
    return _IP6.pack(6 << 28, len(payload), nh, hlim, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", win=8192):
    return _TCP.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, win, 0, 0) + payload


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b"", ident=0, win=8192, checksum=False):
    """Ethernet + IPv4 (4-byte addresses) or IPv6 (16-byte) + TCP."""
    seg = tcp(sport, dport, seq, ack, flags, payload, win)
    if len(src) == 16:
        return eth(mac_of(src), mac_of(dst), 0x86DD, ipv6(src, dst, 6, seg))
    return eth(mac_of(src), mac_of(dst), 0x0800, ipv4(src, dst, 6, seg, ident, checksum=checksum))


class Conn:
    """One TCP connection: client side c, server side s; send() advances the
    sender's sequence number and acknowledges what the peer sent."""

    def __init__(self, w, client, server, cport, sport, isn_c=1000, isn_s=5000, checksum=True):
        self.w, self.client, self.server, self.cport, self.sport = w, client, server, cport, sport
        self.seq = {True: isn_c, False: isn_s}    # True: the client's
        self.ident = {True: (isn_c * 7) & 0xFFFF, False: (isn_s * 13) & 0xFFFF}
        self.checksum = checksum

    def frame(self, from_client, flags, payload=b"", seq=None, ack=None, win=8192):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        self.ident[from_client] = (self.ident[from_client] + 1) & 0xFFFF
        return tcp_frame(src, dst, sp, dp, self.seq[from_client] if seq is None else seq,
                         (self.seq[not from_client] if ack is None else ack) if flags & ACK else 0,
                         flags, payload, self.ident[from_client], win, self.checksum)

    def send(self, ts_us, from_client, flags=PSH | ACK, payload=b"", **kw):
        self.w.write(ts_us, self.frame(from_client, flags, payload, **kw))
        if "seq" not in kw:
            self.seq[from_client] += len(payload) + (1 if flags & (SYN | FIN) else 0)

    def handshake(self, ts_us, rtt_us=300):
        self.send(ts_us, True, SYN)
        self.send(ts_us + rtt_us, False, SYN | ACK)
        self.send(ts_us + rtt_us + 50, True, ACK)
        return ts_us + rtt_us + 50
