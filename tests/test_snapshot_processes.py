"""Set-up under faults and concurrency, with real processes (issue 10): every number right or refused.

Measured on main before snapshots: an interrupted set-up left a background that gave climate change
41.99 instead of 44.62 with exit 0 (and `verify` agreed); declarations during `setup --force` were
all wrong or crashed; parallel first use crashed and broke the project; a read-only home gave a
traceback.  Each test here gets its own FOOTPRINT_HOME (a copy of the session's set-up, or empty)
and runs the real CLI in subprocesses; a result is right when every category equals the serial
declaration's (and the climate change value is 46.56 on today's data), never judged by the exit code alone.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import copy_setup_home  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RIGHT_CLIMATE = 46.56  # kg CO2e/kg NdPr oxide on today's data (the issue: 41.99 for a right 44.62, before issue 11)
CLI = [sys.executable, str(REPO / "cli.py")]


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    environment = {**os.environ, "FOOTPRINT_HOME": str(home)}
    environment.pop("FOOTPRINT_INVENTORIES", None)
    return {**environment, **(extra or {})}


class Proc:
    """A CLI subprocess whose stderr is read in the background (so a checkpoint line can be awaited)."""

    def __init__(self, home: Path, *args: str, **env: str):
        self.popen = subprocess.Popen([*CLI, *args], env=_env(home, env), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.popen.poll() is None, f"exited {self.popen.returncode} before '{text}': {self.stderr}"
            assert time.monotonic() < deadline, f"no '{text}' within {timeout} s: {self.stderr}"
            time.sleep(0.05)

    def finish(self, timeout: float = 300) -> int:
        self.stdout = self.popen.stdout.read()
        code = self.popen.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


def _declare(home: Path, out: Path, **env: str) -> Proc:
    return Proc(home, "declare", "ndpr-oxide", str(EXAMPLE), "-o", str(out), "--force", **env)


def _assert_right(out: Path, reference: dict) -> dict:
    """Every category equals the serial declaration, and the datasets and methods used are the same."""
    document = json.loads(out.read_text())
    got = {r["category"]: r["value"] for r in document["results"]}
    want = {r["category"]: r["value"] for r in reference["results"]}
    assert got.keys() == want.keys()
    for category, value in want.items():
        assert got[category] == pytest.approx(value, rel=1e-9, abs=1e-30), category
    assert round(got["climate_change"], 2) == RIGHT_CLIMATE
    for key in ("used_sha256",):
        assert document["provenance"]["inventories"][key] == reference["provenance"]["inventories"][key]
    assert document["provenance"]["methods"] == reference["provenance"]["methods"]
    return document


def _snapshots(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "snapshots").iterdir() if p.is_dir())


def _current(home: Path) -> str:
    return (home / "snapshots" / "CURRENT").read_text().strip()


@pytest.fixture()
def reference(example_declaration) -> dict:
    return example_declaration


@pytest.fixture()
def homes(project, footprint_home, tmp_path):
    """``homes(n)``: n set-up homes, copies of the session's (8 s of set-up each saved)."""
    from footprint.data import project as fp_project

    fp_project.ensure_snapshot()

    def make(count: int) -> list[Path]:
        return [copy_setup_home(footprint_home, tmp_path / f"home{i}") for i in range(count)]

    return make


# (where the real set-up process is stopped, the signal that ends it there)
KILLS = [("staging", signal.SIGKILL), ("written", signal.SIGTERM), ("before-rename", signal.SIGINT),
         ("before-switch", signal.SIGKILL)]


def test_setup_killed_at_each_point_leaves_a_right_background(homes, reference, tmp_path):
    """setup --force stopped after staging began, after the writes, before the rename, before the switch."""
    targets = homes(len(KILLS))
    before = {home: _current(home) for home in targets}
    runs = [Proc(home, "setup", "--force", FOOTPRINT_TEST_SETUP_PAUSE=point) for home, (point, _sig) in
            zip(targets, KILLS)]
    for home, run, (point, sig) in zip(targets, runs, KILLS):
        run.wait_for(f"footprint-checkpoint {point}")
        names = _snapshots(home)
        if point == "before-switch":  # the new snapshot is complete beside the old one, not yet pointed at
            assert len(names) == 2 and before[home] in names, names
        else:  # the build is under way in a staging directory
            assert any(name.startswith("staging-") for name in names), names
        run.popen.send_signal(sig)
    for run, (point, sig) in zip(runs, KILLS):
        code = run.finish()
        assert code != 0, (point, run.stderr)  # really interrupted, not finished
    for home in targets:
        assert _current(home) == before[home]  # never switched: the old snapshot is still the one read
    checks = [(home, Proc(home, "setup")) for home in targets]
    for home, run in checks:
        assert run.finish() == 0, run.stderr
        assert "already up to date" in run.stdout  # right: the current snapshot is intact (hashes checked)
        assert _snapshots(home) == [before[home]]  # leftovers of the killed set-up are gone
    declares = [(home, _declare(home, tmp_path / f"{home.name}.json")) for home in targets]
    for home, run in declares:
        assert run.finish() == 0, run.stderr
        assert _assert_right(tmp_path / f"{home.name}.json", reference)["provenance"]["snapshot"]["id"].startswith(
            before[home])


