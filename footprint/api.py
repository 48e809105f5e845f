"""The functions users script against; cli.py is a thin shell around these.

Each function takes paths or ids and returns plain data, so a notebook, a
verifier's script and the CLI all run exactly the same code.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footprint import calculate as _calculate
from footprint import declaration as _declaration
from footprint import inventory as _inventory
from footprint import project as _project
from footprint import quality as _quality
from footprint import system as _system
from footprint._io import check_writable, write_atomic
from footprint.activity import load_activity
from footprint.errors import FootprintError, RuleError
from footprint.inventory import BACKGROUND_DB
from footprint.paths import REPO_ROOT, examples_dir
from footprint.report import render_html
from footprint.rule import LoadedRule, json_schema_text, list_rules, load_rule

DEMO_RULE = "ndpr-oxide"
DEMO_DATA = Path("ndpr-oxide") / "activity-2025.yaml"


def setup(force: bool = False) -> _project.SetupReport:
    """Create or update the offline Brightway project (idempotent)."""
    return _project.setup(force=force)


def ensure_setup(catalogue: _inventory.Catalogue | None = None) -> dict:
    """Set up on first use, or when inventories/ changed since the last set-up."""
    state = _project.read_state()
    catalogue = catalogue or _inventory.load_catalogue()
    if state.get("inventories_sha256") != catalogue.sha256 or not state.get("methods_sha256"):
        _project.setup(catalogue=catalogue)
        state = _project.read_state()
    return state


def declare(rule: str | Path, data: str | Path, *, allocation: str | None = None,
            created: dt.datetime | None = None) -> dict[str, Any]:
    """Compute a footprint declaration for one producer's activity data under one rule."""
    loaded = load_rule(rule)
    activity = load_activity(data)
    catalogue = _inventory.load_catalogue()
    state = ensure_setup(catalogue)
    bd, _bc, _bi = _project.brightway()
    flows = _inventory.biosphere_index(bd)
    product_system = _system.build(loaded, activity, catalogue, flows, allocation_override=allocation)
    result = _calculate.calculate(product_system, background=BACKGROUND_DB)
    quality = _quality.assess(result, catalogue)
    document = _declaration.build(result, quality, catalogue, methods_sha256=state["methods_sha256"],
                                  background=BACKGROUND_DB, created=created)
    _declaration.validate(document)
    return document


def check_output(path: str | Path, force: bool = False) -> None:
    """Raise OutputExistsError if ``path`` exists and ``force`` is not set."""
    check_writable(Path(path), force)


def write_declaration(document: dict, path: str | Path, *, force: bool = False) -> Path:
    return write_atomic(Path(path), _declaration.to_json(document), force=force)


def write_report(document: dict, path: str | Path, *, force: bool = False) -> Path:
    return write_atomic(Path(path), render_html(document), force=force)


@dataclass
class RuleCheck:
    path: Path
    error: FootprintError | None
    rule: LoadedRule | None = None


def validate_rules(paths: list[str | Path]) -> list[RuleCheck]:
    """Check each rule file: schema, boundary and that every default dataset exists."""
    catalogue = _inventory.load_catalogue()
    checks = []
    for path in paths:
        try:
            loaded = load_rule(path)
            _check_rule_datasets(loaded, catalogue)
            checks.append(RuleCheck(path=Path(path), error=None, rule=loaded))
        except FootprintError as exc:
            checks.append(RuleCheck(path=Path(path), error=exc))
    return checks


def _check_rule_datasets(loaded: LoadedRule, catalogue: _inventory.Catalogue) -> None:
    for kind, spec in loaded.rule.input_kinds.items():
        for template in (spec.dataset, *spec.fallback):
            if "{" in template:
                continue  # expands per declarant; the last fallback must be concrete
            if template not in catalogue.datasets:
                raise RuleError("default dataset does not exist", file=loaded.path, field=f"input_kinds.{kind}",
                                value=template, expected="a dataset code from inventories/")
        concrete = [t for t in (spec.dataset, *spec.fallback) if "{" not in t]
        if not concrete:
            raise RuleError("no concrete fallback dataset", file=loaded.path, field=f"input_kinds.{kind}",
                            expected="a fallback without {region}/{country}, used when no regional dataset exists")
    for _stage, process in loaded.rule.processes():
        if process.default_dataset and process.default_dataset not in catalogue.datasets:
            raise RuleError("default dataset does not exist", file=loaded.path,
                            field=f"stages.{process.id}.default_dataset", value=process.default_dataset,
                            expected="a dataset code from inventories/")


def rule_schema() -> str:
    """The rule file's JSON Schema as text (generated from the model)."""
    return json_schema_text()


def read_declaration(path: str | Path) -> dict[str, Any]:
    """Load a declaration JSON file and check it against the schema, naming the file and the field."""
    import json

    import jsonschema

    from footprint.errors import DeclarationError

    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeclarationError("file not found", file=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DeclarationError(f"not valid JSON: {exc}", file=path, expected="a declaration JSON file") from None
    try:
        _declaration.validate(document)
    except jsonschema.ValidationError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.absolute_path).lstrip(".")
        raise DeclarationError(f"not a footprint declaration: {exc.message}", file=path, field=where or None,
                               expected="a file written by 'footprint declare' "
                                        "(schemas/declaration.schema.json)") from None
    return document


def demo_paths() -> tuple[str, Path]:
    return DEMO_RULE, examples_dir() / DEMO_DATA


def default_demo_dir() -> Path:
    return REPO_ROOT / "out" / "demo"


__all__ = ["check_output", "rule_schema", "read_declaration", "setup", "ensure_setup", "declare", "write_declaration", "write_report", "validate_rules",
           "list_rules", "load_rule", "demo_paths", "default_demo_dir", "RuleCheck"]
