# SPDX-License-Identifier: GPL-2.0-or-later
"""Machinery of tests/test_network.py: the network-health analysis of
modbus_an (core/ma_net.c, ma_stp.c, ma_cause.c; fields of
postdissector/net_ui.c; the network sections of tap/ma_net_report.c) against
independent sources.

The independent source is Wireshark's own dissection, read with tshark
*without* the plugin (tests/tshark.sh --disable-protocol modbus_an, proven
by the modbus_an fields being empty): frame times, tcp.stream, addresses,
ports, tcp.flags, tcp.seq/len, the tcp.analysis items, the mbtcp/modbus PDUs
(their bytes parsed here from tcp.payload) and the stp fields. From those an
oracle written here recomputes the documented rules of docs/network.md:

  * Modbus connection: a tcp.stream that carried a Modbus PDU or has a
    server port (502, or the extra ports given) on either side.
  * Client: sender of a SYN without ACK; else receiver of a SYN+ACK; else
    the server-port rule (exactly one side a server port, else the lower
    port is the server). Pair "client -> server:port".
  * Attempt: the stream's first segment is a SYN without ACK; SYNs = every
    SYN without ACK; handshake = first SYN+ACK - first SYN. Result, in time
    order: SYN+ACK within connect_timeout -> established; RST from the
    server before it (and before the timeout ran out) -> refused; the
    capture goes on past connect_timeout -> timeout; else unfinished.
  * End: the first FIN or RST and its sender. Session reset: the end is an
    RST of an established connection (not an attempt, or a SYN+ACK came
    before it). Orderly close: the end is a FIN. Open: neither.
    Duration = (end or last segment) - first segment.
  * Reconnect: each later connection of a pair (by first segment) that
    begins at or after the end (first FIN/RST, else last segment) of the
    pair's previous connection; gap = first segment - that end; negative:
    parallel.
  * TCP analysis: per pair and direction, segments with each of the six
    tcp.analysis items.
  * Modbus pairing (first-in-first-out per stream on unit, transaction id,
    function code & 0x7f; requests are sent to the server port by the
    server-port rule); a PDU is a TCP retransmission copy when its bytes lie
    wholly below the highest sequence number already seen in its direction.
  * Retry: a request with the same pair, unit, function code and data bytes
    as an earlier request that had no answer yet (its response comes later
    or never), with another transaction id or on another stream, within
    retry_window; the latest such earlier request is the one retried.
  * Retransmitted Modbus bytes: a segment flagged retransmission / fast /
    spurious is tied to (1) the transactions of the PDUs Wireshark decoded
    in it, else (2) those of the earlier decoded segments of its direction
    whose byte range overlaps it, else (3) for server-to-client bytes never
    seen before, the oldest request pending on the connection (inferred).
  * Causes (given the slow transactions): stp, tcp-retransmission,
    connection, retry, server - the first rule of docs/network.md that holds.
  * Spanning Tree: sender = (bridge id, port id, VLAN, SSTP or IEEE), TCN:
    source MAC; TC / TCN / root / role events; repeats.

Nothing here reads modbus_an's output to compute an expectation; the test
compares the plugin's output with what is computed here.
"""
import collections
import json
from decimal import Decimal
import concurrent.futures
import io
import os
import re
import xml.etree.ElementTree as ET

import mbtshark

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
NS = 1000000000
MAX_REPORT = 30

_cache = {}


# ---------------------------------------------------------------- running tshark

run_tshark = mbtshark.run      # (returncode, stdout, stderr)
tshark_ok = mbtshark.tshark    # stdout; RuntimeError when tshark fails


def cached(key, fn):
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]


def prefetch(thunks, workers=2):
    """Call the thunks (each fills the cache through the functions below),
    `workers` at a time: the tshark runs overlap on a multi-core host.
    Under pytest-xdist the workers are that parallelism (and each test
    fetches what it needs, through the session's shared tshark cache): the
    thunks are left to the tests."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        for fut in [ex.submit(t) for t in thunks]:
            fut.result()


def to_ns(s):
    """'1795443422.011629000' -> int ns (exact)."""
    s = s.strip()
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    v = int(whole or "0") * NS + int((frac + "000000000")[:9])
    return -v if neg else v


def fields_run(capture, fields, extra_args=(), two_pass=False, plugin=True, display_filter=None):
    """One tshark -T fields run: a list of lists of values (each value a list
    of occurrences, '' absent -> [])."""
    args = (["-2"] if two_pass else []) + ["-r", capture, "-T", "fields", "-E", "occurrence=a",
                                           "-E", "aggregator=\x1f", "-E", "separator=\t"]
    if not plugin:
        args = ["--disable-protocol", "modbus_an"] + args
    for f in fields:
        args += ["-e", f]
    if display_filter:
        args += ["-Y", display_filter]
    args += list(extra_args)
    out = tshark_ok(args)
    rows = []
    for line in out.split("\n"):
        if not line:
            continue
        vals = line.split("\t")
        if len(vals) != len(fields):
            raise RuntimeError("tshark -T fields: %d values for %d fields: %r" % (len(vals), len(fields), line))
        rows.append([v.split("\x1f") if v != "" else [] for v in vals])
    return rows


# ---------------------------------------------------------------- Wireshark's view (no plugin)

TA = ["retransmission", "fast_retransmission", "spurious_retransmission", "duplicate_ack",
      "zero_window", "lost_segment"]
RETRANS_TA = ("retransmission", "fast_retransmission", "spurious_retransmission")

PLAIN_FIELDS = ["frame.number", "frame.time_epoch", "tcp.stream", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.len", "tcp.payload",
                "tcp.reassembled.data"] \
    + ["tcp.analysis." + a for a in TA] \
    + ["mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code",
       "eth.src", "eth.dst", "vlan.id", "stp.version", "stp.type", "stp.flags.tc", "stp.flags.tcack",
       "stp.flags.port_role", "stp.root.prio", "stp.root.ext", "stp.root.hw", "stp.bridge.prio",
       "stp.bridge.ext", "stp.bridge.hw", "stp.port", "stp.root.cost", "stp.pvst.origvlan",
       "modbus_an.type", "modbus_an.conn.direction", "modbus_an.stp.type"]
PROOF_FIELDS = ("modbus_an.type", "modbus_an.conn.direction", "modbus_an.stp.type")


def plain_rows(path, extra_args=()):
    """Wireshark's fields of every frame, modbus_an disabled (cached)."""
    return cached(("plain", path, tuple(extra_args)),
                  lambda: fields_run(path, PLAIN_FIELDS, extra_args, plugin=False))


def capture(path, extra_args=(), **prefs):
    """The oracle's Capture for path and preferences (cached)."""
    key = ("capture", path, tuple(extra_args), tuple(sorted(prefs.items())))
    return cached(key, lambda: Capture(path, extra_args, **prefs))


