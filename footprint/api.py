"""The functions users script against; cli.py is a thin shell around these.

Each function takes paths or ids and returns plain data, so a notebook, a
verifier's script and the CLI all run exactly the same code.
"""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import importlib
import os
from typing import TYPE_CHECKING

from footprint import _time
from footprint._io import (check_writable, field_path, input_index, refuse_inputs, write_atomic, write_outputs,
                           write_with_transaction)
from footprint.errors import FootprintError
from footprint.paths import REPO_ROOT, examples_dir

if TYPE_CHECKING:
    from collections.abc import Sequence

    from footprint.inputs.rule import LoadedRule
    from footprint.market.batch import Row, TrustedKeys


class _Lazy:
    """A module imported on first attribute access.

    The engine (numpy, pandas, Brightway), the report (matplotlib) and even the rule models
    (pydantic) are imported only by the functions that use them: 'footprint rules list',
    'market list' and the other commands that calculate nothing start in a fraction of a
    second (tests/test_cli_imports.py checks which modules each command loads).
    """

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


_inventory = _Lazy("footprint.data.inventory")
_project = _Lazy("footprint.data.project")
_declaration = _Lazy("footprint.declaration.declaration")
_rule = _Lazy("footprint.inputs.rule")
_activity = _Lazy("footprint.inputs.activity")
BACKGROUND_DB = "footprint-inventories"  # footprint.data.inventory.BACKGROUND_DB (tests check they agree)
_REEXPORTED = {"load_rule": _rule, "list_rules": _rule, "LoadedRule": _rule, "json_schema_text": _rule,
               "load_activity": _activity, "render_html": _Lazy("footprint.report")}


def __getattr__(name: str) -> Any:
    if name in _REEXPORTED:
        return getattr(_REEXPORTED[name], name)
    raise AttributeError(f"module 'footprint.api' has no attribute {name!r}")

DEMO_RULE = "ndpr-oxide"
DEMO_DATA = Path("ndpr-oxide") / "activity-2025.yaml"


def setup(force: bool = False) -> _project.SetupReport:
    """Check the background snapshot's content hashes and sources; build a new one if needed (``force``: always)."""
    return _project.setup(force=force)


def ensure_setup() -> _project.Snapshot:
    """The current background snapshot, opened for reading; set up first on first use or when outdated."""
    return _project.ensure_snapshot()


def open_snapshot() -> _project.Snapshot:
    """The current background snapshot, locked for reading and bound to Brightway in this process.

    A long-lived process keeps computing on it (``declare`` opens the current one again);
    ``.id`` names the background version exactly (see README: How set-up keeps numbers safe).
    """
    return _project.open_snapshot()


class StrictQualityError(FootprintError):
    """--strict: the declaration breaks the rule's Data Needs Matrix limits, a declared category is partial, or an
    exclusion has no estimated share (staying under the cut-off is then not demonstrated)."""


class CoverageError(FootprintError):
    """A declared category has no data at all (coverage "none"): it would be declared as 0, so nothing is written."""


def declare(rule: str | Path, data: str | Path, *, allocation: str | None = None,
            created: dt.datetime | None = None, background: str | None = None,
            mapping: str | Path | None = None, strict: bool = False, uncertainty: int | None = None,
            seed: int | None = None, supplier_keys: str | Path | None = None) -> dict[str, Any]:
    """Compute a footprint declaration for one producer's activity data under one rule.

    ``mapping`` (with ``background`` as its default database) points input kinds at
    datasets of an imported database; ``strict`` turns Data Needs Matrix breaches and
    partially covered declared categories into a StrictQualityError instead of warnings
    in the declaration.  A declared category with no data (coverage "none") is always
    refused (CoverageError): nothing is declared as zero.

    ``uncertainty`` = N runs a Monte Carlo of N iterations over the declared categories
    (footprint.engine.uncertainty) and adds its ``uncertainty`` block; ``seed`` makes it
    reproducible (without one a random seed is drawn and recorded, so verify reproduces it).

    ``supplier_keys`` (a file of trusted public keys) refuses the declaration unless every
    supplier's declaration it uses is signed by one of them (SignatureError).
    """
    return _declare(rule, data, allocation=allocation, created=created, background=background, mapping=mapping,
                    strict=strict, refuse_gaps=True, uncertainty=uncertainty, seed=seed, supplier_keys=supplier_keys)


def warm_up(rule: str | Path | None = None, data: str | Path | None = None, *, background: str | None = None,
            mapping: str | Path | None = None, freeze: bool = False) -> str:
    """Load, before the first real request, what every declaration reads once per snapshot; return its id.

    For a host that declares many times in one process (a service, a notebook, a batch driver).
    It runs one declaration, of the shipped example unless ``rule``/``data`` (and ``mapping``
    into an imported ``background``) name the kind the host will declare, and throws its result
    away: the snapshot is opened and the catalogue, biosphere index, background scores of every
    category, characterisation tables, node indexes and the compiled schema check are built into
    footprint.data.warm's store, exactly as the first request would build them.  Nothing is
    written.  An error of that declaration is raised as declare would raise it.

    ``freeze=True`` then moves every object the process holds into the cyclic collector's
    permanent generation (``gc.freeze``, after one collection so no garbage is kept).  Why: the
    warm state (Brightway, numpy, the snapshot's tables: about 185,000 containers) otherwise
    has to be walked by every full collection, about 90 ms here, and that walk also evicts the
    declaration's tables from the CPU caches: a declaration right after a full collection took
    8.1-8.5 ms, after a young-generation collection 6.0-6.2 ms, and after a full collection of a
    frozen heap 6.6 ms (bench/, issue 14).  The cost: objects frozen are never collected, so a
    host whose objects of that moment later become cyclic garbage keeps them; freeze only from a
    process that holds mostly long-lived state at this point.  Reference counting frees
    everything as usual, and a new snapshot's state (a later set-up) is collected normally.
    """
    if rule is None:
        if data is not None:
            raise TypeError("warm_up: data given without its rule")
        rule, data = demo_paths()
    elif data is None:
        raise TypeError("warm_up: rule given without its data")
    _declare(rule, data, background=background, mapping=mapping, refuse_gaps=False)
    snapshot_id = ensure_setup().id
    if freeze:
        import gc

        gc.collect()
        gc.freeze()
    return snapshot_id


_GC_LOCK = threading.Lock()
_GC_PAUSED = 0  # declarations running with the cyclic collector paused (threads, nested calls)
_GC_RESUME = False  # whether the collector was on when the first of them paused it


@contextmanager
def _gc_paused():
    """Run a declaration with Python's cyclic garbage collector paused, as it was before afterwards.

    Why: a declaration allocates tens of thousands of containers (parsed YAML, rows, the
    document), and the allocation count triggers collections that walk the whole heap, which in
    a warm process holds Brightway, numpy and the caches: on a 1,000-process foreground, full
    collections were more than half of the time.  Why it is safe: a declaration makes no
    reference cycles (footprint.engine.calculate.Items keeps no link back to its result;
    tests/test_speed_paths.py checks that a declaration leaves nothing for the collector), so
    all it frees is freed by reference counting at once, paused or not; the collector's normal
    schedule resumes when the last running declaration ends.  Nothing computed changes.
    """
    import gc

    global _GC_PAUSED, _GC_RESUME
    with _GC_LOCK:
        if _GC_PAUSED == 0:
            _GC_RESUME = gc.isenabled()
            gc.disable()
        _GC_PAUSED += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSED -= 1
            if _GC_PAUSED == 0 and _GC_RESUME:
                gc.enable()


def _refuse_coverage_gaps(document: dict, data: str | Path) -> None:
    from footprint.inputs.upstream import declared_results

    _raise_coverage_gaps([r["category"] for r in declared_results(document) if r.get("coverage") == "none"], data)


def _refuse_coverage_gaps_early(result, quality, data: str | Path) -> None:
    """The refusal _refuse_coverage_gaps gives the finished document, from the result and its quality.

    Why before the document: a refused declaration is thrown away, and building, hashing and
    checking it is most of a declaration's time (a quarter of the examples are refused).  The
    names come in the document's order (the rule's declared, then supplementary, categories);
    the check on the finished document stays, so what is refused cannot change.
    """
    rule = result.system.rule.rule
    order = list(rule.impact_categories.declared) + list(rule.impact_categories.supplementary)
    wanted = set(order)
    shown = sorted((c.id for c in result.categories if c.id in wanted), key=order.index)  # = the document's results
    _raise_coverage_gaps([c for c in shown if quality.coverage.get(c, "complete") == "none"], data)


def _raise_coverage_gaps(empty: list[str], data: str | Path) -> None:
    if empty:
        names = ", ".join(empty)
        raise CoverageError(f"declared impact categor{'y' if len(empty) == 1 else 'ies'} {names} "
                            f"{'has' if len(empty) == 1 else 'have'} no data (coverage none): the datasets used give "
                            f"no values there, so the declaration would state 0; nothing written", file=data,
                            field="impact_categories.declared", value=names,
                            expected="secondary datasets that cover every declared category (footprint inventories "
                                     "show), or a rule whose declared categories the data cover")


@dataclass
class _Run:
    """What every declaration of a run reads of the set-up, opened once (once per chunk in a batch)."""

    snapshot: Any  # one background version from here to the end, whatever set-up runs meanwhile
    catalogue: Any
    flows: dict

    @classmethod
    def open(cls) -> "_Run":
        snapshot = ensure_setup()
        return cls(snapshot=snapshot, catalogue=snapshot.catalogue(), flows=snapshot.biosphere_index())


@dataclass
class _Prepared:
    """One declaration up to its product system: inputs read, foreground built, mapping applied."""

    data: str | Path
    system: Any
    databases: list[str]
    background_info: dict | None


def _prepare(run: _Run, rule: str | Path, data: str | Path, *, allocation: str | None = None,
             background: str | None = None, mapping: str | Path | None = None, loaded=None,
             activity=None) -> _Prepared:
    from footprint.data import background as _background
    from footprint.engine import system as _system
    from footprint.engine.mapping import map_system
    from footprint.errors import ActivityDataError
    from footprint.inputs.activity import located

    loaded = loaded or _rule.load_rule(rule)
    activity = activity or _activity.load_activity(data)
    with located(activity):  # an XLSX file's errors name sheet, row and column
        product_system = _system.build(loaded, activity, run.catalogue, run.flows, allocation_override=allocation)
    databases: list[str] = [BACKGROUND_DB]
    background_info: dict | None = None
    if background and not mapping:
        raise ActivityDataError("--background needs --mapping", field="--mapping",
                                expected="a mapping file pointing input kinds at datasets of " + background)
    if mapping:
        resolved = _background.load_mapping(mapping, background)
        product_system, used = map_system(product_system, resolved, run.catalogue)
        from footprint.data.imports import database_info

        databases += resolved.databases
        background_info = {"imported": [database_info(name) for name in resolved.databases],
                           "mapping": {**used, **({"default_database": background} if background else {})}}
    _refuse_suppliers_of_other_factors(run.snapshot, product_system)
    return _Prepared(data=data, system=product_system, databases=databases, background_info=background_info)


def _refuse_suppliers_of_other_factors(snapshot, system) -> None:
    """Every supplier's declaration the system adds (inputs and Ev) was characterised with this snapshot's factors.

    Here because it is where the suppliers meet the snapshot whose factors the calculation reads: declare,
    verify's recomputation, every batch row and 'inventories coverage --data' prepare through _prepare
    (Snapshot.refuse_suppliers_of_other_factors, footprint.inputs.upstream.check_methods says why).
    """
    suppliers = [(flow.upstream, system.activity.path, f"{flow.field}.declaration")
                 for process in system.processes for flow in process.flows
                 if flow.kind == "upstream" and flow.upstream is not None]
    if system.recycled is not None and system.recycled.virgin_declaration is not None:
        suppliers.append((system.recycled.virgin_declaration, system.rule.path, "recycled_content.virgin.declaration"))
    snapshot.refuse_suppliers_of_other_factors(suppliers)


def _refuse_rule(loaded, *, withdrawn_ok: bool = False) -> None:
    """Refuse a rule file that claims a library rule's id and version with other content (rule.conflict_with),
    and, unless ``withdrawn_ok``, a withdrawn rule (_refuse_withdrawn): the library's twin is looked up once.

    The first also on verify's recomputation: a declaration made under such a file is not one of that rule."""
    from footprint.errors import RuleError

    twin, successor = _rule.library_counterparts(loaded)
    problem = _rule.conflict_with(twin, loaded)
    if problem:
        raise RuleError(problem, file=loaded.path, field="version", value=loaded.rule.version,
                        expected="the library's rule unchanged, or a changed rule under a version of its own (e.g. "
                                 f"{_next_patch(loaded.rule.version)}) or another id")
    if not withdrawn_ok:
        _refuse_withdrawn(loaded, twin)
        _refuse_superseded(loaded, successor)


def _refuse_superseded(loaded, successor) -> None:
    """A copy of a version the library has moved past makes no new declaration (rule.library_successor).

    Why: the library's rules took a new version with the period length; the previous text, given as a path,
    still declared a best quarter as "ndpr-oxide 1.0.0", exit 0.  Verify recomputes declarations made under
    it (``withdrawn_ok``): a declaration stays what it was when it was made.
    """
    from footprint.errors import RuleError

    if successor is not None:
        raise RuleError(f"rule {loaded.rule.id} {loaded.rule.version} is superseded by the library's "
                        f"{successor.rule.id} {successor.rule.version} ({successor.path})", file=loaded.path,
                        field="version", value=loaded.rule.version,
                        expected=f"the library's rule in force ({successor.rule.id} {successor.rule.version}, "
                                 "'footprint rules diff' shows what changed), or a rule of another id; "
                                 "'footprint verify --rule FILE' still recomputes declarations made under this one")


