"""Every value in the market register states its coverage (complete or partial): none is weighed as complete
without being known to be.

Old code: a register CSV row without ``coverage:<category>`` was stored with unknown coverage, listed plain
by ``market list`` and weighed in ``classes derive`` and ``classes revise`` as if complete, exit 0, while a
partial value (a lower bound) is left out.  A register holding such rows from before is refused by the
derivation, naming the declaration and how to state it.
"""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.market.registry import Entry, Register, RegistryError

HEADER = "declaration_id,rule_id,rule_version,year,mass_kg,value:climate_change"


def _rows(coverage: str | None) -> str:
    column = f",coverage:climate_change\n" if coverage is not None else "\n"
    cell = f",{coverage}" if coverage is not None else ""
    return HEADER + column + "".join(f"d{i},r,1.0.0,2023,1000,{v}{cell}\n" for i, v in enumerate((10, 20, 30, 40)))


@pytest.mark.parametrize("coverage", [None, ""])
def test_an_import_without_coverage_is_refused_naming_line_and_column(tmp_path, coverage):
    csv_path = tmp_path / "register.csv"
    csv_path.write_text(_rows(coverage))
    register = tmp_path / "m.sqlite"
    with pytest.raises(RegistryError, match="coverage of the 'climate_change' value") as caught:
        footprint.market_import(csv_path, register=register)
    assert caught.value.field == "coverage:climate_change" and f"{csv_path}:2" in str(caught.value)
    assert not register.exists() or footprint.market_rows(register=register) == []
    result = CliRunner().invoke(cli.main, ["market", "import", str(csv_path), "--register", str(register)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_an_entry_without_coverage_is_refused(tmp_path):
    with pytest.raises(RegistryError, match="is not stated"):
        Register(tmp_path / "m.sqlite").add([Entry(declaration_id="a", rule_id="r", rule_version="1.0.0", year=2023,
                                                   mass_kg=1000.0, values={"climate_change": 10.0})])


def test_a_stated_coverage_imports_and_derives(tmp_path):
    csv_path = tmp_path / "register.csv"
    csv_path.write_text(_rows("complete"))
    footprint.market_import(csv_path, register=tmp_path / "m.sqlite")
    scheme = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=tmp_path / "m.sqlite")
    assert scheme["counts"]["declarations"] == 4


def test_rows_of_unknown_coverage_registered_before_are_refused_by_derive_and_marked_by_list(tmp_path):
    """A register written when unknown coverage was accepted (its coverage cells NULL)."""
    csv_path = tmp_path / "register.csv"
    csv_path.write_text(_rows("complete"))
    path = tmp_path / "m.sqlite"
    footprint.market_import(csv_path, register=path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE category_values SET coverage = NULL WHERE declaration_id = 'd1'")
    with pytest.raises(RegistryError, match="declaration 'd1' is registered with a 'climate_change' value of unknown "
                                            "coverage") as caught:
        footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=path)
    assert caught.value.field == "coverage:climate_change"
    result = CliRunner().invoke(cli.main, ["market", "list", "--register", str(path)])
    assert result.exit_code == 0
    (line,) = [row for row in result.output.splitlines() if " d1 " in f" {row} "]
    assert "(coverage unknown)" in line
    (complete,) = [row for row in result.output.splitlines() if " d0 " in f" {row} "]
    assert "(" not in complete.split("climate_change=")[1]
