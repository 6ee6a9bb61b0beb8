#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The structure of issue 12, checked on the build:

- no dependency cycle between modules (a module: one .c file; an edge:
  a symbol one object file uses that another defines, read with nm from the
  objects of ma_core, ma_report and the plugin);
- the plugin exports only its entry points;
- the analysis core (core/) and the report renderers (tap/report/) use no
  epan type (they include no <epan/...> header), so they are unit-tested
  without Wireshark;
- the layer order: core <- tap/report <- postdissector, tap <- plugin (no
  core module uses a report or plugin symbol, no report module a plugin
  symbol)."""
import collections
import glob
import os
import re
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# The build tree: $MODBUS_AN_BUILD, else the one of the plugin under test
# ($MODBUS_AN_SO, as the other suites), else build/.
BUILD = os.environ.get("MODBUS_AN_BUILD") or (
    os.path.dirname(os.path.abspath(os.environ["MODBUS_AN_SO"])) if os.environ.get("MODBUS_AN_SO")
    else os.path.join(REPO, "build"))
LIBS = {"core": "ma_core.dir", "report": "ma_report.dir", "plugin": "modbus_an.dir"}


def objects():
    out = {}
    for layer, d in LIBS.items():
        for o in glob.glob(os.path.join(BUILD, "CMakeFiles", d, "**", "*.o"), recursive=True):
            out[os.path.basename(o)[:-len(".c.o")]] = (layer, o)
    return out


def graph():
    objs = objects()
    defs, uses = {}, collections.defaultdict(set)
    for m, (_, o) in objs.items():
        for line in subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBRC":
                defs[p[2]] = m
            elif len(p) == 2 and p[0] == "U":
                uses[m].add(p[1])
    g = collections.defaultdict(set)
    for m, us in uses.items():
        for u in us:
            if u in defs and defs[u] != m:
                g[m].add(defs[u])
    return objs, g


def cycles(g):
    """Strongly connected components with more than one module (Tarjan)."""
    idx, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        idx[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in idx:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))
    for v in list(g):
        if v not in idx:
            visit(v)
    return comps


class Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objs, cls.g = graph()
        if len(cls.objs) < 30:
            raise unittest.SkipTest("build the project first (%s)" % BUILD)

    def test_no_cycles(self):
        self.assertEqual(cycles(self.g), [])

    def test_layers(self):
        order = {"core": 0, "report": 1, "plugin": 2}
        bad = []
        for m, deps in self.g.items():
            for d in deps:
                if order[self.objs[d][0]] > order[self.objs[m][0]]:
                    bad.append("%s (%s) uses %s (%s)" % (m, self.objs[m][0], d, self.objs[d][0]))
        self.assertEqual(bad, [])

    def test_exports(self):
        so = os.path.join(BUILD, "modbus_an.so")
        out = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True, text=True, check=True).stdout
        names = {l.split()[-1] for l in out.splitlines() if l.split()[-2] in "TDBRV"}
        self.assertTrue({"plugin_register", "plugin_version", "plugin_want_major", "plugin_want_minor"} <= names)
        self.assertTrue(names <= {"plugin_register", "plugin_version", "plugin_want_major", "plugin_want_minor",
                                  "plugin_describe"}, sorted(names))

    def test_core_and_report_have_no_epan(self):
        bad = []
        for f in glob.glob(os.path.join(REPO, "core", "**", "*.[ch]"), recursive=True) + \
                glob.glob(os.path.join(REPO, "tap", "report", "*.[ch]")):
            with open(f) as fh:
                for i, line in enumerate(fh, 1):
                    if re.match(r'\s*#\s*include\s*[<"]epan/', line):
                        bad.append("%s:%d" % (os.path.relpath(f, REPO), i))
        self.assertEqual(bad, [])


if __name__ == "__main__":
    unittest.main()
