"""The strict YAML reader: YAML 1.2 core-schema scalars, duplicate keys refused.

PyYAML implements YAML 1.1, whose implicit typing changes numbers a person wrote
without a word: ``1e3`` stays the *string* "1e3", ``010`` is 8 (octal), ``1:30`` is 90
(base 60), ``0b11`` is 3, ``yes``/``no``/``on``/``off`` are booleans (the country code NO
becomes False), and a key given twice silently keeps the last value
(``amount: 1540`` then ``amount: 15400`` declares 15400).  Every one of those is a
wrong number with exit 0.  This loader keeps libyaml's fast parser and replaces the
implicit typing with the YAML 1.2 core schema, deciding each case:

===========================  =============================  ==============================
plain scalar                 YAML 1.1 (PyYAML)              here
===========================  =============================  ==============================
``1e3``, ``7e-5``, ``.5``    string, string, float          float 1000.0, 7e-05, 0.5 (1.2)
``0x10``, ``0o10``           16, string                     refused: write 16 or 8
``010``, ``-007``            8, -7 (octal)                  refused: 1.1 and 1.2 disagree
``0b11``                     3                              refused: write 3
``1_000``                    1000                           string (1.2); an amount refuses it
``1:30``                     90 (base 60)                   string (1.2)
``yes``, ``no``, ``on``      booleans                       strings (1.2); ``true``/``false``
``.inf``, ``.nan``           float                          float (1.2); amounts refuse them
``2025-01-01``               date                           date (kept: periods are dates)
key given twice              last one wins                  refused, naming both lines
===========================  =============================  ==============================

Refused means a :class:`yaml.constructor.ConstructorError` with the line, which
:func:`footprint._io.load_yaml` turns into the caller's error (exit 2).

Speed: PyYAML's constructor is generic (generators for recursive data, a state machine per
node) and was most of reading an activity file.  ``loads`` builds the common shapes (plain
mappings, sequences, and the scalar types above) in one direct pass over libyaml's nodes, with
the same scalar functions and the same duplicate-key rule; anything else (merge keys, aliases
back into their own parent, other tags) and every refusal goes to the full constructor, which
decides and words the error exactly as before.  Tag resolution (the table above) is one lookup
by first character instead of PyYAML's generic walk over its resolver lists.
"""
from __future__ import annotations

import math
import operator
import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present (10x faster)

_AMBIGUOUS = "tag:footprint,2025:ambiguous-number"


class StrictLoader(_BASE):  # type: ignore[misc, valid-type]
    """SafeLoader with the YAML 1.2 core schema's implicit types and no duplicate keys."""

    yaml_implicit_resolvers: dict = {}  # start empty: none of YAML 1.1's resolvers


def _resolver(tag: str, pattern: str, first: str | None) -> None:
    StrictLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first) if first else None)


# YAML 1.2.2, 10.3.2 "Tag Resolution" of the core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN\0")
_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
# Forms that YAML 1.1 and 1.2 read differently (or that only 1.1 reads as numbers) come before the
# integers so they win: refused with advice rather than guessed.
_resolver(_AMBIGUOUS, r"^(?:[-+]?0[0-9]+|[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO][0-7_]+|[-+]?0[bB][01_]+)$",
          "-+0")