def test_first_setup_killed_mid_write_then_declare_is_right(tmp_path, reference):
    """The issue's case: SIGKILL while the first set-up writes; the next declare sets up again, right."""
    home = tmp_path / "empty"
    run = Proc(home, "setup")
    deadline = time.monotonic() + 120
    while not (home / "snapshots").is_dir() or not any(
            p.name.startswith("staging-") for p in (home / "snapshots").iterdir()):
        assert time.monotonic() < deadline and run.popen.poll() is None, run.stderr
        time.sleep(0.05)
    time.sleep(1.5)  # inside the writes of biosphere3 and the methods
    assert run.popen.poll() is None, "set-up finished before it could be interrupted"
    run.popen.send_signal(signal.SIGKILL)
    assert run.finish() == -signal.SIGKILL
    assert not (home / "snapshots" / "CURRENT").exists()  # nothing was switched to
    out = tmp_path / "decl.json"
    declare = _declare(home, out)
    assert declare.finish() == 0, declare.stderr
    assert "setting up the background first" in declare.stderr
    _assert_right(out, reference)
    assert len(_snapshots(home)) == 1  # the killed staging directory was pruned


def test_declarations_during_setup_force_are_right_or_wait(homes, reference, tmp_path):
    home = homes(1)[0]
    old = _current(home)
    # deterministic overlap: the new snapshot is complete beside the old one, not yet switched to
    resume = tmp_path / "resume"
    setup = Proc(home, "setup", "--force", FOOTPRINT_TEST_SETUP_PAUSE="before-switch",
                 FOOTPRINT_TEST_SETUP_RESUME=str(resume))
    setup.wait_for("footprint-checkpoint before-switch")
    during = [_declare(home, tmp_path / f"during{i}.json") for i in range(2)]
    for i, run in enumerate(during):
        assert run.finish() == 0, run.stderr
        assert _assert_right(tmp_path / f"during{i}.json", reference)["provenance"]["snapshot"]["id"].startswith(old)
    resume.touch()
    assert setup.finish() == 0, setup.stderr
    new = _current(home)
    assert new != old and _snapshots(home) == [new]  # the old one, read by nobody now, was pruned
    # timing overlap: declarations started while a second setup --force builds, reads, switches and prunes
    setup = Proc(home, "setup", "--force")
    runs = []
    for i in range(2):
        time.sleep(1.5)
        runs.append(_declare(home, tmp_path / f"race{i}.json"))
    assert setup.finish() == 0, setup.stderr
    newest = _current(home)
    for i, run in enumerate(runs):
        assert run.finish() == 0, run.stderr
        used = _assert_right(tmp_path / f"race{i}.json", reference)["provenance"]["snapshot"]["id"]
        assert used[:16] in (new, newest)


def test_parallel_first_use_on_an_empty_home_sets_up_once_and_every_result_is_right(tmp_path, reference):
    runs = []
    for home, count in ((tmp_path / "two", 2), (tmp_path / "several", 3)):
        runs += [(home, i, _declare(home, tmp_path / f"{home.name}{i}.json")) for i in range(count)]
    for home, i, run in runs:
        assert run.finish() == 0, run.stderr
        assert "Traceback" not in run.stderr
        _assert_right(tmp_path / f"{home.name}{i}.json", reference)
    for home in (tmp_path / "two", tmp_path / "several"):
        assert len(_snapshots(home)) == 1  # one set-up, no leftovers
        waited = [run.stderr for h, _i, run in runs if h == home]
        assert any("waiting for another set-up" in text for text in waited), waited


def _read_only_runner(home: Path):
    """Run commands with ``home`` read-only: a read-only bind mount as root, else ``chmod -R a-w``."""
    if os.geteuid() == 0:
        probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{home}' '{home}'"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"root without a private mount namespace, cannot make a read-only home: {probe.stderr}")

        def run(*args: str, **env: str) -> subprocess.CompletedProcess:
            script = f"mount --bind -o ro '{home}' '{home}' && exec \"$@\""
            return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *CLI, *args], env=_env(home, env),
                                  capture_output=True, text=True, timeout=300)
        return run, lambda: None
    subprocess.run(["chmod", "-R", "a-w", str(home)], check=True)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([*CLI, *args], env=_env(home, env), capture_output=True, text=True, timeout=300)
    return run, lambda: subprocess.run(["chmod", "-R", "u+w", str(home)], check=True)


