"""The mapping provenance says which entries were applied to which inputs, and which this product system did not use.

A mapping file is written once for a producer's whole portfolio (or a batch): it names
input kinds (``oxalic-acid``) and footprint datasets (``electricity/DE``) that a given
product system never draws on.  Such an entry maps nothing; a declaration listing it
as applied would tell a reviewer that input came from the imported database.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_background import imported  # noqa: E402,F401  (the sample databases bg-es and bg-jl, imported once)

import footprint  # noqa: E402
from footprint.declaration import declaration  # noqa: E402
from footprint.declaration.declaration import content_hash  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture()
def portfolio_mapping(imported, tmp_path) -> Path:
    """Two entries the NdPr oxide example uses and two it never draws on (a real kind, a real dataset code)."""
    path = tmp_path / "portfolio.yaml"
    path.write_text("""database: bg-jl
map:
  hydrochloric-acid: {name: "acid production, test"}
  oxalic-acid: {name: "acid production, test"}
  electricity/CN-NM: {database: bg-es, name: "electricity production, test", location: CN}
  electricity/DE: {database: bg-es, name: "electricity production, test", location: CN}
""")
    return path


def _mapping(document: dict) -> dict:
    return document["provenance"]["background"]["mapping"]


def test_an_entry_this_product_system_never_uses_is_not_listed_as_applied(portfolio_mapping):
    document = footprint.declare("ndpr-oxide", EXAMPLE, mapping=portfolio_mapping)
    record = _mapping(document)
    assert "entries" not in record  # the older form listed all four as if applied
    assert set(record["applied"]) == {"hydrochloric-acid", "electricity/CN-NM"}
    assert set(record["not_applied"]) == {"oxalic-acid", "electricity/DE"}
    assert record["not_applied"]["oxalic-acid"]["reason"].startswith("no input of this product system of this kind")
    assert record["not_applied"]["electricity/DE"]["reason"] == (
        "no input of this product system uses this footprint dataset")
    # every input an entry was applied to is named, and it is exactly the contributions now drawn from that dataset
    acid = record["applied"]["hydrochloric-acid"]
    assert {i["replaced"] for i in acid["inputs"]} == {"chemical/hydrochloric-acid-30pct"}
    assert sorted(i["process"] for i in acid["inputs"]) == ["leaching", "separation"]  # activity-2025.yaml l.76, 92
    drawn = {(c["process"], c["item"]) for c in document["contributions"]
             if c["category"] == "climate_change" and (c.get("dataset") or "").startswith("bg-jl::")}
    assert drawn == {(i["process"], i["label"]) for i in acid["inputs"]}
    grid = record["applied"]["electricity/CN-NM"]
    assert grid["database"] == "bg-es" and grid["inputs"]
    assert all(i["replaced"] == "electricity/CN-NM" for i in grid["inputs"])
    # the schema holds the two apart: an entry listed as applied must name the inputs it replaced
    jsonschema.validate(document, declaration.schema())
    acid["inputs"] = []
    with pytest.raises(jsonschema.ValidationError, match="non-empty"):
        jsonschema.validate(document, declaration.schema())


def test_a_kind_entry_whose_inputs_a_dataset_code_entry_took_is_not_applied(imported, tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text("""database: bg-es
map:
  electricity: {name: "electricity production, test", location: CN}
  electricity/CN-NM: {name: "electricity production, test", location: CN}
""")
    record = _mapping(footprint.declare("ndpr-oxide", EXAMPLE, mapping=path))
    assert set(record["applied"]) == {"electricity/CN-NM"}
    assert record["not_applied"]["electricity"]["reason"] == (
        "every input of this kind is mapped by a dataset-code entry (electricity/CN-NM)")


def test_verify_reproduces_the_applied_and_unused_entries(portfolio_mapping, tmp_path):
    document = footprint.declare("ndpr-oxide", EXAMPLE, mapping=portfolio_mapping)
    path = tmp_path / "decl.json"
    footprint.write_declaration(document, path)
    outcome = footprint.verify_declaration(path, EXAMPLE)
    assert outcome.ok and not outcome.warnings, [vars(d) for d in outcome.differences][:5]


def test_a_declaration_in_the_older_form_still_verifies_with_a_warning(portfolio_mapping, tmp_path):
    """The form written before: every entry of the file under ``entries``, with the same declaration id."""
    document = footprint.declare("ndpr-oxide", EXAMPLE, mapping=portfolio_mapping)
    record = _mapping(document)
    old = {k: v for k, v in record.items() if k not in ("applied", "not_applied")}
    old["entries"] = {key: {k: entry[k] for k in ("database", "code", "name", "location", "unit")}
                      for key, entry in {**record["applied"], **record["not_applied"]}.items()}
    document["provenance"]["background"]["mapping"] = old
    document["content_sha256"] = content_hash(document)
    jsonschema.validate(document, declaration.schema())  # the older form is still a valid declaration
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document, indent=2))
    outcome = footprint.verify_declaration(path, EXAMPLE)
    assert outcome.ok, [vars(d) for d in outcome.failures][:5]
    assert [d.item for d in outcome.warnings] == ["provenance.background.mapping"]
    assert "not applied to this product system: electricity/DE, oxalic-acid" in outcome.warnings[0].note
    # an entry resolved to another dataset is still a failure in the older form
    old["entries"]["oxalic-acid"]["code"] = "another"
    document["content_sha256"] = content_hash(document)
    path.write_text(json.dumps(document, indent=2))
    failures = footprint.verify_declaration(path, EXAMPLE).failures
    assert [d.item for d in failures] == ["provenance.background.mapping.entries.oxalic-acid.code"]


def test_a_batch_with_one_mapping_for_two_product_systems_writes_what_each_alone_writes(imported, tmp_path):
    """Each row's provenance is its own product system's, as declaring it alone writes it (byte for byte)."""
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    shared = tmp_path / "shared.yaml"  # kind keys must be input kinds of both rules (check_keys, unchanged)
    shared.write_text("""database: bg-es
map:
  electricity/CN-NM: {name: "electricity production, test", location: CN}
  electricity/DE: {name: "electricity production, test", location: CN}
  fuel-oil: {database: bg-jl, name: "acid production, test"}
""")
    metal = REPO / "examples" / "ndpr-metal" / "activity-2025.yaml"
    rows = [{"rule": "ndpr-oxide", "data": str(EXAMPLE), "mapping": str(shared)},
            {"rule": "ndpr-metal", "data": str(metal), "mapping": str(shared)}]
    outcomes = footprint.declare_many(rows, created=created)
    assert [o.status for o in outcomes] == ["ok", "ok"], [o.message for o in outcomes]
    for row, outcome in zip(rows, outcomes):
        alone = footprint.declare(row["rule"], row["data"], mapping=shared, created=created)
        assert outcome.document["content_sha256"] == alone["content_sha256"]
        record = _mapping(outcome.document)
        assert set(record["applied"]) == {"electricity/CN-NM"}
        assert set(record["not_applied"]) == {"electricity/DE", "fuel-oil"}
    grids = [{i["process"] for i in _mapping(o.document)["applied"]["electricity/CN-NM"]["inputs"]} for o in outcomes]
    assert grids == [{"mining", "beneficiation", "roasting", "leaching", "separation"},  # ndpr-oxide data
                     {"electrolysis", "casting"}]  # ndpr-metal data: the cell house and the casting meter
