"""Call logs drawn from known rates, to test :func:`omniroute.sim.calibrate` against.

:func:`mmcm_log` is the log of a FIFO M/M/c+M centre in the documented columns
(``docs/calibrate.md``): what calibration must recover is known exactly.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["mmcm_log"]


def mmcm_log(rate_h: float = 120.0, handle: float = 180.0, patience: float = 240.0, agents: int = 5,
             hours: float = 24.0, seed: int = 3, queue: str = "general") -> list[dict]:
    """The log of a FIFO M/M/c+M centre: Poisson arrivals (``rate_h`` an hour) for ``hours``
    from time 0, exponential handle times and patience (means in seconds), ``agents`` always
    there.  A caller whose answer would come after their patience abandons at it (in FIFO,
    abandoners take no agent's time); times are seconds, as rows of the documented columns."""
    rng = np.random.default_rng(seed)
    free = [(0.0, f"a{i}") for i in range(agents)]
    heapq.heapify(free)
    rows: list[dict] = []
    t = 0.0
    while True:
        t += rng.exponential(3600.0 / rate_h)
        if t >= hours * 3600:
            return rows
        p, h = rng.exponential(patience), rng.exponential(handle)
        start = max(t, free[0][0])
        if start - t > p:
            rows.append({"arrival": t, "queue": queue, "wait": p, "outcome": "abandoned",
                         "service_start": "", "service_end": "", "agent": ""})
            continue
        _, agent = heapq.heappop(free)
        heapq.heappush(free, (start + h, agent))
        rows.append({"arrival": t, "queue": queue, "wait": start - t, "outcome": "answered",
                     "service_start": start, "service_end": start + h, "agent": agent})
