"""Recycled content: the Circular Footprint Formula as PEF writes it, against hand-computed numbers.

The case of issue 11: a recycling process emits 500 kg CO2 turning 50 kg of scrap into
50 kg of recycled alloy; 50 kg of virgin alloy at Ev = 40 kg CO2e/kg (a supplier's
declaration) is blended in; 100 kg of product.  Per kg of product (R1 = 0.5):

* cut-off: (1 - R1)·Ev + R1·Erec = 0.5·40 + 500/100 = 25.0
* CFF, A = 0.2, Qsin/Qp = 1, Erec = 500/50 = 10 per kg recycled:
  (1 - R1)·Ev + R1·(A·Erec + (1 - A)·Ev) = 0.5·40 + 0.5·(0.2·10 + 0.8·40) = 20 + 17 = 37.0
* a remanufacturing step of 200 kg CO2 after blending: both rise by 200/100 = 2.0.

Erec comes out of Brightway (a process whose only exchange is fossil CO2); the virgin
alloy is an input whose burden is the supplier's declared 40 kg CO2e per kg.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import footprint
from footprint.engine import allocation
from footprint.errors import ActivityDataError, RuleError
from footprint.inputs.categories import CATEGORIES, category
from footprint.inputs.upstream import content_hash

REL = 1e-6  # Brightway stores processed characterisation factors in float32

DQR = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}

RULE = {
    "id": "test-recycled", "version": "1.0.0", "title": "test recycled material", "status": "draft",
    "legal_basis": "test", "crm": "test", "validity": {"from": "2025-01-01", "until": "2028-12-31"},
    "declared_unit": {"amount": 1, "unit": "kg", "product": "recycled metal", "chemical_form": "metal",
                      "grade": "test"},
    "route": "secondary", "reference_process": "blending",
    "stages": [{"id": "recycling", "label": "Recycling", "processes": [
        {"id": "recycling", "name": "recycling of scrap to alloy", "annex_v": ["4(d)", "4(g)"],
         "company_specific": "required", "product": {"name": "recycled alloy", "unit": "kg"}},
        {"id": "blending", "name": "blending with virgin alloy", "annex_v": ["4(i)"],
         "company_specific": "required", "product": {"name": "recycled metal", "unit": "kg"},
         "inputs_from": ["recycling"], "expected_inputs": ["virgin-alloy"]}]}],
    "input_kinds": {"electricity": {"dataset": "electricity/GLO"},
                    "virgin-alloy": {"dataset": "chemical/ammonium-sulphate", "upstream_products": ["virgin metal"]}},
    "electricity": {"model": "location-based"},
    "recycled_content": {"method": "cff", "A": 0.2, "Qsin_Qp": 1.0, "erec_processes": ["recycling"],
                         "virgin": {"declaration": "virgin.json"}, "virgin_input_kinds": ["virgin-alloy"],
                         "elements": ["Nd", "Dy"]},
    "cut_off": {"threshold": 0.01, "basis": "test"},
    "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
    "impact_categories": {"declared": ["climate_change", "acidification", "particulate_matter"],
                          "rationale": "test"},
    "sampling": {"allowed": False}, "conformity_assessment": {"module": "test"},
    "class_scheme": {"number_of_classes": 3},
}

#: the virgin alloy's declared values per kg (climate change 40 as in the issue; acidification and PM as well,
#: so that every declared category is covered and computable by hand)
VIRGIN = {"climate_change": 40.0, "acidification": 0.1, "particulate_matter": 1e-6}


def _activity(*, r1: float = 0.5, virgin_kg: float = 50, remanufacture: bool = False) -> dict:
    processes = {
        "recycling": {"dqr": DQR, "output": {"amount": 50, "unit": "kg"},
                      "emissions": [{"flow": "Carbon dioxide, fossil", "compartment": "air", "amount": 500,
                                     "unit": "kg"}]},
        "blending": {"dqr": DQR, "output": {"amount": 100, "unit": "kg"},
                     "inputs": [{"from": "recycling", "amount": 50, "unit": "kg"}]},
    }
    if virgin_kg:
        processes["blending"]["inputs"].append({"kind": "virgin-alloy", "declaration": "virgin.json",
                                                "amount": virgin_kg, "unit": "kg"})
    if remanufacture:
        processes["remanufacture"] = {
            "dqr": DQR, "output": {"amount": 100, "unit": "kg"},
            "inputs": [{"from": "blending", "amount": 100, "unit": "kg"}],
            "emissions": [{"flow": "Carbon dioxide, fossil", "compartment": "air", "amount": 200, "unit": "kg"}]}
    return {
        "rule": "test-recycled",
        "declarant": {"name": "Test Recycler", "facility": "plant", "country": "DE"},
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "production": {"amount": 100, "unit": "kg", "dqr": DQR},
        "recycled_content": {"R1": r1, "by_element": {"Nd": r1}, "source": "feed records", "dqr": DQR},
        "processes": processes,
    }


def _virgin_declaration(values: dict[str, float], schema: str = "2.0") -> dict:
    """A minimal supplier declaration of the virgin alloy, correctly hashed (schema 1.0 or 2.0 layout)."""
    unit = {category.id: category.unit for category in CATEGORIES}
    results = [{"category": c, "value": v, "unit": unit[c], "coverage": "complete"} for c, v in values.items()]
    document = {"schema_version": schema, "id": "urn:uuid:00000000-0000-0000-0000-000000000040",
                "rule": {"id": "virgin", "version": "1.0.0"}, "method": {"name": "EF v3.1", "version": "3.1"},
                "declared_unit": {"amount": 1, "unit": "kg", "product": "virgin metal"},
                "declarant": {"name": "Virgin Metal Co."}, "period": {"start": "2025-01-01", "end": "2025-12-31"},
                "data_quality": {"criteria": {"TeR": 2, "GeR": 2, "TiR": 2, "P": 2}, "dqr": 2.0}}
    # what footprint declare records of its factors: the supplier declared with this set-up's (upstream.check_methods)
    snapshot = footprint.api.ensure_setup()
    document["provenance"] = {"methods": {c: {"method": " | ".join(category(c).method),
                                              "sha256": snapshot.method_sha256(category(c).method)} for c in values}}
    if schema == "1.0":  # every computed category in results, flagged
        document["results"] = [dict(r, declared=True) for r in results]
    else:  # declared categories in results; nothing additional here
        document["results"] = results
        document["additional_information"] = {"note": "test", "results": []}
    document["content_sha256"] = content_hash(document)
    return document


def _write(tmp_path: Path, *, method: str = "cff", rule_changes: dict | None = None, virgin: dict | None = None,
           schema: str = "2.0", **activity) -> tuple[Path, Path]:
    rule = json.loads(json.dumps(RULE))
    rule["recycled_content"]["method"] = method
    if method == "cut-off":
        for key in ("A", "Qsin_Qp", "virgin"):
            rule["recycled_content"].pop(key)
    if virgin is not None:
        rule["recycled_content"]["virgin"] = virgin
    if activity.get("remanufacture"):
        rule["reference_process"] = "remanufacture"
        rule["stages"][0]["processes"][1]["product"]["name"] = "blended alloy"
        rule["stages"][0]["processes"].append(
            {"id": "remanufacture", "name": "remanufacture after blending", "annex_v": ["4(i)"],
             "company_specific": "required", "product": {"name": "recycled metal", "unit": "kg"},
             "inputs_from": ["blending"]})
    for key, value in (rule_changes or {}).items():
        rule["recycled_content"][key] = value
    (tmp_path / "virgin.json").write_text(json.dumps(_virgin_declaration(VIRGIN, schema)))
    rule_path = tmp_path / "test-recycled.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(_activity(**activity), sort_keys=False))
    return rule_path, data_path


def _value(document: dict, category: str = "climate_change") -> float:
    return next(r["value"] for r in document["results"] if r["category"] == category)


def _items(document: dict, category: str = "climate_change") -> list[dict]:
    return [c for c in document["contributions"] if c["category"] == category]


# ----------------------------------------------------------------------------- arithmetic


def test_formula_arithmetic_per_unit_of_material():
    # the issue's case per kg of product: Erec = 10 per kg recycled, Ev = 40, R1 = 0.5
    assert allocation.cff_material(10.0, 40.0, 0.5, 0.2, 1.0) == pytest.approx(37.0)  # 20 + 0.5*(2 + 32)
    assert allocation.cut_off_material(10.0, 40.0, 0.5) == pytest.approx(25.0)  # 20 + 0.5*10
    # methodology.md §2.6: Erec = 5, Ev = 40, R1 = 1 -> 0.2*5 + 0.8*40 = 33 (CFF), 5 (cut-off)
    assert allocation.cff_material(5.0, 40.0, 1.0, 0.2, 1.0) == pytest.approx(33.0)
    assert allocation.cut_off_material(5.0, 40.0, 1.0) == pytest.approx(5.0)
    # a lower quality of the secondary material (Qsin/Qp = 0.5) lowers the virgin term it stands for
    assert allocation.cff_material(5.0, 40.0, 1.0, 0.2, 0.5) == pytest.approx(1.0 + 0.8 * 20.0)
    with pytest.raises(ValueError):
        allocation.cff_material(5.0, 40.0, 1.2, 0.2, 1.0)
    with pytest.raises(ValueError, match="Qsin/Qp"):  # a recycled kg never stands for more than 1 kg of virgin
        allocation.cff_material(5.0, 40.0, 1.0, 0.2, 1.5)


def test_the_recycled_content_line_is_the_cff_minus_the_cut_off_picture():
    # foreground (cut-off) = 0.5*40 (virgin input) + 5 (Erec per declared unit, Rm = 0.5 kg);
    # line = (1 - A)*(Rm*Ev*Qsin/Qp - Rm*Erec) = 0.8*(0.5*40 - 5) = 12; 25 + 12 = 37 = cff_material
    line = allocation.cff_adjustment(5.0, 40.0, 0.5, 0.2, 1.0)
    assert line == pytest.approx(12.0)
    assert 25.0 + line == pytest.approx(allocation.cff_material(10.0, 40.0, 0.5, 0.2, 1.0))
    assert allocation.cff_adjustment(5.0, 40.0, 0.5, 1.0, 1.0) == 0.0  # A = 1 is the cut-off: no line


# ----------------------------------------------------------------------------- the issue's case


def test_cut_off_gives_25(project, tmp_path):
    document = footprint.declare(*_write(tmp_path, method="cut-off"))
    # 0.5*40 (virgin alloy, supplier's declaration, in full) + 500 kg CO2 / 100 kg (recycling)
    assert _value(document) == pytest.approx(25.0, rel=REL)
    assert not [c for c in _items(document) if c["kind"] == "recycled-content"]
    block = document["recycled_content"]
    assert block["method"] == "cut-off" and "A" not in block and block["R1_from_flows"] == pytest.approx(0.5)
    assert block["by_category"]["climate_change"]["Erec"] == pytest.approx(10.0, rel=REL)
    assert block["by_category"]["climate_change"]["adjustment"] == 0.0


def test_cff_gives_37_with_its_own_line_in_the_recycling_stage(project, tmp_path):
    document = footprint.declare(*_write(tmp_path))
    assert _value(document) == pytest.approx(37.0, rel=REL)
    items = _items(document)
    line = [c for c in items if c["kind"] == "recycled-content"]
    # 0.8*(0.5*40 - 0.5*10) = 12, booked on its own process id in the recycling stage, not on 'blending'
    assert len(line) == 1 and line[0]["value"] == pytest.approx(12.0, rel=REL)
    assert line[0]["process"] == "recycled-content" and line[0]["stage"] == "recycling"
    assert line[0]["item"].startswith("recycled content")
    # the virgin alloy counts in full (never discounted by A): 50 kg x 40 / 100 kg = 20
    virgin = [c for c in items if c["kind"] == "upstream"]
    assert len(virgin) == 1 and virgin[0]["value"] == pytest.approx(20.0, rel=1e-12)
    climate = document["results"][0]
    assert climate["by_process"]["recycled-content"] == pytest.approx(12.0, rel=REL)
    assert sum(climate["by_process"].values()) == pytest.approx(37.0, rel=REL)
    block = document["recycled_content"]
    assert block["method"] == "cff" and block["A"] == 0.2 and block["Qsin_Qp"] == 1.0 and block["R1"] == 0.5
    assert block["recycled_material_kg"] == pytest.approx(0.5) and block["virgin_material_kg"] == pytest.approx(0.5)
    summary = block["by_category"]["climate_change"]
    assert summary["Erec"] == pytest.approx(10.0, rel=REL) and summary["Ev"] == pytest.approx(40.0)
    assert summary["adjustment"] == pytest.approx(12.0, rel=REL) and summary["applied"] is True
    assert document["provenance"]["upstream_declarations"][0]["product"] == "virgin metal"


def test_other_declared_categories_follow_the_same_formula(project, tmp_path):
    document = footprint.declare(*_write(tmp_path))
    # acidification: only the virgin alloy has it (0.1 per kg), Erec = 0: 0.5*0.1 + 0.8*(0.5*0.1 - 0) = 0.09
    assert _value(document, "acidification") == pytest.approx(0.09, rel=1e-12)
    # particulate matter: 0.5*1e-6 + 0.8*0.5*1e-6 = 9e-7
    assert _value(document, "particulate_matter") == pytest.approx(9e-7, rel=1e-12)


@pytest.mark.parametrize("method, expected", [("cut-off", 27.0), ("cff", 39.0)])
def test_remanufacture_after_blending_adds_exactly_two(project, tmp_path, method, expected):
    """200 kg CO2 after the material is made, per 100 kg of product: +2.0 under both methods, never weighted by A."""
    document = footprint.declare(*_write(tmp_path, method=method, remanufacture=True))
    assert _value(document) == pytest.approx(expected, rel=REL)
    climate = document["results"][0]
    assert climate["by_process"]["remanufacture"] == pytest.approx(2.0, rel=REL)


def test_a_schema_1_supplier_declaration_gives_the_same_numbers(project, tmp_path):
    """Suppliers' 1.0 declarations (every category in results, flagged) stay usable as inputs and as Ev."""
    document = footprint.declare(*_write(tmp_path, schema="1.0"))
    assert _value(document) == pytest.approx(37.0, rel=REL)
    assert _value(document, "acidification") == pytest.approx(0.09, rel=1e-12)


