"""An independent statistical oracle for ``footprint declare --uncertainty N --seed S``.

The other uncertainty tests check that the Monte Carlo is consistent with itself (order, memory,
read-back, a hand-made block); none compares the *declared* percentiles with a propagation made
without footprint's sampler.  Here small real systems are declared through the public API (a rule and
activity data written to files, real Brightway, nothing mocked): one process of 1,000 kg of product a
period emitting fossil CO2 to air (EF 3.1 characterisation factor 1 kg CO2-Eq/kg), so climate change
per declared kg is exactly the CO2 per kg of product and its distribution is that of the CO2 lines (no
secondary dataset; the other lines, SO2 and PM2.5, have no climate factor; where a supplier's declaration
is bought, the bought amount's own pedigree spread is part of the oracle).
The oracle is the distribution's closed form (lognormal, normal, uniform, triangular, pedigree) or,
where there is none (two independent lognormals, a supplier's percentiles), a numpy propagation of
its own (its own generator and seed, 2,000,000 draws) or the interpolation of the supplier's percentiles.

Tolerances: the sampling error of a Monte Carlo of N draws.  For the p-quantile x_p of a distribution
with density f, the sample quantile is asymptotically normal with standard error
    se(x_p) = sqrt(p (1 - p) / N) / f(x_p)
(the Bahadur representation; e.g. Serfling 1980, §2.3.3); for the mean, se = sd / sqrt(N); for the sample
sd, se = sd sqrt((excess kurtosis + 2) / (4 N)) (delta method on the variance).  Each statistic must lie
within K = 4.5 standard errors of the oracle's value: with 5 statistics in each of 14 cases, a false alarm
has probability below 70 x 6.8e-6 = 5e-4 for a random seed (the seeds are fixed, so the test is
deterministic).  N is 4,000 (100,000 for a supplier's percentiles, where the mistake to catch is one
percentile off: 1.3 se at 4,000).  What a misread spread does at N 4,000 is worked out in the docstrings
(sigma taken as ln GSD^2 or as GSD - 1: 61 or 7 se on p97.5; two lines of one datum drawn apart: 11 se)
and checked on numpy's own draws in ``test_the_oracle_would_see_a_misread_spread``.  Each case was also
seen to fail with footprint's sampler altered (sigma = GSD - 1; exp(2 sigma Z); the pedigree sigma
without its /2; one datum's lines on their own streams; triangular mode mirrored; normal sd x 1.2;
uniform from Phi(z / 1.1); a supplier's percentiles read on a grid shifted by 0.01; sampled flows between
processes left out of the technosphere matrix).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats as sps

import footprint
import footprint.api  # noqa: F401 - test_cff._virgin_declaration reads footprint.api.ensure_setup

N = 4000
SEED = 11
K = 4.5  # standard errors allowed
Z975 = 1.959963984540054  # the standard normal's 97.5 % point
PRODUCTION = 1000.0  # kg of product in the period: amounts per declared kg are amount / 1000
PROBABILITIES = {"p2_5": 0.025, "median": 0.5, "p97_5": 0.975}
DQR_ONE = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}


# ------------------------------------------------------------------ the real system under test

def _rule() -> dict:
    """One process, emissions only, no expected input: the declared climate change is the CO2 per kg."""
    process = {"id": "mining", "name": "process mining", "annex_v": ["4(a)"], "company_specific": "required",
               "product": {"name": "declared product", "unit": "kg"}, "expected_inputs": []}
    return {
        "id": "oracle-test", "version": "1.0.0", "title": "oracle test", "status": "draft",
        "legal_basis": "test", "crm": "test", "validity": {"from": "2025-01-01", "until": "2028-12-31"},
        "declared_unit": {"amount": 1, "unit": "kg", "product": "declared product", "chemical_form": "test",
                          "grade": "test"},
        "route": "primary", "reference_process": "mining",
        "stages": [{"id": "extraction", "label": "extraction", "processes": [process]}],
        "input_kinds": {"electricity": {"dataset": "electricity/DE"}},
        "electricity": {"model": "location-based"}, "recycled_content": {"method": "not-applicable"},
        "cut_off": {"threshold": 0.03, "basis": "test"},
        "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
        "impact_categories": {"declared": ["climate_change", "acidification", "particulate_matter"],
                              "rationale": "test"},
        "sampling": {"allowed": False}, "conformity_assessment": {"module": "test"},
        "class_scheme": {"number_of_classes": 3},
    }


def _activity(emissions: list[dict], dqr: dict | None = None, inputs: list[dict] | None = None) -> dict:
    # SO2 and PM2.5 give acidification and particulate matter (three categories are declared, CRMA Art. 31,
    # and each must have data); neither has a climate-change factor, so climate change is the CO2 lines alone
    others = [{"flow": "Sulfur dioxide", "compartment": "air", "amount": 10.0, "unit": "kg"},
              {"flow": "Particulate Matter, < 2.5 um", "compartment": "air", "amount": 1.0, "unit": "kg"}]
    process = {"dqr": dqr or DQR_ONE, "output": {"amount": PRODUCTION, "unit": "kg"}, "inputs": inputs or [],
               "emissions": emissions + others}
    return {"rule": "oracle-test", "declarant": {"name": "Test Co.", "facility": "plant", "country": "DE"},
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
            "production": {"amount": PRODUCTION, "unit": "kg"}, "processes": {"mining": process}}


def _co2(amount_kg: float, uncertainty: dict | None = None) -> dict:
    line = {"flow": "Carbon dioxide, fossil", "compartment": "air", "amount": amount_kg, "unit": "kg"}
    if uncertainty is not None:
        line["uncertainty"] = uncertainty
    return line


def _declare(tmp_path: Path, activity: dict, iterations: int = N, seed: int = SEED) -> dict:
    rule_path, data_path = tmp_path / "oracle-test.yaml", tmp_path / "activity.yaml"
    rule_path.write_text(yaml.safe_dump(_rule(), sort_keys=False), encoding="utf-8")
    data_path.write_text(yaml.safe_dump(activity, sort_keys=False), encoding="utf-8")
    return footprint.declare(rule_path, data_path, uncertainty=iterations, seed=seed)


def _climate(document: dict) -> dict:
    return next(r for r in document["uncertainty"]["results"] if r["category"] == "climate_change")


# ------------------------------------------------------------------ the comparison

def _check(block: dict, dist, iterations: int = N, what: str = "") -> None:
    """Each declared statistic within K standard errors of the oracle distribution ``dist`` (scipy frozen)."""
    problems = []
    for key, p in PROBABILITIES.items():
        x = float(dist.ppf(p))
        se = math.sqrt(p * (1 - p) / iterations) / float(dist.pdf(x))
        if abs(block[key] - x) > K * se:
            problems.append(f"{key}: declared {block[key]:.6g}, oracle {x:.6g} (se {se:.3g}, "
                            f"{abs(block[key] - x) / se:.1f} se)")
    mean, sd = float(dist.mean()), float(dist.std())
    se = sd / math.sqrt(iterations)
    if abs(block["mean"] - mean) > K * se:
        problems.append(f"mean: declared {block['mean']:.6g}, oracle {mean:.6g} (se {se:.3g})")
    # the sample sd's standard error: sd sqrt((kurtosis_excess + 2) / (4 N)) (delta method on the variance)
    excess = float(dist.stats(moments="k"))
    se_sd = sd * math.sqrt((excess + 2) / (4 * iterations))
    if abs(block["sd"] - sd) > K * se_sd:
        problems.append(f"sd: declared {block['sd']:.6g}, oracle {sd:.6g} (se {se_sd:.3g})")
    assert not problems, f"{what}: " + "; ".join(problems)


# ------------------------------------------------------------------ one lognormal input

def test_one_lognormal_input_gives_the_closed_form_lognormal(project, tmp_path):
    """CO2 3,000 kg a period with ``gsd: 1.3``: per declared kg X = 3 exp(ln(1.3) Z), Z standard normal.

    X is lognormal with mu = ln 3 and sigma = ln 1.3 = 0.262364 (the GSD is e^sigma: README "Uncertainty",
    "gsd: 1.1 ... or scale: sigma of ln x").  Closed form:
        median = e^mu = 3;  x_p = e^(mu + sigma z_p):  p2.5 = 3 e^(-1.96 x 0.262364) = 3 e^(-0.514232)
        = 1.79389, p97.5 = 3 e^(0.514232) = 5.01702;  mean = e^(mu + sigma^2 / 2) = 3 e^(0.034418) = 3.10505;
        sd = mean sqrt(e^(sigma^2) - 1) = 3.10505 x 0.266945 = 0.82888.
    Standard errors at N = 4,000 (f(x_p) = phi(z_p) / (sigma x_p)): median 3 x 0.262364 x 1.2533 / sqrt(N)
    = 0.0156; p97.5 = 5.01702 x 0.262364 x sqrt(0.025 x 0.975 / 4000) / phi(1.96) = 5.01702 x 0.262364 x
    0.0024686 / 0.058441 = 0.0556.  Misread as sigma = ln(GSD^2) = 0.5247 or sigma = GSD - 1 = 0.3, p97.5
    would be 3 e^(1.0285) = 8.39 or 3 e^(0.588) = 5.40: 61 or 7 standard errors away.
    """
    document = _declare(tmp_path, _activity([_co2(3000.0, {"type": "lognormal", "gsd": 1.3})]))
    block = _climate(document)
    assert block["value"] == pytest.approx(3.0, rel=1e-9)
    sigma = math.log(1.3)
    _check(block, sps.lognorm(s=sigma, scale=3.0), what="lognormal gsd 1.3")
    # the closed form written above, by hand, is the oracle's
    oracle = sps.lognorm(s=sigma, scale=3.0)
    assert [float(v) for v in oracle.ppf([0.025, 0.975])] == pytest.approx([1.79389, 5.01702], abs=1e-5)
    assert (float(oracle.mean()), float(oracle.std())) == pytest.approx((3.10505, 0.82888), abs=1e-5)


# ------------------------------------------------------------------ normal, uniform, triangular

def test_one_normal_input_gives_the_closed_form_normal(project, tmp_path):
    """CO2 3,000 kg with ``sd: 300``: X = 3 + 0.3 Z per declared kg, normal N(3, 0.3^2).

    Closed form: median = mean = 3; p2.5/p97.5 = 3 -/+ 1.96 x 0.3 = 2.41201 / 3.58799; sd 0.3.
    se(median) = 0.3 sqrt(pi/2) / sqrt(N) = 0.00595; se(p97.5) = 0.3 x 0.0024686 / 0.058441 = 0.01267.
    (P(X < 0) = Phi(-10): no draw is clipped at 0.)
    """
    block = _climate(_declare(tmp_path, _activity([_co2(3000.0, {"type": "normal", "sd": 300})])))
    oracle = sps.norm(loc=3.0, scale=0.3)
    assert [float(v) for v in oracle.ppf([0.025, 0.975])] == pytest.approx([2.41201, 3.58799], abs=1e-5)
    _check(block, oracle, what="normal sd 300")


def test_one_uniform_input_gives_the_closed_form_uniform(project, tmp_path):
    """CO2 3,000 kg, uniform 2,400..3,900 kg: X ~ U(2.4, 3.9) per declared kg.

    Closed form: x_p = 2.4 + 1.5 p: p2.5 = 2.4375, median 3.15 (not the amount 3: the range is not centred
    on it), p97.5 = 3.8625; mean 3.15; sd 1.5 / sqrt(12) = 0.43301.  f = 1/1.5 everywhere:
    se(median) = 1.5 x 0.5 / sqrt(N) = 0.01186; se(p97.5) = 1.5 x 0.0024686 = 0.00370.
    """
    block = _climate(_declare(tmp_path, _activity([_co2(3000.0, {"type": "uniform", "minimum": 2400,
                                                                  "maximum": 3900})])))
    oracle = sps.uniform(loc=2.4, scale=1.5)
    assert float(oracle.median()) == pytest.approx(3.15) and float(oracle.std()) == pytest.approx(0.43301, abs=1e-5)
    _check(block, oracle, what="uniform 2400..3900")
    assert block["quantiles"][0] >= 2.4 - 1e-12 and block["quantiles"][100] <= 3.9 + 1e-12


def test_one_triangular_input_gives_the_closed_form_triangular(project, tmp_path):
    """CO2 3,000 kg, triangular 2,400..3,900 kg, mode the amount (README): X ~ Tri(2.4, 3, 3.9).

    Closed form (c = (3 - 2.4) / 1.5 = 0.4 of the width on the left): F(mode) = 0.4;
    x_p = 2.4 + sqrt(p x 1.5 x 0.6) for p < 0.4, else 3.9 - sqrt((1 - p) x 1.5 x 0.9):
    p2.5 = 2.4 + sqrt(0.0225) = 2.55; median = 3.9 - sqrt(0.675) = 3.07841; p97.5 = 3.9 - sqrt(0.03375) =
    3.71629; mean (2.4 + 3 + 3.9) / 3 = 3.1; sd sqrt((a^2+b^2+c^2-ab-ac-bc)/18) = sqrt((29.97 - 28.26)/18)
    = 0.30822.
    """
    block = _climate(_declare(tmp_path, _activity([_co2(3000.0, {"type": "triangular", "minimum": 2400,
                                                                  "maximum": 3900})])))
    oracle = sps.triang(c=0.4, loc=2.4, scale=1.5)
    assert [float(v) for v in oracle.ppf([0.025, 0.5, 0.975])] == pytest.approx([2.55, 3.07841, 3.71629], abs=1e-5)
    assert float(oracle.mean()) == pytest.approx(3.1) and float(oracle.std()) == pytest.approx(0.30822, abs=1e-5)
    _check(block, oracle, what="triangular 2400..3000..3900")


def test_a_triangular_input_with_its_own_mode_and_a_lognormal_by_scale(project, tmp_path):
    """Two forms the README allows besides the defaults: a triangular with ``mode: 3300`` (not the amount 3,000:
    X ~ Tri(2.4, 3.3, 3.9), c = 0.6 = F(mode) > 0.5, so the median is on the left: 2.4 + sqrt(0.5 x 1.5 x 0.9)
    = 3.22158, mean 3.2) and a lognormal
    given by ``scale`` (sigma of ln x) 0.2 instead of a gsd (X = 3 e^(0.2 Z): p97.5 = 3 e^(0.391993) =
    4.43978).  Each alone in its own declaration.
    """
    block = _climate(_declare(tmp_path, _activity([_co2(3000.0, {"type": "triangular", "minimum": 2400,
                                                                  "maximum": 3900, "mode": 3300})])))
    oracle = sps.triang(c=0.6, loc=2.4, scale=1.5)
    assert float(oracle.median()) == pytest.approx(3.22158, abs=1e-5) and float(oracle.mean()) == pytest.approx(3.2)
    _check(block, oracle, what="triangular 2400..3300..3900 around 3000")
    block = _climate(_declare(tmp_path, _activity([_co2(3000.0, {"type": "lognormal", "scale": 0.2})])))
    oracle = sps.lognorm(s=0.2, scale=3.0)
    assert float(oracle.ppf(0.975)) == pytest.approx(4.43978, abs=1e-5)
    _check(block, oracle, what="lognormal scale 0.2")


# ------------------------------------------------------------------ the pedigree table

#: TeR 3, GeR 2, TiR 4, P 2 (integers: no ceil in play)
DQR_MIXED = {"TeR": 3, "GeR": 2, "TiR": 4, "P": 2}
#: sigma of ln x, by hand (see the next test's docstring)
SIGMA_MIXED = 0.133550


def test_a_pedigree_only_datum_gives_the_lognormal_of_the_hand_computed_gsd(project, tmp_path):
    """CO2 3,000 kg with no distribution, process DQR TeR 3, GeR 2, TiR 4, P 2: the pedigree lognormal.

    README "Uncertainty": sigma = sqrt((ln U_basic)^2 + sum_i (ln U_i)^2) / 2, GSD = e^sigma.
    U_basic: emission to air, CO2 -> 1.05.  PEF criterion -> pedigree indicator -> U from the table:
    P 2 -> reliability 1.05; completeness (no PEF criterion, score 1) 1.00; TiR 4 -> temporal 1.20;
    GeR 2 -> geographical 1.01; TeR 3 -> further technological 1.20.
    (ln U)^2: 1.05 -> 0.00238048 (twice: basic and reliability); 1.00 -> 0; 1.20 -> 0.03324115 (twice);
    1.01 -> 0.00009901.  Sum 0.07134227; sqrt 0.2671001; sigma = 0.1335500; GSD = e^sigma = 1.14288.
    X = 3 exp(sigma Z): median 3, p2.5 = 3 e^(-1.96 x 0.13355) = 3 e^(-0.261758) = 2.30910, p97.5 = 3 e^(0.261758)
    = 3.89762,
    mean 3 e^(sigma^2/2) = 3.02683.
    """
    by_hand = math.sqrt(2 * math.log(1.05) ** 2 + 2 * math.log(1.2) ** 2 + math.log(1.01) ** 2) / 2
    assert by_hand == pytest.approx(SIGMA_MIXED, abs=1e-6)
    block = _climate(_declare(tmp_path, _activity([_co2(3000.0)], dqr=DQR_MIXED)))
    oracle = sps.lognorm(s=SIGMA_MIXED, scale=3.0)
    assert [float(v) for v in oracle.ppf([0.025, 0.975])] == pytest.approx([2.30910, 3.89762], abs=1e-5)
    _check(block, oracle, what="pedigree TeR 3 GeR 2 TiR 4 P 2")


def test_a_datum_written_in_two_lines_draws_one_random_number(project, tmp_path):
    """The same CO2 (pedigree spread) written as 2,000 kg + 1,000 kg: one datum, one column (README
    "Correlated sampling"), so X = (2 + 1) exp(sigma Z), exactly the 3,000 kg line's lognormal.

    Drawn apart, X = 2 e^(sigma Z1) + e^(sigma Z2) would have sd about sqrt(2^2 + 1^2) / 3 = 0.745 of it:
    p97.5 about 3 e^(1.96 x 0.0995) = 3.6458 instead of 3.8974, 0.25 away; se(p97.5) = 3.8974 x 0.13355 x
    0.0024686 / 0.058441 = 0.0220, so 11 standard errors.
    """
    two = _climate(_declare(tmp_path, _activity([_co2(2000.0), _co2(1000.0)], dqr=DQR_MIXED)))
    _check(two, sps.lognorm(s=SIGMA_MIXED, scale=3.0), what="one datum in two lines")


# ------------------------------------------------------------------ two independent inputs (no closed form)

def test_two_independent_lognormal_lines_sum_as_a_numpy_propagation_says(project, tmp_path):
    """CO2 2,000 kg ``gsd: 1.2`` and 1,000 kg ``gsd: 1.5``, each the producer's own measurement: independent
    (README: "Distributions the producer states stay independent per line").  X = 2 e^(ln1.2 Z1) + e^(ln1.5 Z2).

    Oracle: 2,000,000 draws of that sum with numpy's own generator (seed 20261201, not footprint's
    streams); its quantiles have se about 1/30 of the declared ones' and are taken as exact.  Its density at
    x_p, for the standard errors, from a Gaussian kernel estimate (scipy.stats.gaussian_kde on 200,000 of
    the draws).  Mean exactly 2 e^(ln1.2^2/2) + e^(ln1.5^2/2) = 2.03352 + 1.08567 = 3.11919 (Fenton-
    Wilkinson matches it by construction).
    """
    block = _climate(_declare(tmp_path, _activity([_co2(2000.0, {"type": "lognormal", "gsd": 1.2}),
                                                    _co2(1000.0, {"type": "lognormal", "gsd": 1.5})])))
    rng = np.random.default_rng(20261201)
    draws = 2.0 * np.exp(math.log(1.2) * rng.standard_normal(2_000_000)) \
        + np.exp(math.log(1.5) * rng.standard_normal(2_000_000))
    mean = 2 * math.exp(math.log(1.2) ** 2 / 2) + math.exp(math.log(1.5) ** 2 / 2)
    assert mean == pytest.approx(3.11919, abs=1e-5) and draws.mean() == pytest.approx(mean, rel=1e-3)
    _check_draws(block, draws, "two independent lognormal lines")


# ------------------------------------------------------------------ a supplier's own Monte Carlo

SUPPLIER_SIGMA = 0.25
#: iterations of the supplier case: a supplier's percentiles read one percentile off (the quantile function
#: interpolated on a grid shifted by 0.01) moves x_p by 0.01 Q'(p), against a standard error of
#: sqrt(p (1 - p) / N) Q'(p): 1.3 se at N 4,000, 6.3 se at N 100,000 (this system is one process: cheap)
N_SUPPLIER = 100_000


def _supplier(unit: str = "kg", monte_carlo: bool = True) -> dict:
    """A supplier's declaration of 1 kg (or 1 t) "virgin metal", climate change 40 kg CO2-Eq per kg, DQR 2, 2, 2, 2,
    hashed like a real one; with ``monte_carlo`` it carries percentiles 0..100 of a lognormal of median the
    declared value and sigma 0.25 (its statistics from the same 100,000 draws, as ``declare`` writes them, so the
    read-back check accepts it)."""
    from test_cff import _virgin_declaration  # a supplier's declaration of 1 kg "virgin metal", hashed

    from footprint.inputs.upstream import content_hash

    per_unit = 1000.0 if unit == "t" else 1.0
    values = {"climate_change": 40.0 * per_unit, "acidification": 0.1 * per_unit,
              "particulate_matter": 1e-6 * per_unit}
    document = _virgin_declaration(values)
    document["declared_unit"]["unit"] = unit
    if monte_carlo:
        z = np.random.default_rng(7).standard_normal(100_000)
        results = []
        for category, value in values.items():
            samples = value * np.exp(SUPPLIER_SIGMA * z)
            low, median, high = np.percentile(samples, [2.5, 50.0, 97.5])
            results.append({"category": category, "value": value, "mean": float(samples.mean()),
                            "median": float(median), "sd": float(samples.std(ddof=1)), "p2_5": float(low),
                            "p97_5": float(high),
                            "quantiles": [float(v) for v in np.percentile(samples, np.arange(101.0))]})
        document["uncertainty"] = {"method": "Monte Carlo", "iterations": 100_000, "seed": 7, "results": results}
    document["content_sha256"] = content_hash(document)
    return document


def _declare_buying(tmp_path: Path, supplier: dict, iterations: int) -> dict:
    """The process buys 500 kg virgin metal a period (0.5 kg per declared kg) by the supplier's declaration."""
    (tmp_path / "virgin.json").write_text(json.dumps(supplier), encoding="utf-8")
    rule = _rule()
    rule["input_kinds"]["virgin-metal"] = {"dataset": "material/nickel-class1-screening",
                                           "upstream_products": ["virgin metal"]}
    rule["stages"][0]["processes"][0]["expected_inputs"] = ["virgin-metal"]
    activity = _activity([], inputs=[{"kind": "virgin-metal", "declaration": "virgin.json", "amount": 500.0,
                                      "unit": "kg"}])
    rule_path, data_path = tmp_path / "oracle-test.yaml", tmp_path / "activity.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False), encoding="utf-8")
    data_path.write_text(yaml.safe_dump(activity, sort_keys=False), encoding="utf-8")
    return footprint.declare(rule_path, data_path, uncertainty=iterations, seed=SEED)


