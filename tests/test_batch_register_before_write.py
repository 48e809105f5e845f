"""``batch declare --register``: a row the register refuses leaves no declaration file behind.

Before, each row's declaration was written first and added to the register after.  A row the register
refused only when adding it (the same declaration as an earlier row, made with another Monte Carlo seed
and placed in another year: one declaration id with other medians) was counted as failed while its file
sat in the output directory, a declaration a user could publish or verify as if it were on the market.
Now every check of the register is made before the file is written (Register.adding), and a commit
that fails once the file is in place takes the file back (the file --force replaced is put back).
The same on every scheduler: outputs and the register are written by the submitting process.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, FIXED_MOMENT

import cli
import footprint
from footprint.market import pool

REPO = Path(__file__).resolve().parents[1]
DY = REPO / "examples" / "dy-oxide" / "activity-2025.yaml"
ROWS = (f"ndpr-oxide,{EXAMPLE},out/1.json,1000,2025,20,1",
        f"dy-oxide,{DY},out/2.json,500,2025,,",
        f"ndpr-oxide,{EXAMPLE},out/3.json,1000,2026,20,2",   # row 1's declaration, another seed, another year
        f"dy-oxide,{DY},out/4.json,700,2026,,")              # row 2's declaration, placed again the next year


def _manifest(folder: Path) -> Path:
    path = folder / "m.csv"
    path.write_text("rule,data,output,mass_kg,year,uncertainty,seed\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def _placed(register: Path) -> list[tuple]:
    return sorted((r["declaration_id"], r["year"], r["mass_kg"]) for r in footprint.market_rows(register=register))


def _check_the_refused_row_left_nothing(folder: Path, summary, register=None) -> None:
    said = {o.row: o for o in summary.outcomes}
    assert [said[n].status for n in (1, 2, 3, 4)] == ["ok", "ok", "error", "ok"], summary.errors_csv()
    assert "another Monte Carlo" in said[3].message
    assert summary.count("error") == 1 and summary.count("ok") == 3
    assert not (folder / "out" / "3.json").exists()  # before: written, though the register refused it
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["1.json", "2.json", "4.json"]  # no temporaries
    first, second = (json.loads((folder / "out" / f"{n}.json").read_text(encoding="utf-8")) for n in (1, 2))
    assert _placed(register or folder / "r.sqlite") == sorted([(first["id"], 2025, 1000.0), (second["id"], 2025, 500.0),
                                                   (second["id"], 2026, 700.0)])


def test_a_row_the_register_refuses_writes_no_file_and_the_others_are_untouched(project, tmp_path):
    summary = footprint.batch_declare(_manifest(tmp_path), register=tmp_path / "r.sqlite", created=FIXED_MOMENT)
    _check_the_refused_row_left_nothing(tmp_path, summary)
    # the declarations written are the ones a single declare writes, byte for byte
    alone = footprint.declare("ndpr-oxide", EXAMPLE, created=FIXED_MOMENT, uncertainty=20, seed=1)
    assert json.loads((tmp_path / "out" / "1.json").read_text(encoding="utf-8")) == alone


def test_the_same_on_either_database(project, tmp_path, database):
    """SQLite and PostgreSQL (by URL): the register's refusal comes before the file, in one transaction."""
    summary = footprint.batch_declare(_manifest(tmp_path), register=database, created=FIXED_MOMENT)
    _check_the_refused_row_left_nothing(tmp_path, summary, database)


def test_the_command_line_says_the_row_failed_and_its_error_report_names_it(project, tmp_path):
    result = CliRunner().invoke(cli.main, ["batch", "declare", str(_manifest(tmp_path)), "--register",
                                           str(tmp_path / "r.sqlite"), "--errors", str(tmp_path / "errors.csv")])
    assert result.exit_code == 2, result.output
    assert "4 rows: 3 declared, 1 failed" in result.output and "Traceback" not in result.output
    assert "row 3" in result.output and "another Monte Carlo" in result.output
    report = (tmp_path / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert len(report) == 2 and report[1].startswith("3,error,")
    assert not (tmp_path / "out" / "3.json").exists()


def test_the_same_with_forked_workers(project, tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "POOL_FROM", 1)  # the pool from the first row (it starts at 40 rows)
    summary = footprint.batch_declare(_manifest(tmp_path), register=tmp_path / "r.sqlite", created=FIXED_MOMENT,
                                      workers=2)
    assert summary.scheduler == "2 worker processes on this machine"
    _check_the_refused_row_left_nothing(tmp_path, summary)


def test_the_same_on_dask(project, tmp_path):
    pytest.importorskip("distributed")
    summary = footprint.batch_declare(_manifest(tmp_path), register=tmp_path / "r.sqlite", created=FIXED_MOMENT,
                                      scheduler="local", workers=2)
    assert summary.scheduler.startswith("Dask LocalCluster")
    _check_the_refused_row_left_nothing(tmp_path, summary)


@pytest.fixture()
def failing_commit(tmp_path):
    """The register's commit fails once (a full disk, a lost server): after every check passed and the file was written."""
    import sqlalchemy
    from sqlalchemy import event

    from footprint.market import db

    register = tmp_path / "r.sqlite"
    made = db.engine(register)
    failed: list[int] = []

    def fail(connection) -> None:
        if connection.get_execution_options().get("footprint_write") and not failed:
            failed.append(1)
            raise sqlalchemy.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    db.upgrade(register)  # the schema, committed before the failing commit is armed
    event.listen(made, "commit", fail)
    yield register, failed
    event.remove(made, "commit", fail)
    db.dispose(register)


def test_a_commit_that_fails_after_the_file_is_written_takes_the_file_back(project, tmp_path, failing_commit):
    register, failed = failing_commit
    manifest = tmp_path / "one.csv"
    manifest.write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{EXAMPLE},out/a.json,1000,2025\n",
                        encoding="utf-8")
    summary = footprint.batch_declare(manifest, register=register, created=FIXED_MOMENT)
    assert failed == [1]
    (outcome,) = summary.outcomes
    assert outcome.status == "error" and "disk I/O error" in outcome.message
    assert "the register did not keep the declaration" in outcome.message and "not written" in outcome.message
    assert not (tmp_path / "out" / "a.json").exists()
    assert list((tmp_path / "out").iterdir()) == []
    assert _placed(register) == []
    # with --force over an older file, the older file is put back as it was
    (tmp_path / "out" / "a.json").write_text("the older file", encoding="utf-8")
    failed.clear()
    summary = footprint.batch_declare(manifest, register=register, created=FIXED_MOMENT, force=True)
    assert summary.outcomes[0].status == "error" and failed == [1]
    assert (tmp_path / "out" / "a.json").read_text(encoding="utf-8") == "the older file"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.json"]
    assert _placed(register) == []
    # and once the register commits, file and entry are both there
    summary = footprint.batch_declare(manifest, register=register, created=FIXED_MOMENT, force=True)
    assert summary.ok, summary.errors_csv()
    written = json.loads((tmp_path / "out" / "a.json").read_text(encoding="utf-8"))
    assert _placed(register) == [(written["id"], 2025, 1000.0)]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
