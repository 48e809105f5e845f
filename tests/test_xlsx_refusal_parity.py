"""What YAML refuses, the workbook refuses: each kind of refusal of the test suite, made on the example and on its twin.

For each edit below the YAML file is refused (exit 2: a FootprintError), and so is the same edit made in the
workbook as a producer would (tests/xlsx_twin.py fills the template with the edited data), with a message
naming the workbook's cell, row or sheet, never a traceback, never a declaration with exit 0.  Before, the
period's, the production's and the recycled content's checks named a field path ('period', 'production',
'recycled_content') in a workbook that has none, and a period not yet ended was named 'period.end'.
"""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Callable

import pytest
import yaml

import footprint
from footprint._yaml import loads
from footprint.errors import FootprintError
from xlsx_twin import fill

REPO = Path(__file__).resolve().parents[1]
CREATED = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)


def _line(data: dict, pid: str, group: str, key: str, value: str) -> dict:
    return next(entry for entry in data["processes"][pid][group] if entry.get(key) == value)


def _set(path: tuple, value) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


def _electricity(**changes) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        _line(data, "mining", "inputs", "kind", "electricity").update(changes)
    return edit


def _drop_line(pid: str, group: str, key: str, value: str) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["processes"][pid][group].remove(_line(data, pid, group, key, value))
    return edit


def _append(pid: str, group: str, entry: dict) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["processes"][pid].setdefault(group, []).append(entry)
    return edit


def _both(*edits) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        for one in edits:
            one(data)
    return edit