#: sigma of the bought amount itself (500 kg, a foreground amount: README "Every foreground amount"), from the
#: buyer's process DQR (all 1) and an input's basic uncertainty 1.05: sqrt((ln 1.05)^2 + 0) / 2 = 0.0243951
SIGMA_AMOUNT = 0.0243951


@pytest.mark.parametrize("unit", ["kg", "t"])
def test_a_suppliers_percentiles_are_the_distribution_of_what_it_supplies(project, tmp_path, unit):
    """Climate change per declared kg is 0.5 A S / (kg of the supplier's declared unit) (SO2 and PM2.5 have no
    climate factor): S drawn from the supplier's percentiles (README "Suppliers' declarations"), A = e^(0.0244 Z)
    the bought amount's own pedigree spread, independent of S.  A supplier declaring per t has percentiles per
    t (40,000 kg CO2-Eq), the same 20 kg CO2-Eq per declared kg.

    Oracle: S = Q(U), Q the supplier's percentiles interpolated linearly, U uniform (how a distribution known
    by its percentiles is read; without A, x_p = 0.5 Q(p) exactly: p2.5 = 0.5 (q2 + q3) / 2); A adds
    sigma 0.0244 to S's 0.25 (0.2512: p97.5 about 0.5 % higher), so 2,000,000 numpy draws of 0.5 A Q(U)
    (seed 20261203), checked with ``_check_draws`` at N 100,000.
    """
    supplier = _supplier(unit)
    kg = 1000.0 if unit == "t" else 1.0
    block = _climate(_declare_buying(tmp_path, supplier, N_SUPPLIER))
    assert block["value"] == pytest.approx(20.0, rel=1e-9)
    assert math.log(1.05) / 2 == pytest.approx(SIGMA_AMOUNT, abs=1e-7)
    q = np.asarray(next(r for r in supplier["uncertainty"]["results"] if r["category"] == "climate_change")
                   ["quantiles"]) / kg
    rng = np.random.default_rng(20261203)
    draws = 0.5 * np.interp(rng.uniform(size=2_000_000), np.linspace(0, 1, 101), q) \
        * np.exp(SIGMA_AMOUNT * rng.standard_normal(2_000_000))
    _check_draws(block, draws, f"supplier's percentiles per {unit}", N_SUPPLIER)


