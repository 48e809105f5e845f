"""The reference path keeps what it reads of the background for one snapshot, and nothing else changes.

A market-wide ``batch verify --reference`` recomputes every declaration by one bw2calc LCA each; it
read the background's and every method's datapackage from the snapshot's files and had bw2calc build
every characterisation matrix again for each declaration (~0.1 s of ~0.13 s on the built-in library).
footprint.engine.reference_inputs keeps them per snapshot and file fingerprint.  What must hold:
the same bytes as reading everything anew; a snapshot file changed between two verifications is read
again (the tampered value is found, exit 1, as before); nothing of declare's fast path is used; what
is kept cannot be changed by a calculation.  Real Brightway throughout.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import footprint
from footprint.data import warm
from footprint.engine import calculate, reference_inputs
from footprint.inputs.categories import all_categories

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


@pytest.fixture()
def keep_at_once(monkeypatch):
    """Files written just before (a session's fresh set-up) are kept at once, so the trials see the kept values."""
    monkeypatch.setattr(warm, "RACY_NS", 0)


def _system(name: str = "ndpr-oxide", data: Path = EXAMPLE):
    from footprint import api

    run = api._Run.open()
    return api._prepare(run, name, data).system


def _fields(result) -> dict:
    return {key: (value.tobytes() if isinstance(value, np.ndarray) else repr(value))
            for key, value in sorted(vars(result).items())}


def test_kept_inputs_give_the_bytes_of_a_fresh_read_and_are_kept(project, keep_at_once, monkeypatch):
    categories = list(all_categories())
    systems = [_system(), _system("ndfeb-magnet", REPO / "examples" / "ndfeb-magnet" / "activity-2025.yaml")]
    warm.clear()
    first = [_fields(calculate.calculate(s, categories, reference=True)) for s in systems]
    version = footprint.api.ensure_setup().id
    kept = reference_inputs.database_package("footprint-inventories", version)
    assert reference_inputs.database_package("footprint-inventories", version) is kept  # read once, not per call
    method = tuple(categories[0].method)
    assert reference_inputs.method_package(method, version) is reference_inputs.method_package(method, version)
    again = [_fields(calculate.calculate(s, categories, reference=True)) for s in systems]  # served kept
    warm.clear()
    monkeypatch.setattr(warm, "RACY_NS", 10**30)  # nothing kept: every input read anew, as before
    fresh = [_fields(calculate.calculate(s, categories, reference=True)) for s in systems]
    assert first == again == fresh


def test_the_reference_path_uses_nothing_of_declares_fast_path(project):
    warm.clear()
    calculate.calculate(_system(), list(all_categories()), reference=True)
    keys = {key[0] if isinstance(key, tuple) else key for key in warm._VALUES}
    assert "background-scores" not in keys  # the fast path's stored unit scores were neither read nor built
    assert "reference-datapackages" in keys


def test_what_is_kept_cannot_be_changed_by_a_calculation(project, keep_at_once):
    categories = list(all_categories())
    calculate.calculate(_system(), categories, reference=True)
    version = footprint.api.ensure_setup().id
    package = reference_inputs.database_package("footprint-inventories", version)
    arrays = [a for a in package.data if isinstance(a, np.ndarray)]
    assert arrays and not any(a.flags.writeable for a in arrays)
    with pytest.raises(ValueError):
        arrays[0][...] = arrays[0]


def _climate_method_file(project) -> Path:
    climate = next(c for c in all_categories() if c.id == "climate_change")
    return Path(project[0].Method(tuple(climate.method)).filepath_processed())


def _doubled_factors(original: bytes) -> bytes:
    """The method's datapackage with every characterisation factor doubled (a valid zip, as a tamperer writes it)."""
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        infos = archive.infolist()
        members = {info.filename: archive.read(info.filename) for info in infos}
    resource = next(r for r in json.loads(members["datapackage.json"])["resources"]
                    if r.get("matrix") == "characterization_matrix" and r.get("kind") == "data")
    buffer = io.BytesIO()
    np.save(buffer, np.load(io.BytesIO(members[resource["path"]])) * 2)
    members[resource["path"]] = buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in infos:
            archive.writestr(info, members[info.filename])
    return out.getvalue()


def test_a_snapshot_file_changed_between_two_verifications_is_read_again(project, keep_at_once, tmp_path):
    """In one process, the kept datapackage is dropped when its file changes: the doubled factors are found.

    The file is written in place with its modification time set back (its change time moves): the
    snapshot's id and every other key stay the same, only the file's fingerprint tells."""
    path = footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE), tmp_path / "decl.json")
    assert footprint.verify_declaration(path, EXAMPLE).ok
    assert footprint.verify_declaration(path, EXAMPLE).ok  # the second one served from what the first kept
    target = _climate_method_file(project)
    original, info = target.read_bytes(), os.stat(target)
    try:
        os.chmod(target, 0o644)
        with open(target, "r+b") as handle:
            handle.write(_doubled_factors(original))
            handle.truncate()
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        tampered = footprint.verify_declaration(path, EXAMPLE)
        assert not tampered.ok
        assert any(d.item.startswith("results[climate_change]") for d in tampered.failures)
    finally:
        with open(target, "r+b") as handle:
            handle.write(original)
            handle.truncate()
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        os.chmod(target, info.st_mode & 0o7777)
    assert target.read_bytes() == original
    assert footprint.verify_declaration(path, EXAMPLE).ok  # the restored file is read again too
