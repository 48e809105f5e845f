"""A fair benchmark: footprint against plain Brightway, same process, same numbers, call by call.

Everything runs in a temporary FOOTPRINT_HOME made for the run (set up offline, deleted after),
never in the user's.  Plain Brightway is what a practitioner writes by hand for the same numbers:
the foreground written once as a Brightway database (outside the timings), then

* plain A: a fresh ``bw2calc.LCA`` per demand: lci, lcia, and a switch through every category
  methods footprint computes (what a declaration needs);
* plain B: one LCA factorised once and re-solved per demand (the fastest loop by hand);
* MultiLCA: ``bw2calc.MultiLCA`` of the twelve examples' demands and every method at once.

footprint and plain Brightway alternate call by call (``--repeat`` rounds), so a machine that
slows down slows both; each line reports the median with min/max and the ratio of the medians.
Figures are from one machine; the ratios are what to compare.  Run: ``python -m bench``
(``make bench``), ``--quick`` for a smoke run, ``--sizes 1000,10000`` for the synthetic backgrounds,
``--only single,scaling`` for some sections (single, verify, mapping, scaling, cold).
"""
from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
DEMO = EXAMPLES / "ndpr-oxide" / "activity-2025.yaml"
PLAIN_DB = "bench-plain-foreground"
SYNTHETIC_DB = "bench-synthetic-background"
UNITS = ("kilogram", "kilowatt hour", "megajoule", "ton kilometer")  # synthetic process i is per UNITS[i % 4]
FLOWS = [("Carbon dioxide, fossil", ("air",)), ("Methane, fossil", ("air",)), ("Sulfur dioxide", ("air",)),
         ("Nitrogen oxides", ("air",)), ("Particulate Matter, < 2.5 um", ("air",))]


# ----------------------------------------------------------------------------- timing

@dataclass
class Timing:
    """Seconds of repeated calls of one measurement."""

    label: str
    seconds: list[float] = field(default_factory=list)
    per: int = 1  # calls per timed call (the median is divided by it: per declaration, per demand)

    def run(self, func) -> object:
        # every call starts from the same collector state: a call that leaves work for the cyclic
        # collector (a batch holding 240 declarations) charged it, about 50-110 ms, to whichever
        # call came next -- plain A's median read 66 and 177 ms instead of 45-58 in the last runs
        gc.collect()
        started = time.perf_counter()
        value = func()
        self.seconds.append((time.perf_counter() - started) / self.per)
        return value

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def text(self) -> str:
        return (f"{self.median * 1000:10.2f} ms  ({min(self.seconds) * 1000:.2f} .. "
                f"{max(self.seconds) * 1000:.2f})")


@dataclass
class Target:
    """One target of issue 14: a ratio of two medians and its limit."""

    what: str
    ours: Timing
    base: Timing
    limit: float | None

    @property
    def ratio(self) -> float:
        return self.ours.median / self.base.median

    def text(self) -> str:
        verdict = "" if self.limit is None else (f"  target <= {self.limit:g}: "
                                                  + ("met" if self.ratio <= self.limit else "NOT met"))
        return f"{self.what:<58} {self.ratio:8.3f}{verdict}"


def interleave(rounds: int, *calls: tuple[Timing, object]) -> None:
    """Call each measurement once per round, in turn (after one untimed warm-up call each)."""
    for _timing, func in calls:
        func()
    for _ in range(rounds):
        for timing, func in calls:
            timing.run(func)


def quiet():
    from footprint._io import quiet_stdout

    return quiet_stdout()


# ----------------------------------------------------------------------------- plain Brightway

