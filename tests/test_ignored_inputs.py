"""A field or option that is read but silently ignored is a wrong number with exit 0: each is refused.

One test per field or option found ignored (each would pass on the code before its refusal: the file or the
command was accepted and the value changed nothing).  Fields that are legitimately notes (comment, source,
item labels) are left alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

import cli
import footprint
from footprint.errors import ActivityDataError, FootprintError
from footprint.inputs.activity import load_activity
from footprint.inputs.activity_xlsx import COLUMNS

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
LORRY = '{kind: lorry, amount: 2.50, unit: "Mt*km",'  # roasting's first transport leg in the example
DQR5 = "dqr: {TeR: 5, GeR: 5, TiR: 5, P: 5}"


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "activity.yaml"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def refused(path: Path, *fragments: str) -> str:
    with pytest.raises(FootprintError) as caught:
        load_activity(path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


# ------------------------------------------------------------------------------------------ activity data (YAML)
def test_a_transport_unit_without_amount_is_refused(tmp_path):
    """'unit: Mt*km' beside mass and distance was read nowhere: the leg was 2,500 t x 1,000 km = 2.5 Mt*km
    whatever the unit said, exit 0 (a producer who meant 'amount in Mt*km' and forgot the amount got mass x
    distance)."""
    path = edited(tmp_path, LORRY, '{kind: lorry, unit: "Mt*km", mass: {amount: 2500, unit: t}, '
                                   'distance: {amount: 1000, unit: km},')
    refused(path, "processes.roasting.transport[0]", "'unit' is the unit of its t*km 'amount'")


@pytest.mark.parametrize("part, field", [("mass", DQR5), ("distance", "data_type: secondary")])
def test_a_dqr_or_data_type_on_a_legs_mass_or_distance_is_refused(tmp_path, part, field):
    """The flow is the leg's t*km, scored by the leg's own DQR and data type: one given on its mass or distance
    was dropped with exit 0 (the leg kept the process's default scores 1/1/1/2, 'primary')."""
    mass, distance = "mass: {amount: 2500, unit: t}", "distance: {amount: 1000, unit: km}"
    if part == "mass":
        mass = mass[:-1] + ", " + field + "}"
    else:
        distance = distance[:-1] + ", " + field + "}"
    path = edited(tmp_path, LORRY, f"{{kind: lorry, {mass}, {distance},")
    refused(path, "processes.roasting.transport[0]", f"'{part}.{field.split(':')[0]}' is read nowhere")


@pytest.mark.parametrize("old, new, where, field", [
    ("output: {amount: 489000, unit: t,", f"output: {{amount: 489000, unit: t, {DQR5},", "processes.mining.output",
     "dqr"),
    ("output: {amount: 489000, unit: t,", "output: {amount: 489000, unit: t, data_type: secondary,",
     "processes.mining.output", "data_type")])
def test_a_dqr_or_data_type_on_a_process_output_is_refused(tmp_path, old, new, where, field):
    """An output's DQR and data type enter no score (the process's default DQR sits beside 'output'): DQR 5/5/5/5
    on mining's output changed nothing in the declaration, exit 0."""
    refused(edited(tmp_path, old, new), where, f"a process output's '{field}' is read nowhere")


def test_a_dqr_on_a_co_product_is_refused(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("co_products:")
    name = text.index("{name:", start)
    path = edited(tmp_path, text[name:name + 7], f"{{{DQR5}, name: ")
    refused(path, "processes.beneficiation.co_products[0]", "a co-product's 'dqr' is read nowhere")


def test_the_shipped_examples_still_load():
    """No shipped example gives any field refused here (their declarations are unchanged)."""
    for path in sorted((REPO / "examples").glob("*/activity-*.yaml")):
        load_activity(path)


# ------------------------------------------------------------------------------------------ XLSX template
@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    from tests.test_template import fill_from_yaml

    folder = tmp_path_factory.mktemp("ignored-xlsx")
    footprint.make_template("ndpr-oxide", folder / "template.xlsx", fmt="xlsx")
    fill_from_yaml(folder / "template.xlsx", EXAMPLE, folder / "activity.xlsx")
    return folder / "activity.xlsx"


def _row(ws, section: str, item: str | None = None) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == section
                and (item is None or ws.cell(row=r, column=2).value == item))


def _column(name: str) -> int:
    return COLUMNS.index(name) + 1


def _mining_edited(filled: Path, tmp_path: Path, section: str, item: str | None, cells: dict) -> tuple[Path, int]:
    """A copy of the filled workbook with cells of one row of the 'mining' sheet set (None empties one);
    returns the copy and the row."""
    book = load_workbook(filled)
    ws = book["mining"]
    row = _row(ws, section, item)
    for column, value in cells.items():
        ws.cell(row=row, column=_column(column)).value = value  # ws.cell(value=None) would leave a cell as it is
    path = tmp_path / "broken.xlsx"
    book.save(path)
    return path, row


@pytest.mark.parametrize("section, item, column, value, message", [
    ("input", "electricity", "share", 0.5, "column 'share' is read nowhere on an 'input' row"),
    ("input", "electricity", "compartment", "water", "column 'compartment' is read nowhere on an 'input' row"),
    ("dqr", None, "amount", 1000, "column 'amount' is read nowhere on a 'dqr' row"),
    ("output", None, "share", 0.9, "column 'share' is read nowhere on an 'output' row"),
    ("excluded", None, "TeR", 5, "column 'TeR' is read nowhere on an 'excluded' row")])
def test_an_xlsx_cell_its_row_reads_nowhere_is_refused(filled, tmp_path, section, item, column, value, message):
    """Each cell was dropped with exit 0 (a share of 0.5 on mining's electricity row left the 1,200 MWh whole)."""
    path, row = _mining_edited(filled, tmp_path, section, item, {column: value})
    with pytest.raises(ActivityDataError, match=rf"sheet 'mining' row {row} column '{column}': {message}"):
        load_activity(path)


def test_an_xlsx_input_with_a_dqr_but_no_amount_is_refused_not_skipped(filled, tmp_path):
    """A row with a blank amount is an expected input not used and is skipped; one whose source and DQR were
    filled (the amount forgotten) was skipped too, the input left out, exit 0."""
    path, row = _mining_edited(filled, tmp_path, "input", "electricity", {"amount": None, "TeR": 2})
    with pytest.raises(ActivityDataError, match=rf"sheet 'mining' row {row} column 'amount': column 'TeR' is "
                                                r"filled but the amount is blank"):
        load_activity(path)


def test_an_xlsx_excluded_share_without_an_item_is_refused_not_skipped(filled, tmp_path):
    """An estimated share of 0.04 with the item left blank was skipped: the cut-off check (3 %) never saw it."""
    path, row = _mining_edited(filled, tmp_path, "excluded", None, {"amount": 0.04})
    with pytest.raises(ActivityDataError, match=rf"sheet 'mining' row {row} column 'item': an estimated share "
                                                r"with no item"):
        load_activity(path)


# ------------------------------------------------------------------------------------------ options
def test_allocation_on_a_rule_without_co_products_is_refused(project, tmp_path):
    """dy-metal names no co-product: '--allocation mass' changed nothing, yet was accepted with exit 0 (the
    producer's sensitivity run was the base case under another name)."""
    out = tmp_path / "d.json"
    result = invoke("declare", "dy-metal", REPO / "examples" / "dy-metal" / "activity-2025.yaml", "-o", out,
                    "--allocation", "mass")
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.stderr
    assert "--allocation mass changes nothing" in result.stderr
    assert "rule dy-metal names no co-product" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("key", ["REO", "Fe"])
def test_an_ore_distribution_no_content_takes_is_refused(project, tmp_path, key):
    """mining's assay split 'REO' (the rule's group is 'TREO') as 100 % Nd: read nowhere, the rule's Bayan Obo
    split (18.5 % Nd) stood, exit 0; a distribution of an element's content ('Fe') multiplied nothing either."""
    from footprint.data import inventory
    from footprint.engine import system
    from footprint.inputs.rule import load_rule

    path = edited(tmp_path, "  mining:\n", "  mining:\n    ore: {distributions: {%s: {source: \"assay 2025\", "
                                           "shares: {Nd: 100}}}}\n" % key)
    with pytest.raises(ActivityDataError, match="an ore distribution of a group no content names") as info:
        system.build(load_rule(REPO / "rules" / "ndpr-oxide.yaml"), load_activity(path), inventory.load_catalogue(),
                     inventory.biosphere_index(project[0]))
    assert info.value.field == f"processes.mining.ore.distributions.{key}"


def test_verify_hash_only_with_a_rule_is_refused(project, tmp_path):
    """'verify --hash-only --rule FILE' read the rule nowhere (nothing is recomputed) and exited 0, as if the
    declaration had been checked against that rule."""
    declaration = tmp_path / "d.json"
    assert invoke("declare", "ndpr-oxide", EXAMPLE, "-o", declaration).exit_code == 0
    assert invoke("verify", declaration, "--hash-only").exit_code == 0
    result = invoke("verify", declaration, "--hash-only", "--rule", REPO / "rules" / "ndpr-oxide.yaml")
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "takes no --rule" in result.stderr


def test_an_xlsx_recycled_content_source_without_r1_is_refused(tmp_path):
    """ndfeb-recycled-hpms asks R1; a workbook giving its source and DQR with R1 left blank dropped the whole
    recycled-content block without a word (the message then said R1 was missing, not that the rows were unread)."""
    folder = tmp_path
    footprint.make_template("ndfeb-recycled-hpms", folder / "t.xlsx", fmt="xlsx")
    book = load_workbook(folder / "t.xlsx")
    ws = book["declarant"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "recycled_content_source")
    ws.cell(row=row, column=2, value="mass balance of the swarf received")
    book.save(folder / "broken.xlsx")
    with pytest.raises(ActivityDataError, match=rf"sheet 'declarant' row {row} column 'value': 'recycled_content_"
                                                r"source' is filled but recycled_content_R1 is blank"):
        load_activity(folder / "broken.xlsx")


def test_an_xlsx_dqr_on_the_output_row_is_refused_at_its_cell(filled, tmp_path):
    """A process output takes no DQR (no score reads it); on the output row the cell itself is named."""
    path, row = _mining_edited(filled, tmp_path, "output", None, {"TeR": 2})
    with pytest.raises(ActivityDataError, match=rf"sheet 'mining' row {row} column 'TeR': column 'TeR' is read "
                                                r"nowhere on an 'output' row"):
        load_activity(path)


@pytest.mark.parametrize("data_type", ["secondary", "primary"])
def test_a_data_type_on_an_input_from_a_company_process_is_refused(project, tmp_path, data_type):
    """An input 'from' a process the company runs is an intermediate flow: it carries no burden of its own, and
    the primary-data share counts the supplying process's items.  Before: 'data_type: secondary' there (the
    lithium example gave one) was dropped, exit 0, with the producer believing the estimate was counted as such."""
    path = edited(tmp_path, 'source: "ore receipts at the crusher"}',
                  f'source: "ore receipts at the crusher", data_type: {data_type}}}')
    with pytest.raises(ActivityDataError, match="'data_type' on an input from process 'mining' is read nowhere") \
            as caught:
        footprint.declare("ndpr-oxide", path)
    assert caught.value.field == "processes.beneficiation.inputs[0].data_type"
