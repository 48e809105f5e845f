"""Two trust gaps, each a wrong or cherry-picked number with exit 0 before:

1. The reporting period's length.  Every library rule says declarations report "the most recent complete
   annual period", yet nothing checked the length: the ndpr-oxide example's totals declared over its
   first quarter only (2025-01-01..2025-03-31) gave a declaration with exit 0.  The rules now state
   ``validity.reporting_periods.length_months: 12`` (new rule versions: a changed rule is another
   version), and declare / verify refuse another length.  A declaration made under the previous version
   is recomputed under that version's file, which states no length: it is not refused.
2. A supplier's declaration made under a changed copy of a library rule that keeps the library rule's id
   and version.  Our own declare refuses such a copy (rule.library_twin), but a supplier's declaration
   computed under one was multiplied into the buyer's result as one under the library's rule.  New
   declarations record what their rule says (``provenance.rule.content_sha256``, prose aside) and
   upstream.rule_check compares it with the library's rule.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint import api as _api
from footprint.declaration import verify as _verify
from footprint.errors import ActivityDataError, FootprintError, RuleError
from footprint.inputs.activity import load_activity
from footprint.inputs.rule import ReportingPeriods, add_months, content_sha256, load_rule
from footprint.inputs.upstream import RULE_NOTE, content_hash
from tests.test_period_ended import _with_period as _activity  # the ndpr-oxide example over another period

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndpr-oxide.yaml"
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
METAL = REPO / "examples" / "ndpr-metal" / "activity-2025.yaml"
LENGTH_LINE = "    length_months: 12\n"


def _previous_version(tmp_path: Path, version: str = "1.0.0") -> Path:
    """rules/ndpr-oxide.yaml as it was before the length field: no length_months, version ``version``."""
    text = RULE.read_text(encoding="utf-8")
    assert LENGTH_LINE in text and "\nversion: 1.1.0\n" in text
    path = tmp_path / "old" / "ndpr-oxide.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace(LENGTH_LINE, "").replace("\nversion: 1.1.0\n", f"\nversion: {version}\n"),
                    encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- 1. the period's length

@pytest.mark.parametrize("start, end, problem", [
    # 2025-01-01 + 12 months = 2026-01-01; the day after 2025-12-31 is 2026-01-01: 0 days off
    ("2025-01-01", "2025-12-31", None),
    # a fiscal year April..March: 2025-04-01 + 12 months = 2026-04-01 = the day after 2026-03-31
    ("2025-04-01", "2026-03-31", None),
    # a 52-week fiscal year (364 days): next day 2026-01-03, expected 2026-01-04: 1 day short, within 7
    ("2025-01-04", "2026-01-02", None),
    # a 53-week fiscal year (371 days): next day 2026-01-04, expected 2025-12-29: 6 days long, within 7
    ("2024-12-29", "2026-01-03", None),
    # the first quarter: 90 days (31 + 28 + 31); next day 2025-04-01 is 275 days before 2026-01-01
    ("2025-01-01", "2025-03-31", "90 days long, 275 days shorter than the 12 months"),
    # 13 months: next day 2026-02-01 is 31 days after 2026-01-01, beyond 7
    ("2025-01-01", "2026-01-31", "396 days long, 31 days longer than the 12 months"),
    # 30 months: next day 2027-07-01 is 546 days after 2026-01-01 (365 + 181)
    ("2025-01-01", "2027-06-30", "911 days long, 546 days longer than the 12 months"),
])
def test_the_length_is_counted_in_calendar_months_with_a_weeks_tolerance(start, end, problem):
    spans = ReportingPeriods.model_validate({"from": "2020-01-01", "until": "2030-12-31", "length_months": 12})
    found = spans.length_problem(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert (found is None) if problem is None else (problem in found), found


def test_a_rule_without_a_length_accepts_any_length_and_month_ends_are_clamped():
    spans = ReportingPeriods.model_validate({"from": "2020-01-01", "until": "2030-12-31"})
    assert spans.length_problem(dt.date(2025, 1, 1), dt.date(2025, 3, 31)) is None
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)  # February has no 31st
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 14) == dt.date(2027, 1, 15)


def test_every_library_rule_asks_for_12_months_and_every_example_period_has_them():
    for path in sorted((REPO / "rules").glob("*.yaml")):
        spans = load_rule(path).rule.validity.reporting_periods
        assert spans is not None and spans.length_months == 12, path.name
        for example in sorted((REPO / "examples" / path.stem).glob("*.yaml")):
            period = load_activity(example).data.period
            assert spans.length_problem(period.start, period.end) is None, example


def test_the_best_quarter_is_refused(project, tmp_path):
    """Old code: the annual example's totals declared as 2025-01-01..2025-03-31, exit 0."""
    quarter = _activity(tmp_path, "2025-01-01", "2025-03-31")
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(quarter), "-o", str(tmp_path / "q.json")])
    assert result.exit_code == 2, result.output
    assert f"{quarter}: field 'period'" in result.stderr
    assert "90 days long, 275 days shorter than the 12 months" in result.stderr
    assert "found: '2025-01-01..2025-03-31'" in result.stderr and "2025-01-01..2025-12-31" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "q.json").exists()


