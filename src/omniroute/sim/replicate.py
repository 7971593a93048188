"""Run one replication (:func:`run`) or many (:func:`replicate`), in parallel if asked.

Per-replication seeds are children of ``numpy.random.SeedSequence(seed)``: replication
``i`` sees the same customers whatever the policy, the executor or the number of workers
(common random numbers); results are ordered by replication index.
"""

from __future__ import annotations

from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import numpy as np

from ..errors import ValidationError
from .engine import simulate
from .metrics import compute
from .report import Report, Summary, _jsonable, summarize
from .scenario import Scenario

__all__ = ["run", "replicate", "seeds"]


def _seed(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        raise ValidationError("run: seed must be an int or a numpy SeedSequence (got None); "
                         "results must be reproducible")
    return np.random.SeedSequence(seed)


def run(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> Report:
    """Simulate one replication of ``scenario``; same seed, identical :class:`Report`."""
    if not isinstance(scenario, Scenario):
        raise ValidationError(f"run: scenario must be a Scenario (got {scenario!r})")
    ss = _seed(seed)
    out = simulate(scenario, ss)
    kpis, intervals = compute(scenario, out)
    return Report(scenario.name, seed if isinstance(seed, int) else _jsonable(ss), kpis,
                  intervals, len(out.legs), out.end)


def seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The per-replication seeds :func:`replicate` uses."""
    return np.random.SeedSequence(seed).spawn(replications)


def replicate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int = 0,
    executor: Executor | Any | None = None,
    processes: int | None = None,
) -> Summary:
    """Run ``replications`` (default: the scenario's) and summarise them.

    ``executor``: any ``concurrent.futures.Executor`` (thread or process pool, a
    ``dask.distributed`` client's ``get_executor()``) or anything with ``submit`` returning
    futures with ``result()`` (a ``dask.distributed.Client`` itself).  ``processes=N``:
    a ``ProcessPoolExecutor`` of N workers made for this call.  Neither: sequential.
    """
    n = scenario.replications if replications is None else replications
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValidationError(f"replicate: replications must be an integer >= 1 (got {n!r})")
    children = seeds(seed, n)
    if executor is None and processes is not None:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            reports = _map(pool, scenario, children)
    elif executor is None:
        reports = [run(scenario, s) for s in children]
    else:
        reports = _map(executor, scenario, children)
    return summarize(reports, seed)


def _map(executor: Any, scenario: Scenario, children: list[np.random.SeedSequence]) -> list[Report]:
    futures = [executor.submit(run, scenario, s) for s in children]
    return [f.result() for f in futures]
