"""``batch declare --register``: an interruption after the register committed a row never takes its file back.

A row's file and its register entry are written both or neither (tests/test_batch_register_before_write.py):
the file is written while the register's transaction is open and taken back if the commit fails.  Before, a
Ctrl-C or SIGTERM that arrived once the commit had succeeded, but before the ``with Register.adding(...)``
block had fully exited, took the same branch as a failed commit: the file of a row that IS registered was
removed (the register then named a declaration whose file was gone; with a random Monte Carlo seed it could
not even be made again), exit 130.  And a Ctrl-C held over the rename of the file (footprint._io) was
delivered right after it, before the row counted as written: the register rolled back and the file stayed,
unregistered.  Now the register says whether it committed (AddResult.committed, set right after the commit),
a committed row is never undone, and signals are held from the write to the end of the bookkeeping
(footprint._io.write_with_transaction), then delivered: the interruption still ends the run (130, 143).

Each trial interrupts a real register (SQLite, and PostgreSQL by URL) at the exact point: right after its
real commit (footprint.market.db.transaction has returned from it), by an exception or by a real signal.
"""
from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, FIXED_MOMENT

import cli
import footprint
from footprint import _io
from footprint.market import db


def _manifest(folder: Path, output: str = "out/a.json") -> Path:
    path = folder / "m.csv"
    path.write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{EXAMPLE},{output},1000,2025\n", encoding="utf-8")
    return path


def _placed(register) -> list[tuple]:
    return sorted((r["declaration_id"], r["year"], r["mass_kg"]) for r in footprint.market_rows(register=register))


def _after_the_commit(monkeypatch, interrupt) -> list[int]:
    """Run ``interrupt()`` once, right after the register's first write transaction has really committed."""
    real = db.transaction
    done: list[int] = []

    @contextlib.contextmanager
    def transaction(target, *, write, **kwargs):
        with real(target, write=write, **kwargs) as connection:
            yield connection
        if write and not done:  # committed: the register's own post-commit step has run
            done.append(1)
            interrupt()

    monkeypatch.setattr(db, "transaction", transaction)
    return done


def _raise_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def _check_kept(folder: Path, register, output: str = "out/a.json") -> None:
    """The row is registered, and its file is there (whole, the one registered), and nothing else."""
    written = json.loads((folder / output).read_text(encoding="utf-8"))  # before: FileNotFoundError
    assert _placed(register) == [(written["id"], 2025, 1000.0)]
    assert sorted(p.name for p in (folder / output).parent.iterdir()) == [Path(output).name]  # no temporaries


@pytest.mark.parametrize("interrupt", [_raise_keyboard_interrupt, lambda: signal.raise_signal(signal.SIGINT)],
                         ids=["KeyboardInterrupt", "SIGINT"])
def test_ctrl_c_right_after_the_commit_keeps_the_registered_rows_file(project, tmp_path, database, monkeypatch,
                                                                       interrupt):
    done = _after_the_commit(monkeypatch, interrupt)
    with pytest.raises(KeyboardInterrupt) as raised:
        footprint.batch_declare(_manifest(tmp_path), register=database, created=FIXED_MOMENT)
    assert done == [1]
    _check_kept(tmp_path, database)  # before: the file was removed, the row registered
    assert raised.value.exit_code == 130
    # the row counts as written and registered (before: "0 of 1 rows were written (0 of them registered)")
    assert "1 of 1 rows were written (1 of them registered)" in str(raised.value)


def test_sigterm_right_after_the_commit_keeps_the_file_and_exits_143(project, tmp_path, monkeypatch):
    import os

    register = tmp_path / "r.sqlite"
    done = _after_the_commit(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGTERM))
    result = CliRunner().invoke(cli.main, ["batch", "declare", str(_manifest(tmp_path)), "--register", str(register)])
    assert done == [1]
    _check_kept(tmp_path, register)
    assert result.exit_code == 143, result.output
    assert "Traceback" not in result.output
    assert "1 of 1 rows were written (1 of them registered)" in result.output


