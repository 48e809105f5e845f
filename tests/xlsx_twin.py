"""The XLSX twin of a YAML activity file: the product's own template, filled cell by cell as a producer would.

Why a second filler beside tests/test_template.py's ``fill_from_yaml``: that one places what the examples
use and silently skips the rest (an input's distribution, a process comment), so a YAML feature the
workbook cannot say went unnoticed.  This one is strict: every key of the YAML must find its cell, and a
key with no place in the workbook raises ``NoPlaceInWorkbook`` naming it, so the parity test
(tests/test_xlsx_parity.py) fails the day YAML gains a field the workbook lacks.

Rows the template writes are filled in place (the first unused row of the same section and item); what
the template lacks (a direct emission, an extra input) becomes a new row, an optional column (dataset,
declaration, kinds) a new header cell, as the README tells producers to do.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from footprint.inputs.activity_xlsx import DQR_KEYS, UNCERTAINTY_COLUMNS


class NoPlaceInWorkbook(AssertionError):
    """A YAML key the workbook layout has no cell for (a parity gap, not a test bug)."""


def _take(entry: dict, where: str, known: set[str]) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise NoPlaceInWorkbook(f"{where}: no place in the workbook for {unknown}")


class _Sheet:
    """One process sheet: its header and the template's rows by (section, item), filled in place or appended."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.columns = {cell.value: index + 1 for index, cell in enumerate(ws[1]) if cell.value}
        self.free: dict[tuple[str, str], list[int]] = {}
        for row in range(2, ws.max_row + 1):
            section, item = ws.cell(row=row, column=1).value, ws.cell(row=row, column=2).value
            self.free.setdefault((section, item or ""), []).append(row)

    def column(self, name: str) -> int:
        if name not in self.columns:  # an optional column the template does not carry: added as a producer would
            self.columns[name] = self.ws.max_column + 1
            self.ws.cell(row=1, column=self.columns[name], value=name)
        return self.columns[name]

    def row(self, section: str, item: str) -> int:
        found = self.free.get((section, item))
        if found:
            return found.pop(0)
        row = self.ws.max_row + 1
        self.ws.cell(row=row, column=self.column("section"), value=section)
        self.ws.cell(row=row, column=self.column("item"), value=item)
        return row

    def put(self, row: int, name: str, value: Any) -> None:
        self.ws.cell(row=row, column=self.column(name), value=value)


AMOUNT_KEYS = {"amount", "unit", "source", "dqr", "data_type", "comment", "uncertainty"}


def _amount_row(sheet: _Sheet, row: int, entry: dict, where: str) -> None:
    """amount, unit, source, data_type, comment, the DQR and the distribution of one row."""
    for key in ("amount", "unit", "source", "data_type", "comment"):
        if key in entry:
            sheet.put(row, key, entry[key])
    dqr = entry.get("dqr")
    if dqr is not None:
        _take(dqr, f"{where}.dqr", set(DQR_KEYS))
        for criterion, value in dqr.items():
            sheet.put(row, criterion, value)
    uncertainty = entry.get("uncertainty")
    if uncertainty is not None:
        _take(uncertainty, f"{where}.uncertainty", {"type", *UNCERTAINTY_COLUMNS[1:]})
        sheet.put(row, "distribution", uncertainty["type"])
        for key, value in uncertainty.items():
            if key != "type":
                sheet.put(row, key, value)


def _declarant(ws, data: dict) -> None:
    _take(data, "top level", {"rule", "declarant", "period", "production", "processes", "recycled_content",
                              "comment"})
    values: dict[str, Any] = {"rule": data.get("rule"), "comment": data.get("comment")}
    _take(data["declarant"], "declarant", {"name", "facility", "country", "region", "identifier"})
    values.update(data["declarant"])
    _take(data["period"], "period", {"start", "end"})
    values.update(period_start=data["period"]["start"], period_end=data["period"]["end"])
    production = data["production"]
    _take(production, "production", {"amount", "unit", "source", "data_type", "dqr"})
    values.update({f"production_{key}": value for key, value in production.items() if key != "dqr"})
    values.update({f"production_{key}": value for key, value in (production.get("dqr") or {}).items()})
    recycled = data.get("recycled_content")
    if recycled is not None:
        _take(recycled, "recycled_content", {"R1", "source", "data_type", "dqr", "by_element"})
        values.update({f"recycled_content_{key}": value for key, value in recycled.items()
                       if key not in ("dqr", "by_element")})
        values.update({f"recycled_content_{key}": value for key, value in (recycled.get("dqr") or {}).items()})
        values.update({f"recycled_share_{key}": value for key, value in (recycled.get("by_element") or {}).items()})
    rows = {ws.cell(row=row, column=1).value: row for row in range(2, ws.max_row + 1)}
    for key, value in values.items():
        if value is None:
            continue
        row = rows.get(key)
        if row is None:  # a key the template leaves out for this rule (production_TeR): a row added
            row = ws.max_row + 1
            ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value)


