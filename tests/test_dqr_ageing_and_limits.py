"""The data quality rating's claims against PEF (methodology.md 2.4, 2.5): ageing, precision, limits, their text.

Each test names the trial that showed the defect and what the old code declared with exit 0.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

import footprint

REPO = Path(__file__).resolve().parents[1]
RULE = REPO / "rules" / "ndpr-oxide.yaml"
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
MADE = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)  # a fixed declaration day: the tests do not age with the clock


def _rule_copy(tmp_path: Path, rule_id: str, edit=lambda text: text) -> Path:
    """The library's ndpr-oxide rule under another id (a producer's own rule), edited by ``edit``."""
    text = RULE.read_text().replace("\nid: ndpr-oxide\n", f"\nid: {rule_id}\n", 1)
    assert f"\nid: {rule_id}\n" in text
    path = tmp_path / f"{rule_id}.yaml"
    path.write_text(edit(text))
    return path


def _data_copy(tmp_path: Path, rule_id: str, edit=lambda text: text, name: str = "activity.yaml") -> Path:
    text = EXAMPLE.read_text().replace("\nrule: ndpr-oxide\n", f"\nrule: {rule_id}\n", 1)
    assert f"\nrule: {rule_id}\n" in text
    path = tmp_path / name
    path.write_text(edit(text))
    return path


def _older_periods(text: str) -> str:
    """A rule that accepts reporting periods from 2020 (validity.reporting_periods.from)."""
    changed = re.sub(r"(reporting_periods:\n    from: )2025-01-01", r"\g<1>2020-01-01", text)
    assert changed != text
    return changed


def _period(year: int):
    return lambda text: text.replace("2025-01-01", f"{year}-01-01").replace("2025-12-31", f"{year}-12-31")


@pytest.mark.parametrize("year, tir", [
    (2025, 1.0),  # the most recent annual period before 2026-06-01
    (2024, 2.0),  # one period back
    (2021, 5.0),  # four periods back: older than PEF's TiR 4 ("<= 4 periods")
])
def test_activity_data_are_aged_against_the_day_the_declaration_is_made(project, tmp_path, year, tir):
    """Before: the producer's TiR 1 stood for data of any age; a rule accepting periods from 2020 declared the
    example's data as of 2021 on 2026-06-01 with the same DQR as 2025's (2.009, ionising radiation TiR 1.0),
    exit 0.  PEF (methodology.md 2.4, company-specific data): TiR 1 is the most recent annual administration
    period with respect to the report's publication, 2/3/4 at most 2/3/4 periods, 5 older.  Ionising radiation's
    most relevant contributions are the example's direct emissions (the datum alone, stated TiR 1), so its TiR is
    the ageing's floor exactly."""
    rule = _rule_copy(tmp_path, "ndpr-oxide-own", _older_periods)
    data = _data_copy(tmp_path, "ndpr-oxide-own", _period(year))
    quality = footprint.declare(rule, data, created=MADE)["data_quality"]
    assert quality["by_category"]["ionising_radiation"]["TiR"] == tir
    aged = [row for row in quality["rescored_datasets"] if "activity_data" in row]
    if tir == 1.0:
        assert aged == []
    else:
        assert aged == [{"activity_data": f"{year}-01-01..{year}-12-31", "in_context": {"TiR": int(tir)},
                         "reason": aged[0]["reason"]}]
        assert f"before the declaration (2026-06-01)" in aged[0]["reason"]


def test_aged_activity_data_move_the_declared_dqr(project, tmp_path):
    """The same data of 2021 declared on 2026-06-01: DQR 2.009 "good" before (as if of 2025), worse now."""
    rule = _rule_copy(tmp_path, "ndpr-oxide-own", _older_periods)
    recent = footprint.declare(rule, _data_copy(tmp_path, "ndpr-oxide-own", name="a.yaml"), created=MADE)
    old = footprint.declare(rule, _data_copy(tmp_path, "ndpr-oxide-own", _period(2021), name="b.yaml"), created=MADE)
    assert recent["data_quality"]["dqr"] == 2.009
    assert old["data_quality"]["criteria"]["TiR"] > recent["data_quality"]["criteria"]["TiR"] + 2
    assert old["data_quality"]["dqr"] > recent["data_quality"]["dqr"] + 0.5


