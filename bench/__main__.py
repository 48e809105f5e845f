"""Benchmark the declaration path against plain Brightway usage in the same process.

Plain Brightway is what an LCA practitioner would write by hand for the same
numbers: write the foreground as a database, build an LCA, switch through the
same EF v3.1 methods and read the scores.  footprint does more (contributions
by exchange, the identity check, no project writes), so a ratio near 1 means
the extra work is cheap.  Run: ``python -m bench [--repeat N]``.
"""
from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
PLAIN_DB = "bench-plain-foreground"


def _median_seconds(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _product_system():
    from footprint.data import inventory, project
    from footprint.engine import system
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    bd, _bc, _bi = project.brightway()
    catalogue = inventory.load_catalogue()
    return system.build(load_rule("ndpr-oxide"), load_activity(EXAMPLE), catalogue, inventory.biosphere_index(bd))


def _plain_brightway(product_system, categories, background: str | None = None) -> dict[str, float]:
    """The same foreground written as a Brightway database and scored the usual way."""
    from footprint._io import quiet_stdout
    from footprint.data.inventory import BACKGROUND_DB, BIOSPHERE_DB
    from footprint.data.project import brightway

    bd, bc, _bi = brightway()
    data = {}
    for process in product_system.processes:
        exchanges = [{"input": (PLAIN_DB, process.id), "amount": process.output, "type": "production"}]
        for flow in process.flows:
            database = {"intermediate": PLAIN_DB, "background": background or BACKGROUND_DB,
                        "biosphere": BIOSPHERE_DB}[flow.kind]
            kind = "biosphere" if flow.kind == "biosphere" else "technosphere"
            exchanges.append({"input": (database, flow.target), "amount": flow.amount, "type": kind})
        data[(PLAIN_DB, process.id)] = {"name": process.name, "unit": "kilogram", "exchanges": exchanges}
    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bd.Database(PLAIN_DB).write(data, searchable=False)
        node = bd.get_node(database=PLAIN_DB, code=product_system.reference)
        lca = bc.LCA({node: product_system.declared_amount}, categories[0].method)
        lca.lci()
        lca.lcia()
        scores = {categories[0].id: lca.score}
        for category in categories[1:]:
            lca.switch_method(category.method)
            lca.lcia_calculation()
            scores[category.id] = lca.score
    return scores


SYNTHETIC_DB = "bench-synthetic-background"
FLOWS = [("Carbon dioxide, fossil", ("air",)), ("Methane, fossil", ("air",)), ("Sulfur dioxide", ("air",)),
         ("Nitrogen oxides", ("air",)), ("Particulate Matter, < 2.5 um", ("air",))]


def _write_synthetic_background(size: int, seed: int = 42) -> None:
    """A hub-structured background of ``size`` processes (3 inputs and 5 emissions each).

    Hubs, as in real databases: a uniformly random sparse technosphere fills in
    catastrophically on factorisation (shared/domain/brightway-notes.md section 4).
    """
    import numpy as np

    from footprint._io import quiet_stdout
    from footprint.data.inventory import BIOSPHERE_DB, biosphere_index
    from footprint.data.project import brightway

    bd = brightway()[0]
    index = biosphere_index(bd)
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
        data[(SYNTHETIC_DB, f"p{i}")] = {"name": f"synthetic {i}", "unit": "kilogram", "location": "GLO",
                                         "exchanges": exchanges}
    with quiet_stdout():
        bd.Database(SYNTHETIC_DB).write(data, searchable=False)


def _synthetic(product_system, categories, size: int, repeat: int) -> None:
    """The example foreground with its purchases redirected into a synthetic background of ``size``."""
    import dataclasses

    import numpy as np

    from footprint.data.project import brightway
    from footprint.engine import calculate

    started = time.perf_counter()
    _write_synthetic_background(size)
    written = time.perf_counter() - started
    rng = np.random.default_rng(7)
    processes = [dataclasses.replace(process, flows=[
        dataclasses.replace(flow, target=f"p{int(rng.integers(0, size))}") if flow.kind == "background" else flow
        for flow in process.flows]) for process in product_system.processes]
    system = dataclasses.replace(product_system, processes=processes)
    try:
        started = time.perf_counter()
        first = calculate.calculate(system, categories, background=SYNTHETIC_DB)
        cold = time.perf_counter() - started
        full = calculate.calculate(system, categories, background=SYNTHETIC_DB, reference=True)
        worst = max(abs(first.totals[c.id] - full.totals[c.id]) / max(abs(full.totals[c.id]), 1e-30)
                    for c in categories)
        t_plain = _median_seconds(lambda: _plain_brightway(system, categories, SYNTHETIC_DB), repeat)
        t_full = _median_seconds(lambda: calculate.calculate(system, categories, background=SYNTHETIC_DB,
                                                             reference=True), repeat)
        t_cached = _median_seconds(lambda: calculate.calculate(system, categories, background=SYNTHETIC_DB), repeat)
    finally:
        bd = brightway()[0]  # a scratch copy (main): deleting only keeps later timings comparable
        for name in (SYNTHETIC_DB, PLAIN_DB):
            if name in bd.databases:
                del bd.databases[name]
    print(f"synthetic background: {size} processes written in {written:.1f} s; cached vs full LCA largest relative "
          f"difference {worst:.1e}")
    print(f"plain Brightway (write foreground DB + LCA + {len(categories)} methods):           {t_plain * 1000:8.1f} ms"
          f"  = 1.00")
    print(f"footprint calculate, reference path:                                  {t_full * 1000:8.1f} ms  = "
          f"{t_full / t_plain:.2f}")
    print(f"footprint calculate, cached background (first run, builds the cache): {cold * 1000:8.1f} ms  = "
          f"{cold / t_plain:.2f}")
    print(f"footprint calculate, cached background (every later declaration):     {t_cached * 1000:8.1f} ms  = "
          f"{t_cached / t_plain:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, metavar="N",
                        help="also time a synthetic hub-structured background of N processes (e.g. 20000)")
    args = parser.parse_args()

    import footprint
    from footprint.data import project

    footprint.ensure_setup()
    with project.scratch_project():  # plain Brightway writes databases: never into the snapshot declarations read
        _run(args)


def _run(args) -> None:
    import footprint
    from footprint.data.project import brightway
    from footprint.engine import calculate
    from footprint.inputs.categories import all_categories

    categories = list(all_categories())
    product_system = _product_system()

    ours = calculate.calculate(product_system, categories)
    plain = _plain_brightway(product_system, categories)
    worst = max(abs(ours.totals[c.id] - plain[c.id]) / max(abs(plain[c.id]), 1e-30) for c in categories)

    t_plain = _median_seconds(lambda: _plain_brightway(product_system, categories), args.repeat)
    t_full = _median_seconds(lambda: calculate.calculate(product_system, categories, reference=True), args.repeat)
    t_ours = _median_seconds(lambda: calculate.calculate(product_system, categories), args.repeat)
    t_declare = _median_seconds(lambda: footprint.declare("ndpr-oxide", EXAMPLE), args.repeat)

    bd = brightway()[0]
    if PLAIN_DB in bd.databases:
        del bd.databases[PLAIN_DB]

    print(f"categories: {len(categories)}; foreground processes: {len(product_system.processes)}; "
          f"repeat: {args.repeat} (medians)")
    print(f"largest relative difference footprint vs plain Brightway: {worst:.2e}")
    print(f"plain Brightway (write foreground DB + LCA + {len(categories)} methods):           {t_plain * 1000:8.1f} ms  = 1.00")
    print(f"footprint calculate, reference path (one bw2calc LCA + contributions): {t_full * 1000:8.1f} ms  = "
          f"{t_full / t_plain:.2f}")
    print(f"footprint calculate, cached background (default):                     {t_ours * 1000:8.1f} ms  = "
          f"{t_ours / t_plain:.2f}")
    print(f"footprint declare (load, link, calculate, quality, declaration):      {t_declare * 1000:8.1f} ms  = "
          f"{t_declare / t_plain:.2f}")
    if args.synthetic:
        _synthetic(product_system, categories, args.synthetic, args.repeat)


if __name__ == "__main__":
    main()
