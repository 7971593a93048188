"""Progress bars on long runs: tqdm when it is installed, else a plain counter on stderr.

:func:`replicate` is :func:`omniroute.sim.replicate` with a progress bar: the same
per-replication seeds (``sim.seeds``), streamed into the summary in replication order, so the
same ``Summary``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["progress", "replicate"]


@contextmanager
def progress(total: int, desc: str = "", enabled: bool = True,
             stream: TextIO | None = None, unit: str = "rep") -> Iterator[Callable[[int], None]]:
    """``with progress(10, "replications") as step: ... step(1)``; a no-op when disabled."""
    if not enabled:
        yield lambda n=1: None
        return
    out = stream if stream is not None else sys.stderr
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc=desc, file=out, leave=False, unit=unit)
        try:
            yield bar.update
        finally:
            bar.close()
        return
    done = [0]

    def step(n: int = 1) -> None:
        done[0] += n
        out.write(f"\r{desc}: {done[0]}/{total}")
        out.flush()

    try:
        yield step
    finally:
        out.write("\r" + " " * (len(desc) + 24) + "\r")
        out.flush()


def replicate(scenario: Any, replications: int | None = None, seed: int = 0,
              show: bool = False, processes: int | None = None, desc: str | None = None,
              executor: Any | None = None) -> Any:
    """Run and summarise replications like ``sim.replicate`` (streaming, the same seeds, the
    same ``Summary``), with a progress bar if ``show``; ``executor`` as ``sim.replicate``'s
    (a ``dask.distributed.Client`` for a cluster)."""
    from ..sim import Summarizer, iter_seeds, run, stream
    from ..sim.replicate import check_processes

    n = scenario.replications if replications is None else replications
    label = desc or scenario.name
    acc = Summarizer(seed)
    if show and executor is None and not (processes and processes > 1 and n > 1):
        # in process: a bar in hundredths of each replication's simulated horizon, so a long
        # single replication shows where it is (and tqdm its ETA)
        children = iter_seeds(seed, n)  # checks the seed and the number of replications
        if processes is not None:
            check_processes(processes)
        with progress(100 * n, f"{label} (% of simulated time)", show, unit="%") as step:
            for s in children:
                done = [0]

                def moved(share: float, done: list[int] = done) -> None:
                    k = int(share * 100)
                    if k > done[0]:
                        step(k - done[0])
                        done[0] = k

                acc.add(run(scenario, s, progress=moved))
                moved(1.0)
        return acc.summary()
    reports = stream(scenario, n, seed, executor, processes)  # checks every argument first
    with progress(n, label, show) as step:
        for r in reports:
            acc.add(r)
            step(1)
    return acc.summary()