class Frame:
    __slots__ = ("n", "ts", "stream", "src", "dst", "sport", "dport", "flags", "seq", "len", "payload", "reasm",
                 "ta", "ws_pdus", "pdus", "stp")

    @property
    def syn(self):
        return bool(self.flags & 0x02)

    @property
    def ack(self):
        return bool(self.flags & 0x10)

    @property
    def fin(self):
        return bool(self.flags & 0x01)

    @property
    def rst(self):
        return bool(self.flags & 0x04)

    @property
    def retrans(self):
        return any(a in self.ta for a in RETRANS_TA)


class Pdu:
    """A Modbus PDU as Wireshark decoded it, with its bytes parsed here."""
    __slots__ = ("frame", "idx", "ts", "stream", "tid", "unit", "fc", "data", "seq", "end", "is_req",
                 "copy", "resp", "req", "key", "pair", "retry_of", "retried_by")

    def __repr__(self):
        return "Pdu(frame %d #%d tid %d unit %d fc %d %s)" % (self.frame, self.idx, self.tid, self.unit, self.fc,
                                                             "req" if self.is_req else "resp")


def _one(v):
    return v[0] if v else None


def parse_mbap(payload):
    """[(tid, unit, fc, data bytes after fc, offset, length)] of the whole
    MBAP PDUs at the start of payload (stops at the first inconsistency)."""
    out = []
    off = 0
    while off + 8 <= len(payload):
        tid = payload[off] << 8 | payload[off + 1]
        pid = payload[off + 2] << 8 | payload[off + 3]
        ln = payload[off + 4] << 8 | payload[off + 5]
        if pid != 0 or ln < 2 or off + 6 + ln > len(payload):
            break
        unit = payload[off + 6]
        fc = payload[off + 7]
        out.append((tid, unit, fc, bytes(payload[off + 8:off + 6 + ln]), off, 6 + ln))
        off += 6 + ln
    return out


