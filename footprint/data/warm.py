"""What stays in memory between declarations: built once per background version, dropped when it changes.

A declaration reads the catalogue, the biosphere index, the background's scores and
characterisation factors, and the node index of every imported database it maps into.
None of these change between two declarations on the same set-up, and rebuilding them
was most of a declaration's time.  Each is kept here under the background version it
was built from (``footprint.data.project.background_version``): the first request under
another version drops everything, so a number computed from one set-up is never served
for another.
"""
from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

_LOCK = threading.Lock()
_VERSION: str | None = None
_VALUES: dict[Hashable, object] = {}


def cached(version: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per (version, key); a new version empties the store first."""
    global _VERSION
    with _LOCK:
        if version != _VERSION:
            _VALUES.clear()
            _VERSION = version
        if key in _VALUES:
            return _VALUES[key]  # type: ignore[return-value]
    value = build()  # outside the lock: a slow build must not stall other threads' lookups
    with _LOCK:
        if _VERSION == version:
            _VALUES.setdefault(key, value)
            return _VALUES[key]  # type: ignore[return-value]
    return value  # the version moved on while building: use the value, keep nothing


_FILES: dict[Hashable, tuple[tuple, object]] = {}

#: A file whose change time is this close to now may still change within the same clock tick
#: without its (size, times) changing: such a fingerprint is not trusted yet (git's "racy clean").
RACY_NS = 2_000_000_000


def fingerprint(paths) -> tuple:
    """(path, size, modification and change time, inode) of each file: what a memo of files' contents is keyed on.

    The change time (ctime) moves on every write and cannot be set back (``touch -d`` and
    ``cp -p`` set the modification time only); the inode changes when a file is replaced by a
    rename (atomic writes).  So a file written again gives another fingerprint, except within
    the filesystem's clock tick, which ``by_files`` guards against (RACY_NS).
    """
    import os

    found = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            found.append((str(path), None, None, None, None))
            continue
        found.append((str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return tuple(found)


def settled(files: tuple, now_ns: int) -> bool:
    """No file of ``files`` changed within RACY_NS before ``now_ns`` (a later write would show)."""
    return all(entry[3] is None or now_ns - max(entry[2], entry[3]) > RACY_NS for entry in files)


def by_files(key: Hashable, files: tuple, build: Callable[[], T]) -> T:
    """``build()`` once while the files' fingerprint (``fingerprint(paths)``) stays the same.

    A value built while a file had just changed is used but not kept: the next call builds
    again until the files have been still for RACY_NS, so a second write within the same clock
    tick (same size, same times) is never missed.
    """
    import time

    with _LOCK:
        stored = _FILES.get(key)
        if stored is not None and stored[0] == files:
            return stored[1]  # type: ignore[return-value]
    value = build()
    if settled(files, time.time_ns()):
        with _LOCK:
            _FILES[key] = (files, value)
    return value


def files_under(roots, suffix: str) -> list[str]:
    """The files ending in ``suffix`` under ``roots`` (sorted), listed again only when a folder changed.

    A file added, removed or renamed changes its folder's modification and change times, and a
    new folder changes its parent's; so while every folder's fingerprint is the same, so is the
    list.  A listing is kept only if two walks around the folders' fingerprint agree (a change
    during the first walk shows in the fingerprint, one after it in the next call's) and no
    folder changed within RACY_NS.  A file's contents are not covered here: fingerprint the
    files for that.
    """
    import time

    key = ("files-under", tuple(map(str, roots)), suffix)
    with _LOCK:
        stored = _FILES.get(key)
    if stored is not None and fingerprint(stored[1][0]) == stored[0]:
        return stored[1][1]  # type: ignore[index, return-value]
    listing = _walk(roots, suffix)
    before = fingerprint(listing[0])
    again = _walk(roots, suffix)
    if again == listing and settled(before, time.time_ns()):
        with _LOCK:
            _FILES[key] = (before, listing)
    return again[1]


def _walk(roots, suffix: str) -> tuple[list[str], list[str]]:
    """(every folder under ``roots``, the roots included; the files ending in ``suffix``, sorted)."""
    import os

    folders: list[str] = []
    files: list[str] = []
    for root in roots:
        folders.append(str(root))
        for folder, dirs, names in os.walk(root):
            folders += [os.path.join(folder, name) for name in dirs]
            files += [os.path.join(folder, name) for name in names if name.endswith(suffix)]
    return folders, sorted(files)


def clear() -> None:
    """Forget everything (tests; a process that knows the set-up changed under it)."""
    global _VERSION
    with _LOCK:
        _VALUES.clear()
        _FILES.clear()
        _VERSION = None
