"""Thorium-232: EF 3.1 ionising radiation has no factor for it, and the declaration says so with the amount.

Hand-computed reference (examples/ndpr-oxide/activity-2025.yaml, the chain of tests/test_crustal_scarcity.py):

    mining releases 24,700,000 kBq Th-232 to air; the mining burden reaches NdPr oxide through
      beneficiation (0.8, economic), roasting 16206/16300, leaching 14514/14600, separation 8131/8200 and
      the separation's economic share 166,000 / 189,061 = 0.878024, per 2,000,000 kg:
      24.7e6 x 0.8 x 0.994233 x 0.994110 x 0.991585 x 0.878024 / 2e6 = 8.5019 kBq per kg
    separation releases 448,800 kBq Th-232 to surface water: 448,800 x 0.878024 / 2e6 = 0.19703 kBq per kg
"""
from __future__ import annotations

import pytest

import footprint
from tests.test_crustal_scarcity import CHAIN, EXAMPLE, SEPARATION_SHARE


def _release(document: dict, nuclide: str, compartment_start: str) -> dict:
    return next(r for r in document["radionuclides"]["releases"]
                if r["nuclide"] == nuclide and r["compartment"].startswith(compartment_start))


def test_thorium_has_no_ef31_ionising_radiation_factor(project):
    from footprint.data.methods import characterised_flows

    characterised = characterised_flows()
    for compartment in (("air",), ("air", "non-urban air or from high stacks"), ("water", "surface water")):
        assert "ionising_radiation" not in characterised.get(("Thorium-232", compartment), ())
    assert "ionising_radiation" in characterised[("Radium-226", ("water", "surface water"))]


def test_the_releases_are_listed_per_declared_unit_with_their_allocation(example_declaration):
    air = _release(example_declaration, "Thorium-232", "air")
    assert air["kBq"] == pytest.approx(24.7e6 * CHAIN, rel=1e-6)
    assert air["kBq"] == pytest.approx(8.5019, rel=1e-4)
    water = _release(example_declaration, "Thorium-232", "water")
    assert water["kBq"] == pytest.approx(448_800 * SEPARATION_SHARE / 2e6, rel=1e-6)
    assert not air["ef31_characterised"] and not water["ef31_characterised"]
    assert _release(example_declaration, "Radium-226", "water")["ef31_characterised"]


def test_the_declaration_states_the_thorium_gap_next_to_ionising_radiation(example_declaration):
    gap = example_declaration["radionuclides"]["ef31_gap"]
    assert gap["category"] == "ionising_radiation" and gap["declared"] is True
    assert {u["nuclide"] for u in gap["uncharacterised"]} == {"Thorium-232"}
    assert "no characterisation factor for Thorium-232" in gap["statement"]
    assert "8.502 kBq" in gap["statement"] and "0.197 kBq" in gap["statement"]


def test_the_thorium_statement_reaches_report_and_exports(example_declaration, tmp_path):
    from footprint.export import csv as csv_export

    html = footprint.api.render_html(example_declaration)
    assert "Radionuclides released" in html and "Thorium-232" in html
    rows = [line for line in csv_export.to_csv(example_declaration).splitlines()
            if line.startswith("radionuclide_release,")]
    assert any("Thorium-232" in line and "NOT characterised by EF 3.1" in line for line in rows)
    footprint.api.export_declaration(example_declaration, "pact", tmp_path / "pact.json")
    assert "no characterisation factor for Thorium-232" in (tmp_path / "pact.json").read_text()
    footprint.api.export_declaration(example_declaration, "xlsx", tmp_path / "d.xlsx", data=EXAMPLE)
    from openpyxl import load_workbook

    cells = [str(c.value) for sheet in load_workbook(tmp_path / "d.xlsx") for row in sheet.iter_rows()
             for c in row if c.value is not None]
    assert any("EF 3.1 ionising radiation gap" == c for c in cells)


def test_the_declaration_validates_against_the_schema(example_declaration):
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "declaration.schema.json").read_text())
    jsonschema.validate(example_declaration, schema)
    broken = dict(example_declaration, radionuclides={"releases": []})  # ef31_gap missing
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
