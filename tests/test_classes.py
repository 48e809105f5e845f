"""Class schemes: weighted quantiles by hand, equal-width bands, head-room, boundaries, assign, revise."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.declaration.verify import check_content_hash
from footprint.market import classes
from footprint.market.classes import ClassSchemeError, weighted_quantile
from footprint.market.registry import Entry, MarketPoint, Register, standard_unit
from footprint.report.label import class_label_png

REPO = Path(__file__).resolve().parents[1]


def _entry(ident: str, value: float, mass: float, year: int, rule: str = "r") -> Entry:
    return Entry(declaration_id=ident, rule_id=rule, rule_version="1.0.0", year=year, mass_kg=mass,
                 values={"climate_change": value},
                 coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})


@pytest.fixture()
def small_register(tmp_path) -> Path:
    """Three declarations in 2023 (10, 20, 30 with masses 1, 2, 1 t) and noise outside the window."""
    path = tmp_path / "market.sqlite"
    Register(path).add([
        _entry("d10", 10.0, 1000.0, 2023), _entry("d20", 20.0, 1500.0, 2023), _entry("d20", 20.0, 500.0, 2024),
        _entry("d30", 30.0, 1000.0, 2024), _entry("old", 1.0, 1e6, 2019), _entry("other", 5.0, 1e6, 2023, rule="x"),
    ])
    return path


# ------------------------------------------------------------------ the weighted quantile

def test_unweighted_quantile_is_hazen_by_hand_and_matches_numpy():
    values, weights = [4.0, 1.0, 3.0, 2.0], [1.0] * 4
    # positions (k - 0.5)/4 = 0.125, 0.375, 0.625, 0.875 for 1, 2, 3, 4
    assert weighted_quantile(values, weights, 0.5) == pytest.approx(2.5)
    assert weighted_quantile(values, weights, 0.25) == pytest.approx(1.5)   # 1 + (0.25-0.125)/0.25
    assert weighted_quantile(values, weights, 0.1) == 1.0                   # below the first position
    assert weighted_quantile(values, weights, 0.9) == 4.0
    for p in (0.05, 0.2, 0.5, 0.77, 0.95):
        assert weighted_quantile(values, weights, p) == pytest.approx(np.quantile(values, p, method="hazen"))


def test_weighted_quantile_by_hand():
    # values 10, 20, 30 with weights 1, 2, 1: W = 4, positions 0.5/4, 2/4, 3.5/4 = 0.125, 0.5, 0.875
    values, weights = [10.0, 20.0, 30.0], [1.0, 2.0, 1.0]
    assert weighted_quantile(values, weights, 1 / 3) == pytest.approx(10 + 10 * 5 / 9)   # 15.556
    assert weighted_quantile(values, weights, 2 / 3) == pytest.approx(20 + 10 * 4 / 9)   # 24.444
    assert weighted_quantile(values, weights, 0.5) == 20.0


def test_integer_weights_are_not_repetition_but_positions_are_stated():
    # weight 2 on 20 is one point at its mid-mass position, not two copies: documented convention
    assert weighted_quantile([10.0, 20.0], [1.0, 3.0], 0.5) == pytest.approx(10 + 10 * (0.5 - 0.125) / 0.5)


def test_a_value_without_mass_does_not_move_mass_weighted_thresholds():
    # 20 with weight 0 has no position: Q interpolates between 10 (0.25) and 30 (0.75) as if it were absent
    assert weighted_quantile([10.0, 20.0, 30.0], [1.0, 0.0, 1.0], 0.5) == pytest.approx(20.0)
    assert weighted_quantile([10.0, 29.0, 30.0], [1.0, 0.0, 1.0], 0.4) == pytest.approx(16.0)
    assert weighted_quantile([10.0, 29.0, 30.0], [1.0, 0.0, 1.0], 0.4) == weighted_quantile([10.0, 30.0],
                                                                                              [1.0, 1.0], 0.4)


def test_quantile_thresholds_from_the_register_mass_and_count(small_register):
    mass = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, weight="mass",
                                    register=small_register)
    # d20 has 1.5 t + 0.5 t in the window: weights 1, 2, 1 (t) as above
    assert mass["thresholds"] == pytest.approx([10 + 10 * 5 / 9, 20 + 10 * 4 / 9])
    count = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, weight="count",
                                     register=small_register)
    # positions 1/6, 1/2, 5/6: Q(1/3) = 10 + 10 (1/6)/(1/3) = 15, Q(2/3) = 25
    assert count["thresholds"] == pytest.approx([15.0, 25.0])
    assert mass["counts"]["declarations"] == 3 and mass["counts"]["mass_kg"] == 4000.0
    assert mass["unit"] == "kg CO2-Eq" and mass["rule"] == {"id": "r", "versions": ["1.0.0"]}
    assert [c["declarations"] for c in count["classes"]] == [1, 1, 1]


def test_equal_width_between_robust_percentiles_by_hand():
    values = [float(v) for v in range(1, 21)]
    # positions (k-0.5)/20: Q(0.05) = 1.5, Q(0.95) = 19.5; 3 bands of width 6
    assert classes.thresholds(values, [1.0] * 20, 3, method="equal-width") == pytest.approx([7.5, 13.5])
    assert classes.thresholds([0.0, 10.0], [1.0, 1.0], 4, method="equal-width",
                              robust=(0.0, 1.0)) == pytest.approx([2.5, 5.0, 7.5])


def test_head_room_keeps_class_a_empty(small_register):
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=4, weight="count",
                                      head_room=True, register=small_register)
    # B..D are the 3-class count thresholds (15, 25); A/B is 10 % below the best value 10
    assert scheme["thresholds"] == pytest.approx([9.0, 15.0, 25.0])
    assert scheme["classes"][0]["declarations"] == 0
    assert scheme["head_room"] == {"enabled": True, "margin": 0.1}


def test_a_value_exactly_on_a_threshold_takes_the_better_class():
    limits = [15.0, 25.0]
    assert classes.class_index(15.0, limits) == 0          # upper bound inclusive: A
    assert classes.class_index(15.000001, limits) == 1
    assert classes.class_index(25.0, limits) == 1
    assert classes.class_index(25.1, limits) == 2


def test_same_register_and_options_give_byte_identical_schemes(small_register, tmp_path):
    first = classes.to_json(footprint.derive_classes("r", "climate_change", "2022-2024", register=small_register,
                                                     classes=3))
    second = classes.to_json(footprint.derive_classes("r", "climate_change", "2022-2024", register=small_register,
                                                      classes=3))
    assert first == second
    Register(small_register).add([_entry("d40", 40.0, 10.0, 2024)])
    third = footprint.derive_classes("r", "climate_change", "2022-2024", register=small_register, classes=3)
    assert classes.to_json(third) != first and third["register_sha256"] != json.loads(first)["register_sha256"]


def test_derivation_date_defaults_to_window_end_and_review_is_three_years_later(small_register):
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=small_register)
    assert (scheme["derived"], scheme["next_review"]) == ("2024-12-31", "2027-12-31")
    leap = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=small_register,
                                    date=dt.date(2024, 2, 29))  # after the window 2021-2023
    assert leap["next_review"] == "2027-02-28"


def test_an_empty_window_and_bad_options_are_clear_errors(small_register):
    with pytest.raises(ClassSchemeError, match="no declarations of rule 'r'"):
        footprint.derive_classes("r", "climate_change", "2010-2012", register=small_register)
    with pytest.raises(ClassSchemeError, match="malformed window"):
        footprint.derive_classes("r", "climate_change", "2023", register=small_register)
    with pytest.raises(ClassSchemeError, match="unknown method"):
        footprint.derive_classes("r", "climate_change", "2022-2024", method="jenks", register=small_register)
    with pytest.raises(ClassSchemeError, match="number of classes"):
        footprint.derive_classes("r", "climate_change", "2022-2024", classes=1, register=small_register)


# ------------------------------------------------------------------ assign

def _decl(rule: str = "r", value: float = 15.0, category: str = "climate_change") -> dict:
    return {"schema_version": "2.0", "rule": {"id": rule, "version": "1.0.0"},
            "results": [{"category": category, "value": value, "unit": standard_unit(category) or "kg CO2-Eq"}]}


def test_assign_uses_the_boundary_convention_and_refuses_other_rules(small_register, project):
    """`project`: assign compares a declaration's factors with the set-up (declaration/factors.py); run alone, with
    no earlier test having set the shared home up, it failed as "this machine is not set up"."""
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, weight="count",
                                      register=small_register)
    assert classes.assign(_decl(value=15.0), scheme)["class"] == "A"
    assert classes.assign(_decl(value=25.0), scheme)["class"] == "B"
    assert classes.assign(_decl(value=99.0), scheme)["class"] == "C"
    record = classes.assign(_decl(value=15.0), scheme)
    assert set(record) >= {"class", "scheme_id", "category", "value", "thresholds", "labels"}
    with pytest.raises(ClassSchemeError, match="the scheme is for rule 'r'"):
        classes.assign(_decl(rule="other"), scheme)
    with pytest.raises(ClassSchemeError, match="does not declare the scheme's category"):
        classes.assign(_decl(category="acidification"), scheme)


def ndpr_scheme(example_declaration: dict, tmp_path: Path) -> Path:
    """A 3-class count scheme over four ndpr-oxide declarations at 0.5, 0.9, 1.1 and 2 x the example's value."""
    register = tmp_path / "m.sqlite"
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == "climate_change")
    Register(register).add([_entry(f"p{i}", v, 1000.0, 2025, rule="ndpr-oxide")
                            for i, v in enumerate([value / 2, value * 0.9, value * 1.1, value * 2])])
    return footprint.write_scheme(footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=3,
                                                           weight="count", head_room=False, register=register),
                                  tmp_path / "scheme.json")