def test_r1_and_recycled_content_per_element_are_declared(project, tmp_path):
    document = footprint.declare(*_write(tmp_path))
    block = document["recycled_content"]
    assert block["by_element"] == {"Nd": 0.5}
    assert block["elements_not_stated"] == ["Dy"]  # the rule asks for Nd and Dy; Dy was not given


def test_r1_that_the_material_flows_contradict_is_refused(project, tmp_path):
    """R1 = 1 stated, but 50 kg recycled + 50 kg virgin per 100 kg give 0.5: exit 2, not a wrong number."""
    rule_path, data_path = _write(tmp_path, r1=1.0)
    with pytest.raises(ActivityDataError, match=r"recycled content R1 = 1 does not match") as caught:
        footprint.declare(rule_path, data_path)
    assert "recycled_content.R1" in str(caught.value) and "0.5000" in str(caught.value)


def test_the_recycled_content_line_is_not_a_most_relevant_process(project, tmp_path):
    """The Data Needs Matrix ranks processes; the CFF line (12 of 37) is none, so it cannot displace one."""
    document = footprint.declare(*_write(tmp_path))
    by_process = document["data_quality"]["by_process"]
    assert set(by_process) == {"recycling", "blending"}
    # climate change without the line: blending 20 (virgin alloy), recycling 5 -> blending alone reaches 80 %
    assert by_process["blending"]["most_relevant"] is True


