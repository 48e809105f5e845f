"""The command line contract.

Bad input gets ONE clear line on stderr (``error: <file>: field '<path>': ... (found: <value>); expected ...``),
exit code 2 and no traceback; outputs are never overwritten without --force.  Most tests break a
writable copy of the example activity data (or of the NdPr oxide rule) in one field and run the
click command in-process; one test runs ``cli.py`` as a real process.

The last section keeps the bugs found while writing these tests as regression tests.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import click
import pytest
import yaml
from click.testing import CliRunner, Result

import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"


# ----------------------------------------------------------------------------- helpers


def invoke(*args: Any) -> Result:
    """Run the footprint CLI in-process (click >= 8.2 keeps stderr apart in result.stderr)."""
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def declare(data: Path, output: Path, *extra: Any, rule: str | Path = "ndpr-oxide") -> Result:
    return invoke("declare", rule, data, "-o", output, *extra)


def mutate(path: Path, fn: Callable[[Any], Any]) -> Path:
    """Load the YAML file at ``path``, let ``fn`` change the document in place, write it back."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def rule_copy(tmp_path: Path, fn: Callable[[dict], Any], name: str = "rule.yaml") -> Path:
    """A modified copy of rules/ndpr-oxide.yaml in tmp_path, as version 1.1.1 (a changed rule under the
    library's id and version is refused: footprint.inputs.rule.library_conflict)."""
    target = tmp_path / name
    target.write_text(RULE.read_text(encoding="utf-8"), encoding="utf-8")

    def changed(rule: dict) -> Any:
        rule["version"] = "1.1.1"
        return fn(rule)

    return mutate(target, changed)


def process(doc: dict, pid: str) -> dict:
    return doc["processes"][pid]


def input_index(doc: dict, pid: str, kind: str) -> int:
    """Index of the first input of ``kind`` in a process of the activity data."""
    return next(i for i, item in enumerate(process(doc, pid)["inputs"]) if item.get("kind") == kind)


def electricity_index(path: Path, pid: str = "separation") -> int:
    return input_index(yaml.safe_load(path.read_text(encoding="utf-8")), pid, "electricity")


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unexpected exception {result.exception!r}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr


def assert_ok(result: Result) -> None:
    assert_no_traceback(result)
    assert result.exit_code == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def assert_bad_input(result: Result, *fragments: str) -> str:
    """Exit 2, no traceback, exactly one 'error:' line on stderr containing every fragment."""
    assert_no_traceback(result)
    assert result.exit_code == 2, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert isinstance(result.exception, SystemExit)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, f"expected one error line on stderr, got:\n{result.stderr}"
    message = errors[0]
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def declared(project, tmp_path_factory) -> tuple[Result, Path, Path]:
    """One successful `footprint declare` of the example, with its report, shared by this module."""
    out = tmp_path_factory.mktemp("declared")
    output, report = out / "decl.json", out / "decl.html"
    result = declare(EXAMPLE, output, "--report", report)
    return result, output, report


@pytest.fixture()
def specified_rule(tmp_path) -> Path:
    """The NdPr oxide rule with allocation method 'specified' at separation."""
    def specified(rule: dict) -> None:
        separation = rule["stages"][2]["processes"][2]
        assert separation["id"] == "separation"
        separation["allocation"]["method"] = "specified"
        separation["allocation"]["options"] = ["economic", "mass", "specified"]

    return rule_copy(tmp_path, specified, "ndpr-oxide-specified.yaml")


def give_shares(main: float, shares: dict[str, float]) -> Callable[[dict], None]:
    def fn(doc: dict) -> None:
        separation = process(doc, "separation")
        separation["allocation_share"] = main
        for co_product in separation["co_products"]:
            co_product["share"] = shares[co_product["name"]]
    return fn


CO_SHARES = {"lanthanum oxide": 0.1, "cerium oxide": 0.1, "SEG and heavy rare-earth concentrate": 0.2}


