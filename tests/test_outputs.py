"""Outputs are whole or absent: sets of files written together, no device replaced, a full disk is exit 2.

Regression tests for issue 10's output defects: a JSON left without its HTML report by a failure
between the two writes; ``report -o NODE --force`` replacing a device node; disk full and read-only
file systems as tracebacks; ``=diesel`` reaching a CSV export raw and an XLSX template as a formula.
Disk full is tested deterministically twice: by making ``os.write`` fail in-process, and on a real
64 KiB tmpfs when this process may mount one (root on Linux; skipped with the reason otherwise).
"""
from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli
import footprint
from footprint import _io
from footprint.errors import OutputError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"


def invoke(*args) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def leftovers(folder: Path) -> list[str]:
    """Temporary files a failed write might have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture()
def declaration_file(example_declaration, tmp_path) -> Path:
    return footprint.write_declaration(example_declaration, tmp_path / "decl.json")


# ----------------------------------------------------------------------------- pairs: both or neither

def test_a_failing_report_leaves_no_declaration_behind(project, tmp_path, monkeypatch):
    # Before: declare wrote the JSON, then the report failed: a declaration without its report.
    def broken(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    real_write = os.write
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] > 1:  # the first temporary (the report) is written, the second (the JSON) is not
            broken()
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    result = invoke("declare", "ndpr-oxide", EXAMPLE, "-o", tmp_path / "d.json", "--report", tmp_path / "d.html")
    assert result.exit_code == 2, result.stderr
    assert "the disk is full" in result.stderr and "d.json" in result.stderr
    assert not (tmp_path / "d.json").exists() and not (tmp_path / "d.html").exists()
    assert leftovers(tmp_path) == []


def test_a_failing_rename_of_the_json_takes_the_report_back(example_declaration, tmp_path, monkeypatch):
    """The report is renamed first, the JSON last; if the JSON's rename fails, the report is removed.

    (Without --force a temporary is put in place by a hard link, which fails if a file appeared there;
    a rename where links are unsupported: both fail here.)"""
    real_replace, real_link = os.replace, os.link

    def replace(source, target):
        if str(target).endswith(".json"):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_replace(source, target)

    def link(source, target):
        if str(target).endswith(".json"):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_link(source, target)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", link)
    with pytest.raises(OutputError, match="read-only"):
        footprint.write_declaration(example_declaration, tmp_path / "d.json", report=tmp_path / "d.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failed_forced_rewrite_keeps_the_old_pair(example_declaration, tmp_path, monkeypatch):
    footprint.write_declaration(example_declaration, tmp_path / "d.json", report=tmp_path / "d.html")
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    changed = dict(example_declaration, id="another-id")
    real_replace = os.replace

    def replace(source, target):
        if str(target).endswith("d.json") and ".old" not in str(source):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match="disk is full"):
        footprint.write_declaration(changed, tmp_path / "d.json", report=tmp_path / "d.html", force=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old  # old report restored, old JSON kept


def test_ctrl_c_while_writing_leaves_nothing(example_declaration, tmp_path, monkeypatch):
    def write(fd, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(KeyboardInterrupt):
        footprint.write_declaration(example_declaration, tmp_path / "d.json", report=tmp_path / "d.html")
    assert list(tmp_path.iterdir()) == []


def test_classes_assign_writes_declaration_report_and_label_together(example_declaration, example_scheme, tmp_path,
                                                                     monkeypatch):
    """A label that cannot be drawn leaves neither the classed declaration nor its report."""
    scheme = example_scheme
    decl = footprint.write_declaration(example_declaration, tmp_path / "decl.json")

    def broken(_record):
        raise RuntimeError("label drawing failed")

    monkeypatch.setattr("footprint.report.label.class_label_png", broken)
    out = tmp_path / "out"
    result = invoke("classes", "assign", decl, "--scheme", scheme, "-o", out / "c.json", "--report", out / "c.html",
                    "--label", out / "c.png")
    assert isinstance(result.exception, RuntimeError)
    assert not out.exists() or list(out.iterdir()) == []


# ----------------------------------------------------------------------------- paths that are not regular files

def test_report_refuses_a_fifo_even_with_force(declaration_file, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = invoke("report", declaration_file, "-o", fifo, "--force")
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_report_refuses_a_link_to_dev_null_even_with_force(declaration_file, tmp_path):
    # Before: 'report -o NODE --force' replaced a device node with a regular file (as root: /dev/null).
    # A link to /dev/null is refused the same way; replacing the link itself would never touch /dev/null,
    # so the test cannot harm the machine even if the check were missing.
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    result = invoke("report", declaration_file, "-o", link, "--force")
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)


def test_check_output_refuses_a_socket(tmp_path):
    import socket

    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(OutputError, match="not a regular file"):
            footprint.check_output(path, force=True)
    finally:
        server.close()


# ----------------------------------------------------------------------------- disk full, read-only

@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only"),
                                        (errno.EACCES, "permission denied"), (errno.EDQUOT, "quota")])
def test_write_failures_are_exit_2_naming_the_path_with_nothing_left(declaration_file, tmp_path, monkeypatch,
                                                                     code, words):
    def write(fd, data):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "write", write)
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("report", declaration_file, "-o", out / "r.html")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert words in result.stderr and str(out / "r.html") in result.stderr
    assert list(out.iterdir()) == []


def test_fsync_failure_is_a_write_failure(declaration_file, tmp_path, monkeypatch):
    def fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OutputError, match="input/output error"):
        footprint.write_report(footprint.read_declaration(declaration_file), tmp_path / "r.html")
    assert leftovers(tmp_path) == []


@pytest.fixture()
def tiny_tmpfs(tmp_path):
    """A 64 KiB tmpfs (root on Linux only); skipped with the reason where it cannot be mounted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, timeout=30)


