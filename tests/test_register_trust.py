"""A market register (and the host's store, the same database) another user may write is refused, like a snapshot.

Trial (old code): ``footprint market import examples/market/register.csv`` under ``umask 000`` created
FOOTPRINT_HOME 0777 around market.sqlite, so every user of the machine could put their own register in its
place and decide the classes derived from it (and what ``footprint serve`` hands out), exit 0.  A register in
a folder of mode 0777, or a file of mode 0666, was read and written without a word.  Now footprint creates the
folder without group or world write, and a file, journal or folder others may write is refused naming it.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from footprint.market import db as _db

REPO = Path(__file__).resolve().parents[1]
REGISTER_CSV = REPO / "examples" / "market" / "register.csv"


def _invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture()
def register(tmp_path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    path = folder / "market.sqlite"
    assert _invoke("market", "import", REGISTER_CSV, "--register", path).exit_code == 0
    _db.dispose(path)  # a new process would open it afresh
    return path


@pytest.mark.parametrize("opened", ["folder", "file", "journal"])
def test_a_register_others_may_write_is_refused_naming_the_path(register, opened):
    target = {"folder": register.parent, "file": register,
              "journal": register.with_name(register.name + "-journal")}[opened]
    if opened == "journal":
        target.write_bytes(b"")  # a journal planted beside the register: SQLite rolls a hot one back into it
    target.chmod(stat.S_IMODE(target.stat().st_mode) | 0o022)
    try:
        result = _invoke("market", "list", "--register", register)
        assert result.exit_code == 2, result.output
        assert f"{target} is writable by its group and every user" in result.output
        assert "chmod go-w" in result.output and "Traceback" not in result.output
        result = _invoke("market", "import", REGISTER_CSV, "--register", register)
        assert result.exit_code == 2 and "another user may change this database" in result.output, result.output
    finally:
        _db.dispose(register)


def test_the_host_refuses_a_store_others_may_write(register):
    from footprint.server.run import prepare_database
    from footprint.errors import FootprintError

    register.chmod(0o666)
    try:
        with pytest.raises(FootprintError, match="another user may change this database") as raised:
            prepare_database(str(register))
        assert "chmod go-w" in (raised.value.expected or "")
    finally:
        _db.dispose(register)


def test_the_default_register_under_umask_000_has_no_folder_others_may_write(tmp_path, monkeypatch):
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("FOOTPRINT_HOME", str(home))
    old = os.umask(0)
    try:
        result = _invoke("market", "import", REGISTER_CSV)
    finally:
        os.umask(old)
        _db.dispose()
    assert result.exit_code == 0, result.output
    written = [path for path in [home.parent, home, *home.rglob("*")] if stat.S_IMODE(path.stat().st_mode) & 0o022]
    assert written == [], written
