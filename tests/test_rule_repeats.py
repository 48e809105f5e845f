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
