"""The bench harnesses run: `make bench-uncertainty` had stopped at its import (it read EXAMPLE and
_median_seconds from bench/__main__.py, which no longer defines them) and nothing noticed, since bench/
is measured by hand, not in tests.  A tiny run here keeps it running; the figures themselves are not judged."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_monte_carlo_bench_runs_to_its_table(project):
    done = subprocess.run([sys.executable, "-m", "bench.uncertainty", "--iterations", "200", "--bw-iterations", "3",
                           "--repeat", "1"], cwd=REPO, env={**os.environ}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "per iteration, bw2calc / footprint:" in done.stdout and "climate_change" in done.stdout
