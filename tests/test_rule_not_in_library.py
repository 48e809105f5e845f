"""The market's gates (register, class assignment, PACT export and publish) hold a declaration to the rules
of the library: a producer's own text under a library rule's id is refused there, a past version is not.

Old code: the library's ndpr-oxide with ``length_months`` removed, saved as 1.1.1 (what the twin refusal of
``declare`` advises for a changed rule), declared its best quarter with exit 0, and ``market add`` placed
that quarter among the annual declarations of ndpr-oxide 1.x, ``classes assign`` gave it a class of the 1.x
scheme and the PACT export wrote it, each with exit 0.
"""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

import footprint
from footprint.export._errors import ExportError
from footprint.inputs.upstream import content_hash, refuse_rule_not_in_library
from footprint.market.classes import ClassSchemeError
from footprint.market.registry import RegistryError, entry_from_declaration

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture(scope="module")
def quarter_under_own_version(project, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("own-version")
    text = (REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    assert "    length_months: 12\n" in text and "\nversion: 1.1.0\n" in text
    rule = folder / "ndpr-oxide-own.yaml"
    rule.write_text(text.replace("    length_months: 12\n", "").replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n"),
                    encoding="utf-8")
    data = folder / "q1.yaml"
    activity = EXAMPLE.read_text(encoding="utf-8")
    assert "period: {start: 2025-01-01, end: 2025-12-31}" in activity
    data.write_text(activity.replace("period: {start: 2025-01-01, end: 2025-12-31}",
                                     "period: {start: 2025-01-01, end: 2025-03-31}"), encoding="utf-8")
    document = footprint.declare(rule, data)  # a rule author's own version declares: it says which it is
    assert document["rule"]["version"] == "1.1.1"
    return footprint.write_declaration(document, folder / "q1.json")


def test_the_register_refuses_a_declaration_under_a_version_the_library_does_not_hold(quarter_under_own_version,
                                                                                     tmp_path):
    with pytest.raises(RegistryError, match=r"rule ndpr-oxide 1\.1\.1 is not a rule of this library, which holds "
                                            r"ndpr-oxide 1\.1\.0") as caught:
        footprint.market_add([quarter_under_own_version], mass_kg=1000, year=2026, register=tmp_path / "r.sqlite")
    assert caught.value.field == "rule.version" and str(quarter_under_own_version) in str(caught.value)
    assert not (tmp_path / "r.sqlite").exists() or footprint.market_rows(register=tmp_path / "r.sqlite") == []


def test_classes_and_the_pact_export_refuse_it_too(quarter_under_own_version, example_scheme, tmp_path):
    with pytest.raises(ClassSchemeError, match="is not a rule of this library"):
        footprint.assign_class(quarter_under_own_version, example_scheme)
    document = footprint.read_declaration(quarter_under_own_version)
    with pytest.raises(ExportError, match="is not a rule of this library"):
        footprint.export_declaration(document, "pact", tmp_path / "q1.pact.json")
    assert not (tmp_path / "q1.pact.json").exists()


def _edited(document: dict, change) -> dict:
    edited = copy.deepcopy(document)
    change(edited)
    edited["content_sha256"] = content_hash(edited)
    return edited


def test_the_librarys_version_with_other_content_is_refused(example_declaration):
    """A document stating ndpr-oxide 1.1.0 whose rule said something else (another tool, or an older
    footprint's copy): its recorded content hash is not the library's."""
    forged = _edited(example_declaration, lambda d: d["provenance"]["rule"].__setitem__("content_sha256", "0" * 64))
    with pytest.raises(RegistryError, match="differs from the library's ndpr-oxide.yaml") as caught:
        entry_from_declaration(forged, mass_kg=1000, year=2026, source="forged.json")
    assert caught.value.field == "provenance.rule.content_sha256"


@pytest.mark.parametrize("rule_id, version", [("ndpr-oxide", "1.0.0"), ("ndpr-oxide", "1.1.0"),
                                               ("someone-elses-rule", "7.0.0")])
def test_past_versions_the_librarys_own_and_other_ids_pass(example_declaration, rule_id, version):
    """A declaration of an earlier version is one of its time; another id is classed under that id alone."""
    document = _edited(example_declaration, lambda d: d["rule"].update(id=rule_id, version=version))
    refuse_rule_not_in_library(document, RegistryError)
    entry = entry_from_declaration(document, mass_kg=1000, year=2026, source="d.json")
    assert (entry.rule_id, entry.rule_version) == (rule_id, version)


def test_a_version_that_is_no_version_number_is_refused(example_declaration):
    document = _edited(example_declaration, lambda d: d["rule"].update(version="latest"))
    with pytest.raises(RegistryError, match="is not a version number"):
        entry_from_declaration(document, mass_kg=1000, year=2026, source="d.json")
