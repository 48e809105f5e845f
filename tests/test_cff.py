"""Recycled content: the Circular Footprint Formula and cut-off against hand-computed numbers.

The small case of methodology.md §2.6: Erec = 5 and Ev = 40 kg CO2e per kg, R1 = 1,
A = 0.2, Qsin/Qp = 1 gives 33 kg CO2e/kg under the CFF and 5 under cut-off.  Erec is
made by the engine (a recycling process whose only exchange is 5 kg fossil CO2 per
kg product, through Brightway); Ev comes from a supplier declaration of 40 kg CO2e.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import footprint
from footprint.engine import allocation
from footprint.errors import ActivityDataError, RuleError
from footprint.inputs.upstream import content_hash

REL = 1e-6  # Brightway stores processed arrays in float32

RULE = {
    "id": "test-recycled", "version": "1.0.0", "title": "test recycled material", "status": "draft",
    "legal_basis": "test", "crm": "test", "validity": {"from": "2026-01-01", "until": "2028-12-31"},
    "declared_unit": {"amount": 1, "unit": "kg", "product": "recycled metal", "chemical_form": "metal",
                      "grade": "test"},
    "route": "secondary", "reference_process": "recycling",
    "stages": [{"id": "recycling", "label": "Recycling", "processes": [
        {"id": "recycling", "name": "recycling of scrap", "annex_v": ["4(d)", "4(g)"],
         "company_specific": "required", "product": {"name": "recycled metal", "unit": "kg"},
         "expected_inputs": []}]}],
    "input_kinds": {"electricity": {"dataset": "electricity/GLO"}},
    "electricity": {"model": "location-based"},
    "recycled_content": {"method": "cff", "A": 0.2, "Qsin_Qp": 1.0,
                         "virgin": {"declaration": "virgin.json"}},
    "cut_off": {"threshold": 0.01, "basis": "test"},
    "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
    "impact_categories": {"declared": ["climate_change", "acidification", "particulate_matter"],
                          "rationale": "test"},
    "sampling": {"allowed": False}, "conformity_assessment": {"module": "test"},
    "class_scheme": {"number_of_classes": 3},
}

DQR = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}


def _activity(r1: float) -> dict:
    return {
        "rule": "test-recycled",
        "declarant": {"name": "Test Recycler", "facility": "plant", "country": "DE"},
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "production": {"amount": 100, "unit": "kg", "dqr": DQR},
        "recycled_content": {"R1": r1, "source": "feed records", "dqr": DQR},
        "processes": {"recycling": {
            "dqr": DQR, "output": {"amount": 100, "unit": "kg"},
            "emissions": [{"flow": "Carbon dioxide, fossil", "compartment": "air", "amount": 500, "unit": "kg"}]}},
    }


def _virgin_declaration(climate: float) -> dict:
    """A minimal supplier declaration of the virgin material (climate change only), correctly hashed."""
    document = {"id": "urn:uuid:00000000-0000-0000-0000-000000000040", "rule": {"id": "virgin", "version": "1.0.0"},
                "declared_unit": {"amount": 1, "unit": "kg", "product": "virgin metal"},
                "declarant": {"name": "Virgin Metal Co."},
                "results": [{"category": "climate_change", "value": climate, "unit": "kg CO2-Eq",
                             "coverage": "complete"}],
                "data_quality": {"criteria": {"TeR": 2, "GeR": 2, "TiR": 2, "P": 2}, "dqr": 2.0}}
    document["content_sha256"] = content_hash(document)
    return document


def _write(tmp_path: Path, *, method: str = "cff", r1: float = 1.0, virgin: dict | None = None) -> tuple[Path, Path]:
    rule = json.loads(json.dumps(RULE))
    rule["recycled_content"]["method"] = method
    if virgin is not None:
        rule["recycled_content"]["virgin"] = virgin
    (tmp_path / "virgin.json").write_text(json.dumps(_virgin_declaration(40.0)))
    rule_path = tmp_path / "test-recycled.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(_activity(r1), sort_keys=False))
    return rule_path, data_path


def _climate(document: dict) -> dict:
    return next(r for r in document["results"] if r["category"] == "climate_change")


def test_cff_arithmetic_matches_methodology_example():
    assert allocation.cff_material(5.0, 40.0, 1.0, 0.2, 1.0) == pytest.approx(33.0)
    assert allocation.cut_off_material(5.0, 40.0, 1.0) == pytest.approx(5.0)
    # R1 = 0.5: 0.5*40 + 0.5*(0.2*5 + 0.8*40) = 20 + 16.5
    assert allocation.cff_material(5.0, 40.0, 0.5, 0.2, 1.0) == pytest.approx(36.5)
    assert allocation.cut_off_material(5.0, 40.0, 0.5) == pytest.approx(22.5)
    # a lower quality of the secondary material (Qsin/Qp = 0.5) lowers the virgin term it stands for
    assert allocation.cff_material(5.0, 40.0, 1.0, 0.2, 0.5) == pytest.approx(1.0 + 0.8 * 20.0)
    with pytest.raises(ValueError):
        allocation.cff_material(5.0, 40.0, 1.2, 0.2, 1.0)


def test_cff_declaration_gives_33_and_states_the_method(project, tmp_path):
    rule_path, data_path = _write(tmp_path, method="cff")
    document = footprint.declare(rule_path, data_path)
    climate = _climate(document)
    assert climate["value"] == pytest.approx(33.0, rel=REL)
    block = document["recycled_content"]
    assert block["method"] == "cff" and block["A"] == 0.2 and block["R1"] == 1.0 and block["Qsin_Qp"] == 1.0
    assert block["by_category"]["climate_change"]["Erec"] == pytest.approx(5.0, rel=REL)
    assert block["by_category"]["climate_change"]["Ev"] == pytest.approx(40.0)
    items = [c for c in document["contributions"] if c["category"] == "climate_change"]
    adjustment = [c for c in items if c["kind"] == "recycled-content"]
    assert len(adjustment) == 1 and "Circular Footprint Formula" in adjustment[0]["item"]
    assert adjustment[0]["value"] == pytest.approx(28.0, rel=REL)
    assert sum(c["value"] for c in items) == pytest.approx(climate["value"], rel=1e-9)
    assert sum(climate["by_process"].values()) == pytest.approx(climate["value"], rel=1e-9)
    assert document["provenance"]["upstream_declarations"][0]["product"] == "virgin metal"


def test_cut_off_declaration_gives_the_recycling_burden_only(project, tmp_path):
    rule_path, data_path = _write(tmp_path, method="cut-off")
    document = footprint.declare(rule_path, data_path)
    assert _climate(document)["value"] == pytest.approx(5.0, rel=REL)
    assert document["recycled_content"]["method"] == "cut-off"
    assert "A" not in document["recycled_content"]


def test_partial_recycled_content_weights_the_virgin_share(project, tmp_path):
    rule_path, data_path = _write(tmp_path, method="cff", r1=0.5)
    assert _climate(footprint.declare(rule_path, data_path))["value"] == pytest.approx(36.5, rel=REL)
    rule_path, data_path = _write(tmp_path, method="cut-off", r1=0.5)
    assert _climate(footprint.declare(rule_path, data_path))["value"] == pytest.approx(22.5, rel=REL)


def test_categories_the_virgin_source_lacks_are_not_credited(project, tmp_path):
    """Ev from a dataset covering climate change only: acidification keeps Erec and is marked partial."""
    rule_path, data_path = _write(tmp_path, method="cff", virgin={"dataset": "chemical/ammonium-sulphate"})
    document = footprint.declare(rule_path, data_path)
    # chemical/ammonium-sulphate: 0.55 kg CO2e/kg (ree-data.md §4.3 midpoint) -> 0.2*5 + 0.8*0.55
    assert _climate(document)["value"] == pytest.approx(0.2 * 5.0 + 0.8 * 0.55, rel=REL)
    acid = next(r for r in document["results"] if r["category"] == "acidification")
    assert acid["coverage"] == "partial"
    assert document["recycled_content"]["by_category"]["acidification"]["applied"] is False
    assert "chemical/ammonium-sulphate" in document["provenance"]["inventories"]["used"]


def test_recycled_content_is_required_by_a_cff_rule(project, tmp_path):
    rule_path, data_path = _write(tmp_path, method="cff")
    data = yaml.safe_load(data_path.read_text())
    del data["recycled_content"]
    data_path.write_text(yaml.safe_dump(data))
    with pytest.raises(ActivityDataError, match="R1"):
        footprint.declare(rule_path, data_path)


def test_cff_rule_without_parameters_is_refused(tmp_path):
    rule = json.loads(json.dumps(RULE))
    del rule["recycled_content"]["A"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(rule))
    with pytest.raises(RuleError, match="A"):
        footprint.load_rule(path)
