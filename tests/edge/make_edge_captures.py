#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# make_edge_captures.py - write tiny synthetic Modbus/TCP edge-case captures and their hand-computed expectations.
"""Write the edge-case captures of tests/captures/edge/ and one
<name>.expect.json beside each.

Standard library only. Every capture is a classic pcap (Ethernet, IPv4 or
IPv6, TCP) with correct lengths, IP and TCP checksums and consistent
sequence/acknowledgement numbers, so Wireshark's TCP analysis and
reassembly treat the streams as real. Timestamps are fixed: running the
script again yields the same bytes.

The expectations are written by hand in each scenario below: which frames
Wireshark decodes as Modbus/TCP (checked against tshark by the test), and
for every Modbus PDU the modbus_an fields the plugin must show. Outcomes of
answered requests follow mechanically from the response times chosen here
(delayed: > 1.0 s, late: > 3.0 s); everything else (which request a
response answers, orphan, duplicate, ambiguous, missed,
unanswered_at_end) is stated explicitly per scenario. The statistics rows
are aggregated from those per-PDU expectations.

Usage: make_edge_captures.py [OUTDIR]   (default: tests/captures/edge)
"""
import json
import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.abspath(os.path.join(HERE, "..", "captures", "edge"))

BASE_SEC = 1700000000          # 2023-11-14 22:13:20 UTC: time 0 of every capture
US = 1000000

DELAY_THRESHOLD_US = 1 * US    # plugin defaults
RESPONSE_TIMEOUT_US = 3 * US

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def T(sec):
    """Seconds after the start of the capture -> integer microseconds."""
    return int(round(sec * US))


def rt_str(us):
    """A duration in microseconds as modbus_an.response_time shows it."""
    return "%d.%06d000" % divmod(us, US)


# ---------------------------------------------------------------- packets

def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Host:
    def __init__(self, ip, mac_last):
        self.v6 = ":" in ip
        self.ip = ip
        self.raw = socket.inet_pton(socket.AF_INET6 if self.v6 else socket.AF_INET, ip)
        self.mac = bytes([0x02, 0x00, 0x5E, 0x10, 0x00, mac_last])
        self.ip_id = 0x1000 + mac_last * 0x100

    def label(self):
        # The same text as inet_ntop (RFC 5952 for IPv6).
        return socket.inet_ntop(socket.AF_INET6 if self.v6 else socket.AF_INET, self.raw)


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 64240, 0, 0) + payload
    if src.v6:
        pseudo = src.raw + dst.raw + struct.pack("!I3xB", len(tcp), 6)
    else:
        pseudo = src.raw + dst.raw + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
    if src.v6:
        ip = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src.raw + dst.raw
        ethertype = 0x86DD
    else:
        src.ip_id = (src.ip_id + 1) & 0xFFFF
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), src.ip_id, 0x4000,
                         64, 6, 0, src.raw, dst.raw)
        ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
        ethertype = 0x0800
    return dst.mac + src.mac + struct.pack("!H", ethertype) + ip + tcp


class Capture:
    def __init__(self, name, summary):
        self.name = name
        self.summary = summary
        self.records = []       # (t_us, bytes)
        self.conns = []         # in order of their first packet = tcp.stream
        self.pdus = []          # expected modbus_an trees, see Expect
        self.txns = []
        self.notes = []         # what Wireshark itself makes of the capture
        self.frame_notes = {}
        self.retrans_frames = []
        self.ws_malformed_frames = []
        # tshark argument sets; the expectations hold for each of them.
        self.arg_variants = {"default": []}

    def add(self, t, data, conn):
        if self.records and t < self.records[-1][0]:
            raise ValueError("%s: frames must be added in time order" % self.name)
        if conn.stream is None:
            conn.stream = len(self.conns)
            self.conns.append(conn)
        self.records.append((t, data))
        return len(self.records)

    def pcap_bytes(self):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for t, data in self.records:
            sec, usec = divmod(t, US)
            out.append(struct.pack("<IIII", BASE_SEC + sec, usec, len(data), len(data)))
            out.append(data)
        return b"".join(out)

    def time_of(self, frame):
        return self.records[frame - 1][0]

    def end_time(self):
        return self.records[-1][0]


class Conn:
    """One TCP connection; seq/ack bookkeeping for both directions."""

    def __init__(self, cap, client, cport, server, sport=502, isn_c=100000, isn_s=700000):
        self.cap = cap
        self.client, self.cport, self.server, self.sport = client, cport, server, sport
        self.cseq = isn_c       # next sequence number of each side
        self.sseq = isn_s
        self.stream = None

    def pair(self):
        return "%s -> %s:%d" % (self.client.label(), self.server.label(), self.sport)

    def _send(self, from_client, t, flags, payload=b"", seq=None):
        retrans = seq is not None
        if from_client:
            s = self.cseq if seq is None else seq
            data = tcp_frame(self.client, self.server, self.cport, self.sport, s,
                             self.sseq if flags & ACK else 0, flags, payload)
        else:
            s = self.sseq if seq is None else seq
            data = tcp_frame(self.server, self.client, self.sport, self.cport, s,
                             self.cseq if flags & ACK else 0, flags, payload)
        if not retrans:
            n = len(payload) + (1 if flags & (SYN | FIN) else 0)
            if from_client:
                self.cseq += n
            else:
                self.sseq += n
        frame = self.cap.add(t, data, self)
        return frame, s

    def handshake(self, t):
        self._send(True, t, SYN)
        self._send(False, t + 300, SYN | ACK)
        self._send(True, t + 600, ACK)

    def c(self, t, payload, flags=PSH | ACK):
        """Client data; returns (frame, seq)."""
        return self._send(True, t, flags, payload)

    def s(self, t, payload, flags=PSH | ACK):
        return self._send(False, t, flags, payload)

    def c_retrans(self, t, seq, payload):
        f, _ = self._send(True, t, PSH | ACK, payload, seq=seq)
        self.cap.retrans_frames.append(f)
        return f

    def s_retrans(self, t, seq, payload):
        f, _ = self._send(False, t, PSH | ACK, payload, seq=seq)
        self.cap.retrans_frames.append(f)
        return f

    def c_ack(self, t):
        return self._send(True, t, ACK)[0]

    def s_ack(self, t):
        return self._send(False, t, ACK)[0]

    def c_fin(self, t):
        return self._send(True, t, FIN | ACK)[0]

    def s_fin(self, t):
        return self._send(False, t, FIN | ACK)[0]

    def c_rst(self, t):
        return self._send(True, t, RST | ACK)[0]

    def s_rst(self, t):
        return self._send(False, t, RST | ACK)[0]


