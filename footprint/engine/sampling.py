"""Drawing every Monte Carlo iteration at once, as arrays.

One matrix of standard normal numbers Z (iterations x inputs) is the only randomness:
each input's column comes from its own numpy PCG64 generator, seeded with the sha256 of
the recorded seed and the input's identity (``stream_seed``), never its position in the
list: the same data written in another order (lines, processes, YAML or XLSX) draw the
same numbers for the same quantity, and inputs with the same identity (lines of one
datum drawn together) the same column.  Lognormal and normal
inputs use Z directly, uniform and triangular ones the uniform number Phi(Z)
(inverse-transform sampling), and an input given by quantiles (a supplier's
declared distribution) interpolates its quantile function at Phi(Z).  The same
seed and the same inputs therefore give the same numbers, bit for bit, on any
machine with the same numpy; the declaration records both.
"""
from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np
from scipy.special import ndtr

from footprint.inputs.distribution import TYPE_IDS, Relative

GENERATOR = ("per input: numpy.random.Generator(PCG64(int(sha256(f'{seed}\\n{identity}'), big-endian)))"
             ".standard_normal(iterations); uniform = Phi(z)")


def stream_seed(seed: int, identity: str) -> int:
    """The seed of one input's random numbers: sha256 of the run's seed and the input's identity.

    Why not the input's position: the columns of one generator were handed out in list order, so the
    same data written in another order (a process's lines reversed, the XLSX twin of a YAML file) gave
    another median (ndpr-oxide, N 40, seed 7: 48.50 vs 47.40) and a reviewer could not reproduce the
    declared percentiles.  sha256, not Python's hash(), which is salted per process.
    """
    digest = hashlib.sha256(f"{seed}\n{identity}".encode("utf-8")).digest()
    return int.from_bytes(digest, "big")


def standard_normals(iterations: int, identities: Sequence[str], seed: int) -> np.ndarray:
    """The iterations x inputs matrix every input is drawn from: column j from identity j's own stream.

    Equal identities get equal columns (drawn once).
    """
    rows = np.empty((len(identities), iterations))  # one contiguous row per input, returned transposed
    drawn: dict[str, int] = {}
    for j, identity in enumerate(identities):
        if identity in drawn:
            rows[j] = rows[drawn[identity]]
            continue
        drawn[identity] = j
        np.random.Generator(np.random.PCG64(stream_seed(seed, identity))).standard_normal(out=rows[j])
    return rows.T


def multipliers(specs: Sequence[Relative], z: np.ndarray) -> np.ndarray:
    """Each column of ``z`` turned into samples of its input's multiplier (1 = the deterministic amount)."""
    out = np.ones_like(z)
    kinds = np.array([spec.type for spec in specs], dtype=int)
    scale = np.array([spec.scale for spec in specs], dtype=float)
    low = np.array([spec.minimum for spec in specs], dtype=float)
    high = np.array([spec.maximum for spec in specs], dtype=float)
    mode = np.array([spec.loc for spec in specs], dtype=float)
    columns = kinds == TYPE_IDS["lognormal"]
    if columns.any():
        out[:, columns] = np.exp(z[:, columns] * scale[columns])
    columns = kinds == TYPE_IDS["normal"]
    if columns.any():
        out[:, columns] = 1.0 + z[:, columns] * scale[columns]
    columns = kinds == TYPE_IDS["uniform"]
    if columns.any():
        out[:, columns] = low[columns] + (high[columns] - low[columns]) * ndtr(z[:, columns])
    columns = kinds == TYPE_IDS["triangular"]
    if columns.any():
        out[:, columns] = triangular(ndtr(z[:, columns]), low[columns], mode[columns], high[columns])
    return out


def triangular(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Inverse CDF of the triangular distribution (low <= mode <= high) at uniform numbers ``u``."""
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    cut = np.where(width > 0, (mode - low) / safe, 0.0)
    left = low + np.sqrt(u * safe * (mode - low))
    right = high - np.sqrt((1.0 - u) * safe * (high - mode))
    return np.where(width > 0, np.where(u < cut, left, right), low)


def from_quantiles(z: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Samples of a distribution known by its percentiles 0..100 (equally spaced), at Phi(z).

    Linear interpolation of the quantile function between the stated percentiles.
    """
    grid = np.linspace(0.0, 1.0, len(quantiles))
    return np.interp(ndtr(z), grid, quantiles)
