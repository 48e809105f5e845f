"""Every way of making or checking a declaration says the same thing (issue 14's promise, path by path).

footprint makes a declaration by ``footprint declare`` (CLI), ``footprint.declare``, ``footprint.declare_many``
and ``footprint batch declare MANIFEST`` (in this process, on a pool of forked processes, on a Dask
LocalCluster), from a YAML activity file or its XLSX twin; it checks one by ``footprint verify`` (the
reference path, or ``--fast``) and ``footprint batch verify DIR`` (``--fast`` by default, or
``--reference``).  Here, on the suite's fixed clock, each shipped example and its workbook twin goes
through every path: the declarations must be byte for byte the same once what must differ is set aside
(``provenance.created`` and the content hash a command line's own clock gives), and an input refused by
one path must be refused by every path with the same message (file, field, value, expected) and a
non-zero exit, a batch refusing that row alone.  Then every file of a review (the examples' declarations,
examples/suppliers/*.json, tampered copies, classed ones) must get the same verdict from single and
batch verify.

What the older files check is not repeated: tests/test_batch.py (declare_many and Dask equal one by one,
YAML examples, content hashes), test_batch_pool.py (pool equals serial), test_batch_keys.py (supplier keys
on every scheduler), test_batch_identity.py (paths outside the repository, mapping column),
test_xlsx_parity.py (YAML and twin through declare), test_xlsx_batch_refusal.py (workbook refusals in a
batch).  New here: the workbook twins and the refusals through every path at once, the command lines'
bytes, the output checks, and verify against batch verify file by file.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import FIXED_MOMENT

import cli
import footprint
from footprint._yaml import loads
from footprint.inputs.upstream import content_hash
from footprint.market import pool
from xlsx_twin import fill

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*/activity-2025.yaml"))
CREATED = FIXED_MOMENT  # the suite's fixed clock (conftest): the command lines, which take no date, run on it
#: refused for coverage on every path (README: three examples are refused; see the brief)
REFUSED = {"copper-cathode-sxew", "lithium-carbonate-spodumene", "ndfeb-recycled-hydromet"}


def _bytes(document: dict) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def _without_clock(document: dict) -> str:
    """A declaration with what a command line's own clock makes differ set aside (its time and content hash)."""
    document = copy.deepcopy(document)
    del document["provenance"]["created"], document["content_sha256"]
    return _bytes(document)


def _said(outcome) -> str:
    return _bytes(outcome.document) if outcome.document else f"error: {outcome.message}"


def _alone(rule: str, data: Path, **options) -> str:
    try:
        return _bytes(footprint.declare(rule, data, created=CREATED, **options))
    except footprint.FootprintError as exc:
        return f"error: {exc}"


