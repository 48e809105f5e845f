"""The same inputs give the same declaration (or the same refusal) on any machine: time zone, locale, file names.

Before:
- with ``TZ=America/Adak`` (UTC-10, still yesterday there until 10:00 UTC) a supplier's declaration made
  today (UTC) of a period that ended yesterday was refused as "made" on its period's last day, while the
  same command in UTC declared it; ``verify`` of the buyer's declaration made in UTC exited 2 there.  Five
  places read the machine's local day (``date.today()``, ``time.strftime``), and ``sign(signed_at=)`` took a
  naive time as local time;
- with ``LC_ALL=de_DE.ISO-8859-1`` (or ``PYTHONIOENCODING=latin-1``) ``rules diff`` and ``inventories show``
  ended in a UnicodeEncodeError traceback (their '→' and '–'), exit 1;
- a data file in a folder whose name is not UTF-8 (``bad\\xffdir``) was computed, then the content hash
  failed with a UnicodeEncodeError traceback.

``TZ=ABC+24`` is a POSIX zone 24 hours behind UTC: its date is yesterday's at every hour, so the
tests do not depend on when they run.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)

REPO = Path(__file__).resolve().parents[1]
PERIOD = "period: {start: 2025-01-01, end: 2025-12-31}"
BEHIND = "ABC+24"  # local date = the UTC date minus one day, whatever the hour


@pytest.fixture()
def local_zone(monkeypatch):
    """Switch this process's local time zone (TZ + time.tzset), and back afterwards."""
    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def _year_to(end: dt.date) -> tuple[dt.date, dt.date]:
    """The 12-month period ending on ``end``."""
    try:
        before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        before = dt.date(end.year - 1, 2, 28)
    return before + dt.timedelta(days=1), end


def _with_period(source: Path, target: Path, start: dt.date, end: dt.date) -> Path:
    text = source.read_text(encoding="utf-8")
    assert PERIOD in text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace(PERIOD, f"period: {{start: {start.isoformat()}, end: {end.isoformat()}}}"),
                      encoding="utf-8")
    return target


def test_a_supplier_declaration_of_a_period_ended_yesterday_is_judged_on_the_utc_day(project, tmp_path, local_zone,
                                                                                    real_clock):
    """Made today (UTC) for a period that ended yesterday (UTC): a complete period, in every time zone.

    On the real clock (not the suite's fixed one, conftest): the machine's local day, which the old code read,
    is the real one, so the product's UTC day must be the real one too for the comparison to mean anything."""
    today = dt.datetime.now(dt.timezone.utc).date()
    start, end = _year_to(today - dt.timedelta(days=1))
    if start < dt.date(2025, 1, 1) or end > dt.date(2028, 12, 31):  # the rules' accepted reporting periods
        pytest.skip("the shipped rules accept no 12-month period ending yesterday")
    oxide = _with_period(REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml", tmp_path / "oxide.yaml", start, end)
    footprint.write_declaration(footprint.declare("ndpr-oxide", oxide), tmp_path / "suppliers" / "ndpr-oxide-2025.json")
    metal = _with_period(REPO / "examples" / "ndpr-metal" / "activity-2025.yaml", tmp_path / "m" / "metal.yaml",
                         start, end)  # names ../suppliers/ndpr-oxide-2025.json
    in_utc = footprint.declare("ndpr-metal", metal)
    made = footprint.write_declaration(in_utc, tmp_path / "metal.json")

    local_zone(BEHIND)
    assert dt.date.today() < today  # the machine's local day is yesterday
    behind = footprint.declare("ndpr-metal", metal)  # old code: "had not ended when it was made (..., made <yesterday>)"
    assert [r["value"] for r in behind["results"]] == [r["value"] for r in in_utc["results"]]
    assert behind["provenance"]["created"].startswith(today.isoformat())
    assert footprint.verify_declaration(made, metal).ok  # a reviewer in that zone recomputes it (old code: exit 2)


def test_a_naive_signing_time_is_utc_not_the_machines_local_time(example_declaration, local_zone):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from footprint.declaration.signing import sign

    local_zone("HST+10")  # UTC-10, as America/Adak in winter
    signed = sign(example_declaration, Ed25519PrivateKey.generate(), signed_at=dt.datetime(2026, 1, 15, 9, 30))
    assert signed["signatures"][-1]["signed_at"] == "2026-01-15T09:30:00Z"  # old code: 2026-01-15T19:30:00Z


#: ways to read the machine's local date or time (the package reads the clock through footprint._time)
LOCAL_CLOCK = re.compile(r"\bdate\.today\(\)|\bdatetime\.now\(\)|\bdatetime\.today\(\)|time\.strftime\(|"
                         r"time\.localtime\(|\.astimezone\(\)|fromtimestamp\([^,()]*\)")


def test_no_code_reads_the_machines_local_day():
    """Every "today" is the UTC day a declaration records: no local clock anywhere in the package or the CLI."""
    sources = [REPO / "cli.py", *(path for path in sorted((REPO / "footprint").rglob("*.py"))
                                  if path.name != "_time.py")]  # the one clock, whose docstring names them
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for path in sources for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if LOCAL_CLOCK.search(line.split("#", 1)[0])]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("encoding", ["latin-1", "iso8859-9"])  # German, Turkish terminals
def test_output_on_a_terminal_without_utf8_is_printed_not_a_traceback(encoding):
    """A character the terminal's charset has not is escaped; everything else is printed as it is."""
    env = dict(os.environ, PYTHONIOENCODING=encoding, PYTHONPATH=python_path(REPO))
    run = subprocess.run([sys.executable, "cli.py", "rules", "diff", "rules/ndpr-oxide.yaml",
                          "examples/rules/ndpr-oxide-draft.yaml"], cwd=REPO, env=env, capture_output=True)
    assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr.decode("utf-8", "replace")[-600:]
    assert b"version: 1.1.0 \\u2192 1.2.0" in run.stdout  # old code: UnicodeEncodeError, exit 1


