"""Shared fixtures: one real Brightway set-up for the whole session, offline.

FOOTPRINT_HOME points at a session directory before anything imports bw2data,
so tests never touch a user's own Brightway projects, and the ~8 s set-up
(biosphere3, EF v3.1, inventories) is paid once.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before any footprint or bw2data import: the whole session uses its own data directory.
_HOME = Path(tempfile.mkdtemp(prefix="footprint-test-home-"))
os.environ["FOOTPRINT_HOME"] = str(_HOME)

REPO = Path(__file__).resolve().parents[1]
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
