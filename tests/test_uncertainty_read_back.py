"""A declaration's Monte Carlo statistics read by another command agree with one another (footprint.inputs.spread).

A supplier's percentiles are sampled into a buyer's Monte Carlo, the register keeps median and 95 % interval,
``classes assign`` takes class probabilities from the percentiles: none of them recomputes the block.
"""
from __future__ import annotations

import json
import math
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
from test_uncertainty import _background_certain  # every secondary dataset certain

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


# ------------------------------------------------------------------ what drives it: only inputs that can

def test_contribution_to_variance_names_only_inputs_that_can_move_the_category(with_monte_carlo):
    """Before: every input was ranked against every category, so an emission without a factor in it (Radium-226
    to water, Hydrogen fluoride for particulate matter; Sulfur dioxide for ionising radiation) got a squared
    Spearman of about 1/N from sampling noise alone and was listed among what drives the category (N = 300
    here)."""
    flows = {row["input"]: row["label"] for row in with_monte_carlo["uncertainty"]["model"]["foreground"]}
    cannot = {"particulate_matter": ("Radium-226", "Thorium-232", "Uranium-2", "Hydrogen fluoride", "Chloride",
                                     "Carbon dioxide"),
              "ionising_radiation": ("Sulfur dioxide", "Hydrogen fluoride", "Particulate Matter", "Carbon dioxide"),
              "climate_change": ("Radium-226", "Thorium-232", "Uranium-2", "Particulate Matter", "Sulfur dioxide")}
    for entry in with_monte_carlo["uncertainty"]["results"]:
        named = [flows.get(row["input"], row["label"]) for row in entry["contribution_to_variance"]]
        for flow in cannot.get(entry["category"], ()):
            assert not [label for label in named if label.startswith(flow)], (entry["category"], named)
        assert math.fsum(row["share"] for row in entry["contribution_to_variance"]) <= 1.0 + 1e-12


def test_the_stated_quantile_method_is_the_one_used_by_hand():
    """'percentiles ... (numpy linear interpolation)': the p-th percentile of n sorted samples x_0..x_(n-1) is
    x_i + f (x_(i+1) - x_i) at position p/100 (n - 1) = i + f.  Samples 1, 2, 3, 4, 10 (n - 1 = 4):
    2.5 %: position 0.1 -> 1 + 0.1 x 1 = 1.1;   median: position 2 -> 3;   97.5 %: position 3.9 -> 4 + 0.9 x 6 = 9.4;
    percentile 30: position 1.2 -> 2 + 0.2 x 1 = 2.2;  mean 20 / 5 = 4;
    sd (n - 1): sqrt((9 + 4 + 1 + 0 + 36) / 4) = sqrt(12.5)."""
    from footprint.engine.uncertainty import PERCENTILES, Statistics

    samples = np.array([10.0, 2.0, 4.0, 1.0, 3.0])
    stats = Statistics.of(samples)
    assert (stats.p2_5, stats.median, stats.p97_5, stats.mean) == pytest.approx((1.1, 3.0, 9.4, 4.0), abs=1e-12)
    assert stats.sd == pytest.approx(math.sqrt(12.5), abs=1e-12)
    assert np.percentile(samples, PERCENTILES)[30] == pytest.approx(2.2, abs=1e-12)
    q = [float(v) for v in np.percentile(samples, PERCENTILES)]
    assert classes.cdf(q, 2.2) == pytest.approx(0.30, abs=1e-12)  # the class probabilities invert the same line


# ------------------------------------------------------------------ a supplier's category its Monte Carlo lacks

def test_a_category_a_suppliers_monte_carlo_does_not_cover_takes_its_pedigree_spread(project, tmp_path, monkeypatch):
    """The recycled magnet (CFF) declares photochemical ozone formation; its Ev comes from an NdPr-metal
    declaration whose Monte Carlo covers the metal rule's declared categories only (POF is additional
    information there).  Before: that category of the supplier was sampled as certain, so with everything
    else certain POF had sd 0 while the supplier's line is 92 % of the value (16.9 of 18.4 kg CO2-Eq for
    climate change); now it takes the supplier's pedigree lognormal, drawn with its percentiles."""
    from dataclasses import replace

    from footprint.data import inventory, project as fp_project
    from footprint.engine import calculate, system, uncertainty
    from footprint.inputs.activity import load_activity
    from footprint.inputs.distribution import TYPE_IDS, Relative
    from footprint.inputs.rule import load_rule

    metal = footprint.declare("ndpr-metal", REPO / "examples" / "ndpr-metal" / "activity-2025.yaml",
                              uncertainty=300, seed=4)
    assert "photochemical_ozone_formation" not in [r["category"] for r in metal["uncertainty"]["results"]]
    supplier = tmp_path / "ndpr-metal-2025.json"
    supplier.write_text(json.dumps(metal), encoding="utf-8")
    text = (REPO / "rules" / "ndfeb-recycled-hpms.yaml").read_text(encoding="utf-8")
    assert "declaration: ../examples/suppliers/ndpr-metal-2025.json" in text
    rule = tmp_path / "ndfeb-recycled-hpms.yaml"
    rule.write_text(text.replace("declaration: ../examples/suppliers/ndpr-metal-2025.json",
                                 f"declaration: {supplier}").replace("../schemas/", str(REPO / "schemas") + "/"),
                    encoding="utf-8")

    catalogue = inventory.load_catalogue()
    flows = inventory.biosphere_index(fp_project.brightway()[0])
    built = system.build(load_rule(rule), load_activity(REPO / "examples" / "ndfeb-recycled-hpms" /
                                                        "activity-2025.yaml"), catalogue, flows)
    result = calculate.calculate(built)
    for process in built.processes:  # only the supplier is uncertain
        process.flows = [replace(f, uncertainty=Relative(TYPE_IDS["none"])) for f in process.flows]
    _background_certain(monkeypatch)
    mc = uncertainty.monte_carlo(result, catalogue, flows, iterations=400, seed=3)
    (row,) = mc.model["suppliers"]
    assert row["distribution"]["type"] == "percentiles"
    assert row["distribution"]["categories_without_percentiles"]["type"] == "lognormal"
    block = {r["category"]: r for r in mc.block()["results"]}
    assert block["climate_change"]["sd"] > 0  # from the supplier's percentiles
    pof = block["photochemical_ozone_formation"]
    assert pof["sd"] > 0.01 * pof["value"], pof  # was 0: the supplier's POF taken as certain
