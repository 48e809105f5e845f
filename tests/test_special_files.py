"""Inputs that are not regular files are refused at once: a FIFO named like an input made 'footprint declare'
wait for ever for a writer, and a link to /dev/zero (its size reads 0, so the size limit passed) was read
without end.  Each case runs the CLI in a subprocess under a timeout, so a hang fails the test instead of
hanging the suite."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


def _special(tmp_path: Path, name: str, kind: str) -> Path:
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


def _declare(project, tmp_path: Path, rule: str, data: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)  # the suite's FOOTPRINT_HOME, set up by the project fixture
    return subprocess.run([sys.executable, str(REPO / "cli.py"), "declare", rule, str(data), "-o",
                           str(tmp_path / "out.json")], capture_output=True, text=True, timeout=60, cwd=REPO, env=env)


@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize("what", ["yaml data", "xlsx data", "rule"])
def test_a_special_file_as_an_input_is_refused_at_once(project, tmp_path, kind, what):
    if what == "rule":
        rule, data = str(_special(tmp_path, "ndpr-oxide.yaml", kind)), EXAMPLE
    else:
        rule, data = "ndpr-oxide", _special(tmp_path, "activity.xlsx" if what == "xlsx data" else "activity.yaml", kind)
    try:
        result = _declare(project, tmp_path, rule, data)
    except subprocess.TimeoutExpired:  # the old code: blocked on the FIFO, or reading /dev/zero without end
        pytest.fail(f"declare did not return within 60 s on a {kind} as the {what}")
    assert result.returncode == 2, result.stderr
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_supplier_declaration_that_is_a_fifo_is_refused(project, tmp_path):
    shutil.copytree(REPO / "examples" / "ndpr-metal", tmp_path / "ndpr-metal")
    (tmp_path / "suppliers").mkdir()
    os.mkfifo(tmp_path / "suppliers" / "ndpr-oxide-2025.json")
    try:
        result = _declare(project, tmp_path, "ndpr-metal", tmp_path / "ndpr-metal" / "activity-2025.yaml")
    except subprocess.TimeoutExpired:
        pytest.fail("declare did not return within 60 s on a FIFO as the supplier's declaration")
    assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
