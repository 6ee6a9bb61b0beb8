#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tools/modbus_an-monitor: capture ring, triage, archive, retention, status.

Fast tests (no root, no plugin) run the monitor against tests/monitor/
fake_dumpcap and fake_tshark, which speak dumpcap's ring-buffer protocol and
modbus_an's verdict / JSON / SQLite contract from markers in the packets.

The tests whose names contain "live" use the real plugin through
tests/tshark.sh (each proves first that it loads the build):
  pytest tests/test_monitor.py -k live
- the spanning-transaction rule on generated captures split into consecutive
  snapshots (editcap -A/-B at chosen boundaries);
- the monitor on loopback with dumpcap and tests/monitor/livegen.c (root).
"""
import glob
import importlib.machinery
import importlib.util
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MONITOR = os.path.join(REPO, "tools", "modbus_an-monitor")
FAKES = os.path.join(HERE, "monitor")
# Run by this interpreter: no PATH lookup (a pyenv shim costs 0.2 s a start).
FAKE_DUMPCAP = shlex.join([sys.executable, os.path.join(FAKES, "fake_dumpcap")])
FAKE_TSHARK = shlex.join([sys.executable, os.path.join(FAKES, "fake_tshark")])
RECORD_HOOK = shlex.join([sys.executable, os.path.join(FAKES, "record_hook")])
TSHARK_SH = os.path.join(HERE, "tshark.sh")
GEN = os.path.join(HERE, "captures", "gen")
sys.path.insert(0, FAKES)
import pcapio  # noqa: E402


def load_monitor():
    loader = importlib.machinery.SourceFileLoader("modbus_an_monitor", MONITOR)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


mon = load_monitor()


# ---- helpers ----

def read_json(path):
    with open(path) as f:
        return json.load(f)


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out after %g s waiting for %s" % (timeout, what))


def status_of(folder):
    try:
        return read_json(os.path.join(folder, "status.json"))
    except (OSError, ValueError):
        return {}


def leftovers(root):
    """Temporary files anywhere below root."""
    return [p for p in glob.glob(os.path.join(root, "**", "*"), recursive=True) + glob.glob(
        os.path.join(root, "**", ".*"), recursive=True) if ".tmp" in os.path.basename(p)]


def snapshots_in(folder):
    return sorted(n for n in os.listdir(folder) if not n.endswith((".json", ".verdict", ".why"))
                  and not n.startswith("."))


class FakeRun:
    """The monitor with the fake dumpcap and tshark on a plan of ring files."""

    def __init__(self, tmp, files, period=0.3, flags=(), env=None, after="wait"):
        self.tmp = str(tmp)
        self.folder = os.path.join(self.tmp, "f")
        self.plan = os.path.join(self.tmp, "plan.json")
        with open(self.plan, "w") as f:
            json.dump({"period": period, "files": files, "after": after}, f)
        self.tlog = os.path.join(self.tmp, "tshark.log")
        self.hlog = os.path.join(self.tmp, "hook.log")
        self.env = dict(os.environ, FAKE_DUMPCAP_PLAN=self.plan, FAKE_TSHARK_LOG=self.tlog,
                        RECORD_HOOK_LOG=self.hlog, **(env or {}))
        self.env.pop("JOURNAL_STREAM", None)
        self.cmd = [sys.executable, MONITOR, "--dumpcap", FAKE_DUMPCAP, "--tshark", FAKE_TSHARK,
                    "--folder", self.folder, "-i", "fake0", "--duration", "1", "--recent", "50"] + list(flags)
        self.stderr_path = os.path.join(self.tmp, "monitor.err")
        self.p = None

    def start(self):
        self.err = open(self.stderr_path, "w")
        self.p = subprocess.Popen(self.cmd, env=self.env, stderr=self.err, stdout=subprocess.DEVNULL)
        return self

    def status(self):
        return status_of(self.folder)

    def stop(self, timeout=30):
        self.p.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout=30):
        rc = self.p.wait(timeout=timeout)
        self.err.close()
        with open(self.stderr_path) as f:
            self.stderr = f.read()
        return rc

    def hook_calls(self):
        if not os.path.exists(self.hlog):
            return []
        with open(self.hlog) as f:
            return [json.loads(l) for l in f]


# ---- settings ----

def test_settings_flags_config_file_and_derived_filter(tmp_path):
    conf = tmp_path / "m.conf"
    conf.write_text("[capture]\ninterfaces = eth0, eth1\nring_files = 3\nduration = 5\nports = 502 5020\n"
                    "[triage]\nresponse_timeout = 4\nconnect_timeout = 2\ntail_margin = 1.5\n"
                    "tshark_args = -o modbus_an.delay_threshold:0.5\n[storage]\nfolder = %s\n" % tmp_path)
    out = subprocess.run([sys.executable, MONITOR, "--config", str(conf), "--ring-files", "6",
                          "--print-config"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    dump = [l for l in lines if l.startswith("dumpcap: ")][0]
    args = shlex.split(dump[len("dumpcap: "):])
    assert args[args.index("-f") + 1] == \
        "(tcp port 502 or tcp port 5020) or stp or (vlan and ((tcp port 502 or tcp port 5020) or stp))"
    assert args.index("-f") < args.index("-i"), "a filter before the interfaces applies to all of them"
    assert [args[i + 1] for i, a in enumerate(args) if a == "-i"] == ["eth0", "eth1"]
    assert [args[i + 1] for i, a in enumerate(args) if a == "-b"] == \
        ["duration:5", "files:6", "printname:stdout"]
    assert "tail_seconds = 5.5" in lines          # max(4, 2) + 1.5
    topts = shlex.split([l for l in lines if l.startswith("tshark options: ")][0][len("tshark options: "):])
    assert topts == ["-o", "modbus_an.response_timeout:4", "-o", "modbus_an.connect_timeout:2",
                     "-o", "modbus_an.server_ports:502,5020", "-d", "tcp.port==5020,mbtcp",
                     "-o", "modbus_an.delay_threshold:0.5"]

    for bad, msg in (("[capture]\nringfiles = 3\n", "unknown setting [capture] ringfiles"),
                     ("[capture]\nring_files = 1\n", "ring_files must be at least 2"),
                     ("[capture]\nduration = 0\n", "set duration, interval or filesize"),
                     ("[capture]\nports = 70000\n", "ports must be TCP ports")):
        conf.write_text(bad)
        out = subprocess.run([sys.executable, MONITOR, "--config", str(conf), "--print-config"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert out.returncode == 2 and msg in out.stderr, (bad, out.stderr)


# ---- triage: the tail of the previous snapshot and report_after ----

def fake_cfg(tmp, **kw):
    values = {"tshark": FAKE_TSHARK, "folder": str(tmp), "response_timeout": "0.5",
              "connect_timeout": "0.5", "tail_margin": "0.2"}
    values.update(kw)
    return mon.Config(values)


def test_triage_tail_counts_a_spanning_transaction_once(tmp_path, monkeypatch):
    """Each snapshot is analysed with the last 0.7 s (timeout 0.5 + margin
    0.2) before it; only what is decided after the previous snapshot's last
    packet is reported: the request pending at a boundary is answered in the
    next snapshot, not an orphan there, and a request missed after the
    boundary is kept where its timeout runs out."""
    log = tmp_path / "tshark.log"
    monkeypatch.setenv("FAKE_TSHARK_LOG", str(log))
    t0 = 1700000000.0
    snaps = {
        1: [(0.0, "REQ:1"), (0.01, "RESP:1"), (0.5, "FAULT:x"), (0.9, "REQ:2")],
        2: [(1.1, "RESP:2"), (1.2, "REQ:3"), (1.8, "REQ:4")],
        3: [(2.5, "REQ:6"), (2.51, "RESP:6")],
        4: [(3.1, "RESP:7")],
    }
    paths = {}
    for n, pk in snaps.items():
        paths[n] = str(tmp_path / ("s_%05d_20231114221320.pcap" % n))
        pcapio.write_pcap(paths[n], [("%.6f" % (t0 + dt), m) for dt, m in pk])
    tr = mon.Triage(fake_cfg(tmp_path), str(tmp_path / "work"))
    res = {n: tr.analyse(paths[n], ("run", n)) for n in sorted(paths)}
    pair = {n: r.doc["pairs"][0] for n, r in res.items()}

    assert (res[1].decision, res[1].reasons, res[1].tail) == ("keep", ["x"], False)
    assert pair[1]["unanswered_at_end"] == 1                 # REQ:2: no fault
    # 2: RESP:2 answers REQ:2 from the tail (no orphan); FAULT:x is in the tail
    # but was reported in 1; REQ:3 is missed at 1.7.
    assert (res[2].decision, res[2].reasons, res[2].tail) == ("keep", ["missed"], True)
    assert (pair[2]["answered"], pair[2]["missed"], pair[2]["orphans"]) == (1, 1, 0)
    # 3: REQ:4, sent in 2, is missed at 2.3: kept here, where it is decided.
    assert (res[3].decision, res[3].reasons) == ("keep", ["missed"])
    assert (pair[3]["answered"], pair[3]["missed"]) == (1, 1)
    # 4: a response whose request nobody saw is a real orphan.
    assert (res[4].decision, res[4].reasons) == ("keep", ["orphan"])
    # Every request counted once: 1 answered + REQ:2 + REQ:3 + REQ:4 + REQ:6.
    assert sum(p["answered"] + p["missed"] for p in pair.values()) + pair[4]["unanswered_at_end"] == 5

    runs = [json.loads(l) for l in log.read_text().splitlines()]
    assert runs[0]["report_after"] is None
    # The tail of 1 is cut at its last packet - 0.7 s: FAULT:x and REQ:2.
    assert runs[1]["markers"] == ["FAULT:x", "REQ:2", "RESP:2", "REQ:3", "REQ:4"]
    assert Decimal(runs[1]["report_after"]) == Decimal("%.6f" % (t0 + 0.9)) + Decimal("0.000001")
    assert runs[1]["name"] == os.path.basename(paths[2]), "the input keeps the snapshot's name"
    # The tail of 2 starts at 1.8 - 0.7: RESP:2 is in it, an orphan there,
    # decided before report_after: not reported.
    assert runs[2]["markers"] == ["RESP:2", "REQ:3", "REQ:4", "REQ:6", "RESP:6"]
    assert runs[1]["options"]["modbus_an.response_timeout"] == "0.5"

    # Without the tail (no consecutive numbers) snapshot 2 shows the false
    # fault the rule avoids.
    tr.reset()
    alone = tr.analyse(paths[2], None)
    assert alone.reasons[0] == "orphan" and not alone.tail


def test_triage_empty_snapshot_keeps_the_tail(tmp_path):
    """A silent snapshot does not lose a pending request: the next one still
    has it in its tail and reports it missed."""
    t0 = 1700000000.0
    files = [[(0.1, "REQ:1"), (0.11, "RESP:1"), (0.8, "REQ:2")], [], [(2.5, "REQ:3"), (2.51, "RESP:3")]]
    tr = mon.Triage(fake_cfg(tmp_path), str(tmp_path / "work"))
    res = []
    for n, pk in enumerate(files, 1):
        p = str(tmp_path / ("s_%05d_20231114221320.pcap" % n))
        pcapio.write_pcap(p, [("%.6f" % (t0 + dt), m) for dt, m in pk])
        res.append(tr.analyse(p, ("run", n)))
    assert [r.decision for r in res] == ["discard", "discard", "keep"]
    assert res[1].packets == 0 and res[1].tail
    assert res[2].doc["pairs"][0]["missed"] == 1


# ---- the monitor with the fake dumpcap ----

def clean(n):
    return [[0.01, "REQ:%d" % n], [0.02, "RESP:%d" % n]]


def test_keep_discard_retention_status_and_hook(tmp_path):
    """Six ring files, faults in the 2nd and 5th: those are archived with
    their JSON and verdict, the others deleted after the 1 s retention; the
    status file always parses and counts right; the hook runs once per
    snapshot with the status file and the snapshot's JSON."""
    files = [clean(1), clean(2) + [[0.1, "FAULT:a"]], clean(3), clean(4), clean(5) + [[0.1, "FAULT:b"]],
             clean(6)]
    run = FakeRun(tmp_path, files, flags=["--retention", "1", "--hook", RECORD_HOOK]).start()
    reads, bad = [0], []
    done = threading.Event()

    def reader():                  # the status file is replaced, never half-written
        path = os.path.join(run.folder, "status.json")
        while not done.is_set():
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                continue
            try:
                json.loads(text)
                reads[0] += 1
            except ValueError:
                bad.append(text)
    th = threading.Thread(target=reader)
    th.start()
    try:
        wait_for(lambda: run.status().get("triaged") == 6, 20, "six snapshots triaged")
        st = run.status()
        assert st["capture_running"] is True and st["kept"] == 2 and st["discarded"] == 4
        wait_for(lambda: run.status().get("deleted_retention") == 4, 5, "retention deletes")
        rc = run.stop()
    finally:
        done.set()
        th.join()
    assert rc == 0, run.stderr
    assert not bad and reads[0] > 20, (reads, bad[:1])

    f = run.folder
    kept = snapshots_in(os.path.join(f, "archive"))
    assert [mon.snapshot_number(n) for n in kept] == [2, 5]
    for n in kept:
        base = os.path.join(f, "archive", n)
        assert read_json(base + ".json")["verdict"]["decision"] == "keep"
        assert open(base + ".verdict").read() in ("keep: a\n", "keep: b\n")
    # 1, 3, 4, 6 gone after the retention; the 7th (the open file finished at
    # SIGTERM, empty) was discarded just now and waits for its retention.
    assert [mon.snapshot_number(n) for n in snapshots_in(os.path.join(f, "discard"))] == [7]
    st = run.status()
    assert (st["snapshots_seen"], st["triaged"], st["kept"], st["discarded"]) == (7, 7, 2, 5)
    assert (st["untriaged"], st["triage_failed"], st["lost"], st["deleted_retention"]) == (0, 0, 0, 4)
    assert st["capture_running"] is False and st["queue_length"] == 0 and st["falling_behind"] is False
    assert st["last_verdict"] == "discard: clean"
    assert st["last_problem"]["reasons"] == ["b"] and st["last_problem"]["snapshot"] == kept[1]
    assert st["disk"]["archive_bytes"] == sum(os.path.getsize(os.path.join(f, "archive", n))
                                              for n in os.listdir(os.path.join(f, "archive")))
    assert [r["location"] for r in st["recent"]] == \
        ["deleted", "archive", "deleted", "deleted", "archive", "deleted", "discard"]

    calls = run.hook_calls()
    assert len(calls) == 7
    for c, r in zip(calls, st["recent"]):
        assert c["argv"][0] == os.path.join(f, "status.json")
        assert os.path.basename(c["argv"][1]) == r["name"] + ".json"
        assert c["json_ok"] and c["snapshot_exists"]
        assert c["env"]["MODBUS_AN_DECISION"] == r["decision"]
        assert c["env"]["MODBUS_AN_VERDICT"] == r["verdict"]
    assert [c["status_last"] for c in calls] == [r["name"] for r in st["recent"]], \
        "the status is written before the hook runs"

    assert not leftovers(f)
    assert os.listdir(os.path.join(f, "ring")) == [] and os.listdir(os.path.join(f, "spool")) == []
    assert "deleted %s: discarded" % st["recent"][0]["name"] in run.stderr


