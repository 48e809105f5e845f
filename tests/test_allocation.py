"""Allocation of a two-output process, against shares computed by hand."""
from __future__ import annotations

import pytest

from footprint import allocation
from footprint.errors import ActivityDataError


def test_economic_shares_of_a_two_output_process():
    # 1 kg REO concentrate at 50 and 12.5 kg iron ore at 1 (Sprecher 2014 ratio): 50 / (50 + 12.5) = 0.8
    shares = allocation.economic_shares({"concentrate": 1.0, "iron ore": 12.5}, {"concentrate": 50.0, "iron ore": 1.0})
    assert shares == pytest.approx({"concentrate": 0.8, "iron ore": 0.2})


def test_mass_shares_of_a_two_output_process():
    # 1 / 13.5 = 0.0740741 (Sprecher: 7.4 % by mass)
    shares = allocation.mass_shares({"concentrate": 1.0, "iron ore": 12.5})
    assert shares["concentrate"] == pytest.approx(1 / 13.5)
    assert shares["iron ore"] == pytest.approx(12.5 / 13.5)


def test_separation_shares_with_usgs_prices_by_hand():
    masses = {"NdPr": 2000.0, "La": 1860.0, "Ce": 4050.0, "SEG": 155.0}
    prices = {"NdPr": 83.0, "La": 1.4, "Ce": 1.4, "SEG": 95.4}
    revenue = 2000 * 83 + 1860 * 1.4 + 4050 * 1.4 + 155 * 95.4  # 166000 + 2604 + 5670 + 14787 = 189061
    shares = allocation.economic_shares(masses, prices)
    assert shares["NdPr"] == pytest.approx(166000 / revenue)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_specified_shares_must_close():
    assert allocation.specified_shares({"a": 0.7, "b": 0.3}) == {"a": 0.7, "b": 0.3}
    with pytest.raises(ActivityDataError, match="do not add up to 1"):
        allocation.specified_shares({"a": 0.7, "b": 0.2}, file="x.yaml", field="processes.p.co_products")


def test_specified_shares_must_be_given_and_in_range():
    with pytest.raises(ActivityDataError, match="needs a 'share'"):
        allocation.specified_shares({"a": 0.7, "b": None})
    with pytest.raises(ActivityDataError, match="outside"):
        allocation.specified_shares({"a": 1.2, "b": -0.2})