def test_categories_the_virgin_source_lacks_are_not_credited(project, tmp_path):
    """Ev from a dataset covering climate change only: acidification keeps the cut-off value and is partial."""
    rule_path, data_path = _write(tmp_path, virgin={"dataset": "chemical/ammonium-sulphate"})
    document = footprint.declare(rule_path, data_path)
    # chemical/ammonium-sulphate: 0.55 kg CO2e/kg (ree-data.md §4.3 midpoint) as Ev:
    # 25 + 0.8*(0.5*0.55 - 5) = 25 - 3.78 = 21.22
    assert _value(document) == pytest.approx(25.0 + 0.8 * (0.5 * 0.55 - 5.0), rel=REL)
    acid = next(r for r in document["results"] if r["category"] == "acidification")
    assert acid["coverage"] == "partial" and acid["value"] == pytest.approx(0.05, rel=1e-12)  # 0.5*0.1, no line
    assert "Ev" in acid["coverage_note"]
    assert document["recycled_content"]["by_category"]["acidification"]["applied"] is False
    assert "chemical/ammonium-sulphate" in document["provenance"]["inventories"]["used"]
    with pytest.raises(footprint.api.StrictQualityError, match="acidification"):
        footprint.declare(rule_path, data_path, strict=True)


def test_recycled_content_is_required_by_a_cff_rule(project, tmp_path):
    rule_path, data_path = _write(tmp_path)
    data = yaml.safe_load(data_path.read_text())
    del data["recycled_content"]
    data_path.write_text(yaml.safe_dump(data))
    with pytest.raises(ActivityDataError, match="R1"):
        footprint.declare(rule_path, data_path)


