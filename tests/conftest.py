# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest configuration of the Python suites (tests/test_*.py).

  * The plugin under test is $MODBUS_AN_SO, else build/modbus_an.so; the
    session proves once per process that tshark loads exactly that file
    (tests/tshark.sh --prove-loaded, fixture plugin_loaded) before any test.
  * Every tshark run goes through tests/lib/tsharkcache.py: a run with the
    same plugin, capture and arguments happens once per session; the results
    are shared by the xdist workers through a directory under the plugin's
    build directory (removed at the end; --keep-tshark-cache keeps it).
  * Under pytest-xdist (-n N) each worker has its own private HOME for
    tests/tshark.sh; tests that share in-process results (an oracle's model
    of a capture, the feature reference of a case) run on one worker
    (--dist loadgroup, groups set below).
  * The checks executed are counted per suite (tests/lib/checkcount.py) and
    printed at the end with the number of tshark starts.
"""
import json
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for _d in (os.path.join(HERE, "lib"), os.path.join(HERE, "reference")):
    if _d not in sys.path:
        sys.path.insert(0, _d)

import checkcount  # noqa: E402
import mbtshark  # noqa: E402
import tsharkcache  # noqa: E402

# The error-list checkers count as checks; wrapped before the suites import them.
import hbcheck  # noqa: E402
import netcheck  # noqa: E402

checkcount.install()
checkcount.wrap_report(hbcheck)
checkcount.wrap_report(netcheck)

os.environ.setdefault("MODBUS_AN_SO", os.path.join(REPO, "build", "modbus_an.so"))


DURATIONS = os.path.join(HERE, "test_durations.json")


def pytest_addoption(parser):
    parser.addoption("--keep-tshark-cache", action="store_true",
                     help="keep the session's cache of tshark runs (printed at the end)")
    parser.addoption("--store-durations", action="store_true",
                     help="write this run's test durations to tests/test_durations.json "
                          "(the order in which -n hands out the tests: longest first)")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    # -n N: the groups below decide what runs together (--dist loadgroup),
    # unless another --dist was asked for.
    opt = config.option
    if getattr(opt, "numprocesses", None) and getattr(opt, "dist", "no") == "no":
        opt.dist = "loadgroup"


def _worker_id(config):
    wi = getattr(config, "workerinput", None)
    return wi["workerid"] if wi else None


def _home_base():
    """tests/tshark.sh's default private HOME for the plugin under test."""
    import hashlib
    so = os.path.realpath(mbtshark.plugin_path())
    tag = hashlib.sha256((so + "\n").encode()).hexdigest()[:12]
    who = os.environ.get("MODBUS_AN_TEST_USER", "modbus_an_test") if os.getuid() == 0 else str(os.getuid())
    return "/tmp/modbus_an_test_home.%s.%s" % (who, tag)


def pytest_configure(config):
    config.addinivalue_line("markers", "xdist_group(name): run on the same xdist worker")
    wid = _worker_id(config)
    if wid is None:
        # The controller (or a run without -n): one cache for the session.
        if not os.path.isfile(mbtshark.plugin_path()):
            raise pytest.UsageError("plugin not built: %s (build first, or set MODBUS_AN_SO)"
                                    % mbtshark.plugin_path())
        if not os.environ.get("MODBUS_AN_TSHARK_CACHE"):
            base = os.path.join(os.path.dirname(os.path.abspath(mbtshark.plugin_path())), "pytest-tshark")
            os.makedirs(base, exist_ok=True)
            _remove_dead_sessions(base)
            d = tempfile.mkdtemp(prefix="session-%d-" % os.getpid(), dir=base)
            os.environ["MODBUS_AN_TSHARK_CACHE"] = d
            config._tshark_cache_own = d
    else:
        # One private HOME per worker: nothing of tests/tshark.sh's HOME
        # (plugin copy, copied inputs) is shared between concurrent workers.
        if not os.environ.get("MODBUS_AN_TEST_HOME"):
            os.environ["MODBUS_AN_TEST_HOME"] = "%s.%s" % (_home_base(), wid)


def _remove_dead_sessions(base):
    """Caches left by sessions that were killed (session-PID-*)."""
    for name in os.listdir(base):
        parts = name.split("-")
        if len(parts) >= 3 and parts[0] == "session" and parts[1].isdigit():
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(base, name), ignore_errors=True)
            except OSError:
                pass


def pytest_unconfigure(config):
    d = getattr(config, "_tshark_cache_own", None)
    if d and not config.getoption("--keep-tshark-cache"):
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- the plugin, proven once

@pytest.fixture(scope="session", autouse=True)
def plugin_loaded():
    """tshark loads exactly the plugin just built (SHA-256), in this
    process's private HOME; the 'loaded: PATH sha256=...' line."""
    return mbtshark.prove_loaded()


@pytest.fixture(scope="session")
def tshark(plugin_loaded):
    """The session's tshark runner for new tests: tshark(args) -> stdout,
    tshark.run(args) -> (returncode, stdout, stderr); cached like every
    run of the suites (tests/lib/mbtshark.py, tests/lib/tsharkcache.py)."""
    def tshark(args, check=True):
        return mbtshark.tshark(args, check=check)
    tshark.run = mbtshark.run
    return tshark


# ---------------------------------------------------------------- worker groups

