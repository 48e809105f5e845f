"""Uncertainty: pedigree by hand, analytic lognormal, zero uncertainty, seeds, class probabilities, register."""
from __future__ import annotations

import copy
import json
import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.data import pedigree
from footprint.errors import ActivityDataError
from footprint.inputs.distribution import TYPE_IDS, Distribution, Relative
from footprint.inputs.dqr import DQR
from footprint.inputs.upstream import canonical_json
from footprint.market import classes
from footprint.market.registry import Entry, Register

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
Z975 = 1.959963984540054  # standard normal 97.5th percentile


def _invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


# ------------------------------------------------------------------ pedigree table by hand

def test_pedigree_gsd_for_a_dqr_equals_the_hand_computed_value():
    # An electricity input (basic U 1.05: "demand: thermal energy, electricity, ...") with
    # TeR 2, GeR 3, TiR 2, P 3.  PEF -> pedigree: P -> reliability 3 -> 1.10; completeness
    # (no PEF criterion) -> 1.00; TiR -> temporal 2 -> 1.03; GeR -> geographical 3 -> 1.02;
    # TeR -> further technological 2 -> 1.05.
    # (ln U)^2: 1.05 -> 0.0023805; 1.10 -> 0.0090840; 1.00 -> 0; 1.03 -> 0.0008737;
    #           1.02 -> 0.0003921; 1.05 -> 0.0023805; sum 0.0151108
    # sigma = sqrt(0.0151108) / 2 = 0.122926 / 2 = 0.061463; GSD = e^0.061463 = 1.06339; GSD^2 = 1.13080
    dqr = DQR(TeR=2, GeR=3, TiR=2, P=3)
    spread = pedigree.lognormal(*pedigree.input_class(transport=False), dqr)
    assert spread.type == TYPE_IDS["lognormal"]
    assert spread.scale == pytest.approx(0.061463, abs=2e-6)
    assert math.exp(spread.scale) == pytest.approx(1.06339, abs=2e-5)
    assert math.exp(2 * spread.scale) == pytest.approx(1.13080, abs=5e-5)


def test_pedigree_between_two_scores_takes_the_worse_and_basic_classes_follow_the_table():
    # P 2.5 counts as P 3 (ceil): the same sigma as P 3
    assert pedigree.sigma(1.05, DQR(TeR=1, GeR=1, TiR=1, P=2.5)) == pedigree.sigma(1.05, DQR(TeR=1, GeR=1, TiR=1, P=3))
    # all scores 1: only the basic uncertainty, sigma = ln(U_b) / 2
    assert pedigree.sigma(2.0, DQR(TeR=1, GeR=1, TiR=1, P=1)) == pytest.approx(math.log(2.0) / 2)
    assert pedigree.input_class(transport=True)[1] == 2.00
    assert pedigree.emission_class("Particulate Matter, < 2.5 um", "air::non-urban air or from high stacks")[1] == 3.00
    assert pedigree.emission_class("Particulate Matter, > 2.5 um and < 10um", ["air"])[1] == 2.00
    assert pedigree.emission_class("Carbon dioxide, fossil", ["air"])[1] == 1.05
    assert pedigree.emission_class("Radium-226", ["air"])[1] == 3.00
    assert pedigree.emission_class("Carbon monoxide, fossil", ["air"])[1] == 5.00
    assert pedigree.emission_class("Nickel II", ["water", "surface water"])[1] == 1.50
    assert pedigree.emission_class("Hydrogen fluoride", ["air"])[1] == 1.50          # 'inorganic emissions, others'
    assert pedigree.emission_class("Something", ["nowhere"]) == pedigree.table().default


def test_the_pedigree_file_names_its_sources_and_what_is_not_confirmed():
    text = (REPO / "footprint" / "data" / "pedigree.yaml").read_text(encoding="utf-8")
    for needle in ("Weidema", "olca-modules", "pedigree_matrix", "Ciroth", "not_confirmed"):
        assert needle in text
    assert pedigree.table().factors["reliability"] == (1.00, 1.05, 1.10, 1.20, 1.50)
    assert pedigree.table().factors["further_technological_correlation"] == (1.00, 1.05, 1.20, 1.50, 2.00)


# ------------------------------------------------------------------ distributions in activity data

