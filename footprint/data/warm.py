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


def fingerprint(paths) -> tuple:
    """(path, size, modification time) of each file: what a memo of files' contents is keyed on."""
    import os

    found = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            found.append((str(path), None, None))
            continue
        found.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(found)


def by_files(key: Hashable, files: tuple, build: Callable[[], T]) -> T:
    """``build()`` once while the files' fingerprint (``fingerprint(paths)``) stays the same."""
    with _LOCK:
        stored = _FILES.get(key)
        if stored is not None and stored[0] == files:
            return stored[1]  # type: ignore[return-value]
    value = build()
    with _LOCK:
        _FILES[key] = (files, value)
    return value


def clear() -> None:
    """Forget everything (tests; a process that knows the set-up changed under it)."""
    global _VERSION
    with _LOCK:
        _VALUES.clear()
        _FILES.clear()
        _VERSION = None
