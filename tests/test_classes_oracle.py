"""An independent oracle for performance classes: thresholds and assignment re-derived from the written method.

The oracle below is written from README "Class schemes" and "Classes" (uncertainty) and
../shared/domain/annex-v-summary.md point 8, not from footprint/market/classes.py:

* population: every declaration of the rule placed on the market in a year of the window (the previous
  three years) with a value of the category, once; a partial value (a lower bound) is left out; its weight
  is the sum of its masses over the window's years (mass) or 1 (count); a declaration with no mass placed
  in the window weighs nothing, by count as by mass, and sets no threshold (head-room's included);
* weighted quantile: positions p_k = (S_k - w_k/2) / W of the sorted values, Q linear between the points
  (p_k, x_k), x_1 below p_1 and x_n above p_n; t_j = Q(j/N); equal width: lo + j (hi - lo)/N between
  Q(0.05) and Q(0.95); head-room: N-1 classes for B..N, t_1 = x_min - margin |x_min|;
* boundaries: class k holds t_{k-1} < v <= t_k (a value on a threshold takes the better class);
* refusals: values in two units or two major versions of the rule among the declarations ranked (a 0 kg
  row or a partial value is none of them), no declaration (or only partial ones),
  no mass, two equal thresholds (a class no value can reach), more quantile classes than declarations;
* assignment: the class of the declared value (of its Monte Carlo median under a scheme of medians),
  P(class k) = F(t_k) - F(t_{k-1}) with F linear between the percentiles 0..100, the nearest threshold.

The oracle computes in exact rationals (fractions.Fraction of the same float inputs), so a value that is
exactly a threshold is seen as such; where footprint's float threshold differs from the exact one by
rounding alone (within 1e-9 of the spread) and a value lies in between, the class of that value is not
compared (the written method says nothing of rounding) — exact equality is always compared.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import sqlite3
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import cli
import footprint
from footprint.errors import FootprintError
from footprint.market import classes
from footprint.market.registry import Entry, MarketPoint, Register

CATEGORY = "climate_change"
UNIT = "kg CO2-Eq"
WINDOW = (2022, 2024)  # over on every day this test can run (2026 and later)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ndpr-oxide" / "activity-2025.yaml"


# ------------------------------------------------------------------ the oracle (from the written method)

def _q(pairs: list[tuple[Fraction, Fraction]], p: Fraction) -> Fraction:
    """README: Q(p) of the sorted (value, weight > 0) pairs, midpoint positions, linear in between."""
    total = sum(w for _, w in pairs)
    points, cumulative = [], Fraction(0)
    for x, w in pairs:
        cumulative += w
        points.append(((cumulative - w / 2) / total, x))
    if p <= points[0][0]:
        return points[0][1]
    if p >= points[-1][0]:
        return points[-1][1]
    for (p0, x0), (p1, x1) in zip(points, points[1:]):
        if p0 <= p <= p1:
            return x1 if p1 == p0 else x0 + (x1 - x0) * (p - p0) / (p1 - p0)
    raise AssertionError("unreachable")


def _limits(pairs, n: int, method: str, head_room: bool, margin: Fraction,
            robust=(Fraction(0.05), Fraction(0.95))) -> list[Fraction]:
    if head_room:
        best = min(x for x, _ in pairs)
        return [best - margin * abs(best), *_limits(pairs, n - 1, method, False, margin, robust)]
    if method == "quantile":
        return [_q(pairs, Fraction(j, n)) for j in range(1, n)]
    lo, hi = _q(pairs, robust[0]), _q(pairs, robust[1])
    return [lo + j * (hi - lo) / n for j in range(1, n)]


def _class_of(value, limits) -> int:
    """Class k holds t_{k-1} < v <= t_k: the number of thresholds strictly below the value."""
    return sum(1 for t in limits if value > t)


def _major(version: str) -> str:
    return re.match(r"\s*[vV]?(\d+)", version).group(1)


def oracle(market: dict, *, n: int, method: str, weight: str, head_room: bool, margin: float,
           basis: str = "value", rule: str = "r", window: tuple[int, int] = WINDOW) -> dict:
    """What the written method says a scheme of ``market`` is: its refusals, or its thresholds and counts."""
    start, end = window
    mass: dict[str, Fraction] = {}
    years_placed: set[int] = set()
    for (ident, year), kg in market["placements"].items():
        decl = market["declarations"][ident]
        if decl["rule"] != rule or CATEGORY not in decl["values"] or not start <= year <= end:
            continue
        mass[ident] = mass.get(ident, Fraction(0)) + Fraction(kg)
        if kg > 0:
            years_placed.add(year)
    refusals = {"head-room"} if head_room and n < 3 else set()
    population = {i: m for i, m in mass.items() if market["declarations"][i]["coverage"] == "complete"}
    partial = len(mass) - len(population)

    def ranked(ident):
        decl = market["declarations"][ident]
        return decl["median"] if basis == "median" and decl.get("median") is not None else decl["values"][CATEGORY]

    weights = {i: (m if weight == "mass" else Fraction(1 if m > 0 else 0)) for i, m in population.items()}
    placed = {i: w for i, w in weights.items() if w > 0}  # a declaration with nothing placed is not on the market
    if not population:
        refusals.add("empty")
    if len({market["declarations"][i]["unit"] for i in placed}) > 1:  # the declarations ranked, as the versions
        refusals.add("units")
    if len({_major(market["declarations"][i]["version"]) for i in placed}) > 1:
        refusals.add("major")
    if population and not placed:
        refusals.add("no mass")
    out = {"refusals": refusals, "partial": partial, "years_placed": years_placed,
           "without_weight": len(population) - len(placed), "population": population, "weights": weights}
    if refusals:
        return out
    pairs = sorted((Fraction(ranked(i)), w) for i, w in placed.items())
    limits = _limits(pairs, n, method, head_room, Fraction(margin))
    if any(not b > a for a, b in zip(limits, limits[1:])):
        refusals.add("unreachable")
    if method == "quantile" and n - (1 if head_room else 0) > len(placed):
        refusals.add("too many")
    rows = [{"declarations": 0, "mass": Fraction(0)} for _ in range(n)]
    for ident in placed:
        row = rows[_class_of(Fraction(ranked(ident)), limits)]
        row["declarations"] += 1
        row["mass"] += population[ident]
    out.update(limits=limits, rows=rows, ranked={i: ranked(i) for i in placed},
               versions=sorted({market["declarations"][i]["version"] for i in placed}),
               min=min(ranked(i) for i in placed), max=max(ranked(i) for i in placed))
    return out


REFUSAL_WORDS = {"head-room": "head-room needs", "units": "several units", "major": "major versions", "empty": "no declarations|partial",
                 "no mass": "no mass", "unreachable": "are equal", "too many": "quantile classes from"}


# ------------------------------------------------------------------ generated markets

VALUE = st.one_of(st.sampled_from([0.0, 1.0, 2.5, 10.0, 20.0, 46.5, 100.0]),
                  st.floats(-5.0, 200.0, allow_nan=False, allow_subnormal=False))
MASS = st.one_of(st.sampled_from([1.0, 2.5, 1000.0, 1144.6, 4726.4]), st.floats(0.001, 1e7, allow_subnormal=False))
YEAR = st.sampled_from([WINDOW[0] - 1, WINDOW[0], WINDOW[0] + 1, WINDOW[0] + 1, WINDOW[1], WINDOW[1], WINDOW[1] + 1])
# (the window and the years just outside it, on either side)


@st.composite
def markets(draw, rule: str = "r", size: tuple[int, int] = (1, 12)) -> dict:
    """Declarations (values with ties, units, rule versions, coverage, noise of another rule or category) and
    their placements (year, mass), some of a year twice (an update: the last mass counts), some 0 kg."""
    declarations, placements, entries = {}, {}, []
    for k in range(draw(st.integers(*size))):
        ident = f"d{k}"
        value = draw(VALUE)
        decl = {
            "rule": draw(st.sampled_from([rule] * 6 + ["x"])),
            "version": draw(st.sampled_from(["1.0.0"] * 16 + ["1.2.0", "v1", "2.0.0"])),
            "unit": draw(st.sampled_from([UNIT] * 30 + [f"{UNIT} per 1000 kg"])),
            "coverage": draw(st.sampled_from(["complete"] * 7 + ["partial"])),
            "values": {CATEGORY: value} if draw(st.integers(0, 7)) else {"acidification": value},
            "median": draw(st.one_of(st.none(), VALUE)),
        }
        declarations[ident] = decl
        for year, kg in draw(st.lists(st.tuples(YEAR, MASS), min_size=1, max_size=3)):
            placements[(ident, year)] = kg
            spreads = ({c: (decl["median"], decl["median"], decl["median"]) for c in decl["values"]}
                       if decl["median"] is not None else {})
            entries.append(Entry(declaration_id=ident, rule_id=decl["rule"], rule_version=decl["version"], year=year,
                                 mass_kg=kg, values=dict(decl["values"]),
                                 units={c: decl["unit"] for c in decl["values"]},
                                 coverage={c: decl["coverage"] for c in decl["values"]}, spreads=spreads))
    zero = draw(st.sampled_from([[], [], st.lists(st.sampled_from(sorted(placements)), max_size=2, unique=True)]))
    zero = draw(zero) if not isinstance(zero, list) else zero
    for key in zero:
        placements[key] = 0.0
    return {"declarations": declarations, "placements": placements, "entries": entries, "zero": zero}


def _register(market: dict, directory: str) -> Path:
    """The register of ``market``; its 0 kg rows written as an older register holds them (market add refuses 0)."""
    path = Path(directory) / "market.sqlite"
    Register(path).add(market["entries"])
    if market["zero"]:
        with sqlite3.connect(path) as db:
            db.executemany("UPDATE placements SET mass_kg = 0 WHERE declaration_id = ? AND year = ?",
                           market["zero"])
    return path


OPTIONS = st.fixed_dictionaries({
    "n": st.integers(2, 7), "method": st.sampled_from(["quantile", "equal-width"]),
    "weight": st.sampled_from(["mass", "count"]), "head_room": st.booleans(),
    "margin": st.sampled_from([0.0, 0.1, 0.25]), "basis": st.sampled_from(["value", "value", "median"]),
})


def _close(a: float, b: Fraction, scale: float) -> bool:
    return abs(Fraction(a) - b) <= Fraction(1e-9) * Fraction(scale)


def _ambiguous(values, exact: list[Fraction], got: list[float], scale: float) -> bool:
    """A value between footprint's float threshold and the exact one (rounding alone decides its class)."""
    for t, f in zip(exact, got):
        lo, hi = sorted((t, Fraction(f)))
        if lo != hi and any(lo <= Fraction(v) <= hi for v in values):
            return True
    return False


