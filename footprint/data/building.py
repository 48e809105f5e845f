"""Writing one background snapshot's contents: biosphere3, the EF v3.1 methods, caches, content hashes.

footprint.data.project decides what to build and switches to it; this module only writes into
the Brightway project of a snapshot being built (staging) and computes what its manifest records.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterator

from footprint._io import quiet_stdout
from footprint.data import inventory
from footprint.data import snapshot as _files
from footprint.data.methods import lcia_zip
from footprint.errors import SetupError

if TYPE_CHECKING:
    from footprint.data.project import SetupReport

BACKGROUND_DB = inventory.BACKGROUND_DB
BIOSPHERE_DB = inventory.BIOSPHERE_DB
METHOD_FAMILIES = ("EF v3.1",)


def method_source_sha256() -> str:
    """Hash of the characterisation-factor file the methods are written from."""
    return _files.file_sha256(lcia_zip())


def write_biosphere(bd: ModuleType, bi: ModuleType) -> None:
    """biosphere3 as ``bi.create_default_biosphere3()`` writes it, without the search index nobody queries."""
    (Path(bd.projects.dir) / inventory.BIOSPHERE_INDEX_FILE).unlink(missing_ok=True)
    with quiet_stdout():
        importer = bi.importers.Ecospold2BiosphereImporter()
        importer.apply_strategies()
        importer.write_database(searchable=False)


@contextlib.contextmanager
def _fast_id_lookup(known_ids: set[int]) -> Iterator[None]:
    """Check CF flow ids against one preloaded set instead of one SQL query per CF.

    ``Method.process`` validates every CF row with its own SELECT (11k CFs take
    10 s of a 14 s set-up).  The ids written here come from the same query, so
    the check is the same; if bw2data moves ``get_id`` we only lose speed.
    """
    import bw2data.method as bw_method
    from bw2data.errors import UnknownObject

    original = getattr(bw_method, "get_id", None)

    def get_id(key):
        if isinstance(key, int) and key in known_ids:
            return key
        if original is None:
            raise UnknownObject(key)
        return original(key)

    bw_method.get_id = get_id
    try:
        yield
    finally:
        if original is not None:
            bw_method.get_id = original


def write_methods(bd: ModuleType, source_sha256: str) -> int:
    """Write the EF v3.1 methods from bw2io's bundled file (bw2io#277 workaround)."""
    with zipfile.ZipFile(lcia_zip()) as archive:
        data = json.load(archive.open("data.json"))
    from bw2data.backends import ActivityDataset as AD

    from footprint.data.methods import check_category_units

    check_category_units(data)  # before anything is written: a declared unit must be the factors' unit
    wanted = [m for m in data if m["name"][0] in METHOD_FAMILIES]

    ids = {row.code: row.id for row in AD.select(AD.code, AD.id).where(AD.database == BIOSPHERE_DB)}
    written = 0
    with quiet_stdout(), _fast_id_lookup(set(ids.values())):
        for entry in wanted:
            name = tuple(entry["name"])
            cfs = [
                (ids[exc["input"][1]], exc["amount"])
                for exc in entry["exchanges"]
                if exc["input"][0] == BIOSPHERE_DB and exc["input"][1] in ids
            ]
            method = bd.Method(name)
            if name in bd.methods:
                method.deregister()
            method.register(unit=entry["unit"], description=entry.get("description", ""),
                            filename=entry.get("filename", ""), source_sha256=source_sha256)
            method.write(cfs)
            written += 1
    return written


def _categories():
    from footprint.inputs.categories import all_categories

    return all_categories()


def write_parts(bd: ModuleType, bi: ModuleType, state: dict[str, Any], live: dict[str, Any],
                catalogue: inventory.Catalogue, extension, report: SetupReport) -> None:
    """Write into the project being built whatever its copied state lacks (everything, for a fresh build).

    Everything footprint writes is written again when the snapshot was built by other set-up code or
    another bw2data (``builder``, ``bw2data``): the same files may convert to other content.
    """
    from footprint.data.methods import write_extended_method, write_supplementary_methods

    other_code = any(state.get(key) != live[key] for key in ("builder", "bw2data"))
    if BIOSPHERE_DB not in bd.databases or state.get("biosphere") != live["biosphere"] or other_code:
        write_biosphere(bd, bi)
        report.biosphere_written = True
    missing = any(c.method not in bd.methods for c in _categories() if c.method[0] in METHOD_FAMILIES)
    if state.get("methods_sha256") != live["methods_sha256"] or missing or report.biosphere_written:
        report.methods_written = write_methods(bd, live["methods_sha256"])
    if (report.methods_written or state.get("extension_sha256") != extension.sha256
            or extension.method not in bd.methods):
        write_extended_method(bd, extension, inventory.biosphere_index(bd))
        report.methods_written += 1
    report.methods_written += write_supplementary_methods(bd, state, force=report.methods_written > 0)
    if (state.get("inventories_sha256") != catalogue.sha256 or BACKGROUND_DB not in bd.databases
            or report.biosphere_written):
        report.inventories_written = inventory.write_background(catalogue, bd)
    if report.biosphere_written or report.inventories_written:
        _reprocess_imported(bd)
    state.update(live)
    state["extension_sha256"] = extension.sha256
    state["inventories_sha256"] = catalogue.sha256