def write_plain(systems: dict[str, object], background: str) -> dict[str, tuple[int, float]]:
    """Every product system's foreground as one Brightway database (codes prefixed by example)."""
    from footprint.data.inventory import BIOSPHERE_DB
    from footprint.data.project import brightway

    data = {}
    for name, system in systems.items():
        for process in system.processes:
            code = f"{name}/{process.id}"
            exchanges = [{"input": (PLAIN_DB, code), "amount": process.output, "type": "production"}]
            for flow in process.flows:
                if flow.kind in ("upstream", "recycled-content"):
                    continue  # suppliers' values lie outside Brightway in footprint too
                if flow.kind == "intermediate":
                    target = (PLAIN_DB, f"{name}/{flow.target}")
                elif flow.kind == "biosphere":
                    target = (BIOSPHERE_DB, flow.target)
                elif "::" in flow.target:
                    target = tuple(flow.target.split("::", 1))
                else:
                    target = (background, flow.target)
                exchanges.append({"input": target, "amount": flow.amount,
                                  "type": "biosphere" if flow.kind == "biosphere" else "technosphere"})
            data[(PLAIN_DB, code)] = {"name": process.name, "unit": "kilogram", "exchanges": exchanges}
    write_database(PLAIN_DB, data)
    bd = brightway()[0]
    return {name: (bd.get_node(database=PLAIN_DB, code=f"{name}/{s.reference}").id, s.demand)
            for name, s in systems.items()}