def test_queue_full_keeps_snapshots_untriaged(tmp_path):
    """Triage slower than capture: with queue_max 1 the snapshots that find
    the queue full go to untriaged/ (with the reason), the status says so,
    capture goes on, and nothing is deleted."""
    files = [clean(n) for n in range(1, 9)]
    run = FakeRun(tmp_path, files, period=0.1, flags=["--queue-max", "1", "--retention", "100"],
                  env={"FAKE_TSHARK_SLEEP": "0.5"}).start()
    behind = []

    def watch():
        st = run.status()
        if st.get("falling_behind"):
            behind.append(st)
        return st.get("snapshots_seen", 0) >= 8
    wait_for(watch, 20, "eight snapshots")
    rc = run.stop()
    assert rc == 0, run.stderr
    st = run.status()
    f = run.folder
    assert behind and behind[0]["capture_running"] is True
    assert st["untriaged"] >= 3
    assert st["triaged"] + st["untriaged"] == st["snapshots_seen"] == 9
    untriaged = snapshots_in(os.path.join(f, "untriaged"))
    assert len(untriaged) == st["untriaged"]
    for n in untriaged:
        assert "triage queue full" in open(os.path.join(f, "untriaged", n + ".why")).read()
    assert len(snapshots_in(os.path.join(f, "discard"))) == st["triaged"]
    assert "triage is falling behind" in run.stderr
    assert not leftovers(f)


