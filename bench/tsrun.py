# SPDX-License-Identifier: GPL-2.0-or-later
"""tsrun.py - run tshark as the tests do, and measure the tshark process itself.

Shared by bench.py and compare.py. `Runner.run(args)` calls tests/tshark.sh
(which copies the plugin into a private HOME and, as root, runs tshark as the
unprivileged test user with an empty WIRESHARK_PLUGIN_DIR), but puts a small
shim named `tshark` first in PATH. tests/tshark.sh runs `tshark` through PATH
(via setpriv/env), so the shim starts the real tshark as its only child, reaps
it with wait4() and records that process's own wall time, user and system CPU
time and peak RSS (ru_maxrss) - the wrapper's bash, cp and setpriv are not
counted. If the shim did not run (tests/tshark.sh changed the way it starts
tshark), the numbers of the whole wrapper tree are used instead and the result
says measured_by = "wrapper".

The plugin is snapshotted first: build/modbus_an.so (or $MODBUS_AN_SO) is
copied to build-bench/so-snapshots/<sha256>/modbus_an.so (kept: the exact
plugin a result was measured with), so that a rebuild during a long benchmark
cannot change the plugin under test half-way.

`Runner.run_direct(args)` runs a program directly (as the caller) with the same
measurement - for tools that need Wireshark's global plugin folder (TRANSUM,
MATE), which tests/tshark.sh deliberately hides.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WRAPPER = os.path.join(REPO, "tests", "tshark.sh")

SHIM = r'''#!/usr/bin/python3 -I
# modbus_an bench shim: run the real tshark, record its own rusage.
import json, os, sys, time
env = dict(os.environ)
real = env.pop("MODBUS_AN_BENCH_TSHARK", "/usr/bin/tshark")
out = env.pop("MODBUS_AN_BENCH_OUT", "")
prefix = json.loads(env.pop("MODBUS_AN_BENCH_PREFIX", "[]") or "[]")
shim_dir = os.path.dirname(os.path.abspath(__file__))
env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != shim_dir)
argv = prefix + [real] + sys.argv[1:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvpe(argv[0], argv, env)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
rc = os.waitstatus_to_exitcode(status)
if out:
    with open(out, "w") as f:
        json.dump({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
                   "maxrss_kib": ru.ru_maxrss, "rc": rc, "pid": pid}, f)
sys.exit(rc if rc >= 0 else 128 - rc)
'''


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def wait_rusage(p):
    """Wait for Popen p with wait4 -> (rc, rusage)."""
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru


class Runner:
    def __init__(self, so=None, snapshot=True, quiet=False):
        so = os.path.abspath(so or os.environ.get("MODBUS_AN_SO")
                             or os.path.join(REPO, "build", "modbus_an.so"))
        if not os.path.isfile(so):
            raise SystemExit("plugin not built: %s (cmake -S . -B build && cmake --build build -j2)"
                             % so)
        self.source_so = so
        self.sha256 = sha256(so)
        if snapshot:
            top = os.path.join(os.environ.get("MODBUS_AN_BENCH_CACHE",
                                              os.path.join(REPO, "build-bench")), "so-snapshots")
            d = os.path.join(top, self.sha256[:16])
            os.makedirs(d, exist_ok=True)
            for x in (os.path.dirname(top), top, d):
                os.chmod(x, 0o755)
            snap = os.path.join(d, "modbus_an.so")
            if not os.path.exists(snap) or sha256(snap) != self.sha256:
                shutil.copy2(so, snap + ".tmp")
                os.replace(snap + ".tmp", snap)
            os.chmod(snap, 0o755)
            self.so = snap
        else:
            self.so = so
        self.real_tshark = shutil.which("tshark")
        if not self.real_tshark:
            raise SystemExit("tshark not found")
        self.tmp = tempfile.mkdtemp(prefix="modbus_an_bench.")
        os.chmod(self.tmp, 0o755)
        self.shim_dir = os.path.join(self.tmp, "shim")
        self.out_dir = os.path.join(self.tmp, "out")
        os.mkdir(self.shim_dir, 0o755)
        os.mkdir(self.out_dir)
        os.chmod(self.shim_dir, 0o755)
        os.chmod(self.out_dir, 0o1777)
        with open(os.path.join(self.shim_dir, "tshark"), "w") as f:
            f.write(SHIM)
        os.chmod(os.path.join(self.shim_dir, "tshark"), 0o755)
        self.n = 0
        self.fallback_warned = False
        # Prove that tshark loads exactly this plugin file (also sets up the HOME).
        r = subprocess.run([WRAPPER, "--prove-loaded"], env=self._env(), text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode:
            raise SystemExit("tests/tshark.sh --prove-loaded failed:\n" + r.stdout)
        self.loaded = r.stdout.strip()
        if not quiet:
            print("# plugin: %s (sha256 %s)\n# %s" % (so, self.sha256[:16], self.loaded),
                  file=sys.stderr)

    def _env(self, extra=None):
        env = dict(os.environ)
        env["MODBUS_AN_SO"] = self.so
        env.update(extra or {})
        return env

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def run(self, args, stdout=None, stderr=None, prefix=None, check=True):
        """tests/tshark.sh ARGS; -> dict wall, user, sys, cpu, maxrss_kib, rc, measured_by.
        stdout/stderr: a path to write to (default: discarded / kept for errors)."""
        self.n += 1
        rec = os.path.join(self.out_dir, "ru.%d.json" % self.n)
        env = self._env({
            "PATH": self.shim_dir + os.pathsep + os.environ.get("PATH", ""),
            "MODBUS_AN_BENCH_TSHARK": self.real_tshark,
            "MODBUS_AN_BENCH_OUT": rec,
            "MODBUS_AN_BENCH_PREFIX": json.dumps(prefix or []),
        })
        return self._spawn([WRAPPER] + list(args), env, stdout, stderr, rec, check)

    def run_direct(self, argv, stdout=None, stderr=None, env=None, check=True):
        """Run argv directly (no wrapper) and measure it."""
        return self._spawn(list(argv), env or dict(os.environ), stdout, stderr, None, check)

    def _spawn(self, argv, env, stdout, stderr, rec, check):
        errpath = stderr or os.path.join(self.tmp, "stderr.txt")
        with open(stdout or os.devnull, "wb") as so, open(errpath, "wb") as se:
            t0 = time.monotonic()
            p = subprocess.Popen(argv, env=env, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
            rc, ru = wait_rusage(p)
            wall = time.monotonic() - t0
        res = {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
               "maxrss_kib": ru.ru_maxrss, "rc": rc, "measured_by": "process"}
        if rec is not None:
            try:
                with open(rec) as f:
                    r = json.load(f)
                os.unlink(rec)
                res.update({k: r[k] for k in ("wall", "user", "sys", "maxrss_kib")})
                res["measured_by"] = "shim"
            except (OSError, ValueError):
                res["measured_by"] = "wrapper"
                if not self.fallback_warned:
                    self.fallback_warned = True
                    print("WARNING: the tshark shim did not run; measuring the whole "
                          "tests/tshark.sh process tree instead", file=sys.stderr)
        res["cpu"] = res["user"] + res["sys"]
        if check and rc != 0:
            with open(errpath, "rb") as f:
                err = f.read().decode(errors="replace")[-3000:]
            raise RuntimeError("exit status %d: %s\n%s" % (rc, " ".join(argv), err))
        return res


def tshark_version():
    out = subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    return out.splitlines()[0] if out else "?"


def environment(runner=None):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, cwd=REPO).stdout.strip()
        except OSError:
            return ""
    env = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "tshark": tshark_version(),
        "kernel": os.uname().release,
        "cpus": os.cpu_count(),
        "cpu_model": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-"),
        "mem_total": sh("grep MemTotal /proc/meminfo | awk '{print $2\" kB\"}'"),
        "git_head": sh("git rev-parse --short HEAD"),
        "git_dirty_files": len([l for l in sh("git status --porcelain").splitlines() if l]),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }
    if runner:
        env["plugin"] = runner.source_so
        env["plugin_sha256"] = runner.sha256
        env["plugin_build_time"] = time.strftime(
            "%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(runner.source_so)))
    return env
