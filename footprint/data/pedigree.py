"""The pedigree table: a lognormal from data-quality scores when nobody stated a distribution.

The numbers and their sources are in pedigree.yaml beside this module (ecoinvent's
data quality guideline, Weidema et al. 2013, as implemented in openLCA and in
brightway's pedigree_matrix); this module only reads them and does the arithmetic
(README "Uncertainty").  It knows no producer: it is given scores and an exchange
type and returns a relative distribution.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from footprint._io import load_yaml_hashed
from footprint.errors import InventoryError
from footprint.inputs.distribution import TYPE_IDS, Relative
from footprint.inputs.dqr import DQR

TABLE = Path(__file__).with_name("pedigree.yaml")
INDICATORS = ("reliability", "completeness", "temporal_correlation", "geographical_correlation",
              "further_technological_correlation")
TRANSPORT_GSD2_CLASS = "demand: transport services (tkm)"


@dataclass(frozen=True)
class PedigreeTable:
    factors: dict[str, tuple[float, ...]]  # indicator -> U for scores 1..5
    pef: dict[str, str | None]  # indicator -> PEF criterion scored for it (None: score 1)
    inputs: dict[str, float]  # class -> basic U
    emissions: tuple[tuple[str, str, float, tuple[re.Pattern, ...]], ...]  # compartment, class, U, names
    default: tuple[str, float]
    id: str
    version: str
    sha256: str

    def describe(self) -> dict:
        return {"id": self.id, "version": self.version, "file": "footprint/data/pedigree.yaml", "sha256": self.sha256}


@lru_cache(maxsize=1)
def table() -> PedigreeTable:
    """The table as pedigree.yaml states it, read strictly (a duplicated key or a YAML 1.1 guess is refused).

    Every uncertainty footprint derives comes from these numbers, so a key given twice (the
    last one silently winning) or a factor read as a string would change results with exit 0;
    the file is checked here and refused with the field and what is expected instead.
    """
    raw, sha256 = load_yaml_hashed(TABLE, InventoryError)  # the hash recorded is of the bytes parsed
    root = _mapping(raw, "", ("id", "version", "indicators", "basic_uncertainty"))
    indicators = _mapping(root["indicators"], "indicators", INDICATORS)
    basic = _mapping(root["basic_uncertainty"], "basic_uncertainty", ("inputs", "emissions", "default"))
    factors, pef = {}, {}
    for name in INDICATORS:
        where = f"indicators.{name}"
        row = _mapping(indicators[name], where, ("factors", "pef"))
        values = _rows(row["factors"], f"{where}.factors")
        if len(values) != 5:
            raise _invalid(f"{where}.factors", values, "5 factors U, one per score 1..5")
        factors[name] = tuple(_factor(v, f"{where}.factors[{i}]") for i, v in enumerate(values))
        if row["pef"] is not None and row["pef"] not in DQR.model_fields:
            raise _invalid(f"{where}.pef", row["pef"], f"one of {', '.join(DQR.model_fields)} or null")
        pef[name] = row["pef"]
    inputs = {}
    for i, row in enumerate(_rows(basic["inputs"], "basic_uncertainty.inputs")):
        row = _mapping(row, f"basic_uncertainty.inputs[{i}]", ("class", "gsd2"))
        inputs[str(row["class"])] = _factor(row["gsd2"], f"basic_uncertainty.inputs[{i}].gsd2")
    if TRANSPORT_GSD2_CLASS not in inputs:
        raise _invalid("basic_uncertainty.inputs", None, f"a row of class {TRANSPORT_GSD2_CLASS!r}")
    emissions = tuple(_emission(row, f"basic_uncertainty.emissions[{i}]")
                      for i, row in enumerate(_rows(basic["emissions"], "basic_uncertainty.emissions")))
    default = _mapping(basic["default"], "basic_uncertainty.default", ("class", "gsd2"))
    return PedigreeTable(factors=factors, pef=pef, inputs=inputs, emissions=emissions,
                         default=(str(default["class"]), _factor(default["gsd2"], "basic_uncertainty.default.gsd2")),
                         id=str(root["id"]), version=str(root["version"]), sha256=sha256)


def _invalid(where: str, value: Any, expected: str, problem: str = "invalid pedigree table entry") -> InventoryError:
    return InventoryError(problem, file=TABLE, field=where or None, value=value, expected=expected)


def _mapping(value: Any, where: str, keys: tuple[str, ...]) -> dict:
    """``value`` as a mapping holding ``keys`` (a missing one is named, never a KeyError traceback)."""
    if not isinstance(value, dict):
        raise _invalid(where, None, f"a mapping with keys {', '.join(keys)}")
    for key in keys:
        if key not in value:
            raise _invalid(f"{where}.{key}" if where else key, None, "see the comments in pedigree.yaml",
                           problem="missing key")
    return value


def _rows(value: Any, where: str) -> list:
    if not isinstance(value, list) or not value:
        raise _invalid(where, None, "a non-empty list")
    return value


def _factor(value: Any, where: str) -> float:
    """An uncertainty factor U = GSD^2: a number >= 1 (1 is no added spread; below 1 has no meaning)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value < math.inf:
        raise _invalid(where, value, "a number >= 1 (a GSD^2 factor)")
    return float(value)


