"""Exports of a declaration for machines: PACT v3 record, tidy CSV, Brightway Excel workbook.

Public API::

    to_pact(declaration) -> dict        # PACT Technical Specifications v3 ProductFootprint
    to_csv(declaration) -> str          # the contributions table, one row each
    to_xlsx(declaration, system, catalogue, flows_index) -> bytes   # the product system (bw2io Excel)
"""
from footprint.export._errors import ExportError
from footprint.export.csv import to_csv
from footprint.export.pact import to_pact

FORMATS: tuple[str, ...] = ("pact", "csv", "xlsx")

__all__ = ["ExportError", "FORMATS", "to_csv", "to_pact"]
