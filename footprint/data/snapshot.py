"""Background snapshots on disk: immutable, content-hashed, switched atomically, pruned when unused.

A declaration is a legal statement, so the background it is computed on must never
change under it.  Set-up therefore never edits the data a declaration reads: it builds
a complete new version beside the old one and switches a pointer.  Layout under
FOOTPRINT_HOME::

    snapshots/
      CURRENT             the name of the current snapshot (replaced atomically: write, fsync, rename)
      setup.lock          one writer at a time (fcntl.flock, exclusive); set-up and imports take it
      <name>/             a finished snapshot, never changed after the switch (name = id[:16])
        manifest.json     sha256 and size of every other file of the snapshot, and what it was built from
        brightway/        the Brightway base directory (projects.db, footprint.<hash>/: databases, methods,
                          processed arrays, the biosphere index and the background score cache)
        inventories/0/    the dataset files it was built from (the bundled library; 1/ the user's)
        methods/          footprint's CF extension file it was built from
      staging-<random>/   a set-up in progress; removed when it fails, pruned when a killed one left it
      .trash-<name>/      a snapshot being deleted

The snapshot id is the sha256 of its ``manifest.json``: it names one background
version exactly, so a declaration records it and in-memory caches can key on it.

Only its owner may write a snapshot: set-up writes every file and folder without group or world
write whatever the umask, and a reader refuses a snapshot (or the home, the snapshots folder, the
CURRENT pointer) that another user may write (HomeNotTrusted, naming the path and the fix).  Why:
under ``umask 000`` another user of the machine rewrote a snapshot consistently (a background score
halved, its manifest re-hashed, the folder renamed to the new hash and CURRENT switched to it) and
every declaration of this user declared that user's numbers, exit 0.  Who counts as the owner: this
user, root, and the owner of FOOTPRINT_HOME (an administrator's shared home, read by others).

Readers hold a shared ``flock`` on the snapshot directory they use (a lock, not a
file: it works on a read-only home); the pruner takes it exclusively without waiting
and deletes only snapshots nobody holds.  This module knows files and locks only; the
Brightway side is footprint.data.project.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from footprint import _json, _time
from footprint._io import (OTHERS_WRITE, data_mode, keep_private_to_writes, make_folder, read_text_hashed,
                           write_atomic, written_by_others)
from footprint.errors import HomeNotTrusted, OutputError, SetupError
from footprint.paths import home, not_readable

FORMAT = 2  # the snapshot layout; bump when what a snapshot holds changes (older ones are rebuilt)
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
LOCK = "setup.lock"
STAGING_PREFIX = "staging-"
TRASH_PREFIX = ".trash-"
#: seconds a set-up or declaration waits silently for another set-up before saying so on stderr
WAIT_MESSAGE_AFTER = 3.0


def snapshots_dir() -> Path:
    return home() / "snapshots"


# ----------------------------------------------------------------------------- who may write it


def owners() -> set[int]:
    """Who may write a snapshot: this user, root, and the owner of FOOTPRINT_HOME (a shared home's administrator)."""
    found = {os.geteuid(), 0}
    with contextlib.suppress(OSError):
        found.add(home().stat().st_uid)
    return found


def untrusted(path: Path, why: str) -> HomeNotTrusted:
    """The error for footprint data another user may write (they would decide the numbers declared on it)."""
    where = home()
    return HomeNotTrusted(f"another user may change footprint's background data, and so the numbers declared on "
                          f"it: {why}", file=path, field="FOOTPRINT_HOME", value=str(where),
                          expected=f"data only its owner may write: as the owner of {where} run 'chmod -R go-w "
                                   f"{where}' (and take back what others own: 'chown -R'), then 'footprint setup "
                                   f"--force' (a background others could write is rebuilt, not trusted)")


def refuse_written_by_others(paths, trusted: set[int] | None = None) -> None:
    """Raise HomeNotTrusted for the first of ``paths`` another user may write (a missing one is not checked)."""
    trusted = owners() if trusted is None else trusted
    for path in paths:
        _trusted_entry(path, trusted)


def _trusted_entry(path: str | Path, trusted: set[int]) -> os.stat_result | None:
    """``os.lstat(path)``, refused (HomeNotTrusted) when another user may write it; None when it is gone."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except PermissionError as exc:
        raise not_readable(Path(path), exc) from None
    why = written_by_others(info, trusted)
    if why:
        raise untrusted(Path(path), why)
    return info


def _checked_files(root: Path) -> set[str]:
    """The relative paths of the files under ``root`` (as ``_files``), refusing any entry another user may write.

    One walk serves both: the manifest check lists the files anyway, so the trust check costs one
    ``lstat`` per entry (a few hundred for footprint's own background).
    """
    trusted = owners()
    refuse_written_by_others([root], trusted)
    found = set()
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = os.path.join(folder, name)
            info = _trusted_entry(path, trusted)
            if info is None:
                continue
            regular = stat.S_ISREG(info.st_mode) or (stat.S_ISLNK(info.st_mode) and os.path.isfile(path))
            if regular and name != MANIFEST:
                found.add(Path(path).relative_to(root).as_posix())
    return found


# ----------------------------------------------------------------------------- hashing


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)


def hash_tree(root: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"sha256", "size"}}`` for every file under ``root`` except the manifest."""
    return {p.relative_to(root).as_posix(): {"sha256": file_sha256(p), "size": p.stat().st_size}
            for p in _files(root)}


def check_files(root: Path, files: dict[str, dict[str, Any]], *, deep: bool) -> list[str]:
    """What differs between the files under ``root`` and the manifest's list (empty: intact).

    ``deep`` compares content hashes (what ``footprint setup`` does); otherwise only that
    every file is there with its size and no file was added (cheap enough for every declaration).
    A file or folder another user may write is HomeNotTrusted (refuse_written_by_others), not a difference.
    """
    present = _checked_files(root)
    problems = []
    for relative, record in sorted(files.items()):
        path = root / relative
        try:
            size = path.stat().st_size
            if size == record.get("size") and deep and file_sha256(path) != record.get("sha256"):
                problems.append(f"{relative}: content differs from the manifest's sha256")
        except PermissionError as exc:  # not "missing" or "damaged" (then a set-up attempt): not this user's
            raise not_readable(path, exc) from None
        except OSError:
            problems.append(f"{relative}: missing")
            continue
        if size != record.get("size"):
            problems.append(f"{relative}: {size} bytes, the manifest says {record.get('size')}")
    extra = sorted(present - set(files))
    problems += [f"{relative}: not in the manifest" for relative in extra]
    return problems


# ----------------------------------------------------------------------------- hashed once per machine


VERIFIED_SUFFIX = ".verified"


def verified_path(name: str) -> Path:
    """The marker recording that snapshot ``name`` was hashed whole here, beside (not in) the snapshot."""
    return snapshots_dir() / f"{name}{VERIFIED_SUFFIX}"


def _fingerprints(root: Path, files: dict[str, Any]) -> list[tuple]:
    """(relative path, size, mtime_ns, ctime_ns, inode) of each manifest file (footprint.data.warm.fingerprint)."""
    from footprint.data import warm

    relatives = sorted(files)
    found = warm.fingerprint([root / relative for relative in relatives])
    return [(relative, *entry[1:]) for relative, entry in zip(relatives, found)]


def _marker_holds(opened: SnapshotFiles, fingerprints: list[tuple]) -> bool:
    """The marker names this snapshot and every file still has the fingerprint it had when hashed.

    A marker another user may write is not read: it would let a file they changed (same size) pass unhashed.
    """
    try:
        with open(verified_path(opened.name), "rb") as handle:
            if written_by_others(os.fstat(handle.fileno()), owners()):
                return False
            marker = _json.loads(handle.read().decode("utf-8"))
        return marker["id"] == opened.id and [tuple(entry) for entry in marker["files"]] == fingerprints
    except (OSError, ValueError, KeyError, TypeError):  # no marker or an unusable one: hash again (slower, safe)
        return False


def _record_verified(opened: SnapshotFiles, before: list[tuple], taken_ns: int) -> None:
    """Write the marker if no file changed while it was hashed, nor within RACY_NS before ``taken_ns``.

    ``before`` is the fingerprint taken at ``taken_ns``, before hashing.  A file written again
    gets a new change time (which cannot be set back) or inode, so it no longer matches; but a
    write within the clock tick of a file's last change could keep the same times, so files that
    changed less than RACY_NS before the fingerprint are not recorded (the next open hashes
    again).  A read-only home keeps no marker: every open then hashes (slow, still safe).
    """
    from footprint.data import warm

    after = _fingerprints(opened.path, opened.manifest["files"])
    if after != before or not warm.settled(before, taken_ns):
        return
    record = json.dumps({"id": opened.id, "files": [list(entry) for entry in after]}, separators=(",", ":"))
    with contextlib.suppress(OutputError):
        write_atomic(verified_path(opened.name), record, force=True, mode=data_mode())


def check_once(opened: SnapshotFiles, *, deep: bool) -> list[str]:
    """``check_files`` with content hashes once per snapshot per machine, not at every open (large snapshots).

    Hashing gigabytes of imported databases at every declaration is too slow, but a size check
    alone would serve a file changed in place with the same size.  So the first open hashes every
    file and records each file's (size, mtime, ctime, inode) in a marker; later opens hash again
    only when a fingerprint differs (the file was written, replaced or touched since).  ``deep``
    (``footprint setup``) hashes whatever the marker says.
    """
    files = opened.manifest["files"]
    taken_ns = time.time_ns()
    before = _fingerprints(opened.path, files)
    if not deep and _marker_holds(opened, before):
        return check_files(opened.path, files, deep=False)
    problems = check_files(opened.path, files, deep=True)
    if not problems:
        _record_verified(opened, before, taken_ns)
    return problems


def _fsync_tree(root: Path) -> None:
    """Flush every file and directory of a finished snapshot before the switch points at it."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for directory in [*(p for p in root.rglob("*") if p.is_dir()), root, root.parent]:
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on directories; rename is still atomic
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ----------------------------------------------------------------------------- the finished snapshot


@dataclass(eq=False)
class SnapshotFiles:
    """One finished snapshot directory and its manifest, opened for reading (a shared lock held)."""

    path: Path
    manifest: dict[str, Any]
    id: str
    _fd: int | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def release(self) -> None:
        """Drop the shared lock: the pruner may delete this snapshot once it is no longer current."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


class SnapshotMissing(Exception):
    """No current snapshot (never set up, or the pointer names nothing usable)."""


def read_current() -> str | None:
    """The name the CURRENT pointer holds, or None."""
    pointer = snapshots_dir() / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except PermissionError as exc:  # a snapshot, but not this user's: not "none set up" (then a set-up attempt)
        raise not_readable(pointer, exc) from None
    except (OSError, UnicodeDecodeError):
        return None
    if not name or "/" in name or name.startswith((".", STAGING_PREFIX)):
        return None
    return name


#: what a snapshot's manifest.json must be, for errors that name it
MANIFEST_EXPECTED = "the JSON manifest 'footprint setup' writes (an object with a 'files' mapping)"


def read_manifest(path: Path) -> tuple[dict[str, Any], str]:
    """(the manifest of the snapshot directory ``path``, the sha256 of its bytes), read strictly.

    The one manifest reader: strict JSON (footprint/_json.py: no duplicate keys, NaN or
    out-of-range numbers), so the id (the hash of the very bytes parsed) and what is read agree.
    A missing, unreadable or malformed manifest is a SetupError naming the file.
    """
    file = path / MANIFEST
    text, digest = read_text_hashed(file, SetupError, expected=MANIFEST_EXPECTED)
    try:
        manifest = _json.loads(text)
    except ValueError as exc:
        raise SetupError(f"damaged snapshot manifest: {exc}", file=file, expected=MANIFEST_EXPECTED) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise SetupError("not a footprint snapshot manifest", file=file, expected=MANIFEST_EXPECTED)
    return manifest, digest


def open_current(*, attempts: int = 5) -> SnapshotFiles:
    """Open the current snapshot for reading: its shared lock is held until ``release()``.

    The pointer is read, the directory locked, then checked again: a snapshot pruned
    between reading the pointer and locking it is noticed and the pointer read anew.
    """
    for _ in range(attempts):
        name = read_current()
        if name is None:
            raise SnapshotMissing("no snapshot has been set up")
        path = snapshots_dir() / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            if read_current() == name:
                raise SnapshotMissing(f"the current snapshot {path} does not exist") from None
            continue  # switched and pruned meanwhile: read the pointer again
        except PermissionError as exc:
            raise not_readable(path, exc) from None
        if not os.access(path / MANIFEST, os.R_OK) and (path / MANIFEST).exists():  # not "damaged": not this user's
            os.close(fd)
            raise not_readable(path / MANIFEST)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if not path.exists() or os.stat(path).st_ino != os.fstat(fd).st_ino:
                os.close(fd)
                continue
            directory = snapshots_dir()
            refuse_written_by_others([home(), directory, directory / CURRENT, path, path / MANIFEST])
            manifest, digest = read_manifest(path)
        except OSError as exc:
            os.close(fd)
            raise SnapshotMissing(f"the manifest of {path} cannot be read: {exc}") from None
        except HomeNotTrusted:
            os.close(fd)
            raise
        except SetupError as exc:
            os.close(fd)
            raise SnapshotMissing(f"the manifest of {path} cannot be read: {exc.message}") from None
        except BaseException:
            os.close(fd)
            raise
        if not digest.startswith(name):
            os.close(fd)
            raise SnapshotMissing(f"the manifest of {path} does not hash to the snapshot's name (damaged)")
        return SnapshotFiles(path=path, manifest=manifest, id=digest, _fd=fd)
    raise SnapshotMissing("the current snapshot kept changing while it was opened")


# ----------------------------------------------------------------------------- one writer


@contextlib.contextmanager
def writer_lock(*, wait: bool = True, say: Callable[[str], None] | None = None) -> Iterator[bool]:
    """Hold ``snapshots/setup.lock`` exclusively; yields False (without waiting) if busy and not ``wait``.

    Another process setting up makes this wait; after WAIT_MESSAGE_AFTER seconds one
    line on stderr says why nothing happens.  Creating the lock file is the first write
    of a set-up, so a read-only home fails here, before any work.
    """
    directory = snapshots_dir()
    path = directory / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)  # an existing lock file: no write needed, works on a read-only home
    except OSError:
        try:
            make_folder(directory)
        except OSError as exc:
            raise SetupError(f"cannot create the data directory: {exc.strerror or exc}", file=directory,
                             field="FOOTPRINT_HOME", value=str(home()),
                             expected="a directory footprint may write to (set FOOTPRINT_HOME to one)") from None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError as exc:
            raise write_error(exc, directory) from None
    try:
        started = time.monotonic()
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    yield False
                    return
            if not said and time.monotonic() - started >= WAIT_MESSAGE_AFTER:
                (say or announce)(f"footprint: waiting for another set-up of {home()} to finish (lock {path})")
                said = True
            time.sleep(0.1)
        yield True
    finally:
        os.close(fd)  # closing drops the lock


def announce(message: str) -> None:
    """One line on stderr about the set-up (why a command waits or takes longer); stdout stays clean."""
    print(message, file=sys.stderr, flush=True)


def write_error(exc: OSError, path: Path) -> SetupError:
    """A failed write during set-up as one clear error (disk full, read-only, permissions)."""
    reasons = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied"}
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    where = Path(exc.filename) if getattr(exc, "filename", None) else path
    return SetupError(f"set-up cannot write: {reason}; the previous set-up (if any) is unchanged", file=where,
                      field="FOOTPRINT_HOME", value=str(home()),
                      expected="a FOOTPRINT_HOME footprint may write to, with room for one more snapshot "
                               "(about twice the size of one)")


# ----------------------------------------------------------------------------- building and switching


def new_staging() -> Path:
    import tempfile

    directory = snapshots_dir()
    try:
        make_folder(directory)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=directory))
        umask = os.umask(0)
        os.umask(umask)
        # mkdtemp makes it private; a snapshot is read like any data directory, but written by its owner alone
        os.chmod(staging, 0o777 & ~umask & ~OTHERS_WRITE)
        return staging
    except OSError as exc:
        raise write_error(exc, directory) from None


