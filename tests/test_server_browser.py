"""The web pages of ``footprint serve`` in headless Chromium, loaded from the real server over TLS.

The server runs on a free loopback port with a throw-away certificate (Chromium is told to accept it);
each page is loaded, values are checked in the rendered DOM, images are checked to be PNGs the page
shows (the screenshot is not blank), and Chromium must log no console message (a Content-Security-
Policy violation would be one).
"""
from __future__ import annotations

import base64
import copy
import io
import re
import uuid

import pytest

from footprint.report._format import fmt_sig
from footprint.report.pdf import find_browser, run_headless
from liveserver import REPO, LiveServer, certificate_or_skip

pytestmark = pytest.mark.skipif(
    find_browser() is None,
    reason="headless Chromium is not installed and could not be installed here: run 'make test' as root on "
           "Debian/Ubuntu (it runs apt-get install chromium) or install the chromium package")

CLASS = {"class": "C", "scheme_id": "ndpr-oxide/climate_change/2022-2024", "category": "climate_change",
         "value": 44.6, "thresholds": [20.0, 30.0, 45.0, 60.0, 80.0, 110.0], "labels": list("ABCDEFG")}


def _declaration(base: dict, name: str, *, performance_class: dict | None = None) -> dict:
    from footprint.declaration.declaration import content_hash

    document = copy.deepcopy(base)
    document["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
    document["declarant"]["name"] = name
    document["declarant"]["identifier"] = "urn:example:company:" + uuid.uuid5(uuid.NAMESPACE_URL, name).hex[:12]
    if performance_class:
        document["performance_class"] = dict(performance_class)
    document["content_sha256"] = content_hash(document)
    return document


@pytest.fixture(scope="module")
def site(example_declaration, tmp_path_factory):
    import footprint
    from footprint.market import db
    from footprint.server.publish import publish
    from footprint.server.store import Store

    work = tmp_path_factory.mktemp("site")
    database = str(work / "footprint.sqlite")
    Store(database).prepare()
    footprint.market_import(REPO / "examples" / "market" / "register.csv", register=database)
    docs = [_declaration(example_declaration, "Alpha Magnets GmbH", performance_class=CLASS),
            _declaration(example_declaration, "Beta Oxides SA")]
    for doc in docs:
        publish(doc, public=True, database=database)
    hidden = _declaration(example_declaration, "Hidden Client-Only Producer")
    Store(database).add_client("buyer")
    publish(hidden, to=["buyer"], database=database)
    cert, key = certificate_or_skip(work)
    server = LiveServer(database, cert, key, work, work / "access.log")
    yield {"url": server.url, "docs": docs, "db": database, "work": work}
    server.stop()
    db.dispose(database)


def _dom(url: str) -> tuple[str, list[str]]:
    done = run_headless(["--ignore-certificate-errors", "--enable-logging=stderr", "--v=0",
                         "--virtual-time-budget=5000", "--dump-dom", url], timeout=120)
    console = [line for line in (done.stderr or "").splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def _images(dom: str) -> list[bytes]:
    found = re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]+)"', dom)
    return [base64.b64decode(data) for data in found]


def _assert_png(data: bytes) -> None:
    from matplotlib.image import imread

    assert data.startswith(b"\x89PNG")
    pixels = imread(io.BytesIO(data), format="png")
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100


def test_the_list_page_shows_public_declarations_and_filters(site):
    dom, console = _dom(site["url"] + "/")
    assert console == []
    assert re.search(r'<p id="count">2 declaration\(s\)</p>', dom)
    for doc in site["docs"]:
        assert doc["declarant"]["name"] in dom
        climate = next(r for r in doc["results"] if r["category"] == "climate_change")
        assert f'<span class="value">{fmt_sig(climate["value"])} {climate["unit"]}</span>' in dom
    assert "Hidden Client-Only Producer" not in dom                       # published to a client only
    filtered, console = _dom(site["url"] + "/?declarant=alpha&class=C&rule=ndpr-oxide&period="
                             + site["docs"][0]["period"]["start"][:4])
    assert console == [] and '<p id="count">1 declaration(s)</p>' in filtered
    assert "Alpha Magnets GmbH" in filtered and "Beta Oxides SA" not in filtered.split('id="count"')[1]
    none, _ = _dom(site["url"] + "/?period=1999")
    assert '<p id="count">0 declaration(s)</p>' in none


def test_a_declaration_page_is_its_report(site):
    from footprint.export.pact import to_pact

    doc = site["docs"][0]
    dom, console = _dom(f"{site['url']}/declarations/{to_pact(doc)['id']}")
    assert console == []
    assert re.search(r"<title>Environmental footprint declaration", dom)
    results = re.search(r'<table class="results">.*?</table>', dom, re.S).group(0)
    for result in doc["results"]:  # schema 2.0: the declared categories only
        assert f">{fmt_sig(result['value'])}<" in results, result["category"]
    images = _images(dom)
    declared = len(doc["results"])
    assert len(images) == 1 + declared + 1                                # stages, one per category, class label
    for data in images:
        _assert_png(data)


def test_the_class_scheme_page_shows_thresholds_and_the_market_distribution(site, tmp_path):
    import footprint

    scheme = footprint.derive_classes("ndpr-oxide", None, "2023-2025", register=site["db"])
    dom, console = _dom(site["url"] + "/rules/ndpr-oxide/classes")
    assert console == []
    assert scheme["scheme_id"] in dom                                     # newest three years of the register
    table = re.search(r'<table class="thresholds">.*?</table>', dom, re.S).group(0)
    for threshold in scheme["thresholds"]:
        assert fmt_sig(threshold) in table
    counts = [int(c) for c in re.findall(r'<td class="num">(\d+)</td>', table)]
    assert len(counts) == scheme["number_of_classes"] and sum(counts) == scheme["counts"]["declarations"]
    images = _images(dom)
    assert len(images) == 1
    _assert_png(images[0])
    shot = tmp_path / "classes.png"
    run_headless(["--ignore-certificate-errors", "--window-size=1100,1400", f"--screenshot={shot}",
                  site["url"] + "/rules/ndpr-oxide/classes"], timeout=120)
    from matplotlib.image import imread

    flat = (imread(shot)[..., :3] * 255).round().astype(int).reshape(-1, 3)
    assert len({tuple(row) for row in flat[:: max(1, len(flat) // 50000)]}) > 50   # the figure was drawn
    missing, _ = _dom(site["url"] + "/rules/no-such-rule/classes")
    assert "No class scheme for rule" in missing
