"""Reading activity data from an XLSX workbook (the layout 'footprint template --format xlsx' writes).

Plants keep their numbers in spreadsheets; asking them to hand-write YAML loses
people and invites typos.  The workbook is converted to exactly the dict the
YAML file gives and then checked by the same model, so there is one set of
rules for both.  Every value remembers its sheet, row and column, so an error
says ``activity.xlsx: sheet 'separation' row 7 column 'unit'`` rather than a
field path into a dict the producer never saw.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from footprint._text import excerpt
from footprint.errors import ActivityDataError, FootprintError

#: Sheet layout shared with footprint/authoring/template.py (which writes it).
DECLARANT_SHEET = "declarant"
COLUMNS = ("section", "item", "compartment", "amount", "unit", "source", "TeR", "GeR", "TiR", "P", "data_type",
           "share", "comment")
OPTIONAL_COLUMNS = ("dataset", "declaration")  # an input's own dataset or a supplier's declaration JSON
#: An exclusion's input kinds (comma-separated): the expected inputs it leaves out under the cut-off.
EXCLUSION_COLUMNS = ("kinds",)
#: An amount's distribution (README 'Uncertainty'): 'distribution' names the type, the others its parameters.
UNCERTAINTY_COLUMNS = ("distribution", "gsd", "sd", "minimum", "maximum", "mode")
REQUIRED_COLUMNS = ("section", "item", "amount", "unit")
SECTIONS = ("dqr", "output", "co_product", "input", "transport", "emission", "excluded", "allocation_share",
            "ore_content", "ore_share")
#: An ore_share row's item: "<group>: <element>" (TREO: Nd), the element's share in % of the group's oxide mass.
ORE_SHARE_ITEM = re.compile(r"^\s*([A-Za-z]+)\s*:\s*([A-Za-z]+)\s*$")
#: Recycled shares per element (recycled_content.by_element): declarant keys recycled_share_<element>.
RECYCLED_ELEMENTS = ("Nd", "Pr", "Dy", "Tb", "B", "Sm", "Ni", "Co")
DECLARANT_KEYS = ("rule", "name", "facility", "country", "region", "identifier", "period_start", "period_end",
                  "production_amount", "production_unit", "production_source", "production_TeR", "production_GeR",
                  "production_TiR", "production_P", "production_data_type", "recycled_content_R1",
                  "recycled_content_source", "recycled_content_TeR", "recycled_content_GeR", "recycled_content_TiR",
                  "recycled_content_P", "recycled_content_data_type",
                  *(f"recycled_share_{element}" for element in RECYCLED_ELEMENTS), "comment")
DQR_KEYS = ("TeR", "GeR", "TiR", "P")
FROM_PREFIX = "from:"

Location = tuple[str, int | None, str | None]  # sheet, row (1-based; None: the whole sheet), column header


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


class _Workbook:
    """The workbook converted to the activity-data dict, plus where every value came from."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.locations: dict[tuple, Location] = {}
        self.sha256 = ""  # of the bytes read (set by read_xlsx)

    def where(self, loc: tuple) -> Location | None:
        """The cell (or row) of the longest recorded prefix of a field location.

        A pattern (``processes.*.excluded[].estimated_share``: every exclusion's estimate, as the cut-off
        refusal names the sum) is the place its matches share: one sheet, and the row and column when they
        share them; recorded once found, so it is named as exactly as a cell.  A process with no sheet read
        (a required one deleted or left blank) is named by the sheet its id would be, as the template writes
        it: that refusal named 'processes.separation', a place in a YAML file the producer never saw.
        """
        if ANY in loc:
            return self._pattern(loc)
        for end in range(len(loc), 0, -1):
            found = self.locations.get(tuple(loc[:end]))
            if found:
                return found
        if len(loc) >= 2 and loc[0] == "processes" and isinstance(loc[1], str):
            return (loc[1], None, None)
        return None

    def _pattern(self, loc: tuple) -> Location | None:
        matches = [found for key, found in self.locations.items() if len(key) == len(loc)
                   and all(part == ANY or part == given for part, given in zip(loc, key))]
        if not matches or len({sheet for sheet, _row, _column in matches}) > 1:
            return None
        rows, columns = {row for _s, row, _c in matches}, {column for _s, _r, column in matches}
        found = (matches[0][0], rows.pop() if len(rows) == 1 else None, columns.pop() if len(columns) == 1 else None)
        self.locations[loc] = found
        return found

    def error(self, message: str, location: Location | None, *, value: Any = None,
              expected: str | None = None) -> ActivityDataError:
        return ActivityDataError(message, file=describe(self.path, location), value=value, expected=expected)

    # ------------------------------------------------------------------ sheets
    def declarant(self, sheet) -> dict[str, Any]:
        values: dict[str, tuple[Any, int]] = {}
        for row_index, cells in enumerate(sheet.iter_rows(min_row=2), start=2):
            row = tuple(cell.value for cell in cells)
            if not row or _clean(row[0]) is None:
                if len(row) > 1 and _clean(row[1]) is not None:  # a value typed on a line with no key: read nowhere
                    raise self.error("a value with no key (it would be read nowhere)", (sheet.title, row_index, "key"),
                                     value=_clean(row[1]), expected="the key in column A (" + ", ".join(DECLARANT_KEYS)
                                     + "), or the value deleted")
                continue
            key = str(_clean(row[0]))
            if key in self.DECLARANT_QUANTITIES and len(cells) > 1:
                self._no_percentage_cell(cells[1], key, (sheet.title, row_index, "value"))
                self._no_scaled_format(cells[1], key, (sheet.title, row_index, "value"))
            if key not in DECLARANT_KEYS:
                raise self.error("unknown key", (sheet.title, row_index, "key"), value=key,
                                 expected="one of " + ", ".join(DECLARANT_KEYS))
            if key in values:  # the later row would silently replace the earlier one
                raise self.error(f"key '{key}' given twice: in row {values[key][1]} and again in row {row_index}",
                                 (sheet.title, row_index, "key"), value=key,
                                 expected="each key once (delete or merge one of the two rows)")
            values[key] = (_clean(row[1]) if len(row) > 1 else None, row_index)

        def put(target: dict, loc: tuple, name: str, key: str, *, keep_none: bool = True) -> None:
            value, row_index = values.get(key, (None, None))
            if value is None and not keep_none:
                return
            target[name] = value
            if row_index:
                self.locations[loc + (name,)] = (sheet.title, row_index, "value")

        raw: dict[str, Any] = {}
        if "rule" in values and values["rule"][0] is not None:
            put(raw, (), "rule", "rule")
        declarant: dict[str, Any] = {}
        for name in ("name", "facility", "country"):
            put(declarant, ("declarant",), name, name)
        for name in ("region", "identifier"):
            put(declarant, ("declarant",), name, name, keep_none=False)
        raw["declarant"] = declarant
        period: dict[str, Any] = {}
        put(period, ("period",), "start", "period_start")
        put(period, ("period",), "end", "period_end")
        raw["period"] = period
        production: dict[str, Any] = {}
        put(production, ("production",), "amount", "production_amount")
        put(production, ("production",), "unit", "production_unit")
        put(production, ("production",), "source", "production_source", keep_none=False)
        put(production, ("production",), "data_type", "production_data_type", keep_none=False)
        dqr: dict[str, Any] = {}
        for criterion in DQR_KEYS:
            put(dqr, ("production", "dqr"), criterion, f"production_{criterion}", keep_none=False)
        if dqr:
            production["dqr"] = dqr
        raw["production"] = production
        given = [(key, value, row) for key, (value, row) in values.items()
                 if key.startswith(("recycled_content_", "recycled_share_")) and value is not None]
        if given and values.get("recycled_content_R1", (None,))[0] is None:  # the rows were dropped, exit 0
            key, value, row_index = given[0]
            raise self.error(f"'{key}' is filled but recycled_content_R1 is blank (the recycled content would be "
                             "read nowhere)", (sheet.title, row_index, "value"), value=value,
                             expected="recycled_content_R1 (the recycled share, 0..1) with it, or no "
                                      "recycled_content_* or recycled_share_* values")
        if values.get("recycled_content_R1", (None,))[0] is not None:
            recycled: dict[str, Any] = {}
            put(recycled, ("recycled_content",), "R1", "recycled_content_R1")
            put(recycled, ("recycled_content",), "source", "recycled_content_source", keep_none=False)
            put(recycled, ("recycled_content",), "data_type", "recycled_content_data_type", keep_none=False)
            recycled_dqr: dict[str, Any] = {}
            for criterion in DQR_KEYS:
                put(recycled_dqr, ("recycled_content", "dqr"), criterion, f"recycled_content_{criterion}",
                    keep_none=False)
            if recycled_dqr:
                recycled["dqr"] = recycled_dqr
            by_element: dict[str, Any] = {}
            for element in RECYCLED_ELEMENTS:
                put(by_element, ("recycled_content", "by_element"), element, f"recycled_share_{element}",
                    keep_none=False)
            if by_element:
                recycled["by_element"] = by_element
            raw["recycled_content"] = recycled
        if values.get("comment", (None,))[0] is not None:
            put(raw, (), "comment", "comment")
        # a check of a whole part (period end before start or of another length, production against the
        # reference process's output, recycled content missing under a CFF rule) names the row it reads last,
        # rather than a field path into a dict the producer never saw
        for part, key in (("period", "period_end"), ("production", "production_amount"),
                          ("recycled_content", "recycled_content_R1")):
            if key in values:
                self.locations[(part,)] = (sheet.title, values[key][1], "value")
        return raw

    def process(self, sheet) -> dict[str, Any] | None:
        """One process sheet; None when no amount or DQR on it is filled (the process is not reported)."""
        if not any(_clean(cell.value) is not None for row in sheet.iter_rows() for cell in row):
            return None  # a blank sheet (a spreadsheet's 'Sheet1') says nothing, as a deleted one
        rows = sheet.iter_rows()
        header = [str(_clean(h.value)) if _clean(h.value) is not None else "" for h in next(rows, ())]
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise self.error(f"missing column '{column}' (every sheet but '{DECLARANT_SHEET}' is read as the "
                                 "sheet of the process it is named after)", (sheet.title, 1, None),
                                 expected="the header row of 'footprint template': " + ", ".join(COLUMNS)
                                          + "; or notes moved out of the workbook")
        known = COLUMNS + OPTIONAL_COLUMNS + UNCERTAINTY_COLUMNS + EXCLUSION_COLUMNS
        unknown = [h for h in header if h and h not in known]
        if unknown:
            raise self.error("unknown column", (sheet.title, 1, unknown[0]), value=unknown[0],
                             expected="columns " + ", ".join(known))
        self._no_repeated_column(sheet.title, header)
        self._no_value_without_header(sheet, header)
        pid = sheet.title
        base = ("processes", pid)
        self.locations[base] = (sheet.title, None, None)
        data: dict[str, Any] = {}
        filled = False
        groups = {"co_product": "co_products", "input": "inputs", "transport": "transport", "emission": "emissions",
                  "excluded": "excluded"}
        zero: dict[str, int] = {}  # input kind -> its row with amount 0: the plant states it does not use it
        for row_index, row in enumerate(rows, start=2):
            cells = {h: _clean(cell.value) for h, cell in zip(header, row) if h}
            if all(v is None for v in cells.values()):
                continue
            section = cells.get("section")
            if section not in SECTIONS:
                raise self.error("unknown section", (sheet.title, row_index, "section"), value=section,
                                 expected="one of " + ", ".join(SECTIONS))
            self._no_percentage(header, row, section, sheet.title, row_index)
            self._no_ignored_cell(cells, section, sheet.title, row_index)
            dqr = {k: cells[k] for k in DQR_KEYS if cells.get(k) is not None}
            amount = cells.get("amount")
            if section in self.SINGLE and section in data and (section != "dqr" or dqr):
                first = self.locations[base + (section,)][1]
                raise self.error(f"a second '{section}' row (the first is row {first})",
                                 (sheet.title, row_index, "section"), value=section,
                                 expected=f"one '{section}' row per process sheet"
                                          + (" (add the amounts up in one row)" if section == "output" else ""))
            if section == "dqr":
                if dqr:
                    data["dqr"] = dqr
                    filled = True
                    self._mark(base + ("dqr",), sheet.title, row_index, dqr)
                    self._mark_dqr(base + ("dqr",), sheet.title, row_index)
                continue
            if section == "allocation_share":
                data["allocation_share"] = amount
                self.locations[base + ("allocation_share",)] = (sheet.title, row_index, "amount")
                filled = filled or amount is not None
                continue
            if section == "excluded":
                if cells.get("item") is None:
                    continue
                entry = {"item": cells["item"], "reason": cells.get("comment")}
                if amount is not None:
                    entry["estimated_share"] = amount
                if cells.get("kinds") is not None:
                    entry["kinds"] = [k.strip() for k in str(cells["kinds"]).split(",") if k.strip()]
                self._append(data, base, "excluded", entry, sheet.title, row_index,
                             {"item": "item", "reason": "comment", "estimated_share": "amount", "kinds": "kinds"})
                continue
            if section in ("ore_content", "ore_share"):
                if amount is not None:  # a row left blank keeps the rule's value (the assay is optional)
                    self._ore_row(data, base, section, cells, sheet.title, row_index)
                    filled = True
                continue
            if section in ("input", "transport", "emission") and amount is None:
                # a row left as the template wrote it says nothing: an expected input it names is refused
                # when declaring (engine.system._expected_inputs_accounted), never taken as not used
                continue
            item = cells.get("item")
            if (section in ("input", "transport") and amount == 0 and not isinstance(amount, bool)
                    and isinstance(item, str) and not item.lower().startswith(FROM_PREFIX)
                    and not any(cells.get(name) is not None for name in self._ABOUT_AMOUNT)):
                # 0 written in the row: stated not used (as YAML's not_used).  A 0 with a DQR, data type,
                # distribution, dataset or declaration is kept as the input of 0 YAML makes of it, held to the
                # same checks: taken as not used, another country's grid or a range around 0 passed, exit 0
                zero.setdefault(item, row_index)
                continue
            entry: dict[str, Any] = {"amount": amount, "unit": cells.get("unit")}
            columns = {"amount": "amount", "unit": "unit", "source": "source", "data_type": "data_type",
                       "comment": "comment"}
            for key in ("source", "data_type", "comment"):
                if cells.get(key) is not None:
                    entry[key] = cells[key]
            if dqr:
                entry["dqr"] = dqr
            uncertainty = self._uncertainty(cells, sheet.title, row_index)
            if uncertainty is not None:
                entry["uncertainty"] = uncertainty
                columns["uncertainty"] = "distribution"
            item = cells.get("item")
            if section == "output":
                data["output"] = entry
                self._mark(base + ("output",), sheet.title, row_index, entry, columns)
                filled = filled or amount is not None
                continue
            if section == "co_product":
                entry = {"name": item, **entry}
                columns["name"] = "item"
                if cells.get("share") is not None:
                    entry["share"] = cells["share"]
                    columns["share"] = "share"
            elif section == "input":
                text = str(item or "")
                if text.lower().startswith(FROM_PREFIX):
                    entry = {"from": text[len(FROM_PREFIX):].strip(), **entry}
                    columns["from"] = "item"
                else:
                    entry = {"kind": item, **entry}
                    columns["kind"] = "item"
                for key in OPTIONAL_COLUMNS:
                    if cells.get(key) is not None:
                        entry[key] = cells[key]
                        columns[key] = key
            elif section == "transport":
                entry = {"kind": item, **entry}
                columns["kind"] = "item"
            elif section == "emission":
                # no default: a blank cell declared a release to water as one to air, exit 0
                entry = {"flow": item, **({"compartment": cells["compartment"]}
                                          if cells.get("compartment") is not None else {}), **entry}
                columns.update(flow="item", compartment="compartment")
            filled = filled or amount is not None
            self._append(data, base, groups[section], entry, sheet.title, row_index, columns)
        reported = {entry.get("kind") for group in ("inputs", "transport") for entry in data.get(group, [])}
        for kind, row_index in zero.items():  # a kind's row with 0 says it is not used (unless another reports it)
            if kind not in reported:
                items = data.setdefault("not_used", [])
                self.locations[base + ("not_used", len(items))] = (sheet.title, row_index, "amount")
                items.append(kind)
        return data if filled else None

    def _ore_row(self, data: dict, base: tuple, section: str, cells: dict, sheet: str, row: int) -> None:
        """One row of the producer's ore assay (YAML's ``ore:``): a content, or a share of a group's element.

        The assay replaces the rule's values it names (footprint.engine.ore), so a row must never
        silently replace another row: a content or share given twice, two sources for one group's
        distribution or two DQRs for the one assay are refused, naming both rows.
        """
        ore = data.setdefault("ore", {})
        item = cells.get("item")
        if section == "ore_content":
            key = str(item) if item is not None else ""
            if not key:
                raise self.error("an ore content with no element or group", (sheet, row, "item"),
                                 expected="an element symbol (Nd) or a group (TREO) in column 'item'")
            contents = ore.setdefault("contents", {})
            self._not_twice(base + ("ore", "contents", key), f"ore content '{key}'", sheet, row)
            entry = {"value": cells["amount"], "unit": cells.get("unit"), "source": cells.get("source")}
            contents[key] = {k: v for k, v in entry.items() if v is not None}
            self._mark(base + ("ore", "contents", key), sheet, row, entry, {"value": "amount"})
        else:
            match = ORE_SHARE_ITEM.match(str(item or ""))
            if match is None:
                raise self.error("an ore share names its group and element", (sheet, row, "item"), value=item,
                                 expected="'<group>: <element>' in column 'item', e.g. 'TREO: Nd'")
            group, element = match.groups()
            if cells.get("unit") != "%":
                raise self.error("an element's share of a group is given in % of the group's oxide mass",
                                 (sheet, row, "unit"), value=cells.get("unit"), expected="'%'")
            loc = base + ("ore", "distributions", group)
            distribution = ore.setdefault("distributions", {}).setdefault(group, {"shares": {}})
            self.locations.setdefault(loc, (sheet, row, None))
            self._not_twice(loc + ("shares", element), f"ore share '{group}: {element}'", sheet, row)
            distribution["shares"][element] = cells["amount"]
            self.locations[loc + ("shares", element)] = (sheet, row, "amount")
            source = cells.get("source")
            if source is not None:
                if "source" in distribution and distribution["source"] != source:
                    first = self.locations[loc + ("source",)][1]
                    raise self.error(f"a second source for the distribution of {group} (row {first} gives "
                                     f"'{excerpt(distribution['source'])}')", (sheet, row, "source"), value=source,
                                     expected=f"one source for all shares of {group} (the same text, or blank "
                                              "on the other rows)")
                distribution["source"] = source
                self.locations.setdefault(loc + ("source",), (sheet, row, "source"))
        dqr = {k: cells[k] for k in DQR_KEYS if cells.get(k) is not None}
        if dqr:
            if "dqr" in ore and ore["dqr"] != dqr:
                first = self.locations[base + ("ore", "dqr")][1]
                raise self.error(f"a second DQR for the ore assay (row {first} gives {ore['dqr']})",
                                 (sheet, row, next(iter(dqr))), value=dqr,
                                 expected="one DQR for the assay (the same scores, or blank on the other ore rows)")
            ore["dqr"] = dqr
            if base + ("ore", "dqr") not in self.locations:
                self.locations[base + ("ore", "dqr")] = (sheet, row, None)
                self._mark_dqr(base + ("ore", "dqr"), sheet, row)

    def _not_twice(self, loc: tuple, what: str, sheet: str, row: int) -> None:
        """Refuse a second row for one key of the assay (the later one would replace the earlier)."""
        if loc in self.locations:
            raise self.error(f"{what} given twice (the first is row {self.locations[loc][1]})",
                             (sheet, row, "item"), value=what.split("'")[1],
                             expected="each once (delete or merge one of the two rows)")

    #: The columns each section reads (besides 'section', 'item' and 'comment', a label and a note on every row).
    _AMOUNT_COLUMNS = ("amount", "unit", "source", "data_type", *DQR_KEYS, *UNCERTAINTY_COLUMNS)
    #: an output or co-product takes no DQR or data type (activity.py refuses them: no score reads them), so
    #: their cells are named here, at the cell, rather than by the model's field path
    _REFERENCE_COLUMNS = ("amount", "unit", "source", *UNCERTAINTY_COLUMNS)
    READ = {"dqr": DQR_KEYS, "output": _REFERENCE_COLUMNS, "co_product": (*_REFERENCE_COLUMNS, "share"),
            "allocation_share": ("amount",), "input": (*_AMOUNT_COLUMNS, *OPTIONAL_COLUMNS),
            "transport": _AMOUNT_COLUMNS, "emission": (*_AMOUNT_COLUMNS, "compartment"),
            "excluded": ("amount", *EXCLUSION_COLUMNS), "ore_content": ("amount", "unit", "source", *DQR_KEYS),
            "ore_share": ("amount", "unit", "source", *DQR_KEYS)}
    #: Cells that qualify an amount: filled on a row whose amount is blank, the row is not skipped as "not used"
    #: (a 'source' alone may say why it is not used: "none bought in 2025").
    _ABOUT_AMOUNT = ("data_type", *DQR_KEYS, *UNCERTAINTY_COLUMNS, *OPTIONAL_COLUMNS)

    def _no_ignored_cell(self, cells: dict, section: str, sheet: str, row: int) -> None:
        """Refuse a filled cell the row's section reads nowhere, and a row skipped although it says something.

        Each was dropped with exit 0: a 'share' on an input row, a DQR on the 'allocation_share' row, an amount
        on the 'dqr' row, an input's DQR and source with its amount left blank (the whole input skipped as
        "not used"), an excluded item's estimated share with no item named (left out of the cut-off sum).
        """
        read = {"section", "item", "comment", *self.READ[section]}
        ignored = [name for name, value in cells.items() if value is not None and name not in read]
        if ignored:
            name = ignored[0]
            row_of = ("an" if section[0] in "aeiou" else "a") + f" '{section}' row"
            raise self.error(f"column '{name}' is read nowhere on {row_of}", (sheet, row, name),
                             value=cells[name], expected=f"an empty cell ({row_of} reads "
                             + ", ".join(c for c in COLUMNS + OPTIONAL_COLUMNS + UNCERTAINTY_COLUMNS + EXCLUSION_COLUMNS
                                         if c in read and c != "section") + ")")
        if section in ("input", "transport", "emission") and cells.get("amount") is None:
            said = [name for name in self._ABOUT_AMOUNT if cells.get(name) is not None]
            if said:
                raise self.error(f"column '{said[0]}' is filled but the amount is blank (the row would be skipped "
                                 "as an input not used)", (sheet, row, "amount"), value=cells[said[0]],
                                 expected="the amount of the period, or no DQR, data type, distribution, dataset "
                                          "or declaration on a row not used")
        if section in ("ore_content", "ore_share") and cells.get("amount") is None:
            said = [name for name in ("source", *DQR_KEYS) if cells.get(name) is not None]
            if said:
                raise self.error(f"column '{said[0]}' is filled but the amount is blank (the row would be skipped "
                                 "and the rule's value used)", (sheet, row, "amount"), value=cells[said[0]],
                                 expected="the assay's value in 'amount', or the row left blank to keep the rule's")
        if section == "excluded" and cells.get("item") is None and cells.get("amount") is not None:
            raise self.error("an estimated share with no item (the row would be skipped, its share left out of "
                             "the cut-off check)", (sheet, row, "item"), value=cells["amount"],
                             expected="the excluded item's name in column 'item'")
        if section == "excluded" and cells.get("item") is None and cells.get("kinds") is not None:
            raise self.error("input kinds left out with no item (the row would be skipped, the kinds not "
                             "stated as left out)", (sheet, row, "item"), value=cells["kinds"],
                             expected="the excluded item's name in column 'item'")

    def _no_value_without_header(self, sheet, header: list[str]) -> None:
        """Refuse a value in a column whose header is blank: no row reads it.

        A supplier's declaration or a dataset typed in a column added without its header name was
        dropped without a word, the default dataset declared in its place, exit 0.
        """
        from openpyxl.utils import get_column_letter

        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                index = cell.column - 1
                if (index >= len(header) or not header[index]) and _clean(cell.value) is not None:
                    raise self.error(f"a value in column {get_column_letter(cell.column)}, which has no header (it "
                                     "would be read nowhere)", (sheet.title, cell.row, None), value=_clean(cell.value),
                                     expected="the column's name in row 1 (" + ", ".join(
                                         COLUMNS + OPTIONAL_COLUMNS + UNCERTAINTY_COLUMNS + EXCLUSION_COLUMNS)
                                              + "), or the value moved out of the sheet")

    def _no_repeated_column(self, sheet: str, header: list[str]) -> None:
        """Refuse a header naming a column twice: each row would be read from the rightmost one only."""
        from openpyxl.utils import get_column_letter

        seen: dict[str, int] = {}
        for index, name in enumerate(header, start=1):
            if not name:
                continue
            if name in seen:
                raise self.error(f"column '{name}' appears twice in the header (columns "
                                 f"{get_column_letter(seen[name])} and {get_column_letter(index)})",
                                 (sheet, 1, None), value=name,
                                 expected="each column once (delete or rename one of the two)")
            seen[name] = index

    #: Declarant keys holding a quantity in their own unit (recycled_content_R1 and recycled_share_* are fractions,
    #: where a cell shown as 95 % rightly holds 0.95).
    DECLARANT_QUANTITIES = ("production_amount",)

    def _no_percentage_cell(self, cell, name: str, location: Location) -> None:
        """Refuse a declarant quantity typed as a percentage, as _no_percentage does on the process sheets.

        Why: 2000 typed into a cell formatted as a percentage is stored as 20, so production_amount read 20 t
        for 2,000 t and every value per kg came out 100 times too high, exit 0 (the process sheets refused it).
        """
        value = getattr(cell, "value", None)
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and "%" in str(getattr(cell, "number_format", "") or ""):
            raise self.error(f"a percentage in '{name}': Excel stores {value:.4g} (shown as {100 * value:.4g} %), "
                             f"which would be read as {value:.4g} in its unit", location, value=value,
                             expected=f"{name} in its unit, in a cell not formatted as a percentage")

    #: Columns holding a quantity in the row's unit (a percentage there is not that quantity), and the
    #: sections whose 'amount' is a fraction 0..1 (where a cell shown as 3 % rightly holds 0.03).
    QUANTITY_COLUMNS = ("amount", "gsd", "sd", "minimum", "maximum", "mode")
    FRACTION_SECTIONS = ("allocation_share", "excluded")

    def _no_percentage(self, header: list[str], row: tuple, section: str, sheet: str, row_index: int) -> None:
        """Refuse a quantity typed as a percentage: Excel stores "5 %" as 0.05, silently a 20th of 1.

        An sd of "5 %" meant as 5 % of the amount would be read as 0.05 in the amount's unit (an
        uncertainty of next to nothing, exit 0); an amount of "50 %" as 0.5 t.  Fractions
        (allocation share, an exclusion's estimated share) may be shown as percentages.
        """
        for name, cell in zip(header, row):
            if name in self.QUANTITY_COLUMNS:
                self._no_scaled_format(cell, f"column '{name}'", (sheet, row_index, name))
            if name not in self.QUANTITY_COLUMNS or (name == "amount" and section in self.FRACTION_SECTIONS):
                continue
            value = getattr(cell, "value", None)
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and "%" in str(getattr(cell, "number_format", "") or ""):
                raise self.error(f"a percentage in column '{name}': Excel stores {value:.4g} (shown as "
                                 f"{100 * value:.4g} %), which would be read as {value:.4g} in the row's unit",
                                 (sheet, row_index, name), value=value,
                                 expected=("the number itself in the row's unit (an sd of 5 % of 613 t is 30.65), "
                                           "or gsd as a factor (about +-10 % is 1.1)") if name != "amount"
                                          else "the amount in the row's unit, in a cell not formatted as a "
                                               "percentage")

    def _no_scaled_format(self, cell, name: str, location: Location) -> None:
        """Refuse a quantity whose number format shows it scaled (in thousands: '#,##0,'; millions: '0.0,,').

        The cell shows 1,200 beside the unit MWh while it holds 1200000: a reader of the sheet and the
        declaration would disagree by a factor of 1000.  Which one the producer meant only the producer knows.
        """
        value = getattr(cell, "value", None)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return
        number_format = str(getattr(cell, "number_format", "") or "")
        if "," not in number_format:
            return
        sections = _format_sections(number_format)
        section = sections[1] if value < 0 and len(sections) > 1 else sections[0]
        digits = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", section)
        if re.search(r"[0#?],+(?![0#?,])", digits):
            raise self.error(f"a number format that shows {name} scaled ({excerpt(number_format, 30)}): the cell "
                             f"shows another number than the {value:.6g} it holds and that would be read",
                             location, value=value,
                             expected="the quantity in the row's unit, in a cell whose format shows it unscaled "
                                      "(General, or #,##0.00)")

    #: Sections a process has at most one of (each stored under its own name): a second row would replace the first.
    SINGLE = ("output", "dqr", "allocation_share")

    def _uncertainty(self, cells: dict, sheet: str, row: int) -> dict | None:
        """The row's distribution from the uncertainty columns (None when none is filled)."""
        kind = cells.get("distribution")
        parameters = {key: cells[key] for key in UNCERTAINTY_COLUMNS[1:] if cells.get(key) is not None}
        if kind is None:
            if parameters:
                first = next(iter(parameters))
                raise self.error("a distribution parameter without a 'distribution'", (sheet, row, first),
                                 value=parameters[first],
                                 expected="the distribution's type in column 'distribution' (lognormal, normal, "
                                          "triangular, uniform)")
            return None
        return {"type": kind, **parameters}

    def _mark(self, loc: tuple, sheet: str, row: int, entry: dict, columns: dict | None = None) -> None:
        self.locations[loc] = (sheet, row, None)
        # the columns of fields left out too: a required one (an emission's blank compartment) is then named
        for key in {**entry, **(columns or {})}:
            column = (columns or {}).get(key, key)
            self.locations[loc + (key,)] = (sheet, row, column)
        if "dqr" in entry and isinstance(entry["dqr"], dict):
            self._mark_dqr(loc + ("dqr",), sheet, row)
        if isinstance(entry.get("uncertainty"), dict):
            for key in entry["uncertainty"]:
                self.locations[loc + ("uncertainty", key)] = (sheet, row, "distribution" if key == "type" else key)

    def _mark_dqr(self, loc: tuple, sheet: str, row: int) -> None:
        """Each DQR criterion of a row at its own column, the blank ones too.

        A row with TeR filled and GeR left blank was refused as "column 'dqr': Field required", naming
        a column the workbook does not have and not the criterion missing.
        """
        for criterion in DQR_KEYS:
            self.locations[loc + (criterion,)] = (sheet, row, criterion)

    def _append(self, data: dict, base: tuple, group: str, entry: dict, sheet: str, row: int,
                columns: dict) -> None:
        items = data.setdefault(group, [])
        self._mark(base + (group, len(items)), sheet, row, entry, columns)
        items.append(entry)


