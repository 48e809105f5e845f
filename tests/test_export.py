"""Exports on the example declaration: PACT v3 record, CSV table, Brightway Excel round trip."""
from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
import uuid
from pathlib import Path

import jsonschema
import pytest

import footprint
from footprint.export import ExportError, to_csv, to_pact
from footprint.export.pact import PACT_NAMESPACE, decimal_string

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
SUBSET = json.loads((REPO / "schemas" / "pact-v3-subset.schema.json").read_text())
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
#: PACT v3 CarbonFootprint fields that are JSON-string decimals (methodology.md §5.3).
DECIMAL_FIELDS = ("declaredUnitAmount", "productMassPerDeclaredUnit", "pcfExcludingBiogenicUptake",
                  "pcfIncludingBiogenicUptake", "fossilGhgEmissions", "fossilCarbonContent",
                  "exemptedEmissionsPercent", "primaryDataShare")
GEOGRAPHY = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")
CLASS = {"class": "C", "scheme_id": "ndpr-oxide/climate_change/2022-2024", "category": "climate_change",
         "value": 44.6, "thresholds": [20.0, 30.0, 45.0, 60.0, 80.0, 110.0], "labels": list("ABCDEFG")}


def pact_problems(record: dict) -> list[str]:
    """The v3 field rules the export must keep, as a list of broken rules (empty when valid).

    The JSON Schema subset (schemas/pact-v3-subset.schema.json) plus the rules a schema
    says less clearly: every decimal a string, DQR 1..5, at most one geography field.
    """
    problems = [f"schema: {e.message} at {list(e.absolute_path)}"
                for e in jsonschema.Draft202012Validator(SUBSET).iter_errors(record)]
    pcf = record.get("pcf", {})
    for name in DECIMAL_FIELDS:
        value = pcf.get(name)
        if not isinstance(value, str) or not DECIMAL.match(value):
            problems.append(f"pcf.{name} is not a decimal string: {value!r}")
    for name, value in (pcf.get("dqi") or {}).items():
        if not isinstance(value, str) or not DECIMAL.match(value) or not 1 <= float(value) <= 5:
            problems.append(f"pcf.dqi.{name} is not a DQR 1-5 as a string: {value!r}")
    if sum(1 for g in GEOGRAPHY if g in pcf) > 1:
        problems.append("more than one geography field")
    if not UUID.match(str(record.get("id"))):
        problems.append(f"id is not a uuid: {record.get('id')!r}")
    for name in ("created",):
        if not DATETIME.match(str(record.get(name))):
            problems.append(f"{name} is not an RFC 3339 date-time")
    for name in ("referencePeriodStart", "referencePeriodEnd"):
        if not DATETIME.match(str(pcf.get(name))):
            problems.append(f"pcf.{name} is not an RFC 3339 date-time")
    return problems


def _result(document: dict, category: str) -> dict:
    """A computed result, declared or additional (climate_change_fossil is additional information)."""
    from footprint.inputs.upstream import all_results

    return next(r for r in all_results(document) if r["category"] == category)


# ----------------------------------------------------------------------------- PACT


