#!/usr/bin/env python3
# make_truth.py - turn an mbgen raw log and its capture into the ground truth
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: make_truth.py RAWLOG.json CAPTURE.pcap TRUTH.json

The expected outcome of each request follows from what the generator did:
  * reply (none / slow / very_slow / exception) after the injected delay D:
    answered if D < response_timeout, late if D > response_timeout;
    delayed if D > delay_threshold;
  * drop: missed if the capture went on more than response_timeout after
    the request, unanswered_at_end if it ended within it;
  * reset: the server closed (FIN) or reset (RST) the connection with the
    request pending: missed.
The only input taken from the capture is its end (the time of its last
packet). Every injected delay and every drop's distance to the end must be
far from the thresholds (MARGIN), or this script refuses to write a truth.
"""
import json
import os
import struct
import sys

DELAY_THRESHOLD = 1.0
RESPONSE_TIMEOUT = 3.0
ALT_THRESHOLD = 2.0   # the second run of the tests: -o modbus_an.delay_threshold:2.0
MARGIN = 0.15         # seconds every decisive time must stay away from a threshold
                      # (the generator adds well under 10 ms to an injected delay)


def pcap_times(path):
    """First and last packet time (epoch seconds, float) and packet count."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        else:
            magic = struct.unpack(">I", hdr[:4])[0]
            endian = ">"
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            raise SystemExit("%s: not a pcap file" % path)
        div = 1e9 if magic == 0xA1B23C4D else 1e6
        first = last = None
        n = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, frac, incl, _ = struct.unpack(endian + "IIII", rec)
            f.seek(incl, 1)
            t = sec + frac / div
            first = t if first is None else first
            last = t
            n += 1
    return first, last, n


def far(value, threshold):
    return abs(value - threshold) >= MARGIN


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    raw = json.load(open(sys.argv[1]))
    cap = sys.argv[2]
    _, cap_end, npkts = pcap_times(cap)
    if raw.get("checks_failed"):
        raise SystemExit("%s: the generator reported failures" % sys.argv[1])

    problems = []
    out = []
    for r in sorted(raw["requests"], key=lambda r: (r["t_send"], r["seq"])):
        fault = r["fault"]
        delay = r["delay"]
        exc = r["exception_code"] if fault == "exception" else None
        t = {
            "seq": r["seq"],
            "client": r["client"],
            "client_ip": r["client_ip"],
            "client_port": r["client_port"],
            "server_ip": raw["server_ip"],
            "server_port": raw["server_port"],
            "unit": r["unit"],
            "tid": r["tid"],
            "fc": r["fc"],
            "fault": fault,
            "injected_delay_s": delay if fault in ("none", "slow", "very_slow", "exception") else None,
            "exception_code": exc,
            "reset_kind": r["reset_kind"] or None,
            "reconnected_before": r["reconnect_before"],
            "client_timeout_s": r["client_timeout"],
            "t_send": r["t_send"],
            "capture_left_after_s": round(cap_end - r["t_send"], 6),
        }
        if fault in ("none", "slow", "very_slow", "exception"):
            for th in (DELAY_THRESHOLD, RESPONSE_TIMEOUT, ALT_THRESHOLD):
                if delay > 0 and not far(delay, th):
                    problems.append("seq %d: delay %.3f too close to %.1f" % (r["seq"], delay, th))
            outcome = "late" if delay > RESPONSE_TIMEOUT else "answered"
            delayed = delay > DELAY_THRESHOLD
            delayed_alt = delay > ALT_THRESHOLD
        elif fault == "drop":
            left = cap_end - r["t_send"]
            if not far(left, RESPONSE_TIMEOUT):
                problems.append("seq %d: capture ends %.3f s after the drop, too close to %.1f"
                                % (r["seq"], left, RESPONSE_TIMEOUT))
            outcome = "missed" if left > RESPONSE_TIMEOUT else "unanswered_at_end"
            delayed = delayed_alt = False
        elif fault == "reset":
            outcome = "missed"
            delayed = delayed_alt = False
        else:
            raise SystemExit("unknown fault %r" % fault)
        t["expected_outcome"] = outcome
        t["expected_delayed"] = delayed
        t["expected_delayed_at_2s"] = delayed_alt
        out.append(t)
    if problems:
        raise SystemExit("ambiguous ground truth:\n  " + "\n  ".join(problems))

    def totals(reqs, delayed_key):
        c = {k: 0 for k in ("requests", "responses", "answered", "missed", "late",
                            "unanswered_at_end", "delayed", "exceptions", "orphans",
                            "duplicates", "ambiguous")}
        for q in reqs:
            c["requests"] += 1
            c[q["expected_outcome"]] += 1
            if q["expected_outcome"] in ("answered", "late"):
                c["responses"] += 1
                if q["exception_code"] is not None:
                    c["exceptions"] += 1
            if q[delayed_key]:
                c["delayed"] += 1
        return c

    truth = {
        "capture": os.path.basename(cap),
        "scenario": raw["scenario"],
        "server_ip": raw["server_ip"],
        "server_port": raw["server_port"],
        "delay_threshold": DELAY_THRESHOLD,
        "response_timeout": RESPONSE_TIMEOUT,
        "capture_end": cap_end,
        "capture_packets": npkts,
        "decode_as": (["-d", "tcp.port==%d,mbtcp" % raw["server_port"]]
                      if raw["server_port"] != 502 else []),
        "notes": "requests in send order; outcomes are exclusive (answered/late/missed/"
                 "unanswered_at_end); delayed = response time > delay_threshold, late "
                 "ones included; exceptions are answered and carry exception_code; "
                 "expected_delayed_at_2s is the delayed flag with delay_threshold 2.0",
        "requests": out,
        "expected_totals": totals(out, "expected_delayed"),
        "expected_totals_threshold_2": totals(out, "expected_delayed_at_2s"),
    }
    with open(sys.argv[3], "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