def write_database(name: str, data: dict) -> None:
    """Write a database the way an import does: into a new snapshot, switched to atomically.

    Declarations read a snapshot that never changes; plain Brightway's foreground and the
    synthetic backgrounds enter it like any imported database, so footprint and plain
    Brightway read exactly the same data.
    """
    from footprint.data import project

    def write(bd) -> None:
        with quiet(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bd.Database(name).write(data, searchable=False)

    project.update_snapshot(write, reason=f"bench: {name}")
    project.open_snapshot()  # bind the new snapshot in this process


def plain_a(demand: tuple[int, float], methods: list[tuple]) -> list[float]:
    """A fresh LCA for one demand, scored in every method."""
    from footprint.data.project import brightway

    bc = brightway()[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lca = bc.LCA({demand[0]: demand[1]}, methods[0])
        lca.lci()
        lca.lcia()
        scores = [lca.score]
        for method in methods[1:]:
            lca.switch_method(method)
            lca.lcia_calculation()
            scores.append(lca.score)
    return scores


class PlainB:
    """One LCA factorised once; per demand one solve and the scores of every method from the stacked (C B) rows."""

    def __init__(self, demands: list[tuple[int, float]], methods: list[tuple]):
        import numpy as np

        from footprint.data.project import brightway

        bc = brightway()[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.lca = bc.LCA({node: amount for node, amount in demands}, methods[0])
            self.lca.lci(factorize=True)
            self.lca.lcia()
            rows = []
            for method in methods:
                self.lca.switch_method(method)
                rows.append(np.asarray((self.lca.characterization_matrix @ self.lca.biosphere_matrix).sum(axis=0)))
        self.cb = np.vstack(rows)

    def __call__(self, demand: tuple[int, float]) -> list[float]:
        self.lca.redo_lci({demand[0]: demand[1]})
        return (self.cb @ self.lca.supply_array).tolist()


def multi_lca(demands: dict[str, tuple[int, float]], methods: list[tuple]):
    from footprint.data.project import brightway

    bd, bc, _bi = brightway()
    config = {"impact_categories": methods}
    functional_units = {name: {node: amount} for name, (node, amount) in demands.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data_objs = bd.get_multilca_data_objs(functional_units=functional_units, method_config=config)
        lca = bc.MultiLCA(demands=functional_units, method_config=config, data_objs=data_objs)
        lca.lci()
        lca.lcia()
    return lca.scores


# ----------------------------------------------------------------------------- the examples

def examples() -> list[tuple[str, Path]]:
    return [(path.parent.name, path) for path in sorted(EXAMPLES.glob("*/activity-2025.yaml"))]


def product_systems() -> dict[str, object]:
    from footprint.data import project
    from footprint.engine import system
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    snapshot = project.open_snapshot()
    catalogue = snapshot.catalogue()
    flows = snapshot.biosphere_index()
    return {name: system.build(load_rule(name), load_activity(path), catalogue, flows) for name, path in examples()}


def declares(name: str, data: Path, **options):
    """footprint.declare as a bench call: a refused example (coverage gap) still computed everything."""
    import footprint

    def call():
        try:
            return footprint.declare(name, data, **options)
        except footprint.FootprintError:
            return None
    return call


# ----------------------------------------------------------------------------- sections

def section_single(rounds: int, report: list) -> None:
    import footprint
    from footprint.engine import calculate
    from footprint.inputs.categories import all_categories

    categories = list(all_categories())
    methods = [tuple(c.method) for c in categories]
    systems = product_systems()
    demands = write_plain(systems, "footprint-inventories")
    demo = demands["ndpr-oxide"]
    ours = calculate.calculate(systems["ndpr-oxide"], categories)
    plain = plain_a(demo, methods)
    worst = max(abs(ours.totals[c.id] - p) / max(abs(p), 1e-30) for c, p in zip(categories, plain))
    print(f"ndpr-oxide: {len(systems['ndpr-oxide'].processes)} processes, {len(categories)} categories; "
          f"footprint vs plain Brightway: largest relative difference {worst:.1e}")

    plain_b = PlainB(list(demands.values()), methods)
    t_a = Timing("plain A: fresh bw2calc LCA + every method, per demand")
    t_b = Timing("plain B: factorised LCA re-solved, per demand")
    t_a12 = Timing("plain A over the 12 examples' demands, per demand", per=len(demands))
    t_multi = Timing("bw2calc MultiLCA of the 12 demands x every method, per demand", per=len(demands))
    t_declare = Timing("footprint.declare ndpr-oxide (warm)")
    t_twelve = Timing("footprint.declare of the 12 examples one by one, per declaration", per=len(demands))
    repeats = 5
    rows = [(name, path) for name, path in examples()] * repeats
    t_many = Timing(f"footprint.declare_many (12 examples x {repeats}), per declaration", per=len(rows))
    # the batch target at market scale: more rows, in this process and on a pool of forked workers
    # (footprint.market.pool; the pool's start-up is inside the timing, as a user pays it)
    long_rows = [(name, path) for name, path in examples()] * 20
    workers = min(2, os.cpu_count() or 1)
    t_many20 = Timing("footprint.declare_many (12 examples x 20), per declaration", per=len(long_rows))
    t_pool = Timing(f"footprint.declare_many (12 x 20) on {workers} worker processes, per declaration",
                    per=len(long_rows))
    t_pool_gc = Timing("  the same, then the full collection it leaves behind (gc.collect())", per=len(long_rows))

    def pooled_then_collected():
        footprint.declare_many(long_rows, workers=workers)
        gc.collect()  # the collection the batch deferred, charged to it (an upper bound: a full one)
    one_by_one = [declares(name, path) for name, path in examples()]
    # a host that declares many times calls footprint.warm_up(freeze=True) once (README, "A warm host"):
    # the same three calls interleaved before and after it (plain Brightway in the same process both times),
    # then every measurement on the frozen heap
    def host_pair(state: str) -> tuple[Timing, Timing, Timing]:
        pair = (Timing(f"plain A, heap {state}"), Timing(f"footprint.declare ndpr-oxide (warm), heap {state}"),
                Timing(f"footprint.declare_many (12 examples x 20), per declaration, heap {state}",
                       per=len(long_rows)))
        interleave(rounds, (pair[0], lambda: plain_a(demo, methods)), (pair[1], declares("ndpr-oxide", DEMO)),
                   (pair[2], lambda: footprint.declare_many(long_rows)))
        for timing in pair:
            print(f"  {timing.label:<70} {timing.text()}")
        return pair
    unfrozen = host_pair("not frozen")
    footprint.warm_up(freeze=True)
    print(f"  footprint.warm_up(freeze=True): {gc.get_freeze_count()} objects out of the collector's walks")
    frozen = host_pair("frozen")
    interleave(rounds,
               (t_a, lambda: plain_a(demo, methods)),
               (t_declare, declares("ndpr-oxide", DEMO)),
               (t_b, lambda: plain_b(demo)),
               (t_a12, lambda: [plain_a(d, methods) for d in demands.values()]),
               (t_twelve, lambda: [call() for call in one_by_one]),
               (t_multi, lambda: multi_lca(demands, methods)),
               (t_many, lambda: footprint.declare_many(rows)),
               (t_many20, lambda: footprint.declare_many(long_rows)),
               (t_pool, lambda: footprint.declare_many(long_rows, workers=workers)),
               (t_pool_gc, pooled_then_collected))
    for timing in (t_a, t_b, t_a12, t_multi, t_declare, t_twelve, t_many, t_many20, t_pool, t_pool_gc):
        print(f"  {timing.label:<70} {timing.text()}")
    report += [Target("warm declare / plain A, heap not frozen (3 calls interleaved)", unfrozen[1], unfrozen[0], None),
               Target("warm declare / plain A, heap frozen (3 calls interleaved)", frozen[1], frozen[0], None),
               Target("declare_many 12 x 20 / plain A, heap not frozen (3 calls)", unfrozen[2], unfrozen[0], None),
               Target("declare_many 12 x 20 / plain A, heap frozen (3 calls)", frozen[2], frozen[0], None),
               Target("warm declare / plain A (target 0.12)", t_declare, t_a, 0.12),
               Target("warm declare / plain B", t_declare, t_b, None),
               Target("12 declarations one by one / MultiLCA of the 12", t_twelve, t_multi, None),
               Target("declare_many per declaration / plain A per demand (0.025)", t_many, t_a12, 0.025),
               Target("declare_many per declaration / MultiLCA per demand", t_many, t_multi, None),
               Target("declare_many 12 x 20 per declaration / plain A (0.025)", t_many20, t_a12, 0.025),
               Target(f"declare_many 12 x 20, {workers} workers / plain A (0.025)", t_pool, t_a12, 0.025),
               Target(f"declare_many 12 x 20, {workers} workers, + its collection / plain A", t_pool_gc, t_a12, 0.025),
               Target(f"declare_many 12 x 20, {workers} workers / the same in this process", t_pool, t_many20, None)]


def section_verify(rounds: int, report: list, work: Path) -> None:
    """A market-wide recomputation (issue 14 item 5): ``batch verify`` of the shipped examples' declarations.

    By the reference path (``--reference``: foreground and background in one bw2calc LCA per
    declaration) and by declare's path, each per declaration, against plain A per demand of the
    12 examples (a fresh LCA scored in every method: what a reference recomputation does by hand).
    The 3 examples refused for coverage declare nothing, so the folder holds 9 declarations.
    """
    import footprint
    from footprint.inputs.categories import all_categories

    methods = [tuple(c.method) for c in all_categories()]
    demands = write_plain(product_systems(), "footprint-inventories")
    folder = work / "verify"
    folder.mkdir()
    for name, path in examples():
        try:
            footprint.write_declaration(footprint.declare(name, path), folder / f"{name}.json")
        except footprint.FootprintError:
            continue  # refused for coverage: nothing to verify
    files = len(list(folder.glob("*.json")))

    def batch(reference: bool):
        def call():
            summary = footprint.batch_verify(folder, reference=reference, progress=False)
            failed = [(o.row, o.status, o.message) for o in summary.outcomes if o.status != "ok"]
            if failed:  # a bench of a verification that fails would time an error path
                raise RuntimeError(f"batch verify (reference={reference}) failed: {failed}")
        return call
    t_a12 = Timing("plain A over the 12 examples' demands, per demand", per=len(demands))
    t_reference = Timing(f"footprint.batch_verify --reference ({files} declarations), per declaration", per=files)
    t_fast = Timing(f"footprint.batch_verify, declare's path ({files} declarations), per declaration", per=files)
    interleave(rounds, (t_a12, lambda: [plain_a(d, methods) for d in demands.values()]),
               (t_reference, batch(True)), (t_fast, batch(False)))
    for timing in (t_a12, t_reference, t_fast):
        print(f"  {timing.label:<70} {timing.text()}")
    report += [Target("batch verify --reference per declaration / plain A per demand", t_reference, t_a12, None),
               Target("batch verify (declare's path) per declaration / plain A per demand", t_fast, t_a12, None),
               Target("batch verify --reference / batch verify (declare's path)", t_reference, t_fast, None)]


def write_synthetic(size: int, seed: int = 42) -> None:
    """A hub-structured background of ``size`` processes (3 inputs and 5 emissions each).

    Hubs, as in real databases: a uniformly random sparse technosphere fills in
    catastrophically on factorisation (shared/domain/brightway-notes.md section 4).
    """
    import numpy as np

    from footprint.data.inventory import BIOSPHERE_DB
    from footprint.data.project import open_snapshot

    index = open_snapshot().biosphere_index()
    flows = [index[(name, categories)][0] for name, categories in FLOWS]
    rng = np.random.default_rng(seed)
    hubs = min(300, size)
    data = {}
    for i in range(size):
        exchanges = [{"input": (SYNTHETIC_DB, f"p{i}"), "amount": 1.0, "type": "production"}]
        for j in {int(j) for j in rng.integers(0, hubs, 3)} - {i}:
            exchanges.append({"input": (SYNTHETIC_DB, f"p{j}"), "amount": float(rng.uniform(0.01, 0.1)),
                              "type": "technosphere"})
        for flow in flows:
            exchanges.append({"input": (BIOSPHERE_DB, flow), "amount": float(rng.uniform(1e-4, 1.0)),
                              "type": "biosphere"})
        # located in CN: a grid may be mapped only to one of where the demo's facility is (engine.grid)
        data[(SYNTHETIC_DB, f"p{i}")] = {"name": f"synthetic {i}", "unit": UNITS[i % len(UNITS)], "location": "CN",
                                         "reference product": f"product {i}", "exchanges": exchanges}
    write_database(SYNTHETIC_DB, data)


def section_mapping(sizes: list[int], rounds: int, report: list, work: Path) -> None:
    """The demo declared against a synthetic imported background of each size, through --mapping."""
    import footprint
    from footprint.engine import calculate
    from footprint.inputs.categories import all_categories

    methods = [tuple(c.method) for c in all_categories()]
    from footprint.inputs import units as _units

    demo = product_systems()["ndpr-oxide"]
    kinds: dict[str, str] = {}  # every input kind of the demo -> a unit of UNITS its amounts convert to
    for process in demo.processes:
        for flow in process.flows:
            if flow.kind == "background" and flow.input_kind:
                kinds[flow.input_kind] = next(u for u in UNITS if _convertible(_units, flow.unit, u))
    for size in sizes:
        started = time.perf_counter()
        write_synthetic(size)
        written = time.perf_counter() - started
        mapping = work / f"map-{size}.yaml"
        mapping.write_text(f"database: {SYNTHETIC_DB}\nmap:\n" + "".join(
            f"  {kind}: {{code: p{_code(size, k, UNITS.index(unit))}}}\n" for k, (kind, unit) in enumerate(kinds.items())))
        started = time.perf_counter()
        footprint.declare("ndpr-oxide", DEMO, mapping=mapping)  # first: resolves the mapping, solves the scores
        first = time.perf_counter() - started
        from footprint.data import project
        from footprint.data.background import load_mapping
        from footprint.engine.mapping import apply_mapping

        system = product_systems()["ndpr-oxide"]
        system = apply_mapping(system, load_mapping(mapping), project.open_snapshot().catalogue())
        demands = write_plain({"ndpr-oxide": system}, "footprint-inventories")
        t_plain = Timing(f"plain A on the {size:,}-process background")
        t_builtin = Timing("footprint.declare, built-in library (warm)")
        t_mapped = Timing(f"footprint.declare --mapping into {size:,} processes (warm)")
        t_full = Timing("footprint reference path (one bw2calc LCA, one factorisation)")
        categories = list(all_categories())
        databases = ["footprint-inventories", SYNTHETIC_DB]
        interleave(max(3, rounds // 3),
                   (t_plain, lambda: plain_a(demands["ndpr-oxide"], methods)),
                   (t_builtin, declares("ndpr-oxide", DEMO)),
                   (t_mapped, declares("ndpr-oxide", DEMO, mapping=mapping)),
                   (t_full, lambda: calculate.calculate(system, categories, databases, reference=True)))
        print(f"synthetic background of {size:,} processes: written in {written:.1f} s; first mapped declaration "
              f"(resolves the mapping, solves every category once) {first:.2f} s")
        for timing in (t_plain, t_builtin, t_mapped, t_full):
            print(f"  {timing.label:<70} {timing.text()}")
        report += [Target(f"mapped declare {size:,} / built-in declare" + (" (1.5)" if size >= 100000 else ""),
                          t_mapped, t_builtin, 1.5 if size >= 100000 else None),
                   Target(f"mapped declare {size:,} / plain A on it", t_mapped, t_plain, None)]


def _convertible(units, unit: str, target: str) -> bool:
    try:
        units.convert(1.0, unit, units.pint_expression(target))
        return True
    except Exception:  # noqa: BLE001 - another dimension
        return False


def _code(size: int, k: int, unit_index: int) -> int:
    """A process spread over the background whose unit is UNITS[unit_index]."""
    base = (7919 * (k + 1)) % (size - len(UNITS))
    return base - base % len(UNITS) + unit_index


def big_rule(work: Path, extra: int) -> tuple[Path, Path]:
    """ndpr-oxide with ``extra`` auxiliary processes feeding its separation (a rule of 5 + extra processes)."""
    import yaml

    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    data = yaml.safe_load(DEMO.read_text())
    rule["id"] = "bench-large"
    refining = next(s for s in rule["stages"] if s["id"] == "refining")
    separation = next(p for p in refining["processes"] if p["id"] == "separation")
    for k in range(extra):
        pid = f"aux{k:04d}"
        refining["processes"].insert(-1, {"id": pid, "name": f"auxiliary step {k}", "annex_v": ["4(n)"],
                                          "company_specific": "required", "product": {"name": f"aux {k}", "unit": "kg"},
                                          "expected_inputs": ["electricity"]})
        separation.setdefault("inputs_from", []).append(pid)
        data["processes"][pid] = {"dqr": {"TeR": 1, "GeR": 1, "TiR": 1, "P": 2},
                                  "output": {"amount": 1, "unit": "t", "source": "bench"},
                                  "inputs": [{"kind": "electricity", "amount": 1, "unit": "MWh", "source": "bench"}],
                                  "emissions": [{"flow": "Carbon dioxide, fossil", "compartment": "air",
                                                 "amount": 0.1, "unit": "t", "source": "bench"}]}
        data["processes"]["separation"]["inputs"].append({"from": pid, "amount": 1, "unit": "t", "source": "bench"})
    data["rule"] = "bench-large"
    rule_path, data_path = work / "bench-large.yaml", work / "bench-large-activity.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path


def section_scaling(rounds: int, report: list, work: Path) -> None:
    import footprint

    rule_path, data_path = big_rule(work, 1000)
    footprint.declare(rule_path, data_path)  # must declare: a refusal would time nothing
    t_small = Timing("footprint.declare, 5-process foreground (ndpr-oxide)")
    t_large = Timing("footprint.declare, 1,005-process foreground")
    interleave(max(3, rounds // 3), (t_small, declares("ndpr-oxide", DEMO)),
               (t_large, lambda: footprint.declare(rule_path, data_path)))
    for timing in (t_small, t_large):
        print(f"  {timing.label:<70} {timing.text()}")
    report.append(Target("1,005-process / 5-process foreground (10)", t_large, t_small, 10.0))
    print("  where the time goes (medians, ms; the phases of footprint.declare run one by one):")
    engine: dict[str, Timing] = {}
    for label, rule, data in (("5-process", "ndpr-oxide", DEMO), ("1,005-process", rule_path, data_path)):
        phases = breakdown(rule, data, max(3, rounds // 3))
        print(f"    {label:<14} " + ", ".join(f"{name} {ms:.1f}" for name, ms in phases.items()))
        engine[label] = Timing(f"engine phases, {label}", [sum(phases[name] for name in ENGINE_PHASES) / 1000])
    report.append(Target("  engine only (build + calculate + data quality) 1,005 / 5", engine["1,005-process"],
                         engine["5-process"], None))
    floor = Timing("libyaml's parser alone on the 1,005-process activity file (events, no Python objects)")
    text = data_path.read_text()
    interleave(max(3, rounds // 3), (floor, lambda: _libyaml_events(text)))
    print(f"  {floor.label:<70} {floor.text()}")
    report.append(Target("  libyaml parse alone of the 1,005 file / 5-process declare", floor, t_small, None))


#: The phases of a declaration that compute (not reading the activity file, not writing the document).
ENGINE_PHASES = ("build product system", "calculate", "data quality")


def _libyaml_events(text: str) -> int:
    """The least any YAML reader on libyaml does: the C parser's events, no nodes or Python values built."""
    import yaml

    return sum(1 for _ in yaml.parse(text, Loader=yaml.CSafeLoader))


def breakdown(rule, data, rounds: int) -> dict[str, float]:
    """The phases of one declaration, timed apart (same functions as footprint.declare, collector paused)."""
    from footprint import api
    from footprint.declaration import declaration
    from footprint.engine import calculate, quality
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule
    from footprint.inputs.upstream import content_hash

    seconds: dict[str, list[float]] = {}

    def timed(name: str, func):
        started = time.perf_counter()
        value = func()
        seconds.setdefault(name, []).append(time.perf_counter() - started)
        return value

    for _ in range(rounds + 1):
        with api._gc_paused():
            loaded = load_rule(rule)
            activity = timed("read activity data", lambda: load_activity(data))
            run = timed("freshness check", api._Run.open)
            prepared = timed("build product system", lambda: api._prepare(run, rule, data, loaded=loaded,
                                                                           activity=activity))
            result = timed("calculate", lambda: calculate.calculate(prepared.system))
            judged = timed("data quality", lambda: quality.assess(result, run.catalogue))
            document = timed("build declaration", lambda: declaration.build(
                result, judged, run.catalogue, snapshot=run.snapshot, background=api.BACKGROUND_DB))
            timed("of which content hash", lambda: content_hash(document))
            timed("schema check", lambda: declaration.validate(document))
    return {name: statistics.median(values[1:]) * 1000 for name, values in seconds.items()}


SECTIONS = ("single", "verify", "mapping", "scaling", "cold")

PLAIN_SCRIPT = """
import os, warnings
warnings.simplefilter("ignore")
import bw2data as bd, bw2calc as bc
bd.projects.set_current("footprint")
node = bd.get_node(database="{db}", code="{code}").id
methods = {methods!r}
lca = bc.LCA({{node: {amount!r}}}, methods[0]); lca.lci(); lca.lcia()
scores = [lca.score]
for m in methods[1:]:
    lca.switch_method(m); lca.lcia_calculation(); scores.append(lca.score)
print(scores[0])
"""


def section_cold(rounds: int, report: list, work: Path, home: Path) -> None:
    """Whole processes, started cold: the CLI and a plain bw2calc script doing the declaration's LCA."""
    from footprint.data.project import bound_snapshot
    from footprint.inputs.categories import all_categories

    systems = product_systems()
    demands = write_plain({"ndpr-oxide": systems["ndpr-oxide"]}, "footprint-inventories")
    methods = [tuple(c.method) for c in all_categories()]
    exe = Path(sys.executable).with_name("footprint")
    env = {**os.environ, "FOOTPRINT_HOME": str(home)}
    plain_dir = work / "plain-brightway"  # a plain script's own project: a copy (it may write, a snapshot never)
    shutil.copytree(bound_snapshot().brightway_dir, plain_dir)
    plain_env = {**env, "BRIGHTWAY2_DIR": str(plain_dir)}
    script = PLAIN_SCRIPT.format(db=PLAIN_DB, code="ndpr-oxide/separation", methods=methods,
                                 amount=demands["ndpr-oxide"][1])

    def process(argv, environment=None):
        return lambda: subprocess.run(argv, env=environment or env, cwd=REPO, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, check=True)

    out = work / "cold.json"
    t_help = Timing("footprint --help")
    t_rules = Timing("footprint rules list")
    t_inv = Timing("footprint inventories list")
    t_declare = Timing("footprint declare ndpr-oxide -o FILE")
    t_plain = Timing("python plain-bw2calc.py (import, LCA, every method)")
    interleave(max(3, rounds // 3), (t_help, process([str(exe), "--help"])),
               (t_rules, process([str(exe), "rules", "list"])),
               (t_inv, process([str(exe), "inventories", "list"])),
               (t_plain, process([sys.executable, "-c", script], plain_env)),
               (t_declare, process([str(exe), "declare", "ndpr-oxide", str(DEMO), "-o", str(out), "--force"])))
    for timing in (t_help, t_rules, t_inv, t_plain, t_declare):
        print(f"  {timing.label:<70} {timing.text()}")
    half = Timing("0.5 s", seconds=[0.5])
    report += [Target("cold footprint rules list / 0.5 s (1)", t_rules, half, 1.0),
               Target("cold footprint inventories list / 0.5 s (1)", t_inv, half, 1.0),
               Target("cold footprint declare / cold plain bw2calc script (1.1)", t_declare, t_plain, 1.1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="synthetic background sizes")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 1,000 and 10,000 processes only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary FOOTPRINT_HOME")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    rounds = 3 if args.quick else args.repeat
    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",") if s]

    home = Path(tempfile.mkdtemp(prefix="footprint-bench-"))
    os.environ["FOOTPRINT_HOME"] = str(home)  # before footprint binds Brightway: never the user's home
    work = home / "work"
    work.mkdir()
    started = time.perf_counter()
    try:
        import footprint
        from footprint.data.project import brightway

        footprint.setup()
        bc = brightway()[1]
        print(f"bench in {home} (deleted after); python {sys.version.split()[0]}, {os.cpu_count()} cores, "
              f"pypardiso: {getattr(bc, 'PYPARDISO', False)}; {rounds} interleaved rounds; medians (min .. max)")
        report: list[Target] = []
        if "single" in only:
            print("\n== single declarations, batches and plain Brightway")
            section_single(rounds, report)
        if "verify" in only:
            print("\n== market-wide recomputation: batch verify")
            section_verify(rounds, report, work)
        if "mapping" in only:
            print("\n== imported backgrounds through --mapping")
            section_mapping(sizes, rounds, report, work)
        if "scaling" in only:
            print("\n== foreground scaling")
            section_scaling(rounds, report, work)
        if "cold" in only:
            print("\n== cold processes")
            section_cold(rounds, report, work, home)
        print("\n== ratios (medians)")
        for target in report:
            print(target.text())
        print(f"\nbench finished in {time.perf_counter() - started:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
