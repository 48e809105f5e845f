"""Every PACT record footprint writes or publishes keeps the stored v3 schema, or is refused.

WBCSD's conformance cases #3-#5 check each ProductFootprint a host returns against the v3 schema.
Before footprint/export/pact_schema.py nothing checked the whole record: one that broke a v3 rule was
exported and published with exit 0 (and served with 200).  These tests show (1) every shipped example
that exports keeps the rules, (2) each kind of rule (type, required, enum, pattern, minItems,
additionalProperties, at most one geography) is refused by the check, and (3) a broken record that
reaches ``footprint export --format pact`` or ``footprint publish`` is refused end to end (exit 2,
nothing written, nothing stored).  The record builder is monkeypatched for (3); Brightway never is.
"""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

import footprint
from footprint.errors import FootprintError
from footprint.export import ExportError, to_pact
from footprint.export import pact as pact_module
from footprint.export.pact_schema import check_record, problems

REPO = Path(__file__).resolve().parents[1]
#: refused when declared (a declared category has no data): README, "coverage"; they never reach an export
REFUSED_FOR_COVERAGE = {"copper-cathode-sxew", "lithium-carbonate-spodumene", "ndfeb-recycled-hydromet"}
EXAMPLES = sorted((rule.stem, example) for rule in (REPO / "rules").glob("*.yaml")
                  for example in (REPO / "examples" / rule.stem).glob("*.yaml"))
SUPPLIERS = sorted((REPO / "examples" / "suppliers").glob("*.json"))


@pytest.mark.parametrize("rule, example", EXAMPLES, ids=[f"{r}--{e.stem}" for r, e in EXAMPLES])
def test_every_shipped_example_exports_a_record_that_keeps_the_v3_schema(project, rule, example):
    if rule in REFUSED_FOR_COVERAGE:
        with pytest.raises(FootprintError, match="coverage none"):
            footprint.declare(rule, example)
        return
    record = to_pact(footprint.declare(rule, example))  # to_pact itself refuses a record that breaks a rule
    assert [e.message for e in problems(record)] == []


@pytest.mark.parametrize("supplier", SUPPLIERS, ids=[p.stem for p in SUPPLIERS])
def test_every_shipped_supplier_declaration_exports_a_record_that_keeps_the_v3_schema(project, supplier):
    record = to_pact(json.loads(supplier.read_text(encoding="utf-8")))
    assert [e.message for e in problems(record)] == []


# ----------------------------------------------------------------------------- each kind of rule

