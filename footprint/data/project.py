"""The background footprint owns: one immutable snapshot per version, built offline, read by declarations.

A declaration is a legal statement: the background it is computed on must not change
while it runs, must not be half-written by an interrupted set-up, and must be named
exactly in the declaration.  So set-up never edits what declarations read.  It builds
a complete new version (biosphere3, the EF v3.1 methods written from the file bw2io
ships, footprint's CF extension, the inventory database, the biosphere index, the
background scores, and copies of the dataset files) in a staging directory, writes a
manifest with the sha256 of every file, and switches a pointer atomically
(footprint.data.snapshot has the layout and the locks).

The API, for the CLI, tests and long-lived processes (a server, a batch worker)::

    snapshot = open_snapshot()      # the current one, locked for reading and bound to Brightway here
    snapshot.id                     # sha256 of its manifest: names this background version exactly
    snapshot.catalogue()            # the datasets it was built from (read from the snapshot's copies)
    snapshot.method_sha256(method)  # content hash of one method's CFs as bw2calc reads them
    ensure_snapshot()               # the same, setting up first when missing, outdated or damaged
    setup(force=False)              # check the manifest's hashes; build a new snapshot if needed

Brightway keeps process-wide state (bw2data reads ``BRIGHTWAY2_DIR`` once, at import; the
current project is global).  bw2data is imported against a private scratch directory
outside FOOTPRINT_HOME (its logs and bootstrap project go there) and then bound, read-only,
to the snapshot's Brightway directory.  A process stays bound to the snapshot it opened
until it calls ``open_snapshot()`` again, so a long-lived process keeps one version for as
long as it likes, and ``setup --force`` elsewhere changes nothing it computes.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from footprint._io import quiet_stdout
from footprint.data import building, inventory
from footprint.data import snapshot as _files
from footprint.errors import HomeNotReadable, HomeNotTrusted, SetupError
from footprint.paths import builder_digest, home, installed_code_changed, inventories_dirs, stale_code_error

PROJECT_NAME = "footprint"
BIOSPHERE_VERSION = "ecoinvent 3.9 elementary flows (bw2io)"
SETUP_FORMAT = _files.FORMAT

_REASONS = {
    "format": "the snapshot layout of this footprint version differs",
    "biosphere": "the biosphere flow list changed",
    "bw2io": "bw2io was upgraded",
    "methods_sha256": "bw2io's characterisation-factor file changed",
    "extension_sha256": "footprint's CF extension file changed",
    "inventories_sha256": "the inventory datasets changed",
    "supplementary_sha256": "the supplementary indicators changed",
    "builder": "the code that builds the set-up changed (another version of footprint)",
    "bw2data": "bw2data was upgraded",
}


# ----------------------------------------------------------------------------- Brightway, bound to one directory


_MODULES: tuple[ModuleType, ModuleType, ModuleType] | None = None
_SCRATCH: Path | None = None


def _scratch() -> Path:
    """A private directory outside FOOTPRINT_HOME for bw2data's bootstrap project and its logs."""
    global _SCRATCH
    if _SCRATCH is None or not _SCRATCH.is_dir():
        try:
            _SCRATCH = Path(tempfile.mkdtemp(prefix="footprint-brightway-"))
        except OSError as exc:
            raise SetupError(f"cannot create a temporary directory: {exc.strerror or exc}",
                             field="TMPDIR", value=tempfile.gettempdir(),
                             expected="a writable temporary directory (set TMPDIR)") from None
        atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
    return _SCRATCH


