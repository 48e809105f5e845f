"""Data quality of a result: DQR, primary data share, coverage, Data Needs Matrix.

PEF rates each datum on four criteria (TeR, GeR, TiR, P; 1 best, 5 worst) and
DQR = (TeR + GeR + TiR + P) / 4.  A result's criteria are the averages of its
contributions' criteria weighted by the size of each contribution, so a poor
number that barely matters barely moves the score.  A contribution that rests
on company activity data and a secondary dataset gets, per criterion, the mean
of the two: the amount and the factor are equally needed to get it right.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from footprint.data.inventory import Catalogue
from footprint.engine.calculate import Item, Result
from footprint.inputs.categories import HEADLINE_IDS, coverage_category

CRITERIA = ("TeR", "GeR", "TiR", "P")
HOTSPOT_SHARE = 0.80  # PEF: most relevant processes reach 80 % cumulatively


def level(dqr: float) -> str:
    """PEF overall data-quality level for a DQR value."""
    if dqr <= 1.5:
        return "excellent"
    if dqr <= 2.0:
        return "very good"
    if dqr <= 3.0:
        return "good"
    if dqr <= 4.0:
        return "fair"
    return "poor"


def item_criteria(item: Item, catalogue: Catalogue) -> dict[str, float]:
    """Criteria of one contribution: activity datum and dataset averaged (direct emissions: the datum)."""
    own = item.flow.dqr.model_dump() if item.flow.dqr else None
    dataset = (catalogue.datasets.get(item.flow.target) if item.flow.kind in ("background", "recycled-content")
               else None)
    other = dataset.dqr.model_dump() if dataset else None
    if item.flow.kind == "upstream" and item.flow.upstream is not None:  # the supplier's declared criteria
        supplier = item.flow.upstream.criteria
        other = {key: supplier[key] for key in CRITERIA} if all(key in supplier for key in CRITERIA) else None
    if own and other:
        return {key: (own[key] + other[key]) / 2 for key in CRITERIA}
    return own or other or {key: 5.0 for key in CRITERIA}


def weighted_criteria(items: list[Item], catalogue: Catalogue) -> dict[str, float] | None:
    weights = [abs(item.value) for item in items]
    total = sum(weights)
    if total == 0:
        return None
    sums = {key: 0.0 for key in CRITERIA}
    for item, weight in zip(items, weights):
        criteria = item_criteria(item, catalogue)
        for key in CRITERIA:
            sums[key] += weight * criteria[key]
    return {key: value / total for key, value in sums.items()}


def _score(criteria: dict[str, float]) -> float:
    return sum(criteria[key] for key in CRITERIA) / 4


def _transitive(codes: set[str], catalogue: Catalogue) -> set[str]:
    """A dataset plus every dataset it draws on (coverage must hold along the chain)."""
    seen: set[str] = set()
    stack = list(codes)
    while stack:
        code = stack.pop()
        if code in seen or code not in catalogue.datasets:
            continue
        seen.add(code)
        stack.extend(e.dataset for e in catalogue.datasets[code].exchanges if e.type == "technosphere")
    return seen


@dataclass
class Quality:
    """Everything a declaration says about how good its numbers are."""

    basis: str
    criteria: dict[str, float]
    dqr: float
    primary_data_share: float
    by_process: dict[str, dict]
    coverage: dict[str, str]
    partial_coverage: list[dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        return level(self.dqr)


def cut_off_warnings(result: Result) -> list[str]:
    """Exclusions must be shown to stay under the rule's cut-off; say so when they are not.

    The engine cannot score what was left out, so it relies on the producer's estimated
    share: a missing estimate, or estimates adding up past the threshold, is reported.
    """
    rule = result.system.rule.rule if result.system.rule is not None else None
    exclusions = result.system.exclusions
    if rule is None or not exclusions:
        return []
    threshold = rule.cut_off.threshold
    unestimated = [f"{e['process']}: {e['item']}" for e in exclusions if e.get("estimated_share") is None]
    warnings = []
    if unestimated:
        warnings.append(f"cut-off: {len(unestimated)} excluded item(s) without an estimated share, so staying under "
                        f"the rule's {threshold:.0%} threshold is not demonstrated: " + "; ".join(unestimated))
    estimated = sum(e["estimated_share"] for e in exclusions if e.get("estimated_share") is not None)
    if estimated > threshold + 1e-12:
        warnings.append(f"cut-off: excluded items are estimated at {estimated:.1%} of the result together, above the "
                        f"rule's {threshold:.0%} threshold")
    return warnings


def most_relevant_processes(result: Result, category: str) -> list[str]:
    """Processes that together reach 80 % of a category (largest first; PEF hotspot rule)."""
    by_process = result.by(category, "process")
    total = sum(abs(v) for v in by_process.values())
    if total == 0:
        return []
    chosen, running = [], 0.0
    for process, value in sorted(by_process.items(), key=lambda kv: -abs(kv[1])):
        chosen.append(process)
        running += abs(value)
        if running / total >= HOTSPOT_SHARE:
            break
    return chosen


def _upstream_coverage(result: Result, coverage: dict[str, str], partial: list[dict], warnings: list[str]) -> None:
    """Suppliers' declarations and the recycled-content Ev: categories they did not compute are partial."""
    system = result.system
    declared = set(system.rule.rule.impact_categories.declared)
    for supplier in system.upstream_declarations():
        complete = [c for c in HEADLINE_IDS if supplier.coverage.get(c) == "complete"]
        missing = [c for c in HEADLINE_IDS if c not in supplier.values]
        for category in coverage:
            if supplier.coverage.get(category) != "complete" and coverage[category] == "complete":
                coverage[category] = "partial"
        if len(complete) < len(HEADLINE_IDS):
            partial.append({"dataset": f"declaration {supplier.id} ({supplier.product}, {supplier.declarant})",
                            "covers": complete, "screening": False})
        absent = [c for c in missing if c in declared]
        if absent:
            warnings.append(f"supplier declaration {supplier.path.name} ({supplier.product}) does not give "
                            f"{', '.join(absent)}: those inputs count as zero there (coverage partial)")
    for category, summary in result.recycled.items():
        if not summary.get("applied") and category in coverage:
            coverage[category] = "partial"
            if category in declared:
                warnings.append(f"recycled content: the virgin-material source gives no {category} value, so the "
                                f"{system.recycled.method} adjustment is not applied to it (coverage partial)")


