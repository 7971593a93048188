"""Run one replication (:func:`run`) or many (:func:`replicate`, :func:`stream`), in
parallel if asked: worker processes, any ``concurrent.futures.Executor``, a dask cluster.

Per-replication seeds are children of ``numpy.random.SeedSequence(seed)``: replication
``i`` sees the same customers whatever the policy, the executor or the number of workers
(common random numbers).  Seeds are made one at a time as replications are submitted, a
bounded number of replications is in flight, and results are summarised in replication
order as they arrive, so a million replications cost neither a million seeds nor a million
reports up front, and the summary is the same bit for bit however they were run
(docs/scale.md).
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import numpy as np

from ..errors import ValidationError
from .engine import simulate
from .limits import MAX_PROCESSES, MAX_RUN_REPLICATIONS
from .metrics import compute
from .report import Report, Summary, _jsonable, summarize
from .scenario import Scenario

__all__ = ["run", "replicate", "stream", "seeds", "iter_seeds", "seed_of", "run_batch"]


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


def check_replications(replications: Any) -> int:
    """``replications`` if it is an integer from 1 to ``limits.MAX_RUN_REPLICATIONS``, else a
    ValidationError naming it."""
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) \
            or not 1 <= replications <= MAX_RUN_REPLICATIONS:
        raise ValidationError(f"replicate: replications must be an integer >= 1 and <= "
                              f"{MAX_RUN_REPLICATIONS:,} (got {replications!r})")
    return int(replications)


def seed_of(root: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """Replication ``i``'s seed: the ``i``-th child of ``root``, exactly the one
    ``root.spawn(n)[i]`` gives (for a fresh ``root``), made on its own."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i),
                                  pool_size=root.pool_size)


def iter_seeds(seed: int, replications: int) -> Iterator[np.random.SeedSequence]:
    """The per-replication seeds of :func:`seeds`, made one at a time as they are needed."""
    n = check_replications(replications)
    root = np.random.SeedSequence(check_seed(seed, "replicate"))
    return (seed_of(root, i) for i in range(n))


def seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The per-replication seeds :func:`replicate` uses: the children of
    ``numpy.random.SeedSequence(seed)``, as ``spawn(replications)`` makes them."""
    return list(iter_seeds(seed, replications))


def check_in_flight(in_flight: Any) -> int:
    """``in_flight`` if it is an integer >= 1, else a ValidationError naming it."""
    if isinstance(in_flight, bool) or not isinstance(in_flight, (int, np.integer)) or in_flight < 1:
        raise ValidationError(f"replicate: in_flight must be an integer >= 1 (got {in_flight!r}): "
                              "the replications submitted and not yet summarised at any time")
    return int(in_flight)


def stream(scenario: Scenario, replications: int | None = None, seed: int = 0,
           executor: Executor | Any | None = None, processes: int | None = None, *,
           in_flight: int | None = None, chunk: int | None = None) -> Iterator[Report]:
    """The replications' reports, one at a time, in replication order: replication ``i``
    (seed ``seeds(seed, n)[i]``) is the ``i``-th, whichever finishes first.

    Seeds are made as replications are submitted, and at most ``in_flight`` tasks are
    submitted and not yet yielded (default: 4 per worker), so memory does not grow with
    ``replications``.  ``chunk``: replications per task; by default one per task up to 32
    replications per worker, then more (at most 16), so that a cluster's overhead per task
    (a millisecond or more) is paid once for several short replications while every worker
    still gets 16 tasks or more.  ``executor`` and ``processes`` as in :func:`replicate`.
    Arguments are checked when ``stream`` is called, before anything runs; closing the
    iterator early cancels the tasks not yet started.  The reports are the same whatever ``in_flight``,
    ``chunk``, ``executor`` or ``processes``.
    """
    if not isinstance(scenario, Scenario):
        raise ValidationError(f"replicate: scenario must be a Scenario (got {scenario!r})")
    n = scenario.replications if replications is None else check_replications(replications)
    children = iter_seeds(seed, n)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ValidationError("replicate: executor must be None, a concurrent.futures.Executor or a "
                              f"dask.distributed Client (anything with submit()) (got {executor!r})")
    if executor is None and processes is not None:
        check_processes(processes)
    if in_flight is not None:
        check_in_flight(in_flight)
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer))
                              or chunk < 1):
        raise ValidationError(f"replicate: chunk must be None or an integer >= 1 (got {chunk!r}): "
                              "the replications of one task")
    if executor is None and (processes is None or processes == 1 or n == 1):
        return (run(scenario, s) for s in children)
    if executor is None:
        assert processes is not None
        k = chunk or _auto_chunk(n, processes)
        # more workers than tasks would only start idle processes
        return _flat(_pooled(scenario, _batches(children, k), min(processes, -(-n // k)), in_flight))
    return _flat(_on_executor(executor, scenario, children, n, chunk, in_flight))


def _auto_chunk(n: int, workers: int) -> int:
    """Replications per task: 16 tasks or more per worker, at most 16 replications each (a
    task's reports are all in memory at once)."""
    return max(1, min(16, n // (16 * max(1, workers))))


def run_batch(scenario: Scenario, seeds: list[np.random.SeedSequence]) -> list[Report]:
    """One task of :func:`stream`: the replications of ``seeds``, in order."""
    return [run(scenario, s) for s in seeds]


def _batches(children: Iterator[np.random.SeedSequence], k: int) -> Iterator[list[np.random.SeedSequence]]:
    while batch := list(itertools.islice(children, k)):
        yield batch


def _flat(batches: Iterator[list[Report]]) -> Iterator[Report]:
    for batch in batches:
        yield from batch


def _pooled(scenario: Scenario, batches: Iterator[list[np.random.SeedSequence]], workers: int,
            in_flight: int | None) -> Iterator[list[Report]]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from _in_order(lambda b: pool.submit(run_batch, scenario, b), batches,
                             in_flight or 4 * workers)


def _on_executor(executor: Any, scenario: Scenario, children: Iterator[np.random.SeedSequence],
                 n: int, chunk: int | None, in_flight: int | None) -> Iterator[list[Report]]:
    if _is_dask_client(executor):
        # the scenario goes to the workers once, not with every task; pure=False: a task is
        # one of its own, never one dask thinks it has already computed
        ref = executor.scatter(scenario, broadcast=True, hash=False)
        threads = sum(executor.nthreads().values()) or 1
        batches = _batches(children, chunk or _auto_chunk(n, threads))
        yield from _in_order(lambda b: executor.submit(run_batch, ref, b, pure=False), batches,
                             in_flight or 4 * threads)
        return
    workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    batches = _batches(children, chunk or _auto_chunk(n, workers))
    yield from _in_order(lambda b: executor.submit(run_batch, scenario, b), batches,
                         in_flight or 4 * workers)


def _is_dask_client(executor: Any) -> bool:
    """A ``dask.distributed.Client`` (not its ``get_executor()``), told without importing dask."""
    return (type(executor).__module__.split(".")[0] == "distributed"
            and all(callable(getattr(executor, a, None)) for a in ("scatter", "nthreads", "submit")))


def _in_order(submit: Callable[[Any], Any], items: Iterator[Any], window: int) -> Iterator[Any]:
    """``submit(item)`` for each item, at most ``window`` futures outstanding, their results
    in submission order; the futures still pending are cancelled if the consumer stops."""
    pending: deque[Any] = deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


def replicate(scenario: Scenario, replications: int | None = None, seed: int = 0,
              executor: Executor | Any | None = None, processes: int | None = None, *,
              in_flight: int | None = None, chunk: int | None = None,
              keep_intervals: bool = False) -> Summary:
    """Run ``replications`` (default: the scenario's) and summarise them.

    ``executor``: any ``concurrent.futures.Executor`` (thread or process pool, a
    ``dask.distributed`` client's ``get_executor()``) or anything with ``submit`` returning
    futures with ``result()`` (a ``dask.distributed.Client`` itself: the scenario is sent to
    its workers once).  ``processes=N``: a ``ProcessPoolExecutor`` of N workers made for this
    call.  Neither: sequential.  The same seed gives the same summary, bit for bit, whichever
    runs it.

    Reports stream into the summary in replication order (:func:`stream`,
    :class:`~omniroute.sim.Summarizer`): at most ``in_flight`` tasks of ``chunk``
    replications each are pending at a time and no report is kept.  ``keep_intervals``: keep each replication's interval series
    too (:meth:`Summary.interval_values`).
    """
    return summarize(stream(scenario, replications, seed, executor, processes, in_flight=in_flight,
                            chunk=chunk), seed, keep_intervals=keep_intervals)


def check_processes(processes: Any) -> int:
    """``processes`` if it is an integer from 1 to ``limits.MAX_PROCESSES``, else a
    ValidationError (each worker holds a whole replication in memory)."""
    if isinstance(processes, bool) or not isinstance(processes, int) or not 1 <= processes <= MAX_PROCESSES:
        raise ValidationError(f"processes must be an integer from 1 to {MAX_PROCESSES} (got {processes!r})")
    return processes
