"""When agents are on duty: the presence changes of a group's shifts and staffing periods,
on the scenario's wall clock (:mod:`omniroute.sim.clock`).

The engine logs agents in and out at exactly these times, and ``check`` counts the agents on
duty from them (:func:`duty_changes`), so the two cannot disagree.
"""

from __future__ import annotations

import bisect

from .clock import Clock
from .scenario import DAY, AgentGroup, Shift, break_offset, cycle_offset

__all__ = ["shift_events", "staffing_events", "duty_changes", "on_duty", "logged_spans"]


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted disjoint union of ``spans``; overlapping and adjacent spans are merged."""
    out: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def shift_events(shifts: tuple[Shift, ...], start_day: int, end: float,
                 start: float = 0.0) -> list[tuple[float, str]]:
    """(time, "on" | "away" | "off") presence changes of a group's agents up to ``end``
    (simulation seconds), the shifts being on the wall clock of a simulation that starts at
    clock time ``start`` (seconds after midnight) of weekday ``start_day``.

    The agent is logged in during the union of the group's shifts (overlapping or adjacent
    shifts merge into one logged-in period) and available when some shift covers the time
    outside that shift's own breaks; logged in but not available is "away" (a break).
    """
    logged: list[tuple[float, float]] = []
    avail: list[tuple[float, float]] = []
    for day in range(-1, int((end + start) // DAY) + 1):  # days of the wall clock
        dow = (start_day + day) % 7
        base = day * DAY - start  # its midnight, in simulation time
        for sh in shifts:
            if sh.days is not None and dow not in sh.days:
                continue
            t_on = base + sh.start
            t_off = base + sh.end + (DAY if sh.end <= sh.start else 0.0)
            logged.append((t_on, t_off))
            t = t_on
            for b in sorted(sh.breaks, key=lambda b: break_offset(sh.start, b.start)):
                t_b = t_on + break_offset(sh.start, b.start)
                avail.append((t, t_b))
                t = max(t, t_b + b.duration)
            avail.append((t, t_off))
    acts: list[tuple[float, str]] = []
    av = _union(avail)
    k = 0
    for s, e in _union(logged):
        if e <= 0 or s > end:
            continue
        while k < len(av) and av[k][1] <= s:
            k += 1
        while k < len(av) and av[k][0] < e:  # available periods inside this logged-in one
            a0, a1 = av[k]
            if a1 > 0:
                acts.append((max(a0, 0.0), "on"))
                if a1 < e:
                    acts.append((a1, "away"))
            k += 1
        acts.append((e, "off"))
    return acts


def staffing_events(counts: tuple[int, ...], interval: float, end: float,
                    offset: float = 0.0) -> list[tuple[float, int]]:
    """(time, agents wanted) at 0 and at every period boundary before ``end`` where the
    wanted count changes; the counts repeat after the last one.  ``offset``: where the
    periods are read from at time 0 (:func:`~omniroute.sim.scenario.cycle_offset`: the clock
    origin for periods of whole days, else 0)."""
    out: list[tuple[float, int]] = []
    last = -1
    k = int(offset // interval)  # the period at time 0
    t = 0.0
    n = len(counts)
    while t < end:
        want = counts[k % n]
        if want != last:
            out.append((t, want))
            last = want
        if n == 1:
            break  # one count: nothing changes
        k += 1
        t = k * interval - offset
    return out


def duty_changes(group: AgentGroup, clock: Clock, end: float) -> list[tuple[float, int]]:
    """(time, agents of ``group`` on duty from then on) up to ``end``: its shifts (agents
    available, not on a break) or its staffing periods, as the engine schedules them; the
    first change is at time 0."""
    count = group.count or 0
    if group.staffing:
        return staffing_events(group.staffing, group.staffing_interval, end,
                               cycle_offset(group.staffing_period, clock.origin))
    if not group.shifts:
        return [(0.0, count)]
    out = [(0.0, 0)]
    for t, kind in shift_events(group.shifts, clock.start_day, end, clock.start):
        out.append((t, count if kind == "on" else 0))
    return out


def on_duty(changes: list[tuple[float, int]], t: float) -> int:
    """Agents on duty at ``t`` from :func:`duty_changes` (the last change at or before ``t``)."""
    k = bisect.bisect_right(changes, t, key=lambda c: c[0]) - 1
    return changes[k][1] if k >= 0 else 0


def logged_spans(group: AgentGroup, clock: Clock, end: float) -> list[tuple[float, float]]:
    """The group's logged-in periods (breaks included) within ``[0, end)``, from its shifts
    as the engine schedules them (empty without shifts)."""
    out: list[tuple[float, float]] = []
    on: float | None = None
    for t, kind in shift_events(group.shifts, clock.start_day, end, clock.start):
        if kind == "on" and on is None:
            on = t
        elif kind == "off" and on is not None:
            if on < end:
                out.append((on, min(t, end)))
            on = None
    return out
