"""What each output of a declaration prints, compared mechanically with the declaration (a test helper).

Every function here takes a declaration (the dict ``footprint declare`` writes) and one rendering of it
(the HTML report, the CSV or PACT export, the class label or chart figures) and returns the list of
disagreements, each a sentence naming the output, the place and both values; an empty list means the
output says what the declaration says.

The printed numbers are checked by an independent reading, not by calling the report's own formatter
again: a printed number is parsed back and must lie within half a unit of its last printed digit of the
declared value, with at least three significant figures and the declared sign (``rounds_to``); a
percentage must be the declared share rounded the same way, never "0" or "100" when the share is not.
"""
from __future__ import annotations

import csv
import io
import math
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any, Iterable, Mapping

NBSP = "\u00a0"
MINUS = "\u2212"


# ----------------------------------------------------------------------------- reading printed numbers

def parse_number(text: str, lang: str = "en") -> float | None:
    """A printed number ("4.66e+04", "0,561", "1.234,5", "−0.1") as a float; None when it is not one."""
    text = text.strip().replace(NBSP, "").replace(" ", "").replace(MINUS, "-")
    if lang == "de":
        text = text.replace(".", "").replace(",", ".") if "e" not in text.lower() else text.replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _last_digit_unit(text: str, lang: str) -> float:
    """Half of the place value of the last printed digit of ``text`` ("0.0450" -> 0.00005, "4.66e+04" -> 50)."""
    text = text.strip().replace(NBSP, "").replace(MINUS, "-").lstrip("<>-+ ")
    decimal_mark = "," if lang == "de" else "."
    mantissa, _, exponent = text.lower().partition("e")
    exp = int(exponent) if exponent else 0
    decimals = len(mantissa.split(decimal_mark, 1)[1]) if decimal_mark in mantissa else 0
    return 0.5 * 10.0 ** (exp - decimals)


def significant_figures(text: str, lang: str) -> int:
    """How many significant digits ``text`` prints ("0.0450" -> 3, "46.6" -> 3, "1.00e-20" -> 3)."""
    mantissa = text.strip().replace(NBSP, "").replace(MINUS, "-").lstrip("<>-+ ").lower().partition("e")[0]
    digits = re.sub(r"[^0-9]", "", mantissa.replace("," if lang == "de" else ".", "")).lstrip("0")
    return len(digits) if "." in mantissa or "," in mantissa or "e" in text.lower() else len(
        re.sub(r"[^0-9]", "", mantissa).lstrip("0") or "0")


def rounds_to(text: str, value: Any, lang: str = "en", sig: int = 3) -> str | None:
    """Why ``text`` is not ``value`` rounded for a reader (None when it is).

    It must parse, have the declared sign, lie within half a unit of its last digit of the value, and
    carry at least ``sig`` significant figures (a printed 0 only for a value that is exactly 0).
    """
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return None if text.strip() == "\u2014" else f"prints {text!r} for a value that is not a number ({value!r})"
    printed = parse_number(text, lang)
    if printed is None:
        return f"prints {text!r}, not a number, for {value!r}"
    if value == 0:
        return None if printed == 0 else f"prints {text!r} for a value of exactly 0"
    if printed == 0:
        return f"prints {text!r} for {value!r}, which is not 0"
    if (printed < 0) != (value < 0):
        return f"prints {text!r} with the wrong sign for {value!r}"
    half = _last_digit_unit(text, lang)
    integer = re.sub(r"[^0-9]", "", text)
    if re.fullmatch(r"-?[\d.,\s\u00a0]+", text.strip()) and ("," if lang == "de" else ".") not in text:
        # an integer such as "1290" (3 significant figures of 1287, the report's documented rounding):
        # its trailing zeros stand for the digits rounded away, down to ``sig`` figures
        kept = max(len(integer.lstrip("0").rstrip("0")), sig)
        half = 0.5 * 10.0 ** max(0, len(integer.lstrip("0")) - kept)
    if abs(printed - value) > half * (1 + 1e-9) + 1e-300:
        return f"prints {text!r} for {value!r}: more than half a unit of its last digit away"
    if significant_figures(text, lang) < sig:
        return f"prints {text!r} for {value!r}: fewer than {sig} significant figures"
    return None


def share_agrees(text: str, fraction: float | None, lang: str = "en", decimals: int = 1) -> str | None:
    """Why a printed percentage ("64.0 %", "< 0.1 %", "> 99.9 %") is not ``fraction`` (None when it is)."""
    if fraction is None:
        return None if text.strip() == "\u2014" else f"prints {text!r} for a share that is not defined"
    body = text.replace(NBSP, " ").replace("%", "").strip().replace(MINUS, "-")
    percent = 100.0 * fraction
    bound = re.match(r"^([<>])\s*(.+)$", body)
    if bound:
        limit = parse_number(bound.group(2), lang)
        if limit is None:
            return f"prints {text!r}: not a percentage"
        holds = percent < limit if bound.group(1) == "<" else percent > limit
        return None if holds else f"prints {text!r} for {percent!r} %"
    printed = parse_number(body, lang)
    if printed is None:
        return f"prints {text!r}: not a percentage"
    if printed in (0.0, 100.0, -100.0) and percent != printed:
        return f"prints {text!r} for {percent!r} %: a share that is not {printed:g} % must never read as it"
    if abs(printed - percent) > 0.5 * 10 ** -decimals * (1 + 1e-9):
        return f"prints {text!r} for {percent!r} %"
    return None


# ----------------------------------------------------------------------------- reading the HTML page