def test_assign_writes_the_class_into_a_real_declaration_and_keeps_it_verifiable(example_declaration, tmp_path):
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == "climate_change")
    scheme_path = ndpr_scheme(example_declaration, tmp_path)
    decl_path = footprint.write_declaration(example_declaration, tmp_path / "decl.json")
    classed = footprint.assign_class(decl_path, scheme_path)
    # count thresholds over (0.5, 0.9, 1.1, 2) x value at positions 1/8, 3/8, 5/8, 7/8: Q(1/3) lies between
    # 0.5 and 0.9, Q(2/3) between 1.1 and 2, so the declaration (1.0 x value) is class B
    assert classed["performance_class"]["class"] == "B"
    assert classed["performance_class"]["value"] == value
    assert check_content_hash(classed) is None                      # the class is inside the hashed content
    assert classed["content_sha256"] != example_declaration["content_sha256"]
    png = footprint.class_label_png(classed)
    assert png.startswith(b"\x89PNG") and png == footprint.class_label_png(classed)


def test_class_label_is_deterministic():
    record = {"class": "C", "labels": list("ABCDEFG"), "thresholds": [1, 2, 3, 4, 5, 6], "value": 2.5,
              "category": "climate_change", "unit": "kg CO2-Eq"}
    assert class_label_png(record) == class_label_png(record)
    assert class_label_png(record) != class_label_png({**record, "class": "D", "value": 3.5})


# ------------------------------------------------------------------ revise

OLD = {"labels": ["A", "B", "C"], "thresholds": [15.0, 25.0]}
NEW = {"labels": ["A", "B", "C", "D"], "thresholds": [12.0, 18.0, 28.0]}
POINTS = [MarketPoint(f"d{v}", float(v), float(m)) for v, m in
          [(10, 100), (14, 200), (16, 300), (20, 400), (26, 500), (30, 600)]]


def test_migration_matrix_of_a_tiny_revision_by_hand():
    matrix = classes.migration(POINTS, OLD, NEW)
    # old: 10 A, 14 A, 16 B, 20 B, 26 C, 30 C;  new: 10 A, 14 B, 16 B, 20 C, 26 C, 30 D
    assert matrix["declarations"] == [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    assert matrix["mass_kg"] == [[100, 200, 0, 0], [0, 300, 400, 0], [0, 0, 500, 600]]


def test_top_class_shares_against_the_rescaling_triggers_by_hand():
    shares = classes.top_shares(POINTS, OLD)
    assert shares["top"]["declarations"] == pytest.approx(2 / 6)       # >= 30 %: triggered by count
    assert shares["top"]["mass"] == pytest.approx(300 / 2100)
    assert shares["top_two"]["mass"] == pytest.approx(1000 / 2100)      # < 50 %
    assert shares["triggered"] == {"declarations": True, "mass": False}
    assert classes.top_shares(POINTS, OLD, (0.5, 0.9))["triggered"] == {"declarations": False, "mass": False}


def test_rescaling_is_decided_on_the_trigger_basis_mass_by_default():
    """The same market as above: 2/6 declarations in A reach 30 %, but 300/2100 kg (14 %) and A+B 1000/2100
    (48 %) do not: the energy label counts units sold, i.e. mass here, so no rescaling; count only informs."""
    shares = classes.top_shares(POINTS, OLD)
    assert shares["basis"] == "mass" and shares["rescale"] is False
    assert shares["triggered"]["declarations"] is True  # shown for information, not deciding
    by_count = classes.top_shares(POINTS, dict(OLD, trigger_basis="count"))
    assert by_count["basis"] == "count" and by_count["rescale"] is True
    assert classes.top_shares(POINTS, OLD, basis="count")["rescale"] is True


def test_a_declaration_without_mass_sets_no_head_room_threshold(tmp_path):
    """Head-room A/B threshold = best declaration of weight > 0 minus 10 %; the 0 kg one (0.9) takes no part.

    Declarations 0.9 (0 kg), 6.904, 10, 20 (1 t each), mass weighting, 3 classes with head-room:
    t1 = 6.904 - 0.1*6.904 = 6.2136 (not 0.9 - 0.09 = 0.81); t2 = Q(1/2) over 6.904, 10, 20 with equal
    masses at positions 1/6, 1/2, 5/6 = 10.
    """
    register = tmp_path / "m.sqlite"
    Register(register).add([_entry("zero", 0.9, 0.0, 2024), _entry("a", 6.904, 1000.0, 2024),
                            _entry("b", 10.0, 1000.0, 2024), _entry("c", 20.0, 1000.0, 2024)])
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, weight="mass", head_room=True,
                                      register=register)
    assert scheme["thresholds"] == pytest.approx([6.904 * 0.9, 10.0])
    assert scheme["counts"]["without_weight"] == 1
    assert classes.thresholds([0.9, 6.904, 10.0, 20.0], [0.0, 1.0, 1.0, 1.0], 3, head_room=True) == \
        pytest.approx([6.2136, 10.0])


