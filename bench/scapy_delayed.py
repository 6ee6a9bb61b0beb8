#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""scapy_delayed.py - the users' own delayed/missed Modbus/TCP detection, done with scapy.

Usage: /usr/bin/python3 bench/scapy_delayed.py CAPTURE [--threshold 1.0] [--timeout 3.0]
                        [--port 502] [--requests OUT.tsv] [--json OUT.json]

Written in the style of ../shared/seeds/conversation-scapy-modbus-stp-sqlite-influx-heartbeats.txt
(scapy reads the capture, requests to port 502 are remembered with their time, a
response with the same transaction id gives the response time, a response time over
the threshold is "delayed", requests never answered are "missed"), with the fixes
that the conversation itself arrives at ("handle retransmissions", "match Transaction
ID, Unit ID and Function Code"), so that its answers can be compared with modbus_an's:
  * requests and responses are paired per TCP connection (client address and port,
    server address and port; a SYN starts a new connection on the same 4-tuple) by
    (unit id, transaction id, function code & 0x7f), first in first out;
  * every MBAP PDU of a segment is read (several PDUs per segment); a PDU split over
    segments is not reassembled (counted as "unparsed");
  * a segment whose (connection, direction, sequence number) was already seen with
    data is a TCP retransmission and skipped;
  * a request whose key is still pending from more than --timeout ago replaces it (the
    older one is missed, as when a client reuses its transaction id);
  * at a RST (either way) or the server's FIN the connection's pending requests are
    missed; at the end of the capture a pending request is missed when the capture
    went on for more than --timeout after it, otherwise unanswered at end;
  * delayed: response time > --threshold; late: response time > --timeout (answered).
It also runs the seed's own script logic in the same pass ("seed": one dict keyed by
transaction id alone, across all connections and units; a response pairs with the
latest request of that id and does not remove it) to show what that gives.

