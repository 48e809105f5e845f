"""Batch rows keep their identity: each outcome belongs to its own row, a refused row leaves nothing behind.

tests/test_batch.py proves a batch equals one-by-one `footprint declare`; these tests attack how rows are
numbered, matched to their outcomes and written.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import footprint
from footprint.market import batch

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = {path.parent.name: path for path in (REPO / "examples").glob("*/activity-2025.yaml")}
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_two_rows_with_one_number_are_refused_not_given_one_declaration(project):
    """Outcomes are matched to rows by number: a Row numbered 2 beside a dict (numbered 2 by its position)
    gave both rows the dy-oxide declaration, the ndpr-oxide row's declaration lost, exit 0."""
    rows = [batch.Row(2, rule="dy-oxide", data=str(EXAMPLE["dy-oxide"])),
            {"rule": "ndpr-oxide", "data": str(EXAMPLE["ndpr-oxide"])}]
    with pytest.raises(batch.BatchError, match=r"row number\(s\) 2 appear more than once"):
        footprint.declare_many(rows, created=CREATED)
    # numbered apart, each row gets its own declaration
    outcomes = footprint.declare_many([batch.Row(1, rule="dy-oxide", data=str(EXAMPLE["dy-oxide"])),
                                       {"rule": "ndpr-oxide", "data": str(EXAMPLE["ndpr-oxide"])}], created=CREATED)
    assert [o.document["rule"]["id"] for o in outcomes] == ["dy-oxide", "ndpr-oxide"]


def _cli():
    import cli

    return cli.main


def test_a_row_the_register_refuses_writes_no_declaration(project, tmp_path):
    """Row 1 is placed on the market in 2020, before its 2025 reporting period: the register refuses it.

    Before, its declaration was written anyway (row reported failed, file on disk, not registered), so the
    corrected re-run refused the row as "output exists".  Row 2 (2025) is declared and registered as usual.
    """
    manifest = tmp_path / "manifest.csv"
    data = EXAMPLE["ndpr-oxide"]
    manifest.write_text("rule,data,output,mass_kg,year\n"
                        f"ndpr-oxide,{data},out/early.json,1000,2020\n"
                        f"ndpr-oxide,{data},out/placed.json,1000,2025\n", encoding="utf-8")
    register = tmp_path / "market.sqlite"
    result = CliRunner().invoke(_cli(), ["batch", "declare", str(manifest), "--register", str(register)])
    assert result.exit_code == 2, result.output
    assert "row 1" in result.output and "before its reporting period began" in result.output
    assert not (tmp_path / "out" / "early.json").exists()
    assert (tmp_path / "out" / "placed.json").exists()
    assert [(r["year"], r["mass_kg"]) for r in footprint.market_rows(register=register)] == [(2025, 1000.0)]
    # the corrected row runs without --force (nothing of it was left behind)
    manifest.write_text("rule,data,output,mass_kg,year\n"
                        f"ndpr-oxide,{data},out/early.json,1000,2026\n", encoding="utf-8")
    again = CliRunner().invoke(_cli(), ["batch", "declare", str(manifest), "--register", str(register)])
    assert again.exit_code == 0, again.output
    # the register sums nothing here: one declaration placed 1000 kg in 2025 and 1000 kg in 2026 (one row a year)
    assert sorted((r["year"], r["mass_kg"]) for r in footprint.market_rows(register=register)) == \
        [(2025, 1000.0), (2026, 1000.0)]


def test_csv_row_numbers_are_the_spreadsheet_s_and_empty_rows_declare_nothing(tmp_path):
    """A blank line and a ',,' row (a spreadsheet's saved empty row) between two rows.

    The file's rows after the header: 1 = ndpr-oxide, 2 = blank, 3 = ',,', 4 = the row without data; a
    spreadsheet shows them as rows 2..5.  Before, blank lines were skipped before numbering, so the bad row
    was reported as row 3 (the ',,' row, itself reported as "empty rule and data"): the user fixed the wrong row.
    """
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("rule,data,output\n"
                        "ndpr-oxide,a.yaml,a.json\n"
                        "\n"
                        ",,\n"
                        "ndpr-oxide,,b.json\n", encoding="utf-8")
    rows = batch.read_manifest(manifest)
    assert [row.number for row in rows] == [1, 4]
    assert rows[0].problem is None and rows[0].data == str(tmp_path / "a.yaml")
    assert rows[1].problem.startswith("empty data")