def test_distributions_become_multipliers_of_their_amount():
    # uniform 80..130 around 100 -> multiplier 0.8..1.3; triangular mode defaults to the amount
    assert Distribution(type="uniform", minimum=80, maximum=130).relative(100.0) == Relative(4, minimum=0.8,
                                                                                             maximum=1.3)
    tri = Distribution(type="triangular", minimum=80, maximum=130).relative(100.0)
    assert (tri.loc, tri.minimum, tri.maximum) == (1.0, 0.8, 1.3)
    assert Distribution(type="lognormal", gsd=1.2).relative(5.0).scale == pytest.approx(math.log(1.2))
    assert Distribution(type="normal", sd=10).relative(200.0).scale == pytest.approx(0.05)
    normal = Relative(TYPE_IDS["normal"], scale=0.05)
    assert normal.absolute(200.0) == {"uncertainty type": 3, "loc": 200.0, "scale": pytest.approx(10.0)}


@pytest.mark.parametrize("uncertainty, where, message", [
    ({"type": "uniform", "minimum": 1, "maximum": 2}, "inputs", "outside its uniform range"),
    ({"type": "lognormal", "gsd": 0.9}, "inputs", "below 1"),
    ({"type": "lognormal", "gsd": 1.2, "sd": 3}, "inputs", "takes gsd and scale"),
    ({"type": "lognormal", "gsd": 1.2}, "output", "reference flows are fixed"),
])
def test_bad_distributions_are_refused_naming_the_field(example_copy, uncertainty, where, message):
    import yaml

    data = yaml.safe_load(example_copy.read_text(encoding="utf-8"))
    if where == "inputs":
        data["processes"]["mining"]["inputs"][1]["uncertainty"] = uncertainty
    else:
        data["processes"]["mining"]["output"]["uncertainty"] = uncertainty
    example_copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-oxide", example_copy)
    assert message in str(caught.value)
    assert "processes.mining" in str(caught.value)


def test_a_gsd_wider_than_the_worst_pedigree_is_declared_with_a_warning(example_copy):
    """``gsd: 10`` (a percentage written as a GSD) is accepted but never silent; ``gsd: 1.2`` is quiet.

    Hand-computed: the widest pedigree lognormal (all PEF scores 5, largest basic U 5; completeness is
    not a PEF score, its factor is score 1's, 1.0, so ln 1 = 0) has
    sigma = sqrt(ln5^2 + ln1.5^2 (P) + ln1.5^2 (TiR) + ln1.1^2 (GeR) + ln2^2 (TeR)) / 2
          = sqrt(2.5903 + 0.1644 + 0.1644 + 0.0091 + 0.4805) / 2 = 0.9231, GSD e^0.9231 = 2.517;
    gsd 10 at 95 %: 10^1.96 = 91.2 times larger or smaller.
    """
    import yaml

    from footprint.data.pedigree import widest_gsd

    sigma = math.sqrt(sum(math.log(u) ** 2 for u in (5.0, 1.5, 1.5, 1.1, 2.0))) / 2
    assert math.exp(sigma) == pytest.approx(2.517, abs=5e-4)
    assert widest_gsd() == pytest.approx(math.exp(sigma), rel=1e-12)  # derived from pedigree.yaml, not copied
    data = yaml.safe_load(example_copy.read_text(encoding="utf-8"))
    data["processes"]["mining"]["inputs"][1]["uncertainty"] = {"type": "lognormal", "gsd": 10}
    data["processes"]["mining"]["inputs"][0]["uncertainty"] = {"type": "lognormal", "gsd": 1.2}
    example_copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    document = footprint.declare("ndpr-oxide", example_copy, uncertainty=1000, seed=1)
    wide = [w for w in document["data_quality"]["warnings"] if "gsd" in w]
    assert len(wide) == 1, wide  # the gsd 1.2 on the diesel stays quiet
    assert "processes.mining.inputs[1]" in wide[0] and "gsd 10:" in wide[0] and "91.2 times" in wide[0]
    assert "not a percentage" in wide[0] and "(GSD 2.52)" in wide[0]


# ------------------------------------------------------------------ the Monte Carlo

@pytest.fixture(scope="module")
def parts(project):
    """Catalogue, biosphere index and a calculated result of the example."""
    from footprint.data import inventory, project as fp_project
    from footprint.engine import calculate, system
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    bd = fp_project.brightway()[0]
    catalogue = inventory.load_catalogue()
    flows = inventory.biosphere_index(bd)
    built = system.build(load_rule("ndpr-oxide"), load_activity(EXAMPLE), catalogue, flows)
    return catalogue, flows, calculate.calculate(built)


