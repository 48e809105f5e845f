"""A declaration's Monte Carlo statistics read by another command agree with one another (footprint.inputs.spread).

A supplier's percentiles are sampled into a buyer's Monte Carlo, the register keeps median and 95 % interval,
``classes assign`` takes class probabilities from the percentiles: none of them recomputes the block.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import footprint
from footprint.errors import ActivityDataError
from footprint.inputs.upstream import content_hash
from footprint.market import classes
from footprint.market.classes import ClassSchemeError
from footprint.market.registry import RegistryError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture(scope="module")
def with_monte_carlo(project) -> dict:
    return footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=300, seed=2)


def _rehashed(document: dict) -> dict:
    document = json.loads(json.dumps(document))
    document["content_sha256"] = content_hash(document)
    return document


def result_problem(entry):
    from footprint.inputs.spread import result_problem as check  # new with the check (old code: no module)

    return check(entry)


def test_a_block_footprint_wrote_is_consistent(with_monte_carlo):
    for entry in with_monte_carlo["uncertainty"]["results"]:
        assert result_problem(entry) is None


def test_a_mean_of_equal_samples_off_by_rounding_is_consistent():
    """1,090 samples all 0.5062844838783298 have the numpy mean 0.5062844838783299 (one ulp above every
    sample): a category nothing uncertain reaches, and no edit."""
    samples = np.full(1090, 0.5062844838783298)
    q = [float(v) for v in np.percentile(samples, np.arange(101.0))]
    low, median, high = np.percentile(samples, [2.5, 50.0, 97.5])
    entry = {"quantiles": q, "mean": float(np.mean(samples)), "median": float(median),
             "sd": float(np.std(samples, ddof=1)), "p2_5": float(low), "p97_5": float(high)}
    assert entry["mean"] > q[100]  # the rounding the check allows for
    assert result_problem(entry) is None


@pytest.mark.parametrize("edit, field", [
    (lambda r: r.update(quantiles=[10 * q for q in r["quantiles"]]), "median"),  # percentiles x 10, the rest left
    (lambda r: r.update(median=r["p97_5"] * 2), "median"),
    (lambda r: r.update(p2_5=r["median"] + 1), "p2_5"),
    (lambda r: r.update(mean=r["quantiles"][100] * 3), "mean"),
    (lambda r: r.update(quantiles=r["quantiles"][::10]), "quantiles"),  # 11 numbers read as percentiles 0..100
])
def test_classes_assign_refuses_statistics_that_contradict_the_percentiles(with_monte_carlo, edit, field):
    """Before: only ascending percentiles were required; a median doubled (classed under a median scheme) or
    a 2.5 % above the median (within_95_interval) was used as it stood, exit 0."""
    document = json.loads(json.dumps(with_monte_carlo))
    edit(document["uncertainty"]["results"][0])
    with pytest.raises(ClassSchemeError, match=rf"uncertainty.results\[climate_change\].{field}"):
        classes.uncertainty_result(document, "climate_change")


def test_market_add_refuses_a_median_that_contradicts_the_percentiles(with_monte_carlo, tmp_path):
    """Before: a median edited to 30 (content hash recomputed) while the percentiles say about 47 was kept in
    the register, and 'classes derive --basis median' ranked the declaration at 30, exit 0."""
    document = json.loads(json.dumps(with_monte_carlo))
    document["uncertainty"]["results"][0]["median"] = 30.0
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(_rehashed(document)), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"uncertainty.results\[climate_change\].median"):
        footprint.market_add([path], mass_kg=1000.0, year=2025, register=tmp_path / "market.sqlite")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(with_monte_carlo), encoding="utf-8")
    footprint.market_add([good], mass_kg=1000.0, year=2025, register=tmp_path / "market.sqlite")


def test_a_supplier_whose_percentiles_contradict_its_statistics_is_refused_as_an_input(project, tmp_path):
    """Before: an NdPr-metal supplier's percentiles multiplied by 10 (median, mean, 2.5/97.5 % left; hash
    recomputed) were sampled as they stood: the magnet declared 32.3 kg CO2-Eq with a Monte Carlo median of
    179 and 95 % 142..223, exit 0."""
    suppliers = tmp_path / "suppliers"
    suppliers.mkdir()
    shutil.copy(REPO / "examples" / "suppliers" / "dy-metal-2025.json", suppliers)
    (tmp_path / "ndfeb-magnet").mkdir()
    magnet = tmp_path / "ndfeb-magnet" / "activity-2025.yaml"
    shutil.copy(REPO / "examples" / "ndfeb-magnet" / "activity-2025.yaml", magnet)
    metal = footprint.declare("ndpr-metal", REPO / "examples" / "ndpr-metal" / "activity-2025.yaml",
                              uncertainty=300, seed=4)
    target = suppliers / "ndpr-metal-2025.json"
    target.write_text(json.dumps(metal), encoding="utf-8")
    consistent = footprint.declare("ndfeb-magnet", magnet, uncertainty=300, seed=4)
    climate = consistent["uncertainty"]["results"][0]
    assert climate["p2_5"] < climate["value"] < climate["p97_5"]

    for entry in metal["uncertainty"]["results"]:
        entry["quantiles"] = [10 * q for q in entry["quantiles"]]
    target.write_text(json.dumps(_rehashed(metal)), encoding="utf-8")
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndfeb-magnet", magnet, uncertainty=300, seed=4)
    message = str(caught.value)
    assert "median" in message and "ndpr-metal-2025.json" in message and "50th percentile" in message
