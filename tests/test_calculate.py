"""The engine's calculation path against hand-computed numbers (real Brightway, no mocks)."""
from __future__ import annotations

import math

import pytest

from footprint.data import inventory
from footprint.engine import calculate
from footprint.engine.system import Flow, ForegroundProcess, ProductSystem
from footprint.inputs.categories import category
from footprint.inputs.dqr import DQR

DQR1 = DQR(TeR=1, GeR=1, TiR=1, P=1)
# bw_processing stores processed database and method arrays as float32 (1.31 becomes 1.30999994),
# so hand-computed values agree to about 1e-7 relative, not to double precision.
REL = 1e-6
TEXTBOOK_DB = "test-textbook-background"


def _flow(process, kind, target, amount, unit, label):
    return Flow(process=process, kind=kind, target=target, amount=amount, unit=unit, label=label, field=label,
                dqr=DQR1, primary=True)


def _system(processes, reference, declared) -> ProductSystem:
    return ProductSystem(rule=None, activity=None, processes=processes, reference=reference,  # type: ignore[arg-type]
                         declared_amount=declared)


def _bio(project, name, categories=("air",)):
    bd = project[0]
    code, unit = inventory.resolve_flow(inventory.biosphere_index(bd), name, list(categories), file=None,
                                        field=None)
    return code, unit


@pytest.fixture(scope="module")
def flows(project):
    return {"co2": _bio(project, "Carbon dioxide, fossil")[0], "so2": _bio(project, "Sulfur dioxide")[0]}


def test_textbook_two_process_system_all_foreground(flows):
    """Heijungs & Suh (2002) ch. 2: 1000 kWh -> 120 kg CO2, 14 kg SO2; EF 3.1: 120 kg CO2-eq, 18.34 mol H+-eq."""
    fuel = ForegroundProcess(id="fuel", name="fuel production", stage="refining", product="fuel", output=100.0,
                             company_specific=True, annex_v=[],
                             flows=[_flow("fuel", "biosphere", flows["co2"], 10.0, "kilogram", "CO2"),
                                    _flow("fuel", "biosphere", flows["so2"], 2.0, "kilogram", "SO2")])
    electricity = ForegroundProcess(
        id="electricity", name="electricity production", stage="refining", product="electricity", output=10.0,
        company_specific=True, annex_v=[],
        flows=[_flow("electricity", "intermediate", "fuel", 2.0, "L", "fuel"),
               _flow("electricity", "biosphere", flows["co2"], 1.0, "kilogram", "CO2"),
               _flow("electricity", "biosphere", flows["so2"], 0.1, "kilogram", "SO2")])
    result = calculate.calculate(_system([fuel, electricity], "electricity", 1000.0),
                                 [category("climate_change"), category("acidification")])
    assert result.totals["climate_change"] == pytest.approx(120.0, rel=REL)
    assert result.totals["acidification"] == pytest.approx(14.0 * 1.31, rel=REL)
    assert result.by("climate_change", "process") == pytest.approx({"fuel": 20.0, "electricity": 100.0}, rel=REL)
    assert result.by("acidification", "process") == pytest.approx({"fuel": 2 * 2 * 1.31, "electricity": 10 * 1.31}, rel=REL)


def test_textbook_system_with_fuel_in_a_background_database(scratch, tmp_path):
    """Same system, the fuel now a secondary dataset written through the inventory path.

    Written into a scratch copy of the set-up (it had been written into the shared snapshot, whose manifest
    then no longer matched: a later test importing a database in the same session was refused "the set-up
    ... is damaged", seen when test_cff_mapping came after this file)."""
    project = scratch
    bd = project[0]
    root = tmp_path / "inventories"
    (root / "fuel").mkdir(parents=True)
    (root / "fuel" / "textbook.yaml").write_text(
        "code: fuel/textbook\nname: fuel, textbook\nkind: fuel\nunit: L\ngeography: GLO\nyear: 2002\n"
        "source: {citation: 'Heijungs & Suh 2002, ch. 2'}\nconfidence: V\ndqr: {TeR: 1, GeR: 1, TiR: 1, P: 1}\n"
        "exchanges:\n"
        "  - {type: biosphere, name: 'Carbon dioxide, fossil', categories: [air], amount: 100, unit: g}\n"
        "  - {type: biosphere, name: Sulfur dioxide, categories: [air], amount: 0.02, unit: kg}\n")
    catalogue = inventory.load_catalogue([root])
    inventory.write_background(catalogue, bd, name=TEXTBOOK_DB)
    co2 = _bio(project, "Carbon dioxide, fossil")[0]
    so2 = _bio(project, "Sulfur dioxide")[0]
    electricity = ForegroundProcess(
        id="electricity", name="electricity production", stage="refining", product="electricity", output=10.0,
        company_specific=True, annex_v=[],
        flows=[_flow("electricity", "background", "fuel/textbook", 2.0, "L", "fuel"),
               _flow("electricity", "biosphere", co2, 1.0, "kilogram", "CO2"),
               _flow("electricity", "biosphere", so2, 0.1, "kilogram", "SO2")])
    result = calculate.calculate(_system([electricity], "electricity", 1000.0),
                                 [category("climate_change"), category("acidification")], background=TEXTBOOK_DB)
    assert result.totals["climate_change"] == pytest.approx(120.0, rel=REL)
    assert result.totals["acidification"] == pytest.approx(18.34, rel=REL)
    items = {(i.flow.kind, i.flow.label): i.value for i in result.items["climate_change"]}
    assert items[("background", "fuel")] == pytest.approx(20.0, rel=REL)
    assert items[("biosphere", "CO2")] == pytest.approx(100.0, rel=REL)


def test_ghg_characterisation_uses_ef31_factors(project, flows):
    """CH4 fossil 29.8 and N2O 273 (EF 3.1 = IPCC AR6) per kg, through the real method."""
    ch4 = _bio(project, "Methane, fossil")[0]
    n2o = _bio(project, "Dinitrogen monoxide")[0]
    process = ForegroundProcess(id="p", name="p", stage="refining", product="x", output=1.0, company_specific=True,
                                annex_v=[], flows=[_flow("p", "biosphere", ch4, 1.0, "kilogram", "CH4"),
                                                   _flow("p", "biosphere", n2o, 1.0, "kilogram", "N2O")])
    result = calculate.calculate(_system([process], "p", 1.0), [category("climate_change")])
    assert result.totals["climate_change"] == pytest.approx(29.8 + 273, rel=REL)


def test_declared_unit_scales_linearly(flows):
    process = ForegroundProcess(id="p", name="p", stage="refining", product="x", output=2000.0,
                                company_specific=True, annex_v=[],
                                flows=[_flow("p", "biosphere", flows["co2"], 500.0, "kilogram", "CO2")])
    one = calculate.calculate(_system([process], "p", 1.0), [category("climate_change")]).totals["climate_change"]
    ten = calculate.calculate(_system([process], "p", 10.0), [category("climate_change")]).totals["climate_change"]
    assert one == pytest.approx(0.25, rel=REL)
    assert math.isclose(ten, 10 * one, rel_tol=1e-12)