class Capture:
    """Wireshark's view of a capture (no plugin) and the oracle's model."""

    def __init__(self, path, extra_args=(), server_ports=(502,), connect_timeout=3 * NS, retry_window=10 * NS,
                 response_timeout=3 * NS, delay_threshold=1 * NS):
        self.path = path
        self.extra_args = tuple(extra_args)
        self.server_ports = set(server_ports)
        self.connect_timeout = connect_timeout
        self.retry_window = retry_window
        self.response_timeout = response_timeout
        self.delay_threshold = delay_threshold
        rows = plain_rows(path, extra_args)
        ix = {f: i for i, f in enumerate(PLAIN_FIELDS)}
        self.frames = []
        self.plugin_fields_seen = 0
        for r in rows:
            for p in PROOF_FIELDS:
                if r[ix[p]]:
                    self.plugin_fields_seen += 1
            f = Frame()
            f.n = int(r[ix["frame.number"]][0])
            f.ts = to_ns(r[ix["frame.time_epoch"]][0])
            st = r[ix["tcp.stream"]]
            f.stream = int(st[0]) if st else None
            f.src = _one(r[ix["ip.src"]]) or _one(r[ix["ipv6.src"]])
            f.dst = _one(r[ix["ip.dst"]]) or _one(r[ix["ipv6.dst"]])
            f.sport = int(r[ix["tcp.srcport"]][0]) if r[ix["tcp.srcport"]] else None
            f.dport = int(r[ix["tcp.dstport"]][0]) if r[ix["tcp.dstport"]] else None
            f.flags = int(r[ix["tcp.flags"]][0], 16) if r[ix["tcp.flags"]] else 0
            f.seq = int(r[ix["tcp.seq"]][0]) if r[ix["tcp.seq"]] else 0
            f.len = int(r[ix["tcp.len"]][0]) if r[ix["tcp.len"]] else 0
            pl = r[ix["tcp.payload"]]
            f.payload = bytes.fromhex(pl[0].replace(":", "")) if pl else b""
            ra = r[ix["tcp.reassembled.data"]]
            f.reasm = bytes.fromhex(ra[0].replace(":", "")) if ra else None
            f.ta = {a for a in TA if r[ix["tcp.analysis." + a]]}
            tids = [int(x) for x in r[ix["mbtcp.trans_id"]]]
            units = [int(x) for x in r[ix["mbtcp.unit_id"]]]
            fcs = [int(x) for x in r[ix["modbus.func_code"]]]
            f.ws_pdus = (tids, units, fcs)
            f.pdus = []
            f.stp = None
            if r[ix["stp.type"]]:
                f.stp = {k: r[ix[k]] for k in PLAIN_FIELDS if k.startswith(("stp.", "eth.", "vlan."))}
            self.frames.append(f)
        self.by_n = {f.n: f for f in self.frames}
        self.end_ts = self.frames[-1].ts if self.frames else 0
        self.unparsed_pdu_frames = []
        self._model()

    # ---- connections

    def is_server_port(self, p):
        return p in self.server_ports

    def _model(self):
        streams = collections.OrderedDict()
        for f in self.frames:
            if f.stream is None:
                continue
            streams.setdefault(f.stream, []).append(f)
        self.streams = {}
        for s, segs in streams.items():
            carried = any(f.ws_pdus[0] for f in segs)
            ports = any(self.is_server_port(f.sport) or self.is_server_port(f.dport) for f in segs)
            if carried or ports:
                self.streams[s] = segs
        self.conns = collections.OrderedDict()
        for s, segs in self.streams.items():
            self.conns[s] = self._conn(s, segs)
        self.pairs = collections.OrderedDict()
        for c in sorted(self.conns.values(), key=lambda c: c["first_frame"]):
            self.pairs.setdefault(c["pair"], []).append(c)
        for label, cs in self.pairs.items():
            for i, c in enumerate(cs):
                c["reconnect"] = c["parallel"] = False
                c["gap"] = None
                c["prev"] = None
                if i == 0:
                    continue
                p = cs[i - 1]
                pend = p["end_ts"] if p["end"] else p["last_ts"]
                c["gap"] = c["first_ts"] - pend
                c["prev"] = p
                c["prev_frame"] = p["end_frame"] if p["end"] else p["last_frame"]
                if c["gap"] < 0:
                    c["parallel"] = True
                else:
                    c["reconnect"] = True
        self._modbus()

    def _conn(self, s, segs):
        first = segs[0]
        syns = [f for f in segs if f.syn and not f.ack]
        synacks = [f for f in segs if f.syn and f.ack]
        if syns:
            client = (syns[0].src, syns[0].sport)
            server = (syns[0].dst, syns[0].dport)
        elif synacks:
            client = (synacks[0].dst, synacks[0].dport)
            server = (synacks[0].src, synacks[0].sport)
        else:
            a, b = (first.src, first.sport), (first.dst, first.dport)
            sa, sb = self.is_server_port(a[1]), self.is_server_port(b[1])
            if sa != sb:
                server, client = (a, b) if sa else (b, a)
            else:
                server, client = (a, b) if a[1] < b[1] else (b, a)
        c = {"stream": s, "client": client, "server": server,
             "pair": "%s -> %s:%d" % (client[0], server[0], server[1]),
             "first_frame": first.n, "first_ts": first.ts, "last_frame": segs[-1].n, "last_ts": segs[-1].ts,
             "segs": segs, "attempt": bool(first.syn and not first.ack), "syn_packets": len(syns),
             "syn_frames": [f.n for f in syns]}

        def from_client(f):
            return (f.src, f.sport) == client

        c["from_client"] = from_client
        srv_synacks = [f for f in synacks if not from_client(f)]
        c["synack_frame"] = srv_synacks[0].n if srv_synacks else None
        c["handshake"] = None
        if syns and srv_synacks:
            c["handshake"] = srv_synacks[0].ts - syns[0].ts
        # end: the first FIN or RST
        c["end"] = None
        c["end_frame"] = c["end_ts"] = c["end_by"] = None
        for f in segs:
            if f.rst or f.fin:
                c["end"] = "rst" if f.rst else "fin"
                c["end_frame"], c["end_ts"] = f.n, f.ts
                c["end_by"] = "client" if from_client(f) else "server"
                break
        c["fin_frame"] = next((f.n for f in segs if f.fin), None)
        # attempt result, in time order
        c["result"] = None
        c["result_ambiguous"] = False
        if c["attempt"]:
            t_syn = syns[0].ts
            deadline = t_syn + self.connect_timeout
            result = None
            for f in segs:
                if f.ts > deadline:
                    break
                if f.syn and f.ack and not from_client(f):
                    result = "established"
                    break
                if f.rst and not from_client(f):
                    result = "refused"
                    break
            if result is None:
                result = "timeout" if self.end_ts > deadline else "unfinished"
                # (an RST from the server after the deadline: the timeout ran out first)
                if abs(self.end_ts - deadline) < NS // 1000:
                    c["result_ambiguous"] = True
            c["result"] = result
        # session reset: an RST ending an established connection
        est_before_end = (not c["attempt"]) or (c["synack_frame"] is not None and c["end_frame"] is not None
                                                 and c["synack_frame"] < c["end_frame"])
        c["session_reset"] = c["end"] == "rst" and est_before_end
        c["reset_frame"] = c["end_frame"] if c["session_reset"] else None
        c["close"] = c["end"] == "fin"
        c["open"] = c["end"] is None
        c["duration"] = (c["end_ts"] if c["end"] else c["last_ts"]) - c["first_ts"]
        return c

    # ---- Modbus PDUs, pairing, retries, retransmitted bytes

    def conn_of(self, f):
        return self.conns.get(f.stream)

    def _modbus(self):
        self.pdus = []
        maxend = {}          # (stream, from_client) -> highest seq end seen
        pending = {}         # stream -> OrderedDict of pending requests (by frame order)
        queues = collections.defaultdict(list)
        decoded_segs = collections.defaultdict(list)   # (stream, dir) -> [(seq, end, frame)]
        self.seg_attach = {}  # frame -> (list of request Pdus, inferred)
        for f in self.frames:
            f.pdus = []
            c = self.conns.get(f.stream)
            if c is None:
                continue
            d = c["from_client"](f)
            key = (f.stream, d)
            seen_end = maxend.get(key)
            tids, units, fcs = f.ws_pdus
            parsed = self._parse_pdus(f) if tids else []
            if parsed is None:
                self.unparsed_pdu_frames.append(f.n)
            # request direction by the server-port rule of the pairing
            sp_dst, sp_src = self.is_server_port(f.dport), self.is_server_port(f.sport)
            is_req = sp_dst if sp_dst != sp_src else f.dport < f.sport
            for i in range(len(tids)):
                p = Pdu()
                p.frame, p.idx, p.ts, p.stream = f.n, i, f.ts, f.stream
                p.tid, p.unit = tids[i], units[i]
                p.fc = parsed[i][2] if parsed else (fcs[i] if i < len(fcs) else None)
                p.data = parsed[i][3] if parsed else None
                p.seq = f.seq + (parsed[i][4] if parsed else 0)
                p.end = p.seq + (parsed[i][5] if parsed else f.len)
                p.is_req = is_req
                p.copy = seen_end is not None and p.end <= seen_end
                p.resp = p.req = None
                # the Modbus pair (README: requests go to the server port)
                p.pair = "%s -> %s:%d" % ((f.src, f.dst, f.dport) if is_req else (f.dst, f.src, f.sport))
                f.pdus.append(p)
                self.pdus.append(p)
            # the retransmitted-bytes rules, before this segment's own PDUs pair
            if f.retrans:
                self.seg_attach[f.n] = self._attach(f, c, d, seen_end, decoded_segs, queues)
            for p in f.pdus:
                if p.copy or p.fc is None:
                    continue
                k = (p.stream, p.unit, p.tid)
                q = queues[k]
                if p.is_req:
                    # a key reused after its timeout ran out: the older request was given up
                    while q and p.ts - q[0].ts > self.response_timeout:
                        q.pop(0)
                    if c["end"] and c["end_frame"] < f.n and (c["end"] == "rst" or c["end_by"] == "server"):
                        continue          # on a connection already reset / closed by the server
                    q.append(p)
                else:
                    m = next((r for r in q if r.fc == p.fc & 0x7F), None)
                    if m is not None:
                        q.remove(m)
                        m.resp, p.req = p, m
            if c["end_frame"] == f.n and (c["end"] == "rst" or c["end_by"] == "server"):
                for k in [k for k in queues if k[0] == f.stream]:
                    queues[k] = []
            if f.pdus:
                decoded_segs[key].append((f.seq, f.seq + f.len, f.n))
            if f.len:
                maxend[key] = max(seen_end or 0, f.seq + f.len)
        self.requests = [p for p in self.pdus if p.is_req and not p.copy]
        self._retries()

    @staticmethod
    def _parse_pdus(f):
        """The PDUs of frame f parsed from its bytes, checked against
        Wireshark's (tid, unit, fc) list; None if they cannot be matched.
        A PDU reassembled from earlier segments comes first (its offset is
        negative: it began before this segment)."""
        tids, units, fcs = f.ws_pdus
        want = [(t, u, c & 0x7F) for t, u, c in zip(tids, units, fcs)]

        def ok(lst):
            return [(p[0], p[1], p[2] & 0x7F) for p in lst] == want

        parsed = parse_mbap(f.payload)
        if ok(parsed):
            return parsed
        if f.reasm:
            head = parse_mbap(f.reasm)
            if len(head) == 1:
                h = head[0]
                for k in range(0, len(f.payload) + 1):
                    rest = parse_mbap(f.payload[k:])
                    if ok(head + rest) and (k == len(f.payload) or sum(p[5] for p in rest) == len(f.payload) - k):
                        return [(h[0], h[1], h[2], h[3], k - h[5], h[5])] + \
                            [(p[0], p[1], p[2], p[3], p[4] + k, p[5]) for p in rest]
        return None

    def _txn_of(self, p):
        """The request of the transaction a PDU belongs to."""
        if p.is_req:
            return p
        return p.req

    def _attach(self, f, c, d, seen_end, decoded_segs, queues):
        key = (f.stream, d)
        reqs = []
        if f.pdus:
            for p in f.pdus:
                t = None
                if p.copy:
                    for q in self.pdus_in_range(key, p.seq, p.end, f.n):
                        if (q.tid, q.unit, q.fc) == (p.tid, p.unit, p.fc):
                            t = self._txn_of(q)
                            break
                else:
                    t = p if p.is_req else None   # a response pairs below
                    if not p.is_req:
                        q = queues.get((p.stream, p.unit, p.tid)) or []
                        t = next((r for r in q if r.fc == (p.fc or 0) & 0x7F), None)
                if t is not None and t not in reqs:
                    reqs.append(t)
            return reqs, False, 1
        for (s0, s1, n) in decoded_segs.get(key, [])[-64:]:
            if s0 < f.seq + f.len and f.seq < s1:
                for q in self.by_n[n].pdus:
                    if q.seq < f.seq + f.len and f.seq < q.end:
                        t = self._txn_of(q)
                        if t is not None and t not in reqs:
                            reqs.append(t)
        if reqs:
            return reqs, False, 2
        if d is False and (seen_end is None or f.seq >= seen_end) and f.len > 0:
            pend = [r for q in queues.values() for r in q if r.stream == f.stream]
            if pend:
                oldest = min(pend, key=lambda r: (r.frame, r.idx))
                return [oldest], True, 3
        return [], False, 0

    def pdus_in_range(self, key, s0, s1, before):
        out = []
        for f in self.frames:
            if f.n >= before:
                break
            if f.stream != key[0] or not f.pdus:
                continue
            for q in f.pdus:
                if q.seq < s1 and s0 < q.end and not q.copy:
                    out.append(q)
        return out

    def _retries(self):
        """docs/network.md: "A third copy is a retry of the second": each
        request is compared with the latest earlier request of the same
        content (pair, unit, fc, data) only."""
        last = {}
        for r in self.requests:
            r.retry_of = None
            r.retried_by = None
        for r in self.requests:
            if r.data is None or r.fc is None:
                continue
            k = (r.pair, r.unit, r.fc, r.data)
            e = last.get(k)
            if e is not None and not self.by_n[r.frame].retrans and (e.tid != r.tid or e.stream != r.stream) \
                    and not (e.resp is not None and (e.resp.frame, e.resp.idx) < (r.frame, r.idx)) \
                    and 0 <= r.ts - e.ts <= self.retry_window:
                r.retry_of = e
                if e.retried_by is None:
                    e.retried_by = r
            last[k] = r

    # ---- per pair

    def pair_rows(self):
        """label -> the oracle's row of "Connections per pair" (values as the
        stat prints them) and of "TCP analysis per pair"."""
        rows = collections.OrderedDict()
        retries = collections.Counter(r.pair for r in self.requests if r.retry_of is not None)
        attached = collections.Counter()
        for n, (reqs, inferred, rule) in self.seg_attach.items():
            if reqs:
                attached[self.conns[self.by_n[n].stream]["pair"]] += 1
        conn_pairs = set(self.pairs)
        for label, cs in self.pairs.items():
            hs = [c["handshake"] for c in cs if c["handshake"] is not None]
            gaps = [c["gap"] for c in cs if c["reconnect"]]
            row = collections.OrderedDict()
            row["Conns"] = len(cs)
            row["Att"] = sum(c["attempt"] for c in cs)
            row["SYNs"] = sum(c["syn_packets"] for c in cs)
            for k, v in (("Estab", "established"), ("Refus", "refused"), ("Tmout", "timeout"),
                         ("Unfin", "unfinished")):
                row[k] = sum(c["result"] == v for c in cs)
            row["HSavg_ms"] = "%.3f" % ((sum(hs) // len(hs)) / 1e6) if hs else "-"
            row["HSmax_ms"] = "%.3f" % (max(hs) / 1e6) if hs else "-"
            row["RstC"] = sum(c["session_reset"] and c["end_by"] == "client" for c in cs)
            row["RstS"] = sum(c["session_reset"] and c["end_by"] == "server" for c in cs)
            row["FinC"] = sum(c["close"] and c["end_by"] == "client" for c in cs)
            row["FinS"] = sum(c["close"] and c["end_by"] == "server" for c in cs)
            row["Reconn"] = len(gaps)
            row["Gapmin_s"] = "%.3f" % (min(gaps) / 1e9) if gaps else "-"
            row["Gapmax_s"] = "%.3f" % (max(gaps) / 1e9) if gaps else "-"
            row["Open"] = sum(c["open"] for c in cs)
            row["Durmax_s"] = "%.3f" % (max(c["duration"] for c in cs) / 1e9)
            row["Retries"] = retries[label]
            ta = {k: [0, 0] for k in TA}
            for c in cs:
                for f in c["segs"]:
                    d = 0 if c["from_client"](f) else 1
                    for a in f.ta:
                        ta[a][d] += 1
            trow = collections.OrderedDict()
            for k, head in zip(TA, TCP_HEADS):
                trow[head] = "%d/%d" % tuple(ta[k])
            trow["Attached"] = attached[label]
            rows[label] = (row, trow)
        for label in retries:
            if label not in conn_pairs:
                raise AssertionError("retries on a pair without connections: %s" % label)
        return rows


TCP_HEADS = ["Retrans", "FastRetr", "Spurious", "DupACK", "ZeroWin", "Lost"]
CONN_HEADS = ["Conns", "Att", "SYNs", "Estab", "Refus", "Tmout", "Unfin", "HSavg_ms", "HSmax_ms", "RstC", "RstS",
              "FinC", "FinS", "Reconn", "Gapmin_s", "Gapmax_s", "Open", "Durmax_s", "Retries"]
CAUSES = ["stp", "tcp-retransmission", "connection", "retry", "server"]


# ---------------------------------------------------------------- the stat text

def section_lines(text, title):
    """The lines of the section whose first line starts with title, up to
    the next line that starts without indentation."""
    out, on = [], False
    for line in text.splitlines():
        if line.startswith(title):
            on = True
            out.append(line)
            continue
        if on:
            if line and not line.startswith(" "):
                break
            out.append(line)
    return out


def _table(lines, heads):
    """{pair label: OrderedDict(head: value)} of a per-pair table (the
    label is the first three tokens: 'client -> server:port')."""
    rows = collections.OrderedDict()
    if len(lines) < 2:
        return None
    got_heads = lines[1].split()
    if got_heads != ["Pair"] + heads:
        raise AssertionError("table heads %r, expected %r" % (got_heads, ["Pair"] + heads))
    for line in lines[2:]:
        toks = line.split()
        if toks == ["none"]:
            continue
        if len(toks) != 3 + len(heads) or toks[1] != "->":
            continue
        label = " ".join(toks[:3])
        vals = [int(v) if re.fullmatch(r"\d+", v) else v for v in toks[3:]]
        rows[label] = collections.OrderedDict(zip(heads, vals))
    return rows


def _ms(x):
    return "-" if x is None else "%.3f" % (int(x * 1000000000) / 1e6)


def _s(x):
    return "-" if x is None else "%.3f" % (int(x * 1000000000) / 1e9)


def parse_net_stat(text):
    """The network sections of the JSON document (-z modbus_an,json) as the
    dicts the tests compare (the old text tables' heads)."""
    doc = json.loads(text, parse_float=Decimal)
    cfg = doc["config"]
    st = {}
    st["conn_title"] = ("Connections per pair (failed: RST from the server, or no SYN+ACK within %.3g s):"
                        % float(cfg["connect_timeout"]))
    st["cause_title"] = ("Causes of delayed, late and missed transactions per pair (stp window %.3g s):"
                         % float(cfg["stp_window"]))
    conns, tcp, causes = collections.OrderedDict(), collections.OrderedDict(), collections.OrderedDict()
    for p in doc["pair_network"]:
        if not (p["connections"] or p["retries"]):
            continue
        conns[p["pair"]] = collections.OrderedDict(zip(CONN_HEADS, [
            p["connections"], p["attempts"], p["syn_packets"], p["established"], p["refused"], p["timeout"],
            p["unfinished"], _ms(p["handshake_avg"]), _ms(p["handshake_max"]), p["resets_by_client"],
            p["resets_by_server"], p["fin_by_client"], p["fin_by_server"], p["reconnects"], _s(p["gap_min"]),
            _s(p["gap_max"]), p["open_at_end"], _s(p["duration_max"]), p["retries"]]))
        keys = ["retrans", "fast_retrans", "spurious_retrans", "dup_ack", "zero_window", "lost_segment"]
        tcp[p["pair"]] = collections.OrderedDict(
            [(h, "%d/%d" % (p[k + "_to_server"], p[k + "_to_client"])) for h, k in zip(TCP_HEADS, keys)] +
            [("Attached", p["retrans_attached"])])
    for c in doc["causes"]:
        causes[c["pair"]] = collections.OrderedDict([("Slow", c["slow"])] + [
            (k, c[k.replace("-", "_")]) for k in CAUSES])
    st["conns"], st["tcp"], st["causes"] = conns, tcp, causes
    st["topology"] = parse_topology(doc["topology"])
    st["stp"] = parse_stp(doc["stp"])
    return st


def parse_topology(rows):
    if not rows:
        return None
    topo = {"entries": 0, "traffic": [], "attempts": [], "silent": [], "unexpected": [], "counts": {}}
    keys = {"traffic": "traffic", "attempts only": "attempts", "silent": "silent", "UNEXPECTED": "unexpected"}
    for k in ("traffic", "attempts", "silent", "unexpected"):
        topo["counts"][k] = 0
    for r in rows:
        state = keys[r["state"]]
        topo["counts"][state] += 1
        if state == "unexpected":
            topo["unexpected"].append(dict(pair="%s -> %s:%d" % (r["client"], r["server"], r["port"]),
                                           requests=r["requests"]))
            continue
        topo["entries"] += 1
        topo[state].append(dict(server=r["server"], port=r["port"], client=r["client"] or "any", name=r["name"],
                                pairs=r["pairs"], requests=r["requests"], attempts=r["attempts"],
                                established=r["established"], refused=r["refused"], timeout=r["timeout"],
                                unfinished=r["unfinished"]))
    return topo


def parse_stp(s):
    if not s["bpdus"]:
        return {"bpdus": 0, "events": []}
    st = dict(bpdus=s["bpdus"], config=s["config"], rst=s["rst"], tcn=s["tcn_bpdus"], other=s["other"],
              speakers=s["speakers"], roots=s["root_ids"], tc_flagged=s["tc_flagged"], tca_flagged=s["tca_flagged"],
              ev_tc=s["topology_changes"], ev_tcn=s["tcn"], ev_root=s["root_changes"], ev_role=s["role_changes"],
              repeats=s["repeats"])
    st["events"] = [dict(frame=e["frame"], time=us_text(int(e["time"] * 1000000000)), event=e["event"],
                         bridge=e["bridge"], root=e["root"] or "-", port=int(e["port"], 16), vlan=e["vlan"],
                         repeats=e["bpdus"] - 1, what=e["what"], end_frame=e["end_frame"])
                    for e in s["events"]]
    return st


# ---------------------------------------------------------------- Spanning Tree oracle

def stp_oracle(cap):
    """The BPDUs of cap with the documented per-sender rules: a list of
    dicts per BPDU (frame order) and the totals."""
    out = []
    last = {}          # sender key -> previous BPDU record
    last_rst_role = {}
    open_ep = {}       # sender key -> (event record, kind) of the open TC/TCN episode
    roots = set()
    for f in cap.frames:
        if f.stp is None:
            continue
        s = f.stp
        g = lambda k: s[k][0] if s.get(k) else None   # noqa: E731
        typ = int(g("stp.type"), 16)
        ver = int(g("stp.version"))
        rec = {"frame": f.n, "ts": f.ts, "type": typ, "version": ver, "events": [], "repeats": 0}
        rec["kind"] = {0x00: "config", 0x80: "tcn", 0x02: "rst" if ver < 3 else "mst"}.get(typ, "unknown")
        dst = (g("eth.dst") or "").lower()
        sstp = dst == "01:00:0c:cc:cc:cd"
        vlan = int(g("stp.pvst.origvlan")) if g("stp.pvst.origvlan") else (int(g("vlan.id")) if g("vlan.id") else 0)
        rec["vlan"] = vlan
        rec["src"] = (g("eth.src") or "").lower()
        if typ == 0x80 or g("stp.bridge.hw") is None:
            key = ("mac", rec["src"])
            rec["has_ids"] = False
            rec["tc"] = False
        else:
            bprio = int(g("stp.bridge.prio")) + int(g("stp.bridge.ext"))
            rprio = int(g("stp.root.prio")) + int(g("stp.root.ext"))
            rec["bridge"] = "%d/%s" % (bprio, g("stp.bridge.hw").lower())
            rec["root"] = "%d/%s" % (rprio, g("stp.root.hw").lower())
            rec["port"] = int(g("stp.port"), 16)
            rec["cost"] = int(g("stp.root.cost"))
            rec["tc"] = g("stp.flags.tc") == "1"
            rec["tca"] = g("stp.flags.tcack") == "1"
            rec["role"] = int(g("stp.flags.port_role")) if (ver >= 2 and g("stp.flags.port_role") is not None) else None
            rec["has_ids"] = True
            key = ("ids", rec["bridge"], rec["port"], vlan, sstp)
            roots.add(rec["root"])
        rec["key"] = key
        prev = last.get(key)
        if key[0] == "ids" and ("mac", rec["src"]) in last:
            # a BPDU with ids from a MAC that sent TCNs is that MAC's previous BPDU too
            last[("mac", rec["src"])] = rec
        ev = []
        if rec["tc"] and (prev is None or not prev.get("tc")):
            ev.append("TC")
        if typ == 0x80 and (prev is None or prev["type"] != 0x80):
            ev.append("TCN")
        if prev is not None and rec["has_ids"] and prev["has_ids"] and prev["root"] != rec["root"]:
            ev.append("root")
            rec["prev_root"] = prev["root"]
        is_rst = typ == 0x02 and ver >= 2
        if is_rst and key in last_rst_role and rec["role"] != last_rst_role[key]:
            ev.append("role")
            rec["prev_role"] = last_rst_role[key]
        rec["events"] = ev
        rec["first"] = prev is None
        rec["repeat"] = prev is not None and not ev
        rec["prev_frame"] = prev["frame"] if prev else None
        rec["topology_change"] = any(e in ("TC", "TCN", "root") for e in ev)
        # an event's repeats: the sender's event-less BPDUs after it that
        # keep its state (TC flag still set, still TCNs; same root and role
        # as they raise no event) until its next event or state change
        ep = open_ep.get(key)
        if ev:
            open_ep[key] = (rec, set(ev))
        elif ep is not None:
            cont = ("TC" not in ep[1] or rec["tc"]) and ("TCN" not in ep[1] or typ == 0x80)
            if not cont:
                open_ep.pop(key)
            else:
                ep[0]["repeats"] += 1
        last[key] = rec
        if is_rst:
            last_rst_role[key] = rec["role"]
        out.append(rec)
    tot = {"bpdus": len(out), "config": sum(r["type"] == 0 for r in out),
           "rst": sum(r["type"] == 2 for r in out), "tcn": sum(r["type"] == 0x80 for r in out),
           "speakers": len(last), "roots": len(roots),
           "tc_flagged": sum(bool(r.get("tc")) for r in out), "tca_flagged": sum(bool(r.get("tca")) for r in out),
           "ev_tc": sum("TC" in r["events"] for r in out), "ev_tcn": sum("TCN" in r["events"] for r in out),
           "ev_root": sum("root" in r["events"] for r in out), "ev_role": sum("role" in r["events"] for r in out),
           "repeats": sum(r["repeat"] for r in out)}
    tot["other"] = tot["bpdus"] - tot["config"] - tot["rst"] - tot["tcn"]
    return out, tot


ROLE_NAMES = {0: "unknown", 1: "alternate/backup", 2: "root", 3: "designated"}


# ---------------------------------------------------------------- the plugin's per-frame fields

SEG_FIELDS = ["modbus_an.conn.direction", "modbus_an.conn.attempt", "modbus_an.conn.syn_retry",
              "modbus_an.conn.result", "modbus_an.conn.failed", "modbus_an.conn.handshake_time",
              "modbus_an.conn.reset", "modbus_an.conn.reset_by", "modbus_an.conn.close", "modbus_an.conn.close_by",
              "modbus_an.conn.duration", "modbus_an.conn.reconnect", "modbus_an.conn.parallel",
              "modbus_an.conn.gap", "modbus_an.conn.prev_frame"] \
    + ["modbus_an.tcp." + a for a in TA] \
    + ["modbus_an.tcp_retransmission", "modbus_an.tcp_retransmission.inferred"]
STP_FIELDS = ["modbus_an.stp." + k for k in ("type", "bridge", "root", "port", "root_cost", "vlan", "tc", "tca",
                                             "proposal", "agreement", "role", "event", "topology_change",
                                             "root_change", "role_change", "tcn", "repeat", "prev_frame",
                                             "prev_root")]
TXN_FIELDS = ["modbus_an.type", "modbus_an.transaction_id", "modbus_an.retry_of", "modbus_an.retried_by",
              "modbus_an.retransmitted_in", "modbus_an.cause", "modbus_an.cause_frame", "modbus_an.retransmitted",
              "modbus_an.outcome", "modbus_an.response_frame", "modbus_an.delayed"]
EXPERTS = ["modbus_an.conn.failed.expert", "modbus_an.conn.reset.expert", "modbus_an.conn.reconnect.expert",
           "modbus_an.tcp_retransmission.expert", "modbus_an.retry.expert", "modbus_an.cause.expert",
           "modbus_an.stp.tc.expert", "modbus_an.stp.tcn.expert", "modbus_an.stp.root_change.expert",
           "modbus_an.stp.role_change.expert"]
FRAME_FIELDS = ["frame.number"] + SEG_FIELDS + STP_FIELDS + TXN_FIELDS + EXPERTS
FIRST_PASS_FIELDS = ["modbus_an.conn.direction", "modbus_an.conn.reset", "modbus_an.conn.reset_by",
                     "modbus_an.conn.close", "modbus_an.conn.close_by", "modbus_an.retry_of",
                     "modbus_an.tcp_retransmission", "modbus_an.tcp_retransmission.inferred"] \
    + ["modbus_an.tcp." + a for a in TA] + STP_FIELDS


def plugin_frames(capture, extra_args=(), two_pass=True):
    """frame -> {field: [values]} of the plugin's network fields and expert
    infos (only frames that have any)."""
    def go():
        rows = fields_run(capture, FRAME_FIELDS, extra_args, two_pass=two_pass)
        out = {}
        for r in rows:
            d = {k: v for k, v in zip(FRAME_FIELDS[1:], r[1:]) if v}
            if d:
                out[int(r[0][0])] = d
        return out
    return cached(("frames", capture, tuple(extra_args), two_pass), go)


def plugin_txns(capture, extra_args=()):
    """frame -> [per-PDU dict] of -2 PDML modbus_an trees, for the frames
    with a retry, retransmission link, cause or a delayed / late / missed
    flag (each dict: field -> show of its first occurrence, plus
    'experts': the expert info names in the tree)."""
    def go():
        flt = ("modbus_an.retry_of || modbus_an.retried_by || modbus_an.retransmitted_in || modbus_an.cause || "
               "modbus_an.cause_frame || modbus_an.delayed == 1 || modbus_an.late == 1 || modbus_an.missed == 1")
        out = tshark_ok(["-2", "-r", capture, "-T", "pdml", "-J", "modbus_an", "-Y", flt] + list(extra_args))
        res = {}
        for _, elem in ET.iterparse(io.StringIO(out), events=("end",)):
            if elem.tag != "packet":
                continue
            frame = None
            trees = []
            for proto in elem.findall("proto"):
                name = proto.get("name")
                if name == "geninfo":
                    for f in proto.iter("field"):
                        if f.get("name") == "num":
                            frame = int(f.get("show"))
                elif name == "modbus_an":
                    d = {"experts": [], "counts": collections.Counter()}
                    for f in proto.iter("field"):
                        n = f.get("name") or ""
                        if n.endswith(".expert") and n.startswith("modbus_an."):
                            d["experts"].append(n)
                        elif n.startswith("modbus_an."):
                            d.setdefault(n, f.get("show"))
                            d["counts"][n] += 1
                    if "modbus_an.type" in d:
                        trees.append(d)
            res[frame] = trees
            elem.clear()
        return res
    return cached(("txns", capture, tuple(extra_args)), go)


def stat(capture, extra_args=(), two_pass=False):
    """(the JSON document's text, stderr, returncode) of -q -z modbus_an,json:
    every network section in one run (parse_net_stat reads it)."""
    def go():
        rc, out, err = run_tshark((["-2"] if two_pass else []) + ["-r", capture, "-q", "-z", "modbus_an,json"]
                                  + list(extra_args))
        return out, err, rc
    return cached(("stat", capture, tuple(extra_args), two_pass), go)


def report(test, errs, what):
    if errs:
        more = "\n  ... %d more" % (len(errs) - MAX_REPORT) if len(errs) > MAX_REPORT else ""
        test.fail("%s: %d problems:\n  %s%s" % (what, len(errs), "\n  ".join(str(e) for e in errs[:MAX_REPORT]),
                                                more))


# ---------------------------------------------------------------- per-frame comparisons

RESULT_NAMES = {"established": "established", "refused": "refused", "timeout": "timeout",
                "unfinished": "unfinished at end of capture"}


def expected_seg_fields(cap):
    """frame -> {field: [values]} the oracle expects on the segment trees
    (connection items, tcp.analysis flags, retransmission links) and the
    expert infos of those items."""
    want = collections.defaultdict(lambda: collections.defaultdict(list))

    def put(n, k, v):
        want[n][k].append(v)

    for c in cap.conns.values():
        if c["attempt"]:
            n = c["syn_frames"][0]
            put(n, "modbus_an.conn.attempt", "1")
            put(n, "modbus_an.conn.result", RESULT_NAMES[c["result"]])
            failed = c["result"] in ("refused", "timeout")
            if failed:   # flags are in the tree only when set
                put(n, "modbus_an.conn.failed", "1")
                put(n, "modbus_an.conn.failed.expert", "1")
        for n in c["syn_frames"][1:]:
            put(n, "modbus_an.conn.syn_retry", "1")
        if c["handshake"] is not None and c["synack_frame"] is not None:
            put(c["synack_frame"], "modbus_an.conn.handshake_time", c["handshake"])
        if c["attempt"] and c["result"] == "refused":
            put(c["end_frame"], "modbus_an.conn.result", "refused")
            put(c["end_frame"], "modbus_an.conn.failed", "1")
            put(c["end_frame"], "modbus_an.conn.failed.expert", "1")
        if c["session_reset"]:
            put(c["end_frame"], "modbus_an.conn.reset", "1")
            put(c["end_frame"], "modbus_an.conn.reset_by", c["end_by"])
            put(c["end_frame"], "modbus_an.conn.reset.expert", "1")
        if c["close"]:
            put(c["end_frame"], "modbus_an.conn.close", "1")
            put(c["end_frame"], "modbus_an.conn.close_by", c["end_by"])
        if c["end"] and (c["session_reset"] or c["close"] or c["result"] == "refused"):
            put(c["end_frame"], "modbus_an.conn.duration", c["duration"])
        if c["reconnect"] or c["parallel"]:
            n = c["first_frame"]
            put(n, "modbus_an.conn.reconnect" if c["reconnect"] else "modbus_an.conn.parallel", "1")
            if c["reconnect"]:
                put(n, "modbus_an.conn.reconnect.expert", "1")
            put(n, "modbus_an.conn.gap", c["gap"])
            put(n, "modbus_an.conn.prev_frame", str(c["prev_frame"]))
        for f in c["segs"]:
            for a in TA:
                if a in f.ta:
                    put(f.n, "modbus_an.tcp." + a, "1")
    for n, (reqs, inferred, rule) in cap.seg_attach.items():
        for r in reqs:
            put(n, "modbus_an.tcp_retransmission", str(r.frame))
            put(n, "modbus_an.tcp_retransmission.expert", "1")
        if reqs and inferred:
            put(n, "modbus_an.tcp_retransmission.inferred", "1")
    return want


TIME_FIELDS = ("modbus_an.conn.handshake_time", "modbus_an.conn.duration", "modbus_an.conn.gap")
SEG_CHECKED = [k for k in SEG_FIELDS if k != "modbus_an.conn.direction"] + EXPERTS[:4]


def check_seg_fields(cap, got, want=None, tol_ns=0, fields=SEG_CHECKED):
    """Problems: every frame's segment fields against the oracle (exact
    sets of frames and values; times within tol_ns), and the direction
    of every segment tree."""
    errs = []
    if want is None:
        want = expected_seg_fields(cap)
    for k in fields:
        wf = {n for n, d in want.items() if k in d}
        gf = {n for n, d in got.items() if k in d}
        for n in sorted(wf | gf):
            w = want.get(n, {}).get(k)
            g = got.get(n, {}).get(k)
            if k in TIME_FIELDS and w is not None and g is not None and len(w) == len(g):
                if any(abs(to_ns(a) - b) > tol_ns for a, b in zip(g, w)):
                    errs.append("frame %d: %s = %s, expected %s" % (n, k, g, ["%.9f" % (b / 1e9) for b in w]))
            elif k in TIME_FIELDS and (w is None) != (g is None):
                errs.append("frame %d: %s = %s, expected %s" % (n, k, g, None if w is None else
                                                                ["%.9f" % (b / 1e9) for b in w]))
            elif k not in TIME_FIELDS and sorted(w or []) != sorted(g or []):
                errs.append("frame %d: %s = %s, expected %s" % (n, k, g, w))
    for n, d in got.items():
        if "modbus_an.conn.direction" in d:
            f = cap.by_n[n]
            c = cap.conns.get(f.stream)
            if c is None:
                errs.append("frame %d: a connection tree on a stream the oracle does not count" % n)
                continue
            w = "to server" if c["from_client"](f) else "to client"
            if d["modbus_an.conn.direction"] != [w]:
                errs.append("frame %d: direction %s, expected %s" % (n, d["modbus_an.conn.direction"], w))
    return errs


# ---------------------------------------------------------------- outcomes and causes

def classify(cap, r):
    """(outcome, delayed) of request r by README "What a request's outcome
    means", from the oracle's pairing."""
    if r.resp is not None:
        rt = r.resp.ts - r.ts
        late = rt > cap.response_timeout
        return ("late" if late else "answered"), rt > cap.delay_threshold
    c = cap.conns[r.stream]
    if c["end"] and c["end_frame"] > r.frame and (c["end"] == "rst" or c["end_by"] == "server"):
        return "missed", False
    if cap.end_ts - r.ts > cap.response_timeout:
        return "missed", False
    return "unanswered_at_end", False


def slow_requests(cap):
    """request -> outcome of the delayed, late and missed requests."""
    out = collections.OrderedDict()
    for r in cap.requests:
        o, d = classify(cap, r)
        if o in ("late", "missed") or (o == "answered" and d):
            out[r] = o
    return out


def pair_events(cap):
    """label -> [(ts, frame, kind)] of the connection events of rule 3
    (session reset, the server's first FIN, a failed attempt - at its
    first SYN and, refused, at the server's RST -, a new connection)."""
    ev = collections.defaultdict(list)
    for c in cap.conns.values():
        p = c["pair"]
        ev[p].append((c["first_ts"], c["first_frame"], "new"))
        if c["session_reset"]:
            ev[p].append((c["end_ts"], c["end_frame"], "reset"))
        fins = [f for f in c["segs"] if f.fin and not c["from_client"](f)]
        if fins:
            ev[p].append((fins[0].ts, fins[0].n, "fin_server"))
        if c["result"] in ("refused", "timeout"):
            ev[p].append((c["segs"][0].ts, c["first_frame"], "failed"))
            if c["result"] == "refused":
                ev[p].append((c["end_ts"], c["end_frame"], "failed_alt"))
    return ev


def cause_oracle(cap, stp_recs, stp_window=50 * NS, slow=None):
    """request -> (cause, set of acceptable evidence frames, ambiguous) by
    the rules of docs/network.md, for the slow requests."""
    if slow is None:
        slow = slow_requests(cap)
    changes = [(r["ts"], r["frame"]) for r in stp_recs if r["topology_change"]]
    attached = collections.defaultdict(list)
    for n in sorted(cap.seg_attach):
        for t in cap.seg_attach[n][0]:
            attached[t].append(n)
    out = collections.OrderedDict()
    for r, outcome in slow.items():
        t0 = r.ts
        t1 = r.resp.ts if r.resp is not None else t0 + cap.response_timeout
        amb = False
        st = [fr for ts, fr in changes if t0 - stp_window <= ts <= t1]
        if st:
            out[r] = ("stp", set(st), amb)
            continue
        c = cap.conns[r.stream]
        rt = set(attached.get(r, []))
        # a retransmission to the waiting client on its own connection that
        # carries no transaction's bytes (issue 11: never another's)
        rt |= {f.n for f in c["segs"] if f.retrans and not c["from_client"](f) and t0 <= f.ts <= t1
               and not cap.seg_attach.get(f.n, ([],))[0]}
        if rt:
            out[r] = ("tcp-retransmission", rt, amb)
            continue
        # its own connection broke while it waited (an RST, or a FIN the
        # server sent first), or it is the first request after a handshake
        # that took longer than connect_timeout; events of other connections
        # and what the client did after giving up are consequences
        conn = set()
        if c["end"] and c["end_frame"] > r.frame and (c["end"] == "rst" or c["end_by"] == "server") and \
                t0 <= c["end_ts"] <= t1:
            conn.add(c["end_frame"])
        first = min(q.frame for q in cap.requests if q.stream == r.stream) == r.frame
        if not conn and first and c["handshake"] is not None and c["handshake"] > cap.connect_timeout:
            conn.add(c["synack_frame"])
        if conn:
            out[r] = ("connection", conn, amb)
            continue
        if r.retried_by is not None:
            out[r] = ("retry", {r.retried_by.frame}, amb)
            continue
        out[r] = ("server", set(), amb)
    return out


def check_txn_fields(cap, txns, causes, slow):
    """Problems of the per-PDU transaction fields (-2 PDML of the frames
    with any of them) against the oracle: retry_of / retried_by,
    retransmitted_in, cause / cause_frame and their expert infos."""
    errs = []
    first_retrans = {}
    for n in sorted(cap.seg_attach):
        for t in cap.seg_attach[n][0]:
            first_retrans.setdefault(t, n)
    want = {}
    for p in cap.pdus:
        if p.copy:
            continue
        t = p if p.is_req else p.req
        d = {}
        if not p.is_req:
            want[(p.frame, p.idx)] = (p, t, d)    # a response shows none of them
            continue
        if p.is_req and p.retry_of is not None:
            d["modbus_an.retry_of"] = str(p.retry_of.frame)
        if p.is_req and p.retried_by is not None:
            d["modbus_an.retried_by"] = str(p.retried_by.frame)
        if t is not None and t in first_retrans:
            d["modbus_an.retransmitted_in"] = str(first_retrans[t])
        if t is not None and t in causes:
            d["modbus_an.cause"] = causes[t][0]
        want[(p.frame, p.idx)] = (p, t, d)
    for frame, trees in txns.items():
        f = cap.by_n.get(frame)
        pd = [p for p in f.pdus] if f else []
        if len(trees) != len(pd):
            errs.append("frame %d: %d PDU trees, Wireshark decoded %d PDUs" % (frame, len(trees), len(pd)))
            continue
        for i, tr in enumerate(trees):
            p = pd[i]
            if tr.get("modbus_an.transaction_id") != str(p.tid):
                errs.append("frame %d PDU %d: transaction id %s, Wireshark %d" % (frame, i,
                                                                               tr.get("modbus_an.transaction_id"),
                                                                               p.tid))
    for (n, i), (p, t, d) in want.items():
        trees = txns.get(n)
        tr = trees[i] if trees and i < len(trees) else {}
        for k in ("modbus_an.retry_of", "modbus_an.retried_by", "modbus_an.retransmitted_in", "modbus_an.cause"):
            if tr.get(k) != d.get(k):
                errs.append("frame %d PDU %d (%s): %s = %r, expected %r" % (n, i, "request" if p.is_req else "response",
                                                                          k, tr.get(k), d.get(k)))
        if "modbus_an.cause" in d and tr.get("modbus_an.cause") == d["modbus_an.cause"]:
            cause, ev, amb = causes[t]
            cf = tr.get("modbus_an.cause_frame")
            if ev and (cf is None or int(cf) not in ev):
                errs.append("frame %d PDU %d: cause %s with cause_frame %r, expected one of %s"
                            % (n, i, cause, cf, sorted(ev)))
            if not ev and cf is not None:
                errs.append("frame %d PDU %d: cause %s with cause_frame %r, expected none" % (n, i, cause, cf))
        want_exp = set()
        if p.is_req and p.retry_of is not None:
            want_exp.add("modbus_an.retry.expert")
        if p.is_req and "modbus_an.cause" in d:
            want_exp.add("modbus_an.cause.expert")
        got_exp = {e for e in tr.get("experts", []) if e in ("modbus_an.retry.expert", "modbus_an.cause.expert")}
        if got_exp != want_exp:
            errs.append("frame %d PDU %d: expert infos %s, expected %s" % (n, i, sorted(got_exp), sorted(want_exp)))
    # the slow flags themselves
    for r, o in slow.items():
        trees = txns.get(r.frame)
        tr = trees[r.idx] if trees and r.idx < len(trees) else {}
        if tr.get("modbus_an.outcome") != o:
            errs.append("frame %d PDU %d: outcome %r, expected %r" % (r.frame, r.idx, tr.get("modbus_an.outcome"), o))
    return errs


def cause_rows(causes):
    """The oracle's rows of "Causes ... per pair": label -> OrderedDict."""
    cnt = collections.defaultdict(collections.Counter)
    for r, (c, ev, amb) in causes.items():
        cnt[r.pair][c] += 1
    rows = {}
    for label, cc in cnt.items():
        row = collections.OrderedDict([("Slow", sum(cc.values()))])
        for c in CAUSES:
            row[c] = cc[c]
        rows[label] = row
    return rows


def us_text(ts_ns):
    """Epoch time as the stat prints it (seconds, 6 decimals)."""
    return "%d.%06d" % (ts_ns // NS, ts_ns % NS // 1000)
