"""A test session's throw-away PostgreSQL cluster never outlives the session, however it ends.

Before: tests/pgcluster.py stopped the cluster at the session's end only; ``pg_ctl start`` leaves the postmaster
running on its own, so a session killed by SIGTERM (a CI time-out, a user's ``kill``) or SIGKILL left a
postmaster and its /tmp/footprint-pg-* directory for ever (trial: a child python that starts a Cluster and is
killed; its postmaster still ran a minute later).  Now a watchdog process (tests/pgwatchdog.py) stops the
cluster and removes its directory when its owner dies, and here a child python is killed each way and the
postmaster, the directory and the watchdog must all be gone within a bounded time.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
GONE_WITHIN = 30.0  # seconds: the watchdog wakes within 1 s; pg_ctl stop -m immediate takes well under 5 s

OWNER = f"""
import json, sys, time
sys.path.insert(0, {str(TESTS)!r})
from pgcluster import Cluster

cluster = Cluster()
watchdog = getattr(cluster, "watchdog", None)
print(json.dumps({{"dir": str(cluster.dir), "watchdog": watchdog.pid if watchdog else None}}), flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead and waiting for its parent to reap it, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _postmaster(directory: Path) -> int:
    return int((directory / "data" / "postmaster.pid").read_text().splitlines()[0])


def _start_owner() -> tuple[subprocess.Popen, Path, int | None]:
    """A child python that starts a cluster and sleeps: the child, the cluster's directory, its watchdog's pid."""
    child = subprocess.Popen([sys.executable, "-c", OWNER], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    ready, _, _ = select.select([child.stdout], [], [], 120)
    line = child.stdout.readline() if ready else ""
    if not line:
        child.kill()
        _, err = child.communicate(timeout=60)
        pytest.fail(f"the child did not start its cluster: {err.strip()[-2000:]}")
    started = json.loads(line)
    return child, Path(started["dir"]), started["watchdog"]


def _wait_until_gone(directory: Path, postmaster: int, watchdog: int | None) -> list[str]:
    """What is still there after GONE_WITHIN seconds (nothing, when the cluster was cleaned up)."""
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        left = ([f"postmaster {postmaster} runs"] if _running(postmaster) else []) + \
               ([f"{directory} exists"] if directory.exists() else []) + \
               ([f"watchdog {watchdog} runs"] if watchdog and _running(watchdog) else [])
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _clean_up(directory: Path, postmaster: int) -> None:
    """What the old code left behind (this test must not leave it either): an immediate shutdown, the directory."""
    if _running(postmaster):
        os.kill(postmaster, signal.SIGQUIT)
        deadline = time.monotonic() + 30
        while _running(postmaster) and time.monotonic() < deadline:
            time.sleep(0.2)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL", "SIGTERM to its process group"])
def test_a_killed_owner_leaves_no_cluster_behind(postgres_cluster, how):
    child, directory, watchdog = _start_owner()
    postmaster = _postmaster(directory)
    try:
        assert _running(postmaster)
        if how == "SIGTERM to its process group":  # what a CI time-out or a terminal's kill of a job does
            os.killpg(child.pid, signal.SIGTERM)
        else:
            os.kill(child.pid, getattr(signal, how))
        child.communicate(timeout=60)
        left = _wait_until_gone(directory, postmaster, watchdog)
        assert not left, f"{GONE_WITHIN:.0f} s after {how}: " + "; ".join(left)  # old code: the postmaster ran on
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=60)
        _clean_up(directory, postmaster)


def test_a_stopped_cluster_leaves_no_watchdog(postgres_cluster):
    """The normal end: stop() stops the postmaster, removes the directory, and its watchdog exits with it."""
    from pgcluster import Cluster

    cluster = Cluster()
    postmaster = _postmaster(cluster.dir)
    try:
        assert cluster.watchdog is not None and cluster.watchdog.poll() is None
        cluster.stop()
        assert cluster.watchdog.poll() is not None  # reaped, not a zombie of the session
        assert not _wait_until_gone(cluster.dir, postmaster, None)
    finally:
        _clean_up(cluster.dir, postmaster)
