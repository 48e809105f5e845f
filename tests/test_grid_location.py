"""Electricity is priced at the grid where the facility draws power: another place's grid is refused.

Every shipped rule's ``electricity.model`` is location-based and its ``electricity`` input kind resolves
the grid from the facility's region, country, then the rule's fallbacks.  Before: an explicit
``dataset: electricity/FR`` on a Chinese mine's input, or a mapping entry naming an imported French
market, was taken with exit 0 and no warning (ndpr-oxide with its mining electricity on the French grid:
46.24 instead of 46.56 kg CO2-Eq/kg; with all of it, far lower).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
import importdata  # noqa: E402

import cli  # noqa: E402
import footprint  # noqa: E402
from footprint.data import imports  # noqa: E402
from footprint.data.background import MappingError  # noqa: E402
from footprint.errors import ActivityDataError  # noqa: E402
from footprint.inputs import geography  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
MINING_GRID = "{kind: electricity, amount: 1200, unit: MWh,"  # the mine's electricity, activity-2025.yaml


def _mine_on(tmp_path: Path, dataset: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(MINING_GRID) == 1
    path = tmp_path / "activity.yaml"
    path.write_text(text.replace(MINING_GRID, f"{{kind: electricity, dataset: {dataset}, amount: 1200, unit: MWh,"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("dataset, geography_", [
    ("electricity/FR", "FR"),    # another country
    ("electricity/GLO", "GLO"),  # the world average where the country and the region have their own grids
    ("electricity/CN-JX", "CN-JX"),  # another province of the facility's country (it is in CN-NM)
])
def test_an_explicit_grid_of_another_place_is_refused(project, tmp_path, dataset, geography_):
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-oxide", _mine_on(tmp_path, dataset))
    assert caught.value.field == "processes.mining.inputs[1].dataset"
    assert f"a grid at '{geography_}' for a facility in CN, region CN-NM" in str(caught.value)
    assert "location-based" in str(caught.value) and "electricity/CN-NM" in str(caught.value)


def test_the_cli_refuses_it_with_exit_2_and_writes_nothing(project, tmp_path):
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(_mine_on(tmp_path, "electricity/FR")),
                                           "-o", str(out)])
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "location-based" in result.stderr and not out.exists()


@pytest.mark.parametrize("dataset", ["electricity/CN-NM", "electricity/CN", "electricity/CN-north-grid"])
def test_a_grid_of_the_facilitys_region_or_country_is_taken(project, tmp_path, dataset):
    """The region's own grid, the national one, or another dataset valid for the country (geography CN)."""
    document = footprint.declare("ndpr-oxide", _mine_on(tmp_path, dataset))
    used = {(c["process"], c["dataset"]) for c in document["contributions"] if c["item"] == "electricity"}
    assert ("mining", dataset) in used


def test_within_reads_codes_names_and_grid_regions():
    assert geography.within("CN", "CN", "CN-NM") and geography.within("CN-NM", "CN", "CN-NM")
    assert geography.within("China", "CN", None)                # openLCA writes the name
    assert geography.within("Nei Mongol Zizhiqu", "CN", "CN-NM")
    assert geography.within("CN-NCGC", "CN", "CN-NM")          # ecoinvent's North China grid: no ISO subdivision
    assert not geography.within("CN-JX", "CN", "CN-NM")        # another province
    assert not geography.within("CN-JX", "CN", None)           # a province the facility does not say it is in
    assert not geography.within("RoW", "CN", "CN-NM") and not geography.within("FR", "CN", None)


@pytest.fixture(scope="module")
def french_grid(project, tmp_path_factory) -> str:
    """An imported database whose 'electricity, test' is at FR (Brightway Excel format)."""
    work = tmp_path_factory.mktemp("fr-grid")
    database = "bg-fr-grid"
    book = importdata.excel_acid(work / "fr.xlsx", database, reference=1, co2=0.1, electricity_location="FR")
    imports.import_database(book, "excel", database, replace=True)
    return database


def test_a_mapping_to_another_countrys_grid_is_refused(french_grid, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(f'map:\n  electricity: {{database: {french_grid}, name: "electricity, test", location: FR}}\n')
    with pytest.raises(MappingError) as caught:
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    assert caught.value.field == "map.electricity"
    assert "a grid at 'FR' for a facility in CN, region CN-NM" in str(caught.value)
    assert "it replaces electricity/CN-NM" in str(caught.value)
