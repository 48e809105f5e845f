"""The XLSX workbook says what the YAML says: the producer's ore assay and recycled shares per element.

Before, the workbook had no row for either: a producer working in Excel could not replace the rule's ore
grade with its own assay, and a filled workbook lost the recycled shares per element (Art. 28/29) that
its YAML twin declared.  An assay that names some elements of a group and not others dropped the rest
from the ground (YAML and XLSX alike): refused now.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import footprint
from footprint.errors import ActivityDataError, FootprintError
from tests.test_crustal_scarcity import _with_assay as _yaml_with  # the example with mining's ore replaced
from tests.test_template import fill_from_yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
#: the rule's Bayan Obo split (rules/ndpr-oxide.yaml, Castor & Hedrick 2006), % of TREO
RULE_SHARES = {"La": 23.0, "Ce": 50.0, "Pr": 6.2, "Nd": 18.5, "Sm": 0.8, "Eu": 0.2, "Gd": 0.7, "Tb": 0.1, "Dy": 0.1}
#: a producer's own assay: another grade and split (a test value, not a transcription)
ASSAY = {"contents": {"TREO": {"value": 5.0, "unit": "%", "source": "2025 assays"}},
         "distributions": {"TREO": {"source": "2025 assays", "shares": {**RULE_SHARES, "La": 20.0, "Ce": 48.0,
                                                                         "Nd": 22.0, "Eu": 0.0}}},
         "dqr": {"TeR": 1, "GeR": 1, "TiR": 1, "P": 2}}


def _element(document: dict, name: str) -> float:
    return next(e["kg"] for e in document["mineral_resources"]["elements"] if e["element"] == name)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("assay") / "template.xlsx"
    footprint.make_template("ndpr-oxide", path, fmt="xlsx")
    return path


@pytest.fixture()
def assay_xlsx(template, tmp_path) -> Path:
    target = tmp_path / "activity.xlsx"
    fill_from_yaml(template, _yaml_with(tmp_path, ASSAY), target)
    return target


def test_the_template_offers_the_rules_ore_rows_and_recycled_shares(template, tmp_path):
    ws = load_workbook(template)["mining"]
    rows = {(row[0], row[1]): row[4] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[("ore_content", "TREO")] == "%" and rows[("ore_content", "Fe")] == "%"
    assert {item for section, item in rows if section == "ore_share"} == {f"TREO: {e}" for e in RULE_SHARES}
    assert "ore_content" not in {row[0] for row in load_workbook(template)["separation"].iter_rows(values_only=True)}
    hpms = tmp_path / "hpms.xlsx"
    footprint.make_template("ndfeb-recycled-hpms", hpms, fmt="xlsx")
    keys = {row[0] for row in load_workbook(hpms)["declarant"].iter_rows(values_only=True)}
    # the rule asks for Nd, Pr, Dy, Tb, B, Co, Ni (rules/ndfeb-recycled-hpms.yaml recycled_content.elements)
    assert {k for k in keys if k.startswith("recycled_share_")} == {
        f"recycled_share_{e}" for e in ("Nd", "Pr", "Dy", "Tb", "B", "Co", "Ni")}
    keys = {row[0] for row in load_workbook(template)["declarant"].iter_rows(values_only=True)}
    assert not {k for k in keys if k.startswith("recycled_share_")}  # ndpr-oxide is no recycled-content rule


def test_an_assay_in_the_workbook_declares_what_the_yaml_declares(project, assay_xlsx, tmp_path):
    from_yaml = footprint.declare("ndpr-oxide", _yaml_with(tmp_path, ASSAY))
    from_xlsx = footprint.declare("ndpr-oxide", assay_xlsx)
    assert from_xlsx["mineral_resources"]["elements"] == from_yaml["mineral_resources"]["elements"]
    for a, b in zip(from_yaml["results"], from_xlsx["results"]):
        assert b["value"] == pytest.approx(a["value"], rel=1e-12), a["category"]
    # hand-computed: only the mining assay changed; Nd in the ground scales with grade x Nd's share of TREO,
    # (5.0 % x 22.0 %) / (4.1 % x 18.5 %) = 110 / 75.85 = 1.450231; iron (no assay) does not move
    plain = footprint.declare("ndpr-oxide", EXAMPLE)
    assert _element(from_xlsx, "Neodymium") == pytest.approx(_element(plain, "Neodymium") * 110 / 75.85, rel=1e-9)
    assert _element(from_xlsx, "Iron") == pytest.approx(_element(plain, "Iron"), rel=1e-12)
    assert "Europium" not in {e["element"] for e in from_xlsx["mineral_resources"]["elements"]}  # 0 % stated


def test_an_assay_leaving_out_elements_of_the_rules_distribution_is_refused(project, tmp_path):
    """Nd 18.5 % and Pr 6.2 % alone replaced the whole split: La, Ce and the rest (74.3 % of TREO) were
    taken from the ground by nobody, exit 0. The element list and the field are named."""
    partial = {"distributions": {"TREO": {"source": "2025 assays", "shares": {"Nd": 18.5, "Pr": 6.2}}}}
    with pytest.raises(ActivityDataError, match=r"leaves out La 23 %, Ce 50 %, Sm 0\.8 %.* not taken from the "
                                                r"ground") as info:
        footprint.declare("ndpr-oxide", _yaml_with(tmp_path, partial))
    assert info.value.field == "processes.mining.ore.distributions.TREO"
    assert "0 where the assay found none" in info.value.expected


def _sheet_rows(path: Path, sheet: str = "mining") -> tuple:
    book = load_workbook(path)
    ws = book[sheet]
    columns = {cell.value: index + 1 for index, cell in enumerate(ws[1])}
    return book, ws, columns


def _row(ws, section: str, item: str) -> int:
    return next(r for r in range(2, ws.max_row + 1)
                if ws.cell(row=r, column=1).value == section and ws.cell(row=r, column=2).value == item)


def _declare_edited(path: Path, book, tmp_path: Path) -> ActivityDataError:
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    with pytest.raises(FootprintError) as info:
        footprint.declare("ndpr-oxide", edited)
    return info.value


def test_a_partial_split_in_the_workbook_is_refused_at_its_rows(project, template, tmp_path):
    """The producer fills only the Nd row: the rule's other eight shares are not in its assay."""
    book, ws, columns = _sheet_rows(template)
    target = tmp_path / "filled.xlsx"
    fill_from_yaml(template, EXAMPLE, target)
    book, ws, columns = _sheet_rows(target)
    row = _row(ws, "ore_share", "TREO: Nd")
    ws.cell(row=row, column=columns["amount"], value=18.5)
    ws.cell(row=row, column=columns["source"], value="2025 assays")
    error = _declare_edited(target, book, tmp_path)
    assert "leaves out La 23 %" in str(error) and f"sheet 'mining' row {row}" in str(error)


