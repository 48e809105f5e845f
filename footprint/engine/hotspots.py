"""The PEF most-relevant analysis: which categories, stages and processes matter (for rule authors).

A rule declares a handful of impact categories (Art. 31: climate change and at
least two more).  Which ones?  PEF answers with normalisation and weighting:
divide each characterised result by what one person causes in a year (NF),
multiply by the category's weight (WF), rank, and keep the categories that
together reach 80 % of the weighted total; climate change is always kept and at
least three are kept.  Then, within each kept category, the stages and processes
that together reach 80 % of it are the ones whose data quality matters most.

Normalised and weighted numbers are a screening aid for the people who write
rules.  They live only here and never enter a declaration, which reports
characterised results per category (Annex V point 7).  The analysis reads a
declaration document (every category's total and its split by stage and process
are in it), so it runs on exactly the numbers a producer would declare.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from footprint._io import load_yaml
from footprint.engine import exact
from footprint.engine.cumulative import REACH_TOLERANCE, SHARE, reaching, tied
from footprint.errors import FootprintError

FACTORS_FILE = Path(__file__).resolve().parents[1] / "data" / "ef31-normalisation-weighting.yaml"
DEFAULT_THRESHOLD = SHARE  # PEF: most relevant = cumulative 80 %
ALWAYS = ("climate_change",)  # CRMA Art. 31: climate change is always declared
MINIMUM_CATEGORIES = 3  # CRMA Art. 31 / rule schema: at least three declared categories


@dataclass(frozen=True)
class Factor:
    """Normalisation factor (per person and year, in the category's unit) and weight (a fraction, sums to 1)."""

    normalisation: float
    weighting: float
    unit: str


@dataclass(frozen=True)
class FactorSet:
    factors: dict[str, Factor]
    source: str
    #: category -> a known doubt about its factor, printed wherever the category is selected or declared
    caveats: dict[str, str] = field(default_factory=dict)


WEIGHTS_TOTAL_PCT = 100.0  # EF 3.1 weights are percentages of one single score
WEIGHTS_TOLERANCE_PCT = 0.01  # the published weights have two decimals


def load_factors(path: Path = FACTORS_FILE) -> FactorSet:
    """The EF 3.1 factors with their source (weights are stored in %, used as fractions), checked.

    Why checked: a normalisation factor of 0 divided by zero, a missing one was a KeyError, a factor
    in another unit than the category's result (MJ against GJ, say) or weights that no longer sum
    to 100 % re-ranked the categories with exit 0.  Every one of the 16 EF 3.1 categories needs
    a finite positive factor in the unit footprint characterises it in, and the weights sum to 100 %.
    """
    import math

    from footprint.inputs.categories import CATEGORIES

    path = Path(path)
    raw = load_yaml(path, FootprintError)
    table = raw.get("factors") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        raise FootprintError("no factors table", file=path, field="factors",
                             expected="a mapping of category id -> {normalisation, unit, weighting_pct}")
    units = {c.id: c.unit for c in CATEGORIES if c.headline}
    unknown = [cid for cid in table if cid not in units]
    missing = [cid for cid in units if cid not in table]
    if unknown or missing:
        raise FootprintError("the factors do not name the 16 EF 3.1 categories", file=path, field="factors",
                             value=", ".join([f"unknown {c}" for c in unknown] + [f"missing {c}" for c in missing]),
                             expected=f"one entry for each of {', '.join(units)}")
    factors = {}
    for cid, spec in table.items():
        where = f"factors.{cid}"
        try:
            normalisation, weighting_pct = float(spec["normalisation"]), float(spec["weighting_pct"])
            unit = str(spec["unit"])
        except (KeyError, TypeError, ValueError):
            raise FootprintError("incomplete factor", file=path, field=where, value=spec,
                                 expected="{normalisation: a number > 0, unit: ..., weighting_pct: a number >= 0}"
                                 ) from None
        if not (math.isfinite(normalisation) and normalisation > 0):
            raise FootprintError("normalisation factor must be a finite number above zero", file=path,
                                 field=f"{where}.normalisation", value=spec["normalisation"],
                                 expected="the global per-person yearly impact of the category (> 0)")
        if not (math.isfinite(weighting_pct) and 0 <= weighting_pct <= WEIGHTS_TOTAL_PCT):
            raise FootprintError("weighting factor out of range", file=path, field=f"{where}.weighting_pct",
                                 value=spec["weighting_pct"], expected="a percentage from 0 to 100")
        if unit != units[cid]:
            raise FootprintError("normalisation factor in another unit than the category's result", file=path,
                                 field=f"{where}.unit", value=unit,
                                 expected=f"'{units[cid]}' (the unit footprint characterises {cid} in)")
        factors[cid] = Factor(normalisation=normalisation, weighting=weighting_pct / 100, unit=unit)
    total = math.fsum(f.weighting for f in factors.values()) * 100
    if abs(total - WEIGHTS_TOTAL_PCT) > WEIGHTS_TOLERANCE_PCT:
        raise FootprintError("weighting factors do not sum to 100 %", file=path, field="factors",
                             value=f"{total:.4g} %", expected="EF 3.1 weights summing to 100 %")
    caveats = raw.get("caveats") or {}
    if not isinstance(caveats, dict) or any(cid not in factors for cid in caveats):
        raise FootprintError("caveats must name categories of the factors table", file=path, field="caveats",
                             value=caveats, expected=f"a mapping of category id -> text, ids from {', '.join(units)}")
    return FactorSet(factors=factors, source=" ".join(str(raw.get("source", "")).split()),
                     caveats={cid: " ".join(str(text).split()) for cid, text in caveats.items()})


@dataclass
class CategoryScore:
    """One category: characterised value, normalised (person-years), weighted (points), and its rank."""

    category: str
    label: str
    value: float
    unit: str
    normalised: float
    weighted: float
    share: float  # of the sum of absolute weighted scores
    cumulative: float
    rank: int
    selected: bool = False
    reason: str = ""
    coverage: str = "complete"  # of the secondary datasets used; 'partial'/'none' under-estimate the category


@dataclass
class Contributor:
    """A stage or process and its share of one category (absolute values, PEF practice)."""

    id: str
    value: float
    share: float
    cumulative: float


@dataclass
class Hotspots:
    threshold: float
    source: str
    single_score: float
    categories: list[CategoryScore]
    stages: dict[str, list[Contributor]] = field(default_factory=dict)
    processes: dict[str, list[Contributor]] = field(default_factory=dict)
    declared: list[str] = field(default_factory=list)
    #: declared categories with no EF 3.1 normalisation and weighting factor (supplementary indicators such
    #: as crustal_scarcity): outside the ranking, and the report says so rather than leaving them out unseen
    not_ranked: list[str] = field(default_factory=list)
    caveats: dict[str, str] = field(default_factory=dict)  # those of the selected or declared categories

    @property
    def selected(self) -> list[str]:
        return [c.category for c in self.categories if c.selected]

    def text(self) -> str:
        """The plain-text report (see render)."""
        return render(self)

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "source": self.source, "single_score": self.single_score,
                "selected": self.selected, "declared_by_rule": self.declared,
                "declared_not_ranked": self.not_ranked, "caveats": self.caveats,
                "categories": [asdict(c) for c in self.categories],
                "stages": {k: [asdict(c) for c in v] for k, v in self.stages.items()},
                "processes": {k: [asdict(c) for c in v] for k, v in self.processes.items()}}


