"""Batch declarations held to trusted supplier keys exactly as a single ``declare --supplier-keys`` is (issue 14).

Before this, ``batch declare`` and ``declare_many`` could not require signed suppliers: a
market-wide recomputation used a supplier file edited and hashed again with exit 0, where the
single declaration refused it.  Each row here must give what the single declaration gives: the
same document byte for byte, or the same refusal message, on every scheduler.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli
import footprint
from footprint.market import batch, pool
from tests.test_batch import CREATED, EXAMPLE

REPO = Path(__file__).resolve().parents[1]
SUPPLIERS = ("ndpr-metal-2025.json", "dy-metal-2025.json")  # the two the ndfeb-magnet example uses


def invoke(*args) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture(scope="module")
def world(project, tmp_path_factory) -> dict[str, Path]:
    """Two key pairs and three copies of the ndfeb-magnet example whose suppliers are signed by the
    trusted key ('trusted'), by another key ('foreign') or not at all ('unsigned')."""
    root = tmp_path_factory.mktemp("keys")
    made: dict[str, Path] = {}
    for name in ("producer", "other"):
        assert invoke("keys", "new", "--out", root / f"{name}.key").exit_code == 0
    made["trusted_keys"], made["other_keys"] = root / "producer.key.pub", root / "other.key.pub"
    for copy, key in (("trusted", "producer"), ("foreign", "other"), ("unsigned", None)):
        for folder in ("ndfeb-magnet", "suppliers"):
            shutil.copytree(REPO / "examples" / folder, root / copy / folder)
        if key is not None:
            for supplier in SUPPLIERS:
                footprint.sign_declaration(root / copy / "suppliers" / supplier, root / f"{key}.key")
        made[copy] = root / copy / "ndfeb-magnet" / "activity-2025.yaml"
    made["root"] = root
    return made


def _alone(rule: str, data: Path, keys: Path) -> str:
    """What one declare(..., supplier_keys=keys) gives: its exact JSON text, or 'error: ' and its message."""
    try:
        return json.dumps(footprint.declare(rule, data, created=CREATED, supplier_keys=keys), sort_keys=True)
    except footprint.FootprintError as exc:
        return f"error: {exc}"


def _seen(outcome) -> str:
    return json.dumps(outcome.document, sort_keys=True) if outcome.document else f"error: {outcome.message}"


def _mixed(world) -> list[tuple[str, Path]]:
    return [("ndfeb-magnet", world["trusted"]), ("ndfeb-magnet", world["unsigned"]),
            ("ndfeb-magnet", world["foreign"]), ("ndpr-oxide", EXAMPLE["ndpr-oxide"])]


def test_declare_many_with_supplier_keys_equals_one_by_one_on_every_scheduler(world):
    rows = _mixed(world)
    keys = world["trusted_keys"]
    alone = [_alone(rule, data, keys) for rule, data in rows]
    assert alone[0].startswith("{") and alone[3].startswith("{")  # signed by the trusted key; no supplier at all
    assert "is not signed" in alone[1] and "no signature by a trusted key" in alone[2]
    serial = footprint.declare_many(rows, created=CREATED, supplier_keys=keys)
    assert [_seen(o) for o in serial] == alone
    pooled_rows = rows * 10  # the pool is used from pool.POOL_FROM rows
    assert len(pooled_rows) >= pool.POOL_FROM
    pooled = footprint.declare_many(pooled_rows, created=CREATED, supplier_keys=keys, workers=2)
    assert [_seen(o) for o in pooled] == alone * 10
    pytest.importorskip("distributed")
    dask = footprint.declare_many(rows, created=CREATED, supplier_keys=keys, scheduler="local", workers=2)
    assert [_seen(o) for o in dask] == alone


def test_cli_batch_declare_refuses_only_the_rows_with_untrusted_suppliers(world, tmp_path):
    """The refused rows carry the single declare's message; the other rows are written; exit 2."""
    manifest = tmp_path / "m.csv"
    manifest.write_text("rule,data,output\n" + "".join(f"{rule},{data},out/{n}.json\n"
                                                       for n, (rule, data) in enumerate(_mixed(world), start=1)))
    result = invoke("batch", "declare", manifest, "--supplier-keys", world["trusted_keys"])
    assert result.exit_code == 2, result.output
    assert "4 rows: 2 declared, 2 failed" in result.stdout
    assert [p.name for p in sorted((tmp_path / "out").glob("*.json"))] == ["1.json", "4.json"]
    for number, kind in ((2, "unsigned"), (3, "foreign")):
        single = invoke("declare", "ndfeb-magnet", world[kind], "-o", tmp_path / "single.json",
                        "--supplier-keys", world["trusted_keys"])
        assert single.exit_code == 2 and not (tmp_path / "single.json").exists()
        message = single.stderr.strip().removeprefix("error: ")
        assert f"row {number} {tmp_path / 'out' / f'{number}.json'}: error: {message}" in result.stderr
    # without --supplier-keys the same manifest declares all four (as declare without it does)
    assert invoke("batch", "declare", manifest, "--force").exit_code == 0