def _compare(scheme: dict, expected: dict, options: dict) -> None:
    limits = expected["limits"]
    scale = max(1.0, float(max(abs(expected["min"]), abs(expected["max"]))))
    assert len(scheme["thresholds"]) == options["n"] - 1
    for got, want in zip(scheme["thresholds"], limits):
        assert _close(got, want, scale), (scheme["thresholds"], [float(t) for t in limits])
    ranked = expected["ranked"]
    counts = scheme["counts"]
    assert counts["without_weight"] == expected["without_weight"]
    assert counts.get("excluded_partial", 0) == expected["partial"]
    # the claims beside the classes: how many declarations, how much mass, which values
    assert counts["declarations"] == len(ranked), counts
    assert counts["mass_kg"] == pytest.approx(float(sum(expected["population"].values())), rel=1e-12)
    assert (counts["min"], counts["max"]) == (expected["min"], expected["max"])
    assert scheme["rule"]["versions"] == expected["versions"]
    assert scheme["window"] == {"start": WINDOW[0], "end": WINDOW[1]}
    assert scheme["derived"] == f"{WINDOW[1]}-12-31" and scheme["next_review"] == f"{WINDOW[1] + 3}-12-31"
    empty = [y for y in range(WINDOW[0], WINDOW[1] + 1) if y not in expected["years_placed"]]
    assert counts.get("years_without_placements", []) == empty
    assert scheme["scheme_id"] == (f"{scheme['rule']['id']}:{CATEGORY}:{WINDOW[0]}-{WINDOW[1]}:{options['method']}:"
                                   f"{options['weight']}:{options['n']}:{scheme['register_sha256'][:12]}")
    if _ambiguous(ranked.values(), limits, scheme["thresholds"], scale):
        return
    got_rows = [(row["declarations"], row["mass_kg"]) for row in scheme["classes"]]
    assert [r for r, _ in got_rows] == [row["declarations"] for row in expected["rows"]], (got_rows, ranked)
    for (_, kg), row in zip(got_rows, expected["rows"]):
        assert kg == pytest.approx(float(row["mass"]), rel=1e-12)
    for value in ranked.values():  # a value exactly on a threshold takes the better class
        exact = _class_of(Fraction(value), limits)
        assert classes.class_index(value, scheme["thresholds"]) == exact