def test_an_18_month_span_is_refused(project, tmp_path):
    """Old code: 2025-01-01..2026-06-30 (ended before today, within the accepted periods) declared, exit 0."""
    with pytest.raises(ActivityDataError, match="546 days long, 181 days longer") as caught:
        footprint.declare("ndpr-oxide", _activity(tmp_path, "2025-01-01", "2026-06-30"))
    assert caught.value.field == "period" and caught.value.value == "2025-01-01..2026-06-30"


def test_a_declaration_under_the_previous_version_still_verifies(project, tmp_path, monkeypatch):
    """The length came with version 1.1.0.  A quarter declared while the library held 1.0.0 (as it could be)
    is recomputed under that rule file and verified, not refused for a field its rule never had; recomputed
    under the library's 1.1.0 it is refused, naming the period."""
    old = _previous_version(tmp_path)
    # made as the library held it then: declare() refuses 1.0.0 now, whatever FOOTPRINT_RULES names (footprint's
    # own library holds 1.1.0); verify's recomputation (withdrawn_ok) still runs under it
    made = _api._declare(old, _activity(tmp_path, "2025-01-01", "2025-03-31"), withdrawn_ok=True)
    assert made["rule"]["version"] == "1.0.0"
    assert "length_months" not in made["rule"]["validity"]["reporting_periods"]
    path = tmp_path / "q1.json"
    path.write_text(json.dumps(made), encoding="utf-8")
    outcome = footprint.verify_declaration(path, tmp_path / "activity.yaml", rule=old)
    assert outcome.ok and outcome.recomputed, [d for d in outcome.failures]
    with pytest.raises(ActivityDataError, match="275 days shorter"):
        footprint.verify_declaration(path, tmp_path / "activity.yaml", rule="ndpr-oxide")


def test_no_new_declaration_under_a_version_the_library_has_moved_past(project, tmp_path):
    """Otherwise the previous text, given as a path, would declare the best quarter as 'ndpr-oxide 1.0.0':
    the cherry-pick the length closes, reopened by picking the older version (exit 0 before)."""
    result = CliRunner().invoke(cli.main, ["declare", str(_previous_version(tmp_path)),
                                           str(_activity(tmp_path, "2025-01-01", "2025-03-31")),
                                           "-o", str(tmp_path / "q.json")])
    assert result.exit_code == 2, result.output
    assert "field 'version': rule ndpr-oxide 1.0.0 is superseded by the library's ndpr-oxide 1.1.0" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "q.json").exists()
    rows = footprint.declare_many([(_previous_version(tmp_path), EXAMPLE)])
    assert rows[0].status == "error" and "is superseded" in rows[0].message


def test_the_previous_text_under_the_new_version_is_a_changed_copy(project, tmp_path):
    """Why the library's rules took new versions: the field changes what a rule says, so the previous text
    claiming 1.1.0 is refused as a changed copy of the library's rule (naming the new field)."""
    with pytest.raises(RuleError, match=r"first at 'validity\.reporting_periods\.length_months'"):
        footprint.declare(_previous_version(tmp_path, "1.1.0"), EXAMPLE)