# ----------------------------------------------------------------------------- declare: success


def test_declare_writes_declaration_and_prints_summary(declared):
    result, output, report = declared
    assert_ok(result)
    assert "Climate change" in result.stdout
    assert f"declaration: {output}" in result.stdout
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["results"]
    assert any(r["category"] == "climate_change" for r in document["results"])  # schema 2.0: declared only
    assert "<html" in report.read_text(encoding="utf-8")


def test_declare_accepts_an_allowed_allocation_override(project, tmp_path):
    result = declare(EXAMPLE, tmp_path / "mass.json", "--allocation", "mass")
    assert_ok(result)
    document = json.loads((tmp_path / "mass.json").read_text(encoding="utf-8"))
    assert {a["process"]: a["method"] for a in document["allocation"]}["separation"] == "mass"


def test_declare_refuses_an_allocation_the_rule_does_not_allow(project, tmp_path):
    result = declare(EXAMPLE, tmp_path / "spec.json", "--allocation", "specified")
    assert_bad_input(result, "'specified'", "not allowed", "economic", "mass", "ndpr-oxide.yaml",
                     "field 'stages[1].processes[0].allocation.options'")
    assert not (tmp_path / "spec.json").exists()


# ----------------------------------------------------------------------------- declare: bad activity data


def test_missing_mandatory_process_is_refused(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: doc["processes"].pop("roasting"))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "processes.roasting", "mandatory company-specific", "'roasting'")
    assert not (tmp_path / "out.json").exists()


def test_unit_of_wrong_dimension_is_refused(project, example_copy, tmp_path):
    index = electricity_index(example_copy)
    mutate(example_copy, lambda doc: process(doc, "separation")["inputs"][index].__setitem__("unit", "t"))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].unit'",
                     "wrong dimension", "'t'", "kWh")


def test_negative_amount_is_refused(project, example_copy, tmp_path):
    index = electricity_index(example_copy)
    mutate(example_copy, lambda doc: process(doc, "separation")["inputs"][index].__setitem__("amount", -1540))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].amount'",
                     "negative", "-1540", ">= 0")


@pytest.mark.parametrize("value, shown", [("lots", "'lots'"), ("12", "'12'"), (True, "True")])
def test_non_numeric_amount_is_refused(project, example_copy, tmp_path, value, shown):
    index = electricity_index(example_copy)
    mutate(example_copy, lambda doc: process(doc, "separation")["inputs"][index].__setitem__("amount", value))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].amount'",
                     "not a number", shown, "expected a number")


@pytest.mark.parametrize("unit", ["ton", "tons", "mt", "kiloton"])
def test_ambiguous_us_ton_is_refused(project, example_copy, tmp_path, unit):
    """'mt' (a millitonne in pint, 1 kg) and 'kiloton' (a thousand short tons) were declared with exit 0:
    the roasting's sulphuric acid 1000x low and 9 % low."""
    doc = yaml.safe_load(example_copy.read_text(encoding="utf-8"))
    index = input_index(doc, "roasting", "sulphuric-acid")
    mutate(example_copy, lambda d: process(d, "roasting")["inputs"][index].__setitem__("unit", unit))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.roasting.inputs[{index}].unit'",
                     "ambiguous unit", f"'{unit}'", "'t' or 'tonne'")


def test_electricity_in_milliwatt_hours_is_refused_as_a_slip_for_mwh(project, example_copy, tmp_path):
    """'mWh' for MWh (one capital letter): pint reads milliwatt hours, and the separation's electricity was
    declared at a billionth of itself, exit 0."""
    index = electricity_index(example_copy)
    mutate(example_copy, lambda d: process(d, "separation")["inputs"][index].__setitem__("unit", "mWh"))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].unit'",
                     "ambiguous unit", "'mWh'", "capital M")