Prints a JSON summary to stdout (or --json): paired, delayed, late, missed,
unanswered_at_end, orphans, exceptions, response time sum / percentiles (nearest
rank, as modbus_an), and with --requests a TSV line per request:
frame, client, server, tid, unit, fc, outcome, response_frame, response_time_s.
"""
import argparse
import json
import math
import struct
import sys
import time

from scapy.all import PcapReader  # noqa: E402  (Debian: apt-get install python3-scapy)
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[k - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("--threshold", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--port", type=int, default=502)
    ap.add_argument("--requests")
    ap.add_argument("--json")
    a = ap.parse_args()
    timeout_ns = int(round(a.timeout * 1e9))
    threshold_ns = int(round(a.threshold * 1e9))
    t_start = time.time()

    conn_gen = {}        # 4-tuple -> generation (bumped by a SYN)
    pending = {}         # (conn, unit, tid, fc) -> list of request records
    by_conn = {}         # conn -> set of pending keys
    seen_seq = set()     # (conn, dir, seq, len) of data segments
    requests = []
    orphans = exceptions = retrans = unparsed = responses = 0
    seed_queries = {}    # the seed's logic: tid -> time
    seed_rts = []
    frame = 0
    t_last = None

    def close_conn(conn, reason):
        for key in list(by_conn.get(conn, ())):
            for r in pending.pop(key, []):
                r["outcome"] = "missed"
                r["reason"] = reason
            by_conn[conn].discard(key)

    for pkt in PcapReader(a.capture):
        frame += 1
        t = int(pkt.time * 1000000000)  # exact: scapy's EDecimal timestamp, in ns
        t_last = t
        if TCP not in pkt:
            continue
        ip = pkt[IP] if IP in pkt else (pkt[IPv6] if IPv6 in pkt else None)
        if ip is None:
            continue
        tcp = pkt[TCP]
        sport, dport = tcp.sport, tcp.dport
        if dport == a.port:
            to_server, c = True, (ip.src, sport, ip.dst, dport)
        elif sport == a.port:
            to_server, c = False, (ip.dst, dport, ip.src, sport)
        else:
            continue
        flags = int(tcp.flags)
        if flags & 0x02 and not flags & 0x10:  # SYN: a new connection on this 4-tuple
            if c in conn_gen:
                close_conn((c, conn_gen[c]), "new connection")
            conn_gen[c] = conn_gen.get(c, 0) + 1
        conn = (c, conn_gen.setdefault(c, 0))
        payload = bytes(tcp.payload)
        if payload:
            sk = (conn, to_server, tcp.seq, len(payload))
            if sk in seen_seq:
                retrans += 1
                payload = b""
            else:
                seen_seq.add(sk)
        off = 0
        while off + 8 <= len(payload):
            tid, proto, length, unit = struct.unpack_from(">HHHB", payload, off)
            if proto != 0 or length < 2:
                unparsed += 1
                break
            if off + 6 + length > len(payload):
                unparsed += 1
                break
            fc = payload[off + 7]
            off += 6 + length
            # the seed's logic, as written there
            if to_server:
                seed_queries[tid] = t
            elif tid in seed_queries:
                seed_rts.append(t - seed_queries[tid])
            key = (conn, unit, tid, fc & 0x7F)
            if to_server:
                q = pending.setdefault(key, [])
                if q and t - q[0]["t"] > timeout_ns:
                    for r in q:
                        r["outcome"] = "missed"
                        r["reason"] = "transaction id reused"
                    q.clear()
                rec = {"frame": frame, "t": t, "client": "%s:%d" % (c[0], c[1]),
                       "server": "%s:%d" % (c[2], c[3]), "tid": tid, "unit": unit, "fc": fc,
                       "outcome": None, "rt": None, "resp_frame": None}
                q.append(rec)
                by_conn.setdefault(conn, set()).add(key)
                requests.append(rec)
            else:
                responses += 1
                if fc & 0x80:
                    exceptions += 1
                q = pending.get(key)
                if not q:
                    orphans += 1
                    continue
                rec = q.pop(0)
                if not q:
                    del pending[key]
                    by_conn[conn].discard(key)
                rec["rt"] = t - rec["t"]
                rec["resp_frame"] = frame
                rec["outcome"] = "late" if rec["rt"] > timeout_ns else "answered"
        if flags & 0x04 or (flags & 0x01 and not to_server):  # RST either way, server FIN
            close_conn(conn, "connection closed")

    for r in requests:
        if r["outcome"] is None:
            r["outcome"] = "missed" if t_last - r["t"] > timeout_ns else "unanswered_at_end"
    rts = sorted(r["rt"] / 1e9 for r in requests if r["rt"] is not None)
    seed_rts = sorted(x / 1e9 for x in seed_rts)
    out = {
        "tool": "scapy",
        "packets": frame,
        "requests": len(requests),
        "responses": responses,
        "paired": len(rts),
        "answered": sum(1 for r in requests if r["outcome"] == "answered"),
        "late": sum(1 for r in requests if r["outcome"] == "late"),
        "delayed": sum(1 for r in requests if r["rt"] is not None and r["rt"] > threshold_ns),
        "missed": sum(1 for r in requests if r["outcome"] == "missed"),
        "unanswered_at_end": sum(1 for r in requests if r["outcome"] == "unanswered_at_end"),
        "orphans": orphans,
        "exceptions": exceptions,
        "retransmissions_skipped": retrans,
        "unparsed_segments": unparsed,
        "rt_sum_s": sum(rts),
        "rt_p50_s": pct(rts, 50),
        "rt_p95_s": pct(rts, 95),
        "rt_max_s": rts[-1] if rts else None,
        "seed_logic": {"paired": len(seed_rts),
                       "delayed": sum(1 for x in seed_rts if x * 1e9 > threshold_ns),
                       "rt_sum_s": sum(seed_rts), "rt_p50_s": pct(seed_rts, 50),
                       "rt_p95_s": pct(seed_rts, 95),
                       "rt_max_s": seed_rts[-1] if seed_rts else None,
                       "negative_rts": sum(1 for x in seed_rts if x < 0)},
        "threshold_s": a.threshold, "timeout_s": a.timeout,
        "seconds": round(time.time() - t_start, 3),
    }
    if a.requests:
        with open(a.requests, "w") as f:
            f.write("frame\tclient\tserver\ttid\tunit\tfc\toutcome\tresponse_frame\tresponse_time_s\n")
            for r in requests:
                f.write("%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n" % (
                    r["frame"], r["client"], r["server"], r["tid"], r["unit"], r["fc"],
                    r["outcome"], r["resp_frame"] or "",
                    "%d.%09d" % divmod(r["rt"], 1000000000) if r["rt"] is not None else ""))
    text = json.dumps(out, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