def _reprocess_imported(bd: ModuleType) -> None:
    """Process every imported database carried over again, after biosphere3 (or footprint's own datasets) were
    written anew.

    Why: a database's processed arrays name the nodes it links to by their integer ids, and writing biosphere3
    again gives its flows new ids.  A set-up rebuilt after a footprint upgrade (other set-up code: everything
    written again) kept each imported database's arrays as imported, pointing at ids no flow has any more: the
    NdPr oxide example with its hydrochloric acid mapped to an imported dataset (0.1 kg CO2 per kg) declared
    the acid's contribution as 0.0, 44.468 instead of 44.877 kg CO2-Eq/kg with coverage 'complete', exit 0,
    on every declaration until the database was imported again.  The exchanges themselves name their inputs by
    database and code, so processing them again links them to the new ids.
    """
    for name in sorted(bd.databases):
        if name not in (BIOSPHERE_DB, BACKGROUND_DB):
            bd.Database(name).process()


def method_hashes(bd: ModuleType) -> dict[str, str]:
    """sha256 of each category method's CFs as bw2calc reads them: (biosphere code, float32 value), sorted.

    Node ids differ between set-ups, flow codes do not; so two set-ups from the same
    sources give the same hashes, and a changed factor gives another.
    """
    from bw2data.backends import ActivityDataset as AD

    from footprint.data.scores import characterisation_factors

    codes = {row.id: row.code for row in AD.select(AD.id, AD.code).where(AD.database == BIOSPHERE_DB)}
    hashes = {}
    for method in sorted({tuple(c.method) for c in _categories()}):
        factors = characterisation_factors(bd, method)
        lines = sorted(f"{codes.get(flow, flow)} {value!r}" for flow, value in factors.items())
        hashes[" | ".join(method)] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return hashes


def write_caches(bd: ModuleType, bc: ModuleType) -> None:
    """Everything a declaration would otherwise compute and store: biosphere index, background scores."""
    from footprint.data import scores

    inventory.biosphere_index(bd)  # writes its JSON file when biosphere3 was (re)written
    shutil.rmtree(Path(bd.projects.dir) / scores.CACHE_DIR, ignore_errors=True)
    methods = [tuple(c.method) for c in _categories()]
    scores.write_cache(bd, BACKGROUND_DB, scores.solve(bd, bc, [BACKGROUND_DB], methods))


def copy_sources(staging: Path, catalogue: inventory.Catalogue, extension) -> dict[str, Any]:
    """Copy the dataset files and the CF extension into the snapshot; refuse if they changed meanwhile."""
    for old in ("inventories", "methods"):
        shutil.rmtree(staging / old, ignore_errors=True)
    roots = []
    for index, root in enumerate(catalogue.roots):
        target = staging / "inventories" / str(index)
        target.mkdir(parents=True)
        for path in sorted(root.rglob("*.yaml")):
            destination = target / path.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        roots.append(target.relative_to(staging).as_posix())
    copied = [staging / r for r in roots]
    extension_file = staging / "methods" / Path(extension.path).name
    extension_file.parent.mkdir(parents=True)
    shutil.copyfile(extension.path, extension_file)
    if (inventory.library_sha256(copied) != catalogue.sha256
            or _files.file_sha256(extension_file) != extension.sha256):
        raise SetupError("the inventory datasets or the CF extension changed while set-up was running",
                         expected="run 'footprint setup' again once the files are saved")
    return {"roots": roots, "extension_file": extension_file.relative_to(staging).as_posix(),
            "extension": extension.describe()}


def imported_databases(bd: ModuleType) -> dict[str, dict]:
    """The manifest's record of each imported database: its import metadata and the hash of what it holds.

    ``content_sha256`` (footprint.data.imports.content_sha256) is taken here, from the database as this
    build writes it, once per snapshot: taken per process instead, a declaration against a 100,000-process
    import read and hashed every dataset and exchange first (38 s in a loaded machine's measurement) in
    every new process, every ``declare --mapping`` from the command line.
    """
    from footprint.data.imports import METADATA_KEY, content_sha256

    return {name: {**dict(bd.databases[name].get(METADATA_KEY) or {}), "content_sha256": content_sha256(name)}
            for name in sorted(bd.databases) if name not in (BIOSPHERE_DB, BACKGROUND_DB)}


WRITE_ERRNOS = {28, 122, 30, 13, 1}  # ENOSPC, EDQUOT, EROFS, EACCES, EPERM


def write_failure(exc: BaseException, staging: Path) -> OSError | None:
    """The write failure behind ``exc`` (disk full, read-only, permissions), or None for anything else.

    SQLite reports a full disk as "database or disk is full", and bw2data's rollback after it
    fails again ("no transaction is active"), hiding it: the whole chain is searched, and a
    file system with (almost) no room left explains any failure.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            return exc
        text = str(exc).lower()
        if "disk is full" in text or "disk i/o error" in text:
            return OSError(28, str(exc))
        if "readonly database" in text or "read-only" in text:
            return OSError(30, str(exc))
        exc = exc.__cause__ or exc.__context__
    with contextlib.suppress(OSError):
        if shutil.disk_usage(staging.parent).free < 1 << 20:
            return OSError(28, "No space left on device", str(staging.parent))
    return None
