"""A rule lists each Annex V point, expected input kind and allocation option of a process once.

Old code: a copy of ndpr-oxide (under a fresh id) with mining's ``annex_v: [4(a), 4(b), 4(c), 4(a)]``, its
``expected_inputs: [diesel, electricity, diesel]`` or separation's ``allocation.options: [economic, mass,
mass]`` validated 'ok', declared with exit 0, and 'rules diff' called the repeat a change.  A repeated entry
is noise at best and two statements of one thing at worst; the rule reader (load_rule, the one place every
command and the server read a rule through) now refuses it, naming the file, the second entry's field path
and value, and what is expected.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml
from click.testing import CliRunner

import cli
import footprint
from footprint.errors import RuleError
from test_metamorphic import _load, _write

REPO = Path(__file__).resolve().parents[1]
NDPR = REPO / "rules" / "ndpr-oxide.yaml"
RULE_ID = "ndpr-oxide-repeats"  # a fresh id: a changed copy under the library's id is refused for that alone


def _process(rule: dict, process_id: str) -> tuple[str, dict]:
    for s_index, stage in enumerate(rule["stages"]):
        for p_index, process in enumerate(stage["processes"]):
            if process["id"] == process_id:
                return f"stages[{s_index}].processes[{p_index}]", process
    raise KeyError(process_id)


def _repeat(process_id: str, field: str, entry: str) -> Callable[[dict], tuple[str, str]]:
    """Append ``entry`` to the process's list ``field`` (dotted); return the field path it lands at and the entry."""
    def change(rule: dict) -> tuple[str, str]:
        where, process = _process(rule, process_id)
        *parents, leaf = field.split(".")
        for key in parents:
            process = process[key]
        process[leaf].append(entry)
        return f"{where}.{field}[{len(process[leaf]) - 1}]", entry
    return change


#: list -> (the repeat, the words 'expected' must hold)
CASES = {
    "annex_v": (_repeat("mining", "annex_v", "4(a)"), "each Annex V point once"),
    "annex_v, the same point written another way": (_repeat("mining", "annex_v", "a"), "each Annex V point once"),
    "expected_inputs": (_repeat("mining", "expected_inputs", "diesel"), "each input kind once"),
    "allocation.options": (_repeat("separation", "allocation.options", "mass"), "each allocation option once"),
}


@pytest.fixture()
def files(tmp_path, request):
    """(base rule, rule with the repeat, activity data, field path of the repeat, its value, expected words)."""
    change, expected = CASES[request.param]
    base = yaml.safe_load(NDPR.read_text(encoding="utf-8"))
    base["id"] = RULE_ID
    repeated = yaml.safe_load(NDPR.read_text(encoding="utf-8"))
    repeated["id"] = RULE_ID
    field, value = change(repeated)
    activity = _write({**_load("ndpr-oxide"), "rule": RULE_ID}, tmp_path / "activity.yaml")
    return (_write(base, tmp_path / "base.yaml"), _write(repeated, tmp_path / "repeated.yaml"), activity,
            field, value, expected)


