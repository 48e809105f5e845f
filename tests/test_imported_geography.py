"""An imported dataset's GeR is re-scored where it is used, from its ``location``, as a library dataset's is.

Old code: a dataset a background mapping points the foreground at kept its mapping entry's ``dqr`` as written,
although the imported dataset states a location (the Brightway activity's ``location``, recorded in the
mapping provenance and held by the snapshot's ``content_sha256``).  An entry rating a German acid dataset
GeR 1 at the NdPr example's Chinese plant declared GeR 1 with exit 0, better than PEF's table (methodology.md
section 2.4: 5 for another country) allows.  Now quality.imported_in_context scores it through the library's
path (quality.in_context, geography_score), never better than the entry's own GeR, lists it in
``data_quality.rescored_datasets``, and verify reproduces it.  TiR stays as the entry states: an imported
dataset carries no reference year footprint reads.

The hand computation: the acid is imported at 1000 kg CO2 per kg, so the leaching plant's acid (8200 t of the
9392 t used; examples/ndpr-oxide/activity-2025.yaml) alone reaches 80 % of climate change and is its one most
relevant contribution.  Its datum: the leaching process's dqr TeR 1, GeR 1, TiR 1, P 2 (aged on 2026-12-01,
the suite's day: the most recent period, TiR at least 1); the entry: TeR 2, GeR 1, TiR 2, P 2.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import importdata  # noqa: E402

import footprint  # noqa: E402
from footprint.data import imports  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
NAME = "bg-where"
LOCATIONS = ("DE", "RER", "RoW", "GLO", "Narnia", "CN")


@pytest.fixture(scope="module")
def where(project, tmp_path_factory) -> Path:
    """One acid dataset per location, 1000 kg CO2 per kg (the acid alone is climate change's most relevant)."""
    folder = tmp_path_factory.mktemp("where")
    source = importdata.excel_acid(folder / "acid.xlsx", NAME, reference=1, co2=1000.0, locations=LOCATIONS)
    imports.import_database(source, "excel", NAME, replace=True)
    return folder


def _declare(folder: Path, location: str, ger: int = 1) -> tuple[dict, Path]:
    mapping = folder / f"map-{location}-{ger}.yaml"
    mapping.write_text(f'database: {NAME}\nmap:\n  hydrochloric-acid: {{name: "acid production", location: {location},'
                       f' dqr: {{TeR: 2, GeR: {ger}, TiR: 2, P: 2}}}}\n', encoding="utf-8")
    return footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping), mapping


def _rows(document: dict) -> list[dict]:
    return [row for row in document["data_quality"]["rescored_datasets"]
            if str(row.get("dataset", "")).startswith(f"{NAME}::")]


@pytest.mark.parametrize("location, ger, dqr, reason", [
    # datum GeR 1, entry GeR 1, in context g: climate change TeR (1+2)/2 = 1.5, GeR (1+g)/2, TiR (1+2)/2 = 1.5,
    # P (2+2)/2 = 2.  Old code (g = the entry's 1): GeR 1, DQR (1.5+1+1.5+2)/4 = 1.5 in every case.
    ("DE", 5, 2.0, "valid for DE, the facility is in CN"),  # another country: GeR 3 -> (1.5+3+1.5+2)/4 = 2.0
    ("RER", 5, 2.0, "valid for RER, which does not include the facility's country (CN)"),  # the same 2.0
    ("RoW", 3, 1.75, "rest of the world (RoW) scored as a global average"),  # GeR 2 -> 7/4 = 1.75
    ("GLO", 3, 1.75, "global average used in one country"),  # the same 1.75
    ("Narnia", 5, 2.0, "geography code 'Narnia' is unknown"),  # unknown: 5, never the entry's 1
])
def test_an_imported_datasets_ger_is_scored_from_its_location(where, location, ger, dqr, reason):
    document, _mapping = _declare(where, location)
    climate = document["data_quality"]["by_category"]["climate_change"]
    assert climate["contributions"] == 1  # the leaching plant's acid alone
    assert climate["GeR"] == pytest.approx((1 + ger) / 2)
    assert (climate["TeR"], climate["TiR"], climate["P"]) == (1.5, 1.5, 2.0)
    assert climate["dqr"] == pytest.approx(dqr)  # old code: 1.5
    (row,) = _rows(document)
    assert row["geography"] == location and row["year"] is None
    assert row["own"] == {"GeR": 1, "TiR": 2} and row["in_context"] == {"GeR": ger, "TiR": 2}
    assert reason in row["reason"]
    assert "TiR: as the mapping entry states" in row["reason"]  # no year is read: TiR not re-scored, and said so
    assert row["imported"] == f"{NAME}: 'acid production'"


def test_the_facilitys_own_country_keeps_the_entrys_ger_and_is_not_listed(where):
    document, _mapping = _declare(where, "CN")
    climate = document["data_quality"]["by_category"]["climate_change"]
    assert climate["GeR"] == 1.0 and climate["dqr"] == pytest.approx(1.5)  # (1.5+1+1.5+2)/4
    assert _rows(document) == []


@pytest.mark.parametrize("location, entry", [("CN", 3), ("RoW", 4), ("Narnia", 5)])
def test_the_location_never_improves_the_entrys_own_ger(where, location, entry):
    """CN scores 1, RoW 3, an unknown code 5: an entry rated worse keeps its own (datum 1: GeR (1+entry)/2)."""
    document, _mapping = _declare(where, location, ger=entry)
    assert document["data_quality"]["by_category"]["climate_change"]["GeR"] == pytest.approx((1 + entry) / 2)
    assert _rows(document) == []


def test_verify_reproduces_the_rescored_imported_dataset(where, tmp_path):
    """The location comes from the imported database the snapshot holds (its content hash is recorded and
    compared), as the mapping provenance records it: verify recomputes the same row and DQR."""
    document, mapping = _declare(where, "DE")
    assert document["provenance"]["background"]["mapping"]["applied"]["hydrochloric-acid"]["location"] == "DE"
    assert _rows(document)[0]["in_context"]["GeR"] == 5
    path = footprint.write_declaration(document, tmp_path / "declaration.json")
    outcome = footprint.verify_declaration(path, EXAMPLE, mapping=mapping)
    assert outcome.ok, outcome.failures