def test_unknown_dataset_is_refused(project, example_copy, tmp_path):
    doc = yaml.safe_load(example_copy.read_text(encoding="utf-8"))
    index = len(process(doc, "separation")["inputs"])
    mutate(example_copy, lambda d: process(d, "separation")["inputs"].append(
        {"kind": "electricity", "dataset": "electricity/XX", "amount": 10, "unit": "MWh"}))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].dataset'",
                     "unknown dataset", "'electricity/XX'", "inventories")


def test_unknown_process_is_refused(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: doc["processes"].__setitem__("smelting", dict(process(doc, "roasting"))))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "field 'processes.smelting'", "unknown process", "'smelting'",
                     "roasting", "separation")


def test_unknown_input_kind_is_refused(project, example_copy, tmp_path):
    index = electricity_index(example_copy)
    mutate(example_copy, lambda doc: process(doc, "separation")["inputs"][index].__setitem__("kind", "unobtainium"))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].kind'",
                     "unknown input kind", "'unobtainium'", "electricity")


def test_specified_shares_that_do_not_close_are_refused(project, example_copy, specified_rule, tmp_path):
    mutate(example_copy, give_shares(0.5, CO_SHARES))  # 0.5 + 0.1 + 0.1 + 0.2 = 0.9
    result = declare(example_copy, tmp_path / "out.json", rule=specified_rule)
    assert_bad_input(result, str(example_copy), "field 'processes.separation.co_products'",
                     "do not add up to 1", "0.9")


def test_specified_shares_that_close_are_used(project, example_copy, specified_rule, tmp_path):
    mutate(example_copy, give_shares(0.6, CO_SHARES))  # sums to 1
    result = declare(example_copy, tmp_path / "out.json", rule=specified_rule)
    assert_ok(result)
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    separation = next(a for a in document["allocation"] if a["process"] == "separation")
    assert separation["method"] == "specified"
    assert separation["main_share"] == pytest.approx(0.6)


def test_specified_share_of_a_co_product_not_produced_is_refused(project, example_copy, specified_rule, tmp_path):
    """A 'specified' share above 0 for a co-product of 0 t put the burden on a product that was not made: the
    SEG concentrate at 0 t with share 0.3 (main product 0.5) declared about 26.5 instead of 46.56 kg CO2-Eq/kg
    (the separation's burden x 0.5 instead of x 0.878), exit 0."""
    def ghost(doc: dict) -> None:
        give_shares(0.5, {**CO_SHARES, "SEG and heavy rare-earth concentrate": 0.3})(doc)  # 0.5+0.1+0.1+0.3 = 1
        seg = next(c for c in process(doc, "separation")["co_products"]
                   if c["name"] == "SEG and heavy rare-earth concentrate")
        seg["amount"] = 0
    mutate(example_copy, ghost)
    result = declare(example_copy, tmp_path / "out.json", rule=specified_rule)
    assert_bad_input(result, str(example_copy), "field 'processes.separation.co_products'",
                     "'SEG and heavy rare-earth concentrate' is above 0", "none of it was produced")


def test_specified_share_of_0_for_a_co_product_not_produced_is_used(project, example_copy, specified_rule,
                                                                     tmp_path):
    """A co-product of 0 t with share 0 is what the producer means by 'none made': its share stays 0."""
    def none_made(doc: dict) -> None:
        give_shares(0.8, {**CO_SHARES, "SEG and heavy rare-earth concentrate": 0.0})(doc)  # 0.8+0.1+0.1 = 1
        seg = next(c for c in process(doc, "separation")["co_products"]
                   if c["name"] == "SEG and heavy rare-earth concentrate")
        seg["amount"] = 0
    mutate(example_copy, none_made)
    result = declare(example_copy, tmp_path / "out.json", rule=specified_rule)
    assert_ok(result)
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    separation = next(a for a in document["allocation"] if a["process"] == "separation")
    assert separation["main_share"] == pytest.approx(0.8)


