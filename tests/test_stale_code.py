"""A long-lived process whose installed footprint is upgraded under it does not rebuild the background.

The digests of the code (paths.builder_digest, code_digest) are taken once per process: they name the
code it runs, which stays the old code after an upgrade, so they stay as they are.  Trial (old code): a
warm host on footprint O; the installed code upgraded to N (a change in footprint/data); ``footprint setup``
(N) built a snapshot recording N's builder.  The host's next declaration found that snapshot "outdated"
against its own digest and rebuilt the shared background with its old code (43 s inside the request),
switching CURRENT for everyone; the next ``footprint setup`` rebuilt it back, and so on; and a build runs
modules it imports then, from N's files, under O's digest.  Now such a process refuses to build (it names
the restart), and the snapshot the new code built stays current.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

REPO = Path(__file__).resolve().parents[1]

HOST = r"""
import os, subprocess, sys
import footprint
from footprint.errors import FootprintError

home = os.environ["FOOTPRINT_HOME"]
current = lambda: open(os.path.join(home, "snapshots", "CURRENT")).read().strip()
footprint.ensure_setup()
print("host-on", current(), flush=True)
with open(os.path.join(os.path.dirname(footprint.__file__), "data", "inventory.py"), "a") as handle:
    handle.write("\n# the upgrade\n")
run = subprocess.run([sys.executable, "cli.py", "setup"], capture_output=True, text=True)
assert run.returncode == 0, run.stderr
print("new-code-built", current(), flush=True)
try:
    footprint.declare("dy-oxide", "examples/dy-oxide/activity-2025.yaml")
    print("host-declared", flush=True)
except FootprintError as exc:
    print("host-refused", exc, flush=True)
print("current-after", current(), flush=True)
"""


def test_a_host_upgraded_under_it_refuses_to_rebuild_the_background(project, footprint_home, tmp_path):
    code, home = tmp_path / "code", tmp_path / "home"
    for part in ("footprint", "rules", "inventories", "examples", "schemas"):
        shutil.copytree(REPO / part, code / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO / "cli.py", code / "cli.py")
    shutil.copytree(footprint_home / "snapshots", home / "snapshots",
                    ignore=shutil.ignore_patterns("setup.lock", "staging-*", ".trash-*"))
    for path in [home, *home.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o022)
    (tmp_path / "host.py").write_text(HOST, encoding="utf-8")
    env = dict(os.environ, FOOTPRINT_HOME=str(home), PYTHONPATH=python_path(code))
    run = subprocess.run([sys.executable, str(tmp_path / "host.py")], cwd=code, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)
    assert lines["host-on"] != lines["new-code-built"]
    assert "host-refused" in lines, run.stdout + run.stderr[-1500:]
    assert "installed code changed after this process started" in lines["host-refused"]
    assert "restarted" in lines["host-refused"]
    assert lines["current-after"] == lines["new-code-built"], "the host switched the background back to its build"
