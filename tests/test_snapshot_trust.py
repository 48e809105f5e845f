"""A background snapshot another user may write is never declared on; set-up writes none, whatever the umask.

Trial (old code): ``footprint setup`` under ``umask 000`` left FOOTPRINT_HOME, its snapshots, every file and
CURRENT writable by every user.  User 65534 halved the stored background scores, re-hashed the manifest,
renamed the snapshot to the new hash and switched CURRENT: this user's ``footprint declare dy-oxide`` then
declared 82.84 kg CO2-Eq instead of 89.32, exit 0.  Now set-up writes nothing others may write, and a
snapshot (or the home, its snapshots folder, CURRENT) that others may write is refused naming the path and
the fix (exit 2), never rebuilt in place (others could change the new one the same way).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from footprint.data import snapshot as _files
from footprint.errors import HomeNotTrusted

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def home_copy(project, footprint_home, tmp_path) -> Path:
    """A copy of the session's set-up home (modes kept), for a test to open up to others."""
    copy = tmp_path / "home"
    shutil.copytree(footprint_home / "snapshots", copy / "snapshots",
                    ignore=shutil.ignore_patterns("setup.lock", "staging-*", ".trash-*"))
    for path in [copy, *copy.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o022)
    return copy


def _declare(home: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, FOOTPRINT_HOME=str(home), PYTHONPATH=python_path(REPO))
    return subprocess.run([sys.executable, "cli.py", "declare", "dy-oxide", "examples/dy-oxide/activity-2025.yaml",
                           "-o", str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _scores_file(home: Path) -> Path:
    name = (home / "snapshots" / "CURRENT").read_text().strip()
    (scores,) = (home / "snapshots" / name).glob("brightway/*/footprint-cache/scores-*.npz")
    return scores


@pytest.mark.parametrize("opened", ["home", "snapshots", "CURRENT", "scores"])
def test_a_snapshot_others_may_write_is_refused_naming_the_path_and_the_fix(home_copy, tmp_path, opened):
    target = {"home": home_copy, "snapshots": home_copy / "snapshots", "CURRENT": home_copy / "snapshots" / "CURRENT",
              "scores": _scores_file(home_copy)}[opened]
    target.chmod(stat.S_IMODE(target.stat().st_mode) | 0o022)  # as written under umask 000
    run = _declare(home_copy, tmp_path / "d.json")
    assert run.returncode == 2 and "Traceback" not in run.stderr, (run.returncode, run.stderr[-800:])
    assert f"{target}: field 'FOOTPRINT_HOME': another user may change footprint's background data" in run.stderr
    assert "chmod -R go-w" in run.stderr and "footprint setup --force" in run.stderr
    assert "setting up" not in run.stderr and not (tmp_path / "d.json").exists()


def test_a_snapshot_file_owned_by_another_user_is_refused(home_copy, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    scores = _scores_file(home_copy)
    os.chown(scores, 65534, 65534)
    run = _declare(home_copy, tmp_path / "d.json")
    assert run.returncode == 2 and "owned by user id 65534" in run.stderr, run.stderr[-800:]


def test_the_same_home_only_its_owner_may_write_declares(home_copy, tmp_path):
    run = _declare(home_copy, tmp_path / "d.json")
    assert run.returncode == 0, run.stderr[-800:]


def test_a_verified_marker_others_may_write_is_not_trusted(home_copy, monkeypatch):
    """A large snapshot is hashed once and a marker records each file's fingerprint; a marker others could
    write would let a file they changed in place (same size) pass without being hashed again."""
    monkeypatch.setenv("FOOTPRINT_HOME", str(home_copy))
    opened = _files.open_current()
    try:
        marker = _files.verified_path(opened.name)
        before = _files._fingerprints(opened.path, opened.manifest["files"])
        _files._record_verified(opened, before, time.time_ns() + 10**10)  # as if the copy had settled long ago
        assert marker.is_file() and not stat.S_IMODE(marker.stat().st_mode) & 0o022
        assert _files._marker_holds(opened, before)
        marker.chmod(0o666)
        assert not _files._marker_holds(opened, before)
    finally:
        opened.release()


def test_set_up_under_umask_000_writes_nothing_others_may_write(tmp_path, monkeypatch):
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("FOOTPRINT_HOME", str(home))
    old = os.umask(0)
    try:
        with _files.writer_lock():
            staging = _files.new_staging()
            (staging / "brightway" / "db").mkdir(parents=True)
            (staging / "brightway" / "db" / "scores.npz").write_bytes(b"scores")
            name = _files.finish(staging, {"inputs": {}}, lambda point: None)
            _files.switch(name)
    finally:
        os.umask(old)
    written = [path for path in [home, *home.rglob("*")] if stat.S_IMODE(path.lstat().st_mode) & 0o022]
    assert written == [], written
    opened = _files.open_current()
    try:
        assert _files.check_files(opened.path, opened.manifest["files"], deep=True) == []
    finally:
        opened.release()
    with contextlib.suppress(OSError):
        (home / "snapshots" / name / "brightway" / "db").chmod(0o777)
    with pytest.raises(HomeNotTrusted):
        _files.check_files(home / "snapshots" / name, opened.manifest["files"], deep=False)


def test_an_own_dataset_others_may_write_is_refused_before_a_set_up_copies_it(home_copy, tmp_path):
    """FOOTPRINT_HOME/inventories is copied into the next background: a dataset there another user may write
    (old code: read, set up and declared on, exit 0) is refused like a snapshot they may write."""
    import yaml

    source = yaml.safe_load((REPO / "inventories" / "electricity" / "CN-NM.yaml").read_text(encoding="utf-8"))
    source.update(code="electricity/CN-GZ", geography="CN-GZ")
    target = home_copy / "inventories" / "electricity" / "CN-GZ.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(source, sort_keys=False), encoding="utf-8")
    target.chmod(0o666)
    run = _declare(home_copy, tmp_path / "d.json")
    assert run.returncode == 2 and "Traceback" not in run.stderr, (run.returncode, run.stderr[-800:])
    assert f"{target}: field 'FOOTPRINT_HOME': another user may change footprint's background data" in run.stderr
    assert "setting up" not in run.stderr and not (tmp_path / "d.json").exists()
