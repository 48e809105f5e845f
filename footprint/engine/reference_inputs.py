"""What the reference path reads of the background, kept for one snapshot while its files stay the same.

The reference path (footprint.engine.solvers.FullLCA) recomputes a declaration in one bw2calc
LCA of foreground and background.  For every declaration it loaded the background database's
datapackage and every method's from the snapshot's files and had bw2calc build each method's
characterisation matrix: on the built-in library about 45 and 35 ms of a 130 ms recomputation,
paid again by every row of a market-wide ``batch verify --reference``.  None of it changes
between two declarations on one snapshot, so it is kept here:

* each datapackage as bw2data loads it, under the background version (footprint.data.warm's
  store: a new version drops it), the database or method and the fingerprint of its processed
  file (footprint.data.warm.fingerprint: size, times, inode, taken before the file is read), so a
  file changed since (a snapshot tampered with in place, a scratch copy rewritten) is read again,
  never served from memory;
* each method's characterisation matrix as bw2calc built it from that datapackage, per
  biosphere index (the LCA's sorted biosphere node ids: the background's flows and the
  foreground's).  bw2calc's matrix depends on nothing else (``LCA.load_lcia_data``: the method's
  datapackage, the biosphere row mapper, no seed, no arrays or distributions), so an LCA with the
  same index gets the very matrix bw2calc built, digit for digit, and an LCA with another index
  has bw2calc build its own.

Nothing here is shared with declare's fast path (footprint.data.scores: the stored unit scores,
the CFs the array solver reads): the reference path stays an independent recomputation that
reads the snapshot's files itself.  The arrays kept are made read-only, so no calculation can
change what the next declaration reads: an attempt raises instead.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from footprint.data import warm

#: characterisation matrices kept per method, one per biosphere index (a market's rules give a few dozen)
MATRICES_PER_METHOD = 64


class _Kept:
    """One datapackage, read-only, and the characterisation matrices bw2calc built from it (per biosphere index)."""

    def __init__(self, package: Any):
        for array in package.data:
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
        self.package = package
        self.matrices: OrderedDict[bytes, Any] = OrderedDict()
        self.lock = threading.Lock()


_LOCK = threading.Lock()


def _kept(kind: str, name: Any, version: str) -> _Kept:
    """The kept datapackage of a bw2data Database (``kind`` "database") or Method, read again when its file changed.

    Kept in footprint.data.warm's store under the background version (a new version drops it with
    everything else), and within a version under the fingerprint of the processed file, taken
    before the file is read: a write during the read shows in the next call's fingerprint.  One
    read while the file had just changed is used but not kept (warm.RACY_NS), as warm.by_files does.
    The file's path is kept too (bw2data derives it from the name: 0.5 ms a lookup, 22 a declaration).
    """
    import time

    store: dict = warm.cached(version, ("reference-datapackages",), dict)
    key = (kind, name)
    with _LOCK:
        path = store.get(("path", key))
    node = None
    if path is None:
        node = _node(kind, name)
        path = node.filepath_processed()
        with _LOCK:
            store[("path", key)] = path
    files = warm.fingerprint([path])
    with _LOCK:
        stored = store.get(key)
    if stored is not None and stored[0] == files:
        return stored[1]
    value = _Kept((node or _node(kind, name)).datapackage())
    if warm.settled(files, time.time_ns()):
        with _LOCK:
            store[key] = (files, value)
    return value


def _node(kind: str, name: Any) -> Any:
    from footprint.data.project import brightway

    bd = brightway()[0]
    return bd.Database(name) if kind == "database" else bd.Method(name)


def database_package(name: str, version: str) -> Any:
    """The datapackage of background database ``name`` (shared by the reference path's LCAs: read-only)."""
    return _kept("database", name, version).package


def method_package(method: tuple[str, ...] | list[str], version: str) -> Any:
    """The datapackage of LCIA ``method`` (shared by the reference path's LCAs: read-only)."""
    return _kept("method", tuple(method), version).package


def characterise(lca: Any, method: tuple[str, ...] | list[str], version: str) -> None:
    """Give ``lca`` the characterisation matrix of ``method`` for its biosphere index, as bw2calc builds it.

    Kept from an earlier LCA with the same biosphere index, else built by bw2calc
    (``switch_method`` with the kept datapackage) and kept.  Either way only
    ``lca.characterization_matrix`` is what ``lcia_calculation`` and the reference path read;
    after a kept matrix is set, ``lca.characterization_mm`` still describes an earlier method.
    """
    kept = _kept("method", tuple(method), version)
    index = lca.biosphere_mm.row_mapper.array
    key = index.dtype.str.encode() + index.tobytes()
    with kept.lock:
        matrix = kept.matrices.get(key)
        if matrix is not None:
            kept.matrices.move_to_end(key)
    if matrix is not None:
        lca.characterization_matrix = matrix
        return
    lca.switch_method([kept.package])
    matrix = lca.characterization_matrix
    for part in (matrix.data, matrix.indices, matrix.indptr):
        part.flags.writeable = False
    with kept.lock:
        kept.matrices[key] = matrix
        while len(kept.matrices) > MATRICES_PER_METHOD:
            kept.matrices.popitem(last=False)
