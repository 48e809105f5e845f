"""What a warm process keeps in memory is never served for another set-up.

A long-lived process (a notebook, a Dask worker, a server) declares, a dataset is changed and
set up again, and the same process declares again: it must give the new number, not the one it
kept.  Run in a child process with its own FOOTPRINT_HOME and a copy of inventories/, so the
session's project is not touched.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys
from pathlib import Path
import footprint
from footprint.data import warm

inventories = Path(sys.argv[1])
grid = inventories / "electricity" / "CN-NM.yaml"
data = "examples/ndpr-oxide/activity-2025.yaml"

def climate(document):
    return next(r["value"] for r in document["results"] if r["category"] == "climate_change")

def electricity(document):
    return sum(c["value"] for c in document["contributions"]
               if c["category"] == "climate_change" and c.get("dataset") == "electricity/CN-NM")

first = footprint.declare("ndpr-oxide", data)
again = footprint.declare("ndpr-oxide", data)            # warm: served from memory
import re
text = grid.read_text()
head, tail = text.split("exchanges:", 1)
doubled = re.sub(r"amount: ([0-9.e+-]+)", lambda m: f"amount: {2 * float(m.group(1))!r}", tail)
assert doubled != tail and "technosphere" not in tail   # direct flows only: the dataset's score doubles
grid.write_text(head + "exchanges:" + doubled)            # every flow of the grid dataset doubled
changed = footprint.declare("ndpr-oxide", data)          # the same process: must see the new set-up
print(json.dumps({"first": climate(first), "again": climate(again), "changed": climate(changed),
                  "elec_first": electricity(first), "elec_changed": electricity(changed),
                  "ids": [first["id"], again["id"], changed["id"]]}))
"""


def test_a_changed_dataset_is_never_answered_from_memory(tmp_path):
    inventories = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", inventories)
    env = {**os.environ, "FOOTPRINT_HOME": str(tmp_path / "home"), "FOOTPRINT_INVENTORIES": str(inventories),
           "PYTHONPATH": python_path(REPO)}
    run = subprocess.run([sys.executable, "-c", CHILD, str(inventories)], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    numbers = json.loads(run.stdout.strip().splitlines()[-1])
    assert numbers["again"] == numbers["first"]
    # by hand: every contribution of the grid dataset doubles (all its flows doubled), nothing else moves
    assert numbers["elec_changed"] == pytest_approx(2 * numbers["elec_first"])
    assert numbers["changed"] == pytest_approx(numbers["first"] + numbers["elec_first"])
    assert numbers["ids"][2] != numbers["ids"][0]  # the inventories' hash is part of the identity


def pytest_approx(value: float):
    import pytest

    return pytest.approx(value, rel=1e-6)


def test_the_compiled_schema_check_kept_by_set_up_is_the_schema(project):
    """The bytecode set-up keeps is used by a cold process and checks what the schema says."""
    import pytest

    from footprint import _schema_check
    from footprint.declaration import declaration

    path = _schema_check.build_cache()
    assert path is not None and path.exists()
    declaration._compiled.cache_clear()
    try:
        check, refused = declaration._compiled()
        assert check.__code__.co_filename == "<declaration schema check>"  # from the kept bytecode
        with pytest.raises(refused):
            check({"schema_version": "2.0"})
    finally:
        declaration._compiled.cache_clear()


def test_a_setup_that_finds_nothing_to_build_still_keeps_this_versions_check_bytecode(project):
    """An upgrade of footprint changes the schema check's cache key (its own code, fastjsonschema, Python): set-up
    returned early when the snapshot was current and never wrote the new key, so every cold start compiled
    the check (~50 ms) until the next rebuild.  Now the up-to-date path keeps it too (and writes no snapshot)."""
    import footprint
    from footprint import _schema_check

    kept = _schema_check.cache_path()
    kept.unlink(missing_ok=True)
    snapshot = footprint.open_snapshot().id
    report = footprint.setup()
    assert report.snapshot_id == snapshot  # nothing rebuilt
    assert kept.exists()


def test_the_schema_checks_kept_bytecode_is_keyed_on_the_code_that_rewrites_it(tmp_path, monkeypatch):
    """The kept bytecode of the declaration check was keyed on a hand-bumped REWRITE number: a change to the
    rewrite (_without_locals) that forgot it kept the old compiled check on every machine that had one."""
    import shutil

    from footprint import _schema_check

    before = _schema_check.cache_path()
    copy = tmp_path / "_schema_check.py"
    shutil.copy(_schema_check.__file__, copy)
    copy.write_text(copy.read_text() + "\n# the rewrite changed\n")
    monkeypatch.setattr(_schema_check, "__file__", str(copy))
    assert _schema_check.cache_path() != before
