"""The limits of a scenario: values beyond them would exhaust the machine, not describe a
contact centre.

They are sized so that one replication within every limit fits in a few GiB of memory
(about 1 KiB per contact) on an ordinary machine; ``docs/scenario-format.md`` lists them.  The
loader refuses a file beyond one with the path, the value and the limit; the value objects
(:class:`~omniroute.sim.Scenario`, :class:`~omniroute.sim.Arrivals`, ...) refuse the same
values built in code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "MAX_DURATION", "MAX_INTERVALS", "MAX_PROFILE_PIECES", "MAX_PER_HOUR", "MAX_ARRIVALS",
    "MAX_AGENTS", "MAX_CV", "MAX_BUSYNESS_CV", "MAX_REPLICATIONS", "MAX_RUN_REPLICATIONS", "MAX_ATTEMPTS",
    "MAX_FILE_BYTES", "MAX_TRACE_RECORDS", "MAX_LEGS", "MAX_PROCESSES", "MAX_LINES",
    "MAX_HANDLE_FACTOR", "MAX_PACING",
    "expected_arrivals", "scenario_limits", "number",
]

DAY = 86400.0

#: Any duration in a scenario: horizon, drain, handle and patience parameters, steps...
MAX_DURATION = 366 * DAY
#: Report intervals over the horizon (``horizon / interval``): KPI series and ``check``'s
#: per-interval capacity (about a millisecond each) are computed for each; a year of
#: 15-minute intervals fits.
MAX_INTERVALS = 40_000
#: Pieces of an arrival profile over the horizon (``horizon / arrivals.interval``).
MAX_PROFILE_PIECES = 1_000_000
#: Any arrival rate, contacts per hour.
MAX_PER_HOUR = 1_000_000.0
#: Expected arrivals of one replication, all demand and trace records together (about
#: 1 KiB of memory each while the replication runs).
MAX_ARRIVALS = 5_000_000
#: Agents in all groups together.
MAX_AGENTS = 100_000
#: An agent group's handle-time factor (how many times the drawn handle time it takes).
MAX_HANDLE_FACTOR = 100.0
#: A predictive dialer's pacing ratio (dials per free agent).
MAX_PACING = 10.0
#: Trunk lines of a queue or of the centre (more is unlimited in practice: leave it out).
MAX_LINES = 10_000_000
#: Coefficient of variation of a lognormal or gamma distribution (a larger one draws
#: times of 0 or beyond any horizon, and at about 1e154 overflows to infinity).
MAX_CV = 10.0
#: Coefficient of variation of the day-level busyness factor.
MAX_BUSYNESS_CV = 2.0
#: Replications of one run (the file's ``replications``, ``-n``).
MAX_REPLICATIONS = 10_000
#: Replications of one call of ``replicate`` (``-n``): they stream into the summary, which keeps
#: about 9 bytes per scalar KPI and replication (a few KiB per replication) and no report.
MAX_RUN_REPLICATIONS = 1_000_000
#: ``retrial.max_attempts``: every attempt is a new contact.
MAX_ATTEMPTS = 100
#: Size of a scenario file.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Records of one trace (a CSV file or inline ``records``).
MAX_TRACE_RECORDS = 2_000_000
#: Contact legs of one replication while it runs (arrivals, retrials and transfers): the hard
#: stop for a replication whose busyness draw or retrials multiply its contacts.
MAX_LEGS = 4 * MAX_ARRIVALS
#: Worker processes of ``--processes`` / ``replicate(processes=...)``.
MAX_PROCESSES = 64


def number(x: float) -> str:
    """A number as people write it: 1,000,000 rather than 1e+06, 2 rather than 2.0."""
    return f"{x:,.0f}" if math.isfinite(x) and x == int(x) else f"{x:g}"


def expected_arrivals(per_hour: float | tuple[float, ...], horizon: float) -> float:
    """Expected arrivals in ``[0, horizon)`` at ``per_hour`` (a profile: its mean rate)."""
    rate = sum(per_hour) / len(per_hour) if isinstance(per_hour, tuple) else per_hour
    return rate * horizon / 3600.0


def scenario_limits(horizon: float, interval: float, agents: Iterable[tuple[str, int]],
                    arrivals: Iterable[tuple[str, float | tuple[float, ...], float]],
                    records: Iterable[tuple[str, int]] = ()) -> list[str]:
    """The limits a whole scenario can break, each as ``"path: message"``.

    ``agents``: (path of the count, count) per group; ``arrivals``: (path of ``per_hour``,
    per_hour, profile interval) per demand; ``records``: (path, number) per trace.
    """
    out = []
    if interval > 0 and horizon / interval > MAX_INTERVALS:
        out.append(f"interval: {number(interval)} s over a horizon of {number(horizon)} s makes "
                   f"{math.ceil(horizon / interval):,} report intervals; at most {MAX_INTERVALS:,} "
                   "are allowed (lengthen the interval or shorten the horizon)")
    agents = list(agents)
    total = sum(n for _p, n in agents)
    if total > MAX_AGENTS:
        path, n = max(agents, key=lambda a: a[1])
        out.append(f"{path}: {n!r}: the groups hold {total:,} agents together; at most "
                   f"{MAX_AGENTS:,} are allowed")
    expected: list[tuple[float, str]] = []
    for path, per_hour, step in arrivals:
        if isinstance(per_hour, tuple) and step > 0 and horizon / step > MAX_PROFILE_PIECES:
            out.append(f"{path.rsplit('.', 1)[0]}.interval: {number(step)} s over a horizon of {number(horizon)} s "
                       f"makes {math.ceil(horizon / step):,} pieces of the profile; at most "
                       f"{MAX_PROFILE_PIECES:,} are allowed")
        expected.append((expected_arrivals(per_hour, horizon), path))
    expected += [(float(n), path) for path, n in records]
    if not expected:
        return out
    n_all = sum(e for e, _p in expected)
    if n_all > MAX_ARRIVALS:
        n, path = max(expected)
        out.append(f"{path}: about {n:,.0f} arrivals per replication over the horizon of "
                   f"{number(horizon)} s ({n_all:,.0f} with all demand); at most {MAX_ARRIVALS:,} are "
                   "allowed (lower the rates or shorten the horizon)")
    return out
