"""The Monte Carlo draws each quantity's random numbers from the seed and its identity, not its position.

The columns of one generator were handed out in the inputs' list order, so the same data written in
another order (a process's lines reversed, the processes in another order, the XLSX twin of the YAML,
whose rows follow the template) drew other numbers for the same quantity: ndpr-oxide, N 40, seed 7, median
of climate change 48.50 vs 47.40, and a reviewer re-keying the producer's data could not reproduce the
declared percentiles or class probabilities.  Now each input's stream is seeded with sha256(seed, identity)
(footprint.engine.sampling.stream_seed): a datum's lines drawn together share their datum's identity.

Compared as tests/test_xlsx_parity.py compares declarations: the records name amounts by their field path,
whose index counts lines in the file's order, so those indices are read as "[i]" and record lists as sets;
floats to 1e-12 (the declared value itself is a sum of the same terms in another order).
"""
from __future__ import annotations

import copy
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import footprint
from footprint._yaml import loads
from footprint.engine import sampling, uncertainty

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_xlsx_parity import FIELD_INDEX, _differences  # noqa: E402
from xlsx_twin import fill  # noqa: E402

N, SEED = 40, 7


def _load(name: str) -> dict:
    return loads((REPO / "examples" / name / "activity-2025.yaml").read_text(encoding="utf-8"))


def _reversed(data: dict) -> dict:
    """The same facility with its processes and each process's lines written in reverse order."""
    data = copy.deepcopy(data)
    data["processes"] = dict(reversed(list(data["processes"].items())))
    for process in data["processes"].values():
        for key in ("inputs", "emissions", "transport"):
            if isinstance(process.get(key), list):
                process[key] = list(reversed(process[key]))
    return data


@pytest.fixture(scope="module")
def folder(project, tmp_path_factory) -> Path:
    """A place for rewritten activity files whose suppliers' paths (../suppliers/...) resolve as the examples'."""
    root = tmp_path_factory.mktemp("order")
    shutil.copytree(REPO / "examples" / "suppliers", root / "suppliers")
    return root


def _write(folder: Path, name: str, data: dict, file: str) -> Path:
    (folder / name).mkdir(exist_ok=True)
    path = folder / name / file
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _without_line_numbers(value):
    """Field paths with their line index read as "[i]" (it counts lines in the file's order), before sorting."""
    if isinstance(value, dict):
        return {key: _without_line_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_line_numbers(item) for item in value]
    if isinstance(value, str) and "processes." in value:
        return FIELD_INDEX.sub("[i]", value)
    return value


def _block(path: Path, rule: str, seed: int = SEED) -> dict:
    return _without_line_numbers(footprint.declare(rule, path, uncertainty=N, seed=seed)["uncertainty"])


def _medians(block: dict) -> dict[str, float]:
    return {row["category"]: row["median"] for row in block["results"]}


@pytest.mark.parametrize("name", ["ndpr-oxide", "ndpr-metal"])
def test_lines_and_processes_in_another_order_give_the_same_monte_carlo(folder, name):
    data = _load(name)
    shipped = _block(_write(folder, name, data, "as-written.yaml"), name)
    reordered = _block(_write(folder, name, _reversed(data), "reversed.yaml"), name)
    differences = _differences(shipped, reordered)
    assert not differences, "\n".join(differences[:20])
    assert shipped["model"]["inputs_sha256"] == reordered["model"]["inputs_sha256"]
    assert _medians(shipped) == pytest.approx(_medians(reordered), rel=1e-12)


def test_the_xlsx_twin_gives_the_same_monte_carlo(folder):
    footprint.make_template("ndpr-oxide", folder / "ndpr-oxide.xlsx", fmt="xlsx")
    data = _load("ndpr-oxide")
    source = _write(folder, "ndpr-oxide", data, "twin-source.yaml")
    twin = fill(folder / "ndpr-oxide.xlsx", data, folder / "ndpr-oxide" / "twin.xlsx")
    from_yaml, from_xlsx = _block(source, "ndpr-oxide"), _block(twin, "ndpr-oxide")
    differences = _differences(from_yaml, from_xlsx)
    assert not differences, "\n".join(differences[:20])
    assert [row["quantiles"] for row in from_yaml["results"]] == [row["quantiles"] for row in from_xlsx["results"]]


def test_another_seed_still_draws_other_numbers(folder):
    path = _write(folder, "ndpr-oxide", _load("ndpr-oxide"), "seeds.yaml")
    one, other = _block(path, "ndpr-oxide", SEED), _block(path, "ndpr-oxide", SEED + 1)
    assert _medians(one) != _medians(other)
    assert one["model"]["version"] == uncertainty.MODEL_VERSION == "footprint-uncertainty/4"


def test_a_stream_depends_on_the_seed_and_the_identity_only():
    z = sampling.standard_normals(50, ["a", "b", "a"], 3)
    swapped = sampling.standard_normals(50, ["b", "a"], 3)
    assert np.array_equal(z[:, 0], z[:, 2])  # one identity, one stream (lines of one datum)
    assert np.array_equal(z[:, 0], swapped[:, 1]) and np.array_equal(z[:, 1], swapped[:, 0])
    assert not np.array_equal(z[:, 0], sampling.standard_normals(50, ["a"], 4)[:, 0])
    # sha256, not Python's salted hash(): the same number in every process and on every machine
    assert sampling.stream_seed(7, "x") == int.from_bytes(
        __import__("hashlib").sha256(b"7\nx").digest(), "big")