def test_ctrl_c_right_after_the_commit_of_a_force_replacement_keeps_the_new_file(project, tmp_path, monkeypatch):
    """With --force over an older file: the registered declaration's file stays (not the older file put back)."""
    register = tmp_path / "r.sqlite"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.json").write_text("the older file", encoding="utf-8")
    _after_the_commit(monkeypatch, lambda: signal.raise_signal(signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        footprint.batch_declare(_manifest(tmp_path), register=register, created=FIXED_MOMENT, force=True)
    _check_kept(tmp_path, register)  # and no hard-link copy of the older file left beside it


def test_ctrl_c_during_the_rename_of_the_file_leaves_both_or_neither(project, tmp_path, monkeypatch):
    """A Ctrl-C held over the rename (footprint._io) was delivered right after it, before the row counted as
    written: the register rolled back and the file stayed, unregistered (a declaration one could publish)."""
    register = tmp_path / "r.sqlite"
    real = _io._place
    sent: list[int] = []

    def place(tmp, path):
        placed = real(tmp, path)
        if not sent:
            sent.append(1)
            signal.raise_signal(signal.SIGINT)  # held by the rename: delivered when it ends
        return placed

    monkeypatch.setattr(_io, "_place", place)
    with pytest.raises(KeyboardInterrupt) as raised:
        footprint.batch_declare(_manifest(tmp_path), register=register, created=FIXED_MOMENT)
    assert sent == [1]
    rows = _placed(register) if register.exists() else []
    output = tmp_path / "out" / "a.json"
    assert output.exists() == bool(rows), (output.exists(), rows)  # before: the file, and no register row
    if rows:
        _check_kept(tmp_path, register)
        assert "(1 of them registered)" in str(raised.value)


def test_ctrl_c_before_the_commit_still_leaves_neither(project, tmp_path, monkeypatch):
    """The other side of the window: interrupted while the register's transaction is open (its checks and
    writes made, the file not yet written), nothing of the row is kept."""
    from footprint.market.registry import Register

    register = tmp_path / "r.sqlite"
    real = Register._add_all

    def add_all(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Register, "_add_all", add_all)
    with pytest.raises(KeyboardInterrupt) as raised:
        footprint.batch_declare(_manifest(tmp_path), register=register, created=FIXED_MOMENT)
    assert "0 of 1 rows were written" in str(raised.value)
    assert not (tmp_path / "out" / "a.json").exists()
    monkeypatch.setattr(Register, "_add_all", real)
    assert _placed(register) == []


# ------------------------------------------------------------------ the file-pair helper itself (footprint._io)

class _Transaction:
    """A transaction that commits (or not) and then raises (or not): what a register's exit can do."""

    def __init__(self, *, commits: bool, raises: BaseException | None = None):
        self.commits, self.raises, self.committed = commits, raises, False

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None and self.commits:
            self.committed = True
        if self.raises is not None:
            raise self.raises
        return False


@pytest.mark.parametrize("force", [False, True])
def test_write_with_transaction_keeps_a_committed_file_and_takes_back_an_uncommitted_one(tmp_path, force):
    path = tmp_path / "d.json"
    if force:
        path.write_text("older", encoding="utf-8")

    def write() -> None:
        _io.write_atomic(path, "new", force=force)

    # committed, then interrupted before the exit returned: kept
    with pytest.raises(KeyboardInterrupt):
        _io.write_with_transaction(path, write, _Transaction(commits=True, raises=KeyboardInterrupt()), force=force)
    assert path.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]
    # not committed (the commit failed): taken back, the older file put back with force
    path.unlink()
    if force:
        path.write_text("older", encoding="utf-8")
    with pytest.raises(OSError):
        _io.write_with_transaction(path, write, _Transaction(commits=False, raises=OSError("disk I/O error")),
                                   force=force)
    assert ([p.name for p in tmp_path.iterdir()], path.exists() and path.read_text(encoding="utf-8")) == (
        (["d.json"], "older") if force else ([], False))
    # committed and returned: kept, and on_commit ran once
    counted: list[int] = []
    _io.write_with_transaction(path, write, _Transaction(commits=True), force=True, on_commit=lambda: counted.append(1))
    assert path.read_text(encoding="utf-8") == "new" and counted == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]


def test_without_hard_links_a_failed_commit_still_puts_the_older_file_back(tmp_path, monkeypatch):
    """A file system without hard links (link: EPERM): the older file is kept by a copy, not lost with the new one."""
    import errno
    import os

    path = tmp_path / "d.json"
    path.write_text("older", encoding="utf-8")

    def write() -> None:
        _io.write_atomic(path, "new", force=True)

    def no_link(*_args, **_kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    with pytest.raises(OSError, match="disk I/O error"):
        _io.write_with_transaction(path, write, _Transaction(commits=False, raises=OSError("disk I/O error")),
                                   force=True)
    assert path.read_text(encoding="utf-8") == "older"  # before (api's own undo): the new file removed, nothing left
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
