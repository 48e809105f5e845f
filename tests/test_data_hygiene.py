"""Data hygiene: no temporary left by a failed write, strict reading of pedigree.yaml and of a snapshot's
manifest, and a large snapshot changed in place (same size) refused when opened.

Each test here fails on the code before the fix: a temporary file stayed behind; pedigree.yaml was read
with yaml.safe_load (a duplicated key kept its last value); a damaged manifest read as {} / [] (a rebuild
dropped imported databases without naming them); a snapshot over DEEP_CHECK_BYTES got a size check only.
"""
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from footprint import _schema_check
from footprint.data import pedigree, warm
from footprint.data import project as fp_project
from footprint.data import snapshot as fp_snapshot
from footprint.errors import FootprintError, InventoryError, SetupError


def _fail(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture()
def empty_home(tmp_path, monkeypatch) -> Path:
    """A FOOTPRINT_HOME of this test only (the session's snapshot is never touched)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("FOOTPRINT_HOME", str(home))
    return home


# ----------------------------------------------------------------------------- 1. temporary files


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_switch_of_current_leaves_no_temporary_and_the_old_pointer(empty_home, monkeypatch, failing):
    directory = empty_home / "snapshots"
    directory.mkdir()
    (directory / "CURRENT").write_text("0123456789abcdef\n")
    with monkeypatch.context() as patch, pytest.raises((OSError, FootprintError)):
        patch.setattr(os, failing, _fail)
        fp_snapshot.switch("fedcba9876543210")
    assert sorted(p.name for p in directory.iterdir()) == ["CURRENT"]  # no .CURRENT.*.tmp left
    assert (directory / "CURRENT").read_text() == "0123456789abcdef\n"


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_of_the_schema_check_cache_leaves_no_temporary(empty_home, monkeypatch, failing):
    target = _schema_check.cache_path()
    with monkeypatch.context() as patch:
        patch.setattr(os, failing, _fail)
        assert _schema_check.build_cache() is None  # a cache only: no error, and nothing half-written
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no .declaration-check-* temporary left
    assert _schema_check.build_cache() == target and target.exists()  # a working disk keeps it