def test_a_row_whose_supplier_declaration_another_row_writes_is_refused_on_every_scheduler(project, tmp_path):
    """Row 1 declares the Dy oxide into the very file row 2's Dy metal data reads as its supplier's declaration.

    Outputs are written as results arrive, so row 2 read the old file when both rows shared a chunk (this
    run, serial: exit 0) and the new one when row 1's chunk had been written first (--workers, Dask): the
    declaration depended on timing.  Now row 2 is refused, whatever the scheduler; row 1 is declared.
    """
    import shutil

    for name in ("suppliers", "dy-oxide", "dy-metal"):
        shutil.copytree(REPO / "examples" / name, tmp_path / name)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("rule,data,output\n"
                        "dy-oxide,dy-oxide/activity-2025.yaml,suppliers/dy-oxide-2025.json\n"
                        "dy-metal,dy-metal/activity-2025.yaml,out/dy-metal.json\n", encoding="utf-8")
    result = CliRunner().invoke(_cli(), ["batch", "declare", str(manifest), "--force"])
    assert result.exit_code == 2, result.output
    assert "row 2" in result.output and "is the output of row 1 of this run" in result.output
    assert "2 rows: 1 declared, 1 failed" in result.output
    assert not (tmp_path / "out" / "dy-metal.json").exists()
    written = footprint.read_declaration(tmp_path / "suppliers" / "dy-oxide-2025.json")
    assert written["rule"]["id"] == "dy-oxide"


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes need a POSIX system")
def test_batch_verify_reports_a_fifo_or_device_named_json_without_reading_it(tmp_path):
    """A FIFO named *.json blocked the whole run on open(); a link to /dev/zero was read until memory ran out.

    Run in a subprocess with a time limit, so the old behaviour fails the test instead of hanging the suite.
    """
    import os
    import subprocess
    import sys

    directory = tmp_path / "declarations"
    directory.mkdir()
    os.mkfifo(directory / "a-pipe.json")
    (directory / "b-zero.json").symlink_to("/dev/zero")
    script = ("import footprint, sys\n"
              f"summary = footprint.batch_verify({str(directory)!r})\n"
              "for o in summary.outcomes: print(o.row, o.status, o.message)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": python_path(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all(" error " in line and "not a regular file (a FIFO, device or socket: reading it could wait or run for ever); not read" in line
               for line in lines)
    assert lines[0].startswith("1 ") and "a-pipe.json" in lines[0] and lines[1].startswith("2 ")


def test_two_rows_of_one_declaration_and_year_keep_the_first_row_s_mass_whatever_arrives_first(project, tmp_path,
                                                                                              monkeypatch):
    """Rows 1 and 2: the same rule and data (so the same declaration) and year, 1000 kg and 2000 kg.

    The register keeps one mass per declaration and year, so one row is refused.  It was refused where
    results arrive, so on Dask the row refused was whichever came second: the register held 1000 kg in one
    run and 2000 kg in another.  Here results arrive in reverse order (as Dask may deliver them): before,
    row 2's 2000 kg was registered and row 1 refused; now row 2 is refused before computing, on every
    scheduler, and the register holds row 1's 1000 kg.
    """
    import footprint.api as api

    chunk = api._declare_chunk
    monkeypatch.setattr(api, "_declare_chunk", lambda rows, context: list(reversed(chunk(rows, context))))
    data = EXAMPLE["ndpr-oxide"]
    copy_of_data = tmp_path / "same-data.yaml"  # another path, the same content: the same declaration id
    copy_of_data.write_bytes(data.read_bytes())
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("rule,data,output,mass_kg,year\n"
                        f"ndpr-oxide,{data},out/one.json,1000,2025\n"
                        f"ndpr-oxide,{copy_of_data},out/two.json,2000,2025\n", encoding="utf-8")
    register = tmp_path / "market.sqlite"
    result = CliRunner().invoke(_cli(), ["batch", "declare", str(manifest), "--register", str(register)])
    assert result.exit_code == 2, result.output
    assert "row 2" in result.output and "the same declaration (the same rule, activity data and options) and year 2025 as row 1" in result.output
    assert [(r["year"], r["mass_kg"]) for r in footprint.market_rows(register=register)] == [(2025, 1000.0)]
    assert (tmp_path / "out" / "one.json").exists() and not (tmp_path / "out" / "two.json").exists()


def test_ctrl_c_in_a_batch_says_how_many_rows_were_written_and_registered(project, tmp_path, monkeypatch):
    """Ctrl-C after the first of three rows was written: the CLI said "nothing half-written was left behind",
    which read as "nothing of the batch was done" while one declaration was written and registered."""
    import footprint.api as api

    real_write = api.write_declaration
    calls = []

    def write_then_interrupt(document, path, **options):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(document, path, **options)

    monkeypatch.setattr(api, "write_declaration", write_then_interrupt)
    data = EXAMPLE["ndpr-oxide"]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("rule,data,output,mass_kg,year\n"
                        f"ndpr-oxide,{data},out/2025.json,1000,2025\n"
                        f"ndpr-oxide,{data},out/2026.json,1000,2026\n"
                        f"dy-oxide,{EXAMPLE['dy-oxide']},out/dy.json,10,2025\n", encoding="utf-8")
    register = tmp_path / "market.sqlite"
    result = CliRunner().invoke(_cli(), ["batch", "declare", str(manifest), "--register", str(register)])
    assert result.exit_code == 130, result.output
    assert "interrupted: 1 of 3 rows were written (1 of them registered)" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2025.json"]
    assert [(r["year"], r["mass_kg"]) for r in footprint.market_rows(register=register)] == [(2025, 1000.0)]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes need a POSIX system")
def test_batch_declare_refuses_a_fifo_named_as_activity_data_without_opening_it(tmp_path):
    """The worker opening a FIFO named in a manifest waited for a writer for ever, and the whole batch with it.
    Run in a subprocess with a time limit, so the old behaviour fails the test instead of hanging the suite."""
    import os
    import subprocess
    import sys

    os.mkfifo(tmp_path / "pipe.yaml")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("rule,data,output\nndpr-oxide,pipe.yaml,out/a.json\n", encoding="utf-8")
    script = ("import footprint\n"
              f"summary = footprint.batch_declare({str(manifest)!r})\n"
              "for o in summary.outcomes: print(o.row, o.status, o.message)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=90,
                          env={**os.environ, "PYTHONPATH": python_path(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("1 error ")
    assert "the activity data is not a regular file (a FIFO, device or socket: reading it could wait or run for ever); not read" in done.stdout


def test_an_output_that_appears_during_the_batch_is_not_replaced_without_force(project, tmp_path, monkeypatch):
    """Existence was checked before computing, then every row was written with force: a file another run
    wrote at a row's output in between was replaced (exit 0).  Now it is that row's error, the file kept."""
    import footprint.api as api

    out = tmp_path / "out"
    real_run = batch.run

    def another_run_writes_first(rows, *args, **kwargs):
        out.mkdir()
        (out / "b.json").write_text("another run's declaration", encoding="utf-8")
        return real_run(rows, *args, **kwargs)

    monkeypatch.setattr(batch, "run", another_run_writes_first)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("rule,data,output\n"
                        f"ndpr-oxide,{EXAMPLE['ndpr-oxide']},{out / 'a.json'}\n"
                        f"ndpr-oxide,{EXAMPLE['ndpr-oxide']},{out / 'b.json'}\n", encoding="utf-8")
    summary = api.batch_declare(manifest, created=CREATED)
    assert [o.status for o in summary.outcomes] == ["ok", "error"], summary.outcomes
    assert "output file exists" in summary.outcomes[1].message
    assert (out / "b.json").read_text(encoding="utf-8") == "another run's declaration"
    assert footprint.read_declaration(out / "a.json")["rule"]["id"] == "ndpr-oxide"


@pytest.mark.parametrize("output", ["out/", "out/.", "sub/out//"])
def test_a_row_whose_output_names_a_folder_is_refused(tmp_path, output):
    """A manifest row with output ``out/`` (a folder meant): the path was tidied to ``out`` and the row's
    declaration written as a file named out, exit 0.  Now the row is refused, nothing read or written."""
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"rule,data,output\nndpr-oxide,{EXAMPLE['ndpr-oxide']},{output}\n", encoding="utf-8")
    [row] = batch.read_manifest(manifest)
    assert row.problem and "names a folder, not a file" in row.problem
    summary = batch.run([row], lambda rows, context: [], {})
    assert not summary.ok and list(tmp_path.iterdir()) == [manifest]


def test_a_row_whose_output_is_a_directory_is_told_so_not_to_use_force(project, tmp_path):
    """A row whose output is an existing directory was refused as "exists (use --force to overwrite)", and
    --force then failed too: a directory is never replaced.  Now the message says it is a directory."""
    import footprint.api as api

    (tmp_path / "isdir").mkdir()
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"rule,data,output\nndpr-oxide,{EXAMPLE['ndpr-oxide']},isdir\n", encoding="utf-8")
    [outcome] = api.batch_declare(manifest, created=CREATED).outcomes
    assert outcome.status == "error" and "is a directory (expected a file path)" in outcome.message