def check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise FootprintError("hotspot threshold out of range", field="threshold", value=threshold,
                             expected="a cumulative share in (0, 1], e.g. 0.8 for 80 %")


def rank_categories(totals: Mapping[str, float], factors: FactorSet, *, threshold: float = DEFAULT_THRESHOLD,
                    labels: Mapping[str, str] | None = None, units: Mapping[str, str] | None = None
                    ) -> list[CategoryScore]:
    """Normalise, weight, rank; select up to the cumulative threshold, climate change always, at least three.

    Categories without a factor (the climate sub-indicators) are not ranked.
    Shares use absolute weighted scores, so a credit cannot hide a burden.
    """
    check_threshold(threshold)
    scores = []
    for cid, factor in factors.factors.items():
        value = float(totals.get(cid, 0.0))
        normalised = value / factor.normalisation
        scores.append(CategoryScore(category=cid, label=(labels or {}).get(cid, cid), value=value,
                                    unit=(units or {}).get(cid, factor.unit), normalised=normalised,
                                    weighted=normalised * factor.weighting, share=0.0, cumulative=0.0, rank=0))
    scores.sort(key=lambda s: (-abs(s.weighted), s.category))
    total = exact.total([abs(s.weighted) for s in scores])
    if not total:  # every category would be "most relevant" by the order of its name
        raise FootprintError("every normalised and weighted result is zero: there is nothing to rank",
                             field="results", value="16 categories, all 0",
                             expected="a declaration with characterised results (check the data's coverage: "
                                      "footprint inventories coverage RULE)")
    running = 0.0
    last = None  # the score that reached the threshold
    for rank, score in enumerate(scores, start=1):
        score.rank = rank
        score.share = abs(score.weighted) / total
        running += score.share
        score.cumulative = running
        if last is None:
            score.selected, score.reason = True, f"within the cumulative {threshold:.0%}"
            if running >= threshold - REACH_TOLERANCE:
                last = score
        elif tied(score.weighted, last.weighted):  # a tie is not broken by the category's name
            score.selected, score.reason = True, f"tied with {last.category} at the cumulative {threshold:.0%}"
    for score in scores:
        if score.category in ALWAYS and not score.selected:
            score.selected, score.reason = True, "always included (CRMA Art. 31)"
    for score in scores:
        if sum(s.selected for s in scores) >= MINIMUM_CATEGORIES:
            break
        if not score.selected:
            score.selected, score.reason = True, f"next in rank, to reach at least {MINIMUM_CATEGORIES} categories"
    return scores