def test_pact_record_of_the_example_passes_the_v3_field_rules(example_declaration):
    record = to_pact(example_declaration)
    assert pact_problems(record) == []
    pcf = record["pcf"]
    climate = _result(example_declaration, "climate_change")["value"]
    fossil = _result(example_declaration, "climate_change_fossil")["value"]
    assert math.isclose(float(pcf["pcfExcludingBiogenicUptake"]), climate, rel_tol=1e-5)
    assert math.isclose(float(pcf["fossilGhgEmissions"]), fossil, rel_tol=1e-5)
    assert pcf["declaredUnitOfMeasurement"] == "kilogram" and pcf["declaredUnitAmount"] == "1"
    assert pcf["geographyCountrySubdivision"] == "CN-NM" and "geographyCountry" not in pcf
    assert pcf["referencePeriodStart"] == "2025-01-01T00:00:00Z"
    assert pcf["referencePeriodEnd"] == "2026-01-01T00:00:00Z"  # PACT's end is exclusive
    criteria = example_declaration["data_quality"]["by_category"]["climate_change"]  # the PCF's data quality
    assert float(pcf["dqi"]["technologicalDQR"]) == criteria["TeR"]
    assert float(pcf["dqi"]["temporalDQR"]) == criteria["TiR"]
    assert pcf["primaryDataShare"] == decimal_string(100 * example_declaration["data_quality"]["primary_data_share"])
    assert pcf["productOrSectorSpecificRules"][0]["ruleNames"] == ["ndpr-oxide 1.1.0"]
    assert pcf["exemptedEmissionsPercent"] == "0"  # the example's exclusion has no estimated share
    assert "blasting agents" in pcf["exemptedEmissionsDescription"]
    assert record["companyIds"] == ["urn:example:company:example-rare-earths"]


def test_pact_id_is_a_stable_uuid_of_the_declaration_id(example_declaration):
    first, second = to_pact(example_declaration), to_pact(copy.deepcopy(example_declaration))
    assert first["id"] == second["id"] == str(uuid.uuid5(PACT_NAMESPACE, example_declaration["id"]))
    other = copy.deepcopy(example_declaration)
    other["id"] = "urn:uuid:00000000-0000-5000-8000-000000000000"
    assert to_pact(other)["id"] != first["id"]


def test_pact_extension_carries_the_other_categories_ef_version_and_class(example_declaration):
    document = copy.deepcopy(example_declaration)
    document["performance_class"] = dict(CLASS)
    record = to_pact(document)
    assert pact_problems(record) == []
    data = record["extensions"][0]["data"]
    declared = {r["category"]: r for r in document["results"]}  # schema 2.0: results are the declared ones
    assert {c["category"] for c in data["impactCategories"]} == set(declared) - {"climate_change"}
    for category in data["impactCategories"]:
        assert category["unit"] == declared[category["category"]]["unit"]
        assert DECIMAL.match(category["value"])
        assert math.isclose(float(category["value"]), declared[category["category"]]["value"], rel_tol=1e-5)
    assert data["efVersion"] == "3.1"
    assert data["performanceClass"]["class"] == "C" and data["performanceClass"]["labels"][0] == "A"
    assert data["performanceClass"]["thresholds"][2] == "45"
    assert to_pact(example_declaration)["extensions"][0]["data"]["performanceClass"] is None


def test_pact_verification_and_country_geography(example_declaration):
    document = copy.deepcopy(example_declaration)
    document["declarant"].pop("region", None)
    document["verification"] = {"providerName": "Example Notified Body", "completedAt": "2026-03-01",
                                "standardName": "CRMA Art. 31 delegated act"}
    pcf = to_pact(document)["pcf"]
    assert pcf["geographyCountry"] == "CN" and "geographyCountrySubdivision" not in pcf
    assert pcf["verification"] == {"coverage": "product level", "providerName": "Example Notified Body",
                                   "completedAt": "2026-03-01T00:00:00Z",
                                   "standardName": "CRMA Art. 31 delegated act"}
    assert pact_problems(to_pact(document)) == []


@pytest.mark.parametrize("breakage, expected", [
    (lambda r: r["pcf"].__setitem__("pcfExcludingBiogenicUptake", 44.6), "decimal string"),
    (lambda r: r["pcf"].__setitem__("fossilGhgEmissions", "4.46e+01"), "decimal string"),
    (lambda r: r["pcf"].__setitem__("geographyCountry", "CN"), "geography"),
    (lambda r: r["pcf"].__setitem__("crossSectoralStandards", ["ISO 14040"]), "schema"),
    (lambda r: r["pcf"].pop("exemptedEmissionsPercent"), "exemptedEmissionsPercent"),
    (lambda r: r.__setitem__("id", "urn:uuid:" + r["id"]), "uuid"),
    (lambda r: r["pcf"].__setitem__("referencePeriodEnd", "2025-12-31"), "date-time"),
    (lambda r: r["pcf"]["dqi"].__setitem__("temporalDQR", "6"), "DQR"),
])
def test_pact_field_checks_catch_broken_records(example_declaration, breakage, expected):
    record = to_pact(example_declaration)
    breakage(record)
    problems = pact_problems(record)
    assert any(expected in p for p in problems), problems


