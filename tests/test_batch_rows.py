"""Batch rows keep their identity: each outcome belongs to its own row, a refused row leaves nothing behind.

tests/test_batch.py proves a batch equals one-by-one `footprint declare`; these tests attack how rows are
numbered, matched to their outcomes and written.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import footprint
from footprint.market import batch

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = {path.parent.name: path for path in (REPO / "examples").glob("*/activity-2025.yaml")}
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_two_rows_with_one_number_are_refused_not_given_one_declaration(project):
    """Outcomes are matched to rows by number: a Row numbered 2 beside a dict (numbered 2 by its position)
    gave both rows the dy-oxide declaration, the ndpr-oxide row's declaration lost, exit 0."""
    rows = [batch.Row(2, rule="dy-oxide", data=str(EXAMPLE["dy-oxide"])),
            {"rule": "ndpr-oxide", "data": str(EXAMPLE["ndpr-oxide"])}]
    with pytest.raises(batch.BatchError, match=r"row number\(s\) 2 appear more than once"):
        footprint.declare_many(rows, created=CREATED)
    # numbered apart, each row gets its own declaration
    outcomes = footprint.declare_many([batch.Row(1, rule="dy-oxide", data=str(EXAMPLE["dy-oxide"])),
                                       {"rule": "ndpr-oxide", "data": str(EXAMPLE["ndpr-oxide"])}], created=CREATED)
    assert [o.document["rule"]["id"] for o in outcomes] == ["dy-oxide", "ndpr-oxide"]
