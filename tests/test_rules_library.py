"""The shipped rule library: every rule validates and declares its example activity data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import footprint
from footprint.inputs import upstream

REPO = Path(__file__).resolve().parents[1]
RULES = sorted((REPO / "rules").glob("*.yaml"))
EXAMPLES = REPO / "examples"
SUPPLIERS = EXAMPLES / "suppliers"


def _examples(rule_path: Path) -> list[Path]:
    return sorted((EXAMPLES / rule_path.stem).glob("*.yaml"))


def test_the_library_has_the_magnet_chain_and_other_materials():
    ids = {path.stem for path in RULES}
    assert {"ndpr-oxide", "mixed-reo-iac", "dy-oxide", "tb-oxide", "ndpr-metal", "dy-metal", "ndfeb-magnet",
            "ndfeb-recycled-hpms", "ndfeb-recycled-hydromet"} <= ids
    assert {"lithium-carbonate-brine", "lithium-carbonate-spodumene", "copper-cathode-sxew"} <= ids


@pytest.mark.parametrize("rule_path", RULES, ids=[p.stem for p in RULES])
def test_every_rule_validates_and_declares_its_example(project, rule_path):
    (check,) = footprint.validate_rules([rule_path])
    assert check.error is None, str(check.error)
    examples = _examples(rule_path)
    assert examples, f"no example activity data in examples/{rule_path.stem}/"
    for example in examples:
        document = footprint.declare(rule_path.stem, example)  # also validated against the declaration schema
        assert document["rule"]["id"] == rule_path.stem
        climate = next(r for r in document["results"] if r["category"] == "climate_change")
        assert climate["declared"] and climate["value"] > 0
        items = [c["value"] for c in document["contributions"] if c["category"] == "climate_change"]
        assert sum(items) == pytest.approx(climate["value"], rel=1e-9)


def test_supplier_declarations_are_intact_and_written_by_footprint():
    files = sorted(SUPPLIERS.glob("*.json"))
    assert {f.name for f in files} >= {"ndpr-oxide-2025.json", "ndpr-metal-2025.json", "dy-metal-2025.json",
                                       "dy-oxide-2025.json", "mixed-reo-iac-2025.json"}
    for path in files:
        supplier = upstream.read(path)  # raises if the content hash does not match
        assert supplier.content_sha256 == json.loads(path.read_text())["content_sha256"]


def test_the_magnet_example_carries_its_suppliers_in_provenance(project):
    document = footprint.declare("ndfeb-magnet", EXAMPLES / "ndfeb-magnet" / "activity-2025.yaml")
    records = {r["product"]: r for r in document["provenance"]["upstream_declarations"]}
    assert set(records) == {"NdPr metal", "Dy metal"}
    for product, name in (("NdPr metal", "ndpr-metal-2025.json"), ("Dy metal", "dy-metal-2025.json")):
        supplier = json.loads((SUPPLIERS / name).read_text())
        assert records[product]["id"] == supplier["id"]
        assert records[product]["content_sha256"] == supplier["content_sha256"]
    kinds = {c["kind"] for c in document["contributions"] if c["category"] == "climate_change"}
    assert "upstream" in kinds


def test_recycled_rules_state_their_method(project):
    hpms = footprint.declare("ndfeb-recycled-hpms", EXAMPLES / "ndfeb-recycled-hpms" / "activity-2025.yaml")
    hydromet = footprint.declare("ndfeb-recycled-hydromet",
                                 EXAMPLES / "ndfeb-recycled-hydromet" / "activity-2025.yaml")
    assert hpms["recycled_content"]["method"] == "cff" and hpms["recycled_content"]["A"] == 0.2
    assert hydromet["recycled_content"]["method"] == "cut-off"
    block = hpms["recycled_content"]["by_category"]["climate_change"]
    # (1 - R1)·Ev + R1·(A·Erec + (1 - A)·Ev) with R1 = 1, A = 0.2, Qsin/Qp = 1
    assert block["value"] == pytest.approx(0.2 * block["Erec"] + 0.8 * block["Ev"], rel=1e-9)
    # Ev per declared kg is the rule's virgin dataset: 26.73 kg CO2 fossil per kg primary magnet
    # (material/ndfeb-magnet-primary-screening), 35.0 per kg NdPr oxide (material/ndpr-oxide-screening)
    assert block["Ev"] == pytest.approx(26.73, rel=1e-6)
    assert hydromet["recycled_content"]["by_category"]["climate_change"]["Ev"] == pytest.approx(35.0, rel=1e-6)
    # Erec is the product system's own result: every contribution but the recycled-content adjustment
    for document in (hpms, hydromet):
        erec = document["recycled_content"]["by_category"]["climate_change"]["Erec"]
        own = [c["value"] for c in document["contributions"]
               if c["category"] == "climate_change" and c["kind"] != "recycled-content"]
        assert erec == pytest.approx(sum(own), rel=1e-9)
