"""A declaration describes a completed reporting period: one that has not ended when it is made is refused.

Before: the ndpr-oxide example with ``period: {start: 2027-01-01, end: 2027-12-31}`` declared on 2026-11-30
(its activity data can only be a forecast) gave 46.56 kg CO2-Eq/kg with exit 0, as if measured.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint._time import utc_today
from footprint.errors import ActivityDataError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"  # period 2025-01-01..2025-12-31
PERIOD = "period: {start: 2025-01-01, end: 2025-12-31}"


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=dt.timezone.utc)


def _with_period(tmp_path: Path, start: str, end: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert PERIOD in text
    path = tmp_path / "activity.yaml"
    path.write_text(text.replace(PERIOD, f"period: {{start: {start}, end: {end}}}"), encoding="utf-8")
    return path


def test_a_period_that_has_not_ended_is_refused_by_the_cli(project, tmp_path):
    today = utc_today()  # the product's clock (the suite's fixed clock, conftest)
    if today.year + 1 > 2028:  # the shipped rule accepts reporting periods up to 2028-12-31
        pytest.skip("the rule's accepted periods end before next year")
    out = tmp_path / "d.json"
    data = _with_period(tmp_path, f"{today.year + 1}-01-01", f"{today.year + 1}-12-31")
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(data), "-o", str(out)])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "field 'period.end': the reporting period has not ended" in result.stderr and not out.exists()


@pytest.mark.parametrize("made, refused", [
    (_utc(2025, 12, 31), True),    # the period's last day: not ended yet
    (_utc(2025, 6, 30), True),     # half-way through
    (_utc(2026, 1, 1), False),     # the day after: a completed period
])
def test_the_day_it_is_made_decides(project, made, refused):
    if refused:
        with pytest.raises(ActivityDataError, match="has not ended: it ends 2025-12-31") as caught:
            footprint.declare("ndpr-oxide", EXAMPLE, created=made)
        assert caught.value.field == "period.end"
    else:
        assert footprint.declare("ndpr-oxide", EXAMPLE, created=made)["provenance"]["created"].startswith("2026-01-01")


def test_a_batch_row_of_an_unfinished_period_is_refused_alone(project, tmp_path):
    late, good = footprint.declare_many([("ndpr-oxide", _with_period(tmp_path, "2026-01-01", "2026-12-31")),
                                         ("ndpr-oxide", EXAMPLE)], created=_utc(2026, 11, 30))
    assert late.status == "error" and "has not ended" in late.message
    assert good.status == "ok"


def test_verify_judges_by_the_recorded_creation_day(project, tmp_path):
    """Made on 2026-01-01 for 2025: verify recomputes with that day, whatever today is."""
    made = footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE, created=_utc(2026, 1, 1)),
                                       tmp_path / "d.json")
    assert footprint.verify_declaration(made, EXAMPLE).ok


def test_a_creation_day_in_the_future_does_not_end_a_period(project, tmp_path):
    """declare(..., created=) is for reproducible documents; a date after today made a period that has not
    ended pass as ended (old code: a period ending next year declared with created in 2030, exit 0)."""
    today = utc_today()  # the product's clock (the suite's fixed clock, conftest)
    if today.year + 1 > 2028:  # the shipped rule accepts reporting periods up to 2028-12-31
        pytest.skip("the rule's accepted periods end before next year")
    data = _with_period(tmp_path, f"{today.year + 1}-01-01", f"{today.year + 1}-12-31")
    with pytest.raises(ActivityDataError, match=f"has not ended: it ends {today.year + 1}-12-31, and this "
                                                f"declaration is made {today.isoformat()}") as caught:
        footprint.declare("ndpr-oxide", data, created=_utc(2030, 1, 1))
    assert caught.value.field == "period.end"


def test_a_hotspot_screening_of_a_period_not_ended_is_an_analysis_not_a_declaration(project, tmp_path):
    """Raised by the review: hotspots (for rule authors, never declared) of a planned plant's next year were
    refused as if declared."""
    today = utc_today()  # the product's clock (the suite's fixed clock, conftest)
    if today.year + 1 > 2028:  # the shipped rule accepts reporting periods up to 2028-12-31
        pytest.skip("the rule's accepted periods end before next year")
    data = _with_period(tmp_path, f"{today.year + 1}-01-01", f"{today.year + 1}-12-31")
    analysis = footprint.analyse_hotspots("ndpr-oxide", data)
    assert "climate_change" in analysis.selected