def _modules() -> tuple[ModuleType, ModuleType, ModuleType]:
    """Import bw2data, bw2calc and bw2io, with bw2data's import-time writes sent to the scratch directory.

    bw2data creates ``logs/`` and a ``default`` project in ``BRIGHTWAY2_DIR`` when it is
    imported, and bw2io opens a log file there; none of that may land in FOOTPRINT_HOME
    (a set-up home may be read-only) or in a user's own Brightway directory.
    """
    global _MODULES
    if _MODULES is not None:
        return _MODULES
    scratch = _scratch()
    os.environ["BRIGHTWAY2_DIR"] = str(scratch)  # every process sets its own: children never share one
    import io
    import warnings

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        # bw2data logs "Using environment variable BRIGHTWAY2_DIR" and bw2calc hints at pypardiso on import
        warnings.simplefilter("ignore")
        import bw2data as bd
    _MODULES = (bd, _Deferred("bw2calc"), _Deferred("bw2io"))
    return _MODULES


class _Deferred(ModuleType):
    """bw2calc or bw2io, imported (quietly) on first use.

    A declaration on the snapshot's stored background scores needs bw2data only; bw2calc
    alone takes 0.3-0.4 s to import (xarray), a fifth of a cold 'footprint declare'.  Set-up,
    the reference path and imports use these modules as if they were imported at once.
    """

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_module"] = None

    def _load(self) -> ModuleType:
        module = self.__dict__["_module"]
        if module is None:
            import importlib
            import io
            import warnings

            sink = io.StringIO()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # bw2calc's pypardiso hint is no news to a footprint user
                module = self.__dict__["_module"] = importlib.import_module(self.__name__)
        return module

    def __getattr__(self, attribute: str):
        return getattr(self._load(), attribute)


def _bind(base: Path, *, writable: bool, project: str = PROJECT_NAME) -> None:
    """Point this process's bw2data at one Brightway base directory (a snapshot, a staging one, the scratch).

    ``projects.change_base_directories`` refuses a directory it cannot write and would run
    automatic updates (writes); a snapshot is opened read-only, so its steps are done here:
    logs to the scratch directory, projects.db and the project's SQLite files re-opened at
    the new place, the project set current without creating anything.
    """
    bd, _bc, _bi = _modules()
    from bw2data.configuration import config

    projects = bd.projects
    with quiet_stdout(), _no_gc_collect():
        projects._base_data_dir = base
        projects._base_logs_dir = _scratch() / "logs"
        config.cache = {}
        projects.db.change_path(base / "projects.db")
        projects.set_current(project, writable=writable, update=writable)


@contextlib.contextmanager
def _no_gc_collect() -> Iterator[None]:
    """Skip the ``gc.collect()`` bw2data runs per SQLite file it re-opens (0.1-0.5 s each on a full heap).

    It is there so Windows releases the old file; here ``close()`` has already released it.
    """
    import gc

    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        yield
    finally:
        gc.collect = collect


def _unbind() -> None:
    """Close every SQLite file of a snapshot (bind to the scratch's own project)."""
    if _MODULES is not None:
        _bind(_scratch(), writable=True, project="default")


# ----------------------------------------------------------------------------- a snapshot, opened


