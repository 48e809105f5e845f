"""The declaration's tidy result table as CSV: one row per contribution.

The canonical result table (category, stage, process, item, value, unit) is
what the declaration, report and exports all read; as CSV it opens in any
spreadsheet and loads into pandas with one call, so a customer can re-aggregate
it without learning the JSON layout.  Values are written with full float
precision (``repr``), never rounded.  Text cells starting with ``=``, ``+``, ``-``, ``@``, tab
or CR get a leading single quote (OWASP's advice against CSV injection: a rule's input kind
named ``=HYPERLINK(...)`` must not run in the customer's spreadsheet); numbers are written as
numbers, negative ones included.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Mapping

from footprint._text import amount_text, csv_cell
from footprint.export._errors import ExportError

COLUMNS = ("category", "stage", "process", "item", "kind", "dataset", "value", "unit", "declared", "coverage",
           "coverage_warning", "per")


def declared_unit_text(document: Mapping[str, Any]) -> str:
    """What every value of the table is per: the declared unit ("1 kg", or a rule's "1000 kg").

    Why on every row: Annex V point 3 lets a rule set another declared unit than 1 kg, and a
    spreadsheet row read alone (or a table of several products) would otherwise give 46,555 kg
    CO2-Eq per 1000 kg as if it were per kg.
    """
    unit = document.get("declared_unit") or {}
    amount = unit.get("amount", 1)
    shown = amount_text(amount) if isinstance(amount, (int, float)) and not isinstance(amount, bool) else str(amount)
    return f"{shown} {unit.get('unit', 'kg')}"


def to_csv(document: Mapping[str, Any]) -> str:
    """The ``contributions`` rows of a declaration as CSV text (UTF-8, ``\\n`` line ends)."""
    rows = document.get("contributions")
    if not isinstance(rows, list) or not rows:
        raise ExportError("the declaration has no contributions table", field="contributions",
                          expected="a declaration written by 'footprint declare' (it lists every contribution)")
    from footprint.inputs.upstream import declared_results

    declared = {r.get("category"): r for r in declared_results(dict(document))}  # contributions: declared only
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # With '\n' line ends the csv module does not quote a field holding a bare CR, and a reader then
    # splits the row there; such a row is written with every field quoted instead.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    per = csv_cell(declared_unit_text(document))
    for row in rows:
        value = row.get("value")
        text = [csv_cell(cell) for cell in (row.get("category"), row.get("stage"), row.get("process"),
                                            row.get("item"), row.get("kind"), row.get("dataset") or "")]
        coverage = declared.get(row.get("category")) or {}
        cells = [*text, repr(float(value)) if isinstance(value, (int, float)) else "",  # a number, as is
                 csv_cell(row.get("unit")), str(row.get("category") in declared).lower(),
                 csv_cell(coverage.get("coverage", "")), csv_cell(coverage.get("coverage_note", "")), per]
        (quoted if any(isinstance(c, str) and "\r" in c for c in cells) else writer).writerow(cells)
    for element in (document.get("mineral_resources") or {}).get("elements") or []:  # elements taken from the ground
        counted = "characterised by EF 3.1" if element.get("ef31_characterised") else "NOT characterised by EF 3.1"
        writer.writerow(["resource_extraction", "", "", csv_cell(element.get("element")), f"elementary flow, {counted}",
                         "", repr(float(element.get("kg", 0.0))), "kg", "false", "", "", per])
    for release in (document.get("radionuclides") or {}).get("releases") or []:  # Th-232: no EF 3.1 factor
        counted = "characterised by EF 3.1" if release.get("ef31_characterised") else "NOT characterised by EF 3.1"
        item = csv_cell(f"{release.get('nuclide')} ({release.get('compartment')})")
        writer.writerow(["radionuclide_release", "", "", item, f"elementary flow, {counted}", "",
                         repr(float(release.get("kBq", 0.0))), "kBq", "false", "", "", per])
    return buffer.getvalue()
