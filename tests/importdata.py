"""Small source files in the three import formats, built inside the test suite.

Each builds the same two-dataset system, so a test can check one hand calculation
against all three importers:

* "electricity, test" (1 kWh, CN): 0.5 kg CO2 fossil + 0.001 kg CH4 fossil to air
  → GWP100 (EF 3.1: CO2 1, CH4 fossil 29.8) = 0.5 + 0.0298 = 0.5298 kg CO2-eq/kWh;
* "acid, test" (1 kg, CN): 0.2 kWh of that electricity + 0.1 kg CO2 fossil
  → 0.2 × 0.5298 + 0.1 = 0.20596 kg CO2-eq/kg.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

CO2 = "349b29d1-3e58-4c66-98b9-9d1a076efd2e"  # biosphere3: Carbon dioxide, fossil (air)
CH4 = "0795345f-c7ae-410c-ad25-1845784c75f5"  # biosphere3: Methane, fossil (air)
ELEC_GWP = 0.5 + 0.001 * 29.8
ACID_GWP = 0.2 * ELEC_GWP + 0.1

ELEC_ACT, ELEC_PROD = "a0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000001"
ACID_ACT, ACID_PROD = "a0000000-0000-4000-8000-000000000002", "b0000000-0000-4000-8000-000000000002"

_SPOLD = """<?xml version="1.0" encoding="UTF-8"?>
<ecoSpold xmlns="http://www.EcoInvent.org/EcoSpold02">
  <activityDataset>
    <activityDescription>
      <activity id="{act}" activityNameId="{act}" specialActivityType="0">
        <activityName xml:lang="en">{name}</activityName>
      </activity>
      <geography geographyId="00000000-0000-0000-0000-000000000000"><shortname xml:lang="en">CN</shortname></geography>
      <technology technologyLevel="3"/>
      <timePeriod startDate="2022-01-01" endDate="2022-12-31" isDataValidForEntirePeriod="true"/>
    </activityDescription>
    <flowData>
{exchanges}
    </flowData>
    <administrativeInformation>
      <dataEntryBy personId="00000000-0000-0000-0000-000000000000" personName="test" personEmail="t@example.org"/>
      <dataGeneratorAndPublication personId="00000000-0000-0000-0000-000000000000" personName="test"
        personEmail="t@example.org"/>
    </administrativeInformation>
  </activityDataset>
