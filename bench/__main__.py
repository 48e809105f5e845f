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
    from footprint import inventory, project, system
    from footprint.activity import load_activity
    from footprint.rule import load_rule

    bd, _bc, _bi = project.brightway()
    catalogue = inventory.load_catalogue()
    return system.build(load_rule("ndpr-oxide"), load_activity(EXAMPLE), catalogue, inventory.biosphere_index(bd))


def _plain_brightway(product_system, categories) -> dict[str, float]:
    """The same foreground written as a Brightway database and scored the usual way."""
    from footprint._io import quiet_stdout
    from footprint.inventory import BACKGROUND_DB, BIOSPHERE_DB
    from footprint.project import brightway

    bd, bc, _bi = brightway()
    data = {}
    for process in product_system.processes:
        exchanges = [{"input": (PLAIN_DB, process.id), "amount": process.output, "type": "production"}]
        for flow in process.flows:
            database = {"intermediate": PLAIN_DB, "background": BACKGROUND_DB, "biosphere": BIOSPHERE_DB}[flow.kind]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import footprint
    from footprint import calculate
    from footprint.methods import all_categories
    from footprint.project import brightway

    footprint.ensure_setup()
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


if __name__ == "__main__":
    main()
