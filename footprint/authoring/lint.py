"""Linting rule files: every problem of a file, each with its line and field.

``load_rule`` stops at the first problem, which is right for a declaration (one
clear error).  A rule author editing a 200-line YAML file wants the whole list at
once, each pointing at a line: schema errors (pydantic reports all of them),
Annex V boundary problems (collected, not raised, through the model validator's
context) and the checks that need the inventory library (every default dataset
exists).  Lines come from the YAML node tree (``yaml.compose`` keeps marks),
walked along the pydantic error location.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import ValidationError

from footprint._io import file_sha256, load_yaml, pydantic_message
from footprint.data.inventory import Catalogue, rule_dataset_problems as dataset_problems
from footprint.errors import FootprintError, RuleError
from footprint.inputs.rule import BoundaryProblem, LoadedRule, Rule, resolve_rule_path

XLSX_SHEET_NAME_LIMIT = 31  # Excel's limit; the XLSX template names one sheet per process id
#: the methods 'footprint classes derive' knows (footprint.market.classes.METHODS; a test keeps them equal:
#: the authoring wing may not import the market wing)
CLASS_METHODS = ("quantile", "equal-width")


@dataclass
class Problem:
    """One problem in a rule file, located by line (1-based) and field path."""

    file: Path
    line: int | None
    field: str | None
    message: str
    value: Any = None
    expected: str | None = None

    def __str__(self) -> str:
        return str(self.to_error())  # one wording for every error: FILE:LINE: field 'F': message (found ...)

    def to_error(self) -> RuleError:
        return RuleError(self.message, file=f"{self.file}:{self.line}" if self.line else self.file,
                         field=self.field, value=self.value, expected=self.expected)


@dataclass
class LintReport:
    path: Path
    problems: list[Problem] = field(default_factory=list)
    rule: LoadedRule | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# ----------------------------------------------------------------------------- locations

_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def parse_field(path: str) -> tuple[str | int, ...]:
    """'stages[0].processes[1].annex_v[0]' -> ('stages', 0, 'processes', 1, 'annex_v', 0)."""
    return tuple(int(index) if index else key for index, key in _PART.findall(path))


def format_loc(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(root: yaml.Node | None, loc: tuple) -> int | None:
    """The 1-based line of the deepest node reached along ``loc`` (a missing key points at its parent)."""
    if root is None:
        return None
    node, line = root, root.start_mark.line
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child, line = value, key.start_mark.line  # the key's line: a block value starts below it
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line
        if child is None:
            break  # pydantic adds tags (union members) or names a missing key: stop at the deepest real node
        node = child
    return line + 1


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


# ----------------------------------------------------------------------------- checks


def _scalar(value: Any) -> Any:
    return None if isinstance(value, (dict, list)) else value


def lint_rule(rule: str | Path, catalogue: Catalogue | None = None,
              snapshot: Callable[[], Any] | None = None) -> LintReport:
    """Every problem of one rule file; ``report.rule`` is set when the file is valid.

    ``snapshot`` (footprint.ensure_setup, asked only for a rule whose Ev is a declaration) gives the set-up
    whose factors the rule's Ev declaration must have been characterised with (referenced_file_problems)."""
    try:
        path = resolve_rule_path(rule)
    except FootprintError as exc:
        return LintReport(path=Path(rule), problems=[Problem(Path(rule), None, None, exc.message, exc.value,
                                                             exc.expected)])
    report = LintReport(path=path)
    try:
        raw = load_yaml(path, RuleError)
    except RuleError as exc:  # unreadable or malformed YAML: the message already has the line
        report.problems.append(Problem(path, None, None, exc.message, exc.value, exc.expected))
        return report
    root = _compose(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        report.problems.append(Problem(path, 1, None, "a rule file must be a mapping", None,
                                       "keys id, version, stages, ..."))
        return report
    collected: list[BoundaryProblem] = []
    try:
        model = Rule.model_validate(raw, context={"problems": collected})
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            message = pydantic_message(error)
            report.problems.append(Problem(path, line_of(root, loc), format_loc(loc) or None, message,
                                           _scalar(error.get("input"))))
        return report  # the boundary checks need a structurally valid rule
    for found in collected:
        report.problems.append(Problem(path, line_of(root, parse_field(found.field)), found.field, found.message,
                                       found.value, found.expected))
    for s_index, stage in enumerate(model.stages):
        for p_index, process in enumerate(stage.processes):
            if len(process.id) > XLSX_SHEET_NAME_LIMIT:
                where = f"stages[{s_index}].processes[{p_index}].id"
                report.problems.append(Problem(path, line_of(root, parse_field(where)), where,
                                               "process id too long to name a sheet of the XLSX template",
                                               process.id, f"at most {XLSX_SHEET_NAME_LIMIT} characters"))
    for where, message, value, expected in [*class_scheme_problems(model),
                                            *referenced_file_problems(model, path, snapshot),
                                            *extraction_problems(model), *period_length_problems(model)]:
        report.problems.append(Problem(path, line_of(root, parse_field(where)), where, message, value, expected))
    if catalogue is not None:
        for where, message, value, expected in [*dataset_problems(model, catalogue),
                                                *class_scheme_coverage_problems(model, path, catalogue)]:
            report.problems.append(Problem(path, line_of(root, parse_field(where)), where, message, value, expected))
    report.problems.sort(key=lambda p: (p.line or 0))
    if not report.problems:
        report.rule = LoadedRule(rule=model, path=path, sha256=file_sha256(path))
    return report


def class_scheme_problems(rule: Rule) -> list[tuple[str, str, Any, str]]:
    """A class scheme 'footprint classes derive' could never derive, found while the author edits the rule.

    The market register keeps each declaration's declared results only, so a scheme on a category the
    rule does not declare finds no values; an unknown method or head-room with two classes is refused
    by derive.  Each of these linted clean and failed only when the first scheme was due.
    """
    scheme = rule.class_scheme
    problems: list[tuple[str, str, Any, str]] = []
    declared = [*rule.impact_categories.declared, *rule.impact_categories.supplementary]
    if scheme.category not in declared:
        problems.append(("class_scheme.category", "the class scheme's category is not declared by this rule, so "
                         "no declaration in the market register has a value for it", scheme.category,
                         f"one of the declared categories: {', '.join(declared)}"))
    if scheme.method not in CLASS_METHODS:
        problems.append(("class_scheme.method", "unknown class-scheme method", scheme.method,
                         " or ".join(CLASS_METHODS)))
    if scheme.head_room and scheme.number_of_classes < 3:
        problems.append(("class_scheme.number_of_classes", "head-room keeps class A empty, so it needs at least "
                         "3 classes", scheme.number_of_classes, "3 or more, or head_room: false"))
    return problems


def class_scheme_coverage_problems(rule: Rule, path: Path, catalogue: Catalogue) -> list[tuple[str, str, Any, str]]:
    """A class scheme on a category the rule's default datasets do not characterise completely.

    Why: 'classes derive' leaves a partial value out (a lower bound) and 'classes assign' refuses one, so
    a scheme on such a category ranks no declaration made on those datasets.  A scheme on crustal scarcity
    (partial over every rare-earth rule's defaults: some chemicals carry no element flows) linted clean.
    Coverage is computed as 'footprint inventories coverage RULE' computes it, EF and supplementary alike.
    """
    from footprint.engine import coverage

    category = rule.class_scheme.category
    if category not in [*rule.impact_categories.declared, *rule.impact_categories.supplementary]:
        return []  # class_scheme_problems says so
    loaded = LoadedRule(rule=rule, path=path, sha256="")
    try:
        report = coverage.analyse(loaded, catalogue, coverage.default_datasets(loaded, catalogue),
                                  basis="the rule's default datasets")
    except FootprintError:
        return []  # a default dataset that does not exist: dataset_problems names it
    status = next((c.status for c in report.categories if c.category == category), "complete")
    if status == "complete":
        return []
    return [("class_scheme.category", f"the class scheme's category is {status} over the datasets the rule names "
             "by default: a partial value is a lower bound, which the classes leave out, so the scheme would rank "
             "no declaration made on them", category,
             "a category the default datasets characterise completely ('footprint inventories coverage "
             f"{rule.id}' shows which), e.g. climate_change")]


def period_length_problems(rule: Rule) -> list[tuple[str, str, Any, str]]:
    """A period length no accepted reporting period can have: every declaration under the rule would be refused.

    The window from..until must hold at least one period of ``length_months`` (with its tolerance); a
    60-month length in a four-year window linted clean and refused every producer at declare.
    """
    spans = rule.validity.reporting_periods
    if spans is None or spans.length_months is None:
        return []
    from footprint.inputs.rule import add_months

    room = (spans.until + dt.timedelta(days=1) - add_months(spans.from_, spans.length_months)).days
    if room + spans.length_tolerance_days >= 0:
        return []
    return [("validity.reporting_periods.length_months",
             f"no reporting period of {spans.length_months} months fits in the accepted periods "
             f"{spans.from_.isoformat()}..{spans.until.isoformat()}", spans.length_months,
             "a length that fits between validity.reporting_periods.from and until (12 for an annual period)")]


def referenced_file_problems(rule: Rule, path: Path,
                             snapshot: Callable[[], Any] | None = None) -> list[tuple[str, str, Any, str]]:
    """Files the rule points to must be readable declarations (paths relative to the rule file), characterised
    with the set-up's factors (where ``snapshot`` gives it) and giving a value for every category the rule
    declares.

    Why: ``recycled_content.virgin.declaration`` is read by every declaration under the rule; a
    missing or edited file linted clean and every producer's declare then failed.  So did an Ev
    declaration whose climate change was characterised with other factors (recorded in its
    provenance.methods, re-hashed): declare refuses it (Snapshot.refuse_suppliers_of_other_factors, the one
    check), 'rules validate' said the rule was valid.  A declared category the Ev declaration gives no value
    for leaves the recycled-content line out of it in every declaration under the rule (partial).
    """
    from footprint.inputs.upstream import read as read_upstream

    virgin = rule.recycled_content.virgin
    if virgin is None or not virgin.declaration:
        return []

    try:
        declaration = read_upstream(path.parent / virgin.declaration, file=path,
                                    field="recycled_content.virgin.declaration")
    except FootprintError as exc:
        return [("recycled_content.virgin.declaration", exc.message, virgin.declaration,
                 "a declaration JSON written by 'footprint declare', its path relative to the rule file")]
    try:  # the amount's unit: declare refuses a per-tonne source without virgin.unit, so lint says so first
        virgin.amount_in(declaration.unit, path)
    except FootprintError as exc:
        return [(exc.field or "recycled_content.virgin.unit", exc.message, exc.value, exc.expected or "")]
    if snapshot is not None:
        try:
            snapshot().refuse_suppliers_of_other_factors([(declaration, path, "recycled_content.virgin.declaration")])
        except FootprintError as exc:
            return [("recycled_content.virgin.declaration", exc.message, exc.value if exc.value is not None
                     else virgin.declaration, exc.expected or "")]
    declared = [*rule.impact_categories.declared, *rule.impact_categories.supplementary]
    missing = [category for category in declared if declaration.per_kg(category) is None]
    if missing:
        return [("recycled_content.virgin.declaration", f"the Ev declaration {virgin.declaration} gives no value "
                 f"for {', '.join(missing)}, which the rule declares: every declaration under the rule would "
                 "leave the recycled-content line out there (partial)", ", ".join(missing),
                 "an Ev declaration with a value for every declared category")]
    return []


def extraction_problems(rule: Rule) -> list[tuple[str, str, Any, str]]:
    """An element given as an ore content of its own and inside a group's distribution is counted twice.

    Why: footprint.engine.ore adds the element's kg from every content that names it, so
    ``contents: {TREO: 4.1 %, Nd: 0.65 %}`` with Nd in the TREO distribution took Nd from the
    ground twice (the ndpr-oxide crustal scarcity rose from 70,600 to 85,900 kg Si eq) and linted clean.
    """
    from footprint.inputs.extraction import GROUPS

    problems: list[tuple[str, str, Any, str]] = []
    for s_index, stage in enumerate(rule.stages):
        for p_index, process in enumerate(stage.processes):
            extraction = process.extraction
            if extraction is None:
                continue
            for group, distribution in extraction.distributions.items():
                if group not in extraction.contents or group not in GROUPS:
                    continue
                for element, share in distribution.shares.items():
                    if element in extraction.contents and share > 0:
                        problems.append((f"stages[{s_index}].processes[{p_index}].extraction.contents.{element}",
                                         f"process '{process.id}': {element} is an ore content of its own and "
                                         f"{share:g} % of {group}, so it would be taken from the ground twice",
                                         element, f"{element} either as a content or in the {group} distribution "
                                                  "(set its share there to 0), not both"))
    return problems
