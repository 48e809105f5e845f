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
from footprint.data import methods, pedigree, warm
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


def test_a_failed_write_of_the_characterised_flows_cache_leaves_no_temporary(empty_home, monkeypatch):
    methods._characterised.cache_clear()
    try:
        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", _fail)
            flows = methods.characterised_flows()
    finally:
        methods._characterised.cache_clear()  # computed under this test's home: not kept for others
    assert flows  # a cache only: the answer is computed all the same
    assert list((empty_home / "cache").iterdir()) == []  # no .characterised-*.json temporary left


# ----------------------------------------------------------------------------- 2. pedigree.yaml, strictly


@pytest.fixture()
def pedigree_copy(tmp_path, monkeypatch):
    """Write a changed copy of pedigree.yaml and read it as the table (the cached table is restored after)."""
    original = pedigree.TABLE.read_text(encoding="utf-8")

    def use(change) -> Path:
        copy = tmp_path / "pedigree.yaml"
        copy.write_text(change(original), encoding="utf-8")
        monkeypatch.setattr(pedigree, "TABLE", copy)
        pedigree.table.cache_clear()
        return copy

    yield use
    pedigree.table.cache_clear()


def test_a_pedigree_table_with_a_duplicated_key_is_refused_naming_the_file(pedigree_copy):
    # the second "reliability" row would silently replace the first with yaml.safe_load (factors 1..5 x 10)
    copy = pedigree_copy(lambda text: text.replace(
        "\n  completeness:", "\n  reliability: {factors: [10, 10, 10, 10, 10], pef: P}\n  completeness:", 1))
    with pytest.raises(InventoryError) as err:
        pedigree.table()
    assert str(copy) in str(err.value) and "duplicate" in str(err.value).lower() and "line" in str(err.value)


def test_a_pedigree_factor_that_is_not_a_number_is_refused_naming_the_field(pedigree_copy):
    copy = pedigree_copy(lambda text: text.replace("[1.00, 1.05, 1.10, 1.20, 1.50], pef: P",
                                                   "[1.00, 1.05, '1.10', 1.20, 1.50], pef: P", 1))
    with pytest.raises(InventoryError) as err:
        pedigree.table()
    assert err.value.file == str(copy) and err.value.field == "indicators.reliability.factors[2]"
    assert err.value.value == "1.10" and "number >= 1" in err.value.expected


def test_a_pedigree_table_without_a_key_is_an_error_not_a_key_error(pedigree_copy):
    pedigree_copy(lambda text: text.replace("\n  default:", "\n  fallback:", 1))
    with pytest.raises(InventoryError) as err:
        pedigree.table()
    assert err.value.field == "basic_uncertainty.default" and err.value.message == "missing key"


def test_the_shipped_pedigree_table_reads_as_before():
    table = pedigree.table()
    assert table.factors["reliability"] == (1.0, 1.05, 1.1, 1.2, 1.5) and table.pef["completeness"] is None
    assert table.inputs[pedigree.TRANSPORT_GSD2_CLASS] == 2.0 and len(table.emissions) == 20


# ----------------------------------------------------------------------------- 3. the one manifest reader


def _snapshot_with_manifest(home: Path, manifest: str, name: str = "0123456789abcdef") -> Path:
    directory = home / "snapshots" / name
    directory.mkdir(parents=True)
    (directory / "manifest.json").write_text(manifest)
    (home / "snapshots" / "CURRENT").write_text(name + "\n")
    return directory / "manifest.json"


@pytest.mark.parametrize("manifest", ['{"files": {}, "inputs": {"format": 2}', '{"files": {}, "files": {}}',
                                      '{"files": {}, "inputs": {"x": NaN}}', '[]'])
def test_read_state_refuses_a_damaged_manifest_naming_it(empty_home, manifest):
    path = _snapshot_with_manifest(empty_home, manifest)
    with pytest.raises(SetupError) as err:
        fp_project.read_state()
    assert err.value.file == str(path) and "'files' mapping" in err.value.expected


def test_read_state_without_a_snapshot_is_empty(empty_home):
    assert fp_project.read_state() == {}
    (empty_home / "snapshots").mkdir()
    (empty_home / "snapshots" / "CURRENT").write_text("0123456789abcdef\n")  # the directory is gone
    assert fp_project.read_state() == {}


def test_a_rebuild_refuses_when_the_manifest_cannot_name_the_imported_databases(empty_home):
    path = _snapshot_with_manifest(empty_home, '{"files": {}, "databases": {"ecoinvent-3.10": {}}')
    with pytest.raises(SetupError) as err:
        fp_project.setup()
    assert err.value.file == str(path) and "imported databases" in err.value.message
    assert "--force" in err.value.expected
    assert path.parent.is_dir() and sorted(p.name for p in path.parent.iterdir()) == ["manifest.json"]
    assert fp_project._previous_databases(force=True) == []  # --force: the user chose to build afresh


