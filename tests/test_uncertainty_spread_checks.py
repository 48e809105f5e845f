"""A stated spread is judged before any draw: a normal that may turn negative, a spread narrower than the DQR's.

Each test names what happened before the fix; each fails on the code before it.

The bound for a normal (amounts cannot be negative), derived:
    X ~ N(a, s) with a > 0.  P(X < 0) = P(Z < -a/s) = Phi(-a/s), Z standard normal.
    Refuse when Phi(-a/s) > 1e-6.  Phi is increasing, so this is -a/s > Phi^-1(1e-6) = -4.75342,
    i.e. a < 4.75342 s (s > 21.04 % of a).  Phi(-x) = erfc(x / sqrt 2) / 2, so
    Phi(-4.75342) = erfc(3.36118) / 2 = 1.000e-6 (tabulated: Phi(-4.75) = 1.017e-6, Phi(-4.76) = 9.68e-7).
    sd 25 % of the amount: a/s = 4, Phi(-4) = 3.17e-5 > 1e-6: refused.  sd 20 %: a/s = 5,
    Phi(-5) = 2.87e-7: taken.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
import footprint
from footprint.errors import ActivityDataError, InventoryError
from footprint.inputs.distribution import NEGATIVE_PROBABILITY, NORMAL_RATIO, Distribution, negative_probability
from test_uncertainty import parts  # noqa: F401 - fixture: the example's catalogue, flows and result

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
ELECTRICITY = "{kind: electricity, amount: 1200, unit: MWh, "


def _with_electricity(tmp_path: Path, uncertainty: str) -> Path:
    data = tmp_path / "activity.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert ELECTRICITY in text
    data.write_text(text.replace(ELECTRICITY, ELECTRICITY + f"uncertainty: {uncertainty}, ", 1), encoding="utf-8")
    return data


# ------------------------------------------------------------------ a normal that may turn an amount negative

def test_the_normal_bound_by_hand():
    assert NEGATIVE_PROBABILITY == 1e-6
    assert NORMAL_RATIO == pytest.approx(4.753424, abs=1e-6)  # -Phi^-1(1e-6)
    assert negative_probability(4.0, 1.0) == pytest.approx(3.1671e-5, rel=1e-4)  # Phi(-4)
    assert negative_probability(5.0, 1.0) == pytest.approx(2.8665e-7, rel=1e-4)  # Phi(-5)
    assert negative_probability(NORMAL_RATIO, 1.0) == pytest.approx(1e-6, rel=1e-9)


def test_a_normal_reaching_below_zero_is_refused_whatever_the_draws():
    """Before: sd 300 on 1,200 MWh (P(X < 0) = 3.2e-5) was taken; the Monte Carlo refused it only when a draw
    fell below 0, so it was declared with exit 0 at N 200 seed 1 and refused at N 20,000 seed 1."""
    with pytest.raises(ValueError) as caught:
        Distribution(type="normal", sd=300).relative(1200.0)
    message = str(caught.value)
    assert "probability 3.2e-05" in message and "lognormal" in message and "at most 252.4" in message
    with pytest.raises(ValueError, match="negative value"):
        Distribution(type="normal", scale=0.3).relative(1.2)  # scale is the same sd
    # just below the bound is taken, as before (sd 252 of 1,200: amount/sd 4.762)
    assert Distribution(type="normal", sd=252).relative(1200.0).scale == pytest.approx(0.21)
    assert Distribution(type="normal", sd=0).relative(1200.0).scale == 0.0


@pytest.mark.parametrize("n", [200, 20_000])
def test_declare_refuses_a_wide_normal_at_every_n(tmp_path, n):
    """Before: exit 0 at N 200, exit 2 at N 20,000 (same seed): the answer depended on the draws."""
    data = _with_electricity(tmp_path, "{type: normal, sd: 300}")
    out = tmp_path / "d.json"
    outcome = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(data), "-o", str(out),
                                            "--uncertainty", str(n), "--seed", "1"])
    assert outcome.exit_code == 2, outcome.output
    assert "processes.mining.inputs[1].uncertainty" in outcome.output and "activity.yaml" in outcome.output
    assert "'sd': 300.0" in outcome.output and "a lognormal" in outcome.output
    assert "Traceback" not in outcome.output and not out.exists()


def test_a_normal_under_the_bound_is_declared_as_before(project, tmp_path):
    data = _with_electricity(tmp_path, "{type: normal, sd: 240}")  # 20 %: P(X < 0) = 2.9e-7
    document = footprint.declare("ndpr-oxide", data, uncertainty=300, seed=1)
    assert document["results"]
    entry = next(e for e in document["uncertainty"]["model"]["foreground"]
                 if e["input"] == "processes.mining.inputs[1]")
    assert entry["distribution"]["relative_sd"] == pytest.approx(0.2)


def test_an_xlsx_normal_reaching_below_zero_is_refused_as_the_yaml_one(project, tmp_path):
    from footprint.inputs.activity import load_activity
    from test_uncertainty import _filled_mining_sheet

    filled, book, ws, columns = _filled_mining_sheet(tmp_path)
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=2).value == "electricity")
    ws.cell(row=row, column=columns["distribution"], value="normal")
    ws.cell(row=row, column=columns["sd"], value=300)
    book.save(filled)
    with pytest.raises(ActivityDataError) as caught:
        load_activity(filled)
    message = str(caught.value)
    assert "negative value with probability 3.2e-05" in message and "at most 252.4" in message
    ws.cell(row=row, column=columns["sd"], value=240)
    book.save(filled)
    electricity = next(i for i in load_activity(filled).data.processes["mining"].inputs if i.kind == "electricity")
    assert electricity.uncertainty == Distribution(type="normal", sd=240)


def test_a_dataset_files_normal_reaching_below_zero_is_refused_as_read(tmp_path):
    """Before: a dataset file's {type: normal, scale: 0.2} on 0.6849 kg (P(X < 0) = 3e-4) was read and left to
    the draws (refused by some Monte Carlo runs, not others)."""
    from footprint.data.inventory import load_catalogue
    from test_uncertainty_stated import _own_grid

    with pytest.raises(InventoryError) as caught:
        load_catalogue([REPO / "inventories", _own_grid(tmp_path / "a", "{type: normal, scale: 0.2}")])
    message = str(caught.value)
    assert "CN-GZ.yaml" in message and "exchanges[0].uncertainty" in message and "negative value" in message
    catalogue = load_catalogue([REPO / "inventories", _own_grid(tmp_path / "b", "{type: normal, scale: 0.1}")])
    assert catalogue.datasets["electricity/CN-GZ"].exchanges[0].uncertainty.scale == 0.1


# ------------------------------------------------------------------ a spread narrower than the DQR's

def _narrowed(example_copy: Path, spread: dict) -> Path:
    data = yaml.safe_load(example_copy.read_text(encoding="utf-8"))
    data["processes"]["mining"]["inputs"][1]["uncertainty"] = spread
    example_copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return example_copy


def test_a_spread_narrower_than_its_dqr_is_declared_with_a_warning(example_copy):
    """Before: ``gsd: 1`` on the electricity (DQR TeR 1, GeR 1, TiR 1, P 2: pedigree sigma
    sqrt(ln1.05^2 + ln1.05^2) / 2 = 0.0345, GSD 1.035) replaced that spread without a word.

    Hand-computed pedigree: basic U 1.05 (demand), P 2 -> U 1.05, other scores 1 -> U 1:
    sigma = sqrt(2 x 0.04879^2) / 2 = 0.03450.
    """
    sigma = math.sqrt(2 * math.log(1.05) ** 2) / 2
    document = footprint.declare("ndpr-oxide", _narrowed(example_copy, {"type": "lognormal", "gsd": 1}),
                                 uncertainty=300, seed=1)
    narrow = [w for w in document["data_quality"]["warnings"] if "narrower than the pedigree" in w]
    assert len(narrow) == 1, document["data_quality"]["warnings"]
    assert narrow[0].startswith("data quality:") and "processes.mining.inputs[1]" in narrow[0]
    assert "(gsd 1, sigma 0)" in narrow[0] and f"GSD {math.exp(sigma):.4g}" in narrow[0]
    assert "TeR 1, GeR 1, TiR 1, P 2" in narrow[0]
    entry = next(e for e in document["uncertainty"]["model"]["foreground"]
                 if e["input"] == "processes.mining.inputs[1]")
    assert entry["distribution"]["narrower_than_its_dqr"]["scale"] == pytest.approx(sigma, rel=1e-12)
    plain = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=300, seed=1)
    # the declared values are not touched
    assert [r["value"] for r in document["results"]] == [r["value"] for r in plain["results"]]


@pytest.mark.parametrize("spread, narrower", [
    ({"type": "normal", "sd": 12}, True),  # sd 1 % of 1,200 < 3.45 %
    ({"type": "uniform", "minimum": 1190, "maximum": 1210}, True),  # sd 20/sqrt 12 = 5.77 -> 0.48 %
    ({"type": "lognormal", "gsd": 1.04}, False),  # sigma 0.0392 >= 0.0345
    ({"type": "normal", "sd": 60}, False),  # 5 %
])
def test_the_rule_compares_sigma_or_sd_over_the_amount(spread, narrower):
    from footprint.data import pedigree
    from footprint.inputs.distribution import relative_or_error
    from footprint.inputs.dqr import DQR

    implied = pedigree.lognormal(*pedigree.input_class(False), DQR(TeR=1, GeR=1, TiR=1, P=2))
    stated = relative_or_error(Distribution(**spread), 1200.0, error=ActivityDataError, file=None, field="x",
                               dqr_spread=implied)
    assert (stated.narrower_than_dqr() is not None) == narrower
    assert ("narrower_than_its_dqr" in stated.describe()) == narrower


def test_strict_refuses_a_spread_narrower_than_its_dqr(example_copy):
    from footprint.api import StrictQualityError

    with pytest.raises(StrictQualityError) as caught:
        footprint.declare("ndpr-oxide", _narrowed(example_copy, {"type": "lognormal", "gsd": 1}),
                          uncertainty=300, seed=1, strict=True)
    assert "narrower than the pedigree spread" in caught.value.message


def test_a_normal_under_the_bound_is_never_refused_by_its_draws(parts):
    """Before: sd = amount / 4.76 (P(X < 0) = 9.7e-7, under the bound) was refused by the Monte Carlo when a
    draw fell below 0: at N 100,000 one seed (a z below -4.76) exit 2, another exit 0.  Now such a draw is
    taken as 0 (recorded in the block's notes, only then), so the answer no longer depends on N and seed.
    The two seeds are found from the input's own stream (model 4: seeded by its identity)."""
    from footprint.engine import sampling, uncertainty
    from footprint.inputs.distribution import TYPE_IDS, Relative
    from test_uncertainty import _one_input_result

    catalogue, flows, _result = parts
    result = _one_input_result(parts, Relative(TYPE_IDS["normal"], scale=1 / 4.76), amount=2.0)
    (item,), _columns = uncertainty._foreground_inputs(result.system.processes[0].flows)
    lowest = {seed: float(sampling.standard_normals(100_000, [item.stream], seed).min()) for seed in range(300)}
    below = next(seed for seed, z in lowest.items() if z < -4.76)
    clear = next(seed for seed, z in lowest.items() if z > -4.7)
    blocks = {seed: uncertainty.monte_carlo(result, catalogue, flows, iterations=100_000, seed=seed).block()
              for seed in (clear, below)}
    climate = {seed: next(r for r in block["results"] if r["category"] == "climate_change")
               for seed, block in blocks.items()}
    assert climate[below]["quantiles"][0] == 0.0  # the draw below 0, taken as 0
    assert any("taken as 0" in note for note in blocks[below]["model"]["notes"])
    assert not any("taken as 0" in note for note in blocks[clear]["model"]["notes"])
    assert climate[clear]["median"] == pytest.approx(climate[below]["median"], rel=0.01)
