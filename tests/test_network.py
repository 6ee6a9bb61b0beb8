#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Network health (docs/network.md; core/ma_net.c, ma_net_app.c, ma_stp.c,
ma_cause.c; the fields, expert infos and preferences of
postdissector/net_ui.c; the network sections of -z modbus_an,stat written by
tap/ma_net_report.c) against independent sources:

  * Wireshark's own dissection read with tshark WITHOUT the plugin
    (tests/tshark.sh --disable-protocol modbus_an; the runs are proven to
    carry no modbus_an field): tests/lib/netcheck.py recomputes the
    documented rules from tcp.stream / tcp.flags / tcp.seq / tcp.len, the
    tcp.analysis items, the Modbus PDUs and the stp fields - connections,
    attempts, resets, closes, reconnects, TCP analysis per pair and
    direction, retransmitted Modbus bytes, application retries, Spanning
    Tree events and the cause of every slow transaction;
  * the ground truth of the generated captures tests/captures/net/
    gen_network.pcap and gen_stp_modbus.pcap (tests/generator/README.md,
    "Network health"), written from the generator's log and checked against
    the wire by tests/generator/check_net_wire.py;
  * ../shared/captures/MANIFEST.md (connection counts measured with other
    tools).

Never from modbus_an's own output. Checked:
  A. every shared Modbus capture: the "Connections per pair" and "TCP
     analysis per pair" rows, every frame's connection / tcp / retransmission
     items and expert infos, retries and retransmission links, one cause on
     every delayed / late / missed request and none elsewhere, the "Causes"
     table; single-conn-long-poll.pcap frame 3150 (a spurious retransmission
     Wireshark does not decode) tied to request 3147 by inference;
  B. the STP captures: BPDU totals, the single TC event of the RSTP switch,
     no event for per-VLAN roots, every BPDU's modbus_an.stp.* fields and
     expert infos;
  C. the generated captures: every connection, pair, request, inserted
     retransmission and STP event of the truth; the expected topology from
     pcap_monitor_file and from the modbus_an_expected UAT;
  D. the preferences connect_timeout, stp_window and retry_window (and
     invalid values);
  E. single pass vs -2: identical stat text and first-pass fields.

Runs tests/tshark.sh --prove-loaded first and fails if the freshly built
plugin is not the one tshark loads. Every tshark run is made once per
(capture, options) and cached; the runs overlap two at a time.

Usage: python3 tests/test_network.py [-v] [unittest args]
"""
import collections
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import mbtshark  # noqa: E402
import netcheck as N  # noqa: E402
from netcheck import NS, report  # noqa: E402

# Like the other suites: the plugin under test is $MODBUS_AN_SO (ctest sets
# it), else build/modbus_an.so; tests/tshark.sh reads the same variable.
os.environ.setdefault("MODBUS_AN_SO", os.path.join(REPO, "build", "modbus_an.so"))

SHARED = mbtshark.SHARED_CAPTURES
# MANIFEST.md "Conns": distinct TCP streams with port 502.
SHARED_MODBUS = {
    "digitalbond-diag-exceptions.pcap": 6,
    "gateway-pipelined-4units.pcap": 5,
    "plant1-13plcs.pcap": 14,
    "single-conn-long-poll.pcap": 1,
    "non-modbus-probes-on-502.pcap": 7,
    "mei-fc43-exception.pcap": 2,
    "many-units-fc-mix.pcap": 2,
    "rtu6-exceptions-conn-per-poll.pcap": 619,
    "coil-writes-28min.pcapng": 21,
}
SHARED_STP = ["stp-8021d-config.pcap", "rstp-tc-real-switch.pcap", "rpvst-per-vlan-roots.pcap"]

NETDIR = os.path.join(REPO, "tests", "captures", "net")
GEN_NET = os.path.join(NETDIR, "gen_network.pcap")
GEN_STP = os.path.join(NETDIR, "gen_stp_modbus.pcap")
MONITOR = os.path.join(REPO, "tests", "fixtures", "net", "pcap_monitor_net.json")
US = 1000   # 1 microsecond in ns: the tolerance of times against the truth


def shared(name):
    return os.path.join(SHARED, name)


def have_shared():
    return os.path.isdir(SHARED)


def truth_of(pcap):
    path = pcap[:-len(".pcap")] + ".truth.json"
    if not (os.path.exists(pcap) and os.path.exists(path)):
        return None
    with open(path) as fh:
        return json.load(fh)


def pref(name, value):
    return ["-o", "modbus_an.%s:%s" % (name, value)]


def ns_of(seconds):
    """Truth seconds (float with 6 decimals) -> int ns."""
    return int(round(seconds * 1e6)) * 1000


def all_captures():
    caps = []
    if have_shared():
        caps += [shared(n) for n in SHARED_MODBUS] + [shared(n) for n in SHARED_STP]
    caps += [p for p in (GEN_NET, GEN_STP) if truth_of(p) is not None]
    return caps


def setUpModule():
    mbtshark.prove_loaded()
    thunks = []
    for path in all_captures():
        thunks += [lambda p=path: N.capture(p),
                   lambda p=path: N.plugin_frames(p, two_pass=True),
                   lambda p=path: N.plugin_frames(p, two_pass=False),
                   lambda p=path: N.plugin_txns(p),
                   lambda p=path: N.stat(p),
                   lambda p=path: N.stat(p, two_pass=True)]
    N.prefetch(thunks)


# ---------------------------------------------------------------- shared checks

def oracle_problems(test, path, extra=(), cap=None, stp_window=50 * NS):
    """Everything the oracle predicts for one capture and options against
    the plugin: stat rows (connections, TCP analysis, causes) and headings,
    every frame's segment items, the transaction fields of every request."""
    if cap is None:
        cap = N.capture(path)
    errs = []
    out, err, rc = N.stat(path, extra)
    if rc != 0:
        return ["tshark failed: %s" % err]
    st = N.parse_net_stat(out)
    want_title = "Connections per pair (failed: RST from the server, or no SYN+ACK within %.3g s):" % (
        cap.connect_timeout / 1e9)
    if st["conn_title"] != want_title:
        errs.append("heading %r, expected %r" % (st["conn_title"], want_title))
    want_title = "Causes of delayed, late and missed transactions per pair (stp window %.3g s):" % (stp_window / 1e9)
    if st["cause_title"] != want_title:
        errs.append("heading %r, expected %r" % (st["cause_title"], want_title))
    rows = cap.pair_rows()
    if set(st["conns"]) != set(rows):
        errs.append("connection rows for %s, expected %s" % (sorted(st["conns"]), sorted(rows)))
    if set(st["tcp"]) != set(rows):
        errs.append("TCP analysis rows for %s, expected %s" % (sorted(st["tcp"]), sorted(rows)))
    for label, (row, trow) in rows.items():
        got = st["conns"].get(label)
        if got is not None and got != row:
            errs.append("Connections %s:\n      got  %s\n      want %s" % (label, dict(got), dict(row)))
        got = st["tcp"].get(label)
        if got is not None and got != trow:
            errs.append("TCP analysis %s:\n      got  %s\n      want %s" % (label, dict(got), dict(trow)))
    recs, _ = N.stp_oracle(cap)
    slow = N.slow_requests(cap)
    causes = N.cause_oracle(cap, recs, stp_window=stp_window, slow=slow)
    want_causes = N.cause_rows(causes)
    if st["causes"] != want_causes:
        errs.append("Causes table:\n      got  %s\n      want %s" % (
            {k: dict(v) for k, v in st["causes"].items()}, {k: dict(v) for k, v in want_causes.items()}))
    errs += N.check_seg_fields(cap, N.plugin_frames(path, extra))
    errs += N.check_txn_fields(cap, N.plugin_txns(path, extra), causes, slow)
    amb = [r for r, c in causes.items() if c[2]]
    if amb:
        errs.append("oracle: the cause of %s depends on an undocumented choice" % amb)
    amb = [c["stream"] for c in cap.conns.values() if c["result_ambiguous"]]
    if amb:
        errs.append("oracle: the capture ends within 1 us of the connect_timeout of streams %s" % amb)
    return errs


# ================================================================ tests

