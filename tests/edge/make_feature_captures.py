#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# make_feature_captures.py - byte-exact captures with hand-computed modbus_an feature values.
"""Write the feature edge-case captures of tests/captures/features/ and one
<name>.expect.json beside each.

The packets are built with tests/edge/make_edge_captures.py (imported, not
changed): Ethernet/IPv4/TCP with correct checksums and seq/ack. The pcaps use
the nanosecond pcap format, so that times such as 59.999999999 s are exact.
Timestamps are fixed: running the script again yields the same bytes.

The expected values follow docs/features.md. They are written out by hand in
each scenario below, as arithmetic on the values chosen there (the byte
counts behind every entropy are written literally and only *checked* against
the bytes; window statistics are sums written out, or means/standard
deviations of explicitly listed values). Nothing here calls a general feature
extractor. A small independent evaluation of the outlier rules (`_outlier_guard`)
only asserts that the frames the expect files name as outliers are the only
ones; it produces no expected value.

expect.json layout:
  wireshark: frames, mbtcp transaction/protocol/unit ids per frame (modbus_an
             disabled: Wireshark's own decoding);
  variants:  name -> {tshark_extra_args, invalid_expert_frames,
             outlier_expert_frames, outlier_frames};
  pdus:      one per (frame, pdu_index): `expect` maps CSV column names of
             docs/features.md to the expected value (absent: not checked; null:
             must be empty); `variant_expect` overrides per variant;
  tree_columns: columns also compared with the tree fields
             (modbus_an.feature.<col>, modbus_an.outlier.<metric>.<x>).

Usage: make_feature_captures.py [OUTDIR]   (default: tests/captures/features)
"""
import json
import math
import os
import struct
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_edge_captures as E  # noqa: E402  (packet building: reused as is)

DEFAULT_OUT = os.path.abspath(os.path.join(HERE, "..", "captures", "features"))
BASE_SEC = E.BASE_SEC
NS = 10 ** 9
MS = 10 ** 6


def S(text):
    """Seconds written as a decimal string -> integer nanoseconds, exactly."""
    v = Decimal(text) * NS
    assert v == int(v), text
    return int(v)


def sec(ns):
    """A duration in integer ns as the plugin reports it: ns / 1e9 (a double)."""
    return float(Fraction(ns, NS))


def msec(ns):
    return float(Fraction(ns, MS))


def H(counts):
    """Shannon entropy (bits) from hand-counted byte occurrences {byte: count},
    summed in increasing byte value as docs/features.md says."""
    n = sum(counts.values())
    h = 0.0
    for b in sorted(counts):
        p = counts[b] / n
        h -= p * math.log2(p)
    return h


def check_counts(data, counts, what):
    """Guard for the hand counts: they must be the counts of the bytes."""
    got = dict(Counter(data))
    if got != counts:
        raise AssertionError("%s: hand counts %s, bytes give %s" % (what, counts, got))


def mean_std(values):
    """Population mean and std of explicitly listed values, computed exactly
    (Fractions) and rounded once."""
    fr = [Fraction(v) for v in values]
    m = sum(fr) / len(fr)
    var = sum((v - m) ** 2 for v in fr) / len(fr)
    return float(m), math.sqrt(float(var)), m, var


def quantile(sorted_vals, p):
    """numpy's default (linear) quantile of an ascending list."""
    pos = (len(sorted_vals) - 1) * p
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


WINDOW_COLS = [
    "packet_length_mean_10", "packet_length_std_10", "packet_length_max_10",
    "packet_length_min_10", "packet_length_cv_10",
    "time_delta_mean_10", "time_delta_std_10", "time_delta_cv_10", "time_delta_min_10",
    "time_delta_max_10",
    "payload_entropy_mean_10", "payload_entropy_std_10", "payload_entropy_max_10",
    "payload_entropy_min_10", "function_code_stability_10",
]
IAT_COLS = ["time_delta_mean_10", "time_delta_std_10", "time_delta_cv_10",
            "time_delta_min_10", "time_delta_max_10"]
METRICS = ["response_time", "time_delta", "packet_length", "payload_entropy"]
OUTLIER_COLS = ["%s_%s" % (m, x) for m in METRICS for x in ("zscore", "sigma", "iqr")]


def no_outlier(*metrics):
    return {"%s_%s" % (m, x): None for m in metrics for x in ("zscore", "sigma", "iqr")}


# ---------------------------------------------------------------- capture model

class FeatCapture(E.Capture):
    """An edge Capture with times in integer nanoseconds, written as a
    nanosecond pcap, and a list of the Modbus PDUs put on the wire."""

    def __init__(self, name, summary):
        super().__init__(name, summary)
        self.P = []                  # PDUs in capture order (1-based: P[i - 1])
        self.variants = {"default": {"tshark_extra_args": []}}
        self.tree_columns = []
        self.invalid_expert = {"default": []}
        self.outlier_expert = {"default": []}
        self.outlier_frames = {"default": []}

    def pcap_bytes(self):
        out = [struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1)]
        for t, data in self.records:
            s, ns = divmod(t, NS)
            out.append(struct.pack("<IIII", BASE_SEC + s, ns, len(data), len(data)))
            out.append(data)
        return b"".join(out)