_resolver("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789")
_resolver("tag:yaml.org,2002:float",
          r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
               |[-+]?\.(?:inf|Inf|INF)
               |\.(?:nan|NaN|NAN))$""", "-+.0123456789")
# Not in the core schema, kept from 1.1 because periods and validity are dates (pydantic takes both).
_resolver("tag:yaml.org,2002:timestamp",
          r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
               |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
                (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
                (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", "0123456789")
_resolver("tag:yaml.org,2002:merge", r"^(?:<<)$", "<")
_resolver("tag:yaml.org,2002:value", r"^(?:=)$", "=")


def _advice(text: str) -> str:
    bare = text.lstrip("+-").replace("_", "")
    sign = "-" if text.startswith("-") else ""
    base = {"x": 16, "o": 8, "b": 2}.get(bare[1:2].lower()) if len(bare) > 1 else None
    if base:
        value = int(bare[2:] or "0", base)
        return f"write it in decimal ({sign}{value}), or quote it if it is text"
    return (f"YAML 1.1 reads it as octal ({sign}{int(bare, 8) if set(bare) <= set('01234567') else '?'}), "
            f"YAML 1.2 as {sign}{int(bare)}: write {sign}{int(bare)} without the leading zero, or quote it if "
            "it is text")


def _construct_ambiguous(loader: StrictLoader, node: ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    raise ConstructorError(None, None, f"ambiguous number {text!r}: {_advice(text)}", node.start_mark)


_INTEGER = re.compile(r"[-+]?[0-9]+")


def _text(loader: StrictLoader, node: Any) -> str:
    """A scalar node's text: its value as is (construct_scalar's answer for a scalar, without the
    generic call); any other node through construct_scalar, which refuses it as before."""
    return node.value if node.__class__ is ScalarNode else loader.construct_scalar(node)


def _int(loader: StrictLoader, node: ScalarNode) -> int:
    text = _text(loader, node)
    if not _INTEGER.fullmatch(text):  # an explicit !!int tag on something else
        raise ConstructorError(None, None, f"not an integer: {text[:40]!r}", node.start_mark)
    if len(text) > 308:  # (no shorter text has more digits)
        digits = len(text.lstrip("+-").lstrip("0"))
        if digits > 308:  # beyond any float, and Python refuses to parse more than 4300 digits at all
            raise ConstructorError(None, None, f"number out of range ({digits} digits)", node.start_mark)
    return int(text)


def _float(loader: StrictLoader, node: ScalarNode) -> float:
    text = _text(loader, node)
    lowered = text.lower()
    if lowered in (".inf", "+.inf", "-.inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    try:
        value = float(text.replace("_", "x"))  # Python's float() takes '1_0'; YAML 1.2 does not
    except ValueError:  # an explicit !!float tag on something else
        raise ConstructorError(None, None, f"not a number: {text[:40]!r}", node.start_mark) from None
    if not math.isfinite(value):  # 1e400 overflows to inf: a number the file never said
        raise ConstructorError(None, None, f"number out of range: {text[:40]!r} (largest: 1.7976931348623157e+308)",
                               node.start_mark)
    return value


def _bool(loader: StrictLoader, node: ScalarNode) -> bool:
    text = _text(loader, node)
    if text.lower() not in ("true", "false"):  # an explicit !!bool tag on yes/no/on/off or anything else
        raise ConstructorError(None, None, f"not a boolean: {text[:40]!r}; expected true or false",
                               node.start_mark)
    return text.lower() == "true"


def _timestamp(loader: StrictLoader, node: ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, TypeError, AttributeError) as exc:  # 2025-13-45: matches the pattern, is no date
        raise ConstructorError(None, None, f"not a date: {loader.construct_scalar(node)[:40]!r} ({exc})",
                               node.start_mark) from None


def _at(mark) -> str:
    return f"line {mark.line + 1} column {mark.column + 1}"


def _construct_mapping(loader: StrictLoader, node: MappingNode, deep: bool = False) -> dict:
    """SafeConstructor's mapping, refusing a key given twice (naming the lines of both)."""
    if isinstance(node, MappingNode):
        seen: dict[Any, Any] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<' merges defaults; keys given beside it override them (YAML merge semantics)
            key = loader.construct_object(key_node, deep=True)
            try:
                earlier = seen.get(key)
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found an unhashable key", key_node.start_mark) from None
            if earlier is not None:
                raise ConstructorError(
                    None, None,
                    f"duplicate key {str(key)[:80]!r}: given at {_at(earlier.start_mark)} and again at "
                    f"{_at(key_node.start_mark)} (YAML would silently keep the last one); keep one",
                    key_node.start_mark)
            seen[key] = key_node
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


StrictLoader.add_constructor(_AMBIGUOUS, _construct_ambiguous)
StrictLoader.add_constructor("tag:yaml.org,2002:int", _int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _float)
StrictLoader.add_constructor("tag:yaml.org,2002:bool", _bool)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
StrictLoader.construct_mapping = _construct_mapping  # type: ignore[method-assign]


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
#: first character of a plain scalar -> (tag, pattern) in the order registered above
_BY_FIRST: dict[str, tuple] = {first: tuple(pairs) for first, pairs in StrictLoader.yaml_implicit_resolvers.items()}
assert None not in _BY_FIRST and not StrictLoader.yaml_path_resolvers  # what _resolve relies on


#: plain scalar -> its tag: the same keys and words recur in every file (a pure function of the text)
_RESOLVED: dict[str, str] = {}


