"""The two value forms PACT v3 names for what a client sends: ``format: date-time`` and ``format: uuid``.

Why one module: the host read both with Python's lenient parsers (``datetime.fromisoformat``,
``uuid.UUID``), each at its own call site.  ``validOn=2025-06-01`` (no time, no zone: read as UTC
midnight), ``validOn=20250601T000000`` or ``2025-W22-7`` were served as filters, HTTP 200, and
``/3/footprints/{urn:uuid:...}``, ``{...}`` in braces or 32 bare hex digits found the record.  The
spec (``spec/v3/openapi.yaml``) types the filters ``validOn``, ``validAfter``, ``validBefore`` and a
CloudEvent's ``time`` as ``format: date-time`` (RFC 3339 §5.6 ``date-time``: full date, ``T``,
time, and a time zone, ``Z`` or ``+hh:mm``), and GetFootprint's ``id`` as ``format: uuid`` (the RFC
4122 string form 8-4-4-4-12; its hex digits are "case insensitive on input", RFC 4122 §3).
"""
from __future__ import annotations

import datetime as dt
import re

#: RFC 3339 §5.6 date-time ('T' and 'Z' may be lower case, §5.6 NOTE); a time zone is required.
DATE_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
                       r"([Zz]|[+-][0-9]{2}:[0-9]{2})")
#: An example of the form, for messages.
DATE_TIME_EXAMPLE = "2025-01-01T00:00:00Z"
#: RFC 4122 §3 string representation of a UUID: 8-4-4-4-12 hex digits, nothing around it.
UUID_FORM = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
UUID_EXAMPLE = "079e425a-464f-528d-341d-4a944a1dfd70"


def date_time(text: object) -> dt.datetime | None:
    """An RFC 3339 date-time as an aware datetime, or None when ``text`` is not one (or names no real moment).

    A leap second (``:60``) is RFC 3339 but no Python datetime: it is None too, so it is refused
    with the same message rather than read as another second.
    """
    if not isinstance(text, str):
        return None
    match = DATE_TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    try:
        if zone in ("Z", "z"):
            tz = dt.timezone.utc
        else:
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if minutes > 59:
                return None
            offset = dt.timedelta(hours=hours, minutes=minutes)
            tz = dt.timezone(-offset if zone[0] == "-" else offset)
        micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:  # month 13, 31 February, hour 24, second 60, an offset of 24 h or more
        return None


def footprint_id(text: object) -> str | None:
    """A ProductFootprint id in the form the host stores (lower-case RFC 4122 string), or None if not that form."""
    if not isinstance(text, str) or not UUID_FORM.fullmatch(text):
        return None
    return text.lower()