def describe(path: Path, location: Location | None) -> str:
    """'activity.xlsx: sheet 'separation' row 7 column 'unit'' (used as the error's file part)."""
    if location is None:
        return str(path)
    sheet, row, column = location
    text = f"{path}: sheet '{sheet}'" + (f" row {row}" if row else "")
    return text + (f" column '{column}'" if column else "")


_PART = re.compile(r"\[(\d*)\]|\.?([^.\[\]]+)")
#: A part of a field pattern that any key or index matches ('*' for a key, '[]' for an index).
ANY = "*"


def field_loc(field: str) -> tuple:
    """'processes.a.inputs[2].unit' -> ('processes', 'a', 'inputs', 2, 'unit'); '*' and '[]' match any part."""
    return tuple(int(index) if index else key or ANY for index, key in _PART.findall(field))


def place(activity: Any, field: str) -> str:
    """Where the producer finds ``field`` in the file they wrote: a workbook's sheet and row, else the field path.

    For a message that lists several places (the cut-off refusal's estimates): the error's own field is
    re-raised at its cell by located(), the places in its text are named here by the same mapping.
    ``activity``: a footprint.inputs.activity.LoadedActivity (its ``cells`` is None for YAML).
    """
    cells = getattr(activity, "cells", None)
    found = cells(field) if cells is not None else None
    prefix = f"{activity.path}: "
    if found is None or not found[0].startswith(prefix):
        return field
    return found[0][len(prefix):]


