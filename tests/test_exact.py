"""exact.by_group: every group's sum is the correctly rounded one (math.fsum's bits), whichever way it is computed.

by_group sums most groups with array operations (groups of one or two nonzero terms, and groups whose terms
are multiples of one power of two an int64 can hold) and leaves the others to math.fsum; these tests hold
it to math.fsum's bits group by group, in any order of the terms, and to ``total``'s rules for ±inf and nan.
Calls with fewer than exact._FEW_GROUPS groups take math.fsum group by group: ``MANY`` groups (most of them
empty) send the same terms through the array operations.
"""
from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.engine import exact


MANY = exact._FEW_GROUPS  # this many groups or more: the array operations


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def per_group(codes, size, values) -> list[float]:
    """The reference: ``exact.total`` (math.fsum) of each group's terms, one group at a time."""
    groups: list[list[float]] = [[] for _ in range(size)]
    for code, value in zip(list(codes), list(values)):
        groups[code].append(float(value))
    return [exact.total(terms) if terms else 0.0 for terms in groups]


def same(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(bits(g) == bits(w) or (math.isnan(g) and math.isnan(w))
                                         for g, w in zip(got, want))


def test_four_terms_whose_plain_sum_rounds_three_times_are_summed_as_integers_to_the_correct_float(monkeypatch):
    # Terms 1, b, b, b with b = 0.25 + 2**-54 (a float: 0.25's last place is 2**-54).
    # Exact sum: 1.75 + 3 * 2**-54.  In [1, 2) the float spacing is 2**-52; 3 * 2**-54 is 0.75 of it,
    # so the correctly rounded sum is 1.75 + 2**-52 = 1.7500000000000002.
    # Left to right: 1 + b = 1.25 + 2**-54, a quarter spacing above 1.25: rounds to 1.25; likewise
    # 1.25 + b -> 1.5 and 1.5 + b -> 1.75.  The plain sum is 1.75, one unit in the last place low.
    b = 0.25 + 2.0 ** -54
    terms = [1.0, b, b, b]
    plain = 0.0
    for term in terms:
        plain += term
    assert plain == 1.75 and math.fsum(terms) == 1.75 + 2.0 ** -52 == 1.7500000000000002
    # largest 1.0 (frexp exponent 1), four terms (k = 2): E = 1 + 2 - 63 = -60, every term a multiple of
    # 2**-60, so this group takes the integer way, not math.fsum:
    monkeypatch.setattr(exact.math, "fsum", lambda terms: pytest.fail("math.fsum called"))
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2]):
        got, = exact.by_group(np.zeros(4, dtype=np.int64), MANY, np.array([terms[i] for i in order]))
        assert got == [1.7500000000000002] + [0.0] * (MANY - 1)


def test_two_terms_are_the_ieee_sum_and_a_zero_sum_is_positive_zero():
    # 0.1 + 0.2: both floats' exact sum is 0.3000000000000000166533453693773481063544750213623046875
    # (0.1 = 0x1.999999999999ap-4, 0.2 = 0x1.999999999999ap-3); nearest float 0.30000000000000004.
    codes = np.array([0, 0, 1, 1, 2, 2, 3])
    values = np.array([0.1, 0.2, 5.0, -5.0, -0.0, -0.0, -0.0])
    for size in (5, MANY):
        got, = exact.by_group(codes, size, values)
        assert got == [0.30000000000000004, 0.0, 0.0, 0.0] + [0.0] * (size - 4)
        assert [math.copysign(1.0, g) for g in got] == [1.0] * size  # no -0.0: math.fsum gives 0.0


def test_terms_far_apart_are_left_to_fsum_and_summed_exactly():
    # 1, 1e100, 1, -1e100: exact sum 2.  The plain sum is 0.0 (1 + 1e100 is 1e100).
    for size in (1, MANY):
        got, = exact.by_group(np.array([0, 0, 0, 0]), size, np.array([1.0, 1e100, 1.0, -1e100]))
        assert got[0] == 2.0


def test_the_int64_to_float_conversion_rounds_to_nearest_ties_to_even():
    # the integer way's one rounding step: 2**53 + 1 is half way between 2**53 and 2**53 + 2 (even: 2**53);
    # 2**53 + 3 half way between 2**53 + 2 and 2**53 + 4 (even: 2**53 + 4)
    assert np.array([2 ** 53 + 1, 2 ** 53 + 3], dtype=np.int64).astype(float).tolist() == [2.0 ** 53, 2.0 ** 53 + 4]


