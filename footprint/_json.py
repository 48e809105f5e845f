"""The strict JSON reader for declarations, class schemes and suppliers' declarations.

Python's json module accepts what a declaration must never contain, and fails on some
inputs with a traceback instead of an error:

* ``NaN``, ``Infinity`` and ``-Infinity`` tokens (not JSON, RFC 8259 section 6): a re-hashed declaration
  with ``"value": NaN`` was assigned class G;
* numbers too large for a float (``1e400``) become ``inf``, a number the file never said;
* a key given twice keeps the last value (RFC 8259 section 4: names SHOULD be unique);
* 200,000 nested brackets raise RecursionError, and an integer of 5,000 digits ValueError;
* a huge file is read whole into memory.

Each of these is refused here with a :class:`~footprint.errors.FootprintError` (exit 2).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from footprint._io import read_text
from footprint.errors import FootprintError

#: Largest JSON input read (a declaration is ~100 kB; a register export a few MB).
MAX_BYTES = 64 * 1024 * 1024
#: Deepest nesting accepted (a declaration nests 6 levels; a class scheme 4).
MAX_DEPTH = 64


class _Refused(ValueError):
    """Raised inside the parser's hooks; becomes the caller's error with the message."""


def _constant(token: str) -> Any:
    raise _Refused(f"'{token}' is not a JSON number (NaN and Infinity are not allowed)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number out of range: {text[:40]} (largest: 1.7976931348623157e+308)")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 308:
        raise _Refused(f"number out of range ({len(text)} digits)")
    return int(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"duplicate key {key[:80]!r} in one object (which value is meant?)")
        result[key] = value
    return result


def _depth(document: Any) -> int:
    """Nesting depth, counted without recursion (a deep document must not crash the check itself)."""
    deepest = 0
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node)
    return deepest


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text strictly; raises ValueError with a message a person can act on."""
    try:
        document = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int,
                              object_pairs_hook=_pairs)
    except _Refused:
        raise
    except RecursionError:
        raise _Refused(f"nested too deeply (more than {max_depth} levels of brackets)") from None
    except json.JSONDecodeError as exc:
        raise _Refused(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if _depth(document) > max_depth:
        raise _Refused(f"nested too deeply (more than {max_depth} levels of brackets)")
    return document


def load(path: str | Path, error: type[FootprintError], *, expected: str,
         max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a JSON input file; every problem is ``error`` naming the file and what is expected."""
    path = Path(path)
    text = read_text(path, error, max_bytes=max_bytes, expected=expected)
    try:
        return loads(text)
    except ValueError as exc:
        raise error(str(exc), file=path, expected=expected) from None