#: (rule, id, edit of the example's data): each refused from YAML.
EDITS = [
    ("ndpr-oxide", "negative amount", _electricity(amount=-5)),
    ("ndpr-oxide", "unknown unit", _electricity(unit="MWhh")),
    ("ndpr-oxide", "unit of another dimension", _electricity(unit="t")),
    ("ndpr-oxide", "amount as text", _electricity(amount="1,200")),
    ("ndpr-oxide", "amount as a boolean", _electricity(amount=True)),
    ("ndpr-oxide", "amount beyond a float once converted", _electricity(amount=1e308, unit="TWh")),
    ("ndpr-oxide", "DQR above 5", _electricity(dqr={"TeR": 6, "GeR": 1, "TiR": 1, "P": 2})),
    ("ndpr-oxide", "DQR of 0", _electricity(dqr={"TeR": 0, "GeR": 1, "TiR": 1, "P": 2})),
    ("ndpr-oxide", "DQR as a boolean", _electricity(dqr={"TeR": True, "GeR": 1, "TiR": 1, "P": 2})),
    ("ndpr-oxide", "DQR half given", _electricity(dqr={"TeR": 2, "P": 2})),
    ("ndpr-oxide", "unknown data type", _electricity(data_type="measured")),
    ("ndpr-oxide", "dataset of another product", _electricity(dataset="chemical/argon")),
    ("ndpr-oxide", "another country's grid", _electricity(dataset="electricity/DE")),
    ("ndpr-oxide", "declaration file missing", _electricity(declaration="../suppliers/none.json")),
    ("ndpr-oxide", "range without its amount",
     _electricity(uncertainty={"type": "uniform", "minimum": 1300, "maximum": 1400})),
    ("ndpr-oxide", "gsd below 1", _electricity(uncertainty={"type": "lognormal", "gsd": 0.9})),
    ("ndpr-oxide", "parameter of another distribution", _electricity(uncertainty={"type": "normal", "gsd": 1.1})),
    ("ndpr-oxide", "unknown distribution", _electricity(uncertainty={"type": "beta", "gsd": 1.1})),
    ("ndpr-oxide", "input of 0 with another country's grid", _electricity(amount=0, dataset="electricity/DE")),
    ("ndpr-oxide", "input of 0 with a range", _electricity(amount=0, uncertainty={"type": "uniform", "minimum": 0,
                                                                                 "maximum": 10})),
    ("ndpr-oxide", "input of 0 with a declaration its kind does not take",
     _electricity(amount=0, declaration="../suppliers/ndpr-oxide-2025.json")),
    ("ndpr-oxide", "unknown input kind", _append("mining", "inputs", {"kind": "dynamite", "amount": 5, "unit": "t"})),
    ("ndpr-oxide", "input from an unconnected process",
     _append("roasting", "inputs", {"from": "mining", "amount": 5, "unit": "t"})),
    ("ndpr-oxide", "expected input left out", _drop_line("mining", "inputs", "kind", "electricity")),
    ("ndpr-oxide", "input from the upstream process left out",
     _drop_line("roasting", "inputs", "from", "beneficiation")),
    ("ndpr-oxide", "every input of a process not used",
     _both(_set(("processes", "mining", "inputs"), []),
           _set(("processes", "mining", "not_used"), ["diesel", "electricity"]))),
    ("ndpr-oxide", "not used and left out under the cut-off",
     _both(_set(("processes", "mining", "not_used"), ["kerosene"]),
           _append("mining", "excluded", {"item": "solvent", "reason": "small", "kinds": ["kerosene"],
                                          "estimated_share": 0.001}))),
    ("ndpr-oxide", "exclusions past the cut-off",
     _append("mining", "excluded", {"item": "explosives", "estimated_share": 0.05, "reason": "no dataset"})),
    ("ndpr-oxide", "estimated share above 1",
     _append("mining", "excluded", {"item": "explosives", "estimated_share": 5, "reason": "no dataset"})),
    ("ndpr-oxide", "unknown emission flow",
     _append("mining", "emissions", {"flow": "Carbon dioxid", "compartment": "air", "amount": 5, "unit": "t"})),
    ("ndpr-oxide", "unknown compartment",
     _append("mining", "emissions", {"flow": "Sulfur dioxide", "compartment": "space", "amount": 5, "unit": "t"})),
    ("ndpr-oxide", "emission without a compartment",
     _append("mining", "emissions", {"flow": "Sulfur dioxide", "amount": 5, "unit": "t"})),
    ("ndpr-oxide", "output missing its amount", _set(("processes", "mining", "output", "amount"), None)),
    ("ndpr-oxide", "DQR on an output", _set(("processes", "mining", "output", "dqr"),
                                            {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1})),
    ("ndpr-oxide", "distribution on an output", _set(("processes", "mining", "output", "uncertainty"),
                                                     {"type": "lognormal", "gsd": 1.1})),
    ("ndpr-oxide", "co-product missing", _set(("processes", "separation", "co_products"), [])),
    ("ndpr-oxide", "co-product share without method 'specified'",
     lambda data: data["processes"]["separation"]["co_products"][0].update(share=0.2)),
    ("ndpr-oxide", "production far from the reference output", _set(("production", "amount"), 200)),
    ("ndpr-oxide", "period end before start", _set(("period", "end"), dt.date(2024, 12, 31))),
    ("ndpr-oxide", "period of six months", _set(("period", "end"), dt.date(2025, 6, 30))),
    ("ndpr-oxide", "period not ended", _both(_set(("period", "start"), dt.date(2026, 7, 1)),
                                              _set(("period", "end"), dt.date(2027, 6, 30)))),
    ("ndpr-oxide", "unknown country", _set(("declarant", "country"), "XX")),
    ("ndpr-oxide", "region of another country", _set(("declarant", "region"), "DE-BY")),
    ("ndpr-oxide", "blank facility", _set(("declarant", "facility"), " ")),
    ("ndpr-oxide", "another rule named", _set(("rule",), "dy-oxide")),
    ("ndpr-oxide", "required process missing", lambda data: data["processes"].pop("separation")),
    ("ndpr-oxide", "ore assay with too little TREO", _set(("processes", "mining", "ore"), {
        "contents": {"TREO": {"value": 0.01, "unit": "%", "source": "assay"}}})),
    ("ndfeb-recycled-hpms", "R1 above 1", _set(("recycled_content", "R1"), 1.5)),
    ("ndfeb-recycled-hpms", "recycled share of an element above 1",
     _set(("recycled_content", "by_element", "Nd"), 95)),
    ("ndfeb-recycled-hpms", "recycled share of an element the rule does not ask for",
     _set(("recycled_content", "by_element", "Sm"), 0.5)),
    ("ndfeb-recycled-hpms", "recycled content left out of a CFF rule", lambda data: data.pop("recycled_content")),
    ("ndfeb-recycled-hpms", "R1 of 0 beside recycled material", _set(("recycled_content", "R1"), 0.0)),
    ("ndpr-oxide", "recycled content under a rule without a method for it",
     _set(("recycled_content",), {"R1": 0.1, "source": "feed records"})),
    ("ndpr-oxide", "recycled content's DQR as text",
     _set(("recycled_content",), {"R1": 0.1, "source": "feed records", "dqr": {"TeR": "1", "GeR": 1, "TiR": 1,
                                                                                "P": 1}})),
]


@pytest.fixture(scope="module")
def folder(project, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("refusals")
    for rule in sorted({rule for rule, _name, _edit in EDITS}):
        (root / rule).mkdir()
        footprint.make_template(rule, root / rule / "template.xlsx", fmt="xlsx")
    return root


@pytest.mark.parametrize("rule, name, edit", EDITS, ids=[name for _rule, name, _edit in EDITS])
def test_an_edit_refused_in_yaml_is_refused_in_the_workbook_naming_its_place(folder, rule, name, edit):
    data = loads((REPO / "examples" / rule / "activity-2025.yaml").read_text(encoding="utf-8"))
    edit(data)
    source = folder / rule / f"{name}.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FootprintError) as from_yaml:
        footprint.declare(rule, source, created=CREATED)
    twin = fill(folder / rule / "template.xlsx", copy.deepcopy(data), folder / rule / f"{name}.xlsx")
    with pytest.raises(FootprintError) as from_xlsx:
        footprint.declare(rule, twin, created=CREATED)
    message = str(from_xlsx.value)
    assert type(from_xlsx.value) is type(from_yaml.value), (str(from_yaml.value), message)
    assert "sheet '" in message, f"the workbook's place is not named: {message} (YAML: {from_yaml.value})"