def _cli(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture(scope="module")
def inputs(project, tmp_path_factory) -> list[tuple[str, Path]]:
    """(rule, activity file): every shipped example, then its XLSX twin (the product's template filled as a producer
    would, tests/xlsx_twin.py)."""
    root = tmp_path_factory.mktemp("twins")
    shutil.copytree(REPO / "examples" / "suppliers", root / "suppliers")  # ../suppliers/... resolves as the YAML's
    twins = []
    for path in EXAMPLES:
        rule = path.parent.name
        (root / rule).mkdir()
        template = footprint.make_template(rule, root / f"{rule}-template.xlsx", fmt="xlsx")
        twins.append((rule, fill(template, loads(path.read_text(encoding="utf-8")),
                                 root / rule / "activity-2025.xlsx")))
    return [*((path.parent.name, path) for path in EXAMPLES), *twins]


@pytest.fixture(scope="module")
def alone(inputs) -> list[str]:
    """What footprint.declare says of each input: the declaration's bytes, or 'error: ' and the message."""
    said = [_alone(rule, data) for rule, data in inputs]
    assert {rule for (rule, _), s in zip(inputs, said) if s.startswith("error")} == REFUSED
    return said


def test_every_batch_path_declares_the_bytes_declare_declares_yaml_and_workbook(inputs, alone, tmp_path,
                                                                               monkeypatch):
    """declare_many in this process and on the pool, and batch declare of a CSV and a YAML manifest, on the YAML
    examples and their workbooks: each row the very declaration (or refusal) of footprint.declare."""
    assert [_said(o) for o in footprint.declare_many(inputs, created=CREATED)] == alone
    monkeypatch.setattr(pool, "POOL_FROM", 1)  # the pool from the first row (it starts at 40 rows, README)
    assert [_said(o) for o in footprint.declare_many(inputs, created=CREATED, workers=2)] == alone
    monkeypatch.undo()

    rows = [{"rule": rule, "data": str(data), "output": str(tmp_path / "csv" / f"{i}.json")}
            for i, (rule, data) in enumerate(inputs)]
    manifest = tmp_path / "m.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["rule", "data", "output"])
        writer.writeheader()
        writer.writerows(rows)
    yaml_manifest = tmp_path / "m.yaml"
    yaml_manifest.write_text(json.dumps([{**row, "output": row["output"].replace("/csv/", "/yaml/")} for row in rows]))
    for path, folder in ((manifest, "csv"), (yaml_manifest, "yaml")):
        summary = footprint.batch_declare(path, created=CREATED)
        for i, (said, outcome) in enumerate(zip(alone, summary.outcomes)):
            written = tmp_path / folder / f"{i}.json"
            if said.startswith("error"):
                assert f"error: {outcome.message}" == said and not written.exists()
            else:
                assert _bytes(json.loads(written.read_text(encoding="utf-8"))) == said


def test_the_command_lines_write_what_the_api_declares(inputs, alone, tmp_path):
    """``footprint declare`` and ``footprint batch declare`` (own clock: time and content hash set aside): the
    api's document, and a refusal exits 2 with the api's message, the batch's other rows declared."""
    manifest = tmp_path / "m.csv"
    manifest.write_text("rule,data,output\n" + "".join(f"{rule},{data},b/{i}.json\n"
                                                      for i, (rule, data) in enumerate(inputs)))
    result = _cli("batch", "declare", manifest)
    assert result.exit_code == 2, result.output
    ok = sum(not s.startswith("error") for s in alone)
    assert f"{len(inputs)} rows: {ok} declared, {len(inputs) - ok} failed" in result.output
    for i, ((rule, data), said) in enumerate(zip(inputs, alone)):
        single = _cli("declare", rule, data, "-o", tmp_path / f"d{i}.json")
        if said.startswith("error"):
            assert single.exit_code == 2 and said in single.output, single.output
            assert f"row {i + 1} {tmp_path / 'b' / f'{i}.json'}: {said}" in result.output
            continue
        assert single.exit_code == 0, single.output
        expected = _without_clock(json.loads(said))
        assert _without_clock(json.loads((tmp_path / f"d{i}.json").read_text())) == expected
        assert _without_clock(json.loads((tmp_path / "b" / f"{i}.json").read_text())) == expected


# ------------------------------------------------------------------------------------------------ refusals

def _edited(tmp_path: Path, name: str, edit) -> Path:
    data = loads((REPO / "examples/ndpr-oxide/activity-2025.yaml").read_text(encoding="utf-8"))
    edit(data)
    target = tmp_path / f"{name}.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def _rule_copy_withdrawn(tmp_path: Path) -> Path:
    """A copy of rules/ndpr-oxide.yaml its authors withdrew: no new declaration is made under it."""
    text = (REPO / "rules/ndpr-oxide.yaml").read_text(encoding="utf-8")
    target = tmp_path / "own-rule.yaml"
    assert "\nstatus: draft\n" in text
    target.write_text(text.replace("\nstatus: draft\n", "\nstatus: withdrawn\n", 1), encoding="utf-8")
    return target


EXAMPLE = REPO / "examples/ndpr-oxide/activity-2025.yaml"
#: (name, rule, data or a maker of it, options as the api and the manifest take them, the command line's flags)
REFUSALS = [
    ("activity data missing", "ndpr-oxide", lambda t: t / "absent.yaml", {}, []),
    ("unknown rule id", "no-such-rule", lambda t: EXAMPLE, {}, []),
    ("a withdrawn rule file", _rule_copy_withdrawn, lambda t: EXAMPLE, {}, []),
    ("an allocation the rule does not allow", "ndpr-oxide", lambda t: EXAMPLE, {"allocation": "specified"},
     ["--allocation", "specified"]),
    ("--background without --mapping", "ndpr-oxide", lambda t: EXAMPLE, {"background": "eco"},
     ["--background", "eco"]),
    ("a mapping file that is not there", "ndpr-oxide", lambda t: EXAMPLE, {"mapping": "MAP"}, ["--mapping", "MAP"]),
    ("a period not yet ended", "ndpr-oxide",
     lambda t: _edited(t, "future", lambda d: d["period"].update({"start": "2026-07-01", "end": "2027-06-30"})),
     {}, []),
    ("a negative amount", "ndpr-oxide",
     lambda t: _edited(t, "negative", lambda d: d["production"].update({"amount": -5})), {}, []),
]


@pytest.mark.parametrize("name, rule, data, options, flags", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_an_input_refused_by_one_path_is_refused_by_every_path_with_its_message(project, tmp_path, monkeypatch,
                                                                                name, rule, data, options, flags):
    monkeypatch.chdir(tmp_path)
    rule = str(rule(tmp_path)) if callable(rule) else rule
    data = data(tmp_path)
    options = {k: (str(tmp_path / "absent-map.yaml") if v == "MAP" else v) for k, v in options.items()}
    flags = [str(tmp_path / "absent-map.yaml") if f == "MAP" else f for f in flags]
    said = _alone(rule, data, **options)
    assert said.startswith("error: "), said
    assert [_said(o) for o in footprint.declare_many([{"rule": rule, "data": str(data), **options},
                                                      ("ndpr-oxide", EXAMPLE)], created=CREATED)] == \
        [said, _alone("ndpr-oxide", EXAMPLE)]  # the other row declared, unaffected
    manifest = tmp_path / "m.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rule", "data", "output", *options])
        writer.writerow([rule, data, "bad.json", *options.values()])
        writer.writerow(["ndpr-oxide", EXAMPLE, "good.json", *("" for _ in options)])
    summary = footprint.batch_declare(manifest, created=CREATED)
    assert [o.status for o in summary.outcomes] == ["error", "ok"]
    assert f"error: {summary.outcomes[0].message}" == said
    batch = _cli("batch", "declare", manifest, "--force")
    assert batch.exit_code == 2 and f"row 1 {tmp_path / 'bad.json'}: {said}" in batch.output, batch.output
    single = _cli("declare", rule, data, "-o", tmp_path / "single.json", *flags)
    assert single.exit_code == 2 and said in single.output, single.output
    assert not (tmp_path / "single.json").exists() and not (tmp_path / "bad.json").exists()


