"""A sensitivity run (``declare --allocation``) says what it is and is never used as a declaration.

A rule's ``allocation.options`` are for sensitivity runs (rules/README.md).  Before, the document of
``footprint declare ndpr-oxide ... --allocation mass`` (climate change 7.577 kg CO2-Eq/kg, the declaration
under the rule's economic allocation 46.56) carried nothing that said so: ``market add`` registered it
(its value entered the class thresholds), ``classes assign`` classed it and ``export --format pact``
published it as the product's footprint, each with exit 0.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.errors import FootprintError
from footprint.market.registry import Register

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture(scope="module")
def mass_run(project, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sensitivity") / "mass.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "-o", str(path),
                                           "--allocation", "mass"])
    assert result.exit_code == 0, result.output
    assert "note: a sensitivity run under an allocation method" in result.output
    return path


def _invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_the_run_records_which_processes_left_the_rules_method(mass_run):
    document = footprint.read_declaration(mass_run)
    # ndpr-oxide allocates beneficiation and separation economically (rules/ndpr-oxide.yaml, allocation.method)
    assert document["sensitivity"]["allocation"] == "mass"
    assert document["sensitivity"]["processes"] == {
        "beneficiation": {"method": "mass", "rule_method": "economic"},
        "separation": {"method": "mass", "rule_method": "economic"}}
    assert {a["process"]: a["method"] for a in document["allocation"]} == {"beneficiation": "mass",
                                                                           "separation": "mass"}


def test_a_declaration_under_the_rules_own_methods_has_no_such_record(example_declaration):
    assert "sensitivity" not in example_declaration


def test_market_add_refuses_it(mass_run, tmp_path):
    register = tmp_path / "register.sqlite"
    result = _invoke("market", "add", mass_run, "--mass", 1000, "--year", 2026, "--register", register)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "field 'sensitivity'" in result.stderr and "Traceback" not in result.stderr
    assert not register.exists() or Register(register).rows() == []


def test_classes_assign_refuses_it(mass_run, tmp_path, example_declaration):
    from test_classes import ndpr_scheme

    scheme = ndpr_scheme(example_declaration, tmp_path)
    with pytest.raises(FootprintError) as caught:
        footprint.assign_class(mass_run, scheme)  # old code: class A (7.58 below every threshold)
    assert caught.value.field == "sensitivity"
    result = _invoke("classes", "assign", mass_run, "--scheme", scheme, "-o", tmp_path / "classed.json")
    assert result.exit_code == 2 and not (tmp_path / "classed.json").exists()


def test_the_pact_export_refuses_it(mass_run, tmp_path):
    out = tmp_path / "pact.json"
    result = _invoke("export", mass_run, "--format", "pact", "-o", out)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "sensitivity run" in result.stderr and not out.exists()


def test_the_report_says_it_is_a_sensitivity_run(mass_run, tmp_path):
    out = tmp_path / "report.html"
    assert _invoke("report", mass_run, "-o", out).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "Sensitivity run, not a declaration: allocation &#x27;mass&#x27;" in html
    assert "beneficiation: economic, separation: economic" in html


def test_verify_still_recomputes_it(mass_run):
    result = _invoke("verify", mass_run)
    assert result.exit_code == 0 and "verified" in result.output


def test_a_supplier_offering_its_sensitivity_run_is_refused(mass_run, tmp_path):
    """ndpr-metal on the oxide's mass-allocated run: 18.74 instead of 65.51 kg CO2-Eq/kg, exit 0."""
    import shutil

    from footprint.errors import ActivityDataError

    (tmp_path / "ndpr-metal").mkdir()
    (tmp_path / "suppliers").mkdir()
    data = tmp_path / "ndpr-metal" / "activity-2025.yaml"
    shutil.copy(REPO / "examples" / "ndpr-metal" / "activity-2025.yaml", data)
    assert "declaration: ../suppliers/ndpr-oxide-2025.json" in data.read_text(encoding="utf-8")
    shutil.copy(mass_run, tmp_path / "suppliers" / "ndpr-oxide-2025.json")
    with pytest.raises(ActivityDataError, match=r"supplier declaration is a sensitivity run .*allocation 'mass'") \
            as caught:
        footprint.declare("ndpr-metal", data)
    assert caught.value.field.endswith(".declaration")


def test_verify_refuses_a_class_recorded_on_it(mass_run, tmp_path):
    """classes assign refuses the run; a class written on it by hand, the hash recomputed, reached verify's
    reclassing from the recorded thresholds (since removed), which recomputed the same class A and said 'verified', exit 0 (old code)."""
    import json

    from footprint.declaration.declaration import content_hash
    from footprint.inputs.upstream import declared_results
    from footprint.market import classes as _classes

    document = footprint.read_declaration(mass_run)
    result = next(r for r in declared_results(document) if r["category"] == "climate_change")
    scheme = {"scheme_id": "hand", "category": "climate_change", "thresholds": [20.0, 60.0],
              "labels": ["A", "B", "C"], "next_review": "2029-01-01"}
    document = {k: v for k, v in document.items() if k not in ("content_sha256", "signatures")}
    document["performance_class"] = _classes._record(document, result, scheme)  # 7.58 < 20: class A
    assert document["performance_class"]["class"] == "A"
    document["content_sha256"] = content_hash(document)
    classed = tmp_path / "classed-by-hand.json"
    classed.write_text(json.dumps(document), encoding="utf-8")
    result = _invoke("verify", classed, "--data", EXAMPLE)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "field 'sensitivity'" in result.stderr and "sensitivity run" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("error, call", [
    ("RegistryError", lambda d: __import__("footprint.market.registry", fromlist=["x"]).entry_from_declaration(
        d, mass_kg=1000.0, year=2026)),
    ("ExportError", lambda d: __import__("footprint.export.pact", fromlist=["x"]).to_pact(d)),
])
def test_a_sensitivity_record_that_is_no_mapping_is_refused_not_a_traceback(example_declaration, error, call):
    """The register read document['sensitivity'].get(...): a re-hashed 'sensitivity: mass' was an AttributeError
    traceback; one refusal (upstream.refuse_sensitivity_run) now serves the register, the classes and PACT."""
    with pytest.raises(FootprintError) as caught:
        call({**example_declaration, "sensitivity": "mass"})
    assert type(caught.value).__name__ == error and caught.value.field == "sensitivity"


def test_an_allocation_option_equal_to_the_rules_own_method_gives_the_plain_declaration(project, tmp_path,
                                                                                       example_declaration):
    """'--allocation economic' under a rule whose methods are economic moved no process, yet the override went
    into the id: the document could never be verified (verify cannot know a no-op option was given: id
    differs, exit 1).  It is now the plain declaration, same id, and verifies."""
    path = tmp_path / "economic.json"
    result = _invoke("declare", "ndpr-oxide", EXAMPLE, "-o", path, "--allocation", "economic")
    assert result.exit_code == 0, result.output
    document = footprint.read_declaration(path)
    assert {a["method"] for a in document["allocation"]} == {"economic"} and "sensitivity" not in document
    assert document["id"] == example_declaration["id"]
    result = _invoke("verify", path, "--data", EXAMPLE)
    assert result.exit_code == 0, result.output
