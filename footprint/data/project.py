"""The Brightway project footprint owns: where it lives, and its offline set-up.

Brightway keeps global state (the data directory is read when bw2data is first
imported; the current project is process-wide) and prints to stdout.  This
module is the one place that touches that state, so the rest of the engine can
ask for ``brightway()`` and get a ready project without caring how.

Set-up is idempotent and offline: biosphere3 and the EF v3.1 methods come from
the files bw2io ships (``bw2io.bw2setup`` is broken with bw2data 4, so the
methods are written here), the background database from ``inventories/``.
A state file records what was written; a second run compares hashes and does
nothing when nothing changed.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Iterator

from footprint._io import quiet_stdout
from footprint.data import inventory
from footprint.errors import SetupError
from footprint.paths import home

PROJECT_NAME = "footprint"
BACKGROUND_DB = "footprint-inventories"
BIOSPHERE_DB = "biosphere3"
METHOD_FAMILIES = ("EF v3.1",)
STATE_FILE = "footprint-setup.json"
SETUP_FORMAT = 1  # bump when the way set-up writes data changes


def brightway_dir() -> Path:
    return home() / "brightway"


_BW: tuple[ModuleType, ModuleType, ModuleType] | None = None


def brightway() -> tuple[ModuleType, ModuleType, ModuleType]:
    """Import bw2data, bw2calc and bw2io against our directory and activate our project.

    ``BRIGHTWAY2_DIR`` must exist and be set before bw2data is imported, and the
    user's own Brightway projects must never be touched by surprise; so the
    import happens here and nowhere else.
    """
    global _BW
    if _BW is not None:
        return _BW
    directory = brightway_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(f"cannot create the data directory: {exc.strerror or exc}", file=directory,
                         field="FOOTPRINT_HOME", value=str(home()),
                         expected="a directory footprint may write to (set FOOTPRINT_HOME to one)") from None
    os.environ["BRIGHTWAY2_DIR"] = str(directory)
    import warnings

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        # bw2data logs "Using environment variable BRIGHTWAY2_DIR" and bw2calc hints at
        # pypardiso on import; neither helps a footprint user, and both would pollute output.
        warnings.simplefilter("ignore")
        import bw2calc as bc
        import bw2data as bd
        import bw2io as bi
    if Path(bd.projects._base_data_dir).resolve() != directory.resolve():  # imported elsewhere first
        with quiet_stdout():
            bd.projects.change_base_directories(directory, project_name=PROJECT_NAME, update=False)
    with quiet_stdout():
        bd.projects.set_current(PROJECT_NAME)
    _BW = (bd, bc, bi)
    return _BW


@contextlib.contextmanager
def write_lock() -> Iterator[None]:
    """One writer per project: two processes writing one Brightway project lose data."""
    lock_path = brightway_dir() / "footprint-write.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:  # "a": taking the lock must not touch the file (setup writes nothing)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lcia_zip() -> Path:
    import bw2io

    return Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"


def method_source_sha256() -> str:
    """Hash of the characterisation-factor file the methods are written from."""
    return hashlib.sha256(_lcia_zip().read_bytes()).hexdigest()


@dataclass
class SetupReport:
    """What a set-up run did, for the CLI to print."""

    directory: Path
    biosphere_written: bool
    methods_written: int
    inventories_written: int
    seconds: float
    size_bytes: int

    @property
    def changed(self) -> bool:
        return self.biosphere_written or self.methods_written > 0 or self.inventories_written > 0


def _state_path() -> Path:
    return brightway_dir() / STATE_FILE


def read_state() -> dict:
    path = _state_path()
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def _write_state(state: dict) -> None:
    path = _state_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    tmp.replace(path)


def _directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _write_biosphere(bd: ModuleType, bi: ModuleType) -> None:
    (Path(bd.projects.dir) / inventory.BIOSPHERE_INDEX_FILE).unlink(missing_ok=True)
    with quiet_stdout():
        bi.create_default_biosphere3()


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


def _write_methods(bd: ModuleType, source_sha256: str) -> int:
    """Write the EF v3.1 methods from bw2io's bundled file (bw2io#277 workaround)."""
    with zipfile.ZipFile(_lcia_zip()) as archive:
        data = json.load(archive.open("data.json"))
    wanted = [m for m in data if m["name"][0] in METHOD_FAMILIES]
    from bw2data.backends import ActivityDataset as AD

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


def _write_extensions(bd: ModuleType, state: dict, *, force: bool) -> int:
    """Write footprint's CF extension (bundled CFs + sourced additions) when it or its base changed."""
    from footprint.data.methods import load_extension, write_extended_method

    extension = load_extension()
    if not force and state.get("extension_sha256") == extension.sha256 and extension.method in bd.methods:
        return 0
    write_extended_method(bd, extension, inventory.biosphere_index(bd))
    state["extension_sha256"] = extension.sha256
    state["extension"] = extension.describe()
    return 1


def setup(*, force: bool = False, catalogue: inventory.Catalogue | None = None) -> SetupReport:
    """Create or update the project offline; a second run with nothing changed writes nothing."""

    started = time.perf_counter()
    catalogue = catalogue or inventory.load_catalogue()
    bd, _bc, bi = brightway()
    with write_lock():
        before = read_state()
        state = {} if force else dict(before)
        biosphere_written = False
        methods_written = 0
        if state.get("format") != SETUP_FORMAT:
            state = {}
        if BIOSPHERE_DB not in bd.databases or "biosphere_version" not in state:
            _write_biosphere(bd, bi)
            biosphere_written = True
            state["biosphere_version"] = "ecoinvent 3.9 elementary flows (bw2io)"
        method_hash = method_source_sha256()
        missing_methods = any(c.method not in bd.methods for c in _categories() if c.method[0] in METHOD_FAMILIES)
        if state.get("methods_sha256") != method_hash or missing_methods or biosphere_written:
            methods_written = _write_methods(bd, method_hash)
            state["methods_sha256"] = method_hash
        methods_written += _write_extensions(bd, state, force=methods_written > 0)
        from footprint.data.methods import write_supplementary_methods  # Crustal Scarcity Indicator 2020
        methods_written += write_supplementary_methods(bd, state, force=methods_written > 0)
        inventories_written = 0
        if (state.get("inventories_sha256") != catalogue.sha256 or BACKGROUND_DB not in bd.databases
                or biosphere_written):
            inventories_written = inventory.write_background(catalogue, bd)
            state["inventories_sha256"] = catalogue.sha256
        state["format"] = SETUP_FORMAT
        if state != before:  # a run that changed nothing writes nothing
            _write_state(state)
    return SetupReport(
        directory=brightway_dir(),
        biosphere_written=biosphere_written,
        methods_written=methods_written,
        inventories_written=inventories_written,
        seconds=time.perf_counter() - started,
        size_bytes=_directory_size(brightway_dir()),
    )


def _categories():
    from footprint.inputs.categories import all_categories

    return all_categories()


def require_setup() -> dict:
    """The set-up state, or a SetupError telling the user to run ``footprint setup``."""
    state = read_state()
    if not state.get("inventories_sha256") or not state.get("methods_sha256"):
        raise SetupError(f"the Brightway project in {brightway_dir()} is not set up",
                         expected="run 'footprint setup' first (offline, about 10 s)")
    return state
