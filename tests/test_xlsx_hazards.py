"""What a spreadsheet can do to a workbook that YAML cannot: each is refused naming its cell, never read silently.

Found by filling the shipped example's twin (tests/xlsx_twin.py) and editing it as a spreadsheet user would:
merging cells, a lookup that failed (#N/A), a format that shows a figure blank, a DQR left half filled, a
TRUE cell as a distribution parameter.  Each had been declared with exit 0 (or refused naming no cell).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

import footprint
from footprint._yaml import loads
from footprint.errors import ActivityDataError
from footprint.inputs.activity import load_activity
from xlsx_twin import fill

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture(scope="module")
def twin(project, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hazards")
    footprint.make_template("ndpr-oxide", folder / "template.xlsx", fmt="xlsx")
    return fill(folder / "template.xlsx", loads(EXAMPLE.read_text(encoding="utf-8")), folder / "activity.xlsx")


def _header(ws) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[1] if cell.value}


def _row(ws, item: str, column: int = 2) -> int:
    """The first row below the header whose ``column`` (2: a process sheet's item; 1: the declarant's field or a
    section name) holds ``item``."""
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=column).value == item)


def _edited(twin: Path, tmp_path: Path, edit) -> Path:
    book = load_workbook(twin)
    edit(book["mining"])
    book.save(tmp_path / "edited.xlsx")
    return tmp_path / "edited.xlsx"


def test_two_emission_amounts_merged_into_one_cell_are_refused(twin, tmp_path):
    """Merged, Thorium-232's amount (shown for both rows) was held by Radium-226's cell alone: thorium's row read
    as blank and was skipped as not reported, one emission less, exit 0."""
    def merge(ws):
        column, row = _header(ws)["amount"], _row(ws, "Radium-226")
        assert ws.cell(row=row + 1, column=2).value == "Thorium-232"
        ws.cell(row=row + 1, column=column).value = None  # as merging in a spreadsheet keeps the first value only
        ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column)

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' cells D\d+:D\d+: merged cells: the value shown in "
                                                r"all of them \(4890000\) is held by D\d+ alone"):
        load_activity(_edited(twin, tmp_path, merge))


def test_a_comment_merged_across_columns_nobody_reads_is_taken(twin, tmp_path):
    book = load_workbook(twin)
    ws = book["declarant"]
    row = _row(ws, "region", column=1)
    ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=6)  # the comment spread to the right
    book.save(tmp_path / "edited.xlsx")
    assert load_activity(tmp_path / "edited.xlsx").data == load_activity(twin).data


@pytest.mark.parametrize("column", ["source", "amount", "item"])
def test_a_spreadsheet_error_value_is_refused_naming_its_cell(twin, tmp_path, column):
    """'#N/A' (a lookup that found nothing) in the source column was declared as electricity's source, exit 0."""
    def error(ws):
        ws.cell(row=_row(ws, "electricity"), column=_header(ws)[column], value="#N/A")

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' cell [A-Z]\d+: the cell holds the spreadsheet "
                                                r"error #N/A"):
        load_activity(_edited(twin, tmp_path, error))


@pytest.mark.parametrize("number_format, value", [(";;;", 1200), ("0;-0;;@", 0), ('0;-0;0;""', "meter 7")])
def test_a_value_its_number_format_shows_blank_is_refused(twin, tmp_path, number_format, value):
    """A figure formatted ';;;' (the spreadsheet way of hiding it) was declared though the sheet showed nothing."""
    def hide(ws):
        column = _header(ws)["amount" if not isinstance(value, str) else "source"]
        cell = ws.cell(row=_row(ws, "electricity"), column=column, value=value)
        cell.number_format = number_format

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' cell [DF]\d+: the cell's number format .* shows "
                                                r"it blank but it holds data"):
        load_activity(_edited(twin, tmp_path, hide))


def test_a_format_that_shows_the_value_is_taken(twin, tmp_path):
    def fmt(ws):
        ws.cell(row=_row(ws, "electricity"), column=_header(ws)["amount"]).number_format = '#,##0;[Red]-#,##0;"-"'

    assert load_activity(_edited(twin, tmp_path, fmt)).data == load_activity(twin).data


@pytest.mark.parametrize("row_of", ["electricity", "dqr", "TREO"])
def test_a_dqr_left_half_filled_names_the_blank_criterion(twin, tmp_path, row_of):
    """A row with TeR filled and GeR blank was refused at "column 'dqr'", a column the workbook does not have."""
    def half(ws):
        columns = _header(ws)
        row = _row(ws, row_of) if row_of != "dqr" else _row(ws, "dqr", column=1)
        for criterion, value in {"TeR": 2, "GeR": None, "TiR": 1, "P": 2}.items():
            ws.cell(row=row, column=columns[criterion]).value = value
        if row_of == "TREO":  # the assay's DQR, on a row with its value
            ws.cell(row=row, column=columns["amount"]).value = 5.1
            ws.cell(row=row, column=columns["source"]).value = "assay 2025"

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' row \d+ column 'GeR': Field required"):
        load_activity(_edited(twin, tmp_path, half))


