# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for the Python tests: run tshark with the freshly built plugin and
read modbus_an's per-PDU fields and statistics back.

Every call goes through tests/tshark.sh, which loads build/modbus_an.so (or
$MODBUS_AN_SO) deliberately, also when the tests run as root.
"""
import csv
import hashlib
import io
import os
import subprocess
import xml.etree.ElementTree as ET

import tsharkcache

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
WRAPPER = os.path.join(REPO, "tests", "tshark.sh")
SHARED_CAPTURES = os.path.abspath(os.path.join(REPO, "..", "shared", "captures"))
if not os.path.isdir(SHARED_CAPTURES):
    SHARED_CAPTURES = os.environ.get("MODBUS_AN_SHARED_CAPTURES", SHARED_CAPTURES)

_sha = {}


def plugin_path():
    """The plugin under test: $MODBUS_AN_SO, else build/modbus_an.so (as tests/tshark.sh)."""
    return os.environ.get("MODBUS_AN_SO") or os.path.join(REPO, "build", "modbus_an.so")


def plugin_sha256():
    so = plugin_path()
    st = os.stat(so)
    sig = (so, st.st_size, st.st_mtime_ns)
    if sig not in _sha:
        with open(so, "rb") as fh:
            _sha[sig] = hashlib.sha256(fh.read()).hexdigest()
    return _sha[sig]


def _wrapper_id(*extra):
    """What decides a tests/tshark.sh run besides its arguments."""
    return ["tests/tshark.sh", plugin_sha256(), os.environ.get("MODBUS_AN_PRELOAD", "")] + list(extra)


def prove_loaded():
    """Fail unless tshark loads exactly the plugin file just built; returns
    the wrapper's 'loaded: PATH sha256=...' line. Proven once per session
    and private HOME of tests/tshark.sh (the answer is cached)."""
    home = os.environ.get("MODBUS_AN_TEST_HOME", "")
    rc, out, err = tsharkcache.run([WRAPPER, "--prove-loaded"], _wrapper_id("prove", home))
    if rc != 0:
        raise RuntimeError("tests/tshark.sh --prove-loaded failed (%d): %s%s" % (rc, out, err))
    return out


def run(args):
    """(returncode, stdout, stderr) of tests/tshark.sh ARGS; each distinct
    run once per test session (tests/lib/tsharkcache.py)."""
    return tsharkcache.run([WRAPPER] + [str(a) for a in args], _wrapper_id())


def tshark(args, check=True):
    """Run tshark with the plugin; return stdout (str). Raises on failure."""
    rc, out, err = run(args)
    if check and rc != 0:
        raise RuntimeError("tshark %s failed (%d): %s" % (args, rc, err))
    return out


ASAN_SO = os.environ.get("MODBUS_AN_ASAN_SO", os.path.join(REPO, "build-asan", "modbus_an.so"))


def sanitizer_run(args):
    """(returncode, stdout, stderr) of tests/tshark.sh ARGS with the ASan+UBSan
    build's plugin (build-asan/, or $MODBUS_AN_ASAN_SO) and GCC's sanitizer
    runtimes preloaded into tshark alone, as tests/asan_run.sh runs it; None
    when there is no sanitizer build. Not cached: the run is the check."""
    if not os.path.exists(ASAN_SO):
        return None
    def gcc(lib):
        return subprocess.run(["gcc", "-print-file-name=" + lib], stdout=subprocess.PIPE,
                              text=True).stdout.strip()
    env = dict(os.environ, MODBUS_AN_SO=ASAN_SO, MODBUS_AN_PRELOAD=gcc("libasan.so") + " " + gcc("libubsan.so"),
               ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    p = subprocess.run([WRAPPER] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def sanitizer_clean(rc, err):
    """No crash and no sanitizer report in a sanitizer_run."""
    return rc < 128 and "runtime error" not in err and "Sanitizer" not in err


def plain_run(cmd):
    """(returncode, stdout, stderr) of a command line of stock tshark
    (cmd[0] is its path; the reference's runs), cached like run()."""
    return tsharkcache.run([str(c) for c in cmd], ["plain", cmd[0]])


# Boolean flags are in the tree only when set (issue 11.12, as tcp.analysis):
# absent means false. The tests compare values, so pdus() fills them in -
# only where the old tree had them: a request with a known outcome, any
# response, any PDU (malformed). test_plugin_basics checks that a false
# flag is never in the tree.
REQUEST_FLAGS = ("modbus_an.delayed", "modbus_an.late", "modbus_an.missed", "modbus_an.unanswered_at_end")
RESPONSE_FLAGS = ("modbus_an.delayed", "modbus_an.late", "modbus_an.orphan", "modbus_an.duplicate",
                  "modbus_an.exception", "modbus_an.ambiguous")


def fill_flags(d):
    if "modbus_an.malformed" not in d:
        d["modbus_an.malformed"] = "0"
    if d.get("modbus_an.retransmitted") in ("1", "True"):
        return d
    invalid_header = d.get("modbus_an.malformed") in ("1", "True") and "modbus_an.outcome" not in d and \
        "modbus_an.request_frame" not in d and d.get("modbus_an.type") == "response" and \
        "modbus_an.orphan" not in d
    if d.get("modbus_an.type") == "request" and "modbus_an.outcome" in d:
        flags = REQUEST_FLAGS
    elif d.get("modbus_an.type") == "response" and not invalid_header:
        flags = RESPONSE_FLAGS
    else:
        flags = ()
    for f in flags:
        d.setdefault(f, "0")
    return d


def pdus(capture, extra_args=(), two_pass=True, display_filter=None):
    """Return one dict per modbus_an tree (one per Modbus PDU), in frame order.

    Each dict maps full field names ('modbus_an.response_time', ...) to their
    'show' string, plus 'frame' (int).
    """
    args = list(extra_args) + (["-Y", display_filter] if display_filter else [])
    result = []
    for frame, protos in packets(capture, args, two_pass):
        for name, fields in protos:
            # one tree per PDU (a segment's or a BPDU's network tree has no type)
            if name == "modbus_an" and "modbus_an.type" in fields:
                d = {"frame": frame}
                d.update(fields)
                result.append(fill_flags(d))
    return result


def stat_text(capture, extra_args=(), two_pass=False, arg=""):
    """The plain-text table of -z modbus_an,stat[,filter]."""
    z = "modbus_an,stat" + ("," + arg if arg else "")
    args = (["-2"] if two_pass else []) + ["-r", capture, "-q", "-z", z] + list(extra_args)
    return tshark(args)


def stat_csv(capture, extra_args=(), two_pass=False, arg=""):
    """Rows (dicts) of -z modbus_an,csv[,filter]: the same numbers as the table."""
    z = "modbus_an,csv" + ("," + arg if arg else "")
    args = (["-2"] if two_pass else []) + ["-r", capture, "-q", "-z", z] + list(extra_args)
    out = tshark(args)
    return list(csv.DictReader(out.splitlines()))


def csv_sections(out):
    """The CSV outputs printed one after another by one run (-z modbus_an,csv
    -z modbus_an,netcsv ...): a list of (header, rows as dicts), split where
    a header line ("pair,...") starts a new one."""
    blocks = []
    for line in out.splitlines():
        if not line:
            continue
        if line.startswith("pair,"):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    return [(b[0].split(","), list(csv.DictReader(b))) for b in blocks]


def packets(capture, extra_args=(), two_pass=True):
    """Parse PDML: a list of (frame number, [(proto name, {field: show})]),
    protocols in tree order. Only mbtcp, modbus and modbus_an are kept."""
    args = (["-2"] if two_pass else []) + ["-r", capture, "-T", "pdml",
                                           "-j", "frame mbtcp modbus modbus_an"] + list(extra_args)
    out = tshark(args)
    result = []
    for _, elem in ET.iterparse(io.StringIO(out), events=("end",)):
        if elem.tag != "packet":
            continue
        frame = None
        protos = []
        for proto in elem.findall("proto"):
            name = proto.get("name")
            if name == "frame":
                for f in proto.iter("field"):
                    if f.get("name") == "frame.number":
                        frame = int(f.get("show"))
                        break
            elif name in ("mbtcp", "modbus", "modbus_an"):
                d = {}
                for f in proto.iter("field"):
                    if f.get("name"):
                        d.setdefault(f.get("name"), f.get("show"))
                protos.append((name, d))
        result.append((frame, protos))
        elem.clear()
    return result


def stat_table_rows(capture, extra_args=()):
    """Rows of the GUI table as tshark prints it (-2 -z modbus_an,table):
    a list of {heading: cell string} (times in ms)."""
    out = tshark(["-2", "-r", capture, "-q", "-z", "modbus_an,table"] + list(extra_args))
    rows, heads = [], None
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if cells[0] == "Pair":
            heads = cells
        elif heads and "|" in line and (line.startswith("TOTAL") or " -> " in line):
            rows.append(dict(zip(heads, cells)))
    return rows


def is_true(v):
    return v in ("1", "True", "true")
