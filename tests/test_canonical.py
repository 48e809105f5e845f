"""The fast canonical JSON (footprint/_canonical.py) is byte for byte json.dumps with the canonical options.

Every declaration's content hash, and every signature, was taken over json.dumps' text: if the
fast path wrote one byte differently, a declaration signed or registered earlier would no longer
verify.  Each test compares the two texts (or the two refusals); none asserts a speed.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint import _canonical
from footprint.inputs.upstream import canonical_json, content_hash

REPO = Path(__file__).resolve().parents[1]


def _same(value) -> None:
    assert _canonical.canonical_json(value) == _canonical.reference(value)


def _rows(make, count: int = 40) -> list:
    return [make(k) for k in range(count)]


@pytest.mark.parametrize("value", [
    {"rows": _rows(lambda k: {"b": f"s{k}", "a": k * 0.1, "c": None, "d": k % 2 == 0, "e": k})},
    {"rows": _rows(lambda k: {"x": "é ü \u2028 \"quoted\" \\ \n\t\x00 \U0001f600", "y": -0.0, "z": 1e-7})},
    {"rows": _rows(lambda k: {"%s": "%d %%", "100%": f"{k}%", "k%%": 1e300})},   # '%' in keys and values
    {"rows": _rows(lambda k: {"a": 1} if k != 30 else {"a": 1, "b": 2})},        # one row with another key set
    {"rows": _rows(lambda k: {"a": 1} if k != 30 else {"b": 1})},                # same size, other key
    {"rows": _rows(lambda k: {"a": [k]})},                                       # a non-scalar value
    {"rows": _rows(lambda k: {"a": {"b": k}})},
    {"rows": _rows(lambda k: {"a": 1.5} if k != 39 else [1])},                   # a row that is not a dict
    {"rows": _rows(lambda k: {1: "int key"})},                                   # json turns int keys to strings
    {"rows": _rows(lambda k: {})},                                               # rows with no keys at all
    {"rows": _rows(lambda k: {"only": k})},                                      # one key: no separator
    {"rows": [], "empty": {}, "nested": {"a": {"b": {"c": {"d": {"e": [1, {"f": 2}]}}}}}},
    {"z": 1, "a": [1, 2.5, "x", None, True, False], "m": {"b": 2, "a": 1}},
    [1, 2, 3], "text", 1.5, None, 7, True,
])
def test_edge_cases_give_json_dumps_text(value):
    _same(value)


class _Str(str):
    pass


class _Float(float):
    def __repr__(self) -> str:  # json.dumps ignores this (it writes float.__repr__); so must the fast path
        return "not a float"


class _Int(int):
    def __repr__(self) -> str:
        return "not an int"


@pytest.mark.parametrize("odd", [_Str("sub"), _Float(2.5), _Int(3)])
def test_subclasses_of_scalars_are_written_as_json_dumps_writes_them(odd):
    _same({"rows": _rows(lambda k: {"a": odd, "b": k})})
    _same({"key": odd})


def test_numpy_scalars_are_written_as_json_dumps_writes_them():
    import numpy as np

    _same({"rows": _rows(lambda k: {"a": np.float64(k / 3), "b": k})})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_number_is_refused_with_json_dumps_error(bad):
    for value in ({"rows": _rows(lambda k: {"a": bad if k == 20 else 1.0})}, {"a": bad}, {"a": {"b": bad}}):
        with pytest.raises(ValueError) as fast:
            _canonical.canonical_json(value)
        with pytest.raises(ValueError) as plain:
            _canonical.reference(value)
        assert str(fast.value) == str(plain.value)


def test_a_key_that_is_not_a_string_is_refused_as_json_dumps_refuses_it():
    value = {"rows": _rows(lambda k: {(1, 2): k})}
    with pytest.raises(TypeError):
        _canonical.reference(value)
    with pytest.raises(TypeError):
        _canonical.canonical_json(value)


SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=8))
KEYS = st.sampled_from(["a", "b", "é", "%", "k%s", "\"q\"", "z"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(KEYS, SCALARS, min_size=1, max_size=4), min_size=0, max_size=40),
       st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
                    max_leaves=12))
def test_random_documents_give_json_dumps_text(rows, other):
    _same({"rows": rows, "rows_again": rows * 2, "other": other, "block": {"inner": rows, "x": other}})


def test_every_example_declaration_hashes_as_before(project):
    """The examples' declarations, hashed over json.dumps' text and over the fast text: the same."""
    import hashlib

    import footprint

    examples = sorted((REPO / "examples").glob("*/activity-2025.yaml"))
    assert len(examples) >= 12
    for path in examples:
        try:
            document = footprint.declare(path.parent.name, path)
        except footprint.FootprintError:
            continue  # an example refused for a coverage gap has no document to compare
        assert len(document["contributions"]) >= 16  # the template path is really taken
        assert canonical_json(document) == _canonical.reference(document)
        body = {k: v for k, v in document.items() if k not in ("content_sha256", "signatures")}
        assert content_hash(document) == hashlib.sha256(_canonical.reference(body).encode()).hexdigest()
        assert content_hash(document) == document["content_sha256"]


def test_shipped_suppliers_declarations_still_verify_their_hash():
    """Declarations written (and hashed) before this path existed: their stored hash is reproduced."""
    paths = sorted((REPO / "examples" / "suppliers").glob("*.json"))
    assert paths
    for path in paths:
        document = json.loads(path.read_text())
        assert content_hash(document) == document["content_sha256"], path.name


@pytest.mark.parametrize("value", [
    {f"k{i}": {"method": f"m | {i}", "sha256": "ab" * 32} for i in range(20)},  # the id's method hashes
    {"a": {"b": _rows(lambda k: {"x": k})}},                                    # a table one level down only
    {"a": {"b": {"c": _rows(lambda k: {"x": k})}}},                             # two levels down: written whole
    {"a": {"b": _rows(lambda k: {"x": k}), **{f"k{i}": i for i in range(45)}}},  # holder with too many keys
    {"a": {1: _rows(lambda k: {"x": k})}},                                      # holder with a key not a string
    {"z": [_rows(lambda k: {"x": k})], "y": {"s": "é"}},                         # a table inside a list
])
def test_a_top_level_without_tables_is_written_by_one_call_with_the_same_text(value):
    """The top is walked only when it holds a table directly or one level down (_holds_table): the same text
    as json.dumps either way (would fail if a walk were skipped that changed the text, or taken wrongly)."""
    _same(value)
