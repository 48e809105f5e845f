"""Rare-earth resources: the Crustal Scarcity Indicator, element flows of the ore mined, the EF 3.1 gap.

Hand-computed reference (rules/ndpr-oxide.yaml, examples/ndpr-oxide/activity-2025.yaml):

    Nd taken per kg NdPr oxide = ore x TREO x Nd2O3 share x Nd in Nd2O3 x allocation and chain factors
      ore 489,000 t = 489e6 kg; TREO 4.1 % (Sprecher 2014); Nd2O3 18.5 % of TREO (Castor & Hedrick 2006)
      Nd in Nd2O3 = 2 x 144.242 / (2 x 144.242 + 3 x 15.999) = 288.484 / 336.481 = 0.857356
      beneficiation keeps 0.8 of the ore's burden (economic, price ratio 50: 16,300 x 50 / (16,300 x 50 + 203,750))
      roasting, leaching and separation consume 16,206 of 16,300, 14,514 of 14,600 and 8,131 of 8,200 t
      separation: economic share of NdPr oxide = 2000 x 83 / (2000 x 83 + 1860 x 1.4 + 4050 x 1.4 + 155 x 95.4)
                  = 166,000 / 189,061 = 0.878024; per kg: / 2,000,000 kg
    -> 489e6 x 0.041 x 0.185 x 0.857356 x 0.8 x (16206/16300) x (14514/14600) x (8131/8200) x 0.878024 / 2e6
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

import footprint
from footprint.errors import ActivityDataError, FootprintError
from footprint.inputs.extraction import oxide_element_fraction

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"

SEPARATION_SHARE = 2000 * 83 / (2000 * 83 + 1860 * 1.4 + 4050 * 1.4 + 155 * 95.4)
CHAIN = 0.8 * (16206 / 16300) * (14514 / 14600) * (8131 / 8200) * SEPARATION_SHARE / 2e6


def _element(document: dict, name: str) -> dict:
    return next(e for e in document["mineral_resources"]["elements"] if e["element"] == name)


def test_oxide_fractions_match_the_oxide_per_metal_ratios_of_ree_data():
    # ree-data.md 1.3: kg oxide per kg metal Nd2O3 1.1664, Pr6O11 1.2082, Dy2O3 1.1477, Tb4O7 1.1762
    for element, oxide_per_metal in {"Nd": 1.1664, "Pr": 1.2082, "Dy": 1.1477, "Tb": 1.1762}.items():
        assert 1 / oxide_element_fraction(element) == pytest.approx(oxide_per_metal, abs=5e-5)
    assert oxide_element_fraction("Fe") == 1.0  # an element content counts as itself


def test_setup_writes_the_crustal_scarcity_indicator_from_the_bundled_file(project):
    bd = project[0]
    from footprint.inputs.categories import CRUSTAL_SCARCITY_METHOD

    assert CRUSTAL_SCARCITY_METHOD in bd.methods
    method = bd.Method(CRUSTAL_SCARCITY_METHOD)
    assert method.metadata["unit"] == "kg Si-Eq"
    cfs = {bd.get_node(id=flow_id)["name"]: cf for flow_id, cf in method.load()}
    assert len(method.load()) == 216
    # open-data-gaps.md 1: Pr 5,800  Ce 6,600  La 14,000  Nd 14,000  Dy 79,000  Tb 470,000 kg Si-eq per kg
    assert cfs["Neodymium"] == 14000 and cfs["Praseodymium"] == 5800 and cfs["Terbium"] == 470000
    assert cfs["Dysprosium"] == 79000 and cfs["Cerium"] == 6600 and cfs["Lanthanum"] == 14000


def test_a_second_setup_writes_no_method_again(project):
    from footprint.data import project as fp_project

    report = fp_project.setup()
    assert report.methods_written == 0


def test_the_ore_mined_becomes_element_flows_by_grade_and_distribution(example_declaration):
    f_nd = oxide_element_fraction("Nd")
    assert f_nd == pytest.approx(288.484 / 336.481, rel=1e-6)
    expected_nd = 489e6 * 0.041 * 0.185 * f_nd * CHAIN
    assert expected_nd == pytest.approx(1.0946, rel=1e-3)
    assert _element(example_declaration, "Neodymium")["kg"] == pytest.approx(expected_nd, rel=1e-9)
    expected_pr = 489e6 * 0.041 * 0.062 * oxide_element_fraction("Pr") * CHAIN
    assert _element(example_declaration, "Praseodymium")["kg"] == pytest.approx(expected_pr, rel=1e-9)
    assert _element(example_declaration, "Iron")["kg"] == pytest.approx(489e6 * 0.30 * CHAIN, rel=1e-9)


def test_crustal_scarcity_shows_nd_and_pr_extraction(example_declaration):
    result = next(r for r in example_declaration["results"] if r["category"] == "crustal_scarcity")
    assert result["supplementary"] and result["unit"] == "kg Si-Eq"  # declared beside EF 3.1 (in results)
    assert example_declaration["impact_categories"]["supplementary"] == ["crustal_scarcity"]
    rows = {c["item"]: c["value"] for c in example_declaration["contributions"]
            if c["category"] == "crustal_scarcity" and c["process"] == "mining"}
    nd = _element(example_declaration, "Neodymium")["kg"]
    pr = _element(example_declaration, "Praseodymium")["kg"]
    assert rows["Neodymium, in ground (ore mined)"] == pytest.approx(nd * 14000, rel=1e-6)
    assert rows["Praseodymium, in ground (ore mined)"] == pytest.approx(pr * 5800, rel=1e-6)
    assert example_declaration["mineral_resources"]["crustal_scarcity"]["value"] == pytest.approx(result["value"])


def test_the_declaration_states_the_ef31_rare_earth_gap(example_declaration):
    block = example_declaration["mineral_resources"]
    missing = {row["element"] for row in block["ef31_gap"]["uncharacterised"]}
    assert {"Neodymium", "Praseodymium", "Dysprosium", "Terbium", "Lanthanum", "Cerium"} <= missing
    assert "Iron" not in missing and _element(example_declaration, "Iron")["ef31_characterised"] is True
    statement = block["ef31_gap"]["statement"]
    assert "no characterisation factor for" in statement and "Nd 1.09 kg" in statement and "Pr 0.354 kg" in statement
    assert block["ef31_gap"]["extension"]["id"] == "footprint-adp-ree"  # where licensed factors would go
    minerals = next(r for r in example_declaration["additional_information"]["results"]
                    if r["category"] == "resource_use_minerals_metals")  # computed, not declared by this rule
    # only the iron counts in EF 3.1: 5.24e-8 kg Sb-eq per kg Fe (bundled factor); the background adds nothing
    assert minerals["value"] == pytest.approx(_element(example_declaration, "Iron")["kg"] * 5.24e-8, rel=1e-6)


def test_the_gap_and_the_indicator_reach_report_and_exports(example_declaration, tmp_path):
    from footprint.export import csv as csv_export

    html = footprint.api.render_html(example_declaration)
    assert "Elements taken from the ground" in html and "not counted (no factor)" in html
    assert "Crustal scarcity (supplementary indicator, not EF 3.1)" in html
    rows = [line for line in csv_export.to_csv(example_declaration).splitlines()
            if line.startswith("resource_extraction,")]
    assert any(",Neodymium," in line and "NOT characterised by EF 3.1" in line for line in rows)
    footprint.api.export_declaration(example_declaration, "pact", tmp_path / "pact.json")
    record = (tmp_path / "pact.json").read_text()
    assert "no characterisation factor for" in record and "Crustal scarcity" in record


def _with_assay(tmp_path: Path, assay: dict) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["processes"]["mining"]["ore"] = assay
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_producers_assay_replaces_the_rules_values(project, example_declaration, tmp_path):
    path = _with_assay(tmp_path, {"contents": {"TREO": {"value": 5.0, "unit": "%", "source": "2025 assays"}},
                                  "dqr": {"TeR": 1, "GeR": 1, "TiR": 1, "P": 2}})
    document = footprint.declare(RULE, path)
    ratio = 5.0 / 4.1  # only the grade changed: every rare earth scales with it, iron does not
    assert _element(document, "Neodymium")["kg"] == pytest.approx(
        _element(example_declaration, "Neodymium")["kg"] * ratio, rel=1e-9)
    assert _element(document, "Iron")["kg"] == pytest.approx(_element(example_declaration, "Iron")["kg"], rel=1e-9)


@pytest.mark.parametrize("assay, fragment", [
    ({"distributions": {"TREO": {"source": "x", "shares": {"Nd": 60, "Pr": 50}}}}, "more than 100 %"),
    ({"distributions": {"TREO": {"source": "x", "shares": {"Xx": 10}}}}, "unknown rare-earth element"),
    ({"contents": {"TREO": {"value": 120, "unit": "%", "source": "x"}}}, "more than the whole ore"),
    ({"contents": {"Unobtainium": {"value": 1, "unit": "%", "source": "x"}}}, "unknown content"),
    # fractions of 1 where % are asked: Nd 0.185 read as 0.185 % of TREO instead of 18.5 %, 100 times too little
    # Nd in the ground (and the same for every element), exit 0 before
    ({"distributions": {"TREO": {"source": "x", "shares": {"La": 0.23, "Ce": 0.50, "Pr": 0.062, "Nd": 0.185}}}},
     "look like fractions of 1"),
    ({"distributions": {"TREO": {"source": "x", "shares": {"Nd": float("nan"), "Pr": 6.2}}}}, "finite number"),
    ({"contents": {"TREO": {"value": True, "unit": "%", "source": "x"}}}, "valid number"),  # true was read as 1 %
    ({"contents": {"TREO": {"value": "4.3", "unit": "%", "source": "x"}}}, "valid number"),
])
def test_a_wrong_assay_is_refused_with_file_and_field(project, tmp_path, assay, fragment):
    path = _with_assay(tmp_path, assay)
    with pytest.raises(FootprintError) as err:
        footprint.declare(RULE, path)
    assert fragment in str(err.value) and "ore" in str(err.value) and "activity.yaml" in str(err.value)


def test_a_rule_group_without_distribution_is_refused(tmp_path):
    from footprint.errors import RuleError
    from footprint.inputs.rule import load_rule

    rule = yaml.safe_load(RULE.read_text())
    del rule["stages"][0]["processes"][0]["extraction"]["distributions"]
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    with pytest.raises(RuleError, match="needs a distribution"):
        load_rule(path)


def test_an_assay_naming_a_group_the_rule_does_not_distribute_is_refused(project, tmp_path):
    rule = yaml.safe_load(RULE.read_text())
    rule["stages"][0]["processes"][0]["extraction"] = {
        "contents": {"Fe": {"value": 30, "unit": "%", "source": "x"}}}
    rule["version"] = "1.1.1"  # a changed rule is a version of its own (footprint.inputs.rule.library_conflict)
    rule_path = tmp_path / "ndpr-oxide.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = _with_assay(tmp_path, {"contents": {"TREO": {"value": 4.0, "unit": "%", "source": "x"}}})
    with pytest.raises(ActivityDataError, match="has no distribution"):
        footprint.declare(rule_path, data)


def test_a_supplier_declaration_passes_its_elements_downstream(project):
    document = footprint.declare("ndpr-metal", REPO / "examples" / "ndpr-metal" / "activity-2025.yaml")
    supplier = json.loads((REPO / "examples" / "suppliers" / "ndpr-oxide-2025.json").read_text())
    nd_per_kg_oxide = next(e["kg"] for e in supplier["mineral_resources"]["elements"] if e["element"] == "Neodymium")
    nd = _element(document, "Neodymium")["kg"]
    assert nd > nd_per_kg_oxide  # more than one kg of oxide goes into a kg of metal, nothing is lost on the way
    assert "no characterisation factor" in document["mineral_resources"]["ef31_gap"]["statement"]


def test_an_assay_giving_an_element_the_rules_group_already_holds_is_refused(project, tmp_path):
    """The assay's Nd 0.65 % beside the rule's TREO 4.1 % (18.5 % Nd): Nd was added twice, crustal scarcity
    70,597 -> 85,914 kg Si eq with exit 0 (found by the authoring audit)."""
    data = _with_assay(tmp_path, {"contents": {"Nd": {"value": 0.65, "unit": "%", "source": "2025 assays"}}})
    with pytest.raises(ActivityDataError, match=r"Nd would be taken from the ground twice: as an ore content of its "
                                                r"own \(the producer's assay\) and as .* % of TREO \(the rule\)") as info:
        footprint.declare(RULE, data)
    assert info.value.field == "processes.mining.ore.contents.Nd"
