"""The house by wings: each wing imports only itself and the wings below it (../shared/DESIGN.md).

Checked on the source (every import statement, including the lazy ones inside functions), so a
shortcut across wings fails here before it becomes a knot.  The order is the data flow:
inputs -> data -> engine -> declaration -> market -> report/export -> api; authoring sits beside the
engine for rule authors and reads inputs and data only.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "footprint"
TOP = {"errors", "paths", "_io", "_yaml", "_json", "_canonical", "_text", "_schema_check", "_time", "_at_once"}  # below every wing

#: which wings each wing may import (besides itself and TOP).
ALLOWED: dict[str, set[str]] = {
    "inputs": set(),
    "data": {"inputs"},
    "engine": {"inputs", "data"},
    "authoring": {"inputs", "data", "engine"},  # lint computes a class scheme category's coverage (engine.coverage)
    "declaration": {"inputs", "data", "engine"},
    "market": {"inputs", "declaration"},  # classes come from declarations, never from a recalculation
    "report": {"inputs", "declaration", "market"},
    "export": {"inputs", "data", "engine", "declaration"},
    # api.py reaches the server wing only lazily, inside serve/publish/clients functions
    "api": {"inputs", "data", "engine", "authoring", "declaration", "market", "report", "export", "server"},
    # footprint serve sits on top: it may use the API and every wing; nothing below api.py imports it
    "server": {"inputs", "data", "engine", "authoring", "declaration", "market", "report", "export", "api"},
    "__init__": {"api"},
}


def _wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "footprint":
                found += [(node.lineno, f"footprint.{alias.name}") for alias in node.names]
            elif node.module.startswith("footprint."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("footprint.")]
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_its_wing_and_the_wings_below(path: Path) -> None:
    relative = path.relative_to(PACKAGE).with_suffix("")
    own = relative.parts[0] if len(relative.parts) > 1 else relative.parts[0]
    if own in TOP:
        allowed: set[str] = set()
    else:
        allowed = ALLOWED[own] | {own}
    wrong = []
    for line, module in _imports(path):
        target = _wing(module)
        if target in TOP or target in allowed:
            continue
        wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module} ({own} may import {sorted(allowed)})")
    assert not wrong, "\n".join(wrong)


def test_no_module_below_the_server_imports_it() -> None:
    for path in _modules():
        own = path.relative_to(PACKAGE).parts[0]
        if own in ("server", "api.py"):
            continue
        for line, module in _imports(path):
            assert not module.startswith("footprint.server"), f"{path}:{line} imports {module}"


def test_import_footprint_and_the_cli_stay_light() -> None:
    """The server's libraries load only in serve/publish: a command that calculates nothing pays nothing."""
    import subprocess
    import sys

    code = ("import sys, footprint, cli; heavy = [m for m in ('starlette', 'uvicorn', 'sqlalchemy', 'alembic', "
            "'psycopg', 'bw2data', 'matplotlib', 'pandas') if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent,
                          timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_no_module_below_the_api_imports_the_cli() -> None:
    for path in _modules():
        for line, module in _imports(path):
            assert not module.startswith("cli"), f"{path}:{line}"
        assert "import cli" not in path.read_text(encoding="utf-8"), path


def test_every_wing_is_a_package_with_a_docstring() -> None:
    for wing in ALLOWED:
        if wing in ("api", "__init__"):
            continue
        init = PACKAGE / wing / "__init__.py"
        assert init.is_file(), init
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} says nothing of its wing"