def test_an_existing_output_is_refused_by_batch_declare_with_declare_s_message(project, tmp_path, monkeypatch):
    """An output that exists (no --force), a dangling link, an output whose parent folder is a file: a batch row
    said "output X exists (use --force to overwrite)" (and met the other two only when writing), where
    ``declare`` says "X: output file exists; expected another path, or --force to overwrite"."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exists.json").write_text("{}")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "a-file").write_text("")
    outputs = ["exists.json", "dangling.json", "a-file/d.json"]
    manifest = tmp_path / "m.csv"
    manifest.write_text("rule,data,output\n" + "".join(f"ndpr-oxide,{EXAMPLE},{o}\n" for o in outputs)
                        + f"ndpr-oxide,{EXAMPLE},fresh.json\n")
    outcomes = footprint.batch_declare(manifest, created=CREATED).outcomes
    assert [o.status for o in outcomes] == ["error", "error", "error", "ok"]
    for output, outcome in zip(outputs, outcomes):
        single = _cli("declare", "ndpr-oxide", EXAMPLE, "-o", tmp_path / output)
        assert single.exit_code == 2 and f"error: {outcome.message}" in single.output, (single.output, outcome)
    assert (tmp_path / "exists.json").read_text() == "{}"
    # with --force the existing file is replaced on both paths, and an input is refused on both with one message
    summary = footprint.batch_declare(manifest, created=CREATED, force=True)
    assert [o.status for o in summary.outcomes[:2]] == ["ok", "ok"]
    copy_ = tmp_path / "a.yaml"
    shutil.copy(EXAMPLE, copy_)
    (tmp_path / "m2.csv").write_text("rule,data,output\nndpr-oxide,a.yaml,a.yaml\n")
    [outcome] = footprint.batch_declare(tmp_path / "m2.csv", created=CREATED, force=True).outcomes
    single = _cli("declare", "ndpr-oxide", copy_, "-o", copy_, "--force")
    assert single.exit_code == 2 and "the output is an input (activity data" in single.output
    assert outcome.status == "error" and "the output is an input (activity data of row 1)" in outcome.message


def test_declare_s_options_give_the_api_s_document_on_the_command_line(project, tmp_path):
    """--strict and --uncertainty/--seed (which batch declare takes too: tests/test_batch_options.py) and --sign
    (declare only): the command line and the api must agree, document for document and refusal for refusal."""
    for rule in ("ndpr-oxide", "ndfeb-magnet"):
        data = REPO / "examples" / rule / "activity-2025.yaml"
        strict = _alone(rule, data, strict=True)
        result = _cli("declare", rule, data, "-o", tmp_path / f"{rule}-strict.json", "--strict")
        if strict.startswith("error"):
            assert result.exit_code == 2 and strict in result.output, result.output
        else:
            assert result.exit_code == 0
            assert _without_clock(json.loads((tmp_path / f"{rule}-strict.json").read_text())) == \
                _without_clock(json.loads(strict))
    data = EXAMPLE
    said = json.loads(_alone("ndpr-oxide", data, uncertainty=200, seed=7))
    result = _cli("declare", "ndpr-oxide", data, "-o", tmp_path / "mc.json", "--uncertainty", 200, "--seed", 7)
    assert result.exit_code == 0, result.output
    assert _without_clock(json.loads((tmp_path / "mc.json").read_text())) == _without_clock(said)
    refused = _alone("ndpr-oxide", data, seed=7)
    result = _cli("declare", "ndpr-oxide", data, "-o", tmp_path / "seed.json", "--seed", 7)
    assert refused.startswith("error") and result.exit_code == 2 and refused in result.output


# ------------------------------------------------------------------------------------------------ verify

def _rehashed(document: dict, edit) -> dict:
    document = copy.deepcopy(document)
    edit(document)
    document.pop("content_sha256")
    document["content_sha256"] = content_hash(document)
    return document


def _first_warning_removed(document: dict) -> None:
    document["data_quality"]["warnings"].pop(0)


def _one_number_changed(document: dict) -> None:
    document["results"][0]["value"] *= 1.01


def _rule_version_changed(document: dict) -> None:
    document["rule"]["version"] = "1.1.1"


@pytest.fixture(scope="module")
def review(project, tmp_path_factory) -> tuple[Path, dict[str, tuple[Path, ...]]]:
    """A reviewer's folder: the examples' declarations, the suppliers' ones, tampered copies, classed ones.

    Returns the folder and, per file name, the extra arguments single verify is given (batch verify takes
    the same once for the folder)."""
    from footprint.market.registry import Entry, Register

    root = tmp_path_factory.mktemp("review")
    folder = root / "declarations"
    folder.mkdir()
    for path in EXAMPLES:
        if path.parent.name not in REFUSED:
            footprint.write_declaration(footprint.declare(path.parent.name, path, created=CREATED),
                                        folder / f"{path.parent.name}.json")
    for supplier in sorted((REPO / "examples/suppliers").glob("*.json")):
        shutil.copy(supplier, folder / f"supplier-{supplier.name}")
    base = json.loads((folder / "ndpr-oxide.json").read_text())
    assert base["data_quality"]["warnings"]
    for name, edit in (("number", _one_number_changed), ("warning", _first_warning_removed),
                       ("rule-version", _rule_version_changed)):
        (folder / f"tampered-{name}.json").write_text(json.dumps(_rehashed(base, edit)))
    supplier = json.loads((REPO / "examples/suppliers/ndpr-metal-2025.json").read_text())
    (folder / "tampered-supplier-number.json").write_text(json.dumps(_rehashed(supplier, _one_number_changed)))
    lost = _rehashed(base, lambda d: d["provenance"]["activity_data"].update({"path": "/nowhere/activity.yaml"}))
    (folder / "data-not-found.json").write_text(json.dumps(lost))
    (folder / "not-a-declaration.json").write_text('{"a": 1}')
    # a class scheme whose middle class holds the example, and a classed copy of it (as conftest.example_scheme)
    value = next(r["value"] for r in base["results"] if r["category"] == "climate_change")
    register = root / "register.sqlite"
    Register(register).add([Entry(declaration_id=f"p{i}", rule_id="ndpr-oxide", rule_version="1.0.0", year=2025,
                                  mass_kg=1.0, values={"climate_change": v}, coverage={"climate_change": "complete"},
                                  units={"climate_change": "kg CO2-Eq"})
                            for i, v in enumerate([value / 2, value, value * 2])])
    scheme = footprint.write_scheme(footprint.derive_classes("ndpr-oxide", "climate_change", "2023-2025", classes=3,
                                                             weight="count", head_room=False, register=register),
                                    root / "scheme.json")
    classed = footprint.assign_class(folder / "ndpr-oxide.json", scheme)
    (root / "classed").mkdir()
    footprint.write_declaration(classed, root / "classed" / "classed.json")
    other = json.loads(scheme.read_text())
    other["scheme_id"] = "ndpr-oxide:another-scheme"
    (root / "other-scheme.json").write_text(json.dumps(other))
    return folder, {"scheme": scheme, "other": root / "other-scheme.json", "classed": root / "classed"}


def _batch_verdicts(folder: Path, *flags) -> tuple[int, dict[str, tuple[str, str]]]:
    errors = folder.parent / "verdicts.csv"
    result = _cli("batch", "verify", folder, "--errors", errors, "--force", *flags)
    assert "Traceback" not in result.output, result.output
    rows = {Path(r["output"]).name: (r["status"], r["message"]) for r in csv.DictReader(errors.open())}
    return result.exit_code, {p.name: rows.get(p.name, ("ok", "")) for p in folder.glob("*.json")}


def _single_verdict(path: Path, *flags) -> tuple[str, str]:
    result = _cli("verify", path, *flags)
    assert "Traceback" not in result.output, result.output
    return {0: "ok", 1: "differs", 2: "error"}[result.exit_code], result.output


def _agree(folder: Path, *flags) -> dict[str, str]:
    """Each file's verdict by single verify (reference and --fast) and batch verify (--fast and --reference):
    one status, and a refusal's message word for word."""
    verdicts = {}
    by_batch = [_batch_verdicts(folder, *flags), _batch_verdicts(folder, "--reference", *flags)]
    for path in sorted(folder.glob("*.json")):
        for single_flags in ((), ("--fast",)):
            status, output = _single_verdict(path, *single_flags, *flags)
            for _exit, rows in by_batch:
                batch_status, message = rows[path.name]
                assert batch_status == status, (path.name, single_flags, status, batch_status, output, message)
                if status == "error":
                    assert f"error: {message}" in output, (path.name, output, message)
        verdicts[path.name] = status
    return verdicts