@pytest.mark.parametrize("change, match", [
    ({"A": None}, "A"),
    ({"erec_processes": []}, "erec_processes"),
    ({"erec_processes": ["blending"]}, "takes input from 'recycling', which is not a recycling"),
    ({"erec_processes": ["smelter"]}, "'smelter' is not a process"),
    ({"virgin_input_kinds": ["scrap"]}, "virgin input kind 'scrap'"),
    # Qsin/Qp = 5 was accepted: the credit became (1-A)*Rm*Ev*5, i.e. 0.8*0.5*40*5 = 80 instead of 16 here
    ({"Qsin_Qp": 5.0}, r"Qsin_Qp.*less than or equal to 1"),
    ({"erec_processes": ["recycling", "recycling"]}, "lists Erec process 'recycling' twice"),
    ({"elements": ["Nd", "Dy", "Nd"]}, "lists element 'Nd' twice"),
])
def test_cff_rules_without_what_the_formula_needs_are_refused(tmp_path, change, match):
    rule = json.loads(json.dumps(RULE))
    for key, value in change.items():
        if value is None:
            del rule["recycled_content"][key]
        else:
            rule["recycled_content"][key] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(rule))
    with pytest.raises(RuleError, match=match):
        footprint.load_rule(path)


@pytest.mark.parametrize("method", ["cut-off", "not-applicable"])
def test_cff_parameters_under_another_method_are_refused(tmp_path, method):
    """A: 0.2 and Qsin_Qp: 1 written under method cut-off were ignored without a word (the author meant the CFF?).

    Under cut-off the issue's case declares 25 (0.5*40 + 500/100), under the CFF 37: which one the author
    wanted cannot be told, so the rule is refused and the message names both ways out.
    """
    rule = json.loads(json.dumps(RULE))
    rule["recycled_content"]["method"] = method
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(rule))
    with pytest.raises(RuleError, match="A and Qsin_Qp are parameters of method 'cff' only") as info:
        footprint.load_rule(path)
    assert info.value.field == "recycled_content"


