"""Distributions stated in files (activity data, dataset files) are checked as read, never left to the draws.

Each test names what happened before the fix; each fails on the code before it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cli
import footprint
import footprint.paths
from footprint.errors import InventoryError
from footprint.inputs.distribution import Distribution

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
CO2 = '    name: "Carbon dioxide, fossil"\n    categories: [air]\n    amount: 0.6849\n'
ELECTRICITY = "{kind: electricity, amount: 1200, unit: MWh, "


def _own_grid(tmp_path: Path, uncertainty: str) -> Path:
    """A user's inventories root holding electricity/CN-GZ (the Inner Mongolia grid, renamed) with a stated
    distribution on its 'Carbon dioxide, fossil' (0.6849 kg per kWh)."""
    source = (REPO / "inventories" / "electricity" / "CN-NM.yaml").read_text(encoding="utf-8")
    assert CO2 in source
    text = source.replace("code: electricity/CN-NM\n", "code: electricity/CN-GZ\n").replace(
        "geography: CN-NM\n", "geography: CN-GZ\n").replace(CO2, CO2 + f"    uncertainty: {uncertainty}\n")
    root = tmp_path / "own"
    (root / "electricity").mkdir(parents=True)
    (root / "electricity" / "CN-GZ.yaml").write_text(text, encoding="utf-8")
    return root


# ------------------------------------------------------------------ a dataset file's distribution

@pytest.mark.parametrize("uncertainty, said", [
    # before: sampled as certain (scale None -> 0), exit 0, the file's owner told nothing
    ("{type: lognormal}", "needs exactly one of"),
    ("{type: normal}", "needs exactly one of"),
    # before: swapped silently into [0.5, 0.9]
    ("{type: uniform, minimum: 0.9, maximum: 0.5}", "above maximum"),
    # before: KeyError 'minimum' from the Monte Carlo
    ("{type: uniform, maximum: 0.9}", "needs 'minimum' and 'maximum'"),
    # before: accepted (exp(-0.2 z) is the same spread: a sign that means nothing, taken without a word)
    ("{type: lognormal, scale: -0.2}", "negative"),
    # before: refused only by the draws, so whether it was refused depended on N and the seed
    ("{type: uniform, minimum: -0.5, maximum: 0.9}", "reaches below 0"),
    # before: refused only when a Monte Carlo ran; a declaration without one rested on the file unread
    ("{type: uniform, minimum: 5.0, maximum: 9.0}", "outside its uniform range"),
])
def test_a_dataset_files_distribution_is_checked_as_the_file_is_read(tmp_path, uncertainty, said):
    from footprint.data.inventory import load_catalogue

    root = _own_grid(tmp_path, uncertainty)
    with pytest.raises(InventoryError) as caught:
        load_catalogue([REPO / "inventories", root])
    message = str(caught.value)
    assert said in message, message
    assert "CN-GZ.yaml" in message and "exchanges[0].uncertainty" in message


def test_every_shipped_dataset_distribution_passes_the_check():
    from footprint.data.inventory import load_catalogue

    catalogue = load_catalogue([REPO / "inventories"])
    stated = [e for d in catalogue.datasets.values() for e in d.exchanges if e.uncertainty is not None]
    assert len(stated) >= 17  # the screening chemicals' ranges (README "Uncertainty")


def test_a_range_ending_at_the_amount_is_not_refused_for_float32_rounding():
    """Before: Brightway keeps amounts as float32; 0.6849 is stored as 0.68489998..., so a triangular whose
    minimum is the amount (mode at the minimum: "at least 0.6849") was refused by the Monte Carlo as "amount
    0.6849 outside its range [0.6849, 0.9]", and a uniform whose maximum is 0.3 likewise."""
    from footprint.engine.uncertainty import _relative_from_fields

    for value in (0.6849, 0.1, 0.3, 1.1, 2.7, 13.3):
        stored = float(np.float32(value))
        at_minimum = _relative_from_fields({"uncertainty type": 5, "minimum": value, "maximum": 2 * value,
                                            "loc": value}, stored)
        at_maximum = _relative_from_fields({"uncertainty type": 4, "minimum": value / 2, "maximum": value}, stored)
        assert at_minimum.minimum <= at_minimum.loc <= at_minimum.maximum and at_minimum.minimum <= 1.0
        assert at_maximum.minimum <= 1.0 <= at_maximum.maximum
        assert at_maximum.maximum == pytest.approx(1.0, abs=1e-6)  # value / float32(value)
    with pytest.raises(ValueError):  # a range that misses the amount by more than rounding still is refused
        _relative_from_fields({"uncertainty type": 4, "minimum": 0.5, "maximum": 0.68}, float(np.float32(0.6849)))


