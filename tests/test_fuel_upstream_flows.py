"""Fuel supply chains carry their non-greenhouse flows, never their greenhouse gases twice.

fuel/coal-upstream (per kg coal): DEFRA 2024 WTT 0.41815 kg CO2e, plus the mining air emissions of the US EPA /
NETL ElectricityLCI coal_mining_lci.csv (scenario NA-B-U, p50, kg per kg coal; a screening geographic proxy):
    SO2 2.09631e-4, SOx 1.41973e-5, NOx 8.37653e-5, PM <= 2.5 um 3.10719e-4, PM <= 10 um 8.07596e-5 (booked as
    PM2.5-10), NH3 1.37407e-10, all to unspecified air.
  EF 3.1 (as bundled) acidification, mol H+-Eq per kg: SO2 and SOx 1.31, NOx 0.74, NH3 3.02
    2.09631e-4 x 1.31 + 1.41973e-5 x 1.31 + 8.37653e-5 x 0.74 + 1.37407e-10 x 3.02
    = 2.74617e-4 + 1.85985e-5 + 6.19863e-5 + 4.1497e-10 = 3.55202e-4
  particulate matter, disease incidence per kg to unspecified air: PM2.5 2.38497e-4, PM2.5-10 5.48544e-5,
  SO2 and SOx 8e-6, NOx 1.6e-6, NH3 2.1e-5
    3.10719e-4 x 2.38497e-4 + 8.07596e-5 x 5.48544e-5 + (2.09631e-4 + 1.41973e-5) x 8e-6 + 8.37653e-5 x 1.6e-6
    = 7.41056e-8 + 4.43e-9 + 1.79063e-9 + 1.34024e-10 (+ 2.9e-15 NH3) = 8.04602e-8
  climate change stays 0.41815 (the NETL methane and CO2 are inside DEFRA's CO2e and are not added).

fuel/diesel-upstream (per MJ diesel): DEFRA 2024 WTT 0.0172782 kg CO2e, plus the crude supply chain of
ESU-services 2021 (premise lci-ESU-oil-and-gas.xlsx, 'crude oil, import mix, at long distance transport' RER)
x 0.0232558 kg crude per MJ, its Kyoto gases left out, plus the crude's sea leg (3.7046 t*km per kg crude x
0.0232558 = 0.0861534 t*km per MJ) x transport/container-ship's exhaust per t*km:
  acidification: NOx sea leg 3.24785e-5 x 0.74 = 2.4034e-5; SO2 sea leg 6.61522e-6 x 1.31 = 8.6659e-6;
    SO2 crude chain 4.98318e-6 x 1.31 = 6.528e-6; NOx crude chain 6.46243e-6 x 0.74 = 4.7822e-6
    -> 4.40102e-5 mol H+-Eq per MJ
  ionising radiation (kBq U235-Eq per kBq): Ra-226 in produced water 0.00543207 (surface water) + 0.0025578
    (ocean) x 0.00607 = 4.84996e-5; Rn-222 (5.28905e-5 + 2.64471e-4 + 1.6711e-4) x 0.00114 = 5.5230e-7;
    U-238 to surface water 4.48034e-7 x 0.107 = 4.794e-8 -> 4.9099e-5 per MJ
  particulate matter: PM2.5 sea leg 1.58783e-6 x 2.38497e-4 = 3.7869e-10, urban 3.57035e-7 x 2.38497e-4
    = 8.5152e-11, SO2 sea leg 5.2922e-11, NOx sea leg 5.1966e-11, the rest 9.3e-12 -> 5.78059e-10 per MJ
  climate change stays 0.0172782 (CO2, CH4, N2O and HFC-23 of the chain are inside DEFRA's CO2e).
"""
from __future__ import annotations

import pytest

from footprint.data import inventory


@pytest.fixture(scope="module")
def scores(project):
    from footprint.engine import solvers
    from footprint.inputs.categories import category

    names = ["acidification", "particulate_matter", "ionising_radiation", "climate_change"]
    rows, table = solvers.background_scores([inventory.BACKGROUND_DB], [category(name) for name in names])
    node = solvers.node_ids(inventory.BACKGROUND_DB)
    return lambda code, name: float(table[rows[node[code]], names.index(name)])