class PDU:
    def __init__(self, cap, conn, frame, index, t, request, adu, rt_ns=None):
        self.cap, self.conn, self.frame, self.index, self.t = cap, conn, frame, index, t
        self.request = request
        self.adu = adu
        self.tid, self.pid, self.length, self.unit = struct.unpack(">HHHB", adu[:7])
        self.fc = adu[7]
        self.rt_ns = rt_ns           # response time if this response is paired
        self.expect = {}
        self.variant_expect = {}
        self.note = ""

    @property
    def src(self):
        return (self.conn.client if self.request else self.conn.server).label()

    @property
    def dst(self):
        return (self.conn.server if self.request else self.conn.client).label()

    def doc(self):
        e = {
            # Identity and the basic features of section 1, straight from the
            # bytes built here.
            "time_epoch": "%d.%09d" % (BASE_SEC + self.t // NS, self.t % NS),
            "stream": self.conn.stream,
            "src_ip": self.src,
            "dst_ip": self.dst,
            "direction": "request" if self.request else "response",
            "pair": self.conn.pair(),
            "packet_length": len(self.adu),
            "modbus_length": self.length,
            "data_length": len(self.adu) - 8,
            "transaction_id": self.tid,
            "protocol_id": self.pid,
            "unit_id": self.unit,
            "function_code": self.fc,
        }
        e.update(self.expect)
        d = {"frame": self.frame, "pdu_index": self.index, "transaction_id": self.tid,
             "expect": e}
        if self.variant_expect:
            d["variant_expect"] = self.variant_expect
        if self.note:
            d["note"] = self.note
        return d


class Flow:
    """A TCP connection that records the Modbus PDUs it sends."""

    def __init__(self, cap, client, cport, server, sport=502, t_handshake=None):
        self.cap = cap
        self.conn = E.Conn(cap, client, cport, server, sport)
        if t_handshake is not None:
            self.conn.handshake(t_handshake)       # SYN, +300 ns SYN/ACK, +600 ns ACK

    def send(self, from_client, t, adus, rts=None):
        """One segment carrying the ADUs; returns their PDU objects."""
        payload = b"".join(adus)
        frame, _ = (self.conn.c if from_client else self.conn.s)(t, payload)
        out = []
        for i, adu in enumerate(adus):
            p = PDU(self.cap, self.conn, frame, i, t, from_client, adu,
                    rts[i] if rts else None)
            self.cap.P.append(p)
            out.append(p)
        return out

    def req(self, t, adu):
        return self.send(True, t, [adu])[0]

    def resp(self, t, adu, request_pdu=None):
        rt = (t - request_pdu.t) if request_pdu is not None else None
        return self.send(False, t, [adu], [rt])[0]

    def split(self, from_client, times, adu, cuts, request_pdu=None):
        """One ADU over several segments (cut at the given offsets); the PDU
        belongs to the last segment, at its time."""
        bounds = [0] + list(cuts) + [len(adu)]
        assert len(times) == len(bounds) - 1
        for i in range(len(times) - 1):
            (self.conn.c if from_client else self.conn.s)(times[i], adu[bounds[i]:bounds[i + 1]])
        frame, _ = (self.conn.c if from_client else self.conn.s)(times[-1], adu[bounds[-2]:])
        rt = (times[-1] - request_pdu.t) if request_pdu is not None else None
        p = PDU(self.cap, self.conn, frame, 0, times[-1], from_client, adu, rt)
        self.cap.P.append(p)
        return p


def adu(tid, unit, pdu, pid=0, length=None):
    return E.mbap(tid, unit, pdu, pid=pid, length=length)


def fc3_req(start, qty):
    return struct.pack(">BHH", 3, start, qty)


def fc3_resp(values):
    return struct.pack(">BB", 3, 2 * len(values)) + b"".join(struct.pack(">H", v) for v in values)


def fc6(addr, value):
    return struct.pack(">BHH", 6, addr, value)


def fc16_req(start, values):
    return (struct.pack(">BHHB", 16, start, len(values), 2 * len(values))
            + b"".join(struct.pack(">H", v) for v in values))


def fc16_resp(start, qty):
    return struct.pack(">BHH", 16, start, qty)


# ---------------------------------------------------------------- outlier guard

def _judge(history, x):
    """(sigma, iqr) of docs/features.md for value x against history (assertion use only)."""
    h = history[-100:]
    if len(h) < 10:
        return None
    m, s, _, _ = mean_std(h)
    z = 0.0 if s == 0 else (x - m) / s
    sig = 3 if abs(z) > 3 else 2 if abs(z) > 2 else 0
    srt = sorted(h)
    q1, q3 = quantile(srt, 0.25), quantile(srt, 0.75)
    iqr = x < q1 - 1.5 * (q3 - q1) or x > q3 + 1.5 * (q3 - q1)
    return sig, iqr


def _outlier_guard(cap):
    """Frames with any sigma 3 (expert) and with any sigma >= 2 or iqr, by
    an independent evaluation of the outlier rules. Used to assert that the
    hand-stated frame lists are complete, nothing else."""
    hist = {}
    expert, flagged = set(), set()
    last_t = {}
    for p in cap.P:
        flow = p.conn.stream
        pair = p.conn.pair()
        pe = H(dict(Counter(p.adu[8:]))) if len(p.adu) > 8 else 0.0
        vals = {"packet_length": (("pl", flow), len(p.adu)),
                "payload_entropy": (("pe", flow), pe)}
        if flow in last_t:
            vals["time_delta"] = (("td", flow), sec(p.t - last_t[flow]))
        last_t[flow] = p.t
        if not p.request and p.rt_ns is not None:
            vals["response_time"] = (("rt", pair), sec(p.rt_ns))
        for key, x in vals.values():
            h = hist.setdefault(key, [])
            r = _judge(h, x)
            h.append(x)
            if r is None:
                continue
            sig, iqr = r
            if sig == 3:
                expert.add(p.frame)
            if sig >= 2 or iqr:
                flagged.add(p.frame)
    return sorted(expert), sorted(flagged)


# ---------------------------------------------------------------- hosts

def hosts():
    """Fresh hosts per capture (Host keeps the IP id counter)."""
    return (E.Host("192.168.40.11", 0x11), E.Host("192.168.40.12", 0x12),
            E.Host("192.168.40.20", 0x20), E.Host("192.168.40.21", 0x21))


# ---------------------------------------------------------------- a. single_pdu_flow

def single_pdu_flow():
    cap = FeatCapture("single_pdu_flow",
                      "Connection 1 (192.168.40.12) carries exactly one FC3 request and nothing "
                      "else, while connection 0 (192.168.40.11) polls the same server: the lone "
                      "PDU has every window statistic zero-filled and no outlier field; the other "
                      "flow is not disturbed by it.")
    C1, C2, SRV, _ = hosts()
    T0 = S("1.0")
    a = Flow(cap, C1, 40201, SRV, t_handshake=T0 - S("0.5"))
    A = []
    b = None
    for k in range(5):
        t = T0 + k * NS
        r = a.req(t, adu(k + 1, 1, fc3_req(0x0000, 1)))
        A.append(r)
        A.append(a.resp(t + S("0.02"), adu(k + 1, 1, fc3_resp([0x0102])), r))
        if k == 2:
            bf = Flow(cap, C2, 40202, SRV, t_handshake=T0 + S("2.3"))
            b = bf.req(T0 + S("2.5"), adu(0x0007, 1, fc3_req(0x0000, 0x000A)))
            bf.conn.s_ack(T0 + S("2.5002"))     # the server acknowledges, never answers

    # The lone PDU: 00 07 00 00 00 06 01 | 03 | 00 00 00 0A
    check_counts(b.adu[8:], {0x00: 3, 0x0A: 1}, "single payload")
    check_counts(b.adu[:7], {0x00: 4, 0x01: 1, 0x06: 1, 0x07: 1}, "single header")
    check_counts(b.adu, {0x00: 7, 0x01: 1, 0x03: 1, 0x06: 1, 0x07: 1, 0x0A: 1}, "single full")
    e = {c: 0.0 for c in WINDOW_COLS}
    e.update(no_outlier(*METRICS))
    e.update({
        "payload_entropy": H({0x00: 3, 0x0A: 1}),
        "header_entropy": H({0x00: 4, 0x01: 1, 0x06: 1, 0x07: 1}),
        "full_packet_entropy": H({0x00: 7, 0x01: 1, 0x03: 1, 0x06: 1, 0x07: 1, 0x0A: 1}),
        "time_delta": 0.0, "time_delta_ms": 0.0, "rolling_count_10": 1,
        "function_code_changes": False,
        "session_packets": 1, "session_duration": 0.0, "session_dominant_function_code": 3,
        "session_pairing_ratio": 0.0,
        "burst_indicator": False, "periodicity_score": 0.0, "entropy_stability": 0.0,
        "is_read_operation": True, "is_write_operation": False, "is_error_response": False,
        "fc_1": 0, "fc_3": 1, "fc_6": 0, "fc_127": 0,
        "is_valid": True, "protocol_id_valid": True, "unit_id_valid": True,
        "function_code_valid": True, "length_consistent": True,
        # 60 s window at t = 2.5: connection 0's PDUs at 0, 0.02, 1, 1.02, 2, 2.02 and this one.
        # Sent to the server: C1's requests at 0, 1, 2 and this one -> 2 sources, 4 PDUs.
        "unique_src_ips": 2, "packets_per_dst": 4,
        # Sent by 192.168.40.12: only this one.
        "unique_dst_ips": 1, "packets_per_src": 1,
        # Its pair (192.168.40.12 -> server) holds only this PDU.
        "unique_unit_ids": 1, "packets_per_unit": 1, "packets_60s": 1, "fc_distinct_60s": 1,
        "fc_share_60s": 1.0, "violation_rate_60s": 0.0, "window_truncated": False,
        "traffic_intensity": 1.0,        # 1 PDU / max(1 s, min(60 s, 0 s))
        "read_write_ratio": 1.0,         # 1 read / max(0 writes, 1)
        "response_time": None,
    })
    b.expect = e
    b.note = "the lone PDU of connection 1"

    # Connection 0, around it: its own windows only (lengths 12 request, 11 response).
    # A[6] = PDU 7 of connection 0 (request at 3.0): its previous PDU in the flow is the
    # response at 2.02, not the lone PDU at 2.5.
    A[6].expect = {"time_delta": sec(S("0.98")), "time_delta_ms": msec(S("0.98")),
                   "session_packets": 7, "rolling_count_10": 7,
                   "session_duration": sec(S("3.0")),
                   # to the server in (t-60, t]: C1 requests at 0,1,2,3 + C2's at 2.5
                   "unique_src_ips": 2, "packets_per_dst": 5,
                   # sent by C1: its 4 requests, to one server
                   "unique_dst_ips": 1, "packets_per_src": 4,
                   "packets_60s": 7, "packets_per_unit": 7,
                   "session_pairing_ratio": 3 / 4,   # 3 paired responses / 4 requests
                   "packet_length_mean_10": 0.0, "burst_indicator": False}
    # A[9] = PDU 10 (response at 4.02): window full for lengths, not for IATs (9 of them).
    # lengths 12,11,12,11,12,11,12,11,12,11: mean 11.5, std 0.5, cv 0.5/11.5
    A[9].expect = {"rolling_count_10": 10, "packet_length_mean_10": 11.5,
                   "packet_length_std_10": 0.5, "packet_length_cv_10": 0.5 / 11.5,
                   "packet_length_max_10": 12.0, "packet_length_min_10": 11.0,
                   "time_delta_mean_10": 0.0, "time_delta_std_10": 0.0, "periodicity_score": 0.0,
                   "function_code_stability_10": 1.0,
                   # payloads: requests 00 00 00 01 (counts 3,1), responses 02 01 02
                   # (counts 1,2): two values, 5 each -> std = |difference| / 2
                   "payload_entropy_std_10":
                   abs(H({0x00: 3, 0x01: 1}) - H({0x01: 1, 0x02: 2})) / 2,
                   "session_packets": 10, "session_pairing_ratio": 1.0,
                   "response_time": sec(S("0.02"))}
    check_counts(A[0].adu[8:], {0x00: 3, 0x01: 1}, "A request payload")
    check_counts(A[1].adu[8:], {0x01: 1, 0x02: 2}, "A response payload")
    for p in A:
        p.expect.update(no_outlier("packet_length", "payload_entropy", "response_time",
                                   "time_delta"))   # 10 PDUs: history never reaches 10
    cap.tree_columns = ["time_delta", "rolling_count_10", "session_packets", "packet_length_std_10",
                        "unique_src_ips", "traffic_intensity", "packet_length_zscore",
                        "payload_entropy_sigma"]
    return cap


# ---------------------------------------------------------------- b. zero_variance

def zero_variance():
    cap = FeatCapture("zero_variance",
                      "28 identical FC6 ADUs (request and echoed response, tid 1): a request "
                      "every 1.000000000 s, its response 0.010000000 s later; then one FC15 "
                      "request of another length (16 bytes) 0.99 s after the last response, "
                      "and its response 0.010001000 s later (1 us slower than all before).")
    C1, _, SRV, _ = hosts()
    T0 = S("1.0")
    f = Flow(cap, C1, 40301, SRV, t_handshake=T0 - S("0.5"))
    same = adu(1, 1, fc6(0x0010, 0x0020))       # 00 01 00 00 00 06 01 06 00 10 00 20
    assert same == bytes.fromhex("000100000006010600100020")
    N = 14        # identical pairs. 14 (not 15-17): a plain floating-point sum of 14
    # copies of 0.01 is not 14 * 0.01, so an implementation that does not get the std of
    # equal response times exactly 0 shows it on PDU 30.
    P = []
    for k in range(N):
        r = f.req(T0 + k * NS, same)
        P.append(r)
        P.append(f.resp(T0 + k * NS + S("0.01"), same, r))
    # PDU 29: FC15 write 24 coils: 00 01 00 00 00 0A 01 | 0F | 00 00 00 18 03 18 03 00
    odd = adu(1, 1, bytes([15, 0x00, 0x00, 0x00, 0x18, 0x03, 0x18, 0x03, 0x00]))
    assert len(odd) == 16
    P.append(f.req(T0 + N * NS, odd))
    # PDU 30: its response, 0.010001000 s later (1 us slower than all 14 before):
    # 00 01 00 00 00 06 01 | 0F | 00 00 00 18
    odd_resp = adu(1, 1, bytes([15, 0x00, 0x00, 0x00, 0x18]))
    P.append(f.resp(T0 + N * NS + S("0.010001"), odd_resp, P[28]))
    f.conn.c_ack(T0 + N * NS + S("0.0102"))
    assert len(P) == 30

    check_counts(same[8:], {0x00: 2, 0x10: 1, 0x20: 1}, "payload")
    check_counts(same[:7], {0x00: 4, 0x01: 2, 0x06: 1}, "header")
    check_counts(same, {0x00: 6, 0x01: 2, 0x06: 2, 0x10: 1, 0x20: 1}, "full")
    check_counts(odd[8:], {0x00: 4, 0x03: 2, 0x18: 2}, "odd payload")
    pe = H({0x00: 2, 0x10: 1, 0x20: 1})        # 0.5*1 + 0.25*2 + 0.25*2 = 1.5 exactly
    assert pe == 1.5 and H({0x00: 4, 0x03: 2, 0x18: 2}) == 1.5
    a, b = S("0.01"), S("0.99")                 # the two inter-arrival times (ns)

    for i, p in enumerate(P[:29], 1):
        k, second = divmod(i - 1, 2)            # pair k, response if second
        e = p.expect
        if i <= 28:
            e.update({"payload_entropy": 1.5,
                      "header_entropy": H({0x00: 4, 0x01: 2, 0x06: 1}),
                      "full_packet_entropy": H({0x00: 6, 0x01: 2, 0x06: 2, 0x10: 1, 0x20: 1}),
                      "function_code_changes": False, "is_write_operation": True,
                      "is_read_operation": False, "fc_6": 1, "fc_3": 0})
        e["rolling_count_10"] = min(i, 10)
        # time_delta: PDU 1 none; responses 0.01; requests 0.99
        iat = 0 if i == 1 else (a if second else b)
        e["time_delta"] = sec(iat)
        e["time_delta_ms"] = msec(iat)
        e["burst_indicator"] = False            # 10 ms and 990 ms are not < 5 ms
        if i < 10:
            for c in WINDOW_COLS:
                e[c] = 0.0
            e["entropy_stability"] = 0.0
        elif i <= 28:
            e.update({"packet_length_mean_10": 12.0, "packet_length_std_10": 0.0,
                      "packet_length_max_10": 12.0, "packet_length_min_10": 12.0,
                      "packet_length_cv_10": 0.0,
                      "payload_entropy_mean_10": 1.5, "payload_entropy_std_10": 0.0,
                      "payload_entropy_max_10": 1.5, "payload_entropy_min_10": 1.5,
                      "entropy_stability": 1.0,              # 1 / (1 + 0)
                      "function_code_stability_10": 1.0})    # 10 of 10 unchanged
        if i < 11:
            for c in IAT_COLS:
                e[c] = 0.0
            e["periodicity_score"] = 0.0
        else:
            # 10 IATs, five of 0.01 s and five of 0.99 s, whatever the phase:
            # mean 0.5, deviations +-0.49 -> std 0.49, cv 0.98, periodicity 1 - 0.98.
            e.update({"time_delta_mean_10": 0.5, "time_delta_std_10": 0.49,
                      "time_delta_cv_10": 0.98, "time_delta_min_10": 0.01,
                      "time_delta_max_10": 0.99, "periodicity_score": 0.02})
        # Outliers on packet_length / payload_entropy: judged from PDU 11 (history 10);
        # every history value is equal: std 0 -> z 0, sigma 0; q1 = q3 = the value.
        if i <= 10:
            e.update(no_outlier("packet_length", "payload_entropy"))
        elif i <= 28:
            e.update({"packet_length_zscore": 0.0, "packet_length_sigma": 0,
                      "packet_length_iqr": False,
                      "payload_entropy_zscore": 0.0, "payload_entropy_sigma": 0,
                      "payload_entropy_iqr": False})
        # time_delta outlier: history = IATs of PDUs 2..i-1; judged when it holds 10
        # (from PDU 12). With na values 0.01 and nb values 0.99 (shares p, q):
        # mean = p a + q b, std = sqrt(pq) (b - a), so z = sqrt(na/nb) for x = 0.99 and
        # -sqrt(nb/na) for x = 0.01. q1 = 0.01, q3 = 0.99 -> fences -1.46, 2.46: no iqr.
        if i < 12:
            e.update(no_outlier("time_delta"))
        else:
            na = len([j for j in range(2, i) if j % 2 == 0])   # responses: IAT 0.01
            nb = len([j for j in range(2, i) if j % 2 == 1])   # requests: IAT 0.99
            z = math.sqrt(na / nb) if iat == b else -math.sqrt(nb / na)
            e.update({"time_delta_zscore": z, "time_delta_sigma": 0, "time_delta_iqr": False})
        # response_time: every one exactly 0.010000000 s; history per pair; judged from
        # the 11th response (PDU 22): all equal -> std 0 -> z 0, sigma 0, no iqr.
        if p.request:
            e.update(no_outlier("response_time"))
            e["response_time"] = None
        else:
            e["response_time"] = 0.01
            if k + 1 <= 10:
                e.update(no_outlier("response_time"))
            else:
                e.update({"response_time_zscore": 0.0, "response_time_sigma": 0,
                          "response_time_iqr": False})
        # session / pair (one connection, everything within 15 s)
        dur = k * NS + (a if second else 0)
        e["session_packets"] = i
        e["session_duration"] = sec(dur)
        e["session_dominant_function_code"] = 6
        e["session_pairing_ratio"] = 1.0 if second else k / (k + 1)
        e["packets_60s"] = i
        e["traffic_intensity"] = i / max(1.0, sec(dur))
        e["read_write_ratio"] = 0.0                     # 0 reads / max(writes, 1)
        e["is_valid"] = True
        if i <= 28:
            e["fc_distinct_60s"] = 1
            e["fc_share_60s"] = 1.0

    # PDU 29: the FC15 request, 16 bytes.
    e = P[28].expect
    e.update({
        "payload_entropy": 1.5, "function_code_changes": True, "fc_15": 1, "fc_6": 0,
        "is_write_operation": True,
        # window PDUs 20..29: nine 12 and one 16: mean 12.4; var = (9*144 + 256)/10 - 12.4^2
        # = 155.2 - 153.76 = 1.44 -> std 1.2
        "packet_length_mean_10": 12.4, "packet_length_std_10": 1.2,
        "packet_length_cv_10": 1.2 / 12.4, "packet_length_max_10": 16.0,
        "packet_length_min_10": 12.0,
        "payload_entropy_mean_10": 1.5, "payload_entropy_std_10": 0.0, "entropy_stability": 1.0,
        "function_code_stability_10": 0.9,               # 9 of 10 unchanged
        # packet_length against twenty-eight 12s: std 0 -> z 0 and sigma 0 (the std = 0 rule),
        # but q1 = q3 = 12 and 16 > 12 + 1.5 * 0: iqr outlier.
        "packet_length_zscore": 0.0, "packet_length_sigma": 0, "packet_length_iqr": True,
        "payload_entropy_zscore": 0.0, "payload_entropy_sigma": 0, "payload_entropy_iqr": False,
        "fc_distinct_60s": 2, "fc_share_60s": 1 / 29,
        "session_dominant_function_code": 6, "session_pairing_ratio": 14 / 15,
    })
    P[28].note = "the one different ADU: iqr outlier on packet_length with std 0 (sigma 0)"

    # PDU 30: the FC15 response, response time 0.010001 s.
    check_counts(odd_resp[8:], {0x00: 3, 0x18: 1}, "odd response payload")
    pe30 = H({0x00: 3, 0x18: 1})
    rt30 = S("0.010001")
    e = P[29].expect
    e.update({
        "response_time": sec(rt30), "time_delta": sec(rt30), "time_delta_ms": msec(rt30),
        "burst_indicator": False, "rolling_count_10": 10, "function_code_changes": False,
        "fc_15": 1, "is_write_operation": True, "payload_entropy": pe30,
        # Against fourteen response times of exactly 0.010000000 s: the history's std is 0,
        # so z = 0 and no sigma flag (docs/features.md: "if std = 0, z = 0 and no sigma
        # flag"); q1 = q3 = 0.01 and 0.010001 > 0.01: iqr outlier. No expert info.
        "response_time_zscore": 0.0, "response_time_sigma": 0, "response_time_iqr": True,
        # payload_entropy: twenty-nine values of exactly 1.5 before it: std 0, z 0, sigma 0;
        # 0.811 < q1 = 1.5: iqr outlier.
        "payload_entropy_zscore": 0.0, "payload_entropy_sigma": 0, "payload_entropy_iqr": True,
        # packet_length: history twenty-eight 12s and one 16 (n 29): mean 352/29, var
        # (29 * 4288 - 352^2) / 29^2 = 448/841: z = (348 - 352) / sqrt(448); q1 = q3 = 12.
        "packet_length_zscore": -4 / math.sqrt(448), "packet_length_sigma": 0,
        "packet_length_iqr": False,
        # window PDUs 21..30: lengths nine 12 + one 16 (mean 12.4, std 1.2 as above);
        # entropies nine 1.5 + one pe30: std = (1.5 - pe30) * sqrt(0.1 * 0.9)
        "packet_length_mean_10": 12.4, "packet_length_std_10": 1.2,
        "payload_entropy_std_10": (1.5 - pe30) * 0.3,
        "entropy_stability": 1 / (1 + (1.5 - pe30) * 0.3),
        "function_code_stability_10": 0.9,   # only PDU 29 changed
        "session_packets": 30, "session_duration": sec(N * NS + rt30),
        "session_pairing_ratio": 1.0, "session_dominant_function_code": 6,
        "packets_60s": 30, "fc_distinct_60s": 2, "fc_share_60s": 2 / 30,
        "traffic_intensity": 30 / sec(N * NS + rt30), "read_write_ratio": 0.0, "is_valid": True,
    })
    assert 28 * 144 + 256 == 4288 and 29 * 4288 - 352 ** 2 == 448
    # time_delta: IAT window PDUs 21..30 = 0.99, 0.01 alternating (PDUs 21..28), 0.99 (PDU 29),
    # 0.010001 (PDU 30): five 0.99, four 0.01, one 0.010001
    win = [Fraction(b, NS)] * 5 + [Fraction(a, NS)] * 4 + [Fraction(rt30, NS)]
    tm, ts, _, _ = mean_std(win)
    e.update({"time_delta_mean_10": tm, "time_delta_std_10": ts, "time_delta_cv_10": ts / tm,
              "time_delta_min_10": 0.01, "time_delta_max_10": 0.99,
              "periodicity_score": 1 - ts / tm})
    # time_delta outlier: history IATs of PDUs 2..29 = fourteen 0.01 and fourteen 0.99:
    # mean 0.5, std 0.49: z = (0.010001 - 0.5) / 0.49
    e.update({"time_delta_zscore": (0.010001 - 0.5) / 0.49, "time_delta_sigma": 0,
              "time_delta_iqr": False})
    P[29].note = ("response time 1 us above fourteen identical ones: std 0 -> z 0, sigma 0 "
                  "(no expert), iqr true")
    cap.outlier_frames = {"default": [P[28].frame, P[29].frame]}
    cap.outlier_expert = {"default": []}
    cap.tree_columns = ["payload_entropy_std_10", "entropy_stability", "time_delta_std_10",
                        "periodicity_score", "function_code_stability_10",
                        "packet_length_zscore", "packet_length_sigma", "packet_length_iqr",
                        "time_delta_zscore", "response_time_zscore"]
    return cap


# ---------------------------------------------------------------- c. first_window

def first_window():
    cap = FeatCapture("first_window",
                      "12 PDUs of one connection (FC3, FC6, FC3, FC16, FC1, FC15 pairs) with "
                      "chosen lengths and inter-arrival times: PDUs 1-9 zero-filled, PDU 10 the "
                      "first full length/entropy/fc window, PDU 11 the first full IAT window; "
                      "IATs of exactly 5 ms and of 4.999999 ms around the burst threshold.")
    C1, _, SRV, _ = hosts()
    T0 = S("1.0")
    f = Flow(cap, C1, 40401, SRV, t_handshake=T0 - S("0.5"))
    # inter-arrival times of PDUs 2..12 (ns)
    IAT = [None, None, S("0.020"), S("0.480"), S("0.005"), S("0.495"), S("0.004999999"),
           S("0.300"), S("0.010"), S("0.700"), S("0.001"), S("0.250"), S("0.030")]
    t = [None, T0]
    for i in range(2, 13):
        t.append(t[-1] + IAT[i])
    ADU = [None,
           adu(1, 1, fc3_req(0x0000, 1)),                       # 1  12 bytes
           adu(1, 1, fc3_resp([0x1234])),                       # 2  11
           adu(2, 1, fc6(0x0001, 0x00FF)),                      # 3  12
           adu(2, 1, fc6(0x0001, 0x00FF)),                      # 4  12
           adu(3, 1, fc3_req(0x0010, 2)),                       # 5  12
           adu(3, 1, fc3_resp([0x0102, 0x0304])),               # 6  13
           adu(4, 1, fc16_req(0x0020, [0x0A0B, 0x0C0D])),       # 7  17
           adu(4, 1, fc16_resp(0x0020, 2)),                     # 8  12
           adu(5, 1, bytes([1, 0x00, 0x00, 0x00, 0x08])),       # 9  12  FC1 8 coils
           adu(5, 1, bytes([1, 0x01, 0xA5])),                   # 10 10
           adu(6, 1, bytes([15, 0x00, 0x00, 0x00, 0x08, 0x01, 0xFF])),  # 11 14 FC15
           adu(6, 1, bytes([15, 0x00, 0x00, 0x00, 0x08])),      # 12 12
           ]
    L = [None, 12, 11, 12, 12, 12, 13, 17, 12, 12, 10, 14, 12]
    FC = [None, 3, 3, 6, 6, 3, 3, 16, 16, 1, 1, 15, 15]
    P = [None]
    for i in range(1, 13):
        if i % 2:
            P.append(f.req(t[i], ADU[i]))
        else:
            P.append(f.resp(t[i], ADU[i], P[i - 1]))
        assert len(ADU[i]) == L[i] and ADU[i][7] == FC[i], i
    f.conn.c_ack(t[12] + S("0.0002"))

    # Payload bytes and their hand counts (the bytes after the function code).
    PC = [None,
          {0x00: 3, 0x01: 1},                                           # 00 00 00 01
          {0x02: 1, 0x12: 1, 0x34: 1},                                  # 02 12 34
          {0x00: 2, 0x01: 1, 0xFF: 1},                                  # 00 01 00 FF
          {0x00: 2, 0x01: 1, 0xFF: 1},
          {0x00: 2, 0x02: 1, 0x10: 1},                                  # 00 10 00 02
          {0x01: 1, 0x02: 1, 0x03: 1, 0x04: 2},                         # 04 01 02 03 04
          {0x00: 2, 0x02: 1, 0x04: 1, 0x0A: 1, 0x0B: 1, 0x0C: 1, 0x0D: 1, 0x20: 1},
          {0x00: 2, 0x02: 1, 0x20: 1},                                  # 00 20 00 02
          {0x00: 3, 0x08: 1},                                           # 00 00 00 08
          {0x01: 1, 0xA5: 1},                                           # 01 A5
          {0x00: 3, 0x01: 1, 0x08: 1, 0xFF: 1},                         # 00 00 00 08 01 FF
          {0x00: 3, 0x08: 1},                                           # 00 00 00 08
          ]
    # MBAP header counts: tid (00 0i), protocol 00 00, length (00 LL), unit 01
    HC = [None,
          {0x00: 4, 0x01: 2, 0x06: 1},          # 00 01 00 00 00 06 01
          {0x00: 4, 0x01: 2, 0x05: 1},          # 00 01 00 00 00 05 01
          {0x00: 4, 0x02: 1, 0x06: 1, 0x01: 1},  # 00 02 00 00 00 06 01
          {0x00: 4, 0x02: 1, 0x06: 1, 0x01: 1},
          {0x00: 4, 0x03: 1, 0x06: 1, 0x01: 1},
          {0x00: 4, 0x03: 1, 0x07: 1, 0x01: 1},
          {0x00: 4, 0x04: 1, 0x0B: 1, 0x01: 1},
          {0x00: 4, 0x04: 1, 0x06: 1, 0x01: 1},
          {0x00: 4, 0x05: 1, 0x06: 1, 0x01: 1},
          {0x00: 4, 0x05: 1, 0x04: 1, 0x01: 1},
          {0x00: 4, 0x06: 1, 0x08: 1, 0x01: 1},
          {0x00: 4, 0x06: 2, 0x01: 1},          # 00 06 00 00 00 06 01
          ]
    # Whole ADU of PDUs 1, 7 and 12.
    FULL = {1: {0x00: 7, 0x01: 3, 0x03: 1, 0x06: 1},
            7: {0x00: 6, 0x01: 1, 0x02: 1, 0x04: 2, 0x0A: 1, 0x0B: 2, 0x0C: 1, 0x0D: 1,
                0x10: 1, 0x20: 1},
            12: {0x00: 7, 0x01: 1, 0x06: 2, 0x08: 1, 0x0F: 1}}
    PE = [None]
    for i in range(1, 13):
        check_counts(ADU[i][8:], PC[i], "payload %d" % i)
        check_counts(ADU[i][:7], HC[i], "header %d" % i)
        PE.append(H(PC[i]))
    for i, c in FULL.items():
        check_counts(ADU[i], c, "full %d" % i)

    # function_code_changes: 3,3,6,6,3,3,16,16,1,1,15,15
    CHG = [None, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    for i in range(1, 13):
        e = P[i].expect
        e["payload_entropy"] = PE[i]
        e["header_entropy"] = H(HC[i])
        if i in FULL:
            e["full_packet_entropy"] = H(FULL[i])
        e["function_code_changes"] = bool(CHG[i])
        e["rolling_count_10"] = min(i, 10)
        e["time_delta"] = sec(IAT[i]) if i > 1 else 0.0
        e["time_delta_ms"] = msec(IAT[i]) if i > 1 else 0.0
        e["session_packets"] = i
        e["session_duration"] = sec(t[i] - t[1])
        # FC3 leads from PDU 1 (counts after PDU 12: FC3 4, FC6 2, FC16 2, FC1 2, FC15 2)
        e["session_dominant_function_code"] = 3
        e["response_time"] = None if i % 2 else sec(t[i] - t[i - 1])
        e["is_valid"] = True
        e["length_consistent"] = True
        e["fc_%d" % FC[i]] = 1
        if i < 10:
            for c in WINDOW_COLS:
                e[c] = 0.0
            e["entropy_stability"] = 0.0
        if i < 11:
            for c in IAT_COLS:
                e[c] = 0.0
            e["periodicity_score"] = 0.0
    # burst: IAT < 5 ms: PDU 6 (4.999999 ms) and PDU 10 (1 ms); PDU 4 is exactly 5 ms: no.
    for i in range(1, 13):
        P[i].expect["burst_indicator"] = i in (6, 10)
    # session_pairing_ratio: paired responses / requests so far
    for i in range(1, 13):
        P[i].expect["session_pairing_ratio"] = ((i - 1) // 2) / ((i + 1) // 2) if i % 2 else 1.0
    # 60 s window = everything so far (one pair). reads FC 1-4, writes FC 6/15/16.
    distinct = [None, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5]
    share = [None, (1, 1), (2, 2), (1, 3), (2, 4), (3, 5), (4, 6), (1, 7), (2, 8), (1, 9),
             (2, 10), (1, 11), (2, 12)]
    reads = [None, 1, 2, 2, 2, 3, 4, 4, 4, 5, 6, 6, 6]
    writes = [None, 0, 0, 1, 2, 2, 2, 3, 4, 4, 4, 5, 6]
    for i in range(1, 13):
        e = P[i].expect
        e["packets_60s"] = i
        e["fc_distinct_60s"] = distinct[i]
        e["fc_share_60s"] = share[i][0] / share[i][1]
        e["read_write_ratio"] = reads[i] / max(writes[i], 1)
        e["traffic_intensity"] = i / max(1.0, sec(t[i] - t[1]))
        e["unique_unit_ids"] = 1
        e["packets_per_unit"] = i
        e["packets_per_src"] = (i + 1) // 2 if i % 2 else i // 2
        e["packets_per_dst"] = e["packets_per_src"]
        e["violation_rate_60s"] = 0.0

    # ---- PDU 10: first full length / entropy / fc window (PDUs 1..10)
    # lengths 12 11 12 12 12 13 17 12 12 10: sum 123, sum of squares 1543
    assert sum(L[1:11]) == 123 and sum(x * x for x in L[1:11]) == 1543
    var10 = Fraction(10 * 1543 - 123 ** 2, 100)          # 301/100
    assert var10 == Fraction(301, 100)
    e = P[10].expect
    e.update({"packet_length_mean_10": 12.3, "packet_length_std_10": math.sqrt(3.01),
              "packet_length_cv_10": math.sqrt(3.01) / 12.3,
              "packet_length_max_10": 17.0, "packet_length_min_10": 10.0,
              "function_code_stability_10": 0.6})   # unchanged: PDUs 1,2,4,6,8,10
    pm, ps, _, _ = mean_std(PE[1:11])
    e.update({"payload_entropy_mean_10": pm, "payload_entropy_std_10": ps,
              "payload_entropy_max_10": max(PE[1:11]), "payload_entropy_min_10": min(PE[1:11]),
              "entropy_stability": 1 / (1 + ps)})
    # max is PDU 7 (9 bytes, 8 values), min is PDU 9 (counts 3,1)
    assert max(PE[1:11]) == PE[7] and min(PE[1:11]) == PE[9]
    P[10].note = "first full length/entropy/fc window; IAT window still zero-filled (9 IATs)"

    # ---- PDU 11: first IAT window = IATs of PDUs 2..11
    # lengths 11 12 12 12 13 17 12 12 10 14: sum 125, squares 1595, var (15950-15625)/100
    assert sum(L[2:12]) == 125 and sum(x * x for x in L[2:12]) == 1595
    e = P[11].expect
    e.update({"packet_length_mean_10": 12.5, "packet_length_std_10": math.sqrt(3.25),
              "packet_length_cv_10": math.sqrt(3.25) / 12.5,
              "packet_length_max_10": 17.0, "packet_length_min_10": 10.0,
              "function_code_stability_10": 0.5})   # unchanged: 2,4,6,8,10
    # IATs 20, 480, 5, 495, 4.999999, 300, 10, 700, 1, 250 ms: sum 2265.999999 ms
    iats = IAT[2:12]
    assert sum(iats) == S("2.265999999")
    tm, ts, _, _ = mean_std([Fraction(x, NS) for x in iats])
    assert tm == float(Fraction(S("2.265999999"), 10 * NS))
    e.update({"time_delta_mean_10": tm, "time_delta_std_10": ts, "time_delta_cv_10": ts / tm,
              "time_delta_min_10": 0.001, "time_delta_max_10": 0.7,
              "periodicity_score": 1 - ts / tm})
    pm, ps, _, _ = mean_std(PE[2:12])
    e.update({"payload_entropy_mean_10": pm, "payload_entropy_std_10": ps,
              "payload_entropy_max_10": PE[7], "payload_entropy_min_10": min(PE[2:12]),
              "entropy_stability": 1 / (1 + ps)})
    # packet_length outlier: history PDUs 1..10 (mean 12.3, std sqrt(3.01)); x = 14
    # z = 1.7 / sqrt(3.01) = 0.98 -> sigma 0. sorted 10 11 12 12 12 12 12 12 13 17:
    # q1 (pos 2.25) = 12, q3 (pos 6.75) = 12 + 0.75 * 1 = 12.75, fence 12.75 + 1.125 = 13.875
    # -> 14 is an iqr outlier.
    e.update({"packet_length_zscore": 1.7 / math.sqrt(3.01), "packet_length_sigma": 0,
              "packet_length_iqr": True})
    # time_delta: history = IATs of PDUs 2..10 = 9 values: not judged.
    e.update(no_outlier("time_delta", "response_time"))
    P[11].note = "first full IAT window; packet_length iqr outlier (14 > 13.875) with sigma 0"

    # ---- PDU 12: IATs of PDUs 3..12
    assert sum(L[3:13]) == 126 and sum(x * x for x in L[3:13]) == 1618
    e = P[12].expect
    e.update({"packet_length_mean_10": 12.6, "packet_length_std_10": math.sqrt(3.04),
              "packet_length_cv_10": math.sqrt(3.04) / 12.6,
              "packet_length_max_10": 17.0, "packet_length_min_10": 10.0,
              "function_code_stability_10": 0.5})   # unchanged: 4,6,8,10,12
    iats = IAT[3:13]
    assert sum(iats) == S("2.275999999")
    tm, ts, _, _ = mean_std([Fraction(x, NS) for x in iats])
    e.update({"time_delta_mean_10": tm, "time_delta_std_10": ts, "time_delta_cv_10": ts / tm,
              "time_delta_min_10": 0.001, "time_delta_max_10": 0.7,
              "periodicity_score": 1 - ts / tm})
    pm, ps, _, _ = mean_std(PE[3:13])
    e.update({"payload_entropy_mean_10": pm, "payload_entropy_std_10": ps,
              "entropy_stability": 1 / (1 + ps)})
    # packet_length: history PDUs 1..11: sum 137, squares 1739, n 11:
    # var = (11*1739 - 137^2)/121 = 360/121; z = (12 - 137/11) / (sqrt(360)/11) = -5/sqrt(360)
    # sorted 10 11 12 12 12 12 12 12 13 14 17: q1 (pos 2.5) 12, q3 (pos 7.5) 12.5: fences
    # 11.25 .. 13.25: 12 inside.
    assert sum(L[1:12]) == 137 and sum(x * x for x in L[1:12]) == 1739
    e.update({"packet_length_zscore": -5 / math.sqrt(360), "packet_length_sigma": 0,
              "packet_length_iqr": False})
    # time_delta: history IATs of PDUs 2..11 (the 10 above, mean 0.2265999999 s), x = 0.03
    hm, hs, _, _ = mean_std([Fraction(x, NS) for x in IAT[2:12]])
    z = (0.03 - hm) / hs
    assert abs(z) < 2
    e.update({"time_delta_zscore": z, "time_delta_sigma": 0})
    # payload_entropy: history PDUs 1..11, x = PE[12] (= PE[9] = H(3,1))
    hm, hs, _, _ = mean_std(PE[1:12])
    e.update({"payload_entropy_zscore": (PE[12] - hm) / hs, "payload_entropy_sigma": 0})
    assert abs((PE[12] - hm) / hs) < 2
    e.update(no_outlier("response_time"))        # 6th response: history of 5

    for i in range(1, 11):
        P[i].expect.update(no_outlier(*METRICS))   # no history of 10 before PDU 11
    cap.outlier_frames = {"default": [P[11].frame]}
    cap.outlier_expert = {"default": []}
    cap.tree_columns = ["packet_length_mean_10", "packet_length_std_10", "time_delta_mean_10",
                        "time_delta_std_10", "burst_indicator", "function_code_stability_10",
                        "payload_entropy_std_10", "entropy_stability", "session_pairing_ratio",
                        "packet_length_zscore", "packet_length_iqr", "read_write_ratio"]
    return cap


# ---------------------------------------------------------------- d. planted_outliers

def planted_outliers():
    cap = FeatCapture("planted_outliers",
                      "120 FC3 request/response pairs every 0.25 s, response time 20 ms with a "
                      "deterministic +-0.2 ms jitter; pair 60 answered after 200 ms (response_time "
                      "sigma 3 + iqr, expert info); request 80 is an FC16 write of 60 registers "
                      "(133 bytes: packet_length sigma 3 + iqr, expert info).")
    C1, _, SRV, _ = hosts()
    T0 = S("1.0")
    f = Flow(cap, C1, 40501, SRV, t_handshake=T0 - S("0.5"))
    PLANT, BIG = 60, 80
    RT = []
    pairs = []
    for k in range(120):
        jitter = ((3 * k) % 5 - 2) * 100_000              # -0.2 .. +0.2 ms
        rt = S("0.2") if k == PLANT else S("0.02") + jitter
        RT.append(rt)
        t = T0 + k * S("0.25")
        if k == BIG:
            vals = [0x0000, 0x0101] * 30                  # 60 registers
            r = f.req(t, adu(k + 1, 1, fc16_req(0x0000, vals)))
            s = f.resp(t + rt, adu(k + 1, 1, fc16_resp(0x0000, 60)), r)
        else:
            r = f.req(t, adu(k + 1, 1, fc3_req(0x0000, 2)))
            s = f.resp(t + rt, adu(k + 1, 1, fc3_resp([0x1122, 0x3344])), r)
        pairs.append((r, s))
    f.conn.c_ack(T0 + 120 * S("0.25"))

    for k, (r, s) in enumerate(pairs):
        r.expect.update(no_outlier("response_time"))
        r.expect["response_time"] = None
        s.expect["response_time"] = sec(RT[k])
        if k < 10:
            s.expect.update(no_outlier("response_time"))   # history of the pair < 10
            continue
        hist = [sec(x) for x in RT[max(0, k - 100):k]]
        m, sd, _, _ = mean_std(hist)
        z = (sec(RT[k]) - m) / sd
        if k == PLANT:
            # history: k = 0..59, each jitter value -0.2,-0.1,0,0.1,0.2 ms exactly 12
            # times: mean 20 ms, std sqrt((0.04+0.01+0+0.01+0.04)/5) ms = sqrt(2) * 0.1 ms.
            # z = 180 ms / (sqrt(2) * 0.1 ms) = 1272.8; q1 19.9 ms, q3 20.1 ms, fence 20.4 ms.
            z_hand = 0.18 / (math.sqrt(2) * 1e-4)
            assert abs(z - z_hand) <= 1e-9 * z_hand, (z, z_hand)
            s.expect.update({"response_time_zscore": z_hand, "response_time_sigma": 3,
                             "response_time_iqr": True})
            s.note = "planted: 200 ms among 20 +- 0.2 ms"
        else:
            assert abs(z) < 2, (k, z)
            s.expect.update({"response_time_zscore": z, "response_time_sigma": 0,
                             "response_time_iqr": False})
    # The big request: PDU 161; history = PDUs 61..160: fifty 12-byte requests and fifty
    # 13-byte responses: mean 12.5, std 0.5 -> z = (133 - 12.5) / 0.5 = 241; q1 12, q3 13.
    big = pairs[BIG][0]
    assert len(big.adu) == 133
    big.expect.update({"packet_length": 133, "packet_length_zscore": 241.0,
                       "packet_length_sigma": 3, "packet_length_iqr": True,
                       "function_code": 16, "is_write_operation": True, "length_consistent": True})
    big.note = "oversized: FC16 of 60 registers, 133 bytes among 12/13"
    # ordinary requests around it: packet_length sigma 0
    pairs[BIG - 1][0].expect.update({"packet_length_zscore": -1.0, "packet_length_sigma": 0,
                                     "packet_length_iqr": False})
    cap.outlier_expert = {"default": sorted([pairs[PLANT][1].frame, big.frame])}
    cap.outlier_frames = {"default": sorted([pairs[PLANT][1].frame, big.frame])}
    cap.tree_columns = ["response_time_zscore", "response_time_sigma", "response_time_iqr",
                        "packet_length_sigma", "packet_length_iqr"]
    return cap


# ---------------------------------------------------------------- e. validation

def validation():
    cap = FeatCapture("validation",
                      "PDUs that are each invalid in exactly one way (unit 250; FC 42, FC 90, "
                      "an exception FC 0x83 sent as a request, the exception 0xAA to FC 42; an "
                      "FC3 request of 7 PDU bytes, an FC3 response whose byte count disagrees; "
                      "a protocol id 1 PDU behind a valid one in one segment), unit 0 and 255 "
                      "(valid by default, invalid with strict_unit_id), and valid controls (FC "
                      "0x83 exception response, FC 100, FC 16, FC 23, FC 43, FC 7 without "
                      "data).")
    cap.variants["strict_unit_id"] = {"tshark_extra_args": ["-o", "modbus_an.strict_unit_id:TRUE"]}
    C1, _, SRV, _ = hosts()
    T0 = S("1.0")
    # Three connections of the same pair, each of at most 10 PDUs, so that no outlier
    # history (per flow: 10 values needed; response times per pair: 10 responses here)
    # ever judges a value: the odd lengths of this capture raise no outlier.
    flows = [Flow(cap, C1, 40601, SRV, t_handshake=T0 - S("0.5"))]
    t = [T0]

    def f():
        return flows[-1]

    def new_flow(port):
        flows.append(Flow(cap, C1, port, SRV, t_handshake=t[0] - S("0.05")))

    def nxt():
        t[0] += S("0.1")
        return t[0] - S("0.1")

    V = [None]
    # invalid: dict of the checks that fail (default), strict: those failing with the pref
    inv = {}
    strict = {}

    def q(a, fail=None, strict_fail=None):
        p = f().req(nxt(), a)
        V.append(p)
        inv[len(V) - 1] = fail
        strict[len(V) - 1] = strict_fail or fail
        return p

    def r(a, req, fail=None, strict_fail=None):
        p = f().resp(req.t + S("0.01"), a, req)
        V.append(p)
        inv[len(V) - 1] = fail
        strict[len(V) - 1] = strict_fail or fail
        return p

    x = q(adu(1, 1, fc3_req(0, 1)))                                        # V1
    r(adu(1, 1, fc3_resp([7])), x)                                          # V2
    x = q(adu(2, 250, fc3_req(0, 1)), "unit_id_valid")                      # V3
    r(adu(2, 250, fc3_resp([7])), x, "unit_id_valid")                       # V4
    x = q(adu(3, 0, fc3_req(0, 1)), None, "unit_id_valid")                  # V5
    r(adu(3, 0, fc3_resp([7])), x, None, "unit_id_valid")                   # V6
    x = q(adu(4, 255, fc3_req(0, 1)), None, "unit_id_valid")                # V7
    r(adu(4, 255, fc3_resp([7])), x, None, "unit_id_valid")                 # V8
    x = q(adu(5, 1, bytes([42, 0x00, 0x01, 0x00, 0x02])), "function_code_valid")   # V9
    r(adu(5, 1, bytes([42 | 0x80, 0x01])), x, "function_code_valid")       # V10 exception to 42
    new_flow(40602)                                                         # stream 1
    q(adu(6, 1, bytes([90, 0x00, 0x01, 0x00, 0x02])), "function_code_valid")       # V11
    q(adu(7, 1, bytes([0x83, 0x02])), "function_code_valid")               # V12 exc. as request
    q(adu(8, 1, fc3_req(0, 1) + b"\x00\x00"), "length_consistent")         # V13 7 PDU bytes
    x = q(adu(9, 1, fc3_req(0, 2)))                                         # V14
    r(adu(9, 1, bytes([3, 0x04, 0x00, 0x07])), x, "length_consistent")     # V15 bc 4, 2 bytes
    # V16 + V17: one segment, the second PDU with protocol id 1
    two = f().send(True, nxt(), [adu(10, 1, fc3_req(0, 1)), adu(11, 1, fc3_req(0, 1), pid=1)])
    V.extend(two)
    inv[16], strict[16] = None, None
    inv[17], strict[17] = "protocol_id_valid", "protocol_id_valid"
    r(adu(10, 1, fc3_resp([7])), two[0])                                    # V18
    new_flow(40603)                                                         # stream 2
    x = q(adu(12, 1, fc3_req(0, 1)))                                        # V19
    r(adu(12, 1, bytes([0x83, 0x02])), x)                                   # V20 exc. response
    q(adu(13, 1, bytes([100, 0x01, 0x02, 0x03])))                          # V21 user-defined
    x = q(adu(14, 1, fc16_req(0x0001, [0x0005])))                           # V22
    r(adu(14, 1, fc16_resp(0x0001, 1)), x)                                  # V23
    x = q(adu(15, 1, bytes([23, 0, 0, 0, 1, 0, 0x10, 0, 1, 2, 0, 9])))      # V24 FC23
    r(adu(15, 1, bytes([23, 2, 0, 0x2A])), x)                               # V25
    q(adu(16, 1, bytes([43, 0x0E, 0x01, 0x00])))                            # V26 FC43/14
    q(adu(17, 1, bytes([7])))                                               # V27 FC7, no data
    f().conn.s_ack(t[0])
    n = len(V) - 1
    assert n == 27

    # sizes by hand: V13 PDU 7 bytes (fc3 request must be 5); V15 PDU 4 bytes, bc 4 -> 6
    assert len(V[13].adu) - 7 == 7 and len(V[15].adu) - 7 == 4
    # V22 PDU = 6 + bc 2 = 8; V23 5; V24 = 10 + bc 2 = 12; V25 = 2 + bc 2 = 4; V20 = 2
    assert [len(V[i].adu) - 7 for i in (22, 23, 24, 25, 20)] == [8, 5, 12, 4, 2]
    # paired responses (by unit, tid, fc; exceptions fc|0x80): V2, V4, V6, V8, V10, V15,
    # V18 (answers V16), V20, V23, V25 -- each answers the last request of its tid.
    paired_resp = {2, 4, 6, 8, 10, 15, 18, 20, 23, 25}

    for variant, fails in (("default", inv), ("strict_unit_id", strict)):
        bad = 0
        reqs, paired = {}, {}              # per connection (session feature)
        for i in range(1, n + 1):
            p = V[i]
            fail = fails[i]
            bad += 1 if fail else 0
            s_ = p.conn.stream
            reqs.setdefault(s_, 0)
            paired.setdefault(s_, 0)
            if p.request:
                reqs[s_] += 1
            elif i in paired_resp:
                paired[s_] += 1
            vals = {"is_valid": fail is None}
            for c in ("protocol_id_valid", "unit_id_valid", "function_code_valid",
                      "length_consistent"):
                vals[c] = (c != fail)
            vals["violation_rate_60s"] = bad / i          # all 26 PDUs are within 2.6 s
            vals["packets_60s"] = i
            vals["session_pairing_ratio"] = paired[s_] / reqs[s_]
            if variant == "default":
                p.expect.update(vals)
            else:
                p.variant_expect[variant] = {k: v for k, v in vals.items()
                                             if p.expect.get(k, object()) != v}
        cap.invalid_expert[variant] = sorted({V[i].frame for i in range(1, n + 1) if fails[i]})
    for i in range(1, n + 1):
        V[i].variant_expect = {k: v for k, v in V[i].variant_expect.items() if v}
        V[i].note = "invalid: %s" % inv[i] if inv[i] else (
            "invalid with strict_unit_id" if strict[i] else "valid")
    # other features of the odd ones, by hand
    V[10].expect.update({"function_code": 0xAA, "is_error_response": True, "fc_42": 1})
    V[12].expect.update({"function_code": 0x83, "is_error_response": True, "fc_3": 1,
                         "is_read_operation": False})
    V[20].expect.update({"function_code": 0x83, "is_error_response": True, "fc_3": 1,
                         "data_length": 1})
    V[17].expect.update({"protocol_id": 1})
    V[24].expect.update({"is_read_operation": False, "is_write_operation": False, "fc_23": 1})
    # FC7 request: MBAP length 2, PDU = the function code alone: no data bytes,
    # payload_entropy 0 ("0 for no bytes"); header 00 11 00 00 00 02 01
    check_counts(V[27].adu[:7], {0x00: 4, 0x01: 1, 0x02: 1, 0x11: 1}, "V27 header")
    V[27].expect.update({"packet_length": 8, "modbus_length": 2, "data_length": 0,
                         "payload_entropy": 0.0,
                         "header_entropy": H({0x00: 4, 0x01: 1, 0x02: 1, 0x11: 1}),
                         "full_packet_entropy": H({0x00: 4, 0x01: 1, 0x02: 1, 0x07: 1,
                                                   0x11: 1}),
                         "fc_7": 1, "is_read_operation": False, "is_write_operation": False})
    check_counts(V[27].adu, {0x00: 4, 0x01: 1, 0x02: 1, 0x07: 1, 0x11: 1}, "V27 full")
    cap.outlier_expert = {"default": [], "strict_unit_id": []}
    cap.outlier_frames = {"default": [], "strict_unit_id": []}
    cap.tree_columns = ["is_valid", "protocol_id_valid", "unit_id_valid", "function_code_valid",
                        "length_consistent", "violation_rate_60s"]
    return cap


# ---------------------------------------------------------------- f. multi_and_split

def multi_and_split():
    cap = FeatCapture("multi_and_split",
                      "One connection: a segment with three FC3 requests, a segment with their "
                      "three responses, a request split 8 + 4 bytes over two segments 10 ms "
                      "apart, a response split 9 + 2 bytes, and normal pairs.")
    C1, _, SRV, _ = hosts()
    T0 = S("1.0")
    f = Flow(cap, C1, 40701, SRV, t_handshake=T0 - S("0.5"))
    reqs = f.send(True, T0, [adu(i, 1, fc3_req(0, 1)) for i in (1, 2, 3)])
    resps = f.send(False, T0 + S("0.05"), [adu(i, 1, fc3_resp([0x0A0B])) for i in (1, 2, 3)],
                   [S("0.05")] * 3)
    P = reqs + resps
    # PDU 7: request tid 4, 8 bytes at 2.000, 4 bytes at 2.010
    p7 = f.split(True, [T0 + S("1.0"), T0 + S("1.01")], adu(4, 1, fc3_req(0, 1)), [8])
    P.append(p7)
    P.append(f.resp(T0 + S("1.05"), adu(4, 1, fc3_resp([0x0A0B])), p7))
    r9 = f.req(T0 + S("2.0"), adu(5, 1, fc3_req(0, 1)))
    P += [r9, f.resp(T0 + S("2.02"), adu(5, 1, fc3_resp([0x0A0B])), r9)]
    r11 = f.req(T0 + S("3.0"), adu(6, 1, fc3_req(0, 1)))
    P.append(r11)
    # PDU 12: response tid 6 split 9 + 2 bytes at 4.02 / 4.03
    P.append(f.split(False, [T0 + S("3.02"), T0 + S("3.03")], adu(6, 1, fc3_resp([0x0A0B])),
                     [9], request_pdu=r11))
    f.conn.c_ack(T0 + S("3.0302"))
    assert len(P) == 12

    # IATs (s): -, 0, 0, 0.05, 0, 0, 0.96, 0.04, 0.95, 0.02, 0.98, 0.03
    IAT = [None, None, "0", "0", "0.05", "0", "0", "0.96", "0.04", "0.95", "0.02", "0.98", "0.03"]
    for i in range(1, 13):
        e = P[i - 1].expect
        d = S(IAT[i]) if IAT[i] is not None else 0
        e["time_delta"] = sec(d)
        e["time_delta_ms"] = msec(d)
        # has an IAT (all but the first) and it is < 5 ms: the PDUs that share a segment
        # with the one before them
        e["burst_indicator"] = i in (2, 3, 5, 6)
        e["session_packets"] = i
        # PDUs enter the 60 s window in capture order: the later PDUs of the same
        # segment are not in it yet
        e["packets_60s"] = i
        e["rolling_count_10"] = min(i, 10)
        e["packet_length"] = 12 if i in (1, 2, 3, 7, 9, 11) else 11
    P[6].expect.update({"time_epoch": "%d.%09d" % (BASE_SEC + 2, S("0.01")),
                        "session_duration": 1.01, "packet_length": 12, "modbus_length": 6})
    P[6].note = "split over frames %d and %d: the PDU is in the completing frame, at its time" % (
        P[6].frame - 1, P[6].frame)
    P[7].expect["response_time"] = sec(S("0.04"))     # 2.05 - 2.01 (completing frame)
    for p in resps:
        p.expect["response_time"] = 0.05
    P[11].expect.update({"response_time": sec(S("0.03")), "session_duration": 3.03,
                         "time_epoch": "%d.%09d" % (BASE_SEC + 4, S("0.03"))})
    P[11].note = "response split 9 + 2 bytes: time of the completing frame"
    # PDU 11: IATs of PDUs 2..11: 0,0,0.05,0,0,0.96,0.04,0.95,0.02,0.98: sum 3.00, mean 0.3;
    # squares 0.0025+0.9216+0.0016+0.9025+0.0004+0.9604 = 2.789: var 0.2789 - 0.09 = 0.1889
    sd11 = math.sqrt(0.1889)
    P[10].expect.update({"time_delta_mean_10": 0.3, "time_delta_std_10": sd11,
                         "time_delta_cv_10": sd11 / 0.3, "time_delta_min_10": 0.0,
                         "time_delta_max_10": 0.98,
                         "periodicity_score": 1 - sd11 / 0.3})   # negative: cv 1.449 > 1
    # PDU 12: IATs of PDUs 3..12: sum 3.03, mean 0.303; squares 2.789 + 0.0009 = 2.7899:
    # var 0.27899 - 0.091809 = 0.187181
    sd12 = math.sqrt(0.187181)
    P[11].expect.update({"time_delta_mean_10": 0.303, "time_delta_std_10": sd12,
                         "time_delta_cv_10": sd12 / 0.303, "time_delta_min_10": 0.0,
                         "time_delta_max_10": 0.98, "periodicity_score": 1 - sd12 / 0.303})
    for i in range(1, 11):
        for c in IAT_COLS:
            P[i - 1].expect[c] = 0.0
    # PDU 10: lengths 12,12,12,11,11,11,12,11,12,11: mean 11.5, std 0.5
    P[9].expect.update({"packet_length_mean_10": 11.5, "packet_length_std_10": 0.5})
    # pairing: after PDU 3: 0/3; PDU 4..6: 1/3, 2/3, 3/3; PDU 7: 3/4; 8: 1; 9: 4/5; 10: 1;
    # 11: 5/6; 12: 1
    for i, v in zip(range(1, 13), [0, 0, 0, 1 / 3, 2 / 3, 1, 3 / 4, 1, 4 / 5, 1, 5 / 6, 1]):
        P[i - 1].expect["session_pairing_ratio"] = float(v)
    cap.outlier_frames = {"default": []}
    cap.outlier_expert = {"default": []}
    cap.tree_columns = ["time_delta", "burst_indicator", "time_delta_mean_10",
                        "periodicity_score", "session_duration"]
    return cap


# ---------------------------------------------------------------- g. sixty_seconds

def sixty_seconds():
    cap = FeatCapture("sixty_seconds",
                      "Clients C1 = 192.168.40.11 and C2 = .12 poll server S1 = .20; C1 also "
                      "polls S2 = .21 (three connections A: C1-S1, B: C2-S1, C: C1-S2). PDUs at "
                      "0, 30, 59.999999999, 60, 60.000000001, 90, 120, 120.000000001 s ... "
                      "so that the (t - 60 s, t] boundary is hit exactly.")
    C1, C2, S1, S2 = hosts()
    T0 = S("10.0")
    A = Flow(cap, C1, 40801, S1, t_handshake=T0 - S("3.0"))
    B = Flow(cap, C2, 40802, S1, t_handshake=T0 - S("2.0"))
    C = Flow(cap, C1, 40803, S2, t_handshake=T0 - S("1.0"))
    R = lambda tid, unit=1: adu(tid, unit, fc3_req(0, 1))           # noqa: E731
    A3 = lambda tid, unit=1: adu(tid, unit, fc3_resp([5]))           # noqa: E731
    E_ = [None]
    E_.append(A.req(T0 + S("0"), R(1)))                                          # E1
    E_.append(A.resp(T0 + S("0.01"), A3(1), E_[1]))                              # E2
    E_.append(B.req(T0 + S("30"), R(1)))                                         # E3
    E_.append(B.resp(T0 + S("30.01"), A3(1), E_[3]))                             # E4
    E_.append(C.req(T0 + S("30.5"), adu(1, 1, fc6(1, 1))))                       # E5
    E_.append(C.resp(T0 + S("30.51"), adu(1, 1, fc6(1, 1)), E_[5]))              # E6
    E_.append(A.req(T0 + S("59.999999999"), adu(2, 1, fc16_req(0, [7]))))        # E7
    E_.append(A.resp(T0 + S("60"), adu(2, 1, fc16_resp(0, 1)), E_[7]))           # E8
    E_.append(C.req(T0 + S("60.000000001"), R(2, 2)))                            # E9
    E_.append(C.resp(T0 + S("60.01"), A3(2, 2), E_[9]))                          # E10
    E_.append(B.req(T0 + S("90"), adu(2, 1, bytes([4, 0, 0, 0, 1]))))            # E11
    E_.append(B.resp(T0 + S("90.005"), adu(2, 1, bytes([4, 2, 0, 5])), E_[11]))  # E12
    E_.append(A.req(T0 + S("120"), R(3)))                                        # E13
    E_.append(C.req(T0 + S("120.000000001"), R(3)))                              # E14
    E_.append(A.resp(T0 + S("120.01"), A3(3), E_[13]))                           # E15
    E_.append(C.resp(T0 + S("120.010000001"), A3(3), E_[14]))                    # E16
    C.conn.c_ack(T0 + S("120.0102"))

    # Hand-computed, PDU by PDU (window (t - 60, t]; "->X" = sent to X):
    # cols: usrc = unique_src_ips (sources of PDUs sent to my dst), udst = unique_dst_ips
    # (destinations of PDUs from my src), psrc/pdst = packets_per_src/dst, units =
    # unique_unit_ids, punit = packets_per_unit, n = packets_60s, fcd = fc_distinct_60s,
    # share, ti = traffic_intensity, rw = read_write_ratio
    F = Fraction
    table = {
        # E1 t=0: {E1}
        1: dict(usrc=1, udst=1, psrc=1, pdst=1, units=1, punit=1, n=1, fcd=1, share=F(1),
                ti=F(1), rw=F(1)),
        # E2 t=0.01: {E1,E2}; S1->C1; A: E1,E2, span max(1, 0.01) = 1
        2: dict(usrc=1, udst=1, psrc=1, pdst=1, units=1, punit=2, n=2, fcd=1, share=F(1),
                ti=F(2), rw=F(2)),
        # E3 t=30: ->S1: E1(C1), E3(C2); B: E3 only
        3: dict(usrc=2, udst=1, psrc=1, pdst=2, units=1, punit=1, n=1, fcd=1, share=F(1),
                ti=F(1), rw=F(1)),
        # E4 t=30.01: ->C2: E4; S1 sent E2(->C1), E4(->C2)
        4: dict(usrc=1, udst=2, psrc=2, pdst=1, units=1, punit=2, n=2, fcd=1, share=F(1),
                ti=F(2), rw=F(2)),
        # E5 t=30.5: ->S2: E5; C1 sent E1(->S1), E5(->S2); C: FC6 write, 0 reads
        5: dict(usrc=1, udst=2, psrc=2, pdst=1, units=1, punit=1, n=1, fcd=1, share=F(1),
                ti=F(1), rw=F(0)),
        # E6 t=30.51: ->C1: E2(S1), E6(S2); S2 sent E6
        6: dict(usrc=2, udst=1, psrc=1, pdst=2, units=1, punit=2, n=2, fcd=1, share=F(1),
                ti=F(2), rw=F(0)),
        # E7 t=59.999999999: window (-1e-9, ...] still holds E1. ->S1: E1,E3,E7 (C1,C2);
        # C1 sent E1(S1),E5(S2),E7(S1); A: E1,E2,E7: fc {3,16}, share FC16 1/3, 2 reads 1 write,
        # span = 59.999999999 s
        7: dict(usrc=2, udst=2, psrc=3, pdst=3, units=1, punit=3, n=3, fcd=2, share=F(1, 3),
                ti=F(3) / F(S("59.999999999"), NS), rw=F(2)),
        # E8 t=60: E1 (t=0 = t-60) has left. ->C1: E2(S1),E6(S2),E8(S1); S1 sent E2,E4,E8
        # (C1,C2); A: E2,E7,E8: 1 read 2 writes; span min(60, 60) = 60
        8: dict(usrc=2, udst=2, psrc=3, pdst=3, units=1, punit=3, n=3, fcd=2, share=F(2, 3),
                ti=F(3, 60), rw=F(1, 2)),
        # E9 t=60.000000001 (unit 2): ->S2: E5,E9 (C1); C1 sent E5(S2),E7(S1),E9(S2);
        # C: E5,E6,E9: units {1,2}, unit 2: 1; fc {6,3}; 1 read 2 writes; span 29.500000001
        9: dict(usrc=1, udst=2, psrc=3, pdst=2, units=2, punit=1, n=3, fcd=2, share=F(1, 3),
                ti=F(3) / F(S("29.500000001"), NS), rw=F(1, 2)),
        # E10 t=60.01: E2 (0.01 = t-60) has left. ->C1: E6(S2),E8(S1),E10(S2); S2 sent
        # E6,E10 (C1); C: E5,E6,E9,E10: 2 reads 2 writes; span 29.51
        10: dict(usrc=2, udst=1, psrc=2, pdst=3, units=2, punit=2, n=4, fcd=2, share=F(2, 4),
                 ti=F(4) / F(S("29.51"), NS), rw=F(1)),
        # E11 t=90: E3 (30 = t-60) has left. ->S1: E7(C1),E11(C2); C2 sent E11;
        # B: E4,E11: fc {3,4}; span min(60, 90-30) = 60
        11: dict(usrc=2, udst=1, psrc=1, pdst=2, units=1, punit=2, n=2, fcd=2, share=F(1, 2),
                 ti=F(2, 60), rw=F(2)),
        # E12 t=90.005: ->C2: E4,E12 (S1); S1 sent E4(C2),E8(C1),E12(C2); B: E4,E11,E12
        12: dict(usrc=1, udst=2, psrc=3, pdst=2, units=1, punit=3, n=3, fcd=2, share=F(2, 3),
                 ti=F(3, 60), rw=F(3)),
        # E13 t=120: E8 (60 = t-60) has left, E9 (60.000000001) stays. ->S1: E11(C2),E13(C1);
        # C1 sent E9(S2),E13(S1); A: E13 only; span 60
        13: dict(usrc=2, udst=2, psrc=2, pdst=2, units=1, punit=1, n=1, fcd=1, share=F(1),
                 ti=F(1, 60), rw=F(1)),
        # E14 t=120.000000001: E9 has left exactly. ->S2: E14; C1 sent E13(S1),E14(S2);
        # C: E10 (unit 2),E14 (unit 1): fc {3}; span 60
        14: dict(usrc=1, udst=2, psrc=2, pdst=1, units=2, punit=1, n=2, fcd=1, share=F(1),
                 ti=F(2, 60), rw=F(2)),
        # E15 t=120.01: E10 has left exactly. ->C1: E15; S1 sent E12(C2),E15(C1); A: E13,E15
        15: dict(usrc=1, udst=2, psrc=2, pdst=1, units=1, punit=2, n=2, fcd=1, share=F(1),
                 ti=F(2, 60), rw=F(2)),
        # E16 t=120.010000001: ->C1: E15(S1),E16(S2); S2 sent E16; C: E14,E16 (unit 1)
        16: dict(usrc=2, udst=1, psrc=1, pdst=2, units=1, punit=2, n=2, fcd=1, share=F(1),
                 ti=F(2, 60), rw=F(2)),
    }
    for i, v in table.items():
        E_[i].expect.update({
            "unique_src_ips": v["usrc"], "unique_dst_ips": v["udst"],
            "packets_per_src": v["psrc"], "packets_per_dst": v["pdst"],
            "unique_unit_ids": v["units"], "packets_per_unit": v["punit"],
            "packets_60s": v["n"], "fc_distinct_60s": v["fcd"], "fc_share_60s": float(v["share"]),
            "traffic_intensity": float(v["ti"]), "read_write_ratio": float(v["rw"]),
            "violation_rate_60s": 0.0, "window_truncated": False,
        })
    E_[7].note = "t = 59.999999999: the PDU at 0 is still inside"
    E_[8].note = "t = 60: the PDU at exactly 0 is out"
    E_[14].note = "t = 120.000000001: the PDU at 60.000000001 is out"
    cap.outlier_frames = {"default": []}
    cap.outlier_expert = {"default": []}
    cap.tree_columns = ["unique_src_ips", "unique_dst_ips", "packets_per_src", "packets_per_dst",
                        "packets_60s", "traffic_intensity", "read_write_ratio"]
    return cap


SCENARIOS = [single_pdu_flow, zero_variance, first_window, planted_outliers, validation,
             multi_and_split, sixty_seconds]


# ---------------------------------------------------------------- output

def expect_doc(cap):
    by_frame = {}
    for p in cap.P:
        by_frame.setdefault(str(p.frame), []).append(p)
    guard_expert, guard_flagged = _outlier_guard(cap)
    if guard_expert != sorted(cap.outlier_expert["default"]):
        raise AssertionError("%s: outlier expert frames %s, guard finds %s"
                             % (cap.name, cap.outlier_expert["default"], guard_expert))
    if guard_flagged != sorted(cap.outlier_frames["default"]):
        raise AssertionError("%s: outlier frames %s, guard finds %s"
                             % (cap.name, cap.outlier_frames["default"], guard_flagged))
    variants = {}
    for name, v in cap.variants.items():
        variants[name] = {
            "tshark_extra_args": v["tshark_extra_args"],
            "invalid_expert_frames": cap.invalid_expert.get(name, []),
            "outlier_expert_frames": cap.outlier_expert.get(name, cap.outlier_expert["default"]),
            "outlier_frames": cap.outlier_frames.get(name, cap.outlier_frames["default"]),
        }
    return {
        "name": cap.name,
        "capture": cap.name + ".pcap",
        "summary": cap.summary,
        "generated_by": "tests/edge/make_feature_captures.py",
        "contract": "docs/features.md",
        "time_zero_epoch": BASE_SEC,
        "wireshark": {
            "frames": len(cap.records),
            "mbtcp_transaction_ids_by_frame": {k: [p.tid for p in v] for k, v in by_frame.items()},
            "mbtcp_protocol_ids_by_frame": {k: [p.pid for p in v] for k, v in by_frame.items()},
            "mbtcp_unit_ids_by_frame": {k: [p.unit for p in v] for k, v in by_frame.items()},
        },
        "variants": variants,
        "tree_columns": cap.tree_columns,
        "pdus": [p.doc() for p in cap.P],
    }


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
        print("wrote %s (%d frames, %d PDUs)" % (os.path.join(out, cap.name + ".pcap"),
                                                  len(cap.records), len(cap.P)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
