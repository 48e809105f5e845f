"""Performance classes A..n: derive a scheme from the market, assign a class, revise a scheme.

Annex V point 8 asks for classes derived from the distribution of declarations
placed on the EU market in the previous three years, class A being the lowest
impact, reviewed every three years.  The law does not fix the statistics, so
every choice here is a named, documented parameter recorded in the scheme:

* weighted quantile (the ``quantile`` method): the inverse of the weighted
  empirical CDF with midpoint plotting positions (Hazen).  Values sorted
  x_1 <= ... <= x_n with weights w_i, W = sum w_i, cumulative S_k; the
  position of x_k is p_k = (S_k - w_k/2) / W; Q(p) interpolates linearly
  between the points (p_k, x_k) and is x_1 below p_1 and x_n above p_n.
  With equal weights p_k = (k - 0.5)/n, numpy's ``method="hazen"``.
  Values of weight 0 (no mass placed) take no part: they have no position.
  Thresholds t_j = Q(j/N), j = 1..N-1 for N classes.
* ``equal-width``: lo = Q(p_lo), hi = Q(p_hi) (default p5, p95, weighted as
  above); t_j = lo + j (hi - lo) / N.
* head-room (energy-label practice, Regulation (EU) 2017/1369 Art. 11: class
  A empty at introduction): the method is applied for N-1 classes, whose N-2
  thresholds separate classes B..N; the A/B threshold is set below the best
  declaration, t_1 = x_min - margin * |x_min| (margin default 0.10; with
  x_min = 0 or margin 0, t_1 = x_min and the best declaration is in A).
  x_min is the best declaration of weight > 0: one with nothing placed on the
  market (mass 0 under mass weighting) sets no threshold at all.
* window and review (Annex V point 8: the previous three years, reviewed every
  three years): the rule's ``class_scheme`` gives ``window_years`` and
  ``review_years``; a window of another length is refused unless the caller
  overrides the rule, and the scheme records the override.
* rescaling trigger (energy label: 30 % in A or 50 % in A+B of units sold):
  on the rule's ``trigger_basis`` (mass by default); the other basis is shown
  for information only.
* boundary convention: upper bounds are inclusive; class k holds
  t_{k-1} < v <= t_k (A: v <= t_1; the last class: v > t_{N-1}).

A scheme is a plain JSON document; the same register rows and options give a
byte-identical document (no clock: the derivation date is the end of the
window unless given).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import string
from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

from footprint._io import field_path
from footprint.errors import FootprintError
from footprint.inputs.upstream import add_years, declaration_period, valid_until
from footprint.market.registry import MarketPoint, standard_unit, unit_basis

SCHEME_FORMAT = "footprint-class-scheme/1"
METHODS = ("quantile", "equal-width")
BASES = ("value", "median")
WEIGHTS = ("mass", "count")
DEFAULT_HEAD_ROOM_MARGIN = 0.10
DEFAULT_ROBUST = (0.05, 0.95)
DEFAULT_TRIGGERS = (0.30, 0.50)  # energy-label rescaling: 30 % in A, 50 % in A+B
REVIEW_YEARS = 3
BOUNDARY = "upper bounds inclusive: class k holds t[k-1] < value <= t[k]; A holds value <= t[1]"


class ClassSchemeError(FootprintError):
    """A class scheme cannot be derived, read or applied (bad options, empty window, wrong rule)."""


# -------------------------------------------------------------------- statistics

def weighted_quantile(values: Sequence[float], weights: Sequence[float], p: float) -> float:
    """Q(p): the inverse weighted ECDF with midpoint (Hazen) positions, linear in between."""
    if not values:
        raise ValueError("no values")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    pairs = sorted((v, w) for v, w in zip(values, weights) if w > 0)  # weight 0: no position, no pull
    total = math.fsum(w for _, w in pairs)
    if not pairs or total <= 0:
        raise ValueError("weights sum to zero")
    positions = []
    cumulative = 0.0
    for value, weight in pairs:
        cumulative += weight
        positions.append((cumulative - weight / 2.0) / total)
    if p <= positions[0]:
        return float(pairs[0][0])
    if p >= positions[-1]:
        return float(pairs[-1][0])
    for k in range(1, len(pairs)):
        if math.isclose(p, positions[k], rel_tol=1e-12, abs_tol=1e-15):
            # p is x_k's position: Q(p) = x_k exactly.  Interpolating, x_{k-1} + (x_k - x_{k-1}) came out an ulp
            # below x_k (1.85 + (6.4667 - 1.85) = 6.4666999999999994), and the declaration at x_k, on its own
            # threshold, fell into the worse class (upper bounds are inclusive), exit 0
            return float(pairs[k][0])
        if p <= positions[k]:
            p0, p1 = positions[k - 1], positions[k]
            x0, x1 = pairs[k - 1][0], pairs[k][0]
            if p1 == p0:
                return float(x1)
            return float(x0 + (x1 - x0) * (p - p0) / (p1 - p0))
    return float(pairs[-1][0])  # pragma: no cover - unreachable


def labels(n: int) -> list[str]:
    if not 2 <= n <= 26:
        raise ClassSchemeError("number of classes out of range", field="classes", value=n,
                               expected="an integer from 2 to 26")
    return list(string.ascii_uppercase[:n])


def check_labels(names: list, source: str, field: str) -> None:
    """Refuse labels other than the ones ``classes derive`` writes (A, B, C, ... in order, one per class).

    Why: the class is read off the labels, so a record (or scheme) whose labels were rewritten, e.g.
    A, B, B, B, B, B, B, put a declaration of class G into 'B', and verify recomputed that 'B' under
    the rewritten labels and said verified, exit 0.  No scheme footprint writes has other labels.
    """
    if not 2 <= len(names) <= 26 or list(names) != labels(len(names)):
        raise ClassSchemeError("the class labels are not those of a class scheme", file=source, field=field,
                               value=names, expected="A, B, C, ... in order, one per class (as 'footprint "
                                                     "classes derive' writes them)")


def thresholds(values: Sequence[float], weights: Sequence[float], n: int, *, method: str = "quantile",
               head_room: bool = False, margin: float = DEFAULT_HEAD_ROOM_MARGIN,
               robust: tuple[float, float] = DEFAULT_ROBUST) -> list[float]:
    """The N-1 thresholds t_1 <= ... <= t_{N-1} for N classes (see the module docstring)."""
    if method not in METHODS:
        raise ClassSchemeError("unknown method", field="method", value=method, expected=" or ".join(METHODS))
    labels(n)
    if head_room:
        if n < 3:
            raise ClassSchemeError("head-room needs at least 3 classes", field="classes", value=n,
                                   expected="3 or more (A is kept empty, the others cover the market)")
        inner = thresholds(values, weights, n - 1, method=method, robust=robust)
        placed = [v for v, w in zip(values, weights) if w > 0]  # weight 0: nothing on the market, no threshold
        if not placed:
            raise ClassSchemeError("no declaration in the window has a weight above zero", field="weight",
                                   expected="masses > 0 in the register, or weighting by count")
        best = min(placed)
        return [float(best - margin * abs(best)), *inner]
    if method == "quantile":
        return [weighted_quantile(values, weights, j / n) for j in range(1, n)]
    lo, hi = (weighted_quantile(values, weights, p) for p in robust)
    return [float(lo + j * (hi - lo) / n) for j in range(1, n)]


def class_index(value: float, limits: Sequence[float]) -> int:
    """0-based class of ``value``: the first k with value <= t_k (upper bounds inclusive)."""
    for k, limit in enumerate(limits):
        if value <= limit:
            return k
    return len(limits)


# -------------------------------------------------------------------- schemes

def _window(text: str) -> tuple[int, int]:
    try:
        start_text, end_text = text.split("-")
        start, end = int(start_text), int(end_text)
    except ValueError:
        raise ClassSchemeError("malformed window", field="window", value=text,
                               expected="two years 'YYYY-YYYY', e.g. 2023-2025") from None
    if end < start:
        raise ClassSchemeError("window ends before it starts", field="window", value=text,
                               expected="'START-END' with START <= END")
    return start, end


def parse_window(text: str) -> tuple[int, int]:
    """'2023-2025' -> (2023, 2025)."""
    return _window(text)


def register_hash(points: Iterable[MarketPoint]) -> str:
    """SHA-256 over the rows used (id, value, mass, content hash), sorted, as canonical JSON."""
    rows = sorted([p.declaration_id, p.value, p.mass_kg, p.content_sha256] for p in points)
    text = json.dumps(rows, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _weights(points: Sequence[MarketPoint], weight: str) -> list[float]:
    if weight not in WEIGHTS:
        raise ClassSchemeError("unknown weighting", field="weight", value=weight, expected=" or ".join(WEIGHTS))
    # by count, a declaration counts where something was placed: a 0 kg row (written before market add refused
    # them) is no declaration placed on the market, as it carries no weight by mass either
    return [p.mass_kg if weight == "mass" else (1.0 if p.mass_kg > 0 else 0.0) for p in points]


def class_counts(points: Sequence[MarketPoint], limits: Sequence[float], names: Sequence[str]) -> list[dict]:
    rows = [{"class": name, "declarations": 0, "mass_kg": 0.0} for name in names]
    for p in points:
        row = rows[class_index(p.value, limits)]
        row["declarations"] += 1
        row["mass_kg"] += p.mass_kg
    return rows


def check_window(window: str, window_years: int, *, override: int | None = None,
                 source: str = "rule") -> dict[str, Any]:
    """The window's length against the scheme's ``window_years``; the record a scheme keeps of it.

    Annex V point 8 asks for the previous three years; a window of another length is
    a ClassSchemeError unless ``override`` states that length on purpose.
    """
    start, end = _window(window)
    years = end - start + 1
    if override is not None:
        if override < 1:
            raise ClassSchemeError("window override out of range", field="window-years", value=override,
                                   expected="a number of years >= 1")
        if override != years:
            raise ClassSchemeError(f"the window {window} spans {years} year(s), not the {override} of "
                                   "--window-years", field="window", value=window,
                                   expected=f"a window of {override} year(s)")
    elif years != window_years:
        raise ClassSchemeError(f"the window {window} spans {years} year(s); the {source}'s class scheme uses "
                               f"{window_years} (Annex V point 8: the previous three years)", field="window",
                               value=window, expected=f"a window of {window_years} years, e.g. "
                                                      f"{end - window_years + 1}-{end}, or --window-years {years} "
                                                      "to override the rule (recorded in the scheme)")
    return {"years": years, "rule": window_years, "override": override is not None and override != window_years}


def derivation_date(start: int, end: int, date: dt.date | None = None, *,
                    today: dt.date | None = None) -> dt.date:
    """The date a scheme of the window start-end is derived on: ``date``, else the window's last day.

    Annex V point 8: classes from the declarations placed on the market in the *previous* three
    years.  So the window must be over (a window reaching into this year or later holds only the
    placements registered so far: thresholds of part of a market, exit 0), the derivation cannot
    precede the window's end (a scheme dated before its data existed is "in force" for declarations
    of a market it never saw), and the window must be the years just before the derivation (a
    scheme derived in 2031 from 2023-2025 describes a market five years old).
    """
    from footprint._time import utc_today

    today = today or utc_today()  # not the local day: the same window is over on every machine
    last = dt.date(end, 12, 31)
    window = f"{start}-{end}"
    if last >= today:
        raise ClassSchemeError(f"the window {window} is not over (today is {today.isoformat()}): its placements "
                               "are not all on the market, let alone in the register", field="window", value=window,
                               expected=f"a window of past years, ending {today.year - 1} at the latest")
    day = date or last
    if day < last:
        raise ClassSchemeError(f"a scheme derived on {day.isoformat()} cannot rest on placements up to the end of "
                               f"{end}", field="date", value=day.isoformat(),
                               expected=f"a derivation date from {last.isoformat()} on (after the window {window})")
    if day.year > end + 1:
        raise ClassSchemeError(f"a scheme derived on {day.isoformat()} from the window {window}: the previous years "
                               f"of that date are up to {day.year - 1}", field="window", value=window,
                               expected=f"the years just before the derivation, a window ending {day.year - 1} "
                                        f"(or a derivation date up to {end + 1}-12-31)")
    return day


def years_without_placements(years: Iterable[int], window: str) -> list[int]:
    """The years of ``window`` in which no declaration of the scheme's rule and category was placed.

    Why recorded (``counts.years_without_placements``) and warned of: a rule in force has a market
    every year, so such a year is most likely a register not (yet) filled for it, and the thresholds
    describe fewer years' market than the window names.  Not refused: a market that began inside
    the window is real (and registers of one year's declarations are common in tests and trials);
    a market that began later is better stated with a shorter window and ``--window-years``.
    """
    start, end = _window(window)
    placed = set(years)
    return [year for year in range(start, end + 1) if year not in placed]


def check_revision(old: Mapping[str, Any], window: str, date: dt.date | None, source: str = "old scheme") -> None:
    """Refuse a revision that does not move on from the scheme it revises.

    Why: ``classes revise --window`` with the old scheme's own window re-derived the old thresholds
    (or, with declarations registered since, other thresholds of the same years) and wrote them as
    the revision, exit 0; a window ending earlier "revised" into the past.  A revision derives
    from the market placed since the old window (it may overlap it when the rescaling trigger
    brings the revision forward), on a later date than the old scheme.
    """
    start, end = _window(window)
    old_window = old.get("window") or {}
    old_start, old_end = old_window.get("start"), old_window.get("end")
    if isinstance(old_end, int) and end <= old_end:
        same = " (the old scheme's own window)" if (start, end) == (old_start, old_end) else ""
        raise ClassSchemeError(f"the revision's window {window} does not end after the old scheme's window "
                               f"{old_start}-{old_end}{same}: a revision derives from the market placed since, "
                               "not again from the one the old thresholds describe", file=source, field="window", value=window,
                               expected=f"a window of the years since, ending after {old_end} (e.g. "
                                        f"{old_end + 1}-{old_end + 1 + end - start})")
    if "derived" in old:
        old_day = _scheme_date(old, "derived", source)
        day = date or dt.date(end, 12, 31)
        if day <= old_day:
            raise ClassSchemeError(f"the revision would be derived on {day.isoformat()}, not after the old scheme "
                                   f"({old_day.isoformat()}, {source})", field="date", value=day.isoformat(),
                                   expected=f"a derivation date after {old_day.isoformat()}")


def major_version(version: str | None) -> str | None:
    """The X of a rule's semantic version X.Y.Z: a new X is an incompatible change (boundary, method, unit).

    A register CSV's rule_version is free text written by another system: "v1.2.0", "V1" or
    " 1.0" name major version 1 as "1.0.0" does, and must not split one market into two.
    """
    if not version:
        return None
    text = str(version).strip()
    match = re.match(r"[vV]?(\d+)(?:\.|$)", text)
    return str(int(match.group(1))) if match else text.split(".", 1)[0]


def _one_major_version(points: Sequence[MarketPoint], rule_id: str, window: str) -> None:
    """Refuse thresholds over declarations computed under rule versions of different major versions.

    Why: a rule's major version changes what a declaration measures (its boundary, allocation or
    cut-off; rules/README.md: semantic versions), so values under 1.x and 2.x are no more comparable
    than values in two units.  A three-year revision recomputes the market under the new version
    first (footprint batch declare), then derives from those.
    """
    counts: dict[str, int] = {}
    for p in points:
        major = major_version(p.rule_version)
        if major is not None:
            counts[major] = counts.get(major, 0) + 1
    if len(counts) > 1:
        found = ", ".join(f"{major}.x: {n}" for major, n in sorted(counts.items()))
        raise ClassSchemeError(f"the declarations of rule '{rule_id}' placed in {window} were computed under "
                               f"different major versions of the rule ({found} declarations)", field="window",
                               value=window, expected="declarations under one major version: recompute the others "
                                                      "under the current version (footprint batch declare), or a "
                                                      "window without them")


def population(points: Sequence[MarketPoint], basis: str = "value") -> tuple[list[MarketPoint], int, int]:
    """The declarations a scheme ranks, at the value it ranks them by; with (partial, without_median) counts.

    A partial value is a lower bound (some of its flows have no factor): among complete values it
    would pull the thresholds down and get a class better than its product's, so it is left out
    (and counted).  A declaration with no mass placed in the window is left out too (not counted
    here: ``unplaced``).  Under basis "median" each declaration stands at its Monte Carlo median where it
    has one.  Derivation and revision use this one population: a revision that counted partial
    values, or declared values against thresholds derived from medians, reported migrations and a
    rescaling trigger for a market other than the one the new thresholds describe.
    """
    if basis not in BASES:
        raise ClassSchemeError("unknown basis", field="basis", value=basis, expected=" or ".join(BASES))
    partial = sum(1 for p in points if p.coverage == "partial")
    # nothing placed in the window (a 0 kg row of an older register): no declaration placed on the market, so
    # none of the market's declarations (derive counts them as counts.without_weight).  Counted in the class
    # rows and counts.declarations, one sat in head-room's "empty" class A as "1 decl." of the market, exit 0
    kept = [p for p in points if p.counts]  # the one definition (MarketPoint.counts) the checks share
    without_median = 0
    if basis == "median":
        without_median = sum(1 for p in kept if p.median is None)
        kept = [replace(p, value=p.median) if p.median is not None else p for p in kept]
    return kept, partial, without_median


def _refuse_unreachable_classes(limits: Sequence[float], names: Sequence[str], values: Sequence[float],
                                window: str) -> None:
    """Refuse thresholds of which two are equal: the class between them could never hold a declaration.

    Why: class k holds t[k-1] < v <= t[k]; with t[k-1] = t[k] (many declarations of one value,
    fewer distinct values than classes) it is empty for good, yet the scheme announced N classes
    and a product could never reach it, with exit 0.
    """
    for k in range(1, len(limits)):
        if not limits[k] > limits[k - 1]:
            distinct = len(set(values))
            raise ClassSchemeError(f"thresholds {names[k - 1]}/{names[k]} and {names[k]}/{names[k + 1]} are equal "
                                   f"({limits[k]:.6g}): class {names[k]} could never hold a declaration (the "
                                   f"{len(values)} declarations in {window} have {distinct} distinct value(s))",
                                   field="classes", value=len(names),
                                   expected="fewer classes, another method (equal-width), or a window with more "
                                            "distinct values")


def _refuse_more_classes_than_declarations(method: str, ranked: int, declarations: int, window: str) -> None:
    """Refuse quantile classes outnumbering the declarations they are quantiles of.

    Why: with 2 declarations and 7 classes the thresholds between them are interpolations no
    declaration supports, and at least 5 of the 7 "sevenths of the market" hold no declaration of
    it, written with exit 0 as if the market had been divided.  Equal-width bands may be empty by
    design; head-room's class A is empty by design and not counted.
    """
    if method == "quantile" and ranked > declarations:
        raise ClassSchemeError(f"{ranked} quantile classes from {declarations} declaration(s) placed in {window}: "
                               f"at least {ranked - declarations} of them could hold no declaration of that market",
                               field="classes", value=ranked,
                               expected=f"at most {declarations} classes (plus head-room's empty A), another method "
                                        "(equal-width), or a window with more declarations")


def derive(points: Sequence[MarketPoint], *, rule_id: str, category: str, unit: str | None, window: str,
           classes: int = 7, weight: str = "mass", method: str = "quantile", head_room: bool = False,
           margin: float = DEFAULT_HEAD_ROOM_MARGIN, robust: tuple[float, float] = DEFAULT_ROBUST,
           date: dt.date | None = None, previous: Mapping[str, Any] | None = None,
           review_years: int = REVIEW_YEARS, trigger_basis: str = "mass",
           window_record: Mapping[str, Any] | None = None, basis: str = "value",
           years_placed: Iterable[int] | None = None) -> dict[str, Any]:
    """A class scheme from the declarations placed on the market in ``window``.

    ``basis`` "median" derives from each declaration's Monte Carlo median where it has
    one (its declared value otherwise; the scheme counts those); "value" from the
    declared values.  ``years_placed``: the years of the window with a placement in the register
    (years_without_placements); None when not known (points built in memory).
    """
    start, end = _window(window)
    day = derivation_date(start, end, date)  # first: a window not over is refused whatever it holds
    empty_years = years_without_placements(years_placed, window) if years_placed is not None else []
    unplaced = sum(1 for p in points if p.coverage != "partial" and not p.placed)
    points, partial, without_median = population(points, basis)
    names = labels(classes)
    if trigger_basis not in WEIGHTS:
        raise ClassSchemeError("unknown trigger basis", field="trigger_basis", value=trigger_basis,
                               expected=" or ".join(WEIGHTS))
    if not (isinstance(review_years, int) and review_years >= 1):
        raise ClassSchemeError("review period out of range", field="review_years", value=review_years,
                               expected="a whole number of years >= 1 (Annex V point 8: three)")
    if not 0.0 <= robust[0] < robust[1] <= 1.0:
        raise ClassSchemeError("robust percentiles out of range", field="robust", value=list(robust),
                               expected="0 <= low < high <= 1, e.g. 0.05 0.95")
    if not (math.isfinite(margin) and margin >= 0):
        raise ClassSchemeError("head-room margin out of range", field="margin", value=margin,
                               expected="a number >= 0, e.g. 0.10")
    if not points:
        if unplaced:
            raise ClassSchemeError("the declarations in the window have no mass placed on the market",
                                   field="weight", value=weight, expected="masses > 0 in the register")
        if partial:
            raise ClassSchemeError(f"every declaration of rule '{rule_id}' placed on the market in {start}-{end} "
                                   f"declares '{category}' as partial ({partial}): a lower bound, no basis for "
                                   "classes", field="category", value=category,
                                   expected="a category the declarations cover completely (footprint inventories "
                                            "coverage RULE shows what is missing)")
        raise ClassSchemeError(f"no declarations of rule '{rule_id}' with a '{category}' value were placed on the "
                               f"market in {start}-{end}", field="window", value=window,
                               expected="a window and rule with declarations in the register (footprint market list)")
    _one_major_version(points, rule_id, window)
    weights = _weights(points, weight)
    if math.fsum(weights) <= 0:
        raise ClassSchemeError("the declarations in the window have no mass placed on the market",
                               field="weight", value=weight, expected="'count', or masses > 0 in the register")
    values = [p.value for p in points]
    limits = thresholds(values, weights, classes, method=method, head_room=head_room, margin=margin, robust=robust)
    _refuse_unreachable_classes(limits, names, values, window)
    _refuse_more_classes_than_declarations(method, classes - (1 if head_room else 0),
                                           sum(1 for w in weights if w > 0), window)
    digest = register_hash(points)
    parameters: dict[str, Any] = {}
    if method == "quantile":
        parameters["quantile"] = "inverse weighted ECDF, midpoint (Hazen) positions, linear interpolation"
        parameters["probabilities"] = [j / (classes - 1 if head_room else classes)
                                       for j in range(1, classes - 1 if head_room else classes)]
    else:
        parameters["robust_percentiles"] = list(robust)
    scheme: dict[str, Any] = {
        "format": SCHEME_FORMAT,
        "scheme_id": f"{rule_id}:{category}:{start}-{end}:{method}:{weight}:{classes}:{digest[:12]}",
        "rule": {"id": rule_id, "versions": sorted({p.rule_version for p in points if p.rule_version})},
        "category": category,
        "unit": unit,
        "window": {"start": start, "end": end},
        "weighting": weight,
        "method": method,
        "parameters": parameters,
        "head_room": {"enabled": head_room, "margin": margin if head_room else None},
        "number_of_classes": classes,
        "labels": names,
        "thresholds": limits,
        "boundary": BOUNDARY,
        "classes": [
            {**row, "lower": limits[k - 1] if k else None, "upper": limits[k] if k < len(limits) else None}
            for k, row in enumerate(class_counts(points, limits, names))
        ],
        **({"basis": {"value": "median", "without_median": without_median}} if basis == "median" else {}),
        "counts": {"declarations": len(points), "mass_kg": math.fsum(p.mass_kg for p in points),
                   "min": min(values), "max": max(values),
                   "without_weight": unplaced,
                   **({"excluded_partial": partial} if partial else {}),
                   **({"years_without_placements": empty_years} if empty_years else {})},
        "window_years": dict(window_record or {"years": end - start + 1, "rule": end - start + 1,
                                               "override": False}),
        "review_years": review_years,
        "trigger_basis": trigger_basis,
        "register_sha256": digest,
        "derived": day.isoformat(),
        "next_review": add_years(day, review_years).isoformat(),
        "previous_scheme": None if previous is None else {"scheme_id": previous.get("scheme_id"),
                                                          "sha256": scheme_sha256(previous)},
    }
    return scheme


def scheme_sha256(scheme: Mapping[str, Any]) -> str:
    return hashlib.sha256(to_json(scheme).encode("utf-8")).hexdigest()


def to_json(scheme: Mapping[str, Any]) -> str:
    return json.dumps(scheme, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check_scheme(scheme: Any, source: str = "scheme") -> dict[str, Any]:
    """Check the fields a scheme must have; raise ClassSchemeError naming the first problem."""
    if not isinstance(scheme, dict) or scheme.get("format") != SCHEME_FORMAT:
        raise ClassSchemeError("not a class scheme", file=source, field="format",
                               value=scheme.get("format") if isinstance(scheme, dict) else None,
                               expected=f"'{SCHEME_FORMAT}' (a file written by 'footprint classes derive')")
    import jsonschema

    from footprint.paths import schemas_dir

    schema = json.loads((schemas_dir() / "class-scheme.schema.json").read_text(encoding="utf-8"))
    try:
        jsonschema.validate(scheme, schema)
    except jsonschema.ValidationError as exc:
        where = field_path(exc.absolute_path)
        raise ClassSchemeError(f"not a valid class scheme: {exc.message}", file=source, field=where or None,
                               expected="a file written by 'footprint classes derive' "
                                        "(schemas/class-scheme.schema.json)") from None
    limits, names = scheme["thresholds"], scheme["labels"]
    if (not isinstance(limits, list) or not isinstance(names, list) or len(names) != len(limits) + 1
            or any(not isinstance(t, (int, float)) for t in limits)
            or any(not b > a for a, b in zip(limits, limits[1:]))):  # equal: a class no value can reach
        raise ClassSchemeError("thresholds and labels do not fit", file=source, field="thresholds",
                               value=limits, expected="N-1 strictly ascending numbers for N labels (two equal "
                                                      "thresholds leave the class between them empty for good)")
    check_labels(names, source, "labels")
    _check_agrees(scheme, source)
    return scheme


def _check_agrees(scheme: Mapping[str, Any], source: str) -> None:
    """Fields that restate the thresholds must agree with them: assign reads only ``thresholds`` and
    ``labels`` with the upper-inclusive boundary, so an edited ``number_of_classes``, class row bound or
    ``boundary`` would be ignored while the file says otherwise."""
    limits, names = list(scheme["thresholds"]), list(scheme["labels"])
    if scheme["number_of_classes"] != len(names):
        raise ClassSchemeError("number_of_classes does not fit the labels", file=source, field="number_of_classes",
                               value=scheme["number_of_classes"], expected=f"{len(names)} (the number of labels)")
    if scheme["boundary"] != BOUNDARY:
        raise ClassSchemeError("unknown boundary convention", file=source, field="boundary",
                               value=scheme["boundary"], expected=f"'{BOUNDARY}' (the only one assign applies)")
    rows = scheme["classes"]
    if len(rows) != len(names):
        raise ClassSchemeError("one class row per label", file=source, field="classes", value=len(rows),
                               expected=f"{len(names)} rows")
    for k, row in enumerate(rows):
        bounds = {"class": names[k], "lower": limits[k - 1] if k else None,
                  "upper": limits[k] if k < len(limits) else None}
        for key, want in bounds.items():
            if row[key] != want:
                raise ClassSchemeError("class row disagrees with the labels and thresholds", file=source,
                                       field=f"classes[{k}].{key}", value=row[key],
                                       expected=f"{want!r} (thresholds and labels decide the class)")


def category_result(declaration: Mapping[str, Any], category: str, source: str = "declaration") -> dict:
    """The declared result of the scheme's category (additional information never gets a class).

    A partial result (coverage "partial": some of its flows have no characterisation factor) is
    a lower bound: placed among complete values it would get a better class than its product's,
    so it is refused here, for ``classes assign`` and for verify's recomputed class alike.  So is a
    sensitivity run (``declare --allocation``): its value is not the product's under the rule's methods,
    and a class recorded on it by hand (hash recomputed) passed verify's reclassing with exit 0.
    """
    from footprint.declaration.factors import refuse_other_factors
    from footprint.inputs.upstream import declared_results, refuse_rule_not_in_library, refuse_sensitivity_run

    refuse_sensitivity_run(declaration, ClassSchemeError, file=source)
    refuse_rule_not_in_library(declaration, ClassSchemeError, file=source)  # a producer's own text of the rule
    refuse_other_factors(declaration, ClassSchemeError, file=source)  # thresholds of other factors' values

    for result in declared_results(dict(declaration)):
        if result.get("category") == category:
            if result.get("coverage") == "partial":
                raise ClassSchemeError(f"the declaration's {category} is partial (a lower bound: some flows have no "
                                       "characterisation factor); a class from it would be better than the "
                                       "product's", file=source, field=f"results[{category}].coverage",
                                       value="partial", expected="a complete value (footprint inventories coverage "
                                                                 "RULE --data DATA shows what is missing)")
            return result
    raise ClassSchemeError("the declaration does not declare the scheme's category", file=source,
                           field="results", value=category,
                           expected="a declaration whose rule declares that category")


def assign(declaration: Mapping[str, Any], scheme: Mapping[str, Any], *, declaration_source: str = "declaration",
           scheme_source: str = "scheme") -> dict[str, Any]:
    """The ``performance_class`` record for a declaration under a scheme (rule and category must match)."""
    check_scheme(scheme, scheme_source)
    rule_id = declaration.get("rule", {}).get("id")
    if rule_id != scheme["rule"]["id"]:
        raise ClassSchemeError(f"the scheme is for rule '{scheme['rule']['id']}', the declaration for '{rule_id}'",
                               file=scheme_source, field="rule.id", value=scheme["rule"]["id"],
                               expected=f"a scheme derived for rule '{rule_id}'")
    versions = scheme["rule"].get("versions") or []
    majors = {major_version(v) for v in versions}
    version = declaration.get("rule", {}).get("version")
    if majors and major_version(version) not in majors:
        raise ClassSchemeError(f"the scheme was derived from declarations under rule '{rule_id}' "
                               f"{', '.join(versions)}, the declaration is under {version}: another major version "
                               "measures differently", file=declaration_source, field="rule.version", value=version,
                               expected=f"a declaration under version {' or '.join(sorted(majors))}.x, or a scheme "
                                        "derived from declarations under its version (footprint classes revise)")
    _in_force(declaration, scheme, declaration_source, scheme_source)
    result = category_result(declaration, scheme["category"], declaration_source)
    unit = scheme.get("unit") or standard_unit(scheme["category"])  # derived from rows without units: per kg
    stated = unit_basis(result.get("unit"), declaration, ClassSchemeError, file=declaration_source)
    if unit and stated and stated != unit:
        raise ClassSchemeError("the declaration's unit differs from the scheme's", file=declaration_source,
                               field=f"results[{scheme['category']}].unit", value=stated,
                               expected=f"'{unit}' as in {scheme_source}")
    return _record(declaration, result, scheme)


def _in_force(declaration: Mapping[str, Any], scheme: Mapping[str, Any], declaration_source: str,
              scheme_source: str) -> None:
    """Refuse a class from a scheme that was not in force for the declaration's reporting period.

    A scheme holds from its derivation to its next review (Annex V point 8: thresholds reviewed
    every three years).  A declaration whose period begins after that review is classed by the
    scheme derived then, from the market of its own time; one whose validity (3 years after its
    period, footprint.inputs.upstream.valid_until) ended before the scheme was derived was never
    classed by it.  Either class would come from thresholds of another market, with exit 0.
    """
    dates = declaration_period(declaration, ClassSchemeError, file=declaration_source)
    if dates is None or "derived" not in scheme or "next_review" not in scheme:
        return  # documents built in memory (tests); a declaration file and a scheme file always have them
    derived, review = (_scheme_date(scheme, key, scheme_source) for key in ("derived", "next_review"))
    start, end = dates
    if start > review:
        raise ClassSchemeError(f"the scheme was due for review on {review.isoformat()}, before the declaration's "
                               f"reporting period began ({start.isoformat()})", file=scheme_source,
                               field="next_review", value=review.isoformat(),
                               expected="the scheme in force for that period (footprint classes revise --old "
                                        f"{scheme_source} --window ...)")
    until = valid_until(end)
    if until < derived:
        raise ClassSchemeError(f"the declaration's validity ended on {until.isoformat()}, before the scheme was "
                               f"derived ({derived.isoformat()})", file=declaration_source, field="period.end",
                               value=end.isoformat(), expected="a declaration valid while the scheme is in force "
                                                              "(one of a later reporting period)")


def _scheme_date(scheme: Mapping[str, Any], key: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(scheme[key]))
    except ValueError:
        raise ClassSchemeError("not an ISO date", file=source, field=key, value=scheme[key],
                               expected="a date YYYY-MM-DD, as 'footprint classes derive' writes it") from None


def _record(declaration: Mapping[str, Any], result: Mapping[str, Any], scheme: Mapping[str, Any]) -> dict[str, Any]:
    """The record of ``result`` (the declared result of the scheme's category) under ``scheme``'s thresholds.

    Under a scheme of basis "median" the declaration is classed at its Monte Carlo median where it
    has one, as the derivation ranked it (``population``): classing the declared value put a
    declaration the scheme's own class counts hold in A (median 34 <= 35) into B (declared 36),
    exit 0.  ``value`` stays the declared value; ``classed_value`` and ``basis`` say what was classed.
    """
    value = float(result["value"])
    limits = list(scheme["thresholds"])
    spread = uncertainty_result(declaration, scheme["category"])
    median = (scheme.get("basis") or {}).get("value") == "median"
    classed = float(spread["median"]) if median and spread is not None and spread.get("median") is not None else value
    record = {"class": scheme["labels"][class_index(classed, limits)], "scheme_id": scheme["scheme_id"],
              "category": scheme["category"], "value": value,
              **({"basis": "median", "classed_value": classed} if median else {}),
              # the unit as the scheme's thresholds state it: per the declared unit when that is not 1 kg
              "unit": unit_basis(result.get("unit"), declaration, ClassSchemeError), "thresholds": limits,
              "labels": list(scheme["labels"]), "next_review": scheme.get("next_review")}
    record["nearest_threshold"] = nearest_threshold(classed, limits, list(scheme["labels"]), spread)
    if spread is not None:
        record["probabilities"] = class_probabilities(spread["quantiles"], limits, list(scheme["labels"]))
        record["probability_basis"] = (f"Monte Carlo of the declaration ({spread['iterations']:,} iterations, seed "
                                       f"{spread['seed']}): its percentiles 0..100, linear between them")
    return record


# -------------------------------------------------------------------- uncertainty: class probabilities

def uncertainty_result(declaration: Mapping[str, Any], category: str) -> dict | None:
    """The Monte Carlo statistics of one category (with the run's iterations and seed), or None."""
    block = declaration.get("uncertainty")
    if not isinstance(block, Mapping):
        return None
    for entry in block.get("results") or []:
        if isinstance(entry, Mapping) and entry.get("category") == category:
            # cdf() bisects the percentiles: out of order they gave class probabilities with no meaning; and
            # the median (classed under a scheme of basis median), the 95 % interval (within_95_interval) and
            # sd (distance_in_sd) must be those of the same samples (footprint.inputs.spread)
            from footprint.inputs.spread import expected_text, result_problem

            problem = result_problem(entry)
            if problem is not None:
                key, what, value = problem
                raise ClassSchemeError(f"the Monte Carlo {key} {what}", field=f"uncertainty.results[{category}].{key}",
                                       value=value, expected=expected_text())
            return {**entry, "iterations": block.get("iterations"), "seed": block.get("seed")}
    return None


def cdf(quantiles: Sequence[float], x: float) -> float:
    """P(result <= x) from the percentiles 0..100: linear between them, 0 below the 0th, 1 from the 100th.

    With q_k the k-th of m+1 equally spaced percentiles (p_k = k/m) and q_k <= x < q_k+1,
    F(x) = (k + (x - q_k) / (q_k+1 - q_k)) / m: the inverse of the interpolated quantile
    function, and ties (a flat stretch) resolve to the largest p with q <= x.
    """
    import bisect

    q = [float(v) for v in quantiles]
    m = len(q) - 1
    if x < q[0]:
        return 0.0
    if x >= q[-1]:
        return 1.0
    k = bisect.bisect_right(q, x) - 1
    return (k + (x - q[k]) / (q[k + 1] - q[k])) / m


def class_probabilities(quantiles: Sequence[float], limits: Sequence[float], names: Sequence[str]) -> dict[str, float]:
    """P(class) = F(t_k) - F(t_k-1) under the boundary convention (upper bounds inclusive)."""
    cuts = [0.0, *(cdf(quantiles, t) for t in limits), 1.0]
    return {name: max(0.0, cuts[k + 1] - cuts[k]) for k, name in enumerate(names)}


def nearest_threshold(value: float, limits: Sequence[float], names: Sequence[str],
                      spread: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The threshold closest to the value: which classes it separates, how far (and within the 95 % interval?)."""
    if not limits:
        return None
    k = min(range(len(limits)), key=lambda j: (abs(value - limits[j]), j))
    t = float(limits[k])
    out: dict[str, Any] = {"threshold": t, "between": [names[k], names[k + 1]], "distance": value - t,
                           "relative_distance": (value - t) / abs(t) if t else None}
    if spread is not None:
        out["within_95_interval"] = float(spread["p2_5"]) <= t <= float(spread["p97_5"])
        sd = float(spread.get("sd") or 0.0)
        out["distance_in_sd"] = (value - t) / sd if sd > 0 else None
    return out


# -------------------------------------------------------------------- revision

def migration(points: Sequence[MarketPoint], old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Declarations and mass per (old class, new class), for the declarations of the new window."""
    old_names, new_names = old["labels"], new["labels"]
    counts = [[0] * len(new_names) for _ in old_names]
    mass = [[0.0] * len(new_names) for _ in old_names]
    for p in points:
        i, j = class_index(p.value, old["thresholds"]), class_index(p.value, new["thresholds"])
        counts[i][j] += 1
        mass[i][j] += p.mass_kg
    return {"old_labels": list(old_names), "new_labels": list(new_names), "declarations": counts, "mass_kg": mass}


def near_thresholds(points: Sequence[MarketPoint], scheme: Mapping[str, Any]) -> dict[str, Any]:
    """Declarations whose own 95 % interval contains a threshold: the ones a revision could move by chance."""
    limits = [float(t) for t in scheme["thresholds"]]
    with_interval = [p for p in points if p.p2_5 is not None and p.p97_5 is not None]
    near = [p for p in with_interval if any(p.p2_5 <= t <= p.p97_5 for t in limits)]
    total_mass = math.fsum(p.mass_kg for p in points)
    return {"declarations": len(points), "with_interval": len(with_interval), "near": len(near),
            "near_mass_share": math.fsum(p.mass_kg for p in near) / total_mass if total_mass else 0.0,
            "ids": [p.declaration_id for p in near]}


def top_shares(points: Sequence[MarketPoint], scheme: Mapping[str, Any],
               triggers: tuple[float, float] = DEFAULT_TRIGGERS, basis: str | None = None) -> dict[str, Any]:
    """Shares of declarations and mass in the top class and the top two, against the rescaling triggers.

    ``rescale`` is decided on ``basis`` (default: the scheme's ``trigger_basis``, else mass):
    the energy label counts units sold, which is mass here; the other basis is shown only.
    """
    basis = basis or scheme.get("trigger_basis") or "mass"
    if basis not in WEIGHTS:
        raise ClassSchemeError("unknown trigger basis", field="trigger_basis", value=basis,
                               expected=" or ".join(WEIGHTS))
    total_n = len(points)
    total_mass = math.fsum(p.mass_kg for p in points)
    classes = [class_index(p.value, scheme["thresholds"]) for p in points]
    out: dict[str, Any] = {"triggers": {"top": triggers[0], "top_two": triggers[1]}}
    for key, top in (("top", 1), ("top_two", 2)):
        n = sum(1 for c in classes if c < top)
        m = math.fsum(p.mass_kg for p, c in zip(points, classes) if c < top)
        out[key] = {"declarations": n / total_n if total_n else 0.0,
                    "mass": m / total_mass if total_mass else 0.0}
    limit_top, limit_two = triggers
    out["triggered"] = {
        "declarations": out["top"]["declarations"] >= limit_top or out["top_two"]["declarations"] >= limit_two,
        "mass": out["top"]["mass"] >= limit_top or out["top_two"]["mass"] >= limit_two,
    }
    out["basis"] = basis
    out["rescale"] = out["triggered"]["declarations" if basis == "count" else "mass"]
    return out
