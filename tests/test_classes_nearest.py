"""The nearest threshold of a classed value halfway between two thresholds is the lower one (the better classes').

``performance_class.nearest_threshold`` says which threshold a classed value is closest to.  A value
exactly halfway between two is as close to both; the rule (classes.nearest_threshold, the one function
``classes assign`` records it with and ``verify --scheme`` recomputes it with; the report and the command
line print the record) is the lower threshold, the one towards the better class: a class-B value halfway
between A/B and B/C is told how far it is from A.  The README said nothing of it; now it does
(Class schemes: Nearest threshold).

Hand-computed scheme: equal-width, 3 classes, count weighting, two declarations of medians 0 and 30.
Hazen positions 1/4 and 3/4, so Q(0.05) = 0 and Q(0.95) = 30 (below the first position and above the
last, the first and last values); t_j = 0 + j (30 - 0) / 3: thresholds 10 and 20, exactly.
"""
from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint import api
from footprint.declaration import declaration as _declaration
from footprint.market import classes
from footprint.market.registry import MarketPoint

LABELS = ["A", "B", "C"]


def test_the_rule_by_hand():
    limits = [10.0, 20.0]
    halfway = classes.nearest_threshold(15.0, limits, LABELS)
    assert halfway == {"threshold": 10.0, "between": ["A", "B"], "distance": 5.0, "relative_distance": 0.5}
    assert classes.class_index(15.0, limits) == 1  # class B (10 < 15 <= 20): A/B is the threshold to the better class
    # off the middle, the closer one; on a threshold, that one (distance 0)
    assert classes.nearest_threshold(15.5, limits, LABELS)["between"] == ["B", "C"]
    assert classes.nearest_threshold(14.5, limits, LABELS)["between"] == ["A", "B"]
    assert classes.nearest_threshold(20.0, limits, LABELS)["distance"] == 0.0
    # outside the thresholds' range the end one, whichever side
    assert classes.nearest_threshold(-3.0, limits, LABELS)["between"] == ["A", "B"]
    assert classes.nearest_threshold(99.0, limits, LABELS)["between"] == ["B", "C"]
    # four classes: halfway between B/C and C/D is B/C
    assert classes.nearest_threshold(25.0, [10.0, 20.0, 30.0], ["A", "B", "C", "D"])["between"] == ["B", "C"]


@pytest.fixture(scope="module")
def scheme() -> dict:
    points = [MarketPoint("m1", 0.0, 1000.0, median=0.0), MarketPoint("m2", 0.0, 1000.0, median=30.0)]
    made = classes.derive(points, rule_id="ndpr-oxide", category="climate_change", unit="kg CO2-Eq",
                          window="2023-2025", classes=3, weight="count", method="equal-width", basis="median")
    assert made["thresholds"] == [10.0, 20.0]  # exactly, as computed above
    return made


@pytest.fixture(scope="module")
def with_monte_carlo(project) -> dict:
    from conftest import EXAMPLE, FIXED_MOMENT

    return footprint.declare("ndpr-oxide", EXAMPLE, created=FIXED_MOMENT, uncertainty=20, seed=1)


def _at_median(document: dict, median: float) -> dict:
    """The declaration with its Monte Carlo of climate change moved to centre on ``median`` (what a median scheme
    classes): percentiles median - 4 .. median + 4, consistent with themselves; re-hashed."""
    quantiles = [median - 4.0 + 8.0 * k / 100 for k in range(101)]
    changed = copy.deepcopy({key: v for key, v in document.items() if key not in ("content_sha256", "signatures")})
    (result,) = [r for r in changed["uncertainty"]["results"] if r["category"] == "climate_change"]
    result.update(mean=median, median=median, sd=2.0, p2_5=quantiles[2] + 0.04, p97_5=quantiles[97] + 0.04,
                  quantiles=quantiles)
    changed["content_sha256"] = _declaration.content_hash(changed)
    return changed


def test_assign_verify_the_report_and_the_command_line_give_the_same_nearest_threshold(with_monte_carlo, scheme,
                                                                                     tmp_path):
    document = _at_median(with_monte_carlo, 15.0)
    record = classes.assign(document, scheme)
    assert record["class"] == "B" and record["classed_value"] == 15.0
    nearest = record["nearest_threshold"]
    assert (nearest["threshold"], nearest["between"], nearest["distance"]) == (10.0, ["A", "B"], 5.0)
    assert nearest["within_95_interval"] is False  # 11.2 .. 18.8 holds neither threshold
    # verify --scheme recomputes the class record by the same rule (api._reclassed) and compares it
    recomputed = api._reclassed(document, document, tmp_path / "d.json", {**scheme, "_source": "s.json"})
    assert recomputed["performance_class"]["nearest_threshold"] == nearest
    # the report and the command line print the record
    classed = {**{k: v for k, v in document.items() if k != "content_sha256"}, "performance_class": record}
    classed["content_sha256"] = _declaration.content_hash(classed)
    from footprint.report import render_html

    assert re.search(r"Nearest threshold: </strong>10(\.0*)? \(A/B\), distance 5(\.0*)?;", render_html(classed, "en"))
    declaration = footprint.write_declaration(document, tmp_path / "d.json")
    scheme_file = footprint.write_scheme(scheme, tmp_path / "s.json")
    result = CliRunner().invoke(cli.main, ["classes", "assign", str(declaration), "--scheme", str(scheme_file), "-o",
                                           str(tmp_path / "classed.json")])
    assert result.exit_code == 0, result.output
    assert re.search(r"nearest threshold: 10(\.0*)? \(A/B\), distance 5(\.0*)?;", result.output), result.output
    written = json.loads((tmp_path / "classed.json").read_text(encoding="utf-8"))
    assert written["performance_class"]["nearest_threshold"] == nearest