def _add_row(ws, columns: dict, **cells) -> None:
    row = ws.max_row + 1
    for key, value in cells.items():
        ws.cell(row=row, column=columns[key], value=value)


@pytest.mark.parametrize("edit, fragment", [
    # a share in fractions of the group: read as % it would be 100 times too little
    (lambda ws, c: ws.cell(row=_row(ws, "ore_share", "TREO: Nd"), column=c["unit"], value="fraction"),
     "column 'unit'"),
    (lambda ws, c: ws.cell(row=_row(ws, "ore_share", "TREO: Nd"), column=c["item"], value="Nd"),
     "'<group>: <element>'"),
    # the same content twice: the second would replace the first
    (lambda ws, c: _add_row(ws, c, section="ore_content", item="TREO", amount=4.0, unit="%", source="x"),
     "ore content 'TREO' given twice"),
    (lambda ws, c: ws.cell(row=_row(ws, "ore_share", "TREO: Ce"), column=c["source"], value="another lab"),
     "a second source for the distribution of TREO"),
    (lambda ws, c: ws.cell(row=_row(ws, "ore_share", "TREO: Ce"), column=c["P"], value=4),
     "a second DQR for the ore assay"),
    (lambda ws, c: [ws.cell(row=_row(ws, "ore_content", "Fe"), column=c["source"], value="lab 2025")],
     "filled but the amount is blank"),
])
def test_a_wrong_assay_row_is_refused_naming_its_cell(project, assay_xlsx, tmp_path, edit, fragment):
    book, ws, columns = _sheet_rows(assay_xlsx)
    edit(ws, columns)
    error = _declare_edited(assay_xlsx, book, tmp_path)
    assert fragment in str(error) and "sheet 'mining' row" in str(error)


def test_a_grade_typed_as_a_percentage_cell_is_refused(project, assay_xlsx, tmp_path):
    """Excel stores '5 %' as 0.05: with unit '%' the ore would hold 0.05 % TREO, 100 times too little."""
    book, ws, columns = _sheet_rows(assay_xlsx)
    cell = ws.cell(row=_row(ws, "ore_content", "TREO"), column=columns["amount"], value=0.05)
    cell.number_format = "0.0%"
    error = _declare_edited(assay_xlsx, book, tmp_path)
    assert "a percentage in column 'amount'" in str(error)


def test_recycled_shares_per_element_are_read_and_checked(project, tmp_path):
    example = REPO / "examples" / "ndfeb-recycled-hpms" / "activity-2025.yaml"
    template = tmp_path / "hpms.xlsx"
    footprint.make_template("ndfeb-recycled-hpms", template, fmt="xlsx")
    filled = tmp_path / "activity.xlsx"
    fill_from_yaml(template, example, filled)
    document = footprint.declare("ndfeb-recycled-hpms", filled)
    # examples/ndfeb-recycled-hpms: by_element {Nd: 1.0, B: 1.0, Ni: 0.9}; the rule asks for 7 elements
    assert document["recycled_content"]["by_element"] == {"Nd": 1.0, "B": 1.0, "Ni": 0.9}
    assert document["recycled_content"]["elements_not_stated"] == ["Pr", "Dy", "Tb", "Co"]
    book = load_workbook(filled)
    sheet = book["declarant"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "recycled_share_Nd")
    sheet.cell(row=row, column=2, value=1.5)
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(FootprintError) as info:
        footprint.declare("ndfeb-recycled-hpms", tmp_path / "bad.xlsx")
    assert "between 0 and 1" in str(info.value) and f"sheet 'declarant' row {row}" in str(info.value)
