"""A batch row gives the very declaration `footprint declare` gives for the same inputs (issue 14).

tests/test_batch.py compares the shipped examples, whose files lie inside the repository (recorded
relative to it).  These tests put a producer's files elsewhere, spell their paths in other ways and
run from other directories: the content hash must not depend on the route taken.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_background import imported  # noqa: E402,F401  (the sample databases bg-es and bg-jl, imported once)

import footprint  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


@pytest.fixture()
def producer(tmp_path) -> Path:
    """A producer's directory outside the repository: activity data (with a supplier's declaration) and a rule file."""
    work = tmp_path / "work"
    (work / "ndpr-metal").mkdir(parents=True)
    shutil.copy(REPO / "examples/ndpr-metal/activity-2025.yaml", work / "ndpr-metal/a.yaml")
    shutil.copytree(REPO / "examples/suppliers", work / "suppliers")
    (work / "own-rules").mkdir()
    shutil.copy(REPO / "rules/ndpr-metal.yaml", work / "own-rules/ndpr-metal.yaml")
    return work


def _paths(document: dict) -> list[str]:
    provenance = document["provenance"]
    return [provenance["activity_data"]["path"], provenance["rule"]["path"],
            *(s["path"] for s in provenance.get("upstream_declarations", []))]


def test_a_batch_row_outside_the_repository_is_the_one_by_one_declaration(producer, monkeypatch, project):
    """Outside the repository `declare` recorded the paths as typed (relative to the current directory) and a
    batch recorded them made absolute from the manifest's directory: the same files gave two content hashes
    (and a supplier's path 'ndpr-metal/../suppliers/...' beside '/tmp/.../ndpr-metal/../suppliers/...'), exit 0.
    Now both record each file outside the repository by its real absolute path, however it was reached."""
    monkeypatch.chdir(producer)
    alone = footprint.declare("own-rules/ndpr-metal.yaml", "ndpr-metal/a.yaml", created=CREATED)
    assert _paths(alone) == [str(producer.resolve() / "ndpr-metal/a.yaml"),
                             str(producer.resolve() / "own-rules/ndpr-metal.yaml"),
                             str(producer.resolve() / "suppliers/ndpr-oxide-2025.json")]
    (producer / "sub").mkdir()
    monkeypatch.chdir(producer / "sub")  # the same files reached from another directory, spelt another way
    assert footprint.declare("../own-rules/ndpr-metal.yaml", "./../ndpr-metal/a.yaml",
                             created=CREATED)["content_sha256"] == alone["content_sha256"]
    monkeypatch.chdir(producer)
    (outcome,) = footprint.declare_many([("own-rules/ndpr-metal.yaml", "ndpr-metal/a.yaml")], created=CREATED)
    assert outcome.document["content_sha256"] == alone["content_sha256"]
    manifest = producer / "m.csv"
    manifest.write_text("rule,data,output\nown-rules/ndpr-metal.yaml,ndpr-metal/a.yaml,out/b.json\n")
    summary = footprint.batch_declare(manifest, created=CREATED)
    assert summary.ok, summary.errors_csv()
    written = json.loads((producer / "out/b.json").read_text())
    assert written["content_sha256"] == alone["content_sha256"]
    assert footprint.verify_declaration(producer / "out/b.json").ok


def test_a_mapping_column_records_what_declare_mapping_records(imported, tmp_path, monkeypatch):
    """The mapping's path went into provenance as given (never made relative to the repository): a batch row
    (its mapping made absolute from the manifest) and 'declare --mapping m.yaml' in that directory wrote two
    content hashes for the same files, exit 0."""
    (tmp_path / "m.yaml").write_text('database: bg-es\nmap:\n  electricity/CN-NM: '
                                     '{name: "electricity production, test", location: CN}\n')
    monkeypatch.chdir(tmp_path)
    data = REPO / "examples/ndpr-oxide/activity-2025.yaml"
    alone = footprint.declare("ndpr-oxide", data, mapping="m.yaml", created=CREATED)
    assert alone["provenance"]["background"]["mapping"]["path"] == str((tmp_path / "m.yaml").resolve())
    (tmp_path / "manifest.csv").write_text(f"rule,data,output,mapping\nndpr-oxide,{data},out/a.json,m.yaml\n")
    summary = footprint.batch_declare(tmp_path / "manifest.csv", created=CREATED)
    assert summary.ok, summary.errors_csv()
    assert json.loads((tmp_path / "out/a.json").read_text())["content_sha256"] == alone["content_sha256"]