# ------------------------------------------------------------------ derive: public API on a real register

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True,
                phases=[Phase.explicit, Phase.generate])  # no shrinking: a register per example makes it minutes


@settings(max_examples=100, **SETTINGS)
@given(market=markets(), options=OPTIONS)
def test_derive_agrees_with_the_oracle_on_generated_markets(market, options):
    expected = oracle(market, **options)
    with tempfile.TemporaryDirectory() as directory:
        register = _register(market, directory)
        call = dict(classes=options["n"], weight=options["weight"], method=options["method"],
                    head_room=options["head_room"], margin=options["margin"], register=register,
                    basis=options["basis"])
        event("refused: " + ", ".join(sorted(expected["refusals"])) if expected["refusals"] else "derived")
        if expected["refusals"]:
            with pytest.raises(FootprintError) as caught:
                footprint.derive_classes("r", CATEGORY, f"{WINDOW[0]}-{WINDOW[1]}", **call)
            words = "|".join(REFUSAL_WORDS[r] for r in expected["refusals"])
            assert re.search(words, str(caught.value)), (expected["refusals"], str(caught.value))
            return
        scheme = footprint.derive_classes("r", CATEGORY, f"{WINDOW[0]}-{WINDOW[1]}", **call)
        _compare(scheme, expected, options)
        # rows outside the scheme's population (another rule, another year) do not move the scheme, its id included
        Register(register).add([Entry(declaration_id="noise", rule_id="x", rule_version="9.0.0", year=WINDOW[1],
                                      mass_kg=1e9, values={CATEGORY: -1e6}, units={CATEGORY: "t CO2-Eq"},
                                      coverage={CATEGORY: "complete"}),
                                Entry(declaration_id="early", rule_id="r", rule_version="9.0.0",
                                      year=WINDOW[0] - 1, mass_kg=1e9, values={CATEGORY: -1e6},
                                      units={CATEGORY: "t CO2-Eq"}, coverage={CATEGORY: "complete"})])
        again = footprint.derive_classes("r", CATEGORY, f"{WINDOW[0]}-{WINDOW[1]}", **call)
        assert classes.to_json(again) == classes.to_json(scheme)


