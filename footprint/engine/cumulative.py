"""The PEF cut "most relevant: what cumulatively contributes at least 80 %", one definition for every ranking.

Three rankings use it: the data of the DQR (which contributions' quality is scored), the processes of the
Data Needs Matrix (which processes are held to the stricter limits), and the rule authors' hotspot
analysis (which categories, stages and processes matter).  Each had its own copy of the threshold test,
and only the authors' analysis kept ties: of two processes of the same size at the 80 % cut the DQR
counted whichever came first in the producer's file, so listing the same data in another order changed
the declared DQR and which process was held to the stricter limit, exit 0.  Here a contributor tied with
the one that reached the share is most relevant too: of two equal contributors, both or neither.
"""
from __future__ import annotations

from typing import Callable, Iterable, TypeVar

#: PEF (methodology.md 2.10): most relevant processes and data reach 80 % of a category cumulatively.
SHARE = 0.80

#: A cumulative share this close below the threshold reaches it: the contributions come out of the solve in
#: floating point, so a share that is 80 % in the producer's numbers (154 + 126 of 350 t) sums to 0.7999999999999999.
REACH_TOLERANCE = 1e-12

#: Two contributions whose magnitudes differ by at most this fraction of the larger are equal (to rounding).
TIE_TOLERANCE = 1e-9

T = TypeVar("T")


def reaches(running: float, total: float, share: float = SHARE) -> bool:
    """Whether ``running`` of ``total`` reaches ``share`` ("cumulatively contribute >= 80 %"), allowing for the
    solve's rounding (REACH_TOLERANCE)."""
    return running / total >= share - REACH_TOLERANCE


def tied(a: float, b: float) -> bool:
    """Equal in absolute value (to rounding): two contributors of the same size are both relevant or neither."""
    size = max(abs(a), abs(b))
    return size > 0 and abs(abs(a) - abs(b)) <= TIE_TOLERANCE * size


def reaching(ranked: Iterable[T], magnitude: Callable[[T], float], total: float, share: float = SHARE) -> list[T]:
    """The leading entries of ``ranked`` (largest |magnitude| first) that reach ``share`` of ``total``, and those
    after them tied with the one that reached it; all of them when the share is never reached."""
    chosen: list[T] = []
    running, last = 0.0, None
    for entry in ranked:
        size = magnitude(entry)
        if last is not None:
            if not tied(size, last):
                break
        else:
            running += abs(size)
            if reaches(running, total, share):
                last = size
        chosen.append(entry)
    return chosen
