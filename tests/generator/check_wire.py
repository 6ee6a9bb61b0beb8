#!/usr/bin/env python3
# check_wire.py - check ground-truth files against their captures with plain tshark
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: check_wire.py TRUTH.json...

Uses plain tshark (no plugin involved; as root tshark ignores personal
plugins anyway) and Wireshark's own Modbus/TCP dissector to confirm that
every request of the truth is on the wire once, with the recorded client
port, transaction id, unit and function code; that answered/late requests
have exactly one response (with the exception code, if any) whose response
time matches the injected delay and Wireshark's modbus.response_time; that
dropped and reset requests have none; that a reset request is followed by
the server's FIN/RST; and that no other Modbus PDU is in the capture.
Exit status 1 on any mismatch.
"""
import json
import os
import subprocess
import sys
from collections import Counter

FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "tcp.srcport",
          "tcp.dstport", "tcp.stream", "tcp.flags.fin", "tcp.flags.reset",
          "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code",
          "modbus.exception_code", "modbus.response_time", "modbus.request_frame"]
SLACK = 0.1   # a response may come this much later than the injected delay


def ns(s):
    """'1700000000.123456789' -> integer nanoseconds (exact)."""
    whole, _, frac = s.partition(".")
    return int(whole) * 1000000000 + int((frac + "000000000")[:9])


def wire(capture, port):
    args = ["tshark", "-r", capture, "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a"]
    if port != 502:
        # Wireshark classifies query/response by its mbtcp.tcp.port pref.
        args += ["-o", "mbtcp.tcp.port:%d" % port]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        rows.append(v)
    return rows


def check(truth_path):
    errs = []
    truth = json.load(open(truth_path))
    cap = os.path.join(os.path.dirname(truth_path), truth["capture"])
    port = truth["server_port"]
    rows = wire(cap, port)
    end_ns = ns(rows[-1]["frame.time_epoch"])
    if abs(end_ns / 1e9 - truth["capture_end"]) > 1e-5:
        errs.append("capture end %.6f != truth %.6f" % (end_ns / 1e9, truth["capture_end"]))

    pdus = []
    for r in rows:
        if not r.get("mbtcp.trans_id"):
            continue
        if "," in r["mbtcp.trans_id"]:
            errs.append("frame %s carries several PDUs" % r["frame.number"])
            continue
        pdus.append({
            "frame": int(r["frame.number"]), "t": ns(r["frame.time_epoch"]),
            "src": r["ip.src"] or r["ipv6.src"], "sport": int(r["tcp.srcport"]),
            "dport": int(r["tcp.dstport"]), "stream": int(r["tcp.stream"]),
            "tid": int(r["mbtcp.trans_id"]), "unit": int(r["mbtcp.unit_id"]),
            "fc": int(r["modbus.func_code"]),
            "exc": int(r["modbus.exception_code"]) if r["modbus.exception_code"] else None,
            "ws_rt": r["modbus.response_time"] or None,
            "ws_req": int(r["modbus.request_frame"]) if r["modbus.request_frame"] else None,
        })
    used = set()
    outcomes = Counter()
    for q in truth["requests"]:
        tag = "seq %d (%s, port %d tid %d)" % (q["seq"], q["fault"], q["client_port"], q["tid"])
        outcomes[q["expected_outcome"]] += 1
        reqs = [p for p in pdus if p["dport"] == port and p["sport"] == q["client_port"]
                and p["src"] == q["client_ip"] and p["tid"] == q["tid"]
                and p["unit"] == q["unit"] and p["fc"] == q["fc"]]
        if len(reqs) != 1:
            errs.append("%s: %d request frames on the wire" % (tag, len(reqs)))
            continue
        rq = reqs[0]
        used.add(rq["frame"])
        resps = [p for p in pdus if p["sport"] == port and p["dport"] == q["client_port"]
                 and p["stream"] == rq["stream"] and p["tid"] == q["tid"]
                 and p["unit"] == q["unit"] and p["fc"] == q["fc"]]
        out = q["expected_outcome"]
        if out in ("answered", "late"):
            if len(resps) != 1:
                errs.append("%s: %d responses, want 1" % (tag, len(resps)))
                continue
            rs = resps[0]
            used.add(rs["frame"])
            # modbus.func_code is shown without the exception bit; an
            # exception response carries modbus.exception_code.
            if rs["fc"] != q["fc"] or rs["exc"] != q["exception_code"]:
                errs.append("%s: response fc %d exc %s, want fc %d exc %s"
                            % (tag, rs["fc"], rs["exc"], q["fc"], q["exception_code"]))
            rt = (rs["t"] - rq["t"]) / 1e9
            d = q["injected_delay_s"]
            if not (d - 0.001 <= rt <= d + SLACK):
                errs.append("%s: response time %.6f, injected %.3f" % (tag, rt, d))
            if (rt > truth["response_timeout"]) != (out == "late"):
                errs.append("%s: response time %.6f but outcome %s" % (tag, rt, out))
            if (rt > truth["delay_threshold"]) != q["expected_delayed"]:
                errs.append("%s: response time %.6f but delayed %s" % (tag, rt, q["expected_delayed"]))
            if rs["ws_rt"] is not None:
                if abs(ns(rs["ws_rt"]) - (rs["t"] - rq["t"])) > 1000:
                    errs.append("%s: Wireshark response time %s != %.9f" % (tag, rs["ws_rt"], rt))
                if rs["ws_req"] != rq["frame"]:
                    errs.append("%s: Wireshark request frame %s != %d" % (tag, rs["ws_req"], rq["frame"]))
            elif q["exception_code"] is None:
                errs.append("%s: Wireshark did not pair the response" % tag)
        else:
            if resps:
                errs.append("%s: %d responses on the wire, want none" % (tag, len(resps)))
            left = (end_ns - rq["t"]) / 1e9
            closes = [r for r in rows if r["tcp.stream"] == str(rq["stream"])
                      and int(r["tcp.srcport"]) == port and ns(r["frame.time_epoch"]) > rq["t"]
                      and (r["tcp.flags.fin"] in ("1", "True") or r["tcp.flags.reset"] in ("1", "True"))]
            if q["fault"] == "reset":
                kind = "tcp.flags.reset" if q["reset_kind"] == "rst" else "tcp.flags.fin"
                if not any(r[kind] in ("1", "True") for r in closes):
                    errs.append("%s: no %s from the server after the request" % (tag, q["reset_kind"]))
            elif out == "missed":
                if left <= truth["response_timeout"] + 0.2:
                    errs.append("%s: capture goes on only %.3f s after the drop" % (tag, left))
            elif out == "unanswered_at_end":
                if left >= truth["response_timeout"] - 0.2 or closes:
                    errs.append("%s: %.3f s left / server closed: not unanswered_at_end" % (tag, left))
    extra = [p["frame"] for p in pdus if p["frame"] not in used]
    if extra:
        errs.append("Modbus PDUs not in the truth: frames %s" % extra[:20])
    return truth, outcomes, errs


def main():
    bad = 0
    for path in sys.argv[1:]:
        truth, outcomes, errs = check(path)
        tot = truth["expected_totals"]
        print("%-20s %3d requests: %s; delayed %d (%d at 2.0 s), exceptions %d -> %s"
              % (truth["scenario"], len(truth["requests"]),
                 ", ".join("%s %d" % (k, outcomes[k]) for k in
                           ("answered", "late", "missed", "unanswered_at_end") if outcomes[k]),
                 tot["delayed"], truth["expected_totals_threshold_2"]["delayed"],
                 tot["exceptions"], "OK" if not errs else "%d MISMATCHES" % len(errs)))
        for e in errs:
            print("    " + e)
        bad += bool(errs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
