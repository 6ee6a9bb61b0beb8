#!/usr/bin/env python3
# check_net_wire.py - check the netgen ground truths against their captures with plain tshark
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: check_net_wire.py [-v] TRUTH.json...

Plain tshark (the modbus_an post-dissector disabled), Wireshark's own TCP,
Modbus/TCP and STP dissectors. Everything the truth states is recomputed
from the wire and compared:
  * frames in time order, packet count and end time;
  * every TCP connection (tcp.stream with port 502): its first SYN, SYN
    count, first SYN-ACK, handshake time, first FIN/RST and its sender,
    attempt result (established: SYN-ACK within connect_timeout; refused:
    RST from the server and no SYN-ACK; timeout: no SYN-ACK at all and the
    capture went on past connect_timeout), reconnects and their gaps; no
    stream the truth does not list;
  * per pair: connection counts, session resets / first FINs per side,
    reconnects, retries, tcp.analysis retransmission counts per direction;
  * every request and response (mbtcp.trans_id, unit, fc, Wireshark's
    modbus.request_frame / modbus.response_time), outcome and delayed flag;
    no Modbus PDU the truth does not know;
  * retries by the rule (same unit, function code and data bytes, another
    tid or connection, sent while the earlier request had no answer, within
    retry_window): exactly the truth's retry_of links;
  * the inserted retransmissions: flags as stated, bytes equal to the
    original segment / carrying the stated request's transaction;
  * STP events recomputed from stp.* fields (TC flag, TCN type, root ids,
    port role bits), repeats, BPDU count;
  * the cause of every delayed / late / missed request by the priority rules
    (stp > tcp-retransmission > connection > retry > server) from all
    topology changes, retransmission frames and connection events on the
    wire: the intended cause must be the one the rules give (so no
    higher-priority confounder exists), with the same evidence frame;
  * the topology classification against the pcap_monitor file.
