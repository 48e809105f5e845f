"""Many declarations in one run: identical to one-by-one, row errors reported per row, Dask with a killed worker.

The twelve example producers are declared one by one, then as one batch in this process and on
a Dask LocalCluster of two worker processes (one of which is killed while it holds a chunk):
every declaration must be byte-for-byte the one-by-one declaration (same content hash), every
row must have exactly one outcome and the register exactly one entry per row.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import footprint
from footprint.market import batch

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*/activity-2025.yaml"))
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def _rows() -> list[tuple[str, Path]]:
    return [(path.parent.name, path) for path in EXAMPLES]


EXAMPLE = {path.parent.name: path for path in EXAMPLES}


def _alone(rule: str, data: Path) -> str:
    """The content hash of the declaration made alone, or its refusal (examples with coverage gaps are refused)."""
    try:
        return footprint.declare(rule, data, created=CREATED)["content_sha256"]
    except footprint.FootprintError as exc:
        return f"error: {exc}"


def _seen(outcome) -> str:
    return outcome.document["content_sha256"] if outcome.document else f"error: {outcome.message}"


@pytest.fixture(scope="module")
def one_by_one(project) -> dict[str, str]:
    """rule id -> content hash of the declaration made alone (or 'error: ' and why it was refused)."""
    return {rule: _alone(rule, data) for rule, data in _rows()}


def test_there_are_twelve_examples():
    assert len(EXAMPLES) == 12


def test_declare_many_equals_one_by_one(one_by_one):
    outcomes = footprint.declare_many(_rows(), created=CREATED)
    assert {rule: _seen(o) for (rule, _), o in zip(_rows(), outcomes)} == one_by_one
    assert sum(o.ok for o in outcomes) >= 4  # ndpr-oxide, ndpr-metal, ndfeb-magnet, ndfeb-recycled-hpms at least


def test_a_row_error_is_reported_for_that_row_and_the_others_run(project, tmp_path, one_by_one):
    rows = [("ndpr-oxide", EXAMPLE["ndpr-oxide"]), ("ndpr-oxide", tmp_path / "missing.yaml"),
            ("no-such-rule", EXAMPLES[0]), ("ndpr-metal", EXAMPLE["ndpr-metal"])]
    outcomes = footprint.declare_many(rows, created=CREATED)
    assert [o.status for o in outcomes] == ["ok", "error", "error", "ok"]
    assert "missing.yaml" in outcomes[1].message and "not found" in outcomes[1].message
    assert "no-such-rule" in outcomes[2].message
    assert outcomes[3].document["content_sha256"] == one_by_one["ndpr-metal"]


def _manifest(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "manifest.csv"
    path.write_text("rule,data,output,mass_kg,year\n" + "\n".join(rows) + "\n")
    return path


def test_cli_batch_declare_writes_outputs_reports_rows_and_streams_into_the_register(project, tmp_path, one_by_one):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "taken.json").write_text("{}")
    manifest = _manifest(tmp_path, [
        f"ndpr-oxide,{EXAMPLE['ndpr-oxide']},out/a.json,1000,2025",
        f"ndpr-metal,{EXAMPLE['ndpr-metal']},out/b.json,500,2025",
        f"ndpr-metal,{EXAMPLE['ndpr-metal']},out/b.json,500,2025",      # the same output again
        f"ndpr-metal,{EXAMPLE['ndpr-metal']},out/taken.json,500,2025",  # exists, no --force
        f"ndpr-oxide,nowhere.yaml,out/c.json,1,2025",                    # missing data
        f"ndpr-oxide,{EXAMPLE['ndpr-oxide']},out/d.json,-3,2025",        # bad mass
    ])
    register = tmp_path / "market.sqlite"
    result = CliRunner().invoke(footprint_cli(), ["batch", "declare", str(manifest), "--register", str(register),
                                                  "--errors", str(tmp_path / "errors.csv")])
    assert result.exit_code == 2, result.output
    assert "6 rows: 2 declared, 4 failed" in result.output
    report = (tmp_path / "errors.csv").read_text().splitlines()
    assert report[0] == "row,status,output,message" and len(report) == 5
    assert [line.split(",")[0] for line in report[1:]] == ["3", "4", "5", "6"]
    assert "earlier row" in report[1] and "exists" in report[2] and "nowhere.yaml" in report[3]
    assert "mass_kg" in report[4]
    assert json.loads((tmp_path / "out" / "taken.json").read_text()) == {}  # never overwritten
    written = json.loads((tmp_path / "out" / "a.json").read_text())
    assert footprint.verify_declaration(tmp_path / "out" / "a.json").ok
    rows = footprint.market_rows(register=register)
    assert sorted(r["declaration_id"] for r in rows) == sorted([written["id"], json.loads(
        (tmp_path / "out" / "b.json").read_text())["id"]])

    check = CliRunner().invoke(footprint_cli(), ["batch", "verify", str(tmp_path / "out")])
    assert check.exit_code == 2  # taken.json is not a declaration: its row fails, the two others verify
    assert "3 rows: 2 verified, 1 failed" in check.output


def footprint_cli():
    import cli

    return cli.main


def test_yaml_manifests_and_unreadable_manifests(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(f"rows:\n  - {{rule: ndpr-oxide, data: {EXAMPLE['ndpr-oxide']}, output: o.json, year: 2025}}\n"
                    "  - just a string\n")
    rows = batch.read_manifest(path)
    assert rows[0].rule == "ndpr-oxide" and rows[0].output == str(tmp_path / "o.json") and rows[0].year == 2025
    assert rows[1].problem and "mapping" in rows[1].problem
    bad = tmp_path / "bad.csv"
    bad.write_text("rules,data\nx,y\n")
    with pytest.raises(batch.BatchError, match="lacks rule"):
        batch.read_manifest(bad)
    bad.write_text("rule,data,colour\nx,y,red\n")
    with pytest.raises(batch.BatchError, match="colour"):
        batch.read_manifest(bad)


def test_an_outcome_that_comes_twice_is_kept_once_and_a_skipped_row_is_reported():
    """The runner's bookkeeping, with a task that answers row 1 twice and forgets row 3."""
    def task(rows, context):
        return [batch.Outcome(1, "ok"), batch.Outcome(1, "ok"), batch.Outcome(2, "error", "bad")]

    seen = []
    summary = batch.run([batch.Row(1, "r", "d"), batch.Row(2, "r", "d"), batch.Row(3, "r", "d")], task,
                        on_outcome=seen.append)
    assert [o.row for o in seen] == [1, 2]
    assert [(o.row, o.status) for o in summary.outcomes] == [(1, "ok"), (2, "error"), (3, "error")]
    assert "no outcome" in summary.outcomes[2].message