def test_a_really_full_disk_is_exit_2_and_leaves_nothing(project, tiny_tmpfs):
    result = invoke("declare", "ndpr-oxide", EXAMPLE, "-o", tiny_tmpfs / "d.json", "--report", tiny_tmpfs / "d.html")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "the disk is full" in result.stderr
    assert list(tiny_tmpfs.iterdir()) == []


def test_a_read_only_file_system_is_exit_2(declaration_file, tiny_tmpfs):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_tmpfs)], check=True, timeout=30)
    result = invoke("report", declaration_file, "-o", tiny_tmpfs / "r.html")
    assert result.exit_code == 2
    assert "read-only file system" in result.stderr
    assert list(tiny_tmpfs.iterdir()) == []


# ----------------------------------------------------------------------------- CSV and XLSX injection

def _rule_with_kind(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    """The NdPr oxide rule with its input kind 'diesel' renamed to ``kind``, and the example data to match."""
    quoted = json.dumps(kind)
    text = RULE.read_text(encoding="utf-8")
    text = text.replace("[diesel, electricity]", f"[{quoted}, electricity]").replace(
        "coal, diesel]", f"coal, {quoted}]").replace("\n  diesel: {", f"\n  {quoted}: {{").replace(
        "\nversion: 1.1.0\n", "\nversion: 1.1.1\n")  # a changed rule is a version of its own (rule.library_conflict)
    rule = tmp_path / "rule.yaml"
    rule.write_text(text, encoding="utf-8")
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text(encoding="utf-8").replace("kind: diesel", f"kind: {quoted}").replace(
        "not_used: [fuel-oil, diesel]", f"not_used: [fuel-oil, {quoted}]"), encoding="utf-8")
    return rule, data


def test_an_input_kind_named_like_a_formula_is_text_in_the_csv_export(project, tmp_path):
    # Before: '=diesel' reached the CSV export raw (a formula in the customer's spreadsheet).
    rule, data = _rule_with_kind(tmp_path, "=diesel")
    assert invoke("declare", rule, data, "-o", tmp_path / "d.json").exit_code == 0
    assert invoke("export", tmp_path / "d.json", "--format", "csv", "-o", tmp_path / "c.csv").exit_code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text(encoding="utf-8"))))
    cells = [cell for row in rows[1:] for cell in row[:6]]
    assert any(cell.startswith("'=diesel") for cell in cells)
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    values = [row[6] for row in rows[1:]]
    assert values and all(not v.startswith("'") and math.isfinite(float(v)) for v in values)  # plain numbers