@pytest.mark.parametrize("method, changes, message", [
    # Ev given under cut-off was written into the declaration but entered no number
    ("cut-off", {"virgin": {"dataset": "x"}}, "'virgin' .* is used by method 'cff' only; under 'cut-off'"),
    ("not-applicable", {"virgin": {"dataset": "x"}}, "'virgin' .* is used by method 'cff' only"),
    # no recycled-content calculation runs under not-applicable: these were read and ignored
    ("not-applicable", {"erec_processes": ["recycling"]}, "erec_processes belong to a recycled-content method"),
    ("not-applicable", {"elements": ["Nd"], "virgin_input_kinds": ["virgin-metal"]},
     "virgin_input_kinds, elements belong to a recycled-content method"),
])
def test_recycled_content_fields_no_number_uses_are_refused(tmp_path, method, changes, message):
    rule = json.loads(json.dumps(RULE))
    spec = {"method": method, **changes}
    rule["recycled_content"] = spec
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(rule))
    with pytest.raises(RuleError, match=message) as info:
        footprint.load_rule(path)
    assert info.value.field == "recycled_content"


def test_a_virgin_declaration_out_of_date_for_the_period_is_refused(project, tmp_path):
    """The rule's Ev stands for the virgin material of the producer's period (2025 here).  A 2019 declaration was
    valid until 2019-12-31 + 3 years = 2022-12-31: before, it credited 2025's recycled content with 2019's
    virgin burden, exit 0."""
    rule_path, data_path = _write(tmp_path, virgin={"declaration": "old-virgin.json"})
    old = _virgin_declaration(VIRGIN)
    old["period"] = {"start": "2019-01-01", "end": "2019-12-31"}
    old["content_sha256"] = content_hash(old)
    (tmp_path / "old-virgin.json").write_text(json.dumps(old))
    with pytest.raises(ActivityDataError, match=r"out of date.*valid until 2022-12-31") as caught:
        footprint.declare(rule_path, data_path)
    assert caught.value.field == "recycled_content.virgin.declaration" and caught.value.file == str(rule_path)