def _process(sheet: _Sheet, pid: str, data: dict) -> None:
    where = f"processes.{pid}"
    _take(data, where, {"output", "dqr", "inputs", "co_products", "emissions", "transport", "excluded", "not_used",
                        "allocation_share", "ore"})
    if data.get("dqr") is not None:
        _take(data["dqr"], f"{where}.dqr", set(DQR_KEYS))
        row = sheet.row("dqr", "")
        for criterion, value in data["dqr"].items():
            sheet.put(row, criterion, value)
    output = data["output"]
    _take(output, f"{where}.output", AMOUNT_KEYS)
    output_row = next(row for (section, _item), rows in sheet.free.items() if section == "output" for row in rows)
    sheet.free = {key: [r for r in rows if r != output_row] for key, rows in sheet.free.items()}
    _amount_row(sheet, output_row, output, f"{where}.output")
    if data.get("allocation_share") is not None:
        item = next(item for section, item in sheet.free if section == "allocation_share")
        sheet.put(sheet.row("allocation_share", item), "amount", data["allocation_share"])
    for index, entry in enumerate(data.get("co_products") or []):
        _take(entry, f"{where}.co_products[{index}]", AMOUNT_KEYS | {"name", "share"})
        row = sheet.row("co_product", entry["name"])
        _amount_row(sheet, row, entry, f"{where}.co_products[{index}]")
        if "share" in entry:
            sheet.put(row, "share", entry["share"])
    for index, entry in enumerate(data.get("inputs") or []):
        _take(entry, f"{where}.inputs[{index}]", AMOUNT_KEYS | {"kind", "from", "dataset", "declaration"})
        item = f"from: {entry['from']}" if "from" in entry else entry["kind"]
        row = sheet.row("input", item)  # a transport kind under inputs stays an input row (YAML's choice)
        _amount_row(sheet, row, entry, f"{where}.inputs[{index}]")
        for key in ("dataset", "declaration"):
            if key in entry:
                sheet.put(row, key, entry[key])
    for index, entry in enumerate(data.get("transport") or []):
        _take(entry, f"{where}.transport[{index}]", AMOUNT_KEYS | {"kind"})  # no cells for mass x distance
        _amount_row(sheet, sheet.row("transport", entry["kind"]), entry, f"{where}.transport[{index}]")
    for index, entry in enumerate(data.get("emissions") or []):
        _take(entry, f"{where}.emissions[{index}]", AMOUNT_KEYS | {"flow", "compartment"})
        row = sheet.row("emission", entry["flow"])
        _amount_row(sheet, row, entry, f"{where}.emissions[{index}]")
        if "compartment" in entry:
            sheet.put(row, "compartment", entry["compartment"])
    for kind in data.get("not_used") or []:  # stated not used: 0 in the kind's row
        section = "transport" if sheet.free.get(("transport", kind)) else "input"
        sheet.put(sheet.row(section, kind), "amount", 0)
    for index, entry in enumerate(data.get("excluded") or []):
        _take(entry, f"{where}.excluded[{index}]", {"item", "estimated_share", "reason", "kinds"})
        row = sheet.row("excluded", entry["item"])
        sheet.put(row, "comment", entry.get("reason"))
        if entry.get("estimated_share") is not None:
            sheet.put(row, "amount", entry["estimated_share"])
        if entry.get("kinds"):
            sheet.put(row, "kinds", ", ".join(entry["kinds"]))
    if data.get("ore") is not None:
        _ore(sheet, data["ore"], f"{where}.ore")


def _ore(sheet: _Sheet, ore: dict, where: str) -> None:
    _take(ore, where, {"contents", "distributions", "dqr"})
    rows = []
    for key, content in (ore.get("contents") or {}).items():
        _take(content, f"{where}.contents.{key}", {"value", "unit", "source"})
        rows.append(("ore_content", key, content["value"], content.get("unit"), content.get("source")))
    for group, distribution in (ore.get("distributions") or {}).items():
        _take(distribution, f"{where}.distributions.{group}", {"shares", "source"})
        for element, share in distribution["shares"].items():
            rows.append(("ore_share", f"{group}: {element}", share, "%", distribution.get("source")))
    for index, (section, item, amount, unit, source) in enumerate(rows):
        row = sheet.row(section, item)
        sheet.put(row, "amount", amount)
        for key, value in (("unit", unit), ("source", source)):
            if value is not None:
                sheet.put(row, key, value)
        if index == 0 and ore.get("dqr"):  # the assay's one DQR, on its first row
            for criterion, value in ore["dqr"].items():
                sheet.put(row, criterion, value)


def fill(template: Path, data: dict, target: Path) -> Path:
    """Fill ``template`` (from 'footprint template RULE --format xlsx') with the YAML ``data``; save as ``target``."""
    book = load_workbook(template)
    _declarant(book["declarant"], data)
    for pid, process in data["processes"].items():
        _process(_Sheet(book[pid]), pid, process)
    for ws in book.worksheets[1:]:  # a process the YAML omits: its sheet deleted (the default dataset is used)
        if ws.title not in data["processes"]:
            book.remove(ws)
    book.save(target)
    return target