def read_xlsx(path: Path) -> tuple[dict[str, Any], _Workbook]:
    """The workbook as the activity-data dict, and the book-keeping to locate errors in it.

    A damaged file (truncated, random bytes, a zip that is no workbook) makes openpyxl raise
    whatever its zip or XML layer meets (BadZipFile, zlib.error, KeyError, ParseError, ...):
    every such failure is one ActivityDataError, never a traceback.
    """
    from footprint._io import read_input_bytes

    path = Path(path)
    # read once: the formula check, the values and the recorded hash are all of these bytes
    # (a workbook saved between two opens would otherwise mix two versions)
    data = read_input_bytes(path, ActivityDataError, expected="an XLSX workbook")
    try:
        raw, book = _checked_read(path, data)
        book.sha256 = hashlib.sha256(data).hexdigest()
        return raw, book
    except FootprintError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of openpyxl on a damaged file is the file's
        raise ActivityDataError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})", file=path,
                                expected="a workbook written by 'footprint template --format xlsx'") from None


def _checked_read(path: Path, data: bytes) -> tuple[dict[str, Any], _Workbook]:
    """The checks on cells a reader of values cannot see, then the values, from one pair of full workbooks.

    Each check and the read loaded the bytes on their own (four loads, about 50 ms for an
    example's workbook, most of it two read-only books walked in lockstep); a full book of
    formulas and one of cached values serve all three (about 40 ms).
    """
    from openpyxl import load_workbook

    formulas = load_workbook(io.BytesIO(data), data_only=False)
    values = load_workbook(io.BytesIO(data), data_only=True)
    try:
        _check_formulas(path, formulas, values)
        _check_hidden(path, values)
        _check_merged(path, values)
        return _read(path, values)
    finally:
        formulas.close()
        values.close()