def _next_patch(version: str) -> str:
    major, minor, patch = (int(part) for part in version.split("."))  # the rule model allows only N.N.N
    return f"{major}.{minor}.{patch + 1}"


def _period_ended(activity, created: dt.datetime | None) -> None:
    """engine.system.check_period_ended against the day the declaration is made (UTC, as it records it).

    A ``created`` after today counts as today: a declaration cannot be made later than now, and a
    caller's future date (declare(..., created=2030-01-01)) made a 2027 forecast pass as ended, exit 0.
    """
    from footprint.engine.system import check_period_ended
    from footprint.inputs.activity import located

    from footprint._time import utc_day, utc_today

    today = utc_today()
    with located(activity):  # a workbook's period_end is named by its cell, as every other check's field
        check_period_ended(activity, today if created is None else min(utc_day(created), today))


def _refuse_withdrawn(loaded, twin) -> None:
    """A rule its authors withdrew is not declared under: the declaration would follow a rule no longer in force.

    Only new declarations (and analyses) are refused; verify recomputes a declaration made while
    the rule was in force (``withdrawn_ok``), since a declaration stays what it was.  The library
    withdraws a version in place, so a producer's copy of it taken earlier (its status still
    'adopted' or 'draft': library_conflict lets status differ) is withdrawn with it.
    """
    from footprint.errors import RuleError

    withdrawn = loaded if loaded.rule.status == "withdrawn" else twin if twin and twin.rule.status == "withdrawn" \
        else None
    if withdrawn is not None:
        where = "" if withdrawn is loaded else f" (the library's {twin.path})"
        raise RuleError(f"rule {loaded.rule.id} {loaded.rule.version} is withdrawn{where}", file=loaded.path,
                        field="status", value=loaded.rule.status,
                        expected="a rule in force (its successor version); 'footprint verify' "
                                 "still recomputes declarations made under this one")


def _finish(run: _Run, prepared: _Prepared, result, *, created: dt.datetime | None = None, strict: bool = False,
            refuse_gaps: bool = True, uncertainty: int | None = None, seed: int | None = None,
            activity=None, id_version: str | None = None) -> dict[str, Any]:
    from footprint._time import utc_day, utc_now
    from footprint.engine import quality as _quality

    # one moment for the record and for the data quality: the activity data's TiR is aged against the day the
    # declaration is made (quality.activity_time_score), and verify recomputes with the recorded one
    created = created if created is not None else utc_now().replace(microsecond=0)
    quality = _quality.assess(result, run.catalogue, made=utc_day(created))
    block = None
    if uncertainty is not None:
        from footprint.engine import uncertainty as _uncertainty
        from footprint.inputs.activity import located

        if seed is None:
            import secrets

            seed = secrets.randbits(32)
        with located(activity):
            block = _uncertainty.monte_carlo(result, run.catalogue, run.flows, iterations=uncertainty, seed=seed,
                                             background=_background_of(prepared)).block()
        if uncertainty < _uncertainty.STABLE_ITERATIONS:
            quality.warnings.append(_uncertainty.few_iterations_warning(uncertainty))
        quality.warnings.extend(_uncertainty.wide_distribution_warnings(block))
    if refuse_gaps:
        _refuse_coverage_gaps_early(result, quality, prepared.data)
    document = _declaration.build(result, quality, run.catalogue, snapshot=run.snapshot, background=BACKGROUND_DB,
                                  created=created, background_info=prepared.background_info, uncertainty=block,
                                  id_version=id_version)
    _declaration.validate(document)
    if refuse_gaps:
        _refuse_coverage_gaps(document, prepared.data)
    if strict:  # what is not demonstrated: matrix breaches, partial categories, exclusions without an estimate
        breaches = [w for w in quality.warnings
                    if w.startswith(("Data Needs Matrix", "coverage:", "cut-off:", "data quality:"))]
        if breaches:
            raise StrictQualityError(f"{len(breaches)} Data Needs Matrix breach(es), partially covered declared "
                                     "categories, exclusions without an estimated share or DQR scores not "
                                     "demonstrated, nothing written: " + "; ".join(breaches), file=prepared.data,
                                     expected="better data for these processes/datasets, an estimated_share for "
                                              "each exclusion, P 3 or worse on secondary data, or run without "
                                              "--strict")
    return document


def _background_of(prepared: _Prepared):
    return prepared.databases if len(prepared.databases) > 1 else BACKGROUND_DB


def _declare(rule: str | Path, data: str | Path, *, allocation: str | None = None,
             created: dt.datetime | None = None, background: str | None = None,
             mapping: str | Path | None = None, strict: bool = False, refuse_gaps: bool = True,
             uncertainty: int | None = None, seed: int | None = None,
             supplier_keys: str | Path | TrustedKeys | None = None, withdrawn_ok: bool = False,
             analysis: bool = False, id_version: str | None = None, reference: bool = False) -> dict[str, Any]:
    """declare() with the coverage refusal optional (a hotspot analysis ranks all categories, declared or not);
    ``withdrawn_ok``: verify's recomputation under a rule withdrawn since (see _refuse_withdrawn);
    ``analysis``: a hotspot analysis, which may screen a period that has not ended (it is never declared);
    ``id_version``: verify's recomputation of the id under the footprint version a declaration records;
    ``reference``: verify's recomputation by the reference path (footprint.engine.calculate.calculate)."""
    from footprint.engine import calculate as _calculate

    _check_monte_carlo(uncertainty, seed)  # refuse a bad request before any computation
    with _gc_paused():  # not around _Run.open: a first use may run the set-up, which is not a declaration
        loaded = _rule.load_rule(rule)  # bad inputs are reported before any set-up
        _refuse_rule(loaded, withdrawn_ok=withdrawn_ok)
        activity = _activity.load_activity(data)
    run = _Run.open()
    # a workbook's errors name sheet, row and column wherever they are found (an R1 the material flows contradict
    # is found while calculating): located() re-raises an error about the activity file's field at its cell
    with _gc_paused(), _activity.located(activity):
        prepared = _prepare(run, rule, data, allocation=allocation, background=background, mapping=mapping,
                            loaded=loaded, activity=activity)
        if not analysis:  # a rule author's hotspot screening of a planned plant is no declaration of a period
            _period_ended(activity, created)  # after the rule's validity check in _prepare: that message is sharper
        if supplier_keys is not None:
            _require_signed_suppliers(prepared.system.upstream_declarations(), supplier_keys)
        result = _calculate.calculate(prepared.system, background=_background_of(prepared), reference=reference)
        return _finish(run, prepared, result, created=created, strict=strict, refuse_gaps=refuse_gaps,
                       uncertainty=uncertainty, seed=seed, activity=activity, id_version=id_version)


def _check_monte_carlo(uncertainty: int | None, seed: int | None) -> None:
    """declare's check of ``uncertainty`` and ``seed``, before any computation: the one check every path makes.

    An out-of-range N or seed is an UncertaintyError; a seed without a Monte Carlo is refused (it
    would be recorded nowhere and the reader would believe the declaration reproducible by it).
    """
    from footprint.errors import ActivityDataError

    if uncertainty is not None:
        from footprint.engine.uncertainty import check_request

        check_request(uncertainty, seed)
    elif seed is not None:
        raise ActivityDataError("--seed needs --uncertainty", field="--seed", value=seed,
                                expected="--uncertainty N (the number of Monte Carlo iterations) with --seed")


def _seed_drawn_for_the_run(rows, *, uncertainty: int | None, seed: int | None) -> int | None:
    """One seed for every row's Monte Carlo that has no seed of its own, when the run gives none; else None.

    Why one for the run, not one per row: the Monte Carlo's seed is not part of a declaration's id,
    and the register keeps one Monte Carlo per id (Register._refuse_another_monte_carlo).  A batch
    placing one declaration in two years (two rows of the same rule and data, each its year) drew a
    seed per row, so the second row's medians differed from the first's and the register refused it
    ("another Monte Carlo"), exit 2, and without a register the run wrote two files of one id with two
    Monte Carlos.  Drawn once, here in the process that submits the rows, every such row is what
    ``declare --uncertainty N --seed S`` gives with the drawn S, on every scheduler; each declaration
    records it (as declare records the seed it draws), and so does the run's Summary.seed.
    """
    if seed is not None:
        return None
    import secrets

    needs = any(not row.problem and row.seed is None
                and (row.uncertainty if row.uncertainty is not None else uncertainty) is not None for row in rows)
    return secrets.randbits(32) if needs else None


def _with_run_options(rows, *, strict: bool = False, uncertainty: int | None = None,
                      seed: int | None = None, drawn_seed: int | None = None) -> list:
    """The batch rows, each with the declare options it runs with: its own strict, uncertainty and seed, else the run's.

    Why here, before any row runs: each row is then held to exactly what ``declare(rule, data,
    strict=, uncertainty=, seed=)`` would be given, checked by declare's own _check_monte_carlo; a
    row whose options declare refuses is that row's error with declare's message, the others run.
    The run's own ``uncertainty`` (with its ``seed``) is checked first and raised: it would fail
    every row.  A row's ``strict`` (a dict given to declare_many) must be a bool: a string 'false'
    would be true.  So is a run's ``seed`` without ``uncertainty`` that no row can take (no row sets
    its own uncertainty and leaves the seed to the run): declare's refusal, raised before any row
    runs.  It failed row by row, each with the same message, where ``declare --seed`` alone refuses
    at once (exit 2).  Where some rows set an uncertainty the seed is theirs, and only the rows
    without one are refused, each with declare's message.  ``drawn_seed`` (_seed_drawn_for_the_run) is
    the seed of every row that runs a Monte Carlo with no seed of its own or of the run.
    """
    from dataclasses import replace

    if uncertainty is not None or (seed is not None and not any(
            not row.problem and row.seed is None and row.uncertainty is not None for row in rows)):
        _check_monte_carlo(uncertainty, seed)
    out = []
    for row in rows:
        if row.problem:
            out.append(row)
            continue
        if row.strict is not None and not isinstance(row.strict, bool):
            out.append(replace(row, problem=f"column strict: got {row.strict!r:.40}, expected true or false"))
            continue
        effective = {"strict": bool(strict) if row.strict is None else row.strict,
                     "uncertainty": uncertainty if row.uncertainty is None else row.uncertainty,
                     "seed": seed if row.seed is None else row.seed}
        if effective["seed"] is None and effective["uncertainty"] is not None:
            effective["seed"] = drawn_seed
        try:
            _check_monte_carlo(effective["uncertainty"], effective["seed"])
        except FootprintError as exc:
            out.append(replace(row, problem=str(exc)))
            continue
        out.append(replace(row, **effective))
    return out


def _require_signed_suppliers(suppliers, supplier_keys: str | Path | TrustedKeys) -> None:
    """declare's supplier-signature check, with a trusted-keys file or a batch's keys read once (TrustedKeys)."""
    from footprint.market.batch import TrustedKeys

    if isinstance(supplier_keys, TrustedKeys):
        supplier_keys.require_signed(suppliers)
    else:
        from footprint.declaration.signing import require_signed_suppliers

        require_signed_suppliers(suppliers, supplier_keys)


def _declare_rows(rows, created: dt.datetime | None) -> list[tuple[dict | None, Exception | None]]:
    """Many declarations in three phases sharing one _Run: prepare each, score all together, finish each.

    Each row's error stays that row's; the numbers are those of ``declare`` row by row (the same
    functions, and calculate_many equals calculate).
    """
    run = _Run.open()
    with _gc_paused():
        return _declare_prepared_rows(run, rows, created)


def _declare_prepared_rows(run: _Run, rows, created: dt.datetime | None) -> list[tuple[dict | None, Exception | None]]:
    from footprint.engine import calculate as _calculate

    prepared: list[_Prepared | Exception] = []
    activities: list[Any] = []  # each row's activity data once read (None: not read), to locate its errors
    for row in rows:
        activity = None
        try:
            loaded = _rule.load_rule(row.rule)  # parsed once per rule file content (kept)
            _refuse_rule(loaded)  # as declare(): a batch row is a new declaration
            activity = _activity.load_activity(row.data)
            entry = _prepare(run, row.rule, row.data, allocation=row.allocation, background=row.background,
                             mapping=row.mapping, loaded=loaded, activity=activity)
            _period_ended(entry.system.activity, created)
            if row.trusted is not None:  # where declare(..., supplier_keys=) checks: after preparing, before scoring
                row.trusted.require_signed(entry.system.upstream_declarations())
            prepared.append(entry)
        except Exception as exc:  # noqa: BLE001 - reported for this row only
            prepared.append(exc)
        activities.append(activity)
    results: dict[int, Any] = {}
    groups: dict[tuple, list[int]] = {}
    for index, entry in enumerate(prepared):
        if not isinstance(entry, Exception):
            groups.setdefault(tuple(entry.databases), []).append(index)
    for _databases, members in groups.items():
        background = _background_of(prepared[members[0]])
        for index, result in zip(members, _calculate.calculate_many([prepared[i].system for i in members],
                                                                    background=background)):
            results[index] = result
    out: list[tuple[dict | None, Exception | None]] = []
    for index, entry in enumerate(prepared):
        if isinstance(entry, Exception):
            out.append((None, _located_error(activities[index], entry)))
            continue
        result = results[index]
        if isinstance(result, Exception):
            out.append((None, _located_error(activities[index], result)))
            continue
        try:
            out.append((_finish(run, entry, result, created=created, strict=bool(rows[index].strict),
                                uncertainty=rows[index].uncertainty, seed=rows[index].seed,
                                activity=activities[index]), None))
        except Exception as exc:  # noqa: BLE001
            out.append((None, _located_error(activities[index], exc)))
    return out


