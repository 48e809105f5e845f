"""Every declared value of every shipped example, at several commits side by side (a reviewer's tool).

A change to the library (a dataset, a rule, the engine) moves declared numbers; a reviewer wants to see
all of them move at once, not the one the test pins.  For each commit this script checks the tree out
into a scratch worktree, sets up a fresh FOOTPRINT_HOME, declares every ``examples/<rule>/*.yaml`` with
that commit's own ``cli.py`` (the running interpreter's packages, that tree's footprint), and prints one
line per example and declared category: the value at each commit (with its coverage when not
complete), or "refused" with the first line of the refusal.

Usage (from the repository, with the project's virtual environment)::

    .venv/bin/python inventories/tools/examples_across_commits.py 2eff0a3 8595a26 HEAD

Nothing here is imported by footprint; it writes only below a temporary directory it removes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def declare_all(commit: str, scratch: Path) -> dict[str, tuple[dict | None, str]]:
    """{rule--example: ({category: (value, unit, coverage)} or None, refusal)} at one commit."""
    tree = scratch / f"tree-{commit}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit],
                   check=True, capture_output=True)
    env = dict(os.environ, FOOTPRINT_HOME=str(scratch / f"home-{commit}"))
    outcome: dict[str, tuple[dict | None, str]] = {}
    try:
        subprocess.run([sys.executable, "cli.py", "setup"], cwd=tree, env=env, check=True, capture_output=True)
        for rule in sorted((tree / "rules").glob("*.yaml")):
            for example in sorted((tree / "examples" / rule.stem).glob("*.yaml")):
                name = f"{rule.stem}--{example.stem}"
                out = scratch / f"{commit}-{name}.json"
                run = subprocess.run([sys.executable, "cli.py", "declare", rule.stem, str(example.relative_to(tree)), "-o", str(out),
                                      "--force"], cwd=tree, env=env, capture_output=True, text=True)
                if run.returncode != 0:
                    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
                    outcome[name] = (None, (errors[0] if errors else run.stderr.strip()[-200:])[:200])
                    continue
                document = json.loads(out.read_text())
                outcome[name] = ({r["category"]: (r["value"], r["unit"], r.get("coverage"))
                                  for r in document["results"] if r.get("declared", True)}, "")
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], capture_output=True)
    return outcome


def table(commits: list[str], runs: dict[str, dict]) -> str:
    lines = [" | ".join(commits)]
    for name in sorted({n for run in runs.values() for n in run}):
        lines.append(name)
        categories: list[str] = []
        for commit in commits:
            values = runs[commit].get(name, (None, ""))[0] or {}
            categories += [c for c in values if c not in categories]
        for category in categories:
            cells, unit = [], ""
            for commit in commits:
                values, _ = runs[commit].get(name, (None, "not in this commit"))
                if values is None:
                    cells.append("refused")
                elif category not in values:
                    cells.append("not declared")
                else:
                    value, unit, coverage = values[category]
                    cells.append(f"{value:.4g}" + ("" if coverage in (None, "complete") else f" ({coverage})"))
            lines.append(f"  {category} [{unit}]: " + " | ".join(cells))
        for commit in commits:
            values, why = runs[commit].get(name, (None, "not in this commit"))
            if values is None:
                lines.append(f"  {commit} refused: {why}")
    return "\n".join(lines)


def main(commits: list[str]) -> None:
    if not commits:
        sys.exit("usage: examples_across_commits.py COMMIT [COMMIT ...]")
    with tempfile.TemporaryDirectory(prefix="footprint-examples-") as scratch:
        runs = {commit: declare_all(commit, Path(scratch)) for commit in commits}
    print(table(commits, runs))


if __name__ == "__main__":
    main(sys.argv[1:])
