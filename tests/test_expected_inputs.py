"""Every input the rule expects of a process is reported, stated not used, or excluded by name.

Before: an expected input left out of the activity data counted as zero.  The ndpr-oxide example with
separation's acid, caustic, precipitant, diluent, coal and electricity inputs and its freight deleted
declared 39.34 instead of 46.56 kg CO2-Eq/kg with exit 0 and no warning about them.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import cli
import footprint
from footprint.errors import ActivityDataError
from footprint.inputs.activity import load_activity

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
SEPARATION_NOT_USED = "    not_used: [oxalic-acid, fuel-oil, natural-gas]"


def _edited(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "activity.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _without_separation_inputs(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("      - {kind: hydrochloric-acid, amount: 1192")
    end = text.index("    emissions:", start)
    path = tmp_path / "activity.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def test_expected_inputs_left_out_are_refused(project, tmp_path):
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(_without_separation_inputs(tmp_path)),
                                           "-o", str(out)])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "field 'processes.separation.inputs': process 'separation' reports no hydrochloric-acid, " \
           "sodium-hydroxide, ammonium-bicarbonate, kerosene, electricity, coal, lorry, rail" in result.stderr
    assert "an input left out would count as zero" in result.stderr and not out.exists()


def test_an_amount_of_zero_says_not_used_as_well(project, example_declaration, tmp_path):
    data = _edited(tmp_path, (SEPARATION_NOT_USED + "   #", "    not_used: [fuel-oil, natural-gas]   #"),
                   ("      - {kind: kerosene,", "      - {kind: oxalic-acid, amount: 0, unit: t, source: \"none\"}\n"
                                                "      - {kind: kerosene,"))
    values = {r["category"]: r["value"] for r in footprint.declare("ndpr-oxide", data)["results"]}
    assert values == pytest.approx({r["category"]: r["value"] for r in example_declaration["results"]},
                                   rel=1e-12)  # 0 kg adds nothing (one more term in a float sum)


def test_an_exclusion_naming_the_kind_accounts_for_it(project, example_declaration, tmp_path):
    data = _edited(tmp_path, (SEPARATION_NOT_USED, "    not_used: [fuel-oil, natural-gas]\n    excluded:\n"
                              "      - {kinds: [oxalic-acid], item: \"oxalic acid for one campaign\", "
                              "estimated_share: 0.001, reason: \"below the cut-off\"}"))
    document = footprint.declare("ndpr-oxide", data)
    assert document["results"] == example_declaration["results"]
    assert {"process": "separation", "item": "oxalic acid for one campaign", "estimated_share": 0.001,
            "reason": "below the cut-off", "kinds": ["oxalic-acid"]} in document["cut_off"]["excluded"]


@pytest.mark.parametrize("not_used, message", [
    ("[oxalic-acd, fuel-oil, natural-gas]", "unknown input kind"),
    ("[oxalic-acid, fuel-oil, natural-gas, coal]", "an input kind is reported and listed as not used"),
])
def test_a_not_used_list_that_cannot_be_true_is_refused(project, tmp_path, not_used, message):
    data = _edited(tmp_path, (SEPARATION_NOT_USED, f"    not_used: {not_used}"))
    with pytest.raises(ActivityDataError, match=message) as caught:
        footprint.declare("ndpr-oxide", data)
    assert caught.value.field.startswith("processes.separation.not_used[")


def test_an_exclusion_naming_an_unknown_kind_is_refused(project, tmp_path):
    data = _edited(tmp_path, (SEPARATION_NOT_USED, "    not_used: [fuel-oil, natural-gas]\n    excluded:\n"
                              "      - {kinds: [oxalic-acd], item: \"oxalic acid\", reason: \"below the cut-off\"}"))
    with pytest.raises(ActivityDataError, match="unknown input kind") as caught:
        footprint.declare("ndpr-oxide", data)
    assert caught.value.field == "processes.separation.excluded[0].kinds[0]"


def test_an_xlsx_row_with_0_is_not_used_and_an_exclusion_names_its_kinds(tmp_path):
    from tests.test_template import fill_from_yaml

    footprint.make_template("ndpr-oxide", tmp_path / "template.xlsx", fmt="xlsx")
    fill_from_yaml(tmp_path / "template.xlsx", EXAMPLE, tmp_path / "activity.xlsx")  # not_used: 0 in their rows
    separation = load_activity(tmp_path / "activity.xlsx").data.processes["separation"]
    assert set(separation.not_used) == {"oxalic-acid", "fuel-oil", "natural-gas"}
    assert not {i.kind for i in separation.inputs} & set(separation.not_used)
    book = load_workbook(tmp_path / "activity.xlsx")
    sheet = book["separation"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="kinds")
    header = {cell.value: cell.column for cell in sheet[1]}
    # the row's 0 ("not used") is taken back: a kind stated both not used and left out is refused (a contradiction)
    oxalic = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=2).value == "oxalic-acid")
    sheet.cell(row=oxalic, column=header["amount"]).value = None  # cell(value=None) would leave the 0
    row = sheet.max_row + 1
    for name, value in (("section", "excluded"), ("item", "oxalic acid for one campaign"),
                        ("comment", "below the cut-off"), ("kinds", "oxalic-acid")):
        sheet.cell(row=row, column=header[name], value=value)
    book.save(tmp_path / "kinds.xlsx")
    excluded = load_activity(tmp_path / "kinds.xlsx").data.processes["separation"].excluded
    assert [e.kinds for e in excluded] == [["oxalic-acid"]]


def test_an_xlsx_row_left_blank_is_refused_when_declared(project, tmp_path):
    """A template row left as written says nothing: before this review it read as "not used", so an untouched
    row of a used input (the separation plant's electricity) counted as zero with exit 0."""
    from tests.test_template import fill_from_yaml

    footprint.make_template("ndpr-oxide", tmp_path / "template.xlsx", fmt="xlsx")
    fill_from_yaml(tmp_path / "template.xlsx", EXAMPLE, tmp_path / "activity.xlsx")
    book = load_workbook(tmp_path / "activity.xlsx")
    sheet = book["separation"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=2).value == "oxalic-acid")
    sheet.cell(row=row, column=4).value = None  # the 0 the fill wrote, taken out again
    assert sheet.cell(row=1, column=4).value == "amount"
    book.save(tmp_path / "blank.xlsx")
    with pytest.raises(ActivityDataError, match="reports no oxalic-acid, which the rule expects of it"):
        footprint.declare("ndpr-oxide", tmp_path / "blank.xlsx")
