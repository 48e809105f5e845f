"""Which datasets characterise each category a rule declares, and which do not (and why).

A declared category is only as complete as the least complete dataset its inventory draws
on.  This module answers, per declared category (EF 3.1 and supplementary): the datasets
that characterise it completely, those that do not with the missing flows and the reason
their files state, and the suppliers' declarations with the coverage they declared.  It
serves ``footprint inventories coverage`` and the test that keeps the shipped rules honest.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from footprint.data.inventory import Catalogue
from footprint.inputs.rule import LoadedRule


@dataclass
class DatasetCoverage:
    code: str
    status: str  # complete | partial | none
    explanation: str


@dataclass
class CategoryCoverage:
    category: str
    status: str  # complete | partial | none
    datasets: list[DatasetCoverage] = field(default_factory=list)
    suppliers: list[dict[str, str]] = field(default_factory=list)  # declaration, product, coverage
    # the imported datasets a --mapping puts in the library's place: complete where their score is not zero and
    # their mapping entry states no gap, partial where it states one
    imported: list[DatasetCoverage] = field(default_factory=list)

    @property
    def incomplete(self) -> list[DatasetCoverage]:
        return [d for d in self.datasets if d.status != "complete"]


@dataclass
class CoverageReport:
    rule: str
    basis: str  # what the dataset list stands for (the rule's defaults, or one producer's inventory)
    categories: list[CategoryCoverage]
    #: the imported datasets whose coverage rests on their score alone (their entries state no gaps), or None
    score_only: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "basis": self.basis,
                "categories": [{"category": c.category, "status": c.status,
                                "datasets": [vars(d) for d in c.datasets], "suppliers": c.suppliers,
                                **({"imported": [vars(d) for d in c.imported]} if c.imported else {})}
                               for c in self.categories],
                **({"score_only": self.score_only} if self.score_only else {})}

    def text(self) -> str:
        lines = [f"{self.rule}: coverage of the declared categories ({self.basis})"]
        for c in self.categories:
            lines.append(f"{c.category}: {c.status}")
            complete = [d.code for d in c.datasets if d.status == "complete"]
            if complete:
                lines.append(f"  characterised by: {', '.join(complete)}")
            for d in c.incomplete:
                lines.append(f"  {d.status:<8} {d.code}: {d.explanation}")
            for s in c.suppliers:
                lines.append(f"  {s['coverage']:<8} supplier declaration {s['declaration']} ({s['product']})")
            for d in c.imported:
                lines.append(f"  {d.status:<8} {d.code}: {d.explanation}")
        if any(c.imported for c in self.categories):
            lines.append(IMPORTED_BASIS)
            if self.score_only:
                lines.append(self.score_only)
        return "\n".join(lines)


def default_datasets(loaded: LoadedRule, catalogue: Catalogue) -> set[str]:
    """Datasets a rule uses by default: input kinds (templates resolved to the fallbacks that exist),
    optional processes' defaults and the virgin-material dataset; direct grids with their upstream."""
    rule = loaded.rule
    codes: set[str] = set()
    for spec in rule.input_kinds.values():
        for template in (spec.dataset, *spec.fallback):
            if "{" not in template and template in catalogue.datasets:
                codes.add(template)
    for _stage, process in rule.processes():
        if process.default_dataset and process.default_dataset in catalogue.datasets:
            codes.add(process.default_dataset)
    virgin = rule.recycled_content.virgin
    if virgin is not None and virgin.dataset in catalogue.datasets:
        codes.add(virgin.dataset)
    for code in list(codes):
        upstream = catalogue.datasets[code].upstream
        if upstream is not None and rule.electricity.scope == "life-cycle":
            codes.add(upstream.dataset)
    return codes


#: how the command reads an imported dataset's coverage (said in its output: no library file states its gaps)
IMPORTED_BASIS = ("imported datasets (--mapping): coverage read from their cradle-to-gate scores in this background, "
                  "complete where the score is not zero, none where it is zero, partial where their mapping entry "
                  "states a gap ('gaps')")


def imported_of(system) -> list:
    """The imported datasets a mapped product system uses, each with its score reading and stated gaps.

    The declaration's own reading (engine.mapping.imported_coverage, over the system's datasets used, as
    quality.assess reads it), so the command and the declaration cannot disagree on it.
    """
    from footprint.engine.mapping import readings_of

    return readings_of(system, system.datasets_used())


def _imported_rows(imported: list, covered_as: str) -> list[DatasetCoverage]:
    return [DatasetCoverage(code=reading.label, status=reading.status(covered_as),
                            explanation=reading.explanation(covered_as)) for reading in imported]


def _score_only(imported: list) -> str | None:
    """The line naming the imported datasets whose coverage rests on their score alone (no stated gaps)."""
    from footprint.engine.mapping import SCORE_ONLY

    alone = [reading.label for reading in imported if not reading.gaps]
    if not alone:
        return None
    return f"coverage of {'; '.join(alone)} rests on the cradle-to-gate score alone: {SCORE_ONLY}"


def analyse(loaded: LoadedRule, catalogue: Catalogue, used: set[str], suppliers: list | None = None, *,
            basis: str, direct: set[str] | frozenset[str] = frozenset(),
            imported: list | None = None) -> CoverageReport:
    """Coverage of each declared category over ``used`` (and everything those datasets draw on).

    ``direct``: categories the producer's own reported emissions have a factor in.  They give the
    category a value, so it is at least "partial" (as the declaration computes it), never "none".
    ``imported``: the imported datasets a mapping points the inventory at (imported_of:
    engine.mapping.ImportedCoverage); each counts as a dataset complete where its score is not zero and
    its mapping entry states no gap, partial (with the stated reason) where one is stated, giving no value
    where its score is zero, as quality.assess counts them for the declaration.
    """
    rule = loaded.rule
    chain = sorted(catalogue.drawn_on(used))
    wanted = list(rule.impact_categories.declared) + list(rule.impact_categories.supplementary)
    categories = []
    for category in wanted:
        covered_as = "climate_change" if category.startswith("climate_change") else category
        rows = []
        for code in chain:
            entry = catalogue.coverage_of(code, covered_as)
            rows.append(DatasetCoverage(code=code, status=entry.status, explanation=entry.explanation()))
        declared = [{"declaration": s.path.name, "product": s.product,
                     "coverage": s.coverage.get(category, "none")} for s in suppliers or []]
        foreign = _imported_rows(imported or [], covered_as)
        statuses = [r.status for r in rows] + [s["coverage"] for s in declared] + [r.status for r in foreign]
        characterised = any(covered_as in catalogue.characterises.get(code, ()) for code in chain) or any(
            s["coverage"] != "none" for s in declared) or covered_as in direct or any(
            r.status != "none" for r in foreign)
        if statuses and all(s == "complete" for s in statuses):
            status = "complete"
        elif not characterised:  # stated gaps explain it, but nothing gives a value: a declaration is refused
            status = "none"
        else:
            status = "partial"
        categories.append(CategoryCoverage(category=category, status=status, datasets=rows, suppliers=declared,
                                           imported=foreign))
    return CoverageReport(rule=rule.id, basis=basis, categories=categories, score_only=_score_only(imported or []))
