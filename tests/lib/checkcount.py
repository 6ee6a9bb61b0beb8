# SPDX-License-Identifier: GPL-2.0-or-later
"""Count the checks the Python suites actually execute.

One method for the pytest run (tests/conftest.py installs it in every
worker) and for a run of a suite as a plain script (import this module and
call install() first, e.g. from a sitecustomize.py), so that counts taken
before and after a change of the suites compare:

  * assert     - calls of unittest.TestCase.assert* (only the outermost:
                 assertEqual delegating to assertDictEqual is one check);
  * fail       - calls of TestCase.fail() made by the test code itself (the
                 failure path of an `if errors: self.fail(...)` check);
  * report     - calls of the error-list checkers of tests/lib
                 (netcheck.report, hbcheck.report, test_generator_truth's
                 Errors.check): one call checks a whole list of comparisons
                 and fails with all of them;
  * bare       - plain `assert` statements that passed (pytest's
                 pytest_assertion_pass hook; counted by tests/conftest.py).

Counts are kept per suite (the test module's name); bucket() sets the one
that is current.
"""
import collections
import functools
import threading
import unittest

KINDS = ("assert", "fail", "report", "bare")

counts = collections.defaultdict(collections.Counter)   # suite -> Counter(kind -> n)
current = ["?"]
_local = threading.local()
_installed = []


def bucket(name):
    current[0] = name


def add(kind, n=1, suite=None):
    counts[suite or current[0]][kind] += n


def _wrap(fn, kind):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        depth = getattr(_local, "depth", 0)
        if depth == 0:
            counts[current[0]][kind] += 1
        _local.depth = depth + 1
        try:
            return fn(*args, **kwargs)
        finally:
            _local.depth = depth
    wrapper._checkcount = True
    return wrapper


def install():
    """Wrap TestCase.assert* and fail (once per process)."""
    if _installed:
        return
    _installed.append(True)
    for name in dir(unittest.TestCase):
        if not (name.startswith("assert") or name == "fail"):
            continue
        fn = getattr(unittest.TestCase, name)
        if not callable(fn) or getattr(fn, "_checkcount", False):
            continue
        setattr(unittest.TestCase, name, _wrap(fn, "fail" if name == "fail" else "assert"))


def wrap_report(module, name="report"):
    """Count calls of an error-list checker module.name (a function taking
    the test case first); returns the wrapped function. Call it before a
    suite does `from module import report`."""
    fn = getattr(module, name)
    if getattr(fn, "_checkcount", False):
        return fn
    w = _wrap(fn, "report")
    setattr(module, name, w)
    return w


def wrap_method(cls, name):
    fn = cls.__dict__[name]
    if not getattr(fn, "_checkcount", False):
        setattr(cls, name, _wrap(fn, "report"))


def totals(per_suite=None):
    per_suite = counts if per_suite is None else per_suite
    t = collections.Counter()
    for c in per_suite.values():
        t.update(c)
    return t


def as_dict():
    return {s: dict(c) for s, c in counts.items()}


def merge(into, d):
    for s, c in d.items():
        into[s].update(c)