class Page(HTMLParser):
    """The report's tables and definition lists, by the section (``id``) and heading they sit under.

    ``tables``: [{"section", "heading", "head": [cells], "rows": [[cells]], "foot": [cells]}] in page
    order; ``pairs``: [(section, term, definition)] of every ``<dl>``; ``headings``: [(section, h3 text)].
    Cell texts are the visible text (a hash's shortened twin dropped), whitespace collapsed.
    """

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.pairs: list[tuple[str, str, str]] = []
        self.headings: list[tuple[str, str]] = []
        self.texts: dict[str, list[str]] = {}
        self._sections: list[str] = ["(page)"]
        self._depth: list[str] = []
        self._skip = 0
        self._text: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._part = "rows"
        self._heading = ""
        self._term = ""
        self.feed(page)

    @property
    def section(self) -> str:
        return self._sections[-1]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag in ("img", "br", "meta", "input"):
            return
        self._depth.append(tag)
        if self._skip or (tag == "span" and attributes.get("class") == "short") or tag in ("style", "title"):
            self._skip += 1
            return
        if tag in ("section", "header", "details") and attributes.get("id", tag):
            self._sections.append(attributes.get("id") or tag)
        elif tag == "table":
            self.tables.append({"section": self.section, "heading": self._heading, "head": [], "rows": [],
                                "foot": []})
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = {"thead": "head", "tbody": "rows", "tfoot": "foot"}[tag]
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3", "dt", "dd", "p", "li", "summary", "strong"):
            if self._text is None:
                self._text = []
                self._text_tag = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("img", "br", "meta", "input"):
            return
        if self._depth:
            self._depth.pop()
        if self._skip:
            self._skip -= 1
            return
        if tag in ("section", "header", "details") and len(self._sections) > 1:
            self._sections.pop()
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            table = self.tables[-1]
            if self._part == "head":
                table["head"] = self._row
            elif self._part == "foot":
                table["foot"] = self._row
            else:
                table["rows"].append(self._row)
            self._row = None
        elif tag == "tbody" or tag == "tfoot" or tag == "thead":
            self._part = "rows"
        elif self._text is not None and tag == self._text_tag:
            content = _squash("".join(self._text))
            self._text = None
            self.texts.setdefault(self.section, []).append(content)
            if tag == "h3":
                self._heading = content
                self.headings.append((self.section, content))
            elif tag == "h2":
                self._heading = ""
            elif tag == "dt":
                self._term = content
            elif tag == "dd":
                self.pairs.append((self.section, self._term, content))

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)

    def tables_in(self, section: str) -> list[dict]:
        return [t for t in self.tables if t["section"] == section]

    def pair(self, section: str, term: str) -> str | None:
        found = [d for s, t, d in self.pairs if s == section and t == term]
        return found[0] if found else None