def test_pact_comment_states_climate_change_not_split_by_origin(example_declaration):
    assert "do not split it by origin" not in to_pact(example_declaration)["comment"]
    document = copy.deepcopy(example_declaration)
    fossil = _result(document, "climate_change_fossil")
    fossil["value"] = _result(document, "climate_change")["value"] - 10.0
    record = to_pact(document)
    assert "\n10 kg CO2e per declared unit of the climate-change total come from datasets that do not split it " \
           "by origin" in record["comment"]
    assert math.isclose(float(record["pcf"]["fossilGhgEmissions"]), fossil["value"], rel_tol=1e-5)


def test_pact_refuses_a_declaration_without_climate_change(example_declaration):
    document = copy.deepcopy(example_declaration)
    extra = document["additional_information"]
    extra["results"] = [r for r in extra["results"] if r["category"] != "climate_change_fossil"]
    with pytest.raises(ExportError, match="climate_change_fossil"):
        to_pact(document)


@pytest.mark.parametrize("category", ["climate_change", "climate_change_fossil"])
def test_pact_refuses_a_partial_climate_change(example_declaration, tmp_path, category):
    """A PACT pcf is a plain number: a partial climate change (a lower bound) went out as the product's footprint,
    its coverage flag only in footprint's extension, which customers' systems do not read, exit 0."""
    from footprint.declaration.declaration import content_hash
    from footprint.inputs.upstream import all_results

    document = copy.deepcopy(example_declaration)
    (result,) = [r for r in all_results(document) if r["category"] == category]
    result["coverage"] = "partial"
    with pytest.raises(ExportError, match=f"{category} is partial"):
        to_pact(document)
    document["content_sha256"] = content_hash(document)
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = _invoke("export", path, "--format", "pact", "-o", tmp_path / "pf.json")
    assert done.exit_code == 2 and "partial" in done.output and "Traceback" not in done.output, done.output
    assert not (tmp_path / "pf.json").exists()


# ----------------------------------------------------------------------------- PACT: biogenic CO2 uptake
# EF 3.1 as bw2io ships it gives 'Carbon dioxide, in air' no factor, so the declared climate change is
# pcfExcludingBiogenicUptake; pcfIncludingBiogenicUptake adds PACT's biogenicCO2Uptake (methodology.md 5.3).


UPTAKE = {"type": "biosphere", "name": "Carbon dioxide, in air", "categories": ["natural resource", "in air"],
          "amount": 0.3, "unit": "kg"}


def test_pact_of_the_example_states_both_pcf_values_equal_its_datasets_carry_no_uptake(example_declaration):
    pcf = to_pact(example_declaration)["pcf"]
    assert pcf["pcfIncludingBiogenicUptake"] == pcf["pcfExcludingBiogenicUptake"]


def test_pact_refuses_an_own_dataset_carrying_biogenic_uptake(project, tmp_path):
    """An own grid under FOOTPRINT_HOME/inventories with 0.3 kg 'Carbon dioxide, in air' per kWh: both
    pcf values went out as the EF climate change (46.5555), exit 0."""
    import yaml

    source = yaml.safe_load((REPO / "inventories" / "electricity" / "CN-NM.yaml").read_text())
    source.update(code="electricity/CN-GZ", geography="CN-GZ")
    source["exchanges"].append(dict(UPTAKE))
    user = Path(footprint.paths.home()) / "inventories" / "electricity"
    user.mkdir(parents=True, exist_ok=True)
    target = user / "CN-GZ.yaml"
    target.write_text(yaml.safe_dump(source, sort_keys=False))
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text().replace("region: CN-NM", "region: CN-GZ"))
    try:
        document = footprint.declare("ndpr-oxide", data)
        assert "electricity/CN-GZ" in document["provenance"]["inventories"]["used_sha256"]
        with pytest.raises(ExportError) as err:
            to_pact(document)
        message = str(err.value)
        assert "electricity/CN-GZ" in message and "biogenic CO2 uptake" in message
        assert "pcfIncludingBiogenicUptake" in message and "CN-GZ.yaml" in message
    finally:
        target.unlink()
        footprint.api.ensure_setup()  # the library without the test dataset again