# ------------------------------------------------------------------ a declaration's class and class probabilities

def _cdf(quantiles: list[float], x: float) -> float:
    """README: F linear between the percentiles 0..100; F(x) = the largest p whose percentile is <= x."""
    q = [Fraction(v) for v in quantiles]
    x = Fraction(x)
    m = len(q) - 1
    best = Fraction(0)
    for k in range(m):
        if q[k] <= x:
            best = max(best, Fraction(k, m) if q[k + 1] == q[k] else
                       min(Fraction(k + 1, m), Fraction(k, m) + (x - q[k]) / (q[k + 1] - q[k]) / m))
    if q[m] <= x:
        best = Fraction(1)
    return float(best)


def expected_record(declaration: dict, scheme: dict) -> dict:
    """The performance_class the written method gives ``declaration`` under ``scheme``'s thresholds."""
    value = next(r["value"] for r in declaration["results"] if r["category"] == scheme["category"])
    spread = next((r for r in (declaration.get("uncertainty") or {}).get("results", [])
                   if r["category"] == scheme["category"]), None)
    median = (scheme.get("basis") or {}).get("value") == "median"
    classed = spread["median"] if median and spread is not None else value
    limits = scheme["thresholds"]
    names = scheme["labels"]
    out = {"class": names[_class_of(Fraction(classed), [Fraction(t) for t in limits])], "classed": classed,
           "distances": sorted(abs(Fraction(classed) - Fraction(t)) for t in limits)}
    if spread is not None:
        cuts = [0.0, *(_cdf(spread["quantiles"], t) for t in limits), 1.0]
        out["probabilities"] = {name: cuts[k + 1] - cuts[k] for k, name in enumerate(names)}
        out["p2_5"], out["p97_5"], out["sd"] = spread["p2_5"], spread["p97_5"], spread["sd"]
    return out


