#!/usr/bin/env python3
# check_hb_wire.py - check the gen_heartbeat ground truth against its capture with plain tshark
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: check_hb_wire.py TRUTH.json...   (capture: TRUTH with .truth.json -> .pcap)

Uses plain tshark (Wireshark's own Modbus/TCP dissector, no plugin) to
confirm that
  * every poll and write of the truth is on the wire exactly once (client
    address and port, transaction id) with its unit, function code, start
    (modbus.reference_num) and count, and written values;
  * each has exactly one response, no exception, and a poll's response
    carries exactly the truth's register values (modbus.regval_uint16);
  * every frozen poll of "freezes" returns the same heartbeat value as the
    poll before it and the recover poll a different one; resets and wraps
    go from/to the recorded values at the recorded poll;
  * each pause's gap between its two requests (frame.time_epoch) is over
    1.5 x the group's period, and every other gap of the group under it;
  * no Modbus PDU is in the capture that the truth does not know.
Exit status 1 on any mismatch.
"""
import json
import subprocess
import sys

FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "tcp.srcport", "tcp.dstport",
          "tcp.stream", "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code",
          "modbus.exception_code", "modbus.reference_num", "modbus.word_cnt",
          "modbus.regval_uint16", "modbus.data"]


def ns(s):
    """'1700000000.123456789' -> integer nanoseconds (exact)."""
    whole, _, frac = s.partition(".")
    return int(whole) * 1000000000 + int((frac + "000000000")[:9])


def ints(s):
    return [int(x) for x in s.split(",")] if s else []


def wire(capture):
    args = ["tshark", "-r", capture, "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]


def check(truth_path):
    errs = []
    truth = json.load(open(truth_path))
    if not truth_path.endswith(".truth.json"):
        raise SystemExit("%s: not a .truth.json file" % truth_path)
    cap = truth_path[:-len(".truth.json")] + ".pcap"
    port = truth["port"]
    rows = wire(cap)
    if not rows:
        return truth, ["%s: no packets" % cap], {}

    pdus = []
    for r in rows:
        if not r.get("mbtcp.trans_id"):
            continue
        if "," in r["mbtcp.trans_id"]:
            errs.append("frame %s carries several Modbus PDUs" % r["frame.number"])
            continue
        pdus.append({
            "frame": int(r["frame.number"]), "t": ns(r["frame.time_epoch"]),
            "src": r["ip.src"], "sport": int(r["tcp.srcport"]), "dport": int(r["tcp.dstport"]),
            "stream": int(r["tcp.stream"]), "tid": int(r["mbtcp.trans_id"]),
            "unit": int(r["mbtcp.unit_id"]),
            "fc": int(r["modbus.func_code"]) if r["modbus.func_code"] else None,
            "exc": r["modbus.exception_code"] or None,
            "ref": int(r["modbus.reference_num"]) if r["modbus.reference_num"] else None,
            "cnt": int(r["modbus.word_cnt"]) if r["modbus.word_cnt"] else None,
            "regs": ints(r["modbus.regval_uint16"]), "data": r["modbus.data"],
        })
    used = set()

    def find(q, tag):
        """The request and response frames of a truth poll/write (None on error)."""
        reqs = [p for p in pdus if p["dport"] == port and p["sport"] == q["client_port"]
                and p["tid"] == q["tid"]]
        if len(reqs) != 1:
            errs.append("%s: %d request frames on the wire, want 1" % (tag, len(reqs)))
            return None, None
        rq = reqs[0]
        used.add(rq["frame"])
        if rq["src"] != q["client_ip"] or rq["unit"] != q["unit"] or rq["fc"] != q["fc"]:
            errs.append("%s: request from %s unit %d fc %s, want %s unit %d fc %d"
                        % (tag, rq["src"], rq["unit"], rq["fc"], q["client_ip"], q["unit"], q["fc"]))
        if rq["ref"] != q["start"]:
            errs.append("%s: request reference_num %s, want %d" % (tag, rq["ref"], q["start"]))
        count = q["count"] if "count" in q else len(q["values"])
        wcnt = 1 if q["fc"] == 6 and rq["cnt"] is None and len(rq["data"]) == 4 else rq["cnt"]
        if wcnt != count:
            errs.append("%s: request count %s, want %d" % (tag, wcnt, count))
        resps = [p for p in pdus if p["sport"] == port and p["dport"] == q["client_port"]
                 and p["stream"] == rq["stream"] and p["tid"] == q["tid"]]
        if len(resps) != 1:
            errs.append("%s: %d responses on the wire, want 1" % (tag, len(resps)))
            return rq, None
        rs = resps[0]
        used.add(rs["frame"])
        if rs["fc"] != q["fc"] or rs["exc"] is not None or rs["unit"] != q["unit"]:
            errs.append("%s: response unit %d fc %s exception %s" % (tag, rs["unit"], rs["fc"], rs["exc"]))
        if rs["t"] < rq["t"]:
            errs.append("%s: response before the request" % tag)
        return rq, rs

    poll_frames = {}
    for q in truth["polls"]:
        tag = "poll %s n %d (port %d tid %d)" % (q["group"], q["n"], q["client_port"], q["tid"])
        rq, rs = find(q, tag)
        if rq:
            poll_frames[(q["group"], q["n"])] = rq
        if rs and rs["regs"] != q["values"]:
            errs.append("%s: response values %s, truth %s" % (tag, rs["regs"], q["values"]))
    for q in truth["writes"]:
        tag = "write fc %d (port %d tid %d)" % (q["fc"], q["client_port"], q["tid"])
        rq, rs = find(q, tag)
        if not rq:
            continue
        if q["fc"] == 6:
            vals = [int(rq["data"], 16)] if len(rq["data"]) == 4 else None
            echo = [int(rs["data"], 16)] if rs and len(rs["data"]) == 4 else None
            if rs and (echo != vals or rs["ref"] != q["start"]):
                errs.append("%s: response echoes %s at %s" % (tag, echo, rs["ref"]))
        else:
            vals = rq["regs"]
            if rs and (rs["ref"] != q["start"] or rs["cnt"] != len(q["values"])):
                errs.append("%s: response reference %s count %s" % (tag, rs["ref"], rs["cnt"]))
        if vals != q["values"]:
            errs.append("%s: values %s on the wire, truth %s" % (tag, vals, q["values"]))

    extra = sorted(p["frame"] for p in pdus if p["frame"] not in used)
    if extra:
        errs.append("%d Modbus PDUs not in the truth: frames %s" % (len(extra), extra[:20]))

    # Register values per group, from the truth (which equals the wire, checked above).
    polls = {}
    for q in truth["polls"]:
        polls.setdefault(q["group"], []).append(q)
    numbered = True
    for g in polls:
        polls[g].sort(key=lambda q: q["n"])
        if [q["n"] for q in polls[g]] != list(range(len(polls[g]))):
            errs.append("group %s: poll numbers are not 0..%d" % (g, len(polls[g]) - 1))
            numbered = False
    span = (ns(rows[-1]["frame.time_epoch"]) - ns(rows[0]["frame.time_epoch"])) / 1e9
    info = {"packets": len(rows), "pdus": len(pdus), "span": span}
    if not numbered:
        return truth, errs, info
    try:
        derived(truth, polls, poll_frames, errs)
    except (KeyError, IndexError, TypeError) as e:
        errs.append("the truth's events refer to a poll or register it does not have (%r)" % e)
    return truth, errs, info


def derived(truth, polls, poll_frames, errs):
    """Freezes, resets, wraps (from the truth's values) and pauses (wire times)."""
    regs = {"%s:%d" % (r["group"], r["address"]): r for r in truth["registers"]}

    def value(key, n):
        r = regs[key]
        q = polls[r["group"]][n]
        i = r["address"] - q["start"]
        v = q["values"][i]
        if r["bits"] == 32:
            lo = q["values"][i + 1]
            v = v << 16 | lo if r["word_order"] == "high_first" else lo << 16 | v
        return v

    def at(ref, key, what):
        """Check a {client_port, tid, n} reference against the truth's poll n."""
        q = polls[regs[key]["group"]][ref["n"]]
        if (q["client_port"], q["tid"]) != (ref["client_port"], ref["tid"]):
            errs.append("%s %s: poll n %d is port %d tid %d, not %d/%d" % (
                key, what, ref["n"], q["client_port"], q["tid"], ref["client_port"], ref["tid"]))

    for f in truth["freezes"]:
        key = f["register"]
        a, b = f["first_unchanged"]["n"], f["last_unchanged"]["n"]
        at(f["first_unchanged"], key, "first_unchanged")
        at(f["last_unchanged"], key, "last_unchanged")
        if b - a + 1 != f["unchanged_polls"] or a < 1:
            errs.append("%s: freeze %d..%d but unchanged_polls %d" % (key, a, b, f["unchanged_polls"]))
        for n in range(a, b + 1):
            if value(key, n) != value(key, n - 1):
                errs.append("%s: poll %d changed (%d -> %d) inside a freeze"
                            % (key, n, value(key, n - 1), value(key, n)))
        last = len(polls[regs[key]["group"]]) - 1
        if f["recover"] is None:
            if b != last:
                errs.append("%s: freeze %d..%d has no recover poll but is not at the end" % (key, a, b))
        else:
            at(f["recover"], key, "recover")
            if f["recover"]["n"] != b + 1 or value(key, b + 1) == value(key, b):
                errs.append("%s: recover poll %d does not change the value" % (key, f["recover"]["n"]))
        if a >= 2 and value(key, a - 1) == value(key, a - 2):
            errs.append("%s: freeze %d..%d starts later than the first unchanged poll" % (key, a, b))
    for key, r in regs.items():
        if r["kind"] != "heartbeat":
            continue
        listed = {n for f in truth["freezes"] if f["register"] == key
                  for n in range(f["first_unchanged"]["n"], f["last_unchanged"]["n"] + 1)}
        unchanged = {n for n in range(1, len(polls[r["group"]]))
                     if value(key, n) == value(key, n - 1)}
        if listed != unchanged:
            errs.append("%s: unchanged polls %s are not in freezes, freezes list changing polls %s"
                        % (key, sorted(unchanged - listed)[:10], sorted(listed - unchanged)[:10]))
    for kind in ("resets", "wraps"):
        for e in truth[kind]:
            key, n = e["register"], e["poll"]["n"]
            at(e["poll"], key, kind)
            if (value(key, n - 1), value(key, n)) != (e["from"], e["to"]):
                errs.append("%s %s at poll %d: %d -> %d, truth %d -> %d" % (
                    key, kind, n, value(key, n - 1), value(key, n), e["from"], e["to"]))

    # Polling periods on the wire.
    pause_at = {(p["group"], p["last_before"]["n"]): p for p in truth["pauses"]}
    for g, qs in polls.items():
        period = truth["period"][g]
        for q0, q1 in zip(qs, qs[1:]):
            f0, f1 = poll_frames.get((g, q0["n"])), poll_frames.get((g, q1["n"]))
            if not f0 or not f1:
                continue
            gap = (f1["t"] - f0["t"]) / 1e9
            p = pause_at.get((g, q0["n"]))
            if p:
                if p["first_after"]["n"] != q1["n"]:
                    errs.append("pause %s: first_after n %d is not the next poll" % (g, p["first_after"]["n"]))
                if gap <= 1.5 * period:
                    errs.append("pause %s after n %d: gap %.3f s, not > %.3f" % (g, q0["n"], gap, 1.5 * period))
            elif gap >= 1.5 * period:
                errs.append("%s: gap %.3f s between polls %d and %d (period %.3f) is not a pause of the truth"
                            % (g, gap, q0["n"], q1["n"], period))
    for p in truth["pauses"]:
        for ref in (p["last_before"], p["first_after"]):
            q = polls[p["group"]][ref["n"]]
            if (q["client_port"], q["tid"]) != (ref["client_port"], ref["tid"]):
                errs.append("pause %s: poll n %d is not port %d tid %d" % (p["group"], ref["n"], ref["client_port"], ref["tid"]))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    bad = 0
    for path in sys.argv[1:]:
        truth, errs, info = check(path)
        print("%-20s %d polls, %d writes, %d freezes, %d resets, %d wraps, %d pauses; "
              "%d packets, %d Modbus PDUs, %.3f s -> %s"
              % (truth["scenario"], len(truth["polls"]), len(truth["writes"]),
                 len(truth["freezes"]), len(truth["resets"]), len(truth["wraps"]),
                 len(truth["pauses"]), info.get("packets", 0), info.get("pdus", 0),
                 info.get("span", 0), "OK" if not errs else "%d MISMATCHES" % len(errs)))
        for e in errs[:60]:
            print("    " + e)
        if len(errs) > 60:
            print("    ... %d more" % (len(errs) - 60))
        bad += bool(errs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
