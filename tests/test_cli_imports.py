"""Commands that calculate nothing start at once: they never import Brightway, matplotlib or pandas.

Each command runs in its own Python process (a module imported once stays imported, so an
in-process check would pass by accident) and reports which of the heavy modules it loaded.
No timing here: the cold start-up times are measured by bench/ and shown in the README.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("bw2data", "bw2calc", "bw2io", "bw_processing", "matplotlib", "pandas")

RUNNER = """
import json, sys, atexit
atexit.register(lambda: print("LOADED=" + json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)),
                              file=sys.stderr))
sys.argv = ["footprint"] + {argv!r}
import cli
cli.main()
"""


def _loaded(argv: list[str], home: Path) -> tuple[int, list[str], str]:
    code = RUNNER.format(heavy=HEAVY, argv=argv)
    env = {**os.environ, "FOOTPRINT_HOME": str(home), "PYTHONPATH": python_path(REPO)}
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120)
    line = [x for x in run.stderr.splitlines() if x.startswith("LOADED=")]
    assert line, run.stderr[-2000:]
    return run.returncode, json.loads(line[-1][len("LOADED="):]), run.stderr


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("register") / "market.sqlite"
    code, loaded, err = _loaded(["market", "import", str(REPO / "examples" / "market" / "register.csv"),
                                 "--register", str(path)], path.parent)
    assert code == 0, err
    assert loaded == [], f"market import loaded {loaded}"
    return path


def _commands(tmp: Path, register: Path) -> list[list[str]]:
    return [
        ["--help"],
        ["rules", "list"],
        ["rules", "show", "ndpr-oxide"],
        ["rules", "validate", str(REPO / "rules" / "ndpr-oxide.yaml")],
        ["rules", "schema"],
        ["rules", "diff", "ndpr-oxide", "ndpr-metal"],
        ["template", "ndpr-oxide", "-o", str(tmp / "t.yaml")],
        ["template", "ndpr-oxide", "-o", str(tmp / "t.xlsx")],
        ["market", "list", "--register", str(register)],
        ["classes", "derive", "--rule", "ndpr-oxide", "--window", "2023-2025", "--register", str(register),
         "-o", str(tmp / "scheme.json")],
        ["inventories", "list"],
        ["inventories", "show", "electricity/CN-NM"],
        ["inventories", "coverage", "ndpr-oxide"],  # the rule's defaults; --data (and --mapping) calculate
    ]


def test_commands_that_calculate_nothing_import_no_brightway_matplotlib_or_pandas(tmp_path, register):
    home = tmp_path / "home"  # not set up: none of these commands needs the Brightway project
    home.mkdir()
    failures = []
    for argv in _commands(tmp_path, register):
        code, loaded, err = _loaded(argv, home)
        if code != 0:
            failures.append(f"{' '.join(argv)} exited {code}: {err[-500:]}")
        elif loaded:
            failures.append(f"{' '.join(argv)} loaded {loaded}")
    assert not failures, "\n".join(failures)
    assert not (home / "brightway").exists()  # and nothing set up a project by the way


def test_the_check_would_see_a_heavy_import(tmp_path):
    """The runner reports a heavy module that was loaded (so an empty list above means something)."""
    probe = RUNNER.format(heavy=HEAVY, argv=["--help"]).replace("import cli", "import pandas, cli")
    run = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "FOOTPRINT_HOME": str(tmp_path), "PYTHONPATH": python_path(REPO)})
    assert 'LOADED=["pandas"]' in run.stderr


def test_the_api_names_its_background_as_the_data_wing_does():
    from footprint import api
    from footprint.data import inventory

    assert api.BACKGROUND_DB == inventory.BACKGROUND_DB
    from footprint.declaration import declaration
    from footprint.engine import calculate

    assert declaration.RECYCLED_CONTENT_ID == calculate.RECYCLED_CONTENT_ID
    assert api.load_rule is __import__("footprint.inputs.rule", fromlist=["load_rule"]).load_rule