def _check_formulas(path: Path, formulas, values) -> None:
    """Refuse a formula cell without a cached value: read as values, it would be empty and silently dropped.

    Excel stores a formula's last computed value beside it; a workbook written by a program
    (or saved without recalculating) may hold the formula alone, and openpyxl cannot compute it.
    ``formulas`` and ``values`` are the same bytes loaded with and without data_only (full
    books, so their rows are the same cells in the same order).
    """
    for name in formulas.sheetnames:
        for cells, cached in zip(formulas[name].iter_rows(), values[name].iter_rows()):
            for cell, value in zip(cells, cached):
                if getattr(cell, "data_type", None) == "f" and value.value is None:
                    raise ActivityDataError(
                        f"formula without a computed value: {excerpt(str(cell.value), 60)}",
                        file=f"{path}: sheet '{name}' cell {cell.coordinate}",
                        expected="a number: open the workbook in a spreadsheet program, let it calculate and "
                                 "save it, or type the value")
                if getattr(value, "data_type", None) == "e":
                    # an error value (#N/A, #REF!, #DIV/0!) reads as its text: a lookup that failed in the
                    # 'source' column was declared as the source "#N/A", exit 0
                    formula = f" of {excerpt(str(cell.value), 60)}" if cell.data_type == "f" else ""
                    raise ActivityDataError(
                        f"the cell holds the spreadsheet error {excerpt(str(value.value), 20)}{formula}",
                        file=f"{path}: sheet '{name}' cell {cell.coordinate}", value=value.value,
                        expected="a value: correct the formula (or what it refers to) and recalculate, or type "
                                 "the value")


