"""The exports' own failure: a declaration that cannot be expressed in the asked format."""
from __future__ import annotations

from footprint.errors import FootprintError


class ExportError(FootprintError):
    """An export cannot be written (a field the format needs is missing, inputs do not match)."""