class T1Loaded(unittest.TestCase):
    def test_plugin_loaded(self):
        line = mbtshark.prove_loaded()
        self.assertIn("modbus_an.so", line)
        self.assertIn("sha256=", line)

    def test_plain_runs_have_no_plugin(self):
        """The oracle's source is Wireshark alone: its runs carry no
        modbus_an field, while the plugin's runs of the same files do."""
        for path in all_captures():
            with self.subTest(capture=os.path.basename(path)):
                cap = N.capture(path)
                self.assertEqual(cap.plugin_fields_seen, 0)
                self.assertTrue(cap.frames)
                self.assertTrue(N.plugin_frames(path), "the plugin run shows no modbus_an field")


@unittest.skipUnless(have_shared(), "no shared captures")
class T2SharedConnections(unittest.TestCase):
    """A: the shared Modbus captures against the plain-tshark oracle."""

    def test_connection_rows(self):
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                st = N.parse_net_stat(N.stat(shared(name))[0])
                rows = cap.pair_rows()
                self.assertEqual(set(st["conns"]), set(rows))
                for label, (row, _) in rows.items():
                    self.assertEqual(dict(st["conns"][label]), dict(row), label)

    def test_tcp_analysis_rows(self):
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                st = N.parse_net_stat(N.stat(shared(name))[0])
                rows = cap.pair_rows()
                self.assertEqual(set(st["tcp"]), set(rows))
                for label, (_, trow) in rows.items():
                    self.assertEqual(dict(st["tcp"][label]), dict(trow), label)

    def test_manifest_connection_counts(self):
        """Connections per capture = MANIFEST.md's Conns (streams with port
        502, measured with other tools) = the oracle's Modbus streams."""
        for name, conns in SHARED_MODBUS.items():
            with self.subTest(capture=name):
                st = N.parse_net_stat(N.stat(shared(name))[0])
                self.assertEqual(sum(r["Conns"] for r in st["conns"].values()), conns)
                self.assertEqual(len(N.capture(shared(name)).conns), conns)

    def test_scanner_connections_count(self):
        """non-modbus-probes-on-502: the 6 scanner connections (no Modbus
        byte) are connections of their pairs, each an established attempt;
        the first RST of 198.74.56.135's connection is the client's."""
        path = shared("non-modbus-probes-on-502.pcap")
        cap = N.capture(path)
        st = N.parse_net_stat(N.stat(path)[0])
        modbus_streams = {f.stream for f in cap.frames if f.ws_pdus[0]}
        scanners = [c for c in cap.conns.values() if c["stream"] not in modbus_streams]
        self.assertEqual(len(scanners), 6)
        for c in scanners:
            row = st["conns"][c["pair"]]
            self.assertEqual((row["Conns"], row["Att"], row["Estab"]), (1, 1, 1), c["pair"])
        row = st["conns"]["198.74.56.135 -> 192.168.10.111:502"]
        self.assertEqual((row["RstC"], row["RstS"], row["FinC"], row["FinS"]), (1, 0, 0, 0))

    def test_conn_per_poll_capture(self):
        """rtu6: 619 connections; every pair's connections and reconnects
        as the oracle says (the 4 parallel connections of 192.168.1.101
        are no reconnects)."""
        path = shared("rtu6-exceptions-conn-per-poll.pcap")
        cap = N.capture(path)
        st = N.parse_net_stat(N.stat(path)[0])
        self.assertEqual(sum(r["Conns"] for r in st["conns"].values()), 619)
        par = [c for c in cap.conns.values() if c["parallel"]]
        self.assertEqual({c["pair"] for c in par}, {"192.168.1.101 -> 192.168.1.104:502"})
        self.assertEqual(st["conns"]["192.168.1.101 -> 192.168.1.104:502"]["Reconn"], 0)
        self.assertEqual(sum(r["Reconn"] for r in st["conns"].values()), 619 - 7 - len(par))

    def test_per_frame_connection_and_tcp_fields(self):
        """Every frame: attempt / result / failed, SYN retries, handshake
        time, reset / close and side, duration, reconnect / parallel with
        gap and previous frame, the six tcp.analysis flags, the links of
        retransmitted segments, and their expert infos (exact frames)."""
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                report(self, N.check_seg_fields(cap, N.plugin_frames(shared(name))), name)

    def test_spurious_retransmission_3150(self):
        path = shared("single-conn-long-poll.pcap")
        cap = N.capture(path)
        f = cap.by_n[3150]
        self.assertIn("spurious_retransmission", f.ta, "Wireshark's view of frame 3150")
        self.assertEqual(f.ws_pdus[0], [], "Wireshark decodes no Modbus PDU in frame 3150")
        self.assertFalse(cap.conns[f.stream]["from_client"](f), "frame 3150 is server-to-client")
        req = cap.by_n[3147].pdus
        self.assertEqual(len(req), 1)
        self.assertTrue(req[0].is_req)
        self.assertIsNone(req[0].resp, "request 3147 has no decoded answer")
        pend = [r for r in cap.requests if r.stream == f.stream and r.frame < 3150
                and (r.resp is None or r.resp.frame > 3150)]
        self.assertEqual([r.frame for r in pend], [3147], "the oldest (only) pending request")
        got = N.plugin_frames(path)[3150]
        self.assertEqual(got.get("modbus_an.tcp_retransmission"), ["3147"])
        self.assertEqual(got.get("modbus_an.tcp_retransmission.inferred"), ["1"])
        tr = N.plugin_txns(path)[3147][0]
        self.assertEqual(tr.get("modbus_an.retransmitted_in"), "3150")
        self.assertEqual(tr.get("modbus_an.cause"), "tcp-retransmission")
        self.assertEqual(tr.get("modbus_an.cause_frame"), "3150")

    def test_transaction_fields(self):
        """Retries (retry_of / retried_by), retransmitted_in, cause and
        cause_frame of every request, and their expert infos."""
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                recs, _ = N.stp_oracle(cap)
                slow = N.slow_requests(cap)
                causes = N.cause_oracle(cap, recs, slow=slow)
                report(self, N.check_txn_fields(cap, N.plugin_txns(shared(name)), causes, slow), name)

    def test_every_slow_request_has_one_cause(self):
        """-2: each request flagged delayed, late or missed carries exactly
        one modbus_an.cause; no other PDU carries one; the flagged requests
        are the oracle's slow requests."""
        total = 0
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                errs = []
                flagged = set()
                for frame, trees in N.plugin_txns(shared(name)).items():
                    for i, tr in enumerate(trees):
                        slow = tr.get("modbus_an.type") == "request" and any(
                            tr.get("modbus_an." + k) == "1" for k in ("delayed", "late", "missed"))
                        n = tr["counts"]["modbus_an.cause"]
                        if slow:
                            flagged.add((frame, i))
                            if n != 1:
                                errs.append("frame %d PDU %d: %d causes" % (frame, i, n))
                        elif n:
                            errs.append("frame %d PDU %d (%s, outcome %s): a cause on a PDU that is not slow"
                                        % (frame, i, tr.get("modbus_an.type"), tr.get("modbus_an.outcome")))
                want = {(r.frame, r.idx) for r in N.slow_requests(cap)}
                if flagged != want:
                    errs.append("slow requests %s, oracle %s" % (sorted(flagged - want), sorted(want - flagged)))
                total += len(flagged)
                report(self, errs, name)
        self.assertGreater(total, 30)

    def test_cause_table(self):
        """The Causes table per pair = the per-request causes (consistency)
        = the oracle's causes (independent)."""
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                st = N.parse_net_stat(N.stat(shared(name))[0])
                per_frame = collections.defaultdict(collections.Counter)
                for frame, trees in N.plugin_txns(shared(name)).items():
                    for tr in trees:
                        if tr.get("modbus_an.cause"):
                            per_frame[tr["modbus_an.pair"]][tr["modbus_an.cause"]] += 1
                got = {k: {c: v for c, v in r.items() if c != "Slow" and v} for k, r in st["causes"].items()}
                self.assertEqual(got, {k: dict(v) for k, v in per_frame.items()}, "table vs frames")
                for k, r in st["causes"].items():
                    self.assertEqual(r["Slow"], sum(v for c, v in r.items() if c != "Slow"), k)
                recs, _ = N.stp_oracle(cap)
                want = N.cause_rows(N.cause_oracle(cap, recs))
                self.assertEqual({k: dict(v) for k, v in st["causes"].items()},
                                 {k: dict(v) for k, v in want.items()}, "table vs oracle")

    def test_cause_evidence_on_the_wire(self):
        """Independent of the rule order: no capture without BPDUs has an
        stp cause; a tcp-retransmission cause has a segment of its stream
        that Wireshark flags retransmission / fast / spurious inside
        [t0, t1] or carrying its bytes (its cause_frame is such a segment);
        a retry cause's cause_frame is a later request with the same unit,
        function code and bytes."""
        n_retrans = 0
        for name in SHARED_MODBUS:
            with self.subTest(capture=name):
                cap = N.capture(shared(name))
                has_stp = any(f.stp for f in cap.frames)
                errs = []
                for frame, trees in N.plugin_txns(shared(name)).items():
                    for i, tr in enumerate(trees):
                        c = tr.get("modbus_an.cause")
                        if not c:
                            continue
                        r = cap.by_n[frame].pdus[i]
                        t0 = r.ts
                        t1 = r.resp.ts if r.resp is not None else t0 + cap.response_timeout
                        cf = int(tr.get("modbus_an.cause_frame") or 0)
                        if c == "stp" and not has_stp:
                            errs.append("frame %d: cause stp without any BPDU" % frame)
                        if c == "tcp-retransmission":
                            n_retrans += 1
                            ev = cap.by_n.get(cf)
                            carried = cf in cap.seg_attach and r in cap.seg_attach[cf][0]
                            if ev is None or ev.stream != r.stream or not ev.retrans or \
                                    not (t0 <= ev.ts <= t1 or carried):
                                errs.append("frame %d: cause tcp-retransmission, evidence %d is no flagged "
                                            "segment of its stream in [t0, t1] carrying nothing of it" % (frame, cf))
                        if c == "retry":
                            e = cap.by_n.get(cf)
                            q = e.pdus if e else []
                            if not any(p.is_req and (p.unit, p.fc, p.data) == (r.unit, r.fc, r.data) and cf > frame
                                       for p in q):
                                errs.append("frame %d: cause retry, frame %d repeats nothing of it" % (frame, cf))
                report(self, errs, name)
        self.assertGreaterEqual(n_retrans, 1)


