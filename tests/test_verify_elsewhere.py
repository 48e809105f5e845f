"""verify on another machine or from another directory: recorded paths say where files were, hashes what they held.

A reviewer recomputes a producer's declaration elsewhere.  An honest declaration, with the same rule and activity
data content, must verify (exit 0) wherever its files now lie; one whose rule or activity content differs must
still fail, naming what differs.  Real Brightway, real files, no mocks.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.errors import DeclarationError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"
SUPPLIER = REPO / "examples" / "suppliers" / "ndpr-oxide-2025.json"  # records the earlier rule content hash


def _verify(*args: str):
    return CliRunner().invoke(cli.main, ["verify", *args, "--fast"])


def _failed(outcome) -> dict[str, str]:
    return {d.item: d.note for d in outcome.failures}


@pytest.fixture()
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A working directory that is neither the repository nor where any declaration was made."""
    where = tmp_path / "reviewer-cwd"
    where.mkdir()
    monkeypatch.chdir(where)
    return where


@pytest.mark.parametrize("rule", [[], ["--rule", "ndpr-oxide"], ["--rule", str(RULE)]])
def test_a_declaration_recording_the_earlier_rule_hash_verifies_from_another_directory(project, elsewhere, rule):
    """The shipped supplier's declaration records footprint's earlier hash of what the rule says; that is a
    warning once the recomputation's rule file is read.  verify read it at the recorded repository-relative
    path from the current directory: from any directory but the repository's, 'provenance.rule.content_sha256'
    was a FAILURE and the honest declaration NOT VERIFIED (exit 1)."""
    result = _verify(str(SUPPLIER), *rule)
    assert result.exit_code == 0, result.output
    assert "footprint's earlier hash of what the rule says" in result.output
    assert f"under rule {RULE}" in result.output


@pytest.fixture()
def moved(project, tmp_path, monkeypatch) -> Path:
    """A producer's declaration made outside the repository (its files recorded by absolute path) under a rule
    id the library does not hold, then handed over: the folder with the declaration, its activity data and its
    rule file, now somewhere else."""
    producer = tmp_path / "producer"
    producer.mkdir()
    (producer / "acme-ndpr.yaml").write_text(RULE.read_text().replace("\nid: ndpr-oxide\n", "\nid: acme-ndpr\n"))
    (producer / "activity.yaml").write_text(EXAMPLE.read_text().replace("\nrule: ndpr-oxide\n", "\nrule: acme-ndpr\n"))
    monkeypatch.chdir(producer)
    document = footprint.declare("acme-ndpr.yaml", "activity.yaml")
    assert document["provenance"]["rule"]["path"] == str(producer.resolve() / "acme-ndpr.yaml")
    assert document["provenance"]["activity_data"]["path"] == str(producer.resolve() / "activity.yaml")
    footprint.write_declaration(document, producer / "decl.json")
    reviewer = tmp_path / "reviewer"
    shutil.move(str(producer), reviewer)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return reviewer


def test_an_honest_declaration_handed_over_with_its_files_verifies(moved):
    """The activity data and rule file lie beside the declaration, not at the absolute paths of the declaring
    machine: verify was refused 'nothing to recompute from' (exit 2), and with --data the rule id was
    'unknown rule' (exit 2, naming neither the declaration nor its recorded rule file)."""
    outcome = footprint.verify_declaration(moved / "decl.json", reference=False)
    assert outcome.ok, [(d.item, d.declared, d.recomputed) for d in outcome.failures]
    assert outcome.data == str(moved / "activity.yaml") and outcome.rule == str(moved / "acme-ndpr.yaml")
    result = _verify(str(moved / "decl.json"))
    assert result.exit_code == 0 and result.output.rstrip().endswith("verified"), result.output
    result = _verify(str(moved / "decl.json"), "--data", str(moved / "activity.yaml"))
    assert result.exit_code == 0, result.output


def test_a_rule_beside_the_moved_declaration_with_other_content_fails_naming_it(moved):
    rule = moved / "acme-ndpr.yaml"
    text = rule.read_text()
    assert "REO concentrate: {value: 50," in text
    rule.write_text(text.replace("REO concentrate: {value: 50,", "REO concentrate: {value: 5,"))
    outcome = footprint.verify_declaration(moved / "decl.json", reference=False)
    failed = _failed(outcome)
    assert not outcome.ok and "results[climate_change].value" in failed
    assert failed["provenance.rule.sha256"] == f"recomputed under {rule}, whose content differs"
    result = _verify(str(moved / "decl.json"))
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output and str(rule) in result.output


def test_activity_data_beside_the_moved_declaration_with_other_content_fails_naming_it(moved):
    data = moved / "activity.yaml"
    text = data.read_text()
    assert "receipts 2025\"" in text
    data.write_text(text.replace("receipts 2025\"", "receipts 2025, edited\""))
    outcome = footprint.verify_declaration(moved / "decl.json", reference=False)
    failed = _failed(outcome)
    assert not outcome.ok
    assert failed["provenance.activity_data.sha256"] == f"recomputed from {data}, whose content differs"