def _one_input_result(parts, spread: Relative, amount: float = 2.0):
    """A one-process system emitting ``amount`` kg fossil CO2 per declared kg (climate change = amount)."""
    from footprint.engine import calculate
    from footprint.engine.system import Flow, ForegroundProcess, ProductSystem

    catalogue, flows, result = parts
    code, unit = flows[("Carbon dioxide, fossil", ("air",))]
    flow = Flow("mining", "biosphere", code, amount, unit, "Carbon dioxide, fossil (air)",
                "processes.mining.emissions[0]", None, True, uncertainty=spread)
    process = ForegroundProcess(id="mining", name="mine", stage="extraction", product="ore", output=1.0,
                                company_specific=True, annex_v=[], flows=[flow])
    system = ProductSystem(rule=result.system.rule, activity=result.system.activity, processes=[process],
                           reference="mining", declared_amount=1.0)
    return calculate.calculate(system)


def test_a_lognormal_input_reproduces_the_analytic_median_and_percentiles(parts):
    from footprint.engine import uncertainty

    catalogue, flows, _result = parts
    sigma = 0.3
    result = _one_input_result(parts, Relative(TYPE_IDS["lognormal"], scale=sigma))
    assert result.totals["climate_change"] == pytest.approx(2.0)  # CF of fossil CO2 is 1
    mc = uncertainty.monte_carlo(result, catalogue, flows, iterations=100_000, seed=3)
    stats = mc.statistics("climate_change")
    # analytic: X = 2 exp(sigma Z); median 2; p2.5 = 2 e^(-1.96*0.3) = 1.1106; p97.5 = 2 e^(1.96*0.3) = 3.6017;
    # mean = 2 e^(sigma^2/2) = 2.0921.
    # Sampling error (N = 100,000): median ~ 1.2533 sigma / sqrt(N) = 0.12 % relative; p2.5/p97.5 ~
    # sigma sqrt(p(1-p)/N) / phi(1.96) = 0.3 * 0.000494 / 0.0584 = 0.25 %; mean ~ sd/mean/sqrt(N) = 0.10 %.
    # Tolerances are four standard errors.
    assert stats.median == pytest.approx(2.0, rel=0.005)
    assert stats.p2_5 == pytest.approx(2.0 * math.exp(-Z975 * sigma), rel=0.01)
    assert stats.p97_5 == pytest.approx(2.0 * math.exp(Z975 * sigma), rel=0.01)
    assert stats.mean == pytest.approx(2.0 * math.exp(sigma ** 2 / 2), rel=0.004)
    # and the only input explains all the variance
    drivers = mc.sensitivity["climate_change"]
    assert drivers[0]["input"] == "processes.mining.emissions[0]" and drivers[0]["share"] == pytest.approx(1.0)


def _background_certain(monkeypatch) -> None:
    """Every secondary dataset's exchange without uncertainty (the background model as built, specs 'none')."""
    from footprint.engine import uncertainty

    real = uncertainty.background_model

    def certain(*args, **kwargs):
        model = real(*args, **kwargs)
        model.specs = [Relative(TYPE_IDS["none"]) for _ in model.specs]
        return model

    monkeypatch.setattr(uncertainty, "background_model", certain)


def test_with_every_uncertainty_zero_every_percentile_equals_the_declared_value(parts, monkeypatch):
    from footprint.engine import uncertainty

    catalogue, flows, result = parts
    result = copy.deepcopy(result)
    for process in result.system.processes:
        process.flows = [replace(f, uncertainty=Relative(TYPE_IDS["lognormal"], scale=0.0)) for f in process.flows]
    _background_certain(monkeypatch)
    block = uncertainty.monte_carlo(result, catalogue, flows, iterations=500, seed=1).block()
    for entry in block["results"]:
        value = entry["value"]
        for key in ("mean", "median", "p2_5", "p97_5"):
            assert entry[key] == pytest.approx(value, rel=1e-12, abs=1e-300), (entry["category"], key)
        assert all(q == pytest.approx(value, rel=1e-12, abs=1e-300) for q in entry["quantiles"])
        assert entry["sd"] == pytest.approx(0.0, abs=1e-12 * abs(value))
        assert entry["contribution_to_variance"] == []


