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