@dataclass(eq=False)
class Snapshot:
    """One background version, opened for reading: a shared lock is held until ``close()``.

    Everything a declaration reads of the background comes from here: the Brightway
    databases and methods (bound in this process), the dataset files, the CF extension.
    ``id`` is the sha256 of the manifest, a stable key for this version (caches, provenance).
    """

    files: _files.SnapshotFiles
    scratch: bool = False  # a writable copy for tests and benchmarks (scratch_project), never switched to

    @property
    def id(self) -> str:
        return self.files.id

    @property
    def path(self) -> Path:
        return self.files.path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> dict[str, Any]:
        return self.files.manifest

    @property
    def brightway_dir(self) -> Path:
        return self.path / "brightway"

    @property
    def inputs(self) -> dict[str, Any]:
        """What it was built from: format, biosphere, bw2io version and the sha256 of methods, extension, datasets."""
        return dict(self.manifest.get("inputs") or {})

    @property
    def created(self) -> str:
        return str(self.manifest.get("created", ""))

    @property
    def roots(self) -> list[Path]:
        return [self.path / root for root in self.manifest.get("roots", [])]

    @property
    def extension_path(self) -> Path:
        return self.path / self.manifest["extension_file"]

    @cached_property
    def _catalogue(self) -> inventory.Catalogue:
        return inventory.load_catalogue(self.roots)

    def catalogue(self) -> inventory.Catalogue:
        """The datasets this snapshot was built from (read once per snapshot, from its own copies)."""
        return self._catalogue

    def extension(self):
        from footprint.data.methods import load_extension

        return load_extension(self.extension_path)

    @cached_property
    def _biosphere_index(self) -> dict:
        return inventory.biosphere_index(brightway()[0])

    def biosphere_index(self) -> dict:
        """(flow name, compartments) -> (biosphere3 code, unit), read once per snapshot."""
        return self._biosphere_index

    def method_sha256(self, method: tuple[str, ...] | list[str]) -> str:
        """Content hash of one method's characterisation factors (biosphere code and value, sorted)."""
        key = " | ".join(method)
        try:
            return self.manifest["methods"][key]
        except KeyError:
            raise SetupError("method not in the set-up", field="method", value=key,
                             expected="an EF v3.1 method footprint sets up (run 'footprint setup')") from None

    def refuse_suppliers_of_other_factors(self, suppliers: list[tuple[Any, Path | str | None, str]]) -> None:
        """Refuse any supplier's declaration of ``suppliers`` ((UpstreamDeclaration, file, field) each) not
        characterised with this snapshot's factors (footprint.inputs.upstream.check_methods says why).

        One check for every reader that adds a supplier's values to this snapshot's: declare, verify and batch
        (for a product system's inputs and its rule's Ev declaration), 'inventories coverage --data', and
        'rules validate' for a rule's Ev declaration (``recycled_content.virgin.declaration``).
        """
        from footprint.inputs.categories import all_categories
        from footprint.inputs.upstream import check_methods

        if not suppliers:
            return
        ours = {category.id: self.method_sha256(category.method) for category in all_categories()}
        extension = self.manifest.get("extension") or self.extension().describe()
        checked: set[tuple[str, str]] = set()
        for supplier, file, field_name in suppliers:
            if (supplier.content_sha256, field_name) in checked:
                continue
            checked.add((supplier.content_sha256, field_name))
            check_methods(supplier, ours, cf_sha256=str(self.inputs.get("methods_sha256", "")),
                          extension_sha256={str(extension["id"]): str(extension["sha256"])}, file=file,
                          field=field_name)

    def datasets_sha256(self, codes) -> dict[str, str]:
        """Content hash of each dataset in ``codes`` and of every dataset they draw on (transitively).

        Each dataset is hashed once per snapshot (a snapshot never changes): every declaration
        records the hashes of the datasets it used.
        """
        catalogue = self.catalogue()
        known = self._dataset_hashes
        used = catalogue.closure(codes)  # once: ``codes`` may be an iterator (a second pass would see nothing)
        for code in used:
            if code not in known:
                known[code] = inventory.dataset_sha256(catalogue.datasets[code])
        return {code: known[code] for code in used}

    @cached_property
    def _dataset_hashes(self) -> dict[str, str]:
        return {}

    def describe(self) -> dict[str, Any]:
        """What a declaration records about the snapshot."""
        return {"id": self.id, "created": self.created, "format": self.manifest.get("format")}

    def close(self) -> None:
        self.files.release()


_OPEN: Snapshot | None = None


def bound_snapshot() -> Snapshot | None:
    """The snapshot this process is bound to (None before the first open)."""
    return _OPEN


#: a snapshot up to this size is checked file by file against its manifest's sha256 whenever a process
#: opens it (4 MB for footprint's own background: a few ms).  A larger one (imported databases) is hashed
#: whole once per machine (and by every ``footprint setup``) and a marker records each file's (size, mtime,
#: ctime, inode); later opens compare those and hash again only when one differs (snapshot.check_once), so
#: a file changed in place with the same size is refused, and an unchanged snapshot is not re-read.
DEEP_CHECK_BYTES = 256 * 2**20