def test_the_cff_line_is_carried_and_zero_uncertainty_gives_the_declared_value(project, monkeypatch):
    """Recycled content (HPMS, CFF with Ev from a dataset): the array model reproduces the declared value."""
    from footprint.data import inventory, project as fp_project
    from footprint.engine import calculate, system, uncertainty
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    catalogue = inventory.load_catalogue()
    flows = inventory.biosphere_index(fp_project.brightway()[0])
    built = system.build(load_rule("ndfeb-recycled-hpms"), load_activity(
        REPO / "examples" / "ndfeb-recycled-hpms" / "activity-2025.yaml"), catalogue, flows)
    result = calculate.calculate(built)
    assert any(v.get("adjustment") for v in result.recycled.values())  # the example has a CFF line
    spread = uncertainty.monte_carlo(result, catalogue, flows, iterations=2000, seed=2).block()
    assert all(r["sd"] > 0 for r in spread["results"] if r["value"])
    for process in built.processes:
        process.flows = [replace(f, uncertainty=Relative(TYPE_IDS["none"])) for f in process.flows]
    _background_certain(monkeypatch)
    real_supplier = uncertainty.supplier_input
    monkeypatch.setattr(uncertainty, "supplier_input",
                        lambda s: replace(real_supplier(s), spec=Relative(TYPE_IDS["none"])))
    for entry in uncertainty.monte_carlo(result, catalogue, flows, iterations=50, seed=2).block()["results"]:
        assert entry["median"] == pytest.approx(entry["value"], rel=1e-12, abs=1e-300)


def test_a_model_that_drifts_from_the_declaration_is_refused(parts):
    from footprint.engine import uncertainty

    catalogue, flows, result = parts
    drifted = replace(result, totals={**result.totals, "climate_change": result.totals["climate_change"] * 1.001})
    with pytest.raises(RuntimeError, match="deterministic"):
        uncertainty.monte_carlo(drifted, catalogue, flows, iterations=10, seed=1)


def test_the_same_seed_gives_byte_identical_results_and_another_seed_does_not(project):
    first = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=3000, seed=42)
    second = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=3000, seed=42)
    other = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=3000, seed=43)
    assert canonical_json(first["uncertainty"]).encode() == canonical_json(second["uncertainty"]).encode()
    assert first["uncertainty"]["results"][0]["quantiles"] != other["uncertainty"]["results"][0]["quantiles"]
    assert first["provenance"]["seed"] == 42
    # the declared values are the deterministic ones, with or without a Monte Carlo
    plain = footprint.declare("ndpr-oxide", EXAMPLE)
    assert [r["value"] for r in first["results"]] == [r["value"] for r in plain["results"]]
    assert "uncertainty" not in plain and plain["provenance"]["seed"] is None


@pytest.fixture(scope="module")
def mc_declaration(project, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mc") / "decl.json"
    footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=2000, seed=7), path)
    return path


def test_the_block_has_statistics_per_category_and_stage_and_the_top_ten_inputs(mc_declaration):
    document = json.loads(mc_declaration.read_text(encoding="utf-8"))
    block = document["uncertainty"]
    assert block["iterations"] == 2000 and block["seed"] == 7
    assert [r["category"] for r in block["results"]] == document["impact_categories"]["declared"]
    for entry in block["results"]:
        assert entry["p2_5"] <= entry["median"] <= entry["p97_5"]
        assert len(entry["quantiles"]) == 101 and entry["quantiles"] == sorted(entry["quantiles"])
        assert set(entry["by_stage"]) == {s["id"] for s in document["stages"]}
        # README: the stage means add up to the total's mean (a mean is linear); the declared value lies
        # within the 95 % interval (the example's distributions are around their amounts)
        assert sum(s["mean"] for s in entry["by_stage"].values()) == pytest.approx(entry["mean"], rel=1e-9)
        assert entry["p2_5"] <= entry["value"] <= entry["p97_5"]
        drivers = entry["contribution_to_variance"]
        assert 1 <= len(drivers) <= 10
        assert [d["share"] for d in drivers] == sorted((d["share"] for d in drivers), reverse=True)
    model = block["model"]
    assert model["pedigree"]["id"] == "footprint-pedigree" and len(model["inputs_sha256"]) == 64
    assert model["counts"]["foreground_amounts"] == model["counts"]["from_dqr"] > 0