def _group(item):
    """The xdist group of a test that shares in-process results with others."""
    mod = item.module.__name__
    name = item.name
    if mod == "test_features":
        for prefix in ("test_export__", "test_sidecar__", "test_reference_vs_wireshark__"):
            if name.startswith(prefix):
                return "features:" + name[len(prefix):]
        return "features:prefs"
    if mod in ("test_heartbeats", "test_registers"):
        return "hb"          # hbcheck's Truth and model of gen_heartbeat
    if mod == "test_network":
        # the oracle's models of the shared captures (netcheck.capture)
        if item.cls is not None and item.cls.__name__ in ("T1Loaded", "T2SharedConnections"):
            return "network:shared"
        return "network:" + item.cls.__name__ if item.cls else "network"
    if mod == "test_generator_truth" and item.cls is not None:
        return "truth:" + item.cls.__name__
    return None


def _durations():
    try:
        with open(DURATIONS) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def pytest_collection_modifyitems(session, config, items):
    known = _durations()
    units = {}    # group (or the test itself) -> [weight, items]
    for item in items:
        g = _group(item)
        if g:
            item.add_marker(pytest.mark.xdist_group(g))
        u = units.setdefault(g or item.nodeid, [0.0, []])
        u[0] += known.get(item.nodeid, 0.5)
        u[1].append(item)
        # test_generator_truth's error-list checker counts like netcheck's report()
        cls = getattr(item.module, "Errors", None)
        if cls is not None and "check" in cls.__dict__:
            checkcount.wrap_method(cls, "check")
    # Longest first, so that -n's workers end together (the recorded
    # durations of tests/test_durations.json; unknown tests count 0.5 s).
    if getattr(config.option, "numprocesses", None) or _worker_id(config) is not None:
        items[:] = [i for _, its in sorted(units.values(), key=lambda u: -u[0]) for i in its]


_durations_seen = {}


def pytest_runtest_logreport(report):
    if report.when in ("setup", "call", "teardown"):
        _durations_seen[report.nodeid] = _durations_seen.get(report.nodeid, 0.0) + report.duration


# ---------------------------------------------------------------- counting checks

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    checkcount.bucket(item.module.__name__)
    yield


def pytest_assertion_pass(item, lineno, orig, expl):
    checkcount.add("bare", suite=item.module.__name__)


def pytest_sessionfinish(session, exitstatus):
    out = getattr(session.config, "workeroutput", None)
    if out is not None:
        out["checkcount"] = json.dumps(checkcount.as_dict())
        out["tshark"] = json.dumps(dict(tsharkcache.stats, **_cpu()))


_from_workers = {"counts": {}, "tshark": {"starts": 0, "hits": 0, "waits": 0}}


def _cpu():
    """CPU seconds of this process (Python) and of its children (tshark)."""
    import resource
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_python": s.ru_utime + s.ru_stime, "cpu_children": c.ru_utime + c.ru_stime}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    wo = getattr(node, "workeroutput", None) or {}
    if "checkcount" in wo:
        import collections
        merged = collections.defaultdict(collections.Counter,
                                         {k: collections.Counter(v) for k, v in _from_workers["counts"].items()})
        checkcount.merge(merged, json.loads(wo["checkcount"]))
        _from_workers["counts"] = {k: dict(v) for k, v in merged.items()}
        for k, v in json.loads(wo["tshark"]).items():
            _from_workers["tshark"][k] = _from_workers["tshark"].get(k, 0) + v


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _worker_id(config) is not None:
        return
    import collections
    counts = collections.defaultdict(collections.Counter)
    checkcount.merge(counts, checkcount.as_dict())
    checkcount.merge(counts, _from_workers["counts"])
    ts = dict(tsharkcache.stats, **_cpu())
    if _from_workers["tshark"].get("cpu_python"):
        # the controller's children are the workers: count theirs instead
        ts["cpu_children"] = 0.0
    for k, v in _from_workers["tshark"].items():
        ts[k] = ts.get(k, 0) + v
    tr = terminalreporter
    tr.section("checks executed (tests/lib/checkcount.py)")
    tr.write_line("%-24s %8s %6s %7s %6s %8s" % ("suite", "assert", "fail", "report", "bare", "total"))
    total = collections.Counter()
    for suite in sorted(s for s in counts if s != "?"):
        c = counts[suite]
        total.update(c)
        tr.write_line("%-24s %8d %6d %7d %6d %8d" % (suite, c["assert"], c["fail"], c["report"], c["bare"],
                                                    sum(c[k] for k in checkcount.KINDS)))
    n = sum(total[k] for k in checkcount.KINDS)
    tr.write_line("%-24s %8d %6d %7d %6d %8d" % ("TOTAL", total["assert"], total["fail"], total["report"],
                                                total["bare"], n))
    tr.write_line("tshark starts: %d (results reused: %d, of which waited for another worker: %d); "
                  "CPU: %.0f s Python, %.0f s tshark" % (ts.get("starts", 0), ts.get("hits", 0), ts.get("waits", 0),
                                                         ts["cpu_python"], ts["cpu_children"]))
    summary = os.environ.get("MODBUS_AN_PYTEST_SUMMARY")
    if summary:
        with open(summary, "w") as fh:
            json.dump({"checks": n, "per_suite": {k: dict(v) for k, v in counts.items()},
                       "tshark_starts": ts.get("starts", 0), "tshark_hits": ts.get("hits", 0)}, fh)
    d = getattr(config, "_tshark_cache_own", None)
    if d and config.getoption("--keep-tshark-cache"):
        tr.write_line("tshark cache kept in %s" % d)
    if config.getoption("--store-durations") and _durations_seen:
        with open(DURATIONS, "w") as fh:
            json.dump({k: round(v, 2) for k, v in sorted(_durations_seen.items())}, fh, indent=0)
            fh.write("\n")
        tr.write_line("durations written to %s" % DURATIONS)