def _located_error(activity, error: Exception) -> Exception:
    """A batch row's error as declare() raises it: about a workbook's field, named by its sheet and cell.

    Why: declare() runs everything after loading inside located(activity); a batch row's errors found
    while calculating or finishing (an R1 the material flows contradict) named the YAML field path
    'recycled_content.R1' in a workbook that has none, where declare of the same file named the cell.
    """
    if activity is None or not isinstance(error, FootprintError):
        return error
    try:
        with _activity.located(activity):
            raise error
    except FootprintError as found:
        return found


def check_output(path: str | Path, force: bool = False, *, inputs: list[tuple[str, Any]] = (),
                 others: list[str | Path] = ()) -> None:
    """Raise OutputExistsError if ``path`` exists and ``force`` is not set, OutputError if it is one of ``inputs``.

    ``inputs`` are (what it is, path) pairs of the files the output is computed from (the
    activity data, a mapping, a rule file): those are refused even with --force.  ``others`` are
    the command's other outputs: one that is ``path`` is refused here, before any computation
    (``declare -o x --report x`` was refused only after the declaration had been computed).
    """
    from footprint._io import refuse_same_path

    refuse_same_path([*(Path(p) for p in others), Path(path)])
    _refuse_output(Path(path), force, input_index([(what, Path(p)) for what, p in inputs if p is not None]))


def _refuse_output(path: Path, force: bool, inputs: dict) -> None:
    """The output checks of ``declare`` and of every batch row, in one order, with one message each.

    ``inputs`` is an input_index.  Why one function: a batch row whose output existed was refused as
    "output X exists (use --force to overwrite)" where ``declare`` says "X: output file exists; expected
    another path, or --force to overwrite", and a row's output whose parent folder is a file or cannot
    be written was only refused when its declaration had been computed (check_writable says so first).
    """
    check_writable(path, force)
    refuse_inputs(path, inputs)


def declaration_inputs(document: dict) -> list[tuple[str, Path]]:
    """The files a declaration was computed from, as its provenance records them (found from here).

    Every place a recorded relative path may mean (the current directory, the repository root) is
    kept: protecting only the first that exists let a declaration replace the other, its real input.
    """
    from footprint.declaration.verify import recorded_candidates, recorded_path

    provenance = document.get("provenance") if isinstance(document.get("provenance"), dict) else {}
    recorded = [("activity data", recorded_path(document, "activity_data")), ("rule", recorded_path(document, "rule")),
                ("background mapping", ((provenance.get("background") or {}).get("mapping") or {}).get("path"))]
    recorded += [("supplier declaration", (s or {}).get("path")) for s in provenance.get("upstream_declarations") or []
                 if isinstance(s, dict)]

    return [(what, where) for what, path in recorded if isinstance(path, str) and path
            for where in recorded_candidates(path) if where.exists()]


def write_from_declaration(document: dict, outputs: list[tuple], *, force: bool) -> list[Path]:
    """``write_outputs`` for files made from a declaration, none of which may be a file it was computed from.

    Why here, for every such file (declaration, report, PDF, label, export): ``export d.json --format csv
    -o activity.yaml --force`` replaced the activity data the declaration records (exit 0), and
    ``verify`` could no longer recompute it; only the declaration's own JSON was protected.
    """
    inputs = input_index(declaration_inputs(document))
    for output in outputs:  # whatever the caller checked
        refuse_inputs(output[0], inputs)
    return write_outputs(outputs, force=force)


def write_declaration(document: dict, path: str | Path, *, force: bool = False, report: str | Path | None = None,
                      label: str | Path | None = None, lang: str = "en") -> Path:
    """Write the declaration JSON, with its HTML report and class label if asked: all of them, or none.

    Every file is rendered and written to a temporary first; the JSON is renamed last, so no
    failure (full disk, a kill, Ctrl-C) leaves a declaration without the report it came with.
    """
    outputs: list[tuple] = []
    if label is not None:
        outputs.append((Path(label), class_label_png(document)))
    if report is not None:
        from footprint.report import render_html

        outputs.append((Path(report), render_html(document, lang)))
    outputs.append((Path(path), _declaration.to_json(document)))
    return write_from_declaration(document, outputs, force=force)[-1]


def write_report(document: dict, path: str | Path, *, force: bool = False, lang: str = "en",
                 pdf: str | Path | None = None) -> Path:
    """Write the HTML report (and, with ``pdf``, the same report printed to PDF): both, or neither."""
    from footprint.report import render_html

    outputs: list[tuple] = []
    if pdf is not None:
        from footprint.report import render_pdf

        check_writable(Path(pdf), force)
        check_writable(Path(path), force)
        outputs.append((Path(pdf), render_pdf(document, lang)))
    outputs.append((Path(path), render_html(document, lang)))
    return write_from_declaration(document, outputs, force=force)[-1]


@dataclass
class RuleCheck:
    path: Path
    error: FootprintError | None  # the first problem (None when the file is valid)
    rule: LoadedRule | None = None
    problems: list = field(default_factory=list)  # every problem, each a footprint.authoring.lint.Problem


def validate_rules(paths: list[str | Path]) -> list[RuleCheck]:
    """Check each rule file: schema, boundary and that every default dataset exists; ALL problems, with lines."""
    from footprint.authoring import lint

    catalogue = _inventory.load_catalogue()
    checks = []
    for path in paths:
        report = lint.lint_rule(path, catalogue, snapshot=ensure_setup)  # set up only for a rule's Ev declaration
        error = report.problems[0].to_error() if report.problems else None
        checks.append(RuleCheck(path=report.path, error=error, rule=report.rule, problems=report.problems))
    return checks


def diff_rules(old: str | Path, new: str | Path):
    """What changed between two versions of a rule (a footprint.authoring.diff.RuleDiff: .text(), .to_dict())."""
    from footprint.authoring import diff as _diff

    return _diff.compare(_rule.load_rule(old), _rule.load_rule(new))


def analyse_hotspots(rule: str | Path, data: str | Path, *, threshold: float = 0.8, allocation: str | None = None):
    """The PEF most-relevant analysis of one producer's data under a rule (for rule authors, never declared).

    Declares first (same numbers a producer would declare), then normalises and weights all 16 EF 3.1
    categories; returns a footprint.engine.hotspots.Hotspots (.to_dict(), footprint.engine.hotspots.render()).
    """
    from footprint.engine import hotspots as _hotspots

    _hotspots.check_threshold(threshold)
    document = _declare(rule, data, allocation=allocation, refuse_gaps=False, analysis=True)
    return _hotspots.from_declaration(document, threshold=threshold)


def make_template(rule: str | Path, output: str | Path, *, fmt: str | None = None, force: bool = False) -> Path:
    """Write an activity-data template (YAML or XLSX; default: from the output's suffix) for a rule.

    The rule's own file is never the output, even with ``force``: ``template r.yaml -o r.yaml --force``
    (or ``template ndpr-oxide -o rules/ndpr-oxide.yaml --force``) replaced the rule with the template, exit 0.
    """
    from footprint.authoring import template as _template

    loaded = _rule.load_rule(rule)
    refuse_inputs(Path(output), [("rule", loaded.path)])
    twin, successor = _rule.library_counterparts(loaded)
    _refuse_withdrawn(loaded, twin)  # a template for a rule no declaration may use any more
    _refuse_superseded(loaded, successor)
    return _template.write_template(loaded, Path(output), fmt=fmt, catalogue=_inventory.load_catalogue(),
                                    force=force)


def rule_schema() -> str:
    """The rule file's JSON Schema as text (generated from the model)."""
    return _rule.json_schema_text()


def _load_json(path: Path, error: type | None = None, expected: str = "a declaration JSON file") -> Any:
    """Parse a JSON input file strictly (footprint/_json.py); any problem is ``error`` (default DeclarationError)."""
    from footprint import _json
    from footprint.errors import DeclarationError

    return _json.load(path, error or DeclarationError, expected=expected)


def read_declaration(path: str | Path, *, require_signature: str | Path | None = None) -> dict[str, Any]:
    """Load a declaration JSON file, check it against the schema and refuse one edited after it was written.

    Reports, exports, the market register and class assignment all read declarations
    here; an edited file must not reach them (``classes assign`` would even re-hash it).
    With ``require_signature`` (a file of trusted public keys) the declaration must also
    carry a valid signature by one of them: a forged file re-hashed by its forger is refused.
    """
    from footprint.errors import DeclarationError

    path = Path(path)
    document = _load_json(path)
    _check_declaration(document, path)
    digest = _declaration.content_hash(document)
    if digest != document["content_sha256"]:
        raise DeclarationError("the declaration was edited after it was written (content_sha256 does not match)",
                               file=path, field="content_sha256",
                               expected="the file as 'footprint declare' wrote it; 'footprint verify' shows what "
                                        "differs")
    from footprint.declaration import signing

    signing.refuse_record_problems(document, digest, DeclarationError, file=path)
    from footprint.inputs.upstream import refuse_declared_unit_not_rules, refuse_units_not_the_tables

    refuse_declared_unit_not_rules(document, DeclarationError, file=path)  # its values are per that unit
    refuse_units_not_the_tables(document, DeclarationError, file=path)  # ... and in the category's unit
    if require_signature is not None:
        signing.require(document, signing.load_public_keys(require_signature), file=path,
                        keys_file=require_signature)
    return document


def _check_declaration(document: Any, path: Path) -> None:
    """The schema check of a declaration read from ``path``, as a DeclarationError naming the field."""
    import jsonschema

    from footprint.errors import DeclarationError

    try:
        _declaration.validate(document)
    except jsonschema.ValidationError as exc:
        where = field_path(exc.absolute_path)
        raise DeclarationError(f"not a footprint declaration: {exc.message}", file=path, field=where or None,
                               expected="a file written by 'footprint declare' "
                                        "(schemas/declaration.schema.json)") from None


def demo_paths() -> tuple[str, Path]:
    return DEMO_RULE, examples_dir() / DEMO_DATA


def default_demo_dir() -> Path:
    return REPO_ROOT / "out" / "demo"


__all__ = ["check_output", "rule_schema", "read_declaration", "setup", "ensure_setup", "open_snapshot", "declare", "write_declaration", "write_report", "validate_rules",
           "list_rules", "load_rule", "demo_paths", "default_demo_dir", "RuleCheck", "diff_rules", "analyse_hotspots",
           "make_template"]


# ---------------------------------------------------------------- reviewers: verify, market register, classes

#: The largest relative tolerance verify accepts: values may then differ by about 1 % and still agree.
MAX_VERIFY_TOLERANCE = 0.01


def _check_tolerance(tolerance: float) -> None:
    """Refuse a tolerance under which 'verified' means nothing.

    |a - b| <= tol * max(|a|, |b|) lets a value off by a factor 1 / (1 - tol) pass: 'inf' (or 1)
    verified a value forged 1000-fold, 0.5 one doubled.
    """
    from footprint.errors import DeclarationError

    if not 0 <= tolerance <= MAX_VERIFY_TOLERANCE:
        raise DeclarationError("tolerance out of range", field="--tolerance", value=tolerance,
                               expected=f"a relative tolerance from 0 to {MAX_VERIFY_TOLERANCE:g} (default 1e-6)")


