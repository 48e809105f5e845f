"""A throw-away PostgreSQL cluster for the register and server tests (initdb + pg_ctl, Unix socket only).

The cluster lives in a temporary directory, listens on no TCP port (a Unix socket in that
directory), trusts local connections, and is stopped and removed after the session.  PostgreSQL
refuses to run as root, so as root it runs as the ``postgres`` system user (Debian's package creates
it) through ``runuser``.  Where that is impossible the tests that need it are skipped, and the
reason says why and how to get it (``make test`` installs Debian's postgresql package).
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

WATCHDOG = Path(__file__).resolve().with_name("pgwatchdog.py")
INSTALL_HINT = "run 'make test' as root on Debian/Ubuntu (it installs the postgresql package)"


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class Cluster:
    """One running cluster; ``url(db)`` is an SQLAlchemy URL for a database in it."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError(f"PostgreSQL's initdb/pg_ctl are not installed: {INSTALL_HINT}")
        self.prefix: list[str] = []
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run PostgreSQL as: "
                                   + INSTALL_HINT) from None
            runuser = shutil.which("runuser")
            if not runuser:
                raise RuntimeError("running as root without 'runuser' to start PostgreSQL as 'postgres'")
            self.prefix = [runuser, "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="footprint-pg-"))
        if self.owner is not None:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.dir / "data"
        self._lifeline: int | None = None
        self.watchdog: subprocess.Popen | None = None
        try:
            self._start_watchdog()
            self._start()
        except BaseException:
            self.stop(quiet=True)  # a failed start left no postmaster and no directory behind either
            raise

    def _start_watchdog(self) -> None:
        """The process that stops this cluster when this process dies (tests/pgwatchdog.py says why and how).

        It holds the read end of a pipe whose write end (``_lifeline``, not inheritable: no CLI subprocess
        keeps it open) only this process holds; its own session keeps it out of a kill of our process group.
        """
        read_end, self._lifeline = os.pipe()
        spec = {"fd": read_end, "pid": os.getpid(), "dir": str(self.dir), "data": str(self.data),
                "prefix": self.prefix, "pg_ctl": self.pg_ctl}
        try:
            self.watchdog = subprocess.Popen([sys.executable, "-I", "-S", str(WATCHDOG), json.dumps(spec)],
                                             pass_fds=(read_end,), start_new_session=True, cwd="/",
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        finally:
            os.close(read_end)

    def _start(self) -> None:
        self._run([self.initdb, "-D", str(self.data), "--auth=trust", "--username=footprint", "--no-sync",
                   "--encoding=UTF8", "--locale=C"])
        options = f"-k {self.dir} -c listen_addresses='' -F -c fsync=off -c max_connections=60"
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w",
                   "-t", "60", "start"])

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(self.prefix + command, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, cwd=self.dir)
        if done.returncode:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise RuntimeError(f"{Path(command[0]).name} failed: {tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://footprint@/{database}?host={self.dir}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host=str(self.dir), user="footprint", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self, quiet: bool = False) -> None:
        """Stop the postmaster, remove the directory, then release the watchdog (it finds nothing left to do)."""
        try:
            if self.data.is_dir():
                self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            if not quiet:
                raise
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            if self._lifeline is not None:
                os.close(self._lifeline)
                self._lifeline = None
            if self.watchdog is not None:
                try:
                    self.watchdog.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.watchdog.kill()
                    self.watchdog.wait()