@pytest.fixture(scope="module")
def mc_declaration(project) -> dict:
    """The shipped ndpr-oxide example declared with a Monte Carlo (300 iterations, seed 3)."""
    return footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=300, seed=3)


FACTOR = st.one_of(st.sampled_from([0.5, 0.9, 1.0, 1.0, 1.0, 1.1, 2.0]), st.floats(0.3, 3.0))


@settings(max_examples=80, **SETTINGS)
@given(data=st.data(), options=OPTIONS)
def test_assign_agrees_with_the_oracle_around_the_declarations_own_value(mc_declaration, data, options):
    """Markets around the declaration's own value, its median and its 95 % interval (so thresholds fall on them
    exactly, ties included): class, class probabilities and the nearest threshold as the written method says."""
    spread = next(r for r in mc_declaration["uncertainty"]["results"] if r["category"] == CATEGORY)
    value = next(r["value"] for r in mc_declaration["results"] if r["category"] == CATEGORY)
    anchors = [value, spread["median"], spread["p2_5"], spread["p97_5"]]
    n_points = data.draw(st.integers(2, 9))
    points = [MarketPoint(f"p{k}", data.draw(st.sampled_from(anchors)) * data.draw(FACTOR),
                                  data.draw(MASS), rule_version="1.0.0", coverage="complete",
                                  median=data.draw(st.one_of(st.none(), st.sampled_from(anchors))))
              for k in range(n_points)]
    try:
        scheme = classes.derive(points, rule_id="ndpr-oxide", category=CATEGORY, unit=UNIT,
                                window=f"{WINDOW[0]}-{WINDOW[1]}", classes=options["n"], weight=options["weight"],
                                method=options["method"], head_room=options["head_room"], margin=options["margin"],
                                basis=options["basis"])
    except classes.ClassSchemeError:
        event("no scheme")
        return  # the derivation's refusals are the other test's
    event("assigned")
    record = classes.assign(mc_declaration, scheme)
    want = expected_record(mc_declaration, scheme)
    assert record["class"] == want["class"], (record, scheme["thresholds"])
    assert record["value"] == value and record["scheme_id"] == scheme["scheme_id"]
    assert record["thresholds"] == scheme["thresholds"] and record["next_review"] == scheme["next_review"]
    if options["basis"] == "median":
        assert record["classed_value"] == want["classed"]
    assert record["probabilities"] == pytest.approx(want["probabilities"], abs=1e-12)
    assert sum(record["probabilities"].values()) == pytest.approx(1.0, abs=1e-12)
    nearest = record["nearest_threshold"]
    # the threshold nearest the classed value (of two equally near, either: the written method does not say)
    assert abs(Fraction(want["classed"]) - Fraction(nearest["threshold"])) == want["distances"][0]
    assert nearest["distance"] == pytest.approx(want["classed"] - nearest["threshold"], rel=1e-12, abs=1e-12)
    assert nearest["within_95_interval"] == (want["p2_5"] <= nearest["threshold"] <= want["p97_5"])
    k = scheme["thresholds"].index(nearest["threshold"])
    assert nearest["between"] == scheme["labels"][k:k + 2]


# ------------------------------------------------------------------ the CLI: what is printed next to a class

