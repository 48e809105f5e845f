"""The checks of a class derivation see exactly the declarations the classes are derived from.

A row with nothing placed in the window (0 kg: an older register's; market add and import refuse it now)
is no declaration on the market, and a partial value is a lower bound: neither takes part in the
thresholds (classes.population).  Yet the register's one-unit check (Register.points) still saw them, so
``classes derive`` (and ``revise``, which derives) refused a whole market because a 0 kg row stated its
value per 1000 kg, exit 2 over a row that does not count.  One definition, MarketPoint.counts, is now
shared by the distribution and its checks (one unit; one major version of the rule; a known coverage for
anything placed).  The same rows placed on the market are still refused.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.market import classes
from footprint.market.registry import Entry, MarketPoint, Register, RegistryError

PER_TONNE = "kg CO2-Eq per 1000 kg"


def _entry(ident: str, value: float, mass: float, *, year: int = 2024, version: str = "1.0.0",
           unit: str = "kg CO2-Eq", coverage: str = "complete") -> Entry:
    return Entry(declaration_id=ident, rule_id="r", rule_version=version, year=year, mass_kg=mass,
                 values={"climate_change": value}, coverage={"climate_change": coverage},
                 units={"climate_change": unit})


MARKET = [_entry(f"d{v}", float(v), 1000.0 * k) for k, v in enumerate((10, 20, 30, 40), start=1)]


def _register(path: Path, *extra: Entry) -> Path:
    Register(path).add([*MARKET, *extra])
    return path


def _derive(register: Path, window: str = "2022-2024") -> dict:
    return footprint.derive_classes("r", "climate_change", window, classes=2, weight="mass", head_room=False,
                                    register=register)


@pytest.fixture()
def plain(tmp_path) -> dict:
    """The scheme of the market alone: what a row that does not count must leave unchanged."""
    return _derive(_register(tmp_path / "plain.sqlite"))


def _same_market(scheme: dict, plain: dict) -> None:
    for key in ("thresholds", "unit", "rule", "classes", "register_sha256"):
        assert scheme[key] == plain[key], key


def test_a_row_with_nothing_placed_in_another_unit_does_not_refuse_the_market(tmp_path, plain):
    """Before: 'the register holds climate_change values in several units', exit 2, for a 0 kg row."""
    register = _register(tmp_path / "m.sqlite", _entry("nothing", 46555.0, 0.0, unit=PER_TONNE))
    scheme = _derive(register)
    _same_market(scheme, plain)
    assert scheme["unit"] == "kg CO2-Eq" and scheme["counts"]["without_weight"] == 1
    result = CliRunner().invoke(cli.main, ["classes", "derive", "--rule", "r", "--window", "2022-2024", "--classes",
                                           "2", "--weight", "mass", "--register", str(register), "-o",
                                           str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output


def test_a_partial_value_in_another_unit_does_not_refuse_the_market(tmp_path, plain):
    """A partial value is left out of the thresholds (counted as excluded_partial): its unit is not the market's."""
    scheme = _derive(_register(tmp_path / "m.sqlite", _entry("partial", 46555.0, 500.0, unit=PER_TONNE,
                                                             coverage="partial")))
    _same_market(scheme, plain)
    assert scheme["counts"]["excluded_partial"] == 1


def test_a_placed_complete_value_in_another_unit_is_still_refused(tmp_path):
    register = _register(tmp_path / "m.sqlite", _entry("tonne", 46555.0, 500.0, unit=PER_TONNE))
    with pytest.raises(RegistryError, match="several units") as caught:
        _derive(register)
    assert "tonne" in str(caught.value) and caught.value.field == "unit:climate_change"


def test_the_revision_derives_from_the_same_declarations(tmp_path):
    """revise derives the new scheme and compares its unit with the old one's: a 0 kg row per 1000 kg refused it."""
    register = tmp_path / "m.sqlite"
    Register(register).add([*(_entry(f"old{v}", float(v), 1000.0, year=2021) for v in (10, 20, 30)), *MARKET,
                            _entry("nothing", 46555.0, 0.0, unit=PER_TONNE)])
    old = footprint.derive_classes("r", "climate_change", "2019-2021", classes=2, weight="mass", head_room=False,
                                   register=register)
    revision = footprint.revise_classes(old, "2022-2024", register=register)
    assert revision.new["unit"] == "kg CO2-Eq"
    assert {p.declaration_id for p in revision.points} == {"d10", "d20", "d30", "d40"}


def test_a_row_with_nothing_placed_under_another_major_version_does_not_count(tmp_path, plain):
    scheme = _derive(_register(tmp_path / "m.sqlite", _entry("nothing", 5.0, 0.0, version="2.0.0")))
    _same_market(scheme, plain)
    assert scheme["rule"]["versions"] == ["1.0.0"]
    # placed and complete, it is one of the market's declarations: two major versions are refused
    with pytest.raises(classes.ClassSchemeError, match="different major versions"):
        _derive(_register(tmp_path / "placed.sqlite", _entry("placed", 5.0, 100.0, version="2.0.0")))


def test_unknown_coverage_is_refused_only_for_a_declaration_placed_in_the_window(tmp_path, plain):
    """An older register's row of unknown coverage: a placed one cannot be weighed (partial or not?), but one
    with nothing placed takes no part whatever its coverage."""
    register = _register(tmp_path / "m.sqlite", _entry("nothing", 5.0, 0.0), _entry("unknown", 25.0, 100.0, year=2019))
    with sqlite3.connect(register) as connection:  # what an import before coverage columns existed left
        connection.execute("UPDATE category_values SET coverage = NULL WHERE declaration_id IN ('nothing', 'unknown')")
    _same_market(_derive(register), plain)  # 'unknown' is outside the window; 'nothing' does not count
    with pytest.raises(RegistryError, match="unknown coverage") as caught:
        _derive(register, "2019-2021")
    assert "'unknown'" in str(caught.value)


def test_one_definition_for_the_distribution_and_its_checks():
    points = [MarketPoint("a", 1.0, 10.0, coverage="complete"), MarketPoint("b", 2.0, 0.0, coverage="complete"),
              MarketPoint("c", 3.0, 10.0, coverage="partial"), MarketPoint("d", 4.0, 10.0)]
    assert [p.declaration_id for p in points if p.counts] == ["a", "d"]
    assert classes.population(points)[0] == [p for p in points if p.counts]
