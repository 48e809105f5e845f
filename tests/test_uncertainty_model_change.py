"""A Monte Carlo made under another model (version, pedigree table) says so plainly when verified.

Each test names what happened before the fix; each fails on the code before it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.declaration.declaration import content_hash
from footprint.engine import uncertainty

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


# ------------------------------------------------------------------ verify: another model, said plainly

@pytest.fixture(scope="module")
def earlier_model(project, tmp_path_factory) -> Path:
    """The example's Monte Carlo declaration as an earlier footprint wrote it: model 2 with pedigree table 1.0.0
    (trial: declared by commit 596fb28's code, verified here: version, table and percentiles differ).  Made
    here by editing what that model recorded differently and hashing the content again."""
    document = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=300, seed=7)
    model = document["uncertainty"]["model"]
    model["version"] = "footprint-uncertainty/2"
    model["pedigree"].update(version="1.0.0", sha256="bbbfa16e717bd563dbb8b4d8517d8261a939f71c4c2fdcff33ced5b6d0e43479")
    model["inputs_sha256"] = "572fef7f20dbc39652ab790" + "0" * 41
    for entry in document["uncertainty"]["results"]:
        entry["quantiles"] = [q * 1.02 for q in entry["quantiles"]]
        entry["p97_5"] *= 1.02
    document["content_sha256"] = content_hash(document)
    path = tmp_path_factory.mktemp("earlier") / "earlier.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_verify_says_the_declaration_was_made_under_another_model(earlier_model):
    """Before: ~80 failures (percentiles, the inputs' hash, the pedigree table's hash and version) and nothing
    saying why; now one failure naming both models and what to do."""
    outcome = footprint.verify_declaration(earlier_model, EXAMPLE)
    assert not outcome.ok
    assert [d.item for d in outcome.failures] == ["uncertainty.model"], [d.item for d in outcome.failures][:5]
    note = outcome.failures[0].note
    assert note.startswith("made under Monte Carlo model version footprint-uncertainty/2 / pedigree table bbbfa16e")
    assert f"this footprint computes version {uncertainty.MODEL_VERSION} / " in note
    assert "its percentiles cannot be reproduced here" in note and note.endswith("declare again")


def test_verify_cli_fails_with_exit_1_and_the_plain_reason(earlier_model):
    result = CliRunner().invoke(cli.main, ["verify", str(earlier_model), "--data", str(EXAMPLE)])
    assert result.exit_code == 1, result.output
    assert "made under Monte Carlo model version footprint-uncertainty/2" in result.output
    assert "declare again" in result.output and "NOT VERIFIED" in result.output
    assert "Traceback" not in result.output


def test_an_edited_percentile_under_the_same_model_is_still_named(earlier_model, tmp_path):
    """The plain reason is given only where the models differ: under this model an edit is named as before."""
    document = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=300, seed=7)
    document["uncertainty"]["results"][0]["p2_5"] *= 0.9
    document["content_sha256"] = content_hash(document)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    outcome = footprint.verify_declaration(path, EXAMPLE)
    assert [d.item for d in outcome.failures] == ["uncertainty.results[climate_change].p2_5"]
