"""The rule's reporting-period length is said where the producer fills in the period and where the reader
reads the declaration's scope: declare refuses a quarter (validity.reporting_periods.length_months), so a
template that asked only for "YYYY-MM-DD" let the producer find out by refusal."""
from __future__ import annotations

from openpyxl import load_workbook

import footprint


def test_the_templates_say_how_long_the_period_is(tmp_path):
    footprint.make_template("ndpr-oxide", tmp_path / "t.yaml", fmt="yaml")
    line = next(line for line in (tmp_path / "t.yaml").read_text().splitlines() if line.startswith("period:"))
    assert "12 months" in line and "within 7 days" in line  # rules/ndpr-oxide.yaml: length_months 12
    footprint.make_template("ndpr-oxide", tmp_path / "t.xlsx", fmt="xlsx")
    notes = {row[0]: row[2] for row in load_workbook(tmp_path / "t.xlsx")["declarant"].iter_rows(values_only=True)}
    assert "12 months" in notes["period_end"]


def test_the_report_says_how_long_each_period_is(project, example_declaration):
    html = footprint.api.render_html(example_declaration)
    assert "reporting periods 2025-01-01 to 2028-12-31, each 12 months long" in html
    assert "je 12 Monate lang" in footprint.api.render_html(example_declaration, lang="de")