def assess(result: Result, catalogue: Catalogue, basis: str = "climate_change") -> Quality:
    """DQR, primary data share, coverage and Data Needs Matrix checks on the basis category."""
    items = result.items[basis]
    criteria = weighted_criteria(items, catalogue) or {key: 5.0 for key in CRITERIA}
    total = sum(abs(item.value) for item in items)
    primary = sum(abs(item.value) for item in items if item.flow.primary)
    limits = result.system.rule.rule.dqr_limits
    relevant = set(most_relevant_processes(result, basis))
    by_process: dict[str, dict] = {}
    warnings: list[str] = list(result.system.notes) + cut_off_warnings(result)
    for process in result.system.processes:
        own = [item for item in items if item.flow.process == process.id]
        own_criteria = weighted_criteria(own, catalogue)
        share = sum(abs(i.value) for i in own) / total if total else 0.0
        if own_criteria is None:
            by_process[process.id] = {"dqr": None, "share": share, "most_relevant": process.id in relevant}
            continue
        score = _score(own_criteria)
        limit = limits.most_relevant if process.id in relevant else limits.other
        by_process[process.id] = {"dqr": round(score, 3), "share": share, "most_relevant": process.id in relevant,
                                  "limit": limit, **{k: round(v, 3) for k, v in own_criteria.items()}}
        if score > limit + 1e-9:
            kind = "most relevant" if process.id in relevant else "other"
            warnings.append(f"Data Needs Matrix: process '{process.id}' has DQR {score:.2f}, above the rule's "
                            f"limit {limit} for {kind} processes")
    used = result.system.datasets_used()
    chain = _transitive(used, catalogue)
    for code in sorted(used):
        dataset = catalogue.datasets.get(code)
        if dataset is None:  # a dataset of an imported background database (footprint.data.background)
            continue
        if dataset.dqr.score > limits.secondary + 1e-9:
            warnings.append(f"Data Needs Matrix: secondary dataset '{code}' has DQR {dataset.dqr.score:.2f}, above "
                            f"the rule's limit {limits.secondary}")
    coverage: dict[str, str] = {}
    for category in result.categories:
        covered_as = coverage_category(category.id)
        if covered_as not in HEADLINE_IDS:
            continue
        missing = [code for code in chain if covered_as not in catalogue.datasets[code].coverage]
        if not missing:
            coverage[category.id] = "complete"
        elif len(missing) == len(chain) and result.totals[category.id] == 0:
            coverage[category.id] = "none"
        else:
            coverage[category.id] = "partial"
    partial = [{"dataset": code, "covers": list(catalogue.datasets[code].coverage),
                "screening": catalogue.datasets[code].screening}
               for code in sorted(chain) if set(HEADLINE_IDS) - set(catalogue.datasets[code].coverage)]
    _upstream_coverage(result, coverage, partial, warnings)
    return Quality(basis=basis, criteria={k: round(v, 3) for k, v in criteria.items()}, dqr=round(_score(criteria), 3),
                   primary_data_share=round(primary / total, 4) if total else 0.0, by_process=by_process,
                   coverage=coverage, partial_coverage=partial, warnings=warnings)
