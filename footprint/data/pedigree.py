"""The pedigree table: a lognormal from data-quality scores when nobody stated a distribution.

The numbers and their sources are in pedigree.yaml beside this module (ecoinvent's
data quality guideline, Weidema et al. 2013, as implemented in openLCA and in
brightway's pedigree_matrix); this module only reads them and does the arithmetic
(README "Uncertainty").  It knows no producer: it is given scores and an exchange
type and returns a relative distribution.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

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
    raw_text = TABLE.read_bytes()
    raw = yaml.safe_load(raw_text)
    indicators = raw["indicators"]
    basic = raw["basic_uncertainty"]
    return PedigreeTable(
        factors={name: tuple(float(v) for v in indicators[name]["factors"]) for name in INDICATORS},
        pef={name: indicators[name]["pef"] for name in INDICATORS},
        inputs={row["class"]: float(row["gsd2"]) for row in basic["inputs"]},
        emissions=tuple((row["compartment"], row["class"], float(row["gsd2"]),
                         tuple(re.compile(pattern) for pattern in row["names"])) for row in basic["emissions"]),
        default=(basic["default"]["class"], float(basic["default"]["gsd2"])),
        id=raw["id"], version=raw["version"], sha256=hashlib.sha256(raw_text).hexdigest())


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


def lognormal(basic_class: str, basic_gsd2: float, dqr: DQR | None) -> Relative:
    """The relative lognormal of an amount with these scores and this basic uncertainty.

    Kept per (class, basic factor, scores) for the table in use: a foreground asks for the
    same few combinations for each of its flows.
    """
    current = table()
    key = (basic_class, basic_gsd2, None if dqr is None else tuple(getattr(dqr, k) for k in ("TeR", "GeR", "TiR", "P")))
    return _kept(current, "lognormal", key, lambda: _lognormal(basic_class, basic_gsd2, dqr))


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
