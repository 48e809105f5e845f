"""A declaration's ``declared_unit`` is its rule's: every reader compares the two where the library holds the rule.

Old code: the example declaration (ndpr-oxide 1.1.0, per 1 kg NdPr oxide) edited to ``declared_unit.amount:
1000`` and re-hashed was accepted by ``market add``, ``classes assign``, ``export --format pact`` (so ``publish``)
and ``report`` with exit 0; PACT then said ``declaredUnitAmount`` 1000 with the values per kg.  A supplier's
declaration so edited was divided by 1000 in its buyer's result.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import footprint
from footprint.errors import ActivityDataError, DeclarationError, FootprintError
from footprint.export._errors import ExportError
from footprint.inputs import upstream
from footprint.inputs.upstream import content_hash, refuse_rule_not_in_library
from footprint.market.registry import RegistryError, entry_from_declaration

EDITS = [("amount", 1000), ("unit", "t"), ("product", "NdPr metal"), ("grade", ">= 90 % TREO")]


def _edited(document: dict, name: str, value) -> dict:
    edited = copy.deepcopy(document)
    edited["declared_unit"][name] = value
    edited["content_sha256"] = content_hash(edited)
    return edited


def _write(document: dict, path: Path) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("name, value", EDITS)
def test_every_reader_refuses_a_declared_unit_other_than_its_rules(example_declaration, tmp_path, name, value):
    edited = _write(_edited(example_declaration, name, value), tmp_path / "edited.json")
    with pytest.raises(DeclarationError) as caught:
        footprint.read_declaration(edited)  # report, export, market add, classes assign, publish read here
    assert caught.value.field == f"declared_unit.{name}" and str(edited) in str(caught.value)
    assert "is not its rule's" in caught.value.message
    with pytest.raises(FootprintError, match="is not its rule's"):
        footprint.market_add([edited], mass_kg=1000, year=2025, register=tmp_path / "r.sqlite")
    assert not (tmp_path / "r.sqlite").exists() or footprint.market_rows(register=tmp_path / "r.sqlite") == []


def test_the_market_gate_refuses_it_for_documents_not_read_from_a_file(example_declaration, tmp_path):
    """The register's, the classes' and PACT's own gate (a document built in memory, or posted to the host)."""
    edited = _edited(example_declaration, "amount", 1000)
    with pytest.raises(RegistryError) as caught:
        entry_from_declaration(edited, mass_kg=1000, year=2025, source="edited.json")
    assert caught.value.field == "declared_unit.amount" and caught.value.value == 1000
    with pytest.raises(ExportError, match="declared_unit.amount is not its rule's"):
        footprint.export_declaration(edited, "pact", tmp_path / "edited.pact.json")
    assert not (tmp_path / "edited.pact.json").exists()


def test_the_unedited_declaration_and_other_rule_versions_pass(example_declaration):
    refuse_rule_not_in_library(example_declaration, RegistryError)
    past = copy.deepcopy(example_declaration)
    past["rule"]["version"] = "1.0.0"  # a text the library no longer holds: nothing to compare with
    past["declared_unit"]["amount"] = 1000
    upstream.refuse_declared_unit_not_rules(past, RegistryError)
    same_amount = _edited(example_declaration, "amount", 1)  # an int 1 is the rule's 1.0
    upstream.refuse_declared_unit_not_rules(same_amount, RegistryError)


def test_a_suppliers_declaration_with_another_unit_than_its_rules_is_refused(example_declaration, tmp_path):
    edited = _write(_edited(example_declaration, "amount", 1000), tmp_path / "supplier.json")
    with pytest.raises(ActivityDataError, match="declared_unit.amount is not its rule's") as caught:
        upstream.read(edited, file=tmp_path / "activity.yaml", field="inputs[0]")
    assert caught.value.field == "inputs[0]"


@pytest.mark.parametrize("version", ["1.1.0", "1.0.0"])
def test_the_market_gate_refuses_a_period_not_as_long_as_the_rule_asks(example_declaration, tmp_path, version):
    """Old code: the example's period edited to its first quarter and re-hashed was registered with exit 0
    beside the annual declarations of ndpr-oxide (12 months), so weighed in the thresholds; the PACT export
    wrote it too.  Checked whatever version it names, as a supplier's declaration is."""
    quarter = copy.deepcopy(example_declaration)
    quarter["period"] = {"start": "2025-01-01", "end": "2025-03-31"}
    quarter["rule"]["version"] = version
    quarter["content_sha256"] = content_hash(quarter)
    path = _write(quarter, tmp_path / "quarter.json")
    with pytest.raises(RegistryError, match="reporting period is not its rule's length") as caught:
        footprint.market_add([path], mass_kg=1000, year=2025, register=tmp_path / "r.sqlite")
    assert caught.value.field == "period" and caught.value.value == "2025-01-01..2025-03-31"
    with pytest.raises(ExportError, match="reporting period is not its rule's length"):
        footprint.export_declaration(quarter, "pact", tmp_path / "quarter.pact.json")


def test_a_result_in_another_unit_than_its_categorys_is_refused(example_declaration, tmp_path):
    """Old code: climate change's unit edited to 'g CO2-Eq' (value unchanged) and re-hashed was registered with
    exit 0 and listed as 46.56 g CO2-Eq, beside other declarations' kg."""
    edited = copy.deepcopy(example_declaration)
    next(r for r in edited["results"] if r["category"] == "climate_change")["unit"] = "g CO2-Eq"
    edited["content_sha256"] = content_hash(edited)
    path = _write(edited, tmp_path / "grams.json")
    with pytest.raises(DeclarationError) as caught:
        footprint.read_declaration(path)
    assert caught.value.field == "results[climate_change].unit" and caught.value.value == "g CO2-Eq"
    with pytest.raises(RegistryError, match="is not the category's"):
        entry_from_declaration(edited, mass_kg=1000, year=2025, source="grams.json")
