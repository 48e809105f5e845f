"""How many processes of one batch compute at the same time: the share of free memory each may count on.

A worker's Monte Carlo checks its memory need against MemAvailable before it starts
(engine.uncertainty.check_memory); every worker of ``batch verify --workers 4`` read the same free
memory and each took it as its own, so together they could ask for four times what is there and be
killed by the kernel half-way.  Each counts on its share instead.  The state lives here, below every
wing (the engine reads it, the market's pool and batch set it, and neither wing may import the other),
set as each forked worker starts (footprint.market.pool) or, for a Dask LocalCluster's workers, through
their environment.
"""
from __future__ import annotations

import os

#: How many forked workers of this batch run at once; 1 outside a worker.  Set in each worker as it starts.
_RUNNING_AT_ONCE = 1
#: The same for processes the pool did not fork: a Dask LocalCluster's workers get it in their environment
#: (market.batch), which a worker the nanny restarts keeps.
AT_ONCE_ENV = "FOOTPRINT_WORKERS_AT_ONCE"


def running_at_once() -> int:
    """How many processes of this batch compute at the same time as this one (1 outside a batch's worker)."""
    try:
        stated = int(os.environ.get(AT_ONCE_ENV, "1"))
    except ValueError:
        stated = 1
    return max(1, _RUNNING_AT_ONCE, stated)


def set_running_at_once(running: int) -> None:
    """In a forked worker: how many workers run at once (this process's own copy of the state)."""
    global _RUNNING_AT_ONCE
    _RUNNING_AT_ONCE = max(1, int(running))
