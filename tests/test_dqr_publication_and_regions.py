"""A secondary dataset's GeR and TiR re-scored where it is used, held to PEF's table (methodology.md 2.4).

TiR: the table scores "EF report publication date" against the dataset's time validity (1 within it; 2 / 3 / 4
for a publication at most 2 / 4 / 6 years after its end; 5 later).  The publication is the day the declaration
is made (its provenance ``created``), the moment the producer's activity data are aged against too; the code
scored the reporting period's year instead.  GeR: 2 for a process in the region (e.g. Europe) the dataset is
valid for; the code knew only EU-27 and GLO, so ecoinvent's Europe (RER) at a German facility scored 5, "another
country".  Each test names the value the old code gave.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import footprint
from footprint.engine.quality import Context, geography_score, supplier_time_score, time_score

REPO = Path(__file__).resolve().parents[1]
PERIOD = dict(year=2025, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))


def _context(country: str = "DE", region: str | None = None, made: dt.date | None = dt.date(2026, 12, 1)) -> Context:
    return Context(country=country, region=region, made=made, **PERIOD)


# ----------------------------------------------------------------------------- TiR against the publication


@pytest.mark.parametrize("year, by_period, by_publication", [
    # a 2025 reporting period declared on 2026-12-01 (the suite's FIXED_MOMENT day): years after the dataset's
    # reference year (its validity, ending 31 December) by the period's year 2025 / by the publication year 2026
    (2026, 1, 1),  # 2025 - 2026 < 0: within / 2026 - 2026 = 0: within
    (2025, 1, 2),  # 0: within / 1 <= 2: published after the validity ended, TiR 2
    (2024, 2, 2),  # 1 <= 2 / 2 <= 2
    (2023, 2, 3),  # 2 <= 2 / 3 <= 4: the old code said 2
    (2022, 3, 3),  # 3 <= 4 / 4 <= 4: the brief's case, the same either way
    (2021, 3, 4),  # 4 <= 4 / 5 <= 6
    (2020, 4, 4),  # 5 / 6
    (2019, 4, 5),  # 6 <= 6 / 7 > 6: the old code said 4 (the library's fuel/natural-gas-upstream, 2019)
    (2018, 5, 5),
    (None, 5, 5),  # no reference year
])
def test_a_datasets_tir_is_scored_against_the_declarations_publication(year, by_period, by_publication):
    """The same dataset in the same period: without a declaration day the period's end stands in (as before);
    with one, the publication scores it.  Old code: ``by_period`` in both cases."""
    assert time_score(year, _context(made=None))[0] == by_period
    score, reason = time_score(year, _context())
    assert score == by_publication
    if year is not None:
        assert "scored against the declaration's publication (2026-12-01)" in reason
        assert f"reference year {year}" in reason
    assert "no declaration day" in time_score(2022, _context(made=None))[1]


def test_the_publication_day_is_the_recorded_created_and_verify_reproduces_it(project, tmp_path):
    """End to end: the ndpr-oxide example declared on 2026-06-01 lists every re-scored dataset's TiR reason
    against that day (the old reason named the reporting period 2025), and verify, recomputing with the recorded
    ``created``, finds nothing that differs."""
    made = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    document = footprint.declare("ndpr-oxide", REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml", created=made)
    rows = [row for row in document["data_quality"]["rescored_datasets"] if "dataset" in row]
    assert rows
    for row in rows:
        if row["year"] is not None:
            assert "scored against the declaration's publication (2026-06-01)" in row["reason"], row
            assert row["in_context"]["TiR"] >= time_score(row["year"], _context(made=made.date()))[0]
    path = footprint.write_declaration(document, tmp_path / "declaration.json")
    outcome = footprint.verify_declaration(path, REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml")
    assert outcome.ok, outcome.failures


class _Supplier:
    """A supplier's declaration as supplier_time_score reads it: its reporting period."""

    def __init__(self, first: dt.date, last: dt.date):
        self.period = (first, last)


