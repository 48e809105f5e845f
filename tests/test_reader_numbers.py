"""Every number a reader sees in a rendering equals the declaration's, and never says more than it.

Trials a careless or hostile reader would make, each on a real declaration (the NdPr oxide example,
declared by footprint.declare) and the real commands that render it:

* the DQR and its PEF level word (<= 1.5 excellent, <= 2.0 very good, <= 3.0 good, ...) must agree as
  printed: the example's DQR 2.009 "good" was printed "2.0 good" in the report;
* a share that is not whole is never printed 100 % (nor one that is not zero 0 %): a primary data
  share of 0.99996 read "100.0 %" in the report and "100%" on the terminal, a class probability of
  0.996 "A 100%";
* a class's value and the scheme's thresholds, when they differ, never print the same: a value classed
  B just above the A/B threshold read "B 46.6" beside the band "> 46.6" and "<= 46.6" for A.
"""
from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint._text import dqr_text, percent_digits
from footprint.report import render_html
from footprint.declaration.declaration import content_hash
from footprint.report._format import fmt_dqr, fmt_pct, numbers_in, sig_apart

NBSP = "\u00a0"


def _rehashed(document: dict) -> dict:
    document = copy.deepcopy(document)
    document["content_sha256"] = content_hash(document)
    return document