def test_coal_supply_carries_the_netl_mining_gases_and_particulate_per_kg(scores):
    assert scores("fuel/coal-upstream", "acidification") == pytest.approx(3.55202e-4, rel=1e-5)
    assert scores("fuel/coal-upstream", "particulate_matter") == pytest.approx(8.04602e-8, rel=1e-5)
    assert scores("fuel/coal-upstream", "climate_change") == pytest.approx(0.41815, rel=1e-6)  # no second methane
    assert scores("fuel/coal-upstream", "ionising_radiation") == 0.0  # Rn-222 of mining is a stated gap


def test_diesel_supply_carries_the_crude_chain_and_its_sea_leg_per_mj(scores):
    assert scores("fuel/diesel-upstream", "acidification") == pytest.approx(4.40102e-5, rel=1e-4)
    assert scores("fuel/diesel-upstream", "ionising_radiation") == pytest.approx(4.9099e-5, rel=1e-4)
    assert scores("fuel/diesel-upstream", "particulate_matter") == pytest.approx(5.78059e-10, rel=1e-4)
    assert scores("fuel/diesel-upstream", "climate_change") == pytest.approx(0.0172782, rel=1e-6)


def test_no_greenhouse_gas_of_the_chains_is_added_to_the_lumped_co2e():
    """A lumped-CO2e dataset carries its CO2e as its one greenhouse flow (the loader refuses a second one);
    the transcribed chains bring none: coal's NETL methane and the crude chain's CO2, CH4, N2O, HFC-23 (and
    the butane, propane, ethane and halon with an EF 3.1 climate factor) stay out."""
    catalogue = inventory.load_catalogue()
    for code, co2e in (("fuel/coal-upstream", 0.41815), ("fuel/diesel-upstream", 0.0172782)):
        names = [e.name for e in catalogue.datasets[code].exchanges if e.type == "biosphere"]
        assert names.count("Carbon dioxide, fossil") == 1, code
        assert not {"Methane, fossil", "Dinitrogen monoxide", "Butane", "Propane"} & set(names), code
        amount = next(e.amount for e in catalogue.datasets[code].exchanges if e.name == "Carbon dioxide, fossil")
        assert amount == co2e
    coal = catalogue.datasets["fuel/coal-upstream"]
    assert coal.screening and coal.dqr.P == 4 and coal.dqr.TeR == 3  # a screening geographic proxy


def test_the_demo_coal_and_kerosene_items_follow_the_supply_chains(example_declaration):
    """Per kg coal burned (fuel/coal): SO2 0.02 x 1.31 + NOx 0.0053922 x 0.74 = 0.0301902 mol H+-Eq before;
    its supply adds 3.55202e-4 -> x 1.011766.  Particulate: PM2.5 8.772e-5 x 2.38497e-4 + PM2.5-10 1.1094e-4
    x 5.48544e-5 + SO2 0.02 x 8e-6 + NOx 0.0053922 x 1.6e-6 = 1.95634e-7 before; + 8.04602e-8 -> x 1.41128.
    The separation's kerosene takes diesel-upstream as its supply proxy, so its acidification and ionising
    radiation stand in the ratio 4.40102e-5 : 4.9099e-5 (both were zero before)."""
    def item(category, process, name):
        return sum(c["value"] for c in example_declaration["contributions"]
                   if c["category"] == category and c["process"] == process and c["item"] == name)
    roasting_coal_kg = item("acidification", "roasting", "coal") / (0.0301902 + 3.55202e-4)
    assert item("particulate_matter", "roasting", "coal") == pytest.approx(
        roasting_coal_kg * (1.95634e-7 + 8.04602e-8), rel=1e-4)
    assert roasting_coal_kg == pytest.approx(1.61417, rel=1e-4)  # kg coal per kg NdPr oxide, allocated
    kerosene_acid = item("acidification", "separation", "kerosene")
    kerosene_ion = item("ionising_radiation", "separation", "kerosene")
    assert kerosene_acid / kerosene_ion == pytest.approx(4.40102e-5 / 4.9099e-5, rel=1e-4)


