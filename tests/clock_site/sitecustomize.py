"""The test suite's fixed clock, carried into the Python processes a test starts (a CLI run, a server, a worker).

Why: the suite runs on a fixed clock (tests/conftest.py: FIXED_MOMENT, advancing with real elapsed time), but a
subprocess read the real clock, so a test pinning a date a subprocess wrote (a declaration's ``created``, a
server's stored time) would pass or fail with the real date.  The product itself has no clock override (one in
production would let anyone backdate a declaration): this directory is on PYTHONPATH only in the environment the
test helpers give their subprocesses (tests/testenv.py), and Python runs a ``sitecustomize`` module from it at
start-up.  It reads ``FOOTPRINT_TEST_FIXED_CLOCK`` ("<FIXED_MOMENT ISO>|<the session's time.monotonic() at its
start>"; CLOCK_MONOTONIC is one clock for the whole machine) and, when ``footprint._time`` is imported, replaces
its ``utc_now`` by the session's clock, exactly as conftest does in the session's own process.  It imports
nothing of footprint itself (a command that needs no clock loads no more than before).
"""
from __future__ import annotations

import datetime as _dt
import importlib.abc as _abc
import importlib.machinery as _machinery
import os as _os
import sys as _sys
import time as _time

VARIABLE = "FOOTPRINT_TEST_FIXED_CLOCK"
MODULE = "footprint._time"


def _fixed_clock(value: str):
    moment, _, started = value.partition("|")
    fixed, origin = _dt.datetime.fromisoformat(moment), float(started)

    def fixed_utc_now() -> _dt.datetime:
        """The session's FIXED_MOMENT plus the real time elapsed since the session started."""
        return fixed + _dt.timedelta(seconds=_time.monotonic() - origin)

    return fixed_utc_now


class _PatchingLoader(_abc.Loader):
    """footprint._time's own loader, then the fixed clock in place of its ``utc_now``."""

    def __init__(self, loader, clock) -> None:
        self._loader, self._clock = loader, clock

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        module.real_utc_now = module.utc_now  # as conftest: the real clock stays reachable for its own tests
        module.utc_now = self._clock

    def __getattr__(self, name):  # get_source, get_filename, ...: the real loader's
        return getattr(self._loader, name)


class _FixedClockFinder(_abc.MetaPathFinder):
    def __init__(self, clock) -> None:
        self._clock = clock

    def find_spec(self, name, path=None, target=None):
        if name != MODULE:
            return None
        for finder in _sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, self._clock)
                return spec
        return None


def _run_the_next_sitecustomize() -> None:
    """A sitecustomize further down the path (a distribution's own) would be hidden by this one: run it too."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    rest = [entry for entry in _sys.path if _os.path.abspath(entry or ".") != here]
    spec = _machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None and spec.origin != _os.path.abspath(__file__):
        module = type(_sys)("_next_sitecustomize")
        spec.loader.exec_module(module)


if _os.environ.get(VARIABLE):
    _sys.meta_path.insert(0, _FixedClockFinder(_fixed_clock(_os.environ[VARIABLE])))
_run_the_next_sitecustomize()
