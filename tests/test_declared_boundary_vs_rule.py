"""A declaration's stages and processes are its rule's: every reader compares them where the library holds the rule.

Old code: the example declaration (ndpr-oxide 1.1.0) with its 'separation' process moved to the concentration
stage (its share of every result moved with it), or renamed 'solvent-extraction' everywhere, and re-hashed,
was accepted by ``report`` and ``market add`` with exit 0, as a declaration under the library's rule
(only the declared unit was compared with the rule on read: upstream.refuse_declared_unit_not_rules).
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
from footprint.inputs.upstream import all_results, content_hash
from footprint.market.registry import RegistryError, entry_from_declaration


def _rehashed(document: dict) -> dict:
    document["content_sha256"] = content_hash(document)
    return document


def _moved(document: dict) -> dict:
    """'separation' moved from refining to concentration, its share of every result moved with it."""
    edited = copy.deepcopy(document)
    for process in edited["processes"]:
        if process["id"] == "separation":
            process["stage"] = "concentration"
    for result in all_results(edited):
        share = result["by_process"]["separation"]
        result["by_stage"]["refining"] -= share
        result["by_stage"]["concentration"] += share
    return _rehashed(edited)


def _renamed(document: dict, old: str = "separation", new: str = "solvent-extraction") -> dict:
    """Process ``old`` named ``new`` wherever the declaration names it (provenance aside)."""
    def rename(value):
        if isinstance(value, dict):
            return {(new if key == old else key): rename(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rename(item) for item in value]
        return new if value == old else value

    return _rehashed({key: (value if key == "provenance" else rename(value)) for key, value in document.items()})


def _stage_renamed(document: dict) -> dict:
    edited = copy.deepcopy(document)
    edited["stages"][1]["id"] = "beneficiation-stage"
    return _rehashed(edited)


EDITS = [(_moved, "processes[4].stage", "concentration"), (_renamed, "processes[4].id", "solvent-extraction"),
         (_stage_renamed, "stages", None)]


def _write(document: dict, path: Path) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, field, value", EDITS)
def test_every_reader_refuses_stages_or_processes_other_than_its_rules(example_declaration, tmp_path, edit, field,
                                                                      value):
    edited = _write(edit(example_declaration), tmp_path / "edited.json")
    with pytest.raises(DeclarationError) as caught:
        footprint.read_declaration(edited)  # report, export, market add, classes assign, publish read here
    assert caught.value.field == field and str(edited) in str(caught.value)
    assert value is None or caught.value.value == value
    assert "is not its rule's" in caught.value.message
    with pytest.raises(FootprintError, match="is not its rule's"):
        footprint.market_add([edited], mass_kg=1000, year=2025, register=tmp_path / "r.sqlite")
    assert not (tmp_path / "r.sqlite").exists() or footprint.market_rows(register=tmp_path / "r.sqlite") == []
    with pytest.raises(RegistryError, match="is not its rule's"):  # the gate of documents not read from a file
        entry_from_declaration(edit(example_declaration), mass_kg=1000, year=2025, source="edited.json")


def test_report_refuses_a_moved_process_with_exit_2(example_declaration, tmp_path):
    edited = _write(_moved(example_declaration), tmp_path / "moved.json")
    result = CliRunner().invoke(cli.main, ["report", str(edited), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2, result.output
    assert "field 'processes[4].stage'" in result.stderr and "the stage of 'separation'" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "r.html").exists()


def test_the_declaration_as_written_is_read(example_declaration, tmp_path):
    path = _write(example_declaration, tmp_path / "as-written.json")
    assert footprint.read_declaration(path)["id"] == example_declaration["id"]


def test_a_process_entry_of_another_shape_is_named_not_a_traceback(example_declaration):
    """`processes` entries written as bare ids or with an id that is a list: the comparison called
    ``entry.get("stage")`` on a string (AttributeError) and looked a list up in a dict (TypeError), a
    traceback from any reader that holds the declaration to its rule instead of the field named."""
    from footprint.inputs.rule import load_rule
    from footprint.inputs.upstream import boundary_problem

    rule = load_rule("ndpr-oxide").rule
    as_ids = copy.deepcopy(example_declaration)
    as_ids["processes"] = [entry["id"] for entry in as_ids["processes"]]
    assert boundary_problem(as_ids, rule)[:2] == ("processes[0].stage", None)
    listed = copy.deepcopy(example_declaration)
    listed["processes"][0]["id"] = ["mining"]
    assert boundary_problem(listed, rule)[:2] == ("processes[0].id", ["mining"])
    assert boundary_problem(example_declaration, rule) is None