def test_pact_refuses_a_dataset_changed_since_the_declaration(example_declaration):
    document = copy.deepcopy(example_declaration)
    document["provenance"]["inventories"]["used_sha256"]["fuel/coal"] = "0" * 64
    with pytest.raises(ExportError, match="fuel/coal is not in the inventories as the declaration used it"):
        to_pact(document)


def _with_own_uptake(tmp_path: Path) -> Path:
    """The example with 500 t 'Carbon dioxide, in air' taken up at leaching (a direct flow of its own)."""
    data = tmp_path / "activity-uptake.yaml"
    text = EXAMPLE.read_text()
    radium = '      - {flow: Radium-226, compartment: "water::surface water", amount: 150000, unit: kBq,'
    assert radium in text
    data.write_text(text.replace(radium, '      - {flow: "Carbon dioxide, in air", compartment: "natural resource::in '
                                         'air", amount: 500, unit: t,\n         source: "biogenic uptake (test)", '
                                         'dqr: {TeR: 1, GeR: 1, TiR: 1, P: 3}}\n' + radium))
    return data


def test_pact_subtracts_the_declarants_own_recorded_uptake(project, tmp_path):
    """pcfIncludingBiogenicUptake was the total (46.5555 for both), exit 0; now 46.5555 - the recorded uptake."""
    document = footprint.declare("ndpr-oxide", _with_own_uptake(tmp_path))
    rows = [r for r in document["bill_of_materials"]["direct_emissions"] if r["flow"] == "Carbon dioxide, in air"]
    assert len(rows) == 1 and rows[0]["unit"] == "kilogram" and rows[0]["amount"] > 0.1
    record = to_pact(document)
    pcf = record["pcf"]
    climate = _result(document, "climate_change")["value"]
    assert pcf["pcfExcludingBiogenicUptake"] == decimal_string(climate)
    assert pcf["pcfIncludingBiogenicUptake"] == decimal_string(climate - rows[0]["amount"])
    assert pact_problems(record) == []
    assert "take up from the air" in record["comment"]


def test_pact_follows_suppliers_declarations_and_refuses_one_with_uptake(project, tmp_path):
    """A supplier's uptake per declared unit downstream is not recorded: refused; a supplier without any passes."""
    document = footprint.declare("dy-metal", REPO / "examples" / "dy-metal" / "activity-2025.yaml")
    assert to_pact(document)["pcf"]["pcfIncludingBiogenicUptake"] == to_pact(document)["pcf"][
        "pcfExcludingBiogenicUptake"]  # its supplier's chain (dy-oxide on mixed-reo) carries no uptake
    supplier = footprint.declare("ndpr-oxide", _with_own_uptake(tmp_path))
    supplier_file = tmp_path / "ndpr-oxide-supplier.json"
    footprint.write_declaration(supplier, supplier_file)
    metal = REPO / "examples" / "ndpr-metal" / "activity-2025.yaml"
    data = tmp_path / "ndpr-metal.yaml"
    text = metal.read_text()
    assert "../suppliers/ndpr-oxide-2025.json" in text
    data.write_text(text.replace("../suppliers/ndpr-oxide-2025.json", str(supplier_file)))
    document = footprint.declare("ndpr-metal", data)
    with pytest.raises(ExportError) as err:
        to_pact(document)
    assert "supplier's declaration records biogenic CO2 uptake" in str(err.value)
    supplier_file.unlink()  # a supplier's file that is gone cannot be checked
    with pytest.raises(ExportError, match="supplier's declaration .* is not found"):
        to_pact(document)