def verify_declaration(path: str | Path, data: str | Path | None = None, *, rule: str | Path | None = None,
                       tolerance: float = 1e-6, mapping: str | Path | None = None, scheme: str | Path | None = None,
                       hash_only: bool = False, supplier_keys: str | Path | None = None, reference: bool = True):
    """Recompute a declaration from its inputs and compare (a footprint.declaration.verify.Verification).

    Without ``data`` the activity data the declaration records is used, found as batch verify
    finds it (footprint.declaration.verify.find_recorded; its hash is compared like every other
    recorded hash); where it cannot be found, a DeclarationError asks for ``data``.  Only
    ``hash_only=True`` checks the content hash alone, and its outcome says it recomputed nothing:
    anyone who edits a value can hash the file again, so a hash alone never verifies the numbers
    (a declaration whose climate change was divided by 10 and hashed again passed as "verified").
    The recomputation uses the declaration's own ``created`` time, the allocation it records and
    the background mapping it records: ``mapping`` names that file where the recorded path does
    not lead to it (another directory); a recorded mapping that cannot be found is an error,
    never a recomputation without it.

    A classed declaration needs ``scheme``, the class scheme file it was classed under: its
    ``performance_class`` is recomputed from the recomputed results under that scheme and compared
    (class, thresholds, labels, probabilities).  Without it the recomputation is refused (a
    DeclarationError): under the thresholds the declaration copies, thresholds moved to fit a
    better class and hashed again verified (exit 0, with a warning).

    ``supplier_keys`` (a file of trusted public keys) holds the recomputation to what
    ``declare(..., supplier_keys=...)`` requires: every supplier's declaration used signed by one of
    them over exactly its content.  Why: a supplier's file edited and hashed again recomputes to the
    same (forged) numbers, so verify said verified; a reviewer had no way to ask for the suppliers'
    signatures that a producer can ask for when declaring.

    ``reference`` (the default) recomputes the results by the reference path: foreground and
    background solved together in one bw2calc LCA, the items checked against Brightway's score,
    instead of the cached background scores and the array solver that ``declare`` uses.  Why:
    recomputed by the code that made it, a fault of that path (a score table, an index, a
    solver) is reproduced and confirmed; by the other path, it differs.  It costs a fraction of
    a second on the built-in library (seconds on a large imported one); ``reference=False``
    takes the fast path, as batch verify does unless asked.
    """
    from footprint.errors import DeclarationError

    path = Path(path)
    document = _verifiable(path)
    if hash_only and supplier_keys is not None:
        raise DeclarationError("--hash-only recomputes nothing, so it takes no --supplier-keys",
                               field="--supplier-keys", value=str(supplier_keys),
                               expected="either --supplier-keys (recompute with signed suppliers) or --hash-only")
    if hash_only:
        if data is not None:
            raise DeclarationError("--hash-only recomputes nothing, so it takes no --data", field="--hash-only",
                                   expected="either --data ACTIVITY (recompute) or --hash-only (the hash alone)")
        if rule is not None:  # it was read nowhere: "verified against my rule" with exit 0, nothing recomputed
            raise DeclarationError("--hash-only recomputes nothing, so it takes no --rule", field="--rule",
                                   value=str(rule), expected="either --rule (recompute under it) or --hash-only")
    elif data is None:
        data = _recorded_data_or_refuse(document, path)
    return _verify_document(document, path, data, rule=rule, tolerance=tolerance, mapping=mapping,
                            scheme=scheme, supplier_keys=supplier_keys, reference=reference)


def _recorded_rule(document: dict, path: Path) -> Path:
    """The rule file to recompute a declaration under when no --rule is given: the one whose bytes hash to the
    recorded ``provenance.rule.sha256``, looked for where the recorded file may lie (find_recorded), then in
    the rule library by the declaration's rule id (FOOTPRINT_RULES, then footprint's own: _library_rule_files).

    A declaration made with a rule file of one's own records that file: recomputing with the
    shipped rule of the same id instead failed on the rule's hash (or found no rule at all).  The
    recorded path is where the file was on the declaring machine, the hash what it held: a rule file
    of an id the library does not hold, handed over beside the declaration, was "unknown rule"
    (exit 2, naming neither the declaration nor the file it records), and a library id found only
    in footprint's own library under a FOOTPRINT_RULES without it was "unknown rule" too.  Where no
    candidate has the recorded content, the first that exists is taken and its hash comparison
    fails, naming the file (Verification.rule); where none exists, a DeclarationError asks for --rule.
    """
    from footprint.declaration import verify as _verify
    from footprint.errors import DeclarationError
    from footprint.paths import rules_dir

    recorded = _verify.recorded_path(document, "rule")
    rule_id = document["rule"].get("id") if isinstance(document.get("rule"), dict) else None
    candidates = [*(_verify.recorded_candidates(recorded, path) if recorded else []),
                  *_library_rule_files(rule_id)]
    found = _verify.first_with_content(candidates, _verify.recorded_sha256(document, "rule"))
    if found is not None:
        return found
    where = f"the rule file it records ({recorded}) is not found" if recorded else "it records no rule file"
    raise DeclarationError(f"nothing to recompute under: {where}, and the rule library "
                           f"({rules_dir().resolve()}) has no rule {rule_id!r}", file=path, field="--rule",
                           expected="--rule FILE (the rule file the declaration was computed under)")


def _library_rule_files(rule_id: Any) -> list[Path]:
    """rules/<id>.yaml of the library this process reads and of footprint's own, absolute (a rule id only)."""
    import re

    from footprint.paths import rules_dir, shipped_rules_dir

    if not isinstance(rule_id, str) or not re.fullmatch(_rule.RULE_ID, rule_id):
        return []
    return [Path(os.path.abspath(directory / f"{rule_id}.yaml")) for directory in (rules_dir(), shipped_rules_dir())]


def _recorded_data(document: dict, path: Path) -> tuple[Path | None, str | None]:
    """(the activity data a declaration records, found as every verification finds a recorded file; why not)."""
    from footprint.declaration import verify as _verify

    recorded = _verify.recorded_path(document, "activity_data")
    if recorded is None:
        return None, "the declaration records no activity data path"
    found = _verify.find_recorded(recorded, path, _verify.recorded_sha256(document, "activity_data"))
    return (found, None) if found is not None else (None, f"the activity data it records ({recorded}) is not found")


def _recorded_data_or_refuse(document: dict, path: Path) -> Path:
    """The activity data a declaration records (_recorded_data), or the DeclarationError both verifies give.

    Why one function: batch verify reported a row whose recorded data was not found as "the activity
    data it records (X) is not found", without the file, the field or the way out that single verify
    gives (--data, or --hash-only and what it does not prove) for the same file.
    """
    from footprint.errors import DeclarationError

    data, problem = _recorded_data(document, path)
    if data is None:
        raise DeclarationError(f"nothing to recompute from: {problem}", file=path, field="--data",
                               expected="--data ACTIVITY (the activity data it was computed from), or "
                                        "--hash-only to check only the content hash, which proves nothing "
                                        "about the numbers (anyone who edits a value can hash again)")
    return data


def _verifiable(path: Path) -> dict:
    """The declaration at ``path``, parsed once, refused unless it carries what verify checks (hash and rule).

    Batch verify parses each file here and hands the document on to _verify_document: reading
    the file a second time could verify other content than the one whose recorded data was found.
    """
    from footprint.errors import DeclarationError

    document = _load_json(path)
    if not isinstance(document, dict) or "content_sha256" not in document or "rule" not in document:
        raise DeclarationError("not a footprint declaration", file=path,
                               expected="a file written by 'footprint declare'")
    return document


def _verify_document(document: dict, path: Path, data: str | Path | None, *, rule: str | Path | None = None,
                     tolerance: float = 1e-6, mapping: str | Path | None = None,
                     scheme: str | Path | dict | None = None,
                     supplier_keys: str | Path | TrustedKeys | None = None, reference: bool = False):
    """verify_declaration on a declaration already parsed from ``path`` (single and batch verify, one code path).

    ``scheme``: a class scheme file, or the schemes batch verify read once, by id (_schemes_by_id); which
    one applies is _scheme_to_apply's decision; ``supplier_keys``: a trusted-keys file, or the keys a
    batch read once (TrustedKeys); ``reference``: recompute the results by the reference path (see
    verify_declaration)."""
    from footprint.declaration import verify as _verify
    from footprint.errors import DeclarationError

    _check_tolerance(tolerance)
    if data is None:
        if mapping is not None:
            raise DeclarationError("--mapping needs --data (only a recomputation uses the mapping)",
                                   field="--mapping", value=str(mapping), expected="--data ACTIVITY as well")
        if scheme:
            given = ", ".join(s["_source"] for s in scheme.values()) if isinstance(scheme, dict) else str(scheme)
            raise DeclarationError("--scheme needs --data (only a recomputation checks the class)",
                                   field="--scheme", value=given, expected="--data ACTIVITY as well")
        outcome = _verify.compare(document, None, tolerance=tolerance)
        outcome.document = document
        return outcome
    _check_declaration(document, path)  # schema check, with located errors
    loaded = _rule.load_rule(rule if rule is not None else _recorded_rule(document, path))
    override = _verify.allocation_override(document, loaded)
    schemes = scheme if isinstance(scheme, dict) else _schemes_by_id([scheme]) if scheme is not None else {}
    applied = _scheme_to_apply(document, path, schemes)  # before the recomputation: a refusal waits for nothing
    _refuse_missing_own_datasets(document, path)
    from footprint.inputs.upstream import created_at

    created = created_at(document)
    mapping_path, default_database = _verify.recorded_mapping(document, path, mapping)
    monte_carlo = document.get("uncertainty") if isinstance(document.get("uncertainty"), dict) else {}
    recomputed = _declare(loaded.path, data, allocation=override, created=created, mapping=mapping_path,
                          background=default_database, refuse_gaps=True, uncertainty=monte_carlo.get("iterations"),
                          seed=monte_carlo.get("seed"), withdrawn_ok=True,  # declare(), under a rule withdrawn since
                          id_version=_verify.recorded_footprint_version(document), supplier_keys=supplier_keys,
                          reference=reference)
    recomputed = _reclassed(document, recomputed, path, applied, tolerance)
    outcome = _verify.compare(document, recomputed, tolerance=tolerance)
    outcome.scheme_not_applied = bool(schemes) and applied is None
    outcome.reference = reference
    outcome.allocation = override
    outcome.data = str(data)
    outcome.rule = os.path.abspath(loaded.path)
    _verify.name_input_files(outcome)
    outcome.document = document
    return outcome


def _refuse_missing_own_datasets(document: dict, path: Path) -> None:
    """Refuse to recompute a declaration resting on a producer's own dataset this machine does not hold.

    Why: a declaration on a user's own grid (``electricity/CN-GZ`` under FOOTPRINT_HOME/inventories) was
    recomputed elsewhere on the rule's fallback grid, and verify listed 621 differing values (exit 1) with
    the reason one line among them (``provenance.inventories.own ... (absent)``).  Nothing can be
    recomputed without the dataset; said so, the reviewer asks the producer for the file (whose recorded
    hash, ``provenance.inventories.used_sha256``, the recomputation then compares).
    """
    from footprint.errors import DeclarationError
    from footprint.paths import home, inventories_dirs

    inventories = (document.get("provenance") or {}).get("inventories") or {}
    own = inventories.get("own") if isinstance(inventories, dict) else None
    if not isinstance(own, list):
        return
    roots = inventories_dirs()
    missing = [code for code in own if isinstance(code, str)
               and not any((root / f"{code}.yaml").is_file() for root in roots)]
    if missing:
        raise DeclarationError(
            "nothing to recompute from: the declaration rests on datasets of its producer's own inventories that "
            "this machine does not hold: " + ", ".join(missing), file=path, field="provenance.inventories.own",
            expected=f"the producer's files as {home() / 'inventories'}/<code>.yaml (their recorded hashes are "
                     "compared), or --hash-only to check the content hash alone")


def _refuse_classed_without_scheme(document: dict, path: Path, scheme: str | Path | dict | None) -> None:
    """Refuse to verify a classed declaration without the class scheme it was classed under.

    Why: the class rests on the scheme's thresholds and labels, which the declaration only
    copies.  Recomputed under its own copy, a declaration whose thresholds were moved (class and
    nearest threshold made to fit) and hashed again verified, exit 0, with a warning a script never
    reads.  Nothing verifies a class but the scheme file, so without it nothing is recomputed.
    """
    from footprint.errors import DeclarationError

    from footprint.inputs.upstream import refuse_sensitivity_run

    record = document.get("performance_class")
    if record is None or scheme is not None:
        return
    refuse_sensitivity_run(document, DeclarationError, file=path)  # no scheme classes a sensitivity run: say that
    scheme_id = record.get("scheme_id") if isinstance(record, dict) else None
    raise DeclarationError(
        f"a classed declaration (class scheme {scheme_id!r}): its class rests on that scheme's thresholds, which "
        "only the scheme file can confirm", file=path, field="--scheme",
        expected="--scheme FILE, the class scheme it was classed under ('footprint classes derive' writes it; "
                 "batch verify takes --scheme once per scheme), or --hash-only to check the content hash alone")


def _scheme_to_apply(document: dict, path: Path, schemes: dict[str, dict]) -> dict | None:
    """The class scheme a declaration's class is recomputed under; None for a declaration that records no class.

    One decision for ``verify --scheme FILE`` and ``batch verify --scheme FILE``, given the schemes read
    (by id, _schemes_by_id).  Why: single verify refused an unclassed declaration given a scheme (exit 2)
    while batch verify verified the same file; a declaration without ``performance_class`` claims no
    class, so both now verify its numbers, apply no scheme and say so (NO_CLASS_RECORDED).  A classed
    declaration needs the scheme its class names (by ``scheme_id``): without any scheme it is refused
    (_refuse_classed_without_scheme), with others only it is refused (_scheme_of): a scheme file of
    another id was compared field by field where batch verify refused the row.
    """
    if document.get("performance_class") is None:
        return None
    _refuse_classed_without_scheme(document, path, schemes or None)
    return _scheme_of(document, path, schemes)


#: How far (relative) a recomputed value may lie from the declared one and still be classed as declared:
#: floating-point noise between declare's path and the reference path (4e-14 on the examples), far below
#: the verify tolerance (1e-6), so a value moved within the tolerance across a threshold is still caught.
CLASS_VALUE_NOISE = 1e-9