@pytest.mark.parametrize("supplier_year, made, by_period, by_publication", [
    # a 2025 reporting period; the supplier's calendar period; the day the producer's declaration is made.
    # by the reporting period (old): same period 1, one back 2; by the publication: whole years from the day
    # after the supplier's period ends to the declaration day (0 -> 1, 1 -> 2, 2 -> 3)
    (2025, dt.date(2026, 6, 1), 1, 1),  # 2026-01-01 .. 2026-06-01: 0 whole years
    (2024, dt.date(2026, 6, 1), 2, 2),  # 2025-01-01 .. 2026-06-01: 1
    (2025, dt.date(2027, 6, 1), 1, 2),  # 2026-01-01 .. 2027-06-01: 1; the old code said 1
    (2024, dt.date(2027, 6, 1), 2, 3),  # 2025-01-01 .. 2027-06-01: 2; the old code said 2
])
def test_a_suppliers_tir_is_aged_against_the_declarations_publication(supplier_year, made, by_period,
                                                                      by_publication):
    """PEF's company-specific TiR: 1 the most recent annual administration period with respect to the report's
    publication.  The producer's own 2025 data declared on 2027-06-01 count one period back (TiR 2); the
    supplier's 2025 data used in it counted 1 (the same reporting period) and now count 2 as well."""
    supplier = _Supplier(dt.date(supplier_year, 1, 1), dt.date(supplier_year, 12, 31))
    assert supplier_time_score(supplier, _context(made=None))[0] == by_period
    score, reason = supplier_time_score(supplier, _context(made=made))
    assert score == by_publication
    assert f"before the declaration ({made.isoformat()})" in reason or score == 1


# ----------------------------------------------------------------------------- GeR: regions


@pytest.mark.parametrize("geography, country, expected, said", [
    ("RER", "DE", 2, "valid for the region (RER) the facility is in"),  # old: 5, "valid for RER, the facility is in DE"
    ("RER", "CH", 2, "valid for the region (RER)"),  # EFTA
    ("RER", "NO", 2, "valid for the region (RER)"),
    ("RER", "GB", 2, "valid for the region (RER)"),
    ("RER", "CN", 5, "does not include the facility's country (CN)"),
    ("RER", "RS", 5, "does not include the facility's country (RS)"),  # not listed: never better than shown
    ("Europe without Switzerland", "FR", 2, "valid for the region (Europe without Switzerland)"),
    ("Europe without Switzerland", "CH", 5, "does not include the facility's country (CH)"),
    ("EU-27", "DE", 2, "valid for the region (EU-27)"),
    ("EU-27", "CH", 5, "does not include the facility's country (CH)"),
    ("GLO", "DE", 3, "global average"),
    ("RoW", "DE", 3, "which the engine cannot see"),  # old: 5, "valid for RoW, the facility is in DE"
    ("DE", "DE", 1, "valid for the facility's country"),
    ("FR", "DE", 5, "valid for FR, the facility is in DE"),
    ("XX", "DE", 5, "geography code 'XX' is unknown"),  # old: "valid for XX, the facility is in DE"
    ("Mars", "DE", 5, "geography code 'Mars' is unknown"),
])
def test_regions_ecoinvent_style_datasets_use(geography, country, expected, said):
    score, reason = geography_score(geography, _context(country=country))
    assert score == expected
    assert said in reason


def test_row_is_no_better_than_glo_and_a_region_of_the_country_keeps_the_regions_score():
    """RoW excludes the countries with their own dataset: the engine cannot see them, so not better than GLO."""
    assert geography_score("RoW", _context())[0] == geography_score("GLO", _context())[0] == 3
    assert geography_score("RER", _context(region="DE-BY"))[0] == 2


