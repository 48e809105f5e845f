"""Data-quality claims a producer could get wrongly: supplier criteria, screening data, rating words, --strict.

Each test names the trial that showed the defect and what the old code did with it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import footprint
from footprint.errors import ActivityDataError
from footprint.inputs import upstream
from tests.test_background import imported  # noqa: F401  (bg-es and bg-jl imported from test files)
from tests.test_upstream import downstream  # noqa: F401  (the fixture: a metal rule buying the oxide example)


def _rewrite(supplier: Path, example_declaration: dict, change) -> None:
    """The example's declaration changed by ``change`` and re-hashed: a consistent file a supplier could publish."""
    document = json.loads(json.dumps(example_declaration))
    change(document)
    document["content_sha256"] = upstream.content_hash(document)
    supplier.write_text(json.dumps(document))


@pytest.mark.parametrize("change, match", [
    # before: the line was rated on the buyer's datum alone (DQR 1.0 with the fixture's datum 1/1/1/1), exit 0
    (lambda d: d["data_quality"].pop("criteria"), "states no data-quality criteria"),
    (lambda d: d["data_quality"]["criteria"].pop("P"), r"criterion P: None"),
    # before: (1 + 0) / 2 = 0.5 per criterion reached the buyer's declaration, refused there by a schema traceback
    (lambda d: d["data_quality"]["criteria"].update(TeR=0), r"criterion TeR: 0\b"),
    (lambda d: d["data_quality"]["criteria"].update(TiR=7.5), r"criterion TiR: 7.5"),
    (lambda d: d["data_quality"]["criteria"].update(GeR="1"), r"criterion GeR: '1'"),
])
def test_a_supplier_declaration_without_usable_criteria_is_refused(project, downstream, example_declaration,  # noqa: F811
                                                                   change, match):
    rule_path, data_path, supplier = downstream
    _rewrite(supplier, example_declaration, change)
    with pytest.raises(ActivityDataError, match=match) as caught:
        footprint.declare(rule_path, data_path)
    assert "processes.reduction.inputs[0].declaration" in str(caught.value)


MAPPED_GRID = 'map:\n  electricity/CN-NM: {database: bg-es, name: "electricity production, test"%s}\n'


@pytest.mark.parametrize("dqr, line", [
    # DQR (5 + 5 + 5 + 5) / 4 = 5.0 > ndpr-oxide's secondary limit 4.0: before, no breach, and --strict wrote it
    (", dqr: {TeR: 5, GeR: 5, TiR: 5, P: 5}",
     "Data Needs Matrix: secondary dataset bg-es: 'electricity production, test' has DQR 5.00 (mapping), above "
     "the rule's limit 4.0"),
    # (4 + 4 + 4 + 5) / 4 = 4.25 > 4.0
    (", dqr: {TeR: 4, GeR: 4, TiR: 4, P: 5}",
     "Data Needs Matrix: secondary dataset bg-es: 'electricity production, test' has DQR 4.25 (mapping), above "
     "the rule's limit 4.0"),
    # no DQR: rated on the activity datum alone, the limit is not demonstrated (before: a note, --strict passed)
    ("", "Data Needs Matrix: secondary dataset bg-es: 'electricity production, test' has no DQR in the mapping, so "
         "staying within the rule's limit 4.0 is not demonstrated"),
    # (4 + 4 + 4 + 4) / 4 = 4.0: at the limit is within it
    (", dqr: {TeR: 4, GeR: 4, TiR: 4, P: 4}", None),
])
def test_an_imported_dataset_is_held_to_the_rules_secondary_limit(imported, tmp_path, dqr, line):
    from footprint.api import StrictQualityError
    from tests.test_background import EXAMPLE

    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPED_GRID % dqr)
    document = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    secondary = [w for w in document["data_quality"]["warnings"] if w.startswith("Data Needs Matrix: secondary")]
    assert secondary == ([line] if line else [])
    if line:
        with pytest.raises(StrictQualityError) as caught:
            footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping, strict=True)
        assert line in str(caught.value)


@pytest.mark.parametrize("score, shown", [("true", "True"), ('"2"', "'2'")])
def test_a_dqr_score_that_is_no_number_is_refused(project, example_copy, score, shown):
    """Before: the mining default ``{TeR: true, GeR: true, TiR: true, P: true}`` was read as 1/1/1/1 (YAML ``true``,
    an XLSX TRUE cell): the demo's DQR moved from 2.009 "good" to 1.941 "very good", exit 0."""
    text = example_copy.read_text()
    default = "    dqr: {TeR: 1, GeR: 1, TiR: 1, P: 2}   # default for items below: measured, internally verified"
    assert default in text
    example_copy.write_text(text.replace(default, f"    dqr: {{TeR: 1, GeR: 1, TiR: 1, P: {score}}}", 1))
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-oxide", example_copy)
    message = str(caught.value)
    assert "processes.mining.dqr.P" in message and "valid number" in message and shown in message


