#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""workloads.py - build the benchmark workloads on demand, reuse them when present.

Usage: bench/workloads.py [--cache DIR] [--force] [--list] NAME|SIZE|all ...
  NAME   modbus-lossy-100k  modbus-lossy-1m  mixed-plant-100k  mixed-plant-1m
         no-modbus-100k     no-modbus-1m     cip-stp-100k
  SIZE   100k or 1m: every workload of that size;  all: every workload
  --cache DIR  where the workloads live (default: <repo>/build-bench; /build*/ is git-ignored)
  --force      rebuild even when a cached copy matches its recipe
  --list       only list the names
Prints one line per workload: name, path, packets, Modbus PDUs (tab-separated).

Each workload is DIR/NAME.pcap plus DIR/NAME.json beside it: the counts (packets
from capinfos; Modbus PDUs = `mbtcp.trans_id` occurrences, STP frames and TCP
streams, all from plain tshark without the plugin), the recipe (per source:
copies, period, address keys) and a fingerprint of the recipe, of this script,
of multiply.py and of every source file. A cached workload whose fingerprint
differs (a source capture or the recipe changed) is rebuilt.

How each workload is made (sources: ../shared/captures, see its MANIFEST.md,
and the generator's committed captures in tests/captures/):
Every source is copied with bench/multiply.py: copy i is shifted in time and
its IPv4 addresses XORed with an address key (each source has its own key
range of 8192), so every copy's TCP connections are new to Wireshark; the
per-source streams are then merged by time with `mergecap` (no -a). All
sources are rebased onto one timeline (copy 0 starts at START_EPOCH). A
workload of SIZE packets spans T = SIZE / RATE seconds; source k gets
N_k copies spread evenly over T (period T / N_k, so copies of a source overlap
in time when its capture is longer than the period; their addresses differ).
N_k is planned for 100k packets - round(share_k * 100000 / packets_k), the
"fill" source taking whatever the others leave, so the total lands within a
few percent of 100,000 - and multiplied by ten for 1M. So the 1M workload has
exactly the traffic mix and the concurrency of the 100k one (same periods),
over a timeline ten times longer.

  modbus-lossy  (RATE 100 packets/s; Modbus-dense and lossy)
      gateway-pipelined-4units.pcap  fill (~50%): pipelined gateway, 4 units,
                                     27 unanswered requests, out-of-order answers
      rtu6-exceptions-conn-per-poll  40%: a TCP connection per poll, 84% exceptions
      tests/captures/gen/gen_faults   5%: slow/late answers (1.2-4 s), drops (missed),
                                     server FIN/RST with a request pending, exceptions
      tests/captures/net/gen_network  5%: connection failures, resets, reconnects,
                                     application retries, spliced TCP retransmissions
  mixed-plant   (RATE 60 packets/s; a plant: many PLCs, long polls, writes, STP, other traffic)
      plant1-13plcs.pcap             40%: one master, 13 PLCs, PDUs packed in segments
      single-conn-long-poll.pcap     20%: one long FC1/FC5 connection
      coil-writes-28min.pcapng       13%: FC5 writes (pcapng, converted with editcap -F pcap)
      many-units-fc-mix.pcap          1%: 9 units, 17 function codes (idle gaps > 60 s
                                     compressed to 60 s: the capture spans 2.7 days)
      non-modbus-probes-on-502.pcap   1%: scanners' non-Modbus bytes on port 502 (gaps
                                     compressed to 60 s: the capture spans 18.9 years)
      rstp-tc-real-switch.pcap        2%: RSTP with a topology change + CIP, LLDP, ARP
      rpvst-per-vlan-roots.pcap      fill (~23%): Rapid-PVST+ BPDUs + EtherNet/IP/CIP
  no-modbus     (RATE 12.5 packets/s; neither Modbus nor STP)
      rpvst-per-vlan-roots.pcap      fill (~95%), STP removed (tshark -Y "not stp")
      rstp-tc-real-switch.pcap        5%, STP removed: EtherNet/IP/CIP, LLDP, ARP
  cip-stp-100k  the previous bench's "unrelated" workload, unchanged: rpvst-per-vlan-roots.pcap
                repeated 140 times back to back with editcap -t and mergecap -a (same
                addresses: Wireshark sees the repeated TCP segments as retransmissions).
                101,780 packets.
