#!/usr/bin/env python3
# make_hb_truth.py - turn an hbgen raw log into the gen_heartbeat ground truth
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: make_hb_truth.py RAWLOG.json TRUTH.json

Takes the polls and writes as hbgen logged them (client port, transaction id,
send time, the values the server served, which hbgen already compared with
what the client received), recomputes every register value independently
from the scenario's definition and refuses to write a truth if one differs.
Then derives the events the truth lists: every run of unchanged heartbeat
values (freezes, with the poll that recovers or null), the counter reset,
the wraps and the polling pauses, and checks that they are exactly the ones
the scenario was designed to contain.
"""
import json
import sys

PERIOD = {"A1": 0.2, "A2": 0.5, "B1": 0.25}

FROZEN = {
    "A1:100": set(range(50, 60)) | {120, 121} | set(range(190, 200)),
    "A1:101": set(range(80, 85)),
    "A2:200": set(range(40, 46)),
    "B1:768": set(range(40, 52)),
}

# name, group, table, address, bits, word_order, kind (client ip / unit from the group)
REGISTERS = [
    ("hb16", "A1", "holding", 100, 16, None, "heartbeat"),
    ("hb32", "A1", "holding", 101, 32, "high_first", "heartbeat"),
    ("constant", "A1", "holding", 103, 16, None, "constant"),
    ("counter_reset", "A1", "holding", 104, 16, None, "counter_reset"),
    ("counter_wrap", "A1", "holding", 105, 16, None, "counter_wrap"),
    ("written_106", "A1", "holding", 106, 16, None, "written"),
    ("written_107", "A1", "holding", 107, 16, None, "written"),
    ("noisy", "A1", "holding", 108, 16, None, "noisy"),
    ("slow_counter", "A1", "holding", 109, 16, None, "slow_counter"),
    ("hb32", "A2", "input", 200, 32, "high_first", "heartbeat"),
    ("hb16", "B1", "holding", 768, 16, None, "heartbeat"),
    ("counter_step3", "B1", "holding", 770, 16, None, "counter_step3"),
]

# What the scenario is designed to contain (checked against what is derived).
EXPECT_FREEZES = [("A1:100", 50, 59, 60), ("A1:100", 120, 121, 122), ("A1:100", 190, 199, None),
                  ("A1:101", 80, 84, 85), ("A2:200", 40, 45, 46), ("B1:768", 40, 51, 52)]
EXPECT_RESETS = [("A1:104", 100, 599, 0)]
EXPECT_WRAPS = [("A1:101", 16, 65535, 65536), ("A1:105", 36, 65535, 0)]
EXPECT_PAUSES = [("A2", 23, 24, 12)]
EXPECT_POLLS = {"A1": 200, "A2": 68, "B1": 160}


def ticks(n, frozen):
    return sum(1 for m in range(1, n + 1) if m not in frozen)


def expected_values(group, n, written):
    if group == "A1":
        hb32 = 0xFFF0 + ticks(n, FROZEN["A1:101"])
        return [1000 + ticks(n, FROZEN["A1:100"]), hb32 >> 16, hb32 & 0xFFFF, 7,
                500 + n if n < 100 else n - 100, (65500 + n) % 65536,
                written[0], written[1], 230 + ((n * 7919) % 61) - 30, n // 5]
    if group == "A2":
        v = 70000 + ticks(n, FROZEN["A2:200"])
        return [v >> 16, v & 0xFFFF]
    if group == "B1":
        v = [0] * 20
        v[0] = ticks(n, FROZEN["B1:768"])
        v[2] = (3 * n) % 65536
        return v
    raise ValueError(group)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raw = json.load(open(sys.argv[1]))
    if raw.get("checks_failed"):
        raise SystemExit("%s: hbgen reported failures" % sys.argv[1])
    reqs = sorted(raw["requests"], key=lambda r: r["t_send"])
    problems = []

    # Register values, recomputed (106/107: the last write the client sent before).
    written = [0, 0]
    by_group = {g: [] for g in PERIOD}
    for r in sorted(reqs, key=lambda r: (r["client"], r["t_send"])):
        if r["served"] is None or r["received"] != r["served"] and r["group"] != "W":
            problems.append("%s n %d: client and server disagree" % (r["group"], r["n"]))
        if r["group"] == "W":
            for i, v in enumerate(r["written"]):
                written[r["start"] - 106 + i] = v
            if r["served"] != r["written"]:
                problems.append("write n %d: server stored %s" % (r["n"], r["served"]))
            continue
        want = expected_values(r["group"], r["n"], written)
        if r["served"] != want:
            problems.append("%s n %d: served %s, expected %s" % (r["group"], r["n"], r["served"], want))
        by_group[r["group"]].append(r)
    for g, polls in by_group.items():
        if [p["n"] for p in polls] != list(range(EXPECT_POLLS[g])):
            problems.append("%s: polls n %s..., want 0..%d" % (g, [p["n"] for p in polls][:5],
                                                               EXPECT_POLLS[g] - 1))

    def ref(p):
        return {"client_port": p["client_port"], "tid": p["tid"], "n": p["n"]}

    def value(p, reg):
        _, g, _, addr, bits, _, _ = reg
        i = addr - p["start"]
        v = p["served"][i]
        return (v << 16 | p["served"][i + 1]) if bits == 32 else v

    regs = []
    freezes, resets, wraps = [], [], []
    for reg in REGISTERS:
        name, g, table, addr, bits, order, kind = reg
        polls = by_group[g]
        regs.append({"name": name, "group": g, "client_ip": polls[0]["client_ip"],
                     "unit": polls[0]["unit"], "table": table, "address": addr, "bits": bits,
                     "word_order": order, "kind": kind})
        key = "%s:%d" % (g, addr)
        vals = [value(p, reg) for p in polls]
        if kind == "heartbeat":
            n = 1
            while n < len(vals):
                if vals[n] != vals[n - 1]:
                    n += 1
                    continue
                first = n
                while n < len(vals) and vals[n] == vals[n - 1]:
                    n += 1
                freezes.append({"register": key, "first_unchanged": ref(polls[first]),
                                "last_unchanged": ref(polls[n - 1]),
                                "recover": ref(polls[n]) if n < len(vals) else None,
                                "unchanged_polls": n - first})
        for n in range(1, len(vals)):
            a, b = vals[n - 1], vals[n]
            if kind == "counter_reset" and b < a:
                resets.append({"register": key, "poll": ref(polls[n]), "from": a, "to": b})
            if kind in ("counter_wrap", "heartbeat") and (a & 0xFFFF) == 0xFFFF and (b & 0xFFFF) == 0:
                wraps.append({"register": key, "poll": ref(polls[n]), "from": a, "to": b})
    wraps.sort(key=lambda w: w["register"])

    pauses = []
    for g, polls in by_group.items():
        for a, b in zip(polls, polls[1:]):
            gap = b["t_sched"] - a["t_sched"]
            if gap > 1.5 * PERIOD[g]:
                pauses.append({"group": g, "last_before": ref(a), "first_after": ref(b),
                               "skipped_polls": round(gap / PERIOD[g]) - 1})

    got = [(f["register"], f["first_unchanged"]["n"], f["last_unchanged"]["n"],
            f["recover"]["n"] if f["recover"] else None) for f in freezes]
    if got != EXPECT_FREEZES:
        problems.append("freezes %s, designed %s" % (got, EXPECT_FREEZES))
    got = [(x["register"], x["poll"]["n"], x["from"], x["to"]) for x in resets]
    if got != EXPECT_RESETS:
        problems.append("resets %s, designed %s" % (got, EXPECT_RESETS))
    got = [(x["register"], x["poll"]["n"], x["from"], x["to"]) for x in wraps]
    if got != EXPECT_WRAPS:
        problems.append("wraps %s, designed %s" % (got, EXPECT_WRAPS))
    got = [(x["group"], x["last_before"]["n"], x["first_after"]["n"], x["skipped_polls"])
           for x in pauses]
    if got != EXPECT_PAUSES:
        problems.append("pauses %s, designed %s" % (got, EXPECT_PAUSES))
    if problems:
        raise SystemExit("make_hb_truth.py: refusing to write a truth:\n  "
                         + "\n  ".join(problems[:40]))

    truth = {
        "scenario": raw["scenario"],
        "server": raw["server_ip"],
        "port": raw["server_port"],
        "polls": [{"group": r["group"], "n": r["n"], "client_ip": r["client_ip"],
                   "client_port": r["client_port"], "tid": r["tid"], "unit": r["unit"],
                   "fc": r["fc"], "start": r["start"], "count": r["count"],
                   "t_send": r["t_send"], "values": r["served"]}
                  for r in reqs if r["group"] != "W"],
        "writes": [{"client_ip": r["client_ip"], "client_port": r["client_port"],
                    "tid": r["tid"], "unit": r["unit"], "fc": r["fc"], "start": r["start"],
                    "values": r["written"], "t_send": r["t_send"]}
                   for r in reqs if r["group"] == "W"],
        "registers": regs,
        "freezes": freezes,
        "resets": resets,
        "wraps": wraps,
        "pauses": pauses,
        "period": PERIOD,
    }
    # One poll / write / register / event per line.
    with open(sys.argv[2], "w") as f:
        f.write("{\n")
        for i, (k, v) in enumerate(truth.items()):
            f.write(" %s: " % json.dumps(k))
            if isinstance(v, list) and v:
                f.write("[\n" + ",\n".join("  " + json.dumps(x) for x in v) + "\n ]")
            else:
                f.write(json.dumps(v))
            f.write(",\n" if i + 1 < len(truth) else "\n")
        f.write("}\n")
    json.load(open(sys.argv[2]))


if __name__ == "__main__":
    main()