def test_pact_refuses_a_declaration_that_does_not_record_its_direct_flows(example_declaration):
    document = copy.deepcopy(example_declaration)
    del document["bill_of_materials"]["direct_emissions"]
    with pytest.raises(ExportError, match="direct flows"):
        to_pact(document)


def test_pact_refuses_a_declaration_on_an_imported_database(example_declaration):
    document = copy.deepcopy(example_declaration)
    document["provenance"]["background"]["mapping"] = {"path": "mapping.yaml", "sha256": "0" * 64}
    with pytest.raises(ExportError, match=r"imported database \(--mapping\)"):
        to_pact(document)


# ----------------------------------------------------------------------------- CSV


def test_csv_has_one_row_per_contribution_and_sums_to_the_results(example_declaration):
    rows = list(csv.DictReader(io.StringIO(to_csv(example_declaration))))
    extracted = [r for r in rows if r["category"] == "resource_extraction"]  # elements taken from the ground
    assert [r["item"] for r in extracted] == [e["element"] for e in example_declaration["mineral_resources"]["elements"]]
    released = [r for r in rows if r["category"] == "radionuclide_release"]  # Th-232: no EF 3.1 factor
    assert len(released) == len(example_declaration["radionuclides"]["releases"]) == 6
    rows = [r for r in rows if r["category"] not in ("resource_extraction", "radionuclide_release")]
    assert len(rows) == len(example_declaration["contributions"])
    assert list(rows[0]) == ["category", "stage", "process", "item", "kind", "dataset", "value", "unit",
                             "declared", "coverage", "coverage_warning", "per"]
    assert {r["per"] for r in rows} == {"1 kg"}  # the example's declared unit, on every row
    for result in example_declaration["results"]:
        # a partial category carries its warning on every row, so a spreadsheet user cannot miss it
        assert {r["coverage"] for r in rows if r["category"] == result["category"]} == {result["coverage"]}
        assert {r["coverage_warning"] for r in rows if r["category"] == result["category"]} == \
            {result.get("coverage_note", "")}
        mine = [r for r in rows if r["category"] == result["category"]]
        assert mine and all(r["unit"] == result["unit"] and r["declared"] == "true" for r in mine)
        assert math.isclose(sum(float(r["value"]) for r in mine), result["value"], rel_tol=1e-9)
        for stage, value in result["by_stage"].items():
            assert math.isclose(sum(float(r["value"]) for r in mine if r["stage"] == stage), value,
                                rel_tol=1e-9, abs_tol=1e-15)


def test_csv_of_a_declaration_without_contributions_is_refused(example_declaration):
    document = copy.deepcopy(example_declaration)
    document["contributions"] = []
    with pytest.raises(ExportError, match="contributions"):
        to_csv(document)


# ----------------------------------------------------------------------------- Excel round trip


def test_xlsx_round_trip_through_bw2io_reproduces_the_scores(scratch, example_declaration, tmp_path):
    """Export, import with bw2io's ExcelImporter, link, write, compute with bw2calc: same numbers."""
    bd, bc, bi = scratch
    from footprint.export.xlsx import database_name
    from footprint.inputs.categories import category

    target = footprint.export_declaration(example_declaration, "xlsx", tmp_path / "system.xlsx", data=EXAMPLE)
    name = database_name(example_declaration)
    assert name not in bd.databases
    importer = bi.ExcelImporter(str(target))
    importer.apply_strategies()
    importer.match_database("footprint-inventories", fields=("name", "unit", "location"))
    importer.match_database("biosphere3", fields=("name", "categories", "unit"))
    nodes, edges, unlinked, _multi = importer.statistics(print_stats=False)
    assert (nodes, unlinked) == (len(example_declaration["processes"]), 0) and edges > nodes
    try:
        importer.write_database()
        reference = footprint.load_rule("ndpr-oxide").rule.reference_process
        node = bd.get_node(database=name, code=reference)
        for result in example_declaration["results"]:
            inputs, data_objs, _ = bd.prepare_lca_inputs({node: 1.0}, method=category(result["category"]).method)
            lca = bc.LCA(inputs, data_objs=data_objs)
            lca.lci()
            lca.lcia()
            assert math.isclose(lca.score, result["value"], rel_tol=1e-6), result["category"]
    finally:
        if name in bd.databases:
            del bd.databases[name]


