#!/usr/bin/env python3
# make_net_truth.py - final captures and ground truth for the netgen scenarios
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage:
  make_net_truth.py network RAW.json RAW.pcap OUT.pcap OUT.truth.json MONITOR.json
  make_net_truth.py stp RAW.json RAW.pcap RSTP.pcap OUT.pcap OUT.truth.json

network: splices TCP retransmissions into the raw capture (the steps netgen
marked with `retx`), writes OUT.pcap in time order and its truth.
stp: merges the raw capture chronologically with the BPDUs of RSTP.pcap
(shifted so its TC episode starts 25 s after netgen's t0) and crafted BPDUs
(TCN, root change, port role change), writes OUT.pcap and its truth.

What each request, connection and attempt is follows from what netgen did
(its log: scripted action, delay, intended cause, retry links); frame
numbers, times and Wireshark's tcp.analysis flags are looked up with plain
tshark in the final capture. The script refuses to write a truth when the
wire disagrees with the log, or when a decisive time is within MARGIN of a
threshold or a cause window edge.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netwire as nw  # noqa: E402

DELAY_THRESHOLD = 1.0
RESPONSE_TIMEOUT = 3.0
CONNECT_TIMEOUT = 3.0
STP_WINDOW = 50.0
MARGIN = 0.15
SEC = 1000000000

problems = []


def problem(msg):
    problems.append(msg)


def tsec(t_ns):
    return round(t_ns / 1e9, 6)


# ---- splicing (network) ---------------------------------------------------

def splice(raw, raw_pcap, out_pcap):
    """Apply the retx operations of the log. Returns the list of inserted
    records: dicts with op, step (pair name, step index), original raw
    frame number, and their final frame number (filled here)."""
    header, recs = nw.read_pcap(raw_pcap)
    for a, b in zip(recs, recs[1:]):
        if b[0] < a[0]:
            raise SystemExit("raw capture is not in time order")
    rows = nw.tcp_rows(raw_pcap)

    def find(client, port, tid, to_server):
        m = [r for r in rows if r["client"] == client and r["client_port"] == port
             and r["tid"] == tid and r["to_server"] == to_server]
        if len(m) != 1:
            raise SystemExit("raw capture: %d frames for %s:%d tid %d" % (len(m), client, port, tid))
        return m[0]

    ops = []   # (raw frame index 0-based, new ts_us or None, op, meta)
    removed = set()
    for p in raw["pairs"]:
        reqs = [s for s in p["steps"] if s["op"] == "request"]
        for k, s in enumerate(reqs):
            if not s.get("retx"):
                continue
            kind, _, arg = s["retx"].partition(":")
            q = find(p["client"], s["port"], s["tid"], True)
            meta = {"pair": p["name"], "step": s["i"], "op": kind}
            if kind == "req_copy":
                src, t = q, q["t"] // 1000 + int(float(arg) * 1e6)
            elif kind == "resp_copy":
                src = find(p["client"], s["port"], s["tid"], False)
                t = src["t"] // 1000 + int(float(arg) * 1e6)
            elif kind == "resp_move":
                src = find(p["client"], s["port"], s["tid"], False)
                t = src["t"] // 1000 + int(float(arg) * 1e6)
                removed.add(src["frame"])
                meta["removed_time"] = tsec(src["t"])
            elif kind == "req_copy_mid":
                # between the request and the next segment of its stream (the
                # server's answer): before any ACK for it
                nxt = min(r["t"] for r in rows if r["stream"] == q["stream"] and r["frame"] > q["frame"])
                src, t = q, (q["t"] + nxt) // 2000
                if t <= q["t"] // 1000 or t >= nxt // 1000:
                    raise SystemExit("no room to insert a copy after frame %d" % q["frame"])
            elif kind == "prev_resp_copy":
                prev = reqs[k - 1]
                src = find(p["client"], prev["port"], prev["tid"], False)
                t = q["t"] // 1000 + int(float(arg) * 1e6)
                meta["of_step"] = prev["i"]
            else:
                raise SystemExit("unknown retx op %r" % kind)
            meta["src_raw_frame"] = src["frame"]
            meta.setdefault("of_step", s["i"])
            ops.append((src["frame"] - 1, t, meta))

    out = []   # (ts, order key, record, meta or None, raw frame or None)
    for i, r in enumerate(recs):
        if i + 1 in removed:
            continue
        out.append((r[0], (0, i), r, None, i + 1))
    for j, (idx, t, meta) in enumerate(ops):
        r = recs[idx]
        # a copy is a retransmission: a new datagram with its own IP id
        data = r[1] if meta["op"] == "resp_move" else nw.new_ip_id(r[1])
        out.append((t, (1, j), [t, data, r[2]], meta, None))
    out.sort(key=lambda o: (o[0], o[1]))
    nw.write_pcap(out_pcap, header, [o[2] for o in out])
    final_of_raw = {}
    inserted = []
    for n, o in enumerate(out, 1):
        if o[3] is not None:
            o[3]["frame"] = n
            inserted.append(o[3])
        else:
            final_of_raw[o[4]] = n
    for m in inserted:
        if m["op"] != "resp_move":
            m["original_frame"] = final_of_raw[m["src_raw_frame"]]
    return inserted


# ---- connections ------------------------------------------------------------

def expected_conns(raw):
    """(client, client_port) -> {pair, step, kind, result, end} from the log."""
    exp = {}
    for p in raw["pairs"]:
        cur = None
        for s in p["steps"]:
            key = (p["client"], s["port"])
            if s["op"] == "connect":
                if key in exp:
                    raise SystemExit("%s: client port %d used twice" % (p["name"], s["port"]))
                exp[key] = {"pair": p, "result": "established", "end": "open"}
                cur = key
            elif s["op"] == "attempt":
                if key in exp:
                    raise SystemExit("%s: client port %d used twice" % (p["name"], s["port"]))
                exp[key] = {"pair": p, "result": s["result"],
                            "end": "rst_server" if s["result"] == "refused" else "open"}
            elif s["op"] == "request" and s["act"] == "reset":
                exp[cur]["end"] = "rst_server"
                cur = None
            elif s["op"] in ("fin", "rst"):
                exp[cur]["end"] = ("fin_client" if s["op"] == "fin" else "rst_client")
                cur = None
    return exp


def build_connections(rows, raw):
    exp = expected_conns(raw)
    streams = defaultdict(list)
    for r in rows:
        streams[r["stream"]].append(r)
    conns = []
    for st, fr in sorted(streams.items(), key=lambda kv: kv[1][0]["t"]):
        c0 = fr[0]
        key = (c0["client"], c0["client_port"])
        e = exp.get(key)
        if e is None:
            problem("stream %d (%s:%d) is not in the log" % (st, key[0], key[1]))
            continue
        syns = [r for r in fr if r["to_server"] and r["flags"] & 0x12 == nw.TCP_SYN]
        synacks = [r for r in fr if not r["to_server"] and r["flags"] & 0x12 == 0x12]
        ends = [r for r in fr if r["flags"] & (nw.TCP_FIN | nw.TCP_RST)]
        attempt = c0["flags"] & 0x12 == nw.TCP_SYN and c0["to_server"]
        end = "open"
        end_row = None
        if ends:
            end_row = ends[0]
            end = ("rst_" if end_row["flags"] & nw.TCP_RST else "fin_") + \
                  ("client" if end_row["to_server"] else "server")
        if end != e["end"]:
            problem("stream %d: ends %s on the wire, %s in the log" % (st, end, e["end"]))
        result = None
        if attempt:
            if synacks and synacks[0]["t"] - syns[0]["t"] <= CONNECT_TIMEOUT * SEC:
                result = "established"
            elif end_row is not None and not end_row["to_server"] and end_row["flags"] & nw.TCP_RST \
                    and not synacks:
                result = "refused"
            else:
                result = "timeout"
        if result != e["result"]:
            problem("stream %d: attempt %s on the wire, %s in the log" % (st, result, e["result"]))
        established = bool(synacks) or not attempt
        c = {
            "pair": nw.pair_label(c0["client"], c0["server"]),
            "stream": st,
            "client": c0["client"], "client_port": c0["client_port"],
            "server": c0["server"], "port": nw.SERVER_PORT,
            "attempt": attempt, "result": result,
            "syn_packets": len(syns),
            "syn_frame": syns[0]["frame"] if syns else None,
            "synack_frame": synacks[0]["frame"] if synacks else None,
            "handshake_s": tsec(synacks[0]["t"] - syns[0]["t"]) if synacks and syns else None,
            "end": end,
            "end_frame": end_row["frame"] if end_row else None,
            "session_reset": end.startswith("rst_") and established,
            "reconnect": False, "gap_s": None,
            "first_frame": fr[0]["frame"], "last_frame": fr[-1]["frame"],
            "first_time": tsec(fr[0]["t"]), "end_time": tsec(end_row["t"]) if end_row else None,
            "last_time": tsec(fr[-1]["t"]),
            "netgen_pair": e["pair"]["name"],
        }
        c["_first_t"], c["_end_t"] = fr[0]["t"], (end_row or fr[-1])["t"]
        conns.append(c)
    by_pair = defaultdict(list)
    for c in conns:
        by_pair[c["pair"]].append(c)
    for lst in by_pair.values():
        for prev, c in zip(lst, lst[1:]):
            gap = c["_first_t"] - prev["_end_t"]
            if gap < 0:
                problem("%s: connections %d and %d overlap" % (c["pair"], prev["stream"], c["stream"]))
            c["reconnect"] = True
            c["gap_s"] = tsec(gap)
    return conns


def conn_events(conns):
    """Connection events per pair, (t, frame, kind, stream) in time order:
    session resets (RST), failed attempts (refused: the RST; timeout: first
    SYN), new connections (first SYN of a reconnect). Server FINs are added
    by server_fins()."""
    ev = defaultdict(list)
    for c in conns:
        if c["session_reset"]:
            ev[c["pair"]].append((c["_end_t"], c["end_frame"], "reset_" + c["end"][4:], c["stream"]))
        if c["result"] == "refused":
            ev[c["pair"]].append((c["_end_t"], c["end_frame"], "refused", c["stream"]))
        if c["result"] == "timeout":
            ev[c["pair"]].append((c["_first_t"], c["syn_frame"], "timeout", c["stream"]))
        if c["reconnect"]:
            ev[c["pair"]].append((c["_first_t"], c["first_frame"], "new_connection", c["stream"]))
    return ev


def server_fins(rows, ev):
    for r in rows:
        if not r["to_server"] and r["flags"] & nw.TCP_FIN:
            ev[nw.pair_label(r["client"], r["server"])].append((r["t"], r["frame"], "fin_server", r["stream"]))
    for k in ev:
        ev[k].sort()


# ---- requests ---------------------------------------------------------------

def build_requests(rows, raw, cap_end, conns, events, retrans_of_step, stp_changes):
    """One entry per scripted request. retrans_of_step: (pair, step) ->
    inserted frames tied to it. stp_changes: [(t, frame)] topology changes."""
    stream_of = {(c["client"], c["client_port"]): c["stream"] for c in conns}
    retx_rows = [r for r in rows if nw.is_retrans(r)]
    reqs = []
    frame_of = {}
    for p in raw["pairs"]:
        for s in p["steps"]:
            if s["op"] != "request":
                continue
            label = nw.pair_label(p["client"], p["server"], p["port"])
            q = [r for r in rows if r["to_server"] and r["client"] == p["client"]
                 and r["client_port"] == s["port"] and r["tid"] == s["tid"]]
            a = [r for r in rows if not r["to_server"] and r["client"] == p["client"]
                 and r["client_port"] == s["port"] and r["tid"] == s["tid"]]
            tag = "%s step %d (%s, tid %d)" % (p["name"], s["i"], s["tag"], s["tid"])
            if len(q) != 1 or len(a) > 1:
                problem("%s: %d request / %d response frames decoded" % (tag, len(q), len(a)))
                continue
            q = q[0]
            a = a[0] if a else None
            frame_of[(p["name"], s["i"])] = q["frame"]
            # expected outcome from what the server did
            if s["act"] == "reply":
                if a is None and not (s["retx"] or "").startswith("resp_move"):
                    problem("%s: answered but no response decoded" % tag)
                    continue
                if a is None:
                    outcome = "missed"      # the only copy of the answer is a retransmission
                else:
                    outcome = "late" if s["delay"] > RESPONSE_TIMEOUT else "answered"
            else:
                if a is not None:
                    problem("%s: %s but a response is on the wire" % (tag, s["act"]))
                outcome = "missed"
            left = (cap_end - q["t"]) / 1e9
            if outcome == "missed" and left < RESPONSE_TIMEOUT + MARGIN:
                problem("%s: capture goes on only %.3f s after it" % (tag, left))
            rt = (a["t"] - q["t"]) / 1e9 if a else None
            if rt is not None:
                for th in (DELAY_THRESHOLD, RESPONSE_TIMEOUT):
                    if abs(rt - th) < MARGIN:
                        problem("%s: response time %.3f too close to %.1f" % (tag, rt, th))
                if (rt > RESPONSE_TIMEOUT) != (outcome == "late"):
                    problem("%s: response time %.3f but outcome %s" % (tag, rt, outcome))
            delayed = rt is not None and rt > DELAY_THRESHOLD
            slow = delayed or outcome in ("late", "missed")
            end_t = a["t"] if a else q["t"] + int(RESPONSE_TIMEOUT * SEC)
            reqs.append({
                "frame": q["frame"], "time": tsec(q["t"]),
                "pair": label, "client": p["client"], "client_port": s["port"],
                "server": p["server"], "port": p["port"], "stream": q["stream"],
                "tid": s["tid"], "unit": s["unit"], "fc": s["fc"], "addr": s["addr"], "count": s["cnt"],
                "tag": s["tag"], "server_action": s["act"],
                "injected_delay_s": s["delay"] if s["act"] != "drop" else None,
                "outcome": outcome, "delayed": delayed,
                "resp_frame": a["frame"] if a else None,
                "response_time_s": round(rt, 6) if rt is not None else None,
                "retry_of": None, "cause": None, "cause_frame": None,
                "_t": q["t"], "_end": end_t, "_slow": slow, "_step": (p["name"], s["i"]),
                "_retry_of_step": s["retry_of"], "_cause": s["cause"],
            })
    # retry links
    by_step = {r["_step"]: r for r in reqs}
    for r in reqs:
        if r["_retry_of_step"] >= 0:
            r["retry_of"] = frame_of[(r["_step"][0], r["_retry_of_step"])]
    retried_by = {}
    for r in reqs:
        if r["retry_of"] is not None:
            retried_by.setdefault(r["retry_of"], r["frame"])
    # causes
    for r in reqs:
        if not r["_slow"]:
            continue
        tag = "request frame %d (%s)" % (r["frame"], r["tag"])
        cause = r["_cause"]
        if cause is None:
            problem("%s is slow but has no intended cause" % tag)
            continue
        t0, t1 = r["_t"], r["_end"]
        # confounder checks: every higher-priority cause must be absent
        stp_in = [c for c in stp_changes if t0 - STP_WINDOW * SEC <= c[0] <= t1]
        for c in stp_changes:
            for edge in (t0 - STP_WINDOW * SEC, t1):
                if abs(c[0] - edge) < MARGIN * SEC:
                    problem("%s: topology change frame %d within %.2f s of a window edge" % (tag, c[1], MARGIN))
        own = retrans_of_step.get(r["_step"], [])
        win_rt = [x for x in retx_rows if x["stream"] == r["stream"] and t0 <= x["t"] <= t1]
        conn_in = [e for e in events.get(r["pair"], []) if t0 <= e[0] <= t1]
        order = ["stp", "tcp-retransmission", "connection", "retry", "server"]
        present = {
            "stp": bool(stp_in),
            "tcp-retransmission": bool(own or win_rt),
            "connection": bool(conn_in),
            "retry": r["frame"] in retried_by,
            "server": True,
        }
        if not present.get(cause):
            problem("%s: intended cause %s has no evidence" % (tag, cause))
            continue
        higher = [c for c in order[:order.index(cause)] if present[c]]
        if higher:
            problem("%s: intended cause %s but %s present" % (tag, cause, higher))
            continue
        r["cause"] = cause
        if cause == "stp":
            r["cause_frame"] = max(stp_in)[1]
        elif cause == "tcp-retransmission":
            r["cause_frame"] = min(own)["frame"] if own else win_rt[0]["frame"]
        elif cause == "connection":
            r["cause_frame"] = conn_in[0][1]
        elif cause == "retry":
            r["cause_frame"] = retried_by[r["frame"]]
    for r in reqs:
        # a moved answer is slow only if Wireshark does not decode its copy
        if not r["_slow"] and r["_cause"] and not r["tag"].startswith("retx_iii"):
            problem("request frame %d (%s): intended cause %s but not slow" % (r["frame"], r["tag"], r["_cause"]))
    return reqs, by_step


def strip(objs):
    return [{k: v for k, v in o.items() if not k.startswith("_")} for o in objs]


def pair_stats(conns, reqs, rows):
    pairs = {}

    def get(label):
        return pairs.setdefault(label, {
            "conns": 0, "attempts": 0, "established": 0, "failed": 0, "refused": 0, "timeout": 0,
            "syn_packets": 0, "resets_by_client": 0, "resets_by_server": 0,
            "fin_by_client": 0, "fin_by_server": 0, "open_at_end": 0, "reconnects": 0,
            "requests": 0, "retries": 0, "retrans_to_server": 0, "retrans_to_client": 0,
            "tcp_analysis": {"to_server": {}, "to_client": {}}})
    for c in conns:
        s = get(c["pair"])
        s["conns"] += 1
        s["syn_packets"] += c["syn_packets"]
        if c["attempt"]:
            s["attempts"] += 1
            s[c["result"]] += 1
            if c["result"] in ("refused", "timeout"):
                s["failed"] += 1
        if c["session_reset"]:
            s["resets_by_" + c["end"][4:]] += 1
        if c["end"].startswith("fin_"):
            s["fin_by_" + c["end"][4:]] += 1
        if c["end"] == "open":
            s["open_at_end"] += 1
        if c["reconnect"]:
            s["reconnects"] += 1
    for r in reqs:
        s = get(r["pair"])
        s["requests"] += 1
        if r["retry_of"] is not None:
            s["retries"] += 1
    for r in rows:
        s = get(nw.pair_label(r["client"], r["server"]))
        d = "to_server" if r["to_server"] else "to_client"
        for a in r["analysis"]:
            s["tcp_analysis"][d][a] = s["tcp_analysis"][d].get(a, 0) + 1
        if nw.is_retrans(r):
            s["retrans_" + d] += 1
    return dict(sorted(pairs.items()))


def topology(monitor_path, pairs, conns):
    mon = json.load(open(monitor_path))
    entries = {}
    for ip, ports in mon.get("ip_addrs", {}).items():
        for port in ports:
            entries.setdefault((ip, port), []).append("ip_addrs")
    for e in mon.get("ips", {}).get("client", []):
        entries.setdefault((e["dest_ip"], e["dest_port"]), []).append("ips.client")
    out = []
    matched = set()
    for (ip, port), src in entries.items():
        labels = [l for l in pairs if l.split(" -> ")[1] == "%s:%d" % (ip, port)]
        matched.update(labels)
        cs = [c for c in conns if c["pair"] in labels]
        nreq = sum(pairs[l]["requests"] for l in labels)
        out.append({
            "server": ip, "port": port, "from": src,
            "state": "traffic" if nreq else ("attempts" if labels else "silent"),
            "pairs": len(labels), "requests": nreq,
            "attempts": sum(c["attempt"] for c in cs),
            "established": sum(c["result"] == "established" for c in cs),
            "refused": sum(c["result"] == "refused" for c in cs),
            "timeout": sum(c["result"] == "timeout" for c in cs),
        })
    unexpected = [{"pair": l, "requests": pairs[l]["requests"], "conns": pairs[l]["conns"],
                   "state": "traffic" if pairs[l]["requests"] else "attempts"}
                  for l in pairs if l not in matched]
    return {"monitor_file": "tests/fixtures/net/" + os.path.basename(monitor_path),
            "expected": out, "unexpected_pairs": unexpected}


# ---- network ---------------------------------------------------------------

def network(raw_path, raw_pcap, out_pcap, truth_path, monitor_path):
    raw = json.load(open(raw_path))
    if raw.get("checks_failed"):
        raise SystemExit("%s: netgen reported failures" % raw_path)
    inserted = splice(raw, raw_pcap, out_pcap)
    rows = nw.tcp_rows(out_pcap)
    header, recs = nw.read_pcap(out_pcap)
    cap_end = recs[-1][0] * 1000
    conns = build_connections(rows, raw)
    events = conn_events(conns)
    server_fins(rows, events)
    by_frame = {r["frame"]: r for r in rows}
    retrans_of_step = defaultdict(list)
    for m in inserted:
        row = by_frame[m["frame"]]
        retrans_of_step[(m["pair"], m["of_step"])].append(row)
        if not nw.is_retrans(row):
            problem("inserted frame %d (%s) is not flagged as a retransmission" % (m["frame"], m["op"]))
    reqs, by_step = build_requests(rows, raw, cap_end, conns, events, retrans_of_step, [])
    retrans = []
    for m in sorted(inserted, key=lambda m: m["frame"]):
        row = by_frame[m["frame"]]
        owner = by_step[(m["pair"], m["of_step"])]
        retrans.append({
            "frame": m["frame"], "time": tsec(row["t"]), "op": m["op"],
            "direction": "to_server" if row["to_server"] else "to_client",
            "pair": owner["pair"], "stream": row["stream"],
            "request_frame": owner["frame"], "request_tag": owner["tag"],
            "original_frame": m.get("original_frame"),
            "original_removed_time": m.get("removed_time"),
            "tcp_analysis": row["analysis"],
            "decoded_as_modbus": row["tid"] is not None,
        })
    pairs = pair_stats(conns, reqs, rows)
    truth = {
        "capture": os.path.basename(out_pcap),
        "generator": "netgen network",
        "t0": raw["t0"],
        "capture_start": tsec(recs[0][0] * 1000), "capture_end": tsec(cap_end),
        "capture_packets": len(recs),
        "delay_threshold": DELAY_THRESHOLD, "response_timeout": RESPONSE_TIMEOUT,
        "connect_timeout": CONNECT_TIMEOUT, "retry_window": 10.0,
        "notes": README_NOTES,
        "scenarios": {p["name"]: nw.pair_label(p["client"], p["server"], p["port"]) for p in raw["pairs"]},
        "connections": strip(conns),
        "pairs": pairs,
        "requests": strip(reqs),
        "retransmissions": retrans,
        "stp_events": [], "stp_bpdus": 0,
        "topology": topology(monitor_path, pairs, conns),
    }
    finish(truth, truth_path)


README_NOTES = ("see tests/generator/README.md (netgen): connections in order of first frame; "
                "end = first FIN/RST; a refused attempt ends rst_server but is no session reset; "
                "requests in send order per pair; outcome answered/late/missed; delayed = response "
                "time > delay_threshold (late ones included); cause/cause_frame only for delayed, "
                "late or missed requests")


def finish(truth, truth_path):
    if problems:
        raise SystemExit("ground truth not written:\n  " + "\n  ".join(problems))
    with open(truth_path, "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")


# ---- stp ---------------------------------------------------------------------

TC_AT = 25.0            # the real file's TC episode starts here (s after t0)
ROOT_CHANGE_AT = 50.0
ROLE_CHANGE_AT = 41.0
TCN_AT = (45.0, 47.0, 49.0)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def bridge_id(prio, m):
    return struct.pack(">H", prio) + mac(m)


def bpdu_frame(src, bpdu):
    llc = b"\x42\x42\x03" + bpdu
    eth = mac("01:80:c2:00:00:00") + mac(src) + struct.pack(">H", len(llc)) + llc
    return eth + b"\x00" * max(0, 60 - len(eth))


def config_bpdu(flags, root, cost, bridge, port, rst=False):
    b = struct.pack(">HBB", 0, 2 if rst else 0, 0x02 if rst else 0x00) + bytes([flags]) + \
        root + struct.pack(">I", cost) + bridge + struct.pack(">H", port) + \
        struct.pack(">HHHH", 1 * 256, 20 * 256, 2 * 256, 15 * 256)
    return b + (b"\x00" if rst else b"")


def crafted_bpdus(t0, t_first, t_last):
    """[(ts_us, frame bytes)]: bridge 2 (802.1D config BPDUs, port 0x8002)
    announces root A until ROOT_CHANGE_AT, then root B; bridge 3 sends 3
    TCNs; bridge 4 (RST BPDUs, port 0x8003) changes its port role from
    designated to root at ROLE_CHANGE_AT."""
    out = []
    root_a, root_b = bridge_id(4096, "02:00:00:00:00:0a"), bridge_id(8192, "02:00:00:00:00:0b")
    b2, b4 = bridge_id(32768, "02:00:00:00:00:02"), bridge_id(32768, "02:00:00:00:00:04")
    real_root = bridge_id(32768 + 3, "00:1e:f6:73:59:80")
    k = 0
    while True:
        at = 10.0 + 2 * k
        t = t0 + at
        if t > t_last:
            break
        root = root_a if at < ROOT_CHANGE_AT else root_b
        out.append((t, bpdu_frame("02:00:00:00:00:02",
                                  config_bpdu(0x00, root, 19 if root == root_a else 38, b2, 0x8002))))
        k += 1
    for at in TCN_AT:
        out.append((t0 + at, bpdu_frame("02:00:00:00:00:03", struct.pack(">HBB", 0, 0, 0x80))))
    k = 0
    while True:
        at = 11.0 + 2 * k
        t = t0 + at
        if t > t_last:
            break
        flags = 0x3C if at < ROLE_CHANGE_AT else 0x38   # role designated (11) / root (10)
        out.append((t, bpdu_frame("02:00:00:00:00:04", config_bpdu(flags, real_root, 19, b4, 0x8003, rst=True))))
        k += 1
    return sorted((int(round(t * 1e6)), f) for t, f in out if t_first <= t <= t_last)


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def linktype(path):
    with open(path, "rb") as f:
        return struct.unpack("<I", f.read(24)[20:24])[0]


def stp(raw_path, raw_pcap, rstp_pcap, out_pcap, truth_path):
    raw = json.load(open(raw_path))
    if raw.get("checks_failed"):
        raise SystemExit("%s: netgen reported failures" % raw_path)
    t0 = raw["t0"]
    header, recs = nw.read_pcap(raw_pcap)
    if linktype(raw_pcap) != 1:
        raise SystemExit("%s: link type is not Ethernet" % raw_pcap)
    t_first, t_last = recs[0][0] / 1e6, recs[-1][0] / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        only = os.path.join(tmp, "stp_only.pcap")
        shifted = os.path.join(tmp, "shifted.pcap")
        cut = os.path.join(tmp, "cut.pcap")
        crafted = os.path.join(tmp, "crafted.pcap")
        run("tshark", "-r", rstp_pcap, "-Y", "stp", "-F", "pcap", "-w", only)
        tc = nw.tshark(only, ["frame.time_epoch"], "stp.flags.tc == 1")
        x = nw.ns(tc[0]["frame.time_epoch"]) / 1e9
        shift = t0 + TC_AT - x
        run("editcap", "-F", "pcap", "-t", "%.6f" % shift, only, shifted)
        run("editcap", "-F", "pcap", "-A", "%.6f" % t_first, "-B", "%.6f" % t_last, shifted, cut)
        if linktype(cut) != 1:
            raise SystemExit("%s: link type is not Ethernet" % rstp_pcap)
        chdr = header[:16] + struct.pack("<I", 65535) + struct.pack("<I", 1)
        nw.write_pcap(crafted, chdr, [[t, f, len(f)] for t, f in crafted_bpdus(t0, t_first, t_last)])
        run("mergecap", "-F", "pcap", "-w", out_pcap, raw_pcap, cut, crafted)
    _, recs = nw.read_pcap(out_pcap)
    for a, b in zip(recs, recs[1:]):
        if b[0] < a[0]:
            raise SystemExit("%s is not in time order" % out_pcap)
    cap_end = recs[-1][0] * 1000
    rows = nw.tcp_rows(out_pcap)
    bpdus = nw.bpdu_rows(out_pcap)
    events = nw.stp_events(bpdus)
    # the design: exactly these events
    want = [("TC", TC_AT, 2), ("role", ROLE_CHANGE_AT, None), ("TCN", TCN_AT[0], 2),
            ("root", ROOT_CHANGE_AT, None)]
    got = sorted(events, key=lambda e: e["t"])
    if len(got) != len(want):
        problem("STP events %s, want %s" % ([(e["kind"], round(e["time"] - t0, 2)) for e in got], want))
    else:
        for e, (kind, at, rep) in zip(got, want):
            if e["kind"] != kind or abs(e["time"] - t0 - at) > 0.05 or (rep is not None and e["repeats"] != rep):
                problem("STP event %s at %.3f (repeats %d), want %s at %.1f (repeats %s)"
                        % (e["kind"], e["time"] - t0, e["repeats"], kind, at, rep))
    changes = [(e["t"], e["frame"]) for e in events if e["kind"] in ("TC", "TCN", "root")]
    conns = build_connections(rows, raw)
    cev = conn_events(conns)
    server_fins(rows, cev)
    reqs, _ = build_requests(rows, raw, cap_end, conns, cev, {}, changes)
    pairs = pair_stats(conns, reqs, rows)
    stp_ev = []
    for e in events:
        d = {k: v for k, v in e.items() if k != "t"}
        d["time_after_t0"] = round(e["time"] - t0, 3)
        stp_ev.append(d)
    truth = {
        "capture": os.path.basename(out_pcap),
        "generator": "netgen stp + BPDUs of %s + crafted BPDUs" % os.path.basename(rstp_pcap),
        "t0": t0,
        "capture_start": tsec(recs[0][0] * 1000), "capture_end": tsec(cap_end),
        "capture_packets": len(recs),
        "delay_threshold": DELAY_THRESHOLD, "response_timeout": RESPONSE_TIMEOUT,
        "stp_window": STP_WINDOW,
        "rstp_shift_s": round(shift, 6),
        "notes": README_NOTES + "; stp cause_frame = the latest topology change (TC, TCN, root "
                                "event) at or before the request's end",
        "scenarios": {p["name"]: nw.pair_label(p["client"], p["server"], p["port"]) for p in raw["pairs"]},
        "connections": strip(conns),
        "pairs": pairs,
        "requests": strip(reqs),
        "retransmissions": [],
        "stp_events": stp_ev,
        "stp_bpdus": len(bpdus),
        "stp_bpdus_by_source": dict(Counter(b["src_mac"] for b in bpdus)),
    }
    finish(truth, truth_path)


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "network":
        network(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "stp":
        stp(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