# ---------------------------------------------------------------- Modbus

def mbap(tid, unit, pdu, pid=0, length=None):
    if length is None:
        length = len(pdu) + 1
    return struct.pack(">HHHB", tid, pid, length, unit) + pdu


def fc3_req(start, qty):
    return struct.pack(">BHH", 3, start, qty)


def fc3_resp(values):
    return struct.pack(">BB", 3, 2 * len(values)) + b"".join(struct.pack(">H", v) for v in values)


def fc6_req(addr, value):
    return struct.pack(">BHH", 6, addr, value)


fc6_resp = fc6_req   # a normal FC6 response echoes the request


def exc_resp(fc, code):
    return bytes([fc | 0x80, code])


# ---------------------------------------------------------------- expectations

class Txn:
    """A request and (maybe) the response that answers it."""

    def __init__(self, cap, conn, tid, unit, fc):
        self.cap, self.conn, self.tid, self.unit, self.fc = cap, conn, tid, unit, fc
        self.req_frame = self.req_t = None
        self.resp_frame = self.resp_t = None
        self.unanswered = None      # 'missed' / 'unanswered_at_end' when never answered
        self.req_pdu = self.resp_pdu = None
        cap.txns.append(self)

    def rt(self):
        return self.resp_t - self.req_t


def _base_fields(conn, kind, tid, unit, fc):
    return {
        "modbus_an.type": kind,
        "modbus_an.pair": conn.pair(),
        "modbus_an.stream": conn.stream,
        "modbus_an.unit_id": unit,
        "modbus_an.function_code": fc,
        "modbus_an.transaction_id": tid,
        "modbus_an.malformed": False,   # absent or 0 on well-formed PDUs
    }


def request(cap, conn, frame, tid, unit=1, fc=3):
    """A well-formed request decoded by Wireshark in frame."""
    x = Txn(cap, conn, tid, unit, fc)
    x.req_frame, x.req_t = frame, cap.time_of(frame)
    x.req_pdu = {"frame": frame, "transaction_id": tid, "note": "",
                 "fields": _base_fields(conn, "request", tid, unit, fc)}
    cap.pdus.append(x.req_pdu)
    return x


def response(cap, x, frame, exc_code=None, ambiguous=False, note=""):
    """The response (decoded in frame) that answers request x."""
    x.resp_frame, x.resp_t = frame, cap.time_of(frame)
    fc = x.fc | 0x80 if exc_code is not None else x.fc
    f = _base_fields(x.conn, "response", x.tid, x.unit, fc)
    rt = x.rt()
    f.update({
        "modbus_an.request_frame": x.req_frame,
        "modbus_an.response_time": rt_str(rt),
        "modbus_an.delayed": rt > DELAY_THRESHOLD_US,
        "modbus_an.late": rt > RESPONSE_TIMEOUT_US,
        "modbus_an.orphan": False,
        "modbus_an.duplicate": False,
        "modbus_an.exception": exc_code is not None,
        "modbus_an.ambiguous": ambiguous,
        "modbus_an.exception_code": exc_code,
    })
    x.resp_pdu = {"frame": frame, "transaction_id": x.tid, "note": note, "fields": f,
                  "_exc": exc_code is not None}
    cap.pdus.append(x.resp_pdu)
    return x


def unanswered(x, outcome, note=""):
    assert outcome in ("missed", "unanswered_at_end")
    x.unanswered = outcome
    x.req_pdu["note"] = note


def orphan(cap, conn, frame, tid, unit=1, fc=3, exc_code=None, note=""):
    f = _base_fields(conn, "response", tid, unit, fc | 0x80 if exc_code is not None else fc)
    f.update({
        "modbus_an.request_frame": None,
        "modbus_an.response_time": None,
        "modbus_an.delayed": False,
        "modbus_an.late": False,
        "modbus_an.orphan": True,
        "modbus_an.duplicate": False,
        "modbus_an.exception": exc_code is not None,
        "modbus_an.ambiguous": False,
        "modbus_an.exception_code": exc_code,
    })
    cap.pdus.append({"frame": frame, "transaction_id": tid, "note": note, "fields": f,
                     "_exc": exc_code is not None})


def duplicate(cap, x, frame, note=""):
    """Response bytes of the already answered x again, as new TCP data.
    request_frame / response_time are not specified for duplicates."""
    f = _base_fields(x.conn, "response", x.tid, x.unit, x.fc)
    f.update({
        "modbus_an.delayed": False,
        "modbus_an.late": False,
        "modbus_an.orphan": False,
        "modbus_an.duplicate": True,
        "modbus_an.exception": False,
        "modbus_an.ambiguous": False,
        "modbus_an.exception_code": None,
    })
    cap.pdus.append({"frame": frame, "transaction_id": x.tid, "note": note, "fields": f,
                     "_exc": False})


def malformed(cap, conn, frame, kind, tid, note):
    """A PDU Wireshark decodes as Modbus/TCP but that is not valid: listed,
    malformed = 1, never paired."""
    f = {
        "modbus_an.type": kind,
        "modbus_an.transaction_id": tid,
        "modbus_an.malformed": True,
        "modbus_an.request_frame": None,
        "modbus_an.response_frame": None,
    }
    cap.pdus.append({"frame": frame, "transaction_id": tid, "note": note, "fields": f,
                     "_malformed": True})


