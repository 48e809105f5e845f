"""Edge cases of class thresholds found in a hostile review: a declaration on its own threshold."""
from __future__ import annotations

import pytest

from footprint.market import classes
from footprint.market.registry import MarketPoint


@pytest.mark.parametrize("values, weights, median", [
    # three equal weights: positions (k - 0.5)/3 = 1/6, 1/2, 5/6; Q(1/2) is the 2nd value's position, so t = 6.4667.
    # Old code interpolated 1.85 + (6.4667 - 1.85) x 1 = 6.4666999999999994, an ulp below the declaration
    ([1.85, 6.4667, 100.0], [1.0, 1.0, 1.0], 6.4667),
    # masses 1144.6, 4726.4, 1144.6 kg: W = 7015.6, position of 20.3 = (1144.6 + 4726.4/2)/7015.6 = 3507.8/7015.6 = 1/2
    # exactly; old code: 20.299999999999997 (the float position came out an ulp away from 1/2)
    ([10.0, 20.3, 30.0], [1144.6, 4726.4, 1144.6], 20.3),
])
def test_a_declaration_whose_position_is_the_quantile_is_on_the_threshold_and_in_the_better_class(values, weights,
                                                                                                   median):
    """Upper bounds are inclusive: the declaration at the threshold takes the better class (A).  Old code: the
    threshold came out an ulp below it and the median declaration (two thirds of the mass in the second case) was
    classed B, with exit 0, under a scheme printing 'A: <= 6.467'."""
    limits = classes.thresholds(values, weights, 2)
    assert limits == [median]
    assert classes.class_index(median, limits) == 0
    points = [MarketPoint(f"d{k}", v, w) for k, (v, w) in enumerate(zip(values, weights))]
    scheme = classes.derive(points, rule_id="r", category="climate_change", unit="kg CO2-Eq", window="2022-2024",
                            classes=2)
    assert [row["declarations"] for row in scheme["classes"]] == [2, 1]


def _with_median(document: dict, median: float) -> dict:
    """The declaration with a Monte Carlo of its climate change result (percentiles median - 4 .. median + 4)."""
    value = next(r["value"] for r in document["results"] if r["category"] == "climate_change")
    quantiles = [median - 4.0 + 8.0 * k / 100 for k in range(101)]
    return {**document, "uncertainty": {"iterations": 1000, "seed": 7, "results": [
        {"category": "climate_change", "value": value, "mean": median, "median": median, "sd": 2.0,
         "p2_5": quantiles[2] + 0.04, "p97_5": quantiles[97] + 0.04, "quantiles": quantiles, "by_stage": {}}]}}


def test_a_scheme_of_medians_classes_a_declaration_at_its_median(example_declaration):
    """Two market declarations with medians v - 3 and v + 1 (v: the example's declared climate change value, 1 t
    each); 2 classes on medians: positions 1/4, 3/4, so t = Q(1/2) = ((v - 3) + (v + 1))/2 = v - 1.  The example with
    a Monte Carlo median of v - 1.5 stands, as the derivation ranks it, at v - 1.5 <= v - 1: class A.  Old code
    classed its declared value v > v - 1: B, exit 0, under a scheme whose own ranking put it in A."""
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == "climate_change")
    points = [MarketPoint("m1", 0.0, 1000.0, median=value - 3.0), MarketPoint("m2", 0.0, 1000.0, median=value + 1.0)]
    scheme = classes.derive(points, rule_id="ndpr-oxide", category="climate_change", unit="kg CO2-Eq",
                            window="2023-2025", classes=2, basis="median")
    assert scheme["thresholds"] == pytest.approx([value - 1.0])
    document = _with_median(example_declaration, value - 1.5)
    record = classes.assign(document, scheme)
    assert (record["class"], record["value"], record["basis"]) == ("A", value, "median")
    assert record["classed_value"] == pytest.approx(value - 1.5)
    assert record["nearest_threshold"]["distance"] == pytest.approx(-0.5)
    # a declaration without a Monte Carlo is classed at its value (as the derivation ranks it): v > v - 1, B
    assert classes.assign(example_declaration, scheme)["class"] == "B"
    # a scheme of declared values classes the declared value, as before
    by_value = classes.derive([MarketPoint("m1", value - 3.0, 1000.0), MarketPoint("m2", value + 1.0, 1000.0)],
                              rule_id="ndpr-oxide", category="climate_change", unit="kg CO2-Eq", window="2023-2025",
                              classes=2)
    assert "basis" not in classes.assign(document, by_value) and classes.assign(document, by_value)["class"] == "B"


def test_more_quantile_classes_than_declarations_are_refused():
    """10, 20, 30 (1 t each), 7 quantile classes: positions 1/6, 1/2, 5/6; Q(1/7) = 10 (below 1/6), Q(6/7) = 30, and
    Q(2/7) .. Q(5/7) interpolated (13.57, 17.86, 22.14, 26.43): four of the seven classes (B, C, E, G) hold
    none of the three declarations.  Old code wrote it, exit 0, with class counts [1, 0, 0, 1, 0, 1, 0]."""
    points = [MarketPoint(f"d{v}", float(v), 1000.0) for v in (10, 20, 30)]
    kwargs = dict(rule_id="r", category="climate_change", unit="kg CO2-Eq", window="2022-2024")
    with pytest.raises(classes.ClassSchemeError, match="7 quantile classes from 3 declaration") as caught:
        classes.derive(points, classes=7, **kwargs)
    assert (caught.value.field, caught.value.value) == ("classes", 7)
    assert [row["declarations"] for row in classes.derive(points, classes=3, **kwargs)["classes"]] == [1, 1, 1]
    # head-room keeps A empty on purpose: 4 classes, 3 of them ranked, from 3 declarations
    assert classes.derive(points, classes=4, head_room=True, **kwargs)["classes"][0]["declarations"] == 0
    # equal-width bands may be empty by design
    assert classes.derive(points, classes=7, method="equal-width", **kwargs)["number_of_classes"] == 7