def test_a_supplier_without_a_monte_carlo_gives_the_pedigree_lognormal_of_its_dqr(project, tmp_path):
    """No uncertainty block: the supplier's values take the pedigree lognormal of its DQR criteria, basic
    uncertainty of an input (1.05) (README "Suppliers' declarations").  DQR TeR 2, GeR 2, TiR 2, P 2:
    U = 1.05 (basic), reliability P 2 -> 1.05, completeness 1.00, temporal TiR 2 -> 1.03, geographical
    GeR 2 -> 1.01, further technological TeR 2 -> 1.05; sum of (ln U)^2 = 3 x 0.00238048 + 0.00087373 +
    0.00009901 = 0.00811418; sigma_S = sqrt(0.00811418) / 2 = 0.0450394.  The bought amount's own spread
    (SIGMA_AMOUNT 0.0243951) is an independent lognormal factor, so X = 20 exp(sigma Z) with
    sigma = sqrt(0.0450394^2 + 0.0243951^2) = sqrt(0.00262367) = 0.0512218: p97.5 = 20 e^(1.96 x 0.0512218)
    = 20 e^(0.100393) = 22.1121 (the supplier's spread alone would give 21.8458: 6 se lower).
    """
    sigma_s = math.sqrt(3 * math.log(1.05) ** 2 + math.log(1.03) ** 2 + math.log(1.01) ** 2) / 2
    assert sigma_s == pytest.approx(0.0450394, abs=1e-7)
    sigma = math.hypot(sigma_s, SIGMA_AMOUNT)
    assert sigma == pytest.approx(0.0512218, abs=1e-7)
    oracle = sps.lognorm(s=sigma, scale=20.0)
    assert float(oracle.ppf(0.975)) == pytest.approx(22.1121, abs=1e-4)
    _check(_climate(_declare_buying(tmp_path, _supplier(monte_carlo=False), N)), oracle, what="supplier's DQR")