def _finish_requests(cap):
    for x in cap.txns:
        f = x.req_pdu["fields"]
        if x.resp_frame is not None:
            rt = x.rt()
            late = rt > RESPONSE_TIMEOUT_US
            f.update({
                "modbus_an.outcome": "late" if late else "answered",
                "modbus_an.response_frame": x.resp_frame,
                "modbus_an.response_time": rt_str(rt),
                "modbus_an.missed": False,
                "modbus_an.late": late,
                "modbus_an.unanswered_at_end": False,
                "modbus_an.delayed": rt > DELAY_THRESHOLD_US,
            })
        else:
            if x.unanswered is None:
                raise ValueError("%s: request frame %d: say why it is unanswered"
                                 % (cap.name, x.req_frame))
            # Sanity of the hand-written reason against the capture end.
            waited = cap.end_time() - x.req_t
            if x.unanswered == "unanswered_at_end" and waited > RESPONSE_TIMEOUT_US:
                raise ValueError("%s: frame %d waited %d us: not unanswered_at_end"
                                 % (cap.name, x.req_frame, waited))
            f.update({
                "modbus_an.outcome": x.unanswered,
                "modbus_an.response_frame": None,
                "modbus_an.response_time": None,
                "modbus_an.missed": x.unanswered == "missed",
                "modbus_an.late": False,
                "modbus_an.unanswered_at_end": x.unanswered == "unanswered_at_end",
                "modbus_an.delayed": False,
            })


STAT_COUNTS = ["requests", "responses", "answered", "missed", "late", "unanswered_at_end",
               "delayed", "exceptions", "orphans", "duplicates", "ambiguous"]