def _classed_at_agreed_values(document: dict, recomputed: dict, category: str, tolerance: float) -> dict:
    """The recomputation to class: its value (and Monte Carlo median) of ``category`` replaced by the declared
    one where the two agree within floating-point noise (CLASS_VALUE_NOISE, or ``tolerance`` if smaller).

    Why: a declared value that is exactly a threshold (a quantile threshold is a declaration's own value
    whenever its position is j/N) takes the better class; the reference path recomputed it 7e-15 above
    (46.555493837498695 -> ...702), classed it B, and verify failed the honest class-A declaration, exit 1.
    Not within the whole tolerance: a value forged 1e-7 across a threshold, its class made to fit, would
    then verify.  Values further apart are classed as recomputed (and fail if the class differs).
    """
    import copy
    import math

    from footprint.inputs.upstream import declared_results

    bound = min(tolerance, CLASS_VALUE_NOISE)

    def agree(a: Any, b: Any) -> bool:
        return (isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isfinite(a)
                and math.isfinite(b) and abs(a - b) <= bound * max(abs(a), abs(b)))

    out = copy.deepcopy(recomputed)
    stated = {r.get("category"): r for r in declared_results(document)}
    for result in declared_results(out):
        mine = stated.get(result.get("category"))
        if result.get("category") == category and mine is not None and agree(mine.get("value"), result.get("value")):
            result["value"] = mine["value"]
    stated_mc = {r.get("category"): r for r in ((document.get("uncertainty") or {}).get("results") or [])
                 if isinstance(r, dict)} if isinstance(document.get("uncertainty"), dict) else {}
    for result in ((out.get("uncertainty") or {}).get("results") or []) if isinstance(out.get("uncertainty"),
                                                                                      dict) else []:
        mine = stated_mc.get(result.get("category"))
        if result.get("category") == category and mine is not None and agree(mine.get("median"),
                                                                              result.get("median")):
            result["median"] = mine["median"]
    return out


def _reclassed(document: dict, recomputed: dict, path: Path, scheme: dict | None,
               tolerance: float = 0.0) -> dict:
    """The recomputation with the performance class the declaration gets under ``scheme`` (none if it has none).

    ``scheme``: the scheme _scheme_to_apply chose, as read once (its ``_source`` key names the file);
    None for a declaration that records no class.  Without this, a class or class probabilities edited
    by hand and hashed again passed verify; compare() then holds the recorded thresholds and labels to
    the scheme's.
    """
    from footprint.market import classes as _classes

    if scheme is None:
        return recomputed
    read = {k: v for k, v in scheme.items() if k != "_source"}
    classed = _classed_at_agreed_values(document, recomputed, read.get("category"), tolerance)
    record = _classes.assign(classed, read, declaration_source=str(path), scheme_source=str(scheme["_source"]))
    return {**recomputed, "performance_class": record}


def market_register(register: str | Path | None = None):
    """The market register (default FOOTPRINT_HOME/market.sqlite; a path or an SQLAlchemy URL)."""
    from footprint.market import registry as _registry

    return _registry.Register(register)


def register_input(register: str | Path | None = None) -> tuple[str, Path | None]:
    """The register as an input of a command that writes files: ("market register", its SQLite file).

    Why: ``classes derive --register m.sqlite -o m.sqlite --force`` replaced the register with
    a scheme (exit 0); an output is refused when it is this file (None for a server database).
    """
    from footprint.market.db import sqlite_path, url_for

    return "market register", sqlite_path(url_for(register))


def market_add(paths: list[str | Path], *, mass_kg: float, year: int, register: str | Path | None = None,
               require_signature: str | Path | None = None, replace: bool = False):
    """Register declarations as placed on the market in ``year`` (mass per declaration; re-adding replaces).

    With ``require_signature`` (trusted public keys) every declaration must be signed by one of them.
    ``replace``: a declaration takes the place of registered ones of the same facility and an
    overlapping period (a correction); without it such a declaration is refused.
    """
    from footprint.market import registry as _registry

    entries = [_registry.entry_from_declaration(read_declaration(p, require_signature=require_signature),
                                                mass_kg=mass_kg, year=year, source=str(p))
               for p in paths]
    return market_register(register).add(entries, replace=replace)


def market_import(path: str | Path, *, register: str | Path | None = None):
    """Import a register CSV in one transaction (a bad row rejects the whole file)."""
    from footprint.market import registry as _registry

    entries = _registry.read_csv(path)
    return market_register(register).add(entries, source=str(path))


def market_rows(*, register: str | Path | None = None, rule: str | None = None,
                year: int | None = None) -> list[dict]:
    return market_register(register).rows(rule_id=rule, year=year)


def derive_classes(rule: str, category: str | None, window: str, *, classes: int | None = None,
                   weight: str | None = None, method: str | None = None, head_room: bool | None = None,
                   margin: float | None = None, robust: tuple[float, float] | None = None,
                   register: str | Path | None = None, date: dt.date | None = None,
                   previous: dict | None = None, window_years: int | None = None,
                   _scheme_defaults: dict | None = None, basis: str | None = None) -> dict:
    """A class scheme (thresholds A..n) from the declarations placed on the market in the window.

    Options left as None come from the rule's ``class_scheme`` block when ``rules/<rule>.yaml``
    exists (the rule author's choice), else from the built-in defaults (climate change, 7 classes,
    mass-weighted quantiles, no head-room, three-year window and review, trigger on mass).  The
    window must span the scheme's ``window_years`` (Annex V point 8: three) unless ``window_years``
    overrides it; the scheme records the override.  ``basis`` "median" derives from the
    declarations' Monte Carlo medians (declare --uncertainty) where they have one.
    """
    from footprint.market import classes as _classes

    defaults = _scheme_defaults or _class_scheme_defaults(rule)
    category = category or defaults["category"]
    n_classes = defaults["classes"] if classes is None else classes
    _classes.labels(n_classes)  # refuse fewer than 2 classes before reading the register
    record = _classes.check_window(window, defaults["window_years"], override=window_years,
                                   source=defaults["source"])
    start, end = _classes.parse_window(window)
    market = market_register(register)
    points, unit = market.points(rule, category, start, end)
    years = market.placement_years(rule, category, start, end) if points else None
    return _classes.derive(points, rule_id=rule, category=category, unit=unit, window=window,
                           classes=n_classes, weight=weight or defaults["weight"],
                           method=method or defaults["method"],
                           head_room=defaults["head_room"] if head_room is None else head_room,
                           margin=_classes.DEFAULT_HEAD_ROOM_MARGIN if margin is None else margin,
                           robust=robust or _classes.DEFAULT_ROBUST, date=date, previous=previous,
                           review_years=defaults["review_years"], trigger_basis=defaults["trigger_basis"],
                           window_record=record, basis=basis or "value", years_placed=years)


def _class_scheme_defaults(rule_id: str) -> dict:
    """The rule's class-scheme parameters (rule.class_scheme_rule: an overriding library's held to footprint's
    own), or the built-in defaults for a rule id with no file here."""
    loaded = _rule.class_scheme_rule(rule_id)
    if loaded is not None:
        scheme = loaded.rule.class_scheme
        return {"category": scheme.category, "classes": scheme.number_of_classes, "weight": scheme.weighting,
                "method": scheme.method, "head_room": scheme.head_room, "window_years": scheme.window_years,
                "review_years": scheme.review_years, "trigger_basis": scheme.trigger_basis, "source": "rule"}
    return {"category": "climate_change", "classes": 7, "weight": "mass", "method": "quantile", "head_room": False,
            "window_years": 3, "review_years": 3, "trigger_basis": "mass", "source": "built-in default"}


def read_scheme(path: str | Path) -> dict:
    from footprint.market import classes as _classes

    path = Path(path)
    scheme = _load_json(path, _classes.ClassSchemeError, "a class scheme JSON file")
    return _classes.check_scheme(scheme, str(path))


def write_scheme(scheme: dict, path: str | Path, *, force: bool = False) -> Path:
    from footprint.market import classes as _classes

    return write_atomic(Path(path), _classes.to_json(scheme), force=force)


def assign_class(declaration: str | Path, scheme: str | Path, *,
                 require_signature: str | Path | None = None) -> dict:
    """The declaration with ``performance_class`` set from the scheme; ``content_sha256`` covers the class.

    The class changes the content, so the input's signatures (made over the content without the
    class) are not carried over: sign the result (sign_document) if it must be signed.
    """
    from footprint.market import classes as _classes

    document = read_declaration(declaration, require_signature=require_signature)
    record = _classes.assign(document, read_scheme(scheme), declaration_source=str(declaration),
                             scheme_source=str(scheme))
    document = {key: value for key, value in document.items() if key not in ("content_sha256", "signatures")}
    document["performance_class"] = record
    document["content_sha256"] = _declaration.content_hash(document)
    _declaration.validate(document)
    return document


@dataclass
class Revision:
    """A revised scheme and what the revision report shows."""

    old: dict
    new: dict
    migration: dict
    shares_old: dict
    shares_new: dict
    points: list
    near: dict = field(default_factory=dict)  # declarations whose 95 % interval contains a new threshold

    def html(self) -> str:
        from footprint.report.classes_report import render_revision

        return render_revision(self.old, self.new, self.points, self.migration, self.shares_old, self.shares_new,
                               near=self.near)

    def write_report(self, path: str | Path, *, force: bool = False) -> Path:
        return write_atomic(Path(path), self.html(), force=force)

    def write(self, scheme_path: str | Path, report_path: str | Path, *, force: bool = False) -> Path:
        """The new scheme JSON and the revision report together: both written, or neither."""
        from footprint.market import classes as _classes

        return write_outputs([(Path(report_path), self.html()), (Path(scheme_path), _classes.to_json(self.new))],
                             force=force)[-1]


def revise_classes(old: str | Path | dict, window: str, *, classes: int | None = None, weight: str | None = None,
                   method: str | None = None, head_room: bool | None = None, margin: float | None = None,
                   triggers: tuple[float, float] | None = None, register: str | Path | None = None,
                   date: dt.date | None = None, robust: tuple[float, float] | None = None,
                   window_years: int | None = None, basis: str | None = None) -> Revision:
    """Derive the next scheme (options default to the old scheme's) and compare it with the old one.

    Window length, review period and trigger basis follow the rule's class scheme (or, for a
    rule without a file here, the old scheme's record of them).
    """
    from footprint.market import classes as _classes

    old_scheme = old if isinstance(old, dict) else read_scheme(old)
    _classes.check_revision(old_scheme, window, date, "old scheme" if isinstance(old, dict) else str(old))
    triggers = triggers or _classes.DEFAULT_TRIGGERS
    for value in triggers:
        if not 0 < value <= 1:
            raise _classes.ClassSchemeError("rescaling trigger out of range", field="trigger", value=value,
                                            expected="a share in (0, 1], e.g. 0.3")
    old_room = old_scheme.get("head_room") or {}
    defaults = _class_scheme_defaults(old_scheme["rule"]["id"])
    if defaults["source"] != "rule":  # no rule file: keep what the old scheme recorded
        defaults.update({"window_years": (old_scheme.get("window_years") or {}).get("rule", 3),
                         "review_years": old_scheme.get("review_years", 3),
                         "trigger_basis": old_scheme.get("trigger_basis", "mass"), "source": "old scheme"})
    new = derive_classes(old_scheme["rule"]["id"], old_scheme["category"], window,
                         classes=old_scheme["number_of_classes"] if classes is None else classes,
                         weight=weight or old_scheme["weighting"], method=method or old_scheme["method"],
                         head_room=old_room.get("enabled", False) if head_room is None else head_room,
                         margin=margin if margin is not None else old_room.get("margin"),
                         robust=robust or tuple(old_scheme.get("parameters", {}).get("robust_percentiles") or ())
                         or None,
                         register=register, date=date, previous=old_scheme, window_years=window_years,
                         _scheme_defaults=defaults,
                         basis=basis or (old_scheme.get("basis") or {}).get("value") or "value")
    if old_scheme.get("unit") and new.get("unit") and old_scheme["unit"] != new["unit"]:
        raise _classes.ClassSchemeError("the register's values are in another unit than the old scheme's thresholds",
                                        field="unit", value=new["unit"],
                                        expected=f"values in {old_scheme['unit']}, as the old scheme")
    start, end = _classes.parse_window(window)
    points, _unit = market_register(register).points(new["rule"]["id"], new["category"], start, end)
    # the market the new thresholds were derived from: partial values out, medians under basis "median"
    points, _partial, _without = _classes.population(points, (new.get("basis") or {}).get("value", "value"))
    basis = new["trigger_basis"]
    return Revision(old=old_scheme, new=new, migration=_classes.migration(points, old_scheme, new),
                    shares_old=_classes.top_shares(points, old_scheme, triggers, basis),
                    shares_new=_classes.top_shares(points, new, triggers, basis), points=points,
                    near=_classes.near_thresholds(points, new))


def class_label_png(document: dict) -> bytes:
    """The class label graphic (PNG) of a declaration that has a ``performance_class``."""
    from footprint.errors import DeclarationError
    from footprint.report.label import class_label_png as _png

    if not isinstance(document.get("performance_class"), dict):
        raise DeclarationError("the declaration has no performance class", field="performance_class",
                               expected="a declaration written by 'footprint classes assign'")
    return _png(document["performance_class"])


def write_class_label(document: dict, path: str | Path, *, force: bool = False) -> Path:
    return write_from_declaration(document, [(Path(path), class_label_png(document))], force=force)[0]


__all__ += ["verify_declaration", "market_register", "market_add", "market_import", "market_rows",
            "derive_classes", "read_scheme", "write_scheme", "assign_class", "Revision", "revise_classes",
            "class_label_png", "write_class_label"]


# ----------------------------------------------------------------------------- reports and exports (issue 6)