@pytest.mark.parametrize("value", [True, "1.3"])
def test_a_distribution_parameter_that_is_no_number_is_refused_in_the_workbook(twin, tmp_path, value):
    """A TRUE cell as gsd was a gsd of 1 (no uncertainty on mining's electricity in a Monte Carlo), exit 0."""
    def distribution(ws):
        columns, row = _header(ws), _row(ws, "electricity")
        ws.cell(row=row, column=columns["distribution"], value="lognormal")
        ws.cell(row=row, column=columns["gsd"], value=value)

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' row \d+ column 'gsd': Input should be a valid "
                                                r"number"):
        load_activity(_edited(twin, tmp_path, distribution))


@pytest.mark.parametrize("parameters", [{"type": "lognormal", "gsd": True}, {"type": "normal", "sd": "30"}])
def test_a_distribution_parameter_that_is_no_number_is_refused_in_yaml(tmp_path, parameters):
    data = loads(EXAMPLE.read_text(encoding="utf-8"))
    line = next(i for i in data["processes"]["mining"]["inputs"] if i.get("kind") == "electricity")
    line["uncertainty"] = parameters
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    key = next(k for k in parameters if k != "type")
    with pytest.raises(ActivityDataError, match=rf"uncertainty\.{key}': Input should be a valid number"):
        load_activity(path)


def test_an_exclusion_naming_kinds_but_no_item_is_refused_not_skipped(twin, tmp_path):
    """The row was skipped whole, so the kinds it names were not stated as left out under the cut-off."""
    def exclusion(ws):
        columns, row = _header(ws), ws.max_row + 1
        ws.cell(row=1, column=ws.max_column + 1, value="kinds")
        ws.cell(row=row, column=columns["section"], value="excluded")
        ws.cell(row=row, column=columns["comment"], value="lubricants, a few kg")
        ws.cell(row=row, column=ws.max_column, value="kerosene")

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' row \d+ column 'item': input kinds left out with "
                                                r"no item"):
        load_activity(_edited(twin, tmp_path, exclusion))


def test_a_blank_sheet_a_spreadsheet_adds_is_taken_and_a_sheet_of_notes_is_refused(twin, tmp_path):
    """A blank 'Sheet1' was refused as a process sheet missing its columns; it says nothing, as a deleted sheet."""
    book = load_workbook(twin)
    book.create_sheet("Sheet1")
    book.save(tmp_path / "blank.xlsx")
    assert load_activity(tmp_path / "blank.xlsx").data == load_activity(twin).data
    book["Sheet1"]["A1"] = "electricity from meter 7 and 8"
    book.save(tmp_path / "notes.xlsx")
    with pytest.raises(ActivityDataError, match=r"sheet 'Sheet1' row 1: missing column 'section' \(every sheet but "
                                                r"'declarant' is read as the sheet of the process"):
        load_activity(tmp_path / "notes.xlsx")


@pytest.mark.parametrize("number_format", ["#,##0,", '0.0,,"M"'])
def test_an_amount_shown_in_thousands_is_refused(twin, tmp_path, number_format):
    """1200000 formatted '#,##0,' shows 1,200 beside the unit MWh: the sheet and the declaration disagreed by a
    factor of 1000, exit 0 (the value held was declared, 1000 times what the sheet showed)."""
    def scaled(ws):
        cell = ws.cell(row=_row(ws, "electricity"), column=_header(ws)["amount"], value=1200000)
        cell.number_format = number_format

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' row \d+ column 'amount': a number format that "
                                                r"shows column 'amount' scaled"):
        load_activity(_edited(twin, tmp_path, scaled))


def test_production_shown_in_thousands_is_refused(twin, tmp_path):
    book = load_workbook(twin)
    ws = book["declarant"]
    row = _row(ws, "production_amount", column=1)
    ws.cell(row=row, column=2).number_format = "#,##0,"
    book.save(tmp_path / "edited.xlsx")
    with pytest.raises(ActivityDataError, match=rf"sheet 'declarant' row {row} column 'value': a number format that "
                                                r"shows production_amount scaled"):
        load_activity(tmp_path / "edited.xlsx")


def test_thousands_separators_are_no_scaling(twin, tmp_path):
    def separated(ws):
        ws.cell(row=_row(ws, "electricity"), column=_header(ws)["amount"]).number_format = "#,##0.00"

    assert load_activity(_edited(twin, tmp_path, separated)).data == load_activity(twin).data


def test_a_value_in_a_column_without_a_header_is_refused(twin, tmp_path):
    """A dataset typed in a column added without its name was dropped: the default grid declared, exit 0."""
    def headless(ws):
        ws.cell(row=_row(ws, "electricity"), column=ws.max_column + 2, value="electricity/CN-NM")

    with pytest.raises(ActivityDataError, match=r"sheet 'mining' row \d+: a value in column [A-Z]+, which has no "
                                                r"header"):
        load_activity(_edited(twin, tmp_path, headless))


def test_a_declarant_value_with_no_key_is_refused(twin, tmp_path):
    book = load_workbook(twin)
    ws = book["declarant"]
    ws.cell(row=ws.max_row + 2, column=2, value="CN-NM")
    book.save(tmp_path / "edited.xlsx")
    with pytest.raises(ActivityDataError, match=r"sheet 'declarant' row \d+ column 'key': a value with no key"):
        load_activity(tmp_path / "edited.xlsx")
