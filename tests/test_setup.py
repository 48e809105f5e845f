"""Offline set-up: idempotent, project-owned, with the EF v3.1 methods bw2io ships."""
from __future__ import annotations

from footprint.data import project as fp_project
from footprint.inputs.categories import all_categories


def test_setup_writes_biosphere_methods_and_inventories(project, footprint_home):
    bd = project[0]
    assert "biosphere3" in bd.databases and "footprint-inventories" in bd.databases
    for category in all_categories():
        assert category.method in bd.methods, category.id
    assert str(fp_project.brightway_dir()).startswith(str(footprint_home))


def _files(directory):
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in directory.rglob("*") if p.is_file()}


def test_second_setup_changes_nothing(project, footprint_home):
    fp_project.setup()  # whatever earlier tests changed is set up again here
    before = fp_project.read_state()
    files = _files(footprint_home)
    report = fp_project.setup()
    assert not report.changed
    assert report.methods_written == 0 and report.inventories_written == 0
    assert fp_project.read_state() == before
    assert _files(footprint_home) == files  # not one file written anywhere in the home, not even the lock


def test_ef31_acidification_factor_for_so2_is_the_published_one(project):
    bd = project[0]
    method = bd.Method(("EF v3.1", "acidification", "accumulated exceedance (AE)"))
    so2 = bd.get_node(database="biosphere3", name="Sulfur dioxide", categories=("air",))
    factors = {flow: amount for flow, amount in method.load()}
    assert abs(factors[so2.id] - 1.31) < 1e-9


def test_a_data_directory_that_cannot_be_created_is_one_clear_error(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    home = tmp_path / "a-file"
    home.write_text("not a directory")
    completed = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "cli.py"), "setup"],
                               env={**os.environ, "FOOTPRINT_HOME": str(home)}, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr
    assert "field 'FOOTPRINT_HOME': cannot create the data directory" in completed.stderr
    assert home.read_text() == "not a directory"