def test_csv_cells_neutralised_but_negative_numbers_stay_numbers():
    from footprint.export.csv import to_csv

    document = {"results": [{"category": "c", "declared": True, "coverage": "=partial"}],
                "contributions": [{"category": "c", "stage": "+s", "process": "@p", "item": "=HYPERLINK(\"x\")",
                                   "kind": "\tk", "dataset": "\rd", "value": -1.5, "unit": "-kg"}]}
    row = list(csv.reader(io.StringIO(to_csv(document), newline="")))[1]
    # the last cell: what every value is per (no declared_unit here: Annex V's default, 1 kg)
    assert row == ["c", "'+s", "'@p", "'=HYPERLINK(\"x\")", "'\tk", "'\rd", "-1.5", "'-kg", "true", "'=partial", "",
                   "1 kg"]


def test_an_input_kind_named_like_a_formula_is_a_text_cell_in_the_xlsx_template(tmp_path):
    # Before: the template wrote '=diesel' as a formula cell.
    from openpyxl import load_workbook

    rule, _data = _rule_with_kind(tmp_path, "=diesel")
    template = footprint.make_template(rule, tmp_path / "t.xlsx")
    book = load_workbook(template)
    cells = [c for row in book["mining"].iter_rows() for c in row if c.value == "=diesel"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_the_neutralised_template_cell_reads_back_as_the_kinds_name(tmp_path):
    """Read back, the quote-prefixed cell is the kind's real name: no formula refusal, no stray quote."""
    from footprint.inputs.activity_xlsx import read_xlsx

    rule, _data = _rule_with_kind(tmp_path, "=diesel")
    template = footprint.make_template(rule, tmp_path / "t.xlsx")
    raw, book = read_xlsx(template)  # nothing filled in: no process reported, and no formula refused
    assert raw["processes"] == {}
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(template, data_only=True)["mining"].iter_rows() for c in row]
    assert "=diesel" in values and "'=diesel" not in values


def test_declare_never_overwrites_its_own_inputs_even_with_force(project, tmp_path):
    """``declare data.yaml -o data.yaml --force`` replaced the activity data with the declaration (exit 0).

    The same file spelled otherwise (``x/../``), reached through a symlink or named as the
    mapping is refused too, before anything is computed; the input keeps its bytes.
    """
    data = tmp_path / "activity.yaml"
    data.write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "link.json").symlink_to(data)
    for output in (data, tmp_path / "x" / ".." / "activity.yaml", tmp_path / "link.json"):
        result = invoke("declare", "ndpr-oxide", str(data), "-o", str(output), "--force")
        assert result.exit_code == 2 and "the output is an input (activity data)" in result.output, result.output
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("map: {}\n")
    result = invoke("declare", "ndpr-oxide", str(data), "-o", str(mapping), "--mapping", str(mapping), "--force")
    assert result.exit_code == 2 and "the output is an input (background mapping)" in result.output
    assert data.read_bytes() == EXAMPLE.read_bytes() and mapping.read_text() == "map: {}\n"


def test_write_declaration_refuses_the_activity_data_it_records(example_declaration, tmp_path, monkeypatch):
    """The API path (declare() then write_declaration) is guarded by the declaration's own provenance."""
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "activity.yaml"
    data.write_bytes(EXAMPLE.read_bytes())
    document = footprint.declare("ndpr-oxide", "activity.yaml")
    with pytest.raises(OutputError, match=r"the output is an input \(activity data\)"):
        footprint.write_declaration(document, data, force=True)
    assert data.read_bytes() == EXAMPLE.read_bytes()


