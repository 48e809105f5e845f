"""The HTML report in a real browser: headless Chromium renders it, we look at what it drew.

Checks: the page title, the declared values in the rendered DOM, every image
decoded (``complete`` and ``naturalWidth > 0``, written into the DOM by a probe
script added to a test copy of the page), no console messages, a screenshot
that is not blank, and a PDF.  Chromium is Debian's ``chromium`` package;
``make test`` installs it where it can (root with apt-get).  Only where it is
not installed are these tests skipped, and the reason says how to get it.
"""
from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import pytest

from footprint.report import render_html
from footprint.report._format import fmt_sig, numbers_in
from footprint.report.pdf import find_browser, run_headless

pytestmark = pytest.mark.skipif(
    find_browser() is None,
    reason="headless Chromium is not installed and could not be installed here: run 'make test' as root on "
           "Debian/Ubuntu (it runs apt-get install chromium) or install the chromium package, or set "
           "FOOTPRINT_CHROMIUM to a Chromium binary")

#: Added before </body> of a test copy of the report: counts decoded images after the load event.
PROBE = """<script>
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var decoded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; });
  document.body.setAttribute('data-probe-images', decoded.length + '/' + images.length);
});
</script>"""

CLASS = {"class": "C", "scheme_id": "ndpr-oxide/climate_change/2022-2024", "category": "climate_change",
         "value": 44.6, "thresholds": [20.0, 30.0, 45.0, 60.0, 80.0, 110.0], "labels": list("ABCDEFG")}


def _render_dom(page: Path) -> tuple[str, list[str]]:
    """The DOM after load and scripts, and every console message Chromium logged."""
    done = run_headless(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
                         page.as_uri()], timeout=90)
    console = [line for line in (done.stderr or "").splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def _probe_copy(html: str, path: Path) -> Path:
    assert "</body>" in html
    path.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def classed_declaration(example_declaration) -> dict:
    document = copy.deepcopy(example_declaration)
    document["performance_class"] = dict(CLASS)
    return document


@pytest.mark.parametrize("lang, title_start", [("en", "Environmental footprint declaration"),
                                               ("de", "Erklärung zum ökologischen Fußabdruck")])
def test_report_renders_in_chromium_with_values_images_and_no_console_messages(
        classed_declaration, tmp_path, lang, title_start):
    page = _probe_copy(render_html(classed_declaration, lang), tmp_path / f"report-{lang}.html")
    dom, console = _render_dom(page)
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title.startswith(title_start) and "NdPr oxide" in title
    results = re.search(r'<table class="results">.*?</table>', dom, re.S).group(0)
    for result in classed_declaration["results"]:  # schema 2.0: the declared categories only
        with numbers_in(lang):  # the German report writes 46,6
            shown = fmt_sig(result["value"])
        assert f">{shown}<" in results, result["category"]
        assert result["unit"] in results
    declared = len(classed_declaration["results"])
    images = 1 + declared + 1  # stage chart, one top-processes chart per category, class label
    assert f'data-probe-images="{images}/{images}"' in dom
    assert console == []


def test_probe_detects_a_broken_image_and_a_console_error(example_declaration, tmp_path):
    """The checks above can fail: a corrupt image and a script error are both seen."""
    html = render_html(example_declaration)
    broken = re.sub(r"base64,[A-Za-z0-9+/=]{40}", "base64,AAAA", html, count=1)
    broken = broken.replace("</body>", "<script>console.error('deliberate test error');</script></body>")
    dom, console = _render_dom(_probe_copy(broken, tmp_path / "broken.html"))
    count = re.search(r'data-probe-images="(\d+)/(\d+)"', dom)
    assert count and int(count.group(1)) == int(count.group(2)) - 1
    assert any("deliberate test error" in line for line in console)


def _png_pixels(path: Path):
    from matplotlib.image import imread

    return imread(path)


def test_screenshot_of_the_report_is_not_blank(classed_declaration, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(classed_declaration), encoding="utf-8")
    shot = tmp_path / "shot.png"
    run_headless(["--window-size=1100,1600", f"--screenshot={shot}", page.as_uri()], timeout=90)
    assert shot.exists() and shot.read_bytes().startswith(b"\x89PNG")
    pixels = _png_pixels(shot)[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    flat = (pixels * 255).round().astype(int).reshape(-1, 3)
    colours = {tuple(row) for row in flat[:: max(1, len(flat) // 50000)]}
    not_white = (flat.sum(axis=1) < 3 * 245).mean()
    assert len(colours) > 50, "screenshot is (nearly) a single colour"
    assert not_white > 0.03, "screenshot is almost entirely white"


def test_pdf_is_printed_by_chromium(classed_declaration, tmp_path):
    import footprint

    target = footprint.write_report_pdf(classed_declaration, tmp_path / "bericht.pdf", lang="de")
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2  # a multi-page A4 report


def test_cli_report_writes_html_and_pdf(example_declaration, tmp_path):
    import json

    from click.testing import CliRunner

    from cli import main

    source = tmp_path / "decl.json"
    source.write_text(json.dumps(example_declaration), encoding="utf-8")
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    result = CliRunner().invoke(main, ["report", str(source), "-o", str(html), "--pdf", str(pdf), "--lang", "de"])
    assert result.exit_code == 0, result.output
    assert '<html lang="de">' in html.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_chromium_runs_offline_with_a_fresh_profile():
    """The flags that keep a print run offline are passed (no network, no user profile)."""
    done = run_headless(["--dump-dom", "data:text/html,<p>ok</p>"], timeout=60)
    assert "<p>ok</p>" in done.stdout
    assert isinstance(done, subprocess.CompletedProcess)
    for flag in ("--headless", "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in done.args
    profile = next(a for a in done.args if a.startswith("--user-data-dir="))
    assert not Path(profile.split("=", 1)[1]).exists()  # fresh per run, removed afterwards