def _with_virgin_share(tmp_path: Path, *, r1: float, recycled_kg: float) -> tuple[Path, Path]:
    """The case with ``recycled_kg`` of recycled alloy and 100 - ``recycled_kg`` of virgin alloy per 100 kg."""
    rule_path, data_path = _write(tmp_path, r1=r1, virgin_kg=100 - recycled_kg)
    data = yaml.safe_load(data_path.read_text())
    data["processes"]["recycling"]["output"]["amount"] = recycled_kg
    data["processes"]["blending"]["inputs"][0]["amount"] = recycled_kg
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path


def test_r1_of_one_beside_virgin_material_is_refused(project, tmp_path):
    """R1 = 1 stated, 98 kg recycled + 2 kg virgin alloy per 100 kg: the flows give 98/100 = 0.98.

    |1 - 0.98| = 0.02 is within the tolerance (0.05), so the old code declared R1 = 1, 100 % recycled
    content, exit 0, while the footprint itself counted the 2 kg of virgin alloy (0.02 x 40 = 0.8 kg
    CO2e/kg of it).  "All recycled" is a claim the flows must bear out exactly: refused.
    """
    rule_path, data_path = _with_virgin_share(tmp_path, r1=1.0, recycled_kg=98)
    with pytest.raises(ActivityDataError, match=r"R1 = 1 states that no virgin material was used, but the flows "
                                                r"hold 0\.02 kg virgin") as caught:
        footprint.declare(rule_path, data_path)
    assert caught.value.field == "recycled_content.R1"
    document = footprint.declare(*_with_virgin_share(tmp_path, r1=0.98, recycled_kg=98))  # the share it is
    assert document["recycled_content"]["R1"] == 0.98


