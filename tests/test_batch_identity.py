"""A batch row gives the very declaration `footprint declare` gives for the same inputs (issue 14).

tests/test_batch.py compares the shipped examples, whose files lie inside the repository (recorded
relative to it).  These tests put a producer's files elsewhere, spell their paths in other ways and
run from other directories: the content hash must not depend on the route taken.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

sys.path.insert(0, str(Path(__file__).parent))
from test_background import imported  # noqa: E402,F401  (the sample databases bg-es and bg-jl, imported once)

import footprint  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


@pytest.fixture()
def producer(tmp_path) -> Path:
    """A producer's directory outside the repository: activity data (with a supplier's declaration) and a rule file."""
    work = tmp_path / "wörk dir"  # a space and a non-ASCII letter: the manifest and provenance keep them as they are
    (work / "ndpr-metal").mkdir(parents=True)
    shutil.copy(REPO / "examples/ndpr-metal/activity-2025.yaml", work / "ndpr-metal/a.yaml")
    shutil.copytree(REPO / "examples/suppliers", work / "suppliers")
    (work / "own-rules").mkdir()
    shutil.copy(REPO / "rules/ndpr-metal.yaml", work / "own-rules/ndpr-metal.yaml")
    return work


def _paths(document: dict) -> list[str]:
    provenance = document["provenance"]
    return [provenance["activity_data"]["path"], provenance["rule"]["path"],
            *(s["path"] for s in provenance.get("upstream_declarations", []))]


def test_a_batch_row_outside_the_repository_is_the_one_by_one_declaration(producer, monkeypatch, project):
    """Outside the repository `declare` recorded the paths as typed (relative to the current directory) and a
    batch recorded them made absolute from the manifest's directory: the same files gave two content hashes
    (and a supplier's path 'ndpr-metal/../suppliers/...' beside '/tmp/.../ndpr-metal/../suppliers/...'), exit 0.
    Now both record each file outside the repository by its real absolute path, however it was reached."""
    monkeypatch.chdir(producer)
    alone = footprint.declare("own-rules/ndpr-metal.yaml", "ndpr-metal/a.yaml", created=CREATED)
    assert _paths(alone) == [str(producer.resolve() / "ndpr-metal/a.yaml"),
                             str(producer.resolve() / "own-rules/ndpr-metal.yaml"),
                             str(producer.resolve() / "suppliers/ndpr-oxide-2025.json")]
    (producer / "sub").mkdir()
    monkeypatch.chdir(producer / "sub")  # the same files reached from another directory, spelt another way
    assert footprint.declare("../own-rules/ndpr-metal.yaml", "./../ndpr-metal/a.yaml",
                             created=CREATED)["content_sha256"] == alone["content_sha256"]
    (producer.parent / "link").symlink_to(producer)  # and through a symbolic link
    link = producer.parent / "link"
    assert footprint.declare(link / "own-rules/ndpr-metal.yaml", link / "ndpr-metal/a.yaml",
                             created=CREATED)["content_sha256"] == alone["content_sha256"]
    monkeypatch.chdir(producer)
    (outcome,) = footprint.declare_many([("own-rules/ndpr-metal.yaml", "ndpr-metal/a.yaml")], created=CREATED)
    assert outcome.document["content_sha256"] == alone["content_sha256"]
    manifest = producer / "m.csv"
    manifest.write_text("rule,data,output\nown-rules/ndpr-metal.yaml,ndpr-metal/a.yaml,out/b.json\n")
    summary = footprint.batch_declare(manifest, created=CREATED)
    assert summary.ok, summary.errors_csv()
    written = json.loads((producer / "out/b.json").read_text())
    assert written["content_sha256"] == alone["content_sha256"]
    assert footprint.verify_declaration(producer / "out/b.json").ok


def test_a_mapping_column_records_what_declare_mapping_records(imported, tmp_path, monkeypatch):
    """The mapping's path went into provenance as given (never made relative to the repository): a batch row
    (its mapping made absolute from the manifest) and 'declare --mapping m.yaml' in that directory wrote two
    content hashes for the same files, exit 0."""
    (tmp_path / "m.yaml").write_text('database: bg-es\nmap:\n  electricity/CN-NM: '
                                     '{name: "electricity production, test", location: CN}\n')
    monkeypatch.chdir(tmp_path)
    data = REPO / "examples/ndpr-oxide/activity-2025.yaml"
    alone = footprint.declare("ndpr-oxide", data, mapping="m.yaml", created=CREATED)
    assert alone["provenance"]["background"]["mapping"]["path"] == str((tmp_path / "m.yaml").resolve())
    (tmp_path / "manifest.csv").write_text(f"rule,data,output,mapping\nndpr-oxide,{data},out/a.json,m.yaml\n")
    summary = footprint.batch_declare(tmp_path / "manifest.csv", created=CREATED)
    assert summary.ok, summary.errors_csv()
    assert json.loads((tmp_path / "out/a.json").read_text())["content_sha256"] == alone["content_sha256"]


# ----------------------------------------------------------------------------- Dask LocalCluster, 2 workers

def waiting_task(rows, context):
    """footprint.api._declare_chunk, except that row 1's chunk finishes only after row 2's (at most 20 s)."""
    import os
    import time

    from footprint import api

    marker = context["marker"]
    if any(row.number == 1 for row in rows):
        deadline = time.monotonic() + 20
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
    outcomes = api._declare_chunk(rows, context)
    if any(row.number == 2 for row in rows):
        open(marker, "w").close()
    return outcomes


def test_on_dask_the_register_takes_the_rows_in_manifest_order_as_the_serial_run_does(project, tmp_path,
                                                                                   monkeypatch):
    """Two rows of one facility and reporting period (a second data set): the register keeps the first and
    refuses the second (one declaration per facility and period).  Serially that is row 1.  On Dask outcomes
    were written and registered as chunks completed, so when row 2 finished first the register kept row 2's
    declaration and refused row 1's, exit 2 either way: which declaration entered the class thresholds
    depended on timing.  Now Dask hands outcomes on in row order, as the serial run and the pool do."""
    pytest.importorskip("distributed")
    import cloudpickle

    from footprint import api

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    data = REPO / "examples/ndpr-oxide/activity-2025.yaml"
    text = data.read_text()
    assert "{kind: diesel, amount: 611000," in text
    (tmp_path / "v2.yaml").write_text(text.replace("{kind: diesel, amount: 611000,", "{kind: diesel, amount: 700000,"))
    (tmp_path / "m.csv").write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{data},out/a.json,100,2025\n"
                                    "ndpr-oxide,v2.yaml,out/b.json,100,2025\n")
    marker = str(tmp_path / "row-2-done")
    context = api._batch_context
    monkeypatch.setattr(api, "_batch_context", lambda scheduler, **options: {**context(scheduler, **options),
                                                                             "marker": marker})
    monkeypatch.setattr(api, "_declare_chunk", waiting_task)
    summary = footprint.batch_declare(tmp_path / "m.csv", register=tmp_path / "r.sqlite", scheduler="local",
                                      workers=2, created=CREATED)
    assert os.path.exists(marker)
    assert [o.status for o in summary.outcomes] == ["ok", "error"], summary.errors_csv()
    assert "of the same declarant and facility" in summary.outcomes[1].message
    assert not (tmp_path / "out/b.json").exists()  # refused by the register: not written (test_batch_register_before_write)
    registered = [r["declaration_id"] for r in footprint.market_rows(register=tmp_path / "r.sqlite")]
    assert registered == [json.loads((tmp_path / "out/a.json").read_text())["id"]]


def test_a_rule_by_id_and_the_same_rule_by_path_are_one_declaration_for_the_register(project, tmp_path):
    """Rows 1 and 2 are one declaration (the library's rule, once by id and once by its file) for one year: the
    second is refused before anything is computed, as two rows naming the rule alike are; the id's text and
    the file's content made two keys, so row 2 was computed and refused only as its result arrived."""
    data = REPO / "examples/ndpr-oxide/activity-2025.yaml"
    (tmp_path / "m.csv").write_text(f"rule,data,output,mass_kg,year\nndpr-oxide,{data},a.json,100,2025\n"
                                    f"{REPO / 'rules/ndpr-oxide.yaml'},{data},b.json,100,2025\n")
    summary = footprint.batch_declare(tmp_path / "m.csv", register=tmp_path / "r.sqlite", created=CREATED)
    assert [o.status for o in summary.outcomes] == ["ok", "error"]
    assert "the same declaration (the same rule, activity data and options) and year 2025 as row 1" in \
        summary.outcomes[1].message
    assert not (tmp_path / "b.json").exists()


def test_a_rule_file_with_an_upper_case_suffix_is_read_beside_the_manifest(producer, tmp_path, monkeypatch):
    """'own-rules/ndpr-metal.YAML' was taken as a rule id (only '.yaml' made a path): looked for from the
    current directory, not the manifest's, it was not found (or another file was read), while 'declare' run
    beside the manifest reads the file it names."""
    (producer / "own-rules/ndpr-metal.yaml").rename(producer / "own-rules/ndpr-metal.YAML")
    monkeypatch.chdir(producer)
    alone = footprint.declare("own-rules/ndpr-metal.YAML", "ndpr-metal/a.yaml", created=CREATED)
    (producer / "m.csv").write_text("rule,data,output\nown-rules/ndpr-metal.YAML,ndpr-metal/a.yaml,out/b.json\n")
    monkeypatch.chdir(tmp_path)  # the manifest names its files from its own directory
    summary = footprint.batch_declare(producer / "m.csv", created=CREATED)
    assert summary.ok, summary.errors_csv()
    assert json.loads((producer / "out/b.json").read_text())["content_sha256"] == alone["content_sha256"]


@contextlib.contextmanager
def _cluster(tmp_path: Path, worker_env: dict[str, str] | None = None):
    """A Dask scheduler and one worker started elsewhere (their own current directory), as on other machines;
    ``worker_env``: what differs in the worker's environment (another machine's checkout or rules)."""
    pytest.importorskip("distributed")
    import subprocess
    import time

    elsewhere = tmp_path / "worker-machine"
    elsewhere.mkdir(exist_ok=True)
    address_file = tmp_path / "scheduler.json"
    dask = Path(sys.executable).parent / "dask"
    started = [subprocess.Popen([str(dask), "scheduler", "--port", "0", "--no-dashboard", "--scheduler-file",
                                 str(address_file)], cwd=elsewhere, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        started.append(subprocess.Popen([str(dask), "worker", "--scheduler-file", str(address_file), "--nthreads",
                                         "1", "--no-dashboard"], cwd=elsewhere, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env={**os.environ, **(worker_env or {})}))
        address = json.loads(address_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address, elsewhere
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture()
def remote_cluster(tmp_path, project):
    """A Dask scheduler and one worker started elsewhere (their own current directory), as on other machines."""
    with _cluster(tmp_path) as started:
        yield started


def test_a_worker_with_another_copy_of_a_row_s_file_is_refused_for_that_row(project, tmp_path, monkeypatch):
    """A cluster worker reads a row's files at their paths on its own machine: its own checkout's rules/ for a
    rule id.  A worker whose ndpr-oxide.yaml differed (here: one description reworded, FOOTPRINT_RULES) declared
    the row under its copy and the submitter wrote it, status ok, exit 0, where the serial run declares the
    submitter's file.  The declaration records the sha256 of every file it parsed; the submitter compares."""
    rules = tmp_path / "their-rules"
    shutil.copytree(REPO / "rules", rules)
    text = (rules / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    edited = text.replace("description:", "description: (worker's copy)", 1)
    assert edited != text
    (rules / "ndpr-oxide.yaml").write_text(edited, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with _cluster(tmp_path, {"FOOTPRINT_RULES": str(rules)}) as (address, _elsewhere):
        rows = [("ndpr-oxide", str(REPO / "examples/ndpr-oxide/activity-2025.yaml")),
                ("ndpr-metal", str(REPO / "examples/ndpr-metal/activity-2025.yaml"))]
        oxide, metal = footprint.declare_many(rows, created=CREATED, scheduler=address)
    assert oxide.status == "error" and oxide.document is None, oxide.message
    assert "another rule than" in oxide.message and "ndpr-oxide.yaml" in oxide.message
    assert metal.ok, metal.message  # the rule file both machines hold alike: declared as before (its path
    # is the worker's FOOTPRINT_RULES, outside the repository, so only the provenance path differs)
    alone = footprint.declare(rows[1][0], rows[1][1], created=CREATED)
    assert metal.document["results"] == alone["results"]
    assert metal.document["provenance"]["rule"]["sha256"] == alone["provenance"]["rule"]["sha256"]


def test_a_worker_running_another_footprint_is_refused(project, tmp_path, monkeypatch):
    """A worker started from another checkout (one line of the engine changed) computed the rows with its code
    under the same snapshot and the same recorded version, exit 0.  The identity sent with each chunk now
    carries the code's digest (footprint.paths.code_digest): the worker refuses, saying why."""
    other = tmp_path / "other-checkout"
    shutil.copytree(REPO / "footprint", other / "footprint", ignore=shutil.ignore_patterns("__pycache__"))
    calculate = other / "footprint/engine/calculate.py"
    calculate.write_text(calculate.read_text(encoding="utf-8") + "\n# another checkout\n", encoding="utf-8")
    env = {"PYTHONPATH": python_path(other), "FOOTPRINT_RULES": str(REPO / "rules"),
           "FOOTPRINT_INVENTORIES": str(REPO / "inventories")}
    monkeypatch.chdir(tmp_path)
    with _cluster(tmp_path, env) as (address, _elsewhere):
        (outcome,) = footprint.declare_many([("ndpr-oxide", str(REPO / "examples/ndpr-oxide/activity-2025.yaml"))],
                                            created=CREATED, scheduler=address)
    assert outcome.status == "error" and "runs another footprint" in outcome.message, outcome.message


def test_relative_paths_on_a_cluster_are_the_submitter_s_files(remote_cluster, tmp_path, monkeypatch):
    """declare_many(('ndpr-oxide', 'data/a.yaml'), scheduler='tcp://...'): the worker opened data/a.yaml from its
    own current directory, and where the worker's machine had a file there (another producer's, an older
    copy) it declared that one, other numbers, exit 0.  Now the rows go out with the submitter's files."""
    address, elsewhere = remote_cluster
    text = (REPO / "examples/ndpr-oxide/activity-2025.yaml").read_text()
    assert "{kind: diesel, amount: 611000," in text
    (elsewhere / "data").mkdir()
    (elsewhere / "data/a.yaml").write_text(text.replace("{kind: diesel, amount: 611000,",
                                                        "{kind: diesel, amount: 700000,"))
    (tmp_path / "mine/data").mkdir(parents=True)
    (tmp_path / "mine/data/a.yaml").write_text(text)
    monkeypatch.chdir(tmp_path / "mine")
    alone = footprint.declare("ndpr-oxide", "data/a.yaml", created=CREATED)
    (outcome,) = footprint.declare_many([("ndpr-oxide", "data/a.yaml")], created=CREATED, scheduler=address)
    assert outcome.ok, outcome.message
    assert outcome.document["content_sha256"] == alone["content_sha256"]
    # batch verify of a directory named relatively: the cluster gives the serial run's verdicts, rows named alike
    footprint.write_declaration(alone, "out/d.json")
    (tmp_path / "mine/out/not-one.json").write_text("{}")
    here = footprint.batch_verify("out")
    there = footprint.batch_verify("out", scheduler=address)
    assert [(o.status, o.output) for o in there.outcomes] == [(o.status, o.output) for o in here.outcomes] == [
        ("ok", "out/d.json"), ("error", "out/not-one.json")], there.errors_csv()


def test_the_command_lines_write_one_document_and_refuse_alike(producer, monkeypatch):
    """`footprint declare` and `footprint batch declare` on the same files outside the repository: the same
    document but for its `created` time (and so its content hash), and a refused row exits 2 with the message
    declare gives.  The provenance paths differed (as typed, and made absolute from the manifest)."""
    from click.testing import CliRunner

    import cli

    text = (REPO / "examples/copper-cathode-sxew/activity-2025.yaml").read_text()
    (producer / "sxew.yaml").write_text(text)  # refused: its declared water use has no data
    monkeypatch.chdir(producer)
    single = CliRunner().invoke(cli.main, ["declare", "own-rules/ndpr-metal.yaml", "ndpr-metal/a.yaml", "-o", "d.json"])
    refused = CliRunner().invoke(cli.main, ["declare", "copper-cathode-sxew", "sxew.yaml", "-o", "s.json"])
    assert single.exit_code == 0 and refused.exit_code == 2, single.output + refused.output
    (producer / "m.csv").write_text("rule,data,output\nown-rules/ndpr-metal.yaml,ndpr-metal/a.yaml,out/d.json\n"
                                    "copper-cathode-sxew,sxew.yaml,out/s.json\n")
    batch = CliRunner().invoke(cli.main, ["batch", "declare", "m.csv"])
    assert batch.exit_code == 2 and "2 rows: 1 declared, 1 failed" in batch.output, batch.output
    reason = refused.output.split("sxew.yaml: ", 1)[1].strip()
    assert reason.startswith("field 'impact_categories.declared'") and reason in batch.output
    assert not (producer / "s.json").exists() and not (producer / "out/s.json").exists()

    def comparable(path: Path) -> dict:
        document = json.loads(path.read_text())
        del document["provenance"]["created"], document["content_sha256"]
        return document

    assert comparable(producer / "out/d.json") == comparable(producer / "d.json")


def test_the_submitters_file_hashes_never_open_a_fifo(tmp_path):
    """The submitter hashes each row's files to compare them with what a Dask worker declared; it opened them
    with open(): a FIFO named as a row's data file held the whole run waiting for a writer (the worker itself
    refuses a FIFO).  Now a file that is no regular input is left to the worker to refuse; a rule id is hashed as
    declare resolves it."""
    import threading

    from footprint.market import batch

    fifo = tmp_path / "activity.yaml"
    os.mkfifo(fifo)
    found: list[dict] = []
    reader = threading.Thread(target=lambda: found.append(batch.submitted_files(
        batch.Row(1, rule="ndpr-oxide", data=str(fifo)))), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "submitted_files waited on the FIFO"
    (files,) = found
    assert "data" not in files
    assert Path(files["rule"][0]) == REPO / "rules" / "ndpr-oxide.yaml"
    assert files["rule"][1] == __import__("hashlib").sha256((REPO / "rules/ndpr-oxide.yaml").read_bytes()).hexdigest()