@unittest.skipUnless(have_shared(), "no shared captures")
class T3SharedSTP(unittest.TestCase):
    """B: the STP captures (and the BPDUs of gen_stp_modbus.pcap)."""

    def stp_captures(self):
        return [shared(n) for n in SHARED_STP] + ([GEN_STP] if truth_of(GEN_STP) else [])

    def test_bpdu_totals_equal_plain_tshark(self):
        """BPDUs, config / RST / TCN (stp.type, stp.version), senders,
        roots, TC / TCA flags, events and repeats = the oracle's."""
        for path in self.stp_captures():
            with self.subTest(capture=os.path.basename(path)):
                cap = N.capture(path)
                recs, tot = N.stp_oracle(cap)
                st = N.parse_net_stat(N.stat(path)[0])["stp"]
                self.assertEqual({k: st.get(k) for k in tot}, tot)
                self.assertEqual(tot["bpdus"], sum(1 for f in cap.frames if f.stp))

    def test_8021d_config(self):
        path = shared("stp-8021d-config.pcap")
        st = N.parse_net_stat(N.stat(path)[0])["stp"]
        self.assertEqual((st["bpdus"], st["config"], st["rst"], st["tcn"]), (14, 14, 0, 0))
        self.assertEqual((st["ev_tc"], st["ev_tcn"], st["ev_root"], st["ev_role"]), (0, 0, 0, 0))
        self.assertEqual(st["events"], [])
        self.assertEqual(st["repeats"], 13)

    def test_rstp_tc_event(self):
        """One TC event, at the first BPDU with stp.flags.tc == 1, with the
        two other TC BPDUs of the episode as repeats; the fields and the
        expert info on that frame only."""
        path = shared("rstp-tc-real-switch.pcap")
        cap = N.capture(path)
        tc = [f for f in cap.frames if f.stp and f.stp.get("stp.flags.tc") == ["1"]]
        self.assertEqual(len(tc), 3)
        first = tc[0]
        st = N.parse_net_stat(N.stat(path)[0])["stp"]
        self.assertEqual((st["ev_tc"], st["ev_tcn"], st["ev_root"], st["ev_role"]), (1, 0, 0, 0))
        self.assertEqual(len(st["events"]), 1)
        ev = st["events"][0]
        s = first.stp
        bridge = "%d/%s" % (int(s["stp.bridge.prio"][0]) + int(s["stp.bridge.ext"][0]), s["stp.bridge.hw"][0])
        root = "%d/%s" % (int(s["stp.root.prio"][0]) + int(s["stp.root.ext"][0]), s["stp.root.hw"][0])
        self.assertEqual((ev["frame"], ev["event"], ev["repeats"], ev["bridge"], ev["root"], ev["port"], ev["vlan"],
                          ev["time"], ev["what"]),
                         (first.n, "TC", 2, bridge, root, int(s["stp.port"][0], 16), 0, N.us_text(first.ts),
                          "topology change flag set"))
        pf = N.plugin_frames(path)
        d = pf[first.n]
        self.assertEqual(d.get("modbus_an.stp.tc"), ["1"])
        self.assertEqual(d.get("modbus_an.stp.event"), ["TC"])
        self.assertEqual(d.get("modbus_an.stp.topology_change"), ["1"])
        self.assertEqual(sorted(n for n, x in pf.items() if "modbus_an.stp.tc.expert" in x), [first.n])
        self.assertEqual(sorted(n for n, x in pf.items() if "modbus_an.stp.event" in x), [first.n])
        for f in tc[1:]:
            self.assertEqual(pf[f.n].get("modbus_an.stp.repeat"), ["1"], f.n)
            self.assertEqual(pf[f.n].get("modbus_an.stp.tc"), ["1"], f.n)

    def test_rpvst_no_events(self):
        """Per-VLAN roots of Rapid-PVST+ are no root changes: 0 events."""
        path = shared("rpvst-per-vlan-roots.pcap")
        cap = N.capture(path)
        st = N.parse_net_stat(N.stat(path)[0])["stp"]
        self.assertEqual((st["ev_tc"], st["ev_tcn"], st["ev_root"], st["ev_role"]), (0, 0, 0, 0))
        self.assertEqual(st["events"], [])
        self.assertEqual(st["bpdus"], 138)
        roots = {(r["vlan"], r["root"]) for r in N.stp_oracle(cap)[0]}
        self.assertGreater(len({r for _, r in roots}), 1, "the capture does have several roots")
        pf = N.plugin_frames(path)
        self.assertFalse([n for n, d in pf.items() if "modbus_an.stp.root_change" in d or "modbus_an.stp.event" in d])

    def test_bpdu_fields(self):
        """Every BPDU: type, bridge and root as prio+ext/mac (stp.bridge.prio
        + stp.bridge.ext, stp.bridge.hw), port, cost, VLAN, flags, role,
        repeat, previous BPDU of the sender, events and expert infos."""
        roles = N.ROLE_NAMES
        for path in self.stp_captures():
            with self.subTest(capture=os.path.basename(path)):
                cap = N.capture(path)
                recs, _ = N.stp_oracle(cap)
                pf = N.plugin_frames(path)
                errs = []
                for r in recs:
                    d = pf.get(r["frame"], {})
                    want = {"modbus_an.stp.type": [r["kind"]], "modbus_an.stp.repeat": ["1"] if r["repeat"] else None,
                            "modbus_an.stp.prev_frame": [str(r["prev_frame"])] if r["prev_frame"] else None}
                    if r["has_ids"]:
                        want.update({"modbus_an.stp.bridge": [r["bridge"]], "modbus_an.stp.root": [r["root"]],
                                     "modbus_an.stp.port": ["0x%04x" % r["port"]],
                                     "modbus_an.stp.root_cost": [str(r["cost"])],
                                     "modbus_an.stp.vlan": [str(r["vlan"])],
                                     "modbus_an.stp.tc": ["1"] if r["tc"] else None,
                                     "modbus_an.stp.tca": ["1"] if r["tca"] else None,
                                     "modbus_an.stp.role": [roles[r["role"]]] if r["role"] is not None else None})
                    ev = r["events"]
                    want["modbus_an.stp.event"] = [",".join(ev)] if ev else None
                    want["modbus_an.stp.topology_change"] = ["1"] if ev and r["topology_change"] else None
                    want["modbus_an.stp.tcn"] = ["1"] if "TCN" in ev else None
                    want["modbus_an.stp.root_change"] = ["1"] if "root" in ev else None
                    want["modbus_an.stp.prev_root"] = [r["prev_root"]] if "root" in ev else None
                    want["modbus_an.stp.role_change"] = ["1"] if "role" in ev else None
                    for k, w in want.items():
                        g = d.get(k)
                        if k == "modbus_an.stp.port" and g:
                            g = ["0x%04x" % int(g[0], 0)]
                        if g != w:
                            errs.append("frame %d: %s = %s, expected %s" % (r["frame"], k, g, w))
                    exp = {e for e in N.EXPERTS if e.startswith("modbus_an.stp.") and e in d}
                    wexp = {x for k, x in (("TC", "modbus_an.stp.tc.expert"), ("TCN", "modbus_an.stp.tcn.expert"),
                                           ("root", "modbus_an.stp.root_change.expert"),
                                           ("role", "modbus_an.stp.role_change.expert")) if k in ev}
                    if exp != wexp:
                        errs.append("frame %d: expert infos %s, expected %s" % (r["frame"], sorted(exp), sorted(wexp)))
                bp = {r["frame"] for r in recs}
                extra = sorted(n for n, d in pf.items() if "modbus_an.stp.type" in d and n not in bp)
                if extra:
                    errs.append("BPDU trees on frames that are no BPDU: %s" % extra)
                report(self, errs, os.path.basename(path))


