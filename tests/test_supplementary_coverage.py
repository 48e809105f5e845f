"""A partial supplementary indicator (crustal scarcity) is shown and held to --strict like a partial EF category.

Before, its result row said ``coverage: partial`` but no ``coverage:`` warning was given, so ``declare
--strict`` passed it, and a class scheme on it linted clean (trial: the NdPr oxide example printed
"Crustal scarcity ... *" and warned only for acidification, particulate matter and ionising radiation).
These tests fail on that code.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import footprint
from footprint.api import StrictQualityError
from footprint.inputs.upstream import all_results, content_hash

DQR = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}
REPO = Path(__file__).resolve().parents[1]

RULE = {
    "id": "test-supplementary", "version": "1.0.0", "title": "test metal from a declared oxide", "status": "draft",
    "legal_basis": "test", "crm": "test", "validity": {"from": "2025-01-01", "until": "2028-12-31"},
    "declared_unit": {"amount": 1, "unit": "kg", "product": "test metal", "chemical_form": "metal", "grade": "test"},
    "route": "primary", "reference_process": "reduction",
    "stages": [{"id": "refining", "label": "Refining", "processes": [
        {"id": "reduction", "name": "reduction", "annex_v": ["4(k)"], "company_specific": "required",
         "product": {"name": "test metal", "unit": "kg"}, "expected_inputs": ["oxide"]}]}],
    "input_kinds": {"oxide": {"dataset": "chemical/magnesium-oxide", "upstream_products": ["NdPr oxide"]}},
    "electricity": {"model": "location-based"},
    "recycled_content": {"method": "not-applicable"},
    "cut_off": {"threshold": 0.01, "basis": "test"},
    "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
    # the supplier's declaration alone: its coverage is the buyer's (see the fixture)
    "impact_categories": {"declared": ["climate_change", "acidification", "particulate_matter"], "supplementary": ["crustal_scarcity"], "rationale": "t"},
    "sampling": {"allowed": False}, "conformity_assessment": {"module": "test"},
    "class_scheme": {"number_of_classes": 3},
}


@pytest.fixture()
def inputs(tmp_path, example_declaration) -> tuple[Path, Path]:
    supplier = tmp_path / "suppliers" / "ndpr-oxide.json"
    supplier.parent.mkdir()
    # a supplier complete in the three declared categories, partial in crustal scarcity (as the example is)
    document = json.loads(json.dumps(example_declaration))
    for row in all_results(document):
        if row["category"] in ("acidification", "particulate_matter"):
            row["coverage"] = "complete"
            row.pop("coverage_note", None)
    document["content_sha256"] = content_hash(document)
    supplier.write_text(json.dumps(document))
    rule_path = tmp_path / "test-supplementary.yaml"
    rule_path.write_text(yaml.safe_dump(RULE, sort_keys=False))
    data = {"rule": "test-supplementary",
            "declarant": {"name": "Test Metals", "facility": "cell house", "country": "CN"},
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
            "production": {"amount": 10, "unit": "t", "dqr": DQR},
            "processes": {"reduction": {"dqr": DQR, "output": {"amount": 10, "unit": "t"}, "inputs": [
                {"kind": "oxide", "declaration": "suppliers/ndpr-oxide.json", "amount": 12, "unit": "t"}]}}}
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path


def _coverage(document: dict) -> dict[str, str]:
    return {r["category"]: r["coverage"] for r in document["results"]}


def test_a_partial_supplementary_indicator_is_warned_like_a_declared_category(project, inputs):
    document = footprint.declare(*inputs)
    assert _coverage(document) == {"climate_change": "complete", "acidification": "complete",
                                  "particulate_matter": "complete", "crustal_scarcity": "partial"}
    warned = [w for w in document["data_quality"]["warnings"] if w.startswith("coverage:")]
    assert len(warned) == 1 and "crustal_scarcity is partial" in warned[0] and "ndpr-oxide.json" in warned[0]


def test_strict_refuses_a_partial_supplementary_indicator(project, inputs, tmp_path):
    with pytest.raises(StrictQualityError, match="crustal_scarcity is partial") as caught:
        footprint.declare(*inputs, strict=True)
    assert caught.value.exit_code == 2


def test_the_example_states_its_partial_crustal_scarcity(example_declaration):
    """The NdPr oxide example: the row, its note and the warning say the same thing."""
    row = next(r for r in example_declaration["results"] if r["category"] == "crustal_scarcity")
    assert row["coverage"] == "partial" and row["coverage_note"].startswith("partial:")
    assert any(w.startswith("coverage: declared supplementary indicator crustal_scarcity is partial")
               for w in example_declaration["data_quality"]["warnings"])


def test_lint_refuses_a_class_scheme_on_a_partial_category(project, tmp_path):
    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    rule["class_scheme"]["category"] = "crustal_scarcity"  # partial over the rule's default datasets
    path = tmp_path / "scheme-on-crustal-scarcity.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    [check] = footprint.api.validate_rules([path])
    fields = {p.field: p.message for p in check.problems}
    assert "class_scheme.category" in fields and "is partial" in fields["class_scheme.category"]
    rule["class_scheme"]["category"] = "acidification"  # an EF category partial there: the same refusal
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    [check] = footprint.api.validate_rules([path])
    assert "class_scheme.category" in {p.field for p in check.problems}


def test_the_library_rules_class_schemes_rest_on_complete_categories(project):
    checks = footprint.api.validate_rules(sorted((REPO / "rules").glob("*.yaml")))
    assert [str(p) for c in checks for p in c.problems] == []