def test_verify_reproduces_the_percentiles_and_catches_an_edited_one(mc_declaration, tmp_path):
    outcome = footprint.verify_declaration(mc_declaration, EXAMPLE)
    assert outcome.ok and outcome.compared > 2000, outcome.failures
    document = json.loads(mc_declaration.read_text(encoding="utf-8"))
    document["uncertainty"]["results"][0]["p97_5"] *= 1.01
    from footprint.declaration.declaration import content_hash

    document["content_sha256"] = content_hash(document)  # a consistent forgery: only recomputing shows it
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document), encoding="utf-8")
    outcome = footprint.verify_declaration(forged, EXAMPLE)
    assert not outcome.ok
    assert any(d.item.startswith("uncertainty.results[climate_change].p97_5") for d in outcome.failures)


def test_a_declaration_of_the_previous_model_verifies_where_no_line_shares_a_draw(mc_declaration, tmp_path):
    """Model 2 lets lines of one datum share their pedigree draws; where no datum has two such lines (the
    example), models 1 and 2 give the same percentiles bit for bit, so a declaration written by the previous
    footprint is verified, the version named as a warning.  Where they would differ, the percentiles and the
    model's inputs hash fail as before (test_metamorphic: the interval itself)."""
    from footprint.declaration.declaration import content_hash

    document = json.loads(mc_declaration.read_text(encoding="utf-8"))
    from footprint.engine.uncertainty import MODEL_VERSION

    assert document["uncertainty"]["model"]["version"] == MODEL_VERSION
    assert not [row for row in document["uncertainty"]["model"]["foreground"] if row.get("moves_with")]
    document["uncertainty"]["model"]["version"] = "footprint-uncertainty/1"
    document["content_sha256"] = content_hash(document)
    older = tmp_path / "older.json"
    older.write_text(json.dumps(document), encoding="utf-8")
    outcome = footprint.verify_declaration(older, EXAMPLE)
    assert outcome.ok, outcome.failures
    assert [d.item for d in outcome.warnings if d.item.startswith("uncertainty")] == ["uncertainty.model.version"]


def test_cli_declares_with_uncertainty_and_refuses_bad_requests(project, tmp_path):
    out = tmp_path / "d.json"
    result = _invoke("declare", "ndpr-oxide", EXAMPLE, "-o", out, "--uncertainty", 500, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "Monte Carlo: 500 iterations, seed 3" in result.output and "95 %" in result.output
    bad = _invoke("declare", "ndpr-oxide", EXAMPLE, "-o", tmp_path / "x.json", "--uncertainty", 1)
    assert bad.exit_code == 2 and "iterations out of range" in bad.output and not (tmp_path / "x.json").exists()
    lone = _invoke("declare", "ndpr-oxide", EXAMPLE, "-o", tmp_path / "y.json", "--seed", 3)
    assert lone.exit_code == 2 and "--seed needs --uncertainty" in lone.output


# ------------------------------------------------------------------ class probabilities

def test_cdf_from_percentiles_by_hand():
    quantiles = [float(k) for k in range(101)]  # uniform on 0..100
    assert classes.cdf(quantiles, 37.5) == pytest.approx(0.375)
    assert classes.cdf(quantiles, -1.0) == 0.0 and classes.cdf(quantiles, 100.0) == 1.0
    # a flat stretch (ties) resolves to the largest p with q <= x: P(X <= 5) = 0.6 below
    flat = [0.0] * 10 + [5.0] * 50 + [10.0] * 41
    assert classes.cdf(flat, 5.0) == pytest.approx(0.59)
    probabilities = classes.class_probabilities(quantiles, [25.0, 50.0], ["A", "B", "C"])
    assert probabilities == pytest.approx({"A": 0.25, "B": 0.25, "C": 0.5})


def test_a_declaration_exactly_on_a_threshold_gets_about_half_for_each_neighbour(parts):
    from footprint.engine import uncertainty

    catalogue, flows, _result = parts
    result = _one_input_result(parts, Relative(TYPE_IDS["normal"], scale=0.1), amount=2.0)
    block = uncertainty.monte_carlo(result, catalogue, flows, iterations=20_000, seed=9).block()
    entry = next(r for r in block["results"] if r["category"] == "climate_change")
    value = entry["value"]
    probabilities = classes.class_probabilities(entry["quantiles"], [1.0, value, 3.0], ["A", "B", "C", "D"])
    # the threshold at the median of a symmetric distribution: 50 % either side; sampling error of the
    # ECDF at N = 20,000 is sqrt(0.25/N) = 0.35 %, the 1 % percentile grid adds at most linear-interpolation error
    assert probabilities["B"] == pytest.approx(0.5, abs=0.02)
    assert probabilities["C"] == pytest.approx(0.5, abs=0.02)
    assert probabilities["A"] == probabilities["D"] == 0.0
    nearest = classes.nearest_threshold(value, [1.0, value, 3.0], ["A", "B", "C", "D"], entry)
    assert nearest["between"] == ["B", "C"] and nearest["distance"] == 0.0 and nearest["within_95_interval"]


def _scheme(tmp_path, values: list[float]) -> Path:
    """A real scheme derived from a register of declarations of the example's rule."""
    register = tmp_path / "market.sqlite"
    Register(register).add([Entry(declaration_id=f"d{k}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2025,
                                  mass_kg=1000.0, values={"climate_change": v},
                                                  coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})
                            for k, v in enumerate(values)])
    scheme = footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=3, weight="count",
                                      register=register)
    path = tmp_path / "scheme.json"
    footprint.write_scheme(scheme, path)
    return path