def test_the_manifest_reader_is_strict_and_names_the_file(empty_home):
    path = _snapshot_with_manifest(empty_home, '{"files": {"a": {"size": 1}}, "files": {}}')
    with pytest.raises(SetupError) as err:
        fp_snapshot.read_manifest(path.parent)
    assert "duplicate key 'files'" in err.value.message and err.value.file == str(path)
    with pytest.raises(fp_snapshot.SnapshotMissing, match="duplicate key"):
        fp_snapshot.open_current()


# ----------------------------------------------------------------------------- 4. large snapshots


@pytest.fixture()
def large_home(project, footprint_home, tmp_path, monkeypatch) -> Path:
    """A copy of the session's set-up, treated as a large snapshot (DEEP_CHECK_BYTES = 1 byte)."""
    home = tmp_path / "home"
    shutil.copytree(footprint_home / "snapshots", home / "snapshots",
                    ignore=shutil.ignore_patterns("staging-*", ".trash-*", "setup.lock"))
    monkeypatch.setenv("FOOTPRINT_HOME", str(home))
    monkeypatch.setattr(fp_project, "DEEP_CHECK_BYTES", 1)
    monkeypatch.setattr(warm, "RACY_NS", 0)  # the copy was just written; trust its times at once
    return home


def _open() -> str | None:
    snapshot, problem = fp_project._open_unbound(deep=False)
    if snapshot is not None:
        snapshot.close()
    return problem


def test_a_large_snapshot_changed_in_place_with_the_same_size_is_refused_when_opened(large_home):
    assert _open() is None  # hashed whole once; the marker records every file's fingerprint
    name = fp_snapshot.read_current()
    assert fp_snapshot.verified_path(name).is_file()
    target = large_home / "snapshots" / name / "methods" / "adp-ree-extension.yaml"
    data = bytearray(target.read_bytes())
    data[0:1] = b"X" if data[0:1] != b"X" else b"Y"  # other bytes, the same size
    target.write_bytes(bytes(data))
    problem = _open()
    assert problem is not None and "methods/adp-ree-extension.yaml: content differs" in problem


def test_an_unchanged_large_snapshot_is_not_hashed_again(large_home, monkeypatch):
    assert _open() is None
    hashed = []
    monkeypatch.setattr(fp_snapshot, "file_sha256", lambda path: hashed.append(path) or "")
    assert _open() is None and hashed == []  # the marker holds: sizes and fingerprints only
    os.utime(next((large_home / "snapshots").glob("*/methods/adp-ree-extension.yaml")))  # touched: hash again
    assert _open() is not None and hashed  # (the stub's hashes differ from the manifest's)


def test_a_marker_of_a_snapshot_that_is_gone_is_pruned(large_home):
    assert _open() is None
    name = fp_snapshot.read_current()
    stale = fp_snapshot.verified_path("fedcba9876543210")
    stale.write_text("{}")
    fp_snapshot.prune({name})
    assert not stale.exists() and fp_snapshot.verified_path(name).is_file()


def test_no_marker_for_a_snapshot_changed_just_now_or_while_it_was_hashed(large_home, monkeypatch):
    """The marker lets later opens skip hashing, so it is written only for files that cannot still change unseen.

    Files whose change time is within RACY_NS of the fingerprint (the copy was just made) could be
    written again within the same clock tick with the same fingerprint: no marker, the next open hashes.
    A file changed while it was being hashed (its ctime moves) gives no marker either.
    """
    monkeypatch.setattr(warm, "RACY_NS", 3600 * 10**9)  # every file of the fresh copy is "just changed"
    assert _open() is None
    assert not fp_snapshot.verified_path(fp_snapshot.read_current()).exists()
    monkeypatch.setattr(warm, "RACY_NS", 0)
    touched = next((large_home / "snapshots").glob("*/methods/adp-ree-extension.yaml"))
    real = fp_snapshot.file_sha256

    def hash_and_touch(path):
        os.utime(touched, ns=(1, 1))  # a write during the hashing: new ctime and mtime
        return real(path)

    monkeypatch.setattr(fp_snapshot, "file_sha256", hash_and_touch)
    assert _open() is None  # the content is intact: accepted, but not recorded as verified
    assert not fp_snapshot.verified_path(fp_snapshot.read_current()).exists()
    monkeypatch.setattr(fp_snapshot, "file_sha256", real)
    assert _open() is None and fp_snapshot.verified_path(fp_snapshot.read_current()).is_file()
