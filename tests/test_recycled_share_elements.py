"""A recycled share per element is taken only for the elements the rule asks for (recycled_content.elements).

Before, by_element {Sm: 1.0} under ndfeb-recycled-hpms (which asks for Nd, Pr, Dy, Tb, B, Co, Ni), or a
recycled_share_Sm row added to its workbook, was declared as the product's recycled share of that element,
exit 0.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

import footprint
from footprint.errors import ActivityDataError
from tests.test_template import fill_from_yaml

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_a_share_of_an_element_the_rule_does_not_ask_for_is_refused(project, tmp_path):
    data = yaml.safe_load((EXAMPLES / "ndfeb-recycled-hpms" / "activity-2025.yaml").read_text())
    data["recycled_content"]["by_element"] = {"Nd": 1.0, "Sm": 1.0}
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ActivityDataError) as err:
        footprint.declare("ndfeb-recycled-hpms", path)
    assert err.value.field == "recycled_content.by_element.Sm" and "Nd, Pr, Dy, Tb, B, Co, Ni" in err.value.expected
    data["recycled_content"]["by_element"] = {"Nd": 1.0}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert footprint.declare("ndfeb-recycled-hpms", path)["recycled_content"]["by_element"] == {"Nd": 1.0}


def test_a_workbook_row_for_an_element_the_rule_does_not_ask_for_is_refused_at_its_cell(project, tmp_path):
    template = tmp_path / "hpms.xlsx"
    footprint.make_template("ndfeb-recycled-hpms", template, fmt="xlsx")
    filled = tmp_path / "activity.xlsx"
    fill_from_yaml(template, EXAMPLES / "ndfeb-recycled-hpms" / "activity-2025.yaml", filled)
    book = load_workbook(filled)
    sheet = book["declarant"]
    row = sheet.max_row + 1  # the rule asks for Nd, Pr, Dy, Tb, B, Co, Ni: no Sm row is offered
    sheet.cell(row=row, column=1, value="recycled_share_Sm")
    sheet.cell(row=row, column=2, value=0.8)
    book.save(filled)
    with pytest.raises(ActivityDataError) as err:
        footprint.declare("ndfeb-recycled-hpms", filled)
    assert "Sm" in err.value.message and f"sheet 'declarant' row {row}" in str(err.value.file)