def test_archive_cap_deletes_oldest_kept_first(tmp_path):
    pad = [[0.001 * i, "PAD:" + "x" * 1000] for i in range(10)]      # ~10.5 kB per snapshot
    files = [pad + [[0.1, "FAULT:f%d" % n]] for n in range(1, 6)]
    run = FakeRun(tmp_path, files, flags=["--archive-max-mb", "0.025"]).start()
    wait_for(lambda: run.status().get("triaged") == 5, 20, "five snapshots")
    rc = run.stop()
    assert rc == 0, run.stderr
    st = run.status()
    archive = os.path.join(run.folder, "archive")
    assert [mon.snapshot_number(n) for n in snapshots_in(archive)] == [4, 5]
    assert st["deleted_archive_cap"] == 3 and st["kept"] == 5
    assert sum(os.path.getsize(os.path.join(archive, n)) for n in os.listdir(archive)) <= 25000
    capped = [l for l in run.stderr.splitlines() if "archive cap" in l]
    assert [mon.snapshot_number(l.split("snapshot ")[1].split()[0]) for l in capped] == [1, 2, 3]


def test_sigterm_finishes_and_triages_everything(tmp_path):
    """SIGTERM while triage is busy and snapshots wait: dumpcap finishes its
    file, every snapshot is triaged before the exit, the archive holds only
    complete triples."""
    files = [clean(n) + [[0.05, "FAULT:f"]] for n in range(1, 5)]
    run = FakeRun(tmp_path, files, period=0.15, env={"FAKE_TSHARK_SLEEP": "0.3"}).start()
    wait_for(lambda: run.status().get("snapshots_seen", 0) >= 3, 20, "three snapshots")
    t = time.time()
    rc = run.stop()
    assert rc == 0, run.stderr
    assert time.time() - t < 10
    st = run.status()
    assert st["triaged"] == st["snapshots_seen"] and st["untriaged"] == 0
    archive = os.path.join(run.folder, "archive")
    kept = snapshots_in(archive)
    assert len(kept) == st["kept"] >= 3
    assert sorted(os.listdir(archive)) == sorted(sum([[n, n + ".json", n + ".verdict"] for n in kept], []))
    assert not leftovers(run.folder)
    assert "SIGTERM: finishing the current snapshot" in run.stderr


