"""Rule authors' tools: 'rules validate' reports every problem with its line, 'rules diff' shows changes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
from footprint.authoring import lint
from footprint.authoring.diff import compare, diff
from footprint.data import inventory
from footprint.errors import RuleError
from footprint.inputs.rule import load_rule

REPO = Path(__file__).resolve().parents[1]
NDPR = REPO / "rules" / "ndpr-oxide.yaml"


def _variant(tmp_path: Path, change, name: str = "rule.yaml") -> Path:
    data = yaml.safe_load(NDPR.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    """1-based line of the first line containing ``text`` (the hand-located answer)."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.fixture(scope="module")
def catalogue():
    return inventory.load_catalogue()


def _three_problems(rule: dict) -> None:
    rule["stages"][0]["processes"][0]["annex_v"] = ["4(z)"]
    rule["stages"][2]["processes"][-1]["allocation"]["prices"].pop("cerium oxide")
    rule["input_kinds"]["diesel"]["dataset"] = "fuel/unobtainium"


def test_every_problem_of_a_file_is_reported_with_its_line(tmp_path, catalogue):
    path = _variant(tmp_path, _three_problems)
    report = lint.lint_rule(path, catalogue)
    assert not report.ok and report.rule is None
    found = {p.field: p for p in report.problems}
    assert set(found) == {"stages[0].processes[0].annex_v[0]", "stages[2].processes[2].allocation.prices",
                          "input_kinds.diesel.dataset"}
    assert found["stages[0].processes[0].annex_v[0]"].line == _line_of(path, "4(z)")
    assert found["input_kinds.diesel.dataset"].line == _line_of(path, "fuel/unobtainium")
    prices_line = found["stages[2].processes[2].allocation.prices"].line
    assert path.read_text().splitlines()[prices_line - 1].strip() == "prices:"
    assert "not in point 4" in found["stages[0].processes[0].annex_v[0]"].message
    assert f"{path}:{_line_of(path, '4(z)')}: field 'stages[0].processes[0].annex_v[0]'" in \
        str(found["stages[0].processes[0].annex_v[0]"])


def test_schema_errors_are_all_reported_with_lines(tmp_path, catalogue):
    def change(rule: dict) -> None:
        rule["cut_off"]["threshold"] = 0.5
        rule["impact_categories"]["declared"] = ["climate_change"]
        del rule["class_scheme"]["number_of_classes"]

    path = _variant(tmp_path, change)
    problems = {p.field: p for p in lint.lint_rule(path, catalogue).problems}
    assert set(problems) == {"cut_off.threshold", "impact_categories.declared", "class_scheme.number_of_classes"}
    assert problems["cut_off.threshold"].line == _line_of(path, "threshold: 0.5")
    assert problems["cut_off.threshold"].value == 0.5
    assert "at least three" in problems["impact_categories.declared"].message
    assert problems["class_scheme.number_of_classes"].line == _line_of(path, "class_scheme:")  # missing: its parent


def test_allocation_keys_must_close_for_every_allowed_method(tmp_path, catalogue):
    def change(rule: dict) -> None:
        beneficiation = rule["stages"][1]["processes"][0]
        beneficiation["allocation"] = {"method": "mass", "options": ["economic"],
                                       "prices": {"REO concentrate": {"value": 1.0, "basis": "x"},
                                                  "gold": {"value": 1.0, "basis": "x"}}}

    path = _variant(tmp_path, change)
    messages = [p.message for p in lint.lint_rule(path, catalogue).problems]
    assert any("economic allocation needs a price for ['iron ore concentrate']" in m for m in messages), messages
    assert any("price for 'gold'" in m for m in messages), messages


def test_a_process_id_that_cannot_name_an_xlsx_sheet_is_refused(tmp_path, catalogue):
    long_id = "crushing-grinding-and-flotation-circuit"  # 39 characters

    def change(rule: dict) -> None:
        rule["stages"][1]["processes"][0]["id"] = long_id
        rule["stages"][2]["processes"][0]["inputs_from"] = [long_id]

    path = _variant(tmp_path, change)
    problems = lint.lint_rule(path, catalogue).problems
    assert [p.field for p in problems] == ["stages[1].processes[0].id"]
    assert problems[0].line == _line_of(path, f"id: {long_id}") and "31" in str(problems[0])


