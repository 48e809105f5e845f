"""Transcription audit of the energy and transport datasets: every amount recomputed from its source figure.

``footprint verify`` recomputes a declaration with the same datasets, so a slip made while transcribing a
dataset (g read as kg, per MWh entered per kWh, a GWP of the wrong report, a dropped digit) passes it with exit
0.  These tests hold each amount of ``inventories/electricity``, ``inventories/fuel`` and
``inventories/transport`` against the figure its ``source`` cites (``/work/shared/domain/ree-data.md`` §4,
``open-data-gaps.md`` §3, or the public file named in the dataset) and the derivation its ``notes`` state,
written out next to each expected value.  The source figures are typed here again, independently of the
YAML, so a changed digit in a dataset fails a test.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from footprint.data import inventory

REPO = Path(__file__).resolve().parents[1]
REL = 1e-4  # the datasets carry six significant digits


@pytest.fixture(scope="module")
def catalogue():
    return inventory.load_catalogue([REPO / "inventories"])


def flow(dataset, name: str, categories: list[str] | None = None, unit: str = "kg") -> float:
    """The one biosphere amount of ``name`` (in ``categories`` when given); refuses a missing or doubled flow."""
    found = [e for e in dataset.exchanges if e.type == "biosphere" and e.name == name
             and (categories is None or e.categories == categories)]
    assert len(found) == 1, f"{dataset.code}: {len(found)} exchanges named {name!r} {categories or ''}"
    assert found[0].unit == unit, f"{dataset.code}: {name} in {found[0].unit}, expected {unit}"
    return found[0].amount


def assert_ipcc_per_mj(dataset, co2: float, ch4: float, n2o: float) -> None:
    """A combustion dataset per MJ carries IPCC 2006 default factors given in kg per TJ (/ 1e6 MJ per TJ)."""
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(co2 / 1e6, rel=REL)
    assert flow(dataset, "Methane, fossil", ["air"]) == pytest.approx(ch4 / 1e6, rel=REL)
    assert flow(dataset, "Dinitrogen monoxide", ["air"]) == pytest.approx(n2o / 1e6, rel=REL)


def link(dataset, code: str, unit: str) -> float:
    """The one technosphere amount drawn from ``code``, in ``unit``."""
    found = [e for e in dataset.exchanges if e.type == "technosphere" and e.dataset == code]
    assert len(found) == 1, f"{dataset.code}: {len(found)} inputs of {code}"
    assert found[0].unit == unit, f"{dataset.code}: {code} in {found[0].unit}, expected {unit}"
    return found[0].amount


def dqr(dataset) -> tuple[int, int, int, int]:
    return (dataset.dqr.TeR, dataset.dqr.GeR, dataset.dqr.TiR, dataset.dqr.P)


# --- shared source figures (typed once, each with its place in the source) --------------------------------
# IPCC 2006 other bituminous coal (ree-data.md §4.2): 94,600 kg CO2/TJ, NCV 25.8 TJ/Gg, CH4 10, N2O 1.5 kg/TJ.
COAL_CO2_KG_PER_MJ = 94_600 / 1e6          # 0.0946
COAL_NCV_MJ_PER_KG = 25.8
# EMEP/EEA 1.A.1.a Table 3-2 hard coal (open-data-gaps.md §3), g/GJ.
HARD_COAL_G_PER_GJ = {"NOx": 209, "SOx": 820, "PM2.5": 3.4, "PM10": 7.7, "TSP": 11.4}
# China ultra-low emission ceilings (open-data-gaps.md §3), g per kWh of coal generation.
ULTRA_LOW_G_PER_KWH = {"SO2": 0.11, "NOx": 0.16, "PM": 0.03}
# IPCC 2014 AR5 WGIII coal direct, 760 g CO2eq/kWh (electricitymaps-contrib config/defaults.yaml).
COAL_DIRECT_KG_PER_KWH = 0.760
# Papastefanou 2010, upper ends of the fly-ash ranges, Bq per kg of fly ash.
FLY_ASH_BQ_PER_KG = {"Uranium-238": 950, "Uranium-234": 950, "Radium-226": 605, "Lead-210": 428}
# IPCC 2006 diesel (ree-data.md §4.2): NCV 43.0 MJ/kg, density 0.84 kg/L.
DIESEL_MJ_PER_L = 43.0 * 0.84                # 36.12
# DEFRA/DESNZ 2024 (ree-data.md §4.2), kg CO2e per litre.
DEFRA_FUEL_OIL_KG_PER_L = 3.17493
DEFRA_DIESEL_BLEND_KG_PER_L = 2.51279
DEFRA_DIESEL_WTT_KG_PER_L = 0.62409
# AR5 GWP100 (ree-data.md §4.5), the basis of DEFRA's CO2e.
AR5_CH4, AR5_N2O = 28, 265

STACK = ["air", "non-urban air or from high stacks"]


# --- electricity: Ember 2024 (life-cycle, generation-based), ree-data.md §4.1 -------------------------------
EMBER_G_PER_KWH = {  # the 'Ember 2024 life-cycle' column and the 'Extras' row of ree-data.md §4.1
    "electricity/AU": 554, "electricity/DE": 342, "electricity/EE": 341, "electricity/EU-27": 213,
    "electricity/FR": 44, "electricity/GB": 216, "electricity/GLO": 473, "electricity/IN": 709,
    "electricity/JP": 484, "electricity/KR": 416, "electricity/MM": 570, "electricity/MY": 604,
    "electricity/TH": 555, "electricity/US": 384, "electricity/VN": 486, "electricity/CN-ember": 558,
}


@pytest.mark.parametrize("code,g_per_kwh", sorted(EMBER_G_PER_KWH.items()))
def test_ember_grid_factors_are_grams_per_kwh_read_as_kg(catalogue, code, g_per_kwh):
    dataset = catalogue.datasets[code]
    assert dataset.unit == "kWh" and dataset.scope == "life-cycle" and dataset.year == 2024
    # g CO2e per kWh / 1000 = kg CO2e per kWh, lumped as one fossil CO2 flow
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(g_per_kwh / 1000, rel=REL)
    # Ember: whole mix, life-cycle, generation-based -> TeR 2; 2024 -> TiR 2; [V] against co2.js -> P 2
    assert dqr(dataset) == (2, 1, 2, 2) and dataset.confidence == "V" and not dataset.screening


# --- electricity: Electricity Maps 2024 (life-cycle, consumption-based zones), ree-data.md §4.1 -------------
ELECTRICITY_MAPS_KG_PER_KWH = {"electricity/AU-WA": 0.395, "electricity/MY-peninsular": 0.645,
                               "electricity/US-CA": 0.229}


@pytest.mark.parametrize("code,kg_per_kwh", sorted(ELECTRICITY_MAPS_KG_PER_KWH.items()))
def test_electricity_maps_zone_factors_are_transcribed(catalogue, code, kg_per_kwh):
    dataset = catalogue.datasets[code]
    assert dataset.unit == "kWh" and dataset.scope == "life-cycle" and dataset.year == 2024
    assert [e.name for e in dataset.exchanges] == ["Carbon dioxide, fossil"]
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(kg_per_kwh, rel=REL)
    # consumption-based life-cycle mix of the zone -> TeR 1
    assert dqr(dataset) == (1, 1, 2, 2)


# --- electricity: MEE/NBS 2022 direct CO2 and the flows derived from it, ree-data.md §4.1 ------------------
MEE_KG_CO2_PER_KWH = {  # 2022 column of ree-data.md §4.1; (value, P score the notes give)
    "electricity/CN": (0.5366, 2), "electricity/CN-excl-traded-nonfossil": (0.5856, 2),
    "electricity/CN-NM": (0.6849, 3), "electricity/CN-north-grid": (0.6776, 3),
    "electricity/CN-JX": (0.5752, 3), "electricity/CN-central-grid": (0.5395, 3),
}


@pytest.mark.parametrize("code", sorted(MEE_KG_CO2_PER_KWH))
def test_mee_direct_grid_factors_and_their_derived_flows(catalogue, code):
    co2, p_score = MEE_KG_CO2_PER_KWH[code]
    dataset = catalogue.datasets[code]
    assert dataset.unit == "kWh" and dataset.scope == "direct" and dataset.year == 2022
    assert dataset.dqr.P == p_score and dataset.dqr.TiR == 3
    # regional grids have no ISO code: GeR 2, confidence L; the provinces and the nation GeR 1
    assert dataset.dqr.GeR == (2 if "grid" in code else 1)
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(co2, rel=REL)
    # coal-equivalent fuel burned E [MJ/kWh] = kg CO2/kWh / 0.0946 kg CO2/MJ (CN-NM: 7.2400 MJ)
    energy_mj = co2 / COAL_CO2_KG_PER_MJ
    # CH4 10 kg/TJ and N2O 1.5 kg/TJ x E (1 TJ = 1e6 MJ)     (CN-NM: 7.2400e-05 and 1.0860e-05 kg)
    assert flow(dataset, "Methane, fossil", ["air"]) == pytest.approx(10 * energy_mj / 1e6, rel=REL)
    assert flow(dataset, "Dinitrogen monoxide", ["air"]) == pytest.approx(1.5 * energy_mj / 1e6, rel=REL)
    # coal generation per kWh consumed G = CO2 / 0.760 (CN-NM: 0.9012 kWh); ceilings in g/kWh x G / 1000
    generation = co2 / COAL_DIRECT_KG_PER_KWH
    assert flow(dataset, "Sulfur dioxide", STACK) == pytest.approx(0.11 * generation / 1000, rel=REL)
    assert flow(dataset, "Nitrogen oxides", STACK) == pytest.approx(0.16 * generation / 1000, rel=REL)
    particulate_kg = ULTRA_LOW_G_PER_KWH["PM"] * generation / 1000     # CN-NM: 2.7035e-05 kg
    # EMEP/EEA size split of TSP: PM2.5 3.4/11.4; PM2.5-10 (7.7 - 3.4)/11.4
    assert flow(dataset, "Particulate Matter, < 2.5 um", STACK) == pytest.approx(
        particulate_kg * 3.4 / 11.4, rel=REL)
    assert flow(dataset, "Particulate Matter, > 2.5 um and < 10um", STACK) == pytest.approx(
        particulate_kg * (7.7 - 3.4) / 11.4, rel=REL)
    # radionuclides: Bq per kg of fly ash x kg particulate emitted / 1000 = kBq (CN-NM U-238: 2.56837e-05)
    for nuclide, bq_per_kg in FLY_ASH_BQ_PER_KG.items():
        assert flow(dataset, nuclide, STACK, unit="kBq") == pytest.approx(
            bq_per_kg * particulate_kg / 1000, rel=REL), nuclide
    # life-cycle rules link the coal burned: E / 25.8 MJ/kg of fuel/coal-upstream (CN-NM: 0.280619 kg)
    assert dataset.upstream.dataset == "fuel/coal-upstream" and dataset.upstream.unit == "kg"
    assert dataset.upstream.amount == pytest.approx(energy_mj / COAL_NCV_MJ_PER_KG, rel=REL)


def test_world_grid_non_ghg_flows_follow_the_2018_mix(catalogue):
    dataset = catalogue.datasets["electricity/GLO"]
    # fuel burned per kWh = share x IPCC direct g/kWh / fuel g CO2 per MJ (BP 2019 mix, defaults.yaml)
    coal_mj = 0.38 * 760 / 94.6     # 3.0529 MJ
    gas_mj = 0.232 * 370 / 56.1     # 1.5301 MJ
    oil_mj = 0.03 * 406 / 74.1      # 0.1644 MJ (diesel CO2 factor as proxy)
    gj = coal_mj / 1000
    # coal at EMEP/EEA Tier 1 hard coal (g/GJ) plus gas at AP-42 §1.4 (g/MJ, ree-data.md §4.2); g -> kg
    assert flow(dataset, "Sulfur dioxide", STACK) == pytest.approx((820 * gj + 0.00025 * gas_mj) / 1000, rel=REL)
    assert flow(dataset, "Nitrogen oxides", STACK) == pytest.approx((209 * gj + 0.042 * gas_mj) / 1000, rel=REL)
    assert flow(dataset, "Particulate Matter, < 2.5 um", STACK) == pytest.approx(
        (3.4 * gj + 0.0032 * gas_mj) / 1000, rel=REL)
    assert flow(dataset, "Particulate Matter, > 2.5 um and < 10um", STACK) == pytest.approx(
        (7.7 - 3.4) * gj / 1000, rel=REL)
    fly_ash_kg = 11.4 * gj / 1000   # coal TSP 0.03480 g; the gas particulate carries no fly ash
    for nuclide, bq_per_kg in FLY_ASH_BQ_PER_KG.items():
        assert flow(dataset, nuclide, STACK, unit="kBq") == pytest.approx(bq_per_kg * fly_ash_kg / 1000, rel=REL)
    # fuels in ground: coal / 25.8 MJ/kg, gas / 36.34 MJ/m3 (fuel/natural-gas-m3), oil / 43.0 MJ/kg
    resource = ["natural resource", "in ground"]
    assert flow(dataset, "Coal, hard, unspecified", resource) == pytest.approx(coal_mj / 25.8, rel=REL)
    assert flow(dataset, "Gas, natural", resource, unit="m**3") == pytest.approx(gas_mj / 36.34, rel=REL)
    assert flow(dataset, "Oil, crude", resource) == pytest.approx(oil_mj / 43.0, rel=REL)


# --- fuels ---------------------------------------------------------------------------------------------------
def test_coal_combustion_per_kg(catalogue):
    dataset = catalogue.datasets["fuel/coal"]
    assert dataset.unit == "kg"
    gj_per_kg = COAL_NCV_MJ_PER_KG / 1000   # 0.0258 GJ/kg
    # 94,600 kg CO2/TJ x 25.8e-6 TJ/kg = 2.44068 kg; CH4 10 and N2O 1.5 kg/TJ likewise
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(94_600 * 25.8e-6, rel=REL)
    assert flow(dataset, "Methane, fossil", ["air"]) == pytest.approx(10 * 25.8e-6, rel=REL)
    assert flow(dataset, "Dinitrogen monoxide", ["air"]) == pytest.approx(1.5 * 25.8e-6, rel=REL)
    # SO2 by sulphur balance: 2 x 1 % S = 0.02 kg/kg (EMEP/EEA 820 g/GJ x 0.0258 = 0.0212 agrees)
    assert flow(dataset, "Sulfur dioxide", ["air"]) == pytest.approx(2 * 0.01, rel=REL)
    assert flow(dataset, "Sulfur dioxide", ["air"]) == pytest.approx(820 * gj_per_kg / 1000, rel=0.06)
    # EMEP/EEA g/GJ x 0.0258 GJ/kg / 1000 = kg/kg
    assert flow(dataset, "Nitrogen oxides", ["air"]) == pytest.approx(209 * gj_per_kg / 1000, rel=REL)
    assert flow(dataset, "Particulate Matter, < 2.5 um", ["air"]) == pytest.approx(3.4 * gj_per_kg / 1000, rel=REL)
    assert flow(dataset, "Particulate Matter, > 2.5 um and < 10um", ["air"]) == pytest.approx(
        (7.7 - 3.4) * gj_per_kg / 1000, rel=REL)
    tsp_kg = 11.4 * gj_per_kg / 1000        # 0.29412 g fly ash per kg coal
    for nuclide, bq_per_kg in FLY_ASH_BQ_PER_KG.items():   # U-238: 0.27941 Bq = 2.79414e-4 kBq
        assert flow(dataset, nuclide, ["air"], unit="kBq") == pytest.approx(bq_per_kg * tsp_kg / 1000, rel=REL)
    assert link(dataset, "fuel/coal-upstream", "kg") == 1


def test_diesel_combustion_per_mj(catalogue):
    dataset = catalogue.datasets["fuel/diesel"]
    assert dataset.unit == "MJ"
    assert_ipcc_per_mj(dataset, 74_100, 3, 0.6)  # IPCC 2006 diesel, kg per TJ
    # AP-42 §3.3 lb/MMBtu x 0.430 g/MJ per lb/MMBtu (453.592 g / 1055.06 MJ), rounded as in ree-data.md
    assert 453.592 / 1055.06 == pytest.approx(0.430, rel=1e-3)
    for name, lb_per_mmbtu, g_per_mj in [("Nitrogen oxides", 4.41, 1.90), ("Carbon monoxide, fossil", 0.95, 0.41),
                                         ("Sulfur dioxide", 0.29, 0.125), ("Particulate Matter, < 2.5 um", 0.31, 0.133)]:
        assert lb_per_mmbtu * 0.430 == pytest.approx(g_per_mj, rel=0.01), name
        assert flow(dataset, name, ["air"]) == pytest.approx(g_per_mj / 1000, rel=REL), name
    assert link(dataset, "fuel/diesel-upstream", "MJ") == 1
    # cross-check of the notes: DEFRA 2.66155 kg CO2e/L / 36.12 MJ/L within 1 % of IPCC CO2 + AR5 CH4, N2O
    ipcc = 0.0741 + AR5_CH4 * 3e-6 + AR5_N2O * 6e-7          # 0.074343
    assert 2.66155 / DIESEL_MJ_PER_L == pytest.approx(ipcc, rel=0.01)


def test_natural_gas_combustion_per_mj_and_per_m3(catalogue):
    dataset = catalogue.datasets["fuel/natural-gas"]
    assert dataset.unit == "MJ"
    assert_ipcc_per_mj(dataset, 56_100, 1, 0.1)  # IPCC 2006 natural gas, kg per TJ
    # AP-42 §1.4: lb per 1e6 scf at 1,020 Btu/scf (1,020 MMBtu per 1e6 scf) x 0.430 -> g/MJ (ree-data.md)
    for name, lb_per_mscf, g_per_mj in [("Nitrogen oxides", 100, 0.042), ("Particulate Matter, < 2.5 um", 7.6, 0.0032),
                                        ("Sulfur dioxide", 0.6, 0.00025)]:
        assert lb_per_mscf / 1020 * 0.430 == pytest.approx(g_per_mj, rel=0.02), name
        assert flow(dataset, name, ["air"]) == pytest.approx(g_per_mj / 1000, rel=REL), name
    assert link(dataset, "fuel/natural-gas-upstream", "MJ") == 1
    per_m3 = catalogue.datasets["fuel/natural-gas-m3"]
    assert per_m3.unit == "m**3"
    # NCV = DEFRA 2.06318 kg CO2e/m3 / 0.2044 kg CO2e/kWh(NCV) x 3.6 MJ/kWh = 36.34 MJ/m3
    assert link(per_m3, "fuel/natural-gas", "MJ") == pytest.approx(2.06318 / 0.2044 * 3.6, rel=REL)


def test_defra_fuel_factors_per_litre_and_per_kg(catalogue):
    # DEFRA 2024 (ree-data.md §4.2): fuel oil 3.17493 kg CO2e/L, WTT 0.69539; LPG 2.93936 kg CO2e/kg
    fuel_oil = catalogue.datasets["fuel/fuel-oil"]
    assert fuel_oil.unit == "L" and flow(fuel_oil, "Carbon dioxide, fossil", ["air"]) == pytest.approx(3.17493, rel=REL)
    assert link(fuel_oil, "fuel/fuel-oil-upstream", "L") == 1
    wtt = catalogue.datasets["fuel/fuel-oil-upstream"]
    assert wtt.unit == "L" and flow(wtt, "Carbon dioxide, fossil", ["air"]) == pytest.approx(0.69539, rel=REL)
    lpg = catalogue.datasets["fuel/lpg"]
    assert lpg.unit == "kg" and flow(lpg, "Carbon dioxide, fossil", ["air"]) == pytest.approx(2.93936, rel=REL)
    # the per-litre LPG factor 1.55713 implies 0.530 kg/L, an LPG density (a per-L value read as per-kg would
    # have been 1.55713)
    assert 1.55713 / 2.93936 == pytest.approx(0.53, rel=0.01)


def test_kerosene_proxy_is_one_kg_of_diesel_supply(catalogue):
    dataset = catalogue.datasets["fuel/kerosene"]
    assert dataset.unit == "kg" and dataset.screening and dataset.dqr.P >= 4
    # 1 kg x 43.0 MJ/kg (IPCC diesel NCV) of fuel/diesel-upstream
    assert link(dataset, "fuel/diesel-upstream", "MJ") == pytest.approx(43.0, rel=REL)
    # = 43.0 x 0.0172782 = 0.743 kg CO2e, the DEFRA diesel WTT 0.62409 kg/L / 0.84 kg/L
    upstream = flow(catalogue.datasets["fuel/diesel-upstream"], "Carbon dioxide, fossil", ["air"])
    assert 43.0 * upstream == pytest.approx(DEFRA_DIESEL_WTT_KG_PER_L / 0.84, rel=REL)


def test_diesel_upstream_per_mj(catalogue):
    dataset = catalogue.datasets["fuel/diesel-upstream"]
    assert dataset.unit == "MJ"
    # DEFRA 2024 diesel WTT 0.62409 kg CO2e/L / 36.12 MJ/L = 0.0172782 kg CO2e/MJ
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(
        DEFRA_DIESEL_WTT_KG_PER_L / DIESEL_MJ_PER_L, rel=REL)
    crude_kg = 1 / 43.0     # kg crude per MJ diesel (mass identity at the diesel NCV) = 0.0232558
    assert flow(dataset, "Oil, crude", ["natural resource", "in ground"]) == pytest.approx(crude_kg, rel=REL)
    # crude chain (premise ESU workbook, per kg crude) x kg crude per MJ
    assert flow(dataset, "Sulfur dioxide", STACK) == pytest.approx(2.14277e-4 * crude_kg, rel=REL)
    assert flow(dataset, "Nitrogen oxides", STACK) == pytest.approx(2.77884e-4 * crude_kg, rel=REL)
    assert flow(dataset, "Particulate Matter, < 2.5 um", STACK) == pytest.approx(4.48517e-6 * crude_kg, rel=REL)
    assert flow(dataset, "Particulate Matter, < 2.5 um", ["air", "urban air close to ground"]) == pytest.approx(
        1.53525e-5 * crude_kg, rel=REL)
    radon = sum(e.amount for e in dataset.exchanges if e.name == "Radon-222")
    assert radon == pytest.approx(0.0208 * crude_kg, rel=2e-3)   # 0.0208 kBq per kg crude, three digits
    # sea leg: 3.7046 t*km per kg crude x crude_kg = 0.0861534 t*km/MJ, times transport/container-ship's
    # exhaust per t*km (the same file's amounts, so a slip there shows here too)
    sea_tkm = 3.7046 * crude_kg
    ship = catalogue.datasets["transport/container-ship"]
    for name in ["Nitrogen oxides", "Sulfur dioxide", "Particulate Matter, < 2.5 um",
                 "Particulate Matter, > 2.5 um and < 10um"]:
        assert flow(dataset, name, ["air"]) == pytest.approx(sea_tkm * flow(ship, name, ["air"]), rel=REL), name


# ElectricityLCI coal_mining_lci.csv, scenario NA-B-U, column p50, kg per kg coal (commit c8abb6a)
COAL_MINING_P50 = [("Sulfur dioxide", ["air"], 2.09631e-4), ("Sulfur oxides", ["air"], 1.41973e-5),
                   ("Nitrogen oxides", ["air"], 8.37653e-5), ("Particulate Matter, < 2.5 um", ["air"], 3.10719e-4),
                   ("Particulate Matter, > 2.5 um and < 10um", ["air"], 8.07596e-5),
                   ("Ammonia", ["air"], 1.37407e-10), ("Phosphorus", ["water"], 1.50803e-10)]


def test_coal_upstream_per_kg(catalogue):
    dataset = catalogue.datasets["fuel/coal-upstream"]
    assert dataset.unit == "kg" and dataset.screening and dataset.dqr.P == 4
    # DEFRA 2024 coal (industrial) WTT 0.41815 kg CO2e/kg; 1 kg coal in ground per kg coal supplied
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(0.41815, rel=REL)
    assert flow(dataset, "Coal, hard, unspecified", ["natural resource", "in ground"]) == 1
    for name, categories, amount in COAL_MINING_P50:
        assert flow(dataset, name, categories) == pytest.approx(amount, rel=REL), name


def test_natural_gas_upstream_per_mj_is_the_per_m3_chain_over_36_34(catalogue):
    dataset = catalogue.datasets["fuel/natural-gas-upstream"]
    assert dataset.unit == "MJ"
    m3_per_mj = 1 / 36.34

    def total(name: str, unit: str = "kg") -> float:
        found = [e for e in dataset.exchanges if e.type == "biosphere" and e.name == name]
        assert found and all(e.unit == unit for e in found), name
        return sum(e.amount for e in found)

    # per m3 delivered (premise ESU 'natural gas, high pressure, at consumer', rounded in notes) x 1/36.34
    for name, per_m3, unit in [("Carbon dioxide, fossil", 0.257, "kg"), ("Methane, fossil", 0.00981, "kg"),
                               ("Nitrogen oxides", 0.000677, "kg"), ("Sulfur dioxide", 0.000129, "kg"),
                               ("Particulate Matter, < 2.5 um", 1.24e-5, "kg"),
                               ("NMVOC, non-methane volatile organic compounds", 0.00293, "kg"),
                               ("Radon-222", 0.0135, "kBq"), ("Gas, natural", 1.124, "m**3")]:
        assert total(name, unit) == pytest.approx(per_m3 * m3_per_mj, rel=5e-3), name
    # inputs per m3 -> per MJ: electricity 0.0226 kWh; diesel 0.000566 kg x 43.0 MJ/kg; diesel burned
    # 0.000258 MJ; lorry 0.00122 t*km; train 0.00715 t*km; steel 0.00309 kg (three digits in the notes)
    for code, per_m3, unit in [("electricity/GLO", 0.0226, "kWh"), ("fuel/diesel-upstream", 0.000566 * 43.0, "MJ"),
                               ("fuel/diesel", 0.000258, "MJ"), ("transport/lorry", 0.00122, "t*km"),
                               ("transport/rail-freight", 0.00715, "t*km"),
                               ("material/steel-crude-worldsteel", 0.00309, "kg")]:
        assert link(dataset, code, unit) == pytest.approx(per_m3 * m3_per_mj, rel=5e-3), code


# --- transport -----------------------------------------------------------------------------------------------
# EPA C3 main engine, residual fuel oil outside ECAs (uslci-marine emission_factors.csv), g/kWh
SHIP_G_PER_KWH = {"NOx": 14.4, "PM10": 0.726, "PM2.5": 0.704, "SO2": 2.933, "VOC": 0.632, "CO": 1.4}
SHIP_CO2E_G_PER_KWH = 607.2 + AR5_CH4 * 0.012 + AR5_N2O * 0.031   # 615.751 (AR5, like DEFRA)
DEFRA_SHIP_KG_PER_TKM = {  # ree-data.md §4.4
    "transport/container-ship": 0.01612, "transport/bulk-carrier": 0.00353,
    "transport/bulk-carrier-0-10kdwt": 0.02956, "transport/bulk-carrier-10-35kdwt": 0.008,
}


@pytest.mark.parametrize("code,co2e", sorted(DEFRA_SHIP_KG_PER_TKM.items()))
def test_ship_factors_per_tkm(catalogue, code, co2e):
    dataset = catalogue.datasets[code]
    assert dataset.unit == "t*km"
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(co2e, rel=REL)
    # fuel burned per t*km = kg CO2e/t*km / 3.17493 kg CO2e per L of fuel oil (DEFRA 2024)
    assert link(dataset, "fuel/fuel-oil-upstream", "L") == pytest.approx(co2e / DEFRA_FUEL_OIL_KG_PER_L, rel=REL)
    # exhaust = EPA g/kWh / 615.751 g CO2e/kWh x kg CO2e per t*km (container ship NOx: 0.000376984)
    per_co2e = {k: v / SHIP_CO2E_G_PER_KWH for k, v in SHIP_G_PER_KWH.items()}
    assert flow(dataset, "Nitrogen oxides", ["air"]) == pytest.approx(co2e * per_co2e["NOx"], rel=REL)
    assert flow(dataset, "Particulate Matter, < 2.5 um", ["air"]) == pytest.approx(co2e * per_co2e["PM2.5"], rel=REL)
    assert flow(dataset, "Particulate Matter, > 2.5 um and < 10um", ["air"]) == pytest.approx(
        co2e * (per_co2e["PM10"] - per_co2e["PM2.5"]), rel=REL)
    assert flow(dataset, "Sulfur dioxide", ["air"]) == pytest.approx(co2e * per_co2e["SO2"], rel=REL)
    assert flow(dataset, "NMVOC, non-methane volatile organic compounds", ["air"]) == pytest.approx(
        co2e * per_co2e["VOC"], rel=REL)
    assert flow(dataset, "Carbon monoxide, fossil", ["air"]) == pytest.approx(co2e * per_co2e["CO"], rel=REL)


def test_ship_fuel_chain_uses_the_fuel_oil_dataset_factor(catalogue):
    # the litres per t*km divide by the same DEFRA factor fuel/fuel-oil burns: a slip in either shows here
    assert flow(catalogue.datasets["fuel/fuel-oil"], "Carbon dioxide, fossil", ["air"]) == pytest.approx(
        DEFRA_FUEL_OIL_KG_PER_L, rel=REL)


def test_lorry_per_tkm(catalogue):
    dataset = catalogue.datasets["transport/lorry"]
    assert dataset.unit == "t*km" and dataset.screening and dqr(dataset) == (3, 2, 2, 4)
    co2e = 0.09752   # DEFRA 2024 HGV all diesel, average laden, kg CO2e/t*km (ree-data.md §4.4)
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(co2e, rel=REL)
    # diesel per t*km = 0.09752 / 2.51279 kg CO2e/L (average blend) = 0.0388095 L x 36.12 MJ/L = 1.4018 MJ
    diesel_mj = co2e / DEFRA_DIESEL_BLEND_KG_PER_L * DIESEL_MJ_PER_L
    assert link(dataset, "fuel/diesel-upstream", "MJ") == pytest.approx(diesel_mj, rel=REL)
    ground = ["air", "urban air close to ground"]
    # premise 'diesel, burned in heavy-duty vehicle' (lci-final-energy.xlsx), kg per MJ, x MJ per t*km, to
    # urban air close to ground (the source books SO2 to 'air'; EF 3.1 weights SO2 the same in both)
    for name, per_mj, categories in [("Nitrogen oxides", 1.58235e-4, ground), ("Sulfur dioxide", 4.65116e-7, ground),
                                     ("NMVOC, non-methane volatile organic compounds", 2.63387e-6, ground),
                                     ("Ammonia", 1.24006e-6, ground), ("Carbon monoxide, fossil", 2.87951e-5, ground)]:
        assert flow(dataset, name, categories) == pytest.approx(per_mj * diesel_mj, rel=REL), name
    # SO2 at 10 ppm S: 2 x 10e-6 kg S per kg / 43.0 MJ/kg = 4.65116e-7 kg/MJ (the premise figure)
    assert 2 * 10e-6 / 43.0 == pytest.approx(4.65116e-7, rel=REL)
    # wear TSP per t*km (premise 40 t lorry: brake, tyre, road) split with EMEP/EEA mass fractions
    brake, tyre, road = 5.68062e-6, 7.34904e-6, 9.29428e-6
    wear_pm25 = 0.39 * brake + 0.42 * tyre + 0.27 * road                                  # 7.81149e-6
    wear_coarse = (0.98 - 0.39) * brake + (0.60 - 0.42) * tyre + (0.50 - 0.27) * road     # 6.81208e-6
    assert flow(dataset, "Particulate Matter, < 2.5 um", ground) == pytest.approx(
        6.55881e-7 * diesel_mj + wear_pm25, rel=REL)
    assert flow(dataset, "Particulate Matter, > 2.5 um and < 10um", ground) == pytest.approx(wear_coarse, rel=REL)


def test_rail_freight_per_tkm(catalogue):
    dataset = catalogue.datasets["transport/rail-freight"]
    assert dataset.unit == "t*km"
    co2e = 0.02778   # DEFRA 2024 rail freight, kg CO2e/t*km (ree-data.md §4.4)
    assert flow(dataset, "Carbon dioxide, fossil", ["air"]) == pytest.approx(co2e, rel=REL)
    # diesel = 0.02778 / 2.51279 kg CO2e/L x 36.12 MJ/L = 0.399323 MJ/t*km
    assert link(dataset, "fuel/diesel-upstream", "MJ") == pytest.approx(
        co2e / DEFRA_DIESEL_BLEND_KG_PER_L * DIESEL_MJ_PER_L, rel=REL)
    # USLCI rail 'weighted average' rows (RAIL LCI INVENTORY 10_21.csv), kg per t*km of that process; its own
    # CO2e at AR5 = CO2 0.011879687 + 28 x CH4 9.3633e-07 + 265 x N2O 3.04307e-07 = 0.011986546 kg
    uslci_co2e = 0.011879687 + AR5_CH4 * 9.3633e-07 + AR5_N2O * 3.04307e-07
    assert uslci_co2e == pytest.approx(0.011986546, rel=1e-6)
    # pollutant / USLCI CO2e x DEFRA CO2e (NOx: 0.000141035 / 0.011986546 = 0.0117661 x 0.02778)
    for name, uslci in [("Nitrogen oxides", 0.000141035), ("Particulate Matter, < 2.5 um", 3.45361e-06),
                        ("Particulate Matter, > 2.5 um and < 10um", 3.56039e-06 - 3.45361e-06),
                        ("Sulfur dioxide", 1.09902e-07), ("NMVOC, non-methane volatile organic compounds", 5.68169e-06),
                        ("Carbon monoxide, fossil", 3.11611e-05), ("Ammonia", 9.74954e-08)]:
        assert flow(dataset, name, ["air"]) == pytest.approx(co2e * uslci / uslci_co2e, rel=REL), name