def _nearest_rank(sorted_vals, pct):
    k = max(1, -(-pct * len(sorted_vals) // 100))
    return sorted_vals[k - 1]


def _stats(cap):
    """Rows per pair (unit "*"), per (pair, unit) and TOTAL, aggregated from the
    expected PDUs. Malformed PDUs count in no column."""
    rows = {}
    order = []

    def row(pair, unit):
        key = (pair, unit)
        if key not in rows:
            rows[key] = dict({c: 0 for c in STAT_COUNTS}, pair=pair, unit=unit, _rt=[])
            order.append(key)
        return rows[key]

    for p in sorted(cap.pdus, key=lambda p: p["frame"]):
        if p.get("_malformed"):
            continue
        f = p["fields"]
        targets = [row(f["modbus_an.pair"], "*"), row(f["modbus_an.pair"], str(f["modbus_an.unit_id"])),
                   row("TOTAL", "*")]
        for r in targets:
            if f["modbus_an.type"] == "request":
                r["requests"] += 1
                out = f["modbus_an.outcome"]
                r[out] += 1
                if f["modbus_an.delayed"]:
                    r["delayed"] += 1
                if f["modbus_an.response_time"] is not None:
                    r["_rt"].append(T(float(f["modbus_an.response_time"])))
            else:
                r["responses"] += 1
                r["exceptions"] += 1 if f["modbus_an.exception"] else 0
                r["orphans"] += 1 if f["modbus_an.orphan"] else 0
                r["duplicates"] += 1 if f["modbus_an.duplicate"] else 0
                r["ambiguous"] += 1 if f["modbus_an.ambiguous"] else 0
    result = []
    for key in order:
        r = rows[key]
        rts = sorted(r.pop("_rt"))
        if rts:
            r["rt_min"] = rt_str(rts[0])
            r["rt_max"] = rt_str(rts[-1])
            r["rt_avg"] = "%.9f" % (sum(rts) / len(rts) / US)
            r["rt_p50"] = rt_str(_nearest_rank(rts, 50))
            r["rt_p95"] = rt_str(_nearest_rank(rts, 95))
        else:
            for c in ("rt_min", "rt_avg", "rt_p50", "rt_p95", "rt_max"):
                r[c] = None
        result.append(r)
    return result


def expect_doc(cap):
    _finish_requests(cap)
    pdus = sorted(cap.pdus, key=lambda p: p["frame"])    # stable: wire order within a frame
    mbtcp = {}
    for p in pdus:
        mbtcp.setdefault(str(p["frame"]), []).append(p["transaction_id"])
    clean = [{k: v for k, v in p.items() if not k.startswith("_")} for p in pdus]
    return {
        "name": cap.name,
        "capture": cap.name + ".pcap",
        "summary": cap.summary,
        "generated_by": "tests/edge/make_edge_captures.py",
        "time_zero_epoch": BASE_SEC,
        "tshark_extra_args_variants": cap.arg_variants,
        "defaults": {"delay_threshold": "1.0", "response_timeout": "3.0"},
        "wireshark": {
            "notes": cap.notes,
            "frame_notes": {str(k): v for k, v in sorted(cap.frame_notes.items())},
            "frames": len(cap.records),
            "mbtcp_transaction_ids_by_frame": mbtcp,
            "tcp_retransmission_frames": cap.retrans_frames,
            "malformed_frames": cap.ws_malformed_frames,
        },
        "pdus": clean,
        "stats": {
            "definitions": "requests/responses: well-formed PDUs (malformed ones and TCP "
                           "retransmissions count in no column); answered/late/missed/"
                           "unanswered_at_end: request outcomes; delayed: requests with "
                           "response_time > 1.0 s; exceptions, orphans, duplicates, ambiguous: "
                           "response PDUs with that flag (an orphan exception response counts "
                           "in both); rt_*: response times of answered and late requests, "
                           "p50/p95 nearest rank (rank ceil(p*n/100)); rt_* null: no sample.",
            "rows": _stats(cap),
        },
    }


# ---------------------------------------------------------------- scenarios

CLIENT = Host("192.168.10.11", 0x11)
CLIENT2 = Host("192.168.10.12", 0x12)
SERVER = Host("192.168.10.20", 0x20)


def multi_pdu_segment():
    cap = Capture("multi_pdu_segment",
                  "One client segment carries three FC3 requests (tids 1,2,3); one server "
                  "segment carries the three responses in the order 2,1,3.")
    c = Conn(cap, CLIENT, 40101, SERVER)
    c.handshake(T(0.0))
    reqs = [(1, 0, 1), (2, 100, 2), (3, 200, 3)]
    f_req, _ = c.c(T(1.0), b"".join(mbap(tid, 1, fc3_req(a, q)) for tid, a, q in reqs))
    x = {tid: request(cap, c, f_req, tid) for tid, _, _ in reqs}
    resp_order = [(2, [21, 22]), (1, [11]), (3, [31, 32, 33])]
    f_resp, _ = c.s(T(1.05), b"".join(mbap(tid, 1, fc3_resp(v)) for tid, v in resp_order))
    for tid, _ in resp_order:
        response(cap, x[tid], f_resp)
    c.c_ack(T(1.0502))
    cap.notes.append("tcp_dissect_pdus splits each segment into its three MBAP PDUs: frame %d "
                     "shows three Modbus/TCP trees (tids 1,2,3), frame %d three (tids 2,1,3)."
                     % (f_req, f_resp))
    cap.notes.append("Every response matches its own tid, so none is ambiguous; all response "
                     "times are 0.05 s.")
    return cap


def split_pdu():
    cap = Capture("split_pdu",
                  "Requests and responses split over several TCP segments; one split is one "
                  "that Wireshark 4.0 cannot reassemble (first segment shorter than 8 bytes).")
    c = Conn(cap, CLIENT, 40102, SERVER)
    c.handshake(T(0.0))
    # tid 1: request 8 + 4 bytes, response 8 + 3 + 4 bytes: reassembled.
    r1 = mbap(1, 1, fc3_req(0, 2))
    f_a, _ = c.c(T(1.0), r1[:8])
    f_b, _ = c.c(T(1.01), r1[8:])
    x1 = request(cap, c, f_b, 1)
    p1 = mbap(1, 1, fc3_resp([0x1111, 0x2222]))
    f_c, _ = c.s(T(1.05), p1[:8])
    f_d, _ = c.s(T(1.06), p1[8:11])
    f_e, _ = c.s(T(1.07), p1[11:])
    response(cap, x1, f_e, note="reassembled from frames %d-%d" % (f_c, f_e))
    cap.frame_notes[f_a] = "[TCP segment of a reassembled PDU] (reassembled in %d)" % f_b
    cap.frame_notes[f_c] = "[TCP segment of a reassembled PDU] (reassembled in %d)" % f_e
    cap.frame_notes[f_d] = "[TCP segment of a reassembled PDU] (reassembled in %d)" % f_e
    c.c_ack(T(1.0702))
    # tid 2: request 5 + 7 bytes (the split the brief asked for), response 9 + 3 + 3 bytes.
    r2 = mbap(2, 1, fc3_req(10, 3))
    f_f, _ = c.c(T(2.0), r2[:5])
    f_g, _ = c.c(T(2.01), r2[5:])
    p2 = mbap(2, 1, fc3_resp([0x0A, 0x0B, 0x0C]))
    f_h, _ = c.s(T(2.05), p2[:9])
    f_i, _ = c.s(T(2.06), p2[9:12])
    f_j, _ = c.s(T(2.07), p2[12:])
    orphan(cap, c, f_j, 2, note="its request (frames %d+%d) is invisible to Wireshark, so no "
                                 "request is pending: orphan" % (f_f, f_g))
    cap.frame_notes[f_f] = ("NOT Modbus: 5 bytes; dissect_mbtcp() rejects a segment shorter than "
                            "8 bytes (returns 0) instead of asking for more data, so no "
                            "reassembly starts; shown as plain TCP payload")
    cap.frame_notes[f_g] = "NOT Modbus: the remaining 7 bytes, also rejected (< 8 bytes)"
    cap.frame_notes[f_h] = "[TCP segment of a reassembled PDU] (first 9 bytes pass the checks)"
    cap.frame_notes[f_i] = "[TCP segment of a reassembled PDU]"
    cap.frame_notes[f_j] = "Modbus/TCP response tid 2, reassembled from %d-%d" % (f_h, f_j)
    c.c_ack(T(2.0702))
    # tid 3: a normal pair afterwards, to show the stream is in step again.
    f_k, _ = c.c(T(3.0), mbap(3, 1, fc3_req(20, 1)))
    x3 = request(cap, c, f_k, 3)
    f_l, _ = c.s(T(3.04), mbap(3, 1, fc3_resp([7])))
    response(cap, x3, f_l)
    cap.notes.append("mbtcp desegmentation is on, but packet-mbtcp.c's dissect_mbtcp() first "
                     "requires 8 bytes (tvb_bytes_exist(tvb, 0, 8)), protocol id 0 and length "
                     ">= 2 in the segment itself; a segment that begins a PDU with fewer than "
                     "8 bytes is rejected and never reassembled. Splits whose first segment has "
                     ">= 8 bytes are reassembled normally; the PDU is decoded in the frame "
                     "of the segment that completes it, and the response time runs between "
                     "those completing frames.")
    cap.notes.append("So the request split 5 + 7 (tid 2) is invisible, and its (reassembled) "
                     "response is an orphan; this is what the plugin can see, not a plugin bug.")
    return cap


def tid0_pipelined():
    cap = Capture("tid0_pipelined",
                  "Three FC3 requests all with tid 0, unit 1 sent before any answer; answered in "
                  "order; FIFO pairing, the first two responses ambiguous.")
    c = Conn(cap, CLIENT, 40103, SERVER)
    c.handshake(T(0.0))
    xs = []
    for i, (t, start, qty) in enumerate([(1.0, 0, 1), (1.01, 10, 2), (1.02, 20, 3)]):
        f, _ = c.c(T(t), mbap(0, 1, fc3_req(start, qty)))
        xs.append(request(cap, c, f, 0))
    f1, _ = c.s(T(1.05), mbap(0, 1, fc3_resp([1])))
    response(cap, xs[0], f1, ambiguous=True, note="3 candidates pending: rt 1.05-1.00")
    f2, _ = c.s(T(1.07), mbap(0, 1, fc3_resp([2, 3])))
    response(cap, xs[1], f2, ambiguous=True, note="2 candidates pending: rt 1.07-1.01")
    f3, _ = c.s(T(1.09), mbap(0, 1, fc3_resp([4, 5, 6])))
    response(cap, xs[2], f3, ambiguous=False, note="1 candidate pending: rt 1.09-1.02")
    c.c_ack(T(1.0902))
    f4, _ = c.c(T(1.5), mbap(0, 1, fc3_req(30, 1)))
    x4 = request(cap, c, f4, 0)
    f5, _ = c.s(T(1.55), mbap(0, 1, fc3_resp([9])))
    response(cap, x4, f5, note="tid 0 again, alone: not ambiguous")
    cap.notes.append("Wireshark decodes every PDU; its own modbus.request_frame links by "
                     "transaction id and cannot tell the three tid 0 requests apart.")
    return cap


def tid_wrap_reuse():
    cap = Capture("tid_wrap_reuse",
                  "tids 65534, 65535, 0, 1 (the last two pipelined), then tid 5 used twice "
                  "sequentially, each answered before its reuse.")
    c = Conn(cap, CLIENT, 40104, SERVER)
    c.handshake(T(0.0))
    t = 1.0
    for tid in (65534, 65535):
        f, _ = c.c(T(t), mbap(tid, 1, fc3_req(tid % 100, 1)))
        x = request(cap, c, f, tid)
        f, _ = c.s(T(t + 0.02), mbap(tid, 1, fc3_resp([tid])))
        response(cap, x, f)
        t += 0.1
    fa, _ = c.c(T(1.2), mbap(0, 1, fc3_req(0, 1)))
    xa = request(cap, c, fa, 0)
    fb, _ = c.c(T(1.21), mbap(1, 1, fc3_req(1, 1)))
    xb = request(cap, c, fb, 1)
    f, _ = c.s(T(1.23), mbap(0, 1, fc3_resp([0])))
    response(cap, xa, f)
    f, _ = c.s(T(1.25), mbap(1, 1, fc3_resp([1])))
    response(cap, xb, f)
    f, _ = c.c(T(1.5), mbap(5, 1, fc3_req(5, 1)))
    x5a = request(cap, c, f, 5)
    f, _ = c.s(T(1.53), mbap(5, 1, fc3_resp([55])))
    response(cap, x5a, f)
    f, _ = c.c(T(1.7), mbap(5, 1, fc3_req(6, 1)))
    x5b = request(cap, c, f, 5)
    f, _ = c.s(T(1.74), mbap(5, 1, fc3_resp([66])))
    response(cap, x5b, f, note="tid 5 reused after its first use was answered: a new "
                               "transaction, not a duplicate")
    c.c_ack(T(1.7402))
    cap.notes.append("Wireshark decodes every PDU normally.")
    return cap


def retransmitted_request():
    cap = Capture("retransmitted_request",
                  "A request segment retransmitted (same seq, same bytes) 200 ms later before "
                  "the response; also a response segment retransmitted 200 ms after it.")
    c = Conn(cap, CLIENT, 40105, SERVER)
    c.handshake(T(0.0))
    f, _ = c.c(T(0.5), mbap(1, 1, fc3_req(0, 1)))
    x1 = request(cap, c, f, 1)
    f, _ = c.s(T(0.52), mbap(1, 1, fc3_resp([1])))
    response(cap, x1, f)
    req2 = mbap(2, 1, fc3_req(10, 2))
    f_req, seq = c.c(T(1.0), req2)
    x2 = request(cap, c, f_req, 2)
    f_rt = c.c_retrans(T(1.2), seq, req2)
    f_resp, _ = c.s(T(1.25), mbap(2, 1, fc3_resp([2, 3])))
    response(cap, x2, f_resp, note="answers the original request (frame %d), rt 0.25 s" % f_req)
    cap.frame_notes[f_rt] = ("[TCP Retransmission] of frame %d: tcp.analysis.retransmission; "
                             "'Retransmitted TCP segment data (12 bytes)'; NOT handed to mbtcp "
                             "(no Modbus/TCP tree, in one pass and with -2)" % f_req)
    c.c_ack(T(1.2502))
    f, _ = c.c(T(2.0), mbap(3, 1, fc3_req(20, 1)))
    x3 = request(cap, c, f, 3)
    resp3 = mbap(3, 1, fc3_resp([4]))
    f_r3, seq3 = c.s(T(2.05), resp3)
    response(cap, x3, f_r3)
    f_rr = c.s_retrans(T(2.25), seq3, resp3)
    cap.frame_notes[f_rr] = ("[TCP Retransmission] of response frame %d (not acked yet); NOT "
                             "handed to mbtcp: no tree, so neither duplicate nor orphan" % f_r3)
    c.c_ack(T(2.2502))
    cap.notes.append("Wireshark 4.0's TCP dissector does not pass retransmitted segment data to "
                     "the subdissector ('Retransmitted TCP segment data'), so mbtcp never sees "
                     "frames %d and %d: the plugin must show no modbus_an tree there." % (f_rt, f_rr))
    return cap


def mid_transaction_start():
    cap = Capture("mid_transaction_start",
                  "The capture starts with a server response whose request was not captured "
                  "(orphan), then normal traffic; no handshake.")
    c = Conn(cap, CLIENT, 40106, SERVER, isn_c=300000, isn_s=900000)
    f, _ = c.s(T(0.0), mbap(41, 1, fc3_resp([41])))
    orphan(cap, c, f, 41, note="first frame of the capture; its request is not in it")
    c.c_ack(T(0.0002))
    f, _ = c.c(T(0.5), mbap(42, 1, fc3_req(0, 1)))
    x = request(cap, c, f, 42)
    f, _ = c.s(T(0.53), mbap(42, 1, fc3_resp([42])))
    response(cap, x, f)
    f, _ = c.c(T(1.0), mbap(43, 1, fc6_req(7, 0x1234)))
    x = request(cap, c, f, 43, fc=6)
    f, _ = c.s(T(1.04), mbap(43, 1, fc6_resp(7, 0x1234)))
    response(cap, x, f)
    c.c_ack(T(1.0402))
    cap.notes.append("No SYN: Wireshark still tracks the stream (relative sequence numbers "
                     "start at the first segment seen) and decodes every PDU.")
    return cap


def duplicate_response():
    cap = Capture("duplicate_response",
                  "One request, its response, then the same response bytes again as new TCP "
                  "data (next seq, not a retransmission): duplicate; then tid 1 is reused and "
                  "answered normally.")
    c = Conn(cap, CLIENT, 40107, SERVER)
    c.handshake(T(0.0))
    f, _ = c.c(T(1.0), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, c, f, 1)
    resp = mbap(1, 1, fc3_resp([77]))
    f, _ = c.s(T(1.03), resp)
    response(cap, x, f)
    f_dup, _ = c.s(T(1.13), resp)
    duplicate(cap, x, f_dup, note="same bytes as the response of frame %d, at the next sequence "
                                  "number" % f)
    cap.frame_notes[f_dup] = "a normal (new-data) Modbus/TCP response; no TCP analysis flag"
    c.c_ack(T(1.1302))
    f, _ = c.c(T(2.0), mbap(1, 1, fc3_req(0, 1)))
    x2 = request(cap, c, f, 1)
    f, _ = c.s(T(2.02), mbap(1, 1, fc3_resp([78])))
    response(cap, x2, f, note="tid 1 reused by a new request: a normal match")
    c.c_ack(T(2.0202))
    return cap


def malformed_mbap():
    cap = Capture("malformed_mbap",
                  "Protocol id 1, MBAP length 0, a truncated PDU, a protocol id 1 PDU inside a "
                  "multi-PDU segment, a length longer than the bytes present, and HTTP bytes "
                  "on port 502, between well-formed pairs.")
    m1 = Conn(cap, CLIENT, 41001, SERVER)
    m1.handshake(T(0.0))
    t = [0.1]

    def pair(conn, tid, note=""):
        f, _ = conn.c(T(t[0]), mbap(tid, 1, fc3_req(tid, 1)))
        x = request(cap, conn, f, tid)
        f, _ = conn.s(T(t[0] + 0.02), mbap(tid, 1, fc3_resp([tid])))
        response(cap, x, f, note=note)
        t[0] += 0.1

    def alone(conn, data):
        f, _ = conn.c(T(t[0]), data)
        t[0] += 0.1
        return f

    pair(m1, 1)
    f = alone(m1, mbap(2, 1, fc3_req(2, 1), pid=1))
    cap.frame_notes[f] = ("protocol id 1 at the start of a segment: dissect_mbtcp() rejects it "
                          "(returns 0); plain TCP payload, no Modbus/TCP tree")
    pair(m1, 3)
    f = alone(m1, mbap(4, 1, fc3_req(4, 1), length=0))
    cap.frame_notes[f] = ("MBAP length 0: dissect_mbtcp() rejects it (length < 2); plain TCP "
                          "payload, no Modbus/TCP tree")
    pair(m1, 5)
    f = alone(m1, mbap(6, 1, b"\x03\x00"))
    x6 = request(cap, m1, f, 6)
    x6.req_pdu["fields"]["modbus_an.malformed"] = True
    unanswered(x6, "unanswered_at_end",
               "MBAP length 3 = unit + 2 bytes (FC3 + 1 byte of its 4): Wireshark decodes "
               "Modbus/TCP, the Modbus FC3 request runs out of data: [Malformed Packet] "
               "(_ws.malformed, 'Malformed Packet (Exception occurred)'). Its MBAP header is "
               "valid, so it is a request (flagged malformed); no answer, and the capture ends "
               "within the timeout")
    cap.ws_malformed_frames.append(f)
    pair(m1, 7)
    f, _ = m1.c(T(t[0]), mbap(8, 1, fc3_req(8, 1)) + mbap(9, 1, fc3_req(9, 1), pid=1))
    x8 = request(cap, m1, f, 8)
    malformed(cap, m1, f, "request", 9,
              "second PDU of the segment with protocol id 1: dissect_mbtcp() checks the "
              "protocol id only at the start of the segment, so Wireshark decodes it as "
              "Modbus/TCP ('Protocol Identifier: 1') with no expert info; the plugin must "
              "flag it malformed itself")
    cap.frame_notes[f] = "two Modbus/TCP trees: tid 8 (protocol id 0) and tid 9 (protocol id 1)"
    f, _ = m1.s(T(t[0] + 0.02), mbap(8, 1, fc3_resp([8])))
    response(cap, x8, f)
    t[0] += 0.1
    pair(m1, 10)
    f = alone(m1, mbap(11, 1, fc3_req(11, 1), length=20))
    cap.frame_notes[f] = ("MBAP length 20 with only 6 bytes after the length field: "
                          "tcp_dissect_pdus waits for 14 more bytes that never come (this is "
                          "the client's last data on the connection): '[TCP segment of a "
                          "reassembled PDU]', no Modbus/TCP tree. Had more client data "
                          "followed, Wireshark would have glued it to this PDU and lost the "
                          "framing of the following requests.")
    m1.s_ack(T(t[0]))
    t[0] += 0.1

    # HTTP on its own connection: the HTTP heuristic takes over the conversation.
    t[0] = 1.5
    m2 = Conn(cap, CLIENT, 41002, SERVER)
    m2.handshake(T(t[0]))
    t[0] += 0.1
    pair(m2, 1)
    f_get = alone(m2, b"GET / HTTP/1.1\r\n\r\n")
    cap.frame_notes[f_get] = ("'GET / HTTP/1.1': mbtcp rejects it (protocol id 0x5420), the "
                              "HTTP heuristic dissector accepts it and from then on Wireshark "
                              "decodes the whole TCP conversation as HTTP")
    f_a, _ = m2.c(T(t[0]), mbap(2, 1, fc3_req(2, 1)))
    f_b, _ = m2.s(T(t[0] + 0.02), mbap(2, 1, fc3_resp([2])))
    t[0] += 0.1
    cap.frame_notes[f_a] = "a well-formed Modbus request, but Wireshark shows 'HTTP Continuation'"
    cap.frame_notes[f_b] = "its well-formed response, also 'HTTP Continuation': no Modbus/TCP tree"
    m2.s_fin(T(t[0]))
    m2.c_fin(T(t[0] + 0.0002))
    m2.s_ack(T(t[0] + 0.0004))
    t[0] += 0.1

    m3 = Conn(cap, CLIENT, 41003, SERVER)
    m3.handshake(T(t[0]))
    t[0] += 0.1
    pair(m3, 1)
    pair(m3, 2)
    m3.c_ack(T(t[0]))

    cap.notes.append("Wireshark's mbtcp dissector (packet-mbtcp.c) accepts a segment only if it "
                     "has >= 8 bytes, protocol id 0 and MBAP length >= 2 at its start; otherwise "
                     "TCP tries heuristics and falls back to data. Later PDUs in the same segment "
                     "are framed by the MBAP length alone, without these checks.")
    cap.notes.append("A PDU that is too short for its function code is decoded as Modbus/TCP and "
                     "marked [Malformed Packet] (_ws.malformed).")
    cap.notes.append("HTTP bytes on 502 switch the conversation to HTTP (the http heuristic "
                     "sets the conversation dissector): the pair after them (frames %d, %d) is "
                     "invisible as Modbus. The pairs on the other connections are not affected."
                     % (f_a, f_b))
    cap.notes.append("The truncated request (tid 6) has a valid MBAP header: it is a request "
                     "(counted, flagged malformed) that gets no response. The protocol-id-1 "
                     "request (tid 9) has an invalid header: malformed, neither paired nor "
                     "counted as a request.")
    return cap


def port5020():
    cap = Capture("port5020", "Normal FC3/FC6 pairs on server port 5020 (decode with "
                              "-d tcp.port==5020,mbtcp).")
    cap.arg_variants = {"decode_as": ["-d", "tcp.port==5020,mbtcp"],
                        "port_pref": ["-o", "mbtcp.tcp.port:5020"]}
    c = Conn(cap, CLIENT, 50001, SERVER, sport=5020)
    c.handshake(T(0.0))
    f, _ = c.c(T(1.0), mbap(1, 1, fc3_req(0, 2)))
    x = request(cap, c, f, 1)
    f, _ = c.s(T(1.02), mbap(1, 1, fc3_resp([1, 2])))
    response(cap, x, f)
    f, _ = c.c(T(1.5), mbap(2, 1, fc6_req(3, 99)))
    x = request(cap, c, f, 2, fc=6)
    f, _ = c.s(T(1.53), mbap(2, 1, fc6_resp(3, 99)))
    response(cap, x, f)
    c.c_ack(T(1.5302))
    cap.notes.append("Without -d tcp.port==5020,mbtcp Wireshark shows plain TCP. With it every "
                     "MBAP is decoded, but packet-mbtcp.c classifies query/response by its own "
                     "port preference (mbtcp.tcp.port, default 502): Info says 'unknown ... "
                     "Unable to classify', expert warning 'Cannot classify packet type', and "
                     "the Modbus layer shows only the function code (no register data, no "
                     "modbus.request_frame). With -o mbtcp.tcp.port:5020 instead, Wireshark "
                     "classifies and decodes fully. The plugin must give the same result "
                     "with either argument set.")
    cap.notes.append("The client port (50001) is above 5020, so 'the lower port is the "
                     "server' also holds.")
    return cap


def ipv6():
    cap = Capture("ipv6", "Two normal pairs over IPv6.")
    cli = Host("2001:db8:0:1::10", 0x31)
    srv = Host("2001:db8:0:1::20", 0x32)
    c = Conn(cap, cli, 40110, srv)
    c.handshake(T(0.0))
    f, _ = c.c(T(1.0), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, c, f, 1)
    f, _ = c.s(T(1.012), mbap(1, 1, fc3_resp([5])))
    response(cap, x, f)
    f, _ = c.c(T(1.5), mbap(2, 2, fc3_req(0, 1)))
    x = request(cap, c, f, 2, unit=2)
    f, _ = c.s(T(1.525), mbap(2, 2, fc3_resp([6])))
    response(cap, x, f)
    c.c_ack(T(1.5252))
    cap.notes.append("Pair label uses RFC 5952 text without brackets: "
                     "'2001:db8:0:1::10 -> 2001:db8:0:1::20:502'. Units 1 and 2.")
    return cap


def rst_pending():
    cap = Capture("rst_pending",
                  "A request pending when the server sends RST (missed); a new connection from "
                  "a new client port works, and a request pending when the client aborts with "
                  "RST (missed).")
    a = Conn(cap, CLIENT, 40120, SERVER)
    a.handshake(T(0.0))
    f, _ = a.c(T(0.1), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, a, f, 1)
    f, _ = a.s(T(0.13), mbap(1, 1, fc3_resp([1])))
    response(cap, x, f)
    f, _ = a.c(T(1.0), mbap(2, 1, fc3_req(1, 1)))
    x = request(cap, a, f, 2)
    f_rst = a.s_rst(T(1.2))
    unanswered(x, "missed", "pending when the server reset the connection (frame %d); "
                            "the capture ends 1.5 s later, within the timeout" % f_rst)
    b = Conn(cap, CLIENT, 40121, SERVER)
    b.handshake(T(1.5))
    f, _ = b.c(T(1.6), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, b, f, 1)
    f, _ = b.s(T(1.65), mbap(1, 1, fc3_resp([1])))
    response(cap, x, f)
    f, _ = b.c(T(1.8), mbap(2, 1, fc3_req(1, 1)))
    x = request(cap, b, f, 2)
    f, _ = b.s(T(1.85), mbap(2, 1, fc3_resp([2])))
    response(cap, x, f)
    f, _ = b.c(T(2.0), mbap(3, 1, fc3_req(2, 1)))
    x = request(cap, b, f, 3)
    f_crst = b.c_rst(T(2.5))
    unanswered(x, "missed", "pending when the client reset the connection (frame %d, the last "
                            "frame; 0.5 s after the request)" % f_crst)
    cap.notes.append("Both connections are the same pair (same addresses and server port), two "
                     "TCP streams. RST frames carry no payload; Wireshark flags nothing special.")
    return cap


def fin_pending_timeout():
    cap = Capture("fin_pending_timeout",
                  "A request never answered while the capture goes on 8 s (missed by timeout); "
                  "a request pending when the server sends FIN (missed); a request answered "
                  "after the client's FIN (answered); a last request 1 s before the end "
                  "(unanswered_at_end).")
    a = Conn(cap, CLIENT, 40131, SERVER)
    a.handshake(T(0.0))
    f, _ = a.c(T(0.1), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, a, f, 1)
    f, _ = a.s(T(0.15), mbap(1, 1, fc3_resp([1])))
    response(cap, x, f)
    f, _ = a.c(T(1.0), mbap(2, 1, fc3_req(1, 1)))
    xa = request(cap, a, f, 2)
    a.s_ack(T(1.2))
    unanswered(xa, "missed", "never answered; the capture ends 8 s later (> 3 s timeout)")

    b = Conn(cap, CLIENT, 40132, SERVER)
    b.handshake(T(6.0))
    f, _ = b.c(T(6.1), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, b, f, 1)
    f, _ = b.s(T(6.15), mbap(1, 1, fc3_resp([1])))
    response(cap, x, f)
    f, _ = b.c(T(6.5), mbap(2, 1, fc3_req(1, 1)))
    xb = request(cap, b, f, 2)
    f_fin = b.s_fin(T(6.7))
    b.c_fin(T(6.8))
    b.s_ack(T(6.8002))
    unanswered(xb, "missed", "pending when the server sent FIN (frame %d); the capture ends "
                             "2.5 s later, within the timeout" % f_fin)

    d = Conn(cap, CLIENT, 40134, SERVER)
    d.handshake(T(7.0))
    f, _ = d.c(T(7.1), mbap(1, 1, fc3_req(0, 1)))
    xd = request(cap, d, f, 1)
    f_cfin = d.c_fin(T(7.15))
    f, _ = d.s(T(7.3), mbap(1, 1, fc3_resp([5])))
    response(cap, xd, f, note="answered after the client's FIN (frame %d): a half close does "
                              "not end the request" % f_cfin)
    d.s_fin(T(7.35))
    d.c_ack(T(7.3502))

    c = Conn(cap, CLIENT, 40133, SERVER)
    c.handshake(T(7.5))
    f, _ = c.c(T(7.6), mbap(1, 1, fc3_req(0, 1)))
    x = request(cap, c, f, 1)
    f, _ = c.s(T(7.65), mbap(1, 1, fc3_resp([1])))
    response(cap, x, f)
    f, _ = c.c(T(8.0), mbap(2, 1, fc3_req(1, 1)))
    xc = request(cap, c, f, 2)
    f_last = c.s_ack(T(9.0))
    unanswered(xc, "unanswered_at_end", "the capture ends (frame %d, a pure ACK) 1.0 s later"
               % f_last)
    cap.notes.append("Four connections of one pair. Wireshark flags nothing special.")
    return cap


def late_and_delayed():
    cap = Capture("late_and_delayed",
                  "Responses after 0.5 s, exactly 1.0 s, 1.5 s (delayed), exactly 3.0 s "
                  "(delayed, not late) and 3.5 s (late and delayed).")
    c = Conn(cap, CLIENT, 40140, SERVER)
    c.handshake(T(0.0))
    plan = [(1, 0.1, 0.5, "fine"), (2, 1.0, 1.0, "exactly the threshold: not delayed (>)"),
            (3, 2.5, 1.5, "delayed"), (4, 4.5, 3.0, "exactly the timeout: answered, delayed, "
                                                    "not late (>)"),
            (5, 8.0, 3.5, "late (and delayed)")]
    for tid, t, rt, note in plan:
        f, _ = c.c(T(t), mbap(tid, 1, fc3_req(tid, 1)))
        x = request(cap, c, f, tid)
        f, _ = c.s(T(t + rt), mbap(tid, 1, fc3_resp([tid])))
        response(cap, x, f, note=note)
    c.c_ack(T(11.5002))
    cap.notes.append("Timestamps have microsecond resolution, so 1.000000 s and 3.000000 s are "
                     "exact. Wireshark decodes every PDU; nothing is flagged at TCP level.")
    return cap


def exceptions():
    cap = Capture("exceptions",
                  "FC3 answered with exception 0x83/2, FC6 with 0x86/4, and an exception 0x84 "
                  "for tid 3 while an FC3 request with tid 3 is pending: orphan, and the FC3 "
                  "request is never answered (missed).")
    c = Conn(cap, CLIENT, 40150, SERVER)
    c.handshake(T(0.0))
    f, _ = c.c(T(1.0), mbap(1, 1, fc3_req(9999, 1)))
    x = request(cap, c, f, 1)
    f, _ = c.s(T(1.02), mbap(1, 1, exc_resp(3, 2)))
    response(cap, x, f, exc_code=2, note="0x83 code 2 (illegal data address)")
    f, _ = c.c(T(1.5), mbap(2, 1, fc6_req(1, 5)))
    x = request(cap, c, f, 2, fc=6)
    f, _ = c.s(T(1.53), mbap(2, 1, exc_resp(6, 4)))
    response(cap, x, f, exc_code=4, note="0x86 code 4 (server device failure)")
    f, _ = c.c(T(2.0), mbap(3, 1, fc3_req(0, 1)))
    x3 = request(cap, c, f, 3)
    f, _ = c.s(T(2.03), mbap(3, 1, exc_resp(4, 1)))
    orphan(cap, c, f, 3, fc=4, exc_code=1,
           note="0x84 code 1 for tid 3; the pending tid 3 request is FC3: not its response")
    c.c_ack(T(2.0302))
    f, _ = c.c(T(6.0), mbap(4, 1, fc3_req(0, 1)))
    x = request(cap, c, f, 4)
    f, _ = c.s(T(6.02), mbap(4, 1, fc3_resp([4])))
    response(cap, x, f)
    c.c_ack(T(6.0202))
    unanswered(x3, "missed", "only the mismatched 0x84 came back; the capture ends 4.02 s later")
    cap.notes.append("Wireshark decodes the exception responses ('Exception returned', "
                     "modbus.exception_code) but, as noted for the shared captures, sets "
                     "modbus.request_frame only on normal responses.")
    return cap


SCENARIOS = [multi_pdu_segment, split_pdu, tid0_pipelined, tid_wrap_reuse,
             retransmitted_request, mid_transaction_start, duplicate_response, malformed_mbap,
             port5020, ipv6, rst_pending, fin_pending_timeout, late_and_delayed, exceptions]


def main(argv):
    out = os.path.abspath(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    for make in SCENARIOS:
        cap = make()
        with open(os.path.join(out, cap.name + ".pcap"), "wb") as fh:
            fh.write(cap.pcap_bytes())
        with open(os.path.join(out, cap.name + ".expect.json"), "w") as fh:
            json.dump(expect_doc(cap), fh, indent=1, sort_keys=True)
            fh.write("\n")
        print("wrote %s (%d frames)" % (os.path.join(out, cap.name + ".pcap"), len(cap.records)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
