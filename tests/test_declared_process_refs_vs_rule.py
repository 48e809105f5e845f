"""Every process id a declaration names is its rule's, not only those under ``processes`` and in the results.

Old code: the example declaration (ndpr-oxide 1.1.0) with its separation contribution rows moved to a
'solvent-extraction' the rule does not have (or to another stage), the DQR per process, the bill of materials
or the cut-off's exclusions renamed so, a process's Annex V points or ``company_specific`` edited, re-hashed,
was read by ``report``, ``export --format pact`` and ``market add`` with exit 0 (only verify's recomputation
told), and a supplier's declaration so edited was used by ``declare``: upstream.boundary_problem compared
stages, ``processes`` and the results' keys only.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.errors import DeclarationError, FootprintError
from footprint.inputs.upstream import content_hash
from footprint.market.registry import RegistryError, entry_from_declaration

REPO = Path(__file__).resolve().parents[1]
STRAY = "solvent-extraction"


def _rehashed(document: dict) -> dict:
    document["content_sha256"] = content_hash(document)
    return document


def _contribution_renamed(document: dict) -> dict:
    for row in document["contributions"]:
        if row["process"] == "separation":
            row["process"] = STRAY
    return document


def _contribution_restaged(document: dict) -> dict:
    for row in document["contributions"]:
        if row["process"] == "separation":
            row["stage"] = "concentration"
    return document


def _quality_renamed(document: dict) -> dict:
    by_process = document["data_quality"]["by_process"]
    by_process[STRAY] = by_process.pop("separation")
    return document


def _materials_renamed(document: dict) -> dict:
    for item in document["bill_of_materials"]["inputs"]:
        item["processes"] = [STRAY if pid == "separation" else pid for pid in item["processes"]]
    return document


def _emission_renamed(document: dict) -> dict:
    for item in document["bill_of_materials"]["direct_emissions"]:
        if item["process"] == "separation":
            item["process"] = STRAY
    return document


def _exclusion_renamed(document: dict) -> dict:
    for item in document["cut_off"]["excluded"]:
        item["process"] = STRAY
    return document


def _annex_v_edited(document: dict) -> dict:
    document["processes"][4]["annex_v"] = ["4(z)"]
    return document


def _primary_data_made_optional(document: dict) -> dict:
    document["processes"][0]["company_specific"] = False
    return document


EDITS = [(_contribution_renamed, "contributions[", STRAY),
         (_contribution_restaged, "contributions[", "concentration"),
         (_quality_renamed, "data_quality.by_process.solvent-extraction", STRAY),
         (_materials_renamed, "bill_of_materials.inputs[", STRAY),
         (_emission_renamed, "bill_of_materials.direct_emissions[", STRAY),
         (_exclusion_renamed, "cut_off.excluded[0].process", STRAY),
         (_annex_v_edited, "processes[4].annex_v", ["4(z)"]),
         (_primary_data_made_optional, "processes[0].company_specific", False)]


def _edited(document: dict, edit) -> dict:
    return _rehashed(edit(copy.deepcopy(document)))


def _write(document: dict, path: Path) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, field, value", EDITS, ids=[edit.__name__ for edit, _f, _v in EDITS])
def test_every_reader_refuses_a_process_id_or_label_other_than_its_rules(example_declaration, tmp_path, edit, field,
                                                                        value):
    edited = _write(_edited(example_declaration, edit), tmp_path / "edited.json")
    with pytest.raises(DeclarationError) as caught:
        footprint.read_declaration(edited)  # report, export, classes assign, publish read here
    assert caught.value.field.startswith(field) and caught.value.value == value
    assert "is not its rule's" in caught.value.message and str(edited) in str(caught.value)
    with pytest.raises(FootprintError, match="is not its rule's"):
        footprint.market_add([edited], mass_kg=1000, year=2025, register=tmp_path / "r.sqlite")
    with pytest.raises(RegistryError, match="is not its rule's"):  # the gate of documents not read from a file
        entry_from_declaration(_edited(example_declaration, edit), mass_kg=1000, year=2025, source="edited.json")


def test_report_and_pact_refuse_contribution_rows_of_a_process_the_rule_does_not_have(example_declaration,
                                                                                      tmp_path):
    """Old code: both exit 0, the contribution table and the PACT record showing 'solvent-extraction'."""
    edited = _write(_edited(example_declaration, _contribution_renamed), tmp_path / "edited.json")
    report = CliRunner().invoke(cli.main, ["report", str(edited), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 2, report.output
    assert ".process'" in report.stderr and "'solvent-extraction'" in report.stderr
    assert "mining, beneficiation, roasting, leaching, separation" in report.stderr
    assert "Traceback" not in report.output and not (tmp_path / "r.html").exists()
    pact = CliRunner().invoke(cli.main, ["export", str(edited), "--format", "pact", "-o", str(tmp_path / "p.json")])
    assert pact.exit_code == 2, pact.output
    assert "is not its rule's" in pact.stderr and not (tmp_path / "p.json").exists()


def test_a_suppliers_declaration_naming_a_process_its_rule_does_not_have_is_refused(example_declaration, tmp_path):
    """Old code: declared with exit 0 from a supplier's declaration whose contribution rows were re-labelled."""
    suppliers = tmp_path / "suppliers"
    suppliers.mkdir()
    _write(_edited(example_declaration, _contribution_renamed), suppliers / "ndpr-oxide-2025.json")
    (tmp_path / "ndpr-metal").mkdir()
    activity = tmp_path / "ndpr-metal" / "activity-2025.yaml"
    activity.write_text((REPO / "examples" / "ndpr-metal" / "activity-2025.yaml").read_text(encoding="utf-8"),
                        encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-metal", str(activity), "-o", str(tmp_path / "d.json")])
    assert result.exit_code == 2, result.output
    assert "contributions[" in result.stderr and "'solvent-extraction'" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "d.json").exists()


