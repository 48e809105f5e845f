"""Shared fixtures: one real Brightway set-up for the whole session, offline.

FOOTPRINT_HOME points at a session directory before anything imports bw2data,
so tests never touch a user's own Brightway projects, and the ~8 s set-up
(biosphere3, EF v3.1, inventories) is paid once.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import subprocess
import sys
import shutil
import tempfile
import time
from pathlib import Path

import pytest

# Before any footprint or bw2data import: the whole session uses its own data directory.
_HOME = Path(tempfile.mkdtemp(prefix="footprint-test-home-"))
os.environ["FOOTPRINT_HOME"] = str(_HOME)
# removed at exit too: under pytest-xdist the controlling process imports this file but runs no test, so the
# session fixture below, which removes it, never runs there
atexit.register(shutil.rmtree, _HOME, True)

REPO = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------ one fixed clock for the whole suite
#
# The product judges inputs against "today" (footprint._time, its one clock): the examples' activity data
# (reporting period 2025) are aged against the day a declaration is made (the TiR of the DQR: declared on or
# after 2027-01-01 they score TiR >= 2, and every test pinning an example's DQR, 2.009 etc., and the README's
# demo output would fail from that day on, with no change to the code); a reporting period must have ended,
# a class window must be over, a placement's year must have begun, and the tests that build "next year's"
# period are skipped once it lies beyond the rules' accepted periods (2026..2028).  So the suite runs on a
# clock that starts at FIXED_MOMENT and advances with real elapsed time (durations and orderings still work):
# the same results whatever the real date.  The Python processes a test starts (a CLI run, a server, a
# `dask worker`) read it too: the product has no way to move its clock from outside (on purpose: that would
# let anyone backdate a declaration), so the suite carries it in a test-only `sitecustomize` on the
# subprocesses' PYTHONPATH (tests/clock_site, tests/testenv.py; a test that sets PYTHONPATH itself writes
# `python_path(REPO)`).  A process started with `python -I` or `-E` ignores PYTHONPATH and reads the real
# clock: compare nothing there that depends on the day.
# To check that nothing reads the real date, change FIXED_MOMENT (e.g. to 2027-06-01) for a trial run.
FIXED_MOMENT = dt.datetime(2026, 12, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def _install_fixed_clock() -> None:
    import footprint._time as product_time
    from testenv import carry_clock

    started = time.monotonic()
    carry_clock(FIXED_MOMENT.isoformat(), started)  # the same clock in the session's subprocesses
    # for the tests of the real clock (the ``real_clock`` fixture).  A pytest-xdist worker is itself a subprocess
    # of the session: tests/clock_site has already put the fixed clock in place there and kept the real one as
    # real_utc_now, which must not be overwritten by the fixed clock (the real-clock tests read the fixed day)
    product_time.real_utc_now = getattr(product_time, "real_utc_now", product_time.utc_now)

    def fixed_utc_now() -> dt.datetime:
        """FIXED_MOMENT plus the real time elapsed since the session started."""
        return FIXED_MOMENT + dt.timedelta(seconds=time.monotonic() - started)

    product_time.utc_now = fixed_utc_now  # utc_today() and every caller read utc_now at call time


def _restore_ctrl_c() -> None:
    """Give the suite Python's own Ctrl-C handler when its caller left SIGINT ignored.

    Why: a shell starts a background job (``make test &``, a ``( ... & )`` launch) with SIGINT ignored, and a
    Python process that starts with SIGINT ignored installs no KeyboardInterrupt handler, nor do the CLI
    processes it starts (an ignored disposition survives exec).  The tests that send Ctrl-C (to this process
    or to a CLI child) then saw no interruption and failed while the product was right: an ignored signal
    stays ignored.  A handled signal is reset to its default at exec, so with the handler installed here the
    children start as from a terminal.  SIGHUP and SIGTERM are left as the caller set them (``nohup`` means
    it); the tests that send those set the child's disposition themselves.
    """
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


sys.path.insert(0, str(Path(__file__).resolve().parent))  # test helpers (pgcluster, testenv)
_install_fixed_clock()
_restore_ctrl_c()


@pytest.fixture()
def real_clock(monkeypatch):
    """The real clock for one test: for the tests of the machine's time zone, which compare with the real date."""
    import footprint._time as product_time

    monkeypatch.setattr(product_time, "utc_now", product_time.real_utc_now)


EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture(scope="session")
def footprint_home() -> Path:
    yield _HOME
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def project(footprint_home):
    """The set-up Brightway project (bw2data, bw2calc, bw2io modules)."""
    from footprint.data import project as fp_project

    fp_project.setup()
    return fp_project.brightway()


@pytest.fixture()
def scratch(project):
    """A writable throwaway copy of the set-up: tests that write databases or methods never touch the snapshot."""
    from footprint.data import project as fp_project

    with fp_project.scratch_project() as modules:
        yield modules


@pytest.fixture(scope="session")
def example_declaration(project) -> dict:
    import footprint

    return footprint.declare("ndpr-oxide", EXAMPLE)


@pytest.fixture()
def example_copy(tmp_path) -> Path:
    """A writable copy of the example activity data, for tests that break it."""
    target = tmp_path / "activity.yaml"
    shutil.copy(EXAMPLE, target)
    return target


# ------------------------------------------------------------------ databases (register and server tests)

@pytest.fixture(scope="session")
def postgres_cluster():
    """A throw-away PostgreSQL cluster on a Unix socket (tests/pgcluster.py), or a skip saying why not."""
    from pgcluster import Cluster

    try:
        cluster = Cluster()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no PostgreSQL for the database tests: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh, empty database for one test: an SQLite file, then a PostgreSQL database (by URL)."""
    from footprint.market import db

    if request.param == "sqlite":
        target = str(tmp_path / "footprint.sqlite")
    else:
        target = request.getfixturevalue("postgres_cluster").new_database()
    yield target
    db.dispose(target)


@pytest.fixture()
def example_scheme(example_declaration, tmp_path) -> Path:
    """A 3-class count-weighted scheme of the NdPr oxide rule whose middle class holds the example declaration."""
    import footprint
    from footprint.market.registry import Entry, Register

    register = tmp_path / "scheme-register.sqlite"
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == "climate_change")
    Register(register).add([Entry(declaration_id=f"p{i}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2025,
                                  mass_kg=1.0, values={"climate_change": v},
                                               coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})
                            for i, v in enumerate([value / 2, value, value * 2])])
    scheme = footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=3, weight="count",
                                      head_room=False, register=register)
    return footprint.write_scheme(scheme, tmp_path / "scheme.json")


# ------------------------------------------------------------------ set-up homes (snapshot tests)

def copy_setup_home(source: Path, target: Path) -> Path:
    """A set-up FOOTPRINT_HOME in ``target``: a copy of ``source``'s current snapshot (no 8 s set-up per test)."""
    name = (source / "snapshots" / "CURRENT").read_text().strip()
    (target / "snapshots").mkdir(parents=True)
    shutil.copytree(source / "snapshots" / name, target / "snapshots" / name)
    shutil.copy(source / "snapshots" / "CURRENT", target / "snapshots" / "CURRENT")
    (target / "snapshots" / "setup.lock").touch()
    if (source / "cache").is_dir():
        shutil.copytree(source / "cache", target / "cache")
    return target
