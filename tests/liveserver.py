"""Start ``footprint serve`` in a child process on a free loopback port, with a throw-away TLS certificate.

Used by the TLS and browser tests: the real uvicorn server, the real TLS socket, the real CLI.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (openssl), valid two days."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl is not installed (Debian package openssl)")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key



def certificate_or_skip(directory: Path) -> tuple[Path, Path]:
    """make_certificate, or the test skipped saying why none can be made (no openssl, a failing one)."""
    import pytest

    try:
        return make_certificate(directory)
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"cannot make a test certificate: {exc}")

class LiveServer:
    def __init__(self, database: str, cert: Path, key: Path, home: Path, access_log: Path):
        self.access_log = access_log
        command = [sys.executable, "-c", "from cli import main; main()", "serve", "--port", "0",
                   "--tls-cert", str(cert), "--tls-key", str(key), "--db", database,
                   "--access-log", str(access_log)]
        self.process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "FOOTPRINT_HOME": str(home)})
        self.url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            if line.startswith("footprint serve: https://"):
                self.url = line.split()[2]
                break
        if not self.url:
            self.stop()
            raise RuntimeError("footprint serve did not start: " + (self.process.stderr.read() or "")[-500:])
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        stop_server(self.process)
        if self.process.stderr:
            self.process.stderr.close()


def stop_server(process: subprocess.Popen) -> None:
    """Stop a ``footprint serve`` child by SIGTERM (its orderly shutdown); kill it if it hangs 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