def test_missing_co_product_is_refused(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: process(doc, "separation").__setitem__(
        "co_products", [c for c in process(doc, "separation")["co_products"] if c["name"] != "cerium oxide"]))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "field 'processes.separation.co_products'",
                     "co-product missing", "'cerium oxide'")


def test_unknown_co_product_is_refused(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: process(doc, "separation")["co_products"].append(
        {"name": "gold", "amount": 1, "unit": "t"}))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "field 'processes.separation.co_products'",
                     "unknown co-product", "'gold'", "lanthanum oxide")


def test_malformed_yaml_is_refused_with_its_line(project, example_copy, tmp_path):
    text = example_copy.read_text(encoding="utf-8")
    broken = text.replace("period: {start: 2025-01-01, end: 2025-12-31}", "period: {start: 2025-01-01, end: 2025-12-31")
    assert broken != text
    example_copy.write_text(broken, encoding="utf-8")
    result = declare(example_copy, tmp_path / "out.json")
    message = assert_bad_input(result, str(example_copy), "malformed YAML")
    assert re.search(r"line \d+", message)


def test_mass_balance_that_does_not_close_is_refused(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: process(doc, "leaching")["output"].__setitem__(
        "amount", process(doc, "leaching")["output"]["amount"] / 10))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "field 'processes.leaching.output'", "mass balance",
                     "'leaching'", "tolerance")


@pytest.mark.parametrize("change, fragments", [
    (lambda d: d["declarant"].__setitem__("country", "CHN"), ["field 'declarant.country'", "'CHN'"]),
    (lambda d: process(d, "mining").__setitem__("colour", "red"), ["field 'processes.mining.colour'", "'red'"]),
    (lambda d: d["production"].__setitem__("unit", "MWh"), ["field 'production.unit'", "wrong dimension"]),
    (lambda d: d.__setitem__("rule", "cobalt"), ["field 'rule'", "'cobalt'", "'ndpr-oxide'"]),
], ids=["country-code", "unknown-field", "production-unit", "other-rule"])
def test_other_bad_fields_are_named(project, example_copy, tmp_path, change, fragments):
    mutate(example_copy, change)
    assert_bad_input(declare(example_copy, tmp_path / "out.json"), str(example_copy), *fragments)


def test_missing_data_file_is_refused(project, tmp_path):
    missing = tmp_path / "nope.yaml"
    assert_bad_input(declare(missing, tmp_path / "out.json"), str(missing), "file not found")


def test_a_rule_id_is_a_rule_id_beside_a_directory_of_that_name(project, tmp_path, monkeypatch):
    """A producer keeps its files in ./ndpr-oxide/: the id was taken as that path ("is a directory")."""
    (tmp_path / "ndpr-oxide").mkdir()
    (tmp_path / "cobalt-hydroxide").mkdir()
    monkeypatch.chdir(tmp_path)
    result = declare(EXAMPLE, tmp_path / "ndpr-oxide" / "out.json", rule="ndpr-oxide")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "ndpr-oxide" / "out.json").read_text())["rule"]["id"] == "ndpr-oxide"
    assert_bad_input(declare(EXAMPLE, tmp_path / "out.json", rule="cobalt-hydroxide"), "unknown rule",
                     "a directory of that name is here, not a rule file", "ndpr-oxide")


def test_unknown_rule_id_lists_known_rules(project, tmp_path):
    result = declare(EXAMPLE, tmp_path / "out.json", rule="cobalt-hydroxide")
    assert_bad_input(result, "unknown rule", "'cobalt-hydroxide'", "ndpr-oxide")
    assert_bad_input(invoke("rules", "show", "cobalt-hydroxide"), "unknown rule", "ndpr-oxide")


# ----------------------------------------------------------------------------- outputs and --force