def test_classes_assign_gives_probabilities_label_bar_and_report(mc_declaration, tmp_path):
    document = json.loads(mc_declaration.read_text(encoding="utf-8"))
    value = document["results"][0]["value"]
    scheme = _scheme(tmp_path, [value * 0.5, value * 0.8, value * 1.0, value * 1.2, value * 1.5, value * 2.0])
    out, label, report = tmp_path / "classed.json", tmp_path / "label.png", tmp_path / "report.html"
    result = _invoke("classes", "assign", mc_declaration, "--scheme", scheme, "-o", out, "--label", label,
                     "--report", report)
    assert result.exit_code == 0, result.output
    assert "class probabilities:" in result.output and "nearest threshold:" in result.output
    record = json.loads(out.read_text(encoding="utf-8"))["performance_class"]
    assert sum(record["probabilities"].values()) == pytest.approx(1.0)
    assert set(record["probabilities"]) == set(record["labels"])
    assert record["nearest_threshold"]["between"][0] in record["labels"]
    html = report.read_text(encoding="utf-8")
    assert "Class probabilities" in html and "Uncertainty (Monte Carlo)" in html and "What drives it" in html
    from footprint.report.label import class_label_png

    without = {k: v for k, v in record.items() if k != "probabilities"}
    assert label.read_bytes() != class_label_png(without)  # the bar is drawn


# ------------------------------------------------------------------ register: medians and near thresholds

def _spread_entry(ident: str, value: float, median: float | None, low: float | None = None,
                  high: float | None = None) -> Entry:
    entry = Entry(declaration_id=ident, rule_id="r", rule_version="1.0.0", year=2024, mass_kg=1000.0,
                  values={"climate_change": value},
                  coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})
    if median is not None:
        entry.spreads["climate_change"] = (median, low, high)
    return entry


def test_derive_from_medians_and_revise_counts_declarations_near_a_threshold(tmp_path):
    register = tmp_path / "m.sqlite"
    Register(register).add([_spread_entry("a", 10.0, 12.0, 8.0, 16.0), _spread_entry("b", 20.0, 21.0, 19.5, 22.0),
                            _spread_entry("c", 30.0, None), _spread_entry("d", 40.0, 41.0, 38.0, 44.0)])
    points, _unit = Register(register).points("r", "climate_change", 2024, 2024)
    assert [(p.declaration_id, p.median) for p in points] == [("a", 12.0), ("b", 21.0), ("c", None), ("d", 41.0)]
    by_value = footprint.derive_classes("r", "climate_change", "2022-2024", classes=2, weight="count",
                                        register=register)
    by_median = footprint.derive_classes("r", "climate_change", "2022-2024", classes=2, weight="count",
                                         register=register, basis="median")
    # count-weighted Hazen median of 4 values: midway between the 2nd and 3rd: (20 + 30)/2 = 25 by value,
    # (21 + 30)/2 = 25.5 by median (c has no Monte Carlo and enters with its value 30)
    assert by_value["thresholds"] == [25.0] and by_median["thresholds"] == [25.5]
    assert by_median["basis"] == {"value": "median", "without_median": 1} and "basis" not in by_value
    classes.check_scheme(by_median)
    revision = footprint.revise_classes(by_median, "2023-2025", register=register)
    # new threshold 25.5 (basis median kept): intervals a 8..16, b 19.5..22, d 38..44: none contains it
    assert revision.new["thresholds"] == [25.5]
    assert revision.near == {"declarations": 4, "with_interval": 3, "near": 0, "near_mass_share": 0.0, "ids": []}
    Register(register).add([_spread_entry("e", 24.0, 25.0, 20.0, 30.0)])  # its interval holds the threshold
    revision = footprint.revise_classes(by_median, "2023-2025", register=register)
    assert revision.near["near"] == 1 and revision.near["ids"] == ["e"]
    assert "Near a threshold" in revision.html()