def test_the_example_and_the_shipped_suppliers_read_as_before(example_declaration, tmp_path):
    footprint.read_declaration(_write(example_declaration, tmp_path / "as-written.json"))
    for supplier in sorted((REPO / "examples" / "suppliers").glob("*.json")):
        footprint.read_declaration(supplier)


def test_an_overriding_library_that_renamed_the_process_does_not_make_the_renamed_declaration_read(
        example_declaration, tmp_path, monkeypatch):
    """Old code: report exit 0 under FOOTPRINT_RULES naming a library whose ndpr-oxide 1.1.0 renamed 'separation'
    (declare refuses that file as not footprint's own rule; the readers compared with it, or with nothing)."""
    text = (REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    assert text.count("\n      - id: separation\n") == 1 and text.count("\nreference_process: separation\n") == 1
    library = tmp_path / "their-rules"
    library.mkdir()
    (library / "ndpr-oxide.yaml").write_text(
        text.replace("\n      - id: separation\n", f"\n      - id: {STRAY}\n")
        .replace("\nreference_process: separation\n", f"\nreference_process: {STRAY}\n"), encoding="utf-8")

    def rename(value):
        if isinstance(value, dict):
            return {(STRAY if key == "separation" else key): rename(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rename(item) for item in value]
        return STRAY if value == "separation" else value

    renamed = _rehashed({key: (value if key == "provenance" else rename(value))
                         for key, value in copy.deepcopy(example_declaration).items()})
    edited = _write(renamed, tmp_path / "renamed.json")
    genuine = _write(example_declaration, tmp_path / "genuine.json")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    report = CliRunner().invoke(cli.main, ["report", str(edited), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 2, report.output
    assert "field 'processes[4].id'" in report.stderr and "'solvent-extraction'" in report.stderr
    assert footprint.read_declaration(genuine)["id"] == example_declaration["id"]  # footprint's own rule's


def test_a_suppliers_boundary_is_checked_once_per_content_and_an_edited_copy_still_refused(example_declaration,
                                                                                          tmp_path, monkeypatch):
    """The check of a supplier's declaration against its rule is kept per (content_sha256, rule file sha256): a
    batch reads one supplier for every row (it cost 8 % of a batch of the examples).  The genuine declaration,
    read first and kept, must not let an edited and re-hashed copy of it through: its content hash differs."""
    from footprint.inputs import upstream

    calls: list[str] = []
    real = upstream.boundary_problem
    monkeypatch.setattr(upstream, "boundary_problem", lambda document, rule: calls.append(document["content_sha256"])
                        or real(document, rule))
    monkeypatch.setattr(upstream, "_SUPPLIER_BOUNDARIES", {})
    (tmp_path / "genuine").mkdir()
    (tmp_path / "edited").mkdir()
    genuine = _write(example_declaration, tmp_path / "genuine" / "ndpr-oxide-2025.json")
    edited = _write(_edited(example_declaration, _contribution_renamed), tmp_path / "edited" / "ndpr-oxide-2025.json")
    for _ in range(3):
        upstream.rule_check(upstream.read(genuine))
    assert calls == [example_declaration["content_sha256"]]  # checked once, then kept
    with pytest.raises(FootprintError, match="is not its rule's"):
        upstream.rule_check(upstream.read(edited))
    with pytest.raises(FootprintError, match="is not its rule's"):  # a refusal is kept as a refusal
        upstream.rule_check(upstream.read(edited))
    assert len(calls) == 2