def test_recovers_what_a_killed_run_left(tmp_path):
    """A snapshot still in the spool and a ring file nobody took (one link)
    are triaged first on the next start."""
    f = os.path.join(str(tmp_path), "f")
    for d in ("ring", "spool"):
        os.makedirs(os.path.join(f, d))
    t = time.time() - 60
    pcapio.write_pcap(os.path.join(f, "spool", "modbus_an_00007_20240101000000.pcapng"),
                      [(t, "FAULT:old")])
    pcapio.write_pcap(os.path.join(f, "ring", "modbus_an_00008_20240101000000.pcapng"), [(t + 1, "REQ:1")])
    open(os.path.join(f, "spool", ".modbus_an_00009.tmp"), "w").close()
    run = FakeRun(tmp_path, [clean(1)]).start()
    wait_for(lambda: run.status().get("triaged") == 3, 20, "three snapshots")
    assert run.stop() == 0, run.stderr
    names = [r["name"] for r in run.status()["recent"]]
    assert names[:2] == ["modbus_an_00007_20240101000000.pcapng", "modbus_an_00008_20240101000000.pcapng"]
    assert snapshots_in(os.path.join(f, "archive")) == ["modbus_an_00007_20240101000000.pcapng"]
    assert "recovering modbus_an_00008" in run.stderr
    assert not leftovers(f)


