"""Freight exhaust: rail and ship datasets carry NOx, PM, SO2, NMVOC and CO from open US EPA factors.

The DEFRA freight factors give CO2e per t*km only; the pollutants are scaled by that CO2e, i.e. by the
fuel burned, with the ratio of each pollutant to the CO2e of the same open source:

    rail (USLCI Rail v1.0, 'weighted average', per ton-km): CO2 0.011879687, CH4 9.3633e-07, N2O 3.04307e-07
      CO2e (AR5) = 0.011879687 + 28 x 9.3633e-07 + 265 x 3.04307e-07 = 0.011986546 kg
      NOx 0.000141035 -> per t*km of DEFRA rail (0.02778 kg CO2e): 0.02778 x 0.000141035 / 0.011986546 = 3.26863e-04 kg
    ship (EPA C3 main engine, residual oil, non-ECA, g/kWh): CO2 607.2, N2O 0.031, CH4 0.012
      CO2e = 607.2 + 265 x 0.031 + 28 x 0.012 = 615.751; NOx 14.4, SO2 2.933
      bulk carrier (DEFRA 0.00353 kg CO2e per t*km): NOx 0.00353 x 14.4 / 615.751 = 8.25528e-05 kg,
                                                      SO2 0.00353 x 2.933 / 615.751 = 1.68144e-05 kg
"""
from __future__ import annotations

import pytest

from footprint.data import inventory


def _flow(dataset, name: str) -> float:
    return next(e.amount for e in dataset.exchanges if e.type == "biosphere" and e.name == name)


@pytest.fixture(scope="module")
def catalogue():
    return inventory.load_catalogue()


def test_rail_exhaust_is_the_uslci_ratio_times_defra_co2e(catalogue):
    rail = catalogue.datasets["transport/rail-freight"]
    assert _flow(rail, "Nitrogen oxides") == pytest.approx(3.26863e-04, rel=1e-5)
    assert _flow(rail, "Particulate Matter, < 2.5 um") == pytest.approx(0.02778 * 3.45361e-06 / 0.011986546, rel=1e-5)
    assert not rail.gaps_for("acidification")  # the exhaust gap is closed; the diesel chain is still short
    assert catalogue.status["transport/rail-freight"]["acidification"] == "partial"
    entry = catalogue.coverage_of("transport/rail-freight", "acidification")
    assert entry.incomplete_inputs == ["fuel/diesel-upstream"]


def test_ship_exhaust_is_the_epa_ratio_times_defra_co2e(catalogue):
    ship = catalogue.datasets["transport/bulk-carrier"]
    assert _flow(ship, "Nitrogen oxides") == pytest.approx(8.25528e-05, rel=1e-5)
    assert _flow(ship, "Sulfur dioxide") == pytest.approx(1.68144e-05, rel=1e-5)
    for slug in ("bulk-carrier-0-10kdwt", "bulk-carrier-10-35kdwt", "container-ship"):
        dataset = catalogue.datasets[f"transport/{slug}"]
        co2e = _flow(dataset, "Carbon dioxide, fossil")
        assert _flow(dataset, "Nitrogen oxides") == pytest.approx(co2e * 14.4 / 615.751, rel=1e-5), slug


def test_lorry_exhaust_is_the_premise_truck_factor_per_mj_times_defras_fuel_per_tkm(catalogue):
    """premise 2.5.2 lci-final-energy.xlsx 'diesel, burned in heavy-duty vehicle' (carculator_truck), per MJ:
    NOx 1.58235e-4, PM2.5 6.55881e-7, SO2 4.65116e-7 kg.  DEFRA's 0.09752 kg CO2e per t*km / 2.51279 kg CO2e
    per litre x 36.12 MJ/L = 1.4018 MJ per t*km.  NOx 1.58235e-4 x 1.4018 = 2.21814e-4; PM2.5 9.19414e-7;
    SO2 6.52000e-7 kg per t*km, to urban air as the source gives them."""
    lorry = catalogue.datasets["transport/lorry"]
    urban = ("air", "urban air close to ground")

    def flow(name):
        return sum(e.amount for e in lorry.exchanges if e.type == "biosphere" and e.name == name
                   and tuple(e.categories) == urban)
    assert 0.09752 / 2.51279 * 36.12 == pytest.approx(1.4018, rel=1e-4)
    assert flow("Nitrogen oxides") == pytest.approx(1.58235e-4 * 1.4018, rel=1e-5)
    wear_pm25 = 7.81149e-6  # brake, tyre and road wear, see the next test
    assert flow("Particulate Matter, < 2.5 um") == pytest.approx(6.55881e-7 * 1.4018 + wear_pm25, rel=1e-5)
    assert flow("Sulfur dioxide") == pytest.approx(4.65116e-7 * 1.4018, rel=1e-4)


def test_lorry_wear_particles_are_emep_fractions_of_premises_wear_per_tkm(catalogue):
    """premise 2.5.2 lci-trucks.xlsx, 'transport, freight, lorry, diesel, 40 metric ton' [RER], rows
    4798-4800: brake 5.68062e-6, road 9.29428e-6, tyre 7.34904e-6 kg wear per t*km, read as TSP.
    EMEP/EEA 2019 1.A.3.b.vi-vii mass fractions of TSP (gtfs2emis R/emi_europe_emep_wear.R):
    tyre PM10 0.60 / PM2.5 0.42, brake 0.98 / 0.39, road 0.50 / 0.27.
      PM2.5    = 0.39 x 5.68062e-6 + 0.42 x 7.34904e-6 + 0.27 x 9.29428e-6
               = 2.21544e-6 + 3.08660e-6 + 2.50946e-6 = 7.81149e-6 kg per t*km
      PM2.5-10 = 0.59 x 5.68062e-6 + 0.18 x 7.34904e-6 + 0.23 x 9.29428e-6
               = 3.35157e-6 + 1.32283e-6 + 2.13768e-6 = 6.81208e-6 kg per t*km
    The PM2.5 exchange is exhaust + wear: 6.55881e-7 x 1.4018 = 9.19414e-7, + 7.81149e-6 = 8.73091e-6 kg."""
    lorry = catalogue.datasets["transport/lorry"]
    urban = ["air", "urban air close to ground"]
    amounts = {e.name: e.amount for e in lorry.exchanges
               if e.type == "biosphere" and list(e.categories) == urban}
    assert amounts["Particulate Matter, < 2.5 um"] == pytest.approx(8.73091e-6, rel=1e-5)
    assert amounts["Particulate Matter, > 2.5 um and < 10um"] == pytest.approx(6.81208e-6, rel=1e-5)
    # the wear PM2.5 is about 8.5 times the exhaust PM2.5 of the current truck
    assert (8.73091e-6 - 9.19414e-7) / 9.19414e-7 == pytest.approx(8.496, rel=1e-3)
    assert lorry.dqr.P == 4  # screening split (P was 3 with exhaust only)
    # most of its PM2.5 is the screening split, so the dataset is flagged as screening (as fuel/coal-upstream,
    # whose CO2e is also a published figure and whose other flows are a proxy): reports show the badge
    assert lorry.screening is True


def test_the_lorry_states_what_remains_of_its_wear_particle_gap(catalogue):
    lorry = catalogue.datasets["transport/lorry"]
    assert not lorry.gaps_for("acidification")  # exhaust NOx and SO2 are carried now
    (gap,) = lorry.gaps_for("particulate_matter")
    assert "screening estimate" in gap.flows and "resuspended road dust" in gap.flows
    assert "gtfs2emis" in gap.reason
