"""A supplier's declaration under a version of a library rule ahead of the library's is refused.

Old code: a supplier's copy of rules/ndpr-oxide.yaml with the REO concentrate price at 5 instead of 50 is
refused under the library's id and version (rule_check), but the same copy under a version of its own
(1.1.1, declared from a library of the supplier's: FOOTPRINT_RULES) was taken with a warning only: ndpr-metal
declared climate change 48.74 instead of 65.51 kg CO2-Eq/kg, exit 0, as a declaration under the library's
ndpr-metal rule (the market's gate refuses such a version).  The same copy under an id of its own
('ndpr-oxide-own') is still taken with a warning: refusing it is left as a decision (the market's gate lets
such an id pass, and tests build suppliers under ids of their own).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndpr-oxide.yaml"
OXIDE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
METAL = REPO / "examples" / "ndpr-metal" / "activity-2025.yaml"


def _supplier_under_own_rule(tmp_path: Path, monkeypatch, rule_id: str, version: str) -> Path:
    """ndpr-metal's activity data beside a supplier NdPr oxide declaration made, through the supplier's own
    library (FOOTPRINT_RULES), under ndpr-oxide with the REO price at 5, as ``rule_id`` ``version``."""
    text = RULE.read_text(encoding="utf-8")
    for old, new in (("REO concentrate: {value: 50,", "REO concentrate: {value: 5,"),
                     ("\nid: ndpr-oxide\n", f"\nid: {rule_id}\n"), ("\nversion: 1.1.0\n", f"\nversion: {version}\n")):
        assert old in text
        text = text.replace(old, new, 1)
    library = tmp_path / "supplier-rules"
    library.mkdir()
    (library / f"{rule_id}.yaml").write_text(text, encoding="utf-8")
    data = tmp_path / "oxide.yaml"
    data.write_text(OXIDE.read_text(encoding="utf-8").replace("\nrule: ndpr-oxide\n", f"\nrule: {rule_id}\n"),
                    encoding="utf-8")
    monkeypatch.setenv("FOOTPRINT_RULES", str(library))
    supplier = footprint.declare(rule_id, data)
    monkeypatch.delenv("FOOTPRINT_RULES")
    assert supplier["results"][0]["category"] == "climate_change" and supplier["results"][0]["value"] < 33
    (tmp_path / "suppliers").mkdir()
    footprint.write_declaration(supplier, tmp_path / "suppliers" / "ndpr-oxide-2025.json")
    (tmp_path / "ndpr-metal").mkdir()
    activity = tmp_path / "ndpr-metal" / "activity-2025.yaml"
    activity.write_text(METAL.read_text(encoding="utf-8"), encoding="utf-8")
    return activity


def test_a_supplier_declaration_under_a_version_of_its_own_is_refused(project, tmp_path, monkeypatch):
    activity = _supplier_under_own_rule(tmp_path, monkeypatch, "ndpr-oxide", "1.1.1")
    says = "rule ndpr-oxide 1.1.1, a version this library does not hold"
    out = tmp_path / "m.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-metal", str(activity), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not out.exists()
    assert "field 'processes.electrolysis.inputs[0].declaration'" in result.stderr and says in result.stderr
