"""Data quality of a result: DQR, primary data share, coverage, Data Needs Matrix.

PEF rates each datum on four criteria (TeR, GeR, TiR, P; 1 best, 5 worst) and
DQR = (TeR + GeR + TiR + P) / 4.  The procedure (README "Data quality (DQR)"):

1. Per declared category, the most relevant contributions: largest first until
   80 % of the sum of |contributions| (PEF hotspot rule, methodology.md §2.10).
2. Each contribution's criteria: a secondary dataset's GeR and TiR are re-scored
   for where and when it is used (methodology.md §2.4 table: the facility's
   country/region against the dataset's geography, footprint.inputs.regions for
   RER, EU-27, GLO, RoW; the declaration's publication day against the dataset's
   reference year), never better than the dataset's own
   score (an imported dataset a mapping points at: its GeR from its location, its TiR as its entry states); the activity datum and the dataset then count half each per criterion
   (PEF Annex I, company-specific datasets: activity data and secondary data
   are both rated, [M] recalled, see README).  Direct emissions: the datum alone.  The activity
   data's TiR is aged against the day the declaration is made (activity_time_score: PEF's TiR for
   company-specific data counts annual periods back from the report's publication).
3. Per category, the criteria are the |contribution|-weighted means of step 2
   over that category's most relevant contributions; the declaration's criteria
   are the mean over the declared categories with a non-zero result (equal
   weight: Annex V point 7 excludes weighting from declarations).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from footprint._text import dqr_beside
from footprint.data.inventory import Catalogue
from footprint.engine import exact
from footprint.engine.calculate import Item, Result
from footprint.engine.system import ProductSystem
from footprint.engine.cumulative import SHARE as HOTSPOT_SHARE
from footprint.engine.cumulative import reaching
from footprint.inputs import regions as _regions
from footprint.inputs.categories import CATEGORIES, COVERAGE_IDS, HEADLINE_IDS, SUPPLEMENTARY, coverage_category

if TYPE_CHECKING:
    from footprint.inputs.upstream import UpstreamDeclaration

CRITERIA = ("TeR", "GeR", "TiR", "P")
#: A contribution below this share of its category's sum of |contributions| weighs nothing in a
#: process's criteria: it is the solve's rounding (measured 1e-16..1e-15 of the total where the exact
#: value is 0: a dataset with no flow in the category), and where it was a process's only weight in a
#: category it alone decided that process's DQR (verify by the reference path: 1.858 vs 2.114).
NOISE_SHARE = 1e-12
#: A DQR this close to a Data Needs Matrix limit is on it (the means' floating-point noise is not a breach).
LIMIT_TOLERANCE = 1e-9
BASIS = ("declared categories: most relevant contributions (80 % cumulative) per category, equal weight per "
         "category; secondary datasets' GeR and TiR re-scored where used")


#: PEF's overall data-quality levels, each with the highest DQR it allows (methodology.md 2.4).
LEVELS = ((1.5, "excellent"), (2.0, "very good"), (3.0, "good"), (4.0, "fair"))


def level(dqr: float) -> str:
    """PEF overall data-quality level for a DQR value (one within LIMIT_TOLERANCE of a band's limit is on it)."""
    for limit, word in LEVELS:
        if dqr <= limit + LIMIT_TOLERANCE:
            return word
    return "poor"


def declared_dqr(score: float) -> float:
    """The DQR as the declaration states it: 3 decimals, with more where 3 would land it on the limit of a level.

    Why: the level was read off the rounded number, so criteria (1, 1, 1, 3.001) (DQR 1.50025) were declared
    "DQR 1.5, excellent" although PEF's "excellent" ends at 1.5 and the declaration's own criteria give more
    (exactly 1.5003: 1.2 t of 1,000 scored P 4, the rest P 3).  Rounded apart from the nearest level limit
    (rounded_apart, as a process's DQR is from its Data Needs Matrix limit), the number keeps its side of the
    limit, so the level of the stated number is the level of the DQR: "1.5003, very good"."""
    nearest = min((limit for limit, _word in LEVELS), key=lambda limit: abs(score - limit))
    return rounded_apart(score, nearest)


@dataclass(frozen=True)
class Context:
    """Where and when the declared processes run: the facility and the reporting period."""

    country: str
    region: str | None
    year: int
    start: dt.date | None = None  # the reporting period's first day (a supplier's declaration is aged against it)
    end: dt.date | None = None  # the reporting period's last day (the activity data are aged from it)
    made: dt.date | None = None  # the day the declaration is made (its report publication, PEF's TiR reference)

    @cached_property
    def activity_tir(self) -> int:
        """``activity_time_score(self)[0]``, worked out once per context (one assessment).

        Why: item_criteria ages every activity datum by it, and computing it per item (the whole
        years between two dates, and a reason text nobody read there) was a tenth of the
        data-quality phase.  The fields are frozen, so the score cannot go stale.
        """
        return activity_time_score(self)[0]


def context_of(result: Result, made: dt.date | None = None) -> Context:
    return facility_context(result.system, made)


def facility_context(system, made: dt.date | None = None) -> Context:
    """The context of a product system's facility and reporting period (before it is solved: the background
    mapping re-scores the imported datasets' GeR with it, footprint.engine.mapping)."""
    data = system.activity.data
    return Context(country=data.declarant.country.upper(), region=(data.declarant.region or None),
                   year=data.period.end.year, start=data.period.start, end=data.period.end, made=made)


def geography_score(geography: str, context: Context) -> tuple[int, str]:
    """GeR of a dataset used at the facility (methodology.md §2.4, secondary datasets in context).

    1: the dataset is valid for the facility's country (or exactly its region); 2: for a
    continental region containing the country (EU-27, RER, Europe without Switzerland:
    footprint.inputs.regions lists their members); 3: global (GLO; RoW counted as GLO, never
    better: it excludes the countries with their own dataset, which the engine cannot see) or
    another region of the same country; 5: another country, or a continental region the country
    is not listed in (4 needs an expert's judgement of similarity, which the engine cannot make).
    A code the engine does not know scores 5 and says so (the library refuses such a dataset;
    this is for one built by hand).
    """
    from footprint.inputs import geography as iso

    geography = geography.strip()
    geography = iso.country_code_of_name(geography) or geography  # openLCA's "China": CN, as the grid check reads it
    country_of = geography.split("-")[0].upper() if "-" in geography and len(geography.split("-")[0]) == 2 else None
    if geography.upper() == context.country or (context.region and geography.upper() == context.region.upper()):
        return 1, "valid for the facility's country"
    if geography in _regions.WORLD:
        if geography == "RoW":
            return 3, ("rest of the world (RoW) scored as a global average: it leaves out the countries with their "
                       "own dataset, which the engine cannot see (the facility's country may be one)")
        return 3, "global average used in one country"
    if geography in _regions.CONTINENTAL:
        if context.country in _regions.CONTINENTAL[geography]:
            return 2, f"valid for the region ({geography}) the facility is in"
        return 5, f"valid for {geography}, which does not include the facility's country ({context.country})"
    if country_of == context.country:
        return 3, f"valid for another region ({geography}) of the facility's country"
    known = iso.country_problem(geography) is None or (
        country_of is not None and iso.country_problem(country_of) is None
        and iso.region_problem(geography, country_of) is None)
    if not known:
        return 5, (f"geography code {geography!r} is unknown (no ISO 3166 code, nor a region in "
                   f"footprint.inputs.regions): its validity for {context.country} is not shown")
    return 5, f"valid for {geography}, the facility is in {context.country}"


def time_score(year: int | None, context: Context) -> tuple[int, str]:
    """TiR of a secondary dataset against the declaration's publication (methodology.md §2.4, secondary datasets).

    PEF's table scores "EF report publication date" against the dataset's time validity: 1 within it,
    2 / 3 / 4 for a publication at most 2 / 4 / 6 years after its end, 5 later.  A dataset states one
    reference year, taken as its validity (ending 31 December), so a publication in year P is P - year
    years after it at most.  The publication is the day the declaration is made (``context.made``: the
    ``created`` day api._finish records and verify recomputes with), the same moment the activity data and
    a supplier's declaration are aged against.  Before, the reporting period's year stood for it: a 2023
    dataset in a 2025 period declared on 2026-12-01 scored 2 (2025 - 2023) instead of 3 (2026 - 2023).
    Without a day (a context built by hand) the reporting period's end stands for it, and the reason says
    so.  No year: 5.
    """
    if year is None:
        return 5, "no reference year"
    if context.made is not None:
        against, label = context.made.year, f"the declaration's publication ({context.made.isoformat()})"
    else:
        against, label = context.year, f"the reporting period's end ({context.year}; no declaration day)"
    after = against - year
    if after <= 0:
        return 1, f"reference year {year}, scored against {label}: within it"
    for limit, score in ((2, 2), (4, 3), (6, 4)):
        if after <= limit:
            return score, (f"reference year {year}, scored against {label}: {after} calendar years after it, "
                           f"at most {limit}")
    return 5, f"reference year {year}, scored against {label}: {after} calendar years after it, more than 6"


def supplier_time_score(supplier: UpstreamDeclaration, context: Context) -> tuple[int, str]:
    """TiR of a supplier's declaration used in this declaration (company-specific data, methodology.md §2.4).

    PEF scores company-specific data's TiR against the report's publication: 1 for the most recent annual
    administration period, 2 / 3 / 4 for at most 2 / 3 / 4 periods back, 5 older.  The supplier's data are of
    its own period, so they are aged like the producer's activity data (activity_time_score, one code path:
    _periods_before): by the whole years from the day after the supplier's period ends to the day this
    declaration is made (``context.made``).  Before, they were aged against the reporting period only, so a
    2024 supplier's declaration used for 2025 counted one period back (TiR 2) whether the producer declared
    on 2026-06-01 or on 2027-06-01 (2 back, TiR 3; the producer's own 2025 data then count 1 back).  The
    periods between the two reporting periods stay a floor (the same period 1, each whole year between adds
    one): never better than before, for a period shorter than a year.  A supplier's declaration older than
    its 3-year validity is refused before this (footprint.inputs.upstream.check_period).
    """
    period = getattr(supplier, "period", None)
    if period is None:  # a declaration built by hand (tests): its own score stands
        return 1, "no reporting period"
    end = period[1]
    if context.start is None:  # a context without the period's first day: calendar years of the period ends
        back = max(0, context.year - end.year)
    elif end >= context.start:  # the supplier's period reaches into the reporting period: the same period
        back = 0
    else:  # one period back, plus each whole year between the supplier's period and the reporting period
        back = 1 + _whole_years(end + dt.timedelta(days=1), context.start)
    if back == 0:
        by_period = f"supplier's period ends {end.isoformat()}, within the reporting period"
    else:
        by_period = f"supplier's period ends {end.isoformat()}, {back} period{'s' if back > 1 else ''} before the " \
                    f"reporting period"
    if context.made is None:
        return min(5, back + 1), by_period
    published = _periods_before(end, context.made)
    by_publication = (f"the most recent annual period before the declaration ({context.made.isoformat()})"
                      if published == 0 else
                      f"{published} annual period{'s' if published > 1 else ''} before the declaration "
                      f"({context.made.isoformat()})")
    return min(5, max(back, published) + 1), f"{by_period}; {by_publication}"


def _periods_before(end: dt.date, made: dt.date) -> int:
    """How many annual periods data of a period ending on ``end`` are before a publication on ``made``: the whole
    years from the day after ``end`` to ``made`` (0: the most recent annual period).  The one count both the
    activity data and a supplier's declaration are aged by (PEF, company-specific datasets' TiR)."""
    return _whole_years(end + dt.timedelta(days=1), made) if made > end else 0


def activity_time_score(context: Context | None) -> tuple[int, str]:
    """The best TiR the producer's own activity data can have when declared on ``context.made``.

    PEF scores company-specific data's TiR against the report's publication (methodology.md section 2.4,
    company-specific datasets): 1 for the most recent annual administration period, 2 / 3 / 4 for data at
    most 2 / 3 / 4 periods old, 5 older.  The activity data all describe the reporting period, so they are
    as old as the whole years between its end and the day the declaration is made: a 2021 period declared on
    2026-12-01 is 4 periods back (TiR 5), whatever TiR the producer wrote beside each amount (before, the
    stated TiR 1 was declared as given, exit 0).  A period that ended less than a year before is the most
    recent one (1).  Without a day (a context built by hand) nothing is aged.
    """
    if context is None or context.made is None or context.end is None:
        return 1, "no declaration day"
    back = _periods_before(context.end, context.made)
    if back == 0:
        return 1, (f"the reporting period ends {context.end.isoformat()}, the most recent annual period before the "
                   f"declaration ({context.made.isoformat()})")
    return min(5, back + 1), (f"the reporting period ends {context.end.isoformat()}, {back} annual "
                              f"period{'s' if back > 1 else ''} before the declaration ({context.made.isoformat()})")


def _whole_years(first: dt.date, day: dt.date) -> int:
    """How many whole years lie from ``first`` up to ``day`` (0 if less than one)."""
    from footprint.inputs.upstream import add_years

    years = 0
    while years < 10 and add_years(first, years + 1) <= day:
        years += 1
    return years


def _criteria(dqr) -> dict[str, float]:
    """A DQR's four criteria as a dict, read off its fields (``model_dump`` per flow was a pydantic
    serialiser call each; the fields are the same floats)."""
    return {"TeR": dqr.TeR, "GeR": dqr.GeR, "TiR": dqr.TiR, "P": dqr.P}


def dataset_in_context(dataset, context: Context | None) -> dict[str, float]:
    """A dataset's criteria where it is used: GeR and TiR re-scored, never better than its own."""
    own = _criteria(dataset.dqr)
    if context is None:
        return own
    return in_context(own, dataset.geography, dataset.year, context)[0]


#: Why an imported dataset's TiR stays as its mapping entry states (README "Imported backgrounds").
IMPORTED_TIR = ("as the mapping entry states: the imported dataset carries no reference year footprint reads "
                "(Brightway's activity has no such field), so it is not re-scored")


def in_context(own: dict[str, float], geography: str, year: int | None, context: Context,
               time: bool = True) -> tuple[dict[str, float], str]:
    """A secondary dataset's criteria where it is used and the reason: GeR by ``geography`` (geography_score),
    TiR by ``year`` (time_score; ``time`` False: kept, an imported dataset states no year), never better
    than ``own``.  The one path for the library's datasets and the imported ones a mapping points at: an
    imported dataset's GeR was the mapping entry's as written, so an entry rating a Chinese dataset GeR 1 at
    a German facility declared it, exit 0."""
    ger, ger_reason = geography_score(geography, context)
    tir, tir_reason = time_score(year, context) if time else (own["TiR"], IMPORTED_TIR)
    return ({**own, "GeR": max(own["GeR"], ger), "TiR": max(own["TiR"], tir)},
            f"GeR: {ger_reason}; TiR: {tir_reason}")


def imported_in_context(dqr, location: str, context: Context) -> tuple[dict[str, float], str]:
    """An imported dataset's criteria where it is used: its mapping entry's ``dqr`` with the GeR re-scored by
    the dataset's ``location`` (the Brightway activity's, recorded in the mapping provenance and held by the
    snapshot's content hash); TiR as the entry states."""
    return in_context(_criteria(dqr), location, None, context, time=False)


def item_criteria(item: Item, catalogue: Catalogue, context: Context | None = None,
                  datasets: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """Criteria of one contribution: activity datum and dataset averaged (direct emissions: the datum).

    The Ev dataset of the recycled-content line is taken as published: it stands for the
    virgin material the market supplies, not for a process at the facility.  ``datasets``
    keeps each dataset's criteria in ``context`` for one assessment (many flows use one dataset).
    """
    own = _criteria(item.flow.dqr) if item.flow.dqr else None
    if own is not None and context is not None and context.made is not None:  # this period's data, aged
        own["TiR"] = max(own["TiR"], context.activity_tir)  # = activity_time_score(context)[0]
    other = None
    if item.flow.kind == "background" and item.flow.target in catalogue.datasets:
        other = datasets.get(item.flow.target) if datasets is not None else None
        if other is None:
            other = dataset_in_context(catalogue.datasets[item.flow.target], context)
            if datasets is not None:
                datasets[item.flow.target] = other
    elif item.flow.kind == "recycled-content" and item.flow.target in catalogue.datasets:
        other = _criteria(catalogue.datasets[item.flow.target].dqr)
    if item.flow.kind in ("upstream", "recycled-content") and item.flow.upstream is not None:
        supplier = item.flow.upstream.criteria  # the supplier's declared criteria
        other = {key: supplier[key] for key in CRITERIA} if all(key in supplier for key in CRITERIA) else None
        if other is not None and context is not None and item.flow.kind == "upstream":  # its age in this period
            other["TiR"] = max(other["TiR"], supplier_time_score(item.flow.upstream, context)[0])
    if own and other:
        return {key: (own[key] + other[key]) / 2 for key in CRITERIA}
    return own or other or {key: 5.0 for key in CRITERIA}


def _by_process(result: Result, categories: list[str], columns: dict[str, int], catalogue: Catalogue,
                context: Context | None, memo: dict[int, dict[str, float]],
                datasets: dict[str, dict[str, float]] | None = None
                ) -> list[tuple[float, list[float], dict[str, list[float]]]]:
    """Per category of ``categories``: (sum of |value| of all its items; per process column: sum of
    |value| of its items, and of |value| * criterion).

    Exactly what the item-by-item weighting (tests/quality_reference.py ``weighted_criteria``) computes for
    each process's items, for every process and category at once: bin (category d, column p) =
    d * processes + p, and each bin's terms (the same products) are summed exactly (exact.by_group), as
    that definition sums them (the same bits, in any order of the items; tests/test_speed_paths.py compares
    the two), in one grouped sum instead of one per process and category (4,000 on a 1,000-process
    foreground).  Items of no process (the
    recycled-content line) count in their category's total only.

    The items of every category are the result's flows (one matrix column each) plus the
    category's recycled-content line, so a flow's column and criteria are looked up once for all
    categories and its values taken from the matrix as arrays: a loop per item and category was
    most of the data-quality phase.
    """
    import numpy as np

    from footprint.engine.calculate import Item

    size = len(columns)
    flows, extra = result.flows, result.extra
    kept = [e for e, flow in enumerate(flows) if flow.process in columns]  # flows counted per process
    flow_bins = np.array([columns[flows[e].process] for e in kept], dtype=np.int64)
    shared: dict[tuple, tuple[float, ...]] = {}
    flow_rows = np.array([_flow_row(flows[e], catalogue, context, memo, datasets, shared) for e in kept],
                         dtype=float).reshape(len(kept), len(CRITERIA))
    totals, bins, weights, table = [], [], [], []
    for d, category in enumerate(categories):
        values = np.abs(result.values_of(category))
        line = extra.get(category)
        listed = values.tolist() + ([abs(line.value)] if line is not None else [])
        totals.append(exact.total(listed))  # exact: the same bits in any order of the items
        bins.append(flow_bins + d * size)
        weights.append(np.where(values[kept] > NOISE_SHARE * totals[-1], values[kept], 0.0))
        table.append(flow_rows)
        if line is not None and line.flow.process in columns:
            bins.append(np.array([d * size + columns[line.flow.process]], dtype=np.int64))
            weights.append(np.array([abs(line.value)]))
            table.append(np.array([_row(line, catalogue, context, memo, datasets)], dtype=float))
    length = len(categories) * size
    bins_array = np.concatenate(bins) if bins else np.zeros(0, dtype=np.int64)
    weight = np.concatenate(weights) if weights else np.zeros(0)
    criteria = np.concatenate(table) if table else np.zeros((0, len(CRITERIA)))
    own, *by_key = exact.by_group(bins_array, length, weight, *(weight * criteria[:, k] for k in range(len(CRITERIA))))
    sums = dict(zip(CRITERIA, by_key))
    return [(totals[d], own[d * size:(d + 1) * size], {key: sums[key][d * size:(d + 1) * size] for key in CRITERIA})
            for d in range(len(categories))]


def _row(item: Item, catalogue: Catalogue, context: Context | None, memo: dict[int, dict[str, float]],
         datasets: dict[str, dict[str, float]] | None = None) -> tuple[float, ...]:
    """An item's criteria in CRITERIA order, through ``memo`` (keyed by its flow, as _weighted_of's)."""
    found = memo.get(id(item.flow))
    if found is None:
        found = memo[id(item.flow)] = item_criteria(item, catalogue, context, datasets)
    return tuple(found[key] for key in CRITERIA)


def _flow_row(flow, catalogue: Catalogue, context: Context | None, memo: dict[int, dict[str, float]],
              datasets: dict[str, dict[str, float]] | None, shared: dict[tuple, tuple[float, ...]]
              ) -> tuple[float, ...]:
    """``_row`` of a flow's item, kept in ``shared`` per (kind, target, DQR scores) for one assessment.

    item_criteria reads nothing else of a flow that is not a supplier's declaration (kind
    'upstream' or 'recycled-content': those go to ``_row`` each), and the context and the
    datasets' criteria are fixed for one assessment; a 1,000-process foreground has 3,000
    flows of a few such combinations, and a dict per flow was a third of the data-quality phase.
    """
    from footprint.engine.calculate import Item

    if flow.kind in ("upstream", "recycled-content"):
        return _row(Item(flow, "", 0.0), catalogue, context, memo, datasets)
    dqr = flow.dqr
    key = (flow.kind, flow.target, None if not dqr else (dqr.TeR, dqr.GeR, dqr.TiR, dqr.P))
    row = shared.get(key)
    if row is None:
        row = shared[key] = _row(Item(flow, "", 0.0), catalogue, context, memo, datasets)
    return row


def _data_of(result: Result) -> tuple[np.ndarray, list[list[int]], dict[object, int]]:
    """The data (``_datum``) of the result's flows, kept on the result: each flow's datum code (numbered in
    order of first appearance, as the item-by-item ranking numbers its groups), each datum's flow positions in
    flow order, and datum -> code.  Every category's items are these flows (plus its recycled-content
    line), so they are grouped once, not once per category and item."""
    cache = result.__dict__.setdefault("_quality_cache", {})
    if "data" not in cache:
        index: dict[object, int] = {}
        members: list[list[int]] = []
        codes = []
        for position, flow in enumerate(result.flows):
            key = (flow.process, flow.kind, flow.target)  # _datum of the flow's item
            code = index.get(key)
            if code is None:
                code = index[key] = len(members)
                members.append([])
            members[code].append(position)
            codes.append(code)
        cache["data"] = (np.array(codes, dtype=np.int64), members, index)
    return cache["data"]


def _most_relevant_of(result: Result, category: str, share: float = HOTSPOT_SHARE) -> tuple[list[Item], int]:
    """The items of ``category`` that together reach ``share`` of the sum of |contributions| (largest first), and
    how many data they hold.

    Ranked per datum, not per line: the items of one process drawing on one target (a dataset, an
    elementary flow, a supplier's declaration) count as one contribution, their |values| added, and are
    chosen or left together.  Ranked per line, the DQR depended on how the producer wrote the same data:
    the NdPr-oxide example's coal written as 50 equal lines of the same DQR pushed each below the 80 % cut
    and moved the declaration from DQR 2.009 "good" to 1.999 "very good", exit 0 (PEF ranks processes and
    elementary flows, not the rows of an invoice ledger).  The groups are sorted by magnitude, largest first
    and stable, so ties keep the order of their first item; a datum tied with the one that reaches the share
    is chosen too (``cumulative.reaching``: of two equal data at the cut, both or neither, whatever order the
    producer wrote them in); the items come out group by group, each group's in their order.
    The item-by-item definition this computes with arrays (tests/quality_reference.py, which the tests hold
    it to bit for bit) is kept with the tests: declare runs only this form.

    The same definition: data numbered in order of first appearance among the items (the flows, then the
    recycled-content line), each datum's size the exact sum of its |values| (exact.by_group: the correctly
    rounded sum, the bits exact.total gives), the whole the exact sum of all, the data ranked by size
    (stable) and cut by ``reaching``; the chosen data's items come out datum by datum, each in item order.
    The chosen items hold one datum per chosen group, so their count of data is the number of groups.
    A loop per item and category building the groups was most of the data-quality phase on 1,000 processes.
    """
    items = result.items[category]
    codes, members, index = _data_of(result)
    sizes = np.abs(result.values_of(category))
    count = len(members)
    line = result.extra.get(category)
    if line is not None:  # the recycled-content line, the last item
        position = len(sizes)
        key = _datum(position, line)
        code = index.get(key)
        members = list(members)
        if code is None:
            code, count = count, count + 1
            members.append([position])
        else:
            members[code] = [*members[code], position]
        codes = np.append(codes, code)
        sizes = np.append(sizes, abs(line.value))
    magnitudes, = exact.by_group(codes, count, sizes)
    total = exact.total(sizes.tolist())
    if total == 0:
        return [], 0
    order = sorted(range(count), key=magnitudes.__getitem__, reverse=True)
    chosen: list[Item] = []
    picked = reaching(order, magnitudes.__getitem__, total, share)
    for position in picked:
        chosen.extend(items[i] for i in members[position])
    return chosen, len(picked)


def _weighted_of(items: list[Item], catalogue: Catalogue, context: Context | None,
                 memo: dict[int, dict[str, float]], datasets: dict[str, dict[str, float]],
                 rows: dict[int, tuple[float, ...]]) -> dict[str, float] | None:
    """The |value|-weighted criteria of ``items`` (None for a zero total), with arrays.

    The same products (|value| * criterion, IEEE multiplications either way) and exact sums (exact.by_group
    gives the correctly rounded sum, the bits exact.total gives); each flow's criteria come from ``memo``
    (filled by item_criteria) and are kept as a row in ``rows``.
    """
    weights = np.abs(np.array([item.value for item in items], dtype=float))
    total = exact.total(weights.tolist())
    if total == 0:
        return None
    table = []
    for item in items:
        row = rows.get(id(item.flow))
        if row is None:
            criteria = memo.get(id(item.flow))
            if criteria is None:
                criteria = memo[id(item.flow)] = item_criteria(item, catalogue, context, datasets)
            row = rows[id(item.flow)] = tuple(criteria[key] for key in CRITERIA)
        table.append(row)
    products = weights[:, None] * np.array(table, dtype=float).reshape(len(items), len(CRITERIA))
    sums = exact.by_group(np.zeros(len(items), dtype=np.int64), 1, *products.T)
    return {key: column[0] / total for key, column in zip(CRITERIA, sums)}


def _process_means(grouped: list[tuple[float, list[float], dict[str, list[float]]]], size: int
                   ) -> tuple[list[float], list[dict[str, float] | None]]:
    """Per process column: its largest share of a category's total, and the mean over the categories where
    it contributes of its weighted criteria (the exact mean of the rows ``sums / own total``), or None.

    The same numbers as the loop per process and category it replaced: the same IEEE divisions, each
    criterion's terms summed exactly (exact.by_group, the bits exact.total gives) and divided by their count.
    """
    if not grouped:
        return [0.0] * size, [None] * size
    own = np.array([own_totals for _total, own_totals, _sums in grouped], dtype=float).reshape(len(grouped), size)
    totals = np.array([category_total for category_total, _own, _sums in grouped], dtype=float)
    shares = np.zeros_like(own)
    nonzero_total = totals != 0
    shares[nonzero_total] = own[nonzero_total] / totals[nonzero_total, None]
    share = [max(column) for column in shares.T.tolist()]  # max of the shares in category order, as before
    present = own != 0
    counts = present.sum(axis=0).tolist()
    where = np.nonzero(present)
    processes = where[1]
    columns = []
    for key in CRITERIA:
        sums = np.array([own_sums[key] for _total, _own, own_sums in grouped], dtype=float).reshape(len(grouped), size)
        columns.append(sums[where] / own[where])
    by_key = np.array(exact.by_group(processes, size, *columns), dtype=float).reshape(len(CRITERIA), size)
    rows = (by_key / np.maximum(np.array(counts, dtype=float), 1.0)).T.tolist()  # IEEE divisions, as sum / count
    means: list[dict[str, float] | None] = [dict(zip(CRITERIA, row)) if count else None
                                            for row, count in zip(rows, counts)]
    return share, means


def _datum(index: int, item: Item) -> object:
    """The datum an item belongs to: its process's draw on one target (dataset, elementary flow, supplier's
    declaration), however many lines it was written in; an item without a flow is its own (by position)."""
    flow = item.flow
    return (flow.process, flow.kind, flow.target) if flow is not None else index


#: The one order categories are summed in wherever an order cannot be avoided (footprint.inputs.categories':
#: EF 3.1, then the supplementary indicators), whatever order a rule lists them in.
CANONICAL_ORDER = {cid: position for position, cid in enumerate(c.id for c in (*CATEGORIES, *SUPPLEMENTARY))}


def canonical(category_ids) -> list[str]:
    """``category_ids`` in CANONICAL_ORDER (an id it does not know after the known ones, by id)."""
    return sorted(category_ids, key=lambda cid: (CANONICAL_ORDER.get(cid, len(CANONICAL_ORDER)), cid))


def declared_mean(by_category: dict[str, dict]) -> dict[str, float] | None:
    """The mean per criterion of the declared categories' criteria (as declared, to 3 decimals), summed in
    the canonical order of the categories (CANONICAL_ORDER), not in the order the rule lists them.

    Why: a mean of 3-decimal numbers often lands on half of the last place (ndfeb-magnet's P:
    (2.208 + 3 x 2.158) / 4 = 2.1705), where the float sum's last bit decides the rounding.  Summed in the
    rule's order of its declared categories it was 2.1704999999999997 (declared 2.17), with the same
    categories listed in reverse 2.1705 (a float a hair above the half: declared 2.171): the same data, two
    criteria.  Summed in one fixed order of the categories, the mean is the same whatever order the rule
    author wrote them in.
    The canonical order (not math.fsum, nor an exact decimal mean rounded half to even) is chosen because it
    keeps every shipped example's declared criteria: fsum moves dy-metal's TeR 1.705 and ndfeb-magnet's P
    2.17, a half-even decimal mean dy-metal's TeR, lithium-carbonate-brine's P 3.595 and ndpr-oxide's P 2.631,
    each by 0.001.
    """
    if not by_category:
        return None
    ids = canonical(by_category)
    return {key: sum(by_category[cid][key] for cid in ids) / len(ids) for key in CRITERIA}


def share_of(part: float, total: float, decimals: int = 4) -> float:
    """``part / total`` rounded to ``decimals``, but never to a whole (1) or to nothing (0) that it is not.

    Why: the primary data share is a claim.  Rounded plainly, a declaration with a secondary
    contribution of 3e-6 of its climate result stated 1.0 ("primary data share 100%", PACT
    ``primaryDataShare`` 100), as if every datum were company-specific.
    """
    if not total:
        return 0.0
    share = round(part / total, decimals)
    step = 10.0 ** -decimals
    if share >= 1.0 and part < total:
        return round(1.0 - step, decimals)
    if share <= 0.0 < part:
        return step
    return share


def rounded_apart(score: float, limit: float, decimals: int = 3) -> float:
    """``score`` to ``decimals`` decimals as a declaration keeps it, with more where fewer would land it on the
    limit it is judged against (a process at 1.6004 against 1.6 was declared 1.6 beside a warning that it is
    above 1.6).  Rounding is monotone, so the declared number keeps its side of the limit; a score within
    LIMIT_TOLERANCE of the limit is judged on it (not above) and declared as usual."""
    if abs(score - limit) <= LIMIT_TOLERANCE:  # on the limit (floating-point noise of the means): as it is judged
        return round(score, decimals)
    for places in range(decimals, 16):
        rounded = round(score, places)
        if rounded != limit:
            return rounded
    return score


def _score(criteria: dict[str, float]) -> float:
    return sum(criteria[key] for key in CRITERIA) / 4


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
    by_category: dict[str, dict] = field(default_factory=dict)  # declared category -> criteria, dqr
    rescored: list[dict] = field(default_factory=list)  # datasets whose GeR/TiR the context made worse
    gaps: dict[str, list[str]] = field(default_factory=dict)  # category -> sources giving no value for it

    def coverage_note(self, category: str) -> str | None:
        """Why a category is partial or none, for the reader next to the value."""
        return self.coverage_note_for(category, {"coverage": self.coverage, "gaps": self.gaps})

    @staticmethod
    def coverage_note_for(category: str, known: dict) -> str | None:
        state = known["coverage"].get(category, "complete")
        if state == "complete":
            return None
        missing = known["gaps"].get(category, [])
        listed = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        if state == "none":
            return f"no data: none of the datasets used gives a value for this category ({listed})"
        if not listed:  # no dataset or supplier's declaration is used at all (assess): direct emissions alone
            return "partial: only the producer's own emissions give a value; no dataset or supplier's declaration is used"
        return f"partial: some inputs give no value or an incomplete one for this category ({listed})"

    @property
    def level(self) -> str:
        return level(self.dqr)


#: How many items a warning names before it says "and N more" (a list of 700,000 exclusions made a
#: 16 MB warning; the declaration keeps every item in cut_off.excluded).
LISTED_ITEMS = 10


def listing(items: list[str], limit: int = LISTED_ITEMS) -> str:
    """'a; b; c' for a short list, 'a; ...; j; and 699990 more' for a long one."""
    shown = "; ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown}; and {len(items) - limit} more"


def cut_off_warnings(result: Result) -> list[str]:
    """Exclusions must be shown to stay under the rule's cut-off; say so when an estimate is missing.

    The engine cannot score what was left out, so it relies on the producer's estimated
    share.  Estimates adding up past the threshold never get here: system.check_cut_off
    refuses them (the declared value would leave out more than the rule allows).
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
                        f"the rule's {threshold:.0%} threshold is not demonstrated: " + listing(unestimated))
    return warnings


def most_relevant_processes(result: Result, category: str) -> list[str]:
    """Processes that together reach 80 % of a category (largest first; PEF hotspot rule).

    The recycled-content line is not a process (it has no activity data of its own), so
    it takes no part: the Data Needs Matrix ranks the processes that produce the result.  A process tied
    with the one that reaches 80 % is most relevant too (``cumulative.reaching``).
    """
    from footprint.engine.calculate import RECYCLED_CONTENT_ID

    by_process = {key: value for key, value in result.by(category, "process").items() if key != RECYCLED_CONTENT_ID}
    total = exact.total([abs(v) for v in by_process.values()])
    if total == 0:
        return []
    ranked = sorted(by_process.items(), key=lambda kv: -abs(kv[1]))
    return [process for process, _value in reaching(ranked, lambda kv: kv[1], total)]


def _upstream_coverage(result: Result, coverage: dict[str, str], partial: list[dict], warnings: list[str],
                       gaps: dict[str, list[str]]) -> None:
    """Suppliers' declarations and the recycled-content Ev: categories they did not compute are partial."""
    system = result.system
    declared = set(system.rule.rule.impact_categories.declared)
    for supplier in system.upstream_declarations():
        complete = [c for c in HEADLINE_IDS if supplier.coverage.get(c) == "complete"]
        missing = [c for c in HEADLINE_IDS if c not in supplier.values]
        for category in coverage:
            if supplier.coverage.get(category) != "complete":
                gaps.setdefault(category, []).append(f"declaration {supplier.path.name}")
                if coverage[category] == "complete":
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
            gaps.setdefault(category, []).append(f"Ev ({system.recycled.virgin_label})")
            if coverage[category] == "complete":  # "none" stays none: nothing was computed there either
                coverage[category] = "partial"
            if category in declared:
                warnings.append(f"recycled content: the virgin-material source gives no {category} value, so the "
                                f"{system.recycled.method} adjustment is not applied to it (coverage partial)")


#: what an imported dataset is missing in a category it does not cover (partial_coverage's ``flows``)
IMPORTED_ZERO = "its cradle-to-gate score is zero in these categories"


def imported_sources(system: ProductSystem, used: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(label, coverage categories) of each imported dataset the declaration uses, as category coverage reads them.

    Why: coverage was judged over the library's datasets only, so a declaration whose climate change came
    wholly from imported datasets (every background input mapped) read "partial: only the producer's own
    emissions give a value; no dataset or supplier's declaration is used", exit 0, and ``--strict`` refused it.
    An imported dataset covers a category where its score is not zero (engine.mapping.imported_coverage, the
    one reading the CFF's Ev line uses too); one whose score is zero there is listed as not covering it.
    """
    return sorted((f"imported dataset {system.imported[key][0]}", covers)
                  for key, covers in system.imported_coverage.items() if key in used)


def _missing(code: str, catalogue: Catalogue) -> list[dict]:
    """A dataset's stated missing flows (with the reason), and the categories it is silent on."""
    dataset = catalogue.datasets[code]
    stated = [{"categories": gap.categories, "flows": gap.flows, "reason": gap.reason} for gap in dataset.gaps]
    status = catalogue.status.get(code, {})
    silent = [c for c in HEADLINE_IDS if status.get(c) == "none" and not dataset.gaps_for(c)]
    if silent:
        stated.append({"categories": silent, "flows": "no flow these categories characterise",
                       "reason": "not stated by the dataset"})
    return stated


def rescored_datasets(result: Result, catalogue: Catalogue, context: Context) -> list[dict]:
    """Every library dataset the foreground uses whose GeR or TiR the context made worse, with the reason (and
    every imported dataset a mapping entry with a ``dqr`` points it at whose GeR its location made worse); the
    activity data when the declaration is made periods after the reporting period (their TiR aged)."""
    rows = []
    used = sorted({f.target for p in result.system.processes for f in p.flows if f.kind == "background"})
    for code in used:
        dataset = catalogue.datasets.get(code)
        if dataset is None:
            continue
        own = dataset.dqr
        criteria, reason = in_context(_criteria(own), dataset.geography, dataset.year, context)
        if criteria["GeR"] > own.GeR or criteria["TiR"] > own.TiR:
            rows.append({"dataset": code, "geography": dataset.geography, "year": dataset.year,
                         "own": {"GeR": own.GeR, "TiR": own.TiR},
                         "in_context": {"GeR": criteria["GeR"], "TiR": criteria["TiR"]}, "reason": reason})
    imported = getattr(result.system, "imported", {})
    for key in sorted(imported):  # the imported datasets a mapping entry with a dqr points the foreground at
        label, own, location = imported[key]
        if own is None:  # rated on the activity datum alone (the declaration says so)
            continue
        if key not in used:  # the CFF's Ev only (a mapping replaced the rule's Ev dataset): taken as published
            continue
        criteria, reason = imported_in_context(own, location, context)
        if criteria["GeR"] > own.GeR:
            rows.append({"dataset": key, "imported": label, "geography": location, "year": None,
                         "own": {"GeR": own.GeR, "TiR": own.TiR},
                         "in_context": {"GeR": criteria["GeR"], "TiR": criteria["TiR"]}, "reason": reason})
    tir, tir_reason = activity_time_score(context)
    if tir > 1:  # every activity datum of the period: its stated TiR counts at least this (item_criteria)
        rows.append({"activity_data": f"{context.start.isoformat()}..{context.end.isoformat()}",
                     "in_context": {"TiR": tir}, "reason": f"TiR at least {tir}: {tir_reason}"})
    suppliers = {f.upstream.content_sha256: f.upstream for p in result.system.processes for f in p.flows
                 if f.kind == "upstream" and f.upstream is not None}  # inputs; Ev is taken as published
    for supplier in suppliers.values():  # a supplier's declaration of an earlier period
        own_tir = supplier.criteria.get("TiR")
        tir, tir_reason = supplier_time_score(supplier, context)
        if own_tir is not None and tir > own_tir and all(key in supplier.criteria for key in CRITERIA):
            rows.append({"declaration": supplier.id, "product": supplier.product, "own": {"TiR": own_tir},
                         "in_context": {"TiR": tir}, "reason": f"TiR: {tir_reason}"})
    return rows


def secondary_breaches(used, chain: set[str], catalogue: Catalogue, limit: float) -> list[str]:
    """Data Needs Matrix lines for the library's datasets above the rule's secondary limit: those the foreground
    uses and those they draw on (``chain``, Catalogue.drawn_on).

    Why the chain: the library's datasets are not aggregated; a dataset drawing on another (fuel/coal on
    fuel/coal-upstream, chemical/nitric-acid on chemical/ammonia) passes that dataset's burden into the result
    under its own DQR, and coverage is judged along the same chain.  Only the directly used ones were held to
    the limit, so a rule with secondary limit 3.9 declared a result resting on chemical/ammonia (DQR 4.00)
    without a breach, and ``--strict`` wrote it.  A drawn-on dataset's line names the dataset(s) it is drawn on
    through.
    """
    direct = set(used)
    lines = []
    for code in sorted(chain | direct):
        dataset = catalogue.datasets.get(code)
        if dataset is None:  # a dataset of an imported background database (footprint.data.background)
            continue
        if dataset.dqr.score <= limit + LIMIT_TOLERANCE:
            continue
        shown = dqr_beside(dataset.dqr.score, limit)
        if code in direct:
            lines.append(f"Data Needs Matrix: secondary dataset '{code}' has DQR {shown}, above the rule's limit "
                         f"{limit}")
        else:
            through = sorted(parent for parent in chain if code in catalogue.inputs_of(parent))
            lines.append(f"Data Needs Matrix: secondary dataset '{code}' (drawn on through "
                         f"{listing(through)}) has DQR {shown}, above the rule's limit {limit}")
    return lines


#: The best precision (P) PEF gives data that are not the company's own measured or calculated data.
SECONDARY_BEST_P = 3


def secondary_precision_warnings(system) -> list[str]:
    """A warning for the amounts written ``data_type: secondary`` yet scored P 1 or 2.

    Why: PEF's precision scale for company-specific data (methodology.md section 2.4) keeps 1 and 2 for data
    "measured/calculated" and verified (externally; internally with the plausibility checked by a reviewer);
    literature appears first at 3 ("measured/calculated/literature, plausibility not checked by reviewer"),
    qualified estimates at 3 or 4, rough estimates at 5.  ``secondary`` is literature or an estimate (README
    "Activity data"), so P 1 or 2 on it states a precision the source does not give such data, and the DQR
    built on it is not demonstrated: it was declared with exit 0 and no word.  The score is kept as written
    (capped at 3, the shipped ndfeb-magnet example's sintering process would move from DQR 1.807 to 1.873;
    refused, the example would not declare: a decision, not made here); ``--strict`` refuses it.
    """
    fields: dict[str, float] = {}
    for process in system.processes:
        for flow in process.flows:
            # the elements of the ore mined (ore.element_flows) are secondary where the rule's default grade gives
            # them, under the process's scores: not an amount the producer wrote as secondary (see the report)
            if flow.completes is None and not flow.primary and flow.dqr is not None \
                    and flow.dqr.P < SECONDARY_BEST_P and not flow.field.endswith(".ore"):
                fields.setdefault(flow.field, flow.dqr.P)
    recycled = getattr(system, "recycled", None)
    if recycled is not None and not recycled.primary and recycled.dqr is not None \
            and recycled.dqr.P < SECONDARY_BEST_P:
        fields.setdefault("recycled_content", recycled.dqr.P)
    if not fields:
        return []
    named = [f"{where} (P {score:g})" for where, score in fields.items()]
    return [f"data quality: {len(named)} amount(s) of data_type secondary (literature or an estimate) scored P "
            f"better than {SECONDARY_BEST_P}, which PEF keeps for measured or calculated, verified data: their DQR "
            f"is not demonstrated: " + listing(named)]


def imported_dataset_breaches(system, limit: float) -> list[str]:
    """Data Needs Matrix lines for the imported datasets the mapping points the foreground at.

    Why: the library's datasets used are held to the rule's secondary limit, the imported ones were not:
    a mapping entry rated ``dqr: {TeR: 5, GeR: 5, TiR: 5, P: 5}`` (DQR 5.0 against ndpr-oxide's 4.0) gave no
    breach, and ``--strict`` wrote the declaration.  An entry without a DQR leaves the limit undemonstrated
    (its contributions are rated on the activity datum alone), which ``--strict`` refuses as it refuses
    exclusions without an estimate.
    """
    lines = []
    for label, dqr, _location in sorted(getattr(system, "imported", {}).values(), key=lambda entry: entry[0]):
        if dqr is None:
            lines.append(f"Data Needs Matrix: secondary dataset {label} has no DQR in the mapping, so staying "
                         f"within the rule's limit {limit} is not demonstrated")
        elif dqr.score > limit + LIMIT_TOLERANCE:
            lines.append(f"Data Needs Matrix: secondary dataset {label} has DQR {dqr_beside(dqr.score, limit)} "
                         f"(mapping), above "
                         f"the rule's limit {limit}")
    return lines


#: The category the primary data share is computed on (PACT: "share of primary data in pcfExcludingBiogenicUptake").
SHARE_BASIS = "climate_change"  # declaration.py records it as primary_data_share_basis


def primary_and_total(result: Result, category: str) -> tuple[float, float, list[str]]:
    """The primary part and the whole of ``category``'s contributions (each counted by its size), and notes.

    Each contribution counts as primary in the proportion its number is the producer's own data:

    * an exchange the producer wrote with ``data_type: primary``: wholly; ``secondary``: not at all;
    * a supplier's declaration bought with ``data_type: primary``: in the proportion the supplier's own
      declaration states for the same category (its primary data share); one that states none counts as
      secondary, and a note says so.  Why: the supplier's number is itself partly secondary data; counted
      whole, dy-metal (on a Dy oxide declaring 0.82) claimed more primary data than its supplier had;
    * the Circular Footprint Formula's line (1-A)·(Rm·Ev·Qsin/Qp - Erec) by its parts: (1-A)·Rm·Ev·Qsin/Qp
      comes from the rule's virgin source (a default dataset or the declaration the rule names), secondary;
      -(1-A)·Erec is taken from the recycling processes' own items, so it is netted into them (each Erec
      item counts A times its value, as its own data).  Why: the line counted as one primary item, so the
      virgin dataset's number, most of the line, was claimed as the producer's primary data.
    """
    items = result.items.get(category, [])
    line = result.extra.get(category)
    rc = result.system.recycled
    unstated: dict[str, tuple[str, str]] = {}  # content hash -> (file name, product): one note per declaration
    sizes: list[float] = []  # every part, and the primary parts: summed exactly (exact.total), in any order the same
    primaries: list[float] = []
    for item in items:
        if item.flow.kind == "recycled-content":  # by its parts, below and in the Erec items
            continue
        value = item.value * rc.A if line is not None and rc.in_erec(item.flow) else item.value
        size = abs(value)
        sizes.append(size)
        if not item.flow.primary:
            continue
        supplier = item.flow.upstream if item.flow.kind == "upstream" else None
        if supplier is None:
            primaries.append(size)
            continue
        stated = supplier.primary_share_for(category)
        if stated is None:
            unstated.setdefault(supplier.content_sha256, (supplier.path.name, supplier.product))
        else:
            primaries.append(size * stated)
    if line is not None:
        summary = result.recycled[category]
        sizes.append(abs((1.0 - rc.A) * summary["recycled_kg"] * summary["Ev"] * rc.Qsin_Qp))  # the virgin source's
    primary, total = exact.total(primaries), exact.total(sizes)
    notes = [f"primary data share: supplier declaration {name} ({product}) states no primary data share for "
             f"{category}, so its contribution counts as secondary data" for name, product in sorted(unstated.values())]
    return primary, total, notes


def assess(result: Result, catalogue: Catalogue, categories: list[str] | None = None,
           made: dt.date | None = None) -> Quality:
    """DQR over the declared categories' most relevant contributions, coverage and Data Needs Matrix checks.

    ``categories`` defaults to the rule's declared categories (those with results); ``made``: the day the
    declaration is made, against which the activity data's TiR is aged (activity_time_score; None: not aged).
    """
    system = result.system
    declared = [c for c in (categories or system.rule.rule.impact_categories.declared) if c in result.items]
    context = context_of(result, made)
    memo: dict[int, dict[str, float]] = {}  # flow -> its criteria, for every category (the result holds the flows)
    datasets: dict[str, dict[str, float]] = {}  # dataset code -> its criteria in this context
    limits = system.rule.rule.dqr_limits
    by_category: dict[str, dict] = {}
    rows: dict[int, tuple[float, ...]] = {}  # flow -> its criteria in CRITERIA order (memo's, as a row)
    for category in declared:
        chosen, data = _most_relevant_of(result, category)
        criteria = _weighted_of(chosen, catalogue, context, memo, datasets, rows)
        if criteria is None:
            continue
        by_category[category] = {"dqr": round(_score(criteria), 3), "contributions": data,
                                 **{k: round(v, 3) for k, v in criteria.items()}}
    criteria = declared_mean(by_category) or {key: 5.0 for key in CRITERIA}
    primary, total, share_notes = primary_and_total(result, SHARE_BASIS)
    relevant = {pid for category in declared for pid in most_relevant_processes(result, category)}
    by_process: dict[str, dict] = {}
    warnings: list[str] = list(system.notes) + cut_off_warnings(result)
    columns = {process.id: column for column, process in enumerate(system.processes)}
    # per category: its total, its per-process totals and the criteria's per-process sums in CRITERIA order
    # (lists indexed directly: a dict per process and category was most of this loop on 1,000 processes)
    grouped = _by_process(result, declared, columns, catalogue, context, memo, datasets)
    process_shares, process_criteria = _process_means(grouped, len(columns))
    for column, process in enumerate(system.processes):
        share = process_shares[column]
        own_criteria = process_criteria[column]
        if own_criteria is None:
            by_process[process.id] = {"dqr": None, "share": share, "most_relevant": process.id in relevant}
            continue
        score = _score(own_criteria)
        limit = limits.most_relevant if process.id in relevant else limits.other
        by_process[process.id] = {"dqr": rounded_apart(score, limit), "share": share,
                                  "most_relevant": process.id in relevant,
                                  "limit": limit, **{k: round(v, 3) for k, v in own_criteria.items()}}
        if score > limit + LIMIT_TOLERANCE:
            kind = "most relevant" if process.id in relevant else "other"
            warnings.append(f"Data Needs Matrix: process '{process.id}' has DQR {dqr_beside(score, limit)}, above "
                            f"the rule's limit {limit} for {kind} processes")
    used = system.datasets_used()
    chain = catalogue.drawn_on(used)
    warnings.extend(secondary_breaches(used, chain, catalogue, limits.secondary))
    warnings.extend(imported_dataset_breaches(system, limits.secondary))
    warnings.extend(secondary_precision_warnings(system))
    coverage: dict[str, str] = {}
    gaps: dict[str, list[str]] = {}
    # the chain sorted and each dataset's coverage looked up once, not per category (twenty of them)
    chain_coverage = [(code, catalogue.datasets[code].coverage) for code in sorted(chain)]
    imported = imported_sources(system, used)  # a mapping's imported datasets count as the library's do
    sources = chain_coverage + imported
    # complete needs something used that is complete for the category (a dataset, imported or not, or a supplier's
    # declaration, checked in _upstream_coverage); "no dataset is missing it" alone is vacuously true when none is
    judged = bool(sources) or bool(system.upstream_declarations())
    for category in result.categories:
        covered_as = coverage_category(category.id)
        if covered_as not in COVERAGE_IDS:
            continue
        missing = [code for code, covers in sources if covered_as not in covers]  # sorted, as the chain
        if missing:
            gaps[category.id] = missing
        if len(missing) == len(sources) and result.totals[category.id] == 0:  # nothing used gives a value
            coverage[category.id] = "none"
        elif not missing and judged:
            coverage[category.id] = "complete"
        else:  # the producer's own emissions alone, or some dataset used is not complete for it
            coverage[category.id] = "partial"
    headline = set(HEADLINE_IDS)
    partial = [{"dataset": code, "covers": list(covers),
                "screening": catalogue.datasets[code].screening, "missing": _missing(code, catalogue)}
               for code, covers in chain_coverage if not headline.issubset(covers)]
    from footprint.engine.mapping import imported_partial  # the gaps a mapping entry states, with their reason

    partial += imported_partial(system, used, HEADLINE_IDS)
    _upstream_coverage(result, coverage, partial, warnings, gaps)
    quality_gaps = {"coverage": coverage, "gaps": gaps}
    # the supplementary indicators too (crustal scarcity): declared beside EF 3.1, they were marked partial in
    # results but gave no warning, so '--strict' passed a partial one (the demo's crustal scarcity)
    supplementary = [c for c in system.rule.rule.impact_categories.supplementary
                     if c in result.items and c not in declared]
    for category in [*declared, *supplementary]:
        if coverage.get(category) == "partial":
            note = Quality.coverage_note_for(category, quality_gaps)
            kind = "declared supplementary indicator" if category in supplementary else "declared category"
            warnings.append(f"coverage: {kind} {category} is {note}")
    warnings.extend(share_notes)
    # last, so that verify can set them apart: they follow the library's rules, not this declaration's inputs
    warnings.extend(supplier.rule_note for supplier in system.upstream_declarations() if supplier.rule_note)
    return Quality(basis=BASIS, criteria={k: round(v, 3) for k, v in criteria.items()},
                   dqr=declared_dqr(_score(criteria)),
                   primary_data_share=share_of(primary, total), by_process=by_process,
                   coverage=coverage, partial_coverage=partial, warnings=warnings, by_category=by_category,
                   rescored=rescored_datasets(result, catalogue, context), gaps=gaps)
