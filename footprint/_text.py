"""Text that leaves footprint: short excerpts in messages, clean names on a terminal, inert spreadsheet cells.

Three ways input text can hurt the person reading an output, each with one fix here:

* an error message that echoes a 50 MB value floods the terminal and the logs: values are cut to an
  excerpt that says how long the whole was (:func:`excerpt`);
* a name holding escape sequences rewrites the terminal it is printed on (or hides text from a
  reviewer): control characters are removed before printing (:func:`terminal_safe`);
* a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is a formula to Excel, LibreOffice and
  Google Sheets (CSV/formula injection): text cells are neutralised the way OWASP recommends, by a
  leading single quote in CSV and by storing the cell as text with Excel's quote prefix in XLSX
  (:func:`csv_cell`, :func:`xlsx_cell`).  Numbers stay numbers, a negative one included.
"""
from __future__ import annotations

import math
import re
import reprlib
from typing import Any

#: How much of an echoed value an error message shows.
EXCERPT_CHARS = 80

#: C0 controls except newline and tab, DEL, C1 controls, and the Unicode bidirectional overrides and
#: isolates (they reorder what a reviewer sees on screen: "Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: First characters that make a spreadsheet read a text cell as a formula (OWASP CSV injection; NUL per ASVS).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

_REPR = reprlib.Repr()
_REPR.maxstring = EXCERPT_CHARS
_REPR.maxother = EXCERPT_CHARS
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was: 'aaaa… (50000000 characters)'."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\u2026 ({len(text)} characters)"


def value_excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """The repr of a value found in an input, cut to an excerpt; a huge value is never repr'd whole.

    A string longer than ``limit`` shows its head and its length; containers show their first items
    (reprlib), so a 700,000-item list costs no more than a short one.
    """
    if isinstance(value, (str, bytes)) and len(value) > limit:
        return f"{value[:limit]!r}\u2026 ({len(value)} characters)"
    return excerpt(_REPR.repr(value), limit)


def terminal_safe(text: str) -> str:
    """``text`` without the control characters that move a terminal's cursor, recolour it or reorder text."""
    return _CONTROL.sub("", text)


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text starting with a formula trigger gets a leading quote.

    Numbers are returned as they are (a negative number is a number, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def is_formula_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def xlsx_cell(cell, value: Any) -> None:
    """Put ``value`` into an openpyxl cell, a text that looks like a formula stored as text (quote prefix).

    openpyxl turns any string starting with '=' into a formula; the XLSX format can say
    "this is text" instead (data type s plus Excel's quotePrefix style), so the cell shows
    and keeps exactly the text, and reading the workbook back gives the same string.
    """
    cell.value = value
    if is_formula_text(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def xlsx_append(sheet, row: list) -> None:
    """``sheet.append(row)`` with every text cell neutralised (see :func:`xlsx_cell`)."""
    sheet.append([None if is_formula_text(value) else value for value in row])
    line = sheet.max_row
    for column, value in enumerate(row, start=1):
        if is_formula_text(value):
            xlsx_cell(sheet.cell(row=line, column=column), value)


#: Decimals a declaration keeps of a DQR and of its criteria (footprint.engine.quality rounds to them).
DQR_DECIMALS = 3


def dqr_text(value: float) -> str:
    """A DQR (or one criterion's rating) as the declaration holds it: '2.009', '1.46', '2.00'.

    Why not one or two decimals: the PEF level is decided on the declared value (<= 1.5 excellent,
    <= 2.0 very good, <= 3.0 good, ...), and a DQR of 2.009 shown as "2.0" (the report) or 2.004
    shown as "2.00" (the summary) sits beside the word "good" while the number read says "very good".
    At least two decimals, at most the three a declaration keeps; a value with more (a hand-made
    file) is shown whole, so the number shown is always the declared one.
    """
    shown = f"{value:.{DQR_DECIMALS}f}"
    if float(shown) != value:
        return repr(float(value))
    return shown[:-1] if shown.endswith("0") else shown


def dqr_beside(value: float, limit: float, decimals: int = 2) -> str:
    """A DQR as text beside the limit it is judged against: at least ``decimals`` decimals, more until the two
    print differently (when they differ).

    Why: the Data Needs Matrix warned a process at DQR 1.6004 as "has DQR 1.60, above the rule's limit 1.6",
    a number that reads as within the limit next to the word "above".  Rounding is monotone, so a value
    printed apart from the limit keeps its side of it: 1.6004 prints "1.6004", 2.0167 still "2.02".
    """
    value, limit = float(value), float(limit)
    for places in range(decimals, 16):
        shown = f"{value:.{places}f}"
        if abs(value - limit) <= 1e-9 or shown != f"{limit:.{places}f}":  # on the limit: no more digits
            return shown
    return repr(value)


def percent_digits(fraction: float, decimals: int = 1) -> str:
    """A fraction (0.421) as the digits of a percentage ('42.1'), never rounded onto 0 or 100 when it is not.

    A share that is not zero printed as "0.0" hides a contribution; a share that is not whole printed as
    "100.0" (a primary data share of 0.99996, a class probability of 0.996) claims all of it.  Such
    shares are written '< 0.1' / '> -0.1' and '> 99.9' / '< 100.1' (the nearest step that is true).
    """
    percent = fraction * 100
    shown = f"{percent:.{decimals}f}"
    step = 10.0 ** -decimals
    step_text = f"{step:.{decimals}f}"
    if fraction != 0 and float(shown) == 0:
        return f"< {step_text}" if fraction > 0 else f"> \u2212{step_text}"
    if fraction != 1 and float(shown) == 100:
        return f"> {100 - step:.{decimals}f}" if fraction < 1 else f"< {100 + step:.{decimals}f}"
    if fraction != -1 and float(shown) == -100:
        return f"< \u2212{100 - step:.{decimals}f}" if fraction > -1 else f"> \u2212{100 + step:.{decimals}f}"
    return shown


def amount_text(value: float) -> str:
    """A declared unit's amount exactly as declared, in fixed notation: '1', '1000', '12345.6', '1.23456789012345'.

    The amount is a definition every value is per, not a result to round: the report's three figures
    made a rule's 12345.6 kg '1.23e+04 kg', and the CSV's twelve cut 1.23456789012345 to 1.23456789012.
    """
    from decimal import Decimal

    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def decimals_apart(fractions: list, decimals: int = 1) -> int:
    """The fewest decimals (at least ``decimals``) at which different fractions print as different percentages.

    Why: a share of the market in the top class is read against the rescaling trigger (30 %); a share of
    0.2999 printed "30.0 %" beside the trigger "30.0 %" and "not triggered", which reads as a wrong decision.
    """
    numbers = sorted({float(f) for f in fractions
                      if isinstance(f, (int, float)) and not isinstance(f, bool) and math.isfinite(f)})
    for places in range(decimals, 16):
        if len({f"{100 * f:.{places}f}" for f in numbers}) == len(numbers):
            return places
    return 15