Exit status 1 on any mismatch. -v lists the retransmission frames and the
connection events per pair.
"""
import json
import os
import sys
from collections import defaultdict

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netwire as nw  # noqa: E402

SEC = 1000000000
CONNECT_TIMEOUT = 3.0
SLACK = 0.05          # a response may come this much after the injected delay


def check(path, verbose):
    errs = []
    truth = json.load(open(path))
    cap = os.path.join(os.path.dirname(path), truth["capture"])
    _, recs = nw.read_pcap(cap)
    for i in range(1, len(recs)):
        if recs[i][0] < recs[i - 1][0]:
            errs.append("frame %d is earlier than frame %d" % (i + 1, i))
    if len(recs) != truth["capture_packets"]:
        errs.append("%d packets, truth %d" % (len(recs), truth["capture_packets"]))
    cap_end = recs[-1][0] * 1000
    if abs(cap_end / 1e9 - truth["capture_end"]) > 2e-6:
        errs.append("capture end %.6f, truth %.6f" % (cap_end / 1e9, truth["capture_end"]))
    thr, rto = truth["delay_threshold"], truth["response_timeout"]
    cto = truth.get("connect_timeout", 3.0)
    rwin = truth.get("retry_window", 10.0)
    stp_win = truth.get("stp_window", 50.0)

    rows = nw.tcp_rows(cap)
    byf = {r["frame"]: r for r in rows}

    # ---- connections ----
    streams = defaultdict(list)
    for r in rows:
        streams[r["stream"]].append(r)
    conns = {}
    for st, fr in streams.items():
        c0 = fr[0]
        syns = [r for r in fr if r["to_server"] and r["flags"] & 0x12 == nw.TCP_SYN]
        synacks = [r for r in fr if not r["to_server"] and r["flags"] & 0x12 == 0x12]
        ends = [r for r in fr if r["flags"] & (nw.TCP_FIN | nw.TCP_RST)]
        attempt = c0["to_server"] and c0["flags"] & 0x12 == nw.TCP_SYN
        end = ends[0] if ends else None
        endk = "open" if end is None else \
            ("rst_" if end["flags"] & nw.TCP_RST else "fin_") + ("client" if end["to_server"] else "server")
        result = None
        if attempt:
            if synacks and synacks[0]["t"] - syns[0]["t"] <= cto * SEC:
                result = "established"
            elif not synacks and end is not None and not end["to_server"] and end["flags"] & nw.TCP_RST:
                result = "refused"
            elif not synacks and cap_end - syns[0]["t"] > cto * SEC:
                result = "timeout"
            else:
                result = "unfinished_or_late"
        fins_before = end is not None and end["flags"] & nw.TCP_RST and \
            any(r["flags"] & nw.TCP_FIN and r["frame"] < end["frame"] for r in fr)
        conns[st] = {
            "pair": nw.pair_label(c0["client"], c0["server"]), "stream": st,
            "client": c0["client"], "client_port": c0["client_port"], "server": c0["server"],
            "attempt": bool(attempt), "result": result, "syn_packets": len(syns),
            "syn_frame": syns[0]["frame"] if syns else None,
            "synack_frame": synacks[0]["frame"] if synacks else None,
            "handshake_s": round((synacks[0]["t"] - syns[0]["t"]) / 1e9, 6) if synacks and syns else None,
            "end": endk, "end_frame": end["frame"] if end else None,
            "established": bool(synacks) or not attempt,
            "first_t": fr[0]["t"], "end_t": (end or fr[-1])["t"], "first_frame": fr[0]["frame"],
            "fin_before_rst": bool(fins_before),
        }
    by_pair = defaultdict(list)
    for c in sorted(conns.values(), key=lambda c: c["first_t"]):
        by_pair[c["pair"]].append(c)
    for lst in by_pair.values():
        lst[0]["reconnect"], lst[0]["gap_s"] = False, None
        for prev, c in zip(lst, lst[1:]):
            gap = c["first_t"] - prev["end_t"]
            c["reconnect"] = gap >= 0
            c["gap_s"] = round(gap / 1e9, 6)
    tconns = {(c["client"], c["client_port"], c["server"]): c for c in truth["connections"]}
    if len(tconns) != len(truth["connections"]):
        errs.append("truth lists a connection twice")
    for c in conns.values():
        t = tconns.get((c["client"], c["client_port"], c["server"]))
        tag = "connection %s:%d -> %s (stream %d)" % (c["client"], c["client_port"], c["server"], c["stream"])
        if t is None:
            errs.append("%s not in the truth" % tag)
            continue
        for k in ("attempt", "result", "syn_packets", "syn_frame", "synack_frame", "end", "end_frame",
                  "reconnect"):
            if t[k] != c[k]:
                errs.append("%s: %s %r on the wire, truth %r" % (tag, k, c[k], t[k]))
        for k in ("handshake_s", "gap_s"):
            if (t[k] is None) != (c[k] is None) or (t[k] is not None and abs(t[k] - c[k]) > 2e-6):
                errs.append("%s: %s %r on the wire, truth %r" % (tag, k, c[k], t[k]))
        if c["result"] == "refused" and not (byf[c["end_frame"]]["flags"] & nw.TCP_RST and not byf[c["end_frame"]]["to_server"]):
            errs.append("%s: refused without an RST from the server" % tag)
        if c["result"] == "timeout" and c["synack_frame"] is not None:
            errs.append("%s: timeout but a SYN-ACK is on the wire" % tag)
    if len(conns) != len(tconns):
        errs.append("%d connections on the wire, %d in the truth" % (len(conns), len(tconns)))

    # ---- connection events and retransmissions per pair ----
    # (t, frame, kind, stream). Only the ones on a transaction's own
    # connection can be its cause (issue 11): a session reset, the server's
    # FIN when the server closed first; the others are listed for -v.
    events = defaultdict(list)
    for c in conns.values():
        if c["end"].startswith("rst_") and c["established"] and not c["fin_before_rst"]:
            events[c["pair"]].append((c["end_t"], c["end_frame"], "session_reset_by_" + c["end"][4:], c["stream"]))
        if c["result"] == "refused":
            events[c["pair"]].append((c["end_t"], c["end_frame"], "refused", c["stream"]))
        if c["result"] == "timeout":
            events[c["pair"]].append((c["first_t"], c["syn_frame"], "timeout_attempt", c["stream"]))
        if c["reconnect"] or (c["gap_s"] is not None and c["gap_s"] < 0):
            events[c["pair"]].append((c["first_t"], c["first_frame"], "new_connection", c["stream"]))
        if c["end"] == "fin_server":
            events[c["pair"]].append((c["end_t"], c["end_frame"], "server_fin_first", c["stream"]))
    for k in events:
        events[k].sort()
    retx = [r for r in rows if nw.is_retrans(r)]
    if verbose:
        for label in sorted(set(list(events) + [nw.pair_label(r["client"], r["server"]) for r in retx])):
            print("    %s" % label)
            for e in events.get(label, []):
                print("      %.6f frame %d %s" % (e[0] / 1e9, e[1], e[2]))
            for r in retx:
                if nw.pair_label(r["client"], r["server"]) == label:
                    print("      %.6f frame %d tcp.analysis %s (%s)" % (r["t"] / 1e9, r["frame"], ",".join(r["analysis"]),
                                                                       "to server" if r["to_server"] else "to client"))

    # ---- requests / responses ----
    pdus = [r for r in rows if r["tid"] is not None]
    used = set()
    treqs = truth["requests"]
    wire_req = {}
    for q in treqs:
        tag = "request frame %d (%s tid %d %s)" % (q["frame"], q["pair"], q["tid"], q["tag"])
        r = byf.get(q["frame"])
        if r is None or r["tid"] != q["tid"] or not r["to_server"] or r["client"] != q["client"] \
                or r["client_port"] != q["client_port"] or r["server"] != q["server"] \
                or r["unit"] != q["unit"] or r["fc"] != q["fc"]:
            errs.append("%s: not that request on the wire" % tag)
            continue
        used.add(r["frame"])
        if len([p for p in pdus if p["to_server"] and p["stream"] == r["stream"] and p["tid"] == q["tid"]]) != 1:
            errs.append("%s: tid decoded more than once in its stream" % tag)
        resp = [p for p in pdus if not p["to_server"] and p["stream"] == r["stream"] and p["tid"] == q["tid"]]
        if len(resp) > 1:
            errs.append("%s: %d responses" % (tag, len(resp)))
            continue
        a = resp[0] if resp else None
        if (a["frame"] if a else None) != q["resp_frame"]:
            errs.append("%s: response frame %s on the wire, truth %s" % (tag, a and a["frame"], q["resp_frame"]))
            continue
        if a:
            used.add(a["frame"])
            if a["unit"] != q["unit"] or a["fc"] != q["fc"]:
                errs.append("%s: response unit/fc %d/%d" % (tag, a["unit"], a["fc"]))
            if a["ws_req"] != r["frame"] or a["ws_rt"] is None or abs(nw.ns(a["ws_rt"]) - (a["t"] - r["t"])) > 1000:
                errs.append("%s: Wireshark pairs it with %s / %s" % (tag, a["ws_req"], a["ws_rt"]))
        rt = (a["t"] - r["t"]) / 1e9 if a else None
        outcome = ("late" if rt > rto else "answered") if a else \
            ("missed" if (cap_end - r["t"]) / 1e9 > rto else "unanswered_at_end")
        delayed = rt is not None and rt > thr
        if outcome != q["outcome"] or delayed != q["delayed"]:
            errs.append("%s: %s delayed=%s on the wire, truth %s delayed=%s"
                        % (tag, outcome, delayed, q["outcome"], q["delayed"]))
        d = q.get("injected_delay_s")
        if a and d is not None and not (d - 0.001 <= rt <= d + SLACK):
            errs.append("%s: response time %.6f, injected %.3f" % (tag, rt, d))
        if rt is not None and q["response_time_s"] is not None and abs(rt - q["response_time_s"]) > 2e-6:
            errs.append("%s: response time %.6f, truth %.6f" % (tag, rt, q["response_time_s"]))
        wire_req[q["frame"]] = {"row": r, "resp": a, "outcome": outcome, "delayed": delayed,
                                "end": a["t"] if a else r["t"] + int(rto * SEC), "pair": q["pair"]}
    extra = [p["frame"] for p in pdus if p["frame"] not in used]
    if extra:
        errs.append("Modbus PDUs not in the truth: frames %s" % extra[:20])

    # ---- retries by rule ----
    answered_at = {f: (w["resp"]["t"] if w["resp"] else None) for f, w in wire_req.items()}
    retry_of = {}
    order = sorted(wire_req.values(), key=lambda w: w["row"]["t"])
    for i, w in enumerate(order):
        r = w["row"]
        for o in reversed(order[:i]):
            orow = o["row"]
            if o["pair"] != w["pair"] or r["t"] - orow["t"] > rwin * SEC:
                continue
            if orow["unit"] != r["unit"] or orow["payload"][7:] != r["payload"][7:]:
                continue
            if orow["tid"] == r["tid"] and orow["stream"] == r["stream"]:
                continue
            at = answered_at[orow["frame"]]
            if at is not None and at <= r["t"]:
                continue
            retry_of[r["frame"]] = orow["frame"]
            break
    for q in treqs:
        if retry_of.get(q["frame"]) != q["retry_of"]:
            errs.append("request frame %d: retry of %s by the rule, truth %s"
                        % (q["frame"], retry_of.get(q["frame"]), q["retry_of"]))
        if q["retry_of"] is not None:
            o, r = byf[q["retry_of"]], byf[q["frame"]]
            if o["payload"][6:] != r["payload"][6:] or o["tid"] == r["tid"]:
                errs.append("request frame %d: not the same unit/fc/data with another tid as %d"
                            % (q["frame"], q["retry_of"]))
    retried_by = {}
    for f, o in sorted(retry_of.items()):
        retried_by.setdefault(o, f)

    # ---- inserted retransmissions ----
    for x in truth["retransmissions"]:
        r = byf.get(x["frame"])
        tag = "inserted frame %d (%s)" % (x["frame"], x["op"])
        if r is None:
            errs.append("%s: not a TCP frame" % tag)
            continue
        if sorted(r["analysis"]) != sorted(x["tcp_analysis"]) or not nw.is_retrans(r):
            errs.append("%s: tcp.analysis %s, truth %s" % (tag, r["analysis"], x["tcp_analysis"]))
        if ("to_server" if r["to_server"] else "to_client") != x["direction"] or r["stream"] != x["stream"]:
            errs.append("%s: direction/stream differ" % tag)
        if (r["tid"] is not None) != x["decoded_as_modbus"]:
            errs.append("%s: decoded as Modbus: %s" % (tag, r["tid"] is not None))
        req = byf[x["request_frame"]]
        if x["original_frame"] is not None:
            orig = byf[x["original_frame"]]
            if orig["payload"] != r["payload"] or orig["seq"] != r["seq"] or orig["stream"] != r["stream"]:
                errs.append("%s: not a copy of frame %d" % (tag, x["original_frame"]))
        if len(r["payload"]) < 8 or int.from_bytes(r["payload"][:2], "big") != req["tid"] \
                or r["stream"] != req["stream"] or r["payload"][6:8] != req["payload"][6:8]:
            errs.append("%s: does not carry request %d's transaction" % (tag, x["request_frame"]))

    # ---- STP ----
    bpdus = nw.bpdu_rows(cap)
    if len(bpdus) != truth["stp_bpdus"]:
        errs.append("%d BPDUs, truth %d" % (len(bpdus), truth["stp_bpdus"]))
    sev = nw.stp_events(bpdus)
    bbyf = {b["frame"]: b for b in bpdus}
    key = lambda e: (e["frame"], e["kind"])  # noqa: E731
    tev = {key(e): e for e in truth["stp_events"]}
    wev = {key(e): e for e in sev}
    if set(tev) != set(wev):
        errs.append("STP events %s on the wire, truth %s" % (sorted(wev), sorted(tev)))
    for k in set(tev) & set(wev):
        t, w = tev[k], wev[k]
        for f in ("bridge", "root", "port", "vlan", "repeats", "prev_root", "role", "prev_role"):
            if t.get(f) != w.get(f):
                errs.append("STP event %s: %s %r on the wire, truth %r" % (k, f, w.get(f), t.get(f)))
        b = bbyf[k[0]]
        if k[1] == "TC" and not b["flags"] & 1:
            errs.append("STP TC event frame %d has no TC flag" % k[0])
        if k[1] == "TCN" and b["type"] != 0x80:
            errs.append("STP TCN event frame %d is type 0x%02x" % (k[0], b["type"]))
        if k[1] == "root" and (t.get("prev_root") == b["root"] or b["root"] != t["root"]):
            errs.append("STP root event frame %d: root %s, prev %s" % (k[0], b["root"], t.get("prev_root")))
        if k[1] == "role" and ((b["flags"] >> 2) & 3) != t["role"]:
            errs.append("STP role event frame %d: role bits %d" % (k[0], (b["flags"] >> 2) & 3))
    changes = sorted((e["t"], e["frame"]) for e in sev if e["kind"] in ("TC", "TCN", "root"))

    # ---- causes ----
    for q in treqs:
        w = wire_req.get(q["frame"])
        if w is None:
            continue
        slow = w["delayed"] or w["outcome"] in ("late", "missed")
        tag = "request frame %d (%s %s)" % (q["frame"], q["pair"], q["tag"])
        if not slow:
            if q["cause"] is not None:
                errs.append("%s: not slow on the wire but cause %s" % (tag, q["cause"]))
            continue
        r, a, t0, t1 = w["row"], w["resp"], w["row"]["t"], w["end"]
        cause, frame = None, None
        stp_in = [c for c in changes if t0 - stp_win * SEC <= c[0] <= t1]
        if stp_in:
            cause, frame = "stp", max(stp_in)[1]
        if cause is None:
            carrying = []
            for x in retx:
                if x["stream"] != r["stream"] or x["len"] == 0:
                    continue
                seg = r if x["to_server"] else a
                if seg is not None:
                    if x["seq"] < seg["seq"] + seg["len"] and seg["seq"] < x["seq"] + x["len"]:
                        carrying.append(x)
                elif not x["to_server"] and x["t"] > t0:
                    # an answer whose bytes were never seen before, while this
                    # is the oldest unanswered request of its connection
                    seen = max([y["seq"] + y["len"] for y in rows if y["stream"] == r["stream"]
                                and not y["to_server"] and y["frame"] < x["frame"]] or [0])
                    pending = [f for f, v in wire_req.items() if v["row"]["stream"] == r["stream"]
                               and v["row"]["t"] < x["t"] and (v["resp"] is None or v["resp"]["t"] > x["t"])]
                    if x["seq"] >= seen and pending and min(pending) == r["frame"]:
                        carrying.append(x)
            # the waiting direction (to the client), carrying no bytes seen
            # before in that direction (so none of another transaction)
            def carries_seen(x):
                return x["len"] > 0 and any(
                    y["stream"] == x["stream"] and y["to_server"] == x["to_server"] and y["len"] > 0 and
                    y["frame"] < x["frame"] and x["seq"] < y["seq"] + y["len"] and y["seq"] < x["seq"] + x["len"]
                    for y in rows)
            in_win = [x for x in retx if x["stream"] == r["stream"] and not x["to_server"] and t0 <= x["t"] <= t1
                      and not carries_seen(x)]
            if carrying:
                cause, frame = "tcp-retransmission", min(x["frame"] for x in carrying)
            elif in_win:
                cause, frame = "tcp-retransmission", in_win[0]["frame"]
        if cause is None:
            ev = [e for e in events.get(q["pair"], []) if t0 <= e[0] <= t1 and e[3] == r["stream"]
                  and e[2] in ("session_reset_by_client", "session_reset_by_server", "server_fin_first")]
            if ev:
                cause, frame = "connection", ev[0][1]
            c = [c for c in conns.values() if c["stream"] == r["stream"]]
            first_req = min(v["row"]["frame"] for v in wire_req.values() if v["row"]["stream"] == r["stream"])
            if (cause is None and c and c[0]["syn_frame"] and c[0]["synack_frame"] and first_req == q["frame"] and
                    byf[c[0]["synack_frame"]]["t"] - byf[c[0]["syn_frame"]]["t"] > CONNECT_TIMEOUT * SEC):
                cause, frame = "connection", c[0]["synack_frame"]  # the first request after a failed handshake
        if cause is None and q["frame"] in retried_by:
            cause, frame = "retry", retried_by[q["frame"]]
        if cause is None:
            cause = "server"
        if (cause, frame) != (q["cause"], q["cause_frame"]):
            errs.append("%s: cause %s (frame %s) by the rules, truth %s (frame %s)"
                        % (tag, cause, frame, q["cause"], q["cause_frame"]))

    # ---- pairs ----
    pairs = defaultdict(lambda: defaultdict(int))
    for c in conns.values():
        p = pairs[c["pair"]]
        p["conns"] += 1
        p["syn_packets"] += c["syn_packets"]
        if c["attempt"]:
            p["attempts"] += 1
            p[c["result"]] += 1
            if c["result"] in ("refused", "timeout"):
                p["failed"] += 1
        if c["end"].startswith("rst_") and c["established"] and not c["fin_before_rst"]:
            p["resets_by_" + c["end"][4:]] += 1
        if c["end"].startswith("fin_"):
            p["fin_by_" + c["end"][4:]] += 1
        if c["end"] == "open":
            p["open_at_end"] += 1
        if c["reconnect"]:
            p["reconnects"] += 1
    for w in wire_req.values():
        pairs[w["pair"]]["requests"] += 1
    for f in retry_of:
        pairs[wire_req[f]["pair"]]["retries"] += 1
    for r in retx:
        pairs[nw.pair_label(r["client"], r["server"])]["retrans_" + ("to_server" if r["to_server"] else "to_client")] += 1
    if set(pairs) != set(truth["pairs"]):
        errs.append("pairs %s on the wire, truth %s" % (sorted(pairs), sorted(truth["pairs"])))
    for label, tp in truth["pairs"].items():
        wp = pairs.get(label, {})
        for k, v in tp.items():
            if k == "tcp_analysis":
                continue
            if wp.get(k, 0) != v:
                errs.append("pair %s: %s %d on the wire, truth %d" % (label, k, wp.get(k, 0), v))
        wa = {"to_server": defaultdict(int), "to_client": defaultdict(int)}
        for r in rows:
            if nw.pair_label(r["client"], r["server"]) == label:
                for a in r["analysis"]:
                    wa["to_server" if r["to_server"] else "to_client"][a] += 1
        for d in ("to_server", "to_client"):
            if dict(wa[d]) != tp["tcp_analysis"][d]:
                errs.append("pair %s: tcp.analysis %s %s on the wire, truth %s" % (label, d, dict(wa[d]), tp["tcp_analysis"][d]))

    # ---- topology ----
    topo = truth.get("topology")
    if topo:
        repo = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
        mon = json.load(open(os.path.join(repo, topo["monitor_file"])))
        entries = set()
        for ip, ports in mon.get("ip_addrs", {}).items():
            entries.update((ip, int(p)) for p in ports)
        for e in mon.get("ips", {}).get("client", []):
            entries.add((e["dest_ip"], int(e["dest_port"])))
        if entries != {(e["server"], e["port"]) for e in topo["expected"]}:
            errs.append("topology entries differ from %s" % topo["monitor_file"])
        matched = set()
        for e in topo["expected"]:
            labels = [l for l in pairs if l.split(" -> ")[1] == "%s:%d" % (e["server"], e["port"])]
            matched.update(labels)
            nreq = sum(pairs[l]["requests"] for l in labels)
            state = "traffic" if nreq else ("attempts" if labels else "silent")
            cs = [c for c in conns.values() if c["pair"] in labels]
            got = {"state": state, "pairs": len(labels), "requests": nreq,
                   "attempts": sum(c["attempt"] for c in cs),
                   "established": sum(c["result"] == "established" for c in cs),
                   "refused": sum(c["result"] == "refused" for c in cs),
                   "timeout": sum(c["result"] == "timeout" for c in cs)}
            for k, v in got.items():
                if e[k] != v:
                    errs.append("topology %s:%d: %s %r on the wire, truth %r" % (e["server"], e["port"], k, v, e[k]))
        unexp = {l: ("traffic" if pairs[l]["requests"] else "attempts") for l in pairs if l not in matched}
        if unexp != {u["pair"]: u["state"] for u in topo["unexpected_pairs"]}:
            errs.append("unexpected pairs %s on the wire, truth %s" % (unexp, topo["unexpected_pairs"]))
    return truth, errs


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    if not args:
        raise SystemExit(__doc__)
    bad = 0
    for path in args:
        truth, errs = check(path, verbose)
        slow = [q for q in truth["requests"] if q["cause"]]
        causes = defaultdict(int)
        for q in slow:
            causes[q["cause"]] += 1
        print("%-22s %4d connections, %4d requests, %2d slow (%s), %d inserted retransmissions, "
              "%d STP events / %d BPDUs -> %s"
              % (truth["capture"], len(truth["connections"]), len(truth["requests"]), len(slow),
                 ", ".join("%s %d" % kv for kv in sorted(causes.items())), len(truth["retransmissions"]),
                 len(truth["stp_events"]), truth["stp_bpdus"],
                 "OK" if not errs else "%d MISMATCHES" % len(errs)))
        for e in errs:
            print("    " + e)
        bad += bool(errs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