def test_an_own_dataset_with_a_range_starting_at_its_amount_runs_a_monte_carlo(project, tmp_path):
    own = Path(footprint.paths.home()) / "inventories"
    shutil.copytree(_own_grid(tmp_path, "{type: triangular, minimum: 0.6849, maximum: 0.9}"), own,
                    dirs_exist_ok=True)
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text(encoding="utf-8").replace("region: CN-NM", "region: CN-GZ"), encoding="utf-8")
    try:
        footprint.ensure_setup()
        document = footprint.declare("ndpr-oxide", data, uncertainty=200, seed=1)
    finally:
        (own / "electricity" / "CN-GZ.yaml").unlink()
        footprint.ensure_setup()
    climate = document["uncertainty"]["results"][0]
    assert climate["category"] == "climate_change" and climate["p2_5"] < climate["median"] < climate["p97_5"]


# ------------------------------------------------------------------ a producer's range reaching below zero

def test_a_producers_range_below_zero_is_refused_whatever_the_draws():
    """Before: uniform -1..1300 around 1200 MWh passed the check and was refused only if a draw fell below 0
    (P = 1/1301 per draw): declared with exit 0 at some N and seeds, refused at others."""
    with pytest.raises(ValueError, match="reaches below 0"):
        Distribution(type="uniform", minimum=-1, maximum=1300).relative(1200.0)
    with pytest.raises(ValueError, match="reaches below 0"):
        Distribution(type="triangular", minimum=-5, maximum=20).relative(10.0)
    assert Distribution(type="uniform", minimum=0, maximum=1300).relative(1200.0).minimum == 0.0  # 0 is an amount


def test_declare_refuses_a_range_below_zero_before_computing(tmp_path):
    data = tmp_path / "activity.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert ELECTRICITY in text
    data.write_text(text.replace(ELECTRICITY, ELECTRICITY + "uncertainty: {type: uniform, minimum: -1, "
                                                            "maximum: 1300}, ", 1), encoding="utf-8")
    outcome = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(data), "-o", str(tmp_path / "d.json"),
                                            "--uncertainty", "50", "--seed", "1"])
    assert outcome.exit_code == 2, outcome.output
    assert "reaches below 0" in outcome.output and "processes.mining.inputs[1].uncertainty" in outcome.output
    assert not (tmp_path / "d.json").exists()


# ------------------------------------------------------------------ the pedigree table's basic classes

@pytest.mark.parametrize("name", ["Lead-210", "Cobalt-60", "Antimony-125", "Zinc-65"])
def test_an_air_radionuclide_named_after_a_heavy_metal_takes_the_radionuclides_basic_uncertainty(name):
    """Before: 'Lead-210' (air; in the coal and grid datasets) matched the heavy metals' pattern
    '^(...|Lead|...)\\b' first (\\b matches before '-') and took U_b 5.00 instead of the radionuclides' 3.00.

    With every DQR score 1 only the basic factor counts: sigma = ln(U_b) / 2 = ln(3) / 2 = 1.098612 / 2 = 0.549306
    (5.00 gave ln(5) / 2 = 1.609438 / 2 = 0.804719).
    """
    from footprint.data import pedigree
    from footprint.inputs.dqr import DQR

    label, basic = pedigree.emission_class(name, ["air", "non-urban air or from high stacks"])
    assert basic == 3.00 and "radionuclides" in label
    spread = pedigree.lognormal(label, basic, DQR(TeR=1, GeR=1, TiR=1, P=1))
    assert spread.scale == pytest.approx(0.549306, abs=1e-6)
    assert pedigree.emission_class("Lead", ["air"])[1] == 5.00  # the metal itself stays a heavy metal
    assert pedigree.emission_class("Carbon monoxide, fossil", ["air"])[1] == 5.00