def test_existing_output_is_not_overwritten_without_force(project, tmp_path):
    output = tmp_path / "decl.json"
    output.write_bytes(b"precious\n")
    result = declare(EXAMPLE, output)
    assert_bad_input(result, str(output), "exists", "--force")
    assert output.read_bytes() == b"precious\n"


def test_existing_output_is_replaced_with_force(project, tmp_path):
    output = tmp_path / "decl.json"
    output.write_bytes(b"precious\n")
    assert_ok(declare(EXAMPLE, output, "--force"))
    assert json.loads(output.read_text(encoding="utf-8"))["results"]


def test_existing_report_is_protected_before_anything_is_written(project, tmp_path):
    output, report = tmp_path / "decl.json", tmp_path / "decl.html"
    report.write_bytes(b"<p>keep me</p>")
    result = declare(EXAMPLE, output, "--report", report)
    assert_bad_input(result, str(report), "exists", "--force")
    assert report.read_bytes() == b"<p>keep me</p>"
    assert not output.exists()


def test_report_command_does_not_overwrite_without_force(declared, tmp_path):
    _result, output, _report = declared
    target = tmp_path / "report.html"
    target.write_bytes(b"old")
    assert_bad_input(invoke("report", output, "-o", target), str(target), "exists", "--force")
    assert target.read_bytes() == b"old"
    assert_ok(invoke("report", output, "-o", target, "--force"))
    assert "<html" in target.read_text(encoding="utf-8")


def test_demo_does_not_overwrite_its_outputs_without_force(project, tmp_path):
    out = tmp_path / "demo"
    assert_ok(invoke("demo", "--out", out))
    declaration = out / "ndpr-oxide-declaration.json"
    before = declaration.read_bytes()
    assert_bad_input(invoke("demo", "--out", out), str(declaration), "exists", "--force")
    assert declaration.read_bytes() == before
    assert_ok(invoke("demo", "--out", out, "--force"))


# ----------------------------------------------------------------------------- report and setup


def test_report_renders_a_declaration(declared, tmp_path):
    _result, output, _report = declared
    target = tmp_path / "X.html"
    result = invoke("report", output, "-o", target)
    assert_ok(result)
    assert "<html" in target.read_text(encoding="utf-8")


def test_report_of_a_missing_declaration_is_refused(project, tmp_path):
    missing = tmp_path / "nope.json"
    assert_bad_input(invoke("report", missing, "-o", tmp_path / "x.html"), str(missing), "file not found")


def test_setup_second_run_changes_nothing(project):
    result = invoke("setup")
    assert_ok(result)
    assert "already up to date" in result.stdout


# ----------------------------------------------------------------------------- rules


def test_rules_list_shows_the_ndpr_rule(project):
    result = invoke("rules", "list")
    assert_ok(result)
    assert "ndpr-oxide" in result.stdout


def test_rules_show_describes_stages_and_annex_v(project):
    result = invoke("rules", "show", "ndpr-oxide")
    assert_ok(result)
    for text in ("Extraction", "Concentration", "Refining", "separation", "Annex V 4(a)", "4(j)", "climate_change"):
        assert text in result.stdout


def test_rules_validate_accepts_the_shipped_rule(project):
    result = invoke("rules", "validate", RULE)
    assert_ok(result)
    assert result.stdout.startswith("ok ")


def _two_categories(rule: dict) -> None:
    rule["impact_categories"]["declared"] = ["climate_change", "acidification"]


def _smelting_stage(rule: dict) -> None:
    rule["stages"][2]["id"] = "smelting"


def _missing_default_dataset(rule: dict) -> None:
    rule["input_kinds"]["diesel"]["dataset"] = "fuel/unobtainium"


def _missing_process_default_dataset(rule: dict) -> None:
    mining = rule["stages"][0]["processes"][0]
    mining["company_specific"] = "optional"
    mining["default_dataset"] = "ore/unobtainium"