def test_triage_failure_keeps_the_snapshot_untriaged(tmp_path):
    run = FakeRun(tmp_path, [clean(1), clean(2), clean(3)], period=0.2,
                  env={"FAKE_TSHARK_FAIL": "_00002_"}).start()
    wait_for(lambda: run.status().get("snapshots_seen", 0) >= 3, 20, "three snapshots")
    assert run.stop() == 0, run.stderr
    st = run.status()
    assert st["triage_failed"] == 1 and st["triaged"] == 3
    assert "appears to be damaged" in st["last_error"]["message"]
    u = os.path.join(run.folder, "untriaged")
    assert [mon.snapshot_number(n) for n in snapshots_in(u)] == [2]
    assert "triage failed" in open(os.path.join(u, snapshots_in(u)[0] + ".why")).read()


def test_bad_interface_and_missing_plugin_are_clear_errors(tmp_path):
    run = FakeRun(tmp_path, [])
    run.cmd[run.cmd.index("fake0")] = "nosuch0"
    rc = run.start().wait()
    assert rc == 3, run.stderr
    assert 'dumpcap cannot capture on nosuch0: dumpcap: There is no device named "nosuch0". ' \
           '(No such device exists)' in run.stderr
    assert run.status()["capture_running"] is False

    run = FakeRun(tmp_path, [], env={"FAKE_TSHARK_NO_PLUGIN": "1"})
    rc = run.start().wait()
    assert rc == 2 and "does not load the modbus_an plugin" in run.stderr