def test_two_outputs_of_one_command_that_are_one_file_are_refused(example_declaration, tmp_path):
    """``declare -o d.json --report d.json`` wrote the JSON over the report and said both were written."""
    with pytest.raises(OutputError, match="two outputs of one command are the same file"):
        footprint.write_declaration(example_declaration, tmp_path / "d.json", report=tmp_path / "d.json")
    with pytest.raises(OutputError, match="two outputs of one command are the same file"):
        footprint.write_declaration(example_declaration, tmp_path / "d.json", report=tmp_path / "sub" / ".." / "d.json")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", [["report", "{decl}", "-o", "{decl}"],
                                     ["report", "{decl}", "-o", "{other}", "--pdf", "{decl}"],
                                     ["export", "{decl}", "--format", "pact", "-o", "{decl}"],
                                     ["export", "{decl}", "--format", "csv", "-o", "{decl}"]])
def test_report_and_export_never_write_over_the_declaration_they_read(declaration_file, tmp_path, command):
    """``report d.json -o d.json --force`` replaced the declaration with its HTML report (exit 0)."""
    before = declaration_file.read_bytes()
    args = [a.format(decl=declaration_file, other=tmp_path / "r.html") for a in command] + ["--force"]
    result = invoke(*args)
    assert result.exit_code == 2 and "the output is an input (declaration)" in result.output, result.output
    assert declaration_file.read_bytes() == before


# ----------------------------------------------------------------------------- output audit: links, modes, races, kills

def test_two_outputs_through_a_linked_folder_are_one_file_and_refused(tmp_path):
    """``-o real/x --report link/x`` (link -> real), x not yet there: no inode could tell them apart, the
    second rename replaced the first (the report lost, exit 0)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    with pytest.raises(OutputError, match="two outputs of one command are the same file"):
        _io.write_outputs([(tmp_path / "real" / "x", "report"), (tmp_path / "link" / "x", "json")], force=False)
    assert list((tmp_path / "real").iterdir()) == []


def test_a_dangling_link_at_the_output_is_replaced_only_with_force(tmp_path):
    """A symbolic link to a missing file was replaced by the output without --force (the link lost, exit 0)."""
    link = tmp_path / "out.json"
    link.symlink_to("elsewhere.json")
    with pytest.raises(OutputError, match="output path is a symbolic link"):
        _io.write_atomic(link, "new", force=False)
    assert link.is_symlink() and os.readlink(link) == "elsewhere.json" and leftovers(tmp_path) == []
    _io.write_atomic(link, "new", force=True)
    assert not link.is_symlink() and link.read_text() == "new"


def test_a_forced_rewrite_keeps_the_files_permissions(tmp_path):
    """A declaration made private (chmod 600) and written again with --force (or signed in place) came
    back 0644: readable by everyone.  A new file still gets the umask's mode; a key its explicit 0600."""
    private = tmp_path / "decl.json"
    private.write_text("old")
    private.chmod(0o600)
    _io.write_atomic(private, "new", force=True)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
    umask = os.umask(0o022)
    try:
        fresh = _io.write_atomic(tmp_path / "fresh.json", "x", force=False)
        key = _io.write_atomic(tmp_path / "key", "k", force=False, mode=0o600)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644 and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_file_that_appears_while_writing_is_not_replaced_without_force(tmp_path, monkeypatch):
    """The existence check and the rename were apart: a file another run wrote there in between was
    replaced (exit 0).  Without --force the output is now placed only where nothing is."""
    target = tmp_path / "d.json"
    real_temporary = _io._write_temporary

    def temporary_then_another_run_writes(path, data, mode, *created):
        tmp = real_temporary(path, data, mode, *created)
        target.write_text("another run's declaration")
        return tmp

    monkeypatch.setattr(_io, "_write_temporary", temporary_then_another_run_writes)
    with pytest.raises(OutputError, match="output file exists"):
        _io.write_atomic(target, "ours", force=False)
    assert target.read_text() == "another run's declaration" and leftovers(tmp_path) == []
    _io.write_atomic(target, "ours", force=True)  # --force replaces, as asked
    assert target.read_text() == "ours"


