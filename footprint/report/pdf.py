"""PDF of the HTML report, printed by headless Chromium.

Why Chromium and not a Python HTML-to-PDF library: the report is one
self-contained HTML page with print CSS (A4, page breaks); a real browser
engine prints it exactly as a reader's browser would, and Debian ships it as
one package (``chromium``).  It runs fully offline: every network feature is
switched off, and a fresh profile directory is used per run so no user
profile, extension or cache is ever read or written.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from footprint.report.errors import ReportError

#: Environment variable naming the browser binary, for machines where it has another name.
BROWSER_ENV = "FOOTPRINT_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEFAULT_TIMEOUT = 120.0
INSTALL_HINT = "install Debian's chromium package (apt-get install chromium), or run 'make test' which installs it"

#: Flags that keep a headless run offline, quiet and independent of any user profile.
OFFLINE_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
)


def find_browser() -> str | None:
    """The Chromium binary: $FOOTPRINT_CHROMIUM if set, else the first candidate on PATH."""
    override = os.environ.get(BROWSER_ENV)
    if override:
        return override if shutil.which(override) else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_browser() -> str:
    """The Chromium binary, or a ReportError that says how to install it."""
    browser = find_browser()
    if browser is None:
        override = os.environ.get(BROWSER_ENV)
        where = f"${BROWSER_ENV}={override!r} is not an executable" if override else \
            "no chromium, chromium-browser or google-chrome on PATH"
        raise ReportError(f"cannot print the PDF: headless Chromium not found ({where})", expected=INSTALL_HINT)
    return browser


def run_headless(args: list[str], *, timeout: float = DEFAULT_TIMEOUT) -> subprocess.CompletedProcess:
    """Run Chromium headless with the offline flags and a fresh profile; raise ReportError on failure."""
    browser = require_browser()
    with tempfile.TemporaryDirectory(prefix="footprint-chromium-") as profile:
        command = [browser, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args]
        env = {**os.environ, "HOME": profile}  # some builds write crash reports under $HOME
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ReportError(f"headless Chromium did not finish within {timeout:.0f} s",
                              expected="a working chromium installation") from None


def html_to_pdf(html: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Print an HTML page to PDF bytes with headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="footprint-pdf-") as work:
        page = Path(work) / "report.html"
        target = Path(work) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        done = run_headless(["--no-pdf-header-footer", f"--print-to-pdf={target}", page.as_uri()],
                            timeout=timeout)
        if not target.exists() or target.stat().st_size == 0 or not target.read_bytes().startswith(b"%PDF"):
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise ReportError(f"headless Chromium wrote no PDF (exit code {done.returncode}): "
                              + " | ".join(tail), expected="a working chromium installation")
        return target.read_bytes()