@pytest.mark.parametrize("written, country, expected", [
    ("China", "CN", 1),  # old: 5, "geography code 'China' is unknown" (the grid check read it as CN all along)
    ("china ", "CN", 1),
    ("Germany", "CN", 5),  # written out, another country: "valid for DE, the facility is in CN"
    ("Peoples Republic of China", "CN", 5),  # not the ISO name: stays unknown, never better
])
def test_a_country_written_out_as_openlca_does_is_scored_as_its_code(written, country, expected):
    """A JSON-LD import keeps openLCA's location names; the ISO name counts as its code, nothing looser."""
    assert geography_score(written, _context(country=country))[0] == expected


def test_the_region_lists_are_explicit():
    """RER counts EU-27 (27 states; EL is the EU's code for Greece, GR its ISO code), EFTA and GB, nothing else."""
    from footprint.inputs import regions

    assert len(regions.EU27 - {"EL"}) == 27
    assert regions.EFTA == {"IS", "LI", "NO", "CH"}
    assert regions.CONTINENTAL["RER"] == regions.EU27 | regions.EFTA | {"GB"}
    assert regions.CONTINENTAL["Europe without Switzerland"] == regions.CONTINENTAL["RER"] - {"CH"}
    assert set(regions.DATASET_REGIONS) == {"GLO", "RoW", "EU-27", "RER", "Europe without Switzerland"}


@pytest.mark.parametrize("geography", ["RoW", "Europe without Switzerland", "RER"])
def test_the_library_takes_the_region_codes_it_scores(geography):
    from footprint.data.inventory import geography_problem

    assert geography_problem(geography) is None
    assert geography_problem("Europe") is not None  # not a code ecoinvent-style databases use


def test_a_rer_dataset_at_a_german_facility_is_not_another_country(project):
    """The library's fuel/natural-gas-upstream (RER, own GeR 3) used at a German plant: in context
    max(3, 2) = 3 (old: max(3, 5) = 5); at a Chinese plant 5 either way."""
    from footprint.data import inventory
    from footprint.engine.quality import dataset_in_context

    dataset = inventory.load_catalogue().datasets["fuel/natural-gas-upstream"]
    assert dataset.geography == "RER" and dataset.dqr.GeR == 3
    assert dataset_in_context(dataset, _context(country="DE"))["GeR"] == 3
    assert dataset_in_context(dataset, _context(country="CN"))["GeR"] == 5


def test_one_contributions_dqr_by_hand_a_rer_2019_dataset_at_a_german_plant(project):
    """One contribution: the producer's datum (TeR 1, GeR 1, TiR 1, P 2) on fuel/natural-gas-upstream (RER, 2019,
    own 2/3/2/2), a German plant, a 2025 period declared on 2026-12-01 (the suite's FIXED_MOMENT day).

    In context: GeR max(3, 2 [RER contains DE]) = 3, TiR max(2, 5 [2026 - 2019 = 7 > 6]) = 5; averaged with
    the datum: TeR (1+2)/2 = 1.5, GeR (1+3)/2 = 2, TiR (1+5)/2 = 3, P (2+2)/2 = 2 -> DQR 8.5/4 = 2.125.
    Old code: GeR max(3, 5 ['another country']) = 5, TiR max(2, 4 [2025 - 2019 = 6 <= 6]) = 4 ->
    TeR 1.5, GeR 3, TiR 2.5, P 2 -> DQR 9/4 = 2.25."""
    from footprint.data import inventory
    from footprint.engine.calculate import Item
    from footprint.engine.quality import _score, item_criteria
    from footprint.engine.system import Flow
    from footprint.inputs.dqr import DQR

    catalogue = inventory.load_catalogue()
    flow = Flow("boiler", "background", "fuel/natural-gas-upstream", 1.0, "MJ", "natural gas",
                "processes.boiler.inputs[0]", DQR(TeR=1, GeR=1, TiR=1, P=2), True)
    criteria = item_criteria(Item(flow, "boiler", 1.0), catalogue, _context(country="DE"))
    assert criteria == {"TeR": 1.5, "GeR": 2.0, "TiR": 3.0, "P": 2.0}
    assert _score(criteria) == pytest.approx(2.125)