@settings(max_examples=12, **SETTINGS)
@given(market=markets(rule="ndpr-oxide"), options=OPTIONS)
def test_cli_derive_and_assign_print_the_oracles_classes_and_claims(mc_declaration, market, options):
    """``classes derive`` prints the window's declarations per class and ``classes assign`` the class and the
    scheme it rests on: each as the oracle says (which window, how many declarations, the scheme's identity)."""
    expected = oracle(market, rule="ndpr-oxide", **options)
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as directory:
        register = _register(market, directory)
        scheme_path = Path(directory) / "scheme.json"
        args = ["classes", "derive", "--rule", "ndpr-oxide", "--category", CATEGORY, "--window",
                f"{WINDOW[0]}-{WINDOW[1]}", "--classes", str(options["n"]), "--weight", options["weight"],
                "--method", options["method"], "--head-room" if options["head_room"] else "--no-head-room",
                "--margin", str(options["margin"]), "--basis", options["basis"], "--register", str(register),
                "-o", str(scheme_path)]
        result = runner.invoke(cli.main, args)
        event("refused" if expected["refusals"] else "derived")
        if expected["refusals"]:
            assert result.exit_code == 2 and "Traceback" not in result.output, result.output
            return
        assert result.exit_code == 0, result.output
        scheme = json.loads(scheme_path.read_text())
        _compare(scheme, expected, options)
        lines = result.output.splitlines()
        assert f"scheme {scheme['scheme_id']}" in lines
        assert any(line.strip().startswith(f"{len(expected['ranked'])} declarations,") for line in lines), lines
        printed = {m.group(1): int(m.group(2)) for m in (re.match(r"\s+([A-Z]): .*?(\d+) decl\.", line)
                                                          for line in lines) if m}
        if not _ambiguous(expected["ranked"].values(), expected["limits"], scheme["thresholds"], 1.0):
            assert printed == {name: row["declarations"] for name, row in zip(scheme["labels"], expected["rows"])}
        decl = footprint.write_declaration(mc_declaration, Path(directory) / "decl.json")
        out = Path(directory) / "classed.json"
        result = runner.invoke(cli.main, ["classes", "assign", str(decl), "--scheme", str(scheme_path),
                                          "-o", str(out)])
        refusals = ([] if scheme["unit"] == UNIT else ["unit differs"]) + (
            [] if "1" in {_major(v) for v in scheme["rule"]["versions"]} else ["another major version"])
        if refusals:  # values per another declared unit, or of another major version of the rule, than the scheme's
            assert result.exit_code == 2 and re.search("|".join(refusals), result.output), result.output
            return
        assert result.exit_code == 0, result.output
        event("assigned")
        want = expected_record(mc_declaration, scheme)
        head = re.match(r"class ([A-Z]) \(climate_change = .*\) under (\S+)$", result.output.splitlines()[0])
        assert head and head.groups() == (want["class"], scheme["scheme_id"]), result.output
        assert f":{WINDOW[0]}-{WINDOW[1]}:" in head.group(2)
        shown = re.search(r"class probabilities: (.*)", result.output).group(1)
        assert {part.split()[0] for part in shown.split(", ")} == {
            name for name, p in want["probabilities"].items() if p >= 0.005}
        classed = json.loads(out.read_text())["performance_class"]
        assert classed["class"] == want["class"] and classed["scheme_id"] == scheme["scheme_id"]


# ------------------------------------------------------------------ regressions the oracle found

def test_a_declaration_with_nothing_placed_is_none_of_the_windows_declarations(tmp_path):
    """A 0 kg row (an older register's; market add refuses 0 now) is no declaration placed on the market.

    d10 (10, 1 t in 2023), d20 (20, 1 t in 2024), d1 (1, 0 kg in 2022); 3 classes with head-room, mass quantiles:
    B..C from [10, 20] at equal weights: positions 1/4, 3/4, so t_2 = Q(1/2) = 15; t_1 = 10 - 0.1 x 10 = 9.
    Classes: A (<= 9) 0 declarations, B 1 (d10), C 1 (d20); 2 declarations, min 10; 2022 had nothing placed.
    Old code: class A '1 decl.' (d1, in the class head-room keeps empty), 3 declarations, min 1, and 2022 counted
    as a year with placements (no warning), exit 0.
    """
    register = tmp_path / "market.sqlite"
    entry = lambda ident, value, year: Entry(declaration_id=ident, rule_id="r", rule_version="1.0.0", year=year,
                                              mass_kg=1000.0, values={CATEGORY: value}, units={CATEGORY: UNIT},
                                              coverage={CATEGORY: "complete"})
    Register(register).add([entry("d10", 10.0, 2023), entry("d20", 20.0, 2024), entry("d1", 1.0, 2022)])
    with sqlite3.connect(register) as db:
        db.execute("UPDATE placements SET mass_kg = 0 WHERE declaration_id = 'd1'")
    scheme = footprint.derive_classes("r", CATEGORY, "2022-2024", classes=3, weight="mass", method="quantile",
                                      head_room=True, register=register)
    assert scheme["thresholds"] == [9.0, 15.0]
    assert [row["declarations"] for row in scheme["classes"]] == [0, 1, 1]
    counts = scheme["counts"]
    assert (counts["declarations"], counts["min"], counts["max"], counts["without_weight"]) == (2, 10.0, 20.0, 1)
    assert counts["years_without_placements"] == [2022]


