"""Monte Carlo: footprint's vectorised run against bw2calc's Monte Carlo of the same product system.

Both sides sample the same distributions: the foreground amounts (the pedigree
lognormals footprint derives from the example's DQR scores) and every exchange
of the footprint datasets the declaration rests on (their stated uniform ranges,
or the pedigree lognormals of their DQR).  For bw2calc they are written into two
scratch Brightway databases with stats_arrays fields, and
``LCA(use_distributions=True)`` is iterated with ``next(lca)``, scoring every
declared category per iteration, as a practitioner would.  footprint draws all
iterations as arrays and solves all foregrounds and the small background at
once.  Reported: seconds, per-iteration ratio, and the medians and 95 %
intervals of both (they must agree within sampling error).

Run: ``python -m bench.uncertainty [--iterations 10000] [--bw-iterations 300] [--repeat 3]``
(pin one core with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for the "one core" figure).
"""
from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from bench.__main__ import DEMO as EXAMPLE


def _median_seconds(func, repeat: int) -> float:
    """The median wall time of ``repeat`` calls of ``func``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


BG_DB = "bench-mc-background"
FG_DB = "bench-mc-foreground"


def _setup():
    import footprint
    from footprint.data import inventory, project
    from footprint.engine import calculate, system
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    footprint.ensure_setup()
    bd, _bc, _bi = project.brightway()
    catalogue = inventory.load_catalogue()
    flows = inventory.biosphere_index(bd)
    product_system = system.build(load_rule("ndpr-oxide"), load_activity(EXAMPLE), catalogue, flows)
    result = calculate.calculate(product_system)
    return catalogue, flows, product_system, result


def _write_scratch(catalogue, flows, product_system, model) -> None:
    """The background closure and the foreground as Brightway databases carrying footprint's distributions."""
    from footprint._io import quiet_stdout
    from footprint.data.inventory import BIOSPHERE_DB, Catalogue, to_brightway
    from footprint.data.project import brightway

    bd = brightway()[0]
    sub = Catalogue(datasets={c: catalogue.datasets[c] for c in model.codes},
                    files={c: catalogue.files[c] for c in model.codes}, sha256=catalogue.sha256)
    background = to_brightway(sub, flows, BG_DB)
    for code in model.codes:  # the distributions footprint.engine.uncertainty.background_model samples
        for k, exchange in enumerate(background[(BG_DB, code)]["exchanges"]):
            if k == 0:
                continue
            for key in ("uncertainty type", "loc", "scale", "minimum", "maximum", "negative"):
                exchange.pop(key, None)
            exchange.update(model.specs[model.columns[(code, k)]].absolute(float(exchange["amount"])))
    foreground = {}
    by_field = {flow.field: flow for process in product_system.processes for flow in process.flows}
    for process in product_system.processes:
        exchanges = [{"input": (FG_DB, process.id), "amount": process.output, "type": "production"}]
        for flow in process.flows:
            database = {"intermediate": FG_DB, "background": BG_DB, "biosphere": BIOSPHERE_DB}[flow.kind]
            exchange = {"input": (database, flow.target), "amount": flow.amount,
                        "type": "biosphere" if flow.kind == "biosphere" else "technosphere"}
            # a grid's upstream chain: the grid input's distribution (bw2calc draws it independently;
            # footprint draws it with the grid input, so bw2calc's spread there is slightly narrower)
            spec = flow.uncertainty or by_field[flow.completes].uncertainty
            exchange.update(spec.absolute(flow.amount))
            exchanges.append(exchange)
        foreground[(FG_DB, process.id)] = {"name": process.name, "unit": "kilogram", "exchanges": exchanges}
    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bd.Database(BG_DB).write(background, searchable=False)
        bd.Database(FG_DB).write(foreground, searchable=False)


def _bw2calc_monte_carlo(product_system, categories, iterations: int, seed: int = 7) -> np.ndarray:
    """iterations x categories scores from bw2calc's LCA(use_distributions=True), next(lca) per iteration."""
    from footprint._io import quiet_stdout
    from footprint.data.project import brightway

    bd, bc, _bi = brightway()
    node = bd.get_node(database=FG_DB, code=product_system.reference)
    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lca = bc.LCA({node: product_system.demand}, categories[0].method, use_distributions=True,
                     seed_override=seed)
        lca.lci()
        lca.lcia()
        matrices = []
        for category in categories:
            lca.switch_method(category.method)
            matrices.append(lca.characterization_matrix.copy())
        scores = np.zeros((iterations, len(categories)))
        for i in range(iterations):
            next(lca)
            for k, matrix in enumerate(matrices):
                scores[i, k] = (matrix @ lca.inventory).sum()
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--bw-iterations", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from footprint.data.project import scratch_project
    from footprint.engine import uncertainty

    catalogue, flows, product_system, result = _setup()
    run = lambda: uncertainty.monte_carlo(result, catalogue, flows, iterations=args.iterations, seed=1)  # noqa: E731
    ours = run()
    t_ours = _median_seconds(run, args.repeat)
    block_started = time.perf_counter()
    ours.block()
    t_block = time.perf_counter() - block_started
    categories = ours.categories
    arrays = uncertainty.foreground(product_system)
    model = uncertainty.background_model(set(arrays.datasets), catalogue, flows)
    with scratch_project():  # bw2calc's side writes databases: never into the snapshot declarations read
        _write_scratch(catalogue, flows, product_system, model)
        started = time.perf_counter()
        theirs = _bw2calc_monte_carlo(product_system, categories, args.bw_iterations)
        t_theirs = time.perf_counter() - started
    per_ours, per_theirs = t_ours / args.iterations, t_theirs / args.bw_iterations
    print(f"ndpr-oxide, {len(categories)} declared categories, {len(ours.model['foreground'])} "
          f"foreground amounts, {len(model.specs)} background exchanges ({len(model.codes)} datasets) sampled")
    print(f"footprint Monte Carlo, {args.iterations:,} iterations (median of {args.repeat}): {t_ours:8.3f} s "
          f"({per_ours * 1e6:8.1f} us/iteration; statistics and sensitivity included; block {t_block * 1000:.0f} ms)")
    print(f"bw2calc LCA(use_distributions=True), {args.bw_iterations:,} iterations:       {t_theirs:8.3f} s "
          f"({per_theirs * 1e6:8.1f} us/iteration)")
    print(f"per iteration, bw2calc / footprint: {per_theirs / per_ours:,.0f}x")
    print(f"{'category':<22} {'footprint median [2.5, 97.5]':>40} {'bw2calc median [2.5, 97.5]':>40}")
    for k, category in enumerate(categories):
        a = np.percentile(ours.totals[:, k], [50, 2.5, 97.5])
        b = np.percentile(theirs[:, k], [50, 2.5, 97.5])
        print(f"{category.id:<22} {a[0]:>12.4g} [{a[1]:.4g}, {a[2]:.4g}]{'':>6} {b[0]:>12.4g} [{b[1]:.4g}, {b[2]:.4g}]")


if __name__ == "__main__":
    main()
