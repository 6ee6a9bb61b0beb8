#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""compare.py - the same request/response timing done by modbus_an, TRANSUM, MATE and scapy.
Run it as bench/compare.sh.

Usage: bench/compare.sh [--workload NAME] [--runs N] [--json FILE] [--so PATH]
                        [--threshold S] [--timeout S] [--keep DIR]
  --workload   default modbus-lossy-100k (any name of bench/workloads.py, or a .pcap path)
  --runs       timed runs per tool, interleaved (default 3; the answers come from the last)
  --threshold  delayed above this response time (default 1.0 s, modbus_an's delay_threshold)
  --timeout    missed / late after this (default 3.0 s, modbus_an's response_timeout)
  --keep DIR   keep every tool's raw output there (default: a temporary folder, removed)

Tools (each reports: paired requests, delayed (> threshold), unanswered where it can,
response-time sum and p50/p95/max):
  modbus_an         tests/tshark.sh -q -z modbus_an,stat -z modbus_an,csv (timed; the CSV's TOTAL row), and
  modbus_an-fields  tests/tshark.sh -2 -T fields -e frame.number ... -e modbus_an.response_time
                    -Y 'modbus_an.type=="request"' (timed; the per-request answers)
  transum           tshark -2 --enable-protocol transum -o transum.tcp_port_ranges:502
                    -T fields -e transum.firstreq -e transum.art ... -Y transum.art
                    (TRANSUM is off by default and fills its fields in the second pass only)
  mate              tshark -o mate.config:bench/mate/modbus.mate -T fields -e mate.mb_trans
                    -e mate.mb_trans.Duration -e mate.mb_trans.NumOfPdus -Y mate.mb_trans
  scapy             /usr/bin/python3 bench/scapy_delayed.py (python3-scapy, PcapReader)
TRANSUM and MATE run as the calling user with Wireshark's global plugin folder (where
Debian ships transum.so and mate.so), an empty personal configuration (HOME points at an
empty folder) and, if a modbus_an is installed system-wide, --disable-protocol modbus_an.
modbus_an runs as the tests run it (tests/tshark.sh: the build under test only).

Agreement with modbus_an (the per-request answers of modbus_an-fields):
  counts (paired, delayed, unanswered) within 0.5% (at least 2), response-time sum
  within 0.5%, p50/p95/max within 1 ms; then a per-request join on the request's
  frame number, listing the requests the tool answers differently, grouped by reason.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tsrun  # noqa: E402
import workloads  # noqa: E402

SCAPY_PY = "/usr/bin/python3"
TOL_COUNT_REL, TOL_COUNT_ABS = 0.005, 2
TOL_SUM_REL = 0.005
TOL_MS = 1.0
RT_EQ_S = {"transum": 2e-6, "scapy": 2e-6, "mate": 2.5e-4}  # MATE keeps times as floats

WHY = {
    "transum": "TRANSUM measures APDUs, not Modbus transactions: all client data until the "
               "server sends is one request APDU, all server data until the client sends again "
               "one response APDU. Pipelined requests (several in flight) collapse into one pair "
               "whose ART runs from the first request to the last response; an unanswered "
               "request merges into the next request's APDU and inflates its time. It knows "
               "neither transaction ids nor units and reports nothing for unanswered requests.",
    "mate": "MATE groups by (tcp.stream, transaction id, unit) with no timeout and no function "
            "code check: a request that reuses a transaction id still pending joins that Gop "
            "(answered once), a response without an open Gop is dropped, an unanswered Gop "
            "stays open (missed and unanswered at end are not told apart); frames with several "
            "PDUs are a known weak spot (wireshark issue 19799).",
    "scapy": "No TCP reassembly (a PDU split over segments is skipped), retransmissions "
             "recognised only by a repeated sequence number, connections by 4-tuple + SYN "
             "(Wireshark's tcp.stream also splits on other evidence); otherwise the same "
             "FIFO pairing by (connection, unit, transaction id, function code) as modbus_an.",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def med(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2) if xs else None


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    return sorted_vals[max(1, math.ceil(p / 100.0 * len(sorted_vals))) - 1]


def relt(s):
    return float(s) if s else None


def summary(rts, delayed_thr, unanswered=None, extra=None):
    rts = sorted(rts)
    d = {"paired": len(rts), "delayed": sum(1 for x in rts if x > delayed_thr),
         "unanswered": unanswered, "rt_sum_s": sum(rts), "rt_p50_s": pct(rts, 50),
         "rt_p95_s": pct(rts, 95), "rt_max_s": rts[-1] if rts else None}
    d.update(extra or {})
    return d


# ---------------------------------------------------------------- parsers
def parse_stat(path):
    """The TOTAL row of -z modbus_an,csv (printed with the stat in the timed
    run) as {column: text}, or None."""
    import csv as _csv
    with open(path, errors="replace", newline="") as f:
        lines = [l for l in f if l.strip()]
    start = next((i for i, l in enumerate(lines) if l.startswith("pair,unit,")), None)
    if start is None:
        return None
    for row in _csv.DictReader(lines[start:]):
        if row.get("pair") == "TOTAL":
            return row
    return None


def parse_modbus_an_fields(path):
    """-> (list of requests: frame, stream, tid, unit, fc, outcome, resp_frame, rt;
           set of frames with responses)"""
    reqs = []
    resp_frames = set()
    with open(path, errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 9 or not p[0]:
                continue
            frame = int(p[0])
            if "request" not in p[8].split(","):
                resp_frames.add(frame)
                continue
            streams, tids, units, fcs, outs = (x.split(",") if x else [] for x in p[1:6])
            rframes = p[6].split(",") if p[6] else []
            rts = p[7].split(",") if p[7] else []
            k = 0
            for i, out in enumerate(outs):
                r = {"frame": frame, "n_in_frame": len(outs),
                     "stream": int(streams[i]) if i < len(streams) else None,
                     "tid": int(tids[i]) if i < len(tids) else None,
                     "unit": int(units[i]) if i < len(units) else None,
                     "fc": int(fcs[i]) if i < len(fcs) else None,
                     "outcome": out, "resp_frame": None, "rt": None}
                if out in ("answered", "late") and k < len(rts):
                    r["rt"] = float(rts[k])
                    r["resp_frame"] = int(rframes[k]) if k < len(rframes) else None
                    k += 1
                reqs.append(r)
    return reqs, resp_frames


def parse_transum(path):
    """-> list of APDU pairs: frame (first request segment), rt (ART), st"""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 8 or not p[6]:
                continue
            syn = len(p) > 8 and p[8].split(",")[0] in ("1", "True")
            out.append({"frame": int(p[2].split(",")[0]), "last_req": int(p[3].split(",")[0]),
                        "handshake": syn and len(p) > 9 and p[9].split(",")[0] == "0",
                        "first_rsp": int(p[4].split(",")[0]),
                        "last_rsp": int(p[5].split(",")[0]),
                        "rt": float(p[6].split(",")[0]), "st": float(p[7].split(",")[0])})
    return out


def parse_mate(path):
    """-> list of Gops: frame (first PDU), rt (Duration), pdus"""
    gops = {}
    with open(path, errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 4 or not p[1]:
                continue
            frame = int(p[0])
            ids = p[1].split(",")
            durs = p[2].split(",") if p[2] else []
            npdus = p[3].split(",") if p[3] else []
            for i, g in enumerate(ids):
                d = gops.setdefault(g, {"frame": frame, "rt": 0.0, "pdus": 0, "last": frame})
                d["frame"] = min(d["frame"], frame)
                d["last"] = max(d["last"], frame)
                if i < len(durs) and durs[i]:
                    d["rt"] = max(d["rt"], float(durs[i]))
                if i < len(npdus) and npdus[i]:
                    d["pdus"] = max(d["pdus"], int(npdus[i]))
    return list(gops.values())


def parse_scapy_tsv(path):
    reqs = []
    with open(path) as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            reqs.append({"frame": int(p[0]), "tid": int(p[3]), "unit": int(p[4]),
                         "outcome": p[6], "rt": float(p[8]) if p[8] else None,
                         "resp_frame": int(p[7]) if p[7] else None})
    return reqs


# ---------------------------------------------------------------- agreement
def close_count(a, b):
    return abs(a - b) <= max(TOL_COUNT_ABS, TOL_COUNT_REL * max(abs(b), 1))


def agreement(tool, ref):
    checks = []

    def chk(name, ok, a, b):
        checks.append({"metric": name, "tool": a, "modbus_an": b, "ok": ok})

    for m in ("paired", "delayed", "unanswered"):
        a, b = tool.get(m), ref.get(m)
        if a is None:
            checks.append({"metric": m, "tool": None, "modbus_an": b, "ok": None})
            continue
        chk(m, close_count(a, b), a, b)
    a, b = tool["rt_sum_s"], ref["rt_sum_s"]
    chk("rt_sum_s", abs(a - b) <= TOL_SUM_REL * max(b, 1e-9), a, b)
    for m in ("rt_p50_s", "rt_p95_s", "rt_max_s"):
        a, b = tool[m], ref[m]
        chk(m, a is not None and b is not None and abs(a - b) * 1000 <= TOL_MS, a, b)
    return checks


def reasons_for(req, stream_reqs, tool_name=None, tool=None, resp_frames=None):
    """Why a modbus_an request could be seen differently by another tool."""
    why = []
    if tool and tool.get("resp_frame") and resp_frames is not None and \
            tool["resp_frame"] not in resp_frames:
        why.append("%s's response segment is no Modbus PDU for Wireshark (its TCP analysis "
                   "flagged it, e.g. as a spurious retransmission, and kept it from Modbus)"
                   % tool_name)
    if req is None:
        return why or ["no modbus_an request at this frame"]
    if req["n_in_frame"] > 1:
        why.append("several PDUs in the request's frame")
    if req["outcome"] not in ("answered", "late"):
        why.append("modbus_an: %s" % req["outcome"])
    if req["outcome"] == "late":
        why.append("late (answered after response_timeout)")
    lst = stream_reqs.get(req["stream"], [])
    end = req["resp_frame"]
    prev = None
    for o in lst:
        if o["frame"] < req["frame"]:
            prev = o
        elif o is not req and o["frame"] > req["frame"]:
            if end is not None and o["frame"] < end:
                why.append("pipelined: the connection's next request left before this answer")
            break
    if prev is not None and (prev["resp_frame"] is None or prev["resp_frame"] > req["frame"]):
        why.append("sent while the connection's previous request was %s" % (
            "never answered (%s)" % prev["outcome"] if prev["resp_frame"] is None
            else "still pending"))
    lo, hi = req["frame"], end or req["frame"]
    for o in lst:
        if o is req or o["tid"] != req["tid"] or o["unit"] != req["unit"]:
            continue
        o_hi = o["resp_frame"] or o["frame"]
        if lo <= o["frame"] <= hi or o["frame"] <= lo <= o_hi:
            why.append("same transaction id and unit as another request in flight")
            break
    return why or ["other"]


def join(tool_name, tool_reqs, ref_reqs, resp_frames):
    """Per-request comparison on the request's frame number."""
    ref_by_frame = {}
    for r in ref_reqs:
        ref_by_frame.setdefault(r["frame"], []).append(r)
    tool_by_frame = {}
    for r in tool_reqs:
        tool_by_frame.setdefault(r["frame"], []).append(r)
    stream_reqs = {}
    for r in ref_reqs:
        stream_reqs.setdefault(r["stream"], []).append(r)
    for lst in stream_reqs.values():
        lst.sort(key=lambda r: r["frame"])
    groups = {}
    n_agree = 0

    def add(kind, req, frame, detail, tool=None):
        why = reasons_for(req, stream_reqs, tool_name, tool, resp_frames)
        key = "%s: %s" % (kind, "; ".join(why))
        g = groups.setdefault(key, {"count": 0, "examples": []})
        g["count"] += 1
        if len(g["examples"]) < 4:
            g["examples"].append({"frame": frame, "detail": detail})

    for frame in sorted(set(ref_by_frame) | set(tool_by_frame)):
        refs = ref_by_frame.get(frame, [])
        tools = tool_by_frame.get(frame, [])
        ref_rts = sorted(r["rt"] for r in refs if r["rt"] is not None)
        tool_rts = sorted(r["rt"] for r in tools if r["rt"] is not None)
        if len(ref_rts) == len(tool_rts) and all(abs(a - b) <= RT_EQ_S[tool_name]
                                                 for a, b in zip(ref_rts, tool_rts)):
            n_agree += max(len(refs), 1)
            continue
        main = refs[0] if refs else None
        tmain = next((t for t in tools if t["rt"] is not None), tools[0] if tools else None)
        if refs and not tool_rts and ref_rts:
            add("modbus_an pairs it, %s does not" % tool_name, main, frame,
                "modbus_an rt %.6f s" % ref_rts[0])
        elif tool_rts and not ref_rts:
            add("%s pairs it, modbus_an does not" % tool_name, main, frame,
                "%s rt %.6f s%s" % (tool_name, tool_rts[0], " with frame %d" % tmain[
                    "resp_frame"] if tmain and tmain.get("resp_frame") else ""), tmain)
        elif len(tool_rts) != len(ref_rts):
            add("different number of pairs in the frame", main, frame,
                "modbus_an %s, %s %s" % (ref_rts, tool_name, tool_rts))
        else:
            d = max(abs(a - b) for a, b in zip(ref_rts, tool_rts))
            add("response time differs", main, frame,
                "modbus_an %.6f s, %s %.6f s (%+.3f ms)" % (
                    ref_rts[0], tool_name, tool_rts[0], 1000 * (tool_rts[0] - ref_rts[0])),
                tmain)
    return {"agreeing_request_frames": n_agree,
            "groups": dict(sorted(groups.items(), key=lambda kv: -kv[1]["count"]))}


# ---------------------------------------------------------------- main
def main(argv):
    o = {"workload": "modbus-lossy-100k", "runs": 3, "json": None, "so": None,
         "threshold": 1.0, "timeout": 3.0, "keep": None}
    it = iter(argv)
    for a in it:
        if a in ("--workload", "--runs", "--json", "--so", "--threshold", "--timeout", "--keep"):
            o[a[2:]] = next(it)
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            sys.exit("compare: unknown argument %r (--help)" % a)
    runs = int(o["runs"])
    thr, tmo = float(o["threshold"]), float(o["timeout"])
    if not os.path.exists(SCAPY_PY) or subprocess.run(
            [SCAPY_PY, "-c", "import scapy"], stderr=subprocess.DEVNULL).returncode:
        sys.exit("compare: scapy is missing for %s: apt-get install python3-scapy" % SCAPY_PY)
    if o["workload"].endswith(".pcap"):
        pcap = os.path.abspath(o["workload"])
        info = {"name": os.path.basename(pcap), "file": pcap}
    else:
        info = workloads.ensure(o["workload"], os.environ.get(
            "MODBUS_AN_BENCH_CACHE", os.path.join(tsrun.REPO, "build-bench")))
        pcap = info["file"]
    runner = tsrun.Runner(so=o["so"])
    keep = o["keep"]
    out = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="modbus_an_compare.")
    os.makedirs(out, exist_ok=True)
    os.chmod(out, 0o755)
    empty_home = tempfile.mkdtemp(prefix="modbus_an_compare_home.")
    gl_env = dict(os.environ, HOME=empty_home, XDG_CONFIG_HOME=empty_home)
    gl_env.pop("WIRESHARK_PLUGIN_DIR", None)
    protos = subprocess.run(["tshark", "-G", "protocols"], env=gl_env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True).stdout
    plugins = subprocess.run(["tshark", "-G", "plugins"], env=gl_env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
    for need in ("transum.so", "mate.so"):
        if need not in plugins:
            sys.exit("compare: %s is not loaded from Wireshark's global plugin folder" % need)
    disable = ["--disable-protocol", "modbus_an"] if "\tmodbus_an\n" in protos else []
    mate_cfg = os.path.join(HERE, "mate", "modbus.mate")
    F = ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]

    def ef(*fields):
        r = []
        for x in fields:
            r += ["-e", x]
        return r

    tools = [
        ("modbus_an", "wrapper", ["-r", pcap, "-q", "-z", "modbus_an,stat", "-z", "modbus_an,csv"], "stat.txt"),
        ("modbus_an-fields", "wrapper", ["-2", "-r", pcap] + F + ef(
            "frame.number", "modbus_an.stream", "modbus_an.transaction_id", "modbus_an.unit_id",
            "modbus_an.function_code", "modbus_an.outcome", "modbus_an.response_frame",
            "modbus_an.response_time", "modbus_an.type") + ["-Y", "modbus_an.type"],
         "modbus_an.tsv"),
        ("transum", "direct", ["tshark", "-2", "-r", pcap] + disable + [
            "--enable-protocol", "transum", "-o", "transum.tcp_port_ranges:502"] + F + ef(
            "frame.number", "tcp.stream", "transum.firstreq", "transum.lastreq",
            "transum.firstrsp", "transum.lastrsp", "transum.art", "transum.st",
            "tcp.flags.syn", "tcp.len") +
            ["-Y", "transum.art"], "transum.tsv"),
        ("mate", "direct", ["tshark", "-r", pcap] + disable + [
            "-o", "mate.config:" + mate_cfg] + F + ef(
            "frame.number", "mate.mb_trans", "mate.mb_trans.Duration",
            "mate.mb_trans.NumOfPdus") + ["-Y", "mate.mb_trans"], "mate.tsv"),
        ("scapy", "direct", [SCAPY_PY, os.path.join(HERE, "scapy_delayed.py"), pcap,
                             "--threshold", str(thr), "--timeout", str(tmo),
                             "--requests", os.path.join(out, "scapy.tsv"),
                             "--json", os.path.join(out, "scapy.json")], "scapy.out"),
    ]
    prefs = [] if (thr, tmo) == (1.0, 3.0) else [
        "-o", "modbus_an.delay_threshold:%g" % thr, "-o", "modbus_an.response_timeout:%g" % tmo]
    timing = {t[0]: [] for t in tools}
    t0 = time.time()
    try:
        for r in range(runs):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            log("round %d/%d: %s" % (r + 1, runs, " ".join(t[0] for t in order)))
            for name, how, args, outname in order:
                dst = os.path.join(out, outname)
                if how == "wrapper":
                    x = runner.run(args + prefs, stdout=dst)
                else:
                    x = runner.run_direct(args, stdout=dst, env=gl_env)
                timing[name].append(x)
    finally:
        runner.close()
        shutil.rmtree(empty_home, ignore_errors=True)

    # ------------------------------------------------------------ answers
    stat = parse_stat(os.path.join(out, "stat.txt"))
    ref_reqs, ref_resp_frames = parse_modbus_an_fields(os.path.join(out, "modbus_an.tsv"))
    ref = summary([r["rt"] for r in ref_reqs if r["rt"] is not None], thr,
                  unanswered=sum(1 for r in ref_reqs if r["outcome"] in
                                 ("missed", "unanswered_at_end")),
                  extra={"requests": len(ref_reqs),
                         "missed": sum(1 for r in ref_reqs if r["outcome"] == "missed"),
                         "unanswered_at_end": sum(1 for r in ref_reqs
                                                  if r["outcome"] == "unanswered_at_end"),
                         "late": sum(1 for r in ref_reqs if r["outcome"] == "late")})
    answers = {"modbus_an-fields": ref}
    if stat:
        req, answ, late = int(stat["requests"]), int(stat["answered"]), int(stat["late"])
        answers["modbus_an"] = {
            "paired": answ + late, "delayed": int(stat["delayed"]),
            "unanswered": int(stat["missed"]) + int(stat["unanswered_at_end"]),
            "rt_sum_s": float(stat["rt_avg"]) * (answ + late),
            "rt_p50_s": float(stat["rt_p50"]), "rt_p95_s": float(stat["rt_p95"]),
            "rt_max_s": float(stat["rt_max"]), "requests": req,
            "missed": int(stat["missed"]), "unanswered_at_end": int(stat["unanswered_at_end"]), "late": late,
            "exceptions": int(stat["exceptions"]), "orphans": int(stat["orphans"]),
            "duplicates": int(stat["duplicates"]), "ambiguous": int(stat["ambiguous"]),
            "note": "from the TOTAL row of -z modbus_an,csv (RT sum = rt_avg x paired, rounded to 1 ns)"}
    tr_all = parse_transum(os.path.join(out, "transum.tsv"))
    tr = [x for x in tr_all if not x["handshake"]]
    answers["transum"] = summary([x["rt"] for x in tr], thr, extra={
        "st_sum_s": sum(x["st"] for x in tr),
        "handshake_pairs_excluded": len(tr_all) - len(tr),
        "note": "paired = APDU pairs with data (TRANSUM also reports every TCP handshake, "
                "SYN -> SYN/ACK, as a pair: excluded here); rt = transum.art (first request "
                "segment to last response segment); unanswered: not reported"})
    mg = parse_mate(os.path.join(out, "mate.tsv"))
    answered_g = [g for g in mg if g["pdus"] >= 2]
    answers["mate"] = summary([g["rt"] for g in answered_g], thr,
                              unanswered=sum(1 for g in mg if g["pdus"] < 2), extra={
        "gops": len(mg), "gops_with_more_than_2_pdus": sum(1 for g in mg if g["pdus"] > 2),
        "note": "paired = Gops with >= 2 PDUs; rt = the Gop's Duration; unanswered = "
                "Gops of 1 PDU"})
    sj = json.load(open(os.path.join(out, "scapy.json")))
    sreq = parse_scapy_tsv(os.path.join(out, "scapy.tsv"))
    answers["scapy"] = {"paired": sj["paired"], "delayed": sj["delayed"],
                        "unanswered": sj["missed"] + sj["unanswered_at_end"],
                        "rt_sum_s": sj["rt_sum_s"], "rt_p50_s": sj["rt_p50_s"],
                        "rt_p95_s": sj["rt_p95_s"], "rt_max_s": sj["rt_max_s"],
                        "requests": sj["requests"], "missed": sj["missed"],
                        "unanswered_at_end": sj["unanswered_at_end"], "late": sj["late"],
                        "orphans": sj["orphans"], "exceptions": sj["exceptions"],
                        "retransmissions_skipped": sj["retransmissions_skipped"],
                        "unparsed_segments": sj["unparsed_segments"]}
    answers["scapy-seed-logic"] = dict(sj["seed_logic"], unanswered=None, note=(
        "the seed script's own logic, same pass: one dict keyed by transaction id only"))

    # ------------------------------------------------------------ report
    pk = info.get("packets")
    print("compare: %s (%s packets, %s Modbus PDUs); delayed > %g s, missed after %g s; "
          "%d timed runs per tool, interleaved" % (info["name"], pk, info.get("modbus_pdus"),
                                                   thr, tmo, runs))
    print("plugin %s (sha256 %s); raw outputs in %s%s" % (
        runner.source_so, runner.sha256[:16], out, "" if keep else " (removed at the end)"))
    print()
    print("%-17s %7s %7s %8s  %7s %7s %10s %10s %9s %9s %9s" % (
        "tool", "wall_s", "cpu_s", "RSS_MiB", "paired", "delayed", "unanswered", "rt_sum_s",
        "p50_ms", "p95_ms", "max_ms"))
    order = ["modbus_an", "modbus_an-fields", "transum", "mate", "scapy", "scapy-seed-logic"]
    for name in order:
        a = answers.get(name)
        if a is None:
            continue
        tm = timing.get(name)
        w = med([x["wall"] for x in tm]) if tm else None
        c = med([x["cpu"] for x in tm]) if tm else None
        m = med([x["maxrss_kib"] for x in tm]) / 1024 if tm else None
        a["timing"] = {"median_wall_s": w, "median_cpu_s": c, "median_maxrss_mib": m,
                       "runs": tm} if tm else None

        def f(v, fmt):
            return fmt % v if v is not None else "-"
        print("%-17s %7s %7s %8s  %7s %7s %10s %10s %9s %9s %9s" % (
            name, f(w, "%.2f"), f(c, "%.2f"), f(m, "%.1f"), a["paired"], a["delayed"],
            f(a.get("unanswered"), "%d"), f(a["rt_sum_s"], "%.3f"),
            f(a["rt_p50_s"] and a["rt_p50_s"] * 1000, "%.3f"),
            f(a["rt_p95_s"] and a["rt_p95_s"] * 1000, "%.3f"),
            f(a["rt_max_s"] and a["rt_max_s"] * 1000, "%.3f")))
    print("(modbus_an: the -z modbus_an,stat TOTAL row; modbus_an-fields: per-request fields "
          "with -2, the reference below;\n scapy-seed-logic: not timed separately, computed in "
          "scapy's pass)")

    # consistency of modbus_an's two outputs
    if "modbus_an" in answers:
        s1, s2 = answers["modbus_an"], ref
        same = all(s1[k] == s2[k] for k in ("paired", "delayed", "unanswered")) and \
            abs(s1["rt_sum_s"] - s2["rt_sum_s"]) <= 1e-6 * s2["paired"] + 1e-3
        print("\nmodbus_an -z stat TOTAL vs its per-request fields: %s" % (
            "consistent" if same else "DIFFERENT: %s vs %s" % (
                {k: s1[k] for k in ("paired", "delayed", "unanswered", "rt_sum_s")},
                {k: s2[k] for k in ("paired", "delayed", "unanswered", "rt_sum_s")})))
    print("\nAgreement with modbus_an (counts within %.1f%% or %d, RT sum within %.1f%%, "
          "percentiles within %g ms):" % (100 * TOL_COUNT_REL, TOL_COUNT_ABS,
                                          100 * TOL_SUM_REL, TOL_MS))
    results = {"workload": info, "threshold_s": thr, "timeout_s": tmo, "runs": runs,
               "env": tsrun.environment(runner), "answers": answers, "agreement": {},
               "raw_dir": out if keep else None, "seconds": round(time.time() - t0, 1)}
    tool_reqs = {
        "transum": [{"frame": x["frame"], "rt": x["rt"], "resp_frame": x["last_rsp"]}
                    for x in tr],
        "mate": [{"frame": g["frame"], "rt": g["rt"] if g["pdus"] >= 2 else None,
                  "resp_frame": g["last"] if g["pdus"] >= 2 else None} for g in mg],
        "scapy": sreq,
    }
    for name in ("transum", "mate", "scapy", "scapy-seed-logic"):
        checks = agreement(answers[name], ref)
        ok = all(c["ok"] is not False for c in checks)
        bad = [c for c in checks if c["ok"] is False]
        na = [c["metric"] for c in checks if c["ok"] is None]
        print("  %-17s %s%s" % (name, "AGREES" if ok else "DISAGREES",
                                " (not reported: %s)" % ", ".join(na) if na else ""))
        for c in bad:
            fmt = "%.6f" if isinstance(c["tool"], float) else "%s"
            print("      %-11s %s vs modbus_an %s" % (c["metric"], fmt % c["tool"],
                                                     fmt % c["modbus_an"]))
        entry = {"agrees": ok, "checks": checks}
        if name in tool_reqs:
            j = join(name, tool_reqs[name], ref_reqs, ref_resp_frames)
            entry["per_request"] = j
            print("      per request (joined on the request frame; response times equal within "
                  "%g ms): %d frames agree; disagreements:" % (
                      RT_EQ_S[name] * 1000, j["agreeing_request_frames"]))
            if not j["groups"]:
                print("        none")
            for k, g in j["groups"].items():
                ex = ", ".join("%d (%s)" % (e["frame"], e["detail"]) for e in g["examples"][:2])
                print("        %6d  %s\n                e.g. frame %s" % (g["count"], k, ex))
            print("      why: " + WHY[name])
        results["agreement"][name] = entry
    if o["json"]:
        with open(o["json"], "w") as f:
            json.dump(results, f, indent=1, default=str)
        print("\nJSON: " + o["json"])
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