def _text(page: str) -> str:
    """The page's visible text, tags stripped (what a reader reads)."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", page)))  # no-break spaces kept


# ------------------------------------------------------------------ DQR beside its level word

def test_dqr_text_is_the_declared_value_with_at_least_two_decimals():
    """Hand-derived: the engine keeps 3 decimals; 2.009 -> '2.009', 1.46 -> '1.46', 2.0 -> '2.00' (the level's
    boundary shown as itself); a hand-made 2.0004 keeps every digit, never '2.000' beside 'good'."""
    assert [dqr_text(v) for v in (2.009, 1.46, 2.0, 1.5, 2.0004)] == ["2.009", "1.46", "2.00", "1.50", "2.0004"]
    with numbers_in("de"):
        assert fmt_dqr(2.009) == "2,009"


def test_report_prints_the_example_dqr_that_its_level_was_decided_on(example_declaration):
    """The example's DQR is 2.009, level "good" (PEF: 2.0 < DQR <= 3.0).  The report printed "2.0 good"
    (one decimal), a number PEF rates "very good"; each process's DQR (mining 2.02 against the limit 1.6)
    was "2.0" too.  Now the overall DQR, the criteria and the per-process DQRs are the declared ones."""
    dq = example_declaration["data_quality"]
    assert (dq["dqr"], dq["level"]) == (2.009, "good")  # the example as declared (unchanged by this fix)
    page = _text(render_html(example_declaration))
    overall = re.search(r"Overall DQR (\S+) (\S+ ?\S*?) Primary", page)
    assert overall and overall.group(1) == "2.009" and overall.group(2) == "good", overall
    for key in ("TeR", "GeR", "TiR", "P"):
        assert f" {dqr_text(dq['criteria'][key])} " in page
    for pid, entry in dq["by_process"].items():
        assert f" {dqr_text(entry['dqr'])} " in page, pid


def test_terminal_summary_prints_the_declared_dqr(example_declaration, tmp_path):
    """`footprint declare` printed the DQR with two decimals: a DQR of 2.004 ("good") read "DQR 2.00 (good)"."""
    document = copy.deepcopy(example_declaration)
    document["data_quality"]["dqr"] = 2.004
    assert cli._summary(document).count("DQR 2.004 (good)") == 1
    assert "DQR 2.009 (good)" in cli._summary(example_declaration)


# ------------------------------------------------------------------ shares never rounded onto 0 % or 100 %

@pytest.mark.parametrize(("fraction", "decimals", "expected"), [
    (0.99996, 1, "> 99.9"), (0.996, 0, "> 99"), (1.0, 1, "100.0"), (1.00004, 1, "< 100.1"),
    (0.0004, 1, "< 0.1"), (-0.0004, 1, "> \u22120.1"), (0.0, 1, "0.0"), (0.421, 1, "42.1"),
    (-0.99996, 1, "< \u221299.9")])
def test_percent_digits_by_hand(fraction, decimals, expected):
    """Hand-derived: 0.99996 x 100 = 99.996, which rounds to 100.0 at one decimal but is below 99.9 < x < 100:
    the true nearest step is "> 99.9"; 0.996 at no decimals: 99.6 -> "100" -> "> 99"."""
    assert percent_digits(fraction, decimals) == expected


def test_report_and_summary_never_claim_all_primary_data_when_it_is_not(example_declaration):
    """A declaration whose primary data share is 0.99996 (a secondary input of 0.004 % of climate change):
    the report printed "100.0 %" and the terminal "primary data share 100%"."""
    document = _rehashed({**example_declaration,
                          "data_quality": {**example_declaration["data_quality"], "primary_data_share": 0.99996}})
    page = _text(render_html(document))
    assert f"Primary data share >{NBSP}99.9{NBSP}%" in page
    assert "primary data share > 99%" in cli._summary(document)
    assert fmt_pct(1.0) == f"100.0{NBSP}%"  # a share that is whole stays 100 %
    assert "primary data share 100%" in cli._summary(example_declaration)  # the example's is 1.0


def test_class_probabilities_never_read_certain_when_another_class_is_possible(example_declaration,
                                                                               example_scheme, tmp_path):
    """A Monte Carlo giving class B 0.996 and A 0.004 printed "B 100%" in the report, on the label and on
    the terminal ('classes assign'); now "> 99 %"."""
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    classed = footprint.assign_class(decl, example_scheme)
    pc = classed["performance_class"]
    assert pc["class"] == "B"
    pc["probabilities"] = {"A": 0.004, "B": 0.996, "C": 0.0}
    page = render_html(_rehashed(classed))
    listed = re.search(r"Class probabilities: </strong>([^<]*)<", page)
    # every class with a probability is listed, however small: "B > 99 %" alone left A's 0.4 % out of a list
    # that then read as adding up (test_outputs_say_what_declaration_says)
    assert listed and html.unescape(listed.group(1)) == f"A <{NBSP}1{NBSP}%, B >{NBSP}99{NBSP}%", listed
    bar = re.search(r'class="class-probabilities".*?</div>', page, re.S).group(0)
    assert f">B &gt;{NBSP}99{NBSP}%<" in bar and ">B 100%<" not in bar
    from footprint.report.label import build_label_figure

    figure = build_label_figure({**pc, "unit": "kg CO2-Eq"})
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert f"B >{NBSP}99{NBSP}%" in texts and "B 100%" not in texts


# ------------------------------------------------------------------ a class's value beside its thresholds

def test_sig_apart_by_hand():
    """Hand-derived: 46.56 and 46.5555 are both "46.6" at 3 figures and "46.56" at 4; at 5 "46.560" and
    "46.556".  Numbers already apart at 3 figures keep 3."""
    assert sig_apart([46.56, 46.5555]) == 5
    assert sig_apart([10.0, 20.0, 35.0]) == 3
    assert sig_apart([46.5555, 46.5555, None]) == 3  # equal numbers print equal, as they should


@pytest.fixture()
def tight_scheme(example_declaration, tmp_path) -> Path:
    """A 2-class count-weighted scheme whose A/B threshold lies 1e-5 of the value below the example's value.

    Hand-derived (Hazen quantiles, classes.thresholds): two points a = v (1 - 2e-5) and b = v sit at 1/4 and
    3/4; Q(1/2) is their midpoint v (1 - 1e-5), so the example (v = 46.5555) is B, above the threshold
    46.5550 -- both "46.6" at three figures.
    """
    from footprint.market.registry import Entry, Register

    register = tmp_path / "tight-register.sqlite"
    value = next(r["value"] for r in example_declaration["results"] if r["category"] == "climate_change")
    Register(register).add([Entry(declaration_id=f"p{i}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2025,
                                  mass_kg=1.0, values={"climate_change": v},
                                               coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})
                            for i, v in enumerate([value * (1 - 2e-5), value])])
    scheme = footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=2, weight="count",
                                      head_room=False, register=register)
    return footprint.write_scheme(scheme, tmp_path / "tight-scheme.json")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d+\.\d+", text)]


def _assign(document: dict, scheme: Path, tmp_path: Path):
    """`footprint classes assign` of ``document`` under ``scheme``: the CLI result and the classed document."""
    decl = footprint.write_declaration(document, tmp_path / "d.json")
    out = tmp_path / "classed.json"
    result = CliRunner().invoke(cli.main, ["classes", "assign", str(decl), "--scheme", str(scheme), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result, json.loads(out.read_text())


def test_class_value_never_prints_as_the_threshold_it_is_above(example_declaration, tight_scheme, tmp_path):
    """Report facts, label, nearest-threshold line and the terminal: the value printed is above the
    threshold printed, as the class says (the old code printed "46.6" for both, and "46.56" on the terminal)."""
    result, classed = _assign(example_declaration, tight_scheme, tmp_path)
    pc = classed["performance_class"]
    assert pc["class"] == "B" and pc["value"] > pc["thresholds"][0]
    line = next(x for x in result.output.splitlines() if x.startswith("class B"))
    nearest = next(x for x in result.output.splitlines() if x.startswith("nearest threshold"))
    assert _numbers(line)[0] > _numbers(nearest)[0], (line, nearest)

    page = _text(render_html(classed))
    value = re.search(r"Value classified (\S+) kg", page)
    thresholds = re.search(r"Class thresholds (\S+) kg", page)
    assert value and thresholds, page[:3000]
    assert float(value.group(1)) > float(thresholds.group(1)), (value.group(1), thresholds.group(1))

    from footprint.report.label import build_label_figure

    texts = [t.get_text() for ax in build_label_figure(pc).axes for t in ax.texts]
    mark = next(t for t in texts if t.startswith("B "))
    band = next(t for t in texts if t.startswith("> "))
    assert float(mark.split()[-1]) > float(band.split()[-1]), (mark, band)


# ------------------------------------------------------------------ the declared unit, and small shares in the charts

def test_report_prints_the_declared_unit_amount_as_the_rule_states_it(project, tmp_path):
    """A rule declaring per 12345.6 kg (Annex V point 3 allows another declared unit): the report's header
    and results note read "1.23e+04 kg" (three significant figures, as a result), while the bill of
    materials and the CSV's ``per`` column said 12345.6 kg.  Every value is per that amount, exactly."""
    from conftest import EXAMPLE, REPO

    rule = tmp_path / "ndpr-oxide-lot.yaml"
    text = (REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    text = text.replace("\nid: ndpr-oxide\n", "\nid: ndpr-oxide-lot\n", 1)
    text = text.replace("declared_unit:\n  amount: 1\n", "declared_unit:\n  amount: 12345.6\n", 1)
    rule.write_text(text, encoding="utf-8")
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text(encoding="utf-8").replace("\nrule: ndpr-oxide\n", "\nrule: ndpr-oxide-lot\n", 1),
                    encoding="utf-8")
    document = footprint.declare(rule, data)
    assert document["declared_unit"]["amount"] == 12345.6
    page = _text(render_html(document))
    assert "Declared unit 12345.6 kg NdPr oxide" in page and "1.23e+04 kg NdPr" not in page
    assert "Per declared unit: 12345.6 kg NdPr oxide" in page
    from footprint.export.csv import to_csv

    assert to_csv(document).splitlines()[1].endswith(",12345.6 kg")
    with numbers_in("de"):
        from footprint.report._format import fmt_amount

        assert (fmt_amount(12345.6), fmt_amount(1.0), fmt_amount(1000.0)) == ("12345,6", "1", "1000")


