"""The windows and dates of class schemes: a revision moves on from the scheme it revises; a window is past years.

Before: ``classes revise --window`` with the old scheme's own window wrote the old thresholds again as "the
revision" (exit 0); a window ending before the old one "revised" into the past; a window reaching into this
year or later was derived from the placements registered so far (dated on a day still to come); and --date
could put a derivation before its window ended or years after it, all with exit 0.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.market import classes
from footprint.market.classes import ClassSchemeError
from footprint.market.registry import Entry, Register


def _entry(ident: str, value: float, year: int) -> Entry:
    return Entry(declaration_id=ident, rule_id="r", rule_version="1.0.0", year=year, mass_kg=1000.0,
                 values={"climate_change": value},
                 coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})


@pytest.fixture()
def register(tmp_path) -> Path:
    """10 (placed 2022), 20 (2023), 30 (2024), 40 (2025), 1 t each."""
    path = tmp_path / "market.sqlite"
    Register(path).add([_entry("a", 10.0, 2022), _entry("b", 20.0, 2023), _entry("c", 30.0, 2024),
                        _entry("d", 40.0, 2025)])
    return path


@pytest.fixture()
def old(register) -> dict:
    # 2022-2024: 10, 20, 30 at Hazen positions 1/6, 1/2, 5/6; 3 classes: Q(1/3) = 10 + 10 (1/3 - 1/6)/(1/3) = 15,
    # Q(2/3) = 20 + 10 (2/3 - 1/2)/(1/3) = 25
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=register)
    assert scheme["thresholds"] == pytest.approx([15.0, 25.0]) and scheme["derived"] == "2024-12-31"
    return scheme


def test_a_revision_over_the_old_window_is_refused(register, old, tmp_path):
    """Old code: exit 0, 'new' thresholds [15, 25], the old ones, written as the revision."""
    scheme = tmp_path / "old.json"
    footprint.write_scheme(old, scheme)
    out, report = tmp_path / "new.json", tmp_path / "revision.html"
    result = CliRunner().invoke(cli.main, ["classes", "revise", "--old", str(scheme), "--window", "2022-2024",
                                           "--register", str(register), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 2, result.output
    assert f"error: {scheme}: field 'window'" in result.stderr
    assert "does not end after the old scheme's window 2022-2024 (the old scheme's own window)" in result.stderr
    assert "ending after 2024 (e.g. 2025-2027)" in result.stderr
    assert not out.exists() and not report.exists()


def test_a_revision_into_the_past_is_refused(register, old):
    """Old code: window 2021-2023 gave thresholds [11.67, 18.33] (10 and 20 only) derived on 2023-12-31, a year
    before the scheme it 'revised', exit 0."""
    with pytest.raises(ClassSchemeError, match="does not end after the old scheme's window 2022-2024") as caught:
        footprint.revise_classes(old, "2021-2023", register=register)
    assert (caught.value.field, caught.value.value) == ("window", "2021-2023")


def test_a_revision_dated_before_the_old_scheme_is_refused(register, old):
    """An old scheme of 2021-2023 derived on 2024-12-31 (a day of the year after its window); a revision over
    2022-2024 is derived on 2024-12-31 too: the same day is no revision.  Old code: written, exit 0."""
    with pytest.raises(ClassSchemeError, match=r"derived on 2024-12-31, not after the old scheme \(2024-12-31") as caught:
        footprint.revise_classes({**old, "window": {"start": 2021, "end": 2023}}, "2022-2024", register=register)
    assert caught.value.field == "date"


def test_an_early_revision_may_overlap_the_old_window(register, old):
    """The rescaling trigger brings a revision forward: 2023-2025 overlaps 2022-2024 and moves on by a year.
    20, 30, 40 at positions 1/6, 1/2, 5/6: Q(1/3) = 20 + 10 (1/6)/(1/3) = 25, Q(2/3) = 30 + 5 = 35."""
    revision = footprint.revise_classes(old, "2023-2025", register=register)
    assert revision.new["thresholds"] == pytest.approx([25.0, 35.0])
    assert revision.new["derived"] == "2025-12-31" and revision.new["previous_scheme"]["scheme_id"] == old["scheme_id"]


def test_a_window_not_over_is_refused(register):
    """Old code: a window ending this year (or later) was derived from the placements registered so far and dated
    on its last day, still to come, exit 0."""
    from footprint._time import utc_today

    year = utc_today().year  # the product's clock (the suite's fixed clock, conftest)
    window = f"{year - 2}-{year}"
    with pytest.raises(ClassSchemeError, match=f"the window {window} is not over") as caught:
        footprint.derive_classes("r", "climate_change", window, classes=3, register=register)
    assert (caught.value.field, caught.value.value) == ("window", window)
    assert f"ending {year - 1} at the latest" in str(caught.value)


@pytest.mark.parametrize("date, message", [
    (dt.date(2024, 6, 30), "a scheme derived on 2024-06-30 cannot rest on placements up to the end of 2024"),
    (dt.date(2026, 1, 1), "the previous years of that date are up to 2025"),
])
def test_a_derivation_date_that_does_not_follow_its_window_is_refused(register, date, message):
    """Old code: both were written (derived 2024-06-30 from placements until 2024-12-31; derived 2026 from the
    market of 2022-2024, in force until 2029), exit 0."""
    with pytest.raises(ClassSchemeError, match=message):
        footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=register, date=date)
    # the last day of the window and any day of the year after it are the window's derivation dates
    for day in (dt.date(2024, 12, 31), dt.date(2025, 12, 31)):
        assert classes.derivation_date(2022, 2024, day) == day


def test_years_of_the_window_without_placements_are_recorded_and_warned_of(register, tmp_path):
    """Window 2021-2023 of a register with 2022 (10) and 2023 (20) only: the thresholds describe two of the three
    years.  Old code: the scheme said nothing of it (counts had no such field) and the CLI printed no warning."""
    scheme = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=register)
    # 10 and 20 at positions 1/4, 3/4: Q(1/2) = 15
    assert scheme["thresholds"] == pytest.approx([15.0])
    assert scheme["counts"]["years_without_placements"] == [2021]
    classes.check_scheme(scheme)  # the field is in the published schema
    full = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=register)
    assert "years_without_placements" not in full["counts"]
    result = CliRunner().invoke(cli.main, ["classes", "derive", "--rule", "r", "--window", "2021-2023", "--classes",
                                           "2", "--register", str(register), "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert ("warning: no declaration of rule 'r' is registered as placed on the market in 2021: the thresholds "
            "describe 2 of the window's 3 years") in result.stderr
