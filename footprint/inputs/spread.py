"""A declaration's Monte Carlo statistics, checked for consistency wherever another document reads them.

``footprint declare --uncertainty`` writes per declared category the percentiles 0..100 of the
result and, from the same samples, its mean, median, sd and 2.5/97.5 % percentiles
(footprint.engine.uncertainty).  Those numbers are then read without recomputing them: a
supplier's percentiles are sampled into a buyer's Monte Carlo, ``market add`` keeps median and
95 % interval for ``classes derive --basis median`` and ``classes revise``, ``classes assign``
derives class probabilities from the percentiles.  Only ``verify`` recomputes them.  Numbers
that contradict one another (the percentiles multiplied by 10 and the median left, a 2.5 %
above the median) can only come from an edit or a broken writer; read as they are, they moved
a buyer's 95 % interval to 142..223 around a declared 32.3 kg CO2-Eq, exit 0.  So the one
check here, applied by every reader, refuses them.  A consistent edit is not detected here (nor
is an edited value): that is what signatures and ``verify`` are for.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

#: The percentiles a block holds: 0, 1, ..., 100 (engine.uncertainty.PERCENTILES).
QUANTILES = 101


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def result_problem(entry: Mapping[str, Any]) -> tuple[str, str, Any] | None:
    """(field, what is wrong, value) of one ``uncertainty.results`` entry, or None when it is consistent.

    Consistent: 101 finite ascending percentiles; median = the 50th; the 2.5 % between the 2nd
    and 3rd, the 97.5 % between the 97th and 98th; the mean within [0th, 100th] (a mean of the
    samples lies between their extremes); sd a finite number >= 0.  The writer takes all of them
    from the same samples with the same interpolation (numpy's linear), so a block it wrote
    satisfies them up to rounding.
    """
    q = entry.get("quantiles")
    if (not isinstance(q, list) or len(q) != QUANTILES or not all(_number(v) for v in q)
            or any(b < a for a, b in zip(q, q[1:]))):
        return "quantiles", f"not {QUANTILES} ascending finite numbers (the percentiles 0..100)", q
    for key in ("mean", "median", "sd", "p2_5", "p97_5"):
        if not _number(entry.get(key)):
            return key, "missing or not a finite number", entry.get(key)
    # a mean of equal samples differs from them by rounding (0.5062844838783299 of 1,090 times
    # 0.5062844838783298): slack of 1e-9 of the scale for it, 1e-12 for the percentiles (a block
    # written by hand, as in tests, may compute its median another way)
    scale = max(abs(q[0]), abs(q[100]), 1e-300)
    checks = (("median", lambda v: abs(v - q[50]) <= 1e-12 * scale, "the 50th percentile"),
              ("p2_5", lambda v: q[2] - 1e-12 * scale <= v <= q[3] + 1e-12 * scale,
               "between the 2nd and 3rd percentiles"),
              ("p97_5", lambda v: q[97] - 1e-12 * scale <= v <= q[98] + 1e-12 * scale,
               "between the 97th and 98th percentiles"),
              ("mean", lambda v: q[0] - 1e-9 * scale <= v <= q[100] + 1e-9 * scale,
               "between the 0th and 100th percentiles"),
              ("sd", lambda v: v >= 0, ">= 0"))
    for key, holds, expected in checks:
        if not holds(float(entry[key])):
            return key, f"disagrees with the percentiles of the same samples (expected {expected})", entry[key]
    return None


def expected_text() -> str:
    return ("the statistics 'footprint declare --uncertainty' wrote (percentiles 0..100 and, from the same samples, "
            "mean, median, sd, p2_5, p97_5); recompute it with 'footprint verify --data'")
