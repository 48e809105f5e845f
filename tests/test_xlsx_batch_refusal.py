"""A workbook refused as a batch row is refused with the message a single 'declare' of it gives.

Before, 'footprint batch declare MANIFEST' located only the errors found while building the product
system: an error found while calculating or finishing a workbook's row (an R1 the material flows
contradict) named the YAML field 'recycled_content.R1', where 'footprint declare' of the same workbook
named the declarant sheet's cell (api._declare runs everything after loading inside located()).
"""
from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest

import footprint
from footprint._yaml import loads
from footprint.errors import FootprintError
from test_xlsx_refusal_parity import CREATED, EDITS
from xlsx_twin import fill

REPO = Path(__file__).resolve().parents[1]

#: One refusal of each phase of a declaration: loading, building, the period check, finishing (found while
#: calculating).
PHASES = ("unknown unit", "expected input left out", "period not ended", "R1 of 0 beside recycled material")


@pytest.fixture(scope="module")
def workbooks(project, tmp_path_factory) -> list[tuple[str, str, Path]]:
    root = tmp_path_factory.mktemp("batch-refusals")
    made = []
    for rule, name, edit in EDITS:
        if name not in PHASES:
            continue
        template = root / f"{rule}.xlsx"
        if not template.exists():
            footprint.make_template(rule, template, fmt="xlsx")
        data = loads((REPO / "examples" / rule / "activity-2025.yaml").read_text(encoding="utf-8"))
        edit(data)
        made.append((rule, name, fill(template, copy.deepcopy(data), root / f"{name}.xlsx")))
    assert [name for _rule, name, _path in made] == [name for _r, name, _e in EDITS if name in PHASES]
    return made


def _single(rule: str, workbook: Path) -> str:
    with pytest.raises(FootprintError) as refused:
        footprint.declare(rule, workbook, created=CREATED)
    return str(refused.value)


def test_a_workbook_refused_as_a_batch_row_gives_the_message_declare_gives(workbooks):
    outcomes = footprint.declare_many([(rule, path) for rule, _name, path in workbooks], created=CREATED)
    for (rule, name, path), outcome in zip(workbooks, outcomes):
        assert outcome.status == "error", name
        assert outcome.message == _single(rule, path), name
        assert "sheet '" in outcome.message, (name, outcome.message)


def test_batch_declare_of_a_manifest_names_the_cell_of_an_error_found_while_calculating(workbooks, tmp_path):
    rule, name, path = next(w for w in workbooks if w[1] == "R1 of 0 beside recycled material")
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("rule", "data", "output"), (rule, str(path), str(tmp_path / "out.json"))])
    summary = footprint.batch_declare(manifest, created=CREATED)
    (outcome,) = summary.outcomes
    assert outcome.status == "error"
    assert outcome.message == _single(rule, path)
    assert "sheet 'declarant' row" in outcome.message and "recycled_content.R1" not in outcome.message
    assert not (tmp_path / "out.json").exists()