def test_window_and_review_come_from_the_rule(tmp_path, monkeypatch):
    """ndpr-oxide's class_scheme: window 3 years; a copy with review_years 5 moves the next review by 5 years."""
    register = tmp_path / "m.sqlite"
    Register(register).add([_entry(f"p{i}", 10.0 + i, 1000.0, 2025, rule="ndpr-oxide") for i in range(4)])
    with pytest.raises(ClassSchemeError, match=r"spans 1 year\(s\); the rule's class scheme uses 3") as caught:
        footprint.derive_classes("ndpr-oxide", None, "2025-2025", classes=3, register=register)
    assert caught.value.exit_code == 2
    scheme = footprint.derive_classes("ndpr-oxide", None, "2023-2025", classes=3, register=register)
    assert scheme["window_years"] == {"years": 3, "rule": 3, "override": False}
    assert (scheme["derived"], scheme["next_review"], scheme["review_years"]) == ("2025-12-31", "2028-12-31", 3)
    forced = footprint.derive_classes("ndpr-oxide", None, "2025-2025", classes=3, register=register,
                                      window_years=1)
    assert forced["window_years"] == {"years": 1, "rule": 3, "override": True}
    assert forced["thresholds"] == scheme["thresholds"]  # same declarations: all placed in 2025
    with pytest.raises(ClassSchemeError, match="not the 2 of --window-years"):
        footprint.derive_classes("ndpr-oxide", None, "2025-2025", classes=3, register=register, window_years=2)
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    assert text.count("  review_years: 3\n") == 1 and text.count("  trigger_basis: mass\n") == 1
    assert text.count("\nid: ndpr-oxide\n") == 1
    changed = text.replace("  review_years: 3\n", "  review_years: 5\n").replace("  trigger_basis: mass\n",
                                                                                "  trigger_basis: count\n")
    # a rule of an id footprint does not ship: its own class scheme (footprint's own ids keep footprint's:
    # tests/test_class_scheme_library_override.py)
    (rules / "own-oxide.yaml").write_text(changed.replace("\nid: ndpr-oxide\n", "\nid: own-oxide\n"))
    Register(register).add([_entry(f"q{i}", 10.0 + i, 1000.0, 2025, rule="own-oxide") for i in range(4)])
    monkeypatch.setenv("FOOTPRINT_RULES", str(rules))
    later = footprint.derive_classes("own-oxide", None, "2023-2025", classes=3, register=register)
    assert (later["next_review"], later["review_years"], later["trigger_basis"]) == ("2030-12-31", 5, "count")


def test_cli_refuses_another_window_unless_overridden_and_fewer_than_two_classes(tmp_path):
    register = tmp_path / "m.sqlite"
    Register(register).add([_entry(f"p{i}", 10.0 + i, 1000.0, 2025, rule="ndpr-oxide") for i in range(4)])
    runner = CliRunner()
    base = ["classes", "derive", "--rule", "ndpr-oxide", "--register", str(register), "--classes", "3"]
    result = runner.invoke(cli.main, base + ["--window", "2022-2025", "-o", str(tmp_path / "a.json")])
    assert result.exit_code == 2 and "spans 4 year(s)" in result.output and not (tmp_path / "a.json").exists()
    result = runner.invoke(cli.main, base + ["--window", "2022-2025", "--window-years", "4",
                                             "-o", str(tmp_path / "b.json")])
    assert result.exit_code == 0, result.output
    assert "OVERRIDES the rule's 3" in result.output
    assert json.loads((tmp_path / "b.json").read_text())["window_years"]["override"] is True
    for n in ("0", "1", "-3"):  # 0 used to fall back to the rule's 7 classes
        result = runner.invoke(cli.main, ["classes", "derive", "--rule", "ndpr-oxide", "--register", str(register),
                                          "--classes", n, "--window", "2023-2025", "-o", str(tmp_path / "c.json")])
        assert result.exit_code == 2 and "number of classes out of range" in result.output, n
    assert not (tmp_path / "c.json").exists()


def test_revise_writes_a_new_scheme_and_a_report(small_register, tmp_path):
    old = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, weight="count",
                                   register=small_register)  # 2 declarations in 2021-2023: at most 2 quantile classes
    revision = footprint.revise_classes(old, "2022-2024", register=small_register, classes=3)
    assert revision.new["previous_scheme"]["scheme_id"] == old["scheme_id"]
    assert revision.new["number_of_classes"] == 3 and revision.new["weighting"] == "count"
    assert sum(map(sum, revision.migration["declarations"])) == 3
    html = revision.html()
    assert "Migration" in html and "data:image/png;base64," in html and "rescaling trigger" in html
    assert html == revision.html()


def test_cli_derive_assign_revise(small_register, tmp_path):
    runner = CliRunner()
    scheme = tmp_path / "s.json"
    args = ["classes", "derive", "--rule", "r", "--window", "2021-2023", "--classes", "2", "--weight", "count",
            "--register", str(small_register), "-o", str(scheme)]
    result = runner.invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert "A: <= 15 " in result.output  # 10 and 20 at positions 1/4, 3/4: Q(1/2) = 10 + 10 (1/4)/(1/2) = 15
    again = runner.invoke(cli.main, args)
    assert again.exit_code == 2 and "output file exists" in again.output
    result = runner.invoke(cli.main, ["classes", "revise", "--old", str(scheme), "--window", "2022-2024",
                                      "--register", str(small_register), "-o", str(tmp_path / "n.json"),
                                      "--report", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = runner.invoke(cli.main, ["classes", "revise", "--old", str(bad), "--window", "2022-2024",
                                      "-o", str(tmp_path / "x.json"), "--report", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "not a class scheme" in result.output


def test_schemes_are_valid_against_the_published_schema(small_register):
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "class-scheme.schema.json").read_text())
    old = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=small_register)
    jsonschema.validate(old, schema)
    new = footprint.revise_classes(old, "2022-2024", method="equal-width", head_room=True, register=small_register,
                                   classes=3)
    jsonschema.validate(new.new, schema)
    assert new.new["parameters"]["robust_percentiles"] == [0.05, 0.95]


def test_an_edited_scheme_is_refused_naming_the_field(small_register, tmp_path):
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=small_register)
    scheme["thresholds"] = [20.0, 10.0]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scheme))
    with pytest.raises(ClassSchemeError, match="thresholds and labels do not fit"):
        footprint.read_scheme(path)
    del scheme["window"]
    path.write_text(json.dumps(scheme))
    with pytest.raises(ClassSchemeError, match="'window' is a required property"):
        footprint.read_scheme(path)


def test_cli_assign_refuses_a_scheme_of_another_rule_and_verify_catches_an_edited_class(
        example_declaration, small_register, tmp_path):
    runner = CliRunner()
    scheme = footprint.write_scheme(footprint.derive_classes("r", "climate_change", "2022-2024", classes=3,
                                                             register=small_register), tmp_path / "s.json")
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    result = runner.invoke(cli.main, ["classes", "assign", str(decl), "--scheme", str(scheme),
                                      "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 2 and "the scheme is for rule 'r', the declaration for 'ndpr-oxide'" in result.output
    assert not (tmp_path / "out.json").exists()
    # a classed declaration whose class is edited by hand fails the content-hash check
    scheme_doc = json.loads(scheme.read_text())
    classed = dict(example_declaration, performance_class=classes.assign(
        {"schema_version": "2.0", "rule": {"id": "r", "version": "1.0.0"}, "results": example_declaration["results"]},
        scheme_doc))
    from footprint.declaration.declaration import content_hash
    classed["content_sha256"] = content_hash(classed)
    path = tmp_path / "classed.json"
    path.write_text(json.dumps(classed))
    assert footprint.verify_declaration(path, hash_only=True).ok
    classed["performance_class"]["class"] = "A" if classed["performance_class"]["class"] != "A" else "B"
    path.write_text(json.dumps(classed))
    assert not footprint.verify_declaration(path, hash_only=True).ok


@pytest.mark.parametrize("options, field", [
    ({"head_room": True, "margin": float("inf")}, "margin"),
    ({"head_room": True, "margin": float("nan")}, "margin"),
    ({"head_room": True, "margin": -0.1}, "margin"),
    ({"method": "equal-width", "robust": (0.95, 0.05)}, "robust"),
    ({"method": "equal-width", "robust": (0.05, float("nan"))}, "robust"),
    ({"weight": "value"}, "weight"),
])
def test_options_out_of_range_name_the_field(small_register, options, field):
    with pytest.raises(ClassSchemeError, match=f"field '{field}'"):
        footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=small_register, **options)


def test_options_left_out_come_from_the_rules_class_scheme(small_register, tmp_path):
    """rules/ndpr-oxide.yaml: climate_change, 7 classes, mass-weighted quantiles, head-room."""
    register = tmp_path / "m.sqlite"
    Register(register).add([_entry(f"p{i}", 10.0 + i, 1000.0 + 100 * i, 2025, rule="ndpr-oxide") for i in range(12)])
    scheme = footprint.derive_classes("ndpr-oxide", None, "2023-2025", register=register)
    assert (scheme["category"], scheme["number_of_classes"], scheme["weighting"], scheme["method"]) == \
        ("climate_change", 7, "mass", "quantile")
    assert scheme["head_room"]["enabled"] is True
    explicit = footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=7, weight="mass",
                                        method="quantile", head_room=True, register=register)
    assert classes.to_json(scheme) == classes.to_json(explicit)
    market = tmp_path / "r.sqlite"  # 7 quantile classes need 7 declarations at least
    Register(market).add([_entry(f"d{i}", 10.0 + i, 1000.0, 2024) for i in range(7)])
    other = footprint.derive_classes("r", None, "2022-2024", register=market)
    assert (other["number_of_classes"], other["head_room"]["enabled"]) == (7, False)