def test_a_class_scheme_no_derivation_can_use_is_a_problem(tmp_path, catalogue):
    """Old code: class_scheme {category: water_use (not declared), method: quantiles} linted clean; the
    register keeps declared results only, so 'classes derive' found no value, and refused the method."""
    def change(rule: dict) -> None:
        rule["class_scheme"]["category"] = "water_use"
        rule["class_scheme"]["method"] = "quantiles"

    path = _variant(tmp_path, change)
    problems = lint.lint_rule(path, catalogue).problems
    assert [p.field for p in problems] == ["class_scheme.category", "class_scheme.method"]
    assert problems[0].line == _line_of(path, "category: water_use")
    assert "climate_change" in str(problems[0]) and "quantile or equal-width" in str(problems[1])

    def two_classes(rule: dict) -> None:
        rule["class_scheme"].update(number_of_classes=2, head_room=True)

    problems = lint.lint_rule(_variant(tmp_path, two_classes, "two.yaml"), catalogue).problems
    assert [p.field for p in problems] == ["class_scheme.number_of_classes"]


def test_lint_knows_the_methods_classes_derive_knows():
    from footprint.market import classes

    assert lint.CLASS_METHODS == classes.METHODS


def test_a_virgin_declaration_that_cannot_be_read_is_a_problem(tmp_path, catalogue):
    """Old code: a secondary-route rule whose recycled_content.virgin.declaration file is missing linted
    clean ('ok'), and every producer's declare under it failed."""
    rule_file = REPO / "rules" / "ndfeb-recycled-hpms.yaml"
    copy = tmp_path / "rules" / rule_file.name
    copy.parent.mkdir()
    copy.write_bytes(rule_file.read_bytes())
    problems = lint.lint_rule(copy, catalogue).problems
    assert [p.field for p in problems] == ["recycled_content.virgin.declaration"]
    assert "not found" in problems[0].message and problems[0].line == _line_of(copy, "declaration: ")
    assert lint.lint_rule(rule_file, catalogue).ok  # the shipped file beside its declaration is clean


def test_an_element_counted_in_two_ore_contents_is_a_problem(tmp_path, catalogue):
    """mining's extraction gives TREO 4.1 % with Nd 18.5 % of it; adding Nd 0.65 % as a content of its own
    took Nd from the ground twice (footprint.engine.ore adds every content naming an element: the
    example's crustal scarcity rose from 70,597 to 85,914 kg Si eq) and linted clean in old code."""
    def change(rule: dict) -> None:
        contents = rule["stages"][0]["processes"][0]["extraction"]["contents"]
        contents["Nd"] = {"value": 0.65, "unit": "%", "source": "hand: 4.1 % TREO x 18.5 % x 0.857"}

    path = _variant(tmp_path, change)
    problems = lint.lint_rule(path, catalogue).problems
    assert [p.field for p in problems] == ["stages[0].processes[0].extraction.contents.Nd"]
    assert "taken from the ground twice" in problems[0].message and "18.5 % of TREO" in problems[0].message

    def zero_share(rule: dict) -> None:  # Nd as its own content, its share in the TREO distribution 0: once
        change(rule)
        rule["stages"][0]["processes"][0]["extraction"]["distributions"]["TREO"]["shares"]["Nd"] = 0

    assert lint.lint_rule(_variant(tmp_path, zero_share, "zero.yaml"), catalogue).ok


def test_the_shipped_reference_rule_is_clean(catalogue):
    report = lint.lint_rule(NDPR, catalogue)
    assert report.ok, [str(p) for p in report.problems]
    assert report.rule.rule.id == "ndpr-oxide"


