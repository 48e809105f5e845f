"""The watchdog of a throw-away PostgreSQL cluster (tests/pgcluster.py): it stops the cluster when its owner dies.

Why: ``pg_ctl start`` leaves the postmaster running on its own (a daemon in its own session), and the test
session stopped it only at its end; a session killed by SIGTERM (a CI time-out, a user's ``kill``), SIGKILL
(the OOM killer) or an ``os._exit`` left it running for ever, with its /tmp/footprint-pg-* directory.  A signal
handler in the session cannot see a SIGKILL, so this separate process does the stopping: it is started in a
session of its own (a kill of the test's process group does not reach it), holds the read end of a pipe whose
write end only its owner holds, and wakes when that pipe closes (the owner died, however, or called
``Cluster.stop``) or when the owner's process is gone or a zombie (checked each second, in case a forked child
of the owner keeps the pipe open).  Then it runs ``pg_ctl stop -m immediate`` and removes the directory.

Standard library only, run with ``python -I -S`` (no site, no PYTHONPATH): it must start and work whatever the
session has imported or broken.  Usage: ``pgwatchdog.py '<json: fd, pid, dir, data, command prefix, pg_ctl>'``.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys

POLL_SECONDS = 1.0


def owner_alive(pid: int) -> bool:
    """Whether ``pid`` still runs: a zombie (dead, not yet reaped by its parent) counts as dead."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def wait_for_owner(fd: int, pid: int) -> None:
    """Return when the pipe ``fd`` reaches end of file or process ``pid`` is gone."""
    while True:
        ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
        if ready and not os.read(fd, 64):
            return
        if not owner_alive(pid):
            return


def stop_cluster(prefix: list[str], pg_ctl: str, data: str, directory: str) -> None:
    """Stop the postmaster of ``data`` (if it still runs) and remove ``directory``."""
    if os.path.isdir(data):  # a postmaster still starting has no postmaster.pid yet: ask pg_ctl anyway
        subprocess.run(prefix + [pg_ctl, "-D", data, "-m", "immediate", "-w", "-t", "60", "stop"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd="/", timeout=120, check=False)
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    wait_for_owner(int(spec["fd"]), int(spec["pid"]))
    stop_cluster(list(spec["prefix"]), spec["pg_ctl"], spec["data"], spec["dir"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