def _check_hidden(path: Path, book) -> None:
    """Refuse data in a hidden sheet, row or column: it would be declared though nobody reading the workbook sees it.

    Hiding a row, a column or a sheet is how a spreadsheet user sets figures aside (last year's, a
    discarded estimate); read as values they would count all the same.  Only the full
    reader knows which rows and columns are hidden (the read-only one skips their attributes); the
    template's workbooks are a few hundred cells, read in milliseconds.  ``book``: the full book of values.
    """
    for sheet in book.worksheets:
        hidden_rows = {index for index, row in sheet.row_dimensions.items() if row.hidden}
        hidden_columns = {index for column in sheet.column_dimensions.values() if column.hidden
                          for index in range(column.min or 0, (column.max or 0) + 1)}
        for row in sheet.iter_rows():
            filled = [cell for cell in row if _clean(cell.value) is not None]
            if not filled:
                continue
            if sheet.sheet_state != "visible":
                raise ActivityDataError(f"the sheet is {sheet.sheet_state} but holds data (cell "
                                        f"{filled[0].coordinate})", file=f"{path}: sheet '{sheet.title}'",
                                        expected="data in visible sheets only: unhide the sheet to check it, "
                                                 "or delete it")
            if filled[0].row in hidden_rows:
                raise ActivityDataError("the row is hidden (or in a collapsed group) but holds data",
                                        file=f"{path}: sheet '{sheet.title}' row {filled[0].row}",
                                        expected="data in visible rows only: unhide the row to check it, "
                                                 "or delete it")
            blank = next((cell for cell in filled if _format_hides(cell)), None)
            if blank is not None:
                raise ActivityDataError(f"the cell's number format ({excerpt(str(blank.number_format), 30)}) shows it "
                                        "blank but it holds data", file=f"{path}: sheet '{sheet.title}' cell "
                                        f"{blank.coordinate}", value=blank.value,
                                        expected="data shown as it is read: give the cell a format that shows its "
                                                 "value (General), or delete the value")
            below_header = [cell for cell in filled if cell.row > 1 and cell.column in hidden_columns]
            if below_header:  # a hidden column's header alone sets nothing aside; its values would count
                raise ActivityDataError("the column is hidden (or in a collapsed group) but holds data",
                                        file=f"{path}: sheet '{sheet.title}' cell {below_header[0].coordinate}",
                                        expected="data in visible columns only: unhide the column to check "
                                                 "it, or delete its values")