def write_report_pdf(document: dict, path: str | Path, *, force: bool = False, lang: str = "en") -> Path:
    """The HTML report printed to PDF by headless Chromium (ReportError naming the fix if it is missing)."""
    from footprint.report import render_pdf

    check_writable(Path(path), force)
    return write_from_declaration(document, [(Path(path), render_pdf(document, lang))], force=force)[0]



def export_declaration(document: dict, fmt: str, path: str | Path, *, force: bool = False,
                       data: str | Path | None = None, rule: str | Path | None = None) -> Path:
    """Write a declaration as a PACT v3 record (pact), its tidy table (csv) or its product system (xlsx).

    xlsx needs the activity data (and the rule, if not the declaration's rule id): the
    declaration holds results, not the foreground exchanges, so the product system is
    rebuilt from the inputs, whose hashes must match the declaration's provenance.
    """
    import json

    from footprint import export as _export

    if fmt not in _export.FORMATS:
        raise _export.ExportError("unknown export format", field="--format", value=fmt,
                                  expected="one of " + ", ".join(_export.FORMATS))
    check_writable(Path(path), force)
    if fmt == "pact":
        content: str | bytes = json.dumps(_export.to_pact(document), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        content = _export.to_csv(document)
    else:
        from footprint.export import xlsx as _xlsx

        if data is None:
            raise _export.ExportError("the Excel export needs the activity data the declaration was computed from",
                                      field="--data", expected="--data ACTIVITY.yaml (and --rule if the rule is "
                                                               "not in rules/)")
        snapshot = ensure_setup()
        catalogue = snapshot.catalogue()
        flows = snapshot.biosphere_index()
        system, catalogue = _xlsx.rebuild_system(document, data, rule, flows, catalogue)
        content = _xlsx.to_xlsx(document, system, catalogue, flows)
    return write_from_declaration(document, [(Path(path), content)], force=force)[0]


__all__ += ["write_report_pdf", "export_declaration"]


# ----------------------------------------------------------------------------- signatures (issue 10)


def new_key(path: str | Path, *, force: bool = False):
    """A new Ed25519 key pair: private key at ``path`` (mode 0600), public key at ``path.pub`` (a NewKey)."""
    from footprint.declaration import signing

    return signing.new_key(path, force=force)


def sign_document(document: dict, key: str | Path, *, name: str | None = None, role: str | None = None) -> dict:
    """The declaration with a signature by the private key in the file ``key`` added (content hash unchanged)."""
    from footprint.declaration import signing

    return signing.sign(document, signing.load_private_key(key), name=name, role=role)


def sign_declaration(path: str | Path, key: str | Path, *, output: str | Path | None = None,
                     name: str | None = None, role: str | None = None, force: bool = False) -> Path:
    """Sign a declaration file: in place (default), or written to ``output``. An edited file is refused.

    In place, a symbolic link is followed: the file it names is signed and the link stays (the
    link was replaced by a signed copy, and the declaration it named stayed unsigned, exit 0).
    """
    target = Path(output) if output is not None else \
        Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if output is not None:
        check_writable(target, force)
    refuse_inputs(target, [("private key", Path(key))])  # -o KEY --force replaced the only copy of the key
    try:
        signed = sign_document(read_declaration(path), key, name=name, role=role)
    except FootprintError as exc:
        if exc.file is not None:
            raise
        # the document's own refusals (edited, changed after signing) name the declaration file
        raise type(exc)(exc.message, file=path, field=exc.field, value=exc.value, expected=exc.expected) from None
    return write_from_declaration(signed, [(target, _declaration.to_json(signed))],
                                  force=True if output is None else force)[0]


def check_signatures(path: str | Path | dict, public_keys: str | Path):
    """The signatures of a declaration file checked against the public keys in a file (a SignatureCheck).

    ``path`` may be the document already parsed (verify's outcome.document): verify --public-key read
    the file a second time for its signatures, so a file replaced between the two reads had the
    signatures of one content shown as valid beside the recomputation of another."""
    from footprint.declaration import signing
    from footprint.errors import DeclarationError

    document = path if isinstance(path, dict) else _load_json(Path(path))
    if not isinstance(document, dict):
        raise DeclarationError("not a footprint declaration", file=path,
                               expected="a file written by 'footprint declare'")
    return signing.check(document, signing.load_public_keys(public_keys))


def describe_signature(record: dict) -> str:
    """One line about a signature record: key id, signer, time."""
    from footprint.declaration import signing

    return signing.describe(record)


__all__ += ["new_key", "sign_document", "sign_declaration", "check_signatures", "describe_signature"]


# ----------------------------------------------------------------------------- secondary data and imports (issue 4)


def list_inventories(kind: str | None = None, geography: str | None = None) -> list[_inventory.Dataset]:
    """The open library's datasets, optionally one kind and/or one geography (case-insensitive)."""
    catalogue = _inventory.load_catalogue()
    datasets = sorted(catalogue.datasets.values(), key=lambda d: d.code)
    if kind:
        datasets = [d for d in datasets if d.kind == kind.lower()]
    if geography:
        datasets = [d for d in datasets if d.geography.lower() == geography.lower()]
    return datasets


def show_inventory(code: str) -> tuple[_inventory.Dataset, Path]:
    """One dataset and the file it is read from (unknown codes get the closest codes)."""
    catalogue = _inventory.load_catalogue()
    dataset = catalogue.get(code, field="CODE")
    return dataset, catalogue.files[dataset.code]


def inventory_coverage(rule: str | Path, data: str | Path | None = None, *, background: str | None = None,
                       mapping: str | Path | None = None):
    """Per declared category: the datasets that characterise it, and those that do not with the reason.

    Without ``data`` the datasets are the rule's defaults (templates such as electricity/{region}
    count through the fallbacks that exist); with ``data`` they are exactly what that producer's
    inventory draws on, including the grids' upstream chains and suppliers' declarations.

    ``mapping`` (with ``background`` as its default database, as declare takes them): the inventory
    as that mapping retargets it, read by declare's own code path (_prepare: map_system, the imported
    datasets' coverage from engine.mapping.imported_coverage as quality.imported_sources reads it for the
    declaration).  Why: without it the command showed the library's datasets the mapping replaces, so a
    producer declaring with ``--mapping`` could not see the declaration's coverage beforehand.
    """
    from footprint.engine import coverage
    from footprint.errors import ActivityDataError

    loaded = _rule.load_rule(rule)
    if (mapping or background) and data is None:  # a mapping retargets one producer's inventory, not the rule
        raise ActivityDataError(f"{'--mapping' if mapping else '--background'} needs --data", field="--data",
                                value=str(mapping or background),
                                expected="the producer's activity data whose inventory the mapping retargets")
    if data is None:
        catalogue = _inventory.load_catalogue()
        return coverage.analyse(loaded, catalogue, coverage.default_datasets(loaded, catalogue),
                                basis="the datasets the rule names by default; {region}/{country} grids through "
                                      "their fallbacks")
    # built as declare builds it (_prepare): the same set-up read, and the same refusals of its inputs (a
    # supplier's declaration characterised with other factors was listed as covering, exit 0, where declare
    # refuses it)
    run = _Run.open()
    system = _prepare(run, loaded.path, data, loaded=loaded, background=background, mapping=mapping).system
    basis = f"the inventory of {Path(data).as_posix()}"
    if mapping:
        basis += f" with the mapping {Path(mapping).as_posix()}"
    return coverage.analyse(loaded, run.catalogue, system.datasets_used(), system.upstream_declarations(),
                            basis=basis, direct=_direct_categories(system),
                            imported=coverage.imported_of(system))


def _direct_categories(system) -> set[str]:
    """Categories the producer's own reported emissions (biosphere flows of the foreground) have a factor in."""
    from footprint.data.methods import characterised_flows

    table = characterised_flows()
    found: set[str] = set()
    for process in system.processes:
        for flow in process.flows:
            if flow.kind == "biosphere" and flow.amount and flow.compartment:
                name = flow.label.rsplit(" (", 1)[0]
                found |= table.get((name, tuple(flow.compartment.split("::"))), frozenset())
    return found


def import_inventory(path: str | Path, fmt: str, name: str | None = None, *, version: str | None = None,
                     force: bool = False, dry_run: bool = False):
    """Import an EcoSpold2 / Brightway Excel / openLCA JSON-LD database offline (all-or-nothing)."""
    from footprint.data import imports

    ensure_setup()
    return imports.import_database(path, fmt, name, version=version, replace=force, dry_run=dry_run)


def imported_databases() -> list[dict]:
    """Every imported database with format, version and source hash."""
    from footprint.data import imports

    ensure_setup()
    bd, _bc, _bi = _project.brightway()
    return [imports.database_info(name) for name in sorted(bd.databases) if name not in imports.RESERVED]


__all__ += ["list_inventories", "show_inventory", "import_inventory", "imported_databases"]


# ---------------------------------------------------------------- many declarations: batch and Dask (issue 14)

def background_identity() -> str:
    """What the declarations of this process are computed from: the current background snapshot's id and
    the footprint code (``SNAPSHOT+CODE``, footprint.paths.code_digest).

    A batch sends it with every chunk; a Dask worker bound to another set-up, or running another
    footprint (an older checkout on a cluster machine), refuses the rows (footprint.market.batch.guard)
    instead of computing them on another background or with other arithmetic: the declaration
    records footprint's version, which a checkout does not change, so nothing else would tell.
    """
    from footprint.paths import code_digest

    return f"{ensure_setup().id}+{code_digest()}"


def _batch_context(scheduler: str | None, **options) -> dict:
    """What goes with every chunk: ``options``, and the background identity where Dask workers must match it."""
    from footprint.market.batch import runs_here

    return {**options, "identity": None if runs_here(scheduler) else background_identity()}


def _internal_error(exc: BaseException) -> str:
    """A row's unexpected error (a bug), reported for that row instead of stopping the others."""
    return f"internal error ({type(exc).__name__}: {exc})"


def _row_outcome(row, run) -> Any:
    """One row's outcome: ``run()``'s (status, message, document, note), or the error it raised, never raised."""
    import time

    from footprint.market.batch import Outcome

    started = time.perf_counter()
    note = ""
    try:
        status, message, document, note = run()
    except FootprintError as exc:
        status, message, document = "error", str(exc), None
    except Exception as exc:  # noqa: BLE001 - a bug in one row must not stop the others; it is reported
        status, message, document = "error", _internal_error(exc), None
    return Outcome(row.number, status, message, row.output, document, time.perf_counter() - started, note)


def _warm_for_workers() -> None:
    """Open the run's snapshot here before a pool forks (a cold process spends ~1.5 s on it).

    A set-up that fails is not reported here: each worker meets the same failure for its rows,
    which is how the serial run reports it (one error per row).
    """
    try:
        _Run.open()
    except FootprintError:
        pass


def _declare_chunk(rows, context: dict) -> list:
    """The batch task: declare the rows together (on a worker or here); a row's error is its outcome."""
    import time

    from footprint.market import batch as _batch

    if context.get("identity"):
        refused = _batch.guard(context["identity"], background_identity, rows)
        if refused is not None:
            return refused
    started = time.perf_counter()
    try:
        declared = _declare_rows(rows, context.get("created"))
    except FootprintError as exc:  # the set-up itself failed: every row of the chunk says why
        return [_batch.Outcome(row.number, "error", str(exc), row.output) for row in rows]
    seconds = (time.perf_counter() - started) / max(1, len(rows))
    outcomes = []
    for row, (document, error) in zip(rows, declared):
        if error is None:
            outcomes.append(_batch.Outcome(row.number, "ok", "", row.output, document, seconds))
        elif isinstance(error, FootprintError):
            outcomes.append(_batch.Outcome(row.number, "error", str(error), row.output, None, seconds))
        else:
            outcomes.append(_batch.Outcome(row.number, "error", _internal_error(error), row.output, None, seconds))
    return outcomes


def _verify_chunk(rows, context: dict) -> list:
    """The batch-verify task: recompute each declaration from its recorded activity data."""
    from footprint.market import batch as _batch

    if context.get("identity"):
        refused = _batch.guard(context["identity"], background_identity, rows)
        if refused is not None:
            return refused

    def one(row):
        outcome = _verify_document(row.document, Path(row.output), row.data or None,
                                   tolerance=context.get("tolerance", 1e-6),
                                   supplier_keys=context.get("supplier_keys"),
                                   scheme=context.get("schemes") or {},
                                   reference=bool(context.get("reference")))
        if outcome.ok:
            return "ok", f"{outcome.compared} values agree", None, outcome.note
        first = outcome.failures[0]
        return "differs", (f"{len(outcome.failures)} difference(s), first: {first.item}: declared {first.declared}, "
                           f"recomputed {first.recomputed}"), None, outcome.note

    return [_row_outcome(row, lambda row=row: one(row)) for row in rows]


def _schemes_by_id(schemes: Sequence[str | Path]) -> dict[str, dict]:
    """batch verify's class schemes, each read once, by scheme id (each with ``_source``: its file, for messages).

    Two files of one id with other content are refused: which one a declaration is checked
    against would depend on the order they were given in.
    """
    from footprint.errors import DeclarationError
    from footprint.market.classes import scheme_sha256

    by_id: dict[str, dict] = {}
    for path in schemes:
        scheme = read_scheme(path)
        seen = by_id.get(scheme["scheme_id"])
        if seen is not None and scheme_sha256(scheme) != scheme_sha256({k: v for k, v in seen.items()
                                                                        if k != "_source"}):
            raise DeclarationError(f"two class schemes with the id {scheme['scheme_id']!r} and other content",
                                   file=path, field="--scheme", value=scheme["scheme_id"],
                                   expected=f"one file per scheme id (the other: {seen['_source']})")
        by_id[scheme["scheme_id"]] = {**scheme, "_source": str(path)}
    return by_id


def _scheme_of(document: dict, path: Path, by_id: dict[str, dict]) -> dict | None:
    """The scheme (of the --scheme files read, by id) a classed declaration names; None if unclassed or none given.

    Called by _scheme_to_apply, which decides for single and batch verify alike."""
    from footprint.errors import DeclarationError

    record = document.get("performance_class")
    if not isinstance(record, dict) or not by_id:
        return None
    scheme = by_id.get(record.get("scheme_id"))
    if scheme is None:
        raise DeclarationError(f"its class scheme {record.get('scheme_id')!r} is not among the --scheme files",
                               file=path, field="performance_class.scheme_id", value=record.get("scheme_id"),
                               expected="one of " + ", ".join(repr(k) for k in sorted(by_id))
                                        + " (add --scheme FILE for it)")
    return scheme


def declare_many(rows, *, created: dt.datetime | None = None, scheduler: str | None = None,
                 workers: int | None = None, progress: bool | None = False,
                 supplier_keys: str | Path | None = None, strict: bool = False, uncertainty: int | None = None,
                 seed: int | None = None) -> list:
    """Declare many (rule, data) pairs in one run; one footprint.market.batch.Outcome per row, in order.

    ``rows`` are (rule, data) pairs, dicts with the manifest's keys (rule, data, allocation,
    mapping, background), or footprint.market.batch.Row objects.  Each outcome has
    ``.status`` ('ok' or 'error'), ``.message`` and ``.document`` (the declaration, as
    ``declare`` returns it).  A row's error never stops the others.  ``workers`` N (no
    ``scheduler``) runs the rows on N forked processes of this machine (footprint.market.pool;
    from pool.POOL_FROM rows, byte for byte the serial outcomes, in order); ``scheduler``
    'processes' does so on every core, 'local' runs on a Dask LocalCluster, 'tcp://HOST:PORT' on
    a running cluster.

    ``supplier_keys`` (a file of trusted public keys) holds every row to what
    ``declare(..., supplier_keys=...)`` requires; a row's own ``supplier_keys`` key overrides it.
    Each file is read once, before any row runs (a SignatureError for this one; a row's own
    file that cannot be used is that row's error).

    ``strict``, ``uncertainty`` and ``seed`` are declare's, for every row; a row's own ``strict``,
    ``uncertainty`` or ``seed`` key overrides the option for that row (_with_run_options).  Each
    row's declaration is then ``declare(rule, data, strict=, uncertainty=, seed=)``'s, byte for
    byte on every scheduler; a refusal (StrictQualityError, a seed without a Monte Carlo) is that
    row's error with declare's message.  A run's ``seed`` without ``uncertainty`` that no row can
    take (no row sets its own uncertainty) is declare's refusal, raised before any row runs.  Rows
    with a Monte Carlo and no seed (theirs or the run's) share one seed drawn for the run
    (_seed_drawn_for_the_run), recorded in each declaration.
    """
    from footprint.market import batch as _batch

    prepared = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, _batch.Row):
            prepared.append(row)
        elif isinstance(row, dict):
            known = (*_batch.MANIFEST_COLUMNS, *_batch.OPTIONAL_COLUMNS)
            unknown = sorted(str(k) for k in row if k not in known)
            if unknown:  # a misspelt key (a TypeError before) is that row's error, as in a manifest
                prepared.append(_batch.Row(number, problem=f"unknown key(s) {', '.join(unknown)[:80]}; a row takes "
                                                           "only " + ", ".join(known)))
                continue
            prepared.append(_batch.Row(number, **{k: (str(v) if k in ("rule", "data", "mapping", "supplier_keys")
                                                      and v is not None
                                                      else v) for k, v in row.items()}))
        else:
            rule, data = row
            prepared.append(_batch.Row(number, rule=str(rule), data=str(data)))
    prepared = _with_run_options(_batch.with_trusted_keys(prepared, supplier_keys), strict=strict,
                                 uncertainty=uncertainty, seed=seed,
                                 drawn_seed=_seed_drawn_for_the_run(prepared, uncertainty=uncertainty, seed=seed))
    kept: dict[int, dict] = {}
    context = _batch_context(scheduler, created=created or _time.utc_now().replace(microsecond=0))
    summary = _batch.run(prepared, _declare_chunk, context, scheduler=scheduler, workers=workers, progress=progress,
                         on_outcome=lambda o: kept.__setitem__(o.row, o.document) if o.document else None,
                         description="declarations", warm=_warm_for_workers)
    for outcome in summary.outcomes:
        outcome.document = kept.get(outcome.row)
    return summary.outcomes


