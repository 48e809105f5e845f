"""Number formatting shared by the HTML report and the stage chart.

Kept in one place so the value printed in a table and the value printed
next to a bar in the chart can never disagree.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from typing import Any, Iterator

from footprint._text import amount_text, dqr_text, percent_digits

#: Placeholder for values that are missing or not a finite number.
MISSING = "\u2014"

#: Non-breaking space, so "64.0 %" never wraps between number and sign.
NBSP = "\u00a0"

#: The language whose number convention the helpers write in, for one rendering (see numbers_in).
_NUMBER_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("footprint_report_numbers", default="en")
#: German writes the decimal separator as a comma and groups thousands with a point (DIN 1333, Duden).
_GERMAN = str.maketrans({".": ",", ",": "."})

_SIGNIFICANT = 3
_FIXED_MIN = 1e-3
_FIXED_MAX = 1e4


@contextlib.contextmanager
def numbers_in(lang: str) -> Iterator[None]:
    """Write every number formatted inside this block in ``lang``'s convention.

    WHY a context and not a parameter: the same helpers format the tables, the
    chart labels and the figures of one report, which must agree; the report sets
    the language once around the whole rendering.  A German reader takes "0.340"
    for three hundred and forty and "2,000 Iterationen" for two, so the German
    report must write 0,340 and 2.000 -- a number shown is the declared one only
    when it is read in the reader's convention.
    """
    token = _NUMBER_LANGUAGE.set(lang)
    try:
        yield
    finally:
        _NUMBER_LANGUAGE.reset(token)


def localise(number_text: str) -> str:
    """An English-formatted number ("1,234.5", "9.72e-06") in the current rendering's convention."""
    return number_text.translate(_GERMAN) if _NUMBER_LANGUAGE.get() == "de" else number_text


def as_number(value: Any) -> float | None:
    """Return ``value`` as a finite float, or None.

    Declarations are user-supplied JSON, so a value may be null, a string
    or NaN; the report must show a placeholder rather than crash.
    """
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_sig(value: Any, sig: int = _SIGNIFICANT) -> str:
    """Format a result with ``sig`` significant figures, engineering-friendly.

    Fixed notation for magnitudes a reader takes in at a glance
    (``31.2``, ``0.410``, ``1230``), scientific notation with the same
    number of significant figures otherwise (``2.10e-06``, ``1.23e+04``).
    Rounding happens first so that e.g. 9.996 becomes ``10.0``, not ``9.996``.
    """
    number = as_number(value)
    if number is None:
        return MISSING
    if number == 0:
        return "0"
    rounded = float(f"{number:.{sig - 1}e}")
    magnitude = abs(rounded)
    if not _FIXED_MIN <= magnitude < _FIXED_MAX:
        return localise(f"{rounded:.{sig - 1}e}")
    exponent = math.floor(math.log10(magnitude))
    decimals = max(0, sig - 1 - exponent)
    return localise(f"{rounded:.{decimals}f}")


def sig_apart(values: Any, sig: int = _SIGNIFICANT) -> int:
    """The fewest significant figures (at least ``sig``) at which different numbers among ``values`` print differently.

    Why: a class label or band table shows a declaration's value beside the scheme's thresholds.  At three
    figures a value of 46.5555 classed C above a threshold of 46.55 read "C 46.6" next to the band "B
    30.0 - 46.6", which says it belongs in B; a value and a threshold that differ must never print the
    same.  Rounding is monotone, so numbers that print differently keep their order.
    """
    numbers = sorted({n for n in (as_number(v) for v in values) if n is not None})
    for figures in range(sig, 18):
        texts = [fmt_sig(n, figures) for n in numbers]
        if len(set(texts)) == len(texts):
            return figures
    return 17


def fmt_sig_list(values: Any, sig: int = _SIGNIFICANT) -> str:
    """fmt_sig of each value, separated as the rendering's convention reads: "10.0, 20.0" but "10,0; 20,0".

    German writes the decimal separator as a comma, so a comma between its numbers would run
    them together; the separator belongs to the number convention, not to each caller.
    """
    return ("; " if _NUMBER_LANGUAGE.get() == "de" else ", ").join(fmt_sig(v, sig) for v in values)


def fmt_pct(fraction: Any, decimals: int = 1) -> str:
    """Format a fraction (0.64) as a percentage (``64.0 %``); never rounded onto 0 % or 100 % when it is not.

    The digits are footprint._text.percent_digits's, which the terminal summary uses too.
    """
    number = as_number(fraction)
    if number is None:
        return MISSING
    return localise(percent_digits(number, decimals)).replace(" ", NBSP) + f"{NBSP}%"


def fmt_dqr(value: Any) -> str:
    """A DQR or criterion rating as the declaration holds it (footprint._text.dqr_text), in the reader's convention.

    Shown with one decimal, the example's DQR 2.009 read "2.0" beside the level "good" (PEF: <= 2.0 is
    "very good"), and a process at DQR 1.64 read "1.6" beside a warning that it is above the limit 1.6.
    """
    number = as_number(value)
    return MISSING if number is None else localise(dqr_text(number))


def fmt_share(part: Any, total: Any, decimals: int = 1) -> str:
    """Format ``part / total`` as a percentage; placeholder if total is zero.

    A zero or missing total has no meaningful share, and printing ``0 %``
    or ``inf %`` would mislead a verifier.
    """
    p, t = as_number(part), as_number(total)
    if p is None or t is None or t == 0:
        return MISSING
    return fmt_pct(p / t, decimals)


def fmt_amount(value: Any) -> str:
    """Format a declared-unit amount exactly as declared: ``1`` rather than ``1.00``, ``12345.6`` never ``1.23e+04``.

    The amount is a definition (every value is per it), not a measured result: rounded to three
    figures, a rule's 12345.6 kg read "1.23e+04 kg" in the report's header while the bill of
    materials and the CSV said 12345.6 kg.
    """
    number = as_number(value)
    if number is None:
        return MISSING if value is None else str(value)
    return localise(amount_text(number))
