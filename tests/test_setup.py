"""Offline set-up: idempotent, project-owned, with the EF v3.1 methods bw2io ships."""
from __future__ import annotations

from footprint import project as fp_project
from footprint.methods import all_categories


def test_setup_writes_biosphere_methods_and_inventories(project, footprint_home):
    bd = project[0]
    assert "biosphere3" in bd.databases and "footprint-inventories" in bd.databases
    for category in all_categories():
        assert category.method in bd.methods, category.id
    assert str(fp_project.brightway_dir()).startswith(str(footprint_home))


def test_second_setup_changes_nothing(project):
    before = fp_project.read_state()
    report = fp_project.setup()
    assert not report.changed
    assert report.methods_written == 0 and report.inventories_written == 0
    assert fp_project.read_state() == before


def test_ef31_acidification_factor_for_so2_is_the_published_one(project):
    bd = project[0]
    method = bd.Method(("EF v3.1", "acidification", "accumulated exceedance (AE)"))
    so2 = bd.get_node(database="biosphere3", name="Sulfur dioxide", categories=("air",))
    factors = {flow: amount for flow, amount in method.load()}
    assert abs(factors[so2.id] - 1.31) < 1e-9
