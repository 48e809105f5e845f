"""Sums whose bits do not depend on the order of their terms: every declared sum goes through here.

Why: a declared number must not depend on the order in which the producer listed its inputs or the rule
author listed the declared categories.  Floating-point addition is not associative, so a total, a stage or
process split, a DQR criterion or a share summed in file order came out different in its last bits when the
same data were written in another order (ndpr-oxide's particulate matter 9.724221126582972e-06 with the
inputs reversed 9.724221126582975e-06), and a criterion on half of its last declared place rounded either
way (ndfeb-magnet's P 2.17 with its declared categories reversed 2.171), exit 0 both.

``math.fsum`` returns the correctly rounded sum of its terms: the one float nearest the exact sum, which is
the same whatever order the terms come in.  It differs from a left-to-right or pairwise sum in the last bits
only (the shipped examples' declared values moved by at most a few units in the last place).
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np


def total(values: Iterable[float]) -> float:
    """The correctly rounded sum of ``values`` (``math.fsum``): the same bits in any order of the terms.

    Terms that overflow when added (two contributions of 1e308) give ±inf, and +inf with -inf gives nan,
    as a plain sum would: callers refuse a sum that is not finite and name the input that drove it there.
    """
    terms = values if isinstance(values, list) else list(values)
    try:
        return math.fsum(terms)
    except OverflowError:  # finite terms whose sum exceeds any float: the sign of the plain sum
        return math.copysign(math.inf, sum(terms))
    except ValueError:  # +inf and -inf among the terms
        return math.nan


def by_group(codes: np.ndarray, size: int, *columns: np.ndarray) -> list[list[float]]:
    """For each of ``columns`` (one value per term), the exact sum of its terms per group: ``codes[i]`` is the
    group (0 .. size-1) of term i.  An empty group sums to 0.0.

    The terms are gathered group by group (a stable sort of the codes) and each group summed with ``total``,
    so a group's sum depends on its terms, not on where they stand (np.bincount, which this replaces, adds
    them one after another in the order given).
    """
    codes = np.asarray(codes, dtype=np.int64)
    counts = np.bincount(codes, minlength=size).tolist() if len(codes) else [0] * size
    order = np.argsort(codes, kind="stable")
    out = []
    for column in columns:
        values = np.asarray(column, dtype=float)[order].tolist()
        sums, start = [], 0
        for count in counts:
            if count == 1:
                sums.append(values[start] + 0.0)  # one term: itself (-0.0 as 0.0, as a sum from 0.0 gives)
            else:
                sums.append(total(values[start:start + count]) if count else 0.0)
            start += count
        out.append(sums)
    return out


def counts(codes: np.ndarray, size: int) -> list[int]:
    """How many terms each group 0 .. size-1 has (``by_group``'s groups)."""
    return np.bincount(np.asarray(codes, dtype=np.int64), minlength=size).tolist() if len(codes) else [0] * size
