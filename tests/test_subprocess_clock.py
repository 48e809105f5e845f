"""A Python process a test starts reads the suite's fixed clock, as the test's own process does.

Before: the suite ran on a fixed clock (conftest: FIXED_MOMENT, advancing with real time) in its own process
only; a CLI subprocess read the real clock, so a declaration made by ``footprint declare`` in a subprocess
recorded the real moment as its ``created`` (trial: it said 2026-12-01T15:53:28Z while the session's
clock read 12:00:28), and a test pinning a date from a subprocess would pass or fail with the real date.  Now a
test-only ``sitecustomize`` (tests/clock_site) on the subprocesses' PYTHONPATH installs the session's clock in
``footprint._time``; the product still has no clock override of its own.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from testenv import CLOCK_SITE, python_path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


def _session_now() -> dt.datetime:
    import footprint._time as product_time

    return product_time.utc_now()


def test_a_cli_declaration_in_a_subprocess_is_created_on_the_suites_clock(project, tmp_path):
    output = tmp_path / "declaration.json"
    before = _session_now().replace(microsecond=0)
    done = subprocess.run([sys.executable, str(REPO / "cli.py"), "declare", "ndpr-oxide", str(EXAMPLE), "-o",
                           str(output)], cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True,
                          timeout=300)
    after = _session_now()
    assert done.returncode == 0, done.stderr[-2000:]
    created = json.loads(output.read_text(encoding="utf-8"))["provenance"]["created"]
    moment = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    assert before <= moment <= after, f"created {created}, the suite's clock read {before} .. {after}"  # old: real


def test_a_subprocess_with_its_own_pythonpath_reads_the_suites_clock_too(tmp_path):
    """python_path(REPO), as the tests that set PYTHONPATH write it; and nothing of footprint loads at start-up."""
    probe = ("import sys; loaded = 'footprint' in sys.modules; from footprint import _time; "
             "print(loaded, _time.utc_now().isoformat(), _time.real_utc_now().isoformat())")
    before = _session_now()
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": python_path(REPO)})
    after = _session_now()
    assert done.returncode == 0, done.stderr[-2000:]
    loaded, now, real = done.stdout.split()
    assert loaded == "False"  # the clock waits for footprint._time to be imported
    assert before <= dt.datetime.fromisoformat(now) <= after
    assert abs(dt.datetime.fromisoformat(real) - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)


def test_without_the_tests_directory_a_subprocess_reads_the_real_clock(tmp_path):
    """The clock moves only with tests/clock_site on the path: the product reads no variable to move it."""
    probe = "from footprint import _time; print(_time.utc_now().isoformat())"
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # FOOTPRINT_TEST_FIXED_CLOCK still set, the site not on the path
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert abs(dt.datetime.fromisoformat(done.stdout.strip()) - dt.datetime.now(dt.timezone.utc)) \
        < dt.timedelta(minutes=5)


#: a test that sets a subprocess's PYTHONPATH to a bare directory leaves the suite's clock behind
BARE_PYTHONPATH = re.compile(r"""PYTHONPATH["']?\s*[:=]\s*(str\(|f?["'])""")


def test_every_test_that_sets_pythonpath_carries_the_clock():
    here = Path(__file__).resolve()
    found = [f"{path.name}:{number}: {line.strip()}" for path in sorted(here.parent.glob("*.py")) if path != here
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if BARE_PYTHONPATH.search(line)]
    assert not found, "write python_path(...) (tests/testenv.py):\n" + "\n".join(found)
    assert (CLOCK_SITE / "sitecustomize.py").is_file()
