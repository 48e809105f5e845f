"""Caches footprint runs as code are never run when another user may have written them.

FOOTPRINT_HOME/cache keeps the declaration check compiled to bytecode (marshal, exec'd) and pint's parsed
definitions (pickles).  Set up under ``umask 000`` they were writable by every user of the machine: another
user could run code as this one, or make the check pass any declaration.  Now such a cache is ignored (the
check is compiled, pint parses its definitions) and set-up writes them without group or world write.
"""
from __future__ import annotations

import marshal
import os
import stat

from footprint import _io, _schema_check
from footprint.inputs import units


def _planted_check(path) -> None:
    """A kept 'check' that accepts anything: what another user would put there."""
    code = compile("def validate(data):\n    return data\n", "<planted>", "exec")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(marshal.dumps(("validate", code)))


def test_a_kept_check_writable_by_others_is_never_run(project, tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_HOME", str(tmp_path))
    target = _schema_check.cache_path()
    _planted_check(target)
    os.chmod(target, 0o666)  # as written under umask 000
    check, error = _schema_check.compiled()
    try:
        check({"schema_version": "2.0"})
        ran_planted = True
    except error:
        ran_planted = False
    assert not ran_planted, "the bytecode another user could write was run"
    os.chmod(target, 0o644)  # ours alone: it is the kept check (here: the planted one, proving it is read)
    check, error = _schema_check.compiled()
    assert check({"schema_version": "2.0"}) == {"schema_version": "2.0"}


def test_set_up_writes_the_kept_check_and_pint_cache_without_write_for_others(project, tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTPRINT_HOME", str(tmp_path))
    old = os.umask(0)
    try:
        kept = _schema_check.build_cache()
        units.build_cache()
    finally:
        os.umask(old)
    assert kept is not None and not stat.S_IMODE(kept.stat().st_mode) & 0o022
    pint_cache = units._cache_dir()
    assert pint_cache.is_dir()
    for path in [pint_cache.parent, pint_cache, *pint_cache.rglob("*")]:
        assert not stat.S_IMODE(path.stat().st_mode) & 0o022, path


def test_pint_cache_under_a_folder_others_may_write_is_not_read(tmp_path):
    folder = tmp_path / "cache" / "pint-x"
    folder.mkdir(parents=True)
    (folder / "a.pickle").write_bytes(b"x")
    os.chmod(tmp_path, 0o755)
    os.chmod(tmp_path / "cache", 0o755)
    os.chmod(folder, 0o755)
    os.chmod(folder / "a.pickle", 0o644)
    assert _io.trusted_folder(folder, tmp_path)
    os.chmod(tmp_path / "cache", 0o777)  # anyone could rename pint-x away and put theirs in its place
    assert not _io.trusted_folder(folder, tmp_path)
    os.chmod(tmp_path / "cache", 0o755)
    os.chmod(folder / "a.pickle", 0o666)
    assert not _io.trusted_folder(folder, tmp_path)


def test_the_characterised_flows_table_another_user_may_write_is_not_read(project, tmp_path, monkeypatch):
    """Coverage claims ('complete') rest on which flows each category characterises, kept as JSON under the cache:
    an emptied or doctored table another user could write is rebuilt from bw2io's file instead."""
    from footprint.data import methods

    monkeypatch.setenv("FOOTPRINT_HOME", str(tmp_path))
    methods._characterised.cache_clear()  # held in memory per process: read from the file again
    truth = methods.characterised_flows()
    (kept,) = (tmp_path / "cache").glob("characterised-flows-*.json")
    assert not stat.S_IMODE(kept.stat().st_mode) & 0o022
    kept.write_text("[]")
    os.chmod(kept, 0o666)
    methods._characterised.cache_clear()
    try:
        assert methods.characterised_flows() == truth
    finally:
        methods._characterised.cache_clear()