def _emission(row: Any, where: str) -> tuple[str, str, float, tuple[re.Pattern, ...]]:
    row = _mapping(row, where, ("compartment", "class", "gsd2", "names"))
    patterns = []
    for i, pattern in enumerate(_rows(row["names"], f"{where}.names")):
        try:
            patterns.append(re.compile(str(pattern)))
        except re.error as exc:
            raise _invalid(f"{where}.names[{i}]", pattern, f"a regular expression ({exc})") from None
    return str(row["compartment"]), str(row["class"]), _factor(row["gsd2"], f"{where}.gsd2"), tuple(patterns)


def score_index(score: float) -> int:
    """0-based column of a PEF score 1..5; between two integers the worse one (ceil)."""
    return min(5, max(1, math.ceil(float(score) - 1e-9))) - 1


def pedigree_factors(dqr: DQR) -> dict[str, float]:
    """The additional uncertainty factor U per pedigree indicator for PEF scores (completeness: score 1)."""
    t = table()
    scores = dqr.model_dump()
    return {name: t.factors[name][score_index(scores[t.pef[name]]) if t.pef[name] else 0] for name in INDICATORS}


def sigma(basic_gsd2: float, dqr: DQR | None) -> float:
    """sigma of ln x: sqrt((ln U_b)^2 + sum_i (ln U_i)^2) / 2 (pedigree.yaml)."""
    factors = list(pedigree_factors(dqr).values()) if dqr is not None else []
    return math.sqrt(sum(math.log(u) ** 2 for u in [basic_gsd2, *factors])) / 2


def widest_gsd() -> float:
    """The GSD of the widest lognormal this table gives: every PEF score 5 and the largest basic U.

    Derived from the table in use, never a copy of it: a producer-stated GSD above it is most
    likely a percentage written as a GSD (engine.uncertainty warns).  Completeness is not a
    PEF score (its factor is that of score 1), so it adds nothing here.
    """
    current = table()
    basic = max([*current.inputs.values(), *(row[2] for row in current.emissions), current.default[1]])
    return math.exp(sigma(basic, DQR(TeR=5, GeR=5, TiR=5, P=5)))


def lognormal(basic_class: str, basic_gsd2: float, dqr: DQR | None) -> Relative:
    """The relative lognormal of an amount with these scores and this basic uncertainty.

    Kept per (class, basic factor, scores) for the table in use: a foreground asks for the
    same few combinations for each of its flows.
    """
    current = table()
    key = ("lognormal", (basic_class, basic_gsd2, None if dqr is None else (dqr.TeR, dqr.GeR, dqr.TiR, dqr.P)))
    held, found = _KEPT
    value = found.get(key) if held is current else None  # _kept's lookup, inline: 15,000 calls in a large foreground
    if value is None:
        value = _kept(current, *key, lambda: _lognormal(basic_class, basic_gsd2, dqr))
    return value


#: (the table the values were derived from, (kind, key) -> value): the table itself is held, so an
#: identity check cannot be fooled by a new table at a freed one's address (an id() key could be)
_KEPT: tuple[PedigreeTable | None, dict[tuple, Any]] = (None, {})


def _kept(current: PedigreeTable, kind: str, key: tuple, derive: Callable[[], Any]) -> Any:
    """``derive()`` once per (kind, key) while ``current`` is the table in use (tests reload it: start over)."""
    global _KEPT
    held, found = _KEPT
    if held is not current:
        found = {}
        _KEPT = (current, found)
    value = found.get((kind, key))
    if value is None:
        value = derive()
        if len(found) < 65536:
            found[(kind, key)] = value
    return value


def _lognormal(basic_class: str, basic_gsd2: float, dqr: DQR | None) -> Relative:
    factors = pedigree_factors(dqr) if dqr is not None else {}
    scores = "" if dqr is None else ", ".join(f"{k} {getattr(dqr, k):g}" for k in ("TeR", "GeR", "TiR", "P"))
    note = f"pedigree: basic {basic_gsd2:g} ({basic_class})" + (f"; {scores}" if scores else "; no DQR scores")
    if factors:
        note += " -> U " + " ".join(f"{u:g}" for u in factors.values())
    return Relative(TYPE_IDS["lognormal"], scale=sigma(basic_gsd2, dqr), basis="pedigree", note=note)


def input_class(transport: bool) -> tuple[str, float]:
    """Basic uncertainty class of a technosphere input: transport (t*km) or any other demand."""
    t = table()
    if transport:
        return TRANSPORT_GSD2_CLASS, t.inputs[TRANSPORT_GSD2_CLASS]
    name = next(iter(t.inputs))
    return name, t.inputs[name]


def emission_class(name: str, compartment: str | tuple[str, ...] | list[str]) -> tuple[str, float]:
    """Basic uncertainty class of an elementary flow (name as in biosphere3, compartment 'air', 'water', ...).

    Kept per (name, top compartment) for the table in use, like ``lognormal``: matching a name
    against every class's patterns was a dozen regular-expression searches per emission.
    """
    top = compartment if isinstance(compartment, str) else (compartment[0] if compartment else "")
    top = top.split("::")[0].strip()
    current = table()
    return _kept(current, "emission", (name, top), lambda: _emission_class(name, top, current))


def _emission_class(name: str, top: str, current: PedigreeTable) -> tuple[str, float]:
    for where, label, gsd2, patterns in current.emissions:
        if where == top and any(p.search(name) for p in patterns):
            return f"{where}: {label}", gsd2
    return current.default
