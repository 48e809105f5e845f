"""Tests for footprint.report: HTML rendering and the stage chart."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

import pytest

from footprint.report import render_html, stage_chart_png
from footprint.report._format import fmt_sig
from footprint.report.figures import stage_shares
from footprint.report.html import FOOTER_SENTENCE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LONG_HASH = "9e0f" + "ab" * 30


def _result(category: str, label: str, unit: str, value: float, declared: bool,
            by_stage: dict[str, float], coverage: str = "complete") -> dict[str, Any]:
    """A result record; processes mirror stages one-to-one in this fixture."""
    procs = {"extraction": "mining", "concentration": "beneficiation", "refining": "separation"}
    return {"category": category, "label": label, "indicator": f"{label} indicator",
            "unit": unit, "value": value, "declared": declared, "coverage": coverage,
            "by_stage": by_stage,
            "by_process": {procs[s]: v for s, v in by_stage.items()}}


def make_declaration() -> dict[str, Any]:
    """Small declaration with the structure of the sample declaration."""
    return {
        "schema_version": "1.0",
        "id": "decl-test-0001",
        "rule": {"id": "ndpr-oxide", "version": "1.0.0",
                 "title": "NdPr oxide, primary route", "sha256": "ab12" * 16},
        "declared_unit": {"amount": 1, "unit": "kg", "product": "NdPr oxide",
                          "chemical_form": "(Nd,Pr) oxide", "grade": ">= 99.0 % TREO"},
        "declarant": {"name": "Example Rare Earths Co., Ltd.", "facility": "Baotou complex",
                      "country": "CN", "region": "CN-NM"},
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "route": "primary",
        "method": {"name": "EF v3.1", "version": "3.1", "implementation": "test", "cf_sha256": "cd34"},
        "stages": [{"id": "extraction", "label": "Extraction"},
                   {"id": "concentration", "label": "Concentration"},
                   {"id": "refining", "label": "Refining"}],
        "processes": [
            {"id": "mining", "name": "Ore mining", "stage": "extraction",
             "annex_v": ["4(a)"], "company_specific": True},
            {"id": "beneficiation", "name": "Flotation", "stage": "concentration",
             "annex_v": ["4(d)"], "company_specific": True},
            {"id": "separation", "name": "Solvent extraction", "stage": "refining",
             "annex_v": ["4(j)"], "company_specific": False},
        ],
        "results": [
            _result("climate_change", "Climate change", "kg CO2-Eq", 31.2, True,
                    {"extraction": 4.1, "concentration": 6.0, "refining": 21.1}, "partial"),
            _result("particulate_matter", "Particulate matter", "disease incidence", 2.1e-6, True,
                    {"extraction": 1.5e-6, "concentration": 0.2e-6, "refining": 0.4e-6}),
            _result("ozone_depletion", "Ozone depletion", "kg CFC-11-Eq", 0.0, False,
                    {"extraction": 0.0, "concentration": 0.0, "refining": 0.0}, "none"),
        ],
        "data_quality": {
            "dqr": 2.3, "level": "good", "criteria": {"TeR": 2.1, "GeR": 1.8, "TiR": 2.0, "P": 3.2},
            "primary_data_share": 0.64, "basis": "climate_change",
            "by_process": {"mining": {"dqr": 1.5, "share": 0.13},
                           "beneficiation": {"dqr": 2.0, "share": 0.19},
                           "separation": {"dqr": 2.6, "share": 0.68}},
            "partial_coverage": [{"dataset": "chemical/hcl", "covers": ["climate_change"],
                                  "screening": True}],
            "warnings": ["process 'separation' DQR 2.6 exceeds the rule limit 1.6"],
        },
        "allocation": [{"process": "beneficiation", "method": "economic", "main_share": 0.8,
                        "products": [{"name": "REO concentrate", "share": 0.8},
                                     {"name": "iron ore", "share": 0.2}],
                        "basis": "relative prices"}],
        "cut_off": {"threshold": 0.03, "excluded": []},
        "provenance": {
            "activity_data": {"path": "examples/activity.yaml", "sha256": "ef56" * 16},
            "libraries": {"footprint": "0.1.0", "python": "3.11.7"},
            "created": "2026-11-23T01:00:00Z",
        },
        "content_sha256": LONG_HASH,
    }


@pytest.fixture()
def declaration() -> dict[str, Any]:
    return make_declaration()


def _split_details(page: str) -> tuple[str, str]:
    """Return (page without the details block, the details block)."""
    match = re.search(r"<details\b.*?</details>", page, re.S)
    assert match, "no <details> block"
    return page[:match.start()] + page[match.end():], match.group(0)


def _visible_text(page: str) -> str:
    """Page without the embedded image, so base64 cannot match by chance."""
    return re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,", page)


# --- formatting --------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (31.2, "31.2"), (0.41, "0.410"), (2.1e-6, "2.10e-06"), (0.0, "0"),
    (9.996, "10.0"), (1234.5, "1230"), (12345.0, "1.23e+04"), (-4.1, "-4.10"),
    (None, "\u2014"), (float("nan"), "\u2014"), ("abc", "\u2014"),
])
def test_fmt_sig(value: Any, expected: str) -> None:
    assert fmt_sig(value) == expected


# --- HTML --------------------------------------------------------------------

def test_html_contains_header_and_declared_results(declaration: dict[str, Any]) -> None:
    page = render_html(declaration)
    assert page.startswith("<!DOCTYPE html>")
    assert "NdPr oxide" in page
    assert "Example Rare Earths Co., Ltd." in page
    assert "2025-01-01" in page and "ndpr-oxide" in page
    for expected in ("31.2", "kg CO2-Eq", "2.10e-06", "disease incidence"):
        assert expected in page
    assert FOOTER_SENTENCE in page


def test_html_flags_incomplete_coverage(declaration: dict[str, Any]) -> None:
    outside, _ = _split_details(render_html(declaration))
    results_table = re.search(r'<table class="results">.*?</table>', outside, re.S).group(0)
    assert results_table.count("badge-warn") == 1  # climate change partial, PM complete
    assert ">partial<" in results_table


def test_html_embeds_chart_as_base64_png(declaration: dict[str, Any]) -> None:
    page = render_html(declaration)
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match
    assert base64.b64decode(match.group(1)).startswith(PNG_SIGNATURE)


def test_html_is_self_contained(declaration: dict[str, Any]) -> None:
    page = _visible_text(render_html(declaration))
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page


def test_non_declared_only_inside_details(declaration: dict[str, Any]) -> None:
    outside, details = _split_details(_visible_text(render_html(declaration)))
    assert "Ozone depletion" in details and "kg CFC-11-Eq" in details
    assert "Ozone depletion" not in outside
    assert "kg CFC-11-Eq" not in outside
    assert "Climate change" not in details


def test_declarant_script_is_escaped(declaration: dict[str, Any]) -> None:
    declaration["declarant"]["name"] = '<script>alert("x")</script> & Co'
    declaration["declared_unit"]["product"] = "<b>oxide</b>"
    page = render_html(declaration)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "<b>oxide</b>" not in page and "&lt;b&gt;oxide&lt;/b&gt;" in page


def test_hash_shortened_with_full_value_in_title(declaration: dict[str, Any]) -> None:
    page = render_html(declaration)
    assert f'title="{LONG_HASH}"' in page
    assert LONG_HASH[:12] + "\u2026" in page


def test_data_quality_and_contributions(declaration: dict[str, Any]) -> None:
    page = render_html(declaration)
    assert 'class="warnings"' in page and "exceeds the rule limit" in page
    assert "64.0\u00a0%" in page  # primary data share
    for criterion in ("TeR", "GeR", "TiR", "P"):
        assert f"<td>{criterion}</td>" in page
    assert "67.6\u00a0%" in page  # refining share of climate change
    assert "Solvent extraction" in page and "chemical/hcl" in page
    assert "economic" in page and "3.0\u00a0%" in page  # allocation, cut-off


def test_optional_sections_may_be_missing(declaration: dict[str, Any]) -> None:
    for key in ("allocation", "cut_off"):
        del declaration[key]
    del declaration["data_quality"]["warnings"]
    del declaration["data_quality"]["partial_coverage"]
    page = render_html(declaration)
    assert 'id="allocation"' not in page
    assert "No data-quality warnings." in page


# --- chart -------------------------------------------------------------------

def test_chart_is_deterministic_png(declaration: dict[str, Any]) -> None:
    first = stage_chart_png(declaration)
    second = stage_chart_png(copy.deepcopy(declaration))
    assert first.startswith(PNG_SIGNATURE)
    assert first == second
    assert b"tIME" not in first  # no timestamp chunk


def test_zero_total_category_does_not_crash(declaration: dict[str, Any]) -> None:
    for result in declaration["results"]:
        result["declared"] = True
    declaration["results"][0]["value"] = 0.0
    declaration["results"][0]["by_stage"] = dict.fromkeys(declaration["results"][0]["by_stage"], 0.0)
    assert stage_chart_png(declaration).startswith(PNG_SIGNATURE)
    assert "Ozone depletion" in render_html(declaration)


def test_negative_contributions_and_no_declared(declaration: dict[str, Any]) -> None:
    declaration["results"][0]["by_stage"] = {"extraction": -3.0, "concentration": 1.0, "refining": 1.0}
    assert stage_chart_png(declaration).startswith(PNG_SIGNATURE)
    for result in declaration["results"]:
        result["declared"] = False
    assert stage_chart_png(declaration).startswith(PNG_SIGNATURE)
    assert "No declared impact categories" in render_html(declaration)


def test_stage_shares() -> None:
    ids = ["a", "b", "c"]
    assert stage_shares({"a": 1, "b": 3}, ids) == ((25.0, 75.0, 0.0), False)
    assert stage_shares({"a": 0, "b": 0}, ids) == ((0.0, 0.0, 0.0), False)
    shares, gross = stage_shares({"a": -3, "b": 1, "c": 1}, ids)
    assert gross and shares == (-60.0, 20.0, 20.0)


# --- languages, class label, verification, top processes (issue 6) ------------

from footprint.report.errors import ReportError  # noqa: E402
from footprint.report.i18n import LANGUAGES, STRINGS  # noqa: E402

CLASS = {"class": "C", "scheme_id": "ndpr-oxide/climate_change/2022-2024", "category": "climate_change",
         "value": 31.2, "thresholds": [10.0, 20.0, 35.0, 50.0, 70.0, 100.0], "labels": list("ABCDEFG")}


def _section_of(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">.*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_every_label_exists_in_both_languages_with_the_same_placeholders() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGUAGES), key
        placeholders = {lang: set(re.findall(r"{(\w+)}", entry[lang])) for lang in LANGUAGES}
        assert placeholders["en"] == placeholders["de"], key


def test_german_report_uses_german_labels_with_umlauts(declaration: dict[str, Any]) -> None:
    page = _visible_text(render_html(declaration, "de"))
    assert '<html lang="de">' in page
    assert "<title>Erklärung zum ökologischen Fußabdruck \u2014 NdPr oxide</title>" in page
    for label in ("Erklärte Ergebnisse", "Datenqualität", "Anteil der Primärdaten", "Berichtszeitraum",
                  "Technologische Repräsentativität", "Prüfstatus", "nicht geprüft", "Wichtigste Prozesse",
                  "Herkunft und Nachvollziehbarkeit", "Angegebene Einheit", "Klimawandel", "Feinstaub", "Ozonabbau"):
        assert label in page, label
    for english in ("Declared results", "Data quality", "Primary data share", "Reporting period",
                    "not verified", "<td>Climate change</td>", "<h3>Climate change", FOOTER_SENTENCE):
        assert english not in page, english
    assert "Example Rare Earths Co., Ltd." in page and "Solvent extraction" in page  # data stay as given


def test_english_is_the_default_and_unknown_languages_are_refused(declaration: dict[str, Any]) -> None:
    assert render_html(declaration) == render_html(declaration, "en")
    assert '<html lang="en">' in render_html(declaration)
    with pytest.raises(ReportError, match="unknown report language.*'fr'.*en, de"):
        render_html(declaration, "fr")


def test_one_top_process_chart_per_declared_category(declaration: dict[str, Any]) -> None:
    section = _section_of(render_html(declaration), "top-processes")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', section)
    declared = [r for r in declaration["results"] if r["declared"]]
    assert len(images) == len(declared) == 2
    assert all(base64.b64decode(i).startswith(PNG_SIGNATURE) for i in images)
    assert "Climate change" in section and "Particulate matter" in section


def test_top_processes_sum_the_rest_so_bars_add_up_to_the_total(declaration: dict[str, Any]) -> None:
    from footprint.report.figures import top_processes

    result = declaration["results"][0]
    bars = top_processes(declaration, result, top=2)
    assert [b.label for b in bars] == ["Solvent extraction", "Flotation", "all other processes (1)"]
    assert sum(b.value for b in bars) == pytest.approx(result["value"])
    german = top_processes(declaration, result, top=1, lang="de")
    assert german[-1].label == "alle übrigen Prozesse (2)"


def test_class_label_section_when_a_class_is_given(declaration: dict[str, Any]) -> None:
    assert 'id="performance-class"' not in render_html(declaration)
    declaration["performance_class"] = dict(CLASS)
    for lang in LANGUAGES:
        section = _section_of(render_html(declaration, lang), "performance-class")
        image = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', section).group(1)
        assert base64.b64decode(image).startswith(PNG_SIGNATURE)
        assert "<strong>C</strong>" in section and "ndpr-oxide/climate_change/2022-2024" in section
        assert ("10,0; 20,0; 35,0; 50,0; 70,0; 100" if lang == "de" else "10.0, 20.0, 35.0, 50.0, 70.0, 100") \
            in section  # German: decimal comma, so the list is separated by semicolons


def test_class_label_falls_back_to_our_drawing_without_labels(declaration: dict[str, Any]) -> None:
    from footprint.report.figures import class_label_png

    minimal = {"class": "B", "value": 12.0}
    assert class_label_png(minimal).startswith(PNG_SIGNATURE)
    declaration["performance_class"] = minimal
    assert 'id="performance-class"' in render_html(declaration)


def test_verification_status_not_verified_or_the_record(declaration: dict[str, Any]) -> None:
    page = render_html(declaration)
    assert "not verified" in _section_of(page, "verification")
    declaration["verification"] = {"status": "verified", "providerName": "Example Notified Body",
                                   "completedAt": "2026-03-01", "standardName": "CRMA Art. 31 DA"}
    section = _section_of(render_html(declaration), "verification")
    assert "not verified" not in section
    assert "Example Notified Body" in section and "2026-03-01" in section and "CRMA Art. 31 DA" in section


def test_pdf_without_chromium_is_one_clear_error(declaration: dict[str, Any], monkeypatch, tmp_path) -> None:
    from footprint.report import render_pdf

    monkeypatch.setenv("FOOTPRINT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ReportError, match="headless Chromium not found.*install Debian's chromium package"):
        render_pdf(declaration)


def test_cli_pdf_without_chromium_exits_2_and_writes_nothing(declaration: dict[str, Any], monkeypatch,
                                                             tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from cli import main

    source = tmp_path / "decl.json"
    source.write_text(json.dumps(declaration), encoding="utf-8")
    monkeypatch.setattr("footprint.api.read_declaration", lambda path, **_options: declaration)
    monkeypatch.setenv("FOOTPRINT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    result = CliRunner().invoke(main, ["report", str(source), "-o", str(html), "--pdf", str(pdf)])
    assert result.exit_code == 2
    assert "chromium" in result.output and "Traceback" not in result.output
    assert not html.exists() and not pdf.exists()


def test_standard_stage_labels_are_translated_and_a_rules_own_wording_is_kept(declaration: dict[str, Any]) -> None:
    declaration["stages"][2]["label"] = "Refining (magnet making)"
    page = render_html(declaration, "de")
    assert "<td>Gewinnung</td>" in page and "<td>Konzentration</td>" in page
    assert "Refining (magnet making)" in page and "Raffination" not in page
    assert "<td>Extraction</td>" in render_html(declaration, "en")


def test_the_report_and_classes_assign_draw_the_same_label() -> None:
    from footprint.report import label
    from footprint.report.figures import class_label_png

    record = {**CLASS, "unit": "kg CO2-Eq"}
    assert class_label_png(record) == label.class_label_png(record)
    assert class_label_png(record, lang="de") != class_label_png(record)      # the title is translated
    assert label.class_label_png({"class": "B", "labels": ["A", "B"], "thresholds": [1.0, 2.0]}).startswith(
        PNG_SIGNATURE)                                                         # thresholds that do not fit


def test_german_report_writes_numbers_with_a_decimal_comma(declaration: dict[str, Any]) -> None:
    """A German reader takes "0.340" for 340 and "2,000 Iterationen" for 2: the German report must write
    0,340 and 2.000 (decimal comma, point for thousands); the English one is unchanged.

    Hand-derived from the fixture: climate change 31.2 -> "31,2"; particulate matter 2.1e-6 with three
    significant figures -> "2,10e-06"; DQR 2.3 -> "2,30" (as declared, at least two decimals); primary data
    share 0.64 -> "64,0 %"; a Monte Carlo of 2000 iterations -> "2.000"; its declared value 0.34 -> "0,340".
    """
    from footprint.report._format import fmt_pct, numbers_in

    declaration["uncertainty"] = {
        "iterations": 2000, "seed": 1, "model": {},
        "results": [{"category": "climate_change", "unit": "kg CO2-Eq", "value": 0.34, "mean": 0.35,
                     "median": 0.345, "sd": 0.01, "p2_5": 0.33, "p97_5": 0.37,
                     "contribution_to_variance": [{"input": "x", "label": "diesel", "kind": "amount",
                                                   "share": 0.5, "spearman": 0.71}]}]}
    german = render_html(declaration, "de")
    results = _section_of(german, "results")
    assert "31,2" in results and "2,10e-06" in results and "31.2" not in results
    mc = _section_of(german, "uncertainty")
    assert "2.000" in mc and "0,340" in mc and "0,330 \u2013 0,370" in mc and "+0,71" in mc
    assert "50,0\u00a0%" in mc
    quality = _section_of(german, "data-quality")
    assert "<strong>2,30</strong>" in quality and "64,0\u00a0%" in quality
    english = render_html(declaration, "en")
    assert "31.2" in _section_of(english, "results") and "2,000" in _section_of(english, "uncertainty")
    with numbers_in("de"):
        assert (fmt_sig(1234.5), fmt_sig(0.34), fmt_pct(0.421)) == ("1230", "0,340", "42,1\u00a0%")
    assert fmt_sig(0.34) == "0.340"  # the convention ends with the rendering


def test_a_share_that_is_not_zero_is_never_shown_as_zero() -> None:
    """0.0004 (0.04 %) at one decimal would print "0.0 %": a contribution that exists shown as none.

    Hand-derived: 0.0004 x 100 = 0.04 -> rounds to 0.0 at one decimal -> shown as "< 0.1 %";
    -0.0004 (a credit) -> "> -0.1 %"; 0.0006 -> 0.06 -> rounds to 0.1 -> "0.1 %"; exactly 0 stays "0.0 %".
    """
    from footprint.report._format import fmt_pct, fmt_share, numbers_in

    nbsp = "\u00a0"
    assert fmt_pct(0.0004) == f"<{nbsp}0.1{nbsp}%"
    assert fmt_pct(-0.0004) == f">{nbsp}\u22120.1{nbsp}%"
    assert fmt_pct(0.0006) == f"0.1{nbsp}%"
    assert fmt_pct(0.0) == f"0.0{nbsp}%"
    assert fmt_share(0.02, 46.56) == f"<{nbsp}0.1{nbsp}%"  # 0.02 of 46.56 kg CO2-Eq is 0.043 %
    with numbers_in("de"):
        assert fmt_pct(0.0004) == f"<{nbsp}0,1{nbsp}%"


def test_class_probability_titles_use_the_reports_percent_format() -> None:
    """The bar's hover titles are fmt_pct's: a class that is possible never reads "0.0%", and German has a comma.

    Hand-derived: A 0.0004 -> 0.04 % -> "< 0.1 %" (escaped in the attribute); B 0.125 -> "12.5 %";
    C 0.8746 -> 87.46 -> "87.5 %"; in German "12,5 %".  (The title once wrote f"{share:.1%}": "0.0%".)
    """
    from footprint.report._format import numbers_in
    from footprint.report.uncertainty import probability_bar

    nbsp = "\u00a0"
    pc = {"labels": ["A", "B", "C"], "probabilities": {"A": 0.0004, "B": 0.125, "C": 0.8746}}
    bar = probability_bar(pc, "en")
    assert f'title="A: &lt;{nbsp}0.1{nbsp}%"' in bar and f'title="B: 12.5{nbsp}%"' in bar
    assert f'title="C: 87.5{nbsp}%"' in bar
    with numbers_in("de"):
        assert f'title="B: 12,5{nbsp}%"' in probability_bar(pc, "de")


def test_a_driver_without_its_spearman_coefficient_is_shown_missing_not_zero(declaration: dict[str, Any]) -> None:
    """"+0.00" would say the input does not move the result; a coefficient not recorded is "—" instead.

    Hand-derived: spearman -0.456 -> "-0.46"; no spearman -> MISSING ("\u2014").
    """
    declaration["uncertainty"] = {
        "iterations": 2000, "seed": 1, "model": {},
        "results": [{"category": "climate_change", "unit": "kg CO2-Eq", "value": 0.34, "mean": 0.35,
                     "median": 0.345, "sd": 0.01, "p2_5": 0.33, "p97_5": 0.37,
                     "contribution_to_variance": [
                         {"input": "x", "label": "diesel", "kind": "amount", "share": 0.6, "spearman": -0.456},
                         {"input": "y", "label": "reagent", "kind": "amount", "share": 0.4}]}]}
    mc = _section_of(render_html(declaration, "en"), "uncertainty")
    assert '<td class="num">-0.46</td>' in mc and '<td class="num">\u2014</td></tr>' in mc and "+0.00" not in mc


def test_charts_built_on_their_own_write_numbers_in_their_language(declaration: dict[str, Any]) -> None:
    """build_stage_figure / build_process_figure(lang="de") outside render_html still write 31,2, not 31.2.

    Hand-derived: the fixture's climate change total 31.2 -> fmt_sig "31.2", German "31,2"; each process
    bar is labelled fmt_sig(value) in the same convention.
    """
    from footprint.report._format import numbers_in
    from footprint.report.figures import build_process_figure, build_stage_figure, top_processes

    result = declaration["results"][0]
    assert fmt_sig(result["value"]) == "31.2"
    stage_ticks = [t.get_text() for t in build_stage_figure(declaration, "de").axes[0].get_yticklabels()]
    assert any(t.endswith("31,2 kg CO2-Eq") or "\n31,2" in t for t in stage_ticks), stage_ticks
    texts = " | ".join(t.get_text() for t in build_process_figure(declaration, result, lang="de").axes[0].texts)
    with numbers_in("de"):
        expected = [fmt_sig(bar.value) for bar in top_processes(declaration, result, lang="de")]
    assert all(value in texts for value in expected) and any("," in value for value in expected), (texts, expected)
    assert fmt_sig(result["value"]) == "31.2"  # the convention ends with the figure
