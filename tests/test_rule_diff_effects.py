"""'rules diff' marks each difference "affects results" or "documentation only", from one table of the rule model.

Old code: the diff of ndpr-oxide and a copy with its title, a process description and a price's basis reworded
and one price changed listed four changes alike; a reviewer could not tell the one that moves every declared
number (the price) from the three that move none.  tests/test_rules_diff_oracle.py declares a sample of the
changes marked "documentation only" (the declared values must not move).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
from footprint.authoring import diff as diff_module
from footprint.authoring.effects import DOCUMENTATION, EFFECTS, IDENTITY, RESULTS, model_field
from footprint.inputs.rule import PROSE_FIELDS, Rule, load_rule
from test_rule_tools import _field_paths

REPO = Path(__file__).resolve().parents[1]
NDPR = REPO / "rules" / "ndpr-oxide.yaml"


def test_every_field_of_the_rule_model_is_classified():
    """A field added to the rule model must be put in the table (else its changes are marked only by the
    fallback, 'affects results'); a field removed from the model must leave it."""
    fields = _field_paths(Rule)
    assert len(fields) == len(set(fields))
    unclassified = [field for field in fields if field not in EFFECTS]
    assert not unclassified, f"classify these rule fields in footprint/authoring/effects.py EFFECTS: {unclassified}"
    assert sorted(set(EFFECTS) - set(fields)) == [], "EFFECTS names fields the rule model does not have"
    assert set(EFFECTS.values()) == {RESULTS, IDENTITY, DOCUMENTATION}
    assert {field for field, effect in EFFECTS.items() if effect == IDENTITY} == {"id", "version"}


def test_a_documentation_block_holds_documentation_only():
    """A block marked documentation only (the sources) is whole documentation: adding or removing one would
    otherwise hide a field that affects results inside it."""
    for field, effect in EFFECTS.items():
        if effect == DOCUMENTATION:
            inside = [f for f in EFFECTS if f.startswith((f"{field}.", f"{field}[]")) and EFFECTS[f] != DOCUMENTATION]
            assert not inside, (field, inside)


def test_documentation_is_prose_to_the_rule_identity_check_too():
    """What diff calls documentation only, conflict_with and content_sha256 ignore as prose (PROSE_FIELDS), and
    nothing else, so the two never disagree on a wording; the one exception is the key a rule's text cites its
    sources by.  Both ways: this test once asked only that documentation be prose, and prose was every key
    *named* like documentation ('name', 'module'), so a product's name and the conformity-assessment module
    (both 'affects results' here) were prose to the identity check (tests/test_rule_identity.py)."""
    documentation = {field for field, effect in EFFECTS.items() if effect == DOCUMENTATION}
    assert documentation == PROSE_FIELDS | {"sources", "sources[].id"}


@pytest.mark.parametrize("loc, field", [
    (("title",), "title"),
    (("stages", "refining", "processes", "separation", "allocation", "prices", "NdPr oxide", "value"),
     "stages[].processes[].allocation.prices.*.value"),
    (("stages", "refining", "processes", "separation", "allocation", "prices", "NdPr oxide", "basis"),
     "stages[].processes[].allocation.prices.*.basis"),
    (("stages", "extraction", "processes", "mining", "extraction", "distributions", "TREO", "shares", "Nd"),
     "stages[].processes[].extraction.distributions.*.shares"),
    (("stages", "extraction", "processes", "mining"), "stages[].processes"),
    (("sources", "usgs2025", "citation"), "sources[].citation"),
    (("sources", "usgs2025"), "sources"),
    (("validity", "reporting_periods", "reason"), "validity.reporting_periods.reason"),
    (("input_kinds", "coal", "description"), "input_kinds.*.description"),
    (("recycled_content", "virgin", "basis"), "recycled_content.virgin.basis"),
    (("a_field_added_later",), None),
    (("sources", "usgs2025", "a_key_no_source_has"), None),
])
def test_a_change_lies_in_the_field_of_the_model_its_place_names(loc, field):
    assert model_field(loc) == field


def _variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(NDPR.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "new.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _rewording_and_a_price(rule: dict) -> None:
    rule["version"] = "1.2.0"
    rule["title"] += " (revised)"
    mining = rule["stages"][0]["processes"][0]
    mining["description"] = "Open-pit mining of bastnaesite-monazite-iron ore."
    separation = rule["stages"][2]["processes"][-1]
    separation["allocation"]["prices"]["NdPr oxide"]["basis"] = "USGS MCS 2026, five-year mean"
    separation["allocation"]["prices"]["NdPr oxide"]["value"] = 90.0
    rule["sources"].reverse()


EXPECTED = {  # path -> affects results
    "version": False,  # identity: it names the rule, it moves no number
    "title": False,
    "process mining.description": False,
    "process separation.allocation.prices.NdPr oxide.value": True,
    "process separation.allocation.prices.NdPr oxide.basis": False,
    "sources": False,
}
MARKS = {path: RESULTS if moving else DOCUMENTATION for path, moving in EXPECTED.items()} | {"version": IDENTITY}


def test_each_change_is_marked_and_counted(tmp_path):
    result = diff_module.compare(load_rule(NDPR), load_rule(_variant(tmp_path, _rewording_and_a_price)))
    assert {c.path: c.affects_results for c in result.changes} == EXPECTED
    assert {c.path: c.effect for c in result.changes} == MARKS
    lines = result.text().splitlines()
    for path, mark in MARKS.items():
        [line] = [line for line in lines if line.lstrip().startswith(("~", "↕")) and f" {path}:" in line]
        assert line.endswith(f"[{mark}]"), line
    assert lines[-1] == "6 change(s): 1 affecting results, 1 identity, 4 documentation only"


def test_a_changed_id_or_version_is_marked_identity_not_results(tmp_path):
    """Old code: the rule's id and version were marked "affects results", so a bare version bump (the same
    rule, declaring the same values) read as a change that moves declared numbers, and was counted so."""
    def bump(rule: dict) -> None:
        rule["id"], rule["version"] = "ndpr-oxide-own", "1.2.0"

    result = diff_module.compare(load_rule(NDPR), load_rule(_variant(tmp_path, bump)))
    assert {c.path: c.effect for c in result.changes} == {"id": IDENTITY, "version": IDENTITY}
    assert not any(c.affects_results for c in result.changes)
    text = result.text()
    assert "~ version: 1.1.0 → 1.2.0  [identity]" in text and "[affects results]" not in text
    assert text.splitlines()[-1] == "2 change(s): 0 affecting results, 2 identity, 0 documentation only"
    assert diff_module.to_dict(result.old, result.new, result.changes)["summary"] == {
        "changes": 2, "affecting_results": 0, "identity": 2, "documentation_only": 0}


def test_cli_diff_marks_each_change_in_text_and_json(project, tmp_path):
    new = _variant(tmp_path, _rewording_and_a_price)
    runner = CliRunner()
    text = runner.invoke(cli.main, ["rules", "diff", str(NDPR), str(new)])
    assert text.exit_code == 0, text.output
    assert "~ title:  [documentation only]" in text.stdout
    assert "~ process separation.allocation.prices.NdPr oxide.value: 83.0 → 90.0  [affects results]" in text.stdout
    assert text.stdout.rstrip().endswith("6 change(s): 1 affecting results, 1 identity, 4 documentation only")
    assert "~ version: 1.1.0 → 1.2.0  [identity]" in text.stdout
    machine = runner.invoke(cli.main, ["rules", "diff", str(NDPR), str(new), "--json"])
    assert machine.exit_code == 0, machine.output
    data = json.loads(machine.stdout)
    assert {c["path"]: c["affects_results"] for c in data["changes"]} == EXPECTED
    assert {c["path"]: c["field"] for c in data["changes"]}["process mining.description"] == \
        "stages[].processes[].description"
    assert {c["path"]: c["effect"] for c in data["changes"]} == MARKS
    assert data["summary"] == {"changes": 6, "affecting_results": 1, "identity": 1, "documentation_only": 4}
    same = runner.invoke(cli.main, ["rules", "diff", str(NDPR), str(NDPR), "--json"])
    assert json.loads(same.stdout)["summary"] == {"changes": 0, "affecting_results": 0, "identity": 0,
                                                  "documentation_only": 0}


def test_a_change_in_no_field_of_the_model_affects_results(monkeypatch):
    """A key no field of the model has (a field added to the dump before the table knows it) is marked as
    affecting results: not sure is never 'documentation only'."""
    base = load_rule(NDPR).rule
    dumped = diff_module._dump(base)
    changed = {**dumped, "sources": [], "a_field_added_later": "prose?"}
    views = iter([dumped, changed])
    monkeypatch.setattr(diff_module, "_dump", lambda _rule: next(views))
    marks = {c.path: (c.field, c.affects_results) for c in diff_module.diff(base, base)}
    assert marks["a_field_added_later"] == (None, True)
    assert all(field == "sources" and not moving
               for path, (field, moving) in marks.items() if path != "a_field_added_later")