def test_verify_of_a_declaration_exactly_on_its_threshold_verifies(example_declaration, tmp_path):
    """A declaration whose value is a threshold takes the better class, and verify must say so again.

    Count-weighted [v/2, v, 2v] in 2 classes: positions 1/6, 1/2, 5/6, so t_1 = Q(1/2) = v, the example's own
    value: class A (upper bounds inclusive).  Old code: the reference path recomputed v 7e-15 higher
    (46.555493837498695 -> 46.5554938374987), classed that B, and the honest file failed verify (exit 1,
    'performance_class.class A / B'); now a value recomputed within the tolerance is classed as declared.
    A class edited to B and hashed again still fails.
    """
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == CATEGORY)
    register = tmp_path / "market.sqlite"
    Register(register).add([Entry(declaration_id=f"p{k}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2024,
                                  mass_kg=1.0, values={CATEGORY: v}, units={CATEGORY: UNIT},
                                  coverage={CATEGORY: "complete"}) for k, v in enumerate([value / 2, value, 2 * value])])
    scheme = footprint.derive_classes("ndpr-oxide", CATEGORY, "2022-2024", classes=2, weight="count",
                                      head_room=False, register=register)
    assert scheme["thresholds"] == [value]
    scheme_path = footprint.write_scheme(scheme, tmp_path / "scheme.json")
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    classed = footprint.assign_class(decl, scheme_path)
    assert classed["performance_class"]["class"] == "A"
    honest = footprint.write_declaration(classed, tmp_path / "classed.json")
    result = CliRunner().invoke(cli.main, ["verify", str(honest), "--data", str(EXAMPLE), "--scheme",
                                           str(scheme_path)])
    assert result.exit_code == 0, result.output

    from footprint.declaration.declaration import content_hash

    forged = copy.deepcopy(classed)
    forged["performance_class"]["class"] = "B"
    forged["content_sha256"] = content_hash(forged)
    forged_path = footprint.write_declaration(forged, tmp_path / "forged.json")
    result = CliRunner().invoke(cli.main, ["verify", str(forged_path), "--data", str(EXAMPLE), "--scheme",
                                           str(scheme_path)])
    assert result.exit_code == 1 and "performance_class.class" in result.output, result.output

    # the value moved 1e-7 below its threshold (within verify's 1e-6), class and nearest threshold made to fit:
    # not the recomputed value to floating-point noise, so classed as recomputed (classed at the declared value
    # whenever the two agree within the tolerance, this forgery of a value near a threshold verified, exit 0)
    def moved(d: dict) -> None:
        result = next(r for r in d["results"] if r["category"] == CATEGORY)
        result["value"] = value * (1 - 1e-7)
        pc = d["performance_class"]
        pc.update({"value": result["value"], "class": "A",
                   "nearest_threshold": classes.nearest_threshold(result["value"], pc["thresholds"], pc["labels"])})

    forged = copy.deepcopy(classed)
    moved(forged)
    forged["content_sha256"] = content_hash(forged)
    forged_path = footprint.write_declaration(forged, tmp_path / "moved.json")
    result = CliRunner().invoke(cli.main, ["verify", str(forged_path), "--data", str(EXAMPLE), "--scheme",
                                           str(scheme_path)])
    assert result.exit_code == 1 and "FAILURE  performance_class." in result.output, result.output



# ------------------------------------------------------------------ revision: the next window, migration, triggers

def _shares(ranked: dict, mass: dict, limits) -> dict:
    """Shares of declarations and of mass in the top class and the top two (energy-label triggers 30 % / 50 %)."""
    total_n, total_m = len(ranked), sum(mass.values())
    out = {}
    for key, top in (("top", 1), ("top_two", 2)):
        inside = [i for i, v in ranked.items() if _class_of(Fraction(v), limits) < top]
        out[key] = {"declarations": len(inside) / total_n, "mass": float(sum(mass[i] for i in inside) / total_m)}
    out["rescale"] = out["top"]["mass"] >= 0.30 or out["top_two"]["mass"] >= 0.50
    return out


