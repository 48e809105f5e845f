"""verify recomputes by the reference path, so a fault of declare's fast path cannot confirm itself.

declare multiplies its foreground by background scores cached per snapshot (the fast path);
verify used to recompute by the same path, so a fault there (a score table, an index, the
array solver) reproduced the wrong number and verify said "verified", exit 0.  Single verify
now recomputes by the reference path by default: foreground and background solved together
in one bw2calc LCA (footprint.engine.solvers.FullLCA), the items checked against its score.
Real Brightway throughout; the fault is injected into footprint's own fast path only.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.declaration.verify import compare
from footprint.engine import solvers

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
HPMS = REPO / "examples" / "ndfeb-recycled-hpms" / "activity-2025.yaml"


@pytest.fixture()
def faulty_fast_path(monkeypatch):
    """The fast path's unit scores 5 % high: what a wrong score table or a shifted index would do."""
    original = solvers.CachedBackground.unit_scores

    def unit_scores(self, *args, **kwargs):
        return original(self, *args, **kwargs) * 1.05

    monkeypatch.setattr(solvers.CachedBackground, "unit_scores", unit_scores)


def _climate(document: dict) -> float:
    return next(r["value"] for r in document["results"] if r["category"] == "climate_change")


def test_a_fault_of_the_fast_path_is_not_confirmed(project, faulty_fast_path, tmp_path):
    wrong = footprint.declare("ndpr-oxide", EXAMPLE)  # the fault moves the number (next test) ...
    path = footprint.write_declaration(wrong, tmp_path / "wrong.json")
    runner = CliRunner()
    # ... and the fast path, recomputing with the same fault, confirms it: what verify did before
    fast = runner.invoke(cli.main, ["verify", str(path), "--data", str(EXAMPLE), "--fast"])
    assert fast.exit_code == 0, fast.output
    assert "declare's fast path (--fast)" in fast.output
    # the reference path (the default) recomputes without the cached scores and finds the difference
    checked = runner.invoke(cli.main, ["verify", str(path), "--data", str(EXAMPLE)])
    assert checked.exit_code == 1, checked.output
    assert "results[climate_change].value" in checked.output
    assert "by the reference path" in checked.output


def test_the_fault_moves_the_declared_number(project, monkeypatch):
    """The trial above is only a trial if the injected fault changes the declared value."""
    right = _climate(footprint.declare("ndpr-oxide", EXAMPLE))
    original = solvers.CachedBackground.unit_scores
    monkeypatch.setattr(solvers.CachedBackground, "unit_scores",
                        lambda self, *a, **k: original(self, *a, **k) * 1.05)
    wrong = _climate(footprint.declare("ndpr-oxide", EXAMPLE))
    assert wrong > right * 1.01


def test_batch_verify_takes_the_reference_path_when_asked(project, faulty_fast_path, tmp_path):
    folder = tmp_path / "decls"
    folder.mkdir()
    data = folder / "activity.yaml"
    shutil.copy(EXAMPLE, data)
    footprint.write_declaration(footprint.declare("ndpr-oxide", data), folder / "wrong.json")
    fast = footprint.batch_verify(folder)
    assert [o.status for o in fast.outcomes] == ["ok"]  # the default, for market-wide runs: declare's path
    reference = footprint.batch_verify(folder, reference=True)
    assert [o.status for o in reference.outcomes] == ["differs"]
    assert "results[" in reference.outcomes[0].message


def test_a_correct_declaration_verifies_by_either_path(project, tmp_path):
    path = footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE), tmp_path / "decl.json")
    for reference in (True, False):
        outcome = footprint.verify_declaration(path, EXAMPLE, reference=reference)
        assert outcome.ok and outcome.reference is reference, [(d.item, d.declared, d.recomputed)
                                                               for d in outcome.failures]


def test_recycled_content_terms_of_zero_verify_by_the_reference_path(project, tmp_path):
    """hpms's recycling process emits nothing that acidifies: the fast path gives Erec exactly 0.0, the
    reference path's solve -6.8e-21 mol H+-Eq. Compared relative to nothing, that was a difference (exit 1)
    on a correct declaration; the CFF terms of a category are now compared relative to its total, as
    its stages, processes and contributions are."""
    path = footprint.write_declaration(footprint.declare("ndfeb-recycled-hpms", HPMS), tmp_path / "hpms.json")
    outcome = footprint.verify_declaration(path, HPMS)
    assert outcome.ok, [(d.item, d.declared, d.recomputed) for d in outcome.failures]


def test_a_cff_term_is_compared_relative_to_its_category_total():
    """Hand values: total 2.0, tolerance 1e-6, so the absolute tolerance is 1e-6 * 2.0 = 2e-6.
    Erec declared 0.0, recomputed -6.8e-21: |diff| 6.8e-21 <= 2e-6, agrees.
    Erec declared 0.0, recomputed 1e-5: |diff| 1e-5 > 2e-6 (and relative to 1e-5 it is 100 %), differs."""
    def document(erec: float) -> dict:
        return {"results": [{"category": "acidification", "value": 2.0}],
                "recycled_content": {"by_category": {"acidification": {"Erec": erec}}}}

    def differing(declared: float, recomputed: float) -> list[str]:  # hash and date checks aside
        return [d.item for d in compare(document(declared), document(recomputed)).failures
                if d.item.startswith(("results", "recycled_content"))]

    assert differing(0.0, -6.8e-21) == []
    assert differing(0.0, 1e-5) == ["recycled_content.by_category.acidification.Erec"]


def test_rounding_noise_never_decides_a_process_dqr(project, tmp_path):
    """The example with its acid and grid mapped to imported datasets that carry CO2 only: leaching's
    magnesium oxide (a dataset with greenhouse gases only) scores exactly 0 in particulate matter and
    eight other categories on the fast path, and -1.5e-21 .. -1.3e-11 (1e-16 of each total) on the
    reference path's solve. Leaching has nothing else in those categories, so that noise alone was its
    weight there: its DQR read 1.858 by one path and 2.114 by the other, and verify by the reference
    path failed a correct declaration. Contributions below 1e-12 of the category's sum now weigh
    nothing (quality.NOISE_SHARE), so both paths give the same data quality."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import importdata

    from footprint import api
    from footprint.data import imports

    imports.import_database(importdata.ecospold2(tmp_path / "es"), "ecospold2", "bg-es-noise", version="es-1",
                            replace=True)
    imports.import_database(importdata.jsonld(tmp_path / "jl.zip"), "jsonld", "bg-jl-noise", version="jl-1",
                            replace=True)
    mapping = tmp_path / "map.yaml"
    mapping.write_text('database: bg-jl-noise\nmap:\n  hydrochloric-acid: {name: "acid production, test"}\n'
                       '  electricity/CN-NM: {database: bg-es-noise, name: "electricity production, test", '
                       'location: CN}\n')
    fast = api._declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    reference = api._declare("ndpr-oxide", EXAMPLE, mapping=mapping, reference=True)
    for process, entry in fast["data_quality"]["by_process"].items():  # share: the solves' last digits apart
        other = reference["data_quality"]["by_process"][process]
        assert {k: v for k, v in entry.items() if k != "share"} == {k: v for k, v in other.items() if k != "share"}
        assert other["share"] == pytest.approx(entry["share"], rel=1e-12)
    assert fast["data_quality"]["dqr"] == reference["data_quality"]["dqr"]
