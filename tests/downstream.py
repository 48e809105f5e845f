"""A downstream rule and its producer's activity file consuming a supplier's declaration (tests of suppliers).

One rule ('test metal from a declared oxide': 1.2 t of the NdPr oxide example's declaration per t of metal,
Sprecher: 1.2 kg/kg) shared by the tests of suppliers' values (test_upstream) and of their factors
(test_supplier_method_identity), so the two cannot drift apart.
"""
from __future__ import annotations

from pathlib import Path

import yaml

import footprint

DQR = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}


def rule(rule_id: str, supplementary: tuple[str, ...] = ()) -> dict:
    """The downstream rule under ``rule_id``, declaring climate change, acidification and PM (+ ``supplementary``)."""
    categories: dict = {"declared": ["climate_change", "acidification", "particulate_matter"], "rationale": "t"}
    if supplementary:
        categories = {"declared": categories["declared"], "supplementary": list(supplementary), "rationale": "t"}
    return {
        "id": rule_id, "version": "1.0.0", "title": "test metal from a declared oxide", "status": "draft",
        "legal_basis": "test", "crm": "test", "validity": {"from": "2025-01-01", "until": "2028-12-31"},
        "declared_unit": {"amount": 1, "unit": "kg", "product": "test metal", "chemical_form": "metal",
                          "grade": "test"},
        "route": "primary", "reference_process": "reduction",
        "stages": [{"id": "refining", "label": "Refining", "processes": [
            {"id": "reduction", "name": "reduction", "annex_v": ["4(k)"], "company_specific": "required",
             "product": {"name": "test metal", "unit": "kg"}, "expected_inputs": ["oxide", "electricity"]}]}],
        "input_kinds": {"oxide": {"dataset": "chemical/magnesium-oxide", "upstream_products": ["NdPr oxide"]},
                        "electricity": {"dataset": "electricity/GLO"}},
        "electricity": {"model": "location-based"},
        "recycled_content": {"method": "not-applicable"},
        "cut_off": {"threshold": 0.01, "basis": "test"},
        "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
        "impact_categories": categories,
        "sampling": {"allowed": False}, "conformity_assessment": {"module": "test"},
        "class_scheme": {"number_of_classes": 3},
    }


def write(tmp_path: Path, declaration: dict, rule_text: dict) -> tuple[Path, Path, Path]:
    """(rule file, activity file, supplier file) under ``tmp_path``: 10 t of metal from 12 t of the oxide."""
    supplier = tmp_path / "suppliers" / "ndpr-oxide.json"
    supplier.parent.mkdir()
    supplier.write_text(footprint.api._declaration.to_json(declaration))
    rule_path = tmp_path / f"{rule_text['id']}.yaml"
    rule_path.write_text(yaml.safe_dump(rule_text, sort_keys=False))
    data = {"rule": rule_text["id"],
            "declarant": {"name": "Test Metals", "facility": "cell house", "country": "CN"},
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
            "production": {"amount": 10, "unit": "t", "dqr": DQR},
            "processes": {"reduction": {"dqr": DQR, "output": {"amount": 10, "unit": "t"}, "inputs": [
                {"kind": "oxide", "declaration": "suppliers/ndpr-oxide.json", "amount": 12, "unit": "t"},
                {"kind": "electricity", "amount": 86, "unit": "MWh"}]}}}
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path, supplier