def test_a_rules_dqr_limit_that_is_no_number_is_refused(tmp_path):
    """Before: ``dqr_limits.secondary: true`` was read as 1.0 (every secondary dataset a breach), ``"4"`` as 4.0."""
    import yaml

    from footprint.errors import RuleError
    from footprint.inputs.rule import load_rule

    for value in (True, "4"):
        rule = yaml.safe_load((Path(__file__).resolve().parents[1] / "rules" / "ndpr-oxide.yaml").read_text())
        rule["dqr_limits"]["secondary"] = value
        path = tmp_path / "ndpr-oxide.yaml"
        path.write_text(yaml.safe_dump(rule, sort_keys=False))
        with pytest.raises(RuleError, match=r"dqr_limits\.secondary.*valid number"):
            load_rule(path)


@pytest.mark.parametrize("stated", [None, "full"])
def test_a_supplier_result_without_a_coverage_state_is_refused(project, downstream, example_declaration,  # noqa: F811
                                                               stated):
    """Trial: the oxide example's declaration with 'coverage' removed from its results (hash recomputed), bought by a
    metal rule with no other input: acidification and particulate matter, partial in the supplier's file, were
    declared complete, with no coverage warning, so --strict wrote the declaration."""
    import yaml

    rule_path, data_path, supplier = downstream
    rule = yaml.safe_load(rule_path.read_text())
    rule["stages"][0]["processes"][0]["expected_inputs"] = ["oxide"]
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = yaml.safe_load(data_path.read_text())
    data["processes"]["reduction"]["inputs"] = data["processes"]["reduction"]["inputs"][:1]  # the oxide only
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    made = footprint.declare(rule_path, data_path)  # the supplier's own states: partial where it was partial
    assert {r["category"]: r["coverage"] for r in made["results"]}["acidification"] == "partial"

    def unstated(document: dict) -> None:
        for row in upstream.all_results(document):
            row.pop("coverage")
            if stated is not None:
                row["coverage"] = stated
    _rewrite(supplier, example_declaration, unstated)
    with pytest.raises(ActivityDataError, match=f"states no coverage for 'climate_change' \\(found {stated!r}\\)"):
        footprint.declare(rule_path, data_path, strict=True)


def test_a_primary_data_share_below_a_whole_is_never_stated_as_one(project, example_copy):
    """Trial: the demo with 10 kg of fossil methane estimated from an engine maker's factor (data_type secondary):
    about 0.3 t CO2-Eq of the period's 93,000 t, a secondary share of 3e-6, rounded to 4 decimals stated 1.0,
    printed "primary data share 100%" (PACT primaryDataShare 100), as if every datum were company-specific."""
    text = example_copy.read_text()
    anchor = '      - {flow: Uranium-238, compartment: air, amount: 65500, unit: kBq, source: "radiation monitoring 2025"}'
    assert anchor in text
    example_copy.write_text(text.replace(anchor, anchor + '\n      - {flow: "Methane, fossil", compartment: air, '
                                         'amount: 0.01, unit: t, source: "engine maker", data_type: secondary}', 1))
    document = footprint.declare("ndpr-oxide", example_copy)
    climate = [c for c in document["contributions"] if c["category"] == "climate_change"]
    methane = sum(abs(c["value"]) for c in climate if c["item"].startswith("Methane, fossil"))
    total = sum(abs(c["value"]) for c in climate)
    assert 0 < methane / total < 5e-5  # round(1 - methane / total, 4) == 1.0
    assert document["data_quality"]["primary_data_share"] == 0.9999
    from footprint._text import percent_digits
    from footprint.engine.quality import share_of
    from footprint.report._format import fmt_pct

    assert percent_digits(0.9999, 0) == "> 99" and fmt_pct(0.9999) == ">\u00a099.9\u00a0%"
    # hand-computed: 1 - 3e-6 -> 0.9999 (not 1.0); 3e-6 -> 0.0001 (not 0.0); 0.92615 -> 0.9262 (plain rounding)
    assert share_of(1 - 3e-6, 1) == 0.9999 and share_of(3e-6, 1) == 0.0001 and share_of(0.92615, 1) == 0.9262
    assert share_of(1, 1) == 1.0 and share_of(0, 1) == 0.0 and share_of(0, 0) == 0.0
    assert percent_digits(1.0, 0) == "100" and percent_digits(0.9262, 0) == "93" and percent_digits(0.0001, 0) == "< 1"