def test_a_read_only_home_declares_right_and_setup_refuses_cleanly(homes, reference, tmp_path):
    home = homes(1)[0]
    tree = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in home.rglob("*")}
    run, restore = _read_only_runner(home)
    try:
        out = tmp_path / "decl.json"
        declared = run("declare", "ndpr-oxide", str(EXAMPLE), "-o", str(out))
        assert declared.returncode == 0, declared.stderr
        _assert_right(out, reference)
        checked = run("setup")
        assert checked.returncode == 0 and "already up to date" in checked.stdout, checked.stderr
        forced = run("setup", "--force")
        assert forced.returncode == 2 and "Traceback" not in forced.stderr, forced.stderr
        assert "read-only" in forced.stderr or "permission denied" in forced.stderr
        assert str(home / "snapshots") in forced.stderr
        library = tmp_path / "inventories"  # the library changed: a declaration would need a new set-up
        shutil.copytree(REPO / "inventories", library)
        grid = library / "electricity" / "CN-NM.yaml"
        grid.write_text(grid.read_text().replace("amount: 0.6849", "amount: 0.7"))
        stale = run("declare", "ndpr-oxide", str(EXAMPLE), "-o", str(tmp_path / "stale.json"),
                    FOOTPRINT_INVENTORIES=str(library))
        assert stale.returncode == 2 and "Traceback" not in stale.stderr, stale.stderr
        assert "must be renewed (the inventory datasets changed)" in stale.stderr
        assert not (tmp_path / "stale.json").exists()
    finally:
        restore()
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in home.rglob("*")} == tree  # nothing written


def test_a_full_disk_during_setup_is_exit_2_and_the_old_snapshot_still_declares_right(homes, reference, tmp_path):
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs root and a private mount namespace to mount a small tmpfs")
    source = homes(1)[0]
    size_kb = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) // 1024
    home = tmp_path / "small"
    home.mkdir()
    out = tmp_path / "decl.json"
    script = (f"mount -t tmpfs -o size={int(size_kb * 1.4) + 256}k tmpfs '{home}' && cp -a '{source}'/. '{home}'/ "
              f"&& \"$@\" setup --force; echo \"setup-exit=$?\"; ls '{home}/snapshots'; "
              f"\"$@\" declare ndpr-oxide '{EXAMPLE}' -o '{out}'; echo \"declare-exit=$?\"")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *CLI], env=_env(home), capture_output=True,
                          text=True, timeout=600)
    assert "setup-exit=2" in done.stdout, done.stdout + done.stderr
    assert "disk is full" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not any(line.startswith("staging-") for line in done.stdout.splitlines())  # nothing half-built left
    assert "declare-exit=0" in done.stdout, done.stderr
    _assert_right(out, reference)


def test_a_long_lived_process_keeps_its_snapshot_while_setup_force_switches(project, footprint_home, reference):
    """A server or batch worker opens a snapshot and computes on it; another process's set-up changes nothing."""
    import footprint
    from footprint.data import project as fp_project
    from footprint.engine import calculate, system
    from footprint.inputs.activity import load_activity
    from footprint.inputs.rule import load_rule

    held = fp_project.ensure_snapshot()
    forced = subprocess.run([*CLI, "setup", "--force"], env={**os.environ, "FOOTPRINT_HOME": str(footprint_home)},
                            capture_output=True, text=True, timeout=600)
    assert forced.returncode == 0, forced.stderr
    assert _current(footprint_home) != held.name and held.path.is_dir()  # switched, but kept: it is read here
    assert fp_project.bound_snapshot() is held
    product = system.build(load_rule("ndpr-oxide"), load_activity(EXAMPLE), held.catalogue(), held.biosphere_index())
    assert round(calculate.calculate(product).totals["climate_change"], 2) == RIGHT_CLIMATE
    document = footprint.declare("ndpr-oxide", EXAMPLE)  # a new declaration opens the new current snapshot
    assert document["provenance"]["snapshot"]["id"][:16] == _current(footprint_home) != held.name
    assert document["provenance"]["methods"] == reference["provenance"]["methods"]
    pruned = subprocess.run([*CLI, "setup"], env={**os.environ, "FOOTPRINT_HOME": str(footprint_home)},
                            capture_output=True, text=True, timeout=600)
    assert pruned.returncode == 0 and "removed 1 old snapshot" in pruned.stdout, pruned.stdout + pruned.stderr
    assert not held.path.exists()