@pytest.mark.parametrize("breaks, fragments", [
    (_two_categories, ["impact_categories.declared", "at least three"]),
    (_smelting_stage, ["'smelting'", "not an Annex V stage", "primary"]),
    (_missing_default_dataset, ["input_kinds.diesel", "default dataset does not exist", "'fuel/unobtainium'"]),
    (_missing_process_default_dataset, ["mining", "default_dataset", "does not exist", "'ore/unobtainium'"]),
], ids=["two-categories", "smelting-stage", "input-kind-dataset", "process-default-dataset"])
def test_rules_validate_refuses_a_broken_rule(project, tmp_path, breaks, fragments):
    broken = rule_copy(tmp_path, breaks, "broken.yaml")
    result = invoke("rules", "validate", RULE, broken)
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert f"ok       {RULE}" in result.stdout  # the good file is still reported
    invalid = [line for line in result.stderr.splitlines() if line.startswith("invalid")]
    assert len(invalid) == 1, result.stderr
    for fragment in (str(broken), *fragments):
        assert fragment in invalid[0], f"{fragment!r} not in {invalid[0]!r}"


def test_rules_schema_is_json_schema(project):
    result = invoke("rules", "schema")
    assert_ok(result)
    schema = json.loads(result.stdout)
    assert "properties" in schema
    assert {"id", "stages", "input_kinds"} <= set(schema["properties"])


# ----------------------------------------------------------------------------- help


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += _command_paths(command, prefix + (name,))
        else:
            paths.append(prefix + (name,))
    return paths


@pytest.mark.parametrize("path", _command_paths(cli.main), ids=lambda p: " ".join(p) or "footprint")
def test_every_command_has_help_with_an_example(path):
    result = invoke(*path, "--help")
    assert_ok(result)
    assert "Example" in result.stdout
    # a runnable example: the \b paragraph keeps "Example:" followed by a command line of this command
    assert re.search(r"Example:\n\s+(FOOTPRINT_HOME=\S+ )?footprint " + re.escape(" ".join(path)), result.stdout), \
        result.stdout


# ----------------------------------------------------------------------------- a real process


def test_real_process_exits_2_without_traceback(project, example_copy, tmp_path):
    index = electricity_index(example_copy)
    mutate(example_copy, lambda doc: process(doc, "separation")["inputs"][index].__setitem__("amount", "lots"))
    output = tmp_path / "out.json"
    completed = subprocess.run(
        [sys.executable, str(REPO / "cli.py"), "declare", "ndpr-oxide", str(example_copy), "-o", str(output)],
        env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""
    assert completed.stderr.startswith("error: ")
    assert str(example_copy) in completed.stderr and "'lots'" in completed.stderr
    assert not output.exists()


# ----------------------------------------------------------------------------- bugs found and fixed (regressions)


@pytest.mark.parametrize("unit", ["1/0", "kg/(", "kWh)"])
def test_malformed_unit_string_is_refused(project, example_copy, tmp_path, unit):
    index = electricity_index(example_copy)
    mutate(example_copy, lambda doc: process(doc, "separation")["inputs"][index].__setitem__("unit", unit))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), f"field 'processes.separation.inputs[{index}].unit'", repr(unit))


def test_rules_validate_refuses_a_malformed_declared_unit(project, tmp_path):
    broken = rule_copy(tmp_path, lambda r: r["declared_unit"].__setitem__("unit", "kg/("), "broken.yaml")
    result = invoke("rules", "validate", RULE, broken)
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert str(broken) in result.stderr and "declared_unit.unit" in result.stderr