def test_xlsx_is_refused_when_the_activity_data_changed(project, example_declaration, example_copy, tmp_path):
    text = example_copy.read_text(encoding="utf-8")
    example_copy.write_text(text + "\n# edited after the declaration\n", encoding="utf-8")
    target = tmp_path / "system.xlsx"
    with pytest.raises(ExportError, match="activity data differs"):
        footprint.export_declaration(example_declaration, "xlsx", target, data=example_copy)
    assert not target.exists()


def test_xlsx_is_refused_when_the_rule_changed(project, example_declaration, tmp_path):
    rule = tmp_path / "ndpr-oxide.yaml"
    rule.write_text((REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8") + "\n# edited\n",
                    encoding="utf-8")
    with pytest.raises(ExportError, match="rule differs"):
        footprint.export_declaration(example_declaration, "xlsx", tmp_path / "system.xlsx", data=EXAMPLE,
                                     rule=rule)


def test_xlsx_refuses_a_system_with_supplier_declarations(project, tmp_path):
    """A supplier's declaration has no Brightway dataset: refused, not exported with a missing part."""
    data = REPO / "examples" / "ndfeb-magnet" / "activity-2025.yaml"
    document = footprint.declare("ndfeb-magnet", data)
    assert any(row["kind"] == "upstream" for row in document["contributions"])
    target = tmp_path / "magnet.xlsx"
    with pytest.raises(ExportError, match="supplier's declaration"):
        footprint.export_declaration(document, "xlsx", target, data=data)
    assert not target.exists()
    assert pact_problems(to_pact(document)) == []  # the PACT record is fine


def test_xlsx_rebuilds_with_the_recorded_allocation_and_refuses_a_mixed_one(project, tmp_path):
    document = footprint.declare("ndpr-oxide", EXAMPLE, allocation="mass")
    footprint.export_declaration(document, "xlsx", tmp_path / "mass.xlsx", data=EXAMPLE)
    assert (tmp_path / "mass.xlsx").read_bytes().startswith(b"PK")
    document["allocation"][0]["method"] = "economic"
    with pytest.raises(ExportError, match="cannot tell which allocation"):
        footprint.export_declaration(document, "xlsx", tmp_path / "mixed.xlsx", data=EXAMPLE)
    assert not (tmp_path / "mixed.xlsx").exists()


def test_xlsx_needs_the_activity_data(project, example_declaration, tmp_path):
    with pytest.raises(ExportError, match="activity data"):
        footprint.export_declaration(example_declaration, "xlsx", tmp_path / "system.xlsx")


# ----------------------------------------------------------------------------- CLI


def _invoke(*args):
    from click.testing import CliRunner

    from cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture()
def declaration_file(example_declaration, tmp_path) -> Path:
    path = tmp_path / "decl.json"
    path.write_text(json.dumps(example_declaration), encoding="utf-8")
    return path


def test_cli_export_pact_and_csv(declaration_file, tmp_path):
    pact, table = tmp_path / "pf.json", tmp_path / "table.csv"
    result = _invoke("export", declaration_file, "--format", "pact", "-o", pact)
    assert result.exit_code == 0, result.output
    assert pact_problems(json.loads(pact.read_text(encoding="utf-8"))) == []
    result = _invoke("export", declaration_file, "--format", "csv", "-o", table)
    assert result.exit_code == 0, result.output
    assert table.read_text(encoding="utf-8").startswith("category,stage,process,item")


def test_cli_export_refuses_to_overwrite_and_bad_inputs_exit_2(declaration_file, tmp_path):
    target = tmp_path / "pf.json"
    target.write_text("keep", encoding="utf-8")
    result = _invoke("export", declaration_file, "--format", "pact", "-o", target)
    assert result.exit_code == 2 and "exists" in result.output and "--force" in result.output
    assert target.read_text(encoding="utf-8") == "keep"
    assert _invoke("export", declaration_file, "--format", "pact", "-o", target, "--force").exit_code == 0
    result = _invoke("export", declaration_file, "--format", "xlsx", "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 2 and "--data" in result.output and "Traceback" not in result.output


def test_cli_export_help_has_an_example():
    result = _invoke("export", "--help")
    assert result.exit_code == 0 and "Example" in result.output and "--format" in result.output


def test_pact_exempted_percent_keeps_the_estimated_shares_beside_an_unestimated_one(example_declaration):
    """An exclusion estimated at 2 % next to one without an estimate: at least 2 % is exempted, never "0".

    Hand-computed: known shares 0.015 + 0.005 = 0.02 -> 100 * 0.02 = 2 (%); the unestimated
    exclusion adds nothing to the number and the description says the number is a lower bound.
    (Before the fix a single unestimated exclusion made the whole number "0".)
    """
    document = copy.deepcopy(example_declaration)
    document["cut_off"]["excluded"] = [
        {"process": "mining", "item": "blasting agents", "estimated_share": None, "reason": "no dataset"},
        {"process": "roasting", "item": "refractory lining", "estimated_share": 0.015, "reason": "estimated"},
        {"process": "leaching", "item": "filter cloth", "estimated_share": 0.005, "reason": "estimated"},
    ]
    pcf = to_pact(document)["pcf"]
    assert pcf["exemptedEmissionsPercent"] == "2"
    assert "lower bound" in pcf["exemptedEmissionsDescription"]
    assert "blasting agents (no dataset) [contribution not estimated]" in pcf["exemptedEmissionsDescription"]
    document["cut_off"]["excluded"] = document["cut_off"]["excluded"][1:]  # every one estimated: no lower-bound note
    pcf = to_pact(document)["pcf"]
    assert pcf["exemptedEmissionsPercent"] == "2"
    assert "lower bound" not in pcf["exemptedEmissionsDescription"]


def test_every_number_shown_in_report_csv_and_pact_is_the_declarations(example_declaration):
    """Walk the outputs a reader sees and compare each number with the declaration's, category by category.

    The report shows fmt_sig (3 significant figures) of each result, stage and process value; the
    CSV row values are the contributions' floats exactly; PACT carries decimal_string (6 significant
    figures, no exponent) of climate change and of each other declared category.
    """
    import html as html_lib

    from footprint.inputs.upstream import all_results, declared_results
    from footprint.report import render_html
    from footprint.report._format import fmt_sig

    page = html_lib.unescape(render_html(example_declaration))
    results_table = re.search(r'<section id="results">.*?</section>', page, re.S).group(0)
    contributions = re.search(r'<section id="contributions">.*?</section>', page, re.S).group(0)
    for result in all_results(example_declaration):
        if result in declared_results(example_declaration):
            assert f'<td class="num">{fmt_sig(result["value"])}</td>' in results_table, result["category"]
            block = contributions.split(f"{result['label']} \u2014 ", 1)[1].split('<div class="category">')[0]
            assert block.startswith(f"{fmt_sig(result['value'])} {result['unit']}")
            for value in [*result["by_stage"].values(), *result["by_process"].values()]:
                assert f'<td class="num">{fmt_sig(value)}</td>' in block, (result["category"], value)
        else:
            assert f'<td class="num">{fmt_sig(result["value"])}</td>' in page, result["category"]
    rows = [r for r in csv.DictReader(io.StringIO(to_csv(example_declaration)))
            if r["category"] not in ("resource_extraction", "radionuclide_release")]
    assert [float(r["value"]) for r in rows] == [c["value"] for c in example_declaration["contributions"]]
    record = to_pact(example_declaration)
    climate = next(r for r in all_results(example_declaration) if r["category"] == "climate_change")
    assert record["pcf"]["pcfExcludingBiogenicUptake"] == decimal_string(climate["value"])
    extension = record["extensions"][0]["data"]["impactCategories"]
    shown = {c["category"]: c["value"] for c in extension}
    for result in declared_results(example_declaration):
        if result["category"] != "climate_change":
            assert shown[result["category"]] == decimal_string(result["value"]), result["category"]


def test_csv_rows_state_a_declared_unit_other_than_1_kg(example_declaration):
    """Annex V point 3 lets a rule declare per 1000 kg: before, the CSV gave 46,555 kg CO2-Eq with nothing saying
    it was per 1000 kg (a row read alone, or beside per-kg products, was read per kg)."""
    per_tonne = json.loads(json.dumps(example_declaration))
    per_tonne["declared_unit"]["amount"] = 1000.0
    rows = list(csv.DictReader(io.StringIO(to_csv(per_tonne))))
    assert rows and {r["per"] for r in rows} == {"1000 kg"}


def test_pact_refuses_a_direct_carbon_flow_from_nature_that_is_not_co2_uptake(example_declaration):
    """Only 'Carbon dioxide, in air' (kg CO2) is summed as uptake: a direct 'Carbon, organic, in soil or biomass
    stock' (kg C, land transformation) would have been subtracted as if it were kg CO2 taken up."""
    document = copy.deepcopy(example_declaration)
    rows = document["bill_of_materials"]["direct_emissions"]
    rows.append({**rows[0], "flow": "Carbon, organic, in soil or biomass stock",
                 "compartment": "natural resource::in ground", "amount": 1.0, "unit": "kilogram"})
    with pytest.raises(ExportError, match="not biogenic CO2 uptake"):
        to_pact(document)


def test_pact_refuses_a_declaration_of_a_rule_declaring_per_1000_kg(project, tmp_path, monkeypatch):
    """A rule of its own id may declare per 1000 kg (Annex V point 3); PACT v3 says of declaredUnitAmount for a
    product in bulk in kg: 'the value MUST be 1'.  Before: exit 0 with declaredUnitAmount "1000" beside
    pcfExcludingBiogenicUptake "46555.5" (46.5555 kg CO2e/kg x 1000), which a system holding to the spec reads
    as 46,555 kg CO2e per kg.  Now exit 2 naming declared_unit.amount, and no file written."""
    from click.testing import CliRunner

    import cli

    library = tmp_path / "our-rules"
    library.mkdir()
    text = (REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    head, unit, tail = text.partition("declared_unit:\n")
    assert unit and "\nid: ndpr-oxide\n" in head and tail.count("  amount: 1\n", 0, 200) == 1
    (library / "our-ndpr-oxide.yaml").write_text(
        head.replace("\nid: ndpr-oxide\n", "\nid: our-ndpr-oxide\n") + unit + tail.replace("  amount: 1\n",
                                                                                            "  amount: 1000\n", 1),
        encoding="utf-8")
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text(encoding="utf-8").replace("\nrule: ndpr-oxide\n", "\nrule: our-ndpr-oxide\n"),
                    encoding="utf-8")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    runner = CliRunner()
    declared = runner.invoke(cli.main, ["declare", "our-ndpr-oxide", str(data), "-o", str(tmp_path / "d.json")])
    assert declared.exit_code == 0, declared.output
    document = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert document["declared_unit"]["amount"] == 1000
    out = tmp_path / "p.json"
    result = runner.invoke(cli.main, ["export", str(tmp_path / "d.json"), "--format", "pact", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "declared_unit.amount" in result.output and "MUST be 1" in result.output
    assert "Traceback" not in result.output and not out.exists()
