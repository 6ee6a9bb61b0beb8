#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Poll groups, watched registers, the registers CSV export and the
configuration files (core/ma_regs.c, ma_watch.c, ma_hbconf.c; the
modbus_an.poll.* and modbus_an.reg.* fields of postdissector/regs_ui.c; the
Poll groups and Watched registers sections of tap/ma_regs_report.c; the CSV
of tap/regs_export.c) against the ground truth of
tests/captures/gen/gen_heartbeat.pcap (gen_heartbeat.truth.json, written by
tests/generator/make_hb_truth.py).

Every expected number comes from the truth file and from Wireshark's own
fields of the capture, never from modbus_an's output; the documented rules
(poll groups, gaps, missed polls, cadence, jitter, watched-register
observations) are recomputed in Python by tests/lib/hbcheck.py, whose
docstring states them.

Configurations: the modbus_an_registers UAT from the command line (with
hb_defs.json), every malformed file in tests/fixtures/hb/bad/ (plus
tests/fixtures/hb/mixed/: a valid entry before a bad one - the whole file
must be rejected), the engineers' example files and the good fixtures.

Heartbeats are checked by tests/test_heartbeats.py.

Runs tests/tshark.sh --prove-loaded first and fails if the freshly built
plugin is not the one tshark loads.

Usage: python3 tests/test_registers.py [-v] [unittest args]
"""
import glob
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import mbtshark  # noqa: E402
import hbcheck  # noqa: E402
from hbcheck import (DEFS_ARGS, FIX, GAP_FACTOR, MAIN_ARGS, MONITOR_ARGS, TOL_NS, WATCHES,  # noqa: E402
                     check_csv_hb, expected_hbs, expected_watch, flag, group_model, parse_groups,
                     parse_heartbeats, parse_watches, pdml_regs, pref, report, stat_and_csv, to_ns,
                     us_text)

# Like the other suites: the plugin under test is $MODBUS_AN_SO (ctest sets
# it), else build/modbus_an.so; tests/tshark.sh reads the same variable.
os.environ.setdefault("MODBUS_AN_SO", os.path.join(REPO, "build", "modbus_an.so"))

HB_DEFS_EXAMPLE = os.path.join(FIX, "hb_defs_example.json")
PCAP_MONITOR_EXAMPLE = os.path.join(FIX, "pcap_monitor_example.json")
BAD_DIR = os.path.join(FIX, "bad")
MIXED_DIR = os.path.join(FIX, "mixed")

T = None   # the truth (hbcheck.Truth), set by setUpModule


def setUpModule():
    global T
    mbtshark.prove_loaded()
    T = hbcheck.setup()


def tearDownModule():
    hbcheck.teardown()


# ================================================================ tests

class T7PollGroups(unittest.TestCase):
    def setUp(self):
        self.text = stat_and_csv(MAIN_ARGS)[0]
        self.rows, self.gaps = parse_groups(self.text)

    def test_groups_table(self):
        self.assertEqual(len(self.rows), 3)
        self.assertEqual(self.text["one_off_reads"], 0)
        by_idx = {r["idx"]: r for r in self.rows}
        for g, polls in T.groups.items():
            row = by_idx.get(T.group_index[g])
            self.assertIsNotNone(row, g)
            p0 = polls[0]
            recs, tot = group_model(T.req_ts(g), T.capture_end)
            req_ts = T.req_ts(g)
            want = dict(pair=T.pair_label(g), unit=p0["unit"], fc=p0["fc"], start=p0["start"], count=p0["count"],
                        polls=len(polls), answers=len(polls), gaps=len(tot["gaps"]), missed=tot["missed"],
                        first=us_text(req_ts[0]), last=us_text(req_ts[-1]),
                        state="STOPPED before end" if tot["stopped"] else "polled to end")
            for k, v in want.items():
                self.assertEqual(row[k], v, "%s %s" % (g, k))
            self.assertAlmostEqual(row["cadence"], tot["cadence"] / 1e9, delta=1e-6, msg=g)
            self.assertAlmostEqual(row["jitter"], tot["jitter"], delta=1e-6, msg=g)
            # the cadence is the truth's nominal period
            self.assertAlmostEqual(row["cadence"], T.t["period"][g], delta=0.005, msg=g)

    def test_gaps_are_the_truth_pauses(self):
        pauses = {p["group"]: p for p in T.t["pauses"]}
        for g in T.groups:
            recs, tot = group_model(T.req_ts(g))
            gi = T.group_index[g]
            listed = [x for x in self.gaps if x["group"] == gi]
            if g not in pauses:
                self.assertEqual(tot["gaps"], [], g)
                self.assertEqual(listed, [], g)
                continue
            pz = pauses[g]
            before, after = T.req(pz["last_before"]), T.req(pz["first_after"])
            self.assertEqual(len(tot["gaps"]), 1, g)
            i, period, cad = tot["gaps"][0]
            self.assertEqual(T.req_frames(g)[i], after)
            self.assertEqual(tot["missed"], pz["skipped_polls"], "missed polls by the rule vs truth")
            self.assertEqual(len(listed), 1, g)
            x = listed[0]
            self.assertEqual((x["before"], x["after"]), (before, after))
            self.assertEqual(x["before_ts"], us_text(T.ts[before]))
            self.assertAlmostEqual(x["secs"], (T.ts[after] - T.ts[before]) / 1e9, delta=1e-6)
            self.assertAlmostEqual(x["cadence"], cad / 1e9, delta=1e-6)
            row = [r for r in self.rows if r["idx"] == gi][0]
            self.assertEqual((row["gaps"], row["missed"]), (1, pz["skipped_polls"]))

    def test_per_frame_poll_fields(self):
        frames = pdml_regs(MAIN_ARGS)
        errs = []
        seen = set()
        for g in T.groups:
            gi = T.group_index[g]
            recs, _ = group_model(T.req_ts(g))
            for rq, rs, r in zip(T.req_frames(g), T.resp_frames(g), recs):
                seen |= {rq, rs}
                item = (frames.get(rq) or {}).get("poll")
                if item is None:
                    errs.append("%s request %d: no poll group" % (g, rq))
                    continue
                if item["_show"] != str(gi):
                    errs.append("%s request %d: group %r, expected %d" % (g, rq, item["_show"], gi))
                per = item.get("modbus_an.poll.period")
                if r["period"] is None:
                    if per is not None:
                        errs.append("%s request %d: period %r on the first poll" % (g, rq, per))
                elif per is None or abs(to_ns(per) - r["period"]) > TOL_NS:
                    errs.append("%s request %d: period %r, expected %d ns" % (g, rq, per, r["period"]))
                cad = item.get("modbus_an.poll.cadence")
                if r["cadence"] is None:
                    if cad is not None:
                        errs.append("%s request %d: cadence %r on the first poll" % (g, rq, cad))
                elif cad is None or abs(to_ns(cad) - r["cadence"]) > TOL_NS:
                    errs.append("%s request %d: cadence %r, expected %d ns" % (g, rq, cad, r["cadence"]))
                gap = item.get("modbus_an.poll.gap")   # shown only when set
                if not r["gap"]:
                    if gap is not None:
                        errs.append("%s request %d: gap %r, expected none" % (g, rq, gap))
                elif gap is None or not flag(gap):
                    errs.append("%s request %d: gap %r, expected set" % (g, rq, gap))
                want_exp = ["modbus_an.poll.gap.expert"] if r["gap"] else []
                if item["experts"] != want_exp:
                    errs.append("%s request %d: experts %s, expected %s" % (g, rq, item["experts"], want_exp))
                ritem = (frames.get(rs) or {}).get("poll")
                if ritem is None or ritem["_show"] != str(gi):
                    errs.append("%s response %d: group %r" % (g, rs, ritem and ritem["_show"]))
                elif any(k in ritem for k in ("modbus_an.poll.period", "modbus_an.poll.gap",
                                              "modbus_an.poll.cadence")):
                    errs.append("%s response %d: request-only fields present" % (g, rs))
        for f, rec in frames.items():
            if rec["poll"] is not None and f not in seen:
                errs.append("frame %d: poll group %r on a frame that is no poll" % (f, rec["poll"]["_show"]))
        gap_frames = sorted(f for f, rec in frames.items() if rec["poll"] is not None
                            and rec["poll"].get("modbus_an.poll.gap") == "1")
        pz = T.t["pauses"][0]
        if gap_frames != [T.req(pz["first_after"])]:
            errs.append("gap set on %s, expected only %d" % (gap_frames, T.req(pz["first_after"])))
        report(self, errs, "poll fields")


class T8Watches(unittest.TestCase):
    """Watched registers from the modbus_an_registers UAT on the command line."""

    def setUp(self):
        self.frames = pdml_regs(MAIN_ARGS)
        self.text = stat_and_csv(MAIN_ARGS)[0]

    def test_uat_took_effect(self):
        header, watches = parse_watches(self.text)
        want = [w[0] for w in WATCHES if expected_watch(w)]
        self.assertEqual(header, "Watched registers: %d" % len(want))
        self.assertEqual(sorted(watches), sorted(want))
        self.assertNotIn("w106_unit2", watches)

    def test_writes_of_106_are_the_truth_writes(self):
        got = []
        for wr in T.writes:
            item = self.frames.get(T.req(wr), {}).get("reg", {}).get("w106")
            got.append(None if item is None else (float(item["modbus_an.reg.value"]),
                                                  item["modbus_an.reg.access"]))
        self.assertEqual(got, [(float(w["values"][0]), "write") for w in T.writes])
        self.assertEqual([w["values"][0] for w in T.writes], [11, 22, 22, 33])

    def test_per_frame_fields(self):
        errs = []
        for w in WATCHES:
            name = w[0]
            obs = expected_watch(w)
            want_frames = {o[0] for o in obs}
            for f, rec in self.frames.items():
                if name in rec["reg"] and f not in want_frames:
                    errs.append("frame %d: unexpected %s" % (f, name))
            for f, v, prev, changed, acc in obs:
                item = self.frames.get(f, {}).get("reg", {}).get(name)
                if item is None:
                    errs.append("frame %d: no %s" % (f, name))
                    continue
                want = {"modbus_an.reg.table": w[3], "modbus_an.reg.address": w[4], "modbus_an.reg.access": acc,
                        "modbus_an.reg.changed": "1" if changed else "0"}
                for k, x in want.items():
                    if item.get(k) != x:
                        errs.append("frame %d %s: %s = %r, expected %r" % (f, name, k, item.get(k), x))
                if float(item.get("modbus_an.reg.value", "nan")) != v:
                    errs.append("frame %d %s: value %r, expected %r" % (f, name, item.get("modbus_an.reg.value"), v))
                gp = item.get("modbus_an.reg.previous")
                if (prev is None) != (gp is None) or (gp is not None and float(gp) != prev):
                    errs.append("frame %d %s: previous %r, expected %r" % (f, name, gp, prev))
        report(self, errs, "watched register fields")

    def test_u32_orders(self):
        """u32 ABCD at 101 = hi << 16 | lo, CDAB = lo << 16 | hi, from the truth."""
        errs = []
        for p in T.polls("A1"):
            hi, lo = p["values"][1], p["values"][2]
            regs = self.frames.get(T.resp(p), {}).get("reg", {})
            for name, want in (("w101_abcd", hi << 16 | lo), ("w101_cdab", lo << 16 | hi)):
                got = regs.get(name, {}).get("modbus_an.reg.value")
                if got is None or float(got) != want:
                    errs.append("n=%d %s: %r, expected %d" % (p["n"], name, got, want))
        report(self, errs, "u32 byte orders")

    def test_stat_lists_exactly_the_changes(self):
        _, watches = parse_watches(self.text)
        errs = []
        for w in WATCHES:
            obs = expected_watch(w)
            if not obs:
                continue
            s = watches.get(w[0])
            if s is None:
                errs.append("%s not listed" % w[0])
                continue
            want = dict(server=T.server, port=T.port, unit=1, table=w[3], addr=int(w[4]),
                        reads=sum(o[4] == "read" for o in obs), writes=sum(o[4] == "write" for o in obs),
                        changes=sum(o[3] for o in obs), first=float(obs[0][1]), last=float(obs[-1][1]))
            for k, v in want.items():
                if s[k] != v:
                    errs.append("%s: %s = %r, expected %r" % (w[0], k, s[k], v))
            want_list = [(f, us_text(T.ts[f]), float(prev), float(v), acc)
                         for f, v, prev, changed, acc in obs if changed]
            if s["list"] != want_list:
                errs.append("%s: changes %s, expected %s" % (w[0], s["list"][:6], want_list[:6]))
        report(self, errs, "stat watched registers")

    def test_csv_rows(self):
        rows = stat_and_csv(MAIN_ARGS)[1]
        self.assertIsNotNone(rows, "the CSV was not written")
        self.assertEqual(list(rows[0].keys()) if rows else None,
                         ["frame", "time", "kind", "name", "pair", "unit", "table", "address", "access", "value",
                          "previous", "changed", "state"])
        errs = []
        for w in WATCHES:
            got = [r for r in rows if r["kind"] == "reg" and r["name"] == w[0]]
            obs = expected_watch(w)
            if len(got) != len(obs):
                errs.append("%s: %d rows, expected %d" % (w[0], len(got), len(obs)))
            for r, (f, v, prev, changed, acc) in zip(got, obs):
                want = dict(frame=str(f), time="%d.%09d" % (T.ts[f] // 10 ** 9, T.ts[f] % 10 ** 9),
                            table=w[3], address=w[4], access=acc, changed="1" if changed else "0",
                            pair="127.0.0.1 -> %s:%d" % (T.server, T.port), unit="1")
                for k, x in want.items():
                    if r[k] != x:
                        errs.append("%s frame %s: %s = %r, expected %r" % (w[0], r["frame"], k, r[k], x))
                if float(r["value"]) != v:
                    errs.append("%s frame %s: value %r, expected %r" % (w[0], r["frame"], r["value"], v))
                if (prev is None and r["previous"] != "") or (prev is not None and float(r["previous"] or "nan")
                                                               != prev):
                    errs.append("%s frame %s: previous %r, expected %r" % (w[0], r["frame"], r["previous"], prev))
        errs += check_csv_hb(rows, expected_hbs("defs"))
        report(self, errs, "registers CSV")


# --- malformed configuration files

# file -> (preference, entry at fault or None, substrings of the problem)
BAD_EXPECT = {
    "hb_defs_bad_pair.json": ("hb_defs_file", "hb3", ['"pair_id"', "192.168.112.5 to 192.168.112.10"]),
    "hb_defs_bad_unit.json": ("hb_defs_file", "hb5", ['"hb_dev_id"', "0-255", "300"]),
    "hb_defs_missing_key.json": ("hb_defs_file", "hb2", ['missing "hb_reg"']),
    "hb_defs_not_object.json": ("hb_defs_file", None, ["top level must be a JSON object"]),
    "hb_defs_reg_outside.json": ("hb_defs_file", "hb4", ['"hb_reg"', "800", "outside"]),
    "hb_defs_truncated.json": ("hb_defs_file", None, ["not valid JSON", "truncated"]),
    "pcap_monitor_bad_ip.json": ("pcap_monitor_file", "bms", ['"dest_ip"', "172.17.0.300"]),
    "pcap_monitor_bad_size.json": ("pcap_monitor_file", "bms", ['"heartbeat_size"', "4"]),
    "pcap_monitor_bad_type.json": ("pcap_monitor_file", "bms_running_info",
                                   ['"heartbeat_reg_type"', "Fancy Registers"]),
    "pcap_monitor_not_list.json": ("pcap_monitor_file", None, ['"heartbeats" must be a list']),
    "pcap_monitor_trailing.json": ("pcap_monitor_file", None, ["not valid JSON"]),
}
# Valid entries that match the capture, then a bad one: the whole file must go.
MIXED_EXPECT = {
    "hb_defs_valid_then_bad.json": ("hb_defs_file", "hb_bad_type", ['"hb_reg_type"', "7"]),
    "pcap_monitor_valid_then_bad.json": ("pcap_monitor_file", "bad_port", ['"dest_port"', "70000"]),
}


def baseline_auto():
    """The no-configuration run: stat text, CSV rows."""
    text, rows, err, rc = stat_and_csv([])
    return text, rows


def hb_rows_without_time(rows):
    return [tuple(r[k] for k in ("frame", "kind", "name", "value", "previous", "changed", "state"))
            for r in rows if r["kind"] == "hb"]


class T9Malformed(unittest.TestCase):
    def _check_bad(self, path, pref_name, entry, problems):
        text, rows, err, rc = stat_and_csv(pref(pref_name, path))
        self.assertEqual(rc, 0, "tshark exit status with %s: %s" % (path, err))
        msgs = [l for l in err.splitlines() if "modbus_an" in l]
        self.assertEqual(len(msgs), 1, "one message for %s, got: %r" % (path, err))
        msg = msgs[0]
        self.assertIn(path, msg, "the message names the file")
        if entry:
            self.assertIn(entry, msg, "the message names the entry")
        for s in problems:
            self.assertIn(s, msg, "the message names the problem")
        # no heartbeat of the file: only the auto ones, and no NOT POLLED line
        header, hbrows, np_rows, stalls = parse_heartbeats(text)
        self.assertEqual(np_rows, [], "definitions of a rejected file listed")
        self.assertTrue(all(r["source"] == "auto" for r in hbrows.values()), sorted(hbrows))
        self.assertEqual(set(hbrows), set(expected_hbs("none")))
        # ... and the analysis is otherwise the same as without the file
        base_text, base_rows = baseline_auto()
        self.assertEqual(parse_groups(text), parse_groups(base_text))
        self.assertEqual(parse_heartbeats(text)[1:], parse_heartbeats(base_text)[1:])
        self.assertEqual(hb_rows_without_time(rows), hb_rows_without_time(base_rows))
        self.assertEqual(text["summary"]["total"]["pair"], "TOTAL", "the analysis goes on")

    def test_every_bad_fixture_has_an_expectation(self):
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(BAD_DIR, "*.json")))
        self.assertTrue(files)
        self.assertEqual(files, sorted(BAD_EXPECT))

    def test_bad_fixtures(self):
        for name, (pref_name, entry, problems) in sorted(BAD_EXPECT.items()):
            with self.subTest(file=name):
                self._check_bad(os.path.join(BAD_DIR, name), pref_name, entry, problems)

    def test_valid_entries_of_a_bad_file_are_not_used(self):
        for name, (pref_name, entry, problems) in sorted(MIXED_EXPECT.items()):
            with self.subTest(file=name):
                self._check_bad(os.path.join(MIXED_DIR, name), pref_name, entry, problems)

    def test_trailing_text_message_names_the_problem(self):
        """pcap_monitor_trailing.json is a complete object followed by text:
        the message should say so (core/ma_hbconf.c has the message "not
        valid JSON (text after the top-level object)"), not call the file
        truncated."""
        path = os.path.join(BAD_DIR, "pcap_monitor_trailing.json")
        err = stat_and_csv(pref("pcap_monitor_file", path))[2]
        self.assertIn("text after the top-level object", err)

    def test_examples_load_without_error(self):
        for args, names in ((pref("hb_defs_file", HB_DEFS_EXAMPLE), ["hb1"]),
                            (pref("pcap_monitor_file", PCAP_MONITOR_EXAMPLE), ["bms_running_info:278"]),
                            (pref("hb_defs_file", HB_DEFS_EXAMPLE) + pref("pcap_monitor_file", PCAP_MONITOR_EXAMPLE),
                             ["hb1", "bms_running_info:278"])):
            with self.subTest(args=args):
                text, rows, err, rc = stat_and_csv(args)
                self.assertEqual(rc, 0, err)
                self.assertEqual([l for l in err.splitlines() if "modbus_an" in l], [])
                _, hbrows, np_rows, _ = parse_heartbeats(text)
                self.assertEqual(sorted(r["name"] for r in np_rows), sorted(names))
                self.assertEqual(set(hbrows), set(expected_hbs("none")))

    def test_good_fixtures_load_without_error(self):
        for args in (DEFS_ARGS, MONITOR_ARGS, MAIN_ARGS):
            err, rc = stat_and_csv(args)[2:]
            self.assertEqual(rc, 0, err)
            self.assertEqual([l for l in err.splitlines() if "modbus_an" in l], [], args)


if __name__ == "__main__":
    unittest.main()
