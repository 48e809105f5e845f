"""declare's --strict, --uncertainty N and --seed S in a batch: every row exactly what declare gives it.

A market-wide recomputation (issue 14, item 5: "possibly with Monte Carlo") must be able to be strict
and carry a Monte Carlo.  Before, ``footprint batch declare`` and ``footprint.declare_many`` took
neither: a batch could only make declarations without them.  Now the run's options apply to every row,
a manifest's ``strict``, ``uncertainty`` and ``seed`` columns override them for their row, and each
row's declaration is the bytes of ``footprint.declare(rule, data, strict=, uncertainty=, seed=)`` on the
same clock, in this process, on the pool and on Dask; a refusal is that row's error with declare's
message.  Small Monte Carlos (20 iterations) keep this file quick.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXED_MOMENT

import cli
import footprint
from footprint.market import pool
from test_path_parity import _alone, _bytes, _said  # one way to compare a row with declare alone

REPO = Path(__file__).resolve().parents[1]
CREATED = FIXED_MOMENT
NDPR = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
DY = REPO / "examples" / "dy-oxide" / "activity-2025.yaml"
COPPER = REPO / "examples" / "copper-cathode-sxew" / "activity-2025.yaml"  # refused for coverage


#: (row for declare_many, the options declare is given for it) under the run's strict=False, uncertainty=20, seed=7
ROWS = [
    ({"rule": "ndpr-oxide", "data": str(NDPR)}, {"uncertainty": 20, "seed": 7}),
    ({"rule": "dy-oxide", "data": str(DY), "seed": 3}, {"uncertainty": 20, "seed": 3}),
    ({"rule": "ndpr-oxide", "data": str(NDPR), "uncertainty": 30}, {"uncertainty": 30, "seed": 7}),
    ({"rule": "ndpr-oxide", "data": str(NDPR), "strict": True}, {"uncertainty": 20, "seed": 7, "strict": True}),
    ({"rule": "copper-cathode-sxew", "data": str(COPPER)}, {"uncertainty": 20, "seed": 7}),
    ({"rule": "ndpr-oxide", "data": str(NDPR), "uncertainty": 1}, {"uncertainty": 1, "seed": 7}),
]


@pytest.fixture(scope="module")
def expected(project) -> list[str]:
    said = [_alone(row["rule"], Path(row["data"]), **options) for row, options in ROWS]
    assert [s.startswith("error") for s in said] == [False, False, False, True, True, True]
    assert "StrictQualityError" not in said[3] and "Data Needs Matrix" in said[3]
    assert '"iterations": 30' in said[2] and '"seed": 3' in said[1]
    return said


def test_declare_many_gives_each_row_declare_s_bytes_with_the_run_s_options_and_its_own(expected, monkeypatch):
    rows = [row for row, _ in ROWS]
    serial = footprint.declare_many(rows, created=CREATED, uncertainty=20, seed=7)
    assert [_said(o) for o in serial] == expected
    monkeypatch.setattr(pool, "POOL_FROM", 1)  # the pool from the first row (it starts at 40 rows)
    pooled = footprint.declare_many(rows, created=CREATED, uncertainty=20, seed=7, workers=2)
    assert [_said(o) for o in pooled] == expected


def test_a_run_s_strict_refuses_each_row_as_declare_does_and_a_row_s_false_overrides_it(project):
    rows = [("ndpr-oxide", NDPR), {"rule": "ndpr-oxide", "data": str(NDPR), "strict": False},
            {"rule": "ndpr-oxide", "data": str(NDPR), "strict": "false"}]
    outcomes = footprint.declare_many(rows, created=CREATED, strict=True)
    assert _said(outcomes[0]) == _alone("ndpr-oxide", NDPR, strict=True)
    assert _said(outcomes[0]).startswith("error") and "nothing written" in outcomes[0].message
    assert _said(outcomes[1]) == _alone("ndpr-oxide", NDPR)
    # a string is no bool: 'false' would be true
    assert outcomes[2].status == "error" and "column strict: got 'false', expected true or false" in outcomes[2].message


def test_a_seed_without_a_monte_carlo_is_refused_with_declare_s_message(project):
    refused = _alone("ndpr-oxide", NDPR, seed=7)
    assert refused.startswith("error") and "--seed needs --uncertainty" in refused
    outcomes = footprint.declare_many([("ndpr-oxide", NDPR), {"rule": "ndpr-oxide", "data": str(NDPR), "seed": 7},
                                       {"rule": "ndpr-oxide", "data": str(NDPR), "uncertainty": 20}],
                                      created=CREATED, seed=7)
    assert [_said(o) for o in outcomes] == [refused, refused, _alone("ndpr-oxide", NDPR, uncertainty=20, seed=7)]
    with pytest.raises(footprint.FootprintError) as caught:  # the run's own N out of range would fail every row
        footprint.declare_many([("ndpr-oxide", NDPR)], created=CREATED, uncertainty=1)
    assert f"error: {caught.value}" == _alone("ndpr-oxide", NDPR, uncertainty=1)


def _manifest(tmp_path: Path, lines: list[str]) -> Path:
    manifest = tmp_path / "m.csv"
    manifest.write_text("rule,data,output,strict,uncertainty,seed\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def test_batch_declare_reads_the_columns_strictly_and_writes_declare_s_bytes(project, tmp_path):
    manifest = _manifest(tmp_path, [
        f"ndpr-oxide,{NDPR},out/1.json,,,",             # the run's: strict, 20 iterations, seed 7
        f"ndpr-oxide,{NDPR},out/2.json,false,25,",      # not strict, 25 iterations, the run's seed
        f"dy-oxide,{DY},out/3.json,FALSE,,11",          # the row's seed
        f"ndpr-oxide,{NDPR},out/4.json,yes,,",          # not a bool
        f"ndpr-oxide,{NDPR},out/5.json,false,20.0,",    # not a whole number
        f"ndpr-oxide,{NDPR},out/6.json,false,1_000,",   # no separators
        f"ndpr-oxide,{NDPR},out/7.json,false,,x",       # not a number
        f"ndpr-oxide,{NDPR},out/8.json,false,,-1",      # declare's range check
        f"ndpr-oxide,{NDPR},out/9.json,false,0,",       # declare's range check
    ])
    summary = footprint.batch_declare(manifest, created=CREATED, strict=True, uncertainty=20, seed=7)
    said = {o.row: (o.status, o.message) for o in summary.outcomes}

    def written(n: int) -> str:
        return _bytes(json.loads((tmp_path / "out" / f"{n}.json").read_text(encoding="utf-8")))

    assert said[1] == ("error", _alone("ndpr-oxide", NDPR, strict=True, uncertainty=20, seed=7)[len("error: "):])
    assert not (tmp_path / "out" / "1.json").exists()
    assert written(2) == _alone("ndpr-oxide", NDPR, uncertainty=25, seed=7)
    assert written(3) == _alone("dy-oxide", DY, uncertainty=20, seed=11)
    assert said[4] == ("error", "column strict: got 'yes', expected true or false (empty: the run's --strict)")
    assert said[5][1].startswith("column uncertainty: got '20.0', expected a whole number")
    assert said[6][1].startswith("column uncertainty: got '1_000', expected a whole number")
    assert said[7][1].startswith("column seed: got 'x', expected a whole number")
    assert f"error: {said[8][1]}" == _alone("ndpr-oxide", NDPR, uncertainty=20, seed=-1)
    assert f"error: {said[9][1]}" == _alone("ndpr-oxide", NDPR, uncertainty=0, seed=7)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2.json", "3.json"]


def test_a_yaml_manifest_takes_yaml_booleans_and_numbers(project, tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(json.dumps([
        {"rule": "ndpr-oxide", "data": str(NDPR), "output": "a.json", "strict": False, "uncertainty": 20, "seed": 5},
        {"rule": "ndpr-oxide", "data": str(NDPR), "output": "b.json", "strict": "no"},
        {"rule": "ndpr-oxide", "data": str(NDPR), "output": "c.json", "uncertainty": 20.5}]), encoding="utf-8")
    summary = footprint.batch_declare(manifest, created=CREATED, strict=True)
    assert [o.status for o in summary.outcomes] == ["ok", "error", "error"]
    assert _bytes(json.loads((tmp_path / "a.json").read_text())) == _alone("ndpr-oxide", NDPR, uncertainty=20, seed=5)
    assert summary.outcomes[1].message.startswith("column strict: got 'no'")
    assert summary.outcomes[2].message.startswith("column uncertainty: got '20.5'")


def test_the_command_line_takes_the_options_and_exits_2_on_a_refused_row(project, tmp_path):
    manifest = _manifest(tmp_path, [f"ndpr-oxide,{NDPR},out/1.json,,,", f"ndpr-oxide,{NDPR},out/2.json,false,,"])
    result = CliRunner().invoke(cli.main, ["batch", "declare", str(manifest), "--strict", "--uncertainty", "20",
                                           "--seed", "7"])
    assert result.exit_code == 2, result.output
    assert "row 1" in result.output and "Data Needs Matrix" in result.output and "1 declared, 1 failed" in result.output
    document = json.loads((tmp_path / "out" / "2.json").read_text())
    assert document["uncertainty"]["iterations"] == 20 and document["uncertainty"]["seed"] == 7
    said = json.loads(_alone("ndpr-oxide", NDPR, uncertainty=20, seed=7))
    for made in (document, said):  # the command line's own clock: its time and content hash set aside
        del made["provenance"]["created"], made["content_sha256"]
    assert _bytes(document) == _bytes(said)
    result = CliRunner().invoke(cli.main, ["batch", "declare", str(manifest), "--uncertainty", "1", "--force"])
    assert result.exit_code == 2 and "number of Monte Carlo iterations out of range" in result.output
    assert "Traceback" not in result.output


def test_a_dask_local_cluster_declares_declare_s_bytes_with_the_options(expected):
    """One small case (a LocalCluster's start costs seconds): a Monte Carlo row, a row's own seed, a strict refusal."""
    pytest.importorskip("distributed")
    picked = [0, 1, 3]
    outcomes = footprint.declare_many([ROWS[i][0] for i in picked], created=CREATED, uncertainty=20, seed=7,
                                      scheduler="local", workers=1)
    assert [_said(o) for o in outcomes] == [expected[i] for i in picked]
