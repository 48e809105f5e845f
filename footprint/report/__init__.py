"""HTML and PDF report for CRMA (Regulation (EU) 2024/1252) footprint declarations.

Public API::

    render_html(declaration: dict, lang="en") -> str     # self-contained HTML5 page (en or de)
    render_pdf(declaration: dict, lang="en") -> bytes    # the same page printed by headless Chromium
    stage_chart_png(declaration: dict) -> bytes          # stage-contribution chart
"""

from footprint.report.figures import class_label_png, process_chart_png, stage_chart_png
from footprint.report.html import render_html
from footprint.report.i18n import LANGUAGES


def render_pdf(declaration: dict, lang: str = "en") -> bytes:
    """The HTML report printed to PDF by headless Chromium (ReportError if it is missing)."""
    from footprint.report.pdf import html_to_pdf

    return html_to_pdf(render_html(declaration, lang))


__all__ = ["render_html", "render_pdf", "stage_chart_png", "process_chart_png", "class_label_png", "LANGUAGES"]
