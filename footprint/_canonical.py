"""The canonical JSON text that declaration hashes are taken over, built faster for long tables.

The canonical form is ``json.dumps(document, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)`` (footprint.inputs.upstream.canonical_json): every
declaration ever hashed or signed was hashed over that text, so it must never change by one byte.

Why a second way to build it: a declaration of a 1,000-process foreground is 4 MB of JSON, 80 %
of it one table (``contributions``: 15,000 rows of the same eight keys), and json's encoder
spends most of its time per row on sorting the keys, escaping the same few dozen strings again
and accumulating small pieces.  Here a list of rows that all have the same string keys and only
plain scalar values (str, float, int, bool, None) is written from one template per key set,
each distinct string escaped once.  Everything else, and every row list with anything unusual
(another type, a non-finite float), goes to json.dumps itself, which then also raises the
usual errors.  tests/test_canonical.py compares the two texts on every example's declaration
and on edge cases (escapes, non-ASCII, '%' in keys, mixed key sets, bool/int/float subclasses).
"""
from __future__ import annotations

import json
import math
from itertools import repeat
from typing import Any

_OPTIONS = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "allow_nan": False}
_escape = json.encoder.encode_basestring  # what json.dumps uses for strings when ensure_ascii=False
_float_repr = float.__repr__
_int_repr = int.__repr__
#: Row lists shorter than this go to json.dumps whole (a template would not pay for itself).
_MIN_ROWS = 16
#: Dicts with more keys are tables keyed by id (per process, per category): json.dumps writes them whole.
_MAX_KEYS = 40


class _Unusual(Exception):
    """A row list the template does not cover: json.dumps writes it (and raises what it raises)."""


def reference(value: Any) -> str:
    """The canonical form by definition (json.dumps with the canonical options)."""
    return json.dumps(value, **_OPTIONS)


#: json.dumps(value, **_OPTIONS) is JSONEncoder(**_OPTIONS).encode(value); one encoder serves every call
_encode = json.JSONEncoder(**_OPTIONS).encode


def canonical_json(document: Any) -> str:
    """The same text as ``reference(document)``, built faster when it holds long tables of rows."""
    return _value(document, {}, top=True)


def _value(value: Any, escaped: dict[str, str], top: bool = False) -> str:
    """Walk the document and the dicts that hold a table; json.dumps writes every other part in one call."""
    kind = type(value)
    if (kind is dict and (any(map(_is_table, value.values())) or top and any(map(_holds_table, value.values())))
            and len(value) <= _MAX_KEYS and all(type(key) is str for key in value)):
        return "{" + ",".join(_string(key, escaped) + ":" + _value(value[key], escaped)
                              for key in sorted(value)) + "}"
    if _is_table(value):
        try:
            return _rows(value, escaped)
        except _Unusual:
            pass
    if kind is str:
        return _string(value, escaped)
    return _encode(value)


def _holds_table(value: Any) -> bool:
    """A dict ``_value`` walks below the top: one with a table among its values.

    The top is walked only when a value is a table or holds one: below the top a dict without a
    table is written by one json.dumps call, so a document with neither (the id's dataset and
    method hashes, twenty small dicts) is written by one call too, not one per key.
    """
    return type(value) is dict and any(map(_is_table, value.values()))


def _is_table(value: Any) -> bool:
    """Worth trying as rows: a list of at least _MIN_ROWS items, the first a dict."""
    return type(value) is list and len(value) >= _MIN_ROWS and type(value[0]) is dict


def _string(text: str, escaped: dict[str, str]) -> str:
    done = escaped.get(text)
    if done is None:
        done = escaped[text] = _escape(text)
    return done


def _rows(rows: list, escaped: dict[str, str]) -> str:
    """A list of flat dicts with one key set, written column by column, then row by row from one template.

    Column by column: each value's text comes from a loop inside C (map over a lookup or a repr)
    rather than a Python call per value, which is what makes this faster than json.dumps.
    """
    if set(map(type, rows)) != {dict}:
        raise _Unusual
    keys = sorted(rows[0])
    if not keys or not all(type(key) is str for key in keys) or set(map(len, rows)) != {len(keys)}:
        raise _Unusual
    try:  # every row has each of the first row's keys and no more: the same key set
        columns = [_column([row[key] for row in rows], escaped) for key in keys]
    except KeyError:
        raise _Unusual from None
    # each row is '{"a":' a ',"b":' b '}' with each key escaped as json does: the constant pieces and
    # the columns interleaved into one join (a '%' template per row parsed its format every row)
    heads = ["{" + _escape(keys[0]) + ":"] + ["," + _escape(key) + ":" for key in keys[1:]]
    count = len(rows)
    pieces: list = []
    for head, column in zip(heads, columns):
        pieces += (repeat(head, count), column)
    pieces.append(repeat("},", count))
    # each row's pieces joined by one C call, then the rows: half the time of one join over a chain of
    # every piece (a generator step per piece, 260,000 of them for 15,000 rows)
    return "[" + "".join(map("".join, zip(*pieces)))[:-1] + "]"


_BOOLEANS = {True: "true", False: "false"}


def _column(values: list, escaped: dict[str, str]) -> list[str]:
    """Each value's JSON text, for a column of one plain type (str and None may mix); else _Unusual.

    Types are never mixed otherwise: True == 1 == 1.0 as dict keys, so a lookup table is used only
    where its keys cannot collide (strings and None; booleans alone).
    """
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:
        for text in set(values).difference(escaped):
            escaped[text] = "null" if text is None else _escape(text)
        return list(map(escaped.__getitem__, values))
    if kinds == {float}:
        if not all(map(math.isfinite, values)):
            raise _Unusual  # json.dumps raises its ValueError
        return list(map(_float_repr, values))
    if kinds == {int}:
        return list(map(_int_repr, values))
    if kinds == {bool}:
        return list(map(_BOOLEANS.__getitem__, values))
    raise _Unusual