def test_a_revision_against_a_register_in_another_unit_is_refused(small_register, tmp_path):
    old = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=small_register)
    other = tmp_path / "other.sqlite"
    Register(other).add([Entry(declaration_id=f"t{i}", rule_id="r", rule_version="1.0.0", year=2024,
                               mass_kg=1000.0, values={"climate_change": 10.0 + i},
                                               coverage={"climate_change": "complete"},
                               units={"climate_change": "t CO2-Eq"}) for i in range(4)])
    with pytest.raises(classes.ClassSchemeError, match="another unit"):
        footprint.revise_classes(old, "2022-2024", register=other)


def _rehashed(document: dict, edit) -> dict:
    """A copy of ``document`` edited by ``edit`` and hashed again: what a forger with no key can do."""
    import copy

    from footprint.declaration.declaration import content_hash

    forged = copy.deepcopy(document)
    edit(forged)
    forged["content_sha256"] = content_hash(forged)
    return forged


def _threshold_moved(index: int, factor: float, label: str):
    """An edit moving threshold ``index`` to ``factor`` x the value, with the class and nearest threshold made to
    fit (a forgery consistent in itself: only the scheme file shows it)."""
    def move(d: dict) -> None:
        pc = d["performance_class"]
        pc["thresholds"][index] = pc["value"] * factor
        pc["class"] = label
        pc["nearest_threshold"] = classes.nearest_threshold(pc["value"], pc["thresholds"], pc["labels"])
    return move


def test_verify_recomputes_the_class_of_a_classed_declaration(example_declaration, example_scheme, tmp_path):
    """A class (or its distance to a threshold) edited and hashed again used to pass verify with --data.

    The example's climate change value is the middle of three count-weighted points (value/2,
    value, 2 value), so it is class B (example_scheme); a forged 'A' must be a failure naming
    performance_class.class, and a forged threshold is caught with --scheme.
    """
    from conftest import EXAMPLE

    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    classed = footprint.assign_class(decl, example_scheme)
    assert classed["performance_class"]["class"] == "B"
    honest = footprint.write_declaration(classed, tmp_path / "classed.json")
    assert footprint.verify_declaration(honest, EXAMPLE, scheme=example_scheme).ok

    forged = footprint.write_declaration(
        _rehashed(classed, lambda d: d["performance_class"].update({"class": "A"})), tmp_path / "forged.json")
    assert check_content_hash(json.loads(forged.read_text())) is None      # the hash alone cannot tell
    outcome = footprint.verify_declaration(forged, EXAMPLE, scheme=example_scheme)
    assert not outcome.ok
    assert [(d.item, d.declared, d.recomputed) for d in outcome.failures] == [("performance_class.class", "A", "B")]

    # B's upper threshold moved below the value: class C, consistently
    moved = footprint.write_declaration(_rehashed(classed, _threshold_moved(1, 0.99, "C")), tmp_path / "moved.json")
    outcome = footprint.verify_declaration(moved, EXAMPLE, scheme=example_scheme)
    assert {d.item for d in outcome.failures} >= {"performance_class.class", "performance_class.thresholds"}

    result = CliRunner().invoke(cli.main, ["verify", str(forged), "--data", str(EXAMPLE), "--scheme",
                                           str(example_scheme)])
    assert result.exit_code == 1 and "performance_class.class" in result.output
    # an unclassed declaration claims no class: verified, and said so (as batch verify does: test_batch_policy)
    result = CliRunner().invoke(cli.main, ["verify", str(decl), "--data", str(EXAMPLE), "--scheme",
                                           str(example_scheme)])
    assert result.exit_code == 0 and "no performance class was recorded, so the class scheme was not applied" \
        in result.output


def test_verify_refuses_a_performance_class_whose_thresholds_do_not_fit(example_declaration, example_scheme,
                                                                        tmp_path):
    from conftest import EXAMPLE

    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    classed = footprint.assign_class(decl, example_scheme)
    broken = footprint.write_declaration(
        _rehashed(classed, lambda d: d["performance_class"].update({"labels": ["A"]})), tmp_path / "broken.json")
    result = CliRunner().invoke(cli.main, ["verify", str(broken), "--data", str(EXAMPLE), "--scheme",
                                           str(example_scheme)])
    assert result.exit_code == 1 and "performance_class.labels" in result.output, result.output


def test_verify_refuses_a_performance_class_whose_labels_were_rewritten(example_declaration, example_scheme,
                                                                         tmp_path):
    """Labels rewritten to A, A, A (class and nearest threshold made to fit) and hashed again: a class-B
    declaration read 'A' under its own labels, and verify recomputed 'A' from them: verified, exit 0.
    No scheme 'classes derive' writes has other labels than A, B, C, ...: refused (exit 2), and a scheme
    file with such labels is refused by classes assign too."""
    from conftest import EXAMPLE

    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    classed = footprint.assign_class(decl, example_scheme)
    assert classed["performance_class"]["class"] == "B"

    def relabel(d: dict) -> None:
        pc = d["performance_class"]
        pc["labels"] = ["A", "A", "A"]
        pc["class"] = "A"
        pc["nearest_threshold"] = classes.nearest_threshold(pc["value"], pc["thresholds"], pc["labels"])

    forged = footprint.write_declaration(_rehashed(classed, relabel), tmp_path / "relabelled.json")
    result = CliRunner().invoke(cli.main, ["verify", str(forged), "--data", str(EXAMPLE), "--scheme",
                                           str(example_scheme)])
    assert result.exit_code == 1, result.output
    assert "performance_class.labels" in result.output and "Traceback" not in result.output

    scheme = json.loads(example_scheme.read_text())
    scheme["labels"] = ["A", "A", "A"]
    scheme["classes"] = [{**row, "class": "A"} for row in scheme["classes"]]
    edited = tmp_path / "relabelled-scheme.json"
    edited.write_text(json.dumps(scheme))
    with pytest.raises(ClassSchemeError, match="labels"):
        footprint.assign_class(decl, edited)


def test_class_probabilities_refuse_percentiles_out_of_order():
    """Percentiles reversed (a forged file hashed again) gave 'G 100 %' with exit 0; cdf() needs them ascending."""
    limits, names = [10.0, 20.0], ["A", "B", "C"]
    ascending = [float(v) for v in range(101)]                 # uniform on 0..100: P(A) = 0.10, P(B) = 0.10
    declaration = {"uncertainty": {"iterations": 100, "seed": 1,
                                   "results": [{"category": "climate_change", "quantiles": ascending, "mean": 50.0,
                                                "median": 50.0, "sd": 29.0, "p2_5": 2.5, "p97_5": 97.5}]}}
    spread = classes.uncertainty_result(declaration, "climate_change")
    assert classes.class_probabilities(spread["quantiles"], limits, names) == pytest.approx(
        {"A": 0.10, "B": 0.10, "C": 0.80})
    for broken in (ascending[::-1], ascending[:50] + [float("nan")] + ascending[51:], ascending[:3] + [True] + ascending[4:]):
        declaration["uncertainty"]["results"][0]["quantiles"] = broken
        with pytest.raises(ClassSchemeError, match=r"uncertainty.results\[climate_change\].quantiles"):
            classes.uncertainty_result(declaration, "climate_change")