def test_register_keeps_the_medians_of_a_monte_carlo_declaration(mc_declaration, tmp_path):
    from footprint.market.registry import entry_from_declaration

    document = json.loads(mc_declaration.read_text(encoding="utf-8"))
    entry = entry_from_declaration(document, mass_kg=10.0, year=2025)
    block = document["uncertainty"]["results"][0]
    assert entry.spreads["climate_change"] == (block["median"], block["p2_5"], block["p97_5"])
    register = Register(tmp_path / "r.sqlite")
    register.add([entry])
    entry.spreads = {}  # the same declaration added again without its Monte Carlo keeps the stored one
    register.add([entry])
    assert register.rows()[0]["spreads"]["climate_change"] == (block["median"], block["p2_5"], block["p97_5"])


# ------------------------------------------------------------------ XLSX

def _filled_mining_sheet(tmp_path):
    """The example as a filled XLSX template: (path, workbook, its 'mining' sheet, column name -> number)."""
    from openpyxl import load_workbook

    from test_template import fill_from_yaml

    template = tmp_path / "t.xlsx"
    footprint.make_template("ndpr-oxide", template)
    filled = tmp_path / "filled.xlsx"
    fill_from_yaml(template, EXAMPLE, filled)
    book = load_workbook(filled)
    ws = book["mining"]
    return filled, book, ws, {cell.value: index + 1 for index, cell in enumerate(ws[1])}


def test_xlsx_uncertainty_columns_are_read_and_a_lone_parameter_is_refused(project, tmp_path):
    from footprint.inputs.activity import load_activity

    filled, book, ws, columns = _filled_mining_sheet(tmp_path)
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=2).value == "electricity")
    ws.cell(row=row, column=columns["distribution"], value="uniform")
    ws.cell(row=row, column=columns["minimum"], value=1100)
    ws.cell(row=row, column=columns["maximum"], value=1300)
    book.save(filled)
    loaded = load_activity(filled)
    electricity = next(i for i in loaded.data.processes["mining"].inputs if i.kind == "electricity")
    assert electricity.uncertainty == Distribution(type="uniform", minimum=1100, maximum=1300)
    ws.cell(row=row, column=columns["distribution"]).value = None  # (cell(..., value=None) sets nothing)
    book.save(filled)
    with pytest.raises(ActivityDataError) as caught:
        load_activity(filled)
    assert "sheet 'mining'" in str(caught.value) and "without a 'distribution'" in str(caught.value)


def test_xlsx_quantity_typed_as_a_percentage_is_refused_and_a_fraction_is_not(project, tmp_path):
    """An sd typed as "5 %" is stored by Excel as 0.05 and was read as 0.05 MWh on 1,200 MWh (a relative
    sd of 0.05 / 1200 = 4e-5 instead of 0.05): nearly no uncertainty, exit 0.  Refused naming the cell;
    an exclusion's estimated share shown as 0.5 % (0.005, a fraction) stays accepted.
    """
    from footprint.inputs.activity import load_activity

    filled, book, ws, columns = _filled_mining_sheet(tmp_path)
    excluded = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "excluded"
                    and ws.cell(row=r, column=2).value)
    ws.cell(row=excluded, column=columns["amount"], value=0.005).number_format = "0.0%"
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=2).value == "electricity")
    ws.cell(row=row, column=columns["distribution"], value="normal")
    ws.cell(row=row, column=columns["sd"], value=0.05).number_format = "0%"
    book.save(filled)
    with pytest.raises(ActivityDataError) as caught:
        load_activity(filled)
    message = str(caught.value)
    assert "sheet 'mining'" in message and f"row {row}" in message and "column 'sd'" in message
    assert "Excel stores 0.05 (shown as 5 %)" in message
    ws.cell(row=row, column=columns["sd"]).number_format = "General"  # the same number as a plain number: read
    book.save(filled)
    loaded = load_activity(filled)
    electricity = next(i for i in loaded.data.processes["mining"].inputs if i.kind == "electricity")
    assert electricity.uncertainty == Distribution(type="normal", sd=0.05)
    assert loaded.data.processes["mining"].excluded[0].estimated_share == 0.005