def test_csv_per_column_keeps_every_digit_of_the_declared_unit():
    """The CSV's per column wrote the amount with twelve significant figures: 1.23456789012345 kg became
    '1.23456789012 kg', a basis no value is per."""
    from footprint.export.csv import declared_unit_text

    assert declared_unit_text({"declared_unit": {"amount": 1.23456789012345, "unit": "kg"}}) == "1.23456789012345 kg"
    assert declared_unit_text({"declared_unit": {"amount": 1.0, "unit": "kg"}}) == "1 kg"


def test_process_chart_never_labels_a_process_that_counts_as_zero_percent(example_declaration):
    """The example's ionising radiation: the leaching process gives 4.97e-04 of 0.668 kBq U235-Eq, 0.07 %.
    Its bar in the top-processes chart was labelled "(0 %)", as if it added nothing; the tables say
    "0.1 %".  Now "(< 1 %)": at no decimals the nearest true step."""
    from footprint.report.figures import build_process_figure

    result = next(r for r in example_declaration["results"] if r["category"] == "ionising_radiation")
    leaching = result["by_process"]["leaching"]
    assert 0 < leaching / result["value"] < 0.005  # 0.07 %: rounds to 0 at no decimals
    texts = [t.get_text() for ax in build_process_figure(example_declaration, result).axes for t in ax.texts]
    labels = [t for t in texts if "%" in t]
    assert labels and not any("(0 %)" in t or f"(0{NBSP}%)" in t for t in labels), labels
    assert any(f"(<{NBSP}1{NBSP}%)" in t for t in labels), labels