def _open_unbound(*, deep: bool) -> tuple[Snapshot | None, str | None]:
    """The current snapshot locked for reading but not bound, and why it cannot be used (None: intact).

    ``deep`` compares every file's sha256 with the manifest whatever the size (``footprint setup``).
    Brightway is not imported: a plain set-up stays cheap.
    """
    try:
        opened = _files.open_current()
    except _files.SnapshotMissing as exc:
        return None, str(exc)
    problems = []
    if opened.manifest.get("format") != _files.FORMAT:
        problems.append(f"layout {opened.manifest.get('format')}, this footprint reads {_files.FORMAT}")
    else:
        total = sum(int(record.get("size", 0)) for record in opened.manifest["files"].values())
        if total <= DEEP_CHECK_BYTES:
            problems = _files.check_files(opened.path, opened.manifest["files"], deep=True)
        else:
            problems = _files.check_once(opened, deep=deep)
    if problems:
        opened.release()
        return None, f"the set-up in {opened.path} is damaged: " + "; ".join(problems[:3])
    return Snapshot(opened), None


def open_snapshot() -> Snapshot:
    """The current background snapshot, locked for reading and bound to Brightway in this process.

    Raises SetupError when there is none or it is damaged (``footprint setup`` repairs it;
    ``ensure_snapshot`` does that itself).  Returns the snapshot already bound when the
    pointer has not moved (or while a ``scratch_project`` is bound).
    """
    global _OPEN
    if _OPEN is not None and (_OPEN.scratch or _files.read_current() == _OPEN.path.name):
        return _OPEN
    snapshot, problem = _open_unbound(deep=False)
    if snapshot is None:
        raise SetupError(f"footprint is not set up in {home()}: {problem}",
                         expected="run 'footprint setup' (offline, about 10 s)")
    _bind(snapshot.brightway_dir, writable=False)
    previous, _OPEN = _OPEN, snapshot
    if previous is not None:
        previous.close()
    return snapshot


def brightway() -> tuple[ModuleType, ModuleType, ModuleType]:
    """bw2data, bw2calc and bw2io, bound to this process's snapshot (the current one if none is open yet)."""
    if _OPEN is None:
        open_snapshot()
    return _modules()


