#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check_conclusion_wire.py - check the issue-11 conclusion truths against their captures, plain tshark.
"""Usage: check_conclusion_wire.py [-v] [TRUTH.json ...]
       (default: every tests/captures/conclusions/*.truth.json)

Runs plain tshark (`tshark --disable-protocol modbus_an`, with an empty HOME
so no personal preference or plugin is involved; as root tshark ignores
personal plugin folders anyway) and re-derives every statement of a truth
file from Wireshark's own fields: frame.time_epoch, ip.id, tcp.stream,
tcp.seq_raw / tcp.ack_raw / tcp.seq / tcp.len / tcp.flags / tcp.payload,
the tcp.analysis items, mbtcp.trans_id / prot_id / len / unit_id,
modbus.func_code / request_frame / exception_code / reference_num /
word_cnt / bit_cnt / read_reference_num / read_word_cnt and _ws.malformed.

Checked, independently of the generator (its own small rule engine):
  * packet count, time order, time 0, every frame's time, stream, direction,
    IP id and role (syn / syn-ack / ack / request / response / fin / rst /
    duplicate / retransmission) against the wire;
  * capture duplicates found from the wire (identical IP id, seq, ack, flags,
    payload on the same connection and direction within 1 ms) = the truth's
    list exactly; real retransmissions found from the wire (a non-duplicate
    segment whose bytes or SYN / FIN were already sent in its direction) =
    the truth's list, with the transaction whose bytes each one carries;
  * connections (first SYN, SYN count, SYN+ACK, handshake time, attempt
    result, first FIN / RST and its sender, duplicates per direction);
  * every Modbus PDU Wireshark decodes = exactly the truth's requests and
    responses, with tid, unit, fc, start / count, PDU bytes, exception code;
    no duplicate or retransmission decoded as Modbus;
  * strict pairing (connection, unit, tid, fc), outcome, delayed, retries,
    and the cause and its evidence frame of every delayed / late / missed
    request by the rules in the truth's "rules" text (the capture
    duplicates removed first);
  * per pair: counts of requests, responses, duplicates and retransmissions
    per direction, and the expected outcomes / causes;
  * scenario lists: tid_reuse / tid_mismatch / pair_tid_mismatch,
    short_requests and _ws.malformed, poll_groups (and the old gap rule),
    gen_faults_span (bytes of every frame against gen_faults.pcap, the
    renumbering, and the rule engine giving the same conclusions on both).
It prints what Wireshark itself concludes where it matters (how it flags
the duplicates, whether it decodes them, malformed frames, its own
modbus.request_frame links). Exit status 1 on any disagreement.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.abspath(os.path.join(HERE, "..", "captures", "conclusions"))

US = 1000000
DELAY, TIMEOUT, CONNECT, RETRY, DUPWIN = 1.0, 3.0, 3.0, 10.0, 0.001
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
ANALYSIS = ["retransmission", "spurious_retransmission", "fast_retransmission",
            "duplicate_ack", "out_of_order", "lost_segment", "ack_lost_segment", "keep_alive"]
FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ip.id",
          "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.seq_raw", "tcp.ack_raw", "tcp.seq",
          "tcp.len", "tcp.flags", "tcp.payload", "mbtcp.trans_id", "mbtcp.prot_id", "mbtcp.len",
          "mbtcp.unit_id", "modbus.func_code", "modbus.request_frame", "modbus.exception_code",
          "modbus.reference_num", "modbus.word_cnt", "modbus.bit_cnt",
          "modbus.read_reference_num", "modbus.read_word_cnt", "_ws.malformed"] + \
         ["tcp.analysis." + a for a in ANALYSIS]


def tshark(pcap):
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home)
        env.pop("WIRESHARK_PLUGIN_DIR", None)
        args = ["tshark", "--disable-protocol", "modbus_an", "-r", pcap, "-T", "fields",
                "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
        for f in FIELDS:
            args += ["-e", f]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env)
    if p.returncode != 0:
        raise SystemExit("tshark failed on %s: %s" % (pcap, p.stderr.strip()))
    rows = []
    for line in p.stdout.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        whole, _, frac = v["frame.time_epoch"].partition(".")
        ns = int(whole) * 10**9 + int((frac + "000000000")[:9])
        r = {"frame": int(v["frame.number"]), "us": ns // 1000, "ns": ns,
             "protocols": v["frame.protocols"], "malformed": bool(v["_ws.malformed"]),
             "analysis": {a for a in ANALYSIS if v["tcp.analysis." + a]}}
        if v["tcp.stream"]:
            pl = v["tcp.payload"].replace(":", "")
            r.update({"src": v["ip.src"], "dst": v["ip.dst"], "ip_id": int(v["ip.id"], 16),
                      "sport": int(v["tcp.srcport"]), "dport": int(v["tcp.dstport"]),
                      "stream": int(v["tcp.stream"]), "seq_raw": int(v["tcp.seq_raw"]),
                      "ack_raw": int(v["tcp.ack_raw"]), "seq": int(v["tcp.seq"]),
                      "len": int(v["tcp.len"]), "flags": int(v["tcp.flags"], 16),
                      "payload": bytes.fromhex(pl) if pl else b""})
        split = lambda k: [x for x in v[k].split("|")] if v[k] else []  # noqa: E731
        r["mb"] = {k: split(k) for k in FIELDS if k.startswith(("mbtcp.", "modbus."))}
        rows.append(r)
    return rows


# ---------------------------------------------------------------- the wire, re-derived

class Wire:
    def __init__(self, pcap):
        self.pcap = pcap
        self.rows = tshark(pcap)
        self.by_no = {r["frame"]: r for r in self.rows}
        self.t0 = self.rows[0]["us"]
        self.end = self.rows[-1]["us"]
        self.tcp = [r for r in self.rows if "stream" in r]
        self._streams()
        self._dups_and_retrans()
        self._pdus()
        self._pairing()

    def _streams(self):
        self.client = {}
        for r in self.tcp:
            s = r["stream"]
            if s in self.client:
                continue
            if r["flags"] & SYN and not r["flags"] & ACK:
                self.client[s] = (r["src"], r["sport"])
            elif r["flags"] & SYN:
                self.client[s] = (r["dst"], r["dport"])
            elif r["dport"] == 502 or (r["sport"] != 502 and r["dport"] < r["sport"]):
                self.client[s] = (r["src"], r["sport"])
            else:
                self.client[s] = (r["dst"], r["dport"])
        self.stream_pair = {}
        for r in self.tcp:
            r["c2s"] = (r["src"], r["sport"]) == self.client[r["stream"]]
            r["dir"] = "c2s" if r["c2s"] else "s2c"
            srv = (r["dst"], r["dport"]) if r["c2s"] else (r["src"], r["sport"])
            self.stream_pair.setdefault(r["stream"], "%s -> %s:%d" % (
                self.client[r["stream"]][0], srv[0], srv[1]))

    def _dups_and_retrans(self):
        self.dup_of = {}            # frame -> original frame
        self.retrans_of = {}        # frame -> original frame (real retransmissions)
        first = {}
        sent = defaultdict(list)    # (stream, dir) -> [(seq, end, frame)]
        maxend = {}
        for r in self.tcp:
            key = (r["stream"], r["dir"], r["ip_id"], r["seq_raw"], r["ack_raw"], r["flags"],
                   r["payload"])
            if key in first and r["us"] - self.by_no[first[key]]["us"] <= DUPWIN * US:
                self.dup_of[r["frame"]] = first[key]
                continue
            first.setdefault(key, r["frame"])
            n = r["len"] + (1 if r["flags"] & (SYN | FIN) else 0)
            if not n or r["flags"] & RST:
                continue
            sd = (r["stream"], r["dir"])
            if sd in maxend and r["seq"] < maxend[sd]:
                orig = next(f for s, e, f in sent[sd] if s <= r["seq"] < e)
                self.retrans_of[r["frame"]] = orig
            else:
                sent[sd].append((r["seq"], r["seq"] + n, r["frame"]))
            maxend[sd] = max(maxend.get(sd, 0), r["seq"] + n)
        self.sent = sent

    def _pdus(self):
        self.reqs, self.resps = [], []
        self.decoded_in = {}
        for r in self.tcp:
            tids = r["mb"]["mbtcp.trans_id"]
            if not tids:
                continue
            if len(tids) != 1:
                raise SystemExit("%s: frame %d carries %d Modbus PDUs (not expected here)" %
                                 (self.pcap, r["frame"], len(tids)))
            p = r["payload"]
            length = struct.unpack(">H", p[4:6])[0]
            d = {"frame": r["frame"], "us": r["us"], "stream": r["stream"], "row": r,
                 "tid": int(tids[0]), "unit": int(r["mb"]["mbtcp.unit_id"][0]),
                 "fc": p[7], "pdu": p[7:6 + length], "ws_fc": r["mb"]["modbus.func_code"],
                 "client": self.client[r["stream"]][0], "client_port": self.client[r["stream"]][1]}
            d["server"], d["server_port"] = (r["dst"], r["dport"]) if r["c2s"] else (r["src"],
                                                                                       r["sport"])
            d["pair"] = "%s -> %s:%d" % (d["client"], d["server"], d["server_port"])
            self.decoded_in[r["frame"]] = d
            (self.reqs if r["c2s"] else self.resps).append(d)

    def _pairing(self):
        pending = defaultdict(list)
        self.answer = {}            # request frame -> response dict
        self.paired = {}            # response frame -> request dict
        events = sorted([(d["frame"], 0, d) for d in self.reqs] +
                        [(d["frame"], 1, d) for d in self.resps], key=lambda e: e[0])
        for _, kind, d in events:
            if kind == 0:
                pending[(d["stream"], d["unit"], d["tid"], d["fc"])].append(d)
            else:
                lst = pending[(d["stream"], d["unit"], d["tid"], d["fc"] & 0x7F)]
                if lst:
                    q = lst.pop(0)
                    self.answer[q["frame"]] = d
                    self.paired[d["frame"]] = q

    # ---- helpers
    def time(self, frame):
        return round((self.by_no[frame]["us"] - self.t0) / US, 6)

    def carried(self, frame):
        """Transactions (request frames; for server bytes: the request the response is paired
        with, or 'orphan:<frame>') whose PDU bytes the segment overlaps."""
        r = self.by_no[frame]
        out = set()
        for s, e, f in self.sent[(r["stream"], r["dir"])]:
            if f in self.decoded_in and s < r["seq"] + max(r["len"], 1) and r["seq"] < e:
                if r["c2s"]:
                    out.add(f)
                else:
                    q = self.paired.get(f)
                    out.add(q["frame"] if q else "orphan:%d" % f)
        return out

    def outcome(self, q, answer=None):
        a = self.answer.get(q["frame"]) if answer is None else answer
        if a is not None:
            rt = a["us"] - q["us"]
            return ("late" if rt > TIMEOUT * US else "answered"), rt > DELAY * US, a
        closed = any(r["stream"] == q["stream"] and r["frame"] not in self.dup_of and
                     r["us"] >= q["us"] and (r["flags"] & RST or (r["flags"] & FIN and not r["c2s"]))
                     for r in self.tcp)
        if self.end - q["us"] > TIMEOUT * US or closed:
            return "missed", False, None
        return "unanswered_at_end", False, None

    def retries(self, answers=None):
        """request frame -> the request frame it retries (same pair, unit, fc, PDU bytes; another
        tid or connection; the earlier one unanswered when it was sent; within 10 s)."""
        answers = self.answer if answers is None else answers
        last = {}
        out = {}
        for q in self.reqs:
            key = (q["pair"], q["unit"], q["pdu"])
            p = last.get(key)
            if p is not None and (p["tid"] != q["tid"] or p["stream"] != q["stream"]) and \
                    q["us"] - p["us"] <= RETRY * US:
                a = answers.get(p["frame"])
                if a is None or a["us"] > q["us"]:
                    out[q["frame"]] = p["frame"]
            last[key] = q
        return out

    def cause(self, q, answers=None, retries=None):
        answers = self.answer if answers is None else answers
        retries = self.retries(answers) if retries is None else retries
        a = answers.get(q["frame"])
        t0 = q["us"]
        t1 = a["us"] if a is not None else t0 + TIMEOUT * US
        if any("stp" in r["protocols"].split(":") for r in self.rows):
            raise SystemExit("STP in %s: the stp rule is not implemented here" % self.pcap)
        cands = []
        for f in sorted(self.retrans_of):
            r = self.by_no[f]
            if r["stream"] != q["stream"]:
                continue
            car = self.carried(f)
            if q["frame"] in car:
                cands.append(f)
            elif not r["c2s"] and t0 <= r["us"] <= t1 and not (car - {q["frame"]}):
                cands.append(f)
        if cands:
            return "tcp-retransmission", min(cands)
        ev = []
        client_fin = None
        for r in self.tcp:
            if r["stream"] != q["stream"] or r["frame"] in self.dup_of:
                continue
            if r["flags"] & FIN and r["c2s"] and client_fin is None:
                client_fin = r["us"]
            if not t0 <= r["us"] <= t1:
                continue
            if r["flags"] & RST:
                ev.append(r["frame"])
            elif r["flags"] & FIN and not r["c2s"] and (client_fin is None or client_fin > r["us"]):
                ev.append(r["frame"])
        if ev:
            return "connection", min(ev)
        st = [r for r in self.tcp if r["stream"] == q["stream"] and r["frame"] not in self.dup_of]
        syn = next((r for r in st if r["flags"] & SYN and not r["flags"] & ACK), None)
        synack = next((r for r in st if r["flags"] & SYN and r["flags"] & ACK), None)
        first_req = next(d for d in self.reqs if d["stream"] == q["stream"])
        if syn and synack and synack["us"] - syn["us"] > CONNECT * US and first_req is q:
            return "connection", synack["frame"]
        by = [f for f, p in retries.items() if p == q["frame"]]
        if by:
            return "retry", min(by)
        return "server", None

    def conclusions(self):
        """request frame -> (outcome, delayed, cause, cause_frame, response frame, retry_of)"""
        rt = self.retries()
        out = {}
        for q in self.reqs:
            oc, dl, a = self.outcome(q)
            c = self.cause(q, retries=rt) if dl or oc in ("late", "missed") else (None, None)
            out[q["frame"]] = (oc, dl, c[0], c[1], a["frame"] if a else None, rt.get(q["frame"]))
        return out


# ---------------------------------------------------------------- checking

class Checker:
    def __init__(self, name, verbose):
        self.name, self.verbose = name, verbose
        self.errs = []
        self.ws = []

    def eq(self, what, got, want):
        if got != want:
            self.errs.append("%s: %s: wire/rules say %r, truth says %r" % (self.name, what, got, want))

    def err(self, msg):
        self.errs.append("%s: %s" % (self.name, msg))

    def say(self, msg):
        self.ws.append(msg)


def ws_flags(r):
    return "+".join(sorted(r["analysis"])) or "none"


def role_of(w, r):
    f = r["frame"]
    if f in w.dup_of:
        return "duplicate"
    if f in w.retrans_of:
        return "retransmission"
    fl = r["flags"]
    if fl & SYN:
        return "syn-ack" if fl & ACK else "syn"
    if fl & RST:
        return "rst"
    if fl & FIN:
        return "fin"
    if r["len"]:
        return "request" if r["c2s"] else "response"
    return "ack"


def check_generic(ck, w, truth):
    ck.eq("packets", len(w.rows), truth["packets"])
    ck.eq("time_zero_epoch", round(w.t0 / US, 6), truth["time_zero_epoch"])
    ck.eq("end_time", w.time(w.rows[-1]["frame"]), truth["end_time"])
    for a, b in zip(w.rows, w.rows[1:]):
        if b["us"] < a["us"]:
            ck.err("frame %d is earlier than frame %d" % (b["frame"], a["frame"]))
    if len(w.tcp) != len(w.rows):
        ck.err("non-TCP frames in the capture")
    # frames and roles
    tf = {d["frame"]: d for d in truth.get("frames", [])}
    if "frames" in truth:
        ck.eq("frames listed", sorted(tf), [r["frame"] for r in w.rows])
    for r in w.tcp:
        d = tf.get(r["frame"])
        if d is None:
            continue
        f = r["frame"]
        ck.eq("frame %d time" % f, w.time(f), d["time"])
        ck.eq("frame %d stream" % f, r["stream"], d["stream"])
        ck.eq("frame %d dir" % f, r["dir"], d["dir"])
        ck.eq("frame %d ip.id" % f, r["ip_id"], d["ip_id"])
        ck.eq("frame %d role" % f, role_of(w, r), d["role"])
        if d["role"] == "duplicate":
            ck.eq("frame %d duplicate_of" % f, w.dup_of.get(f), d.get("duplicate_of"))
        if d["role"] == "retransmission":
            ck.eq("frame %d original" % f, w.retrans_of.get(f), d.get("original"))
    # duplicates
    got = sorted((f, o) for f, o in w.dup_of.items())
    ck.eq("duplicates (frame, original)", got,
          sorted((d["frame"], d["original"]) for d in truth["duplicates"]))
    for d in truth["duplicates"]:
        r, o = w.by_no[d["frame"]], w.by_no[d["original"]]
        for k in ("ip_id", "seq_raw", "ack_raw", "flags", "payload", "stream", "src", "sport"):
            ck.eq("duplicate %d %s" % (d["frame"], k), r[k], o[k])
        ck.eq("duplicate %d delay_us" % d["frame"], r["us"] - o["us"], d["delay_us"])
        if not 0 < r["us"] - o["us"] < 10:
            ck.err("duplicate %d is %d us after its original" % (d["frame"], r["us"] - o["us"]))
    # retransmissions
    ck.eq("real retransmissions (frame, original)", sorted(w.retrans_of.items()),
          sorted((d["frame"], d["original_frame"]) for d in truth["retransmissions"]))
    for d in truth["retransmissions"]:
        f = d["frame"]
        if f not in w.retrans_of:
            continue
        r, o = w.by_no[f], w.by_no[d["original_frame"]]
        ck.eq("retransmission %d bytes" % f, (r["seq_raw"], r["payload"], r["flags"] & ~PSH),
              (o["seq_raw"], o["payload"], o["flags"] & ~PSH))
        if r["ip_id"] == o["ip_id"]:
            ck.err("retransmission %d has the IP id of its original" % f)
        car = w.carried(f)
        if "carries_request_frame" in d:
            ck.eq("retransmission %d carries" % f, car, {d["carries_request_frame"]})
        elif "carries_response_of" in d:
            ck.eq("retransmission %d carries" % f, car, {d["carries_response_of"]})
        else:
            ck.eq("retransmission %d carries" % f, (car, bool(r["flags"] & SYN)), (set(), True))
    # connections
    streams = sorted({r["stream"] for r in w.tcp})
    ck.eq("streams", streams, [c["stream"] for c in truth["connections"]])
    for c in truth["connections"]:
        s = c["stream"]
        st = [r for r in w.tcp if r["stream"] == s]
        nd = [r for r in st if r["frame"] not in w.dup_of]
        cl = w.client[s]
        srv = (st[0]["dst"], st[0]["dport"]) if st[0]["c2s"] else (st[0]["src"], st[0]["sport"])
        ck.eq("stream %d endpoints" % s, (cl[0], cl[1], srv[0], srv[1]),
              (c["client"], c["client_port"], c["server"], c["server_port"]))
        syns = [r for r in nd if r["flags"] & SYN and not r["flags"] & ACK]
        sa = [r for r in nd if r["flags"] & SYN and r["flags"] & ACK]
        ck.eq("stream %d syn" % s, (syns[0]["frame"] if syns else None, len(syns)),
              (c["syn_frame"], c["syn_packets"]))
        ck.eq("stream %d synack" % s, sa[0]["frame"] if sa else None, c["synack_frame"])
        if syns and sa:
            hs = round((sa[0]["us"] - syns[0]["us"]) / US, 6)
            ck.eq("stream %d handshake_s" % s, hs, c["handshake_s"])
            ck.eq("stream %d attempt_result" % s,
                  "established" if hs <= CONNECT else "timeout", c["attempt_result"])
        endr = next((r for r in nd if r["flags"] & (FIN | RST)), None)
        e = "open" if endr is None else "%s_%s" % ("rst" if endr["flags"] & RST else "fin",
                                                   "client" if endr["c2s"] else "server")
        ck.eq("stream %d end" % s, (e, endr["frame"] if endr else None), (c["end"], c["end_frame"]))
        ck.eq("stream %d duplicates per direction" % s,
              (sum(1 for r in st if r["frame"] in w.dup_of and r["c2s"]),
               sum(1 for r in st if r["frame"] in w.dup_of and not r["c2s"])),
              (c["duplicates_c2s"], c["duplicates_s2c"]))
    # PDUs
    treq = {d["frame"]: d for d in truth["requests"]}
    tresp = {d["frame"]: d for d in truth["responses"]}
    ck.eq("frames with a Modbus request", [d["frame"] for d in w.reqs], sorted(treq))
    ck.eq("frames with a Modbus response", [d["frame"] for d in w.resps], sorted(tresp))
    for f in list(w.dup_of) + list(w.retrans_of):
        if f in w.decoded_in:
            ck.err("frame %d (duplicate / retransmission) decoded as Modbus" % f)
    for q in w.reqs:
        d = treq.get(q["frame"])
        if d is None:
            continue
        f = q["frame"]
        r = q["row"]
        ck.eq("request %d" % f,
              (w.time(f), round(r["us"] / US, 6), q["stream"], q["client"], q["client_port"],
               q["server"], q["server_port"], q["unit"], q["fc"], q["tid"], q["pdu"].hex()),
              (d["time"], d["time_epoch"], d["stream"], d["client"], d["client_port"], d["server"],
               d["server_port"], d["unit"], d["fc"], d["tid"], d["pdu"]))
        mb = r["mb"]
        fc = q["fc"]
        if fc in (1, 2, 15):
            got = (mb["modbus.reference_num"], mb["modbus.bit_cnt"])
        elif fc in (3, 4, 16):
            got = (mb["modbus.reference_num"], mb["modbus.word_cnt"])
        elif fc in (5, 6):
            got = (mb["modbus.reference_num"], [])
        elif fc == 23 and "count" in d:
            got = (mb["modbus.read_reference_num"], mb["modbus.read_word_cnt"])
        else:
            got = ([], [])
        want = ([str(d["start"])] if "start" in d else [], [str(d["count"])] if "count" in d else [])
        ck.eq("request %d start/count (Wireshark)" % f, got, want)
        ck.eq("request %d modbus.func_code" % f, mb["modbus.func_code"], [str(fc)])
    for a in w.resps:
        d = tresp.get(a["frame"])
        if d is None:
            continue
        f = a["frame"]
        p = w.paired.get(f)
        exc = a["pdu"][1] if a["fc"] & 0x80 else None
        ck.eq("response %d" % f,
              (w.time(f), round(a["us"] / US, 6), a["stream"], a["tid"], a["unit"], a["fc"], exc,
               p["frame"] if p else None,
               round((a["us"] - p["us"]) / US, 6) if p else None),
              (d["time"], d["time_epoch"], d["stream"], d["tid"], d["unit"], d["fc"],
               d["exception_code"], d["paired_request"], d["response_time_s"]))
        if exc is not None:
            ck.eq("response %d modbus.exception_code" % f, a["row"]["mb"]["modbus.exception_code"],
                  [str(exc)])
        ck.eq("response %d modbus.func_code" % f, a["ws_fc"], [str(a["fc"] & 0x7F)])
        if d["answers"] is not None and d["answers"] not in treq:
            ck.err("response %d answers unknown request %s" % (f, d["answers"]))
        if d["answers"] != d["paired_request"] and not d.get("tid_mismatch"):
            ck.err("response %d: answers %s but strict pairing gives %s and no tid_mismatch is "
                   "stated" % (f, d["answers"], d["paired_request"]))
    # conclusions
    concl = w.conclusions()
    for f, d in treq.items():
        if f not in concl:
            continue
        oc, dl, cause, cf, af, rof = concl[f]
        e = d["expect"]
        ck.eq("request %d outcome/delayed/cause/cause_frame" % f, (oc, dl, cause, cf),
              (e["outcome"], e["delayed"], e["cause"], e["cause_frame"]))
        ck.eq("request %d response_frame" % f, af, d["response_frame"])
        ck.eq("request %d retry_of" % f, rof, d["retry_of"])
        if d["response_frame"] is not None:
            ck.eq("request %d response_time_s" % f,
                  round((w.by_no[af]["us"] - w.by_no[f]["us"]) / US, 6), d["response_time_s"])
    # pairs
    for key, p in truth["pairs"].items():
        qs = [q for q in w.reqs if q["pair"] == key]
        ss = sorted(s for s, k in w.stream_pair.items() if k == key)
        rows = [r for r in w.tcp if r["stream"] in ss]
        got = {"connections": len(ss), "requests": len(qs),
               "responses": sum(1 for a in w.resps if a["pair"] == key),
               "duplicates_c2s": sum(1 for r in rows if r["frame"] in w.dup_of and r["c2s"]),
               "duplicates_s2c": sum(1 for r in rows if r["frame"] in w.dup_of and not r["c2s"]),
               "retransmissions_c2s": sum(1 for r in rows if r["frame"] in w.retrans_of and r["c2s"]),
               "retransmissions_s2c": sum(1 for r in rows if r["frame"] in w.retrans_of and
                                          not r["c2s"]),
               "streams": ss}
        ex = Counter()
        for q in qs:
            oc, dl, cause = concl[q["frame"]][:3]
            ex[oc] += 1
            if dl:
                ex["delayed"] += 1
            if cause:
                ex["cause_" + cause] += 1
        got["expect"] = dict(ex)
        ck.eq("pair %s" % key, got, p)
    # what Wireshark says
    by_role = defaultdict(Counter)
    decoded = 0
    for f, o in w.dup_of.items():
        by_role[w.by_no[o] and role_of(w, w.by_no[o])][ws_flags(w.by_no[f])] += 1
        decoded += f in w.decoded_in
    for role, c in sorted(by_role.items()):
        ck.say("capture duplicates of %s frames: Wireshark flags %s" % (
            role, ", ".join("%s x%d" % kv for kv in sorted(c.items()))))
    if w.dup_of:
        ck.say("capture duplicates decoded as Modbus by Wireshark: %d of %d" % (decoded,
                                                                               len(w.dup_of)))
    for f, o in sorted(w.retrans_of.items()):
        ck.say("real retransmission frame %d (of frame %d, IP id 0x%04x vs 0x%04x): Wireshark "
               "flags %s, decoded as Modbus: %s" % (f, o, w.by_no[f]["ip_id"], w.by_no[o]["ip_id"],
                                                    ws_flags(w.by_no[f]), f in w.decoded_in))
    other = Counter()
    for r in w.tcp:
        if r["frame"] not in w.dup_of and r["frame"] not in w.retrans_of and r["analysis"]:
            other[(role_of(w, r), ws_flags(r))] += 1
    for (role, fl), n in sorted(other.items()):
        ck.say("non-duplicate, non-retransmitted %s frames with Wireshark flags %s: %d" % (
            role, fl, n))
    wrong = []
    for a in w.resps:
        wr = a["row"]["mb"]["modbus.request_frame"]
        p = w.paired.get(a["frame"])
        if wr and (p is None or int(wr[0]) != p["frame"]):
            wrong.append((a["frame"], int(wr[0]), p["frame"] if p else None))
        elif not wr and p is not None and not a["fc"] & 0x80:
            wrong.append((a["frame"], None, p["frame"]))
    noreq = sum(1 for a in w.resps if a["fc"] & 0x80 and not a["row"]["mb"]["modbus.request_frame"])
    if noreq:
        ck.say("exception responses without Wireshark's modbus.request_frame: %d (Wireshark "
               "links only normal responses)" % noreq)
    for f, wr, p in wrong:
        ck.say("response frame %d: Wireshark's modbus.request_frame = %s, strict pairing = %s"
               % (f, wr, p))
    mal = [r["frame"] for r in w.rows if r["malformed"]]
    ck.say("frames Wireshark marks _ws.malformed: %s" % (mal or "none"))
    return concl


# ---------------------------------------------------------------- scenario lists

def check_span_duplicates(ck, w, truth, concl):
    for q in truth["requests"]:
        for a in q.get("window_artefacts", []):
            f = a["frame"]
            if a["kind"] == "capture-duplicate" and f not in w.dup_of:
                ck.err("window artefact %d is no capture duplicate" % f)
            if a["kind"] == "real-retransmission" and f not in w.retrans_of:
                ck.err("window artefact %d is no real retransmission" % f)
    # the reported artefact: a copy of another request inside D1's window
    d1 = next(q for q in truth["requests"] if q["tag"] == "D1")
    t0, t1 = w.by_no[d1["frame"]]["us"], w.by_no[d1["response_frame"]]["us"]
    other = [f for f, o in w.dup_of.items() if t0 < w.by_no[f]["us"] < t1 and
             o in w.decoded_in and w.decoded_in[o]["row"]["c2s"] and o != d1["frame"] and
             w.by_no[f]["stream"] == d1["stream"]]
    if not other:
        ck.err("no capture copy of another request inside D1's window")
    ck.say("copies of OTHER requests inside D1's window (request %d, %.1f s): frames %s; "
           "Wireshark flags them %s" % (d1["frame"], (t1 - t0) / US, sorted(other),
                                        sorted({ws_flags(w.by_no[f]) for f in other})))


def check_gave_up(ck, w, truth, concl):
    for q in truth["requests"]:
        for f in q.get("consequences", []):
            r = w.by_no[f]
            if not (r["flags"] & (FIN | SYN)) or not r["c2s"] and not r["flags"] & FIN:
                ck.err("consequence frame %d is not a FIN / SYN" % f)
        if q.get("fin_after_t1"):
            r = w.by_no[q["fin_after_t1"]]
            if not (r["flags"] & FIN and not r["c2s"] and r["us"] - w.by_no[q["frame"]]["us"] > TIMEOUT * US):
                ck.err("frame %d is not a server FIN after t1" % q["fin_after_t1"])


def check_tid_wrap(ck, w, truth, concl):
    # tid reuse: a request reusing the tid of an outstanding (unanswered, < timeout old)
    # request of the same connection and unit
    reuse = []
    for q in w.reqs:
        outst = [p for p in w.reqs if p["frame"] < q["frame"] and p["stream"] == q["stream"] and
                 p["unit"] == q["unit"] and p["tid"] == q["tid"] and
                 q["us"] - p["us"] <= TIMEOUT * US and
                 (p["frame"] not in w.answer or w.answer[p["frame"]]["us"] > q["us"])]
        if outst:
            reuse.append({"frame": q["frame"], "reuses": outst[-1]["frame"], "tid": q["tid"]})
    ck.eq("tid_reuse", reuse, truth["tid_reuse"])
    # tid mismatch: orphan responses fitting an outstanding request except for the id
    linked = set()
    mism = []
    for a in w.resps:
        if a["frame"] in w.paired:
            continue
        cands = []
        for p in w.reqs:
            if p["frame"] > a["frame"] or p["stream"] != a["stream"] or p["unit"] != a["unit"] \
                    or p["fc"] != a["fc"] & 0x7F or p["frame"] in linked:
                continue
            if p["frame"] in w.answer and w.answer[p["frame"]]["us"] < a["us"]:
                continue
            if a["us"] - p["us"] > TIMEOUT * US:
                continue
            cnt = struct.unpack(">H", p["pdu"][3:5])[0]
            need = 2 * cnt if p["fc"] in (3, 4) else (cnt + 7) // 8
            if a["fc"] & 0x80 or a["pdu"][1] == need:
                cands.append(p)
        if cands:
            linked.add(cands[0]["frame"])
            mism.append({"response_frame": a["frame"], "tid": a["tid"],
                         "mismatch_request": cands[0]["frame"],
                         "response_time_s": round((a["us"] - cands[0]["us"]) / US, 6)})
    ck.eq("tid_mismatch", mism, truth["tid_mismatch"])
    for d in truth["responses"]:
        m = next((x for x in mism if x["response_frame"] == d["frame"]), None)
        ck.eq("response %d tid_mismatch / mismatch_request" % d["frame"],
              (bool(m), m["mismatch_request"] if m else None),
              (bool(d.get("tid_mismatch")), d.get("mismatch_request")))
        if m:
            ck.eq("response %d answers" % d["frame"], m["mismatch_request"], d["answers"])
    # the pair_tid_mismatch view
    answers = dict(w.answer)
    for m in mism:
        answers[m["mismatch_request"]] = w.decoded_in[m["response_frame"]]
    rt = w.retries(answers)
    view = []
    for m in mism:
        q = w.decoded_in[m["mismatch_request"]]
        oc, dl, a = w.outcome(q, answers[q["frame"]])
        view.append({"frame": q["frame"], "outcome": oc, "delayed": dl, "cause": None,
                     "response_frame": a["frame"],
                     "response_time_s": round((a["us"] - q["us"]) / US, 6)})
    ptm = truth["pair_tid_mismatch"]
    ck.eq("pair_tid_mismatch requests", view, ptm["requests"])
    reuse2 = [q["frame"] for q in w.reqs for p in w.reqs
              if p["frame"] < q["frame"] and p["stream"] == q["stream"] and p["tid"] == q["tid"]
              and p["unit"] == q["unit"] and q["us"] - p["us"] <= TIMEOUT * US and
              (p["frame"] not in answers or answers[p["frame"]]["us"] > q["us"])]
    ck.eq("pair_tid_mismatch tid_reuse", reuse2, ptm["tid_reuse"])
    ck.eq("pair_tid_mismatch retries", sorted(rt.items()), ptm["retries"])
    for m in mism:
        wr = w.decoded_in[m["response_frame"]]["row"]["mb"]["modbus.request_frame"]
        ck.say("tid-mismatch reply frame %d (tid %d) -> meant for request %d; Wireshark's "
               "modbus.request_frame: %s" % (m["response_frame"], m["tid"], m["mismatch_request"],
                                             wr[0] if wr else "none"))


def check_fc_sweep(ck, w, truth, concl):
    for q in truth["requests"]:
        r = w.by_no[q["frame"]]
        ck.eq("request %d _ws.malformed" % q["frame"], r["malformed"], q["ws_malformed"])
        mb = r["mb"]
        ck.eq("request %d MBAP (prot_id, len = bytes after the length field)" % q["frame"],
              (mb["mbtcp.prot_id"], mb["mbtcp.len"]), (["0"], [str(len(r["payload"]) - 6)]))
        ck.eq("request %d answered by its own reply" % q["frame"], concl[q["frame"]][4],
              q["response_frame"])
    for a in w.resps:
        mb = a["row"]["mb"]
        ck.eq("response %d MBAP" % a["frame"], (mb["mbtcp.prot_id"], mb["mbtcp.len"]),
              (["0"], [str(len(a["row"]["payload"]) - 6)]))
        if a["row"]["malformed"]:
            ck.err("response %d is _ws.malformed" % a["frame"])
    for s in truth["short_requests"]:
        r = w.by_no[s["frame"]]
        ck.eq("short request %d" % s["frame"],
              (r["payload"][7], len(r["payload"]) - 8, r["malformed"],
               w.answer[s["frame"]]["frame"]),
              (s["fc"], s["data_bytes"], s["ws_malformed"], s["answered_by"]))
    ck.say("short fc 22 / 23 requests %s: Wireshark decodes trans_id / unit / func_code and "
           "marks them _ws.malformed: %s" % ([s["frame"] for s in truth["short_requests"]],
                                            [w.by_no[s["frame"]]["malformed"]
                                             for s in truth["short_requests"]]))


def check_bursty(ck, w, truth, concl):
    groups = defaultdict(list)
    for q in w.reqs:
        if q["fc"] not in (1, 2, 3, 4):
            ck.err("request %d is not a read" % q["frame"])
            continue
        start, count = struct.unpack(">HH", q["pdu"][1:5])
        groups[(q["client"], q["server"], q["server_port"], q["unit"], q["fc"], start,
                count)].append(q)
    tg = {(d["client"], d["server"], d["server_port"], d["unit"], d["fc"], d["start"],
           d["count"]): d for d in truth["poll_groups"]}
    ck.eq("poll groups", sorted(groups), sorted(tg))
    old_gaps = {}
    for key, qs in groups.items():
        d = tg.get(key)
        if d is None:
            continue
        per = [(b["us"] - a["us"]) / US for a, b in zip(qs, qs[1:])]
        nom = d["nominal_period"]
        gaps = []
        if nom:
            for a, b, p in zip(qs, qs[1:], per):
                if p > 1.5 * nom:
                    gaps.append({"after_frame": a["frame"], "before_frame": b["frame"],
                                 "period_s": round(p, 6),
                                 "missed_polls": max(1, int(round(p / nom)) - 1)})
            sp = sorted(per)
            med = sp[len(sp) // 2] if len(sp) % 2 else (sp[len(sp) // 2 - 1] + sp[len(sp) // 2]) / 2
            ck.eq("group %s median_period_s" % (key,), round(med, 6), d["median_period_s"])
            if abs(med - nom) > 0.05 * nom:
                ck.err("group %s: median period %.3f s far from nominal %.1f s" % (key, med, nom))
        stopped = (w.end - qs[-1]["us"]) > 1.5 * nom * US if nom else None
        ck.eq("group %s" % (key,),
              (len(qs), qs[0]["frame"], qs[-1]["frame"], gaps, stopped, len(qs) == 1),
              (d["polls"], d["first_frame"], d["last_frame"], d["gaps"], d["stopped_before_end"],
               d["one_off"]))
        # the old rule: period > 1.5 x median of the previous (<= 31) periods, from the 4th on
        og = []
        for i in range(3, len(per)):
            prev = sorted(per[max(0, i - 31):i])
            m = prev[len(prev) // 2] if len(prev) % 2 else (prev[len(prev) // 2 - 1] +
                                                             prev[len(prev) // 2]) / 2
            if per[i] > 1.5 * m:
                og.append(qs[i + 1]["frame"])
        if og:
            old_gaps[key] = og
        want = [g["before_frame"] for g in d["gaps"]]
        ck.eq("group %s gaps by the old per-group rule" % (key,), og, want)
    # inter-request times per PLC (pair) and over the whole master: what a non-per-group
    # cadence would see
    by_pair = defaultdict(list)
    for q in w.reqs:
        by_pair[q["server"]].append(q["us"])
    dts = sorted((b - a) / US for v in by_pair.values() for a, b in zip(v, v[1:]))
    ck.say("inter-request times per PLC (all groups mixed): median %.4f s, 25%% %.4f s, 75%% "
           "%.4f s (each group's own period is 1.0 s / 2.0 s)" % (
               dts[len(dts) // 2], dts[len(dts) // 4], dts[3 * len(dts) // 4]))
    ck.say("old per-group gap rule: gaps only in %d groups (the gap PLC's), %d gap periods" % (
        len(old_gaps), sum(len(v) for v in old_gaps.values())))


def check_burst_repeats(ck, w, truth):
    """Polls, bursts (a poll more than half the nominal cycle after the
    previous starts one), gaps between burst starts (> 1.5 x cycle and
    > 1 s) and missed polls, recomputed from the wire."""
    groups = defaultdict(list)
    for q in w.reqs:
        start, count = struct.unpack(">HH", q["pdu"][1:5])
        groups[(q["client"], q["server"], q["server_port"], q["unit"], q["fc"], start, count)].append(q)
    tg = {(d["client"], d["server"], d["server_port"], d["unit"], d["fc"], d["start"], d["count"]): d
          for d in truth["poll_groups"]}
    ck.eq("poll groups", sorted(groups), sorted(tg))
    for key, qs in groups.items():
        d = tg.get(key)
        if d is None:
            continue
        ck.eq("group %s polls/first/last" % (key,), (len(qs), qs[0]["frame"], qs[-1]["frame"]),
              (d["polls"], d["first_frame"], d["last_frame"]))
        if d["one_off"]:
            ck.eq("group %s fewer than 5 polls" % (key,), len(qs) < 5, True)
            continue
        nom = d["nominal_period"]
        starts = [qs[0]["us"]] + [b["us"] for a, b in zip(qs, qs[1:]) if (b["us"] - a["us"]) / US > 0.5 * nom]
        missed = [max(1, int(round((b - a) / US / nom)) - 1) for a, b in zip(starts, starts[1:])
                  if (b - a) / US > 1.5 * nom and (b - a) / US > 1.0]
        ck.eq("group %s cycles, missed per gap" % (key,), (len(starts), missed),
              (d["cycles"], [g["missed_polls"] for g in d["gaps"]]))
        inner = sorted((b["us"] - a["us"]) / US for a, b in zip(qs, qs[1:]))
        ck.say("group %s: %d polls, own periods median %.4f s (nominal cycle %.2f s)" % (
            key, len(qs), inner[len(inner) // 2], nom))


def check_gen_faults_span(ck, truth_path, truth, verbose):
    here = os.path.dirname(truth_path)
    src = os.path.normpath(os.path.join(here, truth["source"]))
    out = os.path.join(here, truth["capture"])
    sys.path.insert(0, HERE)
    import span_duplicate as sd
    _, _, tps_i, ri = sd.read_pcap(src)
    _, _, tps_o, ro = sd.read_pcap(out)
    ck.eq("packets", len(ro), truth["packets"])
    ren = {int(k): v for k, v in truth["renumbering"].items()}
    ck.eq("renumbering covers every input frame", sorted(ren), list(range(1, len(ri) + 1)))
    dup = {d["frame"]: d for d in truth["duplicates"]}
    ck.eq("output frames = input frames + copies", sorted(list(ren.values()) + list(dup)),
          list(range(1, len(ro) + 1)))
    for old, new in ren.items():
        if ri[old - 1][1] != ro[new - 1][1] or ri[old - 1][0] * tps_o != ro[new - 1][0] * tps_i:
            ck.err("output frame %d differs from input frame %d" % (new, old))
    for f, d in dup.items():
        o = ro[d["original"] - 1]
        ck.eq("copy %d original" % f, d["original"], ren[d["input_frame"]])
        if ro[f - 1][1] != o[1] or ro[f - 1][0] - o[0] != d["delay_us"] * tps_o // US:
            ck.err("copy %d is not its original + %d us" % (f, d["delay_us"]))
    for a, b in zip(ro, ro[1:]):
        if b[0] < a[0]:
            ck.err("output not time-ordered")
            break
    wi, wo = Wire(src), Wire(out)
    ck.eq("duplicates found on the wire", sorted(wo.dup_of.items()),
          sorted((f, d["original"]) for f, d in dup.items()))
    ck.eq("duplicates in the source", wi.dup_of, {})
    ck.eq("retransmissions (source, output)", (wi.retrans_of, wo.retrans_of), ({}, {}))
    ck.eq("Modbus PDU frames (renumbered source vs output)",
          sorted(ren[f] for f in wi.decoded_in), sorted(wo.decoded_in))
    ci, co = wi.conclusions(), wo.conclusions()

    def mapped(c):
        oc, dl, cause, cf, af, rof = c
        return (oc, dl, cause, ren.get(cf, cf) if cf else None, ren[af] if af else None,
                ren[rof] if rof else None)
    for f, c in ci.items():
        ck.eq("conclusions of source request %d on the output" % f, co.get(ren[f]), mapped(c))
    for q in truth["requests"]:
        d = wo.decoded_in.get(q["frame"])
        if d is None:
            ck.err("request seq %d: frame %d is not a Modbus request" % (q["seq"], q["frame"]))
            continue
        ck.eq("request seq %d" % q["seq"], (d["client_port"], d["tid"], d["unit"], d["fc"],
                                             ren[q["old_frame"]]),
              (q["client_port"], q["tid"], q["unit"], q["fc"], q["frame"]))
        oc, dl = co[q["frame"]][:2]
        ck.eq("request seq %d outcome/delayed (gen_faults.truth.json)" % q["seq"], (oc, dl),
              (q["expected_outcome"], q["expected_delayed"]))
        ck.eq("request seq %d copied" % q["seq"],
              (q["copied"], q["copy_frame"]),
              (any(d["original"] == q["frame"] for d in dup.values()),
               next((f for f, d in dup.items() if d["original"] == q["frame"]), None)))
    tot = Counter(c[0] for c in co.values())
    et = truth["expected_totals"]
    ck.eq("totals", (len(co), tot["answered"], tot["missed"], tot["late"],
                     sum(1 for c in co.values() if c[1]), len(wo.resps)),
          (et["requests"], et["answered"], et["missed"], et["late"], et["delayed"],
           et["responses"]))
    fl = Counter((role_of(wo, wo.by_no[d["original"]]), ws_flags(wo.by_no[f]))
                 for f, d in dup.items())
    ck.say("copies: " + ", ".join("%s -> Wireshark %s x%d" % (r, fg, n)
                                  for (r, fg), n in sorted(fl.items())))
    causes = Counter((c[2]) for c in co.values() if c[2])
    ck.say("rule-engine causes (same on source and copy): %s" % dict(sorted(causes.items())))


# ---------------------------------------------------------------- main

def check(path, verbose):
    truth = json.load(open(path))
    name = os.path.basename(path)
    ck = Checker(name, verbose)
    if "renumbering" in truth:
        check_gen_faults_span(ck, path, truth, verbose)
        return ck
    w = Wire(os.path.join(os.path.dirname(path), truth["capture"]))
    concl = check_generic(ck, w, truth)
    if "tid_mismatch" in truth:
        check_tid_wrap(ck, w, truth, concl)
    if "short_requests" in truth:
        check_fc_sweep(ck, w, truth, concl)
    if "poll_groups" in truth and truth["capture"].startswith("burst_repeats"):
        check_burst_repeats(ck, w, truth)
    elif "poll_groups" in truth:
        check_bursty(ck, w, truth, concl)
    if truth["capture"].startswith("span_duplicates"):
        check_span_duplicates(ck, w, truth, concl)
    if truth["capture"].startswith("gave_up"):
        check_gave_up(ck, w, truth, concl)
    ck.say("%d frames, %d streams (numbered in order of their first frame), %d requests, %d "
           "responses, %d capture duplicates, %d real retransmissions" % (
               len(w.rows), len(w.client), len(w.reqs), len(w.resps), len(w.dup_of),
               len(w.retrans_of)))
    slow = [(f, c) for f, c in sorted(concl.items()) if c[2]]
    for f, c in slow:
        ck.say("request %d: %s%s, cause %s%s" % (f, c[0], ", delayed" if c[1] else "", c[2],
                                                 " (frame %d)" % c[3] if c[3] else ""))
    return ck


def main(argv):
    verbose = "-v" in argv
    paths = [a for a in argv[1:] if a != "-v"]
    if not paths:
        paths = sorted(os.path.join(DEFAULT_DIR, f) for f in os.listdir(DEFAULT_DIR)
                       if f.endswith(".truth.json"))
    errs = []
    for p in paths:
        ck = check(p, verbose)
        print("== %s: %s" % (os.path.basename(p), "OK" if not ck.errs else
                             "%d DISAGREEMENTS" % len(ck.errs)))
        for m in ck.ws:
            print("   " + m)
        for e in ck.errs[:200]:
            print("   ERROR " + e)
        errs += ck.errs
    if errs:
        print("FAILED: %d disagreement(s) between truth and wire" % len(errs))
        return 1
    print("all %d truth files agree with the wire" % len(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
