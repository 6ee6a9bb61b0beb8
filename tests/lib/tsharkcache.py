# SPDX-License-Identifier: GPL-2.0-or-later
"""A cache of tshark runs shared by the processes of one test session.

A run is identified by everything that decides its result: the program
(tests/tshark.sh with the plugin's SHA-256, its sanitizer preload, or plain
/usr/bin/tshark) and its exact arguments, with every argument that names an
existing file (a capture, a configuration file) extended by that file's
size and modification time. The result - exit status, stdout, stderr and
the files the run wrote (-z modbus_an,features,FILE / registers,FILE) - is
stored on disk under the session's cache directory ($MODBUS_AN_TSHARK_CACHE,
set by tests/conftest.py); pytest-xdist's workers share it. An fcntl lock per
run makes concurrent askers wait for the one tshark start instead of making
their own. Without $MODBUS_AN_TSHARK_CACHE the cache lives in memory (one
process). $MODBUS_AN_TSHARK_LOG=FILE appends each start's command line,
CPU and wall seconds to FILE (JSON lines).

Output files: the argument `-z modbus_an,<kind>,PATH` is part of the key
without PATH; a hit copies the stored files to the PATH asked for, and the
path in tshark's message ("... written to PATH") is the one asked for.
"""
import fcntl
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time

# -z arguments that write files: kind -> files written besides PATH (suffixes).
OUTPUT_TAPS = {"features": ("", ".stats.csv"), "registers": ("",), "json": ("",)}
# -z arguments whose result depends on what the file already holds (the
# SQLite database keeps other captures, may be locked or read-only): never cached.
_UNCACHED_RE = re.compile(r"^modbus_an,sqlite(,|$)")
_OUT_RE = re.compile(r"^modbus_an,(%s),(.+)$" % "|".join(OUTPUT_TAPS))
# Paths inside arguments: -r FILE, -o pref:FILE, uat:... values.
_PATH_RE = re.compile(r"(/[^\s,:\"']+)")

stats = {"starts": 0, "hits": 0, "waits": 0}
_mem = {}
_mem_lock = threading.Lock()
_key_locks = {}


def _file_sig(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return [path, st.st_size, st.st_mtime_ns]


def _normalize(args):
    """(argument list for the key, [(index, PATH, suffixes)] of output files)."""
    norm, outputs = [], []
    for i, a in enumerate(args):
        a = str(a)
        m = _OUT_RE.match(a)
        if m and i > 0 and args[i - 1] == "-z":
            kind, path = m.group(1), m.group(2)
            # whether the folder takes the file, and what the path holds now,
            # decide the run as much as the arguments do
            folder = os.path.dirname(os.path.abspath(path))
            norm.append(["modbus_an,%s,<OUT%d>" % (kind, len(outputs)), os.path.isdir(folder),
                         os.access(folder, os.W_OK), os.path.lexists(path)])
            outputs.append((i, path, OUTPUT_TAPS[kind]))
            continue
        sigs = [s for s in (_file_sig(p) for p in _PATH_RE.findall(a)) if s]
        norm.append([a] + sigs if sigs else a)
    return norm, outputs


def key_of(program, args, extra=()):
    norm, outputs = _normalize(list(args))
    blob = json.dumps([program, list(extra), norm], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest(), outputs


def _cache_dir():
    return os.environ.get("MODBUS_AN_TSHARK_CACHE") or None


def run(cmd, program_id, extra_key=(), env=None):
    """(returncode, stdout, stderr) of cmd (a list: program, then arguments),
    once per session for the same program_id + arguments (+ extra_key)."""
    if any(_UNCACHED_RE.match(str(a)) for a in cmd[1:]):
        return _execute(cmd, env)
    key, outputs = key_of(program_id, cmd[1:], extra_key)
    d = _cache_dir()
    if d is None:
        return _run_mem(key, cmd, outputs, env)
    os.makedirs(d, exist_ok=True)
    entry = os.path.join(d, key)
    with _thread_lock(key):
        with open(entry + ".lock", "a+") as lk:
            try:
                fcntl.flock(lk, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                stats["waits"] += 1
                fcntl.flock(lk, fcntl.LOCK_EX)
            try:
                if os.path.isdir(entry):
                    stats["hits"] += 1
                    return _restore(entry, outputs)
                res = _execute(cmd, env)
                _store(entry, res, outputs)
                return res
            finally:
                fcntl.flock(lk, fcntl.LOCK_UN)


def _thread_lock(key):
    # flock is per open file description: threads of one process (netcheck's
    # prefetch) also need a lock among themselves.
    with _mem_lock:
        return _key_locks.setdefault(key, threading.Lock())


def _execute(cmd, env):
    stats["starts"] += 1
    log = os.environ.get("MODBUS_AN_TSHARK_LOG")
    if log:
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if log:
        # what each start cost (CPU of this process's children meanwhile)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
        with open(log, "a") as fh:
            fh.write(json.dumps({"cmd": cmd, "cpu": round(cpu, 3), "secs": round(time.time() - t0, 3)}) + "\n")
    return p.returncode, p.stdout, p.stderr


def _run_mem(key, cmd, outputs, env):
    with _thread_lock(key):
        if key in _mem:
            stats["hits"] += 1
            res, files, paths = _mem[key]
            return _put_outputs(res, files, paths, outputs)
        res = _execute(cmd, env)
        files = [[_read(path + suf) for suf in sufs] for _, path, sufs in outputs]
        _mem[key] = (res, files, [path for _, path, _ in outputs])
        return res


def _read(path):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _store(entry, res, outputs):
    tmp = tempfile.mkdtemp(prefix=os.path.basename(entry) + ".", dir=os.path.dirname(entry))
    rc, out, err = res
    for name, text in (("stdout", out), ("stderr", err)):
        with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    meta = {"rc": rc, "outputs": [{"path": path, "files": []} for _, path, _ in outputs]}
    for n, (_, path, sufs) in enumerate(outputs):
        for m, suf in enumerate(sufs):
            if os.path.exists(path + suf):
                name = "out%d.%d" % (n, m)
                shutil.copyfile(path + suf, os.path.join(tmp, name))
                meta["outputs"][n]["files"].append([suf, name])
    with open(os.path.join(tmp, "result.json"), "w") as fh:
        json.dump(meta, fh)
    os.rename(tmp, entry)


def _restore(entry, outputs):
    with open(os.path.join(entry, "result.json")) as fh:
        meta = json.load(fh)
    std = []
    for name in ("stdout", "stderr"):
        with open(os.path.join(entry, name), encoding="utf-8", newline="") as fh:
            std.append(fh.read())
    res = (meta["rc"], std[0], std[1])
    files, paths = [], []
    for o in meta["outputs"]:
        paths.append(o["path"])
        got = {suf: name for suf, name in o["files"]}
        files.append(got)
    out_files = []
    for n, (_, path, sufs) in enumerate(outputs):
        row = []
        for suf in sufs:
            name = files[n].get(suf) if n < len(files) else None
            row.append(_read(os.path.join(entry, name)) if name else None)
        out_files.append(row)
    return _put_outputs(res, out_files, paths, outputs)


def _put_outputs(res, files, cached_paths, outputs):
    """Write the stored output files where this run asked for them; the
    messages name the paths asked for."""
    rc, out, err = res
    for n, (_, path, sufs) in enumerate(outputs):
        for suf, data in zip(sufs, files[n]):
            if data is None:
                continue
            with open(path + suf, "wb") as fh:
                fh.write(data)
        old = cached_paths[n]
        if old != path:
            out, err = out.replace(old, path), err.replace(old, path)
    return rc, out, err
