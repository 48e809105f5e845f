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
#: calculating), and the cut-off and required-process refusals of engine/system.py.
PHASES = ("unknown unit", "expected input left out", "period not ended", "R1 of 0 beside recycled material",
          "exclusions past the cut-off", "required process missing")


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


def _yaml_twin(rule: str, name: str, tmp_path: Path) -> Path:
    import yaml

    edit = next(e for r, n, e in EDITS if n == name)
    data = loads((REPO / "examples" / rule / "activity-2025.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_the_cut_off_refusal_names_each_estimate_by_its_sheet_and_row_in_a_workbook(workbooks, tmp_path):
    """Before: "...xlsx: field 'processes.*.excluded[].estimated_share': ...: processes.mining.excluded[1]
    'explosives' 5.0%", YAML places in a workbook; a YAML file's refusal is unchanged."""
    rule, name, path = next(w for w in workbooks if w[1] == "exclusions past the cut-off")
    message = _single(rule, path)
    assert message.startswith(f"{path}: sheet 'mining' column 'amount': the items left out are estimated"), message
    assert "sheet 'mining' row " in message.split("allows: ")[1] and "'explosives' 5.0%" in message, message
    assert "processes." not in message and "excluded[" not in message, message
    from_yaml = _single(rule, _yaml_twin(rule, name, tmp_path))
    assert "field 'processes.*.excluded[].estimated_share'" in from_yaml
    assert "allows: processes.mining.excluded[1] 'explosives' 5.0%" in from_yaml


def test_a_required_process_missing_from_a_workbook_names_its_sheet(workbooks, tmp_path):
    """Before: "...xlsx: field 'processes.separation': ...; expected a 'separation' entry under processes"."""
    rule, name, path = next(w for w in workbooks if w[1] == "required process missing")
    message = _single(rule, path)
    assert message.startswith(f"{path}: sheet 'separation': "), message
    assert "expected sheet 'separation' filled in (rule ndpr-oxide requires" in message, message
    assert "entry under processes" not in message, message
    from_yaml = _single(rule, _yaml_twin(rule, name, tmp_path))
    assert "expected a 'separation' entry under processes (rule ndpr-oxide requires" in from_yaml