def most_relevant(contributions: Mapping[str, float], threshold: float = DEFAULT_THRESHOLD) -> list[Contributor]:
    """The largest contributors (by absolute value) that together reach ``threshold`` of the category."""
    check_threshold(threshold)
    total = exact.total([abs(v) for v in contributions.values()])  # the same in any order of the contributors
    chosen: list[Contributor] = []
    if total == 0:
        return chosen
    ranked = sorted(contributions.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    running = 0.0
    for key, value in reaching(ranked, lambda kv: kv[1], total, threshold):  # the DQR's cut, ties kept
        running += abs(value) / total
        chosen.append(Contributor(id=key, value=float(value), share=abs(value) / total, cumulative=running))
    return chosen


def from_declaration(document: Mapping[str, Any], *, threshold: float = DEFAULT_THRESHOLD,
                     factors: FactorSet | None = None) -> Hotspots:
    """Run the analysis on a declaration document's characterised results (all 16 categories are in it)."""
    factors = factors or load_factors()
    from footprint.inputs.upstream import all_results, declared_results

    results = {r["category"]: r for r in all_results(document)}
    missing = [cid for cid in factors.factors if cid not in results]
    if missing:
        raise FootprintError("the declaration lacks categories the analysis needs", value=", ".join(missing),
                             expected="a declaration with all 16 EF 3.1 categories (footprint declare writes them)")
    wrong_unit = [f"{cid} in {results[cid].get('unit')!r}, factor per {f.unit!r}"
                  for cid, f in factors.factors.items() if results[cid].get("unit") != f.unit]
    if wrong_unit:  # divided as they stand, the normalised value would be off by the unit's factor
        raise FootprintError("the declaration states results in other units than the normalisation factors",
                             value="; ".join(wrong_unit), expected="each category in the unit of its EF 3.1 factor")
    totals = {cid: r["value"] for cid, r in results.items()}
    scores = rank_categories(totals, factors, threshold=threshold,
                             labels={cid: r["label"] for cid, r in results.items()},
                             units={cid: r["unit"] for cid, r in results.items()})
    hotspots = Hotspots(threshold=threshold, source=factors.source,
                        single_score=exact.total([s.weighted for s in scores]), categories=scores,
                        declared=[r["category"] for r in declared_results(document)])
    hotspots.not_ranked = [cid for cid in hotspots.declared if cid not in factors.factors]
    hotspots.caveats = {cid: text for cid, text in factors.caveats.items()
                        if cid in hotspots.selected or cid in hotspots.declared}
    for score in scores:
        score.coverage = results[score.category].get("coverage", "complete")
    for cid in hotspots.selected:
        hotspots.stages[cid] = most_relevant(results[cid]["by_stage"], threshold)
        hotspots.processes[cid] = most_relevant(results[cid]["by_process"], threshold)
    return hotspots


def render(hotspots: Hotspots) -> str:
    """A plain-text report for a rule author."""
    lines = ["PEF most-relevant analysis (normalised and weighted; NOT part of any declaration)",
             f"factors: {hotspots.source}",
             f"single score: {hotspots.single_score:.4g} Pt per declared unit (1 Pt = one person's yearly "
             "weighted impact)", "",
             f"{'rank':>4}  {'category':<45} {'characterised':>14} {'unit':<22} {'weighted':>10} {'share':>7} "
             f"{'cumul.':>7}  selected"]
    for s in hotspots.categories:
        mark = ("yes" + (" (declared)" if s.category in hotspots.declared else "")) if s.selected else \
            ("declared by the rule, not most relevant" if s.category in hotspots.declared else "")
        flag = "" if s.coverage == "complete" else " *"
        lines.append(f"{s.rank:>4}  {(s.label[:43] + flag):<45} {s.value:>14.4g} {s.unit[:22]:<22} "
                     f"{s.weighted:>10.3e} {s.share:>7.1%} {s.cumulative:>7.1%}  {mark}")
    if any(s.coverage != "complete" for s in hotspots.categories):
        lines.append("   * partial or no coverage by the secondary datasets used: the category is under-estimated "
                     "and may rank too low")
    lines.append("")
    for cid in hotspots.selected:
        label = next(s.label for s in hotspots.categories if s.category == cid)
        stages = ", ".join(f"{c.id} {c.share:.0%}" for c in hotspots.stages.get(cid, []))
        processes = ", ".join(f"{c.id} {c.share:.0%}" for c in hotspots.processes.get(cid, []))
        lines.append(f"{label}: most relevant stages: {stages or '-'}; processes: {processes or '-'}")
    for cid, text in hotspots.caveats.items():
        lines.append("")
        lines.append(f"caveat ({cid}): {text}")
    if hotspots.not_ranked:
        lines.append("")
        lines.append("declared by the rule but not ranked (no EF 3.1 normalisation and weighting factor): "
                     + ", ".join(hotspots.not_ranked))
    not_declared = [c for c in hotspots.selected if c not in hotspots.declared]
    if not_declared and hotspots.declared:
        lines.append("")
        lines.append("note: most relevant but not declared by the rule: " + ", ".join(not_declared))
    return "\n".join(lines)
