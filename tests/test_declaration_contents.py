"""What a schema 2.0 declaration must contain (Annex V), results no one can misread, data quality as PEF computes it.

Hand-computed cases: a one-process rule (100 kg product from 50 kWh of German grid power and 20 kg of
sulphuric acid) for the bill of materials and the validity check; the demo example (ndpr-oxide) for the
particulate-matter sub-compartment and the DQR before and after the change of procedure; the suppliers'
schema 1.0 declarations in examples/suppliers/ for reading old files.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
import footprint
import quality_reference as reference  # noqa: E402  (tests/: the item-by-item definitions)
from footprint.errors import ActivityDataError
from footprint.export import ExportError, to_csv, to_pact

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
SUPPLIERS = REPO / "examples" / "suppliers"
#: a schema 1.0 declaration as footprint wrote it before schema 2.0 (the demo's, frozen here: the examples'
#: suppliers' files are regenerated whenever the library changes)
SCHEMA_1 = Path(__file__).resolve().parent / "fixtures" / "ndpr-oxide-2025-schema-1.0.json"
DQR = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}

RULE = {
    "id": "test-contents", "version": "1.0.0", "title": "test", "status": "draft", "legal_basis": "test",
    "crm": "test", "validity": {"from": "2025-01-01", "until": "2027-12-31"},
    "crm_list_version": "Regulation (EU) 2024/1252 Annexes I-II (2024)",
    "declared_unit": {"amount": 1, "unit": "kg", "product": "metal", "chemical_form": "metal", "grade": "test"},
    "route": "primary", "reference_process": "refining",
    "stages": [{"id": "refining", "label": "Refining", "processes": [
        {"id": "refining", "name": "refining", "annex_v": ["4(j)"], "company_specific": "required",
         "product": {"name": "metal", "unit": "kg"}, "expected_inputs": ["electricity", "sulphuric-acid"]}]}],
    "input_kinds": {"electricity": {"dataset": "electricity/{country}"},
                    "sulphuric-acid": {"dataset": "chemical/sulphuric-acid"}},
    "electricity": {"model": "location-based"},
    "recycled_content": {"method": "not-applicable"},
    "cut_off": {"threshold": 0.01, "basis": "test"},
    "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
    "impact_categories": {"declared": ["climate_change", "acidification", "particulate_matter"],
                          "rationale": "acid gases of the refinery (hotspot analysis 2025)"},
    "sampling": {"allowed": False, "note": "one declaration per refinery and year"},
    "conformity_assessment": {"module": "D1 (notified body)"},
    "class_scheme": {"number_of_classes": 3},
}


def _write(tmp_path: Path, *, period: tuple[str, str] = ("2025-01-01", "2025-12-31"),
           reporting_periods: dict | None = None) -> tuple[Path, Path]:
    rule = json.loads(json.dumps(RULE))
    if reporting_periods is not None:
        rule["validity"]["reporting_periods"] = reporting_periods
    rule_path = tmp_path / "test-contents.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = {"rule": "test-contents", "declarant": {"name": "Test Refinery", "facility": "plant", "country": "DE"},
            "period": {"start": period[0], "end": period[1]}, "production": {"amount": 100, "unit": "kg", "dqr": DQR},
            "processes": {"refining": {"dqr": DQR, "output": {"amount": 100, "unit": "kg"}, "inputs": [
                {"kind": "electricity", "amount": 50, "unit": "kWh"},
                {"kind": "sulphuric-acid", "amount": 20, "unit": "kg"}],
                "emissions": [{"flow": "Sulfur dioxide", "compartment": "air", "amount": 1, "unit": "kg"},
                              {"flow": "Particulate Matter, < 2.5 um", "compartment": "air", "amount": 0.1,
                               "unit": "kg"}]}}}
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path


# ----------------------------------------------------------------------------- part 3: contents


def test_a_declaration_carries_what_annex_v_asks(project, tmp_path):
    document = footprint.declare(*_write(tmp_path))
    assert document["schema_version"] == "2.0"
    boundary = document["system_boundary"]
    assert boundary["type"] == "cradle-to-gate" and boundary["excluded"] == ["use stage", "end-of-life stage"]
    assert "use and end-of-life stages are excluded" in boundary["statement"]
    assert document["impact_categories"]["rationale"] == "acid gases of the refinery (hotspot analysis 2025)"
    assert document["rule"]["crm_list_version"] == "Regulation (EU) 2024/1252 Annexes I-II (2024)"
    assert document["rule"]["validity"]["reporting_periods"] == {"from": "2025-01-01", "until": "2027-12-31"}
    assert document["sampling"] == {"allowed": False, "approach": "one declaration per refinery and year"}
    assert document["conformity_assessment"] == {"module": "D1 (notified body)", "note": "", "status": "not verified",
                                                 "body": None, "certificate_id": None, "date": None}
    html = footprint.api.render_html(document)
    assert "not verified" in html and "D1 (notified body)" in html


def test_bill_of_materials_and_energy_per_declared_unit(project, tmp_path):
    """50 kWh and 20 kg acid for 100 kg of product: 0.5 kWh and 0.2 kg per kg; one grid, share 100 %."""
    bom = footprint.declare(*_write(tmp_path))["bill_of_materials"]
    assert bom["per"] == "1 kg metal"
    assert bom["inputs"] == [{"kind": "sulphuric-acid", "dataset": "chemical/sulphuric-acid", "amount": 0.2,
                              "unit": "kg", "processes": ["refining"]}]
    (power,) = bom["electricity"]
    assert power["dataset"] == "electricity/DE" and power["geography"] == "DE"
    assert power["amount"] == pytest.approx(0.5) and power["unit"] == "kWh" and power["share"] == 1.0
    assert power["renewable_share"] is None and power["renewable_share_note"] == "not stated by the dataset"
    emissions = {e["flow"]: e for e in bom["direct_emissions"]}
    assert emissions["Sulfur dioxide"]["amount"] == pytest.approx(0.01)
    assert emissions["Sulfur dioxide"]["compartment"] == "air" and emissions["Sulfur dioxide"]["chosen_by"] == "unspecified"


def test_declared_results_carry_only_the_rules_categories(project, tmp_path):
    document = footprint.declare(*_write(tmp_path))
    assert [r["category"] for r in document["results"]] == ["climate_change", "acidification", "particulate_matter"]
    assert all("declared" not in r for r in document["results"])
    additional = document["additional_information"]
    assert "not part of the declaration" in additional["note"]
    assert {r["category"] for r in additional["results"]} >= {"ozone_depletion", "climate_change_fossil"}
    assert not {r["category"] for r in additional["results"]} & {"climate_change", "acidification"}


def test_a_reporting_period_outside_the_rules_validity_is_refused(project, tmp_path):
    rule_path, data_path = _write(tmp_path, period=("2024-01-01", "2024-12-31"))
    with pytest.raises(ActivityDataError, match=r"reporting period lies outside") as caught:
        footprint.declare(rule_path, data_path)
    assert caught.value.exit_code == 2 and "field 'period'" in str(caught.value)
    assert "2025-01-01..2027-12-31" in str(caught.value)
    # the rule may accept it explicitly: then the declaration states the accepted periods
    rule_path, data_path = _write(tmp_path, period=("2024-01-01", "2024-12-31"),
                                  reporting_periods={"from": "2024-01-01", "until": "2027-12-31", "reason": "t"})
    document = footprint.declare(rule_path, data_path)
    assert document["rule"]["validity"]["reporting_periods"]["from"] == "2024-01-01"
    # a period ending after the last accepted day is refused too
    rule_path, data_path = _write(tmp_path, period=("2027-07-01", "2028-06-30"))
    with pytest.raises(ActivityDataError, match="reporting period lies outside"):
        footprint.declare(rule_path, data_path)


# ----------------------------------------------------------------------------- part 4: no misreading


def test_partial_coverage_is_a_warning_next_to_the_value_and_exit_2_with_strict(example_declaration, tmp_path):
    acid = next(r for r in example_declaration["results"] if r["category"] == "acidification")
    assert acid["coverage"] == "partial" and acid["coverage_note"].startswith("partial: some inputs give no value or an incomplete one")
    assert any(w.startswith("coverage: declared category acidification is partial")
               for w in example_declaration["data_quality"]["warnings"])
    html = footprint.api.render_html(example_declaration)
    row = re.search(r"<tr><td>Acidification</td>.*?</tr>", html, re.S).group(0)
    assert "warning: partial: some inputs give no value or an incomplete one" in row  # in the results row, beside the value
    rows = list(csv.DictReader(io.StringIO(to_csv(example_declaration))))
    assert {r["coverage"] for r in rows if r["category"] == "acidification"} == {"partial"}
    assert all(r["coverage_warning"] == acid["coverage_note"] for r in rows if r["category"] == "acidification")
    data = to_pact(example_declaration)["extensions"][0]["data"]
    pact_acid = next(c for c in data["impactCategories"] if c["category"] == "acidification")
    assert pact_acid["coverageWarning"] == acid["coverage_note"]
    output = tmp_path / "decl.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(DEMO), "-o", str(output), "--strict"])
    assert result.exit_code == 2 and "coverage: declared category acidification is partial" in result.output
    assert not output.exists()


def test_mine_dust_takes_the_rules_non_urban_sub_compartment(project, example_declaration, tmp_path):
    """EF 3.1 as bundled: PM2.5 to unspecified (= urban) air 2.38497e-4, non-urban 3.01757e-6 disease incidence
    per kg, 79x apart.  The open-pit mine's dust now takes the rule's non-urban default; a producer who states
    unspecified air gets the old value back, and the demo's particulate matter falls 4.4x (4.5x before issue 12
    added the particulate of coal and grid)."""
    emissions = [e for e in example_declaration["bill_of_materials"]["direct_emissions"] if e["process"] == "mining"]
    dust = {e["flow"]: e for e in emissions if e["flow"].startswith("Particulate")}
    assert {e["compartment"] for e in dust.values()} == {"air::non-urban air or from high stacks"}
    assert {e["chosen_by"] for e in dust.values()} == {"rule default"}
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for emission in data["processes"]["mining"]["emissions"]:
        if emission["flow"].startswith("Particulate"):
            emission["compartment"] = "air::unspecified"
    copy = tmp_path / "activity.yaml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False))
    urban = footprint.declare("ndpr-oxide", copy)
    by_process = {r["category"]: r for r in urban["results"]}["particulate_matter"]
    chosen = {e["chosen_by"] for e in urban["bill_of_materials"]["direct_emissions"]
              if e["process"] == "mining" and e["flow"].startswith("Particulate")}
    assert chosen == {"producer"}

    def pm25(document):
        return next(c["value"] for c in document["contributions"] if c["category"] == "particulate_matter"
                    and c["process"] == "mining" and c["item"].startswith("Particulate Matter, < 2.5 um"))
    assert pm25(urban) / pm25(example_declaration) == pytest.approx(2.38497e-4 / 3.01757e-6, rel=1e-5)
    pm = {r["category"]: r for r in example_declaration["results"]}["particulate_matter"]["value"]
    # the value on unspecified air: 3.938e-05 before issue 12, 3.982e-05 since its coal and grid particulate,
    # 3.9916e-05 since the rail exhaust (38.18 t*km per kg x 8.00e-06 kg PM2.5 per t*km, USLCI rail scaled to
    # DEFRA's CO2e, plus its NOx/SO2/NH3 precursors: 9.36e-08 disease incidence; the mine dust is unchanged),
    # 4.0405e-05 since the coal-mining (ElectricityLCI) and crude-supply (ESU via premise) flows of issue 12's
    # fourth round: they add 9.7195e-06 - 9.2301e-06 = 4.894e-07 to the demo and the same to this variant,
    # whose mine dust alone differs (test_fuel_upstream_flows derives the 4.894e-07)
    assert by_process["value"] == pytest.approx(3.982e-05 + 9.36e-08 + 4.894e-07, rel=1e-3)
    assert by_process["value"] / pm == pytest.approx(4.0405e-05 / 9.7195e-06, rel=1e-2)  # 4.16


# ----------------------------------------------------------------------------- part 5: data quality


def test_the_demos_dqr_before_and_after(project, example_declaration):
    """The demo's DQR by issue 11's procedure, each step computed here (with issue 12's datasets: 2.178 and
    2.025 before them).

    Before: |contribution|-weighted criteria of every climate-change contribution, datasets scored as
    published -> 2.122 (2.121 until the lorry took its exhaust from premise's European truck model in issue
    12's third round: lorry TeR 2 -> 3 and GeR 1 -> 2, on a 0.55 % share of climate change).  Re-scoring GeR
    and TiR where the datasets are used (a Chinese plant): the GB lorry (now from GeR 2), rail and
    coal-supply (DEFRA WTT) datasets go to GeR 5, the GLO diesel and coal from GeR 2 to 3 -> 2.211.  Only the most relevant contributions (80 % of climate change: 8 of 51) -> 2.242.  The mean
    over the four declared categories (climate change 2.242, acidification 2.097, particulate matter 2.250,
    ionising radiation 1.500: radiation monitoring at the mine, P 3, all else 1) -> 2.022.

    Issue 12's fourth round made fuel/coal-upstream a screening proxy (US NETL mining flows): its DQR went from
    TeR 2, GeR 1, TiR 2, P 3 to 3/2/3/4.  Its items (the grid's coal chain in five processes, 1.179 % of
    |climate change|) average the electricity datum (1/1/1/2) with the dataset, so each criterion moves by
    half the dataset's step: out of context +0.5 on all four -> +0.5 x 1.179 % = +0.0059 (2.1221 -> 2.1280);
    in context GeR is re-scored to 5 either way, so +0.5 on TeR, TiR and P -> +0.375 x 1.179 % = +0.0044
    (2.2110 -> 2.2154).  The 8 most relevant contributions do not include them (2.242 stays).  The coal and
    crude chains' new flows move the shares of the other categories: acidification's three most relevant
    contributions (mining diesel 2.25, roasting SO2 1.25, roasting coal 2.375 in context) now weigh 60.53 %,
    13.45 % and 8.79 % (60.89, 13.91, 8.99 before) -> 173.88 / 82.77 = 2.101; particulate matter's mining diesel
    fell from 81.48 % to 78.63 % of |PM|, so the roasting SO2 (4.74 %, 1.25) enters the 80 %:
    (78.63 x 2.25 + 4.74 x 1.25) / 83.37 = 2.193.  Mean (2.242 + 2.101 + 2.193 + 1.500) / 4 -> 2.009.

    Issue 12's fifth round gave the lorry its wear particles as a screening split: its P went from 3 to 4.
    Its items (0.55 % of |climate change|) average the producer's t*km datum with the dataset, so their P
    moves by 0.5 and their mean criterion by 0.125: +0.125 x 0.55 % = +0.0007 both out of context
    (2.1280 -> 2.1287) and in context (2.2154 -> 2.2161).  The lorry's extra PM (+0.05 % of |PM|: 9.719e-06
    -> 9.724e-06) leaves the mining diesel at 78.59 % of |PM|, so the particulate DQR stays 2.193.
    """
    from footprint.data import inventory, project as fp_project
    from footprint.engine import calculate, quality, system
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    catalogue = inventory.load_catalogue()
    bd, _bc, _bi = fp_project.brightway()
    built = system.build(load_rule("ndpr-oxide"), load_activity(DEMO), catalogue, inventory.biosphere_index(bd))
    result = calculate.calculate(built)
    climate = result.items["climate_change"]
    context = quality.context_of(result)

    def score(items, where):
        return round(quality._score(reference.weighted_criteria(items, catalogue, where)), 3)
    assert score(climate, None) == 2.129
    assert score(climate, context) == 2.216
    relevant = reference.most_relevant_items(climate)
    assert (len(relevant), len(climate)) == (8, 51)
    assert score(relevant, context) == 2.242
    by_category = example_declaration["data_quality"]["by_category"]
    assert {c: v["dqr"] for c, v in by_category.items()} == {
        "climate_change": 2.242, "acidification": 2.101, "particulate_matter": 2.193, "ionising_radiation": 1.5}
    assert by_category["particulate_matter"]["contributions"] == 2
    assert example_declaration["data_quality"]["dqr"] == 2.009
    rescored = {r["dataset"]: r for r in example_declaration["data_quality"]["rescored_datasets"]}
    assert rescored["transport/lorry"]["own"]["GeR"] == 2 and rescored["transport/lorry"]["in_context"]["GeR"] == 5
    assert "valid for GB, the facility is in CN" in rescored["transport/lorry"]["reason"]


@pytest.mark.parametrize("geography, expected", [
    ("CN", 1), ("CN-NM", 1), ("CN-JX", 3), ("GLO", 3), ("EU-27", 5), ("GB", 5)])
def test_geographic_representativeness_where_a_dataset_is_used(geography, expected):
    """methodology.md §2.4 for a plant in Inner Mongolia (CN, CN-NM)."""
    from footprint.engine.quality import Context, geography_score

    assert geography_score(geography, Context(country="CN", region="CN-NM", year=2025))[0] == expected


def test_eu_datasets_score_2_in_a_member_state_and_time_by_years_after_the_reference_year():
    from footprint.engine.quality import Context, geography_score, time_score

    assert geography_score("EU-27", Context(country="DE", region=None, year=2025))[0] == 2
    context = Context(country="DE", region=None, year=2025)
    assert [time_score(year, context)[0] for year in (2025, 2023, 2021, 2019, 2018, None)] == [1, 2, 3, 4, 5, 5]


# ----------------------------------------------------------------------------- reading schema 1.0


def test_schema_1_declarations_are_still_read_reported_exported_and_registered(project, tmp_path):
    path = SCHEMA_1  # written by footprint before schema 2.0
    document = footprint.read_declaration(path)
    assert document["schema_version"] == "1.0"
    html = footprint.api.render_html(document)
    assert "Acidification" in html and "not verified" in html and "Additional information" in html
    with pytest.raises(ExportError, match="used_sha256"):  # which datasets (hence what biogenic CO2 uptake) is
        to_pact(document)  # not recorded, so PACT's pcfIncludingBiogenicUptake cannot be stated
    rows = list(csv.DictReader(io.StringIO(to_csv(document))))
    assert rows and {r["declared"] for r in rows} == {"true"}
    register = tmp_path / "m.sqlite"
    footprint.market_add([path], mass_kg=1000.0, year=2025, register=register)
    (row,) = footprint.market_rows(register=register)
    assert set(row["values"]) == {"climate_change", "acidification", "particulate_matter", "ionising_radiation"}
    assert footprint.verify_declaration(path, hash_only=True).ok  # the content hash of the 1.0 file


def test_verifying_a_schema_1_declaration_compares_it_in_its_own_form(project):
    """Recomputed with today's engine, folded back to 1.0: what the method change moved shows as differences."""
    outcome = footprint.verify_declaration(SCHEMA_1, DEMO)
    notes = [d for d in outcome.warnings if d.item == "schema_version"]
    assert notes and "folded into the 1.0 form" in notes[0].note
    failed = {d.item for d in outcome.failures}
    assert "results[particulate_matter].value" in failed  # the mine's dust: non-urban air since issue 11
    assert "data_quality.dqr" in failed  # the DQR procedure of issue 11
    assert not any(item.startswith(("system_boundary", "bill_of_materials", "additional_information"))
                   for item in failed)


@pytest.mark.parametrize("sub", ["lower stratosphere + upper troposphere", "rural"])
def test_a_rule_default_sub_compartment_without_pm_factors_is_refused(tmp_path, sub):
    """biosphere3 has PM in the stratosphere, EF 3.1 gives it no factor: as a default it would declare dust as 0."""
    from footprint.errors import RuleError

    rule = json.loads(json.dumps(RULE))
    rule["stages"][0]["processes"][0]["emission_subcompartments"] = {"air": sub}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(rule))
    with pytest.raises(RuleError, match="unknown air sub-compartment"):
        footprint.load_rule(path)
