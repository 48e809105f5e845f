"""The README's runnable examples run, so the README cannot drift from the program.

A fenced block right after ``<!-- runnable -->`` holds commands (``$ footprint ...``; a trailing ``\\``
continues a line); each must exit 0, run in order from a folder that has the repository's
``examples/`` and ``rules/`` (as a reader's checkout has), against the test session's set-up.  After
``<!-- runnable: output -->`` every output line the README shows (except ``...`` elisions) must also
appear in the command's real output.
"""
from __future__ import annotations

import glob
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARK = re.compile(r"<!-- runnable(: output)? -->")


@dataclass
class Command:
    line: int
    text: str
    shown: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    check_output: bool
    commands: list[Command]


def runnable_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        mark = MARK.fullmatch(lines[index].strip())
        if not mark:
            index += 1
            continue
        assert lines[index + 1].startswith("```"), f"README.md:{index + 1}: a runnable mark must precede a fence"
        block = Block(line=index + 1, check_output=bool(mark.group(1)), commands=[])
        index += 2
        while not lines[index].startswith("```"):
            raw = lines[index]
            if raw.startswith("$ "):
                text, start = raw[2:], index + 1
                while text.endswith("\\"):
                    index += 1
                    text = text[:-1] + " " + lines[index].strip()
                block.commands.append(Command(line=start, text=text))
            elif block.commands and raw.strip() and "..." not in raw:
                block.commands[-1].shown.append(raw.rstrip())
            index += 1
        blocks.append(block)
        index += 1
    return blocks


BLOCKS = runnable_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_runnable_examples_of_each_kind():
    commands = [c.text for b in BLOCKS for c in b.commands]
    for needed in ("declare", "rules diff", "inventories import", "--mapping examples/imports/mapping.yaml",
                   "keys new", "--require-signature", "classes revise"):
        assert any(needed in c for c in commands), needed
    assert all(c.startswith("footprint ") for c in commands)


def test_the_readme_tells_how_to_reach_the_command():
    text = README.read_text(encoding="utf-8")
    head = text[: text.index("## What a run looks like")]
    assert ".venv/bin/footprint --help" in head and "source .venv/bin/activate" in head


@pytest.fixture()
def reader_checkout(tmp_path, monkeypatch) -> Path:
    """A working folder like a reader's checkout: examples/ and rules/ of the repository, nothing else."""
    for name in ("examples", "rules"):
        (tmp_path / name).symlink_to(REPO / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _args(text: str) -> list[str]:
    words = shlex.split(text, comments=True)
    assert words[0] == "footprint", text
    expanded: list[str] = []
    for word in words[1:]:
        expanded += sorted(glob.glob(word)) if "*" in word else [word]
    return expanded


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_a_runnable_readme_block_runs(project, reader_checkout, block):
    runner = CliRunner()
    for command in block.commands:
        result = runner.invoke(cli.main, _args(command.text))
        where = f"README.md:{command.line}: {command.text}"
        assert result.exit_code == 0, f"{where}\nexit {result.exit_code}\n{result.stdout}\n{result.stderr}"
        if block.check_output:
            produced = {line.rstrip() for line in result.stdout.splitlines()}
            missing = [line for line in command.shown if line not in produced]
            assert not missing, f"{where}\nshown in the README but not printed:\n" + "\n".join(missing) \
                + "\n--- printed:\n" + result.stdout


def test_the_draft_rule_of_the_readme_is_the_current_rule_with_its_three_edits():
    import runpy

    make = runpy.run_path(str(REPO / "examples" / "rules" / "make_draft.py"))
    shipped = (REPO / "examples" / "rules" / "ndpr-oxide-draft.yaml").read_text(encoding="utf-8")
    assert shipped == make["draft_text"](), "stale draft: run .venv/bin/python examples/rules/make_draft.py"


def test_the_readme_coverage_example_is_what_coverage_prints(project, reader_checkout):
    """The coverage listing's lines are cut at 150 characters in the README, so no runnable block can check
    them: each shown line must begin a line the command prints, in the same order (a dataset's stated gap
    that was reworded had stayed in the README as it was)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("$ footprint inventories coverage "))
    command = lines[start].split("#")[0]
    shown = []
    for line in lines[start + 1:]:
        if line.startswith("```"):
            break
        shown.append(line.rstrip())
    result = CliRunner().invoke(cli.main, _args(command[2:]))
    assert result.exit_code == 0, result.stdout + result.stderr
    printed = result.stdout.splitlines()
    assert len(shown) == len(printed), f"README.md:{start + 1}: {len(shown)} lines shown, {len(printed)} printed"
    for number, (readme, real) in enumerate(zip(shown, printed), start=start + 2):
        assert real.startswith(readme), f"README.md:{number}:\n  shown:   {readme}\n  printed: {real[:150]}"