# ------------------------------------------------------------------ partial values (a lower bound) and classes

def test_a_partial_value_is_left_out_of_the_population_and_counted(tmp_path):
    """Two complete values 10 and 30 (1 t each) and a partial 1 (a lower bound, 1 t), 2 classes.

    Without the partial value: positions (k - 0.5)/2 = 0.25 for 10, 0.75 for 30; the median threshold
    p = 0.5 lies halfway: 10 + (0.5 - 0.25)/0.5 x 20 = 20.  Counted with it (the old behaviour): positions
    1/6, 3/6, 5/6 for 1, 10, 30, so p = 0.5 is exactly 10, and a 15 would be class B instead of A.
    """
    path = tmp_path / "market.sqlite"
    partial = _entry("p1", 1.0, 1000.0, 2023)
    Register(path).add([_entry("c10", 10.0, 1000.0, 2023), _entry("c30", 30.0, 1000.0, 2023),
                        Entry(**{**partial.__dict__, "coverage": {"climate_change": "partial"}})])
    (row,) = [r for r in Register(path).rows() if r["declaration_id"] == "p1"]
    assert row["coverage"] == {"climate_change": "partial"}
    scheme = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=path)
    assert scheme["thresholds"] == pytest.approx([20.0])
    assert scheme["counts"]["declarations"] == 2 and scheme["counts"]["excluded_partial"] == 1
    classes.check_scheme(scheme, "scheme")  # raises unless the scheme (with its new count) fits the schema
    assert scheme["labels"][classes.class_index(15.0, scheme["thresholds"])] == "A"  # B with the partial 1 counted


def test_a_window_of_only_partial_values_is_refused(tmp_path):
    path = tmp_path / "market.sqlite"
    only = _entry("p1", 1.0, 1000.0, 2023)
    Register(path).add([Entry(**{**only.__dict__, "coverage": {"climate_change": "partial"}})])
    with pytest.raises(ClassSchemeError, match="declares 'climate_change' as partial"):
        footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=path)


def test_a_partial_declared_value_gets_no_class(example_declaration, tmp_path):
    """The demo declares acidification as partial: a scheme on acidification must not class it."""
    scheme = classes.derive([MarketPoint("x", 0.1, 1.0), MarketPoint("y", 1.0, 1.0)], rule_id="ndpr-oxide",
                            category="acidification", unit=None, window="2023-2025", classes=2)
    (acid,) = [r for r in example_declaration["results"] if r["category"] == "acidification"]
    assert acid["coverage"] == "partial"
    with pytest.raises(ClassSchemeError, match="acidification is partial"):
        classes.assign(example_declaration, scheme)
    (climate,) = [r for r in example_declaration["results"] if r["category"] == "climate_change"]
    assert climate["coverage"] == "complete"  # the demo's climate change is classed as before (tests above)


def test_market_add_records_coverage_and_refuses_a_year_before_the_reporting_period(example_declaration, tmp_path):
    from footprint.market.registry import RegistryError, entry_from_declaration

    entry = entry_from_declaration(example_declaration, mass_kg=1000.0, year=2025)
    assert entry.coverage["climate_change"] == "complete" and entry.coverage["acidification"] == "partial"
    assert example_declaration["period"]["start"] == "2025-01-01"
    with pytest.raises(RegistryError, match="before its reporting period began"):
        entry_from_declaration(example_declaration, mass_kg=1000.0, year=2024)


def test_a_register_csv_may_state_coverage_and_refuses_another_word(tmp_path):
    from footprint.market.registry import RegistryError, read_csv

    good = tmp_path / "good.csv"
    good.write_text("declaration_id,rule_id,rule_version,year,mass_kg,value:climate_change,coverage:climate_change\n"
                    "a,r,1.0.0,2024,1000,12.5,partial\nb,r,1.0.0,2024,1000,13.5,\n")
    first, second = read_csv(good)
    assert first.coverage == {"climate_change": "partial"} and second.coverage == {}
    bad = tmp_path / "bad.csv"
    bad.write_text("declaration_id,rule_id,rule_version,year,mass_kg,value:climate_change,coverage:climate_change\n"
                   "a,r,1.0.0,2024,1000,12.5,almost\n")
    with pytest.raises(RegistryError, match="unknown coverage"):
        read_csv(bad)


def test_cli_assign_warns_when_the_scheme_is_past_its_review(example_declaration, tmp_path):
    """A scheme derived over 2020-2022 (derived 2022-12-31, review period 3 years) was due on 2025-12-31."""
    from footprint.market.registry import Entry

    register = tmp_path / "old-register.sqlite"
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == "climate_change")
    Register(register).add([Entry(declaration_id=f"p{i}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2022,
                                  mass_kg=1.0, values={"climate_change": v},
                                               coverage={"climate_change": "complete"}) for i, v in enumerate([value, value * 2])])
    scheme = footprint.derive_classes("ndpr-oxide", "climate_change", "2020-2022", classes=2, weight="count",
                                      head_room=False, register=register)
    assert scheme["next_review"] == "2025-12-31"
    path = footprint.write_scheme(scheme, tmp_path / "old.json")
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    result = CliRunner().invoke(cli.main, ["classes", "assign", str(decl), "--scheme", str(path),
                                           "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    assert "warning: the scheme was due for review on 2025-12-31" in result.output


@pytest.mark.parametrize("edit, field", [
    (lambda s: s.update(number_of_classes=5), "number_of_classes"),
    (lambda s: s.update(boundary="lower bounds inclusive"), "boundary"),
    (lambda s: s["classes"][0].update(upper=12.5), "classes[0].upper"),
    (lambda s: s["classes"][1].update({"class": "A"}), "classes[1].class"),
    (lambda s: s["classes"].pop(), "classes"),
])
def test_a_scheme_field_that_disagrees_with_the_thresholds_is_refused(small_register, tmp_path, edit, field):
    """assign reads only thresholds and labels: an edited class bound, class count or boundary convention was
    ignored (the declaration classed by the thresholds, exit 0) while the file said something else."""
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=3, register=small_register)
    footprint.read_scheme(_dump(tmp_path, scheme))  # as derived: accepted
    edit(scheme)
    with pytest.raises(ClassSchemeError, match=f"field '{re.escape(field)}'"):
        footprint.read_scheme(_dump(tmp_path, scheme))


def _dump(tmp_path: Path, scheme: dict) -> Path:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scheme))
    return path


def test_market_add_refuses_a_year_after_the_declarations_validity(example_declaration):
    """A 2025 declaration is valid until 2025-12-31 + 3 years = 2028-12-31 (footprint.inputs.upstream.valid_until):
    placed in 2029 its value would enter thresholds of years it does not describe.  Before: registered, exit 0.
    (Checked on the declaration before the calendar: 2029 is also a year that has not begun today.)"""
    from footprint.market.registry import RegistryError, entry_from_declaration

    assert example_declaration["period"]["end"] == "2025-12-31"
    with pytest.raises(RegistryError, match=r"after the declaration's validity ended \(2028-12-31"):
        entry_from_declaration(example_declaration, mass_kg=1000.0, year=2029)


def test_the_register_refuses_a_year_that_has_not_begun(example_declaration, tmp_path):
    """The register records placements that happened.  Before: 'market add --year 2099' and a CSV row for next year
    were registered, exit 0, ready to enter a derivation whose window reaches them."""
    import datetime as dt

    from footprint.market.registry import RegistryError, entry_from_declaration, read_csv

    from footprint._time import utc_today

    next_year = utc_today().year + 1  # the product's clock (the suite's fixed clock, conftest)
    with pytest.raises(RegistryError, match=f"placed on the market in {next_year}, a year that has not begun"):
        entry_from_declaration(example_declaration, mass_kg=1000.0, year=next_year)
    register = tmp_path / "register.csv"
    register.write_text(f"declaration_id,rule_id,rule_version,year,mass_kg,value:climate_change\n"
                        f"a,r,1.0.0,2024,1000,12.5\nb,r,1.0.0,{next_year},1000,13.5\n")
    with pytest.raises(RegistryError, match="a year that has not begun") as caught:
        read_csv(register)
    assert str(caught.value).startswith(f"{register}:3")