def test_verify_and_batch_verify_give_every_file_the_same_verdict(review):
    folder, _extra = review
    verdicts = _agree(folder)
    assert {n for n, v in verdicts.items() if v == "differs"} == {
        "tampered-number.json", "tampered-warning.json", "tampered-rule-version.json",
        "tampered-supplier-number.json"}
    assert {n for n, v in verdicts.items() if v == "error"} == {"data-not-found.json", "not-a-declaration.json"}
    assert sum(v == "ok" for v in verdicts.values()) == 9 + 5  # the examples declared and the suppliers' files


def test_a_recorded_activity_file_not_found_is_refused_by_batch_verify_with_verify_s_message(review):
    """batch verify said "the activity data it records (X) is not found": no file, no field, no way out."""
    folder, _extra = review
    _exit, rows = _batch_verdicts(folder)
    status, message = rows["data-not-found.json"]
    assert status == "error" and "field '--data': nothing to recompute from" in message
    assert "expected --data ACTIVITY" in message


def test_a_classed_declaration_gets_one_verdict_with_its_scheme_another_scheme_or_none(review):
    """Given a scheme file of another id, single verify compared the class field by field (exit 1, "scheme_id"
    differs) where batch verify refused the row (exit 2: its scheme is not among those given)."""
    _folder, extra = review
    classed = extra["classed"]
    assert _agree(classed, "--scheme", extra["scheme"]) == {"classed.json": "ok"}
    assert _agree(classed, "--scheme", extra["other"]) == {"classed.json": "error"}
    assert _agree(classed) == {"classed.json": "error"}
    status, output = _single_verdict(classed / "classed.json", "--scheme", extra["other"])
    assert "not among the --scheme files" in output and "field 'performance_class.scheme_id'" in output


