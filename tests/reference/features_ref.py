#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Independent reference implementation of modbus_an's per-PDU features
(docs/features.md), from raw bytes.

Stock tshark (with modbus_an disabled) supplies, per frame, the time, the TCP
stream, addresses, ports, the TCP payload, the reassembled data and what
Wireshark's own mbtcp dissector decoded (mbtcp.len / mbtcp.trans_id per PDU).
This module rebuilds every Modbus/TCP ADU itself from the TCP payload bytes,
following the framing rules of Wireshark's packet-mbtcp.c + tcp_dissect_pdus
(per TCP stream and direction), checks the result PDU by PDU against
Wireshark's decoding (fails loudly on any difference), then computes every
feature of docs/features.md in plain Python.

Usage as a module:
    rows = compute(capture, server_ports={502}, split_direction=False,
                   strict_unit_id=False, tshark_args=())
    stats = column_stats(rows_as_strings, columns)
As a script:
    features_ref.py CAPTURE OUT.csv [--server-ports 502,5020]
        [--split-direction] [--strict-unit-id] [--window causal]
        [-- extra tshark args, e.g. -d tcp.port==5020,mbtcp]
writes OUT.csv and OUT.csv.stats.csv in the plugin's export layout.

Python 3.11 standard library only.
"""
import argparse
import collections
import csv
import fractions
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

TSHARK = os.environ.get("MODBUS_AN_REF_TSHARK", "/usr/bin/tshark")

NS = 1_000_000_000
WINDOW_NS = 60 * NS
ROLL = 10
HIST_MAX = 100
HIST_MIN = 10
RESPONSE_TIMEOUT_NS = 3 * NS          # foundation default (README: response_timeout)
MAX_PENDING_PER_CONN = 4096           # foundation default (README: max_pending)
ANSWERED_MAX = 4096                   # foundation's duplicate-detection table bound
WINDOW_MAX_PDUS = 262144

PUBLIC_FC = set(range(1, 9)) | {11, 12, 15, 16, 17} | set(range(20, 25)) | {43}
USER_FC = set(range(65, 73)) | set(range(100, 111))
VALID_FC = PUBLIC_FC | USER_FC

# ---------------------------------------------------------------- columns

BASIC = ["packet_length", "modbus_length", "data_length", "transaction_id", "protocol_id",
         "unit_id", "function_code"]
SEC2 = ["packet_length_mean_10", "packet_length_std_10", "packet_length_max_10",
        "packet_length_min_10", "packet_length_cv_10"]
SEC3 = ["time_delta", "time_delta_ms", "time_delta_mean_10", "time_delta_std_10",
        "time_delta_cv_10", "time_delta_min_10", "time_delta_max_10"]
SEC4 = ["payload_entropy", "header_entropy", "full_packet_entropy", "payload_entropy_mean_10",
        "payload_entropy_std_10", "payload_entropy_max_10", "payload_entropy_min_10"]
SEC5 = ["is_read_operation", "is_write_operation", "is_error_response", "function_code_changes",
        "function_code_stability_10"]          # function_code: already in section 1
SEC6 = ["unique_src_ips", "unique_dst_ips", "unique_unit_ids", "packets_per_src",
        "packets_per_dst", "packets_per_unit"]
SEC7 = ["is_valid", "protocol_id_valid", "unit_id_valid", "function_code_valid",
        "length_consistent"]
SEC8 = ["burst_indicator", "periodicity_score", "entropy_stability", "traffic_intensity",
        "read_write_ratio"]
FC_ONEHOT = ["fc_%d" % n for n in range(1, 128)]
WINDOW_COLS = ["rolling_count_10", "packets_60s", "fc_distinct_60s", "fc_share_60s",
               "violation_rate_60s", "window_truncated"]
SESSION = ["session_packets", "session_duration", "session_dominant_function_code",
           "session_pairing_ratio"]
OUTLIER_METRICS = ["response_time", "time_delta", "packet_length", "payload_entropy"]
OUTLIER_COLS = ["%s_%s" % (m, k) for m in OUTLIER_METRICS for k in ("zscore", "sigma", "iqr")]

COLUMNS = (["frame", "pdu_index", "time_epoch", "stream", "src_ip", "dst_ip", "direction", "pair"]
           + BASIC + SEC2 + SEC3 + SEC4 + SEC5 + SEC6 + SEC7 + SEC8 + FC_ONEHOT + WINDOW_COLS
           + SESSION + ["response_time"] + OUTLIER_COLS)
STRING_COLUMNS = {"src_ip", "dst_ip", "direction", "pair"}
NUMERIC_COLUMNS = [c for c in COLUMNS if c not in STRING_COLUMNS]
# The sidecar describes the feature columns: every column after `pair`.
FEATURE_COLUMNS = COLUMNS[COLUMNS.index("pair") + 1:]
# docs/features.md: sigma thresholds have 1e-9 slack, and a history whose
# std <= 1e-9 |mean| has zero variance (rounding of constant histories).
_SLACK = fractions.Fraction(1, 10**9)
_T2 = (2 + _SLACK) ** 2
_T3 = (3 + _SLACK) ** 2


class ReferenceError(Exception):
    """The reference could not rebuild Wireshark's PDU set exactly."""


# ---------------------------------------------------------------- helpers

def parse_ns(s):
    """'1445425491.170028000' -> integer ns, exactly (no float)."""
    s = s.strip()
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    if len(frac) > 9:
        if frac[9:].strip("0"):
            raise ReferenceError("time with more than 9 decimals: %r" % s)
        frac = frac[:9]
    v = int(whole or "0") * NS + int((frac + "000000000")[:9])
    return -v if neg else v


