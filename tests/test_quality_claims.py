"""Data-quality claims a producer could get wrongly: supplier criteria, screening data, rating words, --strict.

Each test names the trial that showed the defect and what the old code did with it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import footprint
from footprint.errors import ActivityDataError
from footprint.inputs import upstream
from tests.test_upstream import downstream  # noqa: F401  (the fixture: a metal rule buying the oxide example)


def _rewrite(supplier: Path, example_declaration: dict, change) -> None:
    """The example's declaration changed by ``change`` and re-hashed: a consistent file a supplier could publish."""
    document = json.loads(json.dumps(example_declaration))
    change(document)
    document["content_sha256"] = upstream.content_hash(document)
    supplier.write_text(json.dumps(document))


@pytest.mark.parametrize("change, match", [
    # before: the line was rated on the buyer's datum alone (DQR 1.0 with the fixture's datum 1/1/1/1), exit 0
    (lambda d: d["data_quality"].pop("criteria"), "states no data-quality criteria"),
    (lambda d: d["data_quality"]["criteria"].pop("P"), r"criterion P: None"),
    # before: (1 + 0) / 2 = 0.5 per criterion reached the buyer's declaration, refused there by a schema traceback
    (lambda d: d["data_quality"]["criteria"].update(TeR=0), r"criterion TeR: 0\b"),
    (lambda d: d["data_quality"]["criteria"].update(TiR=7.5), r"criterion TiR: 7.5"),
    (lambda d: d["data_quality"]["criteria"].update(GeR="1"), r"criterion GeR: '1'"),
])
def test_a_supplier_declaration_without_usable_criteria_is_refused(project, downstream, example_declaration,  # noqa: F811
                                                                   change, match):
    rule_path, data_path, supplier = downstream
    _rewrite(supplier, example_declaration, change)
    with pytest.raises(ActivityDataError, match=match) as caught:
        footprint.declare(rule_path, data_path)
    assert "processes.reduction.inputs[0].declaration" in str(caught.value)
