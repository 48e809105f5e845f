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
                                  mass_kg=1000.0, values={"climate_change": v},
                                                  coverage={"climate_change": "complete"}, units={"climate_change": unit})
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


def _register(path: Path) -> Path:
    Register(path).add([Entry(declaration_id=f"d{i}", rule_id="r", rule_version="1.0.0", year=2024, mass_kg=1000.0,
                              values={"climate_change": v},
                              coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})
                        for i, v in enumerate((10.0, 20.0, 30.0, 40.0))])
    return path


def test_classes_derive_and_revise_never_overwrite_the_register_they_read(tmp_path):
    """`classes derive --register m.sqlite -o m.sqlite --force` replaced the market register with a scheme (exit 0)."""
    register = _register(tmp_path / "m.sqlite")
    before = register.read_bytes()
    runner = CliRunner()
    derive = ["classes", "derive", "--rule", "r", "--category", "climate_change", "--window", "2022-2024",
              "--classes", "3", "--register", str(register), "--force"]
    result = runner.invoke(cli.main, [*derive, "-o", str(register)])
    assert result.exit_code == 2 and "the output is an input (market register)" in result.output, result.output
    assert register.read_bytes() == before
    old = tmp_path / "old.json"
    assert runner.invoke(cli.main, [*derive, "-o", str(old)]).exit_code == 0
    revise = ["classes", "revise", "--old", str(old), "--window", "2022-2024", "--register", str(register), "--force"]
    for output, report in ((register, tmp_path / "r.html"), (tmp_path / "new.json", register)):
        result = runner.invoke(cli.main, [*revise, "-o", str(output), "--report", str(report)])
        assert result.exit_code == 2 and "the output is an input (market register)" in result.output, result.output
        assert register.read_bytes() == before


def test_batch_declare_refuses_a_row_whose_output_is_the_register(tmp_path):
    """A batch with --register m.sqlite and a row writing m.sqlite replaced the register it streams into."""
    from footprint.paths import examples_dir

    register = _register(tmp_path / "m.sqlite")
    before = register.read_bytes()
    manifest = tmp_path / "batch.csv"
    manifest.write_text("rule,data,output,mass_kg,year\n"
                        f"ndpr-oxide,{examples_dir() / 'ndpr-oxide' / 'activity-2025.yaml'},m.sqlite,1000,2024\n")
    summary = footprint.batch_declare(manifest, register=register, force=True)
    assert [o.status for o in summary.outcomes] == ["error"]
    assert "the output is an input (market register)" in summary.outcomes[0].message
    assert register.read_bytes() == before


def _manifest(tmp_path: Path) -> Path:
    from footprint.paths import examples_dir

    manifest = tmp_path / "batch.csv"
    manifest.write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{examples_dir() / 'ndpr-oxide' / 'activity-2025.yaml'},"
                        "a.json,1000,2024\nndpr-oxide,missing.yaml,b.json,1000,2024\n")
    return manifest


@pytest.mark.parametrize("target, what", [("batch.csv", "manifest"), ("a.json", "output of row 1"),
                                          ("m.sqlite", "market register")])
def test_batch_declare_errors_file_never_replaces_the_manifest_an_output_or_the_register(tmp_path, target, what):
    """`batch declare m.csv --errors m.csv --force` replaced the manifest with the error report (exit 2 as any
    failed row, so the loss went unnoticed); `--errors a.json` replaced a row's declaration."""
    manifest = _manifest(tmp_path)
    register = _register(tmp_path / "m.sqlite")
    before = {p.name: p.read_bytes() for p in (manifest, register)}
    result = CliRunner().invoke(cli.main, ["batch", "declare", str(manifest), "--force", "--register", str(register),
                                           "--errors", str(tmp_path / target)])
    assert result.exit_code == 2
    assert f"the output is an input ({what})" in result.output, result.output
    assert {p.name: p.read_bytes() for p in (manifest, register)} == before
    assert not (tmp_path / "a.json").exists()  # refused before computing anything