def _set(record: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record[part]
    record[last] = value


def _drop(record: dict, path: str) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record[part]
    del record[last]


#: (what is broken, how, the field path the refusal must name, a word of what the schema expects)
BROKEN = [
    ("type: a number where a decimal string is required",
     lambda r: _set(r, "pcf.pcfExcludingBiogenicUptake", 44.6), "pact.pcf.pcfExcludingBiogenicUptake", "type"),
    ("type: a boolean as a string", lambda r: _set(r, "pcf.packagingEmissionsIncluded", "false"),
     "pact.pcf.packagingEmissionsIncluded", "boolean"),
    ("required: the fossil emissions missing", lambda r: _drop(r, "pcf.fossilGhgEmissions"),
     "pact.pcf", "fossilGhgEmissions"),
    ("required: the company ids missing", lambda r: _drop(r, "companyIds"), "pact.(the record)", "companyIds"),
    ("enum: a status PACT does not know", lambda r: _set(r, "status", "Draft"), "pact.status", "enum"),
    ("enum: a unit written as a symbol", lambda r: _set(r, "pcf.declaredUnitOfMeasurement", "kg"),
     "pact.pcf.declaredUnitOfMeasurement", "enum"),
    ("pattern: a decimal with an exponent", lambda r: _set(r, "pcf.fossilGhgEmissions", "1e-05"),
     "pact.pcf.fossilGhgEmissions", "pattern"),
    ("pattern: a negative fossil emission", lambda r: _set(r, "pcf.fossilGhgEmissions", "-1"),
     "pact.pcf.fossilGhgEmissions", "pattern"),
    ("pattern: a country name for ISO 3166-1", lambda r: _set(r, "pcf", {**_geoless(r["pcf"]),
                                                                       "geographyCountry": "Germany"}),
     "pact.pcf.geographyCountry", "pattern"),
    ("pattern: an id that is no UUID", lambda r: _set(r, "id", "decl-1"), "pact.id", "pattern"),
    ("pattern: a DQR of 6", lambda r: _set(r, "pcf.dqi.temporalDQR", "6"), "pact.pcf.dqi.temporalDQR", "pattern"),
    ("minItems: no company id", lambda r: _set(r, "companyIds", []), "pact.companyIds", "minItems"),
    ("additionalProperties: a misspelt pcf field", lambda r: _set(r, "pcf.pcfExcludingBiogenicUptak", "1"),
     "pact.pcf", "pcfExcludingBiogenicUptak"),
    ("additionalProperties: a v2 field at the top", lambda r: _set(r, "version", 1), "pact.(the record)",
     "version"),
    ("not: two geography fields", lambda r: _set(r, "pcf", {**_geoless(r["pcf"]), "geographyCountry": "DE",
                                                           "geographyCountrySubdivision": "DE-BY"}),
     "pact.pcf", "not"),
]


def _geoless(pcf: dict) -> dict:
    return {k: v for k, v in pcf.items() if not k.startswith("geography")}


@pytest.fixture(scope="module")
def good_record(example_declaration) -> dict:
    return to_pact(example_declaration)


@pytest.mark.parametrize("what, breaks, field, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_the_check_refuses_a_record_that_breaks_a_v3_rule(good_record, example_declaration, what, breaks, field,
                                                          expected):
    record = copy.deepcopy(good_record)
    breaks(record)
    with pytest.raises(ExportError) as refused:
        check_record(record, example_declaration["id"])
    error = refused.value
    assert error.field == field, what
    assert expected in (error.expected or "") + error.message, what
    assert example_declaration["id"] in error.message and "not written or published" in error.message


def test_the_check_costs_a_few_milliseconds_per_record(good_record, example_declaration):
    check_record(good_record, "warm-up")  # the validator is built once per process
    start = time.perf_counter()
    for _ in range(20):
        check_record(good_record, example_declaration["id"])
    per_record = (time.perf_counter() - start) / 20
    assert per_record < 0.02, f"{per_record * 1000:.2f} ms per record"  # measured about 1.5 ms; a loaded CI box


# ----------------------------------------------------------------------------- end to end

@pytest.fixture()
def broken_builder(monkeypatch, good_record):
    """The export's record builder returning a record with a number where PACT wants a decimal string."""
    record = copy.deepcopy(good_record)
    record["pcf"]["pcfExcludingBiogenicUptake"] = 44.6
    monkeypatch.setattr(pact_module, "build_record", lambda document: copy.deepcopy(record))


def _invoke(*args):
    from click.testing import CliRunner

    from cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_export_refuses_a_record_that_breaks_the_schema_and_writes_nothing(example_declaration, tmp_path,
                                                                             broken_builder):
    path = tmp_path / "decl.json"
    path.write_text(json.dumps(example_declaration), encoding="utf-8")
    target = tmp_path / "pf.json"
    result = _invoke("export", path, "--format", "pact", "-o", target)
    assert result.exit_code == 2, result.output
    assert "pcf.pcfExcludingBiogenicUptake" in result.output and example_declaration["id"] in result.output
    assert "'string'" in result.output and "Traceback" not in result.output
    assert not target.exists() and list(tmp_path.iterdir()) == [path]


def test_cli_publish_refuses_a_record_that_breaks_the_schema_and_stores_nothing(example_declaration, tmp_path,
                                                                              broken_builder):
    from footprint.server.store import Store

    database = str(tmp_path / "host.sqlite")
    Store(database).prepare()
    path = tmp_path / "decl.json"
    path.write_text(json.dumps(example_declaration), encoding="utf-8")
    result = _invoke("publish", path, "--public", "--db", database)
    assert result.exit_code == 2, result.output
    assert "pcf.pcfExcludingBiogenicUptake" in result.output and "Traceback" not in result.output
    assert Store(database).public_rows() == []