def _squash(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


# ----------------------------------------------------------------------------- the declaration's facts

def _declared(document: Mapping[str, Any]) -> list[dict]:
    from footprint.inputs.upstream import declared_results

    return declared_results(dict(document))


def _additional(document: Mapping[str, Any]) -> list[dict]:
    from footprint.inputs.upstream import additional_results

    return additional_results(dict(document))


def contribution_stages(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """Process id -> the stages the declaration's contributions put it in (the CSV's stage column)."""
    stages: dict[str, set[str]] = {}
    for row in document.get("contributions") or []:
        stages.setdefault(str(row.get("process")), set()).add(str(row.get("stage")))
    return stages


def _stage_labels(document: Mapping[str, Any], lang: str) -> dict[str, str]:
    from footprint.report.figures import stage_order

    return dict(stage_order(document, lang))


# ----------------------------------------------------------------------------- the HTML report

def html_disagreements(document: Mapping[str, Any], page: str, lang: str = "en") -> list[str]:
    """Where the HTML report (``footprint report``, the PDF's page, the server's declaration page) disagrees."""
    from footprint._text import amount_text
    from footprint.report.i18n import category_label, text

    read = Page(page)
    found: list[str] = []

    def expect(where: str, why: str | None) -> None:
        if why:
            found.append(f"{lang} report, {where}: {why}")

    # header: declared unit, period, rule and version, class
    unit = document.get("declared_unit") or {}
    shown_unit = read.pair("header", text("declared_unit", lang)) or ""
    amount = amount_text(unit.get("amount", 1))
    if lang == "de":
        amount = amount.replace(".", ",")
    if not shown_unit.startswith(f"{amount} {unit.get('unit')} {unit.get('product')}"):
        found.append(f"{lang} report, header: declared unit reads {shown_unit!r}, declared "
                     f"{unit.get('amount')} {unit.get('unit')} {unit.get('product')}")
    period = document.get("period") or {}
    if read.pair("header", text("reporting_period", lang)) != f"{period.get('start')} \u2013 {period.get('end')}":
        found.append(f"{lang} report, header: reporting period reads "
                     f"{read.pair('header', text('reporting_period', lang))!r}, declared {period}")
    rule = document.get("rule") or {}
    if not (read.pair("header", text("rule", lang)) or "").startswith(f"{rule.get('id')} v{rule.get('version')}"):
        found.append(f"{lang} report, header: rule reads {read.pair('header', text('rule', lang))!r}, declared "
                     f"{rule.get('id')} {rule.get('version')}")
    pc = document.get("performance_class")
    shown_class = read.pair("header", text("performance_class", lang))
    declared_class = pc.get("class") if isinstance(pc, Mapping) else pc
    if (shown_class or None) != (str(declared_class) if declared_class else None):
        found.append(f"{lang} report, header: performance class reads {shown_class!r}, declared {declared_class!r}")
    validity = (rule.get("validity") or {})
    shown_validity = read.pair("scope", text("rule_validity", lang)) or ""
    for day in (validity.get("from"), validity.get("until")):
        if day and day not in shown_validity:
            found.append(f"{lang} report, scope: rule validity {shown_validity!r} lacks {day}")

    # the declared results, then the additional ones, each in the declaration's order
    for section, results in (("results", _declared(document)), ("details", _additional(document))):
        tables = read.tables_in(section)
        rows = tables[0]["rows"] if tables else []
        if len(rows) != len(results):
            found.append(f"{lang} report, {section}: {len(rows)} rows for {len(results)} results")
        for row, result in zip(rows, results):
            where = f"{section} row {result.get('category')}"
            label, indicator, value, unit_text, coverage = (row + [""] * 5)[:5]
            if label != category_label(result, lang):
                found.append(f"{lang} report, {where}: label {label!r}, declared {category_label(result, lang)!r}")
            if indicator != str(result.get("indicator") or "\u2014"):
                found.append(f"{lang} report, {where}: indicator {indicator!r}, declared {result.get('indicator')!r}")
            if unit_text != result.get("unit"):
                found.append(f"{lang} report, {where}: unit {unit_text!r}, declared {result.get('unit')!r}")
            expect(where, rounds_to(value, result.get("value"), lang))
            flag = result.get("coverage")
            if flag not in (None, "complete"):
                word = text(f"coverage_{flag}", lang)
                if not coverage.startswith(word):
                    found.append(f"{lang} report, {where}: coverage cell {coverage!r} lacks the flag {word!r}")
            elif coverage:
                found.append(f"{lang} report, {where}: coverage cell {coverage!r} for a complete result")

    found += _contribution_disagreements(document, read, lang)
    found += _quality_disagreements(document, read, lang)
    found += _mineral_disagreements(document, read, lang)
    found += _bill_and_recycled_disagreements(document, read, lang)
    found += _class_disagreements(document, read, lang)
    found += _uncertainty_disagreements(document, read, lang)
    return found


def _contribution_disagreements(document: Mapping[str, Any], read: Page, lang: str) -> list[str]:
    from footprint.report.i18n import category_label, text

    found: list[str] = []
    stage_labels = _stage_labels(document, lang)
    processes = {str(p.get("id")): p for p in document.get("processes") or []}
    in_stage = contribution_stages(document)
    tables = read.tables_in("contributions")
    headings = [h for s, h in read.headings if s == "contributions"]
    results = _declared(document)
    if len(tables) != 2 * len(results) or len(headings) != len(results):
        return [f"{lang} report, contributions: {len(tables)} tables under {len(headings)} headings for "
                f"{len(results)} declared results"]
    for index, result in enumerate(results):
        category = result.get("category")
        heading = headings[index]
        label = category_label(result, lang)
        ending = f" {result.get('unit')}{_flag(result, lang)}"
        if not heading.startswith(f"{label} \u2014 ") or not heading.endswith(ending):
            found.append(f"{lang} report, contributions: heading {heading!r} for {label} in{ending}")
        else:
            why = rounds_to(heading[len(label) + 3:-len(ending)], result.get("value"), lang)
            if why:
                found.append(f"{lang} report, contributions heading of {category}: {why}")
        stage_table, process_table = tables[2 * index], tables[2 * index + 1]
        total = result.get("value")
        by_stage = result.get("by_stage") or {}
        if not all(unit_ok for unit_ok in [str(result.get("unit")) in stage_table["head"][1]]):
            found.append(f"{lang} report, {category} stage table: head {stage_table['head']} lacks the unit")
        shown = {row[0]: row for row in stage_table["rows"]}
        expected = {stage_labels.get(sid, sid): value for sid, value in by_stage.items()}
        if set(shown) != set(expected):
            found.append(f"{lang} report, {category} stage table: stages {sorted(shown)}, declared {sorted(expected)}")
        for name, value in expected.items():
            if name in shown:
                for why in (rounds_to(shown[name][1], value, lang),
                            share_agrees(shown[name][2], value / total if total else None, lang)):
                    if why:
                        found.append(f"{lang} report, {category} stage {name}: {why}")
        foot = stage_table["foot"]
        if not foot or foot[0] != text("total", lang) or rounds_to(foot[1], total, lang):
            found.append(f"{lang} report, {category} stage table total {foot}: declared {total!r}")
        by_process = result.get("by_process") or {}
        if len(process_table["rows"]) != len(by_process):
            found.append(f"{lang} report, {category} process table: {len(process_table['rows'])} rows for "
                         f"{len(by_process)} processes")
        names = {_process_name(document, pid, lang): pid for pid in by_process}
        for row in process_table["rows"]:
            name, stage, value, share = (row + [""] * 4)[:4]
            pid = names.get(name)
            if pid is None:
                found.append(f"{lang} report, {category} process table: row {name!r} names no declared process")
                continue
            declared_stages = {stage_labels.get(s, s) for s in in_stage.get(pid, set())}
            if pid in processes:
                declared_stages.add(stage_labels.get(str(processes[pid].get("stage")), processes[pid].get("stage")))
            if stage not in declared_stages:
                found.append(f"{lang} report, {category} process {pid}: stage {stage!r}, the declaration puts it "
                             f"in {sorted(declared_stages)}")
            for why in (rounds_to(value, by_process[pid], lang),
                        share_agrees(share, by_process[pid] / total if total else None, lang)):
                if why:
                    found.append(f"{lang} report, {category} process {pid}: {why}")
    return found


def _flag(result: Mapping[str, Any], lang: str) -> str:
    """" (partial)" after a total printed away from the results table, when the result is not complete."""
    from footprint.report.i18n import text

    coverage = result.get("coverage")
    return "" if coverage in (None, "complete") else f" ({text(f'coverage_{coverage}', lang)})"


def _process_name(document: Mapping[str, Any], pid: str, lang: str) -> str:
    """The name a reader sees for a row of ``by_process``: the rule's process name, or the recycled-content line's."""
    from footprint.report.i18n import text

    for process in document.get("processes") or []:
        if str(process.get("id")) == pid:
            return str(process.get("name") or pid)
    kinds = {row.get("kind") for row in document.get("contributions") or [] if str(row.get("process")) == pid}
    return text("rc_adjustment", lang) if kinds == {"recycled-content"} else pid


def _quality_disagreements(document: Mapping[str, Any], read: Page, lang: str) -> list[str]:
    from footprint._text import dqr_text
    from footprint.report.i18n import level, text

    found: list[str] = []
    dq = document.get("data_quality") or {}
    if not dq:
        return found
    overall = read.pair("data-quality", text("overall_dqr", lang)) or ""
    dqr = dqr_text(dq["dqr"]).replace(".", "," if lang == "de" else ".")
    if not overall.startswith(dqr) or level(dq.get("level"), lang) not in overall:
        found.append(f"{lang} report, data quality: overall DQR reads {overall!r}, declared {dq.get('dqr')} "
                     f"{dq.get('level')}")
    why = share_agrees(read.pair("data-quality", text("primary_data_share", lang)) or "",
                       dq.get("primary_data_share"), lang)
    if why:
        found.append(f"{lang} report, data quality, primary data share: {why}")
    criteria_tables = [t for t in read.tables_in("data-quality") if t["head"][:1] == [text("criterion", lang)]]
    rows = {row[0]: row[2] for row in (criteria_tables[0]["rows"] if criteria_tables else [])}
    for key, value in (dq.get("criteria") or {}).items():
        if parse_number(rows.get(key, ""), lang) != value:
            found.append(f"{lang} report, data quality criterion {key}: reads {rows.get(key)!r}, declared {value!r}")
    return found


def _bill_and_recycled_disagreements(document: Mapping[str, Any], read: Page, lang: str) -> list[str]:
    """The bill of materials (inputs, electricity), the DQR per process and the recycled-content table."""
    from footprint.report.i18n import category_label, text

    found: list[str] = []
    bom = document.get("bill_of_materials") or {}
    tables = {tuple(t["head"]): t for t in read.tables_in("bill-of-materials")}
    inputs = tables.get(tuple(text(k, lang) for k in ("input_kind", "dataset", "amount", "unit")), {"rows": []})
    expected = [i for i in bom.get("inputs") or []]
    if len(inputs["rows"]) != len(expected):
        found.append(f"{lang} report, bill of materials: {len(inputs['rows'])} inputs for {len(expected)} declared")
    for row, item in zip(inputs["rows"], expected):
        why = rounds_to(row[2], item.get("amount"), lang)
        if why or row[0] != str(item.get("kind")) or row[3] != str(item.get("unit")):
            found.append(f"{lang} report, bill of materials input {item.get('kind')}: {row}, declared "
                         f"{item.get('amount')!r} {item.get('unit')} ({why})")
    power = tables.get(tuple(text(k, lang) for k in ("dataset", "geography", "amount", "unit", "share",
                                                     "renewable_share")), {"rows": []})
    for row, item in zip(power["rows"], bom.get("electricity") or []):
        for why in (rounds_to(row[2], item.get("amount"), lang), share_agrees(row[4], item.get("share"), lang)):
            if why or row[3] != str(item.get("unit")):
                found.append(f"{lang} report, electricity {item.get('dataset')}: {row} ({why})")
    dq = document.get("data_quality") or {}
    by_process = dq.get("by_process") or {}
    dq_tables = [t for t in read.tables_in("data-quality") if "DQR" in t["head"]]
    names = {str(p.get("name") or p.get("id")): str(p.get("id")) for p in document.get("processes") or []}
    for row in (dq_tables[0]["rows"] if dq_tables else []):
        entry = by_process.get(names.get(row[0], row[0]))
        if entry is None:
            found.append(f"{lang} report, DQR by process: row {row[0]!r} names no process of the declaration")
            continue
        if parse_number(row[4], lang) != entry.get("dqr") or share_agrees(row[5], entry.get("share"), lang):
            found.append(f"{lang} report, DQR by process {row[0]}: {row[4:]} declared {entry.get('dqr')!r} "
                         f"{entry.get('share')!r}")
    rc = document.get("recycled_content") or {}
    by_category = rc.get("by_category") or {}
    rc_tables = [t for t in read.tables_in("recycled-content") if t["head"][:1] == [text("impact_category", lang)]]
    if by_category:
        labels = {r.get("category"): category_label(r, lang) for r in _declared(document) + _additional(document)}
        rows = {row[0]: row for row in (rc_tables[0]["rows"] if rc_tables else [])}
        for category, entry in by_category.items():
            row = rows.get(labels.get(category, category))
            if row is None:
                found.append(f"{lang} report, recycled content: no row for {category}")
                continue
            for index, key in ((1, "Erec"), (2, "Ev"), (3, "adjustment")):
                why = rounds_to(row[index], entry.get(key), lang)
                if why:
                    found.append(f"{lang} report, recycled content {category} {key}: {why}")
            if row[4] != text("yes" if entry.get("applied") else "no", lang):
                found.append(f"{lang} report, recycled content {category}: applied {row[4]!r}, declared "
                             f"{entry.get('applied')!r}")
    return found


def _mineral_disagreements(document: Mapping[str, Any], read: Page, lang: str) -> list[str]:
    """The crustal scarcity line of the minerals section: its value, unit and coverage flag."""
    from footprint.report.i18n import text

    found: list[str] = []
    for section, entries, keys in (
            ("mineral-resources", (document.get("mineral_resources") or {}).get("elements") or [], ("element",)),
            ("radionuclides", (document.get("radionuclides") or {}).get("releases") or [], ("nuclide", "compartment"))):
        tables = read.tables_in(section)
        rows = tables[0]["rows"] if tables else []
        if len(rows) != len(entries):
            found.append(f"{lang} report, {section}: {len(rows)} rows for {len(entries)} declared")
        for row, entry in zip(rows, entries):
            amount = entry.get("kg", entry.get("kBq"))
            counted = row[-1] == text("counted", lang)
            why = rounds_to(row[len(keys)], amount, lang)
            if why or row[:len(keys)] != [str(entry.get(k)) for k in keys] or counted != bool(
                    entry.get("ef31_characterised")):
                found.append(f"{lang} report, {section}: row {row}, declared {entry} ({why})")
    csi = (document.get("mineral_resources") or {}).get("crustal_scarcity") or {}
    if csi.get("value") is None:
        return found
    shown = read.pair("mineral-resources", text("crustal_scarcity", lang)) or ""
    number = shown.split(" ", 1)[0]
    why = rounds_to(number, csi["value"], lang)
    if why or str(csi.get("unit")) not in shown:
        found.append(f"{lang} report, crustal scarcity: reads {shown!r}, declared {csi['value']!r} {csi.get('unit')}")
    result = next((r for r in _declared(document) + _additional(document)
                   if r.get("category") == "crustal_scarcity"), None)
    if result and result.get("coverage") not in (None, "complete"):
        word = text(f"coverage_{result.get('coverage')}", lang)
        if word not in shown:
            found.append(f"{lang} report, crustal scarcity: {shown!r} lacks its coverage flag {word!r}")
    return found


def _class_disagreements(document: Mapping[str, Any], read: Page, lang: str) -> list[str]:
    from footprint.report.i18n import text

    pc = document.get("performance_class")
    if not isinstance(pc, Mapping) or not pc.get("class"):
        return [f"{lang} report: a performance class section for a declaration without one"] if read.tables_in(
            "performance-class") or any(s == "performance-class" for s, _t, _d in read.pairs) else []
    found: list[str] = []
    shown = read.pair("performance-class", text("performance_class", lang))
    if shown != str(pc["class"]):
        found.append(f"{lang} report, class section: class {shown!r}, declared {pc['class']!r}")
    probabilities = pc.get("probabilities")
    if isinstance(probabilities, Mapping):
        listed = [t for t in read.texts.get("performance-class", []) if t.startswith(text("mc_probabilities", lang))]
        line = listed[0] if listed else ""
        entries = dict(re.findall(r"(\S+) ([<>]? ?[\d.,]+ %)", line.replace(NBSP, " ")))
        for name in pc.get("labels") or []:
            share = probabilities.get(name) or 0.0
            if share > 0 and name not in entries:
                found.append(f"{lang} report, class probabilities {line!r}: class {name} (p = {share!r}) not listed")
            elif name in entries:
                why = share_agrees(entries[name], share, lang, decimals=0)
                if why:
                    found.append(f"{lang} report, class probability of {name}: {why}")
    return found


def _uncertainty_disagreements(document: Mapping[str, Any], read: Page, lang: str) -> list[str]:
    block = document.get("uncertainty")
    if not isinstance(block, Mapping) or not isinstance(block.get("results"), list):
        return []
    found: list[str] = []
    tables = read.tables_in("uncertainty")
    rows = tables[0]["rows"] if tables else []
    entries = [e for e in block["results"] if isinstance(e, Mapping)]
    if len(rows) != len(entries):
        return [f"{lang} report, uncertainty: {len(rows)} rows for {len(entries)} categories"]
    for row, entry in zip(rows, entries):
        low, _, high = row[5].partition(" \u2013 ")
        for key, shown in (("value", row[1]), ("mean", row[2]), ("median", row[3]), ("sd", row[4]),
                           ("p2_5", low), ("p97_5", high)):
            why = rounds_to(shown, entry.get(key), lang)
            if why:
                found.append(f"{lang} report, uncertainty {entry.get('category')} {key}: {why}")
        if row[6] != entry.get("unit", ""):
            found.append(f"{lang} report, uncertainty {entry.get('category')}: unit {row[6]!r}, declared "
                         f"{entry.get('unit')!r}")
    driver_tables = [t for t in tables[1:] if len(t["head"]) == 4]
    with_drivers = [e for e in entries if any(isinstance(r, Mapping) for r in e.get("contribution_to_variance") or [])]
    if len(driver_tables) != len(with_drivers):
        found.append(f"{lang} report, uncertainty: {len(driver_tables)} driver tables for {len(with_drivers)} categories")
    for table, entry in zip(driver_tables, with_drivers):
        drivers = [r for r in entry["contribution_to_variance"] if isinstance(r, Mapping)]
        for row, driver in zip(table["rows"], drivers):
            why = share_agrees(row[2], driver.get("share"), lang)
            if why or row[0] != str(driver.get("label") or driver.get("input")):
                found.append(f"{lang} report, uncertainty drivers of {entry.get('category')}: {row}, declared "
                             f"{driver.get('label')} {driver.get('share')!r} ({why})")
    return found


# ----------------------------------------------------------------------------- CSV

def csv_disagreements(document: Mapping[str, Any], text_: str) -> list[str]:
    """Where the CSV export disagrees: every contribution row, its coverage and basis, and the sums."""
    from footprint._text import amount_text

    found: list[str] = []
    rows = list(csv.DictReader(io.StringIO(text_)))
    contributions = document.get("contributions") or []
    declared = {r.get("category"): r for r in _declared(document)}
    unit = document.get("declared_unit") or {}
    per = f"{amount_text(unit.get('amount', 1))} {unit.get('unit', 'kg')}"
    if len(rows) < len(contributions):
        return [f"csv: {len(rows)} rows for {len(contributions)} contributions"]
    sums: dict[str, float] = {}
    for number, (row, given) in enumerate(zip(rows, contributions)):
        for key in ("category", "stage", "process", "item", "kind", "unit"):
            if row[key].lstrip("'") != str(given.get(key) or "").lstrip("'") and not (
                    row[key].startswith("'") and row[key][1:] == str(given.get(key))):
                found.append(f"csv row {number + 2}: {key} {row[key]!r}, declared {given.get(key)!r}")
        if float(row["value"]) != float(given["value"]):
            found.append(f"csv row {number + 2}: value {row['value']!r}, declared {given['value']!r}")
        result = declared.get(given.get("category"))
        if row["declared"] != str(result is not None).lower():
            found.append(f"csv row {number + 2}: declared {row['declared']!r} for {given.get('category')}")
        if result is not None:
            if row["coverage"] != str(result.get("coverage") or ""):
                found.append(f"csv row {number + 2}: coverage {row['coverage']!r}, declared {result.get('coverage')!r}")
            if row["coverage_warning"] != str(result.get("coverage_note") or ""):
                found.append(f"csv row {number + 2}: coverage_warning {row['coverage_warning'][:60]!r}, declared "
                             f"{str(result.get('coverage_note'))[:60]!r}")
            if row["unit"] != result.get("unit"):
                found.append(f"csv row {number + 2}: unit {row['unit']!r}, the result's {result.get('unit')!r}")
        if row["per"] != per:
            found.append(f"csv row {number + 2}: per {row['per']!r}, declared {per!r}")
        sums[given["category"]] = sums.get(given["category"], 0.0) + float(row["value"])
    extra = rows[len(contributions):]
    elements = (document.get("mineral_resources") or {}).get("elements") or []
    releases = (document.get("radionuclides") or {}).get("releases") or []
    expected = ([("resource_extraction", e.get("element"), e.get("kg"), "kg", e.get("ef31_characterised"))
                 for e in elements]
                + [("radionuclide_release", f"{r.get('nuclide')} ({r.get('compartment')})", r.get("kBq"), "kBq",
                    r.get("ef31_characterised")) for r in releases])
    if len(extra) != len(expected):
        found.append(f"csv: {len(extra)} element and release rows for {len(expected)} declared")
    for row, (category, item, value, unit_, counted) in zip(extra, expected):
        if (row["category"], row["item"], float(row["value"]), row["unit"], row["declared"]) != (
                category, item, float(value), unit_, "false") or (("NOT" not in row["kind"]) != bool(counted)):
            found.append(f"csv: row {dict(row)} for {category} {item} {value!r} {unit_} counted={counted}")
    for category, result in declared.items():
        total = float(result["value"])
        if not math.isclose(sums.get(category, 0.0), total, rel_tol=1e-9, abs_tol=1e-12 * max(1.0, abs(total))):
            found.append(f"csv: the rows of {category} sum to {sums.get(category)!r}, declared {total!r}")
    return found


# ----------------------------------------------------------------------------- PACT

def _decimal(text: Any) -> Decimal:
    assert isinstance(text, str) and "e" not in text.lower(), f"PACT decimal {text!r} is not a plain decimal string"
    return Decimal(text)


def pact_number_agrees(text: Any, value: Any, digits: int = 6) -> bool:
    """A PACT decimal is the value to at least ``digits`` significant figures (rounded, not cut)."""
    if not isinstance(value, (int, float)):
        return False
    printed = float(_decimal(text))
    if value == 0:
        return printed == 0
    return abs(printed - value) <= 0.5 * 10 ** (math.floor(math.log10(abs(value))) - digits + 1) * (1 + 1e-9)


def pact_disagreements(document: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """Where the PACT v3 record disagrees with the declaration."""
    import datetime as dt

    from footprint._text import amount_text

    found: list[str] = []
    pcf = record.get("pcf") or {}
    results = {r.get("category"): r for r in _declared(document) + _additional(document)}
    climate, fossil = results.get("climate_change") or {}, results.get("climate_change_fossil") or {}
    if not pact_number_agrees(pcf.get("pcfExcludingBiogenicUptake"), climate.get("value")):
        found.append(f"pact pcfExcludingBiogenicUptake {pcf.get('pcfExcludingBiogenicUptake')!r}, declared "
                     f"{climate.get('value')!r}")
    if not pact_number_agrees(pcf.get("fossilGhgEmissions"), fossil.get("value")):
        found.append(f"pact fossilGhgEmissions {pcf.get('fossilGhgEmissions')!r}, declared {fossil.get('value')!r}")
    unit = document.get("declared_unit") or {}
    amount = amount_text(unit.get("amount", 1))
    for key in ("declaredUnitAmount", "productMassPerDeclaredUnit"):
        if pcf.get(key) != amount:
            found.append(f"pact {key} {pcf.get(key)!r}, declared amount {amount} {unit.get('unit')}")
    if pcf.get("declaredUnitOfMeasurement") != {"kg": "kilogram"}.get(unit.get("unit")):
        found.append(f"pact declaredUnitOfMeasurement {pcf.get('declaredUnitOfMeasurement')!r}, declared "
                     f"{unit.get('unit')!r}")
    period = document.get("period") or {}
    end = (dt.date.fromisoformat(period["end"]) + dt.timedelta(days=1)).isoformat()
    if pcf.get("referencePeriodStart") != f"{period['start']}T00:00:00Z" or pcf.get(
            "referencePeriodEnd") != f"{end}T00:00:00Z":
        found.append(f"pact reference period {pcf.get('referencePeriodStart')}..{pcf.get('referencePeriodEnd')}, "
                     f"declared {period}")
    declarant = document.get("declarant") or {}
    geography = {k: v for k, v in pcf.items() if k.startswith("geography")}
    region, country = declarant.get("region"), declarant.get("country")
    wanted = ({"geographyCountrySubdivision": region} if region and re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", region)
              else {"geographyCountry": country} if country else {})
    if geography != wanted:
        found.append(f"pact geography {geography}, declared country {country!r} region {region!r}")
    dq = document.get("data_quality") or {}
    share = dq.get("primary_data_share")
    if dq.get("primary_data_share_basis", "climate_change") != "climate_change":  # PACT: the share in the PCF
        found.append(f"pact primaryDataShare from a share of {dq.get('primary_data_share_basis')!r}, not of the PCF")
    shown_share = float(_decimal(pcf.get("primaryDataShare")))
    if not pact_number_agrees(pcf.get("primaryDataShare"), 100 * share, 4) or (
            shown_share in (0.0, 100.0) and shown_share != 100 * share):
        found.append(f"pact primaryDataShare {pcf.get('primaryDataShare')!r} %, declared {share!r}")
    criteria = (dq.get("by_category") or {}).get("climate_change") or {}
    for key, field in (("TeR", "technologicalDQR"), ("GeR", "geographicalDQR"), ("TiR", "temporalDQR")):
        if float(_decimal((pcf.get("dqi") or {}).get(field))) != criteria.get(key):
            found.append(f"pact dqi {field} {(pcf.get('dqi') or {}).get(field)!r}, declared climate change {key} "
                         f"{criteria.get(key)!r}")
    excluded = (document.get("cut_off") or {}).get("excluded") or []
    estimated = sum(float(e["estimated_share"]) for e in excluded if isinstance(e.get("estimated_share"), (int, float)))
    if not pact_number_agrees(pcf.get("exemptedEmissionsPercent"), 100 * estimated, 4):
        found.append(f"pact exemptedEmissionsPercent {pcf.get('exemptedEmissionsPercent')!r}, declared "
                     f"{100 * estimated!r} %")
    csi = next((r for r in _declared(document) + _additional(document) if r.get("category") == "crustal_scarcity"),
               None)
    lines = [line for line in str(record.get("comment") or "").splitlines() if line.startswith("Crustal scarcity")]
    if csi is not None and lines:
        declared = any(r.get("category") == "crustal_scarcity" for r in _declared(document))
        if ("not declared" in lines[0]) == declared or (
                csi.get("coverage") not in (None, "complete") and str(csi.get("coverage")) not in lines[0]):
            found.append(f"pact comment {lines[0][:120]!r}: crustal scarcity is {'' if declared else 'not '}declared, "
                         f"coverage {csi.get('coverage')}")
    description = str(pcf.get("allocationRulesDescription") or "")
    for entry in document.get("allocation") or []:
        match = re.search(re.escape(f"{entry.get('process')}: {entry.get('method')} allocation, ") + r"([^%]+%)",
                          description)
        why = share_agrees(match.group(1), entry.get("main_share")) if match else "not described"
        if why:
            found.append(f"pact allocationRulesDescription, {entry.get('process')}: {why}")
    rule = document.get("rule") or {}
    names = [n for r in pcf.get("productOrSectorSpecificRules") or [] for n in r.get("ruleNames") or []]
    if names != [f"{rule.get('id')} {rule.get('version')}"]:
        found.append(f"pact ruleNames {names}, declared rule {rule.get('id')} {rule.get('version')}")
    data = ((record.get("extensions") or [{}])[0]).get("data") or {}
    others = [r for r in _declared(document) if r.get("category") != "climate_change"]
    shown = data.get("impactCategories") or []
    if [c.get("category") for c in shown] != [r.get("category") for r in others]:
        found.append(f"pact impactCategories {[c.get('category') for c in shown]}, declared "
                     f"{[r.get('category') for r in others]}")
    for entry, result in zip(shown, others):
        if entry.get("unit") != result.get("unit") or entry.get("coverage") != result.get("coverage") or not (
                pact_number_agrees(entry.get("value"), result.get("value"))):
            found.append(f"pact impact category {result.get('category')}: {entry}, declared {result.get('value')!r} "
                         f"{result.get('unit')} {result.get('coverage')}")
    pc = document.get("performance_class")
    shown_pc = data.get("performanceClass")
    if isinstance(pc, Mapping) and pc.get("class"):
        if not isinstance(shown_pc, Mapping) or shown_pc.get("class") != pc["class"]:
            found.append(f"pact performanceClass {shown_pc}, declared {pc.get('class')!r}")
        else:
            value = float(_decimal(shown_pc.get("value")))
            thresholds = [float(_decimal(t)) for t in shown_pc.get("thresholds") or []]
            classed = float(_decimal(shown_pc["classedValue"])) if "classedValue" in shown_pc else value
            labels = shown_pc.get("labels") or []
            band = sum(1 for t in thresholds if classed > t)  # upper bounds inclusive (market.classes)
            if labels and (band >= len(labels) or labels[band] != pc["class"]):
                found.append(f"pact performanceClass: class {pc['class']!r} beside a classed value {classed} in "
                             f"band {labels[band] if band < len(labels) else band} of thresholds {thresholds}")
            for threshold, printed in zip(pc.get("thresholds") or [], thresholds):
                if (threshold == pc.get("value")) != (printed == value):
                    found.append(f"pact performanceClass: value {shown_pc.get('value')} and threshold "
                                 f"{printed} read {'equal' if printed == value else 'different'}, declared "
                                 f"{pc.get('value')!r} and {threshold!r}")
                if (threshold < pc["value"]) != (printed < value):
                    found.append(f"pact performanceClass: value {shown_pc.get('value')} and threshold {printed} "
                                 f"in the wrong order, declared {pc.get('value')!r} and {threshold!r}")
    elif shown_pc:
        found.append(f"pact performanceClass {shown_pc} for a declaration without one")
    return found


# ----------------------------------------------------------------------------- figures

def figure_texts(figure) -> list[str]:
    """Every text a matplotlib figure draws (titles, tick labels, annotations)."""
    texts = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in texts if t]


def chart_disagreements(document: Mapping[str, Any], lang: str = "en") -> list[str]:
    """The stage chart and the top-process charts: totals, in-bar shares, process values and their stages."""
    from footprint.report.figures import build_process_figure, build_stage_figure, top_processes
    from footprint.report.i18n import category_label

    found: list[str] = []
    stage_ids = list(_stage_labels(document, lang))
    figure = build_stage_figure(document, lang)
    texts = figure_texts(figure)
    for result in _declared(document):
        values = [float((result.get("by_stage") or {}).get(sid) or 0.0) for sid in stage_ids]
        basis = sum(abs(v) for v in values) if any(v < 0 for v in values) else sum(values)
        shares = [100.0 * (v / basis) if basis else 0.0 for v in values]  # of the chart's basis, as it says
        labels = [t for t in texts if re.fullmatch(r"[<>]? ?[-\u2212]?\d+", t)]
        for share in shares:
            if abs(share) >= 6.0 and not any(share_agrees(t, share / 100, lang, 0) is None for t in labels):
                found.append(f"{lang} stage chart, {result.get('category')}: no in-bar label reads {share!r} % "
                             f"(labels {labels})")
        total_texts = [t for t in texts if t.endswith(f"\n{_total_text(result, lang)}")]
        if not total_texts:
            found.append(f"{lang} stage chart: no total {_total_text(result, lang)!r} for {result.get('category')}")
        bars = top_processes(document, result, lang=lang)
        process_texts = figure_texts(build_process_figure(document, result, lang=lang))
        names = {_process_name(document, str(pid), lang): str(pid) for pid in result.get("by_process") or {}}
        stage_colour = {sid: i for i, sid in enumerate(stage_ids)}
        in_stage = contribution_stages(document)
        for bar in bars:
            pid = names.get(bar.label, bar.label)
            value = (result.get("by_process") or {}).get(pid)
            if value is not None and bar.value != value:
                found.append(f"{lang} process chart {result.get('category')}: bar {bar.label} {bar.value!r}, "
                             f"declared {value!r}")
            if value is not None:
                from footprint.report.figures import PALETTE

                colours = {PALETTE[stage_colour[s] % len(PALETTE)] for s in in_stage.get(pid, ()) if s in stage_colour}
                if colours and bar.colour not in colours:
                    found.append(f"{lang} process chart {result.get('category')}: bar {bar.label} in colour "
                                 f"{bar.colour}, not its stage's {sorted(colours)}")
        if not math.isclose(sum(b.value for b in bars), float(result.get("value") or 0.0), rel_tol=1e-9,
                            abs_tol=1e-12):
            found.append(f"{lang} process chart {result.get('category')}: bars sum to "
                         f"{sum(b.value for b in bars)!r}, declared {result.get('value')!r}")
        titles = [t for t in process_texts if category_label(result, lang) in t]
        if not any(t.rstrip().endswith(category_label(result, lang) + _flag(result, lang)) for t in titles):
            found.append(f"{lang} process chart {result.get('category')}: title {titles} lacks "
                         f"{category_label(result, lang) + _flag(result, lang)!r}")
        for bar in bars:
            if not any(t.replace("\n", " ").startswith(bar.label[:20]) for t in process_texts):
                found.append(f"{lang} process chart {result.get('category')}: bar {bar.label!r} not labelled")
    return found


def _total_text(result: Mapping[str, Any], lang: str) -> str:
    from footprint.report._format import fmt_sig, numbers_in

    with numbers_in(lang):
        return f"{fmt_sig(result.get('value'))} {result.get('unit', '')}".strip() + _flag(result, lang)


def label_disagreements(document: Mapping[str, Any], lang: str = "en") -> list[str]:
    """The class label: the class marked, its value, bands that keep the value on its side of each threshold."""
    from footprint.report.label import build_label_figure

    pc = document.get("performance_class")
    if not isinstance(pc, Mapping) or not pc.get("class"):
        return []
    found: list[str] = []
    texts = figure_texts(build_label_figure(pc, lang))
    marks = [t for t in texts if t.startswith(f"{pc['class']}  ")]
    if len(marks) != 1:
        return [f"{lang} label: {len(marks)} marks of class {pc['class']!r} in {texts}"]
    titles = [t for t in texts if t.startswith(("Performance class", "Leistungsklasse"))]
    if any(str(pc.get("category")) in t for t in titles if "_" in str(pc.get("category"))):
        found.append(f"{lang} label: title {titles} names the category by its id {pc.get('category')!r}")
    value_text = marks[0].split("  ", 1)[1].split(" (", 1)[0]
    classed = pc.get("classed_value") if pc.get("basis") == "median" else pc.get("value")
    why = rounds_to(value_text, classed, lang)
    if why:
        found.append(f"{lang} label, class {pc['class']}: {why}")
    return found


def iter_problems(*groups: Iterable[str]) -> list[str]:
    return [problem for group in groups for problem in group]


# ----------------------------------------------------------------------------- XLSX

def xlsx_disagreements(document: Mapping[str, Any], workbook: bytes) -> list[str]:
    """Where the Brightway workbook disagrees: its processes (code, stage, Annex V points) and the about sheet."""
    from openpyxl import load_workbook

    found: list[str] = []
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    rows = [[c for c in row] for row in book["product system"].iter_rows(values_only=True)]
    blocks: list[dict] = []
    for row in rows:
        if row and row[0] == "Activity":
            blocks.append({"name": row[1]})
        elif blocks and row and row[0] in ("code", "stage", "annex v") and len(row) > 1:
            blocks[-1][row[0]] = row[1]
    declared = [(str(p.get("id")), str(p.get("stage")), ", ".join(p.get("annex_v") or []), p.get("name"))
                for p in document.get("processes") or []]
    shown = [(b.get("code"), b.get("stage"), b.get("annex v"), b.get("name")) for b in blocks]
    if sorted(shown, key=str) != sorted(declared, key=str):
        found.append(f"xlsx processes {shown}, declared {declared}")
    about = {row[0]: row[1:] for row in book["about"].iter_rows(values_only=True) if row and row[0]}
    rule = document.get("rule") or {}
    for key, value in (("declaration id", document.get("id")), ("content sha256", document.get("content_sha256")),
                       ("rule", f"{rule.get('id')} {rule.get('version')}"), ("rule sha256", rule.get("sha256"))):
        if (about.get(key) or [None])[0] != value:
            found.append(f"xlsx about: {key} {(about.get(key) or [None])[0]!r}, declared {value!r}")
    csi = (document.get("mineral_resources") or {}).get("crustal_scarcity") or {}
    if csi.get("value") is not None:
        shown_csi = str((about.get("crustal scarcity (supplementary, not EF 3.1)") or [""])[0])
        if not shown_csi.startswith(f"{csi['value']} {csi.get('unit')}"):
            found.append(f"xlsx about: crustal scarcity {shown_csi!r}, declared {csi['value']!r} {csi.get('unit')}")
        result = next((r for r in _declared(document) + _additional(document)
                       if r.get("category") == "crustal_scarcity"), {})
        if result.get("coverage") not in (None, "complete") and str(result.get("coverage")) not in shown_csi:
            found.append(f"xlsx about: crustal scarcity {shown_csi!r} lacks its coverage {result.get('coverage')!r}")
    return found