def test_the_demos_declared_values_after_the_supply_chain_flows(example_declaration):
    """Before -> after (issue 12, fourth round), per kg NdPr oxide:
    acidification 0.542223 -> 0.560739 (+0.018516): direct coal +0.000687 (its 1.93 kg x 3.55202e-4), the
      grid's coal chain +0.000466, diesel in mining +0.009256, kerosene +0.007305, lorry and rail fuel +0.000802;
    particulate matter 9.2301e-06 -> 9.7195e-06 (+4.894e-07: coal supply +2.61e-07, diesel and
      kerosene supply +2.28e-07);
    ionising radiation 0.648943 -> 0.668313 (+0.019370, Ra-226 in the crude chain's produced water);
    climate change 46.56 unchanged (no greenhouse gas counted twice).
    Fifth round: the lorry's wear particles add PM2.5 7.81149e-6 x 2.38497e-4 + PM2.5-10 6.81208e-6 x
    5.48544e-5 = 1.86301e-9 + 3.73673e-10 = 2.23668e-9 disease incidence per t*km (urban air close to ground);
    the demo's 2.1223 t*km per kg (its lorry climate items 0.131709 + 0.126666 kg CO2e / 0.121741 kg CO2e per
    t*km, DEFRA 0.09752 + diesel supply 1.4018 MJ x 0.0172782) -> +4.747e-09."""
    values = {r["category"]: r["value"] for r in example_declaration["results"]}
    assert values["acidification"] == pytest.approx(0.542223 + 0.018516, rel=1e-5)
    assert values["particulate_matter"] == pytest.approx(9.2301e-06 + 4.894e-07 + 2.1223 * 2.23668e-9, rel=1e-4)
    assert 7.81149e-6 * 2.38497e-4 + 6.81208e-6 * 5.48544e-5 == pytest.approx(2.23668e-9, rel=1e-5)
    assert values["ionising_radiation"] == pytest.approx(0.648943 + 0.019370, rel=1e-5)
    assert values["climate_change"] == pytest.approx(46.5555, rel=1e-5)


def test_coal_supply_carries_netl_mining_phosphorus_to_water():
    """coal_mining_lci.csv, flow 'Phosphorus' (emission/water, FEDEFL UUID 1733622b-...), scenario NA-B-U, p50:
    1.508031671928427e-10 kg per kg coal (the same in all 22 scenarios), booked as 'Phosphorus' [water]
    (EF 3.1 freshwater eutrophication 1 kg P-Eq per kg)."""
    coal = inventory.load_catalogue().datasets["fuel/coal-upstream"]
    (phosphorus,) = [e for e in coal.exchanges if e.type == "biosphere" and e.name == "Phosphorus"]
    assert list(phosphorus.categories) == ["water"] and phosphorus.amount == pytest.approx(1.50803e-10, rel=1e-6)
    (gap,) = [g for g in coal.gaps if "eutrophication_freshwater" in g.categories]
    assert "other than phosphorus" in gap.flows and "no 'Phosphate' row" in gap.reason


def test_the_mixed_reo_example_declares_freshwater_eutrophication_from_the_grids_coal_mining(project):
    """Issue 12, fifth round: mixed-reo-iac was refused (freshwater eutrophication: coverage none).  Its only
    phosphorus now comes from the coal mined for the Jiangxi grid: 600 MWh / 1,500 t = 0.4 kWh per kg REO x
    0.235672 kg coal per kWh (electricity/CN-JX -> fuel/coal-upstream) x 1.50803e-10 kg P = 1.42160e-11 kg P-Eq,
    declared as partial (the ammonium chemicals' chains carry CO2e only)."""
    import footprint

    document = footprint.declare("mixed-reo-iac", "examples/mixed-reo-iac/activity-2025.yaml")
    result = next(r for r in document["results"] if r["category"] == "eutrophication_freshwater")
    assert result["value"] == pytest.approx(0.4 * 0.235672 * 1.50803e-10, rel=1e-5)
    assert 0.4 * 0.235672 * 1.50803e-10 == pytest.approx(1.42160e-11, rel=1e-5)
    assert result["coverage"] == "partial"