class GenBase(unittest.TestCase):
    PCAP = None

    @classmethod
    def setUpClass(cls):
        cls.truth = truth_of(cls.PCAP)
        if cls.truth is None:
            raise unittest.SkipTest("no %s with its truth" % cls.PCAP)
        cls.cap = N.capture(cls.PCAP)
        cls.pf = N.plugin_frames(cls.PCAP)
        cls.st = N.parse_net_stat(N.stat(cls.PCAP)[0])

    def oracle_conn(self, tc):
        return self.cap.conns.get(tc["stream"])


class T4GeneratedNetwork(GenBase):
    """C: gen_network.pcap and its truth."""
    PCAP = GEN_NET

    def test_truth_agrees_with_the_wire_oracle(self):
        """The truth and the plain-tshark oracle agree (so a difference
        with the plugin is the plugin's)."""
        errs = []
        conns = self.cap.conns
        self.assertEqual(sorted(c["stream"] for c in self.truth["connections"]), sorted(conns))
        end_names = {("fin", "client"): "fin_client", ("fin", "server"): "fin_server",
                     ("rst", "client"): "rst_client", ("rst", "server"): "rst_server"}
        for tc in self.truth["connections"]:
            c = conns[tc["stream"]]
            got = dict(pair=c["pair"], attempt=c["attempt"], result=c["result"], syn_packets=c["syn_packets"],
                       syn_frame=c["syn_frames"][0] if c["syn_frames"] else None, synack_frame=c["synack_frame"],
                       end=end_names.get((c["end"], c["end_by"]), "open"), end_frame=c["end_frame"],
                       session_reset=c["session_reset"], reconnect=c["reconnect"], first_frame=c["first_frame"],
                       last_frame=c["last_frame"])
            for k, v in got.items():
                if tc[k] != v:
                    errs.append("stream %d: %s truth %r, oracle %r" % (tc["stream"], k, tc[k], v))
            for k, o in (("handshake_s", c["handshake"]), ("gap_s", c["gap"] if c["reconnect"] else None)):
                if (tc[k] is None) != (o is None) or (o is not None and abs(ns_of(tc[k]) - o) > US):
                    errs.append("stream %d: %s truth %r, oracle %r" % (tc["stream"], k, tc[k], o))
        rows = self.cap.pair_rows()
        self.assertEqual(set(rows), set(self.truth["pairs"]))
        for label, tp in self.truth["pairs"].items():
            row, trow = rows[label]
            for k, col in (("conns", "Conns"), ("attempts", "Att"), ("syn_packets", "SYNs"), ("established", "Estab"),
                           ("refused", "Refus"), ("timeout", "Tmout"), ("resets_by_client", "RstC"),
                           ("resets_by_server", "RstS"), ("fin_by_client", "FinC"), ("fin_by_server", "FinS"),
                           ("reconnects", "Reconn"), ("open_at_end", "Open"), ("retries", "Retries")):
                if tp[k] != row[col]:
                    errs.append("%s: %s truth %r, oracle %r" % (label, k, tp[k], row[col]))
        reqs = {r.frame: r for r in self.cap.requests}
        slow = N.slow_requests(self.cap)
        causes = N.cause_oracle(self.cap, N.stp_oracle(self.cap)[0], slow=slow)
        self.assertEqual(sorted(reqs), sorted(r["frame"] for r in self.truth["requests"]))
        for tr in self.truth["requests"]:
            r = reqs[tr["frame"]]
            o, d = N.classify(self.cap, r)
            got = dict(tid=r.tid, unit=r.unit, fc=r.fc, outcome=o, delayed=d,
                       resp_frame=r.resp.frame if r.resp else None,
                       retry_of=r.retry_of.frame if r.retry_of else None,
                       cause=causes[r][0] if r in causes else None)
            for k, v in got.items():
                if tr[k] != v:
                    errs.append("request %d: %s truth %r, oracle %r" % (tr["frame"], k, tr[k], v))
            if r in causes and causes[r][1] and tr["cause_frame"] not in causes[r][1]:
                errs.append("request %d: truth cause_frame %r not among the oracle's evidence %s"
                            % (tr["frame"], tr["cause_frame"], sorted(causes[r][1])))
        for tx in self.truth["retransmissions"]:
            got = self.cap.seg_attach.get(tx["frame"], ([], False, 0))[0]
            if [r.frame for r in got] != [tx["request_frame"]]:
                errs.append("inserted frame %d: oracle ties it to %s, truth %d" % (tx["frame"], [r.frame for r in got],
                                                                                  tx["request_frame"]))
        report(self, errs, "truth vs oracle")

    def test_pair_rows_vs_truth(self):
        errs = []
        self.assertEqual(set(self.st["conns"]), set(self.truth["pairs"]))
        for label, tp in self.truth["pairs"].items():
            row = self.st["conns"][label]
            for k, col in (("conns", "Conns"), ("attempts", "Att"), ("syn_packets", "SYNs"), ("established", "Estab"),
                           ("refused", "Refus"), ("timeout", "Tmout"), ("resets_by_client", "RstC"),
                           ("resets_by_server", "RstS"), ("fin_by_client", "FinC"), ("fin_by_server", "FinS"),
                           ("reconnects", "Reconn"), ("open_at_end", "Open"), ("retries", "Retries")):
                if row[col] != tp[k]:
                    errs.append("%s: %s = %r, truth %s = %r" % (label, col, row[col], k, tp[k]))
            if row["Refus"] + row["Tmout"] != tp["failed"]:
                errs.append("%s: Refus + Tmout = %d, truth failed %d" % (label, row["Refus"] + row["Tmout"],
                                                                          tp["failed"]))
            if row["Unfin"] != tp["attempts"] - tp["established"] - tp["failed"]:
                errs.append("%s: Unfin %d" % (label, row["Unfin"]))
            gaps = [ns_of(c["gap_s"]) for c in self.truth["connections"] if c["pair"] == label and c["reconnect"]]
            for col, v in (("Gapmin_s", min(gaps) if gaps else None), ("Gapmax_s", max(gaps) if gaps else None)):
                if v is None:
                    if row[col] != "-":
                        errs.append("%s: %s = %r, expected -" % (label, col, row[col]))
                elif abs(float(row[col]) - v / 1e9) > 0.0005 + 1e-6:
                    errs.append("%s: %s = %r, truth %.6f" % (label, col, row[col], v / 1e9))
            hs = [ns_of(c["handshake_s"]) for c in self.truth["connections"]
                  if c["pair"] == label and c["handshake_s"] is not None]
            if hs and abs(float(row["HSmax_ms"]) - max(hs) / 1e6) > 0.0005 + 1e-6:
                errs.append("%s: HSmax_ms %r, truth %.6f" % (label, row["HSmax_ms"], max(hs) / 1e6))
        report(self, errs, "Connections per pair vs truth")

    def test_netcsv_vs_truth(self):
        """-z modbus_an,netcsv: one row per pair, every count equal to the truth."""
        import csv
        out = mbtshark.tshark(["-r", self.PCAP, "-q", "-z", "modbus_an,netcsv"])
        rows = {r["pair"]: r for r in csv.DictReader(out.splitlines())}
        self.assertEqual(set(rows), set(self.truth["pairs"]))
        slow = collections.Counter((r["pair"], r["cause"]) for r in self.truth["requests"] if r.get("cause"))
        errs = []
        for label, tp in self.truth["pairs"].items():
            r = rows[label]
            for k in ("conns", "attempts", "syn_packets", "established", "refused", "timeout", "resets_by_client",
                      "resets_by_server", "fin_by_client", "fin_by_server", "reconnects", "open_at_end", "retries"):
                col = "connections" if k == "conns" else k
                if int(r[col]) != tp[k]:
                    errs.append("%s: %s = %s, truth %r" % (label, k, r[col], tp[k]))
            ta = tp["tcp_analysis"]
            for item, col in (("retransmission", "retrans"), ("fast_retransmission", "fast_retrans"),
                              ("spurious_retransmission", "spurious_retrans"), ("duplicate_ack", "dup_ack"),
                              ("zero_window", "zero_window"), ("lost_segment", "lost_segment")):
                for d in ("to_server", "to_client"):
                    if int(r["%s_%s" % (col, d)]) != ta[d].get(item, 0):
                        errs.append("%s: %s_%s = %s, truth %d" % (label, col, d, r["%s_%s" % (col, d)],
                                                                   ta[d].get(item, 0)))
            gaps = [c["gap_s"] for c in self.truth["connections"] if c["pair"] == label and c["reconnect"]]
            if gaps and abs(float(r["gap_max"]) - max(gaps)) > 2e-6:
                errs.append("%s: gap_max %s, truth %.6f" % (label, r["gap_max"], max(gaps)))
            if not gaps and r["gap_max"] != "":
                errs.append("%s: gap_max %r without reconnects" % (label, r["gap_max"]))
            for cause in ("stp", "tcp-retransmission", "connection", "retry", "server"):
                col = cause.replace("-", "_")
                if int(r[col]) != slow[(label, cause)]:
                    errs.append("%s: %s = %s, truth %d" % (label, col, r[col], slow[(label, cause)]))
        report(self, errs, "netcsv vs truth")

    def test_gui_table_equals_netcsv(self):
        """The GUI table (-2 -z modbus_an,nettable) shows netcsv's numbers (checked above against the
        truth) for every pair, here and on a shared capture with reconnects and slow transactions."""
        import csv
        # GUI heading -> netcsv column (one table description feeds both)
        cols = {"Conns": "connections", "SYN": "attempts", "Refus": "refused", "Tmout": "timeout",
                "RstC": "resets_by_client", "RstS": "resets_by_server", "Reconn": "reconnects", "Retries": "retries",
                "RtS": "retrans_to_server", "RtC": "retrans_to_client", "Tied": "retrans_attached",
                "stp": "stp", "tcp-retransmission": "tcp_retransmission", "connection": "connection",
                "retry": "retry", "server": "server"}
        for pcap in (self.PCAP, GEN_STP, os.path.join(SHARED, "plant1-13plcs.pcap")):
            if not os.path.exists(pcap):
                continue
            with self.subTest(capture=os.path.basename(pcap)):
                want = {r["pair"]: r for r in csv.DictReader(
                    mbtshark.tshark(["-r", pcap, "-q", "-z", "modbus_an,netcsv"]).splitlines())}
                got, heads = {}, None
                for line in mbtshark.tshark(["-2", "-r", pcap, "-q", "-z", "modbus_an,nettable"]).splitlines():
                    cells = [c.strip() for c in line.split("|")]
                    if cells[0] == "Pair":
                        heads = cells
                    elif " -> " in cells[0] and heads:
                        got[cells[0]] = dict(zip(heads, cells))
                self.assertEqual(set(got), set(want))
                for pair, cells in got.items():
                    for head, col in cols.items():
                        self.assertEqual(cells[head], want[pair][col], (pair, head))

    def test_tcp_analysis_vs_truth(self):
        errs = []
        names = dict(zip(N.TA, N.TCP_HEADS))
        for label, tp in self.truth["pairs"].items():
            row = self.st["tcp"][label]
            ta = tp["tcp_analysis"]
            for item, head in names.items():
                want = "%d/%d" % (ta["to_server"].get(item, 0), ta["to_client"].get(item, 0))
                if row[head] != want:
                    errs.append("%s: %s = %s, truth %s" % (label, head, row[head], want))
            # retrans_to_*: segments with any of the three retransmission items, per direction
            segs = [0, 0]
            for n, d in self.pf.items():
                if any("modbus_an.tcp." + a in d for a in N.RETRANS_TA):
                    c = self.cap.conns[self.cap.by_n[n].stream]
                    if c["pair"] == label:
                        segs[0 if d["modbus_an.conn.direction"] == ["to server"] else 1] += 1
            if segs != [tp["retrans_to_server"], tp["retrans_to_client"]]:
                errs.append("%s: retransmitted segments %s, truth %s" % (label, segs, [tp["retrans_to_server"],
                                                                                    tp["retrans_to_client"]]))
            want_att = len({x["frame"] for x in self.truth["retransmissions"] if x["pair"] == label})
            if row["Attached"] != want_att:
                errs.append("%s: Attached %d, truth %d inserted retransmissions" % (label, row["Attached"], want_att))
        report(self, errs, "TCP analysis vs truth")

    def test_connection_frames_vs_truth(self):
        """Per connection of the truth: the first SYN (attempt, result,
        failed + expert), SYN retries, the SYN+ACK (handshake time within
        1 us), the end frame (reset / close and side, reset expert; the
        refusing RST), the reconnect (gap within 1 us, expert)."""
        errs = []
        pf = self.pf
        names = {"established": "established", "refused": "refused", "timeout": "timeout",
                 "unfinished": "unfinished at end of capture"}
        want_failed_exp, want_reset_exp, want_reconn = set(), set(), set()
        for tc in self.truth["connections"]:
            s = tc["stream"]
            if tc["attempt"]:
                d = pf.get(tc["syn_frame"], {})
                failed = tc["result"] in ("refused", "timeout")
                for k, v in (("modbus_an.conn.attempt", ["1"]), ("modbus_an.conn.result", [names[tc["result"]]]),
                             ("modbus_an.conn.failed", ["1"] if failed else None)):
                    if d.get(k) != v:
                        errs.append("stream %d first SYN %d: %s = %s, expected %s" % (s, tc["syn_frame"], k,
                                                                                      d.get(k), v))
                if failed:
                    want_failed_exp.add(tc["syn_frame"])
            syns = [n for n, d in pf.items() if self.cap.by_n[n].stream == s and
                    ("modbus_an.conn.attempt" in d or "modbus_an.conn.syn_retry" in d)]
            if len(syns) != tc["syn_packets"]:
                errs.append("stream %d: %d frames with attempt / syn_retry, truth %d SYNs" % (s, len(syns),
                                                                                            tc["syn_packets"]))
            if tc["synack_frame"]:
                g = pf.get(tc["synack_frame"], {}).get("modbus_an.conn.handshake_time")
                if not g or abs(N.to_ns(g[0]) - ns_of(tc["handshake_s"])) > US:
                    errs.append("stream %d: handshake_time %s, truth %r" % (s, g, tc["handshake_s"]))
            end = tc["end"]
            if end != "open":
                d = pf.get(tc["end_frame"], {})
                kind, side = end.split("_")
                if tc["session_reset"]:
                    want = {"modbus_an.conn.reset": ["1"], "modbus_an.conn.reset_by": [side]}
                    want_reset_exp.add(tc["end_frame"])
                elif kind == "fin":
                    want = {"modbus_an.conn.close": ["1"], "modbus_an.conn.close_by": [side]}
                else:
                    want = {"modbus_an.conn.result": ["refused"], "modbus_an.conn.failed": ["1"]}
                    want_failed_exp.add(tc["end_frame"])
                for k, v in want.items():
                    if d.get(k) != v:
                        errs.append("stream %d end frame %d: %s = %s, expected %s" % (s, tc["end_frame"], k,
                                                                                      d.get(k), v))
            d = pf.get(tc["first_frame"], {})
            if tc["reconnect"]:
                want_reconn.add(tc["first_frame"])
                g = d.get("modbus_an.conn.gap")
                if d.get("modbus_an.conn.reconnect") != ["1"] or not g or \
                        abs(N.to_ns(g[0]) - ns_of(tc["gap_s"])) > US:
                    errs.append("stream %d first frame %d: reconnect %s gap %s, truth gap %r"
                                % (s, tc["first_frame"], d.get("modbus_an.conn.reconnect"), g, tc["gap_s"]))
        for exp, want in (("modbus_an.conn.failed.expert", want_failed_exp),
                          ("modbus_an.conn.reset.expert", want_reset_exp),
                          ("modbus_an.conn.reconnect", want_reconn)):
            got = {n for n, d in pf.items() if exp in d}
            if got != want:
                errs.append("%s on frames %s, truth %s" % (exp, sorted(got), sorted(want)))
        report(self, errs, "connection fields vs truth")

    def test_requests_vs_truth(self):
        """Each request of the truth: outcome, delayed, response frame,
        retry_of / retried_by, cause and cause_frame (exact)."""
        errs = []
        pf = self.pf
        first_retry = {}
        for tr in self.truth["requests"]:
            if tr["retry_of"]:
                first_retry.setdefault(tr["retry_of"], tr["frame"])
        truth_frames = {tr["frame"] for tr in self.truth["requests"]}
        for n, d in pf.items():
            if d.get("modbus_an.type") and len(d["modbus_an.type"]) != 1:
                errs.append("frame %d: %d PDUs (the generator sends one per segment)" % (n, len(d["modbus_an.type"])))
            if d.get("modbus_an.type") == ["request"] and n not in truth_frames:
                errs.append("frame %d: a request the truth does not know" % n)
        for tr in self.truth["requests"]:
            d = pf.get(tr["frame"], {})
            want = {"modbus_an.type": ["request"], "modbus_an.transaction_id": [str(tr["tid"])],
                    "modbus_an.outcome": [tr["outcome"]], "modbus_an.delayed": ["1"] if tr["delayed"] else None,
                    "modbus_an.response_frame": [str(tr["resp_frame"])] if tr["resp_frame"] else None,
                    "modbus_an.retry_of": [str(tr["retry_of"])] if tr["retry_of"] else None,
                    "modbus_an.retried_by": [str(first_retry[tr["frame"]])] if tr["frame"] in first_retry else None,
                    "modbus_an.cause": [tr["cause"]] if tr["cause"] else None,
                    "modbus_an.cause_frame": [str(tr["cause_frame"])] if tr["cause_frame"] else None}
            for k, v in want.items():
                if d.get(k) != v:
                    errs.append("request %d (%s): %s = %s, truth %s" % (tr["frame"], tr["tag"], k, d.get(k), v))
            if tr["retry_of"] and "modbus_an.retry.expert" not in d:
                errs.append("request %d: no retry expert info" % tr["frame"])
            if bool(tr["cause"]) != ("modbus_an.cause.expert" in d):
                errs.append("request %d: cause expert info %s" % (tr["frame"], "modbus_an.cause.expert" in d))
        st = self.st["causes"]
        want = collections.defaultdict(collections.Counter)
        for tr in self.truth["requests"]:
            if tr["cause"]:
                want[tr["pair"]][tr["cause"]] += 1
        got = {k: {c: v for c, v in r.items() if c != "Slow" and v} for k, r in st.items()}
        if got != {k: dict(v) for k, v in want.items()}:
            errs.append("Causes table %s, truth %s" % (got, {k: dict(v) for k, v in want.items()}))
        report(self, errs, "requests vs truth")

    def test_retransmission_links_vs_truth(self):
        """Each inserted retransmission: tcp.analysis flags, the link to the
        truth's transaction (inferred iff its bytes were never seen: the
        original was removed), the request's retransmitted_in; no other
        segment is linked."""
        errs = []
        pf = self.pf
        first = {}
        for tx in sorted(self.truth["retransmissions"], key=lambda x: x["frame"]):
            first.setdefault(tx["request_frame"], tx["frame"])
            d = pf.get(tx["frame"], {})
            flags = sorted(a for a in N.TA if "modbus_an.tcp." + a in d)
            if flags != sorted(a for a in tx["tcp_analysis"] if a in N.TA):
                errs.append("frame %d: tcp flags %s, truth %s" % (tx["frame"], flags, tx["tcp_analysis"]))
            want = {"modbus_an.tcp_retransmission": [str(tx["request_frame"])],
                    "modbus_an.tcp_retransmission.inferred": ["1"] if tx["original_frame"] is None else None,
                    "modbus_an.conn.direction": ["to server" if tx["direction"] == "to_server" else "to client"]}
            for k, v in want.items():
                if d.get(k) != v:
                    errs.append("frame %d (%s): %s = %s, expected %s" % (tx["frame"], tx["op"], k, d.get(k), v))
            if "modbus_an.tcp_retransmission.expert" not in d:
                errs.append("frame %d: no tcp_retransmission expert info" % tx["frame"])
        for req, fr in first.items():
            g = pf.get(req, {}).get("modbus_an.retransmitted_in")
            if g != [str(fr)]:
                errs.append("request %d: retransmitted_in %s, expected %d" % (req, g, fr))
        linked = {n for n, d in pf.items() if "modbus_an.tcp_retransmission" in d}
        if linked != {tx["frame"] for tx in self.truth["retransmissions"]}:
            errs.append("linked segments %s, truth %s" % (sorted(linked),
                                                          sorted(tx["frame"] for tx in self.truth["retransmissions"])))
        rin = {n for n, d in pf.items() if "modbus_an.retransmitted_in" in d}
        if rin != set(first):
            errs.append("retransmitted_in on %s, truth %s" % (sorted(rin), sorted(first)))
        report(self, errs, "retransmission links vs truth")

    def test_full_oracle(self):
        """Everything the plain-tshark oracle predicts, frame by frame."""
        report(self, oracle_problems(self, self.PCAP), "gen_network vs oracle")

    # ---- expected topology

    def expected_topology(self, entries):
        """(per entry state / counts, unexpected pairs) from the truth's
        pairs: an entry (server, port, client or None) matches the pairs
        client -> server:port."""
        res = []
        pairs = self.truth["pairs"]
        for e in entries:
            m = [(lbl, p) for lbl, p in pairs.items()
                 if lbl.split(" -> ")[1] == "%s:%d" % (e["server"], e["port"])
                 and (e.get("client") in (None, "") or lbl.split(" -> ")[0] == e["client"])]
            req = sum(p["requests"] for _, p in m)
            r = dict(server=e["server"], port=e["port"], pairs=len(m), requests=req,
                     attempts=sum(p["attempts"] for _, p in m), established=sum(p["established"] for _, p in m),
                     refused=sum(p["refused"] for _, p in m), timeout=sum(p["timeout"] for _, p in m),
                     unfinished=sum(p["attempts"] - p["established"] - p["failed"] for _, p in m),
                     state="traffic" if req else ("attempts" if m else "silent"))
            res.append(r)

        def matched(lbl):
            c, sp = lbl.split(" -> ")
            return any(sp == "%s:%d" % (e["server"], e["port"]) and e.get("client") in (None, "", c) for e in entries)
        unexp = {lbl: p["requests"] for lbl, p in pairs.items() if p["requests"] and not matched(lbl)}
        return res, unexp

    def check_topology(self, topo, want, unexp, clients):
        errs = []
        self.assertIsNotNone(topo, "no Expected topology section")
        self.assertEqual(topo["entries"], len(want))
        got = []
        for state in ("traffic", "attempts", "silent"):
            if topo["counts"].get(state) != len(topo[state]):
                errs.append("%s: count %r, %d lines" % (state, topo["counts"].get(state), len(topo[state])))
            for g in topo[state]:
                got.append(dict(server=g["server"], port=g["port"], pairs=g["pairs"], requests=g["requests"],
                                attempts=g["attempts"], established=g["established"], refused=g["refused"],
                                timeout=g["timeout"], unfinished=g["unfinished"], state=state, client=g["client"]))
        key = lambda d: (d["server"], d["port"], d["client"])   # noqa: E731
        want = [dict(w, client=c) for w, c in zip(want, clients)]
        if sorted(got, key=key) != sorted(want, key=key):
            errs.append("entries:\n      got  %s\n      want %s" % (sorted(got, key=key), sorted(want, key=key)))
        gu = {u["pair"]: u["requests"] for u in topo["unexpected"]}
        if gu != unexp or topo["counts"].get("unexpected") != len(unexp):
            errs.append("unexpected pairs %s, expected %s" % (gu, unexp))
        return errs

    def test_topology_monitor_file(self):
        """pcap_monitor_net.json: the entries of truth["topology"] (a server
        in both ip_addrs and ips.client is one entry), with their states and
        counts, and the unexpected pairs."""
        t = self.truth["topology"]
        out, err, rc = N.stat(self.PCAP, pref("pcap_monitor_file", MONITOR))
        self.assertEqual(rc, 0, err)
        self.assertNotIn("modbus_an:", err)
        topo = N.parse_net_stat(out)["topology"]
        want, unexp = self.expected_topology(t["expected"])
        # the truth's own classification agrees with its pairs
        for w, e in zip(want, t["expected"]):
            self.assertEqual({k: w[k] for k in e if k in w}, {k: e[k] for k in e if k in w}, e)
        self.assertEqual(unexp, {u["pair"]: u["requests"] for u in t["unexpected_pairs"]})
        report(self, self.check_topology(topo, want, unexp, ["any"] * len(want)), "topology (pcap_monitor_file)")

    def test_topology_uat(self):
        """The same through the modbus_an_expected UAT, plus entries with a
        client: 127.0.0.12 for client 127.0.0.6 (its established connection
        only) and for client 127.0.0.5 (its timeouts only), and a silent
        entry on another port."""
        entries = [dict(server=e["server"], port=e["port"], client=None) for e in self.truth["topology"]["expected"]]
        entries += [dict(server="127.0.0.12", port=502, client="127.0.0.6"),
                    dict(server="127.0.0.12", port=502, client="127.0.0.5"),
                    dict(server="127.0.0.10", port=5020, client=None)]
        args = []
        for i, e in enumerate(entries):
            args += ["-o", 'uat:modbus_an_expected:"exp%d","%s","%d","%s"' % (i, e["server"], e["port"],
                                                                             e["client"] or "")]
        out, err, rc = N.stat(self.PCAP, args)
        self.assertEqual(rc, 0, err)
        topo = N.parse_net_stat(out)["topology"]
        want, unexp = self.expected_topology(entries)
        self.assertEqual([w["state"] for w in want[-3:]], ["attempts", "attempts", "silent"])
        self.assertEqual((want[-2]["timeout"], want[-3]["established"]), (2, 1))
        report(self, self.check_topology(topo, want, unexp, [e["client"] or "any" for e in entries]),
               "topology (UAT)")
        names = sorted(g["name"] for s in ("traffic", "attempts", "silent") for g in topo[s])
        self.assertEqual(names, sorted("exp%d" % i for i in range(len(entries))))


