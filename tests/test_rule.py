"""Rules are data: loading, Annex V checks, schema export."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from footprint.errors import RuleError
from footprint.inputs import rule as rule_module

REPO = Path(__file__).resolve().parents[1]
NDPR = REPO / "rules" / "ndpr-oxide.yaml"


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(NDPR.read_text())
    change(data)
    path = tmp_path / "rule.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_ndpr_rule_loads_with_its_boundary():
    loaded = rule_module.load_rule("ndpr-oxide")
    rule = loaded.rule
    assert rule.declared_unit.amount == 1 and rule.declared_unit.unit == "kg"
    assert [s.id for s in rule.stages] == ["extraction", "concentration", "refining"]
    assert rule.reference_process_def().product.name == "NdPr oxide"
    assert "climate_change" in rule.impact_categories.declared
    assert len(loaded.sha256) == 64


def test_a_rule_can_be_given_by_path():
    assert rule_module.load_rule(NDPR).rule.id == "ndpr-oxide"


@pytest.mark.parametrize("change, message", [
    (lambda d: d["impact_categories"].update(declared=["climate_change", "acidification"]), "at least three"),
    (lambda d: d["impact_categories"].update(declared=["acidification", "particulate_matter", "land_use"]),
     "climate_change must be declared"),
    (lambda d: d["stages"][0].update(id="recycling"), "not an Annex V stage of the primary route"),
    (lambda d: d["stages"][0]["processes"][0].update(annex_v=["4(z)"]), "not in point 4"),
    (lambda d: d["stages"][2]["processes"][2]["allocation"]["prices"].pop("cerium oxide"), "needs a price"),
    (lambda d: d["stages"][2]["processes"][2]["allocation"]["prices"]["cerium oxide"].update(unit="USD/t"),
     "prices are in different units"),
    (lambda d: d["stages"][1]["processes"][0].update(inputs_from=["separation"]), "not an earlier process"),
    (lambda d: d["stages"][1]["processes"][0]["product"].update(unit="m**3"), "unit of mass"),
    (lambda d: d.update(reference_process="roasting"), "must be the declared product"),
    (lambda d: d["declared_unit"].update(unit="kWh"), "wrong dimension"),
    (lambda d: d.update(surprise=1), "Extra inputs are not permitted"),
    # a co-product named twice, or the product named as its own co-product: one mass would stand for two
    (lambda d: d["stages"][2]["processes"][2]["co_products"].append("cerium oxide"),
     "lists co-product 'cerium oxide' twice"),
    (lambda d: d["stages"][2]["processes"][2]["co_products"].append("NdPr oxide"),
     "its product 'NdPr oxide' is also listed as a co-product"),
    # an allocation on a one-product process was ignored without a word
    (lambda d: d["stages"][2]["processes"][0].update(allocation={"method": "specified"}),
     "has an allocation but no co-products"),
    # a process after the reference process: its data counted zero (a packing step's 500 GWh added nothing)
    (lambda d: d["stages"][2]["processes"].append(
        {"id": "packing", "name": "packing", "annex_v": ["4(l)"], "company_specific": "required",
         "product": {"name": "packed oxide", "unit": "kg"}, "inputs_from": ["separation"]}),
     "process 'packing' does not feed the reference process 'separation'"),
    (lambda d: d["stages"][1].update(id="refining"), "lists stage 'refining' twice"),
    # was refused only when declaring, as a problem of the activity data's output
    (lambda d: d["stages"][0]["processes"][0]["product"].update(unit="MJ"),
     "takes elements from the ground .extraction., so its product .the ore. must be counted in a unit of mass"),
    # a reversed span accepts no reporting period at all, yet 'rules validate' said ok
    (lambda d: d["validity"].update({"from": "2029-01-01"}), r"'from' \(2029-01-01\) is after 'until'"),
    (lambda d: d["validity"]["reporting_periods"].update({"until": "2024-12-31"}), "is after 'until'"),
    # a category declared twice was listed twice in the declaration's impact_categories
    (lambda d: d["impact_categories"]["declared"].append("acidification"), "lists impact category 'acidification' twice"),
    # revenue = mass x price: a price per piece weighed the products by a count nobody measured
    (lambda d: d["stages"][2]["processes"][2]["allocation"]["prices"]["cerium oxide"].update(unit="USD/piece"),
     "price unit 'USD/piece' is not per unit of mass"),
    (lambda d: d["impact_categories"]["supplementary"].append("crustal_scarcity"),
     "lists supplementary indicator 'crustal_scarcity' twice"),
    (lambda d: d["stages"][2]["processes"][2].update(inputs_from=["leaching", "leaching"]),
     "lists upstream process 'leaching' twice"),
    # prices on a process allocated by mass only were read and never used (exit 0, mass shares declared)
    (lambda d: d["stages"][2]["processes"][2]["allocation"].update(method="mass", options=[]),
     "gives prices but allocates by \\['mass'\\]: prices are used only by economic allocation"),
    (lambda d: d["stages"][2]["processes"][2]["allocation"].update(method="specified", options=[], prices={}),
     "gives price_basis but allocates by"),
    # nothing reads supplier-specific electricity: 'true' changed no number
    (lambda d: d["electricity"].update(supplier_specific_allowed=True),
     "supplier-specific electricity is not supported"),
    # a default on a required process is never used (missing data is refused), yet it read as a fallback
    (lambda d: d["stages"][1]["processes"][0].update(company_specific="required", default_dataset="fuel/diesel"),
     "requires company-specific data, so its default_dataset 'fuel/diesel' would never be used"),
    # a fallback equal to the first choice can never be reached (the author meant another dataset)
    (lambda d: d["input_kinds"]["electricity"].update(fallback=["electricity/{region}"]),
     "lists dataset 'electricity/{region}' twice, at dataset and fallback\\[0\\]: the fallback repeats an "
     "earlier choice"),
])
def test_invalid_rules_are_refused_with_the_reason(tmp_path, change, message):
    path = _write(tmp_path, change)
    with pytest.raises(RuleError, match=message) as info:
        rule_module.load_rule(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("change, field", [
    (lambda d: d["stages"][1]["processes"][0]["allocation"]["prices"]["iron ore concentrate"].update(
        value=float("inf")), "allocation.prices.iron ore concentrate.value"),
    (lambda d: d["stages"][2]["processes"][2]["allocation"]["prices"]["NdPr oxide"].update(value=float("nan")),
     "allocation.prices.NdPr oxide.value"),
    (lambda d: d["declared_unit"].update(amount=float("inf")), "declared_unit.amount"),
])
def test_a_rule_number_that_is_not_finite_is_refused(tmp_path, change, field):
    """A price of .inf passed 'gt=0' and 'rules validate' said ok; economic allocation then gave the main
    product 50·m/inf = 0 and the co-product inf/inf = nan, and declare ended in a traceback (exit 1)."""
    path = _write(tmp_path, change)
    with pytest.raises(RuleError, match="finite number") as info:
        rule_module.load_rule(path)
    assert field in str(info.value)


def test_unknown_rule_id_lists_the_known_ones():
    with pytest.raises(RuleError, match="ndpr-oxide"):
        rule_module.load_rule("no-such-rule")


def test_json_schema_is_generated_from_the_model():
    schema = json.loads(rule_module.json_schema_text())
    assert schema["title"] == "footprint calculation rule"
    assert {"id", "declared_unit", "stages", "impact_categories"} <= set(schema["properties"])


def test_the_shipped_rule_validates_against_its_own_json_schema():
    import jsonschema

    data = yaml.safe_load(NDPR.read_text(), )
    data = json.loads(json.dumps(data, default=str))  # dates as strings, as an editor would see them
    jsonschema.validate(data, rule_module.json_schema())


def test_the_committed_rule_schema_matches_the_model():
    """schemas/rule.schema.json is what editors validate against; regenerate with 'footprint rules schema'."""
    committed = (REPO / "schemas" / "rule.schema.json").read_text()
    assert committed == rule_module.json_schema_text(), "run: footprint rules schema > schemas/rule.schema.json"


def test_a_boundary_problem_names_its_field_when_declaring(tmp_path):
    """load_rule (what declare calls) names the field of a boundary problem, as 'rules validate' does."""
    path = _write(tmp_path, lambda d: d["stages"][2]["processes"][2]["co_products"].append("cerium oxide"))
    with pytest.raises(RuleError) as info:
        rule_module.load_rule(path)
    assert info.value.field == "stages[2].processes[2].co_products[3]"
    assert "Value error" not in str(info.value)


def test_a_field_problem_is_told_without_pydantic_s_prefix(tmp_path):
    path = _write(tmp_path, lambda d: d["impact_categories"]["declared"].append("acidity"))
    with pytest.raises(RuleError, match="unknown impact categories") as info:
        rule_module.load_rule(path)
    assert "Value error" not in str(info.value)


def test_a_withdrawn_rule_is_not_declared_under_but_its_declarations_still_verify(project, tmp_path, monkeypatch):
    """status: withdrawn was shown in the declaration and declared under with exit 0.  New declarations (one by
    one and in a batch) are refused; verify still recomputes a declaration made while the rule was in force."""
    import footprint
    from footprint.errors import RuleError

    monkeypatch.chdir(tmp_path)
    rule_text = (REPO / "rules" / "ndpr-oxide.yaml").read_text()
    assert "\nstatus: draft\n" in rule_text
    own = tmp_path / "ndpr-oxide.yaml"
    own.write_text(rule_text)
    example = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
    made = footprint.write_declaration(footprint.declare(own, example), tmp_path / "d.json")
    own.write_text(rule_text.replace("\nstatus: draft\n", "\nstatus: withdrawn\n"))
    with pytest.raises(RuleError, match="rule ndpr-oxide .* is withdrawn") as refused:
        footprint.declare(own, example)
    assert refused.value.field == "status"
    [row] = footprint.declare_many([(own, example)])
    assert row.status == "error" and "is withdrawn" in row.message
    outcome = footprint.verify_declaration(made, example, rule=own)  # recomputed, not refused as withdrawn
    assert outcome.recomputed