@settings(max_examples=40, **SETTINGS)
@given(market=markets(), options=OPTIONS)
def test_revise_agrees_with_the_oracle_on_the_next_window(market, options):
    """The revision derives from the next window (2023-2025) and reports, for the declarations it ranks, the
    migration from the old classes to the new and the top-class shares against the rescaling triggers (mass)."""
    old_expected = oracle(market, **options)
    new_window = (WINDOW[0] + 1, WINDOW[1] + 1)
    new_expected = oracle(market, window=new_window, **options)
    if old_expected["refusals"]:
        event("no old scheme")
        return
    with tempfile.TemporaryDirectory() as directory:
        register = _register(market, directory)
        old = footprint.derive_classes("r", CATEGORY, f"{WINDOW[0]}-{WINDOW[1]}", classes=options["n"],
                                       weight=options["weight"], method=options["method"],
                                       head_room=options["head_room"], margin=options["margin"], register=register,
                                       basis=options["basis"])
        with pytest.raises(FootprintError, match="does not end after"):  # the old window again is no revision
            footprint.revise_classes(old, f"{WINDOW[0]}-{WINDOW[1]}", register=register)
        if new_expected["refusals"]:
            with pytest.raises(FootprintError):
                footprint.revise_classes(old, f"{new_window[0]}-{new_window[1]}", register=register)
            return
        revision = footprint.revise_classes(old, f"{new_window[0]}-{new_window[1]}", register=register)
    new = revision.new
    assert new["previous_scheme"]["scheme_id"] == old["scheme_id"]
    assert new["derived"] == f"{new_window[1]}-12-31" and new["next_review"] == f"{new_window[1] + 3}-12-31"
    scale = max(1.0, float(max(abs(new_expected["min"]), abs(new_expected["max"]))))
    for got, want in zip(new["thresholds"], new_expected["limits"]):
        assert _close(got, want, scale)
    ranked = new_expected["ranked"]
    if (_ambiguous(ranked.values(), new_expected["limits"], new["thresholds"], scale)):
        return
    event("revision compared")
    old_limits = [Fraction(t) for t in old["thresholds"]]
    matrix = [[0] * options["n"] for _ in range(options["n"])]
    for value in ranked.values():
        matrix[_class_of(Fraction(value), old_limits)][_class_of(Fraction(value), new_expected["limits"])] += 1
    assert revision.migration["declarations"] == matrix
    mass = {i: new_expected["population"][i] for i in ranked}
    for got, limits in ((revision.shares_old, old_limits), (revision.shares_new, new_expected["limits"])):
        want = _shares(ranked, mass, limits)
        for key in ("top", "top_two"):
            assert got[key]["declarations"] == pytest.approx(want[key]["declarations"], abs=1e-12)
            assert got[key]["mass"] == pytest.approx(want[key]["mass"], abs=1e-12)
        assert got["basis"] == "mass" and got["rescale"] == want["rescale"]


@settings(max_examples=30, **SETTINGS)
@given(market=markets(rule="ndpr-oxide", size=(10, 20)))
def test_options_left_out_are_the_rules_class_scheme_as_the_oracle_reads_it(market):
    """rules/ndpr-oxide.yaml's class_scheme: climate change, 7 classes, mass-weighted quantiles, head-room
    (margin 0.10 by default), a 3-year window reviewed every 3 years; a 2-year window only when stated."""
    options = {"n": 7, "method": "quantile", "weight": "mass", "head_room": True, "margin": 0.1}
    expected = oracle(market, rule="ndpr-oxide", **options)
    with tempfile.TemporaryDirectory() as directory:
        register = _register(market, directory)
        with pytest.raises(FootprintError, match="spans 2 year"):
            footprint.derive_classes("ndpr-oxide", None, f"{WINDOW[0] + 1}-{WINDOW[1]}", register=register)
        if expected["refusals"]:
            with pytest.raises(FootprintError):
                footprint.derive_classes("ndpr-oxide", None, f"{WINDOW[0]}-{WINDOW[1]}", register=register)
            return
        scheme = footprint.derive_classes("ndpr-oxide", None, f"{WINDOW[0]}-{WINDOW[1]}", register=register)
    event("derived")
    assert scheme["head_room"] == {"enabled": True, "margin": 0.1} and scheme["review_years"] == 3
    assert scheme["window_years"] == {"years": 3, "rule": 3, "override": False}
    _compare(scheme, expected, options)