def test_output_below_a_regular_file_is_refused(project, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    output = blocker / "decl.json"
    assert_bad_input(declare(EXAMPLE, output), str(output))


@pytest.mark.parametrize("template", ["electricity/{province}", "electricity/{region"])
def test_rule_with_a_bad_dataset_template_is_refused(project, tmp_path, template):
    broken = rule_copy(tmp_path, lambda r: r["input_kinds"]["electricity"].__setitem__("dataset", template))
    validated = invoke("rules", "validate", broken)
    assert_no_traceback(validated)
    assert validated.exit_code == 2 and "input_kinds.electricity" in validated.stderr
    result = declare(EXAMPLE, tmp_path / "out.json", rule=broken)
    assert_bad_input(result, str(broken), "input_kinds.electricity", repr(template))


def test_rule_with_an_ambiguous_product_unit_is_refused(project, tmp_path):
    broken = rule_copy(tmp_path, lambda r: r["stages"][0]["processes"][0]["product"].__setitem__("unit", "ton"))
    validated = invoke("rules", "validate", broken)
    assert_no_traceback(validated)
    assert validated.exit_code == 2
    assert str(broken) in validated.stderr and "product.unit" in validated.stderr
    result = declare(EXAMPLE, tmp_path / "out.json", rule=broken)
    assert_bad_input(result, str(broken), "product.unit", "'ton'")


def test_transport_leg_of_a_non_transport_kind_is_refused(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: process(doc, "roasting")["transport"][0].__setitem__("kind", "electricity"))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "field 'processes.roasting.transport[0].kind'", "'electricity'")


def test_report_of_a_malformed_json_file_exits_2(project, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json {", encoding="utf-8")
    assert_bad_input(invoke("report", bad, "-o", tmp_path / "x.html"), str(bad), "JSON")


@pytest.mark.parametrize("content", ["{}", "[]", "null", '{"results": 5}'])
def test_report_of_json_that_is_not_a_declaration_is_refused(project, tmp_path, content):
    bad = tmp_path / "decl.json"
    bad.write_text(content, encoding="utf-8")
    target = tmp_path / "x.html"
    assert_bad_input(invoke("report", bad, "-o", target), str(bad))
    assert not target.exists()


def test_allocation_shares_are_refused_when_the_rule_allocates_by_price(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: process(doc, "separation").__setitem__("allocation_share", 0.9))
    result = declare(example_copy, tmp_path / "out.json")
    assert_bad_input(result, str(example_copy), "field 'processes.separation.allocation_share'", "economic")


def test_a_region_without_a_grid_dataset_falls_back_and_says_so(project, example_copy, tmp_path):
    mutate(example_copy, lambda doc: doc["declarant"].__setitem__("region", "CN-XZ"))
    output = tmp_path / "out.json"
    result = declare(example_copy, output)
    assert result.exit_code == 0, result.stderr
    warnings = json.loads(output.read_text())["data_quality"]["warnings"]
    assert any("electricity/CN-XZ" in w and "electricity/CN" in w for w in warnings)


@pytest.mark.parametrize("command", [
    ["report", "{decl}", "-o", "{out}/r.html"],
    ["export", "{decl}", "--format", "pact", "-o", "{out}/pf.json"],
    ["market", "add", "{decl}", "--mass", "1000", "--year", "2025", "--register", "{out}/m.sqlite"],
])
def test_a_declaration_edited_after_it_was_written_is_refused(declared, tmp_path, command):
    _result, decl, _report = declared
    document = json.loads(decl.read_text(encoding="utf-8"))
    document["results"][0]["value"] *= 0.5  # the hash no longer matches
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    args = [part.format(decl=edited, out=tmp_path) for part in command]
    assert_bad_input(invoke(*args), str(edited), "field 'content_sha256'", "edited after it was written")
    assert not any(p.name in ("r.html", "pf.json") for p in tmp_path.iterdir())


def test_inventories_show_lists_the_categories_a_dataset_does_not_cover(project):
    result = invoke("inventories", "show", "electricity/CN-NM")
    assert_ok(result)
    assert "covers 5/16 EF categories completely (computed from its flows and inputs): climate_change" in result.stdout
    assert "not covered (partial in declarations): ozone_depletion" in result.stdout
