#!/usr/bin/env python3
# netwire.py - pcap and tshark helpers shared by make_net_truth.py and check_net_wire.py
# SPDX-License-Identifier: GPL-2.0-or-later
"""Small helpers: read/write classic pcap files (records kept as raw bytes),
run plain tshark (the modbus_an post-dissector disabled, so nothing of the
plugin is involved) and turn its field output into dicts, and the TCP flag /
tcp.analysis vocabulary both scripts use."""
import struct
import subprocess

SERVER_PORT = 502

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10

# tcp.analysis items looked at (Wireshark 4.0 field names without the prefix).
ANALYSIS = ["retransmission", "fast_retransmission", "spurious_retransmission",
            "out_of_order", "duplicate_ack", "zero_window", "lost_segment",
            "ack_lost_segment", "keep_alive", "window_update", "window_full"]
RETRANS_KINDS = ("retransmission", "fast_retransmission", "spurious_retransmission")

TCP_FIELDS = ["frame.number", "frame.time_epoch", "eth.src", "ip.src", "ip.dst",
              "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags", "tcp.seq",
              "tcp.len", "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code",
              "modbus.request_frame", "modbus.response_time", "tcp.payload"] + \
             ["tcp.analysis." + a for a in ANALYSIS]

STP_FIELDS = ["frame.number", "frame.time_epoch", "eth.src", "eth.dst", "stp.protocol",
              "stp.version", "stp.type", "stp.flags", "stp.flags.tc", "stp.flags.tcack",
              "stp.root.prio", "stp.root.ext", "stp.root.hw", "stp.root.cost",
              "stp.bridge.prio", "stp.bridge.ext", "stp.bridge.hw", "stp.port",
              "stp.pvst.origvlan", "vlan.id"]


def ns(s):
    """'1700000000.123456789' -> integer nanoseconds (exact)."""
    whole, _, frac = s.partition(".")
    return int(whole) * 1000000000 + int((frac + "000000000")[:9])


def read_pcap(path):
    """(global header bytes, [[ts_us, data, orig_len], ...]); microsecond pcap only."""
    with open(path, "rb") as f:
        d = f.read()
    magic = struct.unpack("<I", d[:4])[0]
    if magic != 0xA1B2C3D4:
        raise SystemExit("%s: not a little-endian microsecond pcap" % path)
    recs = []
    off = 24
    while off + 16 <= len(d):
        sec, usec, incl, orig = struct.unpack("<IIII", d[off:off + 16])
        recs.append([sec * 1000000 + usec, d[off + 16:off + 16 + incl], orig])
        off += 16 + incl
    return d[:24], recs


def new_ip_id(data, delta=0x0100):
    """A copy of an Ethernet/IPv4 frame whose IP identification is shifted
    by delta (header checksum recomputed): a real retransmission is a new
    datagram (RFC 791 3.1); a byte-identical copy would be a capture
    duplicate (docs/network.md)."""
    if len(data) < 34 or data[12:14] != b"\x08\x00":
        return data
    b = bytearray(data)
    ihl = (b[14] & 0x0F) * 4
    ip_id = (struct.unpack("!H", b[18:20])[0] + delta) & 0xFFFF
    b[18:20] = struct.pack("!H", ip_id)
    b[24:26] = b"\0\0"
    words = struct.unpack("!%dH" % (ihl // 2), bytes(b[14:14 + ihl]))
    s = sum(words)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    b[24:26] = struct.pack("!H", ~s & 0xFFFF)
    return bytes(b)


def write_pcap(path, header, recs):
    with open(path, "wb") as f:
        f.write(header)
        for ts, data, orig in recs:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), orig))
            f.write(data)


def tshark(pcap, fields, dfilter=None):
    args = ["tshark", "--disable-protocol", "modbus_an", "-r", pcap, "-T", "fields",
            "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    if dfilter:
        args += ["-Y", dfilter]
    for f in fields:
        args += ["-e", f]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, check=True).stdout
    return [dict(zip(fields, line.split("\t"))) for line in out.splitlines()]


def tcp_rows(pcap):
    """Every TCP frame with port 502 on one side, as dicts with parsed values."""
    rows = []
    for r in tshark(pcap, TCP_FIELDS, "tcp.port == %d" % SERVER_PORT):
        if "," in r["mbtcp.trans_id"]:
            raise SystemExit("%s: frame %s carries several Modbus PDUs" % (pcap, r["frame.number"]))
        to_server = int(r["tcp.dstport"]) == SERVER_PORT
        rows.append({
            "frame": int(r["frame.number"]),
            "t": ns(r["frame.time_epoch"]),
            "time": r["frame.time_epoch"],
            "src": r["ip.src"], "dst": r["ip.dst"],
            "sport": int(r["tcp.srcport"]), "dport": int(r["tcp.dstport"]),
            "stream": int(r["tcp.stream"]),
            "flags": int(r["tcp.flags"], 16),
            "seq": int(r["tcp.seq"]), "len": int(r["tcp.len"]),
            "to_server": to_server,
            "client": r["ip.src"] if to_server else r["ip.dst"],
            "client_port": int(r["tcp.srcport"] if to_server else r["tcp.dstport"]),
            "server": r["ip.dst"] if to_server else r["ip.src"],
            "tid": int(r["mbtcp.trans_id"]) if r["mbtcp.trans_id"] else None,
            "unit": int(r["mbtcp.unit_id"]) if r["mbtcp.unit_id"] else None,
            "fc": int(r["modbus.func_code"]) if r["modbus.func_code"] else None,
            "ws_req": int(r["modbus.request_frame"]) if r["modbus.request_frame"] else None,
            "ws_rt": r["modbus.response_time"] or None,
            "payload": bytes.fromhex(r["tcp.payload"].replace(":", "")) if r["tcp.payload"] else b"",
            "analysis": [a for a in ANALYSIS if r["tcp.analysis." + a]],
        })
    return rows