def _per_tonne(document: dict, ident: str) -> dict:
    """``document`` as a rule with a declared unit of 1000 kg states it (Annex V point 3 allows a larger unit):
    every value x 1000, re-hashed.  46.56 kg CO2-Eq per kg is 46,555 kg CO2-Eq per 1000 kg."""
    from footprint.inputs.upstream import content_hash

    changed = json.loads(json.dumps(document))
    changed["id"] = ident
    changed["declared_unit"]["amount"] = 1000.0
    # a past version of the rule: the library does not hold its text, so its declared unit is not compared (the
    # library's 1.1.0 declares per 1 kg, and a declaration naming it per 1000 kg is refused: test_declared_unit_vs_rule)
    changed["rule"]["version"] = "1.0.0"
    for result in changed["results"]:
        result["value"] *= 1000.0
    changed["content_sha256"] = content_hash(changed)
    return changed


def test_values_per_another_declared_unit_are_not_mixed_into_classes(example_declaration, tmp_path):
    """Before: a declaration per 1000 kg beside one per kg derived thresholds between 46.56 and 46,555 (class B up
    to 2.33e4 of three), and assigning it a class under a per-kg scheme put 46,555 into the worst class; exit 0."""
    from footprint.market.registry import Register, RegistryError, entry_from_declaration

    per_tonne = _per_tonne(example_declaration, "urn:uuid:00000000-0000-0000-0000-000000001000")
    # another plant: the register keeps one declaration per facility and period (test_register_one_per_facility)
    per_tonne["declarant"] = {**per_tonne["declarant"], "facility": "another plant"}
    register = Register(tmp_path / "m.sqlite")
    register.add([entry_from_declaration(example_declaration, mass_kg=1000.0, year=2025),
                  entry_from_declaration(per_tonne, mass_kg=1000.0, year=2025)])
    with pytest.raises(RegistryError, match=r"several units.*'kg CO2-Eq', 'kg CO2-Eq per 1000 kg'"):
        register.points("ndpr-oxide", "climate_change", 2023, 2025)
    per_kg = classes.derive(*_points_of(example_declaration), rule_id="ndpr-oxide", category="climate_change",
                            unit="kg CO2-Eq", window="2023-2025", classes=3)
    with pytest.raises(ClassSchemeError, match="unit differs") as caught:
        classes.assign(per_tonne, per_kg)
    assert caught.value.value == "kg CO2-Eq per 1000 kg"
    # a scheme of declarations per 1000 kg states that basis and classes them alike
    per_tonne_scheme = classes.derive(*_points_of(per_tonne), rule_id="ndpr-oxide", category="climate_change",
                                      unit="kg CO2-Eq per 1000 kg", window="2023-2025", classes=3)
    # the record states its unit as the thresholds do (before: the plain "kg CO2-Eq" beside thresholds per 1000 kg)
    assert classes.assign(per_tonne, per_tonne_scheme)["unit"] == "kg CO2-Eq per 1000 kg"


def _points_of(document: dict) -> tuple[list]:
    from footprint.market.registry import MarketPoint

    value = next(r["value"] for r in document["results"] if r["category"] == "climate_change")
    return ([MarketPoint(declaration_id=f"d{i}", value=value * f, mass_kg=1000.0, content_sha256=None)
             for i, f in enumerate((0.5, 0.8, 1.0, 1.2, 1.5))],)


@pytest.mark.parametrize("declared_unit, expected", [
    ({"amount": 1, "unit": "kg"}, "kg CO2-Eq"),                 # Annex V's default: the plain unit, as ever
    ({"amount": 1000, "unit": "g"}, "kg CO2-Eq"),               # 1000 g = 1 kg
    ({"amount": 1000, "unit": "kg"}, "kg CO2-Eq per 1000 kg"),
    ({"amount": 1, "unit": "t"}, "kg CO2-Eq per 1000 kg"),      # the same basis as 1000 kg
    ({"amount": 0.5, "unit": "kg"}, "kg CO2-Eq per 0.5 kg"),
])
def test_a_value_per_declared_unit_is_compared_on_its_basis(declared_unit, expected):
    from footprint.market.registry import per_declared_unit

    assert per_declared_unit("kg CO2-Eq", declared_unit) == expected


def test_classes_do_not_mix_major_versions_of_the_rule(example_declaration):
    """A rule's major version changes what it measures (rules/README.md: semantic versions).  Before: thresholds over
    1.x and 2.x declarations together, and a 2.0.0 declaration classed under a 1.0.0 scheme, exit 0."""
    from footprint.inputs.upstream import content_hash
    from footprint.market.registry import MarketPoint

    def point(i: int, version: str) -> MarketPoint:
        return MarketPoint(declaration_id=f"d{i}", value=10.0 + i, mass_kg=1000.0, rule_version=version)

    mixed = [point(i, "1.0.0") for i in range(4)] + [point(4, "2.0.0")]
    with pytest.raises(ClassSchemeError, match=r"different major versions of the rule \(1\.x: 4, 2\.x: 1"):
        classes.derive(mixed, rule_id="ndpr-oxide", category="climate_change", unit="kg CO2-Eq",
                       window="2023-2025", classes=3)
    minor = [point(i, "1.0.0") for i in range(4)] + [point(4, "1.1.0")]  # a minor version: one scheme
    scheme = classes.derive(minor, rule_id="ndpr-oxide", category="climate_change", unit="kg CO2-Eq",
                            window="2023-2025", classes=3)
    assert scheme["rule"]["versions"] == ["1.0.0", "1.1.0"]
    assert classes.assign(example_declaration, scheme)["class"]  # 1.0.0 under a 1.x scheme
    later = json.loads(json.dumps(example_declaration))
    later["rule"]["version"] = "2.0.0"
    later["content_sha256"] = content_hash(later)
    with pytest.raises(ClassSchemeError, match="another major version") as caught:
        classes.assign(later, scheme)
    assert caught.value.field == "rule.version" and caught.value.value == "2.0.0"


def _dated(scheme: dict, derived: str) -> dict:
    """The scheme as if derived on ``derived`` (next review 3 years later): derive itself refuses a date that does
    not follow its window, and a window not over yet, so schemes of other times are written by hand."""
    from footprint.inputs.upstream import add_years

    day = dt.date.fromisoformat(derived)
    return {**scheme, "derived": derived, "next_review": add_years(day, 3).isoformat()}


@pytest.mark.parametrize("derived, refused", [
    # the example's period is 2025-01-01..2025-12-31, valid until 2028-12-31; a scheme holds from its derivation
    # to derivation + 3 years (its next review)
    ("2021-12-31", "due for review on 2024-12-31, before the declaration's reporting period began (2025-01-01)"),
    ("2022-01-01", None),  # next review 2025-01-01: in force on the period's first day
    ("2028-12-31", None),  # derived on the last day of the declaration's validity
    ("2029-01-01", "validity ended on 2028-12-31, before the scheme was derived (2029-01-01)"),
])
def test_a_scheme_classes_only_declarations_of_its_time(example_declaration, derived, refused):
    """Before: a 2025 declaration took a class from a scheme reviewed away in 2024, or derived in 2029 from another
    market, exit 0."""
    scheme = _dated(classes.derive(*_points_of(example_declaration), rule_id="ndpr-oxide",
                                   category="climate_change", unit="kg CO2-Eq", window="2023-2025", classes=3), derived)
    if refused is None:
        assert classes.assign(example_declaration, scheme)["class"]
    else:
        with pytest.raises(ClassSchemeError, match=re.escape(refused)):
            classes.assign(example_declaration, scheme)


