"""The tests that send Ctrl-C hold whatever way the suite is launched.

A shell starts a background job with SIGINT ignored; a Python process started so installs no KeyboardInterrupt
handler, and neither do the processes it starts.  The Ctrl-C tests (test_outputs' renames, test_snapshot_processes'
set-up killed at each point) then failed under a background `make test` while the product was right.  conftest's
``_restore_ctrl_c`` gives the suite Python's handler back; these tests hold it.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_child_process_started_by_the_suite_is_interrupted_by_ctrl_c():
    """A Python child reads SIGINT as KeyboardInterrupt and ends by it (an uncaught KeyboardInterrupt ends a
    Python process by the signal itself: return code -SIGINT).  Under an ignored SIGINT it would sleep on."""
    child = subprocess.Popen([sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGINT)
        code = child.wait(timeout=20)
    finally:
        child.kill()
        child.wait()
    assert code == -signal.SIGINT, (code, child.stderr.read())


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_the_ctrl_c_tests_pass_when_the_suite_is_launched_with_sigint_ignored(tmp_path):
    """The launch of ``make test &``: the suite starts with SIGINT ignored.  The in-process Ctrl-C test and the
    child test above must pass all the same (before the conftest's restore: 3 failed)."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_signal_dispositions.py::test_a_child_process_started_by_the_suite_is_interrupted_by_ctrl_c",
         "tests/test_outputs.py", "-k", "ctrl_c_sent or interrupted_by_ctrl_c"],
        cwd=REPO, preexec_fn=_ignore_sigint, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "3 passed" in run.stdout, run.stdout[-2000:]
