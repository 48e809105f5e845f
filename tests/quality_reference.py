"""The item-by-item definitions of the data-quality ranking and weighting, which footprint.engine.quality
computes with arrays (_most_relevant_of, _weighted_of, _process_means): the tests hold the array forms to
these bit for bit, and test synthetic item lists with them.  Kept here, not in the product, so declare has
one form of each (the other was reachable only from the tests).
"""
from __future__ import annotations

from footprint.data.inventory import Catalogue
from footprint.engine import exact
from footprint.engine.calculate import Item
from footprint.engine.cumulative import reaching
from footprint.engine.quality import CRITERIA, HOTSPOT_SHARE, Context, _datum, item_criteria

def weighted_criteria(items: list[Item], catalogue: Catalogue, context: Context | None = None,
                      memo: dict[int, dict[str, float]] | None = None,
                      datasets: dict[str, dict[str, float]] | None = None) -> dict[str, float] | None:
    """The |value|-weighted criteria of ``items``; ``memo`` keeps each flow's criteria across categories
    (they depend on the flow, the catalogue and the context only, not on the category).  The weights and the
    weighted criteria are summed exactly (exact.total), so the items' order does not move the result."""
    weights = [abs(item.value) for item in items]
    total = exact.total(weights)
    if total == 0:
        return None
    terms: dict[str, list[float]] = {key: [] for key in CRITERIA}
    for item, weight in zip(items, weights):
        if memo is None:
            criteria = item_criteria(item, catalogue, context)
        else:
            criteria = memo.get(id(item.flow))
            if criteria is None:
                criteria = memo[id(item.flow)] = item_criteria(item, catalogue, context, datasets)
        for key in CRITERIA:
            terms[key].append(weight * criteria[key])
    return {key: exact.total(values) / total for key, values in terms.items()}


def most_relevant_items(items: list[Item], share: float = HOTSPOT_SHARE) -> list[Item]:
    """Contributions that together reach ``share`` of the sum of |contributions| (largest first).

    Ranked per datum, not per line: the items of one process drawing on one target (a dataset, an
    elementary flow, a supplier's declaration) count as one contribution, their |values| added, and are
    chosen or left together.  Ranked per line, the DQR depended on how the producer wrote the same data:
    the NdPr-oxide example's coal written as 50 equal lines of the same DQR pushed each below the 80 % cut
    and moved the declaration from DQR 2.009 "good" to 1.999 "very good", exit 0 (PEF ranks processes and
    elementary flows, not the rows of an invoice ledger).  Items without a flow (a synthetic list) are each
    their own datum.  The groups are sorted by magnitude, largest first and stable, so ties keep the order of
    their first item; a datum tied with the one that reaches the share is chosen too (``cumulative.reaching``:
    of two equal data at the cut, both or neither, whatever order the producer wrote them in); the items come
    out group by group, each group's in their order.
    """
    # one pass: each datum's item positions and their |values| in item order (a generator per group
    # re-reading the items was most of this function)
    groups: dict[object, tuple[list[int], list[float]]] = {}
    for index, item in enumerate(items):
        key = _datum(index, item)  # the one definition of a datum (relevant_data and the DQR count by it too)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ([], [])
        group[0].append(index)
        group[1].append(abs(item.value))
    members = [positions for positions, _sizes in groups.values()]
    # exact sums (exact.total): a datum's size and the whole are the same whatever order the lines came in
    magnitudes = [exact.total(sizes) for _positions, sizes in groups.values()]
    total = exact.total([size for _positions, sizes in groups.values() for size in sizes])
    if total == 0:
        return []
    order = sorted(range(len(members)), key=magnitudes.__getitem__, reverse=True)
    chosen: list[Item] = []
    for position in reaching(order, magnitudes.__getitem__, total, share):
        chosen.extend(items[index] for index in members[position])
    return chosen


def relevant_data(items: list[Item]) -> int:
    """How many data (a process's draw on one target, however many lines it was written in) ``items`` hold."""
    return len({_datum(index, item) for index, item in enumerate(items)})


def mean_rows(rows: list[list[float]]) -> dict[str, float] | None:
    """The mean per criterion of rows given in CRITERIA order, each column summed exactly (exact.total)."""
    if not rows:
        return None
    return dict(zip(CRITERIA, [exact.total(list(column)) / len(rows) for column in zip(*rows)]))
