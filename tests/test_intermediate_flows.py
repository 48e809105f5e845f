"""Intermediate flows between a rule's processes: every upstream product reaches the declared unit.

The foreground links a process to the processes the rule says it consumes (``inputs_from``) only
through the producer's ``from`` inputs; the mass balance compared the flows that were reported.
A link left out cut everything upstream of it off the declared product, with exit 0.
"""
from __future__ import annotations

import pytest
import yaml
from conftest import EXAMPLE, REPO

from footprint.data import inventory
from footprint.engine import system
from footprint.errors import ActivityDataError
from footprint.inputs.activity import load_activity
from footprint.inputs.rule import load_rule

SPODUMENE = REPO / "examples" / "lithium-carbonate-spodumene" / "activity-2025.yaml"


def _build(project, rule, data: dict, tmp_path):
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return system.build(load_rule(rule), load_activity(path), inventory.load_catalogue(),
                        inventory.biosphere_index(project[0]))


def test_a_process_without_its_input_from_the_upstream_process_is_refused(project, tmp_path):
    """ndpr-oxide's roasting without its line ``{from: beneficiation, amount: 16206, unit: t}``.

    By hand: the declared kg of oxide draws on roasting, and roasting's column in the foreground
    matrix then has no entry in beneficiation's row, so mining and beneficiation are scaled by 0.
    Their share of the demo's 46.56 kg CO2-Eq/kg (mining diesel and power, beneficiation power and
    coal, allocated 0.8 to the concentrate) vanished: the old code declared 24.81 kg CO2-Eq/kg with
    extraction and concentration at 0.0 %, exit 0.  The mass balance never saw beneficiation (no
    input named it).  The right value needs the line (46.56 with it), so the data are refused.
    """
    data = yaml.safe_load(EXAMPLE.read_text())
    roasting = data["processes"]["roasting"]
    roasting["inputs"] = [item for item in roasting["inputs"] if "from" not in item]
    with pytest.raises(ActivityDataError, match="process 'roasting' reports no input from 'beneficiation'") as info:
        _build(project, "ndpr-oxide", data, tmp_path)
    assert info.value.field == "processes.roasting.inputs"


def test_a_process_without_its_input_from_an_optional_upstream_process_is_refused(project, tmp_path):
    """lithium-carbonate-spodumene: a converter buying concentrate gives no mining data, so the rule's
    default dataset supplies ``mining-concentration``, linked only by conversion's ``from`` input.

    Without the line ``{from: mining-concentration, amount: 134800, unit: t}`` the screening dataset
    of the concentrate (6.74 kg per kg Li2CO3) was never linked: the concentrate counted zero, exit 0.
    """
    data = yaml.safe_load(SPODUMENE.read_text())
    conversion = data["processes"]["conversion"]
    assert "mining-concentration" not in data["processes"]  # supplied by the rule's default dataset
    conversion["inputs"] = [item for item in conversion["inputs"] if "from" not in item]
    with pytest.raises(ActivityDataError, match="reports no input from 'mining-concentration'"):
        _build(project, "lithium-carbonate-spodumene", data, tmp_path)


def test_an_input_of_zero_from_an_optional_upstream_process_is_a_statement(project, tmp_path):
    """An amount of 0 says none was consumed (as for expected inputs): built, with no concentrate flow."""
    data = yaml.safe_load(SPODUMENE.read_text())
    for item in data["processes"]["conversion"]["inputs"]:
        if "from" in item:
            item["amount"] = 0
    built = _build(project, "lithium-carbonate-spodumene", data, tmp_path)
    flows = [flow for flow in built.process("conversion").flows if flow.field.endswith("inputs[0]")]
    assert [flow.amount for flow in flows] == [0.0]


def test_a_reported_process_whose_consumer_has_no_data_is_refused(project, tmp_path):
    """A rule whose concentrator is optional (its default dataset supplies the concentrate): the producer
    reports mining but not beneficiation, so roasting's input from beneficiation goes to the dataset.

    Mining's 489,000 t of ore, its diesel, power and dust were then consumed by no process of the
    foreground (nothing links mining to the declared unit): they counted zero, exit 0, while the
    declaration listed mining among its processes.  Refused, naming mining.
    """
    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    rule["id"] = "ndpr-oxide-optional-concentrator"
    beneficiation = rule["stages"][1]["processes"][0]
    assert beneficiation["id"] == "beneficiation"
    beneficiation["company_specific"] = "optional"
    beneficiation["default_dataset"] = "material/ndpr-oxide-screening"  # any per-kg dataset will do here
    rule_path = tmp_path / "rule.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = yaml.safe_load(EXAMPLE.read_text())
    data["rule"] = rule["id"]
    del data["processes"]["beneficiation"]
    with pytest.raises(ActivityDataError, match="process 'mining' reports its output but no process these data "
                                                "report consumes it") as info:
        _build(project, rule_path, data, tmp_path)
    assert info.value.field == "processes.mining"