def test_r1_of_zero_beside_recycled_material_is_refused(project, tmp_path):
    """R1 = 0 stated, 2 kg recycled + 98 kg virgin alloy per 100 kg: the flows give 0.02, within the
    tolerance of 0, so the old code declared 0 % recycled content while the recycling process delivered
    2 kg per 100 kg (and its burden, 500/50 x 2 = 20 kg CO2, was counted), exit 0.  Refused."""
    rule_path, data_path = _with_virgin_share(tmp_path, r1=0.0, recycled_kg=2)
    with pytest.raises(ActivityDataError, match=r"R1 = 0 states that nothing recycled was used"):
        footprint.declare(rule_path, data_path)


def test_virgin_material_blended_in_an_erec_process_with_a_co_product_counts_whole(project, tmp_path):
    """The recycling process (Erec) has a co-product, dross, and virgin alloy is blended in there.

    Recycling: 50 kg scrap + 10 kg virgin alloy -> 60 kg alloy and 10 kg dross, 500 kg CO2; prices
    alloy 9, dross 1, so the alloy's share is 60*9 / (60*9 + 10*1) = 540/550 = 0.981818.  Blending
    takes the 60 kg and makes 60 kg of product.  Per kg of product:

    * the virgin alloy in it: 10/60 = 0.166667 kg (all of it: blended into the alloy, none in the dross),
      so Rm = 1 - 0.166667 = 0.833333 kg and R1 = 50/60 = 0.833333;
    * Erec per declared unit = 500 x 0.981818 / 60 = 8.181818; virgin burden = 10 x 40 / 60 = 6.666667
      (all of it, as its mass: the virgin alloy is not allocated to the dross that holds none of it);
    * line = (1 - A)(Rm Ev - Erec) = 0.8 x (0.833333 x 40 - 8.181818) = 20.121212;
    * total = 8.181818 + 6.666667 + 20.121212 = 34.969697.

    An older code subtracted the allocated virgin mass, 0.166667 x 0.981818 = 0.163636 kg: Rm 0.836364,
    R1 0.836364, line 0.8 x (0.836364 x 40 - 8.181818) = 20.218182, total 34.945455, exit 0; the next
    counted the mass whole but still allocated the virgin alloy's burden (6.545455: 1.8 % of it passed to
    the dross), total 34.848485, exit 0 (tests/test_metamorphic_rules.py: a top-up moved into the
    recycling process changed the declared value).
    """
    rule_path, data_path = _write(tmp_path, r1=0.83, virgin_kg=0)
    rule = yaml.safe_load(rule_path.read_text())
    recycling = rule["stages"][0]["processes"][0]
    recycling.update({"co_products": ["dross"], "expected_inputs": ["virgin-alloy"], "allocation": {
        "method": "economic", "price_basis": "test",
        "prices": {"recycled alloy": {"value": 9, "unit": "relative", "basis": "test"},
                   "dross": {"value": 1, "unit": "relative", "basis": "test"}}}})
    rule["stages"][0]["processes"][1]["expected_inputs"] = []
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = yaml.safe_load(data_path.read_text())
    processes = data["processes"]
    processes["recycling"]["output"]["amount"] = 60
    processes["recycling"]["co_products"] = [{"name": "dross", "amount": 10, "unit": "kg"}]
    processes["recycling"]["inputs"] = [{"kind": "virgin-alloy", "declaration": "virgin.json", "amount": 10,
                                         "unit": "kg"}]
    processes["blending"]["output"]["amount"] = 60
    processes["blending"]["inputs"] = [{"from": "recycling", "amount": 60, "unit": "kg"}]
    data["production"]["amount"] = 60
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    document = footprint.declare(rule_path, data_path)
    block = document["recycled_content"]
    assert block["recycled_material_kg"] == pytest.approx(50 / 60, rel=1e-9)
    assert block["R1_from_flows"] == pytest.approx(50 / 60, rel=1e-9)
    share = 540 / 550
    line = 0.8 * (50 / 60 * 40 - 500 * share / 60)
    assert block["by_category"]["climate_change"]["adjustment"] == pytest.approx(line, rel=REL)
    assert _value(document) == pytest.approx(500 * share / 60 + 400 / 60 + line, rel=REL)
    assert _value(document) == pytest.approx(34.969697, rel=1e-6)
    # the Monte Carlo model computes Rm the same way (it refuses a model that drifts from the declared value)
    sampled = footprint.declare(rule_path, data_path, uncertainty=20, seed=1)
    assert _value(sampled) == pytest.approx(34.969697, rel=1e-6) and "uncertainty" in sampled