def batch_declare(manifest: str | Path, *, force: bool = False, register: str | Path | None = None,
                  scheduler: str | None = None, workers: int | None = None, progress: bool | None = None,
                  created: dt.datetime | None = None, errors: str | Path | None = None,
                  supplier_keys: str | Path | None = None, strict: bool = False, uncertainty: int | None = None,
                  seed: int | None = None, sign_key: str | Path | None = None, signer_name: str | None = None,
                  signer_role: str | None = None):
    """Declare every row of a manifest, write each output, stream entries into the register; a Summary.

    Outputs are written here (never by a worker) as results arrive; with ``register``, rows that
    give mass_kg and year are added to it as they arrive.  A row whose output exists (without
    ``force``), appears twice, or lacks mass_kg/year while a register is given is refused alone.
    ``errors``: where the caller will write the error report (Summary.write_errors); refused
    here, before computing, when it exists (without ``force``) or is the manifest, a row's input
    or output, or the register.
    ``supplier_keys``: as declare_many's (a row's column overrides it); its problem is raised
    before any row runs.  ``strict``, ``uncertainty``, ``seed``: as declare_many's (a row's
    strict, uncertainty or seed column overrides them); without a seed, one is drawn for the run
    (_seed_drawn_for_the_run), given to every row without its own, and is ``Summary.seed``.
    ``sign_key`` (with ``signer_name``, ``signer_role``): every declaration written is signed as
    ``declare --sign KEY`` signs it (sign_document's record, made here as it is written, where the
    key stays: it never travels to a worker).  The key file is read once, before any row runs, and a
    problem with it is raised (the messages of ``declare --sign``); no row's output (nor ``errors``)
    may be the key, even with ``force``.  There is no manifest column for it: one key signs the run.
    ``Summary.signed_by`` is its key id.
    """
    from dataclasses import replace as _replace

    from footprint.market import batch as _batch

    private_key = None
    if sign_key is not None:  # before anything runs: a bad key file refused the run only after every row computed
        from footprint.declaration import signing as _signing

        private_key = _signing.load_private_key(sign_key)
    rows = _batch.with_trusted_keys(_batch.read_manifest(manifest), supplier_keys)
    drawn_seed = _seed_drawn_for_the_run(rows, uncertainty=uncertainty, seed=seed)
    rows = _with_run_options(rows, strict=strict, uncertainty=uncertainty, seed=seed, drawn_seed=drawn_seed)
    outputs: dict[str, int] = {}  # resolved output path -> the row that writes it
    inputs_of_rows = [("manifest", Path(manifest)), *_batch.row_inputs(rows),
                      *([("supplier keys", Path(supplier_keys))] if supplier_keys is not None else []),
                      *([("private key", Path(sign_key))] if sign_key is not None else []),
                      *([register_input(register)] if register is not None else [])]
    inputs = input_index(inputs_of_rows)  # every row's, and the register: an output never replaces them
    checked = []
    file_digests: dict[str, str | None] = {}
    registering: dict[tuple, int] = {}  # what makes a row's declaration id (and year) -> the first row of it
    for row in rows:
        problem = row.problem
        if problem is None and not row.output:
            problem = "no output path (column 'output')"
        if problem is None:
            problem = _not_a_regular_file(row)
        if problem is None and str(Path(row.output).resolve()) in outputs:
            problem = f"output {row.output} is written by an earlier row (row {outputs[str(Path(row.output).resolve())]})"
        if problem is None and os.path.isdir(row.output):  # --force replaces files only: say so now
            problem = f"output {row.output} is a directory (expected a file path)"
        if problem is None:
            try:  # declare's own checks (an existing file or dangling link without --force, an input)
                _refuse_output(Path(row.output), force, inputs)
            except FootprintError as exc:
                problem = str(exc)
        if problem is None and register is not None and (row.mass_kg is None or row.year is None):
            problem = "a register is given, so the row needs mass_kg and year"
        if problem is None and register is not None:
            same = _same_declaration_key(row, file_digests)
            if same is not None and same in registering:
                problem = (f"the same declaration (the same rule, activity data and options) and year {row.year} "
                           f"as row {registering[same]}: the register keeps one mass per declaration and year, so "
                           "one row's mass would replace the other's (sum the masses in one row)")
            elif same is not None:
                registering[same] = row.number
        if problem is None:
            outputs[str(Path(row.output).resolve())] = row.number
        checked.append(_replace(row, problem=problem) if problem != row.problem else row)
    if errors is not None:
        check_output(errors, force, inputs=[*inputs_of_rows,
                                            *((f"output of row {row.number}", row.output) for row in rows
                                              if row.output)])
    target = market_register(register) if register is not None else None
    by_number = {row.number: row for row in checked}
    placed: dict[tuple[str, int], int] = {}  # (declaration id, year) -> the row that registered it in this run
    written: list[int] = []  # rows whose declaration is written (said on an interruption)

    def write(outcome) -> None:
        if outcome.document is None:
            return
        row = by_number[outcome.row]
        _refuse_a_supplier_written_by_the_run(outcome.document, row.number, outputs)
        if private_key is not None:  # declare --sign's record (sign_document), with the key read once
            outcome.document = _signing.sign(outcome.document, private_key, name=signer_name, role=signer_role)
        entry = key = None
        if target is not None:
            from footprint.market import registry as _registry

            # The register keeps one mass per declaration and year: a second row of the same declaration
            # (the same rule and data) replaced the first one's mass, and on Dask which one won was timing.
            key = (str(outcome.document.get("id")), row.year)
            if key in placed:
                raise _batch.BatchError(f"the same declaration ({key[0]}) and year as row {placed[key]}: the register "
                                        "keeps one mass per declaration and year, so one row's mass would replace "
                                        "the other's", field="mass_kg", value=row.mass_kg,
                                        expected="one row per declaration and year (the masses summed)")
            # before writing: a row the register refuses (a year before the reporting period) wrote its file
            # anyway, reported as failed, and the corrected re-run then refused it as "exists"
            entry = _registry.entry_from_declaration(outcome.document, mass_kg=row.mass_kg, year=row.year,
                                                     source=row.output)
        if target is None:
            # checked before computing, and again here: a file that appeared at the output since (another run
            # writing there) was replaced with exit 0; without --force it is now this row's error
            write_declaration(outcome.document, row.output, force=force)
            written.append(row.number)
            return

        def registered() -> None:  # once the register committed, even if a Ctrl-C follows: counted as written
            written.append(row.number)
            placed[key] = row.number

        _write_registered(target, entry, outcome.document, row.output, force=force, on_commit=registered)

    context = _batch_context(scheduler, created=created or _time.utc_now().replace(microsecond=0))
    try:
        summary = _batch.run(checked, _declare_chunk, context, scheduler=scheduler, workers=workers,
                             progress=progress, on_outcome=write, description="declarations", warm=_warm_for_workers)
    except KeyboardInterrupt as exc:
        # the rows written so far stay (each file whole, each registered with it): say so, instead of the
        # command line's "nothing half-written was left behind", which read as "nothing of the batch was done"
        interrupted = _batch.BatchInterrupted(
            f"interrupted: {len(written)} of {len(checked)} rows were written"
            + (f" ({len(placed)} of them registered)" if target is not None else "")
            + ", each file whole; a re-run refuses them as existing (--force declares them again"
            + (" and registers them in place" if target is not None else "") + ")")
        interrupted.exit_code = getattr(exc, "exit_code", 130)  # a SIGTERM stays 143 (footprint.errors.Terminated)
        raise interrupted from None
    summary.source = str(manifest)
    summary.seed = drawn_seed
    if private_key is not None:
        summary.signed_by = _signing.key_id(private_key.public_key())
    return summary


def _write_registered(target, entry, document: dict, output: str, *, force: bool,
                      on_commit: Callable[[], Any] | None = None) -> None:
    """Register ``entry`` and write ``document`` to ``output``: both, or neither.

    The register's every check and write is made first (Register.adding), so a row it refuses writes
    no file; the file is written while the register's transaction is open, and the entry committed
    after it.  Why: the file was written first and the entry added after, so a row the register
    refused (the same declaration made with another Monte Carlo seed, placed in another year) was
    counted as failed while its declaration sat in the output directory, ready to be published or
    verified as if it were on the market.  A commit that fails once the file is in place (a full
    disk, a lost database server) takes the file back; a Ctrl-C or SIGTERM once the register has
    committed never does, and is delivered after ``on_commit`` (the run's count of what is written)
    has run: footprint._io.write_with_transaction, which says why.
    """
    def not_kept(exc: BaseException) -> None:
        if isinstance(exc, FootprintError):
            exc.message = (f"the register did not keep the declaration ({exc.message}), so it was not written "
                           f"to {output}")

    write_with_transaction(Path(output), lambda: write_declaration(document, output, force=force),
                           target.adding([entry]), force=force, on_commit=on_commit, on_undo=not_kept)