def test_a_worker_on_another_background_refuses_the_rows():
    rows = [batch.Row(1, "r", "d", output="o.json")]
    refused = batch.guard("a" * 64, lambda: "b" * 64, rows)
    assert refused[0].status == "error" and "not the submitter's" in refused[0].message
    assert batch.guard("a" * 64, lambda: "a" * 64, rows) is None


# ----------------------------------------------------------------------------- Dask LocalCluster, 2 workers

KILL_MARKER = "FOOTPRINT_TEST_KILL_MARKER"


def killing_task(rows, context):
    """footprint.api._declare_chunk, except that the first worker to get row 3 dies holding it."""
    from footprint import api

    marker = Path(context["kill_marker"])
    if any(row.number == 3 for row in rows) and not marker.exists():
        marker.write_text(str(os.getpid()))
        os._exit(1)  # the worker process dies mid-task; the nanny restarts it, the scheduler reassigns the chunk
    return api._declare_chunk(rows, context)


def test_dask_local_cluster_equals_the_serial_run_and_survives_a_killed_worker(one_by_one, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import the test module
    rows = [batch.Row(n, rule=rule, data=str(data), output=str(tmp_path / f"{rule}.json"))
            for n, (rule, data) in enumerate(_rows(), start=1)]
    arrived: list[int] = []
    seen: dict[int, str] = {}
    context = {"created": CREATED, "identity": footprint.background_identity(),
               "kill_marker": str(tmp_path / "killed")}
    summary = batch.run(rows, killing_task, context, scheduler="local", workers=2, chunk_size=1,
                        on_outcome=lambda o: arrived.append(o.row) or seen.__setitem__(o.row, _seen(o)))
    assert (tmp_path / "killed").exists()  # a worker did die holding row 3
    assert sorted(arrived) == list(range(1, 13))  # every row once: none lost, none twice
    assert "LocalCluster, 2 worker" in summary.scheduler
    assert {rule: seen[n] for n, (rule, _) in enumerate(_rows(), start=1)} == one_by_one  # = the serial run


def test_batch_declare_on_a_local_cluster_writes_what_the_serial_run_writes(one_by_one, tmp_path):
    pytest.importorskip("distributed")
    chosen = ["ndfeb-magnet", "ndfeb-recycled-hpms", "ndpr-metal", "ndpr-oxide"]
    lines = [f"{rule},{EXAMPLE[rule]},out/{rule}.json,100,2025" for rule in chosen]
    manifest = _manifest(tmp_path, lines)
    register = tmp_path / "market.sqlite"
    summary = footprint.batch_declare(manifest, scheduler="local", workers=2, created=CREATED, register=register)
    assert summary.ok, summary.errors_csv()
    for rule in chosen:
        document = json.loads((tmp_path / "out" / f"{rule}.json").read_text())
        assert document["content_sha256"] == one_by_one[rule]
    assert len(footprint.market_rows(register=register)) == 4


def test_a_row_whose_output_is_an_input_is_refused_even_with_force(project, tmp_path):
    """Row 1's output was row 2's activity data: with --force it replaced it before (or after) row 2 ran.

    Both rows name the same input file in other spellings; the input must keep its bytes and
    the row that writes over it must be the only refused row.
    """
    data = tmp_path / "nd.yaml"
    data.write_bytes(EXAMPLE["ndpr-oxide"].read_bytes())
    manifest = tmp_path / "m.csv"
    manifest.write_text("rule,data,output\n"
                        f"ndpr-oxide,{EXAMPLE['ndpr-oxide']},./sub/../nd.yaml\n"
                        "ndpr-oxide,nd.yaml,out/nd.json\n"
                        "ndpr-oxide,nd.yaml,nd.yaml\n")
    summary = footprint.batch_declare(manifest, force=True, created=CREATED)
    assert [o.status for o in summary.outcomes] == ["error", "ok", "error"]
    assert "the output is an input (activity data of row 2)" in summary.outcomes[0].message
    assert "the output is an input (activity data of row 2)" in summary.outcomes[2].message
    assert data.read_bytes() == EXAMPLE["ndpr-oxide"].read_bytes()
    assert (tmp_path / "out" / "nd.json").exists()


def test_a_csv_manifest_saved_by_excel_reads_like_a_plain_one(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark and ends lines with CRLF; cells may be quoted.

    The mark made the header's first column '\\ufeffrule' and the whole manifest was refused.
    """
    plain = tmp_path / "plain.csv"
    plain.write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{EXAMPLE['ndpr-oxide']},o.json,2000000,2025\n")
    excel = tmp_path / "excel.csv"
    excel.write_bytes(b"\xef\xbb\xbf" + f'rule,data,output,mass_kg,year\r\n"ndpr-oxide","{EXAMPLE["ndpr-oxide"]}",'
                                         f'"o.json","2000000","2025"\r\n'.encode())
    assert batch.read_manifest(excel) == batch.read_manifest(plain)
    assert batch.read_manifest(excel)[0].mass_kg == 2_000_000.0
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"rule,data\x00\x01")
    with pytest.raises(batch.BatchError, match="binary file"):
        batch.read_manifest(binary)
    with pytest.raises(batch.BatchError, match="not found"):
        batch.read_manifest(tmp_path / "absent.csv")


def test_two_rows_of_one_declaration_and_year_do_not_replace_each_others_mass(project, tmp_path):
    """Two rows with the same rule and data are the same declaration (same id): the register keeps one
    mass per declaration and year, so the second row's 200 kg replaced the first's 100 kg (exit 0; on
    Dask whichever arrived last won). The second row is refused; the register holds the first row only."""
    from footprint.market.registry import Register

    manifest = tmp_path / "m.csv"
    data = EXAMPLE["ndpr-oxide"]
    manifest.write_text("rule,data,output,mass_kg,year\n"
                        f"ndpr-oxide,{data},a.json,100,2025\n"
                        f"ndpr-oxide,{data},b.json,200,2025\n"
                        f"ndpr-oxide,{data},c.json,50,2026\n")
    register = tmp_path / "r.sqlite"
    summary = footprint.batch_declare(manifest, register=register, created=CREATED)
    assert [o.status for o in summary.outcomes] == ["ok", "error", "ok"]
    assert "same declaration" in summary.outcomes[1].message and "as row 1" in summary.outcomes[1].message
    assert sorted((r["year"], r["mass_kg"]) for r in Register(register).rows()) == [(2025, 100.0), (2026, 50.0)]
    assert not (tmp_path / "b.json").exists()


def test_a_manifest_with_a_repeated_column_or_a_shifted_row_is_refused(tmp_path):
    """Two silent wrong masses: a header with mass_kg twice took the second cell (200 kg, not 100), and
    an unquoted thousands separator (year,mass_kg = 2025,1,500) registered 1 kg and dropped the '500'."""
    data = EXAMPLE["ndpr-oxide"]
    twice = tmp_path / "twice.csv"
    twice.write_text(f"rule,data,output,mass_kg,year,mass_kg\nndpr-oxide,{data},a.json,100,2025,200\n")
    with pytest.raises(batch.BatchError, match="mass_kg appear more than once"):
        batch.read_manifest(twice)
    shifted = tmp_path / "shifted.csv"
    shifted.write_text(f"rule,data,output,year,mass_kg\nndpr-oxide,{data},a.json,2025,1,500\n"
                       f'ndpr-oxide,{data},b.json,2025,"1,500"\n')
    first, second = batch.read_manifest(shifted)
    assert first.problem and "more cells than columns" in first.problem and "'500'" in first.problem
    assert second.problem and "mass_kg must be a number" in second.problem   # "1,500" quoted is still no number


def test_a_yaml_manifest_row_with_a_misspelt_key_is_refused(tmp_path):
    """``allocaton: mass`` was ignored: the row was declared under the rule's default allocation, exit 0."""
    path = tmp_path / "m.yaml"
    path.write_text(f"- {{rule: ndpr-oxide, data: {EXAMPLE['ndpr-oxide']}, output: a.json, allocaton: mass}}\n"
                    f"- {{rule: ndpr-oxide, data: {EXAMPLE['ndpr-oxide']}, output: b.json, allocation: mass}}\n")
    first, second = batch.read_manifest(path)
    assert first.problem and "unknown key(s) allocaton" in first.problem
    assert second.problem is None and second.allocation == "mass"


def test_declare_many_reports_a_misspelt_key_for_its_row(project):
    """A dict row with 'allocaton' raised TypeError out of declare_many (every row lost)."""
    outcomes = footprint.declare_many([{"rule": "ndpr-oxide", "data": EXAMPLE["ndpr-oxide"], "allocaton": "mass"},
                                       ("ndpr-oxide", EXAMPLE["ndpr-oxide"])], created=CREATED)
    assert [o.status for o in outcomes] == ["error", "ok"]
    assert "unknown key(s) allocaton" in outcomes[0].message
