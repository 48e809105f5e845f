"""The one clock footprint reads: UTC, whatever the machine's time zone.

Why: a declaration records when it was made in UTC (``provenance.created``, 'Z'), and every judgement
made against "today" (a reporting period not yet ended, a supplier's declaration made before its period
ended, a class window not over, a placement in a year not begun) must use the same day, or the same
inputs give a declaration on one machine and a refusal on another.  ``datetime.date.today()`` is the
*local* day: with ``TZ=America/Adak`` (UTC-10) at 05:00 UTC it is still yesterday, so a supplier's
declaration made today (UTC) of a period that ended yesterday was refused as "made" on its period's last
day; with ``TZ=Pacific/Kiritimati`` (UTC+14) a class window ending today (UTC) was already "over".
A naive date-time is taken as UTC, as the declaration records it (``astimezone`` would take it as local).

Callers look ``utc_now`` up when they ask for the time (``_time.utc_now()``, or ``from footprint._time import
utc_now`` inside the function): the test suite replaces it by a fixed clock (tests/conftest.py), and a name
bound at import would keep the real one.
"""
from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The current moment, timezone-aware, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def utc_today() -> dt.date:
    """Today's date in UTC (never the machine's local date)."""
    return utc_now().date()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive one is taken as UTC already (never as the machine's local time)."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def utc_day(moment: dt.datetime) -> dt.date:
    """The UTC date of ``moment`` (a naive one is taken as UTC)."""
    return as_utc(moment).date()
