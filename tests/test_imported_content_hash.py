"""What an imported database holds is recorded and compared exactly, as a built-in dataset's content is.

Old code: a declaration recorded an imported database's source sha256 as its import metadata states it, and
nothing held the datasets to it.  The acid dataset imported, edited (0.1 -> 0.102 kg CO2 per kg) with its
metadata still naming the clean source, declared 44.886 instead of 44.877 kg CO2-Eq/kg; ``verify --tolerance
0.01`` on a machine holding the clean import said verified, exit 0.  A built-in dataset so edited fails on
``provenance.inventories.used_sha256`` whatever the tolerance.  Now ``provenance.background.imported[]``
records ``content_sha256`` (footprint.data.imports.content_sha256), compared exactly.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import importdata  # noqa: E402

import footprint  # noqa: E402
from footprint.data import imports  # noqa: E402
from footprint.data.project import update_snapshot  # noqa: E402
from footprint.inputs.upstream import content_hash  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
NAME = "bg-content"


def _import(path: Path, co2: float) -> Path:
    source = importdata.excel_acid(path, NAME, reference=1, co2=co2)
    imports.import_database(source, "excel", NAME, replace=True)
    return source


def _mapping(tmp_path: Path) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(f'database: {NAME}\nmap:\n  hydrochloric-acid: {{name: "acid production"}}\n', encoding="utf-8")
    return path


def _forge_source_hash(sha256: str) -> None:
    """The import metadata made to name another source (what an edit after import leaves standing)."""
    def write(bd) -> None:
        bd.databases[NAME][imports.METADATA_KEY]["sha256"] = sha256
        bd.databases.flush()

    update_snapshot(write, reason="test: metadata naming another source")


def _imported(document: dict) -> dict:
    (record,) = document["provenance"]["background"]["imported"]
    return record


def test_an_edited_imported_dataset_does_not_verify_against_the_clean_import(project, tmp_path):
    mapping = _mapping(tmp_path)
    clean = _import(tmp_path / "clean.xlsx", 0.1)
    honest = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    _import(tmp_path / "edited.xlsx", 0.102)
    _forge_source_hash(imports.source_sha256(clean))
    forged = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    assert _imported(forged)["sha256"] == _imported(honest)["sha256"]  # the metadata's word
    assert _imported(forged)["content_sha256"] != _imported(honest)["content_sha256"]  # the datasets' content
    path = footprint.write_declaration(forged, tmp_path / "forged.json")
    imports.import_database(clean, "excel", NAME, replace=True)  # the reviewer's machine: the clean source
    outcome = footprint.verify_declaration(path, EXAMPLE, tolerance=0.01, mapping=mapping)
    assert not outcome.ok  # old code: ok, exit 0 (every number within 1 %)
    assert [d.item for d in outcome.failures] == ["provenance.background.imported[0].content_sha256"]


def test_the_same_source_imported_again_holds_the_same_content_and_verifies(project, tmp_path):
    mapping = _mapping(tmp_path)
    source = _import(tmp_path / "first.xlsx", 0.1)
    made = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    first = _imported(made)["content_sha256"]
    assert len(first) == 64
    _import(tmp_path / "second.xlsx", 0.1)  # another file (an xlsx carries its save time), the same datasets
    assert imports.database_info(NAME)["content_sha256"] == first
    imports.import_database(source, "excel", NAME, replace=True)  # the source the declaration names
    path = footprint.write_declaration(made, tmp_path / "made.json")
    outcome = footprint.verify_declaration(path, EXAMPLE, mapping=mapping)
    assert outcome.ok, outcome.failures
    # a declaration made before the content hash was recorded: its absence is a warning, its id unchanged
    older = json.loads(path.read_text(encoding="utf-8"))
    del older["provenance"]["background"]["imported"][0]["content_sha256"]
    older["content_sha256"] = content_hash(older)
    (tmp_path / "older.json").write_text(json.dumps(older), encoding="utf-8")
    outcome = footprint.verify_declaration(tmp_path / "older.json", EXAMPLE, mapping=mapping)
    assert outcome.ok, outcome.failures
    assert "provenance.background.imported[0].content_sha256" in [d.item for d in outcome.warnings]


def test_the_content_hash_is_taken_when_the_snapshot_is_built_not_per_process(project, tmp_path, monkeypatch):
    """Taken per process, a declaration against a 100,000-process import hashed every dataset and exchange first
    (38 s measured) in every new process: every `declare --mapping` from the command line. The snapshot's
    manifest records it when the import is built; a declaration reads it from there."""
    _import(tmp_path / "built.xlsx", 0.1)
    recorded = imports.database_info(NAME)["content_sha256"]

    def read_again(name: str) -> str:
        raise AssertionError(f"the content of {name} was hashed again by a declaration")

    monkeypatch.setattr(imports, "content_sha256", read_again)
    made = footprint.declare("ndpr-oxide", EXAMPLE, mapping=_mapping(tmp_path))
    assert _imported(made)["content_sha256"] == recorded