class T4GeneratedSTP(GenBase):
    """C: gen_stp_modbus.pcap and its truth."""
    PCAP = GEN_STP

    def test_stp_events_vs_truth(self):
        """The event list of the stat and each event frame's fields and
        expert info = truth["stp_events"]; BPDU count = stp_bpdus."""
        st = self.st["stp"]
        self.assertEqual(st["bpdus"], self.truth["stp_bpdus"])
        errs = []
        got = {e["frame"]: e for e in st["events"]}
        if sorted(got) != sorted(e["frame"] for e in self.truth["stp_events"]):
            errs.append("events at %s, truth %s" % (sorted(got), [e["frame"] for e in self.truth["stp_events"]]))
        roles = N.ROLE_NAMES
        for te in self.truth["stp_events"]:
            g = got.get(te["frame"])
            if g is None:
                continue
            kind = te["kind"]
            want = dict(event=kind, repeats=te["repeats"], vlan=te["vlan"], time=N.us_text(ns_of(te["time"])),
                        bridge=te["bridge"] if kind != "TCN" else te["src_mac"],
                        root=te["root"] if kind != "TCN" else "-")
            if te["port"] is not None:
                want["port"] = te["port"]
            want["what"] = {"TC": "topology change flag set", "TCN": "topology change notification",
                            "root": "root %s -> %s" % (te.get("prev_root"), te["root"]),
                            "role": "port role %s -> %s" % (roles.get(te.get("prev_role")),
                                                            roles.get(te.get("role")))}[kind]
            for k, v in want.items():
                if g[k] != v:
                    errs.append("event frame %d: %s = %r, truth %r" % (te["frame"], k, g[k], v))
            d = self.pf.get(te["frame"], {})
            fw = {"modbus_an.stp.event": [kind],
                  "modbus_an.stp.topology_change": ["1"] if kind in ("TC", "TCN", "root") else None}
            if kind == "TCN":
                fw["modbus_an.stp.tcn"] = ["1"]
            if kind == "root":
                fw["modbus_an.stp.root_change"] = ["1"]
                fw["modbus_an.stp.prev_root"] = [te["prev_root"]]
            if kind == "role":
                fw["modbus_an.stp.role_change"] = ["1"]
                fw["modbus_an.stp.role"] = [roles[te["role"]]]
            if kind != "TCN":
                fw["modbus_an.stp.bridge"] = [te["bridge"]]
                fw["modbus_an.stp.root"] = [te["root"]]
            for k, v in fw.items():
                if d.get(k) != v:
                    errs.append("frame %d: %s = %s, truth %s" % (te["frame"], k, d.get(k), v))
        exp = {"TC": "modbus_an.stp.tc.expert", "TCN": "modbus_an.stp.tcn.expert",
               "root": "modbus_an.stp.root_change.expert", "role": "modbus_an.stp.role_change.expert"}
        for kind, e in exp.items():
            gotf = sorted(n for n, d in self.pf.items() if e in d)
            wantf = sorted(te["frame"] for te in self.truth["stp_events"] if te["kind"] == kind)
            if gotf != wantf:
                errs.append("%s on %s, truth %s" % (e, gotf, wantf))
        report(self, errs, "STP events vs truth")

    def test_requests_vs_truth(self):
        errs = []
        for tr in self.truth["requests"]:
            d = self.pf.get(tr["frame"], {})
            want = {"modbus_an.outcome": [tr["outcome"]], "modbus_an.delayed": ["1"] if tr["delayed"] else None,
                    "modbus_an.cause": [tr["cause"]] if tr["cause"] else None,
                    "modbus_an.cause_frame": [str(tr["cause_frame"])] if tr["cause_frame"] else None}
            for k, v in want.items():
                if d.get(k) != v:
                    errs.append("request %d (%s): %s = %s, truth %s" % (tr["frame"], tr.get("tag"), k, d.get(k), v))
        n = sum(1 for tr in self.truth["requests"] if tr["cause"] == "stp")
        self.assertGreater(n, 0)
        report(self, errs, "requests vs truth")

    def test_full_oracle(self):
        report(self, oracle_problems(self, self.PCAP), "gen_stp_modbus vs oracle")