def test_two_equal_stated_lines_are_two_measurements(project, tmp_path):
    """Two equal lines, 1,500 kg CO2 ``gsd: 1.3`` each: the producer's own numbers, independent (README: equal
    lines, which are interchangeable, are numbered, each its own stream).  X = 1.5 (e^(s Z1) + e^(s Z2)),
    s = ln 1.3.  Drawn together it would be 3 e^(s Z): sd 0.829 instead of 0.829 / sqrt(2) = 0.586.
    Oracle: 2,000,000 numpy draws (seed 20261202); density from a kernel estimate, as above.
    """
    line = _co2(1500.0, {"type": "lognormal", "gsd": 1.3})
    block = _climate(_declare(tmp_path, _activity([line, dict(line)])))
    rng = np.random.default_rng(20261202)
    s = math.log(1.3)
    draws = 1.5 * (np.exp(s * rng.standard_normal(2_000_000)) + np.exp(s * rng.standard_normal(2_000_000)))
    _check_draws(block, draws, "two equal stated lines")


def _check_draws(block: dict, draws: np.ndarray, what: str, iterations: int = N) -> None:
    """``_check`` against a simulated oracle: its quantiles and moments from the draws (2,000,000: their own
    standard errors about 1/22 of the declared ones'), the density at x_p by a Gaussian kernel estimate."""
    kde = sps.gaussian_kde(draws[:200_000])
    problems = []
    for key, p in PROBABILITIES.items():
        x = float(np.percentile(draws, 100 * p))
        se = math.sqrt(p * (1 - p) / iterations) / float(kde(x)[0])
        if abs(block[key] - x) > K * se:
            problems.append(f"{key}: declared {block[key]:.6g}, oracle {x:.6g}, se {se:.3g}")
    sd = float(draws.std())
    se = sd / math.sqrt(iterations)
    if abs(block["mean"] - float(draws.mean())) > K * se:
        problems.append(f"mean: declared {block['mean']:.6g}, oracle {draws.mean():.6g}, se {se:.3g}")
    excess = float(sps.kurtosis(draws))
    se_sd = sd * math.sqrt((excess + 2) / (4 * iterations))
    if abs(block["sd"] - sd) > K * se_sd:
        problems.append(f"sd: declared {block['sd']:.6g}, oracle {sd:.6g}, se {se_sd:.3g}")
    assert not problems, f"{what}: " + "; ".join(problems)


