"""Electricity is priced at the grid the rule resolves for the facility: another grid is refused.

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


@pytest.mark.parametrize("dataset", [
    "electricity/FR",                # another country
    "electricity/GLO",               # the world average where the country and the region have their own grids
    "electricity/CN-JX",             # another province of the facility's country (it is in CN-NM)
    "electricity/CN-central-grid",   # geography CN, but the Central China grid covers Jiangxi, not Inner Mongolia
    "electricity/CN",                # the national average where the rule resolves the province's grid
])
def test_an_explicit_grid_other_than_the_rules_is_refused(project, tmp_path, dataset):
    """Found by the review: a grid valid "for the country" (CN-central-grid, 46.48 instead of 46.56) passed the
    first form of this check, which tested the dataset's geography only."""
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-oxide", _mine_on(tmp_path, dataset))
    assert caught.value.field == "processes.mining.inputs[1].dataset"
    assert "dataset is not one the rule allows for input kind 'electricity'" in str(caught.value)
    assert "electricity/CN-NM" in str(caught.value)  # the rule's own, named


def test_the_cli_refuses_it_with_exit_2_and_writes_nothing(project, tmp_path):
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(_mine_on(tmp_path, "electricity/FR")),
                                           "-o", str(out)])
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "not one the rule allows" in result.stderr and not out.exists()


def test_the_rules_own_grid_named_explicitly_is_taken(project, tmp_path):
    document = footprint.declare("ndpr-oxide", _mine_on(tmp_path, "electricity/CN-NM"))
    used = {(c["process"], c["dataset"]) for c in document["contributions"] if c["item"] == "electricity"}
    assert ("mining", "electricity/CN-NM") in used


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