def finish(staging: Path, manifest: dict[str, Any], checkpoint: Callable[[str], None]) -> str:
    """Hash every file of ``staging``, write its manifest, move it to its final name; return that name.

    The CURRENT pointer is not touched: ``switch`` does that, as the last step.  Every file and folder
    loses group and world write first (Brightway wrote them under the umask; readers refuse them otherwise).
    """
    manifest = {**manifest, "format": FORMAT,
                "created": _time.utc_now().isoformat(timespec="microseconds").replace("+00:00", "Z"),  # one clock
                "files": hash_tree(staging)}
    raw = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
    (staging / MANIFEST).write_bytes(raw)
    keep_private_to_writes(staging)
    _fsync_tree(staging)
    name = hashlib.sha256(raw).hexdigest()[:16]
    checkpoint("before-rename")
    os.rename(staging, snapshots_dir() / name)
    _fsync_dir(snapshots_dir())
    return name


def switch(name: str) -> None:
    """Point CURRENT at ``name`` atomically (a reader sees the old name or the new, never a mix)."""
    directory = snapshots_dir()
    write_atomic(directory / CURRENT, name + "\n", force=True, mode=data_mode())  # temporary, fsync, rename; no temporary left on failure
    _fsync_dir(directory)


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def prune(keep: set[str]) -> list[str]:
    """Delete stale staging directories and every snapshot not in ``keep`` that nobody reads.

    Call only while holding the writer lock (a staging directory then belongs to a killed
    set-up).  A snapshot whose shared lock some reader holds is left for a later set-up.
    """
    directory = snapshots_dir()
    removed = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return removed
    for path in entries:
        if not path.is_dir() or path.name in keep:
            continue
        if path.name.startswith((STAGING_PREFIX, TRASH_PREFIX)):
            discard(path)
            removed.append(path.name)
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # a declaration still reads it
        try:
            trash = directory / f"{TRASH_PREFIX}{path.name}"
            os.rename(path, trash)  # readers that lock after this find the path gone and re-read CURRENT
        except OSError:
            os.close(fd)
            continue
        os.close(fd)
        discard(trash)
        removed.append(path.name)
    _prune_markers(directory)
    return removed


def _prune_markers(directory: Path) -> None:
    """Delete the verified-markers of snapshots that are gone (a marker names one snapshot only)."""
    for marker in directory.glob(f"*{VERIFIED_SUFFIX}"):
        if not (directory / marker.name.removesuffix(VERIFIED_SUFFIX)).is_dir():
            with contextlib.suppress(OSError):
                marker.unlink()


def size_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def checkpoint_hook(point: str) -> None:
    """A test hook: stop the real set-up at ``point`` so a test can kill it exactly there.

    With FOOTPRINT_TEST_SETUP_PAUSE=<point> the process prints ``footprint-checkpoint <point>``
    on stderr and waits until the file named by FOOTPRINT_TEST_SETUP_RESUME exists (or 120 s).
    Points: staging, written, before-rename, before-switch, switched.
    """
    if os.environ.get("FOOTPRINT_TEST_SETUP_PAUSE") != point:
        return
    print(f"footprint-checkpoint {point}", file=sys.stderr, flush=True)
    resume = os.environ.get("FOOTPRINT_TEST_SETUP_RESUME")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (resume and os.path.exists(resume)):
        time.sleep(0.05)
