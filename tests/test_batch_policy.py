"""Four batch policies decided by the lead, each held to what the single command does.

1. ``batch declare --seed S`` without ``--uncertainty``, where no row sets its own uncertainty:
   the seed applies to no row.  Before, every row failed with the same message (exit 2 after
   reading every file); now the run is refused before any row runs, with ``declare --seed``'s
   own message, from the same check.  Where a row sets an uncertainty the seed is that row's, and
   only the rows without one are refused.
2. ``verify --scheme FILE`` refused a declaration without a performance class (exit 2) while
   ``batch verify --scheme FILE`` verified it.  A declaration without a class claims none: both
   verify its numbers and say plainly that no class was recorded, so the scheme was not applied.
3. The register's duplicate check: two declarations that differ only in their Monte Carlo seed
   have one id (the id names what the numbers rest on, not the seed), and the second one's
   ``market add`` was taken as a re-add: its medians replaced the registered ones, exit 0.  It is
   the same declaration on the market, so the second is refused as a duplicate.
4. ``batch declare --sign KEY``: every declaration written signed as ``declare --sign`` signs it,
   byte for byte (serial and --workers 2), with declare's refusals (a bad key file, an output over
   the key).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, FIXED_MOMENT

import cli
import footprint
from footprint.market import pool

REPO = Path(__file__).resolve().parents[1]
CREATED = FIXED_MOMENT
NDPR = EXAMPLE
DY = REPO / "examples" / "dy-oxide" / "activity-2025.yaml"
#: what both verifies say of a declaration without a class given a scheme (footprint.declaration.verify)
NO_CLASS_RECORDED = "no performance class was recorded, so the class scheme was not applied"


def _cli(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def _alone(rule: str, data: Path, **options) -> str:
    """declare's own answer on the test clock: the declaration's bytes, or its refusal as the CLI prints it."""
    try:
        return json.dumps(footprint.declare(rule, data, created=CREATED, **options), sort_keys=True)
    except footprint.FootprintError as exc:
        return f"error: {exc}"


def _manifest(path: Path, header: str, lines: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- 1. a seed no row can take


def test_a_run_seed_no_row_can_take_is_refused_before_any_row_runs_and_a_row_s_uncertainty_takes_it(project,
                                                                                                    tmp_path):
    single = _cli("declare", "ndpr-oxide", NDPR, "-o", tmp_path / "single.json", "--seed", 3)
    assert single.exit_code == 2 and "--seed needs --uncertainty" in single.stderr, single.output
    assert not (tmp_path / "single.json").exists()

    manifest = _manifest(tmp_path / "m.csv", "rule,data,output",
                         [f"ndpr-oxide,{NDPR},out/1.json", f"dy-oxide,{DY},out/2.json"])
    batch = _cli("batch", "declare", manifest, "--seed", 3)
    # before: "row 1 ...: error: ... row 2 ...: error: ... 2 rows: 0 declared, 2 failed", every row read first
    assert batch.exit_code == 2 and batch.stderr == single.stderr, batch.output
    assert "row 1" not in batch.output and "declared" not in batch.output and not (tmp_path / "out").exists()
    with pytest.raises(footprint.FootprintError) as caught:  # the API: the same one check, before any row
        footprint.batch_declare(manifest, created=CREATED, seed=3)
    assert f"error: {caught.value}" == _alone("ndpr-oxide", NDPR, seed=3)
    with pytest.raises(footprint.FootprintError) as caught:
        footprint.declare_many([("ndpr-oxide", NDPR), {"rule": "dy-oxide", "data": str(DY), "seed": 5}],
                               created=CREATED, seed=3)
    assert f"error: {caught.value}" == _alone("ndpr-oxide", NDPR, seed=3)

    # where a row sets an uncertainty, the run's seed is that row's: only the rows without one are refused
    manifest = _manifest(tmp_path / "mixed.csv", "rule,data,output,uncertainty,seed",
                         [f"ndpr-oxide,{NDPR},out/1.json,,",      # no Monte Carlo: the run's seed applies nowhere
                          f"ndpr-oxide,{NDPR},out/2.json,20,",    # the run's seed is this row's
                          f"dy-oxide,{DY},out/3.json,20,11"])     # its own seed
    summary = footprint.batch_declare(manifest, created=CREATED, seed=3)
    said = {o.row: o for o in summary.outcomes}
    assert f"error: {said[1].message}" == _alone("ndpr-oxide", NDPR, seed=3)
    assert not (tmp_path / "out" / "1.json").exists()

    def written(n: int) -> str:
        return json.dumps(json.loads((tmp_path / "out" / f"{n}.json").read_text(encoding="utf-8")), sort_keys=True)

    assert written(2) == _alone("ndpr-oxide", NDPR, uncertainty=20, seed=3)
    assert written(3) == _alone("dy-oxide", DY, uncertainty=20, seed=11)
    result = _cli("batch", "declare", manifest, "--seed", 3, "--force")
    assert result.exit_code == 2 and "row 1 " in result.stderr and "row 2" not in result.stderr, result.output
    assert "1 failed" in result.output


# ----------------------------------------------------------------------------- 2. a scheme and no class


def test_verify_and_batch_verify_verify_an_unclassed_declaration_given_a_scheme_and_say_no_class_was_applied(
        example_declaration, example_scheme, tmp_path):
    directory = tmp_path / "market"
    directory.mkdir()
    plain = footprint.write_declaration(example_declaration, directory / "plain.json")
    classed = footprint.assign_class(plain, example_scheme)
    footprint.write_declaration(classed, directory / "classed.json")

    # single verify: before, exit 2 "the declaration has no performance class to check against --scheme"
    result = _cli("verify", plain, "--data", EXAMPLE, "--scheme", example_scheme, "--fast")
    assert result.exit_code == 0, result.output
    assert f"{plain}: {NO_CLASS_RECORDED}" in result.stdout and result.stdout.rstrip().endswith("verified")
    assert "class verified" not in result.output and "classed" not in result.output
    outcome = footprint.verify_declaration(plain, EXAMPLE, scheme=example_scheme, reference=False)
    assert outcome.ok and outcome.note == NO_CLASS_RECORDED
    # a classed declaration is still recomputed under the scheme, and says nothing of the kind
    outcome = footprint.verify_declaration(directory / "classed.json", EXAMPLE, scheme=example_scheme, reference=False)
    assert outcome.ok and outcome.note == ""
    assert footprint.verify_declaration(plain, EXAMPLE, reference=False).note == ""  # no scheme asked: nothing said

    # batch verify: the same decision, and now said (before, nothing was printed of the unclassed row)
    result = _cli("batch", "verify", directory, "--scheme", example_scheme)
    assert result.exit_code == 0, result.output
    assert f"row 2 {plain}: {NO_CLASS_RECORDED}" in result.stdout and "2 verified" in result.stdout
    assert NO_CLASS_RECORDED not in result.stdout.replace(f"row 2 {plain}: {NO_CLASS_RECORDED}", "")
    notes = {Path(o.output).name: (o.status, o.note) for o in footprint.batch_verify(directory,
                                                                                    schemes=[example_scheme]).outcomes}
    assert notes == {"classed.json": ("ok", ""), "plain.json": ("ok", NO_CLASS_RECORDED)}

    # a classed declaration without its scheme stays refused by both
    result = _cli("verify", directory / "classed.json", "--data", EXAMPLE, "--fast")
    assert result.exit_code == 2 and "--scheme" in result.stderr, result.output
    outcomes = {Path(o.output).name: o for o in footprint.batch_verify(directory).outcomes}
    assert outcomes["classed.json"].status == "error" and "--scheme" in outcomes["classed.json"].message
    assert (outcomes["plain.json"].status, outcomes["plain.json"].note) == ("ok", "")


# ----------------------------------------------------------------------------- 3. the register and the seed


@pytest.fixture(scope="module")
def two_seeds(project, tmp_path_factory) -> tuple[Path, Path]:
    """One declaration made twice, with Monte Carlo seeds 1 and 2 and nothing else different."""
    root = tmp_path_factory.mktemp("seeds")
    first, second = (footprint.declare("ndpr-oxide", NDPR, created=CREATED, uncertainty=20, seed=s) for s in (1, 2))
    assert first["id"] == second["id"] and first["content_sha256"] != second["content_sha256"]
    assert first["uncertainty"]["results"] != second["uncertainty"]["results"]
    return (footprint.write_declaration(first, root / "seed-1.json"),
            footprint.write_declaration(second, root / "seed-2.json"))


def _medians(register: Path) -> dict:
    return {r["declaration_id"]: r for r in footprint.market_rows(register=register)}


def test_a_declaration_differing_only_in_its_seed_is_a_duplicate_on_the_market(two_seeds, tmp_path):
    first, second = two_seeds
    register = tmp_path / "market.sqlite"
    footprint.market_add([first], mass_kg=1000.0, year=2025, register=register)
    before = footprint.market_rows(register=register)
    assert footprint.market_add([first], mass_kg=2000.0, year=2025, register=register).updated == 1  # a re-add
    for year in (2025, 2026):  # the same declaration, whichever year it is said to be placed in
        with pytest.raises(footprint.FootprintError, match="another Monte Carlo") as caught:
            footprint.market_add([second], mass_kg=1000.0, year=year, register=register)
        assert caught.value.file == str(second) and "duplicate" in str(caught.value)
    after = footprint.market_rows(register=register)
    assert [r["spreads"] for r in after] == [r["spreads"] for r in before]  # the first seed's medians stay
    assert [(r["year"], r["mass_kg"]) for r in after] == [(2025, 2000.0)]
    result = _cli("market", "add", second, "--mass", 1000, "--year", 2025, "--register", register)
    assert result.exit_code == 2 and "another Monte Carlo" in result.stderr and "Traceback" not in result.output


def test_batch_register_refuses_a_second_row_of_one_declaration_with_another_seed(project, tmp_path):
    manifest = _manifest(tmp_path / "m.csv", "rule,data,output,mass_kg,year,uncertainty,seed",
                         [f"ndpr-oxide,{NDPR},out/1.json,1000,2025,20,1",
                          f"ndpr-oxide,{NDPR},out/2.json,1000,2025,20,2",    # the same declaration and year
                          f"ndpr-oxide,{NDPR},out/3.json,1000,2026,20,2"])   # the same declaration, another year
    register = tmp_path / "market.sqlite"
    summary = footprint.batch_declare(manifest, created=CREATED, register=register)
    said = {o.row: o for o in summary.outcomes}
    assert said[1].ok
    assert said[2].status == "error" and "the same declaration" in said[2].message and "as row 1" in said[2].message
    assert not (tmp_path / "out" / "2.json").exists()  # refused before computing
    assert said[3].status == "error" and "another Monte Carlo" in said[3].message
    assert not (tmp_path / "out" / "3.json").exists()  # refused by the register before its file was written
    rows = footprint.market_rows(register=register)
    assert [(r["year"], r["mass_kg"]) for r in rows] == [(2025, 1000.0)]
    first = json.loads((tmp_path / "out" / "1.json").read_text(encoding="utf-8"))
    median = next(r["median"] for r in first["uncertainty"]["results"] if r["category"] == "climate_change")
    assert rows[0]["spreads"]["climate_change"][0] == median


# ----------------------------------------------------------------------------- 4. batch declare --sign


@pytest.fixture()
def still_clock(monkeypatch):
    """One moment for every clock reading: a declaration's created and a signature's signed_at alike."""
    import footprint._time as product_time

    monkeypatch.setattr(product_time, "utc_now", lambda: CREATED)


def test_batch_declare_signs_every_declaration_as_declare_sign_does_byte_for_byte(project, tmp_path, still_clock,
                                                                                    monkeypatch):
    key = footprint.new_key(tmp_path / "producer.key").private_path
    sign = ["--sign", key, "--signer-name", "Example Co.", "--signer-role", "producer"]
    rows = [("ndpr-oxide", NDPR), ("dy-oxide", DY)]
    for number, (rule, data) in enumerate(rows, start=1):
        result = _cli("declare", rule, data, "-o", tmp_path / "single" / f"{number}.json", *sign)
        assert result.exit_code == 0, result.output
    manifest = _manifest(tmp_path / "m.csv", "rule,data,output",
                         [f"{rule},{data},serial/{n}.json" for n, (rule, data) in enumerate(rows, start=1)])
    result = _cli("batch", "declare", manifest, *sign)  # before: "No such option: --sign"
    assert result.exit_code == 0, result.output
    assert "signed:      key" in result.output
    monkeypatch.setattr(pool, "POOL_FROM", 1)  # the pool from the first row (it starts at 40 rows)
    pooled = _manifest(tmp_path / "p.csv", "rule,data,output",
                       [f"{rule},{data},pooled/{n}.json" for n, (rule, data) in enumerate(rows, start=1)])
    result = _cli("batch", "declare", pooled, *sign, "--workers", 2)
    assert result.exit_code == 0 and "worker processes" in result.output, result.output
    for number in (1, 2):
        single = (tmp_path / "single" / f"{number}.json").read_bytes()
        assert (tmp_path / "serial" / f"{number}.json").read_bytes() == single
        assert (tmp_path / "pooled" / f"{number}.json").read_bytes() == single
    document = json.loads(single)
    assert document["signatures"][0]["signer"] == {"name": "Example Co.", "role": "producer"}
    assert footprint.check_signatures(tmp_path / "serial" / "1.json", f"{key}.pub").ok


def test_batch_declare_sign_refuses_what_declare_sign_refuses(project, tmp_path):
    key = footprint.new_key(tmp_path / "producer.key").private_path
    kept = key.read_bytes()
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n", encoding="utf-8")
    single = _cli("declare", "ndpr-oxide", NDPR, "-o", tmp_path / "single.json", "--sign", bad)
    assert single.exit_code == 2 and "not a usable private key" in single.stderr, single.output
    manifest = _manifest(tmp_path / "m.csv", "rule,data,output", [f"ndpr-oxide,{NDPR},out/1.json"])
    result = _cli("batch", "declare", manifest, "--sign", bad)
    assert result.exit_code == 2 and result.stderr == single.stderr, result.output  # before any row: one line
    assert not (tmp_path / "out").exists()

    # an output never over the key, even with --force, whether a row's output or the error report
    over = _manifest(tmp_path / "over.csv", "rule,data,output",
                     [f"ndpr-oxide,{NDPR},producer.key", f"dy-oxide,{DY},out/2.json"])
    single = _cli("declare", "ndpr-oxide", NDPR, "-o", key, "--sign", key, "--force")
    assert single.exit_code == 2 and "private key" in single.stderr
    result = _cli("batch", "declare", over, "--sign", key, "--force")
    assert result.exit_code == 2 and "row 1" in result.stderr and "input (private key)" in result.stderr
    assert key.read_bytes() == kept and (tmp_path / "out" / "2.json").exists()
    result = _cli("batch", "declare", manifest, "--sign", key, "--force", "--errors", key)
    assert result.exit_code == 2 and "input (private key)" in result.stderr, result.output
    assert key.read_bytes() == kept
    # one key signs the run: no manifest column names one
    from footprint.market.batch import OPTIONAL_COLUMNS

    assert "sign" not in OPTIONAL_COLUMNS