def is_retrans(row):
    return any(a in row["analysis"] for a in RETRANS_KINDS)


def pair_label(client, server, port=SERVER_PORT):
    return "%s -> %s:%d" % (client, server, port)


def stp_id(prio, ext, hw):
    """'32768', '3', '00:1e:...' -> '32771/00:1e:...' (priority incl. system id extension)."""
    return "%d/%s" % (int(prio) + int(ext or 0), hw)


def bpdu_rows(pcap):
    rows = []
    for r in tshark(pcap, STP_FIELDS, "stp"):
        typ = int(r["stp.type"], 16)
        has_ids = bool(r["stp.root.hw"])
        vlan = int(r["stp.pvst.origvlan"]) if r["stp.pvst.origvlan"] else \
            (int(r["vlan.id"]) if r["vlan.id"] else 0)
        rows.append({
            "frame": int(r["frame.number"]), "t": ns(r["frame.time_epoch"]),
            "time": r["frame.time_epoch"], "src_mac": r["eth.src"],
            "version": int(r["stp.version"]), "type": typ,
            "flags": int(r["stp.flags"], 16) if r["stp.flags"] else 0,
            "root": stp_id(r["stp.root.prio"], r["stp.root.ext"], r["stp.root.hw"]) if has_ids else None,
            "bridge": stp_id(r["stp.bridge.prio"], r["stp.bridge.ext"], r["stp.bridge.hw"]) if has_ids else None,
            "port": int(r["stp.port"], 16) if r["stp.port"] else None,
            "vlan": vlan,
        })
    return rows


def stp_events(bpdus):
    """Spanning Tree events by the per-speaker rules (IEEE 802.1D-2004 9.3
    fields): TC = a TC-flagged BPDU whose speaker's previous BPDU had no TC
    (or is its first); TCN = a TCN BPDU whose speaker's previous BPDU was not
    a TCN; root = root id differs from the speaker's previous BPDU; role =
    RSTP port role (flags bits 2-3) differs from the speaker's previous RST
    BPDU. Speaker: (bridge id, port, vlan), for TCN BPDUs the source MAC.
    repeats = following BPDUs of the speaker with the same state (type, TC
    flag, root, role) before it changes."""
    last = {}
    events = []
    seq = {}
    for b in bpdus:
        spk = ("tcn", b["src_mac"]) if b["type"] == 0x80 else (b["bridge"], b["port"], b["vlan"])
        tc = bool(b["flags"] & 0x01)
        role = (b["flags"] >> 2) & 3 if b["version"] >= 2 else None
        state = (b["type"], tc, b["root"], role)
        prev = last.get(spk)
        kinds = []
        if b["type"] == 0x80:
            if prev is None or prev["type"] != 0x80:
                kinds.append("TCN")
        else:
            if tc and (prev is None or not prev["tc"]):
                kinds.append("TC")
            if prev is not None and prev["root"] is not None and prev["root"] != b["root"]:
                kinds.append("root")
            if prev is not None and role is not None and prev["role"] is not None and prev["role"] != role:
                kinds.append("role")
        for k in kinds:
            ev = {"frame": b["frame"], "time": float(b["time"]), "t": b["t"], "kind": k,
                  "bridge": b["bridge"], "root": b["root"], "port": b["port"], "vlan": b["vlan"],
                  "src_mac": b["src_mac"], "repeats": 0}
            if k == "root":
                ev["prev_root"] = prev["root"]
            if k == "role":
                ev["prev_role"] = prev["role"]
                ev["role"] = role
            events.append(ev)
        seq.setdefault(spk, []).append((b, state))
        last[spk] = {"type": b["type"], "tc": tc, "root": b["root"], "role": role}
    # repeats
    for ev in events:
        spk = ("tcn", ev["src_mac"]) if ev["kind"] == "TCN" else (ev["bridge"], ev["port"], ev["vlan"])
        lst = seq[spk]
        i = next(i for i, (b, _) in enumerate(lst) if b["frame"] == ev["frame"])
        n = 0
        for b, st in lst[i + 1:]:
            if st != lst[i][1]:
                break
            n += 1
        ev["repeats"] = n
    return events


ROLE_NAMES = {0: "unknown", 1: "alternate/backup", 2: "root", 3: "designated"}
