"""verify: recompute a declaration and catch every kind of difference (real Brightway, no mocks)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.declaration.verify import compare, flatten

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"


@pytest.fixture(scope="module")
def fresh_declaration(project) -> dict:
    """Declared now, not at session start: other tests may change the project (imported datasets), and
    verify rightly reports a changed inventory hash; within this module nothing changes it."""
    return footprint.declare("ndpr-oxide", EXAMPLE)


@pytest.fixture()
def declaration_file(fresh_declaration, tmp_path) -> Path:
    return footprint.write_declaration(fresh_declaration, tmp_path / "decl.json")


def _failed(outcome) -> set[str]:
    return {d.item for d in outcome.failures}


def test_an_unchanged_declaration_verifies(declaration_file):
    outcome = footprint.verify_declaration(declaration_file, EXAMPLE)
    assert outcome.ok, [(d.item, d.declared, d.recomputed) for d in outcome.differences]
    assert outcome.compared > 100 and outcome.recomputed


def test_a_changed_activity_amount_is_detected(declaration_file, example_copy):
    text = example_copy.read_text()
    assert "amount: 5509, unit: MWh" in text
    example_copy.write_text(text.replace("amount: 5509, unit: MWh", "amount: 6000, unit: MWh"))
    outcome = footprint.verify_declaration(declaration_file, example_copy)
    failed = _failed(outcome)
    assert not outcome.ok
    assert "provenance.activity_data.sha256" in failed
    assert "results[climate_change].value" in failed
    assert "results[climate_change].by_process.beneficiation" in failed


def test_a_changed_rule_is_detected(declaration_file, tmp_path):
    """A price changed under the library's id and version is refused outright (rule.library_conflict); under
    a version of its own it is recomputed and every value it moves differs."""
    from footprint.errors import RuleError

    text = RULE.read_text()
    assert "NdPr oxide: {value: 83.0," in text and "\nversion: 1.1.0\n" in text
    changed = tmp_path / "ndpr-oxide.yaml"
    changed.write_text(text.replace("NdPr oxide: {value: 83.0,", "NdPr oxide: {value: 60.0,"))
    with pytest.raises(RuleError, match="says it is rule ndpr-oxide 1.1.0, but the library's"):
        footprint.verify_declaration(declaration_file, EXAMPLE, rule=changed)
    changed.write_text(changed.read_text().replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n"))
    failed = _failed(footprint.verify_declaration(declaration_file, EXAMPLE, rule=changed))
    assert {"rule.sha256", "rule.version", "provenance.rule.sha256", "results[climate_change].value"} <= failed


def test_an_edited_declaration_file_is_detected_with_and_without_recomputing(declaration_file, tmp_path):
    document = json.loads(declaration_file.read_text())
    document["results"][0]["value"] *= 0.9
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document, indent=2))
    assert "content_sha256" in _failed(footprint.verify_declaration(edited, hash_only=True))
    assert "content_sha256" in _failed(footprint.verify_declaration(edited))  # recomputed from its recorded data
    failed = _failed(footprint.verify_declaration(edited, EXAMPLE))
    assert {"content_sha256", f"results[{document['results'][0]['category']}].value"} <= failed
    assert footprint.verify_declaration(declaration_file, hash_only=True).ok  # the original passes the hash check


def test_cli_exit_codes_and_table(declaration_file, example_copy):
    runner = CliRunner()
    result = runner.invoke(cli.main, ["verify", str(declaration_file), "--data", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "0 differ" in result.output and "verified" in result.output
    example_copy.write_text(example_copy.read_text().replace("amount: 5509, unit: MWh", "amount: 6000, unit: MWh"))
    result = runner.invoke(cli.main, ["verify", str(declaration_file), "--data", str(example_copy)])
    assert result.exit_code == 1
    assert "FAILURE" in result.output and "results[climate_change].value" in result.output


def test_a_value_edited_and_hashed_again_is_not_verified_without_data(declaration_file, tmp_path):
    """verify without --data recomputes from the activity data the declaration records.

    It used to check the content hash alone and print "verified", exit 0: a climate change divided
    by 10 and hashed again (anyone can recompute a SHA-256) passed.  Now the recomputation catches it.
    """
    from footprint.inputs.upstream import content_hash

    document = json.loads(declaration_file.read_text())
    document["results"][0]["value"] /= 10
    document["content_sha256"] = content_hash(document)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document, indent=2))
    outcome = footprint.verify_declaration(forged)
    assert outcome.recomputed and _failed(outcome) == {"results[climate_change].value"}
    result = CliRunner().invoke(cli.main, ["verify", str(forged)])
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output
    assert f"recomputed from {document['provenance']['activity_data']['path']}" in result.output
    # --hash-only is what the old default did: the hash is consistent, and it says the numbers are not verified
    result = CliRunner().invoke(cli.main, ["verify", str(forged), "--hash-only"])
    assert result.exit_code == 0 and "content hash consistent (the numbers are not verified" in result.output
    assert "\nverified" not in result.output


def test_verify_without_data_and_no_recorded_file_found_exits_2_naming_both_ways_out(declaration_file, tmp_path):
    document = json.loads(declaration_file.read_text())
    from footprint.inputs.upstream import content_hash

    document["provenance"]["activity_data"]["path"] = "nowhere/activity.yaml"  # as if declared elsewhere
    document["content_sha256"] = content_hash(document)
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(document, indent=2))
    result = CliRunner().invoke(cli.main, ["verify", str(moved)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "nowhere/activity.yaml" in result.output and "is not found" in result.output
    assert "--data" in result.output and "--hash-only" in result.output
    assert footprint.verify_declaration(moved, EXAMPLE).ok  # --data still leads to it
    result = CliRunner().invoke(cli.main, ["verify", str(moved), "--hash-only", "--data", str(EXAMPLE)])
    assert result.exit_code == 2 and "takes no --data" in result.output


def test_cli_not_a_declaration_exits_2(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    result = CliRunner().invoke(cli.main, ["verify", str(bad)])
    assert result.exit_code == 2 and "not a footprint declaration" in result.output


# ------------------------------------------------------------------ the comparison itself

def test_tolerance_is_relative_and_library_versions_only_warn(example_declaration):
    recomputed = copy.deepcopy(example_declaration)
    recomputed["results"][0]["value"] *= 1 + 1e-9
    recomputed["provenance"]["libraries"]["numpy"] = "0.0.0"
    outcome = compare(example_declaration, recomputed, tolerance=1e-6)
    assert outcome.ok and [d.item for d in outcome.warnings] == ["provenance.libraries.numpy"]
    assert not compare(example_declaration, recomputed, tolerance=1e-12).ok


def test_noise_near_zero_is_measured_against_the_category_total(example_declaration):
    recomputed = copy.deepcopy(example_declaration)
    recomputed["contributions"][0]["value"] += 1e-12 * abs(
        next(r["value"] for r in recomputed["results"] if r["category"] == recomputed["contributions"][0]["category"]))
    assert compare(example_declaration, recomputed).ok


def test_flatten_keys_lists_by_their_ids():
    paths = dict(flatten({"results": [{"category": "cc", "value": 1.0}], "x": [1, 2]}))
    assert paths == {"results[cc].category": "cc", "results[cc].value": 1.0, "x": [1, 2]}


def test_the_recorded_allocation_is_reused(project, tmp_path):
    document = footprint.declare("ndpr-oxide", EXAMPLE, allocation="mass")
    path = footprint.write_declaration(document, tmp_path / "mass.json")
    outcome = footprint.verify_declaration(path, EXAMPLE)
    assert outcome.allocation == "mass" and outcome.ok


def test_a_part_changed_beyond_noise_is_a_failure(example_declaration):
    """The category-total scale forgives noise near zero, not a real change of a part."""
    recomputed = copy.deepcopy(example_declaration)
    part = recomputed["contributions"][0]
    total = next(r["value"] for r in recomputed["results"] if r["category"] == part["category"])
    part["value"] += 1e-3 * abs(total)
    failed = _failed(compare(example_declaration, recomputed))
    assert any(item.startswith("contributions[") and item.endswith(".value") for item in failed), failed


def test_paths_under_provenance_are_not_compared_but_what_they_point_to_is(example_declaration):
    from footprint.declaration.declaration import content_hash

    def with_supplier(path: str, sha: str) -> dict:
        document = copy.deepcopy(example_declaration)
        document["provenance"]["upstream_declarations"] = [{"id": "urn:uuid:s", "content_sha256": sha,
                                                            "path": path}]
        document["content_sha256"] = content_hash({k: v for k, v in document.items() if k != "content_sha256"})
        return document

    declared = with_supplier("examples/suppliers/s.json", "a" * 64)
    assert compare(declared, with_supplier("/elsewhere/suppliers/s.json", "a" * 64)).ok
    failed = _failed(compare(declared, with_supplier("examples/suppliers/s.json", "b" * 64)))
    assert failed == {"provenance.upstream_declarations[urn:uuid:s].content_sha256"}


def test_an_empty_mapping_and_an_absent_key_differ():
    assert dict(flatten({"a": {}, "b": 1})) == {"a": {}, "b": 1}


@pytest.mark.parametrize("tolerance", ["inf", "1", "0.5", "0.011", "-1e-9", "nan"])
def test_a_tolerance_under_which_verified_means_nothing_is_refused(example_declaration, tmp_path, tolerance):
    """``verify --tolerance inf`` said 'verified' of a climate change value forged 1000-fold and hashed again.

    |a - b| <= tol * max(|a|, |b|) passes a factor 1 / (1 - tol): 0.5 passes a doubled value, 1 any value.
    """
    import copy

    from click.testing import CliRunner

    import cli
    import footprint
    from footprint.declaration.declaration import content_hash
    from conftest import EXAMPLE

    forged = copy.deepcopy(example_declaration)
    forged["results"][0]["value"] *= 1000
    forged["content_sha256"] = content_hash(forged)
    path = footprint.write_declaration(forged, tmp_path / "forged.json")
    result = CliRunner().invoke(cli.main, ["verify", str(path), "--data", str(EXAMPLE), "--tolerance", tolerance])
    assert result.exit_code == 2 and "field '--tolerance': tolerance out of range" in result.output, result.output
    result = CliRunner().invoke(cli.main, ["batch", "verify", str(tmp_path), "--tolerance", tolerance])
    assert result.exit_code == 2 and "tolerance out of range" in result.output
    assert not footprint.verify_declaration(path, EXAMPLE, tolerance=0.01).ok   # the largest allowed still fails it


def test_batch_verify_finds_a_recorded_relative_data_file_where_single_verify_does(project, tmp_path, monkeypatch):
    """A producer declares in its own directory from ``examples/ndpr-oxide/activity-2025.yaml``: outside the
    repository the path is recorded as given, relative to that directory.  The repository has a file at the
    same relative path with other numbers.  Single verify (run there, ``--data`` the recorded path) verifies;
    batch verify tried the repository root first, recomputed from the repository's file and said 'differs'.
    Both must now recompute from the same file and give the same verdict."""
    relative = Path("examples/ndpr-oxide/activity-2025.yaml")
    assert (REPO / relative).is_file()  # the other file with that relative path
    own = tmp_path / "producer" / relative
    own.parent.mkdir(parents=True)
    text = EXAMPLE.read_text()
    assert "{kind: diesel, amount: 611000," in text
    own.write_text(text.replace("{kind: diesel, amount: 611000,", "{kind: diesel, amount: 700000,"))  # more diesel
    monkeypatch.chdir(tmp_path / "producer")
    document = footprint.declare("ndpr-oxide", relative)
    # recorded by its real path now (one name per file, tests/test_batch_identity.py); a declaration made
    # before recorded it as given, relative to the producer's directory: that one must still be found there
    assert document["provenance"]["activity_data"]["path"] == str(own.resolve())
    from footprint.inputs.upstream import content_hash

    document["provenance"]["activity_data"]["path"] = str(relative)
    document["content_sha256"] = content_hash(document)
    (tmp_path / "producer" / "out").mkdir()
    footprint.write_declaration(document, tmp_path / "producer" / "out" / "d.json")

    single = CliRunner().invoke(cli.main, ["verify", "out/d.json", "--data", str(relative)])
    batch = CliRunner().invoke(cli.main, ["batch", "verify", "out"])
    assert single.exit_code == 0 and single.output.rstrip().endswith("verified"), single.output
    assert batch.exit_code == 0 and "1 rows: 1 verified, 0 failed" in batch.output, batch.output
    summary = footprint.batch_verify("out")
    assert summary.outcomes[0].status == "ok", summary.outcomes[0].message


def test_batch_verify_reads_each_declaration_once(declaration_file, monkeypatch):
    """The row's recorded data was found in one read and the file verified from a second one: what was
    verified need not be what was looked at.  Now the parsed document is handed on."""
    from footprint import _json

    reads: list[Path] = []
    load = _json.load

    def counting(path, *args, **kwargs):
        reads.append(Path(path))
        return load(path, *args, **kwargs)

    monkeypatch.setattr(_json, "load", counting)
    summary = footprint.batch_verify(declaration_file.parent)
    assert [o.status for o in summary.outcomes] == ["ok"], summary.outcomes[0].message
    assert reads.count(declaration_file) == 1, reads


def test_a_declaration_made_with_a_rule_file_of_ones_own_verifies_from_that_file(project, tmp_path, monkeypatch):
    """verify without --rule used the shipped rule of the same id: a custom rule file could not verify."""
    monkeypatch.chdir(tmp_path)
    text = RULE.read_text().replace("id: ndpr-oxide\n", "id: ndpr-oxide-own\n", 1)
    assert "id: ndpr-oxide-own" in text
    (tmp_path / "own-rule.yaml").write_text(text)
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text().replace("rule: ndpr-oxide\n", "rule: ndpr-oxide-own\n", 1))
    declared = footprint.write_declaration(footprint.declare(tmp_path / "own-rule.yaml", data), tmp_path / "d.json")
    outcome = footprint.verify_declaration(declared)  # no --data, no --rule: both as recorded
    assert outcome.ok, [(d.item, d.declared, d.recomputed) for d in outcome.failures]
    (tmp_path / "own-rule.yaml").write_text(text.replace("title: ", "title: edited ", 1))
    assert "rule.sha256" in _failed(footprint.verify_declaration(declared))  # an edited rule file fails


def test_verify_recomputes_from_the_declared_file_not_an_edited_copy_found_first(declaration_file, tmp_path,
                                                                                 monkeypatch):
    """The example's data are recorded relative to the repository (examples/ndpr-oxide/activity-2025.yaml).

    A reviewer works in a directory that holds an edited copy at the same relative path.  The lookup
    took the first file that exists (the copy), so verify said NOT VERIFIED about a declaration that is
    right, naming the copy.  With the recorded sha256 the declared file (in the repository) is found.
    A copy alone still fails: its hash is not the recorded one.
    """
    relative = Path("examples/ndpr-oxide/activity-2025.yaml")
    document = json.loads(declaration_file.read_text())
    assert document["provenance"]["activity_data"]["path"] == str(relative)
    copy = tmp_path / "reviewer" / relative
    copy.parent.mkdir(parents=True)
    copy.write_text(EXAMPLE.read_text().replace("{kind: diesel, amount: 611000,", "{kind: diesel, amount: 700000,"))
    monkeypatch.chdir(tmp_path / "reviewer")
    outcome = footprint.verify_declaration(declaration_file)
    assert outcome.ok and outcome.recomputed, _failed(outcome)
    result = CliRunner().invoke(cli.main, ["verify", str(declaration_file)])
    assert result.exit_code == 0 and result.output.rstrip().endswith("verified"), result.output
    # the declared file gone (only the edited copy left): found, recomputed, and not verified
    from footprint.declaration import verify as _verify

    monkeypatch.setattr(_verify, "recorded_candidates", lambda recorded, declaration=None: [Path(recorded)])
    assert not footprint.verify_declaration(declaration_file).ok


def test_an_id_is_compared_exactly_under_the_footprint_version_the_declaration_records(fresh_declaration,
                                                                                      tmp_path):
    """Another declaration's id and any other footprint version, hashed again: the id difference was a
    warning 'the id includes the footprint version, which differs', so verify said verified, exit 0.
    Now the id is recomputed under the recorded version: a forged id fails, while a declaration really
    made by another footprint version (its id made under that version) still verifies with a warning."""
    from footprint.declaration.declaration import content_hash

    def rehashed(document: dict, name: str) -> Path:
        document["content_sha256"] = content_hash({k: v for k, v in document.items() if k != "content_sha256"})
        path = tmp_path / name
        path.write_text(json.dumps(document))
        return path

    forged = copy.deepcopy(fresh_declaration)
    forged["id"] = "urn:uuid:81c099bc-a30b-5c8e-9b0b-1d2e3f405162"  # another producer's declaration, say
    forged["provenance"]["libraries"]["footprint"] = "0.0.9"
    result = CliRunner().invoke(cli.main, ["verify", str(rehashed(forged, "forged.json")), "--data", str(EXAMPLE)])
    assert result.exit_code == 1 and "FAILURE  id" in result.output, result.output

    older = footprint.api._declare("ndpr-oxide", EXAMPLE, id_version="0.0.9")  # as footprint 0.0.9 made it
    older["provenance"]["libraries"]["footprint"] = "0.0.9"
    older["provenance"]["created"] = fresh_declaration["provenance"]["created"]
    outcome = footprint.verify_declaration(rehashed(older, "older.json"), EXAMPLE)
    assert outcome.ok, [(d.item, d.declared, d.recomputed) for d in outcome.failures]
    assert [d.item for d in outcome.warnings] == ["provenance.libraries.footprint"]


def test_a_flag_written_as_a_number_is_a_difference(example_declaration):
    """data_quality.by_process.<p>.most_relevant true written as 1 (the schema leaves it open), hashed again:
    Python's True == 1 made the two agree, verified, exit 0; a flag and a number are different values."""
    declared = copy.deepcopy(example_declaration)
    process = next(iter(declared["data_quality"]["by_process"]))
    flag = declared["data_quality"]["by_process"][process]["most_relevant"]
    assert isinstance(flag, bool)
    declared["data_quality"]["by_process"][process]["most_relevant"] = int(flag)
    from footprint.declaration.declaration import content_hash

    declared["content_sha256"] = content_hash({k: v for k, v in declared.items() if k != "content_sha256"})
    outcome = compare(declared, example_declaration)
    assert [d.item for d in outcome.failures] == [f"data_quality.by_process.{process}.most_relevant"]
    assert f"data_quality.by_process.{process}.most_relevant" in _failed(outcome)
    assert compare(example_declaration, copy.deepcopy(example_declaration)).ok


