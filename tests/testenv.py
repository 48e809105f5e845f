"""The environment of the Python processes tests start: the suite's fixed clock goes with them.

conftest puts ``CLOCK_SITE`` (tests/clock_site: a ``sitecustomize`` that installs the session's clock in
``footprint._time``) on the session's own PYTHONPATH and sets ``FOOTPRINT_TEST_FIXED_CLOCK``, so a
subprocess started with ``{**os.environ, ...}`` reads the suite's clock.  A test that sets PYTHONPATH itself (to
run this checkout or another one) writes ``python_path(REPO)``: the clock's directory comes along.
"""
from __future__ import annotations

import os
from pathlib import Path

CLOCK_SITE = Path(__file__).resolve().parent / "clock_site"
CLOCK_VARIABLE = "FOOTPRINT_TEST_FIXED_CLOCK"


def python_path(*directories: str | os.PathLike[str]) -> str:
    """A PYTHONPATH value: ``directories`` in order, then the suite's clock (tests/clock_site)."""
    return os.pathsep.join([*(str(d) for d in directories), str(CLOCK_SITE)])


def carry_clock(fixed_moment_iso: str, monotonic_start: float) -> None:
    """Give every subprocess of this session the session's clock (see tests/clock_site/sitecustomize.py)."""
    os.environ[CLOCK_VARIABLE] = f"{fixed_moment_iso}|{monotonic_start!r}"
    current = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    if str(CLOCK_SITE) not in current:
        os.environ["PYTHONPATH"] = os.pathsep.join([*current, str(CLOCK_SITE)])