def test_batch_verify_errors_file_never_replaces_a_declaration_it_verifies(example_declaration, tmp_path):
    directory = tmp_path / "decls"
    directory.mkdir()
    decl = footprint.write_declaration(example_declaration, directory / "d.json")
    before = decl.read_bytes()
    result = CliRunner().invoke(cli.main, ["batch", "verify", str(directory), "--force", "--errors", str(decl)])
    assert result.exit_code == 2
    assert "the output is an input (declaration)" in result.output, result.output
    assert decl.read_bytes() == before


def test_batch_verify_reads_a_declaration_named_in_capitals(example_declaration, tmp_path):
    """'DECL.JSON' was skipped without a word (the glob was '*.json'): a directory whose one declaration was
    edited and saved in capitals said '1 rows: 1 verified', exit 0.  Every *.json of any case is a row."""
    import json

    directory = tmp_path / "decls"
    directory.mkdir()
    footprint.write_declaration(example_declaration, directory / "a.json")
    forged = dict(example_declaration, results=[dict(r) for r in example_declaration["results"]])
    forged["results"][0]["value"] /= 2  # its hash no longer agrees
    (directory / "B.JSON").write_text(json.dumps(forged), encoding="utf-8")
    outcomes = {Path(o.output).name: o.status for o in footprint.batch_verify(directory).outcomes}
    assert outcomes == {"a.json": "ok", "B.JSON": "differs"}


def test_batch_declare_refuses_a_row_whose_output_is_the_manifest(tmp_path):
    """A row with output batch.csv (the manifest itself) replaced the manifest with --force."""
    manifest = _manifest(tmp_path)
    manifest.write_text(manifest.read_text().replace("a.json", "batch.csv"))
    before = manifest.read_bytes()
    summary = footprint.batch_declare(manifest, force=True)
    assert summary.outcomes[0].status == "error"
    assert "the output is an input (manifest)" in summary.outcomes[0].message
    assert manifest.read_bytes() == before


def test_a_row_the_register_refuses_is_not_written_and_says_why(project, tmp_path, monkeypatch):
    """batch declare --register wrote a row's declaration, then added it to the register; a refused add left a
    valid file behind (the row failed, its declaration on disk).  The register's checks now come first: a
    refused row writes nothing, and its error is the register's (test_batch_register_before_write)."""
    import footprint
    from footprint.market import registry

    def refuse(cur, entry, where):
        raise registry.RegistryError("the register refuses this entry", field="mass_kg")

    monkeypatch.setattr(registry.Register, "_check_consistent", staticmethod(refuse))
    example = Path(__file__).resolve().parents[1] / "examples" / "ndpr-oxide" / "activity-2025.yaml"
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{example},{tmp_path / 'a.json'},1000,2025\n")
    summary = footprint.batch_declare(manifest, register=tmp_path / "market.sqlite")
    (outcome,) = [o for o in summary.outcomes if o.status != "ok"]
    assert "the register refuses this entry" in outcome.message
    assert not (tmp_path / "a.json").exists()


def test_a_written_declaration_never_replaces_a_recorded_input_at_either_place_it_may_mean(example_declaration,
                                                                                           tmp_path, monkeypatch):
    """A recorded relative path may mean the current directory (declared outside the repository) or the
    repository root (inside it).  Only the repository's file was protected when both existed, so
    'classes assign d.json -o examples/.../activity-2025.yaml --force' run in a producer's directory
    replaced the producer's own activity data with a declaration."""
    from footprint.errors import FootprintError

    relative = example_declaration["provenance"]["activity_data"]["path"]
    assert not Path(relative).is_absolute() and (Path(footprint.__file__).parents[1] / relative).is_file()
    own = tmp_path / relative
    own.parent.mkdir(parents=True)
    own.write_text("the producer's activity data\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FootprintError, match=r"the output is an input \(activity data\)"):
        footprint.write_declaration(example_declaration, relative, force=True)
    assert own.read_text() == "the producer's activity data\n"
