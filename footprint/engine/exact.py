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

    Every group's sum is ``total`` of its terms (the correctly rounded sum: the same bits whatever order
    the terms come in; np.bincount, which this replaced, added them one after another in the order given).
    A Python call of ``math.fsum`` per group was 10-20 ms of a 1,005-process declaration (40,000 groups of
    about three terms, most of them zero), so the groups whose correctly rounded sum needs no ``math.fsum``
    are summed with array operations, exactly (``_few_terms`` says why), and only the others one by one.
    """
    codes = np.asarray(codes, dtype=np.int64)
    if size < _FEW_GROUPS:
        return [_group_by_group(codes, size, column) for column in columns]
    out = []
    for column in columns:
        values = np.asarray(column, dtype=float)
        nonzero = values != 0.0  # zeros change no exact sum (math.fsum skips them); nan != 0 stays
        terms, groups = values[nonzero], codes[nonzero]
        order = np.argsort(groups, kind="stable")  # each group's terms in one run, in their given order
        terms = terms[order]
        count = np.bincount(groups, minlength=size) if len(groups) else np.zeros(size, dtype=np.int64)
        first = np.cumsum(count) - count  # where each group's run starts in ``terms``
        sums, done = _few_terms(terms, first, count)
        if not done.all():
            _integer_sums(terms, first, count, sums, done)
        if done.all():
            out.append(sums.tolist())
            continue
        listed, sums_listed = terms.tolist(), sums.tolist()
        for group in np.flatnonzero(~done).tolist():
            begin = int(first[group])
            sums_listed[group] = total(listed[begin:begin + int(count[group])])
        out.append(sums_listed)
    return out


#: Below this many groups a call of math.fsum per group costs less than the fixed cost of the array operations
#: (a few dozen numpy calls of some microseconds each, per column): a small foreground's sums take that way.
_FEW_GROUPS = 256


def _group_by_group(codes: np.ndarray, size: int, column: np.ndarray) -> list[float]:
    """Each group's ``total``, one group after another (the terms gathered by a stable sort of the codes)."""
    counts = np.bincount(codes, minlength=size).tolist() if len(codes) else [0] * size
    values = np.asarray(column, dtype=float)[np.argsort(codes, kind="stable")].tolist()
    sums, start = [], 0
    for count in counts:
        sums.append(total(values[start:start + count]) if count else 0.0)
        start += count
    return sums


def _few_terms(terms: np.ndarray, first: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sums, done): the sum of each group of at most two terms, bit for bit what ``total`` gives; the
    groups not ``done`` are left to ``total``.  Group g's ``count[g]`` nonzero terms are
    ``terms[first[g]:first[g] + count[g]]``.

    * No term: 0.0 (math.fsum of nothing, or of zeros, -0.0 among them, is 0.0).
    * One term x (nonzero): x; math.fsum([x]) is x, ±inf and nan included.
    * Two finite terms a and b: ``a + b + 0.0``.  IEEE 754 addition returns the exact sum rounded to
      nearest, ties to even, which is what math.fsum returns (the correctly rounded sum); a + (-a) is
      +0.0 in round to nearest, as math.fsum gives (the ``+ 0.0`` is there for the reader, it changes
      nothing); if a + b overflows, math.fsum raises OverflowError and ``total`` returns the infinity
      of the plain sum's sign, which is a + b.  Two terms with ±inf or nan are left to ``total``.
    """
    sums = np.zeros(len(count))
    one = np.flatnonzero(count == 1)
    sums[one] = terms[first[one]]
    two = np.flatnonzero(count == 2)
    left, right = terms[first[two]], terms[first[two] + 1]
    finite = np.isfinite(left) & np.isfinite(right)
    with np.errstate(over="ignore"):
        sums[two[finite]] = (left[finite] + right[finite]) + 0.0
    done = count <= 1
    done[two[finite]] = True
    return sums, done


#: Terms below this magnitude cannot overflow a sum in ``_integer_sums`` (a group's integer sum stays
#: below 2**63 times its scale 2**E, and E < 1000 - 62 for such terms).
_SAFE = 2.0 ** 1000


def _integer_sums(terms: np.ndarray, first: np.ndarray, count: np.ndarray, sums: np.ndarray,
                  done: np.ndarray) -> None:
    """Sum exactly, as integers, the groups not yet ``done`` whose terms allow it; mark them ``done``.

    A group qualifies when its terms are finite, below 2**1000 in magnitude, and all integer multiples of
    one power of two 2**E chosen from its largest term: with 2**h the power of two above the largest
    |term| (frexp) and k = ceil(log2(terms)), E = h + k - 63.  Then each N = term * 2**-E (a scaling by a
    power of two; checked to be a nonzero integer) has |N| < 2**(63 - k), so the group's at most 2**k
    of them and every partial sum stay below 2**63: int64 adds them exactly to S.  Converting S to float
    rounds it to nearest, ties to even (the IEEE conversion; tests/test_exact.py checks 2**53 + 1 and
    2**53 + 3), and scaling back by 2**E is exact: if the exact sum is at least 2**-1022 in magnitude
    the rounded one is too (rounding is monotone and 2**-1022 is a float), a normal float, where
    rounding to 53 significant bits is binary64's rounding to nearest; if it is smaller, it is a
    multiple of 2**-1074 (every float is) below 2**-1022, a subnormal float, and S has at most 52
    significant bits (below 2**52 if E >= -1074, else 2**(-1074 - E) times an integer below 2**52), so
    neither the conversion nor the scaling rounds.  So the result is the correctly rounded sum, which is
    what math.fsum returns (a zero sum: 0.0 both).  The condition holds when the group's terms lie within
    about 10 - k binary orders of magnitude of each other (a process's few flows in one category).
    """
    chosen = np.flatnonzero(~done & (count <= 1024))
    if not len(chosen):
        return
    sizes = count[chosen]
    starts = np.cumsum(sizes) - sizes
    run = np.repeat(np.arange(len(chosen)), sizes)  # each gathered term's place in ``chosen``
    values = terms[np.arange(len(run)) - starts[run] + first[chosen][run]]
    largest = np.maximum.reduceat(np.abs(values), starts)
    safe = largest < _SAFE  # False for a group with nan or ±inf
    headroom = np.frexp((sizes - 1).astype(float))[1]  # ceil(log2(terms)): 2**headroom >= terms
    scale = np.frexp(np.where(safe, largest, 0.0))[1] + headroom - 63
    kept = np.where(safe[run], values, 0.0)
    scaled = np.ldexp(kept, -scale[run])
    inexact = (scaled != np.rint(scaled)) | ((scaled == 0.0) & (kept != 0.0))  # not a multiple of 2**E
    exact = safe & (np.bincount(run, weights=inexact, minlength=len(chosen)) == 0)
    integers = np.where(exact[run], scaled, 0.0).astype(np.int64)
    result = np.ldexp(np.add.reduceat(integers, starts).astype(float), scale)
    sums[chosen[exact]] = result[exact]
    done[chosen[exact]] = True


def counts(codes: np.ndarray, size: int) -> list[int]:
    """How many terms each group 0 .. size-1 has (``by_group``'s groups)."""
    return np.bincount(np.asarray(codes, dtype=np.int64), minlength=size).tolist() if len(codes) else [0] * size