def test_malformed_yaml_is_one_problem_with_its_line(tmp_path, catalogue):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nstages: [\n  - a: 1\n")
    report = lint.lint_rule(path, catalogue)
    assert len(report.problems) == 1 and "malformed YAML at line" in report.problems[0].message


def test_cli_validate_lists_all_problems_under_one_invalid_line(project, tmp_path):
    path = _variant(tmp_path, _three_problems, "broken.yaml")
    result = CliRunner().invoke(cli.main, ["rules", "validate", str(NDPR), str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if str(path) in line]
    assert len(lines) == 3
    assert lines[0].startswith("invalid ") and all(line.startswith("         ") for line in lines[1:])


# ----------------------------------------------------------------------------- diff


def _revision(rule: dict) -> None:
    rule["version"] = "1.2.0"
    rule["cut_off"]["threshold"] = 0.01
    rule["impact_categories"]["declared"].append("water_use")
    rule["input_kinds"]["coal"]["dataset"] = "fuel/natural-gas"
    separation = rule["stages"][2]["processes"][-1]
    separation["allocation"]["prices"]["NdPr oxide"]["value"] = 90.0
    mining = rule["stages"][0]["processes"][0]
    mining["company_specific"] = "optional"
    mining["default_dataset"] = "fuel/diesel"
    roasting = rule["stages"][2]["processes"][0]
    rule["stages"][2]["processes"].remove(roasting)
    rule["stages"][1]["processes"].append(roasting)  # roasting moves from refining to concentration


def test_a_rule_change_shows_up_in_diff(tmp_path):
    new = _variant(tmp_path, _revision, "new.yaml")
    result = compare(load_rule(NDPR), load_rule(new))
    got = {(c.section, c.kind, c.path): (c.old, c.new) for c in result.changes}
    assert got[("identity", "changed", "version")] == ("1.1.0", "1.2.0")
    assert got[("parameters", "changed", "cut_off.threshold")] == (0.03, 0.01)
    assert got[("categories", "added", "impact_categories.declared")] == (None, "water_use")
    assert got[("datasets", "changed", "input_kinds.coal.dataset")] == ("fuel/coal", "fuel/natural-gas")
    assert got[("allocation", "changed", "process separation.allocation.prices.NdPr oxide.value")] == (83.0, 90.0)
    assert got[("boundary", "changed", "process mining.company_specific")] == ("required", "optional")
    assert got[("boundary", "moved", "process roasting.stage")] == ("refining", "concentration")
    text = result.text()
    assert "Boundary (stages and processes):" in text and "> process roasting.stage: refining → concentration" in text
    assert "~ cut_off.threshold: 0.03 → 0.01" in text


def test_identical_rules_have_no_differences(tmp_path):
    copy = _variant(tmp_path, lambda rule: None)
    result = compare(load_rule(NDPR), load_rule(copy))
    assert result.changes == [] and "no differences" in result.text()


def test_diff_reports_reordered_declared_categories_and_sources_as_a_reordering(tmp_path):
    """Old code: the declared categories or the sources in reverse order printed "no differences", exit 0,
    though the declaration then lists its results in the other order."""
    def change(rule: dict) -> None:
        rule["impact_categories"]["declared"].reverse()
        rule["sources"].reverse()

    result = compare(load_rule(NDPR), load_rule(_variant(tmp_path, change, "new.yaml")))
    got = {(c.section, c.kind, c.path) for c in result.changes}
    assert got == {("categories", "reordered", "impact_categories.declared"), ("sources", "reordered", "sources")}
    assert "↕ impact_categories.declared: reordered, the same elements: [climate_change, " in result.text()


def test_diff_reports_a_list_in_another_order_as_a_reordering_unless_the_engine_reads_the_order(tmp_path):
    """Old code: mining's Annex V points in reverse order were "~ process mining.annex_v: [4(a), 4(b), 4(c)] →
    [4(c), 4(b), 4(a)]", a change of content to a reviewer (no number moves: the points are a set).  The
    fallback datasets are tried in order, so their reordering stays a change."""
    def change(rule: dict) -> None:
        rule["stages"][0]["processes"][0]["annex_v"].reverse()
        rule["input_kinds"]["electricity"]["fallback"].reverse()

    result = compare(load_rule(NDPR), load_rule(_variant(tmp_path, change, "new.yaml")))
    got = {(c.section, c.kind, c.path) for c in result.changes}
    assert got == {("boundary", "reordered", "process mining.annex_v"),
                   ("datasets", "changed", "input_kinds.electricity.fallback")}


def test_a_source_id_listed_twice_is_refused_by_validate_and_load(tmp_path, catalogue):
    """Old code: a second source under an existing id (``{id: usgs2025, citation: <another text>}``) loaded,
    validated and 'rules diff' printed "no differences", exit 0: sources are compared by id, the second hid."""
    def change(rule: dict) -> None:
        rule["sources"].append({"id": rule["sources"][0]["id"], "citation": "another publication, 2031"})

    path = _variant(tmp_path, change)
    with pytest.raises(RuleError, match=r"lists source id '.+' twice"):
        load_rule(path)
    problems = lint.lint_rule(path, catalogue).problems
    assert [p.field for p in problems] == [f"sources[{len(yaml.safe_load(NDPR.read_text())['sources'])}].id"]


def test_diff_reports_a_supplementary_indicator_and_the_crm_list_version(tmp_path):
    """Old code: removing ``impact_categories.supplementary: [crustal_scarcity]`` (the declaration then
    states one indicator fewer) or changing ``crm_list_version`` printed "no differences", exit 0: the
    diff compared a fixed list of fields and these two were not in it."""
    def change(rule: dict) -> None:
        rule["impact_categories"].pop("supplementary")
        rule["crm_list_version"] = "Regulation (EU) 2024/1252 as amended (second lists, 2027)"

    result = compare(load_rule(NDPR), load_rule(_variant(tmp_path, change, "new.yaml")))
    got = {(c.section, c.kind, c.path): (c.old, c.new) for c in result.changes}
    assert got[("categories", "removed", "impact_categories.supplementary")] == ("crustal_scarcity", None)
    assert ("identity", "changed", "crm_list_version") in got
    assert len(result.changes) == 2 and "- impact_categories.supplementary: crustal_scarcity" in result.text()


def test_diff_compares_every_field_of_the_rule_model(monkeypatch):
    """Every top-level field of a rule, changed alone, is a reported change (a field added to the model later
    is compared too).  Old code: crm_list_version and impact_categories.supplementary were never compared."""
    import copy

    from footprint.authoring import diff as diff_module

    base = load_rule(NDPR).rule
    dumped = diff_module._dump(base)
    assert set(dumped) >= {field.alias or name for name, field in type(base).model_fields.items()}
    probes = {"stages": lambda v: v + [{"id": "probe", "label": "probe", "processes": []}],
              "sources": lambda v: v + [{"id": "probe", "citation": "probe"}]}
    silent = []
    for key, value in dumped.items():
        changed = copy.deepcopy(dumped)
        if key in probes:
            changed[key] = probes[key](value)
        elif isinstance(value, dict):
            changed[key] = {**value, "probe": "a value no rule has"}
        else:
            changed[key] = "a value no rule has"
        views = iter([dumped, changed])
        monkeypatch.setattr(diff_module, "_dump", lambda _rule: next(views))
        if not diff(base, base):
            silent.append(key)
    assert silent == []


def test_diff_compares_the_content_of_the_virgin_declaration(tmp_path):
    """The CFF's Ev comes from ``recycled_content.virgin.declaration``, a path relative to the rule file.
    Two copies of the rule in different directories, the same path naming two different declarations
    (NdPr metal beside one, Dy metal beside the other): old code printed "no differences", exit 0,
    while every declared number under the second would move."""
    rule_file = REPO / "rules" / "ndfeb-recycled-hpms.yaml"
    virgin = yaml.safe_load(rule_file.read_text(encoding="utf-8"))["recycled_content"]["virgin"]["declaration"]
    paths = {}
    for side, supplier in (("a", "ndpr-metal-2025.json"), ("b", "dy-metal-2025.json")):
        rules_dir = tmp_path / side / "rules"
        rules_dir.mkdir(parents=True)
        paths[side] = rules_dir / rule_file.name
        paths[side].write_bytes(rule_file.read_bytes())
        target = rules_dir / virgin
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / "examples" / "suppliers" / supplier).read_bytes())
    same = tmp_path / "same" / "rules"
    same.mkdir(parents=True)
    (same / rule_file.name).write_bytes(rule_file.read_bytes())
    (same / virgin).parent.mkdir(parents=True, exist_ok=True)
    (same / virgin).write_bytes((REPO / "examples" / "suppliers" / "ndpr-metal-2025.json").read_bytes())
    assert compare(load_rule(paths["a"]), load_rule(same / rule_file.name)).changes == []
    result = compare(load_rule(paths["a"]), load_rule(paths["b"]))
    assert [(c.section, c.path) for c in result.changes] == [
        ("parameters", "recycled_content.virgin.declaration (the file's content)")]
    change = result.changes[0]
    assert "(NdPr metal)" in change.old and "(Dy metal)" in change.new
    (paths["b"].parent / virgin).unlink()  # a missing file is a change too, never "no differences"
    gone = compare(load_rule(paths["a"]), load_rule(paths["b"])).changes
    assert len(gone) == 1 and gone[0].new == "no such file"
    (paths["a"].parent / virgin).unlink()  # missing beside both: the same (unreadable) content, no change
    assert compare(load_rule(paths["a"]), load_rule(paths["b"])).changes == []