@pytest.mark.parametrize("terms, expected", [
    ([math.inf, 1.0], math.inf),
    ([-math.inf, 1.0, 2.0], -math.inf),
    ([math.inf, -math.inf], math.nan),
    ([math.inf, -math.inf, 1.0], math.nan),
    ([math.nan], math.nan),
    ([math.nan, 1.0, 2.0], math.nan),
    ([math.inf], math.inf),
    ([1e308, 1e308], math.inf),
    ([-1e308, -1e308, 1.0], -math.inf),
    ([1e308, 1e308, -1e308], math.inf),  # total's rule: math.fsum overflows, the plain sum's sign
])
def test_infinities_and_nan_keep_totals_rules(terms, expected):
    for size in (1, MANY):
        got, = exact.by_group(np.zeros(len(terms), dtype=np.int64), size, np.array(terms))
        assert same(got[:1], [exact.total(terms)])
        assert same(got[:1], [expected])


def test_subnormal_terms_sum_exactly():
    tiny = 5e-324  # 2**-1074
    cases = [[tiny, tiny, tiny], [2.0 ** -1022, -tiny, -tiny], [2.0 ** -1022 - tiny, tiny, tiny, -2.0 ** -1030],
             [3 * tiny, 7 * tiny, -2 * tiny, 2.0 ** -1070]]
    for terms in cases:
        got, = exact.by_group(np.zeros(len(terms), dtype=np.int64), MANY, np.array(terms))
        assert same(got[:1], [math.fsum(terms)])


def clustered(draw_exponent):
    return st.builds(lambda mantissa, exponent: math.ldexp(mantissa, exponent),
                     st.integers(-(2 ** 53) + 1, 2 ** 53 - 1), draw_exponent)


terms_strategy = st.lists(st.tuples(
    st.integers(0, 7),
    st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
              clustered(st.integers(-60, -50)),  # nearby magnitudes: the integer way
              clustered(st.integers(-1080, -1070)),  # subnormal
              clustered(st.integers(940, 946)),  # large, below 2**1000
              st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.1, 2.0 ** -53, 2.0 ** 53]))), max_size=60)


@settings(max_examples=400, deadline=None)
@given(terms_strategy, st.randoms(use_true_random=False))
def test_each_group_is_math_fsum_of_its_terms_in_any_order(pairs, random):
    codes = np.array([c for c, _v in pairs], dtype=np.int64)
    values = np.array([v for _c, v in pairs], dtype=float)
    shuffled = list(range(len(pairs)))
    random.shuffle(shuffled)
    for size in (8, MANY):
        got, = exact.by_group(codes, size, values)
        assert same(got, per_group(codes, size, values))
        again, = exact.by_group(codes[shuffled], size, values[shuffled])
        assert [bits(v) for v in again] == [bits(v) for v in got]


def test_random_groups_of_every_kind_match_math_fsum():
    rng = np.random.default_rng(20261202)
    for trial in range(600):
        used, count = int(rng.integers(1, 30)), int(rng.integers(0, 120))
        codes = rng.integers(0, used, count)
        size = used + (MANY if trial % 8 < 4 else 0)
        kind = trial % 4
        if kind == 0:  # nearby magnitudes, with zeros: the integer way
            values = np.ldexp(rng.integers(-(2 ** 53) + 1, 2 ** 53, count).astype(float), rng.integers(-58, -52, count))
            values[rng.random(count) < 0.3] = 0.0
        elif kind == 1:  # subnormals and the smallest normals
            values = np.ldexp(rng.integers(-(2 ** 53) + 1, 2 ** 53, count).astype(float), rng.integers(-1080, -1060, count))
        elif kind == 2:  # spread widely: math.fsum
            values = rng.normal(size=count) * 10.0 ** rng.integers(-20, 20, count)
        else:
            values = rng.choice([0.0, -0.0, 1.0, -1.0, 2.0 ** -53, 2.0 ** 53, 1e308, -1e308, math.inf, -math.inf,
                                 math.nan, 5e-324, 0.1, 0.2, 2.0 ** 999], count)
        columns = [values, values[::-1].copy()]
        got = exact.by_group(codes, size, *columns)
        assert all(same(g, per_group(codes, size, column)) for g, column in zip(got, columns)), trial


def test_no_terms_and_empty_groups_are_zero():
    for size in (3, MANY):
        assert exact.by_group(np.zeros(0, dtype=np.int64), size, np.zeros(0), np.zeros(0)) == [[0.0] * size] * 2
        assert exact.by_group(np.array([2]), size, np.array([1.5])) == [[0.0, 0.0, 1.5] + [0.0] * (size - 3)]