Sizes: 100k = 100,000 and 1m = 1,000,000 packets; the script warns when a
workload misses its size by more than 5% (it does not with the recipes above).
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.environ.get("MODBUS_AN_SHARED_CAPTURES",
                        os.path.join(os.path.dirname(REPO), "shared", "captures"))
START_EPOCH = 1700000000.0
KEY_BLOCK = 8192
RECIPE_VERSION = 2

SIZES = {"100k": 100000, "1m": 1000000}


def S(name):
    return os.path.join(SHARED, name)


def T(rel):
    return os.path.join(REPO, rel)


# source: (path, share or "fill", options)
RECIPES = {
    "modbus-lossy": {
        "rate": 100.0,
        "sources": [
            (S("gateway-pipelined-4units.pcap"), "fill", {}),
            (S("rtu6-exceptions-conn-per-poll.pcap"), 0.40, {}),
            (T("tests/captures/gen/gen_faults.pcap"), 0.05, {}),
            (T("tests/captures/net/gen_network.pcap"), 0.05, {}),
        ],
    },
    "mixed-plant": {
        "rate": 60.0,
        "sources": [
            (S("plant1-13plcs.pcap"), 0.40, {}),
            (S("single-conn-long-poll.pcap"), 0.20, {}),
            (S("coil-writes-28min.pcapng"), 0.13, {}),
            (S("many-units-fc-mix.pcap"), 0.01, {"max_gap": 60}),
            (S("non-modbus-probes-on-502.pcap"), 0.01, {"max_gap": 60}),
            (S("rstp-tc-real-switch.pcap"), 0.02, {}),
            (S("rpvst-per-vlan-roots.pcap"), "fill", {}),
        ],
    },
    "no-modbus": {
        "rate": 12.5,
        "sources": [
            (S("rpvst-per-vlan-roots.pcap"), "fill", {"filter": "not stp"}),
            (S("rstp-tc-real-switch.pcap"), 0.05, {"filter": "not stp"}),
        ],
    },
}
WORKLOADS = ["modbus-lossy-100k", "mixed-plant-100k", "no-modbus-100k", "cip-stp-100k",
             "modbus-lossy-1m", "mixed-plant-1m", "no-modbus-1m"]