</ecoSpold>
"""

_PRODUCT = """      <intermediateExchange id="{id}" intermediateExchangeId="{flow}" amount="1"
        productionVolumeAmount="1">
        <name xml:lang="en">{name}</name><unitName xml:lang="en">{unit}</unitName><outputGroup>0</outputGroup>
      </intermediateExchange>"""
_INPUT = """      <intermediateExchange id="{id}" intermediateExchangeId="{flow}" activityLinkId="{link}"
        amount="{amount}">
        <name xml:lang="en">{name}</name><unitName xml:lang="en">{unit}</unitName><inputGroup>5</inputGroup>
      </intermediateExchange>"""
_ELEMENTARY = """      <elementaryExchange id="{id}" elementaryExchangeId="{flow}" amount="{amount}">
        <name xml:lang="en">{name}</name><unitName xml:lang="en">kg</unitName>
        <compartment subcompartmentId="00000000-0000-0000-0000-000000000000">
          <compartment xml:lang="en">air</compartment><subcompartment xml:lang="en">unspecified</subcompartment>
        </compartment>
        <outputGroup>4</outputGroup>
      </elementaryExchange>"""


def ecospold2(directory: Path, *, co2_flow: str = CO2) -> Path:
    """Two .spold files (ecoinvent's format); ``co2_flow`` lets a test break a flow UUID."""
    directory.mkdir(parents=True, exist_ok=True)
    elec = "\n".join([
        _PRODUCT.format(id="e1", flow=ELEC_PROD, name="electricity, test", unit="kWh"),
        _ELEMENTARY.format(id="e2", flow=co2_flow, amount=0.5, name="Carbon dioxide, fossil"),
        _ELEMENTARY.format(id="e3", flow=CH4, amount=0.001, name="Methane, fossil"),
    ])
    acid = "\n".join([
        _PRODUCT.format(id="h1", flow=ACID_PROD, name="acid, test", unit="kg"),
        _INPUT.format(id="h2", flow=ELEC_PROD, link=ELEC_ACT, amount=0.2, name="electricity, test", unit="kWh"),
        _ELEMENTARY.format(id="h3", flow=CO2, amount=0.1, name="Carbon dioxide, fossil"),
    ])
    (directory / f"{ELEC_ACT}_{ELEC_PROD}.spold").write_text(
        _SPOLD.format(act=ELEC_ACT, name="electricity production, test", exchanges=elec), encoding="utf-8")
    (directory / f"{ACID_ACT}_{ACID_PROD}.spold").write_text(
        _SPOLD.format(act=ACID_ACT, name="acid production, test", exchanges=acid), encoding="utf-8")
    return directory


def excel(path: Path, *, database: str = "excel-test", co2_name: str = "Carbon dioxide, fossil",
          co2_unit: str | None = "kilogram") -> Path:
    """A Brightway Excel workbook (the layout bw2io's ExcelImporter reads)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "test"
    rows = [
        ["Database", database], [],
        ["Activity", "electricity, test"],
        ["reference product", "electricity, test"], ["location", "CN"], ["unit", "kilowatt hour"],
        ["Exchanges"],
        ["name", "amount", "unit", "location", "categories", "type", "reference product"],
        ["electricity, test", 1, "kilowatt hour", "CN", "", "production", "electricity, test"],
        [co2_name, 0.5, co2_unit, "", "air", "biosphere", ""],
        ["Methane, fossil", 0.001, "kilogram", "", "air", "biosphere", ""],
        [],
        ["Activity", "acid, test"],
        ["reference product", "acid, test"], ["location", "CN"], ["unit", "kilogram"],
        ["Exchanges"],
        ["name", "amount", "unit", "location", "categories", "type", "reference product"],
        ["acid, test", 1, "kilogram", "CN", "", "production", "acid, test"],
        ["electricity, test", 0.2, "kilowatt hour", "CN", "", "technosphere", "electricity, test"],
        ["Carbon dioxide, fossil", 0.1, "kilogram", "", "air", "biosphere", ""],
    ]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _ref(kind: str, uid: str, name: str) -> dict:
    return {"@type": kind, "@id": uid, "name": name}


def jsonld(path: Path, *, zipped: bool = True, co2_name: str = "Carbon dioxide, fossil") -> Path:
    """An openLCA JSON-LD export (the format USLCI is published in): units, flows, two processes."""
    mass_group, energy_group = "c0000000-0000-4000-8000-000000000001", "c0000000-0000-4000-8000-000000000002"
    mass_prop, energy_prop = "d0000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000000000002"
    kg, kwh = "e0000000-0000-4000-8000-000000000001", "e0000000-0000-4000-8000-000000000002"
    co2_id, ch4_id = "f0000000-0000-4000-8000-000000000001", "f0000000-0000-4000-8000-000000000002"
    files: dict[str, dict] = {
        f"unit_groups/{mass_group}.json": {
            "@type": "UnitGroup", "@id": mass_group, "name": "Units of mass",
            "defaultFlowProperty": _ref("FlowProperty", mass_prop, "Mass"),
            "units": [{"@type": "Unit", "@id": kg, "name": "kg", "conversionFactor": 1.0, "referenceUnit": True}]},
        f"unit_groups/{energy_group}.json": {
            "@type": "UnitGroup", "@id": energy_group, "name": "Units of energy",
            "defaultFlowProperty": _ref("FlowProperty", energy_prop, "Energy"),
            "units": [{"@type": "Unit", "@id": kwh, "name": "kWh", "conversionFactor": 1.0, "referenceUnit": True}]},
        f"flow_properties/{mass_prop}.json": {
            "@type": "FlowProperty", "@id": mass_prop, "name": "Mass", "flowPropertyType": "PHYSICAL_QUANTITY",
            "unitGroup": _ref("UnitGroup", mass_group, "Units of mass")},
        f"flow_properties/{energy_prop}.json": {
            "@type": "FlowProperty", "@id": energy_prop, "name": "Energy", "flowPropertyType": "PHYSICAL_QUANTITY",
            "unitGroup": _ref("UnitGroup", energy_group, "Units of energy")},
    }

    def flow(uid: str, name: str, kind: str, prop: str, prop_name: str, category: str) -> dict:
        return {"@type": "Flow", "@id": uid, "name": name, "flowType": kind, "category": category,
                "flowProperties": [{"@type": "FlowPropertyFactor", "isRefFlowProperty": True,
                                    "conversionFactor": 1.0, "flowProperty": _ref("FlowProperty", prop, prop_name)}]}

    flows = {
        ELEC_PROD: flow(ELEC_PROD, "electricity, test", "PRODUCT_FLOW", energy_prop, "Energy", "Products"),
        ACID_PROD: flow(ACID_PROD, "acid, test", "PRODUCT_FLOW", mass_prop, "Mass", "Products"),
        co2_id: flow(co2_id, co2_name, "ELEMENTARY_FLOW", mass_prop, "Mass",
                     "Elementary flows/Emission to air/unspecified"),
        ch4_id: flow(ch4_id, "Methane, fossil", "ELEMENTARY_FLOW", mass_prop, "Mass",
                     "Elementary flows/Emission to air/unspecified"),
    }
    for uid, body in flows.items():
        files[f"flows/{uid}.json"] = body

    def exchange(index: int, flow_id: str, amount: float, is_input: bool, unit: tuple[str, str],
                 prop: tuple[str, str], reference: bool = False, provider: str | None = None) -> dict:
        body = {"@type": "Exchange", "internalId": index, "amount": amount, "isInput": is_input,
                "isQuantitativeReference": reference,
                "flow": {**_ref("Flow", flow_id, flows[flow_id]["name"]), "flowType": flows[flow_id]["flowType"],
                         "refUnit": unit[1], "category": flows[flow_id]["category"]},
                "unit": _ref("Unit", unit[0], unit[1]), "flowProperty": _ref("FlowProperty", prop[0], prop[1])}
        if provider:
            body["defaultProvider"] = _ref("Process", provider, "electricity production, test")
        return body

    kg_u, kwh_u, mass, energy = (kg, "kg"), (kwh, "kWh"), (mass_prop, "Mass"), (energy_prop, "Energy")
    processes = {
        ELEC_ACT: ("electricity production, test", [
            exchange(1, ELEC_PROD, 1.0, False, kwh_u, energy, reference=True),
            exchange(2, co2_id, 0.5, False, kg_u, mass), exchange(3, ch4_id, 0.001, False, kg_u, mass)]),
        ACID_ACT: ("acid production, test", [
            exchange(1, ACID_PROD, 1.0, False, kg_u, mass, reference=True),
            exchange(2, ELEC_PROD, 0.2, True, kwh_u, energy, provider=ELEC_ACT),
            exchange(3, co2_id, 0.1, False, kg_u, mass)]),
    }
    for uid, (name, exchanges) in processes.items():
        files[f"processes/{uid}.json"] = {
            "@type": "Process", "@id": uid, "name": name, "processType": "UNIT_PROCESS",
            "location": {"@type": "Location", "@id": "10000000-0000-4000-8000-0000000000cn", "name": "China"},
            "exchanges": exchanges}
    files["locations/10000000-0000-4000-8000-0000000000cn.json"] = {
        "@type": "Location", "@id": "10000000-0000-4000-8000-0000000000cn", "name": "China", "code": "CN"}
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            for name, body in files.items():
                archive.writestr(name, json.dumps(body))
        return path
    for name, body in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(body))
    return path


def excel_acid(path: Path, database: str, *, reference: float, co2: float, electricity_reference: float = 1.0,
               electricity: float = 0.0, locations: tuple[str, ...] = ("CN",), electricity_location: str = "CN") -> Path:
    """A Brightway Excel workbook with one 'acid production' dataset of a chosen reference amount.

    Brightway divides a demand by the reference amount (``reference`` kg of acid per run, emitting
    ``co2`` kg CO2 fossil and using ``electricity`` kWh of an 'electricity, test' dataset that makes
    ``electricity_reference`` kWh per run and emits 0.5 kg CO2): ecoinvent's waste treatments carry
    -1, a broken dataset 0.  One acid dataset per location in ``locations`` (same name and product).
    """
    from openpyxl import Workbook

    header = ["name", "amount", "unit", "location", "categories", "type", "reference product"]
    book = Workbook()
    sheet = book.active
    sheet.title = "test"
    rows = [
        ["Database", database], [],
        ["Activity", "electricity, test"], ["reference product", "electricity, test"], ["location", electricity_location],
        ["unit", "kilowatt hour"], ["Exchanges"], header,
        ["electricity, test", electricity_reference, "kilowatt hour", electricity_location, "", "production",
         "electricity, test"],
        ["Carbon dioxide, fossil", 0.5, "kilogram", "", "air", "biosphere", ""],
    ]
    for location in locations:
        rows += [[], ["Activity", "acid production"], ["reference product", "acid, test"], ["location", location],
                 ["unit", "kilogram"], ["Exchanges"], header,
                 ["acid production", reference, "kilogram", location, "", "production", "acid, test"],
                 ["Carbon dioxide, fossil", co2, "kilogram", "", "air", "biosphere", ""]]
        if electricity:
            rows.append(["electricity, test", electricity, "kilowatt hour", electricity_location, "", "technosphere",
                         "electricity, test"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path