# ------------------------------------------------------------------ the oracle itself can fail

def test_the_oracle_would_see_a_misread_spread():
    """The tolerances are not so wide that a misread spread passes: statistics of N draws of the lognormal
    ``gsd: 1.3`` case with sigma read as ln(GSD^2) = 0.5247 (p97.5 8.39 against 5.02) or as GSD - 1 = 0.3
    (p97.5 5.40, se 0.056: 7 se) fail ``_check``; the right sigma passes (all with numpy's own draws)."""
    z = np.random.default_rng(3).standard_normal(N)

    def block_of(sigma: float) -> dict:
        samples = 3.0 * np.exp(sigma * z)
        low, median, high = np.percentile(samples, [2.5, 50.0, 97.5])
        return {"mean": float(samples.mean()), "median": float(median), "sd": float(samples.std(ddof=1)),
                "p2_5": float(low), "p97_5": float(high)}

    oracle = sps.lognorm(s=math.log(1.3), scale=3.0)
    _check(block_of(math.log(1.3)), oracle)
    for wrong in (2 * math.log(1.3), 0.3):
        with pytest.raises(AssertionError):
            _check(block_of(wrong), oracle)


# ------------------------------------------------------------------ a chain: the amount between two processes

def test_a_flow_between_two_processes_scales_what_the_upstream_one_emits(project, tmp_path):
    """Mining makes 2,000 kg ore and emits CO2 3,000 kg ``gsd: 1.3``; refining (the reference process, 1,000 kg of
    product) takes the 2,000 kg ore ``from: mining`` with ``gsd: 1.2`` (a flow between the rule's processes is a
    foreground amount: README "Every foreground amount").  The ore bought scales mining: per declared kg
    X = 3,000 e^(ln1.3 Z1) x (2,000 e^(ln1.2 Z2) / 2,000) / 1,000 = 3 e^(ln1.3 Z1 + ln1.2 Z2), the two
    independent (each the producer's own number), so X is lognormal with median 3 and
    sigma = sqrt(ln1.3^2 + ln1.2^2) = sqrt(0.0688350 + 0.0332412) = 0.319494: p97.5 = 3 e^(0.626196) = 5.61144.
    This runs through the technosphere solved per iteration (engine.uncertainty.scaling), which no other case
    here reaches.
    """
    sigma = math.hypot(math.log(1.3), math.log(1.2))
    assert sigma == pytest.approx(0.319494, abs=1e-6)
    rule = _rule()
    refining = {"id": "refining", "name": "process refining", "annex_v": ["4(a)"], "company_specific": "required",
                "product": {"name": "declared product", "unit": "kg"}, "expected_inputs": [],
                "inputs_from": ["mining"]}
    rule["stages"][0]["processes"][0]["product"] = {"name": "ore", "unit": "kg"}
    rule["stages"][0]["processes"].append(refining)
    rule["reference_process"] = "refining"
    activity = _activity([_co2(3000.0, {"type": "lognormal", "gsd": 1.3})])
    activity["processes"]["mining"]["output"] = {"amount": 2000.0, "unit": "kg"}
    activity["processes"]["refining"] = {
        "dqr": DQR_ONE, "output": {"amount": PRODUCTION, "unit": "kg"},
        "inputs": [{"from": "mining", "amount": 2000.0, "unit": "kg",
                    "uncertainty": {"type": "lognormal", "gsd": 1.2}}]}
    rule_path, data_path = tmp_path / "oracle-test.yaml", tmp_path / "activity.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False), encoding="utf-8")
    data_path.write_text(yaml.safe_dump(activity, sort_keys=False), encoding="utf-8")
    block = _climate(footprint.declare(rule_path, data_path, uncertainty=N, seed=SEED))
    assert block["value"] == pytest.approx(3.0, rel=1e-9)
    oracle = sps.lognorm(s=sigma, scale=3.0)
    assert float(oracle.ppf(0.975)) == pytest.approx(5.61144, abs=1e-4)
    _check(block, oracle, what="a chain of two processes")