def test_a_rule_found_nowhere_asks_for_rule_naming_the_declaration_and_recorded_file(moved):
    (moved / "acme-ndpr.yaml").unlink()
    with pytest.raises(DeclarationError) as caught:
        footprint.verify_declaration(moved / "decl.json", reference=False)
    message = str(caught.value)
    assert str(moved / "decl.json") in message and "--rule" in message
    assert "acme-ndpr.yaml) is not found" in message and "no rule 'acme-ndpr'" in message
    result = _verify(str(moved / "decl.json"), "--rule", str(RULE))  # another rule: recomputed, and it differs
    assert result.exit_code in (1, 2) and "verified\n" not in result.output.replace("NOT VERIFIED", "")


def test_the_library_rule_with_the_recorded_content_is_taken_under_an_empty_rule_library(
        project, tmp_path, monkeypatch):
    """A declaration made with a copy of footprint's rule outside the repository, the copy since gone, verified on
    a machine whose FOOTPRINT_RULES library lacks the id: footprint's own rule has the recorded bytes.  It was
    'unknown rule ... expected a rule id ()' (exit 2)."""
    producer = tmp_path / "producer"
    producer.mkdir()
    shutil.copy(RULE, producer / "my-rule.yaml")
    document = footprint.declare(producer / "my-rule.yaml", EXAMPLE)
    footprint.write_declaration(document, tmp_path / "decl.json")
    shutil.rmtree(producer)
    (tmp_path / "empty-library").mkdir()
    monkeypatch.setenv("FOOTPRINT_RULES", str(tmp_path / "empty-library"))
    monkeypatch.chdir(tmp_path / "empty-library")
    outcome = footprint.verify_declaration(tmp_path / "decl.json", reference=False)
    assert outcome.ok and outcome.rule == str(RULE)


def test_a_stale_copy_at_the_recorded_place_does_not_hide_the_library_rule_with_the_recorded_content(
        project, tmp_path, monkeypatch):
    """Which rule file is recomputed under is decided by the recorded hash: a copy at the recorded path whose
    bytes changed since (a comment) made an honest declaration fail on 'provenance.rule.sha256', although
    footprint's own rule holds exactly the recorded bytes."""
    producer = tmp_path / "producer"
    producer.mkdir()
    shutil.copy(RULE, producer / "my-rule.yaml")
    document = footprint.declare(producer / "my-rule.yaml", EXAMPLE)
    footprint.write_declaration(document, tmp_path / "decl.json")
    (producer / "my-rule.yaml").write_text(RULE.read_text() + "\n# reviewed\n")
    monkeypatch.chdir(tmp_path)
    outcome = footprint.verify_declaration(tmp_path / "decl.json", reference=False)
    assert outcome.ok and outcome.rule == str(RULE)


def test_a_rule_refusal_under_footprint_rules_names_the_library_file_by_its_full_path(
        project, tmp_path, monkeypatch, elsewhere):
    """Under FOOTPRINT_RULES two libraries hold a file of each id's name: 'the library's ndpr-oxide.yaml' did not
    say which one the rule given differs from."""
    library = tmp_path / "library"
    shutil.copytree(REPO / "rules", library)
    declaration = footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE), tmp_path / "decl.json")
    edited = tmp_path / "edited.yaml"
    edited.write_text(RULE.read_text().replace("REO concentrate: {value: 50,", "REO concentrate: {value: 5,"))
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    result = _verify(str(declaration), "--rule", str(edited))
    assert result.exit_code == 2, result.output
    assert f"the library's {library / 'ndpr-oxide.yaml'} of that id and version differs" in result.stderr


def test_a_recorded_relative_path_is_still_found_beside_the_declaration_by_its_name(project, tmp_path, elsewhere):
    """The README's order: as written, beside the declaration (recorded relative path, then name), repository."""
    from footprint.declaration.verify import find_recorded, recorded_candidates

    declaration = tmp_path / "handed" / "decl.json"
    declaration.parent.mkdir()
    declaration.write_text("{}")
    assert recorded_candidates("examples/x/a.yaml", declaration) == [
        Path("examples/x/a.yaml"), declaration.parent / "examples/x/a.yaml", declaration.parent / "a.yaml",
        REPO / "examples/x/a.yaml"]
    assert recorded_candidates("/elsewhere/a.yaml", declaration) == [Path("/elsewhere/a.yaml"),
                                                                      declaration.parent / "a.yaml"]
    (declaration.parent / "a.yaml").write_text("x")
    assert find_recorded("/elsewhere/a.yaml", declaration) == declaration.parent / "a.yaml"
    assert json.loads(declaration.read_text()) == {}


def test_batch_verify_finds_the_moved_files_as_single_verify_does(moved):
    """batch verify recomputes each row by single verify's code: the moved folder verifies from elsewhere (it was
    that row's error, 'nothing to recompute from'); the edited rule beside it is that row's difference."""
    summary = footprint.batch_verify(moved)
    assert [o.status for o in summary.outcomes] == ["ok"], summary.outcomes
    rule = moved / "acme-ndpr.yaml"
    rule.write_text(rule.read_text().replace("REO concentrate: {value: 50,", "REO concentrate: {value: 5,"))
    summary = footprint.batch_verify(moved)
    assert [o.status for o in summary.outcomes] == ["differs"], summary.outcomes