def _not_a_regular_file(row) -> str | None:
    """Why a row's input is refused before the run (a FIFO would block the whole batch), else None."""
    from footprint._io import SPECIAL_FILE, special_file
    from footprint.market.batch import is_rule_path

    for what, path in (("activity data", row.data), ("background mapping", row.mapping),
                       ("rule", row.rule if is_rule_path(row.rule) else None),
                       ("supplier keys", row.supplier_keys)):
        if path and special_file(path):
            return f"{path}: the {what} is {SPECIAL_FILE}; not read"
    return None


def _same_declaration_key(row, digests: dict[str, str | None]) -> tuple | None:
    """What a row's declaration id is made of, as far as the manifest tells it (file contents, not paths), and its year.

    The rule by the content of its file, whether the row names it by id or by path: by the id's text, a
    row naming the library's file by path got another key than a row naming its id, so the second was
    computed and refused only where results arrive, with another message.

    Why before computing: two rows of one declaration and year give the register two masses for one
    entry, so the second is refused.  Refused where results arrive, the row refused was whichever came
    second: on Dask that is timing, and the register kept one run's mass or the other's.  Rows whose
    files cannot be read get no key (they fail on their own); equal keys always give one declaration id,
    and the check where results arrive still catches the rest.
    """
    from footprint._io import file_sha256

    def digest(path: str | None) -> str | None:
        if not path:
            return ""
        if path not in digests:
            try:  # a regular file only: a FIFO would block the run here
                digests[path] = file_sha256(Path(path)) if Path(path).is_file() else None
            except OSError:
                digests[path] = None
        return digests[path]

    try:  # a rule id by the library file it names: 'ndpr-oxide' and 'rules/ndpr-oxide.yaml' are one rule
        rule = digest(str(_rule.resolve_rule_path(row.rule)))
    except FootprintError:
        rule = None  # an unknown rule fails on its own
    parts = (rule, digest(row.data), row.allocation or "", digest(row.mapping), row.background or "", row.year)
    return None if None in parts else parts


def _refuse_a_supplier_written_by_the_run(document: dict, number: int, outputs: dict[str, int]) -> None:
    """Refuse row ``number`` when a file it was computed from (a supplier's declaration) is another row's output.

    Why: outputs are written as results arrive.  A row reading a supplier declaration that an earlier
    row of the same run rewrites read the old file when both rows fell in one chunk (a short run, this
    process) and the new one when the writer's chunk had landed first (--workers, Dask): the same
    manifest gave other declarations depending on timing, and --workers 2 differed from the serial run.
    Decided from the paths alone, so the row is refused on every scheduler.  (The activity data,
    mapping and rule file of every row are known before the run and refused there: row_inputs.)
    """
    from footprint.market.batch import BatchError

    for what, where in declaration_inputs(document):
        writer = outputs.get(str(where.resolve()))
        if writer is not None and writer != number:
            raise BatchError(f"its {what} {where} is the output of row {writer} of this run: it would read the old "
                             "or the new file depending on which row ran first", field="output", value=str(where),
                             expected="the supplier declared in an earlier run, or row "
                                      f"{writer}'s output written elsewhere")


def batch_verify(directory: str | Path, *, scheduler: str | None = None, workers: int | None = None,
                 progress: bool | None = None, tolerance: float = 1e-6, errors: str | Path | None = None,
                 force: bool = False, public_keys: str | Path | None = None,
                 supplier_keys: str | Path | None = None, schemes: Sequence[str | Path] = (),
                 reference: bool = False):
    """Recompute every declaration (*.json) in ``directory`` from the activity data its provenance records.

    Each file is one row: 'ok' (verified), 'differs' (a difference beyond ``tolerance``) or
    'error' (unreadable, or its activity data is not found).  A Summary, one outcome per file.
    ``errors`` (the caller's error report) is refused before computing when it exists (without
    ``force``) or is one of the declarations or the activity data they record.
    ``public_keys`` holds every declaration to ``verify --public-key``: one whose numbers agree but
    that carries no valid signature by one of these keys 'differs' (single verify says NOT
    VERIFIED, exit 1); the file is read once, before any row runs, and a bad file raises.
    ``supplier_keys`` holds every recomputation to ``verify --supplier-keys``: a declaration made
    from a supplier's file that no trusted key signed over its content is that row's error (single
    verify: exit 2).  Why: a supplier's file edited and hashed again recomputes to the same edited
    numbers, so the batch said verified where a reviewer could not ask for the signatures.  Read
    once before any row runs (TrustedKeys, as batch declare reads it); a bad file raises.
    ``schemes``: the class scheme files of the classed declarations (``verify --scheme``), each read
    once before any row runs and chosen per declaration by the ``scheme_id`` its class records; a
    classed declaration whose scheme is not among them is that row's error, as single verify
    refuses a classed declaration without ``--scheme``.
    ``reference``: recompute by the reference path, as single verify does by default (seconds a row
    on a large imported background instead of milliseconds, so a market-wide run asks for it).
    """
    from footprint.errors import DeclarationError
    from footprint.market import batch as _batch

    _check_tolerance(tolerance)
    keys = None
    if public_keys is not None:
        from footprint.declaration import signing as _signing

        keys = _signing.load_public_keys(public_keys)
    trusted = None
    if supplier_keys is not None:
        from footprint.market.batch import TrustedKeys

        trusted = TrustedKeys.read(supplier_keys)
    by_id = _schemes_by_id(schemes)
    directory = Path(directory)
    if not directory.is_dir():
        raise DeclarationError("not a directory", file=directory, expected="a directory of declaration JSON files")
    # any case: a reviewer's 'DECL.JSON' was skipped without a word and the run said all verified
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".json")
    if not files:
        raise DeclarationError("no declarations (*.json) in the directory", file=directory)
    rows = [_verify_row(number, path) for number, path in enumerate(files, start=1)]
    if errors is not None:
        check_output(errors, force, inputs=[*(("declaration", row.output) for row in rows),
                                            *(("activity data", row.data) for row in rows if row.data),
                                            *([("trusted public keys", public_keys)] if public_keys else []),
                                            *([("supplier keys", supplier_keys)] if supplier_keys else []),
                                            *(("class scheme", scheme) for scheme in schemes)])
    context = _batch_context(scheduler, tolerance=tolerance, supplier_keys=trusted, schemes=by_id, reference=reference)
    summary = _batch.run(rows, _verify_chunk, context, scheduler=scheduler, workers=workers, progress=progress,
                         description="declarations", warm=_warm_for_workers)
    summary.source = str(directory)
    if keys is not None:
        _hold_to_signatures(summary, rows, keys, public_keys)
    return summary


def _hold_to_signatures(summary, rows, keys: dict, public_keys: str | Path) -> None:
    """Mark each verified declaration without a valid signature by one of ``keys`` 'differs', saying why.

    Checked here, on the document each row parsed once (the one recomputed): a signature check
    takes microseconds, so it needs no worker, and the keys never travel.
    """
    from footprint.declaration import signing as _signing

    documents = {row.number: row.document for row in rows}
    for outcome in summary.outcomes:
        document = documents.get(outcome.row)
        if outcome.status == "error" or document is None:
            continue
        check = _signing.check(document, keys)
        if check.ok:
            continue
        why = (f"signature INVALID: {_signing.describe(check.invalid[0][0])}: {check.invalid[0][1]}" if check.invalid
               else f"no signature by a key in {public_keys}")
        outcome.message = f"{why}; {outcome.message}" if outcome.message else why
        outcome.status = "differs"


def _verify_row(number: int, path: Path) -> Row:
    """One batch-verify row: the declaration parsed once (the worker verifies that document) and its activity
    data found as single verify finds it without --data (_recorded_data).

    A file that cannot be parsed or is no declaration is refused with the reason single verify gives
    (it was reported as 'no activity data recorded').
    """
    from footprint.market import batch as _batch

    from footprint._io import SPECIAL_FILE, special_file

    if special_file(path):  # never opened: a FIFO named *.json blocked the whole run, /dev/zero was read for ever
        return _batch.Row(number, rule="(recorded)", output=str(path), problem=f"{path}: {SPECIAL_FILE}; not read")
    try:
        document = _verifiable(path)
        data = _recorded_data_or_refuse(document, path)  # single verify's refusal, word for word
    except FootprintError as exc:
        return _batch.Row(number, rule="(recorded)", output=str(path), problem=str(exc))
    return _batch.Row(number, rule="(recorded)", data=str(data), output=str(path), document=document)


__all__ += ["register_input", "declare_many", "batch_declare", "batch_verify", "background_identity", "warm_up"]


# ---------------------------------------------------------------- footprint serve: the PACT v3 host
# The server wing (starlette, uvicorn, SQLAlchemy) is imported only inside these functions.

def publish_declaration(path: str | Path, *, to: list[str] | tuple[str, ...] = (), public: bool = False,
                        database: str | Path | None = None, replace: bool = False,
                        public_keys: str | Path | None = None):
    """Publish a declaration file to API clients (``to``) and/or everyone (``public``) on the host.

    The file is read like every other declaration (schema and content hash checked); the record the
    host serves is its PACT v3 export.  A declaration of the same rule, declarant and facility as an
    Active published one, for an overlapping period, is refused unless ``replace`` (a correction: the
    other record becomes Deprecated).  ``public_keys`` (a file of trusted public keys, as ``verify
    --public-key``) refuses a declaration not signed by one of them: its content hash alone shows an
    accident, not a forgery, since whoever edits a value can hash the file again, and the host would
    serve the forged number to every buyer.  Returns a footprint.server.store.Published.
    """
    from footprint.server import publish as _publish

    return _publish.publish(read_declaration(path, require_signature=public_keys), to=list(to), public=public,
                            database=database, replace=replace)


def add_client(client_id: str, *, database: str | Path | None = None) -> str:
    """Create an API client; returns its secret (shown once; the database keeps only a scrypt hash)."""
    from footprint.server.store import Store

    return Store(database).add_client(client_id)


def remove_client(client_id: str, *, database: str | Path | None = None) -> None:
    from footprint.server.store import Store

    Store(database).remove_client(client_id)


def list_clients(*, database: str | Path | None = None) -> list[dict]:
    from footprint.server.store import Store

    return Store(database).clients()


def serve(*, host: str = "127.0.0.1", port: int = 8443, tls_cert: str | Path | None = None,
          tls_key: str | Path | None = None, database: str | Path | None = None, token_ttl: int = 3600,
          access_log: str | Path | None = None, ready=None, event_attempts: int = 8,
          event_backoff: float = 5.0, public_url: str | None = None, max_answer_footprints: int | None = None) -> None:
    """Run the PACT v3 host and the web pages over TLS until interrupted (footprint/server/run.py).

    ``public_url``: the https URL clients reach the host at, the CloudEvents ``source`` of every event it sends
    (default: the address it listens on); ``max_answer_footprints``: the most footprints one answer carries
    (default: server.answers.MAX_ANSWER_FOOTPRINTS).
    """
    from footprint.server import run as _run

    _run.serve(_run.ServeOptions(host=host, port=port, tls_cert=tls_cert, tls_key=tls_key, database=database,
                                 token_ttl=token_ttl, access_log=access_log, event_attempts=event_attempts,
                                 event_backoff=event_backoff, public_url=public_url,
                                 **({} if max_answer_footprints is None
                                    else {"max_answer_footprints": max_answer_footprints})), ready=ready)


def set_client_endpoint(client_id: str, url: str, *, secret_file: str | Path, remote_client_id: str,
                        token_url: str | None = None, ca_file: str | Path | None = None,
                        database: str | Path | None = None) -> None:
    """Give a client the event endpoint the host answers its RequestCreated events at (PACT v3 Action Events).

    ``url`` is the client's base URL (https; events go to ``{url}/3/events``), ``token_url`` its token endpoint
    (default ``{url}/auth/token``), ``remote_client_id`` and the secret in ``secret_file`` what the host
    authenticates with there.  The secret is read from a file, never from the command line (which other users
    of the machine can see); it is kept in the database as given, since the host has to send it.
    """
    from footprint.server.store import PublishError, Store

    secret_path = Path(secret_file)
    try:
        secret = secret_path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"cannot read the secret file: {getattr(exc, 'strerror', None) or exc}",
                           file=secret_path, field="--remote-secret-file",
                           expected="a UTF-8 text file holding the secret") from None
    if "\n" in secret or not secret:
        raise PublishError("the secret file must hold one secret on one line", file=secret_path,
                           field="--remote-secret-file")
    ca = None
    if ca_file is not None:
        ca_path = Path(ca_file).expanduser().resolve()
        if not ca_path.is_file():
            raise PublishError("file not found", file=ca_file, field="--ca-file", expected="a PEM file of CA certificates")
        ca = str(ca_path)
    base = url.rstrip("/")
    Store(database).set_endpoint(client_id, base, token_url or base + "/auth/token", remote_client_id, secret, ca)


def remove_client_endpoint(client_id: str, *, database: str | Path | None = None) -> None:
    from footprint.server.store import Store

    Store(database).remove_endpoint(client_id)


def client_report(client_id: str, *, database: str | Path | None = None) -> dict:
    """A client, its event endpoint (never the secret) and the answers to its requests, failed ones named."""
    from footprint.server.store import Store

    return Store(database).client_report(client_id)
