"""Review of the api/cli/market change: defects found in review, each with the test that shows it."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.market.registry import Entry, Register


@pytest.mark.parametrize("which", ["--report", "--label", "-o"])
def test_classes_assign_never_overwrites_the_declaration_it_reads(example_declaration, tmp_path, which):
    """`classes assign d.json ... --report d.json --force` replaced the declaration with its HTML report (exit 0)."""
    unit = next(r["unit"] for r in example_declaration["results"] if r["category"] == "climate_change")
    register = tmp_path / "m.sqlite"
    Register(register).add([Entry(declaration_id=f"d{i}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2024,
                                  mass_kg=1000.0, values={"climate_change": v}, units={"climate_change": unit})
                            for i, v in enumerate((10.0, 20.0, 30.0, 40.0))])
    scheme = footprint.write_scheme(footprint.derive_classes("ndpr-oxide", "climate_change", "2022-2024",
                                                             classes=3, register=register), tmp_path / "s.json")
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    before = decl.read_bytes()
    outputs = {"-o": str(tmp_path / "out.json"), "--report": str(tmp_path / "r.html"),
               "--label": str(tmp_path / "l.png")}
    outputs[which] = str(decl)
    args = ["classes", "assign", str(decl), "--scheme", str(scheme), "--force"]
    for option, path in outputs.items():
        args += [option, path]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 2, result.output
    assert "the output is an input (declaration)" in result.output
    assert decl.read_bytes() == before
