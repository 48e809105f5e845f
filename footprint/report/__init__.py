"""HTML report for CRMA (Regulation (EU) 2024/1252) footprint declarations.

Public API::

    render_html(declaration: dict) -> str        # self-contained HTML5 page
    stage_chart_png(declaration: dict) -> bytes  # stage-contribution chart
"""

from footprint.report.figures import stage_chart_png
from footprint.report.html import render_html

__all__ = ["render_html", "stage_chart_png"]