@pytest.mark.parametrize("files", list(CASES), indirect=True)
def test_the_cli_refuses_a_repeated_entry(project, files, tmp_path):
    base, repeated, activity, field, value, expected = files
    runner = CliRunner()
    for args in (["rules", "validate", str(repeated)],
                 ["rules", "diff", str(base), str(repeated)],
                 ["rules", "diff", str(base), str(repeated), "--json"],
                 ["declare", str(repeated), str(activity), "-o", str(tmp_path / "decl.json")]):
        result = runner.invoke(cli.main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert str(repeated) in result.stderr and f"field '{field}'" in result.stderr, (args, result.stderr)
        assert f"(found: '{value}')" in result.stderr and expected in result.stderr, (args, result.stderr)
    assert not (tmp_path / "decl.json").exists()


@pytest.mark.parametrize("files", list(CASES), indirect=True)
def test_the_api_refuses_a_repeated_entry(project, files):
    base, repeated, activity, field, value, expected = files
    for call in (lambda: footprint.declare(repeated, activity), lambda: footprint.diff_rules(base, repeated),
                 lambda: footprint.diff_rules(repeated, base)):
        with pytest.raises(RuleError) as caught:
            call()
        error = caught.value
        assert (error.file, error.field, error.value) == (str(repeated), field, value)
        assert expected in error.expected and "twice" in error.message
    [check] = footprint.validate_rules([repeated])
    assert [problem.field for problem in check.problems] == [field]
    problem = check.problems[0]
    assert problem.value == value and expected in problem.expected and problem.line is not None
    assert repeated.read_text(encoding="utf-8").splitlines()[problem.line - 1].strip().startswith(
        ("annex_v", "expected_inputs", "options", "- "))
    footprint.declare(base, activity)  # the same rule without the repeat declares


def test_the_method_among_its_options_is_not_a_repeat():
    """Every shipped rule with an allocation writes its method among its options ('method: economic,
    options: [economic, mass]'); an option is repeated only when the options list it twice."""
    rule = yaml.safe_load(NDPR.read_text(encoding="utf-8"))
    _where, separation = _process(rule, "separation")
    assert separation["allocation"]["method"] in separation["allocation"]["options"]
    [check] = footprint.validate_rules([NDPR])
    assert check.error is None


# --------------------------------------------------------------------------- every list field of the rule model
# Old code: only annex_v, expected_inputs and allocation.options (above) and a few others were checked; a rule
# with input_kinds.*.upstream_products [Dy oxide, Dy oxide] or alternatives [fuel/natural-gas-m3,
# fuel/natural-gas-m3] loaded and validated 'ok', and the older checks named the repeat without its value
# or what was expected.  Each list whose entries name a thing is now checked by one table (rule.REPEATS, or a
# check of its own: REPEATS_ELSEWHERE) with one message style; the test below requires every list field of
# the model to be checked or exempted with a reason, so a list added later cannot be forgotten.
from footprint.inputs import rule as rule_module  # noqa: E402

RULES = REPO / "rules"


def _top(field: str, entry) -> Callable[[dict], tuple[str, object]]:
    """Append ``entry`` to the rule's list at dotted ``field`` (mapping keys included)."""
    def change(rule: dict) -> tuple[str, object]:
        *parents, leaf = field.split(".")
        node = rule
        for key in parents:
            node = node[key]
        node[leaf].append(entry)
        return f"{field}[{len(node[leaf]) - 1}]", entry
    return change


def _object(field: str, index: int = 0) -> Callable[[dict], tuple[str, object]]:
    """Append a copy of the ``index``-th object of the rule's top-level list ``field`` (same id)."""
    def change(rule: dict) -> tuple[str, object]:
        rule[field].append(json_copy(rule[field][index]))
        return f"{field}[{len(rule[field]) - 1}].id", rule[field][index]["id"]
    return change


def json_copy(value):
    import copy

    return copy.deepcopy(value)


def _process_id_in_another_stage(rule: dict) -> tuple[str, object]:
    """A process under the id of a process of another stage (its own copy of mining, in concentration)."""
    copy = json_copy(rule["stages"][0]["processes"][0])
    rule["stages"][1]["processes"].insert(0, copy)
    return "stages[1].processes[0].id", copy["id"]


def _stage_named_as_the_first(rule: dict) -> tuple[str, object]:
    """The second stage under the first's id (its processes under two entries of one stage)."""
    rule["stages"][1]["id"] = rule["stages"][0]["id"]
    return "stages[1].id", rule["stages"][0]["id"]


def _fallback_equal_to_dataset(rule: dict) -> tuple[str, object]:
    spec = rule["input_kinds"]["electricity"]
    spec["fallback"].append(spec["dataset"])
    return f"input_kinds.electricity.fallback[{len(spec['fallback']) - 1}]", spec["dataset"]


#: list field (as effects.py names it) -> (rule file, the repeat, the words 'expected' must hold)
EVERY_LIST = {
    "stages": ("ndpr-oxide", _stage_named_as_the_first, "each stage once"),
    "stages[].processes": ("ndpr-oxide", _process_id_in_another_stage, "each process id once"),
    "stages[].processes[].annex_v": ("ndpr-oxide", _repeat("mining", "annex_v", "4(b)"), "each Annex V point once"),
    "stages[].processes[].inputs_from": ("ndpr-oxide", _repeat("separation", "inputs_from", "leaching"),
                                         "each upstream process once"),
    "stages[].processes[].co_products": ("ndpr-oxide", _repeat("separation", "co_products", "cerium oxide"),
                                         "each co-product once"),
    "stages[].processes[].allocation.options": ("ndpr-oxide", _repeat("beneficiation", "allocation.options",
                                                                      "economic"), "each allocation option once"),
    "stages[].processes[].expected_inputs": ("ndpr-oxide", _repeat("roasting", "expected_inputs", "coal"),
                                             "each input kind once"),
    "input_kinds.*.fallback": ("ndpr-oxide", _fallback_equal_to_dataset, "each dataset once"),
    "input_kinds.*.upstream_products": ("dy-metal", _top("input_kinds.dy-oxide.upstream_products", "Dy oxide"),
                                        "each upstream product once"),
    "input_kinds.*.alternatives": ("ndpr-oxide", _top("input_kinds.natural-gas.alternatives", "fuel/natural-gas-m3"),
                                   "each alternative dataset once"),
    "recycled_content.erec_processes": ("ndfeb-recycled-hpms", _top("recycled_content.erec_processes",
                                                                    "hydrogen-processing"), "each Erec process once"),
    "recycled_content.virgin_input_kinds": ("ndfeb-recycled-hpms", _top("recycled_content.virgin_input_kinds",
                                                                        "ndpr-metal"), "each virgin input kind once"),
    "recycled_content.elements": ("ndfeb-recycled-hpms", _top("recycled_content.elements", "Dy"),
                                  "each element once"),
    "impact_categories.declared": ("ndpr-oxide", _top("impact_categories.declared", "acidification"),
                                   "each impact category once"),
    "impact_categories.supplementary": ("ndpr-oxide", _top("impact_categories.supplementary", "crustal_scarcity"),
                                        "each supplementary indicator once"),
    "sources": ("ndpr-oxide", _object("sources", 1), "each source id once"),
}


def _list_fields() -> list[str]:
    """Every list field of the rule model, as effects.py names fields."""
    import typing

    from pydantic import BaseModel

    found = []

    def walk(node, pattern):
        node = rule_module.unwrap_optional(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            for key, annotation in rule_module.fields_by_alias(node).items():
                walk(annotation, f"{pattern}.{key}" if pattern else key)
        elif typing.get_origin(node) is list:
            found.append(pattern)
            walk(typing.get_args(node)[0], pattern + "[]")
        elif typing.get_origin(node) is dict:
            walk(typing.get_args(node)[1], pattern + ".*")

    walk(rule_module.Rule, "")
    return found


def test_every_list_field_is_checked_for_repeats_or_exempted_with_a_reason():
    fields = _list_fields()
    checked = set(rule_module.REPEATS) | set(rule_module.REPEATS_ELSEWHERE)
    exempt = rule_module.REPEATS_EXEMPT
    assert not checked & set(exempt)
    forgotten = [field for field in fields if field not in checked and field not in exempt]
    assert not forgotten, f"say in rule.py whether a repeated entry of these lists is refused: {forgotten}"
    assert checked | set(exempt) <= set(fields), "REPEATS names a list the model does not have"
    assert all(reason.strip() for reason in (*exempt.values(), *rule_module.REPEATS_ELSEWHERE.values()))
    assert set(EVERY_LIST) == checked, "each checked list needs a case here"


@pytest.mark.parametrize("field", list(EVERY_LIST))
def test_a_repeat_in_any_list_is_refused_on_read_and_by_validate(tmp_path, field):
    rule_id, change, expected = EVERY_LIST[field]
    data = yaml.safe_load((RULES / f"{rule_id}.yaml").read_text(encoding="utf-8"))
    data["id"] = f"{rule_id}-repeats"
    virgin = data["recycled_content"].get("virgin") or {}
    if virgin.get("declaration"):  # relative to the rule file: kept pointing at the library's
        virgin["declaration"] = str((RULES / virgin["declaration"]).resolve())
    base = _write(json_copy(data), tmp_path / "base.yaml")
    where, value = change(data)
    repeated = _write(data, tmp_path / "repeated.yaml")
    rule_module.load_rule(base)  # the same rule without the repeat loads
    with pytest.raises(RuleError) as caught:
        rule_module.load_rule(repeated)
    error = caught.value
    assert (error.file, error.field, error.value) == (str(repeated), where, value), str(error)
    assert expected in error.expected and "twice" in error.message, str(error)
    [check] = footprint.validate_rules([repeated])
    assert where in [problem.field for problem in check.problems], check.problems
    result = CliRunner().invoke(cli.main, ["rules", "validate", str(repeated)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"field '{where}'" in result.stderr or where in result.output, result.output