def _per_tonne_virgin(tmp_path: Path) -> None:
    """virgin.json rewritten per tonne: declared unit 0.001 t, so the same values per kg (40 kg CO2e/kg)."""
    document = _virgin_declaration(VIRGIN)
    document["declared_unit"].update(amount=0.001, unit="t")
    document["content_sha256"] = content_hash(document)
    (tmp_path / "virgin.json").write_text(json.dumps(document))


@pytest.mark.parametrize("virgin, unit", [({"amount": 1}, "kg"), ({"amount": 0.001}, "t")])
def test_an_ev_declaration_per_tonne_gives_the_same_37(project, tmp_path, virgin, unit):
    """The issue-11 case (CFF 37.0, module docstring) with the Ev declaration written per tonne.

    The rule's virgin amount was read in the declaration's unit: 1 became 1 t = 1000 kg of virgin alloy per
    kg recycled, Ev 40,000 instead of 40, and the line 0.8·(0.5·40,000 − 5) instead of 0.8·(0.5·40 − 5),
    exit 0.  With the amount's unit stated (1 kg, or 0.001 t) Ev is 40 again and the value 37.0.
    """
    rule_path, data_path = _write(tmp_path, virgin={"declaration": "virgin.json", **virgin, "unit": unit})
    _per_tonne_virgin(tmp_path)
    document = footprint.declare(rule_path, data_path)
    assert _value(document) == pytest.approx(37.0, rel=REL)
    assert document["recycled_content"]["by_category"]["climate_change"]["Ev"] == pytest.approx(40.0, rel=REL)


def test_an_ev_source_not_per_kg_without_the_amount_s_unit_is_refused(project, tmp_path):
    """Without ``virgin.unit`` the amount of a per-tonne source is ambiguous (kg as the README writes, or the
    source's t as the code once read it): refused, naming the field, not guessed 1000x off either way."""
    rule_path, data_path = _write(tmp_path, virgin={"declaration": "virgin.json", "amount": 1})
    _per_tonne_virgin(tmp_path)
    with pytest.raises(RuleError, match="does not say which unit") as info:
        footprint.declare(rule_path, data_path)
    assert "recycled_content.virgin.unit" in str(info.value)


def test_a_virgin_unit_that_is_not_a_mass_is_refused(tmp_path):
    rule_path, _data = _write(tmp_path, virgin={"declaration": "virgin.json", "amount": 1, "unit": "kWh"})
    from footprint.inputs.rule import load_rule

    with pytest.raises(RuleError, match="not a unit of mass"):
        load_rule(rule_path)


def test_rules_validate_names_a_per_tonne_ev_source_without_the_amount_s_unit(tmp_path):
    """'rules validate' said ok for the rule declare refuses (the per-tonne Ev without virgin.unit)."""
    from footprint.authoring import lint

    rule_path, _data = _write(tmp_path, virgin={"declaration": "virgin.json", "amount": 1})
    _per_tonne_virgin(tmp_path)
    problems = lint.referenced_file_problems(footprint.inputs.rule.load_rule(rule_path).rule, rule_path)
    assert [field for field, *_ in problems] == ["recycled_content.virgin.unit"]
    assert "does not say which unit" in problems[0][1]
