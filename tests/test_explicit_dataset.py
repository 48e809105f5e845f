"""An input's explicit ``dataset:`` is the rule's own for its kind or one of the kind's ``alternatives``.

The rule sets each input's default secondary dataset so that producers are compared on one basis.  Before,
only the dataset's coarse kind was checked: ``{kind: hydrochloric-acid, dataset: chemical/argon}`` priced the
ndpr-oxide example's acid as argon (46.56 -> 45.90 kg CO2-Eq/kg) and ``{kind: coal, dataset: fuel/lpg}`` its
coal as liquefied gas, each with exit 0 and no warning.  Grids are checked by place (test_grid_location.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest

import footprint
from footprint.data import inventory
from footprint.errors import ActivityDataError
from footprint.inputs.rule import load_rule

REPO = Path(__file__).resolve().parents[1]
NDPR = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
BRINE_RULE = REPO / "rules" / "lithium-carbonate-brine.yaml"
BRINE = REPO / "examples" / "lithium-carbonate-brine" / "activity-2025.yaml"
BRINE_GAS = "{kind: natural-gas, amount: 919.35, unit: TJ,"


def _edited(source: Path, target: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize("kind, dataset, field", [
    ("hydrochloric-acid", "chemical/argon", "processes.leaching.inputs[1].dataset"),
    ("coal", "fuel/lpg", "processes.beneficiation.inputs[2].dataset"),
])
def test_another_products_dataset_is_refused(project, tmp_path, kind, dataset, field):
    path = _edited(NDPR, tmp_path / "activity.yaml", f"{{kind: {kind},", f"{{kind: {kind}, dataset: {dataset},")
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-oxide", path)
    assert caught.value.field == field
    assert f"dataset is not one the rule allows for input kind '{kind}'" in str(caught.value)
    assert f"input_kinds.{kind}" in str(caught.value) and "alternatives" in str(caught.value)


def test_the_rules_own_dataset_named_explicitly_declares_the_same(project, example_declaration, tmp_path):
    path = _edited(NDPR, tmp_path / "activity.yaml", "{kind: coal,", "{kind: coal, dataset: fuel/coal,")
    document = footprint.declare("ndpr-oxide", path)
    assert document["results"] == example_declaration["results"]


SHIPPED_GAS = "natural-gas: {dataset: fuel/natural-gas, alternatives: [fuel/natural-gas-m3], description:"


def _brine_rule_with(tmp_path: Path, alternatives: str) -> Path:
    """A copy of the brine rule whose natural-gas kind lists ``alternatives`` (as version 1.0.1: a changed rule
    under the library's id and version is refused, footprint.inputs.rule.library_conflict)."""
    rule = _edited(BRINE_RULE, tmp_path / "lithium-carbonate-brine.yaml", SHIPPED_GAS,
                   f"natural-gas: {{dataset: fuel/natural-gas{alternatives}, description:")
    text = rule.read_text(encoding="utf-8")
    assert "\nversion: 1.1.0\n" in text
    rule.write_text(text.replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n"), encoding="utf-8")
    return rule


def test_an_alternative_the_rule_lists_is_taken(project, tmp_path):
    """919.35 TJ of gas reported as m3 against the shipped rule's per-m3 alternative: the row draws on that
    dataset; under a version of the rule without the alternative it is refused."""
    data = _edited(BRINE, tmp_path / "activity.yaml", BRINE_GAS,
                   "{kind: natural-gas, dataset: fuel/natural-gas-m3, amount: 25000000, unit: m**3,")
    document = footprint.declare("lithium-carbonate-brine", data)
    used = {c["dataset"] for c in document["contributions"] if c["item"] == "natural-gas"}
    assert used == {"fuel/natural-gas-m3"}
    with pytest.raises(ActivityDataError, match="dataset is not one the rule allows for input kind 'natural-gas'"):
        footprint.declare(_brine_rule_with(tmp_path, ""), data)


@pytest.mark.parametrize("alternative, message", [
    ("fuel/natural-gas-m4", "alternative dataset does not exist"),
    ("chemical/argon", "alternative dataset is of another kind"),
])
def test_rules_validate_refuses_an_alternative_that_is_missing_or_of_another_kind(tmp_path, alternative, message):
    rule = _brine_rule_with(tmp_path, f", alternatives: [{alternative}]")
    problems = inventory.rule_dataset_problems(load_rule(rule).rule, inventory.load_catalogue())
    assert [(f, m, v) for f, m, v, _e in problems] == [("input_kinds.natural-gas.alternatives[0]", message,
                                                         alternative)]