def _with_period(document: dict, start: str, end: str) -> dict:
    from footprint.inputs.upstream import content_hash

    changed = json.loads(json.dumps(document))
    changed["period"] = {"start": start, "end": end}
    changed["content_sha256"] = content_hash(changed)
    return changed


def test_a_period_that_is_not_iso_dates_is_refused_not_skipped(example_declaration):
    """The declaration's schema does not check a date's format ("2021-12" passes it).  Before: the register's
    validity check and the scheme's in-force check were skipped for such a period, so a 2021 declaration (valid until
    2024-12-31) was registered as placed in 2026, and classed by a scheme derived in 2035 from another market's
    thresholds; both exit 0."""
    from footprint.market.registry import RegistryError, entry_from_declaration

    monthly = _with_period(example_declaration, "2021-01", "2021-12")
    with pytest.raises(RegistryError, match="reporting period cannot be read") as caught:
        entry_from_declaration(monthly, mass_kg=1000.0, year=2026)
    assert caught.value.field == "period"
    scheme = _dated(classes.derive(*_points_of(example_declaration), rule_id="ndpr-oxide",
                                   category="climate_change", unit="kg CO2-Eq", window="2023-2025", classes=3),
                    "2035-01-01")
    with pytest.raises(ClassSchemeError, match="reporting period cannot be read") as caught:
        classes.assign(monthly, scheme)
    assert caught.value.field == "period"
    # the same dates written as ISO dates: refused for what they say
    iso = _with_period(example_declaration, "2021-01-01", "2021-12-31")
    with pytest.raises(RegistryError, match=r"validity ended \(2024-12-31"):
        entry_from_declaration(iso, mass_kg=1000.0, year=2026)
    with pytest.raises(ClassSchemeError, match="validity ended on 2024-12-31"):
        classes.assign(iso, scheme)


def test_a_scheme_date_that_is_not_an_iso_date_is_refused(example_declaration):
    """Before: a next_review of '31.12.2024' (the class-scheme schema does not check formats either) skipped the
    in-force check, and the 2025 declaration took a class from a scheme due for review in 2024, exit 0."""
    scheme = _dated(classes.derive(*_points_of(example_declaration), rule_id="ndpr-oxide",
                                   category="climate_change", unit="kg CO2-Eq", window="2023-2025", classes=3),
                    "2021-12-31")
    scheme["next_review"] = "31.12.2024"
    with pytest.raises(ClassSchemeError, match="not an ISO date") as caught:
        classes.assign(example_declaration, scheme, scheme_source="s.json")
    assert (caught.value.field, caught.value.value) == ("next_review", "31.12.2024")


@pytest.mark.parametrize("version", ["v1.2.0", "V1", "1", "1.0"])
def test_a_register_rows_major_version_is_read_whatever_its_spelling(example_declaration, version):
    """A register CSV's rule_version is free text from another system.  Before: 'v1.2.0' and 'V1' were read as major
    versions 'v1' and 'V1', so a window of 1.0.0 declarations plus one such row was refused as two major versions
    (a refusal of valid input), and a 1.0.0 declaration was refused by a scheme derived from 'V1' rows alone."""
    points = [MarketPoint(declaration_id=f"d{i}", value=10.0 + i, mass_kg=1000.0, rule_version="1.0.0")
              for i in range(4)] + [MarketPoint(declaration_id="csv", value=14.0, mass_kg=1000.0, rule_version=version)]
    scheme = classes.derive(points, rule_id="ndpr-oxide", category="climate_change", unit="kg CO2-Eq",
                            window="2023-2025", classes=3)
    assert classes.major_version(version) == "1"
    only_csv = classes.derive([replace(p, rule_version=version) for p in points], rule_id="ndpr-oxide",
                              category="climate_change", unit="kg CO2-Eq", window="2023-2025", classes=3)
    for each in (scheme, only_csv):
        assert classes.assign(example_declaration, each)["class"]  # the example is under rule 1.0.0
    with pytest.raises(ClassSchemeError, match=r"different major versions of the rule \(1\.x: 4, 2\.x: 1"):
        classes.derive(points[:4] + [replace(points[4], rule_version="v2.0.0")], rule_id="ndpr-oxide",
                       category="climate_change", unit="kg CO2-Eq", window="2023-2025", classes=3)


def test_a_declared_unit_that_states_no_mass_is_refused_not_taken_for_1_kg(example_declaration):
    """Before: a declared unit the register could not read as a mass ('1 L', re-hashed) was taken for 1 kg, so its values
    were registered and classed as per kg, exit 0."""
    from footprint.inputs.upstream import content_hash
    from footprint.market.registry import RegistryError, entry_from_declaration

    odd = json.loads(json.dumps(example_declaration))
    odd["declared_unit"]["unit"] = "L"  # a volume: no mass without a density
    # a past version of the rule: the library does not hold its text, so its declared unit is not compared (the
    # library's 1.1.0 declares per 1 kg, and a declaration naming it per 1 L is refused: test_declared_unit_vs_rule)
    odd["rule"]["version"] = "1.0.0"
    odd["content_sha256"] = content_hash(odd)
    with pytest.raises(RegistryError, match="states no mass") as caught:
        entry_from_declaration(odd, mass_kg=1000.0, year=2025)
    assert caught.value.field == "declared_unit"
    scheme = classes.derive(*_points_of(example_declaration), rule_id="ndpr-oxide", category="climate_change",
                            unit="kg CO2-Eq", window="2023-2025", classes=3)
    with pytest.raises(ClassSchemeError, match="states no mass"):
        classes.assign(odd, scheme)


# ------------------------------------------------------------------ audit: a revision sees the derivation's market

def test_a_revision_leaves_partial_values_out_of_migration_and_triggers(tmp_path):
    """Complete values 10, 20, 30, 40 (1 t each) and two partial values 1 (lower bounds, 1 t each), 2023.

    4 classes, mass-weighted quantiles without the partial values: positions 0.125, 0.375, 0.625, 0.875,
    so Q(0.25) = 15, Q(0.5) = 25, Q(0.75) = 35.  Triggers 30 % (A) and 60 % (A+B): A holds 10 (1 t of
    4 t = 25 %), A+B 10 and 20 (50 %): not triggered.  Old code classed the partial values too (the
    derivation had left them out): A then held 10, 1, 1 = 3 t of 6 t = 50 % >= 30 %, 'rescale' with exit 0,
    and the migration counted 6 declarations for a scheme derived from 4."""
    path = tmp_path / "market.sqlite"
    entries = [_entry(f"c{v}", float(v), 1000.0, 2023) for v in (10, 20, 30, 40)]
    for ident in ("p1", "p2"):
        partial = _entry(ident, 1.0, 1000.0, 2023)
        entries.append(Entry(**{**partial.__dict__, "coverage": {"climate_change": "partial"}}))
    Register(path).add(entries)
    old = footprint.derive_classes("r", "climate_change", "2021-2023", classes=4, register=path)
    assert old["thresholds"] == pytest.approx([15.0, 25.0, 35.0])
    revision = footprint.revise_classes(old, "2022-2024", register=path, triggers=(0.3, 0.6))  # holds 2023
    assert revision.shares_new["top"]["mass"] == pytest.approx(0.25)
    assert revision.shares_new["top_two"]["mass"] == pytest.approx(0.50)
    assert revision.shares_new["rescale"] is False
    assert sum(map(sum, revision.migration["declarations"])) == 4 == revision.new["counts"]["declarations"]
    assert "2 declaration(s) with a partial value (a lower bound) are left out" in revision.html()


