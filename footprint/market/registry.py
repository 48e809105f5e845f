"""The market register: which declarations were placed on the EU market, how much, in which year.

Performance classes are derived from this register (Annex V point 8), so it is
kept small and exact: one row per declaration (id, rule id and version,
declarant, date, content hash), its declared category values, and the mass
placed on the market per year.

Policy for repeats (idempotent): the mass of a (declaration, year) pair is the
*total* placed in that year, so adding the same declaration for the same year
again replaces the mass instead of adding to it.  Re-adding a declaration
whose category values differ from the registered ones is refused (two
documents with one id and different numbers is an error to resolve, not to
average).  Every write is one transaction: a bad row rejects the whole batch
and the register keeps its previous content.

Storage: SQLAlchemy with Alembic migrations (``footprint/market/db.py``):
a file path is an SQLite file (the default, ``FOOTPRINT_HOME/market.sqlite``,
nothing to install or start); a URL such as ``postgresql://user@host/db``
is any database SQLAlchemy speaks.  A write brings the schema to the newest
migration first; a read never changes the database.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from footprint._io import read_text
from footprint.errors import FootprintError
from footprint.market import db as _db
from footprint.market.db import DEFAULT_NAME, default_path  # noqa: F401 (public names of the register)

VALUE_PREFIX = "value:"
UNIT_PREFIX = "unit:"
COVERAGE_PREFIX = "coverage:"
#: what a declared value's coverage may be (footprint.engine.coverage): "none" is never declared
COVERAGES = ("complete", "partial")
CSV_FIXED = ("declaration_id", "rule_id", "rule_version", "declarant", "date", "year", "mass_kg", "content_sha256")
#: optional: the declaration's facility, declarant identifier and reporting period, so the register can keep
#: one declaration per facility and period for imported rows too (without them a row is never matched)
CSV_IDENTITY = ("facility", "identifier", "period_start", "period_end")
CSV_REQUIRED = ("declaration_id", "rule_id", "rule_version", "year", "mass_kg")

@dataclass(frozen=True)
class MarketPoint:
    """One declaration in a window: its category value and its weight inputs."""

    declaration_id: str
    value: float
    mass_kg: float
    content_sha256: str | None = None
    rule_version: str | None = None
    median: float | None = None  # of the declaration's Monte Carlo, where it ran one
    p2_5: float | None = None
    p97_5: float | None = None
    coverage: str | None = None  # "complete", "partial" (a lower bound); None: not known (built in memory)

    @property
    def placed(self) -> bool:
        """Whether anything of it was placed on the market in the window (a 0 kg row of an older register: not)."""
        return self.mass_kg > 0

    @property
    def counts(self) -> bool:
        """Whether it is one of the declarations classes are derived from: placed, and its value complete.

        The one definition: the distribution (classes.population) and every check made of the market it
        describes (one unit, Register.points; one major version of the rule, classes.derive) see these
        declarations and no others.  Why: the unit check saw a 0 kg row of an older register, which is no
        declaration on the market and takes no part in the thresholds, and refused the whole market for it.
        A partial value is a lower bound, left out of the thresholds (and counted as such), so it is not
        one of them either.
        """
        return self.coverage != "partial" and self.placed


class RegistryError(FootprintError):
    """The market register or an entry for it is malformed or conflicting."""


@dataclass
class Entry:
    """One declaration placed on the market in one year."""

    declaration_id: str
    rule_id: str
    rule_version: str
    year: int
    mass_kg: float
    values: dict[str, float]
    units: dict[str, str | None] = field(default_factory=dict)
    declarant: str | None = None
    date: str | None = None
    content_sha256: str | None = None
    spreads: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # category -> median, p2.5, p97.5
    coverage: dict[str, str] = field(default_factory=dict)  # category -> "complete" or "partial" (Register.add: each)
    facility: str | None = None  # facility_key() of the declarant and facility (None: not known, an imported row)
    keys: FacilityKeys | None = None  # facility_keys(): how the register tells this facility (None: not known)
    period: tuple[str, str] | None = None  # the reporting period, ISO dates (None: not known)
    source: str | None = None  # the declaration file it was read from, for messages (None: not from a file)


@dataclass
class AddResult:
    added: int = 0
    updated: int = 0
    replaced: list[str] = field(default_factory=list)  # declaration ids a correction took the place of
    carried: dict[int, float] = field(default_factory=dict)  # year -> kg of the replaced placed under the correction
    committed: bool = False  # set right after the commit (Register.adding): an error after it undoes nothing


def _normal(text: Any) -> str | None:
    """A name as the register compares it: case and runs of spaces aside; None when empty or not text."""
    if not isinstance(text, str) or not text.strip():
        return None
    return " ".join(text.split()).casefold()


def _key(who: str | None, where: str | None) -> str | None:
    import hashlib

    if who is None or where is None:
        return None
    return hashlib.sha256(f"{who}\n{where}".encode("utf-8")).hexdigest()


def facility_key(declarant: Any) -> str | None:
    """Who made it where, as one key: the declarant's identifier (else its name) and its facility.

    The key registers up to schema revision 0005 recorded; kept to match their rows (facility_keys
    is what the register compares now).  Case and runs of spaces do not make another facility.
    None when the document names neither.
    """
    if not isinstance(declarant, Mapping):
        return None
    return _key(_normal(declarant.get("identifier")) or _normal(declarant.get("name")),
                _normal(declarant.get("facility")))


@dataclass(frozen=True)
class FacilityKeys:
    """A facility as the register tells it from another: by the declarant's name, and by its identifier.

    Why two keys: one key of "identifier, else name" made a correction that adds (or drops) the
    declarant's identifier another facility, so the same production was registered twice and
    weighed twice in the classes, exit 0.  Two declarations are of the same facility when the
    facilities match and either both state identifiers and these match (the name may have
    changed), or one of them states none and the names match.  Two identifiers that differ are two
    companies even under one name.
    """

    by_name: str | None  # facility and declarant name (case and spacing aside)
    by_id: str | None  # facility and declarant identifier; None when the declaration states none

    def same(self, other: "FacilityKeys") -> bool:
        if self.by_id is not None and other.by_id is not None:
            return self.by_id == other.by_id
        return self.by_name is not None and self.by_name == other.by_name


def stated_facility_keys(document: Mapping[str, Any], error: type[FootprintError], *, why: str,
                         file: str | None = None) -> FacilityKeys | None:
    """facility_keys of a declaration's declarant; ``error`` (saying ``why``) when its declarant block states no
    facility, or neither a name nor an identifier (None only where there is no declarant block at all).

    Why: with no key, the one-per-facility check of the register (and of the host's publish) was skipped,
    and two declarations of that production were both registered and weighed twice (or both served
    Active), exit 0.  One refusal for both."""
    declarant = document.get("declarant")
    keys = facility_keys(declarant)
    if keys is None and isinstance(declarant, Mapping):
        raise error(f"the declaration's declarant states no facility, or neither a name nor an identifier, so {why}",
                    file=file, field="declarant.facility", value=declarant.get("facility"),
                    expected="a declaration naming its declarant and facility, as 'footprint declare' writes it")
    return keys


def facility_keys(declarant: Any) -> FacilityKeys | None:
    """The FacilityKeys of a declaration's declarant block; None when it names no facility or no declarant."""
    if not isinstance(declarant, Mapping):
        return None
    where = _normal(declarant.get("facility"))
    keys = FacilityKeys(by_name=_key(_normal(declarant.get("name")), where),
                        by_id=_key(_normal(declarant.get("identifier")), where))
    return keys if keys.by_name or keys.by_id else None


class _Connection:
    """The register's database: one transaction per call, errors as RegistryError naming the target."""

    def __init__(self, target: str | Path | None):
        self.target = _db.safe_url(str(target)) if target is not None else str(default_path())
        self._raw = str(target) if target is not None else self.target
        if not _db.is_url(self.target) and Path(self.target).is_dir():
            raise RegistryError("the register path is a directory", file=self.target, expected="a file path")

    def exists(self) -> bool:
        path = _db.sqlite_path(_db.url_for(self._raw))
        return path is None or path.is_file()

    @contextmanager
    def transaction(self, *, create: bool = True, on_commit: Callable[[], Any] | None = None) -> Iterator["_Cursor"]:
        if not create and not self.exists():  # reading must not create an empty SQLite file
            raise RegistryError("the market register does not exist yet", file=self.target,
                                expected="'footprint market add' or 'footprint market import' first, "
                                         "or --register PATH of an existing register")
        try:
            with _db.transaction(self._raw, write=create, on_commit=on_commit) as conn:
                from sqlalchemy import text

                yield _Cursor(lambda sql, params: conn.execute(text(sql), params), conn.dialect.name)
        except _db.DatabaseError as exc:
            raise RegistryError(exc.message.replace("the database", "the register"), file=self.target,
                                field=exc.field, value=exc.value,
                                expected=exc.expected or "a footprint market register (an SQLite file or a "
                                                         "database URL)") from None


class _Cursor:
    def __init__(self, execute, dialect: str = "sqlite"):
        self._execute = execute
        self.dialect = dialect

    def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        return [tuple(row) for row in self._execute(sql, dict(params or {})).fetchall()]

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._execute(sql, dict(params or {}))

    def dicts(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts by column name (a read of a register not yet upgraded lacks newer columns)."""
        return [dict(row._mapping) for row in self._execute(sql, dict(params or {})).fetchall()]


# -------------------------------------------------------------------- entries

def entry_from_declaration(document: Mapping[str, Any], *, mass_kg: float, year: int,
                           source: str = "declaration") -> Entry:
    """A register entry from a declaration document: its declared categories, their coverage and identity.

    A year before the declaration's reporting period began is refused: the declaration describes
    production of that period, so it cannot have accompanied material placed on the market earlier,
    and its value would enter the class thresholds of years it does not describe.  So is a year after
    its validity (footprint.inputs.upstream.VALIDITY_YEARS after the period ends, as for a supplier's
    declaration used as an input): the thresholds would rest on performance of long ago.
    """
    from footprint.declaration.factors import refuse_other_factors
    from footprint.inputs.upstream import refuse_rule_not_in_library, refuse_sensitivity_run

    refuse_sensitivity_run(document, RegistryError, file=source)  # its value would enter the class thresholds
    refuse_rule_not_in_library(document, RegistryError, file=source)  # so would a producer's own text of the rule
    refuse_other_factors(document, RegistryError, file=source)  # and values of other factors
    _check_mass_year(mass_kg, year, source, not_begun=False)  # the declaration's own dates first: more precise
    from footprint.inputs.upstream import declaration_period, declared_results

    dates = declaration_period(document, RegistryError, file=source)
    if dates is not None:
        _check_year_in_period(year, *dates, source)
    _refuse_a_year_not_begun(year, source)
    keys = stated_facility_keys(document, RegistryError, file=source,
                                why="the register cannot hold it to one declaration per facility and period")

    declared = declared_results(dict(document))  # schema 1.0 and 2.0 alike
    units = {r["category"]: unit_basis(r.get("unit"), document, RegistryError, file=source) for r in declared}
    created = str(document.get("provenance", {}).get("created", ""))[:10] or None
    block = document.get("uncertainty") if isinstance(document.get("uncertainty"), Mapping) else {}
    spreads = {str(r["category"]): (float(r["median"]), float(r["p2_5"]), float(r["p97_5"]))
               for r in _checked_spreads(block, source)}
    return Entry(declaration_id=document["id"], rule_id=document["rule"]["id"],
                 rule_version=document["rule"]["version"], year=year, mass_kg=float(mass_kg),
                 values={r["category"]: float(r["value"]) for r in declared},
                 units=units,
                 declarant=document.get("declarant", {}).get("name"), date=created,
                 content_sha256=document.get("content_sha256"),
                 spreads={c: v for c, v in spreads.items() if c in {r["category"] for r in declared}},
                 coverage={r["category"]: r["coverage"] for r in declared if r.get("coverage") in COVERAGES},
                 facility=facility_key(document.get("declarant")), keys=keys,
                 period=(dates[0].isoformat(), dates[1].isoformat()) if dates is not None else None,
                 source=source)


def _checked_spreads(block: Mapping[str, Any], source: str) -> list[Mapping[str, Any]]:
    """The Monte Carlo results the register keeps (median, 95 % interval), each consistent with its percentiles.

    Why: the median enters ``classes derive --basis median`` and the interval ``classes revise``'s count of
    declarations near a threshold; a median edited (content hash recomputed) to 30 while the percentiles
    said 47 was registered and ranked at 30, and a 2.5 % above the 97.5 % was never "near", exit 0.
    """
    from footprint.inputs.spread import expected_text, result_problem

    kept = []
    for r in block.get("results") or []:
        if not isinstance(r, Mapping):
            continue
        problem = result_problem(r)
        if problem is not None:
            key, what, value = problem
            raise RegistryError(f"the declaration's Monte Carlo of {r.get('category')}: {key} {what}", file=source,
                                field=f"uncertainty.results[{r.get('category')}].{key}", value=value,
                                expected=expected_text())
        kept.append(r)
    return kept


def _in_window(row: Mapping[str, Any], category: str, start: int, end: int) -> bool:
    """A register row placed in [start, end] with a value for ``category`` (what a class scheme's window holds)."""
    return start <= row["year"] <= end and category in row["values"]


def _check_year_in_period(year: int, begins: dt.date, ends: dt.date, where: str) -> None:
    """Refuse a placement year before the reporting period began or after the declaration's validity ended."""
    if year < begins.year:
        raise RegistryError(f"placed on the market in {year}, before its reporting period began "
                            f"({begins.isoformat()})", file=where, field="year", value=year,
                            expected=f"a year from {begins.year} on (the declaration describes production from "
                                     f"{begins.isoformat()} to {ends.isoformat()})")
    from footprint.inputs.upstream import VALIDITY_YEARS, valid_until

    until = valid_until(ends)
    if year > until.year:
        raise RegistryError(f"placed on the market in {year}, after the declaration's validity ended "
                            f"({until.isoformat()}, {VALIDITY_YEARS} years after its reporting period)",
                            file=where, field="year", value=year,
                            expected=f"a year up to {until.year} (material placed later needs a declaration of "
                                     f"a later period)")


def per_declared_unit(unit: str | None, declared_unit: Any) -> str | None:
    """A category's unit as a register and a class scheme compare it: per the declared unit when that is not 1 kg.

    Why: a declaration states its values per its rule's declared unit, 1 kg by default, but Annex V
    point 3 lets a rule set "a larger or smaller unit in kg".  A value per 1000 kg (46,555 kg CO2-Eq)
    beside one per kg (46.56) in one class derivation, or assigned a class under a per-kg scheme, is a
    class three orders of magnitude off with exit 0.  Writing the basis into the unit ("kg CO2-Eq per
    1000 kg") lets the one-unit-per-category checks of the register and of ``classes assign`` refuse
    the mix; values per 1 kg keep the plain unit, as every register row has always had.  1 t and 1000 kg
    are the same basis.  A declared unit that states no mass raises ValueError (the callers name the
    file): taking it for 1 kg would be the guess this function exists to prevent.
    """
    if not unit or declared_unit is None:  # no declared unit at all: a document built in memory (tests)
        return unit
    from footprint.errors import UnitError
    from footprint.inputs.upstream import declared_kg

    try:
        kg = declared_kg(declared_unit)
    except (KeyError, TypeError, ValueError, UnitError) as exc:
        raise ValueError(f"declared_unit {declared_unit!r} states no mass ({exc})") from None
    return unit if kg == 1.0 else f"{unit} per {kg:.12g} kg"


def unit_basis(unit: str | None, document: Mapping[str, Any], error: type[FootprintError], *,
               file: str | None = None) -> str | None:
    """per_declared_unit of a document's result unit, or ``error`` naming the file and 'declared_unit'."""
    try:
        return per_declared_unit(unit, document.get("declared_unit"))
    except ValueError as exc:
        raise error(str(exc), file=file, field="declared_unit", value=document.get("declared_unit"),
                    expected="declared_unit {amount, unit (a mass)}, as 'footprint declare' writes it") from None


def standard_unit(category: str) -> str | None:
    """The unit this engine declares ``category`` in, per 1 kg: what a register CSV row without a unit states."""
    from footprint.inputs.categories import all_categories

    # the supplementary indicators too: a unitless crustal_scarcity row had no unit, so rows in g Si-Eq and
    # rows without one (kg Si-Eq) passed the one-unit check together
    return next((c.unit for c in all_categories() if c.id == category), None)


def _check_mass_year(mass_kg: float, year: int, source: str, line: int | None = None, *,
                     not_begun: bool = True) -> None:
    where = f"{source}:{line}" if line else source
    # 0 kg is no placement: counted by declarations, such a row weighed as much as a producer's year of output
    if not isinstance(mass_kg, (int, float)) or not math.isfinite(mass_kg) or mass_kg <= 0:
        raise RegistryError("mass placed on the market must be a number > 0", file=where, field="mass_kg",
                            value=mass_kg, expected="kilograms placed on the market in that year, e.g. 250000 "
                                                    "(a declaration with nothing placed in a year is not registered "
                                                    "for it)")
    if not isinstance(year, int) or not 1900 <= year <= 2200:
        raise RegistryError("year out of range", file=where, field="year", value=year,
                            expected="a calendar year, e.g. 2025")
    if not_begun:
        _refuse_a_year_not_begun(year, where)


def _refuse_a_year_not_begun(year: int, where: str) -> None:
    from footprint._time import utc_today

    today = utc_today()  # not the local day (footprint._time)
    if year > today.year:  # the register records placements that happened; thresholds are derived from them
        raise RegistryError(f"placed on the market in {year}, a year that has not begun (today is "
                            f"{today.isoformat()})", file=where, field="year", value=year,
                            expected=f"the year the mass was placed on the market, {today.year} at the latest")


def read_csv(path: str | Path) -> list[Entry]:
    """Parse a register CSV; any malformed row raises naming the line and the field (nothing is written)."""
    path = Path(path)
    text = read_text(path, RegistryError, expected="a register CSV (UTF-8 text)")  # binary input: a clear error
    handle = io.StringIO(text, newline="")
    entries: list[Entry] = []
    seen: dict[tuple[str, int], int] = {}
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:  # csv.DictReader keeps the last cell of a repeated column: a second mass_kg replaced the first
            raise RegistryError("a column appears more than once", file=f"{path}:1", field=twice[0],
                                expected="each column once")
        missing = [name for name in CSV_REQUIRED if name not in header]
        if missing:
            raise RegistryError("missing column", file=f"{path}:1", field=missing[0],
                                expected="a header with " + ", ".join(CSV_FIXED) + " and value:<category> columns")
        categories = [h[len(VALUE_PREFIX):] for h in header if h.startswith(VALUE_PREFIX)]
        unknown = [h for h in header if h not in CSV_FIXED + CSV_IDENTITY
                   and not h.startswith((VALUE_PREFIX, UNIT_PREFIX, COVERAGE_PREFIX))]
        if unknown:
            raise RegistryError("unknown column", file=f"{path}:1", field=unknown[0],
                                expected=", ".join(CSV_FIXED + CSV_IDENTITY) + ", value:<category>, unit:<category> "
                                         "or coverage:<category>")
        if not categories:
            raise RegistryError("no category value column", file=f"{path}:1", field="value:<category>",
                                expected="at least one column such as value:climate_change")
        try:
            for row in reader:
                entries.append(_entry_from_row(row, categories, path, reader.line_num, seen))
        except csv.Error as exc:
            raise RegistryError(f"malformed CSV: {exc}", file=f"{path}:{reader.line_num}") from None
    return entries


def _entry_from_row(row: dict, categories: Sequence[str], path: Path, line: int,
                    seen: dict[tuple[str, int], int]) -> Entry:
    where = f"{path}:{line}"
    if None in row:
        raise RegistryError("more cells than columns", file=where, value=row[None],
                            expected="one cell per header column")
    for name in CSV_REQUIRED:
        if not (row.get(name) or "").strip():
            raise RegistryError("empty cell", file=where, field=name, expected="a value")

    def number(name: str, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise RegistryError("not a number", file=where, field=name, value=text, expected="a number") from None
        if not math.isfinite(value):
            raise RegistryError("not a finite number", file=where, field=name, value=text, expected="a number")
        return value

    try:
        year = int(row["year"].strip())
    except ValueError:
        raise RegistryError("not a year", file=where, field="year", value=row["year"],
                            expected="a calendar year, e.g. 2025") from None
    mass = number("mass_kg", row["mass_kg"].strip())
    _check_mass_year(mass, year, str(path), line)
    values = {}
    for category in categories:
        text = (row.get(VALUE_PREFIX + category) or "").strip()
        if text:
            values[category] = number(VALUE_PREFIX + category, text)
    if not values:
        raise RegistryError("no category value", file=where, field=VALUE_PREFIX + categories[0],
                            expected="at least one declared category value")
    date = (row.get("date") or "").strip() or None
    if date:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise RegistryError("not a date", file=where, field="date", value=date,
                                expected="YYYY-MM-DD") from None
    key = (row["declaration_id"].strip(), year)
    if key in seen:
        raise RegistryError(f"the same declaration and year already appear on line {seen[key]}", file=where,
                            field="declaration_id", value=key[0], expected="one row per declaration and year")
    coverage = {}
    for category in values:
        text = (row.get(COVERAGE_PREFIX + category) or "").strip()
        if text and text not in COVERAGES:
            raise RegistryError("unknown coverage", file=where, field=COVERAGE_PREFIX + category, value=text,
                                expected=" or ".join(COVERAGES))
        if text:
            coverage[category] = text
    seen[key] = line
    declarant = (row.get("declarant") or "").strip() or None
    period, keys = _row_identity(row, declarant, year, where)
    return Entry(declaration_id=key[0], rule_id=row["rule_id"].strip(), rule_version=row["rule_version"].strip(),
                 year=year, mass_kg=mass, values=values,
                 units={c: (row.get(UNIT_PREFIX + c) or "").strip() or None for c in values},
                 declarant=declarant, date=date,
                 content_sha256=(row.get("content_sha256") or "").strip() or None, coverage=coverage,
                 period=period, keys=keys, source=where,
                 facility=facility_key({"name": declarant, "facility": row.get("facility"),
                                        "identifier": row.get("identifier")}) if keys else None)


def _row_identity(row: Mapping[str, Any], declarant: str | None, year: int,
                  where: str) -> tuple[tuple[str, str] | None, FacilityKeys | None]:
    """A CSV row's reporting period and facility keys (CSV_IDENTITY), or None, None when it states neither.

    Why: rows without them are never matched, so two rows of one facility's production (a correction
    exported beside the first) were both registered and weighed twice, exit 0.  A row stating part
    of it (a facility without a period) is refused: half an identity cannot be checked.
    """
    cells = {name: (row.get(name) or "").strip() for name in CSV_IDENTITY}
    if not cells["facility"] and not cells["period_start"] and not cells["period_end"]:
        return None, None
    for name in ("facility", "period_start", "period_end"):
        if not cells[name]:
            raise RegistryError("a row that states its facility or period must state both", file=where, field=name,
                                expected="facility, period_start and period_end together (and declarant, with "
                                         "identifier if known), or none of them")
    dates = []
    for name in ("period_start", "period_end"):
        try:
            dates.append(dt.date.fromisoformat(cells[name]))
        except ValueError:
            raise RegistryError("not a date", file=where, field=name, value=cells[name],
                                expected="YYYY-MM-DD") from None
    if dates[1] < dates[0]:
        raise RegistryError("the reporting period ends before it begins", file=where, field="period_end",
                            value=cells["period_end"], expected=f"a date from {cells['period_start']} on")
    _check_year_in_period(year, dates[0], dates[1], where)
    keys = facility_keys({"name": declarant, "facility": cells["facility"], "identifier": cells["identifier"]})
    if keys is None or keys.by_name is None:
        # an identifier alone gave the row no name key: a declaration of that facility stating no identifier (told
        # by its name, FacilityKeys.same) was never compared with it, and both were registered, weighed twice
        raise RegistryError("a row that states its facility must name its declarant", file=where, field="declarant",
                            expected="the declarant's name (with its identifier, if any): a declaration of this "
                                     "facility without an identifier is told from the row by that name")
    return (dates[0].isoformat(), dates[1].isoformat()), keys


def _refuse_unknown_coverage(entry: Entry, where: str) -> None:
    """Refuse an entry with a category value whose coverage (complete or partial) it does not state.

    Why: a partial value is a lower bound, which ``classes`` leaves out of the thresholds; a value of
    unknown coverage (a register CSV row without ``coverage:<category>``) was stored as such and then
    listed plain and weighed in class derivation and revision as if complete, exit 0.  Every write
    goes through here (CSV import, ``market add``, the API), so the register holds no unknown.
    """
    for category in entry.values:
        if entry.coverage.get(category) not in COVERAGES:
            raise RegistryError(f"the coverage of the '{category}' value of declaration '{entry.declaration_id}' is "
                                "not stated: a partial value is a lower bound, which class derivation leaves out, "
                                "so an unknown one cannot be weighed as complete", file=where,
                                field=COVERAGE_PREFIX + category, value=entry.coverage.get(category),
                                expected=" or ".join(COVERAGES) + " (the declaration's results[].coverage; in a "
                                         f"register CSV the column {COVERAGE_PREFIX}{category})")


# -------------------------------------------------------------------- the register

class Register:
    """A market register at a file path (SQLite) or an SQLAlchemy URL."""

    def __init__(self, target: str | Path | None = None):
        self._db = _Connection(target)
        self.target = self._db.target

    def add(self, entries: Sequence[Entry], *, source: str | None = None, replace: bool = False) -> AddResult:
        """Insert or update entries in one transaction; any conflict rejects them all.

        ``replace``: an entry may take the place of registered declarations of the same facility and
        an overlapping reporting period (a correction); without it such an entry is refused.
        """
        with self.adding(entries, source=source, replace=replace) as result:
            return result

    @contextmanager
    def adding(self, entries: Sequence[Entry], *, source: str | None = None,
               replace: bool = False) -> Iterator[AddResult]:
        """``add``, with the caller's own step (writing the declaration file) run before the entries are committed.

        Every check and write of ``add`` is made first, in the open transaction, so whatever the
        register refuses is refused before the body runs; the body raising rolls the entries back;
        the commit follows the body.  Why: ``batch declare --register`` wrote a row's declaration and
        only then added it, so a row the register refused (the same declaration with another Monte
        Carlo seed, placed in another year) was reported failed while its file sat among the outputs,
        ready to be published or verified.  A commit that fails after the body (a full disk, a lost
        server) raises RegistryError from the ``with`` statement: the caller undoes its step then.
        The register stays locked for writing while the body runs (SQLite: BEGIN IMMEDIATE), so no
        other writer can change what was checked in between.  ``committed`` of the result is set
        right after the commit: an exception raised once it is true (a Ctrl-C before the ``with``
        statement has fully exited) must not make the caller undo its step, for the entries are kept
        (footprint._io.write_with_transaction).
        """
        result = AddResult()

        def committed() -> None:
            result.committed = True

        with self._db.transaction(on_commit=committed) as cur:
            self._add_all(cur, entries, source, replace, result)
            yield result

    def _add_all(self, cur: _Cursor, entries: Sequence[Entry], source: str | None, replace: bool,
                 result: AddResult) -> None:
        """add's checks and writes, in ``cur``'s transaction (one for all the entries)."""
        if cur.dialect == "postgresql" and any(entry.keys for entry in entries):
            # one writer at a time: under READ COMMITTED two adds of one facility's production could each
            # find no other and both be registered (weighed twice, exit 0); SQLite's writes begin
            # IMMEDIATE already.  Readers (ACCESS SHARE) are not blocked.
            cur.run("LOCK TABLE declarations IN SHARE ROW EXCLUSIVE MODE")
        for entry in entries:
            where = entry.source or source or entry.declaration_id  # the file (and CSV line) the user gave
            _refuse_unknown_coverage(entry, where)
            existing = self._check_consistent(cur, entry, where)
            carried: dict[int, float] = {}  # year -> mass the replaced declarations were placed with
            for other in self._same_production(cur, entry, where, replace):
                for year, mass in cur.all("SELECT year, mass_kg FROM placements WHERE declaration_id = :id",
                                          {"id": other}):
                    carried[int(year)] = carried.get(int(year), 0.0) + float(mass)
                for table, column in (("placements", "declaration_id"), ("category_values", "declaration_id"),
                                      ("declarations", "id")):
                    cur.run(f"DELETE FROM {table} WHERE {column} = :id", {"id": other})
                result.replaced.append(other)
            params = {"id": entry.declaration_id, "rule_id": entry.rule_id, "rule_version": entry.rule_version,
                      "declarant": entry.declarant, "date": entry.date, "content_sha256": entry.content_sha256,
                      "facility": entry.facility, "period_start": entry.period[0] if entry.period else None,
                      "period_end": entry.period[1] if entry.period else None,
                      "by_name": entry.keys.by_name if entry.keys else None,
                      "by_id": entry.keys.by_id if entry.keys else None}
            if existing:
                cur.run("UPDATE declarations SET declarant = :declarant, date = :date, "
                        "content_sha256 = :content_sha256, facility = COALESCE(:facility, facility), "
                        "period_start = COALESCE(:period_start, period_start), "
                        "period_end = COALESCE(:period_end, period_end), "
                        "facility_by_name = COALESCE(:by_name, facility_by_name), "
                        "facility_by_id = COALESCE(:by_id, facility_by_id) WHERE id = :id", params)
            else:
                cur.run("INSERT INTO declarations (id, rule_id, rule_version, declarant, date, content_sha256, "
                        "facility, period_start, period_end, facility_by_name, facility_by_id) VALUES (:id, "
                        ":rule_id, :rule_version, :declarant, :date, :content_sha256, :facility, :period_start, "
                        ":period_end, :by_name, :by_id)", params)
            for category, value in entry.values.items():
                kept = cur.all("SELECT median, p2_5, p97_5, coverage FROM category_values WHERE declaration_id = :id "
                               "AND category = :category", {"id": entry.declaration_id, "category": category})
                spread = entry.spreads.get(category) or (tuple(kept[0][:3]) if kept else (None, None, None))
                coverage = entry.coverage.get(category) or (kept[0][3] if kept else None)
                cur.run("DELETE FROM category_values WHERE declaration_id = :id AND category = :category",
                        {"id": entry.declaration_id, "category": category})
                cur.run("INSERT INTO category_values (declaration_id, category, value, unit, median, p2_5, "
                        "p97_5, coverage) VALUES (:id, :category, :value, :unit, :median, :p2_5, :p97_5, "
                        ":coverage)",
                        {"id": entry.declaration_id, "category": category, "value": value,
                         "unit": entry.units.get(category), "median": spread[0], "p2_5": spread[1],
                         "p97_5": spread[2], "coverage": coverage})
            placed = cur.all("SELECT mass_kg FROM placements WHERE declaration_id = :id AND year = :year",
                             {"id": entry.declaration_id, "year": entry.year})
            if placed:
                cur.run("UPDATE placements SET mass_kg = :mass WHERE declaration_id = :id AND year = :year",
                        {"id": entry.declaration_id, "year": entry.year, "mass": entry.mass_kg})
                result.updated += 1
            else:
                cur.run("INSERT INTO placements (declaration_id, year, mass_kg) VALUES (:id, :year, :mass)",
                        {"id": entry.declaration_id, "year": entry.year, "mass": entry.mass_kg})
                result.added += 1
            self._carry(cur, entry, carried, result, where)

    @staticmethod
    def _carry(cur: _Cursor, entry: Entry, carried: dict[int, float], result: AddResult, where: str) -> None:
        """The replaced declarations' placements of other years go to the correction that takes their place.

        Why: a correction describes the same production, so the material placed on the market in
        other years is still placed; deleting those placements with the replaced declaration took its
        mass out of every later derivation's weights (a 2025 declaration placed in 2025 and 2026,
        corrected with --year 2026, lost its 2025 mass), exit 0.  The year being added keeps the
        mass given now; a year the correction is already placed in keeps its own.  A year before the
        correction's reporting period began is refused, as entry_from_declaration refuses it.
        """
        for year, mass in sorted(carried.items()):
            if entry.period is not None and year < int(entry.period[0][:4]):
                raise RegistryError(f"a declaration this one replaces is placed on the market in {year} ({mass:g} kg), "
                                    f"before this one's reporting period began ({entry.period[0]}), so the "
                                    "correction cannot take its place there", file=where, field="period",
                                    value=f"{entry.period[0]}..{entry.period[1]}",
                                    expected="a correction of the same reporting period as the declaration it "
                                             "replaces")
            if year == entry.year or cur.all("SELECT 1 FROM placements WHERE declaration_id = :id AND year = :year",
                                             {"id": entry.declaration_id, "year": year}):
                continue
            cur.run("INSERT INTO placements (declaration_id, year, mass_kg) VALUES (:id, :year, :mass)",
                    {"id": entry.declaration_id, "year": year, "mass": mass})
            result.carried[year] = mass

    @staticmethod
    def _same_production(cur: _Cursor, entry: Entry, where: str, replace: bool) -> list[str]:
        """Registered declarations of the same rule, facility and an overlapping reporting period.

        Why: one facility's production of one period has one declaration (the rules: "one
        declaration per facility and reporting period").  Two declarations of it (a correction
        added beside the first, or a producer trying several data sets) entered the class
        thresholds twice, each with its own value, exit 0.  Refused unless ``replace`` (a
        correction), which returns them to be taken out.  Same facility: FacilityKeys.same.
        """
        if entry.keys is None or entry.period is None:
            return []
        # candidates: a key in common, or a row of revision 0005 (its one key is compared below); not the whole
        # rule's market, which a large import would read once per row
        rows = cur.all("SELECT id, period_start, period_end, facility, facility_by_name, facility_by_id, declarant "
                       "FROM declarations WHERE rule_id = :rule AND id <> :id AND period_start <= :end AND "
                       "period_end >= :start AND (facility_by_name = :by_name OR facility_by_id = :by_id OR "
                       "(facility_by_name IS NULL AND facility_by_id IS NULL AND facility IS NOT NULL)) ORDER BY id",
                       {"rule": entry.rule_id, "id": entry.declaration_id, "start": entry.period[0],
                        "end": entry.period[1], "by_name": entry.keys.by_name, "by_id": entry.keys.by_id})
        period = f"{entry.period[0]}..{entry.period[1]}"
        same = []
        for other, start, end, old_key, by_name, by_id, declarant in rows:
            if by_name is not None or by_id is not None:
                if entry.keys.same(FacilityKeys(by_name=by_name, by_id=by_id)):
                    same.append((other, start, end, by_id))
            elif old_key is None:
                continue  # imported from a CSV: no facility known
            elif old_key in (entry.keys.by_name, entry.keys.by_id):
                same.append((other, start, end, old_key if old_key == entry.keys.by_id else None))
            elif entry.keys.by_id is None and _normal(declarant) == _normal(entry.declarant):
                # registered before the register kept both keys (revision 0005): its key is of an identifier
                # (the name's would have matched), and whether its facility is this one cannot be told
                raise RegistryError(f"declaration '{other}' of a declarant of the same name for {start}..{end} was "
                                    "registered with an identifier before the register recorded facilities by "
                                    "name, and whether it is of the same facility cannot be told", file=where,
                                    field="declarant.identifier", value=None,
                                    expected=f"re-add declaration '{other}' (footprint market add ITS_FILE --year "
                                             "YEAR --mass KG, as registered) so the register records its facility, "
                                             "then add this one")
        identifiers = {row[3] for row in same if row[3] is not None}
        if entry.keys.by_id is None and len(identifiers) > 1:
            # two companies of one name (their identifiers differ): which one this declaration is of is unknown
            raise RegistryError(f"declarations {', '.join(repr(row[0]) for row in same)} of declarants named "
                                f"'{entry.declarant}' with different identifiers are registered for this facility, "
                                f"and this declaration ({period}) states no identifier", file=where,
                                field="declarant.identifier", value=None,
                                expected="a declaration whose declarant states its identifier (declarant.identifier), "
                                         "so the register can tell which company's production it describes")
        if same and not replace:
            other, start, end, other_id = same[0]
            by_name = "" if entry.keys.by_id is not None and other_id is not None else (
                " (told by the declarant's name and facility, as one of the two states no identifier: a declaration "
                "of another company of that name needs its declarant.identifier)")
            raise RegistryError(f"declaration '{other}' of the same declarant and facility for {start}..{end} is "
                                f"registered, and this one's reporting period {period} overlaps it{by_name}", file=where,
                                field="period", value=period,
                                expected="one declaration per facility and reporting period: to register a "
                                         "correction in its place, add it with --replace (footprint market add "
                                         "FILE --year YEAR --mass KG --replace); a register CSV lists only one "
                                         "of them")
        return [row[0] for row in same]

    @staticmethod
    def _check_consistent(cur: _Cursor, entry: Entry, where: str) -> bool:
        """Refuse an entry that changes a registered declaration's rule or numbers; True if it is registered."""
        rows = cur.all("SELECT rule_id, rule_version FROM declarations WHERE id = :id", {"id": entry.declaration_id})
        if rows and rows[0] != (entry.rule_id, entry.rule_version):
            raise RegistryError(f"declaration '{entry.declaration_id}' is registered under rule "
                                f"{rows[0][0]} {rows[0][1]}", file=where, field="rule_id",
                                value=f"{entry.rule_id} {entry.rule_version}",
                                expected="the same rule and version as the registered declaration")
        for category, value, unit in cur.all("SELECT category, value, unit FROM category_values "
                                             "WHERE declaration_id = :id", {"id": entry.declaration_id}):
            new = entry.values.get(category)
            if new is not None and not math.isclose(new, value, rel_tol=1e-9, abs_tol=0.0):
                raise RegistryError(f"declaration '{entry.declaration_id}' is registered with {category} = {value!r}",
                                    file=where, field=VALUE_PREFIX + category, value=new,
                                    expected="the registered value (a declaration id cannot change its numbers)")
            new_unit = entry.units.get(category)
            if new is not None and unit and new_unit and new_unit != unit:
                raise RegistryError(f"declaration '{entry.declaration_id}' is registered with {category} in {unit}",
                                    file=where, field=UNIT_PREFIX + category, value=new_unit,
                                    expected=f"'{unit}' (a declaration id cannot change its units)")
        Register._refuse_another_monte_carlo(cur, entry, where)
        return bool(rows)

    @staticmethod
    def _refuse_another_monte_carlo(cur: _Cursor, entry: Entry, where: str) -> None:
        """Refuse an entry whose Monte Carlo (median, 95 % interval) differs from the registered one of its id.

        Why: the id names what the numbers rest on (rule, data, datasets, methods), not the Monte
        Carlo's seed or iterations, so declaring the same production again with another seed gives
        the same declaration id with other medians.  The register took such a second file as a
        re-add of the first and replaced the registered median and interval with its own, exit 0:
        ``classes derive --basis median`` and the revision's declarations near a threshold then rested
        on whichever seed was added last.  It is the same declaration (one per facility, product,
        rule and period on the market), so the second is a duplicate, refused like other numbers.
        """
        for category, median, low, high in cur.all(
                "SELECT category, median, p2_5, p97_5 FROM category_values WHERE declaration_id = :id "
                "AND median IS NOT NULL ORDER BY category", {"id": entry.declaration_id}):
            new = entry.spreads.get(category)
            if new is None or all(math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
                                  for a, b in zip(new, (median, low, high))):
                continue
            raise RegistryError(f"declaration '{entry.declaration_id}' is registered with another Monte Carlo of "
                                f"{category} (median {median!r}, 95 % interval {low!r} to {high!r}; this file's "
                                f"median {new[0]!r}): the same declaration made again with another seed or number "
                                "of iterations is a duplicate, not another entry", file=where,
                                field=f"uncertainty.results[{category}].median", value=new[0],
                                expected="the registered declaration's own file (one declaration per facility, "
                                         "product, rule and year on the market; re-adding it for a year keeps "
                                         "its numbers)")

    def rows(self, *, rule_id: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
        """One dict per (declaration, year), with its category values, ordered by year and id."""
        sql = ("SELECT d.id, d.rule_id, d.rule_version, d.declarant, d.date, d.content_sha256, p.year, p.mass_kg "
               "FROM declarations d JOIN placements p ON p.declaration_id = d.id WHERE 1 = 1")
        params: dict[str, Any] = {}
        if rule_id is not None:
            sql += " AND d.rule_id = :rule_id"
            params["rule_id"] = rule_id
        if year is not None:
            sql += " AND p.year = :year"
            params["year"] = year
        sql += " ORDER BY p.year, d.id"
        with self._db.transaction(create=False) as cur:
            placed = cur.all(sql, params)
            values: dict[str, dict[str, tuple[float, str | None]]] = {}
            spreads: dict[str, dict[str, tuple]] = {}
            coverages: dict[str, dict[str, str]] = {}
            for row in cur.dicts("SELECT * FROM category_values ORDER BY declaration_id, category"):
                decl_id, category = row["declaration_id"], row["category"]
                values.setdefault(decl_id, {})[category] = (row["value"], row["unit"])
                if row.get("median") is not None:  # migration 0003; a register read before its upgrade has none
                    spreads.setdefault(decl_id, {})[category] = (row["median"], row["p2_5"], row["p97_5"])
                if row.get("coverage") is not None:  # migration 0004, likewise
                    coverages.setdefault(decl_id, {})[category] = row["coverage"]
        keys = ("declaration_id", "rule_id", "rule_version", "declarant", "date", "content_sha256", "year", "mass_kg")
        out = []
        for row in placed:
            item = dict(zip(keys, row))
            item["values"] = {c: v for c, (v, _u) in values.get(row[0], {}).items()}
            item["units"] = {c: u for c, (_v, u) in values.get(row[0], {}).items()}
            item["spreads"] = dict(spreads.get(row[0], {}))
            item["coverage"] = dict(coverages.get(row[0], {}))
            out.append(item)
        return out

    def placement_years(self, rule_id: str, category: str, start: int, end: int) -> list[int]:
        """The years in [start, end] in which a declaration of ``rule_id`` with a ``category`` value was placed
        (the placements ``points`` sums, by the same test), something placed: a 0 kg row of an older register
        placed nothing, and its year was not warned of as a year without placements."""
        return sorted({row["year"] for row in self.rows(rule_id=rule_id)
                       if _in_window(row, category, start, end) and row["mass_kg"] > 0})

    def points(self, rule_id: str, category: str, start: int, end: int) -> tuple[list[MarketPoint], str | None]:
        """The declarations of ``rule_id`` placed in [start, end] with a value for ``category``, and its unit.

        Each declaration appears once; its mass is the sum over the years of the window.  The unit is
        that of the declarations that count (MarketPoint.counts), which must state one; a declaration
        with nothing placed in the window needs no known coverage (it counts whatever its coverage).
        """
        by_id: dict[str, dict[str, Any]] = {}
        for row in self.rows(rule_id=rule_id):
            if not _in_window(row, category, start, end):
                continue
            item = by_id.setdefault(row["declaration_id"], {"row": row, "mass": 0.0})
            item["mass"] += row["mass_kg"]
        points, units = [], {}
        for ident, item in sorted(by_id.items()):
            row = item["row"]
            point = MarketPoint(declaration_id=ident, value=row["values"][category], mass_kg=item["mass"],
                                content_sha256=row["content_sha256"], rule_version=row["rule_version"],
                                coverage=row["coverage"].get(category),
                                **dict(zip(("median", "p2_5", "p97_5"), row["spreads"].get(category, ()))))
            if point.placed and point.coverage not in COVERAGES:
                # registered before every write stated it (an import of a CSV without coverage:<category>)
                raise RegistryError(f"declaration '{ident}' is registered with a '{category}' value "
                                    "of unknown coverage: a partial value is a lower bound, which class derivation "
                                    "leaves out, so it cannot be weighed as complete", file=self.target,
                                    field=COVERAGE_PREFIX + category, value=point.coverage,
                                    expected=" or ".join(COVERAGES) + f": import its row again with a "
                                             f"{COVERAGE_PREFIX}{category} column (footprint market import), or "
                                             "add its declaration again (footprint market add)")
            unit = row["units"].get(category) or standard_unit(category)  # a CSV row without one: the engine's
            if unit and point.counts:
                units.setdefault(unit, ident)
            points.append(point)
        if len(units) > 1:
            raise RegistryError(f"the register holds '{category}' values in several units among the declarations "
                                f"placed in {start}-{end} ({', '.join(f'{u}: {i}' for u, i in sorted(units.items()))})",
                                file=self.target, field=UNIT_PREFIX + category, value=sorted(units),
                                expected="one unit per category")
        return points, (next(iter(units)) if units else None)
