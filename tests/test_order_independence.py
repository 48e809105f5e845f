"""A declaration's numbers do not depend on the order in which the producer or the rule author wrote things.

The same facility with the lines of each process in another order (inputs, co-products, emissions, transport
legs), with its processes (and every mapping's keys) in another order, or declared under a copy of the rule
listing its declared categories in another order, must declare the same numbers to the bit: the results and
their split by stage and process, the contributions, the data quality rating with its criteria (overall, per
category, per process), the primary data share, the bill of materials, the recycled-content block and the
mineral and radionuclide blocks.  Not approximately: a reviewer comparing two declarations of the same data
sees every digit, and a criterion on half of its last declared place printed either way (ndfeb-magnet's P
2.17 under its rule, 2.171 under the same rule with its declared categories reversed, before
footprint.engine.exact; ndpr-oxide's particulate matter 9.724221126582972e-06 with each process's inputs
reversed, 9.724221126582975e-06).

Examples: ndpr-oxide (primary route, economic allocation, radionuclides), ndfeb-recycled-hpms (secondary
route: the Circular Footprint Formula line, R1 from the material flows) and, for the declared categories,
ndfeb-magnet (its P lands on a half of the last place).  tests/test_metamorphic.py and
tests/test_metamorphic_rules.py compare reorderings to 1e-9; this file asks for the same bits.
"""
from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import footprint
from test_metamorphic import _load, _write

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
GROUPS = ("inputs", "co_products", "emissions", "transport", "not_used", "excluded")


# ------------------------------------------------------------------ what a declaration states, by stable keys

def _numbers(document: dict) -> dict[str, Any]:
    """Every declared number keyed by what it is (category, stage, process, dataset), not by where it stands."""
    results = {r["category"]: {"value": r["value"], "by_stage": r["by_stage"], "by_process": r["by_process"],
                               "coverage": r["coverage"]}
               for r in document["results"] + document["additional_information"]["results"]}
    quality = {key: value for key, value in document["data_quality"].items() if key != "warnings"}
    # the datasets and suppliers' declarations not complete for a headline category: a listing in the order the
    # suppliers' declarations are first used (coverage code, not a sum), compared as a set of entries
    quality["partial_coverage"] = sorted(quality["partial_coverage"], key=lambda entry: entry["dataset"])
    contributions = sorted((r["category"], r["stage"], r["process"], r["item"], r["kind"], str(r["dataset"]),
                            r["value"], r["unit"]) for r in document["contributions"])
    bill = dict(document["bill_of_materials"])
    bill["direct_emissions"] = sorted(bill["direct_emissions"], key=lambda r: (r["process"], r["flow"],
                                                                                r["compartment"], r["amount"]))
    return {"results": results, "data_quality": quality, "contributions": contributions, "bill_of_materials": bill,
            "allocation": sorted(document["allocation"], key=lambda r: r["process"]),
            "recycled_content": document.get("recycled_content"),
            "mineral_resources": document.get("mineral_resources"), "radionuclides": document.get("radionuclides")}


def _assert_identical(expected: dict, got: dict) -> None:
    """The same numbers to the bit; on a difference, name the first one (a path into _numbers)."""
    a, b = _numbers(expected), _numbers(got)
    for block in a:
        assert b[block] == a[block], f"{block}: {_first_difference(a[block], b[block], block)}"


def _first_difference(a: Any, b: Any, path: str) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b:
                return f"{path}.{key} missing"
            if a[key] != b[key]:
                return _first_difference(a[key], b[key], f"{path}.{key}")
        return f"{path}: other keys {sorted(set(b) - set(a))}"
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{index}]")
    return f"{path}: {a!r} != {b!r}"


# ------------------------------------------------------------------ the activity data in another order

def _lines_reversed(data: dict) -> dict:
    """Every process's lines (inputs, co-products, emissions, legs, not_used, exclusions) in reverse order."""
    data = copy.deepcopy(data)
    for process in data["processes"].values():
        for group in GROUPS:
            if process.get(group):
                process[group] = list(reversed(process[group]))
    return data


def _lines_shuffled(data: dict, seed: int = 20260101) -> dict:
    """Every process's lines in a fixed pseudo-random order (the same on every run)."""
    data = copy.deepcopy(data)
    shuffle = random.Random(seed).shuffle
    for process in data["processes"].values():
        for group in GROUPS:
            if process.get(group):
                shuffle(process[group])
    return data


def _processes_and_keys_reversed(data: dict) -> dict:
    """The processes, each process's keys and the file's keys in reverse order (the lines as they were)."""
    data = copy.deepcopy(data)
    data["processes"] = {pid: dict(reversed(list(process.items())))
                         for pid, process in reversed(list(data["processes"].items()))}
    recycled = data.get("recycled_content") or {}
    if recycled.get("by_element"):
        recycled["by_element"] = dict(reversed(list(recycled["by_element"].items())))
    return dict(reversed(list(data.items())))