def test_a_median_based_revision_classes_the_medians(tmp_path):
    """Declared values 10, 20 (1 t each) with Monte Carlo medians 30, 40; 2 classes on medians: positions
    0.25 (30) and 0.75 (40), threshold Q(0.5) = 35.  Old code classed the declared values 10 and 20 against
    35: both in A (100 % of mass in the top class, 'rescale'), though the derivation put one median in
    each class (50 % in A, 100 % in A+B: triggered by the top two only, as the medians say)."""
    path = tmp_path / "market.sqlite"
    entries = []
    for ident, value, median in (("a", 10.0, 30.0), ("b", 20.0, 40.0)):
        plain = _entry(ident, value, 1000.0, 2023)
        entries.append(Entry(**{**plain.__dict__, "spreads": {"climate_change": (median, median - 5, median + 5)}}))
    Register(path).add(entries)
    old = footprint.derive_classes("r", "climate_change", "2021-2023", classes=2, register=path, basis="median")
    assert old["thresholds"] == pytest.approx([35.0])
    revision = footprint.revise_classes(old, "2022-2024", register=path)  # holds 2023
    assert revision.shares_new["top"]["mass"] == pytest.approx(0.5)
    assert revision.migration["declarations"] == [[1, 0], [0, 1]]
    assert "stands at its Monte Carlo median" in revision.html()


def test_equal_thresholds_leaving_a_class_unreachable_are_refused(tmp_path):
    """Values 10, 10, 10, 10, 20 (1 t each), 4 classes: positions 0.1, 0.3, 0.5, 0.7, 0.9, so Q(0.25) = 10,
    Q(0.5) = 10, Q(0.75) = 10 + (0.75 - 0.7)/0.2 x 10 = 12.5.  Class B would hold 10 < v <= 10: nothing,
    ever.  Old code wrote the scheme (thresholds [10, 10, 12.5], 'B: > 10 and <= 10') with exit 0, and
    read a scheme file with equal thresholds as valid."""
    points = [MarketPoint(f"d{i}", v, 1000.0) for i, v in enumerate([10.0, 10.0, 10.0, 10.0, 20.0])]
    assert classes.thresholds([p.value for p in points], [1.0] * 5, 4) == pytest.approx([10.0, 10.0, 12.5])
    with pytest.raises(ClassSchemeError, match=r"class B could never hold a declaration .*2 distinct value"):
        classes.derive(points, rule_id="r", category="climate_change", unit="kg CO2-Eq", window="2023-2025",
                       classes=4)
    with pytest.raises(ClassSchemeError, match="class C could never"):  # head-room: [9, 10, 10]
        classes.derive(points, rule_id="r", category="climate_change", unit="kg CO2-Eq", window="2023-2025",
                       classes=4, head_room=True)
    scheme = classes.derive(points, rule_id="r", category="climate_change", unit="kg CO2-Eq", window="2023-2025",
                            classes=2)  # Q(0.5) = 10: A holds the four 10s, B the 20
    assert scheme["thresholds"] == [10.0] and [c["declarations"] for c in scheme["classes"]] == [4, 1]
    edited = json.loads(classes.to_json(scheme))
    edited.update(thresholds=[10.0, 10.0], labels=["A", "B", "C"], number_of_classes=3)
    with pytest.raises(ClassSchemeError, match="strictly ascending"):
        classes.check_scheme(edited, "edited.json")


def test_nothing_placed_is_no_declaration_on_the_market(tmp_path, example_declaration):
    """Before: 'market add --mass 0' registered a placement of nothing, and by count it weighed as much as a
    producer's year of output. Now market add and import refuse 0 kg, and a 0 kg row already in a register
    weighs 0 by count as by mass. Count weighting over 10, 20, 30 (1 t each) and 1 (0 kg), two classes:
    Q(1/2) of the three weighted values at positions 1/6, 1/2, 5/6 is 20; with the 0 kg row counted as one
    declaration (positions 1/8, 3/8, 5/8, 7/8 over 1, 10, 20, 30) it was 15."""
    from footprint.errors import FootprintError

    register = tmp_path / "m.sqlite"
    Register(register).add([_entry("zero", 1.0, 0.0, 2024), *(_entry(f"d{v}", float(v), 1000.0, 2024)
                                                            for v in (10, 20, 30))])
    scheme = footprint.derive_classes("r", "climate_change", "2022-2024", classes=2, weight="count",
                                      head_room=False, register=register)
    assert scheme["thresholds"] == pytest.approx([20.0])
    assert scheme["counts"]["without_weight"] == 1
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    with pytest.raises(FootprintError, match="must be a number > 0"):
        footprint.market_add([decl], mass_kg=0.0, year=2026, register=tmp_path / "other.sqlite")
    csv_file = tmp_path / "r.csv"
    csv_file.write_text("declaration_id,rule_id,rule_version,year,mass_kg,value:climate_change\n"
                        "x,r,1.0.0,2024,0,5.0\n", encoding="utf-8")
    with pytest.raises(FootprintError, match="must be a number > 0"):
        footprint.market_import(csv_file, register=tmp_path / "third.sqlite")


def test_verify_of_a_classed_declaration_without_its_scheme_is_refused(example_declaration, example_scheme,
                                                                       tmp_path):
    """Thresholds moved (class and nearest threshold made to fit) and hashed again: recomputed under the
    thresholds the declaration copies, the class agreed and verify said verified, exit 0, with a warning
    ('not checked') a script never reads.  Only the scheme file confirms a class: without --scheme a classed
    declaration is refused (exit 2, naming the scheme id and what to pass), with it the forgery is a failure.
    batch verify holds every classed row to the same: each checked against the --scheme file its class names."""
    from conftest import EXAMPLE

    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    classed = footprint.assign_class(decl, example_scheme)
    assert classed["performance_class"]["class"] == "B"

    # B's lower threshold moved above the value: class A, consistently
    moved = footprint.write_declaration(_rehashed(classed, _threshold_moved(0, 1.01, "A")), tmp_path / "moved.json")
    result = CliRunner().invoke(cli.main, ["verify", str(moved), "--data", str(EXAMPLE)])
    assert result.exit_code == 2 and "--scheme" in result.stderr and "Traceback" not in result.stderr, result.output
    assert classed["performance_class"]["scheme_id"] in result.stderr
    result = CliRunner().invoke(cli.main, ["verify", str(moved), "--data", str(EXAMPLE), "--scheme",
                                           str(example_scheme)])
    assert result.exit_code == 1 and "performance_class.thresholds" in result.output, result.output
    assert footprint.verify_declaration(moved, hash_only=True).ok  # the hash alone says nothing of the class

    # batch verify: the honest classed file and an unclassed one verify with the scheme; the moved one differs
    directory = tmp_path / "market"
    directory.mkdir()
    footprint.write_declaration(classed, directory / "classed.json")
    footprint.write_declaration(example_declaration, directory / "plain.json")
    (directory / "moved.json").write_bytes(moved.read_bytes())
    outcomes = {Path(o.output).name: o for o in footprint.batch_verify(directory).outcomes}
    assert outcomes["plain.json"].status == "ok"
    assert outcomes["classed.json"].status == "error" and "--scheme" in outcomes["classed.json"].message
    outcomes = {Path(o.output).name: o for o in footprint.batch_verify(directory, schemes=[example_scheme]).outcomes}
    assert [outcomes[n].status for n in ("classed.json", "moved.json", "plain.json")] == ["ok", "differs", "ok"]
    other = json.loads(example_scheme.read_text())  # a scheme file of another id: the classed rows name none given
    other["scheme_id"] = "ndpr-oxide:other"
    other_file = tmp_path / "other-scheme.json"
    other_file.write_text(json.dumps(other))
    outcome = footprint.batch_verify(directory, schemes=[other_file]).outcomes
    assert {Path(o.output).name: o.status for o in outcome} == {"classed.json": "error", "moved.json": "error",
                                                               "plain.json": "ok"}
    assert "not among the --scheme files" in next(o.message for o in outcome if o.status == "error")
    result = CliRunner().invoke(cli.main, ["batch", "verify", str(directory), "--scheme", str(example_scheme)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
