"""The report's own failure: a language it does not speak, or a PDF that could not be printed."""
from __future__ import annotations

from footprint.errors import FootprintError


class ReportError(FootprintError):
    """A report cannot be produced as asked (unknown language, no Chromium, print failed)."""