ACTIVITY_ORDERS: dict[str, Callable[[dict], dict]] = {
    "lines-reversed": _lines_reversed,
    "lines-shuffled": _lines_shuffled,
    "everything-reversed": lambda data: _processes_and_keys_reversed(_lines_reversed(data)),
}


@pytest.fixture(scope="module")
def shipped(project) -> Callable[[str], dict]:
    """The shipped example's declaration, made once per example."""
    made: dict[str, dict] = {}

    def declared(name: str) -> dict:
        if name not in made:
            made[name] = footprint.declare(name, REPO / "examples" / name / "activity-2025.yaml")
        return made[name]

    return declared


@pytest.mark.parametrize("order", list(ACTIVITY_ORDERS))
@pytest.mark.parametrize("name", ["ndpr-oxide", "ndfeb-recycled-hpms"])
def test_the_activity_data_in_another_order_declare_the_same_bits(shipped, tmp_path, name, order):
    data = ACTIVITY_ORDERS[order](_load(name))
    assert yaml.safe_dump(data, sort_keys=False) != yaml.safe_dump(_load(name), sort_keys=False)  # written otherwise
    _assert_identical(shipped(name), footprint.declare(name, _write(data, tmp_path / "activity.yaml")))


# ------------------------------------------------------------------ the rule's declared categories in another order

def _rule_copy(name: str, new_id: str, declared: list[str], directory: Path) -> Path:
    """The shipped rule under a fresh id (a shipped id and version cannot say anything else), its declared
    categories as given; the same content otherwise."""
    rule = yaml.safe_load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))
    rule["id"] = new_id
    virgin = (rule.get("recycled_content") or {}).get("virgin") or {}
    if virgin.get("declaration"):  # named relative to the rules folder
        virgin["declaration"] = str((RULES / virgin["declaration"]).resolve())
    rule["impact_categories"]["declared"] = declared
    return _write(rule, directory / f"{new_id}.yaml")


def _declared_categories(name: str) -> list[str]:
    return list(yaml.safe_load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))["impact_categories"]["declared"])


CATEGORY_ORDERS: dict[str, Callable[[list[str]], list[str]]] = {
    "as-shipped": list,  # the copy itself: a fresh id changes no number
    "reversed": lambda categories: list(reversed(categories)),
    "rotated": lambda categories: categories[1:] + categories[:1],
}


@pytest.mark.parametrize("order", list(CATEGORY_ORDERS))
@pytest.mark.parametrize("name", ["ndfeb-magnet", "ndpr-oxide", "ndfeb-recycled-hpms"])
def test_the_rule_with_its_declared_categories_in_another_order_declares_the_same_bits(shipped, tmp_path, name,
                                                                                       order):
    categories = CATEGORY_ORDERS[order](_declared_categories(name))
    rule = _rule_copy(name, f"{name}-{order}", categories, tmp_path)
    data = {**_load(name), "rule": f"{name}-{order}"}
    got = footprint.declare(rule, _write(data, tmp_path / "activity.yaml"))
    assert got["impact_categories"]["declared"] == categories
    _assert_identical(shipped(name), got)


def test_both_at_once_declare_the_same_bits(shipped, tmp_path):
    """ndfeb-magnet (its P on a half of the last place) with its lines and processes reversed and its rule's
    declared categories reversed."""
    name = "ndfeb-magnet"
    rule = _rule_copy(name, f"{name}-reversed", list(reversed(_declared_categories(name))), tmp_path)
    data = {**ACTIVITY_ORDERS["everything-reversed"](_load(name)), "rule": f"{name}-reversed"}
    _assert_identical(shipped(name), footprint.declare(rule, _write(data, tmp_path / "activity.yaml")))


# ------------------------------------------------------------------ the sums themselves

FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), FLOATS), max_size=40), st.randoms(use_true_random=False))
def test_a_sum_and_a_sum_per_group_are_the_same_bits_in_any_order(terms, rng):
    """footprint.engine.exact: the total and the per-group sums of the same terms, shuffled, are bit-identical
    (and the total is math.fsum's correctly rounded sum)."""
    import math

    import numpy as np

    from footprint.engine import exact

    shuffled = list(terms)
    rng.shuffle(shuffled)
    values = [value for _group, value in terms]
    assert exact.total(values) == exact.total([value for _group, value in shuffled]) == math.fsum(values)
    sums = [exact.by_group(np.array([g for g, _v in rows], dtype=np.int64), 5,
                           np.array([v for _g, v in rows], dtype=float))[0] for rows in (terms, shuffled)]
    assert sums[0] == sums[1]
    assert sums[0] == [math.fsum(v for g, v in terms if g == group) for group in range(5)]