def test_rules_diff_and_the_declaration_show_the_length(project, tmp_path):
    result = CliRunner().invoke(cli.main, ["rules", "diff", str(_previous_version(tmp_path)), str(RULE)])
    assert result.exit_code == 0, result.output
    assert "validity.reporting_periods.length_months: null → 12" in result.stdout
    shown = CliRunner().invoke(cli.main, ["rules", "show", "ndpr-oxide"])
    assert "reporting periods: 2025-01-01 .. 2028-12-31, 12 months long (within 7 days)" in shown.stdout
    block = footprint.declare("ndpr-oxide", EXAMPLE)["rule"]["validity"]["reporting_periods"]
    assert block["length_months"] == 12 and block["length_tolerance_days"] == 7


def test_lint_refuses_a_length_no_accepted_period_can_have(tmp_path):
    text = RULE.read_text(encoding="utf-8").replace(LENGTH_LINE, "    length_months: 60\n")
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(text.replace("\nversion: 1.1.0\n", "\nversion: 9.0.0\n"), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["rules", "validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "field 'validity.reporting_periods.length_months'" in result.output
    assert "2025-01-01..2028-12-31" in result.output


# ----------------------------------------------------------------------------- 2. the supplier's rule

def _supplier_under_changed_copy(tmp_path: Path, monkeypatch) -> Path:
    """An NdPr-oxide declaration computed under a copy of ndpr-oxide 1.1.0 with the REO concentrate price at 5
    instead of 50 (as a supplier running a footprint without the library-twin check would make it): written
    where the ndpr-metal example looks for its supplier."""
    text = RULE.read_text(encoding="utf-8")
    assert "REO concentrate: {value: 50," in text
    copy = tmp_path / "theirs" / "ndpr-oxide.yaml"
    copy.parent.mkdir()
    copy.write_text(text.replace("REO concentrate: {value: 50,", "REO concentrate: {value: 5,"), encoding="utf-8")
    monkeypatch.setattr(footprint.api, "_refuse_rule", lambda *args, **kwargs: None)
    document = footprint.declare(copy, EXAMPLE)
    monkeypatch.undo()
    assert document["rule"]["version"] == "1.1.0"
    return _place_supplier(tmp_path, document)


def _place_supplier(tmp_path: Path, document: dict) -> Path:
    (tmp_path / "suppliers").mkdir(exist_ok=True)
    (tmp_path / "suppliers" / "ndpr-oxide-2025.json").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "ndpr-metal").mkdir(exist_ok=True)
    activity = tmp_path / "ndpr-metal" / "activity-2025.yaml"
    activity.write_text(METAL.read_text(encoding="utf-8"), encoding="utf-8")
    return activity


def _rehashed(document: dict) -> dict:
    document = dict(document)
    document["content_sha256"] = content_hash(document)
    return document


def test_a_supplier_declaration_under_a_changed_copy_of_the_library_rule_is_refused(project, tmp_path, monkeypatch):
    """Old code: ndpr-metal declared on the changed copy's lower oxide value, as one under ndpr-oxide 1.1.0,
    exit 0."""
    activity = _supplier_under_changed_copy(tmp_path, monkeypatch)
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-metal", activity)
    message = str(caught.value)
    assert "made under a rule that says it is ndpr-oxide 1.1.0 but differs from the library's ndpr-oxide.yaml" \
        in message
    assert caught.value.field.endswith(".declaration") and str(activity) in message
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-metal", str(activity), "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output and not (tmp_path / "m.json").exists()


def test_a_prose_edit_of_the_supplier_rule_is_no_difference(project, tmp_path):
    """A copy whose only change is a description: its file hash differs, what it says does not."""
    text = RULE.read_text(encoding="utf-8")
    copy = tmp_path / "theirs" / "ndpr-oxide.yaml"
    copy.parent.mkdir()
    copy.write_text(text.replace("title: NdPr oxide,", "title: NdPr oxide (our copy),"), encoding="utf-8")
    assert content_sha256(load_rule(copy)) == content_sha256(load_rule(RULE))
    supplier = footprint.declare(copy, EXAMPLE)
    assert supplier["provenance"]["rule"]["sha256"] != load_rule(RULE).sha256
    made = footprint.declare("ndpr-metal", _place_supplier(tmp_path, supplier))
    assert not [w for w in made["data_quality"]["warnings"] if w.startswith(RULE_NOTE)]


def test_a_supplier_declaration_older_than_the_rule_content_hash_is_taken_with_a_warning(project, tmp_path):
    """Made before provenance.rule.content_sha256 was recorded: compared by its rule file's bytes.  The same
    bytes as the library's: nothing to say; other bytes (a wording or a number, which cannot be told apart):
    a warning saying so, carried by the buyer's declaration."""
    supplier = footprint.declare("ndpr-oxide", EXAMPLE)
    del supplier["provenance"]["rule"]["content_sha256"]
    same = footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
    assert not [w for w in same["data_quality"]["warnings"] if w.startswith(RULE_NOTE)]
    supplier["provenance"]["rule"]["sha256"] = "0" * 64
    other = footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
    notes = [w for w in other["data_quality"]["warnings"] if w.startswith(RULE_NOTE)]
    assert len(notes) == 1 and "records no provenance.rule.content_sha256" in notes[0]
    assert other["results"] == same["results"]


@pytest.mark.parametrize("rule_id, version, says", [
    ("someone-elses-oxide-rule", "1.0.0", "which this library"),
    ("ndpr-oxide", "1.0.0", "the library holds ndpr-oxide 1.1.0"),
])
def test_a_supplier_rule_the_library_does_not_hold_is_named_in_a_warning(project, tmp_path, rule_id, version, says):
    supplier = footprint.declare("ndpr-oxide", EXAMPLE)
    supplier["rule"] = {**supplier["rule"], "id": rule_id, "version": version}
    made = footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
    notes = [w for w in made["data_quality"]["warnings"] if w.startswith(RULE_NOTE)]
    assert len(notes) == 1 and says in notes[0] and f"{rule_id} {version}" in notes[0]


def test_a_supplier_rule_version_ahead_of_the_library_is_refused(project, tmp_path):
    """Old code: taken with a warning, exit 0 (tests/test_supplier_rule_not_in_library.py: what that let through)."""
    supplier = footprint.declare("ndpr-oxide", EXAMPLE)
    supplier["rule"] = {**supplier["rule"], "version": "1.1.1"}
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
    assert "a version this library does not hold (it holds ndpr-oxide 1.1.0)" in caught.value.message
    assert caught.value.value == "ndpr-oxide 1.1.1" and caught.value.field.endswith(".declaration")


def test_verify_warns_where_a_declaration_predates_the_rule_content_hash(project, example_declaration):
    """A declaration written before provenance.rule.content_sha256: its absence is a warning (the rule file's
    sha256 is still compared exactly); so is a supplier-rule warning that differs only because the library
    moved on since."""
    declared = json.loads(json.dumps(example_declaration))
    del declared["provenance"]["rule"]["content_sha256"]
    declared["data_quality"]["warnings"].append(RULE_NOTE + "the library held another version then")
    declared = _rehashed(declared)
    outcome = _verify.compare(declared, example_declaration)
    assert outcome.ok, outcome.failures
    items = {d.item for d in outcome.warnings}
    assert {"provenance.rule.content_sha256", "data_quality.warnings (suppliers' rules)"} <= items
    declared["provenance"]["rule"]["sha256"] = "0" * 64
    assert not _verify.compare(_rehashed(declared), example_declaration).ok  # the file hash still decides


def test_a_library_rule_whose_ev_declaration_is_another_file_has_another_content_hash(tmp_path):
    """The CFF's Ev declaration is part of what a recycled rule says (as conflict_with compares it)."""
    hpms = REPO / "rules" / "ndfeb-recycled-hpms.yaml"
    ours = content_sha256(load_rule(hpms))
    copy = tmp_path / "rules" / hpms.name
    copy.parent.mkdir()
    copy.write_text(hpms.read_text(encoding="utf-8"), encoding="utf-8")
    virgin = load_rule(hpms).rule.recycled_content.virgin.declaration
    target = (copy.parent / virgin).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((REPO / "examples" / "suppliers" / "dy-metal-2025.json").read_bytes())
    assert content_sha256(load_rule(copy)) != ours
    target.write_bytes((hpms.parent / virgin).resolve().read_bytes())
    assert content_sha256(load_rule(copy)) == ours


def test_a_field_written_at_its_default_is_no_difference(tmp_path):
    """The rule hash leaves out fields at their default, so that a later footprint adding a rule field with a
    default (as this one added length_tolerance_days, 7) hashes an unchanged rule as before: hashed with the
    defaults, every supplier's declaration recorded under 1.1.0 would be refused after such an upgrade as
    made under another rule.  Writing the default out says nothing new; another value does."""
    text = RULE.read_text(encoding="utf-8")
    assert "length_tolerance_days" not in text and "    length_months: 12\n" in text
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    same = tmp_path / "a" / "ndpr-oxide.yaml"
    same.write_text(text.replace("    length_months: 12\n", "    length_months: 12\n    length_tolerance_days: 7\n"),
                    encoding="utf-8")
    other = tmp_path / "b" / "ndpr-oxide.yaml"
    other.write_text(text.replace("    length_months: 12\n", "    length_months: 12\n    length_tolerance_days: 8\n"),
                     encoding="utf-8")
    assert content_sha256(load_rule(same)) == content_sha256(load_rule(RULE))
    assert content_sha256(load_rule(other)) != content_sha256(load_rule(RULE))


def test_a_rule_field_added_later_with_a_default_leaves_the_hash_alone(tmp_path):
    """A later footprint whose Rule model has one more field (at its default for this rule) must hash the same
    rule file as this one does; hashed with the defaults written out, the new field's null changed the hash."""
    from typing import Optional

    from pydantic import create_model

    from footprint.inputs.rule import LoadedRule, Rule

    loaded = load_rule(RULE)
    later_model = create_model("Rule", __base__=Rule, added_later=(Optional[int], None))
    copy = tmp_path / "ndpr-oxide.yaml"  # another path: the hash is cached per file
    copy.write_bytes(RULE.read_bytes())
    later = LoadedRule(rule=later_model.model_validate(loaded.rule.model_dump(by_alias=True)), path=copy,
                       sha256=loaded.sha256)
    assert "added_later" in later.rule.model_dump()
    assert content_sha256(later) == content_sha256(loaded)


def test_a_supplier_declaration_of_a_quarter_is_refused(project, tmp_path):
    """The supplier's NdPr oxide declaration with its period cut to the first quarter and hashed again (another
    tool's file, or an edit): its rule (the library's ndpr-oxide 1.1.0) declares 12-month periods only, yet the
    old code multiplied it into ndpr-metal's annual result, exit 0 (65.51 kg CO2-Eq/kg; a quarter's own lower
    value would have passed the same way)."""
    supplier = json.loads((REPO / "examples" / "suppliers" / "ndpr-oxide-2025.json").read_text(encoding="utf-8"))
    supplier["period"] = {"start": "2025-01-01", "end": "2025-03-31"}
    activity = _place_supplier(tmp_path, _rehashed(supplier))
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-metal", activity)
    message = str(caught.value)
    # 2025-01-01..2025-03-31 is 90 days; 12 months from 2025-01-01 end on 2025-12-31: 275 days short
    assert ("supplier declaration does not cover its rule's period length: the reporting period is 90 days long, "
            "275 days shorter than the 12 months") \
        in message and caught.value.field.endswith(".declaration")
    supplier["period"] = {"start": "2025-01-04", "end": "2026-01-02"}  # a 52-week fiscal year: 1 day short, taken
    assert footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))["results"]


