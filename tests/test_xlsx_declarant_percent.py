"""production_amount typed into a cell formatted as a percentage is refused, as quantities on the process sheets are.

Excel stores 2000 typed into a percentage cell as 20 (shown 2000 %): old code read 20 t of NdPr oxide for
2,000 t, and every value per kg came out 100 times too high, exit 0.  Fractions (recycled_content_R1,
recycled_share_*) may be shown as percentages: 95 % is 0.95.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import footprint
from footprint.errors import ActivityDataError
from tests.test_template import fill_from_yaml

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _filled(tmp_path: Path, rule: str) -> Path:
    template = tmp_path / f"{rule}.xlsx"
    footprint.make_template(rule, template, fmt="xlsx")
    target = tmp_path / f"{rule}-filled.xlsx"
    fill_from_yaml(template, EXAMPLES / rule / "activity-2025.yaml", target)
    return target


def _set(path: Path, key: str, value: float, number_format: str) -> int:
    book = load_workbook(path)
    sheet = book["declarant"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == key)
    cell = sheet.cell(row=row, column=2, value=value)
    cell.number_format = number_format
    book.save(path)
    return row


def test_a_production_amount_in_a_percentage_cell_is_refused(project, tmp_path):
    filled = _filled(tmp_path, "ndpr-oxide")
    row = _set(filled, "production_amount", 20, "0%")  # 2000 typed into a percentage cell
    with pytest.raises(ActivityDataError) as err:
        footprint.declare("ndpr-oxide", filled)
    assert "a percentage in 'production_amount'" in err.value.message
    assert f"sheet 'declarant' row {row} column 'value'" in str(err.value.file)


def test_a_recycled_share_shown_as_a_percentage_is_its_fraction(project, tmp_path):
    filled = _filled(tmp_path, "ndfeb-recycled-hpms")
    _set(filled, "recycled_share_Ni", 0.9, "0%")
    _set(filled, "recycled_content_R1", 1.0, "0%")
    document = footprint.declare("ndfeb-recycled-hpms", filled)
    assert document["recycled_content"]["by_element"]["Ni"] == 0.9 and document["recycled_content"]["R1"] == 1.0
