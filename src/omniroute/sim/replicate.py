"""Run one replication (:func:`run`) or many (:func:`replicate`), in parallel if asked.

Per-replication seeds are children of ``numpy.random.SeedSequence(seed)``: replication
``i`` sees the same customers whatever the policy, the executor or the number of workers
(common random numbers); results are ordered by replication index.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import numpy as np

from ..errors import ValidationError
from .engine import simulate
from .limits import MAX_PROCESSES, MAX_REPLICATIONS
from .metrics import compute
from .report import Report, Summary, _jsonable, summarize
from .scenario import Scenario

__all__ = ["run", "replicate", "seeds"]


def check_seed(seed: Any, owner: str = "run") -> int:
    """``seed`` if it is an integer >= 0 (what ``numpy.random.SeedSequence`` takes), else a
    ValidationError naming it: results must be reproducible, so None is refused too."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError(f"{owner}: seed must be an integer >= 0 or a numpy SeedSequence "
                              f"(got {seed!r}); the same seed gives the same results")
    return int(seed)


def _seed(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(check_seed(seed))


def run(scenario: Scenario, seed: int | np.random.SeedSequence = 0,
        progress: Callable[[float], None] | None = None) -> Report:
    """Simulate one replication of ``scenario``; same seed, identical :class:`Report`.

    ``progress``: called with the share of the horizon simulated so far (0 to 1), every
    hundredth of it; for a progress bar on a long replication (results do not depend on it).
    """
    if not isinstance(scenario, Scenario):
        raise ValidationError(f"run: scenario must be a Scenario (got {scenario!r})")
    if progress is not None and not callable(progress):
        raise ValidationError(f"run: progress must be a callable taking a float (got {progress!r})")
    ss = _seed(seed)
    out = simulate(scenario, ss, progress)
    kpis, intervals = compute(scenario, out)
    return Report(scenario.name, seed if isinstance(seed, int) else _jsonable(ss), kpis,
                  intervals, out.columns.n, out.end)


def seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The per-replication seeds :func:`replicate` uses."""
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or not 1 <= replications <= MAX_REPLICATIONS:
        raise ValidationError(f"replicate: replications must be an integer >= 1 and <= "
                              f"{MAX_REPLICATIONS:,} (got {replications!r})")
    return np.random.SeedSequence(check_seed(seed, "replicate")).spawn(replications)


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
    children = seeds(seed, n)
    if executor is None and processes is not None:
        check_processes(processes)
        # more workers than replications would only start idle processes
        with ProcessPoolExecutor(max_workers=min(processes, n)) as pool:
            reports = _map(pool, scenario, children)
    elif executor is None:
        reports = [run(scenario, s) for s in children]
    else:
        reports = _map(executor, scenario, children)
    return summarize(reports, seed)


def check_processes(processes: Any) -> int:
    """``processes`` if it is an integer from 1 to ``limits.MAX_PROCESSES``, else a
    ValidationError (each worker holds a whole replication in memory)."""
    if isinstance(processes, bool) or not isinstance(processes, int) or not 1 <= processes <= MAX_PROCESSES:
        raise ValidationError(f"processes must be an integer from 1 to {MAX_PROCESSES} (got {processes!r})")
    return processes


def _map(executor: Any, scenario: Scenario, children: list[np.random.SeedSequence]) -> list[Report]:
    futures = [executor.submit(run, scenario, s) for s in children]
    return [f.result() for f in futures]
