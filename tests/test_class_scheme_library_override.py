"""The classes of a rule id footprint ships follow footprint's own rule, whatever FOOTPRINT_RULES holds.

Old code: a copy of rules/ndpr-oxide.yaml with ``review_years: 10`` and ``trigger_basis: count`` in a directory
named by FOOTPRINT_RULES derived the ndpr-oxide scheme from the example register with next review 2035 and the
rescaling trigger on counts, exit 0; an overriding library without ndpr-oxide derived it under the built-in
defaults (no head-room, other thresholds).  ``classes derive`` and ``revise`` read the class-scheme parameters
of the library's rule unchecked, where a declaration's rule is held to footprint's own (rule.library_counterparts).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndpr-oxide.yaml"


@pytest.fixture()
def register(tmp_path) -> Path:
    path = tmp_path / "register.sqlite"
    footprint.market_import(REPO / "examples" / "market" / "register.csv", register=path)
    return path


def _derive(register: Path, out: Path) -> object:
    return CliRunner().invoke(cli.main, ["classes", "derive", "--rule", "ndpr-oxide", "--window", "2023-2025",
                                         "--register", str(register), "-o", str(out), "--date", "2026-01-15"])


def _library(tmp_path: Path, old: str = "", new: str = "") -> Path:
    library = tmp_path / "their-rules"
    library.mkdir()
    if old:
        text = RULE.read_text(encoding="utf-8")
        assert old in text
        (library / RULE.name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return library


def test_an_overriding_librarys_class_scheme_for_a_shipped_rule_id_is_refused(register, tmp_path, monkeypatch):
    """Old code: exit 0, review_years 10 and trigger_basis 'count' in the scheme of ndpr-oxide."""
    monkeypatch.setenv("FOOTPRINT_RULES", str(_library(tmp_path, "  review_years: 3", "  review_years: 10")))
    out = tmp_path / "scheme.json"
    result = _derive(register, out)
    assert result.exit_code == 2, result.output
    assert "field 'class_scheme.review_years'" in result.stderr and "(found: 10)" in result.stderr
    assert "expected 3" in result.stderr and str(RULE) in result.stderr and "FOOTPRINT_RULES" in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_an_overriding_library_without_the_id_derives_as_footprints_own_rule(register, tmp_path, monkeypatch):
    """Old code: the built-in defaults (head-room off), so other thresholds than footprint's own rule gives."""
    ours = tmp_path / "ours.json"
    assert _derive(register, ours).exit_code == 0
    monkeypatch.setenv("FOOTPRINT_RULES", str(_library(tmp_path)))
    theirs = tmp_path / "theirs.json"
    result = _derive(register, theirs)
    assert result.exit_code == 0, result.output
    assert json.loads(theirs.read_text()) == json.loads(ours.read_text())


def test_an_overriding_library_with_footprints_own_rule_derives_as_before(register, tmp_path, monkeypatch):
    ours = tmp_path / "ours.json"
    assert _derive(register, ours).exit_code == 0
    monkeypatch.setenv("FOOTPRINT_RULES", str(_library(tmp_path, "title:", "title:")))  # the same text
    theirs = tmp_path / "theirs.json"
    assert _derive(register, theirs).exit_code == 0
    assert json.loads(theirs.read_text()) == json.loads(ours.read_text())