class T5Prefs(unittest.TestCase):
    """D: connect_timeout, stp_window, retry_window change what the rules
    say they change; invalid values are reported and the defaults kept."""

    def setUp(self):
        if truth_of(GEN_NET) is None:
            self.skipTest("no gen_network truth")

    def variant(self, path, args, stp_window=50 * NS, **prefs):
        cap = N.capture(path, **prefs)
        return cap, oracle_problems(self, path, args, cap=cap, stp_window=stp_window)

    def test_connect_timeout_below_a_handshake(self):
        """A connect_timeout between the two longest handshakes of the truth
        makes the longest attempt a timeout (with its handshake time still
        shown), and nothing else that the oracle does not say."""
        t = truth_of(GEN_NET)
        hs = sorted({ns_of(c["handshake_s"]) for c in t["connections"] if c["handshake_s"]})
        self.assertGreaterEqual(len(hs), 2)
        ct = (hs[-1] + hs[-2]) // 2
        args = pref("connect_timeout", "%.9f" % (ct / 1e9))
        cap, errs = self.variant(GEN_NET, args, connect_timeout=ct)
        slowest = [c for c in t["connections"] if c["handshake_s"] and ns_of(c["handshake_s"]) == hs[-1]]
        for tc in slowest:
            self.assertEqual(cap.conns[tc["stream"]]["result"], "timeout")
            d = N.plugin_frames(GEN_NET, args)[tc["syn_frame"]]
            self.assertEqual(d.get("modbus_an.conn.result"), ["timeout"])
            self.assertEqual(d.get("modbus_an.conn.failed"), ["1"])
            self.assertIn("modbus_an.conn.failed.expert", d)
            self.assertIn("modbus_an.conn.handshake_time", N.plugin_frames(GEN_NET, args)[tc["synack_frame"]])
        report(self, errs, "connect_timeout %s" % args[1])

    def test_connect_timeout_long(self):
        """connect_timeout 100 s: the timed-out attempts of the truth end the
        capture unfinished (it ends less than 100 s after their SYNs)."""
        t = truth_of(GEN_NET)
        args = pref("connect_timeout", "100")
        cap, errs = self.variant(GEN_NET, args, connect_timeout=100 * NS)
        tos = [c for c in t["connections"] if c["result"] == "timeout"]
        self.assertTrue(tos)
        for tc in tos:
            self.assertEqual(cap.conns[tc["stream"]]["result"], "unfinished")
        report(self, errs, "connect_timeout 100")

    def test_stp_window(self):
        """stp_window 0 and 5 s: the stp causes of requests farther than
        that after the change fall back to the next rule that holds."""
        t = truth_of(GEN_STP)
        if t is None:
            self.skipTest("no gen_stp_modbus truth")
        base = N.capture(GEN_STP)
        recs = N.stp_oracle(base)[0]
        stp_reqs = [tr for tr in t["requests"] if tr["cause"] == "stp"]
        self.assertTrue(stp_reqs)
        for w in (0, 5):
            with self.subTest(stp_window=w):
                args = pref("stp_window", w)
                _, errs = self.variant(GEN_STP, args, stp_window=w * NS)
                causes = N.cause_oracle(base, recs, stp_window=w * NS)
                byf = {r.frame: c for r, c in causes.items()}
                moved = [tr for tr in stp_reqs if byf[tr["frame"]][0] != "stp"]
                kept = [tr for tr in stp_reqs if byf[tr["frame"]][0] == "stp"]
                for tr in stp_reqs:
                    d = N.plugin_frames(GEN_STP, args).get(tr["frame"], {})
                    ev = [e for e in t["stp_events"] if e["kind"] in ("TC", "TCN", "root")
                          and ns_of(e["time"]) <= ns_of(tr["time"]) + (ns_of(tr["response_time_s"])
                                                                       if tr["resp_frame"] else 3 * NS)]
                    near = ev and ns_of(tr["time"]) - ns_of(ev[-1]["time"]) <= w * NS
                    self.assertEqual(d.get("modbus_an.cause") == ["stp"], bool(near), tr["frame"])
                if w == 0:
                    self.assertEqual(kept, [], "no change happens while a request waits")
                self.assertTrue(moved)
                # The next rule by the truth: no inserted retransmission, one
                # connection without events, no request retried -> server.
                self.assertEqual(t["retransmissions"], [])
                self.assertEqual(len(t["connections"]), 1)
                retried = {q["retry_of"] for q in t["requests"] if q["retry_of"]}
                for tr in moved:
                    self.assertNotIn(tr["frame"], retried)
                    d = N.plugin_frames(GEN_STP, args).get(tr["frame"], {})
                    self.assertEqual(d.get("modbus_an.cause"), ["server"], tr["frame"])
                    self.assertIsNone(d.get("modbus_an.cause_frame"), tr["frame"])
                report(self, errs, "stp_window %d" % w)

    def test_retry_window(self):
        """retry_window 0: no retries (none of the generated or shared ones
        is simultaneous); a window between the truth's two retry delays
        keeps only the shorter one."""
        t = truth_of(GEN_NET)
        delays = sorted(ns_of(r["time"]) - ns_of(next(q["time"] for q in t["requests"] if q["frame"] == r["retry_of"]))
                        for r in t["requests"] if r["retry_of"])
        self.assertGreaterEqual(len(delays), 2)
        variants = [(GEN_NET, 0), (GEN_NET, (delays[0] + delays[1]) // 2)]
        if have_shared():
            variants.append((shared("gateway-pipelined-4units.pcap"), 0))
        for path, w in variants:
            with self.subTest(capture=os.path.basename(path), retry_window=w / 1e9):
                args = pref("retry_window", "%.9f" % (w / 1e9))
                cap, errs = self.variant(path, args, retry_window=w)
                n = sum(1 for r in cap.requests if r.retry_of is not None)
                st = N.parse_net_stat(N.stat(path, args)[0])
                self.assertEqual(sum(r["Retries"] for r in st["conns"].values()), n)
                if w == 0:
                    self.assertEqual(n, 0)
                else:
                    self.assertEqual(n, 1)
                report(self, errs, "retry_window %s" % args[1])

    def test_invalid_values(self):
        """A value that is not a number of seconds >= 0 is reported by name,
        and the default is used: the stat equals the default run's."""
        default = N.stat(GEN_NET)[0]
        for name, bad, dflt in (("connect_timeout", "abc", "3"), ("retry_window", "1x", "10"),
                                ("stp_window", "-1", "50"), ("connect_timeout", "-0.5", "3")):
            with self.subTest(pref=name, value=bad):
                out, err, rc = N.stat(GEN_NET, pref(name, bad))
                self.assertEqual(rc, 0, err)
                msg = 'modbus_an: %s "%s" is not a number of seconds >= 0; using %s s.' % (name, bad, dflt)
                self.assertIn(msg, err)
                self.assertEqual(out, default)


class T6Passes(unittest.TestCase):
    """E: single pass and -2 agree."""

    def test_stat_identical(self):
        runs = [(path, ()) for path in all_captures()]
        if truth_of(GEN_NET):
            runs.append((GEN_NET, tuple(pref("pcap_monitor_file", MONITOR))))
        for path, args in runs:
            with self.subTest(capture=os.path.basename(path), args=args):
                one, err1, rc1 = N.stat(path, args)
                two, err2, rc2 = N.stat(path, args, two_pass=True)
                self.assertEqual((rc1, rc2), (0, 0))
                self.assertIn('"pair_network"', one)
                self.assertEqual(one, two)

    def test_first_pass_fields_identical(self):
        """conn.direction / reset / close, the tcp.analysis flags, retry_of,
        tcp_retransmission[.inferred] and every stp field: the same single
        pass and with -2, frame by frame."""
        for path in all_captures():
            with self.subTest(capture=os.path.basename(path)):
                one = N.plugin_frames(path, two_pass=False)
                two = N.plugin_frames(path, two_pass=True)
                errs = []
                for n in sorted(set(one) | set(two)):
                    a = {k: v for k, v in one.get(n, {}).items() if k in N.FIRST_PASS_FIELDS}
                    b = {k: v for k, v in two.get(n, {}).items() if k in N.FIRST_PASS_FIELDS}
                    if a != b:
                        errs.append("frame %d: single pass %s, -2 %s" % (n, a, b))
                report(self, errs, os.path.basename(path))

    def test_single_pass_never_contradicts_two_pass(self):
        """A network field shown in single pass (some are known only after
        the first pass and then absent) has the value -2 gives."""
        for path in all_captures():
            with self.subTest(capture=os.path.basename(path)):
                one = N.plugin_frames(path, two_pass=False)
                two = N.plugin_frames(path, two_pass=True)
                errs = []
                for n in sorted(one):
                    for k, v in one[n].items():
                        if two.get(n, {}).get(k) != v:
                            errs.append("frame %d: %s = %s single pass, %s with -2" % (n, k, v,
                                                                                     two.get(n, {}).get(k)))
                report(self, errs, os.path.basename(path))


if __name__ == "__main__":
    unittest.main(verbosity=2)