def test_a_rows_supplier_keys_column_overrides_the_option(world, tmp_path):
    """Relative to the manifest like the other paths; it may trust more or less than the option."""
    shutil.copy(world["trusted_keys"], tmp_path / "trusted.pub")
    shutil.copy(world["other_keys"], tmp_path / "other.pub")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "rows:\n"
        f"  - {{rule: ndfeb-magnet, data: {world['foreign']}, output: a.json, supplier_keys: other.pub}}\n"
        f"  - {{rule: ndfeb-magnet, data: {world['foreign']}, output: b.json}}\n"
        f"  - {{rule: ndfeb-magnet, data: {world['trusted']}, output: c.json, supplier_keys: other.pub}}\n"
        f"  - {{rule: ndfeb-magnet, data: {world['trusted']}, output: d.json}}\n")
    summary = footprint.batch_declare(manifest, created=CREATED, supplier_keys=tmp_path / "trusted.pub")
    assert [o.status for o in summary.outcomes] == ["ok", "error", "error", "ok"], summary.errors_csv()
    assert f"listed in {tmp_path / 'trusted.pub'}" in summary.outcomes[1].message  # the option's file
    assert f"listed in {tmp_path / 'other.pub'}" in summary.outcomes[2].message    # the row's own file
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads(_alone("ndfeb-magnet", world["foreign"],
                                                                              world["other_keys"]))
    # the column alone (no option): only that row is checked
    manifest.write_text(manifest.read_text().replace("supplier_keys: other.pub", "supplier_keys: trusted.pub"))
    summary = footprint.batch_declare(manifest, created=CREATED, force=True)
    assert [o.status for o in summary.outcomes] == ["error", "ok", "ok", "ok"], summary.errors_csv()
    assert "no signature by a trusted key" in summary.outcomes[0].message


def test_a_bad_key_file_stops_the_run_as_an_option_and_one_row_as_a_column(world, tmp_path):
    data = world["trusted"]
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"rule,data,output\nndfeb-magnet,{data},out/a.json\nndpr-oxide,{EXAMPLE['ndpr-oxide']},"
                        "out/b.json\n")
    (tmp_path / "bad.pub").write_text("not a key\n")
    for name, why in (("missing.pub", "file not found"), ("bad.pub", "no public key in the file")):
        result = invoke("batch", "declare", manifest, "--supplier-keys", tmp_path / name)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert f"{tmp_path / name}" in result.stderr and why in result.stderr
        assert "rows:" not in result.stdout and not (tmp_path / "out").exists()  # no row ran
        with pytest.raises(footprint.FootprintError, match=why):
            footprint.declare_many([("ndpr-oxide", EXAMPLE["ndpr-oxide"])], supplier_keys=tmp_path / name)
    manifest.write_text(f"rule,data,output,supplier_keys\nndfeb-magnet,{data},out/a.json,bad.pub\n"
                        f"ndpr-oxide,{EXAMPLE['ndpr-oxide']},out/b.json,\n"
                        f"ndfeb-magnet,{data},out/c.json,missing.pub\n"
                        f"ndfeb-magnet,{data},out/d.json,{world['trusted_keys']}\n")
    summary = footprint.batch_declare(manifest, created=CREATED)
    assert [o.status for o in summary.outcomes] == ["error", "ok", "error", "ok"], summary.errors_csv()
    assert f"{tmp_path / 'bad.pub'}: no public key in the file" in summary.outcomes[0].message
    assert f"{tmp_path / 'missing.pub'}: file not found" in summary.outcomes[2].message


def test_a_key_file_is_read_once_before_the_rows_run_and_never_written_over(world, tmp_path):
    """A key file changed during a run could give early and late rows different trust: every row holds the
    keys as read before the run, whatever happens to the file afterwards (here: it is emptied)."""
    from footprint import api

    keys = tmp_path / "trusted.pub"
    shutil.copy(world["trusted_keys"], keys)
    rows = batch.with_trusted_keys([batch.Row(1, rule="ndfeb-magnet", data=str(world["trusted"])),
                                    batch.Row(2, rule="ndfeb-magnet", data=str(world["foreign"]),
                                              supplier_keys=str(keys))], keys)
    keys.write_text("")  # edited after the run read it
    first, second = api._declare_chunk(rows, {"created": CREATED})
    assert first.ok and _seen(first) == _alone("ndfeb-magnet", world["trusted"], world["trusted_keys"])
    assert second.status == "error" and "no signature by a trusted key" in second.message
    # an output that is the key file is refused even with --force (a row would replace the others' trust)
    shutil.copy(world["trusted_keys"], keys)
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"rule,data,output\nndfeb-magnet,{world['trusted']},trusted.pub\n")
    summary = footprint.batch_declare(manifest, force=True, supplier_keys=keys)
    assert summary.outcomes[0].status == "error" and "the output is an input (supplier keys" in \
        summary.outcomes[0].message
    assert keys.read_bytes() == world["trusted_keys"].read_bytes()
