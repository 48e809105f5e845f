"""The facility's country and region are ISO 3166 codes: anything else is refused, not averaged away.

Before: ``declarant.country`` took any two letters and ``region`` any string. The country and region
choose the grid (``electricity/{region}``, then ``{country}``, then ``electricity/GLO``) and score every
secondary dataset's GeR, so ``country: cn`` (or ``XX``) declared the ndpr-oxide example on the world
average grid, 44.99 instead of 46.56 kg CO2-Eq/kg, and ``region: Inner Mongolia`` (or the typo ``CN-IM``)
on the national one, each with one warning and exit 0.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import cli
import footprint
from footprint.errors import ActivityDataError
from footprint.inputs import geography
from footprint.inputs.activity import load_activity

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


def _with_location(tmp_path: Path, country: str, region: str | None) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "  country: CN\n  region: CN-NM\n" in text
    where = f"  country: {country}\n" + (f"  region: {region}\n" if region is not None else "")
    path = tmp_path / "activity.yaml"
    path.write_text(text.replace("  country: CN\n  region: CN-NM\n", where, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("country, region, field, fragments", [
    ("cn", "CN-NM", "declarant.country", ["in capitals: CN (China)"]),
    ("XX", None, "declarant.country", ["'XX' is no ISO 3166-1 alpha-2 country code"]),
    ("'China'", None, "declarant.country", ["'China' is no ISO 3166-1 alpha-2 country code"]),
    ("CN", "Inner Mongolia", "declarant.region", ["no ISO 3166-2 subdivision code of CN", "CN-NM Nei Mongol"]),
    ("CN", "CN-IM", "declarant.region", ["'CN-IM' is no ISO 3166-2 subdivision code of CN", "nearest: CN-NM"]),
    ("CN", "NM", "declarant.region", ["written with its country: CN-NM"]),
    ("CN", "cn-nm", "declarant.region", ["in capitals: CN-NM"]),
    ("CN", "DE-BY", "declarant.region", ["a region of Germany (DE)", "the facility's country is CN"]),
])
def test_a_country_or_region_that_is_no_iso_code_is_refused(tmp_path, country, region, field, fragments):
    with pytest.raises(ActivityDataError) as caught:
        load_activity(_with_location(tmp_path, country, region))
    assert caught.value.field == field
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)


def test_the_shipped_examples_name_real_countries_and_regions():
    for path in sorted(REPO.glob("examples/*/activity*.yaml")):
        declarant = load_activity(path).data.declarant
        assert geography.country_problem(declarant.country) is None, path
        assert declarant.region is None or geography.region_problem(declarant.region, declarant.country) is None


def test_every_regional_grid_dataset_is_reachable_by_an_iso_region():
    """A grid dataset named after a subdivision (CN-NM, US-CA) is found by a rule's ``electricity/{region}``
    only if its name is the ISO 3166-2 code a producer can now write; the others (CN-north-grid) are chosen
    by a mapping or dataset code, never by the facility's region."""
    regional = [p.stem for p in (REPO / "inventories" / "electricity").glob("*.yaml")
                if len(p.stem.split("-")) == 2 and len(p.stem.split("-")[1]) <= 3
                and geography.country_problem(p.stem.split("-")[0]) is None]  # EU-27 is no country
    assert sorted(regional) == ["AU-WA", "CN-JX", "CN-NM", "US-CA"]
    for code in regional:
        assert geography.region_problem(code, code.split("-")[0]) is None, code


def _invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_declare_refuses_a_lowercase_country_instead_of_the_world_grid(project, tmp_path):
    """Old code: exit 0, climate change 44.99 kg CO2-Eq/kg on electricity/GLO (46.56 on electricity/CN-NM)."""
    out = tmp_path / "d.json"
    result = _invoke("declare", "ndpr-oxide", _with_location(tmp_path, "cn", "CN-NM"), "-o", out)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "declarant.country" in result.stderr
    assert not out.exists()


def test_a_real_region_without_a_grid_dataset_takes_the_rules_national_fallback(project, tmp_path):
    """CN-GZ (Guizhou) is a real subdivision the library has no grid for: the rule's fallback, electricity/CN,
    is its choice (with a warning), not a typo to refuse; the declaration records the dataset used."""
    declaration = footprint.declare("ndpr-oxide", _with_location(tmp_path, "CN", "CN-GZ"))
    document = declaration.document if hasattr(declaration, "document") else declaration
    datasets = {row.get("dataset") for row in document["contributions"] if row.get("kind") == "background"}
    assert "electricity/CN" in datasets and "electricity/CN-NM" not in datasets
    assert any("electricity/CN-GZ" in w and "fallback electricity/CN" in w
               for w in document["data_quality"]["warnings"])


def test_an_xlsx_declarant_country_in_lower_case_is_refused(tmp_path):
    from tests.test_template import fill_from_yaml

    footprint.make_template("ndpr-oxide", tmp_path / "template.xlsx", fmt="xlsx")
    fill_from_yaml(tmp_path / "template.xlsx", EXAMPLE, tmp_path / "activity.xlsx")
    book = load_workbook(tmp_path / "activity.xlsx")
    sheet = book["declarant"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "country")
    sheet.cell(row=row, column=2).value = "cn"
    book.save(tmp_path / "broken.xlsx")
    with pytest.raises(ActivityDataError, match="in capitals: CN"):
        load_activity(tmp_path / "broken.xlsx")


def test_the_code_table_names_its_source_and_has_every_country():
    doc = json.loads((REPO / "footprint" / "inputs" / "iso3166.json").read_text(encoding="utf-8"))
    assert doc["source"].startswith("ISO 3166-1 alpha-2 and ISO 3166-2 codes")
    assert len(doc["countries"]) == 249  # officially assigned ISO 3166-1 alpha-2 codes
    assert doc["subdivisions"]["CN"]["CN-NM"].startswith("Nei Mongol")
    assert all(code.startswith(country + "-") for country, codes in doc["subdivisions"].items() for code in codes)


def test_a_facility_stating_no_region_where_the_rule_prices_by_region_is_refused(project, tmp_path):
    """ndpr-oxide takes electricity from electricity/{region}, and the library holds CN-JX and CN-NM grids:
    the example without ``region: CN-NM`` took the national grid (45.74 instead of 46.56 kg CO2-Eq/kg),
    exit 0, with no note, so leaving the optional field out chose the grid.  Now the region is asked for."""
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-oxide", _with_location(tmp_path, "CN", None))
    message = str(caught.value)
    assert caught.value.field == "declarant.region"
    assert "electricity/CN-JX, electricity/CN-NM" in message and "e.g. CN-JX" in message


def test_a_country_without_regional_datasets_needs_no_region(project, tmp_path):
    """Germany: the library has no grid of a German region, so electricity/{region} falls back to DE as the
    rule says, and nothing is asked (the hydromet example states no region)."""
    document = footprint.declare("ndpr-oxide", _with_location(tmp_path, "DE", None))
    datasets = {row.get("dataset") for row in document["contributions"] if row.get("kind") == "background"}
    assert "electricity/DE" in datasets
