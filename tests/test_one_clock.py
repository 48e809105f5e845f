"""Every date judgement reads the product's one clock (footprint._time), never the real date on its own.

Before: three places read ``datetime.now`` themselves: a batch's ``created`` (declare_many, batch_declare),
``verify``'s "made after the moment it is verified" check and the inventory library's "a year from 1900 to
this year".  Moved to 2031 (a clock the suite moves, as it fixes it: conftest), ``declare_many`` recorded the
real day as the batch's ``created``, and a declaration made at that clock failed its own ``verify``
("no later than now").

Then three records still read the real clock: a server's stored times (a client's creation, a record's
``published_at``, an event's receipt), an imported database's ``imported`` and a snapshot's ``created``: with
the suite's clock (or LATER) in place they said the real day.  A reading of the clock in footprint/ outside
footprint/_time.py is now refused by a static check; durations and timeouts (``time.monotonic``, ``perf_counter``,
a token's ``time.time`` lifetime) and file mtimes (``time.time_ns``) are not dates of a record and stay.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import footprint

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
LATER = dt.datetime(2031, 3, 1, 9, 30, tzinfo=dt.timezone.utc)  # a day the real clock is not on


@pytest.fixture()
def clock_at_later(monkeypatch):
    import footprint._time as product_time

    monkeypatch.setattr(product_time, "utc_now", lambda: LATER)


def test_a_batch_is_created_on_the_products_clock(project, clock_at_later):
    (outcome,) = footprint.declare_many([("ndpr-oxide", EXAMPLE)])
    assert outcome.status == "ok", outcome.message
    assert outcome.document["provenance"]["created"] == "2031-03-01T09:30:00Z"  # old code: the real moment


def test_verify_judges_now_on_the_products_clock(project, clock_at_later, tmp_path):
    made = footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE), tmp_path / "d.json")
    result = footprint.verify_declaration(made, EXAMPLE)
    assert result.ok, result  # old code: provenance.created 2031-03-01 'no later than now (<the real moment>)'


def test_the_library_takes_a_year_up_to_the_products_year(clock_at_later):
    from footprint.data.inventory import fact_problem, load_catalogue

    dataset = next(iter(load_catalogue().datasets.values()))
    assert fact_problem(dataset.model_copy(update={"year": 2031})) is None  # old code: 'a year from 1900 to 2026'
    problem = fact_problem(dataset.model_copy(update={"year": 2032}))
    assert problem is not None and problem[0] == "year" and "1900 to 2031" in problem[3]


#: a module-level import of the clock's functions binds them at import: the suite's fixed clock would not reach them
BOUND_AT_IMPORT = re.compile(r"^from footprint\._time import .*\butc_(now|today)\b")


def test_no_module_binds_the_clock_at_import():
    sources = [REPO / "cli.py", *sorted((REPO / "footprint").rglob("*.py"))]
    found = [f"{path.relative_to(REPO)}:{number}: {line}" for path in sources
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if BOUND_AT_IMPORT.match(line)]
    assert not found, "\n".join(found)


def test_a_server_stores_its_times_on_the_products_clock(clock_at_later):
    from footprint.server import store

    assert store._now() == "2031-03-01T09:30:00Z"  # old code: the real moment


#: a date read from the machine's clock, not from footprint._time (the one clock the suite, and a trial, can move)
READS_THE_DATE = re.compile(r"\b(datetime\.(now|utcnow|today)|date\.today)\(")


def test_no_module_reads_the_date_itself():
    sources = [REPO / "cli.py", *sorted((REPO / "footprint").rglob("*.py"))]
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}" for path in sources
             if path != REPO / "footprint" / "_time.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if READS_THE_DATE.search(line)]
    assert not found, "\n".join(found)  # old code: server/store.py, data/imports.py, data/snapshot.py
