"""``omniroute check``: the report of :func:`omniroute.sim.check_scenario` (the checks live in
the library, :mod:`omniroute.sim.check`, so the command and the simulation read one clock)."""

from __future__ import annotations

from ..sim.check import CapacityRow, CheckResult, Finding, OnShift, check_scenario
from ..sim.scenario import Scenario

__all__ = ["Finding", "CapacityRow", "OnShift", "CheckResult", "check_scenario", "format_check"]


def format_check(sc: Scenario, res: CheckResult, source: str = "") -> str:
    """The report ``omniroute check`` prints."""
    from ..reports.table import render

    agents = sum(g.count for g in sc.agents)
    clock = sc.clock
    lines = [f"{source or sc.name}: {sc.name!r}: {len(sc.queues)} queues, {len(sc.agents)} agent groups "
             f"({agents} agents), {len(sc.demand)} demand entries",
             f"runs {clock.span(0.0, sc.horizon)} (times on the wall clock)"]
    if res.shifts:
        lines.append("")
        lines.append(render(["agents", "count", "on shift"], [[s.group, str(s.count), s.when] for s in res.shifts],
                            left=3))
    if res.capacity:
        lines.append("")
        rows = [[r.queue, r.channel, r.when, f"{r.per_hour:.0f}", f"{r.load:.1f}",
                 "-" if r.needed is None else str(r.needed), str(r.able), r.model]
                for r in res.capacity]
        lines.append(render(["queue", "channel", "peak at", "per hour", "load (Erl)", "needed",
                             "able on shift", "model"], rows, left=2))
    for title, items in (("problems", res.problems), ("warnings", res.warnings)):
        if items:
            lines.append("")
            lines.append(f"{len(items)} {title[:-1] if len(items) == 1 else title}:")
            lines.extend(f"  - {f.message}" for f in items)
    if not res.findings:
        lines.append("")
        lines.append("no problems found")
    return "\n".join(lines)
