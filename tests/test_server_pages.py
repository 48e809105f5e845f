"""The host's web pages serve the numbers the CLI derives (no browser needed: Starlette's TestClient over https).

tests/test_server_browser.py renders the same pages in headless Chromium where one is installed.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parents[1]
PARTIAL_HEADER = ("declaration_id,rule_id,rule_version,declarant,date,year,mass_kg,content_sha256,value:climate_change,"
                  "unit:climate_change,coverage:climate_change\n")


@pytest.fixture()
def register_with_partial_values(tmp_path) -> str:
    """The example market register, plus three NdPr oxide declarations of 2025 whose climate change is partial.

    Each partial value is 1.0 kg CO2-Eq: below every threshold, so a page that counted it would put it in class A.
    """
    import footprint
    from footprint.server.store import Store

    database = str(tmp_path / "footprint.sqlite")
    Store(database).prepare()
    footprint.market_import(REPO / "examples" / "market" / "register.csv", register=database)
    partial = tmp_path / "partial.csv"
    partial.write_text(PARTIAL_HEADER + "".join(
        f"urn:uuid:00000000-0000-4000-8000-00000000000{k},ndpr-oxide,1.0.0,Partial producer {k},2025-01-31,2025,"
        f"100000,,1.0,kg CO2-Eq,partial\n" for k in range(3)), encoding="utf-8")
    footprint.market_import(partial, register=database)
    yield database
    from footprint.market import db

    db.dispose(database)


def test_the_class_page_counts_the_declarations_the_scheme_ranks_and_no_partial_value(register_with_partial_values):
    import footprint
    from footprint.server.app import create_app

    database = register_with_partial_values
    scheme = footprint.derive_classes("ndpr-oxide", None, "2023-2025", register=database)
    # the derivation leaves the 3 partial values out (a lower bound is no basis for a class) and says so
    assert scheme["counts"]["excluded_partial"] == 3
    expected = [c["declarations"] for c in scheme["classes"]]
    assert sum(expected) == scheme["counts"]["declarations"]
    client = TestClient(create_app(database), base_url="https://pact.test")
    page = client.get("/rules/ndpr-oxide/classes?window=2023-2025")
    assert page.status_code == 200
    table = re.search(r'<table class="thresholds">(.*?)</table>', page.text, re.S).group(1)
    shown = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', table)]
    # before: every point of the register was counted by value, so class A showed expected[0] + 3 (the three
    # partial 1.0 kg CO2-Eq values) and the page's classes held 3 declarations more than the scheme ranks
    assert shown == expected
    assert "3 with a partial value, a lower bound, left out" in page.text


def test_the_list_page_marks_a_partial_climate_change_value_as_a_lower_bound(example_declaration, tmp_path):
    """A declared value with partial coverage is a lower bound (some flows have no factor); the report says so,
    the list page showed it as the product's value.  Complete values stay plain.  `publish` now refuses a partial
    climate change (its PACT pcf carries no flag customers read); a record stored before that, as here, is still
    shown as a lower bound."""
    import copy
    import uuid

    from footprint.declaration.declaration import content_hash
    from footprint.export import ExportError
    from footprint.server.app import create_app
    from footprint.server.publish import PUBLIC, pact_record, publish
    from footprint.server.store import Store

    database = str(tmp_path / "footprint.sqlite")
    Store(database).prepare()
    for name, coverage in (("Complete Oxides", "complete"), ("Partial Oxides", "partial")):
        document = copy.deepcopy(example_declaration)
        document["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
        document["declarant"]["name"] = name
        document["declarant"]["identifier"] = f"urn:example:company:{name.split()[0].lower()}"
        record = pact_record(document)  # as a footprint before the refusal wrote it
        climate = next(r for r in document["results"] if r["category"] == "climate_change")
        climate["coverage"] = coverage
        document["content_sha256"] = content_hash(document)
        if coverage == "partial":
            with pytest.raises(ExportError, match="climate_change is partial"):
                publish(document, public=True, database=database)
            Store(database).publish(document, record, [PUBLIC])
        else:
            publish(document, public=True, database=database)
    page = TestClient(create_app(database), base_url="https://pact.test").get("/")
    assert page.status_code == 200
    cells = dict(re.findall(r'>(Complete Oxides|Partial Oxides)</a>.*?<span class="value">(.*?)</span>', page.text,
                            re.S))
    assert "partial" not in cells["Complete Oxides"] and "\u2265" not in cells["Complete Oxides"]
    assert cells["Partial Oxides"].startswith("\u2265 ") and "(partial: a lower bound)" in cells["Partial Oxides"]
    from footprint.market import db

    db.dispose(database)


def test_a_deprecated_declaration_s_page_says_it_is_no_longer_current(example_declaration, tmp_path):
    """publish --replace (or Store.deprecate) marks a record Deprecated; its public page still showed the old
    report exactly as the current one (and a page cached while Active stayed so)."""
    from footprint.export.pact import to_pact
    from footprint.market import db
    from footprint.server.app import create_app
    from footprint.server.publish import publish
    from footprint.server.store import Store

    database = str(tmp_path / "footprint.sqlite")
    Store(database).prepare()
    publish(example_declaration, public=True, database=database)
    pf_id = to_pact(example_declaration)["id"]
    client = TestClient(create_app(database), base_url="https://pact.test")
    active = client.get(f"/declarations/{pf_id}")
    assert active.status_code == 200 and "Deprecated:" not in active.text
    Store(database).deprecate(pf_id)
    deprecated = client.get(f"/declarations/{pf_id}")  # the same app: its cache held the Active page
    assert deprecated.status_code == 200
    assert "Deprecated: this declaration has been replaced" in deprecated.text
    assert deprecated.text.index("Deprecated:") < deprecated.text.index("<h1")  # first thing on the page
    db.dispose(database)


def test_the_class_page_s_default_window_ends_with_the_last_complete_year():
    """The register holds 2023-2026 placements on 2026-11-30: the page asked for 2024-2026, a window not over
    (classes.derivation_date refuses it), and showed 'no class scheme'; now 2023-2025."""
    import datetime as dt

    from footprint.errors import FootprintError
    from footprint.server.pages import default_window

    today = dt.date(2026, 11, 30)
    assert default_window([2023, 2024, 2025, 2026], today) == "2023-2025"
    assert default_window([2021, 2022], today) == "2020-2022"  # the last complete year with placements
    with pytest.raises(FootprintError, match="completed year"):
        default_window([2026], today)


def test_the_class_page_serves_a_scheme_while_this_year_is_being_registered(tmp_path):
    """The example register (placements up to 2025) plus one placement of this year: the page without a
    window showed 'No class scheme' (it asked for a window ending this year); it shows the last complete one."""
    import datetime as dt

    import footprint
    from footprint.market import db
    from footprint.server.app import create_app
    from footprint.server.store import Store

    database = str(tmp_path / "footprint.sqlite")
    Store(database).prepare()
    footprint.market_import(REPO / "examples" / "market" / "register.csv", register=database)
    from footprint._time import utc_today

    this_year = utc_today().year  # the product's clock (the suite's fixed clock, conftest)
    current = tmp_path / "current.csv"
    current.write_text(PARTIAL_HEADER + f"urn:uuid:00000000-0000-4000-8000-000000000099,ndpr-oxide,1.0.0,Early "
                       f"producer,{this_year}-01-31,{this_year},1000,,40.0,kg CO2-Eq,complete\n", encoding="utf-8")
    footprint.market_import(current, register=database)
    try:
        page = TestClient(create_app(database), base_url="https://pact.test").get("/rules/ndpr-oxide/classes")
        assert page.status_code == 200, page.text[:300]
        last = max(int(line.split(",")[5]) for line in
                   (REPO / "examples" / "market" / "register.csv").read_text().splitlines()[1:] if line.strip())
        assert f"{last - 2}\u2013{last}" in page.text
    finally:
        db.dispose(database)