def test_diff_text_shows_where_two_long_values_differ(tmp_path):
    """Old code cut both values after 87 characters: a price basis that differs only at its end printed
    as the same text on the 'was' and 'now' lines."""
    def change(rule: dict) -> None:
        allocation = rule["stages"][2]["processes"][-1]["allocation"]
        allocation["price_basis"] = " ".join(allocation["price_basis"].split()) + " Checked 2025."

    result = compare(load_rule(NDPR), load_rule(_variant(tmp_path, change, "new.yaml")))
    lines = result.text().splitlines()
    was = next(line for line in lines if line.strip().startswith("was:"))
    now = next(line for line in lines if line.strip().startswith("now:"))
    assert was.split("was:", 1)[1] != now.split("now:", 1)[1] and "Checked 2025." in now


def test_cli_diff_text_and_json(project, tmp_path):
    new = _variant(tmp_path, _revision, "new.yaml")
    runner = CliRunner()
    text = runner.invoke(cli.main, ["rules", "diff", "ndpr-oxide", str(new)])
    assert text.exit_code == 0, text.output
    assert "1.1.0" in text.stdout and "1.2.0" in text.stdout and "water_use" in text.stdout
    machine = runner.invoke(cli.main, ["rules", "diff", str(NDPR), str(new), "--json"])
    assert machine.exit_code == 0
    data = json.loads(machine.stdout)
    assert data["old"]["version"] == "1.1.0" and data["new"]["version"] == "1.2.0"
    assert {"section", "kind", "path", "old", "new"} <= set(data["changes"][0])
    missing = runner.invoke(cli.main, ["rules", "diff", str(NDPR), str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


# ----------------------------------------------------------------------------- rules/README.md


GUIDE = REPO / "rules" / "README.md"


def _field_paths(model, prefix: str = "") -> list[str]:
    """Every field of the rule model as the guide writes it: a.b, list items a[].b, mapping entries a.*.b."""
    import typing

    from pydantic import BaseModel

    paths = []
    for name, info in model.model_fields.items():
        path = prefix + (info.alias or name)
        paths.append(path)
        annotation = info.annotation
        candidates = [annotation, *typing.get_args(annotation),
                      *[a for arg in typing.get_args(annotation) for a in typing.get_args(arg)]]
        nested = [t for t in candidates if isinstance(t, type) and issubclass(t, BaseModel)]
        if nested:
            text = str(annotation)
            separator = "[]." if text.startswith("list[") else ".*." if text.startswith("dict[") else "."
            paths += _field_paths(nested[0], path + separator)
    return paths


def test_the_guide_documents_every_rule_field():
    from footprint.inputs.rule import Rule

    guide = GUIDE.read_text(encoding="utf-8")
    missing = [path for path in _field_paths(Rule) if f"| `{path}` |" not in guide]
    assert not missing, f"document these fields of footprint/inputs/rule.py in rules/README.md: {missing}"


def _guide_block(marker: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    return text.split(f"<!-- {marker} -->\n```yaml\n", 1)[1].split("```", 1)[0]


def test_the_guides_worked_example_validates_declares_and_its_categories_are_the_hotspots(project, tmp_path,
                                                                                          catalogue):
    import footprint

    rule = tmp_path / "reo-concentrate.yaml"
    rule.write_text(_guide_block("worked-example-rule"), encoding="utf-8")
    data = tmp_path / "data.yaml"
    data.write_text(_guide_block("worked-example-data"), encoding="utf-8")
    report = lint.lint_rule(rule, catalogue)
    assert report.ok, [str(p) for p in report.problems]
    document = footprint.declare(rule, data)
    assert document["rule"]["id"] == "reo-concentrate"
    analysis = footprint.analyse_hotspots(rule, data)
    declared = report.rule.rule.impact_categories.declared
    assert sorted(analysis.selected) == sorted(declared)  # the rationale's claim


def test_the_guides_error_example_has_the_right_line(tmp_path, catalogue):
    rule = tmp_path / "reo-concentrate.yaml"
    rule.write_text(_guide_block("worked-example-rule").replace('annex_v: ["4(a)", "4(b)", "4(c)"]',
                                                                'annex_v: ["4(z)"]'), encoding="utf-8")
    problem = lint.lint_rule(rule, catalogue).problems[0]
    assert f"reo-concentrate.yaml:{problem.line}: field 'stages[0].processes[0].annex_v[0]'" in \
        GUIDE.read_text(encoding="utf-8")