def fmt_ns(v):
    sign = "-" if v < 0 else ""
    v = abs(v)
    return "%s%d.%09d" % (sign, v // NS, v % NS)


def entropy(data):
    """Shannon entropy (bits), summed in increasing byte value; 0 for no bytes."""
    n = len(data)
    if n == 0:
        return 0.0
    counts = [0] * 256
    for b in data:
        counts[b] += 1
    h = 0.0
    for c in counts:            # increasing byte value
        if c:
            p = c / n
            h -= p * math.log2(p)
    return h


def mean_std(values):
    """Population mean and std, sums oldest -> newest."""
    n = len(values)
    s = 0.0
    for v in values:
        s += v
    m = s / n
    q = 0.0
    for v in values:
        d = v - m
        q += d * d
    return m, math.sqrt(q / n)


def lerp(a, b, t):
    """numpy's _lerp (linear interpolation as numpy.quantile's default computes it)."""
    d = b - a
    if t >= 0.5:
        return b - d * (1 - t)
    return a + d * t


def quantile(sorted_vals, p):
    """numpy.quantile(x, p) with the default 'linear' method; sorted_vals ascending."""
    n = len(sorted_vals)
    pos = (n - 1) * p
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    return lerp(sorted_vals[lo], sorted_vals[hi], pos - lo)


def u16(b, off):
    return (b[off] << 8) | b[off + 1]


# ---------------------------------------------------------------- tshark

FIELDS = ["frame.number", "frame.time_epoch", "tcp.stream", "ip.src", "ipv6.src", "ip.dst",
          "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.len", "tcp.payload",
          "tcp.reassembled.data", "mbtcp.len", "mbtcp.trans_id", "mbtcp.unit_id",
          "mbtcp.prot_id", "modbus.func_code", "modbus.exception_code", "_ws.malformed",
          "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
          "tcp.analysis.spurious_retransmission", "tcp.flags", "frame.protocols",
          "modbus.request_frame", "modbus.response_time"]

# Application protocols that take over a TCP conversation from mbtcp when they
# appear on it (a heuristic dissector that sets the conversation dissector).
_NOT_FOREIGN = {"mbtcp", "modbus", "data", "_ws.malformed", "_ws.short", "_ws.unreassembled"}


# How the tshark command lines are run: a function cmd -> (returncode, stdout,
# stderr). The tests route it through their session's cache of tshark runs
# (tests/lib/mbtshark.plain_run); the default runs the command.
RUNNER = None


def run_command(cmd):
    if RUNNER is not None:
        return RUNNER(cmd)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def _tshark_cmd(capture, extra):
    return [TSHARK, "-n", "-r", capture, "--disable-protocol", "modbus_an",
            "-o", "tcp.desegment_tcp_streams:TRUE"] + list(extra)


def run_tshark_fields(capture, tshark_args=()):
    cmd = _tshark_cmd(capture, tshark_args) + ["-T", "fields", "-E", "separator=/t",
                                               "-E", "occurrence=a", "-E", "aggregator=;",
                                               "-E", "quote=n"]
    for f in FIELDS:
        cmd += ["-e", f]
    rc, out, err = run_command(cmd)
    if rc != 0:
        raise ReferenceError("tshark failed (%d): %s" % (rc, err))
    frames = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        frames.append(dict(zip(FIELDS, cols)))
    return frames


def _multi(v):
    return [x for x in v.split(";")] if v != "" else []


def _last(v):
    m = _multi(v)
    return m[-1] if m else ""


def pdml_frames(capture, frame_numbers, tshark_args=()):
    """Per frame: a list, per mbtcp tree item in order, of
    {'func_code': bool, 'exception_code': bool, 'malformed': bool}."""
    if not frame_numbers:
        return {}
    flt = "frame.number in {%s}" % ", ".join(str(n) for n in sorted(frame_numbers))
    cmd = _tshark_cmd(capture, tshark_args) + ["-T", "pdml", "-Y", flt]
    rc, stdout, err = run_command(cmd)
    if rc != 0:
        raise ReferenceError("tshark (pdml) failed (%d): %s" % (rc, err))
    out = {}
    root = ET.fromstring(stdout)
    for pkt in root.iter("packet"):
        frame = None
        items = []
        for proto in pkt.findall("proto"):
            name = proto.get("name")
            if name == "frame":
                for f in proto.iter("field"):
                    if f.get("name") == "frame.number":
                        frame = int(f.get("show"))
                        break
            elif name == "mbtcp":
                items.append({"func_code": False, "exception_code": False, "malformed": False})
            elif name == "modbus" and items:
                names = {f.get("name") for f in proto.iter("field")}
                items[-1]["func_code"] |= "modbus.func_code" in names
                items[-1]["exception_code"] |= "modbus.exception_code" in names
            elif name == "_ws.malformed" and items:
                items[-1]["malformed"] = True
        out[frame] = items
    return out


# ---------------------------------------------------------------- PDU framing

def _item_ok(adu):
    """Would dissect_mbtcp_pdu create an mbtcp tree item for these bytes?
    It reads unit id and function code (8 bytes), the exception code when
    fc & 0x80, and the MEI type (fc 43) / diagnostic sub-function (fc 8)
    before it creates the item; running out of bytes throws before that."""
    if len(adu) < 8:
        return False
    fc = adu[7]
    exc = 0
    if fc & 0x80:
        if len(adu) < 9:
            return False
        exc = adu[8]
    base = fc & 0x7F
    if base == 43 and exc == 0 and len(adu) < 9:
        return False
    if base == 8 and exc == 0 and len(adu) < 10:
        return False
    return True


def _dissect_tvb(data):
    """dissect_mbtcp + tcp_dissect_pdus(fixed_len 6) on one tvb.
    Returns (accepted, [adu bytes...], carry) where carry is the incomplete
    tail tcp_dissect_pdus asks TCP to reassemble (b'' if none)."""
    if len(data) < 8 or u16(data, 2) != 0 or u16(data, 4) < 2:
        return False, [], b""
    pdus = []
    off = 0
    n = len(data)
    while off < n:
        rem = n - off
        if rem < 6:
            return True, pdus, data[off:]
        plen = u16(data, off + 4) + 6
        if rem < plen:
            return True, pdus, data[off:]
        adu = data[off:off + plen]
        if _item_ok(adu):
            pdus.append(adu)
        off += plen
    return True, pdus, b""


class _Dir:
    __slots__ = ("carry", "need")

    def __init__(self):
        self.carry = b""
        self.need = 0      # bytes still needed (0: one more segment)


def frame_pdus(frames, mbtcp_ports):
    """Rebuild the ADUs of every frame. Returns {frame number: [adu, ...]}."""
    dirs = {}
    foreign = set()
    result = {}
    for fr in frames:
        payload_hex = _last(fr["tcp.payload"])
        stream_s = _last(fr["tcp.stream"])
        if not stream_s or not payload_hex:
            continue
        stream = int(stream_s)
        sport = int(_last(fr["tcp.srcport"]))
        dport = int(_last(fr["tcp.dstport"]))
        num = int(fr["frame.number"])
        if stream in foreign:
            continue
        if sport not in mbtcp_ports and dport not in mbtcp_ports:
            continue
        if (fr["tcp.analysis.retransmission"] or fr["tcp.analysis.fast_retransmission"]
                or fr["tcp.analysis.spurious_retransmission"]):
            continue   # TCP does not hand data it already saw to the subdissector
        src = _last(fr["ip.src"]) or _last(fr["ipv6.src"])
        key = (stream, src, sport)
        d = dirs.setdefault(key, _Dir())
        payload = bytes.fromhex(payload_hex)
        reasm_hex = _last(fr["tcp.reassembled.data"])
        out = []
        if d.carry:
            if d.need and len(payload) < d.need:
                d.carry += payload
                d.need -= len(payload)
                payload = b""
            else:
                take = d.need if d.need else len(payload)
                whole = d.carry + payload[:take]
                if reasm_hex and bytes.fromhex(reasm_hex) != whole:
                    raise ReferenceError("frame %d: tcp.reassembled.data differs from the "
                                         "reference's reassembly" % num)
                payload = payload[take:]
                d.carry, d.need = b"", 0
                ok, pdus, carry = _dissect_tvb(whole)
                out += pdus
                if carry:
                    d.carry = carry
                    d.need = (u16(carry, 4) + 6 - len(carry)) if len(carry) >= 6 else 0
        elif reasm_hex:
            raise ReferenceError("frame %d: Wireshark reassembled data the reference did not "
                                 "expect" % num)
        if payload:
            ok, pdus, carry = _dissect_tvb(payload)
            out += pdus
            if carry:
                d.carry = carry
                d.need = (u16(carry, 4) + 6 - len(carry)) if len(carry) >= 6 else 0
        if out:
            result[num] = out
        protos = fr["frame.protocols"].split(":")
        if "tcp" in protos:
            after = protos[len(protos) - 1 - protos[::-1].index("tcp") + 1:]
            if any(p not in _NOT_FOREIGN for p in after):
                foreign.add(stream)
                for k in [k for k in dirs if k[0] == stream]:
                    del dirs[k]
    return result


# ---------------------------------------------------------------- PDU records

class PDU:
    """One Modbus/TCP ADU as the reference rebuilt it."""
    __slots__ = ("frame", "index", "ts", "stream", "src", "dst", "sport", "dport", "adu",
                 "retrans", "malformed", "is_request", "pair", "feat",
                 "ws_request_frame", "ws_response_time", "paired_req", "rt_ns")


def extract_pdus(capture, tshark_args=(), mbtcp_ports=(502,)):
    """Rebuild the PDUs and check them against Wireshark's decoding.
    Returns (pdus, tcp_events): tcp_events lists (frame, stream, 'rst'|'fin',
    src ip, src port) for frames with RST or FIN."""
    frames = run_tshark_fields(capture, tshark_args)
    events = []
    for fr in frames:
        fl = _last(fr["tcp.flags"])
        st = _last(fr["tcp.stream"])
        if fl and st:
            flags = int(fl, 16)
            kind = "rst" if flags & 0x4 else ("fin" if flags & 0x1 else None)
            if kind:
                events.append((int(fr["frame.number"]), int(st), kind,
                               _last(fr["ip.src"]) or _last(fr["ipv6.src"]),
                               int(_last(fr["tcp.srcport"]))))
    adus = frame_pdus(frames, set(mbtcp_ports))
    pdus = []
    errors = []
    need_pdml = set()
    expected_extra = {}
    for fr in frames:
        num = int(fr["frame.number"])
        ws_len = [int(x) for x in _multi(fr["mbtcp.len"])]
        ws_tid = [int(x) for x in _multi(fr["mbtcp.trans_id"])]
        ws_unit = [int(x) for x in _multi(fr["mbtcp.unit_id"])]
        ws_pid = [int(x) for x in _multi(fr["mbtcp.prot_id"])]
        mine = adus.get(num, [])
        got = [(u16(a, 4), u16(a, 0), a[6], u16(a, 2)) for a in mine]
        want = list(zip(ws_len, ws_tid, ws_unit, ws_pid))
        ws_fc = [int(x, 0) for x in _multi(fr["modbus.func_code"])]
        if (len(ws_fc) == len(mine) and not fr["_ws.malformed"]
                and ws_fc != [a[7] & 0x7F for a in mine]):
            errors.append("frame %d: function codes %s, Wireshark's modbus.func_code %s"
                          % (num, [a[7] for a in mine], ws_fc))
        if got != want or len(ws_len) != len(ws_tid) or len(ws_len) != len(ws_unit):
            errors.append("frame %d: reference PDUs (len, tid, unit, pid) %s, Wireshark %s"
                          % (num, got, want))
            continue
        if not mine:
            continue
        n_fc = len(_multi(fr["modbus.func_code"]))
        n_exc = len(_multi(fr["modbus.exception_code"]))
        exp_exc = sum(1 for a in mine if a[7] & 0x80)
        if fr["_ws.malformed"] or n_fc != len(mine) or n_exc != exp_exc:
            need_pdml.add(num)
        ts = parse_ns(fr["frame.time_epoch"])
        stream = int(_last(fr["tcp.stream"]))
        src = _last(fr["ip.src"]) or _last(fr["ipv6.src"])
        dst = _last(fr["ip.dst"]) or _last(fr["ipv6.dst"])
        retrans = bool(fr["tcp.analysis.retransmission"] or fr["tcp.analysis.fast_retransmission"]
                       or fr["tcp.analysis.spurious_retransmission"])
        ws_reqf = _multi(fr["modbus.request_frame"])
        ws_rt = _multi(fr["modbus.response_time"])
        expected_extra[num] = (ws_reqf, ws_rt)
        for i, a in enumerate(mine):
            p = PDU()
            p.frame, p.index, p.ts, p.stream = num, i, ts, stream
            p.src, p.dst = src, dst
            p.sport, p.dport = int(_last(fr["tcp.srcport"])), int(_last(fr["tcp.dstport"]))
            p.adu = a
            p.retrans = retrans
            p.malformed = False
            p.ws_request_frame = None
            p.ws_response_time = None
            pdus.append(p)
    if errors:
        raise ReferenceError("%s: the reference's PDUs differ from Wireshark's in %d frame(s):\n  %s"
                             % (capture, len(errors), "\n  ".join(errors[:20])))
    # Wireshark's per-PDU facts the foundation's 'malformed' flag uses.
    detail = pdml_frames(capture, need_pdml, tshark_args)
    by_frame = collections.defaultdict(list)
    for p in pdus:
        by_frame[p.frame].append(p)
    for num, items in detail.items():
        lst = by_frame.get(num, [])
        if len(items) != len(lst):
            raise ReferenceError("frame %d: PDML shows %d mbtcp items, expected %d"
                                 % (num, len(items), len(lst)))
        for p, it in zip(lst, items):
            p.malformed = (it["malformed"] or not it["func_code"]
                           or (bool(p.adu[7] & 0x80) and not it["exception_code"]))
    # Wireshark's own request link (modbus.request_frame, set on normal
    # responses only), where it can be placed on a PDU: the frame's links are
    # in PDU order, one per PDU whose fc has no exception bit.
    for num, (reqf, rt) in expected_extra.items():
        lst = [p for p in by_frame.get(num, []) if not p.adu[7] & 0x80]
        if reqf and len(lst) == len(reqf) == len(rt):
            for p, f, t in zip(lst, reqf, rt):
                p.ws_request_frame = int(f)
                p.ws_response_time = parse_ns(t)
    for p in pdus:
        a = p.adu
        mlen = u16(a, 4)
        if mlen < 2 or mlen + 6 != len(a) or u16(a, 2) != 0 or len(a) < 8:
            p.malformed = True
    return pdus, events


# ---------------------------------------------------------------- pairing

class _Conn:
    """Pairing state of one TCP connection."""
    __slots__ = ("pending", "answered", "order", "closed", "server", "server_port")

    def __init__(self):
        self.pending = {}        # key -> list of txn (FIFO)
        self.answered = {}       # key -> txn
        self.order = []          # pending txns, oldest first (lazy: removed marked)
        self.closed = False


class _Txn:
    __slots__ = ("frame", "ts", "fc", "key", "done")

    def __init__(self, frame, ts, fc, key):
        self.frame, self.ts, self.fc, self.key, self.done = frame, ts, fc, key, False


def _conn_missed(c, t):
    q = c.pending.get(t.key)
    if q is not None:
        q.remove(t)
        if not q:
            del c.pending[t.key]
    t.done = True


# ---------------------------------------------------------------- features

def _validate(p, strict_unit_id):
    a = p.adu
    n = len(a)
    pid_ok = n >= 4 and u16(a, 2) == 0
    unit = a[6] if n >= 7 else None
    if unit is None:
        unit_ok = False
    elif strict_unit_id:
        unit_ok = 1 <= unit <= 247
    else:
        unit_ok = 1 <= unit <= 247 or unit in (0, 255)
    fc = a[7] if n >= 8 else None
    if fc is None:
        fc_ok = False
    else:
        fc_ok = (fc & 0x7F) in VALID_FC and (not (fc & 0x80) or not p.is_request)
    mlen = u16(a, 4) if n >= 6 else None
    len_ok = mlen is not None and mlen >= 2 and mlen + 6 == n
    if len_ok and fc is not None:
        pdu = a[7:]
        size = len(pdu)

        def bc(off):
            return pdu[off] if size > off else None
        want = None
        fail = False
        if p.is_request:
            if fc in (1, 2, 3, 4, 5, 6):
                want = 5
            elif fc in (15, 16):
                b = bc(5)
                if b is None:
                    fail = True
                else:
                    want = 6 + b
            elif fc == 23:
                b = bc(9)
                if b is None:
                    fail = True
                else:
                    want = 10 + b
        else:
            if fc >= 0x80:
                want = 2
            elif fc in (1, 2, 3, 4, 23):
                b = bc(1)
                if b is None:
                    fail = True
                else:
                    want = 2 + b
            elif fc in (5, 6, 15, 16):
                want = 5
        if fail or (want is not None and size != want):
            len_ok = False
    return pid_ok, unit_ok, fc_ok, len_ok


def _window_stats(vals):
    m, s = mean_std(vals)
    return m, s, max(vals), min(vals), (s / m if m != 0 else 0.0)


_FX_BITS = 1100     # every double is an integer multiple of 2**-1074


def _fx(x):
    """A double (or int) as an exact fixed-point integer: x * 2**_FX_BITS."""
    num, den = float(x).as_integer_ratio()
    return num << (_FX_BITS - (den.bit_length() - 1))


def _exact_ratio_to_float(a, n2):
    """a / sqrt(n2) for integers a, n2 > 0, to about 2**-80 relative."""
    p = 80
    r = math.isqrt(n2 << (2 * p))
    return float(fractions.Fraction(a << p, r))


class History:
    """The previous up to 100 values of one outlier metric, with exact sums.

    The outlier statistics are evaluated in exact rational arithmetic on the
    double values: the mean and population std of the history, z, the
    quantiles and fences. So "std = 0" means all history values are equal,
    and the sigma / IQR thresholds are decided exactly (|z| > 3 + 1e-9 as
    A**2 > (3 + 1e-9)**2 N, etc.), independently of any summation order."""
    __slots__ = ("vals", "fx", "s1", "s2")

    def __init__(self):
        self.vals = collections.deque()
        self.fx = collections.deque()
        self.s1 = 0
        self.s2 = 0

    def __len__(self):
        return len(self.vals)

    def append(self, x):
        X = _fx(x)
        self.vals.append(x)
        self.fx.append(X)
        self.s1 += X
        self.s2 += X * X
        if len(self.vals) > HIST_MAX:
            self.vals.popleft()
            Y = self.fx.popleft()
            self.s1 -= Y
            self.s2 -= Y * Y

    def judge(self, x):
        """(zscore, sigma, iqr) of x against the history, None if < 10 values."""
        n = len(self.vals)
        if n < HIST_MIN:
            return None
        X = _fx(x)
        N = n * self.s2 - self.s1 * self.s1       # n**2 * var * 2**(2 K)
        A = n * X - self.s1                       # n * (x - mean) * 2**K
        # std <= 1e-9 |mean|  <=>  N <= 1e-18 s1**2 (N = n**2 var, s1 = n mean)
        if N == 0 or N * 10**18 <= self.s1 * self.s1:
            z, sig = 0.0, 0
        else:
            z = _exact_ratio_to_float(abs(A), N)
            if A < 0:
                z = -z
            a2 = A * A
            sig = 3 if a2 > _T3 * N else (2 if a2 > _T2 * N else 0)
        srt = sorted(self.fx)
        # numpy 'linear': position (n - 1) p; 4 q = 4 v[lo] + (v[hi] - v[lo]) r
        def q4(num):                              # p = num / 4
            pos4 = (n - 1) * num
            lo, r = divmod(pos4, 4)
            hi = min(lo + 1, n - 1)
            return 4 * srt[lo] + (srt[hi] - srt[lo]) * r
        Q1, Q3 = q4(1), q4(3)                     # 4 q1, 4 q3
        lower8 = 5 * Q1 - 3 * Q3                  # 8 (q1 - 1.5 iqr)
        upper8 = 5 * Q3 - 3 * Q1                  # 8 (q3 + 1.5 iqr)
        out = 8 * X < lower8 or 8 * X > upper8
        return z, sig, int(out)


class _Counted:
    """A multiset with a distinct-count, for the 60-s windows."""
    __slots__ = ("c", "distinct", "total")

    def __init__(self):
        self.c = collections.Counter()
        self.distinct = 0
        self.total = 0

    def add(self, k):
        if self.c[k] == 0:
            self.distinct += 1
        self.c[k] += 1
        self.total += 1

    def remove(self, k):
        self.c[k] -= 1
        self.total -= 1
        if self.c[k] == 0:
            del self.c[k]
            self.distinct -= 1


def _sixty_second_windows(pdus, causal=False):
    """Sections 6 (flow level) and the per-pair window columns.

    Default ('time', the literal reading of docs/features.md): a PDU at time t
    sees every PDU of the capture with time in (t - 60 s, t], itself included,
    whatever its position in the capture (so also the later PDUs of its own
    frame). causal=True: only PDUs up to and including itself in capture order
    (for diagnosis only)."""
    to_dst = collections.defaultdict(_Counted)     # dst ip -> src ips
    from_src = collections.defaultdict(_Counted)   # src ip -> dst ips
    pair_unit = collections.defaultdict(_Counted)  # pair -> unit ids
    pair_fc = collections.defaultdict(_Counted)    # pair -> fc bytes
    pair_bad = collections.Counter()
    pair_reads = collections.Counter()
    pair_writes = collections.Counter()

    def add(p):
        f = p.feat
        to_dst[p.dst].add(p.src)
        from_src[p.src].add(p.dst)
        pair_unit[p.pair].add(f["unit_id"])
        pair_fc[p.pair].add(f["function_code"])
        pair_bad[p.pair] += 0 if f["is_valid"] else 1
        pair_reads[p.pair] += f["is_read_operation"]
        pair_writes[p.pair] += f["is_write_operation"]

    def remove(p):
        f = p.feat
        to_dst[p.dst].remove(p.src)
        from_src[p.src].remove(p.dst)
        pair_unit[p.pair].remove(f["unit_id"])
        pair_fc[p.pair].remove(f["function_code"])
        pair_bad[p.pair] -= 0 if f["is_valid"] else 1
        pair_reads[p.pair] -= f["is_read_operation"]
        pair_writes[p.pair] -= f["is_write_operation"]

    first_time = {}
    for p in pdus:                      # capture order
        first_time.setdefault(p.pair, p.ts)

    def fill(p, held):
        f = p.feat
        f["unique_src_ips"] = to_dst[p.dst].distinct
        f["unique_dst_ips"] = from_src[p.src].distinct
        f["unique_unit_ids"] = pair_unit[p.pair].distinct
        f["packets_per_src"] = from_src[p.src].total
        f["packets_per_dst"] = to_dst[p.dst].total
        f["packets_per_unit"] = pair_unit[p.pair].c[f["unit_id"]]
        n = pair_unit[p.pair].total
        f["packets_60s"] = n
        f["fc_distinct_60s"] = pair_fc[p.pair].distinct
        f["fc_share_60s"] = pair_fc[p.pair].c[f["function_code"]] / n
        f["violation_rate_60s"] = pair_bad[p.pair] / n
        span_ns = p.ts - first_time[p.pair]
        span = max(1.0, min(60.0, span_ns / 1e9))
        f["traffic_intensity"] = n / span
        f["read_write_ratio"] = pair_reads[p.pair] / max(pair_writes[p.pair], 1)
        if held > WINDOW_MAX_PDUS:
            raise ReferenceError("more than %d PDUs in a 60-s window: the reference does not "
                                 "model the window bound" % WINDOW_MAX_PDUS)
        f["window_truncated"] = 0

    if causal:
        held = collections.deque()
        for p in pdus:
            add(p)
            held.append(p)
            while held and held[0].ts <= p.ts - WINDOW_NS:
                remove(held.popleft())
            fill(p, len(held))
        return
    order = sorted(range(len(pdus)), key=lambda i: (pdus[i].ts, i))
    lo = 0
    hi = 0
    n = len(order)
    while hi < n:
        t = pdus[order[hi]].ts
        grp_start = hi
        while hi < n and pdus[order[hi]].ts == t:
            add(pdus[order[hi]])
            hi += 1
        while pdus[order[lo]].ts <= t - WINDOW_NS:
            remove(pdus[order[lo]])
            lo += 1
        for k in range(grp_start, hi):
            fill(pdus[order[k]], hi - lo)


def compute(capture, server_ports=(502,), split_direction=False, strict_unit_id=False,
            tshark_args=(), window="time", simple_pairing=False, mbtcp_ports=None,
            with_pdus=False):
    """Every feature of docs/features.md for every PDU of the capture.

    server_ports: ports that make the other end the client (502 and any
    Decode As / mbtcp.tcp.port port the plugin sees). mbtcp_ports: ports on
    which Wireshark runs mbtcp (default: server_ports). Returns a list of
    dicts keyed by the CSV columns, in (frame, pdu_index) order; numbers are
    Python int/float, booleans 0/1, absent values None.

    window: "time" (default) is the literal reading of section 6 (every PDU
    of the capture with time in (t - 60 s, t]); "causal" counts only the PDUs
    up to this one in capture order. simple_pairing: plain FIFO pairing
    without the foundation's timeout/RST/FIN/retransmission rules.
    with_pdus: return (rows, pdus) instead, the PDU objects carrying
    is_request, pair, paired_req (request frame), rt_ns and Wireshark's own
    ws_request_frame / ws_response_time where they could be placed."""
    server_ports = set(server_ports)
    mbtcp_ports = set(mbtcp_ports) if mbtcp_ports is not None else set(server_ports)
    pdus, events = extract_pdus(capture, tshark_args, mbtcp_ports)
    rows = compute_from_pdus(pdus, events, server_ports, split_direction, strict_unit_id,
                             window, simple_pairing)
    return (rows, pdus) if with_pdus else rows


def compute_from_pdus(pdus, events, server_ports, split_direction, strict_unit_id,
                      window="time", simple_pairing=False):
    """compute() on PDUs from extract_pdus(); also sets p.is_request, p.pair,
    p.paired_req, p.rt_ns and p.feat on each PDU."""
    # ---- direction and pair (decided on a connection's first PDU)
    conn_pair = {}
    for p in pdus:
        cp = conn_pair.get(p.stream)
        if cp is None:
            s_srv, d_srv = p.sport in server_ports, p.dport in server_ports
            if s_srv != d_srv:
                req = d_srv
            else:
                req = p.dport < p.sport
            if req:
                cp = (p.src, p.dst, p.dport)
            else:
                cp = (p.dst, p.src, p.sport)
            conn_pair[p.stream] = cp
        client, server, sport = cp
        p.is_request = not (p.src == server and p.sport == sport)
        p.pair = "%s -> %s:%d" % (client, server, sport)

    # ---- pairing
    if simple_pairing:
        events = []
    conns = {}
    for p in pdus:
        if p.stream not in conns:
            c = _Conn()
            c.server, c.server_port = conn_pair[p.stream][1], conn_pair[p.stream][2]
            conns[p.stream] = c
    _pair_with(conns, pdus, events, simple_pairing)

    # ---- per-PDU features
    flows = {}
    sessions = {}
    pair_rt_hist = collections.defaultdict(History)
    rows = []
    for p in pdus:
        a = p.adu
        n = len(a)
        f = {}
        p.feat = f
        f["frame"] = p.frame
        f["pdu_index"] = p.index
        f["time_epoch"] = fmt_ns(p.ts)
        f["stream"] = p.stream
        f["src_ip"] = p.src
        f["dst_ip"] = p.dst
        f["direction"] = "request" if p.is_request else "response"
        f["pair"] = p.pair
        fc = a[7]
        f["packet_length"] = n
        f["modbus_length"] = u16(a, 4)
        f["data_length"] = n - 8 if n >= 8 else 0
        f["transaction_id"] = u16(a, 0)
        f["protocol_id"] = u16(a, 2)
        f["unit_id"] = a[6]
        f["function_code"] = fc

        fkey = (p.stream, p.is_request) if split_direction else p.stream
        fl = flows.get(fkey)
        if fl is None:
            fl = flows[fkey] = {
                "len": collections.deque(maxlen=ROLL), "iat": collections.deque(maxlen=ROLL),
                "ent": collections.deque(maxlen=ROLL), "fcc": collections.deque(maxlen=ROLL),
                "last_ts": None, "last_fc": None, "count": 0,
                "h_td": History(), "h_len": History(), "h_ent": History()}
        fl["count"] += 1
        # rolling windows (section 2-5)
        fl["len"].append(n)
        full = len(fl["len"]) == ROLL
        f["rolling_count_10"] = len(fl["len"])
        if full:
            (f["packet_length_mean_10"], f["packet_length_std_10"], f["packet_length_max_10"],
             f["packet_length_min_10"], f["packet_length_cv_10"]) = _window_stats(list(fl["len"]))
        else:
            for c in SEC2:
                f[c] = 0
        has_iat = fl["last_ts"] is not None
        iat_ns = p.ts - fl["last_ts"] if has_iat else 0
        td = iat_ns / 1e9
        fl["last_ts"] = p.ts
        f["time_delta"] = td
        f["time_delta_ms"] = td * 1000
        if has_iat:
            fl["iat"].append(td)
        if len(fl["iat"]) == ROLL:
            m, s, mx, mn, cv = _window_stats(list(fl["iat"]))
            f["time_delta_mean_10"], f["time_delta_std_10"], f["time_delta_cv_10"] = m, s, cv
            f["time_delta_min_10"], f["time_delta_max_10"] = mn, mx
            f["periodicity_score"] = 1 - cv
        else:
            for c in ("time_delta_mean_10", "time_delta_std_10", "time_delta_cv_10",
                      "time_delta_min_10", "time_delta_max_10", "periodicity_score"):
                f[c] = 0
        pe = entropy(a[8:])
        f["payload_entropy"] = pe
        f["header_entropy"] = entropy(a[:7])
        f["full_packet_entropy"] = entropy(a)
        fl["ent"].append(pe)
        if full:
            m, s, mx, mn, _ = _window_stats(list(fl["ent"]))
            f["payload_entropy_mean_10"], f["payload_entropy_std_10"] = m, s
            f["payload_entropy_max_10"], f["payload_entropy_min_10"] = mx, mn
            f["entropy_stability"] = 1 / (1 + s)
        else:
            for c in ("payload_entropy_mean_10", "payload_entropy_std_10",
                      "payload_entropy_max_10", "payload_entropy_min_10", "entropy_stability"):
                f[c] = 0
        f["is_read_operation"] = int(1 <= fc <= 4)
        f["is_write_operation"] = int(fc in (5, 6, 15, 16))
        f["is_error_response"] = int(fc >= 128)
        fcc = int(fl["last_fc"] is not None and fl["last_fc"] != fc)
        fl["last_fc"] = fc
        f["function_code_changes"] = fcc
        fl["fcc"].append(fcc)
        f["function_code_stability_10"] = (sum(1 for x in fl["fcc"] if x == 0) / ROLL
                                           if full else 0)
        for k in range(1, 128):
            f["fc_%d" % k] = 0
        if fc & 0x7F:
            f["fc_%d" % (fc & 0x7F)] = 1
        # validation
        pid_ok, unit_ok, fc_ok, len_ok = _validate(p, strict_unit_id)
        f["protocol_id_valid"] = int(pid_ok)
        f["unit_id_valid"] = int(unit_ok)
        f["function_code_valid"] = int(fc_ok)
        f["length_consistent"] = int(len_ok)
        f["is_valid"] = int(pid_ok and unit_ok and fc_ok and len_ok)
        f["burst_indicator"] = int(has_iat and iat_ns < 5_000_000)
        # session (per connection, capture order)
        ss = sessions.get(p.stream)
        if ss is None:
            ss = sessions[p.stream] = {"n": 0, "first": p.ts, "fc": collections.Counter(),
                                       "req": 0, "paired": 0}
        ss["n"] += 1
        ss["fc"][fc] += 1
        if p.is_request:
            ss["req"] += 1
        if p.rt_ns is not None:
            ss["paired"] += 1
        f["session_packets"] = ss["n"]
        f["session_duration"] = (p.ts - ss["first"]) / 1e9
        best = max(ss["fc"].values())
        f["session_dominant_function_code"] = min(k for k, v in ss["fc"].items() if v == best)
        f["session_pairing_ratio"] = ss["paired"] / ss["req"] if ss["req"] else 0
        # response time and outliers
        rt = p.rt_ns / 1e9 if p.rt_ns is not None else None
        f["response_time"] = rt
        judged = {}
        if rt is not None:
            h = pair_rt_hist[p.pair]
            judged["response_time"] = h.judge(rt)
            h.append(rt)
        if has_iat:
            judged["time_delta"] = fl["h_td"].judge(td)
            fl["h_td"].append(td)
        judged["packet_length"] = fl["h_len"].judge(n)
        fl["h_len"].append(n)
        judged["payload_entropy"] = fl["h_ent"].judge(pe)
        fl["h_ent"].append(pe)
        for m in OUTLIER_METRICS:
            j = judged.get(m)
            if j is None:
                f[m + "_zscore"] = f[m + "_sigma"] = f[m + "_iqr"] = None
            else:
                f[m + "_zscore"], f[m + "_sigma"], f[m + "_iqr"] = j
        rows.append(f)

    _sixty_second_windows(pdus, causal=(window == "causal"))
    return [{c: f[c] for c in COLUMNS} for f in rows]


def _pair_with(conns, pdus, events, simple):
    """Run pair_pdus with pre-built connections."""
    ev = collections.defaultdict(list)
    for frame, stream, kind, src, sport in events:
        ev[frame].append((stream, kind, src, sport))
    by_frame = collections.OrderedDict()
    for p in pdus:
        by_frame.setdefault(p.frame, []).append(p)
    for frame in sorted(set(by_frame) | set(ev)):
        for p in by_frame.get(frame, ()):
            p.paired_req = None
            p.rt_ns = None
            c = conns[p.stream]
            if p.malformed:
                continue
            unit, tid, fc = p.adu[6], u16(p.adu, 0), p.adu[7]
            key = (unit, tid)
            if p.is_request:
                if not simple:
                    if p.retrans:
                        q = c.pending.get(key, [])
                        a = c.answered.get(key)
                        if any(t.fc == fc for t in q) or (a is not None and a.fc == fc):
                            continue       # the same request again: not a new one
                    q = c.pending.get(key)
                    while q and p.ts - q[0].ts > RESPONSE_TIMEOUT_NS:
                        _conn_missed(c, q[0])       # key reused after the timeout
                        q = c.pending.get(key)
                    c.answered.pop(key, None)
                    if c.closed:
                        continue                    # never pending on a reset connection
                    c.order = [x for x in c.order if not x.done]
                    if len(c.order) >= MAX_PENDING_PER_CONN:
                        _conn_missed(c, c.order.pop(0))
                t = _Txn(p.frame, p.ts, fc, key)
                c.pending.setdefault(key, []).append(t)
                c.order.append(t)
            else:
                base = fc & 0x7F
                match = None
                for t in c.pending.get(key, ()):
                    if t.fc == base:
                        match = t
                        break
                if match is None:
                    continue          # orphan, or duplicate of an answered request
                _conn_missed(c, match)
                if len(c.answered) >= ANSWERED_MAX:
                    c.answered.clear()
                c.answered[key] = match
                p.paired_req = match.frame
                p.rt_ns = p.ts - match.ts
        if simple:
            continue
        for stream, kind, src, sport in ev.get(frame, ()):
            c = conns.get(stream)
            if c is None:
                continue
            if kind == "fin" and not (src == c.server and sport == c.server_port):
                continue      # a client's FIN: the server may still answer
            for t in c.order:
                if not t.done:
                    _conn_missed(c, t)
            c.order = []
            if kind == "rst":
                c.closed = True


# ---------------------------------------------------------------- output

def fmt_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "%.17g" % v
    return str(v)


def rows_as_strings(rows):
    return [{c: fmt_value(r[c]) for c in COLUMNS} for r in rows]


def column_stats(rows, columns):
    """Sidecar statistics per column: {column: dict(count, mean, std, min, max,
    q1, q3)} over the non-empty cells (rows: dicts of strings or numbers).
    mean with math.fsum; std is the population std (two-pass, fsum); q1/q3 by
    linear interpolation. Columns with no value get count 0 and None
    elsewhere."""
    out = {}
    for c in columns:
        vals = []
        for r in rows:
            v = r[c]
            if v is None or v == "":
                continue
            vals.append(float(v))
        n = len(vals)
        if n == 0:
            out[c] = dict(count=0, mean=None, std=None, min=None, max=None, q1=None, q3=None)
            continue
        m = math.fsum(vals) / n
        var = math.fsum((v - m) * (v - m) for v in vals) / n
        sv = sorted(vals)
        out[c] = dict(count=n, mean=m, std=math.sqrt(var), min=sv[0], max=sv[-1],
                      q1=quantile(sv, 0.25), q3=quantile(sv, 0.75))
    return out


STATS_FIELDS = ["count", "mean", "std", "min", "max", "q1", "q3"]


def write_csv(rows, path):
    srows = rows_as_strings(rows)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in srows:
            w.writerow([r[c] for c in COLUMNS])
    st = column_stats(srows, NUMERIC_COLUMNS)
    with open(path + ".stats.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["column"] + STATS_FIELDS)
        for c in NUMERIC_COLUMNS:
            w.writerow([c] + [fmt_value(st[c][k]) for k in STATS_FIELDS])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("out_csv")
    ap.add_argument("--server-ports", default="502",
                    help="comma-separated server ports (default 502)")
    ap.add_argument("--split-direction", action="store_true")
    ap.add_argument("--strict-unit-id", action="store_true")
    ap.add_argument("--window", choices=["time", "causal"], default="time")
    ap.add_argument("--simple-pairing", action="store_true")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap.epilog = "Extra tshark arguments (e.g. -d tcp.port==5020,mbtcp) go after --."
    a = ap.parse_args(argv)
    a.tshark_args = extra
    ports = {int(x) for x in a.server_ports.split(",") if x}
    rows = compute(a.capture, ports, a.split_direction, a.strict_unit_id, a.tshark_args,
                   a.window, a.simple_pairing)
    write_csv(rows, a.out_csv)
    print("%d PDUs -> %s" % (len(rows), a.out_csv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
