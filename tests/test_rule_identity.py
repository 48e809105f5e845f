"""One rule id and version, one rule: a file claiming a library rule's id and version with other content is refused.

Before: a copy of rules/ndpr-oxide.yaml with one price edited (REO concentrate 50 -> 5), given as a path,
declared 32.58 instead of 46.56 kg CO2-Eq/kg as "rule ndpr-oxide 1.0.0", ``verify`` recomputed it with the
same copy and printed "verified", and ``market add`` registered it beside the declarations under the real
rule, all with exit 0.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.errors import RuleError

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndpr-oxide.yaml"
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
PRICE = "REO concentrate: {value: 50,"


def _copy(tmp_path: Path, old: str = "", new: str = "") -> Path:
    text = RULE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "own" / "ndpr-oxide.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace(old, new, 1) if old else text, encoding="utf-8")
    return path


def _invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_a_changed_copy_under_the_librarys_id_and_version_is_refused(project, tmp_path):
    out = tmp_path / "d.json"
    result = _invoke("declare", _copy(tmp_path, PRICE, "REO concentrate: {value: 5,"), EXAMPLE, "-o", out)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert f"says it is rule ndpr-oxide 1.1.0, but the library's {RULE} " in result.stderr  # the whole path
    assert "stages[1].processes[0].allocation.prices.REO concentrate.value" in result.stderr
    assert "a version of its own (e.g. 1.1.1)" in result.stderr and not out.exists()


def test_a_copy_differing_in_layout_comments_prose_or_status_is_the_same_rule(project, tmp_path, example_declaration):
    text = RULE.read_text(encoding="utf-8")
    assert "\nstatus: draft\n" in text and "  product: NdPr oxide\n" in text
    prose = text.replace("# ", "#  ").replace("\nstatus: draft\n", "\nstatus: adopted\n") \
        .replace("price_basis: >-\n", "price_basis: >-\n            (reworded)\n", 1)
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(prose, encoding="utf-8")
    document = footprint.declare(path, EXAMPLE)
    assert document["results"] == example_declaration["results"]


def test_a_changed_copy_under_a_version_of_its_own_is_declared(project, tmp_path):
    path = _copy(tmp_path, PRICE, "REO concentrate: {value: 5,")
    path.write_text(path.read_text(encoding="utf-8").replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n"),
                    encoding="utf-8")
    document = footprint.declare(path, EXAMPLE)
    assert document["rule"]["version"] == "1.1.1"
    climate = next(r["value"] for r in document["results"] if r["category"] == "climate_change")
    assert climate == pytest.approx(32.58, abs=0.01)  # the changed price moves the number, under its own name


def test_verify_refuses_a_declaration_whose_recorded_rule_file_no_longer_is_the_librarys(project, tmp_path):
    """Made with an unchanged copy, then the copy edited: the edited copy, given to verify, is refused.  Without
    --rule, the rule file with the recorded bytes (the library's) is recomputed under, and named: the declaration
    was made from exactly those bytes (tests/test_verify_elsewhere.py)."""
    path = _copy(tmp_path)
    made = footprint.write_declaration(footprint.declare(path, EXAMPLE), tmp_path / "d.json")
    path.write_text(path.read_text(encoding="utf-8").replace(PRICE, "REO concentrate: {value: 5,"), encoding="utf-8")
    result = _invoke("verify", made, "--data", EXAMPLE, "--rule", path)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "verified" not in result.stdout and "says it is rule ndpr-oxide 1.1.0" in result.stderr
    result = _invoke("verify", made, "--data", EXAMPLE, "--fast")
    assert result.exit_code == 0 and f"under rule {RULE} " in result.stdout, (result.exit_code, result.output)


def test_a_batch_row_under_such_a_copy_is_refused_alone(project, tmp_path):
    changed = _copy(tmp_path, PRICE, "REO concentrate: {value: 5,")
    bad, good = footprint.declare_many([(changed, EXAMPLE), ("ndpr-oxide", EXAMPLE)])
    assert bad.status == "error" and "says it is rule ndpr-oxide 1.1.0" in bad.message
    assert good.status == "ok"


def test_library_conflict_is_none_for_the_library_file_itself_and_names_the_first_difference(tmp_path):
    from footprint.inputs import rule

    assert rule.library_conflict(rule.load_rule(RULE)) is None
    problem = rule.library_conflict(rule.load_rule(_copy(tmp_path, PRICE, "REO concentrate: {value: 5,")))
    assert problem is not None and "first at 'stages[1].processes[0].allocation.prices.REO concentrate.value'" in problem


def test_a_copy_beside_another_virgin_declaration_is_refused(project, tmp_path):
    """The same rule text, another Ev: ndfeb-recycled-hpms names its virgin-material declaration by a path
    relative to the rule file (recycled_content.virgin.declaration). A byte-identical copy placed beside Dy
    metal's declaration under that path had the library's sha256, so it was taken as
    "ndfeb-recycled-hpms 1.0.0" with Dy metal's burden as Ev (old code: declared, exit 0)."""
    import yaml

    library = REPO / "rules" / "ndfeb-recycled-hpms.yaml"
    virgin = yaml.safe_load(library.read_text(encoding="utf-8"))["recycled_content"]["virgin"]["declaration"]
    copy = tmp_path / "rules" / library.name
    copy.parent.mkdir()
    copy.write_bytes(library.read_bytes())
    (copy.parent / virgin).parent.mkdir(parents=True, exist_ok=True)
    (copy.parent / virgin).write_bytes((REPO / "examples" / "suppliers" / "dy-metal-2025.json").read_bytes())
    data = REPO / "examples" / "ndfeb-recycled-hpms" / "activity-2025.yaml"
    with pytest.raises(RuleError) as caught:
        footprint.declare(copy, data)
    assert caught.value.field == "version"
    assert "first at 'recycled_content.virgin.declaration'" in str(caught.value)
    assert "(Dy metal)" in str(caught.value) and "the library's declaration" in str(caught.value)
    (copy.parent / virgin).write_bytes((REPO / "examples" / "suppliers" / "ndpr-metal-2025.json").read_bytes())
    assert footprint.declare(copy, data)["rule"]["id"] == "ndfeb-recycled-hpms"  # the same content beside it: fine


def test_a_copy_of_a_version_the_library_withdrew_is_withdrawn_with_it(project, tmp_path, monkeypatch):
    """library_conflict lets 'status' differ (the library withdraws a version in place), and the withdrawal
    was checked on the given file only: a producer's copy taken while ndpr-oxide 1.0.0 was a draft still
    declared under it after the library withdrew it (old code: exit 0)."""
    text = RULE.read_text(encoding="utf-8")
    assert "\nstatus: draft\n" in text
    library = tmp_path / "library"
    library.mkdir()
    (library / RULE.name).write_text(text.replace("\nstatus: draft\n", "\nstatus: withdrawn\n"), encoding="utf-8")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    copy = _copy(tmp_path)  # the draft, byte for byte
    with pytest.raises(RuleError, match=r"rule ndpr-oxide 1\.1\.0 is withdrawn \(the library's ") as caught:
        footprint.declare(copy, EXAMPLE)
    assert caught.value.field == "status" and caught.value.value == "draft"


# --------------------------------------------------------------------------- names that are keys, not prose
# Before: PROSE_KEYS left out every key named like prose wherever it stood, so a process's product.name (the
# key of its co-products, prices and the declared product) and conformity_assessment.module (restated in every
# declaration) were prose: a copy of rules/ndpr-oxide.yaml with another module declared that claim as "rule
# ndpr-oxide 1.1.0" with the library's content_sha256, and verify said verified (exit 0).
MODULE = 'module: "D1 or G (notified body), Decision 768/2008/EC Annex II"'
SELF_DECLARED = 'module: "A (internal production control, no notified body)"'


def test_a_copy_with_another_conformity_assessment_module_is_refused(project, tmp_path):
    out = tmp_path / "d.json"
    result = _invoke("declare", _copy(tmp_path, MODULE, SELF_DECLARED), EXAMPLE, "-o", out)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "says it is rule ndpr-oxide 1.1.0" in result.stderr
    assert "first at 'conformity_assessment.module'" in result.stderr and not out.exists()


def test_verify_refuses_a_declaration_whose_copy_then_changed_its_module(project, tmp_path):
    path = _copy(tmp_path)
    made = footprint.write_declaration(footprint.declare(path, EXAMPLE), tmp_path / "d.json")
    path.write_text(path.read_text(encoding="utf-8").replace(MODULE, SELF_DECLARED), encoding="utf-8")
    result = _invoke("verify", made, "--data", EXAMPLE, "--rule", path)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "verified" not in result.stdout and "first at 'conformity_assessment.module'" in result.stderr


@pytest.mark.parametrize("old, new, where", [
    ("product: {name: run-of-mine ore", "product: {name: NdPr oxide", "stages[0].processes[0].product.name"),
    ("product: {name: rare-earth sulphate", "product: {name: rare-earth chloride solution",
     "stages[2].processes[0].product.name"),
])
def test_a_copy_renaming_a_product_is_another_rule(tmp_path, old, new, where):
    from footprint.inputs import rule

    copy = rule.load_rule(_copy(tmp_path, old, new))
    library = rule.load_rule(RULE)
    assert rule.library_conflict(copy) == (
        f"this file says it is rule ndpr-oxide 1.1.0, but the library's {RULE} of that id and version "
        f"differs from it (first at '{where}')")
    assert rule.content_sha256(copy) != rule.content_sha256(library)


def test_a_copy_renaming_a_process_or_rewording_prose_is_the_same_rule(tmp_path):
    """A process's name is free text (prose): renamed, the rule is the same rule and hashes the same."""
    from footprint.inputs import rule

    copy = rule.load_rule(_copy(tmp_path, "name: Ore mining (open pit), owned haulage and ore storage",
                                "name: Open-pit mining"))
    library = rule.load_rule(RULE)
    assert rule.library_conflict(copy) is None
    assert rule.content_sha256(copy) == rule.content_sha256(library)
    note = rule.load_rule(_copy(tmp_path, "note: draft, following", "note: a draft, following"))
    assert rule.library_conflict(note) is None and rule.content_sha256(note) == rule.content_sha256(library)


@pytest.mark.parametrize("supplier", sorted((REPO / "examples" / "suppliers").glob("*.json")), ids=lambda p: p.name)
def test_declarations_made_before_record_the_earlier_hash_and_still_pass(project, supplier):
    """The shipped suppliers' declarations were made before product names and the module counted: they record
    content_sha256(earlier=True) of the library's unchanged rule, which the readers take as they took it."""
    import json

    from footprint.inputs import rule, upstream

    document = json.loads(supplier.read_text(encoding="utf-8"))
    rule_id, version = document["rule"]["id"], document["rule"]["version"]
    library = rule.library_rule(rule_id)
    assert library.rule.version == version
    recorded = document["provenance"]["rule"]["content_sha256"]
    assert recorded == rule.content_sha256(library, earlier=True) != rule.content_sha256(library)
    assert rule.recorded_content_agrees(recorded, library, document) is None
    assert upstream.rule_check(upstream.read(supplier)) is None  # the library's very file: nothing to say
    upstream.refuse_rule_not_in_library(document, RuleError)  # the market's gate lets it in


def test_verify_takes_the_earlier_hash_of_a_declaration_made_before_as_a_warning(project):
    """The shipped NdPr-oxide supplier declaration records the earlier rule hash: recomputed, the same rule file
    hashes otherwise, which failed verify (NOT VERIFIED, exit 1) while every number and the rule file's bytes
    agreed; now a warning names the earlier hash and the rule file's sha256 decides."""
    result = _invoke("verify", REPO / "examples" / "suppliers" / "ndpr-oxide-2025.json")
    assert result.exit_code == 0, (result.exit_code, result.output)
    assert "provenance.rule.content_sha256" in result.output and "earlier hash" in result.output