# ------------------------------------------------------------------ PACT: the PCF's own data quality

def test_pact_dqi_is_the_data_quality_of_the_pcf_not_of_every_declared_category(example_declaration, tmp_path):
    """`footprint export --format pact` of the example: pcf.dqi carried data_quality.criteria, the mean over the
    five declared categories (TeR 1.4, GeR 1.68, TiR 2.33), where climate change -- the only thing a PACT pcf
    holds -- has TeR 1.651, GeR 1.922, TiR 2.765 (data_quality.by_category.climate_change): the record told
    every customer's system the PCF's data were better than they are.  And a DQR went out at three figures
    (2.009 -> "2.01"); now whole."""
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    out = tmp_path / "pf.json"
    result = CliRunner().invoke(cli.main, ["export", str(decl), "--format", "pact", "-o", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    climate = example_declaration["data_quality"]["by_category"]["climate_change"]
    assert record["pcf"]["dqi"] == {"technologicalDQR": str(climate["TeR"]), "geographicalDQR": str(climate["GeR"]),
                                    "temporalDQR": str(climate["TiR"])}
    assert record["extensions"][0]["data"]["dqr"] == str(example_declaration["data_quality"]["dqr"]) == "2.009"

    from footprint.export.pact import ExportError, to_pact

    broken = copy.deepcopy(example_declaration)
    del broken["data_quality"]["by_category"]["climate_change"]
    with pytest.raises(ExportError, match="data quality of climate change"):
        to_pact(broken)


# ------------------------------------------------------------------ "verified" only from a record that names who

@pytest.mark.parametrize("block", [
    {"comments": "verification planned for Q3"},                           # no provider, no status
    {"status": "pending", "providerName": "Example Notified Body"},         # a provider, but not verified
    {"status": "not verified", "providerName": "Example Notified Body"},
    {"status": "verified", "providerName": "  "},                           # verified by nobody
])
def test_a_verification_block_that_names_no_verifier_is_not_shown_as_verified(example_declaration, tmp_path, block):
    """The declaration schema has no ``verification`` field, so anyone can add one and hash again.  A block
    with only a comment, a status 'pending' / 'not verified', or an empty provider was shown by
    `footprint report` as "Verification status: verified" (header and section, while conformity_assessment
    said "not verified") and written by `footprint export --format pact` as pcf.verification (coverage
    "product level"), exit 0.  Now "not verified" with the block shown as given, and no PACT verification."""
    document = _rehashed({**example_declaration, "verification": block})
    decl = tmp_path / "d.json"
    decl.write_text(json.dumps(document), encoding="utf-8")
    out, pact = tmp_path / "r.html", tmp_path / "pf.json"
    assert CliRunner().invoke(cli.main, ["report", str(decl), "-o", str(out)]).exit_code == 0
    page = _text(out.read_text(encoding="utf-8"))
    status = re.findall(r"Verification status ?:? (not verified|verified)", page)
    assert status == ["not verified", "not verified"], status
    assert "it is not a verification" in page
    result = CliRunner().invoke(cli.main, ["export", str(decl), "--format", "pact", "-o", str(pact)])
    assert result.exit_code == 0, result.output
    assert "verification" not in json.loads(pact.read_text())["pcf"]


def test_a_verification_naming_its_verifier_is_still_shown_and_exported(example_declaration):
    """The documented record (provider, date, standard) keeps its "verified" in the report and in PACT."""
    from footprint.export.pact import to_pact

    document = _rehashed({**example_declaration, "verification": {
        "providerName": "Example Notified Body", "completedAt": "2026-03-01", "standardName": "CRMA Art. 31 DA"}})
    page = _text(render_html(document))
    assert re.findall(r"Verification status ?:? (not verified|verified)", page) == ["verified", "verified"]
    assert to_pact(document)["pcf"]["verification"]["providerName"] == "Example Notified Body"


# ------------------------------------------------------------------ the web list: what a value is per

def test_the_list_page_never_shows_a_declaration_per_1000_kg_as_per_kg(example_declaration, tmp_path):
    """The host's list of published declarations has one column "Climate change per declared unit" for every rule.
    A declaration per 1000 kg (Annex V point 3 lets a rule set it) read "46.6 kg CO2-Eq" there like one per kg;
    then its unit said "kg CO2-Eq per 1000 kg".  Since PACT v3 wants a product in bulk in kg declared per 1
    ("MUST be 1", footprint/export/pact.py), such a declaration is not published at all: refused, exit 2, and
    the page lists the one per kg, plain."""
    import uuid

    from starlette.testclient import TestClient

    from footprint.errors import FootprintError
    from footprint.market import db
    from footprint.server.app import create_app
    from footprint.server.publish import publish
    from footprint.server.store import Store

    database = str(tmp_path / "footprint.sqlite")
    Store(database).prepare()
    for name, amount in (("Per Kilogram Oxides", 1.0), ("Per Tonne Oxides", 1000.0)):
        document = copy.deepcopy(example_declaration)
        document["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
        document["declarant"]["name"] = name
        document["declarant"]["identifier"] = f"urn:example:company:{name.split()[1].lower()}"
        document["declared_unit"]["amount"] = amount
        # a past version of the rule: the library does not hold its text, so its declared unit is not compared (the
        # library's 1.1.0 declares per 1 kg, and one naming it per 1000 kg is refused: test_declared_unit_vs_rule)
        document["rule"]["version"] = "1.0.0"
        if amount == 1.0:
            publish(_rehashed(document), public=True, database=database)
        else:
            with pytest.raises(FootprintError, match="MUST be 1"):
                publish(_rehashed(document), public=True, database=database)
    page = TestClient(create_app(database), base_url="https://pact.test").get("/")
    assert page.status_code == 200
    cells = dict(re.findall(r'>(Per Kilogram Oxides|Per Tonne Oxides)</a>.*?<span class="value">(.*?)</span>',
                            page.text, re.S))
    assert cells == {"Per Kilogram Oxides": "46.6 kg CO2-Eq"}
    db.dispose(database)


# ------------------------------------------------------------------ the cut-off: a share is a percentage

def test_report_writes_an_excluded_item_s_estimated_share_as_a_percentage(project, example_copy):
    """The example with its excluded blasting agents estimated at 0.02 (2 %, under the rule's 3 %): the
    report's cut-off section read "Threshold 3.0 %" and under it "estimated_share: 0.02", i.e. 0.02 %
    (in German too, with a decimal point); an exclusion without an estimate said nothing about it.
    Now "estimated share 2.0 %" ("geschätzter Anteil 2,0 %") and "share not estimated"."""
    text = example_copy.read_text(encoding="utf-8")
    old = 'reason: "no open secondary dataset yet; 0.0005 kg per kg ore (Sprecher 2014), 0.05 % of the ore mass"}'
    assert old in text
    example_copy.write_text(text.replace(old, 'reason: "no open secondary dataset yet", estimated_share: 0.02}'),
                            encoding="utf-8")
    document = footprint.declare("ndpr-oxide", example_copy)
    assert document["cut_off"]["excluded"][0]["estimated_share"] == 0.02
    page = _text(render_html(document))
    start = page.index("Cut-off Threshold")
    cut = page[start:page.index("Verification status", start)]
    assert f"Threshold 3.0{NBSP}% Excluded mining: blasting agents (about 245 t); estimated share 2.0{NBSP}%" in cut
    assert "0.02" not in cut
    assert f"geschätzter Anteil 2,0{NBSP}%" in _text(render_html(document, "de"))


def test_report_says_an_exclusion_was_not_estimated(example_declaration):
    page = _text(render_html(example_declaration))
    assert "mining: blasting agents (about 245 t); share not estimated; no open secondary dataset yet" in page


# ------------------------------------------------------------------ the register listing: values with their units

def test_market_list_gives_each_value_its_unit(example_declaration, tmp_path):
    """`footprint market list` printed 'climate_change=46.56, acidification=0.5607 (partial), ...' with no unit:
    a row of a rule declaring per 1000 kg ('kg CO2-Eq per 1000 kg' in the register) read like a per-kg one."""
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    register = tmp_path / "m.sqlite"
    runner = CliRunner()
    added = runner.invoke(cli.main, ["market", "add", str(decl), "--mass", "1000", "--year", "2025",
                                     "--register", str(register)])
    assert added.exit_code == 0, added.output
    listing = runner.invoke(cli.main, ["market", "list", "--register", str(register)])
    assert listing.exit_code == 0, listing.output
    assert "climate_change=46.56 kg CO2-Eq," in listing.output
    assert "acidification=0.5607 mol H+-Eq (partial)" in listing.output


def test_report_scope_lists_every_category_of_the_declared_results(example_declaration):
    """The example's declared results table has five rows (crustal scarcity, the rule's supplementary
    indicator, among them) while "What this declaration covers" listed four declared categories and
    nothing else: a reader counting the declaration's categories got two answers.  Now the supplementary
    indicator is listed beside them, labelled as not EF 3.1."""
    from footprint.report.i18n import category_label

    results = [category_label(r, "en") for r in example_declaration["results"]]
    assert len(results) == 5
    page = _text(render_html(example_declaration))
    scope = page[page.index("What this declaration covers"):page.index("Why these categories")]
    assert "Supplementary indicators (declared beside them, not EF 3.1) Crustal scarcity" in scope
    assert all(label in scope for label in results), (results, scope)


# ------------------------------------------------------------------ a class decided on a Monte Carlo median

def test_a_class_decided_on_the_median_shows_the_median_it_was_decided_on(project, tmp_path):
    """A scheme of basis "median" (classes derive --basis median) over two market medians m - 2.2 and m + 1.8 (m:
    the example's own Monte Carlo median, 46.91 with declare --uncertainty 200 --seed 1; 1 t each, 2 classes):
    the threshold is their midpoint m - 0.2 = 46.71, so the example is class B at its median m, while its
    declared value v = 46.5555 lies below the threshold.  The label marked it "B 46.6" (v) beside the band
    "> 46.7", the report called v the "Value classified" and 'classes assign' printed "class B (climate_change
    = 46.56 kg CO2-Eq)": each said the class was wrong.  Now each shows the median the class was decided on,
    and says it is the median."""
    from conftest import EXAMPLE

    from footprint.market.registry import Entry, Register

    document = footprint.declare("ndpr-oxide", EXAMPLE, uncertainty=200, seed=1)
    value = next(r["value"] for r in document["results"] if r["category"] == "climate_change")
    median = next(r["median"] for r in document["uncertainty"]["results"] if r["category"] == "climate_change")
    assert value < median - 0.2, (value, median)  # the trial needs the declared value on the other side
    register = tmp_path / "medians.sqlite"
    Register(register).add([Entry(declaration_id=f"m{i}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2025,
                                  mass_kg=1000.0, values={"climate_change": value},
                                                  coverage={"climate_change": "complete"},
                                  units={"climate_change": "kg CO2-Eq"},
                                  spreads={"climate_change": (m, m - 5.0, m + 5.0)})
                            for i, m in enumerate((median - 2.2, median + 1.8))])
    scheme = footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=2, weight="mass",
                                      head_room=False, register=register, basis="median")
    assert scheme["thresholds"] == pytest.approx([median - 0.2])
    scheme_path = footprint.write_scheme(scheme, tmp_path / "scheme.json")
    result, classed = _assign(document, scheme_path, tmp_path)
    pc = classed["performance_class"]
    assert (pc["class"], pc["basis"]) == ("B", "median") and pc["classed_value"] == median
    line = next(x for x in result.output.splitlines() if x.startswith("class "))
    figures = re.findall(r"= (\S+) kg CO2-Eq, Monte Carlo median; declared value (\S+) kg", line)
    assert figures and float(figures[0][0]) == pytest.approx(median, rel=1e-3), line
    assert float(figures[0][1]) == pytest.approx(value, rel=1e-3), line

    page = _text(render_html(classed))
    shown = re.search(r"Value classified (\S+) kg CO2-Eq \(Monte Carlo median; the declared value is (\S+) kg", page)
    assert shown and float(shown.group(1)) == pytest.approx(median, rel=5e-3), page[:200]
    assert float(shown.group(2)) == pytest.approx(value, rel=5e-3)
    from footprint.report.label import build_label_figure

    texts = [t.get_text() for ax in build_label_figure(pc).axes for t in ax.texts]
    mark = next(t for t in texts if t.startswith("B "))
    band = next(t for t in texts if t.startswith("> "))
    assert mark.endswith(" (median)") and float(mark.split()[1]) > float(band.split()[1]), (mark, band)


# ------------------------------------------------------------------ a share read against the rescaling trigger

def test_a_top_class_share_just_below_the_trigger_never_prints_as_the_trigger(tmp_path):
    """Old scheme (2021, values 10, 20, 30, count-weighted, 3 classes): thresholds Q(1/3) = 15, Q(2/3) = 25.  In
    2022-2024 two declarations: 12 (class A) with 2999 kg and 28 (class C) with 7001 kg: the top class holds
    2999/10000 = 29.99 % of the mass, under the 30 % trigger (basis mass): not triggered.  'classes revise'
    printed "top class 30.0% of mass ... not triggered" and the revision report "30.0 %" beside the trigger
    "30.0 %", which reads as a wrong decision.  Now 29.99 %."""
    from footprint.market.registry import Entry, Register

    def entry(ident: str, value: float, mass: float, year: int) -> Entry:
        return Entry(declaration_id=ident, rule_id="r", rule_version="1.0.0", year=year, mass_kg=mass,
                     values={"climate_change": value},
                     coverage={"climate_change": "complete"}, units={"climate_change": "kg CO2-Eq"})

    register = tmp_path / "market.sqlite"
    Register(register).add([entry("d10", 10.0, 1000.0, 2021), entry("d20", 20.0, 1000.0, 2021),
                            entry("d30", 30.0, 1000.0, 2021), entry("e12", 12.0, 2999.0, 2024),
                            entry("e28", 28.0, 7001.0, 2024)])
    old = footprint.derive_classes("r", "climate_change", "2019-2021", classes=3, weight="count", register=register)
    assert old["thresholds"] == pytest.approx([15.0, 25.0])
    old_path = footprint.write_scheme(old, tmp_path / "old.json")
    result = CliRunner().invoke(cli.main, ["classes", "revise", "--old", str(old_path), "--window", "2022-2024",
                                           "--classes", "2", "--register", str(register), "-o",
                                           str(tmp_path / "new.json"), "--report", str(tmp_path / "rev.html")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("under the old scheme"))
    assert "top class 29.99% of mass" in line and "not triggered (basis: mass)" in line, line
    report = _text((tmp_path / "rev.html").read_text(encoding="utf-8"))
    # the row's shares and trigger at the decimals that tell them apart (two here)
    assert f"class A 50.00{NBSP}% 29.99{NBSP}% 30.00{NBSP}%" in report, report[report.find("class A"):][:200]