def test_suppliers_held_to_trusted_keys_are_refused_alike_by_verify_and_batch_verify(project, tmp_path):
    key = footprint.new_key(tmp_path / "k.key")
    folder = tmp_path / "magnets"
    folder.mkdir()
    magnet = REPO / "examples/ndfeb-magnet/activity-2025.yaml"
    footprint.write_declaration(footprint.declare("ndfeb-magnet", magnet, created=CREATED), folder / "magnet.json")
    assert _agree(folder, "--supplier-keys", key.public_path) == {"magnet.json": "error"}
    assert _agree(folder) == {"magnet.json": "ok"}


# ------------------------------------------------------------------------------------------------ Dask

def test_a_dask_local_cluster_says_what_this_process_says_for_each_kind_of_row(inputs, alone):
    """A representative subset on a LocalCluster of one worker: a YAML example, its workbook, a coverage refusal
    and its workbook, and a row refused before computing.  Why a subset: the cluster's start and its worker's
    first declaration (Brightway and the snapshot, in a fresh process) cost seconds on a loaded two-core machine,
    and what the cluster adds to the serial run (pickling rows and outcomes, anchored paths, the background
    guard, outcomes in submission order) is the same for every row of a kind; tests/test_batch.py runs every
    YAML example there."""
    pytest.importorskip("distributed")
    wanted = ["ndpr-oxide", "copper-cathode-sxew"]
    picked = [i for i, (rule, data) in enumerate(inputs) if rule in wanted]
    assert len(picked) == 4  # YAML and workbook of each
    rows = [inputs[i] for i in picked] + [("ndpr-oxide", REPO / "examples/absent.yaml")]
    expected = [alone[i] for i in picked] + [_alone("ndpr-oxide", REPO / "examples/absent.yaml")]
    outcomes = footprint.declare_many(rows, created=CREATED, scheduler="local", workers=1)
    assert [_said(o) for o in outcomes] == expected


def test_batch_verify_on_a_dask_local_cluster_gives_each_file_the_serial_verdict(review, tmp_path):
    """A subset of the review (one that verifies, a supplier's file, one tampered, one whose data is not found,
    which is refused before any worker sees it) on a LocalCluster of one worker: each file's status and message
    are the serial run's, which test_verify_and_batch_verify_give_every_file_the_same_verdict holds to single
    verify.  A subset for the reason given above (the cluster's start, not the rows, is what costs)."""
    pytest.importorskip("distributed")
    folder, _extra = review
    subset = tmp_path / "subset"
    subset.mkdir()
    for name in ("ndpr-oxide.json", "supplier-ndpr-metal-2025.json", "tampered-number.json", "data-not-found.json"):
        shutil.copy(folder / name, subset / name)
    serial = footprint.batch_verify(subset)
    on_dask = footprint.batch_verify(subset, scheduler="local", workers=1)
    assert [(o.status, o.message) for o in on_dask.outcomes] == [(o.status, o.message) for o in serial.outcomes]
    assert sorted(o.status for o in serial.outcomes) == ["differs", "error", "ok", "ok"]
