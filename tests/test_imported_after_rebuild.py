"""An imported database still counts after the set-up is rebuilt by another footprint (an upgrade).

Old code: a rebuild for other set-up code writes biosphere3 again (new node ids) and carried each imported
database over with its processed arrays as imported, pointing at ids no flow had any more.  The NdPr oxide
example with its hydrochloric acid mapped to an imported dataset (0.1 kg CO2 per kg) then declared the
acid's contribution as 0.0 kg CO2-Eq, 44.468 instead of 44.877 kg CO2-Eq/kg, coverage 'complete', exit 0,
on every declaration until the database was imported again.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import importdata  # noqa: E402

import footprint  # noqa: E402
from footprint.data import imports  # noqa: E402
from footprint.data import project as fp_project  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
NAME = "bg-rebuilt"


def _acid(document: dict) -> list[float]:
    return [row["value"] for row in document["contributions"]
            if row["category"] == "climate_change" and row["item"] == "hydrochloric-acid"]


def test_an_imported_dataset_counts_after_a_rebuild_for_other_set_up_code(project, tmp_path, monkeypatch):
    source = importdata.excel_acid(tmp_path / "acid.xlsx", NAME, reference=1, co2=0.1)
    imports.import_database(source, "excel", NAME, replace=True)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(f'database: {NAME}\nmap:\n  hydrochloric-acid: {{name: "acid production"}}\n', encoding="utf-8")
    before = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    assert _acid(before) and all(value > 0 for value in _acid(before))
    live = fp_project.builder_digest()
    monkeypatch.setattr(fp_project, "builder_digest", lambda: "another footprint's set-up code")
    report = fp_project.setup()  # what the first command after an upgrade runs
    assert report.biosphere_written
    after = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    assert _acid(after) == pytest.approx(_acid(before), rel=1e-9)  # old code: every acid row 0.0
    assert after["results"][0]["value"] == pytest.approx(before["results"][0]["value"], rel=1e-9)
    monkeypatch.setattr(fp_project, "builder_digest", lambda: live)
    fp_project.setup()  # the session's set-up as this footprint builds it, for the tests after this one
