"""'rules validate' holds a rule's Ev declaration (recycled_content.virgin.declaration) to what declare holds it to.

Old code: a copy of rules/ndfeb-recycled-hpms.yaml (under an id of its own) beside an Ev declaration whose climate
change was characterised with other factors (provenance.methods.climate_change.sha256 another's, value halved,
re-hashed) validated 'ok', exit 0, where declare refuses it (Snapshot.refuse_suppliers_of_other_factors); so did one
giving no value for photochemical ozone formation, which the rule declares (every declaration under it then
partial there).  A unit other than the category's was refused already (upstream.read) and still is.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from footprint.inputs.upstream import content_hash

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndfeb-recycled-hpms.yaml"
EV = REPO / "examples" / "suppliers" / "ndpr-metal-2025.json"


def _other_factors(document: dict) -> None:
    document["provenance"]["methods"]["climate_change"]["sha256"] = "e" * 64
    next(r for r in document["results"] if r["category"] == "climate_change")["value"] *= 0.5


def _no_ozone(document: dict) -> None:
    extra = document["additional_information"]
    extra["results"] = [r for r in extra["results"] if r["category"] != "photochemical_ozone_formation"]


def _grams(document: dict) -> None:
    row = next(r for r in document["results"] if r["category"] == "climate_change")
    row["unit"], row["value"] = "g CO2-Eq", row["value"] * 1000


def _rule_beside(tmp_path: Path, edit=None) -> Path:
    """rules/ndfeb-recycled-hpms.yaml as 'own-hpms' with its Ev declaration (edited by ``edit``, re-hashed)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "examples" / "suppliers").mkdir(parents=True)
    text = RULE.read_text(encoding="utf-8")
    assert text.count("\nid: ndfeb-recycled-hpms\n") == 1 and "../examples/suppliers/ndpr-metal-2025.json" in text
    rule = tmp_path / "rules" / "own-hpms.yaml"
    rule.write_text(text.replace("\nid: ndfeb-recycled-hpms\n", "\nid: own-hpms\n"), encoding="utf-8")
    document = json.loads(EV.read_text(encoding="utf-8"))
    if edit is not None:
        edit(document)
        document["content_sha256"] = content_hash(document)
    (tmp_path / "examples" / "suppliers" / EV.name).write_text(json.dumps(document), encoding="utf-8")
    return rule


def _validate(rule: Path) -> object:
    return CliRunner().invoke(cli.main, ["rules", "validate", str(rule)])


@pytest.mark.parametrize("edit, said", [(_other_factors, "'climate_change' with other factors"),
                                        (_no_ozone, "gives no value for photochemical_ozone_formation"),
                                        (_grams, "'climate_change' in another unit")])
def test_rules_validate_refuses_an_ev_declaration_declare_would_not_take_whole(project, tmp_path, edit, said):
    result = _validate(_rule_beside(tmp_path, edit))
    assert result.exit_code == 2, result.output
    assert "field 'recycled_content.virgin.declaration'" in result.output and said in result.output
    assert "Traceback" not in result.output


def test_the_ev_declaration_as_shipped_validates(project, tmp_path):
    result = _validate(_rule_beside(tmp_path))
    assert result.exit_code == 0, result.output
    assert "ok" in result.output