_KILLED_WHILE_WRITING = """
import os, signal, sys
sys.path.insert(0, {repo!r})
signal.signal(signal.{signal}, signal.{disposition})  # whatever the test run's own caller set (nohup ignores SIGHUP)
real_fsync = os.fsync
def fsync(fd):  # the signal arrives while the first temporary is being written
    os.kill(os.getpid(), signal.{signal})
    return real_fsync(fd)
os.fsync = fsync
import cli
sys.argv = ["footprint", "keys", "new", "--out", {out!r}]
cli.main()
"""


@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_kill_while_writing_leaves_no_temporary_and_no_traceback(tmp_path, name, code):
    """SIGTERM (``timeout``, a scheduler) or SIGHUP (a closed terminal) while writing ended the process on the
    spot: ``.key.XXXX.tmp`` stayed beside the output.  Now they clean up as Ctrl-C does."""
    script = _KILLED_WHILE_WRITING.format(repo=str(REPO), signal=name, disposition="SIG_DFL",
                                          out=str(tmp_path / "key"))
    done = subprocess.run([os.sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and f"terminated ({name})" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_signal_the_caller_ignores_stays_ignored_while_writing(tmp_path):
    """Under ``nohup`` (SIGHUP ignored) a closed terminal does not stop a run: the key is written whole, exit 0.

    Why a test: the test above had inherited the suite's own SIGHUP disposition, so run under ``nohup make
    test`` it saw exit 0 and failed; it now sets the default itself, and this one holds the other side."""
    script = _KILLED_WHILE_WRITING.format(repo=str(REPO), signal="SIGHUP", disposition="SIG_IGN",
                                          out=str(tmp_path / "key"))
    done = subprocess.run([os.sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key", "key.pub"]


def test_signing_in_place_through_a_link_signs_the_file_it_names(declaration_file, tmp_path):
    """``sign latest.json`` (a link to decl.json) replaced the link by a signed copy: decl.json stayed
    unsigned, the link was gone, exit 0.  Its private mode (0600) also became 0644."""
    key = tmp_path / "k"
    footprint.new_key(key)
    declaration_file.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to(declaration_file.name)
    result = invoke("sign", link, "--key", key)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == declaration_file.name
    assert len(json.loads(declaration_file.read_text())["signatures"]) == 1
    assert stat.S_IMODE(declaration_file.stat().st_mode) == 0o600


def test_an_output_with_a_long_legal_name_is_written(tmp_path):
    """A 250-byte file name (the limit is 255) was refused as "File name too long": the temporary beside it
    was named ".NAME.XXXXXXXX.tmp"."""
    target = tmp_path / ("é" * 60 + "x" * 125 + ".json")  # 250 bytes of UTF-8
    assert len(target.name.encode("utf-8")) == 250
    _io.write_atomic(target, "{}", force=False)
    assert target.read_text() == "{}" and leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["/", "/."])
def test_an_output_path_ending_as_a_folder_is_refused(tmp_path, suffix):
    """``keys new --out keys/`` (or ``export ... -o out/``): Path("keys/") is "keys", so a file named keys
    was written where a folder was meant, exit 0."""
    result = invoke("keys", "new", "--out", f"{tmp_path / 'keys'}{suffix}")
    assert result.exit_code == 2 and "names a folder, not a file" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_a_signal_just_after_the_temporary_is_made_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C delivered right after the temporary file was made, before the clean-up knew its name:
    ``.d.json.XXXX.tmp`` stayed.  Holding signals in this thread did not guard it (a signal sent to the process
    goes to any thread not holding it; with other threads running it was raised here at once, one run in three).
    Now the name is recorded before the file exists, so an interruption at any moment leaves nothing."""
    real_open = os.open

    def open_then_ctrl_c(name, *args, **kwargs):
        fd = real_open(name, *args, **kwargs)
        if str(name).endswith(".tmp"):
            os.close(fd)
            raise KeyboardInterrupt  # as Python raises a signal between two bytecodes, right after the file exists
        return fd

    monkeypatch.setattr(os, "open", open_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        _io.write_atomic(tmp_path / "d.json", "{}", force=False)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["export", "{decl}", "--format", "csv", "-o", "{data}"],
                                     ["export", "{decl}", "--format", "pact", "-o", "{data}"],
                                     ["report", "{decl}", "-o", "{data}"],
                                     ["sign", "{decl}", "--key", "{key}", "-o", "{data}"]])
def test_files_made_from_a_declaration_never_replace_what_it_was_computed_from(project, tmp_path, command):
    """``export d.json --format csv -o activity.yaml --force`` replaced the activity data the declaration
    records (exit 0), so it could no longer be verified; only declare's own JSON was protected."""
    data = tmp_path / "activity.yaml"
    data.write_bytes(EXAMPLE.read_bytes())
    decl = footprint.write_declaration(footprint.declare("ndpr-oxide", data), tmp_path / "d.json")
    footprint.new_key(tmp_path / "k")
    result = invoke(*[a.format(decl=decl, data=data, key=tmp_path / "k") for a in command], "--force")
    assert result.exit_code == 2 and "the output is an input (activity data)" in result.output, result.output
    assert data.read_bytes() == EXAMPLE.read_bytes()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_that_cannot_be_written_is_exit_2_without_a_traceback(tmp_path):
    """``footprint keys new --out k > /dev/full``: a traceback and exit 1 (read as "verification found a
    difference"); now one line naming standard output, exit 2."""
    with open("/dev/full", "w") as full:
        done = subprocess.run([os.sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import cli; "
                               "sys.argv = ['footprint', 'keys', 'new', '--out', sys.argv[2]]; cli.main()",
                               str(REPO), str(tmp_path / "k")], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "cannot write to standard output" in done.stderr


@pytest.mark.parametrize("option", ["--db", "--register"])
def test_a_database_path_ending_as_a_folder_is_refused(tmp_path, option):
    """``clients add c --db reg/`` (or ``market list --register reg/``): Path("reg/") is "reg", so an SQLite
    file named reg was made where a folder was meant, exit 0."""
    from footprint.market import db

    args = ["clients", "add", "c1", "--db"] if option == "--db" else ["market", "list", "--register"]
    result = invoke(*args, f"{tmp_path / 'reg'}/")
    assert result.exit_code == 2 and "names a folder, not a file" in result.output, result.output
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(db.DatabaseError, match="names a folder"):
        db.url_for("reg/.")


@pytest.mark.parametrize("force", [False, True])
def test_a_ctrl_c_sent_from_another_thread_during_the_renames_never_splits_the_outputs(tmp_path, monkeypatch, force):
    """The renames of a declaration and its report held Ctrl-C by this thread's signal mask; a signal sent to the
    process goes to a thread not holding it and Python raises it in the main thread at once: the report was in
    place, the declaration not.  Now the signal is noted in the handler's place and delivered after both."""
    import signal
    import threading

    if force:
        (tmp_path / "d.json").write_text("old")
        (tmp_path / "r.html").write_text("old")
    sent = []
    go = threading.Event()

    def sender() -> None:  # started before the renames: a thread holds what its creator held when it started
        go.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=sender)
    thread.start()

    def ctrl_c_from_another_thread() -> None:
        if not sent:
            sent.append(True)
            go.set()
            thread.join()

    for name in ("link", "replace", "rename"):
        real = getattr(os, name)

        def wrapped(*args, _real=real, **kwargs):
            ctrl_c_from_another_thread()
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, wrapped)
    with pytest.raises(KeyboardInterrupt):
        _io.write_outputs([(tmp_path / "d.json", "new"), (tmp_path / "r.html", "new")], force=force)
    monkeypatch.undo()
    assert sent
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"d.json": "new", "r.html": "new"}


def test_declare_refuses_a_report_at_the_declarations_path_before_computing(tmp_path, monkeypatch):
    """``declare -o d.json --report ./d.json`` was refused only after the declaration had been computed (seconds,
    minutes with --uncertainty, wasted); now before."""
    from click.testing import CliRunner

    import cli

    def computed(*_args, **_kwargs):
        raise AssertionError("the declaration was computed before the outputs were checked")

    monkeypatch.setattr(footprint, "declare", computed)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "-o", "d.json", "--report",
                                           "./d.json"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "two outputs of one command are the same file" in result.stderr
    assert leftovers(tmp_path) == []