def log(msg):
    print("workloads: " + msg, file=sys.stderr, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def run(args, **kw):
    return subprocess.run(args, check=True, **kw)


def capinfo(path):
    """-> (packets, first epoch, duration s)"""
    out = run(["capinfos", "-T", "-r", "-c", "-a", "-u", "-S", path],
              stdout=subprocess.PIPE, text=True).stdout.strip().split("\t")
    # columns: file, packets, duration, first time
    return int(out[1]), float(out[3]), float(out[2])


def count(path):
    """Counts with plain tshark (no plugin): packets, Modbus PDUs (mbtcp.trans_id
    occurrences), STP frames, TCP streams."""
    p = subprocess.Popen(["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a",
                          "-E", "aggregator=,", "-e", "mbtcp.trans_id", "-e", "stp.protocol",
                          "-e", "tcp.stream"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    packets = pdus = stp = 0
    streams = -1
    for line in p.stdout:
        packets += 1
        tid, st, stream = line.rstrip("\n").split("\t")
        if tid:
            pdus += tid.count(",") + 1
        if st:
            stp += 1
        if stream:
            streams = max(streams, int(stream.split(",")[0]))
    if p.wait():
        raise RuntimeError("tshark failed counting %s" % path)
    return {"packets": packets, "modbus_pdus": pdus, "stp_frames": stp,
            "tcp_streams": streams + 1}


def fingerprint(name, recipe):
    h = hashlib.sha256()
    h.update(json.dumps([RECIPE_VERSION, name, recipe], sort_keys=True, default=str).encode())
    for f in (os.path.abspath(__file__), os.path.join(HERE, "multiply.py")):
        h.update(sha256(f).encode())
    for src in recipe.get("sources", []):
        h.update(sha256(src[0]).encode())
    return h.hexdigest()[:20]


def plan(kind, size, prepared):
    """prepared: list of (path, share, opts, packets, original path) -> list of dicts.
    The copies are planned for 100k packets and multiplied by size / 100k, so that a
    1M workload has exactly the mix of the 100k one (ten times the copies)."""
    rec = RECIPES[kind]
    base = SIZES["100k"]
    factor = size / float(base)
    span_t = size / rec["rate"]
    rows = []
    used = 0
    for k, (path, share, opts, pk, _) in enumerate(prepared):
        if share == "fill":
            continue
        n = max(1, int(round(share * base / pk)))
        rows.append((k, n))
        used += n * pk
    fill = [k for k, p in enumerate(prepared) if p[1] == "fill"]
    for k in fill:
        pk = prepared[k][3]
        rows.append((k, max(1, int(round((base - used) / pk)))))
    rows = [(k, max(1, int(round(n * factor)))) for k, n in rows]
    out = []
    for k, n in sorted(rows):
        path, share, opts, pk, orig = prepared[k]
        name = os.path.relpath(orig, REPO) if orig.startswith(REPO + os.sep) else \
            "../shared/captures/" + os.path.basename(orig) if orig.startswith(SHARED) else orig
        out.append({"source": name, "path": path,
                    "share": share, "options": opts, "source_packets": pk, "copies": n,
                    "period_s": round(span_t / n, 6), "first_key": k * KEY_BLOCK,
                    "packets": n * pk})
    return out, span_t


def build_mixed(name, kind, size, out, tmp):
    rec = RECIPES[kind]
    prepared = []
    for k, (path, share, opts) in enumerate(rec["sources"]):
        src = path
        if opts.get("filter"):
            src = os.path.join(tmp, "src%d.pcap" % k)
            run(["tshark", "-r", path, "-Y", opts["filter"], "-F", "pcap", "-w", src],
                stderr=subprocess.DEVNULL)
        elif path.endswith(".pcapng"):
            src = os.path.join(tmp, "src%d.pcap" % k)
            run(["editcap", "-F", "pcap", path, src])
        prepared.append((src, share, opts, capinfo(src)[0], path))
    rows, span_t = plan(kind, size, prepared)
    parts = []
    for k, r in enumerate(rows):
        part = os.path.join(tmp, "part%d.pcap" % k)
        args = [sys.executable, os.path.join(HERE, "multiply.py"), r["path"], str(r["copies"]),
                part, "--period", repr(r["period_s"]), "--start", repr(START_EPOCH),
                "--first-key", str(r["first_key"])]
        if "max_gap" in r["options"]:
            args += ["--max-gap", str(r["options"]["max_gap"])]
        run(args, stdout=subprocess.DEVNULL)
        parts.append(part)
        del r["path"]  # a temporary file when the source was filtered or converted
    run(["mergecap", "-F", "pcap", "-w", out] + parts)
    return {"timeline_s": span_t, "rate_packets_per_s": rec["rate"], "sources": rows}


def build_repeat(out, tmp):
    """The previous bench's 'unrelated' workload: rpvst repeated 140 times back to back."""
    src = S("rpvst-per-vlan-roots.pcap")
    dur = int(capinfo(src)[2]) + 1
    parts = []
    for i in range(140):
        part = os.path.join(tmp, "part%d.pcap" % i)
        run(["editcap", "-t", str(i * dur), src, part])
        parts.append(part)
    run(["mergecap", "-F", "pcap", "-a", "-w", out] + parts)
    return {"sources": [{"source": "shared/captures/rpvst-per-vlan-roots.pcap", "copies": 140,
                         "period_s": dur, "method": "editcap -t, mergecap -a (same addresses)"}]}


def recipe_of(name):
    if name == "cip-stp-100k":
        return {"kind": "repeat", "size": 100000, "sources": [(S("rpvst-per-vlan-roots.pcap"),)]}
    kind, sz = name.rsplit("-", 1)
    return {"kind": kind, "size": SIZES[sz], "rate": RECIPES[kind]["rate"],
            "sources": RECIPES[kind]["sources"]}


def ensure(name, cache, force=False):
    recipe = recipe_of(name)
    pcap = os.path.join(cache, name + ".pcap")
    meta = os.path.join(cache, name + ".json")
    fp = fingerprint(name, recipe)
    if not force and os.path.exists(pcap) and os.path.exists(meta):
        try:
            info = json.load(open(meta))
            if info.get("fingerprint") == fp and os.path.getsize(pcap) == info.get("bytes"):
                return info
            log("%s: recipe or sources changed, rebuilding" % name)
        except (ValueError, OSError):
            pass
    log("building %s ..." % name)
    t0 = time.time()
    os.makedirs(cache, exist_ok=True)
    os.chmod(cache, 0o755)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".tmp-") as tmp:
        out = os.path.join(tmp, name + ".pcap")
        if recipe["kind"] == "repeat":
            how = build_repeat(out, tmp)
        else:
            how = build_mixed(name, recipe["kind"], recipe["size"], out, tmp)
        counts = count(out)
        npk, first, dur = capinfo(out)
        os.chmod(out, 0o644)
        os.replace(out, pcap)
    size = recipe["size"]
    info = {"name": name, "file": pcap, "bytes": os.path.getsize(pcap),
            "target_packets": size, **counts, "capinfos_packets": npk,
            "first_epoch": first, "duration_s": dur,
            "size_error": round(counts["packets"] / size - 1, 4),
            "within_5pct": abs(counts["packets"] / size - 1) <= 0.05,
            "recipe": how, "fingerprint": fp, "build_seconds": round(time.time() - t0, 1),
            "built": time.strftime("%Y-%m-%d %H:%M:%S")}
    if not info["within_5pct"]:
        log("WARNING: %s has %d packets, %.1f%% off its size %d" %
            (name, counts["packets"], 100 * info["size_error"], size))
    with open(meta + ".tmp", "w") as f:
        json.dump(info, f, indent=1)
    os.chmod(meta + ".tmp", 0o644)
    os.replace(meta + ".tmp", meta)
    log("%s: %d packets, %d Modbus PDUs, %d STP frames, %.0f s (built in %.0f s)" %
        (name, counts["packets"], counts["modbus_pdus"], counts["stp_frames"], dur,
         info["build_seconds"]))
    return info


def main(argv):
    cache = os.environ.get("MODBUS_AN_BENCH_CACHE", os.path.join(REPO, "build-bench"))
    force = False
    names = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--cache":
            cache = argv[i + 1]
            i += 1
        elif a == "--force":
            force = True
        elif a == "--list":
            print("\n".join(WORKLOADS))
            return 0
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a == "all":
            names += WORKLOADS
        elif a in SIZES:
            names += [w for w in WORKLOADS if w.endswith("-" + a)]
        elif a in WORKLOADS:
            names.append(a)
        else:
            print("workloads.py: unknown workload %r (try --list)" % a, file=sys.stderr)
            return 2
        i += 1
    if not names:
        print(__doc__)
        return 2
    cache = os.path.abspath(cache)
    seen = set()
    for n in names:
        if n in seen:
            continue
        seen.add(n)
        info = ensure(n, cache, force)
        print("%s\t%s\t%d\t%d" % (n, info["file"], info["packets"], info["modbus_pdus"]),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
