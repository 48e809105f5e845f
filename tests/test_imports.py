"""Importing licensed databases: EcoSpold2, Brightway Excel, openLCA JSON-LD (offline, all-or-nothing).

The source files are built here (tests/importdata.py): two datasets each, whose climate
change scores are computed by hand in that module's docstring.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
import importdata  # noqa: E402

from footprint.data import imports  # noqa: E402

GWP = ("EF v3.1", "climate change", "global warming potential (GWP100)")
BUILDERS = {
    "ecospold2": lambda d: importdata.ecospold2(d / "datasets"),
    "excel": lambda d: importdata.excel(d / "db.xlsx"),
    "jsonld": lambda d: importdata.jsonld(d / "db.zip"),
}
ACID_NAME = {"ecospold2": "acid production, test", "excel": "acid, test", "jsonld": "acid production, test"}


def _score(bd, bc, database: str, name: str) -> float:
    from footprint.data.background import NodeIndex, _match

    target = _match(database, {"name": name}, NodeIndex.read(database), Path("test"), "test")
    lca = bc.LCA({bd.get_node(database=database, code=target.code): 1}, method=GWP)
    lca.lci()
    lca.lcia()
    return lca.score


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_each_format_imports_and_scores_the_hand_calculation(project, tmp_path, fmt):
    bd, bc, _bi = project
    name = f"imp-{fmt}"
    report = imports.import_database(BUILDERS[fmt](tmp_path), fmt, name, version="1.0", replace=True)
    assert report.written and report.ok and report.activities >= 2
    assert _score(bd, bc, name, ACID_NAME[fmt]) == pytest.approx(importdata.ACID_GWP, rel=1e-6)
    info = imports.database_info(name)
    assert info["format"] == fmt and info["version"] == "1.0" and info["sha256"] == report.sha256


def test_jsonld_directory_and_zip_give_the_same_database(project, tmp_path):
    (tmp_path / "dir").mkdir()
    report = imports.import_database(importdata.jsonld(tmp_path / "dir", zipped=False), "jsonld", "imp-jsonld-dir",
                                     replace=True)
    assert report.written and report.activities == 4  # two processes, two product nodes


def test_elementary_flow_with_a_foreign_uuid_links_by_name_and_compartment(project, tmp_path):
    bd, bc, _bi = project
    path = importdata.ecospold2(tmp_path / "es", co2_flow="99999999-9999-4999-8999-999999999999")
    report = imports.import_database(path, "ecospold2", "imp-es-foreign", replace=True)
    assert report.biosphere_relinked >= 1
    assert _score(bd, bc, "imp-es-foreign", "acid production, test") == pytest.approx(importdata.ACID_GWP)


@pytest.mark.parametrize("unit, said", [(None, "no unit"), ("gram", "unit gram")])
def test_an_elementary_exchange_without_its_flows_unit_is_refused(project, tmp_path, unit, said):
    """0.5 'Carbon dioxide, fossil' with no unit was linked and read as 0.5 kg (0.5 g, 0.5 t?): exit 0.

    (gram was refused already: the control that the message names the unit given.)
    """
    bd = project[0]
    before = set(bd.databases)
    with pytest.raises(imports.ImportFailed, match=rf"'Carbon dioxide, fossil' \(air; {said} but biosphere3 has "
                                                   r"kilogram\) in 'electricity, test'"):
        imports.import_database(importdata.excel(tmp_path / "u.xlsx", co2_unit=unit), "excel", "imp-no-unit")
    assert set(bd.databases) == before


@pytest.mark.parametrize("fmt", ["excel", "jsonld"])
def test_unlinked_exchanges_are_listed_with_candidates_and_nothing_is_written(project, tmp_path, fmt):
    bd = project[0]
    path = (importdata.excel(tmp_path / "bad.xlsx", co2_name="Carbon dioxide, fosil") if fmt == "excel"
            else importdata.jsonld(tmp_path / "bad.zip", co2_name="Carbon dioxide, fosil"))
    before = set(bd.databases)
    with pytest.raises(imports.ImportFailed) as err:
        imports.import_database(path, fmt, f"imp-bad-{fmt}")
    message = str(err.value)
    assert "did not link" in message and "Carbon dioxide, fosil" in message
    assert "closest: Carbon dioxide, fossil" in message
    assert set(bd.databases) == before
    assert err.value.report.unlinked and not err.value.report.written


def test_a_failed_write_deletes_the_partial_database(project, tmp_path, monkeypatch):
    from bw2io.importers.base_lci import LCIImporter

    bd = project[0]
    original = LCIImporter.write_database

    def write_then_fail(self, *args, **kwargs):
        original(self, *args, **kwargs)  # a real, complete write ...
        raise OSError("disk full")  # ... then a failure before the metadata is recorded

    monkeypatch.setattr(LCIImporter, "write_database", write_then_fail)
    before = set(bd.databases)
    with pytest.raises(imports.ImportFailed, match="undone"):
        imports.import_database(importdata.excel(tmp_path / "db.xlsx"), "excel", "imp-half")
    assert set(bd.databases) == before and "imp-half" not in bd.databases


def test_an_interrupted_write_deletes_the_partial_database_too(project, tmp_path, monkeypatch):
    from bw2io.importers.base_lci import LCIImporter

    bd = project[0]
    original = LCIImporter.write_database

    def write_then_interrupt(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise KeyboardInterrupt  # Ctrl-C during a long write

    monkeypatch.setattr(LCIImporter, "write_database", write_then_interrupt)
    before = set(bd.databases)
    with pytest.raises(KeyboardInterrupt):
        imports.import_database(importdata.excel(tmp_path / "db.xlsx"), "excel", "imp-interrupted")
    assert set(bd.databases) == before


def test_a_failed_replacement_restores_the_previous_database(project, tmp_path, monkeypatch):
    from bw2io.importers.base_lci import LCIImporter

    bd, bc, _bi = project
    first = imports.import_database(importdata.excel(tmp_path / "v1.xlsx"), "excel", "imp-replace", version="1",
                                    replace=True)
    original = LCIImporter.write_database

    def write_then_fail(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(LCIImporter, "write_database", write_then_fail)
    with pytest.raises(imports.ImportFailed, match="previous database is kept"):
        imports.import_database(importdata.excel(tmp_path / "v2.xlsx", co2_name="Carbon dioxide, fossil"), "excel",
                                "imp-replace", version="2", replace=True)
    assert len(bd.Database("imp-replace")) == first.activities
    info = imports.database_info("imp-replace")
    assert info["version"] == "1" and info["sha256"] == first.sha256
    assert _score(bd, bc, "imp-replace", ACID_NAME["excel"]) == pytest.approx(importdata.ACID_GWP, rel=1e-6)


def test_a_directory_that_is_not_the_format_is_refused_before_it_is_read(project, tmp_path, monkeypatch):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not a dataset")
    monkeypatch.setattr(imports, "source_sha256", lambda path: pytest.fail("hashed before the format check"))
    with pytest.raises(imports.ImportFailed, match="no .spold files"):
        imports.import_database(tmp_path / "notes", "ecospold2", "x", dry_run=True)


def test_existing_and_reserved_names_are_refused(project, tmp_path):
    path = importdata.excel(tmp_path / "db.xlsx")
    imports.import_database(path, "excel", "imp-once", replace=True)
    with pytest.raises(imports.ImportFailed, match="already exists"):
        imports.import_database(path, "excel", "imp-once")
    for reserved in ("biosphere3", "footprint-inventories"):
        with pytest.raises(imports.ImportFailed, match="belongs to footprint"):
            imports.import_database(path, "excel", reserved, replace=True)


def test_dry_run_checks_without_writing(project, tmp_path):
    bd = project[0]
    report = imports.import_database(importdata.excel(tmp_path / "db.xlsx"), "excel", "imp-dry", dry_run=True)
    assert report.ok and not report.written and "imp-dry" not in bd.databases


def test_wrong_inputs_get_one_clear_error(project, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(imports.ImportFailed, match="no .spold files"):
        imports.import_database(tmp_path / "empty", "ecospold2", "x")
    with pytest.raises(imports.ImportFailed, match="not an Excel workbook"):
        imports.import_database(importdata.jsonld(tmp_path / "a.zip"), "excel", "x")
    with pytest.raises(imports.ImportFailed, match="file not found"):
        imports.import_database(tmp_path / "missing.xlsx", "excel", "x")


def test_cli_import_reports_and_exits_2_on_unlinked(project, tmp_path):
    import cli

    good = CliRunner().invoke(cli.main, ["inventories", "import", str(importdata.excel(tmp_path / "g.xlsx")),
                                         "--format", "excel", "--name", "imp-cli", "--db-version", "2", "--force"])
    assert good.exit_code == 0, good.output
    assert "imp-cli: imported: 2 datasets" in good.output
    bad = CliRunner().invoke(cli.main, ["inventories", "import",
                                        str(importdata.excel(tmp_path / "b.xlsx", co2_name="CO2 fossil")),
                                        "--format", "excel", "--name", "imp-cli-bad"])
    assert bad.exit_code == 2 and "did not link" in bad.stderr and "Traceback" not in bad.output
    listed = CliRunner().invoke(cli.main, ["inventories", "list", "--imported"])
    assert "imp-cli" in listed.output and "imp-cli-bad" not in listed.output


def test_ecospold2_inputs_without_a_producer_are_reported(project, tmp_path):
    directory = importdata.ecospold2(tmp_path / "es")
    acid = next(p for p in directory.iterdir() if p.name.startswith(importdata.ACID_ACT))
    text = acid.read_text()
    orphan = 'intermediateExchangeId="b0000000-0000-4000-8000-0000000000ff"'
    text = text.replace(f'activityLinkId="{importdata.ELEC_ACT}"', "").replace(
        f'intermediateExchangeId="{importdata.ELEC_PROD}"', orphan)
    acid.write_text(text)
    report = imports.import_database(directory, "ecospold2", "imp-es-dropped", dry_run=True)
    assert report.dropped == ["'electricity, test' in 'acid production, test'"]


def test_ecospold2_input_from_a_missing_activity_blocks_the_import(project, tmp_path):
    directory = importdata.ecospold2(tmp_path / "es")
    next(p for p in directory.iterdir() if p.name.startswith(importdata.ELEC_ACT)).unlink()
    with pytest.raises(imports.ImportFailed) as err:
        imports.import_database(directory, "ecospold2", "imp-es-partial")
    assert "technosphere exchange 'electricity, test'" in str(err.value)
    assert "imp-es-partial" not in project[0].databases


@pytest.mark.parametrize("categories, expected", [
    (["Elementary flows/Emission to air/unspecified"], ("air",)),
    (["Elementary Flows/emission/air"], ("air",)),
    (["Elementary flows", "Emission to water", "ground-"], ("water", "ground-")),
    (["Elementary Flows/resource/ground"], ("natural resource", "in ground")),
    (["Resource/in ground"], ("natural resource", "in ground")),
    (("air", "urban air close to ground"), ("air", "urban air close to ground")),
    ((), ()),
])
def test_openlca_and_fedefl_compartments_map_to_biosphere3(categories, expected):
    assert imports._normal_categories(categories) == expected