def test_a_dataset_drawn_on_through_another_is_held_to_the_secondary_limit(project, tmp_path):
    """chemical/nitric-acid (DQR 3.75) draws on chemical/ammonia (DQR 4.00).  Under a rule with secondary limit
    3.9 and nitric acid as an alternative for sulphuric acid, the declaration rested on ammonia with no breach
    and --strict wrote it (only the datasets used directly were checked; coverage was judged on the chain)."""
    from footprint.api import StrictQualityError

    def edit(text: str) -> str:
        text = text.replace("sulphuric-acid: {dataset: chemical/sulphuric-acid, description",
                            "sulphuric-acid: {dataset: chemical/sulphuric-acid, alternatives: [chemical/nitric-acid], "
                            "description")
        return text.replace("  secondary: 4.0\n", "  secondary: 3.9\n", 1)

    rule = _rule_copy(tmp_path, "ndpr-oxide-nitric", edit)
    data = _data_copy(tmp_path, "ndpr-oxide-nitric", lambda text: text.replace(
        "{kind: sulphuric-acid, amount: 22630, unit: t,", "{kind: sulphuric-acid, amount: 22630, unit: t, "
                                                          "dataset: chemical/nitric-acid,"))
    line = ("Data Needs Matrix: secondary dataset 'chemical/ammonia' (drawn on through chemical/nitric-acid) has DQR "
            "4.00, above the rule's limit 3.9")
    warnings = footprint.declare(rule, data)["data_quality"]["warnings"]
    assert line in warnings
    assert not any("'chemical/nitric-acid'" in w for w in warnings)  # 3.75: within 3.9
    with pytest.raises(StrictQualityError) as refused:
        footprint.declare(rule, data, strict=True)
    assert line in str(refused.value)


def test_a_dqr_just_above_the_limit_never_reads_as_the_limit(project, tmp_path):
    """The example's mining process rates DQR 2.0206.  Under a limit of 2.02 the warning read "has DQR 2.02, above
    the rule's limit 2.02" (a number equal to the limit beside the word "above")."""
    rule = _rule_copy(tmp_path, "ndpr-oxide-tight",
                      lambda text: text.replace("  most_relevant: 1.6\n", "  most_relevant: 2.02\n", 1))
    quality = footprint.declare(rule, _data_copy(tmp_path, "ndpr-oxide-tight"))["data_quality"]
    assert ("Data Needs Matrix: process 'mining' has DQR 2.021, above the rule's limit 2.02 for most relevant "
            "processes") in quality["warnings"]
    assert quality["by_process"]["mining"]["dqr"] == 2.021
    # far from the limit the usual two decimals stay
    assert any(w.startswith("Data Needs Matrix: process 'separation' has DQR 2.16, above") for w in quality["warnings"])


@pytest.mark.parametrize("value, limit, shown", [
    (1.6004, 1.6, "1.6004"),  # before: "1.60" beside "above 1.6"
    (2.0166, 1.6, "2.02"),
    (4.25, 4.0, "4.25"),
    (1.6, 1.6, "1.60"),
    (1.6 + 1e-12, 1.6, "1.60"),  # floating-point noise of a mean is on the limit, not above it
    (1.5999, 1.6, "1.5999"),
])
def test_dqr_beside_its_limit_prints_apart(value, limit, shown):
    from footprint._text import dqr_beside

    assert dqr_beside(value, limit) == shown


@pytest.mark.parametrize("score, limit, declared", [
    (1.6004, 1.6, 1.6004),  # before: declared 1.6 beside a warning that it is above 1.6
    (2.0206211952, 1.6, 2.021),
    (1.6 + 1e-12, 1.6, 1.6),
    (1.59996, 1.6, 1.59996),
])
def test_a_process_dqr_is_declared_apart_from_its_limit(score, limit, declared):
    from footprint.engine.quality import rounded_apart

    assert rounded_apart(score, limit) == declared


def test_secondary_data_scored_with_a_measured_datas_precision_are_flagged(project, example_copy):
    """PEF's P 1 and 2 are for measured or calculated, verified company data; literature starts at 3
    (methodology.md 2.4).  An amount written ``data_type: secondary`` (literature or an estimate) with P 2 was
    declared with that precision and no word, exit 0; --strict wrote it."""
    from footprint.api import StrictQualityError

    data = yaml.safe_load(example_copy.read_text())
    emission = data["processes"]["mining"]["emissions"][0]
    assert emission["data_type"] == "secondary" and emission["dqr"]["P"] == 3
    assert not any(w.startswith("data quality:")
                   for w in footprint.declare("ndpr-oxide", example_copy)["data_quality"]["warnings"])
    emission["dqr"]["P"] = 2
    example_copy.write_text(yaml.safe_dump(data, sort_keys=False))
    warnings = footprint.declare("ndpr-oxide", example_copy)["data_quality"]["warnings"]
    flagged = [w for w in warnings if w.startswith("data quality:")]
    assert len(flagged) == 1 and flagged[0].endswith(": processes.mining.emissions[0] (P 2)")
    with pytest.raises(StrictQualityError) as refused:
        footprint.declare("ndpr-oxide", example_copy, strict=True)
    assert "processes.mining.emissions[0] (P 2)" in str(refused.value)