def test_triage_command_line_on_files(tmp_path):
    """--triage FILE...: consecutive snapshots without capture; kept ones are
    copied (not moved) into the archive."""
    t0 = 1700000000.0
    a, b = str(tmp_path / "a_00001_20231114221320.pcap"), str(tmp_path / "b_00002_20231114221321.pcap")
    pcapio.write_pcap(a, [(t0, "REQ:1"), (t0 + 0.9, "REQ:2")])
    pcapio.write_pcap(b, [(t0 + 1.0, "RESP:2"), (t0 + 1.1, "FAULT:z")])
    out = subprocess.run([sys.executable, MONITOR, "--tshark", FAKE_TSHARK, "--folder", str(tmp_path / "f"),
                          "--triage", a, b], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [a + ": discard: clean", b + ": keep: z"]
    assert snapshots_in(str(tmp_path / "f" / "archive")) == [os.path.basename(b)]
    assert os.path.exists(a) and os.path.exists(b)


# ---- the real plugin: spanning transactions on generated captures ----

def prove_loaded():
    p = subprocess.run([TSHARK_SH, "--prove-loaded"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, "tests/tshark.sh --prove-loaded: " + p.stdout + p.stderr


@pytest.fixture
def shared_tmp():
    """A folder the unprivileged tshark of tests/tshark.sh can write in
    (pytest's tmp_path is private to this user)."""
    d = tempfile.mkdtemp(prefix="modbus_an_monitor.")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def modbus_frame_times(cap):
    out = subprocess.run(["tshark", "-r", cap, "-Y", "mbtcp", "-T", "fields", "-e", "frame.time_epoch"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True).stdout
    return [float(x) for x in out.split()]


def connection_ends(cap):
    """[(time, (src ip, src port), (dst ip, dst port))] of every FIN and RST."""
    out = subprocess.run(["tshark", "-r", cap, "-Y", "tcp.flags.fin == 1 || tcp.flags.reset == 1", "-T", "fields",
                          "-e", "frame.time_epoch", "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst",
                          "-e", "tcp.dstport"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         check=True).stdout
    rows = [l.split("\t") for l in out.splitlines() if l]
    return [(float(t), (a, int(ap)), (b, int(bp))) for t, a, ap, b, bp in rows]


def split_at(cap, bounds, folder):
    """Consecutive snapshots of cap cut at the epochs in bounds, named as
    dumpcap names ring files. (editcap -i cuts every whole N s from the
    first packet; -A/-B put each boundary exactly inside the transaction a
    test is about, with no packet lost or repeated.)"""
    edges = [None] + list(bounds) + [None]
    out = []
    for i in range(len(edges) - 1):
        p = os.path.join(folder, "snap_%05d_20261201000000.pcap" % (i + 1))
        cmd = ["editcap"]
        if edges[i] is not None:
            cmd += ["-A", "%.6f" % edges[i]]
        if edges[i + 1] is not None:
            cmd += ["-B", "%.6f" % edges[i + 1]]
        subprocess.run(cmd + [cap, p], check=True)
        out.append(p)
    return out


def safe_boundary(target, frames, avoid=(), gap=0.05):
    """The time nearest target at least gap away from every Modbus frame and
    outside the intervals in avoid."""
    for k in range(400):
        for b in (target + k * 0.01, target - k * 0.01):
            if all(abs(b - t) >= gap for t in frames) and not any(lo <= b <= hi for lo, hi in avoid):
                return b
    raise AssertionError("no safe boundary near %f" % target)


def totals(doc):
    pairs = doc.get("pairs", [])
    out = {}
    for k in ("requests", "answered", "late", "missed", "unanswered_at_end"):
        if any(k in p for p in pairs):
            out[k] = sum(p.get(k, 0) for p in pairs)
    return out


def triage_split(cap, bounds, tmp):
    cfg = mon.Config({"tshark": TSHARK_SH, "folder": tmp})
    snaps = split_at(cap, bounds, os.path.join(tmp, "snaps"))
    tr = mon.Triage(cfg, os.path.join(tmp, "work"))
    whole = tr.analyse(cap, None)
    parts = [tr.analyse(s, ("split", i)) for i, s in enumerate(snaps)]
    return whole, parts


def check_counts(whole, parts):
    """Every transaction decided once: the outcomes add up to the whole
    file's; requests add up once the unanswered_at_end of every snapshot but
    the last (decided again in the next one, as the contract says) are
    taken out."""
    w = totals(whole.doc)
    t = [totals(p.doc) for p in parts]
    assert "requests" in w and "missed" in w and "unanswered_at_end" in w, \
        "modbus_an's JSON pairs lack requests / missed / unanswered_at_end: %s" % sorted(w)
    for k in ("answered", "late", "missed"):
        if k in w:
            assert sum(x.get(k, 0) for x in t) == w[k], (k, [x.get(k) for x in t], w[k])
    assert sum(x["requests"] for x in t) - sum(x["unanswered_at_end"] for x in t[:-1]) == w["requests"]
    assert t[-1]["unanswered_at_end"] == w["unanswered_at_end"]


def test_live_spanning_transactions_give_no_false_fault(shared_tmp):
    """gen_basic (all answered) cut in the middle of three slow (1.5 s)
    transactions: each is unanswered_at_end in one snapshot and answered in
    the next; no snapshot is kept, as the whole file is not."""
    prove_loaded()
    cap = os.path.join(GEN, "gen_basic.pcap")
    truth = read_json(os.path.join(GEN, "gen_basic.truth.json"))
    frames = modbus_frame_times(cap)
    slow = sorted((r for r in truth["requests"] if r["fault"] == "slow"), key=lambda r: r["t_send"])
    span = [slow[0], slow[2], slow[4]]
    bounds = [safe_boundary(r["t_send"] + 0.75, frames) for r in span]
    for r, b in zip(span, bounds):
        assert r["t_send"] + 0.1 < b < r["t_send"] + 1.4
    tmp = shared_tmp
    os.makedirs(os.path.join(tmp, "snaps"))
    whole, parts = triage_split(cap, bounds, tmp)
    assert whole.verdict == "discard: clean", "the whole gen_basic is expected clean: " + whole.verdict
    assert [p.verdict for p in parts] == ["discard: clean"] * 4
    assert [p.tail for p in parts] == [False, True, True, True]
    check_counts(whole, parts)
    assert [totals(p.doc)["unanswered_at_end"] >= 1 for p in parts[:-1]] == [True] * 3
    for p in parts:
        assert p.doc["capture"]["name"] == p.name
        assert p.doc["summary"]["topic"] == "/status/modbus_connections/%s/summary" % p.name
    assert totals(whole.doc)["requests"] == truth["expected_totals"]["requests"]


def test_live_missed_request_is_kept_where_it_is_decided(shared_tmp):
    """gen_faults cut between a dropped request (3.2 s after the start) and
    the moment its 3 s timeout runs out, and elsewhere: each snapshot counts
    exactly the missed requests decided in it (when the timeout runs out, or
    earlier when the connection ends: a server FIN/RST, a client reconnect),
    is kept when it has one, and the snapshot that only saw the drop sent
    does not count it."""
    prove_loaded()
    cap = os.path.join(GEN, "gen_faults.pcap")
    truth = read_json(os.path.join(GEN, "gen_faults.truth.json"))
    timeout = truth["response_timeout"]
    frames = modbus_frame_times(cap)
    reqs = sorted(truth["requests"], key=lambda r: r["t_send"])
    start = reqs[0]["t_send"]
    ends = connection_ends(cap)
    decided = []       # when each missed request is decided: its timeout or its connection's end
    for r in reqs:
        if r["expected_outcome"] == "missed":
            end = min((t for t, a, b in ends if (r["client_ip"], r["client_port"]) in (a, b)
                       and t > r["t_send"]), default=float("inf"))
            decided.append(min(r["t_send"] + timeout, end))
    # never between a late request's timeout and its answer (missed, then late)
    late = [(r["t_send"] + timeout - 0.05, r["t_send"] + r["injected_delay_s"] + 0.05)
            for r in reqs if r["expected_outcome"] == "late"]
    drop = [r for r in reqs if r["fault"] == "drop"][0]
    avoid = late + [(d - 0.1, d + 0.1) for d in decided]
    bounds = [safe_boundary(start + 2.0, frames, avoid),
              safe_boundary(drop["t_send"] + timeout / 2, frames, avoid),
              safe_boundary(start + 10.0, frames, avoid)]
    assert bounds[0] < drop["t_send"] < bounds[1] < drop["t_send"] + timeout < bounds[2]
    tmp = shared_tmp
    os.makedirs(os.path.join(tmp, "snaps"))
    whole, parts = triage_split(cap, bounds, tmp)
    assert totals(whole.doc)["missed"] == truth["expected_totals"]["missed"]
    check_counts(whole, parts)
    edges = [float("-inf")] + [float(p.last_epoch) for p in parts]
    for i, p in enumerate(parts):
        want = sum(1 for d in decided if edges[i] < d <= edges[i + 1])
        assert totals(p.doc)["missed"] == want, (i, totals(p.doc), want)
        if want:
            assert p.decision == "keep", (i, p.verdict)
    # the drop sent in snapshot 2 is missed in snapshot 3 only
    in2 = sum(1 for d in decided if edges[1] < d <= edges[2])
    assert totals(parts[1].doc)["missed"] == in2
    assert edges[2] < drop["t_send"] + timeout <= edges[3]


# ---- the real plugin and dumpcap on loopback ----

def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root: dumpcap on lo and a Modbus server on port 502 (CI runs as root)")


def test_live_loopback_monitor_keeps_exactly_the_faulty_snapshots(shared_tmp):
    """dumpcap on lo in 3 s snapshots (-b interval:3) while livegen polls
    127.0.0.60:502 for 17 s with a drop sent at T0+4 (missed at T0+7), a
    1.2 s reply and an exception in [T0+6, T0+9) and a heartbeat frozen in
    [T0+12.8, T0+14.2): the monitor keeps exactly the snapshots in which those
    are decided, deletes the others after the 2 s retention, keeps its
    status right, and a SIGTERM at T0+16.5 (mid-capture) leaves a consistent
    archive."""
    need_root()
    prove_loaded()
    tmp = shared_tmp
    gen = os.path.join(tmp, "livegen")
    cflags = subprocess.run(["pkg-config", "--cflags", "--libs", "libmodbus"], stdout=subprocess.PIPE,
                            text=True, check=True).stdout.split()
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", gen,
                    os.path.join(FAKES, "livegen.c")] + cflags + ["-lpthread"], check=True)
    folder = os.path.join(tmp, "f")
    hlog = os.path.join(tmp, "hook.log")
    hb = '"hb","127.0.0.62","127.0.0.60","502","1","input","1000","16","",""'
    cmd = [sys.executable, MONITOR, "-i", "lo", "--filter", "host 127.0.0.60 and tcp port 502",
           "--interval", "3", "--duration", "0", "--ring-files", "3", "--retention", "2",
           "--folder", folder, "--tshark", TSHARK_SH, "--tshark-args=-o " + shlex.quote("uat:modbus_an_heartbeats:" + hb),
           "--sqlite", os.path.join(folder, "db", "all.sqlite"), "--hook", RECORD_HOOK, "--recent", "50"]
    os.makedirs(folder)
    os.chmod(folder, 0o777)
    # T0 on a snapshot boundary (a multiple of 3 s), at least 1.8 s away
    # (the monitor checks tshark, then starts dumpcap).
    t0 = (int(time.time() + 1.8) // 3 + 1) * 3.0
    errf = open(os.path.join(tmp, "monitor.err"), "w")
    env = dict(os.environ, RECORD_HOOK_LOG=hlog)
    env.pop("JOURNAL_STREAM", None)
    mp = subprocess.Popen(cmd, stderr=errf, env=env)
    glog = os.path.join(tmp, "gen.json")
    gp = subprocess.Popen([gen, "%.6f" % t0, glog], stderr=subprocess.PIPE, text=True)
    try:
        while time.time() < t0 + 16.5:
            assert mp.poll() is None, "monitor exited early: " + open(errf.name).read()
            time.sleep(0.05)
        mp.send_signal(signal.SIGTERM)
        rc = mp.wait(timeout=40)
        gerr = gp.communicate(timeout=10)[1]
    finally:
        for p in (mp, gp):
            if p.poll() is None:
                p.kill()
        errf.close()
    stderr = open(errf.name).read()
    assert gp.returncode == 0, "livegen: " + gerr
    assert rc == 0, stderr
    g = read_json(glog)
    assert g["checks_failed"] == 0

    # What is decided when (modbus_an's response_timeout 3 s).
    decisions = []
    for r in g["requests"]:
        if r["kind"] == "drop":
            decisions.append(("drop", r["t_send"] + 3.0, r["t_send"] + 3.0))
        elif r["kind"] in ("slow", "exception"):
            decisions.append((r["kind"], r["t_action"], r["t_action"]))
    hb_polls = sorted(r["t_recv"] for r in g["requests"] if r["kind"] == "heartbeat")
    recover = min(t for t in hb_polls if t >= g["freeze_to"])
    decisions.append(("stall", g["freeze_from"], recover))

    st = read_json(os.path.join(folder, "status.json"))
    recs = st["recent"]
    assert st["snapshots_seen"] == len(recs) == st["triaged"]
    assert (st["untriaged"], st["triage_failed"], st["lost"]) == (0, 0, 0)
    assert st["capture_running"] is False
    # Snapshot k reports what is decided after the last packet of k-1.
    windows, prev = [], float("-inf")
    for r in recs:
        if r["last_epoch"] is not None:
            windows.append((r["name"], prev, r["last_epoch"]))
            prev = r["last_epoch"]
    expect = set()
    for what, lo, hi in decisions:
        hit = [n for n, a, b in windows if a < lo <= b]
        assert hit, "%s at %.3f is in no snapshot" % (what, lo)
        assert any(a < hi <= b for n, a, b in windows if n == hit[0]), \
            "%s spans a snapshot boundary (%.3f-%.3f): %s" % (what, lo, hi, windows)
        expect.add(hit[0])
    assert len(expect) == 2, (decisions, windows)
    kept = {r["name"] for r in recs if r["decision"] == "keep"}
    assert kept == expect, ([(r["name"], r["verdict"]) for r in recs], decisions)
    assert st["kept"] == 2 and st["discarded"] == len(recs) - 2

    archive = os.path.join(folder, "archive")
    assert sorted(os.listdir(archive)) == sorted(sum([[n, n + ".json", n + ".verdict"] for n in kept], []))
    for n in kept:
        assert read_json(os.path.join(archive, n + ".json"))["verdict"]["decision"] == "keep"
        assert open(os.path.join(archive, n + ".verdict")).read().startswith("keep: ")
    # Discarded more than the retention (+1 s sweep) before the stop: deleted.
    stopped = st["updated"]
    for r in recs:
        if r["decision"] == "discard":
            if r["triaged"] < stopped - 3.5:
                assert r["location"] == "deleted", r
            if r["location"] == "deleted":
                assert not os.path.exists(os.path.join(folder, "discard", r["name"]))
    assert st["deleted_retention"] == sum(r["location"] == "deleted" for r in recs) >= 3
    # The SIGTERM came mid-capture: the last snapshot ends after T0+16 and was triaged.
    assert recs[-1]["last_epoch"] > t0 + 16.0 and recs[-1]["decision"] == "discard"
    assert not leftovers(folder)
    assert os.listdir(os.path.join(folder, "ring")) == [] and os.listdir(os.path.join(folder, "spool")) == []
    with open(hlog) as f:
        assert len(f.readlines()) == len(recs)
    db = sqlite3.connect(os.path.join(folder, "db", "all.sqlite"))
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == len(recs)


def test_live_dumpcap_errors_are_clear(shared_tmp):
    """The real dumpcap: a bad interface name, and (as root) capturing as a
    user without the capabilities: one clear line and exit 3."""
    prove_loaded()
    tmp = shared_tmp
    p = subprocess.run([sys.executable, MONITOR, "-i", "nosuch0", "--folder", os.path.join(tmp, "f"),
                        "--tshark", TSHARK_SH], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    assert p.returncode == 3, p.stderr
    assert 'error: dumpcap cannot capture on nosuch0: dumpcap: There is no device named "nosuch0". ' \
           '(No such device exists)' in p.stderr
    if os.geteuid() != 0:
        return
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, MONITOR,
                        "-i", "lo", "--folder", os.path.join(tmp, "g"), "--tshark", FAKE_TSHARK],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 3, p.stderr
    assert 'error: dumpcap cannot capture on lo: dumpcap: You do not have permission to capture on device ' \
           '"lo". (socket: Operation not permitted)' in p.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"] + sys.argv[1:]))