def background_version() -> str:
    """What in-memory caches of this process key on: the bound snapshot's id.

    A snapshot never changes, so its id says everything.  A scratch copy (tests and
    benchmarks write databases into it) changes under one id, so its key adds the name,
    size and time of every processed array: a database written or deleted there is a new
    version, and nothing computed before is served for it.
    """
    brightway()
    snapshot = bound_snapshot()
    if not snapshot.scratch:
        return snapshot.id
    digest = hashlib.sha256(snapshot.id.encode())
    processed = snapshot.brightway_dir / "processed"
    for folder in [processed, *sorted(p for p in snapshot.brightway_dir.glob("*/processed") if p.is_dir())]:
        if folder.is_dir():
            with os.scandir(folder) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    info = entry.stat()
                    digest.update(f"{folder.name}/{entry.name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return f"{snapshot.id}:{digest.hexdigest()[:16]}"


@contextlib.contextmanager
def scratch_project() -> Iterator[tuple[ModuleType, ModuleType, ModuleType]]:
    """A writable throwaway copy of the current snapshot, bound in this process (tests, benchmarks).

    Writing databases into a snapshot would change what declarations read; code that
    needs to write (a benchmark's synthetic database, a test's toy database) writes here.
    The previous binding is restored afterwards.
    """
    global _OPEN
    current = open_snapshot()
    work = Path(tempfile.mkdtemp(prefix="footprint-scratch-", dir=_scratch()))
    shutil.copytree(current.path, work / "snapshot", copy_function=shutil.copyfile)
    files = _files.SnapshotFiles(path=work / "snapshot", manifest=current.manifest,
                                 id=f"scratch-{work.name}")
    previous, _OPEN = _OPEN, Snapshot(files, scratch=True)
    try:
        _bind(_OPEN.brightway_dir, writable=True)
        yield _modules()
    finally:
        _OPEN = previous
        _bind(previous.brightway_dir, writable=False)
        shutil.rmtree(work, ignore_errors=True)


# ----------------------------------------------------------------------------- what a snapshot is built from


@functools.lru_cache(maxsize=8)
def _installed_version(package: str) -> str:
    """A package's installed version, read once per process (importlib.metadata scans every dist-info)."""
    from importlib import metadata

    return metadata.version(package)


def live_inputs(*, deep: bool) -> dict[str, Any]:
    """What a snapshot built now would be built from (``deep`` also hashes bw2io's CF file)."""
    from footprint.data import methods

    extension = Path(methods.EXTENSION_FILE)
    inputs: dict[str, Any] = {
        "format": _files.FORMAT,
        "biosphere": BIOSPHERE_VERSION,
        "bw2io": _installed_version("bw2io"),
        "bw2data": _installed_version("bw2data"),
        "builder": builder_digest(),
        "extension_sha256": methods.kept_file_sha256(extension),
        "inventories_sha256": inventory.library_sha256(inventories_dirs()),
        "supplementary_sha256": methods.supplementary_sha256(),  # the Crustal Scarcity Indicator as written
    }
    if deep:
        inputs["methods_sha256"] = building.method_source_sha256()
    return inputs


def outdated(recorded: dict[str, Any], live: dict[str, Any]) -> str | None:
    """Why a snapshot built from ``recorded`` is not what ``live`` would give (None: it is)."""
    for key, value in live.items():
        if recorded.get(key) != value:
            return _REASONS.get(key, key)
    return None


def read_state() -> dict[str, Any]:
    """What the current snapshot was built from ({} when there is none); reads without locking or binding."""
    manifest = _current_manifest()
    return dict(manifest.get("inputs") or {}) if manifest is not None else {}


def _current_manifest() -> dict[str, Any] | None:
    """The manifest CURRENT points at; None when there is no snapshot (no pointer, or its directory is gone).

    A snapshot directory whose manifest is missing or damaged is a SetupError naming the file,
    never ``{}``: an empty answer would read as "built from nothing" (is the set-up current?)
    or "no imported databases" (a rebuild would drop them without a word).
    """
    name = _files.read_current()
    if name is None or not (_files.snapshots_dir() / name).is_dir():
        return None
    return _files.read_manifest(_files.snapshots_dir() / name)[0]


def current_method_hashes() -> dict[str, str] | None:
    """Method name (' | '-joined) -> content hash of its factors in the current snapshot; None when not set up.

    Read from the manifest alone (no binding, no set-up): the market's gate compares a declaration's recorded
    factors with these (footprint.declaration.factors.refuse_other_factors).
    """
    manifest = _current_manifest()
    return {str(k): str(v) for k, v in (manifest.get("methods") or {}).items()} if manifest is not None else None


def brightway_dir() -> Path:
    """The Brightway directory of the snapshot this process reads (opening the current one if needed)."""
    if _OPEN is None:
        open_snapshot()
    return _OPEN.brightway_dir


def require_setup() -> Snapshot:
    """The current snapshot, or a SetupError telling the user to run ``footprint setup``."""
    return open_snapshot()


# ----------------------------------------------------------------------------- set-up


@dataclass
class SetupReport:
    """What a set-up run did, for the CLI to print."""

    directory: Path
    biosphere_written: bool = False
    methods_written: int = 0
    inventories_written: int = 0
    seconds: float = 0.0
    size_bytes: int = 0
    snapshot_id: str = ""
    reason: str = ""  # why a new snapshot was built; "" when the current one was kept
    pruned: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # imported databases a fresh build could not carry over

    @property
    def changed(self) -> bool:
        return bool(self.reason)


def _build(report: SetupReport, *, previous: Snapshot | None, reason: str,
           write: Callable[[ModuleType, ModuleType, dict[str, Any], Path], dict | None]) -> SetupReport:
    """Build a new snapshot in staging, switch to it, prune; on any failure the current one is untouched.

    ``previous`` (an intact snapshot) is copied first, so only what changed is rewritten
    and imported databases carry over; without it the build starts empty.  ``write``
    changes the copy (set-up: biosphere3, methods, inventories; an import: one database)
    and returns manifest entries it sets.  Call with the writer lock held.
    """
    global _OPEN
    if installed_code_changed():  # a long-lived process after an upgrade: its build would claim code it mixes
        raise stale_code_error()
    bd, bc, bi = _modules()
    checkpoint = _files.checkpoint_hook
    staging = _files.new_staging()
    bound_before = _OPEN
    try:
        checkpoint("staging")
        if previous is not None:
            shutil.copytree(previous.path, staging, dirs_exist_ok=True, copy_function=shutil.copyfile,
                            ignore=lambda _dir, names: [n for n in names if n == _files.MANIFEST])
        else:
            (staging / "brightway").mkdir()
        _bind(staging / "brightway", writable=True)
        state = dict(previous.inputs) if previous is not None else {}
        extra = {k: previous.manifest[k] for k in ("roots", "extension_file", "extension")} if previous else {}
        extra.update(write(bd, bi, state, staging) or {})
        checkpoint("written")
        building.write_caches(bd, bc)
        manifest = {"inputs": state, "methods": building.method_hashes(bd), "databases": building.imported_databases(bd), **extra}
        _unbind()
        name = _files.finish(staging, manifest, checkpoint)
        checkpoint("before-switch")
        _files.switch(name)
        checkpoint("switched")
    except BaseException as exc:
        failure = building.write_failure(exc, staging) if isinstance(exc, Exception) else None  # before space is freed
        with contextlib.suppress(Exception):
            _unbind()
        _files.discard(staging)
        _OPEN = bound_before
        if bound_before is not None:
            with contextlib.suppress(Exception):
                _bind(bound_before.brightway_dir, writable=False)
        if failure is not None:
            raise _files.write_error(failure, staging) from None
        raise
    if previous is not None:
        previous.close()
    current = open_snapshot()
    report.reason = reason
    report.directory, report.snapshot_id = current.path, current.id
    report.pruned = _files.prune({current.name})
    return report


def _previous_databases(*, force: bool) -> list[str]:
    """Imported databases the current snapshot's manifest lists (a fresh build cannot carry them over).

    An unreadable manifest is refused rather than read as "none": a rebuild would then drop the
    user's imported databases without naming them.  With ``force`` (``footprint setup --force``,
    the way out this refusal names) the user chose to build afresh: nothing can be named, [].
    """
    try:
        manifest = _current_manifest()
    except SetupError as exc:
        if force:
            return []
        raise SetupError(f"the current snapshot must be rebuilt, but its manifest cannot be read to tell which "
                         f"imported databases a rebuild would drop: {exc.message}", file=exc.file,
                         expected="the manifest restored, or 'footprint setup --force' to build afresh "
                                  "(imported databases must then be imported again)") from None
    return sorted((manifest or {}).get("databases") or {})


def setup(*, force: bool = False, catalogue: inventory.Catalogue | None = None, deep: bool = True,
          wait: bool = True) -> SetupReport:
    """Make the current snapshot match its sources, building a new one only if it does not.

    A plain run checks every file of the current snapshot against the manifest's content
    hashes (``deep``) and what the snapshot was built from; when both hold it writes
    no snapshot (it may delete old snapshots nobody reads, and keeps the unit and schema-check
    caches of this footprint version where they are missing: an upgrade changes their keys, and
    nothing else would write them, so every cold start compiled them).  ``force`` builds a fresh snapshot.
    Only one process builds at a time; the others wait, then find the work done.
    """
    from footprint.data.methods import load_extension

    started = time.perf_counter()
    live = live_inputs(deep=True)
    report = SetupReport(directory=_files.snapshots_dir())

    def finished(current: Snapshot) -> SetupReport:
        report.directory, report.snapshot_id = current.path, current.id
        report.seconds = time.perf_counter() - started
        report.size_bytes = _files.size_bytes(current.path)
        return report

    if not force:
        current, _problem = _open_unbound(deep=deep)
        if current is not None:
            try:
                if outdated(current.inputs, live) is None:
                    with contextlib.suppress(SetupError), _files.writer_lock(wait=False) as free:
                        if free:  # nobody is building: old snapshots nobody reads can go
                            report.pruned = _files.prune({current.name})
                    # caches keyed on this footprint's code (an upgrade): kept now, not compiled per cold start
                    _warm_unit_cache()
                    return finished(current)
            finally:
                current.close()
    with _files.writer_lock(wait=wait):
        current, problem = (None, "--force") if force else _open_unbound(deep=deep)
        try:
            if current is not None:
                reason = outdated(current.inputs, live)
                if reason is None:  # another process built it while this one waited
                    return finished(current)
            elif _files.read_current() is None:
                reason = "first set-up"
            else:
                reason = problem or "rebuild"
                report.dropped = _previous_databases(force=force)
            catalogue = catalogue or inventory.load_catalogue()
            extension = load_extension()

            def write(bd, bi, state, staging):
                building.write_parts(bd, bi, state, live, catalogue, extension, report)
                return building.copy_sources(staging, catalogue, extension)

            _build(report, previous=current, reason=str(reason), write=write)
            current = None  # _build released it
        finally:
            if current is not None:
                current.close()
        _warm_unit_cache()
    return finished(open_snapshot())


def _warm_unit_cache() -> None:
    with contextlib.suppress(Exception):  # a cache only: pint parses its definitions without it
        from footprint.inputs import units

        units.build_cache()
    with contextlib.suppress(Exception):  # a cache only: a cold declaration compiles the check without it
        from footprint import _schema_check

        _schema_check.build_cache()


def update_snapshot(write: Callable[[ModuleType], None], *, reason: str) -> SetupReport:
    """A new snapshot: a copy of the current one changed by ``write(bd)`` (an import), switched atomically."""
    with _files.writer_lock():
        current, problem = _open_unbound(deep=True)
        if current is None:
            raise SetupError(f"cannot change the set-up: {problem}", expected="run 'footprint setup' first")
        report = SetupReport(directory=current.path)
        try:
            return _build(report, previous=current, reason=reason, write=lambda bd, _bi, _state, _staging: write(bd))
        finally:
            current.close()


def ensure_snapshot() -> Snapshot:
    """The current snapshot, set up first when there is none, it is outdated or damaged.

    First-use declarations started together wait for one set-up (a message on stderr after a
    few seconds), never race it.  On a read-only home an outdated set-up is an error: a
    declaration never computes on a background other than the one its sources describe.
    """
    live = live_inputs(deep=False)
    try:
        current = open_snapshot()
        reason = outdated(current.inputs, live)
        if reason is None:
            return current
    except (HomeNotReadable, HomeNotTrusted):  # a set-up would fail the same way; the message says whose the data are
        raise
    except SetupError as exc:
        reason = exc.message
    _files.announce(f"footprint: setting up the background first ({reason}); about 10 s")
    try:
        setup()
    except SetupError as exc:
        raise SetupError(f"the set-up must be renewed ({reason}) but cannot be: {exc.message}", file=exc.file,
                         field=exc.field, value=exc.value, expected=exc.expected) from None
    return open_snapshot()