# ------------------------------------------------------------------ suppliers' declarations

def test_sampling_from_percentiles_by_hand():
    from footprint.engine import sampling

    # percentiles 0..100 of a uniform distribution on [0, 100]: Phi(z) mapped linearly, so the samples are
    # uniform: mean 50, sd 100/sqrt(12) = 28.87 (N = 200,000: standard error of the mean 0.065)
    z = sampling.standard_normals(200_000, ["one input"], seed=4)[:, 0]
    samples = sampling.from_quantiles(z, np.linspace(0.0, 100.0, 101))
    assert samples.mean() == pytest.approx(50.0, abs=0.3)
    assert samples.std() == pytest.approx(100 / math.sqrt(12), rel=0.01)
    assert samples.min() >= 0.0 and samples.max() <= 100.0


def test_a_suppliers_monte_carlo_is_used_as_its_distribution(project, tmp_path):
    """The magnet maker buys NdPr metal from a supplier whose declaration carries a Monte Carlo."""
    import yaml

    from footprint.data import inventory, project as fp_project
    from footprint.engine import calculate, system, uncertainty
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    supplier = footprint.declare("ndpr-metal", REPO / "examples" / "ndpr-metal" / "activity-2025.yaml",
                                 uncertainty=2000, seed=5)
    footprint.write_declaration(supplier, tmp_path / "ndpr-metal.json")
    for name in ("dy-metal-2025.json",):
        shutil.copy(REPO / "examples" / "suppliers" / name, tmp_path / name)
    data = yaml.safe_load((REPO / "examples" / "ndfeb-magnet" / "activity-2025.yaml").read_text(encoding="utf-8"))
    for process in data["processes"].values():
        for item in process.get("inputs", []):
            if item.get("declaration"):
                item["declaration"] = "ndpr-metal.json" if "ndpr" in item["declaration"] else "dy-metal-2025.json"
    activity = tmp_path / "magnet.yaml"
    activity.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    catalogue = inventory.load_catalogue()
    flows = inventory.biosphere_index(fp_project.brightway()[0])
    built = system.build(load_rule("ndfeb-magnet"), load_activity(activity), catalogue, flows)
    mc = uncertainty.monte_carlo(calculate.calculate(built), catalogue, flows, iterations=4000, seed=6)
    kinds = {row["label"]: row["distribution"]["type"] for row in mc.model["suppliers"]}
    assert sorted(kinds.values()) == ["lognormal", "percentiles"]  # Dy: its DQR; NdPr metal: its Monte Carlo
    ranked = [row["input"] for row in mc.sensitivity["climate_change"]]
    assert f"supplier:{supplier['id']}" in ranked[:3]  # the supplier's spread is among what drives the magnet's


def test_a_grids_upstream_chain_moves_with_the_grid_input(parts):
    """Life-cycle scope: the fuel chain added to a direct-scope grid input is drawn with that input, not apart."""
    from footprint.engine import uncertainty

    _catalogue, _flows, result = parts
    flows = [f for p in result.system.processes for f in p.flows if f.kind != "intermediate"]
    chains = [f for f in flows if f.completes]
    assert chains  # the example's grid is direct scope under a life-cycle rule
    inputs, column_of = uncertainty._foreground_inputs(flows)
    position = {id(f): k for k, f in enumerate(flows)}
    for chain in chains:
        grid = next(f for f in flows if f.field == chain.completes)
        assert column_of[position[id(chain)]] == column_of[position[id(grid)]]
    assert len(inputs) == len(flows) - len(chains)
    assert len({i.id for i in inputs}) == len(inputs)  # one id per random input
