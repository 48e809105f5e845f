"""Water use: the template asks for exactly the flow EF 3.1 water use (AWARE) characterises as bundled."""
from __future__ import annotations

import pytest

import footprint
from footprint.data.methods import water_use_flows


def test_the_bundled_water_use_method_characterises_only_water_to_air():
    flows = water_use_flows()
    # lcia_39_ecoinvent.zip, EF v3.1 water use: 5 factors, all 'Water' to air, 42.95 m3 world eq. per m3
    assert len(flows) == 5
    assert {f["flow"] for f in flows} == {"Water"}
    assert {f["compartment"].split("::")[0] for f in flows} == {"air"}
    assert {f["cf"] for f in flows} == {42.95}


def test_the_water_flow_exists_in_biosphere3_in_cubic_metres(project):
    from footprint.data.inventory import biosphere_index, resolve_flow

    _code, unit = resolve_flow(biosphere_index(project[0]), "Water", ["air"], file=None, field=None)
    assert unit == "cubic meter"


def test_a_rule_declaring_water_use_gets_a_mandatory_water_line(tmp_path):
    path = footprint.make_template("copper-cathode-sxew", tmp_path / "copper.yaml")
    text = path.read_text()
    line = next(line for line in text.splitlines() if '{flow: "Water", compartment: air' in line)
    assert not line.lstrip().startswith("#") and "MANDATORY" in line and "42.95" in line
    assert "withdrawals and returns alone count zero" in line


def test_other_rules_get_the_water_line_as_a_comment(tmp_path):
    text = footprint.make_template("ndpr-oxide", tmp_path / "ndpr.yaml").read_text()
    line = next(line for line in text.splitlines() if '{flow: "Water", compartment: air' in line)
    assert line.lstrip().startswith("#") and "MANDATORY" not in line


def test_the_workbook_has_the_water_row_in_every_process_sheet(tmp_path):
    from openpyxl import load_workbook

    path = footprint.make_template("copper-cathode-sxew", tmp_path / "copper.xlsx")
    book = load_workbook(path)
    for name in ("mining", "heap-leaching-sx", "electrowinning"):
        rows = [[c.value for c in row] for row in book[name].iter_rows()]
        water = [r for r in rows if r[0] == "emission" and r[1] == "Water"]
        assert water and water[0][2] == "air" and water[0][4] == "m**3", name


def test_reported_water_scores_42_95_per_cubic_metre(project, tmp_path):
    """1,000,000 m3 evaporated by a plant making 2,000 t: 500 L per kg x 42.95 = 21.475 m3 world eq. per kg."""
    import yaml

    from footprint.paths import examples_dir

    data = yaml.safe_load((examples_dir() / "ndpr-oxide" / "activity-2025.yaml").read_text())
    data["processes"]["separation"]["emissions"].append(
        {"flow": "Water", "compartment": "air", "amount": 1_000_000, "unit": "m**3", "source": "water balance"})
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    base = footprint.declare("ndpr-oxide", examples_dir() / "ndpr-oxide" / "activity-2025.yaml")
    document = footprint.declare("ndpr-oxide", path)
    water = {d["category"]: d for d in document["additional_information"]["results"]}["water_use"]
    before = {d["category"]: d for d in base["additional_information"]["results"]}["water_use"]["value"]
    share = document["allocation"][-1]["main_share"]  # separation's economic share of NdPr oxide
    assert water["value"] - before == pytest.approx(1_000_000 / 2_000_000 * share * 42.95, rel=1e-6)
