"""An ore assay is read only where the rule mines: a process without the rule's ``extraction`` takes none.

Before, an ``ore`` block under ndpr-oxide's separation (or an ``ore_content`` row a producer added to the
beneficiation sheet) was multiplied by that process's output as if it were ore mined, so the elements were
taken from the ground a second time beside mining's, exit 0 (Nd, iron, crustal scarcity, resource use).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import footprint
from footprint.errors import ActivityDataError
from tests.test_template import fill_from_yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ndpr-oxide" / "activity-2025.yaml"
TREO = {"contents": {"TREO": {"value": 4.3, "unit": "%", "source": "2025 assay"}},
        "distributions": {"TREO": {"source": "2025 assay", "shares": {"Nd": 18.5, "Pr": 6.2}}}}
IRON = {"contents": {"Fe": {"value": 30.0, "unit": "%", "source": "2025 assay"}}}


def _with_ore(tmp_path: Path, process: str, ore: dict) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["processes"][process]["ore"] = ore
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("process, ore", [("separation", TREO), ("beneficiation", IRON)])
def test_an_assay_where_the_rule_mines_nothing_is_refused(project, tmp_path, process, ore):
    with pytest.raises(ActivityDataError) as err:
        footprint.declare("ndpr-oxide", _with_ore(tmp_path, process, ore))
    assert f"process '{process}'" in err.value.message and err.value.field == f"processes.{process}.ore"


def test_an_assay_row_on_another_sheet_is_refused_naming_the_sheet(project, tmp_path):
    template = tmp_path / "template.xlsx"
    footprint.make_template("ndpr-oxide", template, fmt="xlsx")
    target = tmp_path / "activity.xlsx"
    fill_from_yaml(template, _with_ore(tmp_path, "beneficiation", IRON), target)
    with pytest.raises(ActivityDataError) as err:
        footprint.declare("ndpr-oxide", target)
    assert "process 'beneficiation'" in err.value.message and "sheet 'beneficiation'" in str(err.value.file)


def test_the_assay_under_mining_still_declares(project, tmp_path):
    document = footprint.declare("ndpr-oxide", _with_ore(tmp_path, "mining", IRON))
    assert any(e["element"] == "Iron" for e in document["mineral_resources"]["elements"])