def _resolve(loader: StrictLoader, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
    """BaseResolver.resolve for this loader's table (no wildcard or path resolvers): same tags, one lookup."""
    if kind is ScalarNode:
        if implicit[0]:
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = _STR
                for candidate, pattern in _BY_FIRST.get(value[:1], ()):
                    if pattern.match(value):
                        tag = candidate
                        break
                if len(value) <= 64 and len(_RESOLVED) < 65536:
                    _RESOLVED[value] = tag
            return tag
        return _STR
    return _SEQ if kind is SequenceNode else _MAP


StrictLoader.resolve = _resolve  # type: ignore[method-assign, assignment]


# BaseResolver's descend/ascend_resolver track the path for path resolvers only; this loader has none
# (asserted above), so both do nothing.  libyaml's composer calls both for every node (1,200 calls for an
# activity file), so each is a built-in taking the composer's arguments and doing nothing with them
# (descend_resolver(parent, index), ascend_resolver()) rather than a Python function: a Python call
# each was a tenth of composing the file.  staticmethod: called as given, with no loader in front.
StrictLoader.descend_resolver = staticmethod(operator.is_)  # type: ignore[method-assign, assignment]
StrictLoader.ascend_resolver = staticmethod(tuple)  # type: ignore[method-assign, assignment]


def _null(loader: StrictLoader, node: ScalarNode) -> None:
    return None


_SCALARS = {"tag:yaml.org,2002:int": _int, "tag:yaml.org,2002:float": _float, "tag:yaml.org,2002:bool": _bool,
            "tag:yaml.org,2002:null": _null, "tag:yaml.org,2002:timestamp": _timestamp}


class _Fallback(Exception):
    """A shape the direct pass leaves to PyYAML's full constructor."""


class _Direct:
    """The document as the full constructor builds it, for plain mappings, sequences and scalars.

    ``build`` raises _Fallback (or the refusal it met) for anything else; the caller then runs
    the full constructor, so the direct pass never decides a refusal or its wording.  An alias
    gives the very object its anchor built, as PyYAML does (``built``, kept only when the text
    has a '&' at all: no anchor, no alias); an alias inside its own anchor falls back.  String
    keys and values are taken in place, without a call per node.  (A class, not a closure: a
    recursive closure is a reference cycle, left for the cyclic collector that declarations pause.)
    """

    __slots__ = ("loader", "built")
    _BUSY = object()

    def __init__(self, loader: StrictLoader, aliases: bool = True):
        self.loader = loader
        self.built: dict[int, Any] | None = {} if aliases else None

    def build(self, node: Any) -> Any:
        kind = node.__class__
        if kind is ScalarNode:
            tag = node.tag
            if tag == _STR:
                return node.value
            scalar = _SCALARS.get(tag)
            if scalar is None:
                raise _Fallback
            return scalar(self.loader, node)
        built = self.built
        if built is not None:
            done = built.get(id(node))
            if done is not None:
                if done is self._BUSY:
                    raise _Fallback
                return done
            built[id(node)] = self._BUSY
        if kind is MappingNode and node.tag == _MAP:
            value: Any = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is ScalarNode and key_node.tag == _STR:
                    key = key_node.value
                else:
                    if key_node.tag == _MERGE:
                        raise _Fallback
                    key = self.build(key_node)
                if key in value:  # a duplicate (or an unhashable key: TypeError): the full constructor says so
                    raise _Fallback
                if value_node.__class__ is ScalarNode and value_node.tag == _STR:
                    value[key] = value_node.value
                else:
                    value[key] = self.build(value_node)
        elif kind is SequenceNode and node.tag == _SEQ:
            value = [item.value if item.__class__ is ScalarNode and item.tag == _STR else self.build(item)
                     for item in node.value]
        else:
            raise _Fallback
        if built is not None:
            built[id(node)] = value
        return value


def loads(text: str) -> Any:
    """Parse YAML text strictly (raises yaml.YAMLError with a mark on any refusal)."""
    loader = StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        try:
            return _Direct(loader, aliases="&" in text).build(root)
        except Exception:  # noqa: BLE001 - _Fallback or a refusal: the full constructor decides and words it
            return loader.construct_document(root)
    finally:
        loader.dispose()


def loads_reference(text: str) -> Any:
    """``loads`` through PyYAML's full constructor only (tests compare the direct pass with it)."""
    return yaml.load(text, Loader=StrictLoader)
