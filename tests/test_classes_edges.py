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