def test_a_data_file_in_a_folder_not_named_in_utf8_is_refused_naming_it(project, tmp_path):
    folder = tmp_path / os.fsdecode(b"bad\xffdir")
    try:
        folder.mkdir()
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system does not take a name that is not UTF-8")
    data = folder / "activity.yaml"
    data.write_bytes((REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml").read_bytes())
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(data), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output  # old code: UnicodeEncodeError in the content hash, after the calculation
    assert "bad\\xffdir" in result.stderr and "field 'path': the file's path is not valid UTF-8" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("no_color, coloured", [("1", False), ("", True)])  # no-color.org: set and not empty
def test_no_color_turns_off_colour_on_a_terminal(no_color, coloured):
    """click colours any terminal; NO_COLOR=1 is the user's word that this one must not be (old code: red)."""
    result = CliRunner().invoke(cli.main, ["rules", "show", "no-such-rule"], color=True, env={"NO_COLOR": no_color})
    assert result.exit_code == 2 and "error: unknown rule" in result.stderr
    assert ("\x1b[" in result.stderr) is coloured


def test_a_machine_without_a_home_directory_is_told_to_set_footprint_home(tmp_path, monkeypatch):
    """A container run as a user id /etc/passwd does not know, with HOME unset: old code, a RuntimeError
    traceback from platformdirs (exit 1) out of every command that reads data."""
    import pwd

    def unknown_user(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.chdir(tmp_path)
    for name in ("FOOTPRINT_HOME", "XDG_DATA_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", unknown_user)  # what a uid without a passwd entry gets
    result = CliRunner().invoke(cli.main, ["setup"])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "field 'FOOTPRINT_HOME': no home directory to keep footprint's data in" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing set up in the current directory


def _as_another_user() -> list[str] | None:
    """The command prefix that runs as a user who is not the data's owner (None: this machine cannot)."""
    if os.geteuid() != 0:
        return []  # a mode-0 directory is closed to its owner too
    import shutil

    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups"] if setpriv else None


@pytest.mark.parametrize("closed", [".", "snapshots"])
def test_a_footprint_home_this_user_may_not_read_is_refused_naming_it(closed):
    """A shared FOOTPRINT_HOME set up under umask 077 by its owner, used by another user.  Old code: the home
    closed, a PermissionError traceback (exit 1); its snapshots closed, CURRENT unread was "no snapshot set
    up", a set-up was announced and failed ("cannot write")."""
    import shutil
    import tempfile

    prefix = _as_another_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: no other user to be")
    place = Path(tempfile.mkdtemp(prefix="footprint-umask-"))
    try:
        place.chmod(0o755)
        home, out = place / "home", place / "out"
        (home / "inventories").mkdir(parents=True)
        (home / "snapshots").mkdir()
        (home / "snapshots" / "CURRENT").write_text("0123456789abcdef\n", encoding="utf-8")
        out.mkdir(mode=0o777)
        out.chmod(0o777)
        home.chmod(0o755)
        (home / closed).chmod(0o000 if not prefix else 0o700)
        env = dict(os.environ, FOOTPRINT_HOME=str(home), HOME=str(out), PYTHONPATH=python_path(REPO))
        run = subprocess.run([*prefix, sys.executable, "cli.py", "declare", "ndpr-oxide",
                              "examples/ndpr-oxide/activity-2025.yaml", "-o", str(out / "d.json")],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 2 and "Traceback" not in run.stderr, (run.returncode, run.stderr[-800:])
        assert "field 'FOOTPRINT_HOME': this user may not read footprint's data" in run.stderr
        assert "setting up" not in run.stderr and not (out / "d.json").exists()
    finally:
        for path in (place, *place.rglob("*")):
            with contextlib.suppress(OSError):
                path.chmod(0o755)
        shutil.rmtree(place, ignore_errors=True)


@pytest.mark.parametrize("created", [dt.datetime(2026, 1, 1, 5, 0, tzinfo=dt.timezone(dt.timedelta(hours=14))),
                                     dt.datetime(2025, 12, 31, 15, 0)])  # the same moment; naive is UTC
def test_created_is_recorded_in_utc_whatever_zone_it_was_given_in(project, created):
    """Old code wrote '2026-01-01T05:00:00+14:00' (a reader sees 1 January; the period check counted 31
    December, UTC) and '2025-12-31T15:00:00' (no zone at all)."""
    document = footprint.declare("ndpr-oxide", REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml",
                                 created=created + dt.timedelta(days=1))  # a day after, so the 2025 period ended
    assert document["provenance"]["created"] == "2026-01-01T15:00:00Z"


def test_a_reader_that_goes_away_is_not_a_verdict():
    """``footprint ... | head -1``: click exited 1 ("verification found a difference") when the pipe closed;
    now 141 (128 + SIGPIPE, what a shell reports for it), and nothing on stderr."""
    env = dict(os.environ, PYTHONPATH=python_path(REPO))
    run = subprocess.Popen([sys.executable, "cli.py", "rules", "schema"], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()  # the reader is gone before the first line
    stderr = run.stderr.read().decode("utf-8", "replace")
    run.stderr.close()
    assert run.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