def _format_sections(number_format: str) -> list[str]:
    """A number format's sections (positive;negative;zero;text), a ';' inside quotes or after '\\' not counted."""
    sections, current, quoted, escaped = [], "", False, False
    for char in number_format:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            current, escaped = current + char, True
        elif char == '"':
            current, quoted = current + char, not quoted
        elif char == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += char
    return [*sections, current]


def _format_hides(cell) -> bool:
    """Whether the cell's number format shows its value as nothing (';;;', or '0;;' for a zero or a negative).

    Such a format is how a spreadsheet user hides a figure while keeping it; read as values it would
    count all the same, as a hidden row's (see _check_hidden).
    """
    number_format = str(getattr(cell, "number_format", "") or "")
    if ";" not in number_format:
        return False
    sections = _format_sections(number_format)
    value = cell.value
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        if value > 0 or len(sections) == 1:
            section = sections[0]
        elif value < 0:
            section = sections[1]
        else:
            section = sections[2] if len(sections) > 2 else sections[0]
    elif isinstance(value, str):
        if len(sections) < 4:
            return False
        section = sections[3]
    else:
        return False
    return not re.sub(r'\[[^\]]*\]|""', "", section).strip()  # a colour ([Red]) or "" shows nothing


def _check_merged(path: Path, book) -> None:
    """Refuse a merged range whose one value is shown in cells that are read, each on its own, as empty.

    A spreadsheet keeps a merged range's value in its top-left cell alone: the amount of two emission
    rows merged into one cell was declared for the first row and the second row, its amount read as
    blank, was skipped as not reported (exit 0, one emission less); a DQR merged down two rows gave the
    second the process default.  A range within one row that covers only columns nobody reads (a comment
    spread to the right) hides nothing.  ``book``: the full book of values.
    """
    from openpyxl.utils import get_column_letter

    read_columns = set(COLUMNS + OPTIONAL_COLUMNS + UNCERTAINTY_COLUMNS + EXCLUSION_COLUMNS)
    for sheet in book.worksheets:
        if sheet.title == DECLARANT_SHEET:
            read = {1, 2}  # key, value
        else:
            read = {cell.column for cell in next(sheet.iter_rows(max_row=1), ()) if _clean(cell.value) in read_columns}
        for merged in sheet.merged_cells.ranges:
            anchor = sheet.cell(row=merged.min_row, column=merged.min_col)
            if _clean(anchor.value) is None:
                continue
            covered_read = [column for column in range(merged.min_col + 1, merged.max_col + 1) if column in read]
            if merged.max_row == merged.min_row and not covered_read:
                continue
            cells = f"{anchor.coordinate}:{get_column_letter(merged.max_col)}{merged.max_row}"
            raise ActivityDataError(
                f"merged cells: the value shown in all of them ({excerpt(str(anchor.value), 40)}) is held by "
                f"{anchor.coordinate} alone, and the other cells are read as empty",
                file=f"{path}: sheet '{sheet.title}' cells {cells}", value=anchor.value,
                expected="the cells unmerged, with the value typed in each row and column it belongs to")


def _read(path: Path, workbook) -> tuple[dict[str, Any], _Workbook]:
    """The activity-data dict from the full book of cached values (checked by _checked_read)."""
    book = _Workbook(path)
    if DECLARANT_SHEET not in workbook.sheetnames:
        raise ActivityDataError(f"no '{DECLARANT_SHEET}' sheet", file=path,
                                expected="the sheets of 'footprint template --format xlsx'")
    raw = book.declarant(workbook[DECLARANT_SHEET])
    processes: dict[str, Any] = {}
    for name in workbook.sheetnames:
        if name == DECLARANT_SHEET:
            continue
        data = book.process(workbook[name])
        if data is not None:
            processes[name] = data
    raw["processes"] = processes
    return raw, book