@pytest.mark.parametrize("version", ["1.0.0", "9.0.0"])
def test_a_supplier_quarter_naming_another_version_of_the_rule_is_refused(project, tmp_path, version):
    """The same quarter with its rule version edited to the superseded 1.0.0 (which stated no length) or to a
    version the library does not hold, hashed again: old code compared the length only at the library's own
    version, so it took the quarter with a 'not compared' warning and multiplied it into ndpr-metal's annual
    result, exit 0."""
    supplier = json.loads((REPO / "examples" / "suppliers" / "ndpr-oxide-2025.json").read_text(encoding="utf-8"))
    supplier["period"] = {"start": "2025-01-01", "end": "2025-03-31"}
    supplier["rule"] = {**supplier["rule"], "version": version}
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
    assert "does not cover its rule's period length" in caught.value.message
    assert "library's rule ndpr-oxide 1.1.0" in caught.value.expected
    supplier["period"] = {"start": "2025-01-01", "end": "2025-12-31"}  # a year under that version
    if version == "1.0.0":  # a version the library moved past: a warning only
        made = footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
        assert [w for w in made["data_quality"]["warnings"] if w.startswith(RULE_NOTE)]
    else:  # a version ahead of the library's: refused, as the market's gate refuses it
        with pytest.raises(ActivityDataError, match="a version this library does not hold"):
            footprint.declare("ndpr-metal", _place_supplier(tmp_path, _rehashed(supplier)))
