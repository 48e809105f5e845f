"""A snapshot built by other set-up code is rebuilt, never served as up to date.

A snapshot records the files it was built from (datasets, CF files, bw2io's version), not the code
that converted them.  Another footprint (an upgrade, another checkout) that reads the same dataset
files otherwise found the old snapshot "already up to date" and declared its numbers with exit 0,
under the same recorded version.  These tests run a copy of the package as another version would.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, copy_setup_home

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)


def _other_checkout(tmp_path: Path) -> Path:
    """A copy of the package beside links to the repository's data folders (what another checkout is)."""
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "footprint", root / "footprint", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "cli.py", root / "cli.py")
    for folder in ("rules", "inventories", "schemas", "examples"):
        (root / folder).symlink_to(REPO / folder)
    return root


def _setup(checkout: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOOTPRINT_HOME": str(home), "PYTHONPATH": python_path(checkout)}
    return subprocess.run([sys.executable, str(checkout / "cli.py"), "setup"], env=env, capture_output=True,
                          text=True, timeout=600)


def test_other_set_up_code_rebuilds_the_snapshot_and_other_engine_code_does_not(project, footprint_home, tmp_path):
    home = copy_setup_home(footprint_home, tmp_path / "home")
    before = (home / "snapshots" / "CURRENT").read_text()
    checkout = _other_checkout(tmp_path)

    # engine code is not set-up code: the snapshot stays (no 10 s rebuild for a change in a formula's caller)
    engine = checkout / "footprint" / "engine" / "calculate.py"
    engine.write_text(engine.read_text() + "\n# another version of the engine\n")
    kept = _setup(checkout, home)
    assert kept.returncode == 0, kept.stderr
    assert "already up to date" in kept.stdout, kept.stdout
    assert (home / "snapshots" / "CURRENT").read_text() == before

    # how datasets become Brightway exchanges changed: the snapshot this code would build may differ
    builder = checkout / "footprint" / "data" / "inventory.py"
    builder.write_text(builder.read_text() + "\n# another version of the dataset conversion\n")
    rebuilt = _setup(checkout, home)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "updated (the code that builds the set-up changed" in rebuilt.stdout, rebuilt.stdout
    assert "inventory datasets written: " in rebuilt.stdout or "biosphere3 written: yes" in rebuilt.stdout
    assert (home / "snapshots" / "CURRENT").read_text() != before


def test_the_builder_digest_covers_the_data_and_inputs_wings_and_the_helpers():
    """Which files make the digest: a change anywhere the data wing may import (tests/test_layout.py)."""
    from footprint import paths

    package = REPO / "footprint"
    chosen = []
    original = paths._package_digest

    def record(selected):
        chosen.extend(p.relative_to(package).as_posix() for p in sorted(package.rglob("*.py"))
                      if selected(p.relative_to(package)))
        return original(selected)

    paths._package_digest = record
    try:
        paths.builder_digest.cache_clear()
        paths.builder_digest()
    finally:
        paths._package_digest = original
        paths.builder_digest.cache_clear()
    assert "data/inventory.py" in chosen and "data/building.py" in chosen and "inputs/units.py" in chosen
    assert "_yaml.py" in chosen and "_io.py" in chosen and "errors.py" in chosen
    assert not [name for name in chosen if name.split("/")[0] in {"engine", "declaration", "market", "report",
                                                                  "export", "server", "authoring"}]
    assert "api.py" not in chosen


def test_a_declaration_names_the_code_that_computed_it(example_declaration):
    """Every checkout said footprint 0.1.0: a reviewer whose recomputation differed could not tell another engine
    from another input.  The code's sha256 is recorded beside the version (verify: a warning, as a library's)."""
    from footprint.paths import code_digest

    libraries = example_declaration["provenance"]["libraries"]
    assert libraries["footprint_code_sha256"] == code_digest() and len(code_digest()) == 64
