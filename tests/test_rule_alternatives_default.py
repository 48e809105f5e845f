"""An input kind's ``alternatives`` lists other datasets than the kind's own (default) dataset.

Old code: a copy of ndpr-oxide (under a fresh id) with ``natural-gas: {dataset: fuel/natural-gas,
alternatives: [fuel/natural-gas-m3, fuel/natural-gas]}`` loaded, validated 'ok' and declared, exit 0, while a
repeated entry of the same list was refused (REPEATS): the default listed as an alternative to itself says
nothing an input may name, and a reader of the rule could take it for another dataset.  Now the rule reader
(load_rule) and 'rules validate' refuse it, naming the file, the field, the value and what is expected.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
from footprint.errors import RuleError
from footprint.inputs.rule import load_rule

REPO = Path(__file__).resolve().parents[1]
NDPR = REPO / "rules" / "ndpr-oxide.yaml"
FIELD = "input_kinds.natural-gas.alternatives[1]"


def _with_default_as_alternative(tmp_path: Path) -> Path:
    rule = yaml.safe_load(NDPR.read_text(encoding="utf-8"))
    rule["id"] = "ndpr-oxide-alternatives"  # a fresh id: a changed copy under the library's id is refused for that
    kind = rule["input_kinds"]["natural-gas"]
    kind["alternatives"] = [*kind["alternatives"], kind["dataset"]]
    path = tmp_path / "ndpr-oxide-alternatives.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_the_rule_reader_refuses_the_default_dataset_among_the_alternatives(tmp_path):
    path = _with_default_as_alternative(tmp_path)
    with pytest.raises(RuleError) as caught:
        load_rule(path)
    error = caught.value
    assert error.field == FIELD and error.value == "fuel/natural-gas"
    assert "lists its own dataset 'fuel/natural-gas' among its alternatives" in error.message
    assert "other datasets than input_kinds.natural-gas.dataset" in error.expected
    assert str(path.name) in str(error)


def test_rules_validate_refuses_it_naming_the_line(tmp_path):
    path = _with_default_as_alternative(tmp_path)
    result = CliRunner().invoke(cli.main, ["rules", "validate", str(path)])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert f"field '{FIELD}'" in result.output and "invalid" in result.output
    assert "Traceback" not in result.output


def test_the_shipped_rules_list_only_other_datasets():
    for path in sorted((REPO / "rules").glob("*.yaml")):
        for kind, spec in load_rule(path).rule.input_kinds.items():
            assert spec.dataset not in spec.alternatives, (path.name, kind)