@pytest.mark.parametrize("created, says", [("2031-06-01T00:00:00Z", "after the moment it is verified"),
                                           ("yesterday", "ISO 8601")])
def test_a_created_time_in_the_future_or_no_date_is_not_verified(declaration_file, tmp_path, created, says):
    """provenance.created is not compared (the recomputation reuses it): a declaration claiming to be made in
    2031, or 'yesterday', hashed again, was verified, exit 0."""
    from footprint.declaration.declaration import content_hash

    document = json.loads(declaration_file.read_text())
    document["provenance"]["created"] = created
    document["content_sha256"] = content_hash({k: v for k, v in document.items() if k != "content_sha256"})
    edited = tmp_path / "created.json"
    edited.write_text(json.dumps(document))
    result = CliRunner().invoke(cli.main, ["verify", str(edited), "--data", str(EXAMPLE)])
    assert result.exit_code == 1 and "provenance.created" in result.output and says in result.output, result.output
    assert CliRunner().invoke(cli.main, ["verify", str(declaration_file), "--data", str(EXAMPLE)]).exit_code == 0


def test_ignored_paths_are_the_items_of_ignored_and_what_lies_under_them():
    """_ignored takes one startswith over prefixes (speed); the rule is the spelled-out one it replaced."""
    from footprint.declaration import verify as _verify

    def spelled_out(path: str) -> bool:
        if path.startswith("provenance") and path.endswith(".path"):
            return True
        return any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in _verify.IGNORED)

    paths = ["content_sha256", "content_sha256x", "content_sha256.a", "signatures", "signatures[0].key",
             "signaturesX", "provenance.created", "provenance.created_by", "provenance.created.x",
             "provenance.rule.path", "provenance.rule.sha256", "results[climate_change].value", "", "id",
             "provenance.activity_data.path", "provenance.pathology"]
    assert [_verify._ignored(p) for p in paths] == [spelled_out(p) for p in paths]
