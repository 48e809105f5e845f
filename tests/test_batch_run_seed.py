"""``batch declare --uncertainty N`` without ``--seed``: one seed drawn for the run, not one per row.

The Monte Carlo's seed is not part of a declaration's id, and the register keeps one Monte Carlo per id.
Before, each row drew its own seed, so a batch placing one declaration in two years (two rows of the same
rule and data, one per year: what the register is for) got two medians for one id, and the register refused
the second row ("another Monte Carlo"), exit 2; without a register the run wrote two files of one id with
two Monte Carlos.  Now the run draws one seed, every row without a seed of its own takes it, each
declaration records it, and the summary (and the command line) says it.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, FIXED_MOMENT

import cli
import footprint

DY = Path(EXAMPLE).parents[1] / "dy-oxide" / "activity-2025.yaml"


def _manifest(folder: Path, *rows: str, columns: str = "rule,data,output,mass_kg,year") -> Path:
    path = folder / "m.csv"
    path.write_text(columns + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _one_declaration_in_two_years(folder: Path) -> Path:
    return _manifest(folder, f"ndpr-oxide,{EXAMPLE},out/2025.json,1000,2025",
                     f"ndpr-oxide,{EXAMPLE},out/2026.json,700,2026")


def _seed(path: Path) -> int:
    return json.loads(path.read_text(encoding="utf-8"))["uncertainty"]["seed"]


def test_one_declaration_placed_in_two_years_registers_both_rows(project, tmp_path, database):
    summary = footprint.batch_declare(_one_declaration_in_two_years(tmp_path), register=database, uncertainty=20,
                                      created=FIXED_MOMENT)
    assert summary.ok, summary.errors_csv()  # before: row 2 "is registered with another Monte Carlo", exit 2
    first, second = (json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))
                     for name in ("2025.json", "2026.json"))
    assert first == second  # one declaration, one Monte Carlo
    assert summary.seed is not None and first["uncertainty"]["seed"] == summary.seed
    placed = sorted((r["declaration_id"], r["year"], r["mass_kg"]) for r in footprint.market_rows(register=database))
    assert placed == [(first["id"], 2025, 1000.0), (first["id"], 2026, 700.0)]
    # each file is declare's with that seed, byte for byte
    assert footprint.declare("ndpr-oxide", EXAMPLE, created=FIXED_MOMENT, uncertainty=20, seed=summary.seed) == first


def test_the_command_line_says_the_seed_it_drew(project, tmp_path):
    result = CliRunner().invoke(cli.main, ["batch", "declare", str(_one_declaration_in_two_years(tmp_path)),
                                           "--register", str(tmp_path / "r.sqlite"), "--uncertainty", "20"])
    assert result.exit_code == 0, result.output
    said = re.search(r"^seed: +(\d+) \(drawn for the run", result.output, re.M)
    assert said, result.output
    assert _seed(tmp_path / "out" / "2025.json") == _seed(tmp_path / "out" / "2026.json") == int(said.group(1))


def test_a_rows_own_seed_and_the_runs_seed_are_kept_and_nothing_is_drawn_without_a_monte_carlo(project, tmp_path):
    manifest = _manifest(tmp_path, f"ndpr-oxide,{EXAMPLE},out/a.json,20,7", f"dy-oxide,{DY},out/b.json,,",
                         columns="rule,data,output,uncertainty,seed")
    summary = footprint.batch_declare(manifest, created=FIXED_MOMENT)
    assert summary.ok, summary.errors_csv()
    assert summary.seed is None  # the only Monte Carlo row has its own seed
    assert _seed(tmp_path / "out" / "a.json") == 7
    assert "uncertainty" not in json.loads((tmp_path / "out" / "b.json").read_text(encoding="utf-8"))
    # a run's --seed is every row's that has none, and nothing is drawn
    summary = footprint.batch_declare(manifest, created=FIXED_MOMENT, uncertainty=20, seed=3, force=True)
    assert summary.ok and summary.seed is None
    assert [_seed(tmp_path / "out" / n) for n in ("a.json", "b.json")] == [7, 3]
    # --uncertainty without --seed: drawn for the row without a seed, the row's own kept
    summary = footprint.batch_declare(manifest, created=FIXED_MOMENT, uncertainty=20, force=True)
    assert summary.ok and summary.seed is not None
    assert [_seed(tmp_path / "out" / n) for n in ("a.json", "b.json")] == [7, summary.seed]
    # rows' own uncertainty column without a seed, no run option: the drawn seed; a row without one has none
    manifest = _manifest(tmp_path, f"ndpr-oxide,{EXAMPLE},out/a.json,20,", f"dy-oxide,{DY},out/b.json,20,",
                         f"dy-oxide,{DY},out/c.json,,", columns="rule,data,output,uncertainty,seed")
    summary = footprint.batch_declare(manifest, created=FIXED_MOMENT, force=True)
    assert summary.ok, summary.errors_csv()
    assert summary.seed is not None
    assert [_seed(tmp_path / "out" / n) for n in ("a.json", "b.json")] == [summary.seed] * 2
    assert "uncertainty" not in json.loads((tmp_path / "out" / "c.json").read_text(encoding="utf-8"))


def test_declare_many_draws_one_seed_too(project):
    outcomes = footprint.declare_many([("ndpr-oxide", str(EXAMPLE)), ("ndpr-oxide", str(EXAMPLE))],
                                      created=FIXED_MOMENT, uncertainty=20)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert outcomes[0].document == outcomes[1].document  # before: two Monte Carlos of one declaration id


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
