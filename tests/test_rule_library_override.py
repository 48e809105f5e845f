"""FOOTPRINT_RULES replaces the rule library on one machine; it does not make another rule footprint's own.

Before: a copy of rules/ndpr-oxide.yaml with one price edited (REO concentrate 50 -> 5), put in a directory
named by FOOTPRINT_RULES, declared 32.58 instead of 46.56 kg CO2-Eq/kg as "rule ndpr-oxide 1.1.0" and
``verify`` on that machine said verified, exit 0: the overriding library's file was its own library twin,
so nothing compared it, and nothing in the declaration says the library was another.  Now a rule of an
overriding library is held to footprint's own rule of its id (footprint.inputs.rule.library_counterparts):
same id and version, same content (prose aside), and no version footprint has moved past.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint import api as _api
from footprint.errors import RuleError

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndpr-oxide.yaml"
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
PRICE = "REO concentrate: {value: 50,"


def _library(tmp_path: Path, old: str = "", new: str = "", name: str = "ndpr-oxide.yaml") -> Path:
    """A rule library of one file: rules/ndpr-oxide.yaml with ``old`` replaced by ``new``."""
    text = RULE.read_text(encoding="utf-8")
    assert old in text
    library = tmp_path / "their-rules"
    library.mkdir(exist_ok=True)
    (library / name).write_text(text.replace(old, new, 1) if old else text, encoding="utf-8")
    return library


def _invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_an_overriding_library_with_a_changed_rule_under_footprints_id_and_version_is_refused(
        project, tmp_path, monkeypatch):
    """Old code: exit 0, climate change 32.58 declared as 'rule ndpr-oxide 1.1.0' (the library's gives 46.56)."""
    library = _library(tmp_path, PRICE, "REO concentrate: {value: 5,")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    out = tmp_path / "d.json"
    result = _invoke("declare", "ndpr-oxide", EXAMPLE, "-o", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not out.exists()
    assert "field 'version'" in result.stderr and "REO concentrate.value" in result.stderr
    assert str(RULE) in result.stderr and "FOOTPRINT_RULES" in result.stderr
    with pytest.raises(RuleError, match="footprint's own library") as caught:
        footprint.declare(library / "ndpr-oxide.yaml", EXAMPLE)  # the same file given as a path
    assert caught.value.field == "version"


def test_a_declaration_made_under_such_a_library_does_not_verify_there(project, example_declaration, tmp_path,
                                                                       monkeypatch):
    """Old code: verify recomputed it with the overriding library's file and said verified, exit 0."""
    library = _library(tmp_path, PRICE, "REO concentrate: {value: 5,")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    with pytest.raises(RuleError, match="footprint's own library"):
        _api._declare(library / "ndpr-oxide.yaml", EXAMPLE, withdrawn_ok=True)  # verify's recomputation


def test_an_overriding_library_holding_a_version_footprint_moved_past_makes_no_new_declaration(
        project, tmp_path, monkeypatch):
    """Old code: ndpr-oxide 1.0.0 in FOOTPRINT_RULES declared under 1.0.0 although footprint holds 1.1.0 (a copy
    of 1.0.0 given as a path was refused as superseded)."""
    library = _library(tmp_path, "\nversion: 1.1.0\n", "\nversion: 1.0.0\n")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    with pytest.raises(RuleError, match=r"superseded by the library's ndpr-oxide 1\.1\.0") as caught:
        footprint.declare("ndpr-oxide", EXAMPLE)
    assert caught.value.field == "version" and caught.value.value == "1.0.0"


def test_an_overriding_library_with_footprints_rule_or_a_rule_of_its_own_declares_as_before(
        project, example_declaration, tmp_path, monkeypatch):
    """What FOOTPRINT_RULES is for stays: footprint's rule with a mended wording, and rules of ids footprint
    does not ship."""
    library = _library(tmp_path, "description:", "description: (our wording)")
    _library(tmp_path, "\nid: ndpr-oxide\n", "\nid: ndpr-oxide-own\n", name="ndpr-oxide-own.yaml")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    made = footprint.declare("ndpr-oxide", EXAMPLE)
    assert made["results"] == example_declaration["results"]
    data = tmp_path / "activity.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "\nrule: ndpr-oxide\n" in text
    data.write_text(text.replace("\nrule: ndpr-oxide\n", "\nrule: ndpr-oxide-own\n"), encoding="utf-8")
    own = footprint.declare("ndpr-oxide-own", data)
    assert own["rule"]["id"] == "ndpr-oxide-own"
    assert json.dumps(own["results"]) == json.dumps(example_declaration["results"])
