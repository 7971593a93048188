"""KPI tables as aligned text, for a terminal.

Works on a :class:`~omniroute.sim.Summary` (each KPI an ``Estimate``: shown as the mean and the
half-width of its 95% interval, ``95.4% ±0.4``) and on a single
:class:`~omniroute.sim.Report` (plain numbers).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "LABELS", "CONTACT_COLUMNS", "AGENT_COLUMNS", "CAMPAIGN_COLUMNS", "format_value", "format_cell", "render",
    "kpi_table", "value",
]

#: Column titles of the KPIs.
LABELS = {
    "offered": "offered", "answered": "answered", "abandoned": "abandoned",
    "service_level": "service level", "asa": "ASA", "mean_wait": "mean wait",
    "p_wait": "P(wait)", "abandon_rate": "abandoned %", "aht": "AHT",
    "occupancy": "occupancy", "utilization": "utilization", "staffed_hours": "staffed h",
    "bot_contained": "bot contained", "transferred": "transferred", "callbacks": "callbacks",
    "retrials": "retrials", "unanswered": "unanswered", "overflowed": "overflowed",
    "service_level_ex_short": "SL excl. short abandons", "service_level_answered": "SL of answered",
    "service_level_customer": "SL per customer", "abandoned_within": "abandoned in SLA",
    "abandoned_after": "abandoned after SLA", "customers": "customers", "blocked": "blocked",
    "block_rate": "blocked %", "dials": "dials", "connects": "connects",
    "outbound_abandoned": "abandoned", "outbound_abandon_rate": "abandoned % of connects",
    "pacing": "pacing", "no_answer": "no answer", "failed": "failed",
    "inbound_hours": "inbound h", "outbound_hours": "outbound h",
    "occupancy_range": "occupancy range", "occupancy_sd": "occupancy SD", "occupancy_gini": "occupancy Gini",
    "wait_max_lowest": "max wait, lowest prio", "wait_p95_lowest": "p95 wait, lowest prio",
}
_PERCENT = {"service_level", "service_level_ex_short", "service_level_answered",
            "service_level_customer", "p_wait", "abandon_rate", "block_rate", "occupancy",
            "utilization", "outbound_abandon_rate", "occupancy_day", "utilization_day",
            "occupancy_range", "occupancy_sd"}
_SECONDS = {"asa", "mean_wait", "aht", "wait_max_lowest", "wait_p95_lowest"}
_COUNTS = {"offered", "answered", "abandoned", "dials", "connects", "no_answer", "failed",
           "outbound_abandoned", "blocked", "customers", "abandoned_within", "abandoned_after"}

#: The KPIs of a contact row (overall, queue, channel, segment) and of an agent row (tier, team).
CONTACT_COLUMNS = ("offered", "answered", "service_level", "asa", "abandon_rate", "occupancy")
AGENT_COLUMNS = ("answered", "occupancy", "utilization")
#: The KPIs of an outbound campaign's row.
CAMPAIGN_COLUMNS = ("dials", "connects", "outbound_abandoned", "outbound_abandon_rate", "pacing")


def _unit(seconds: float) -> tuple[float, str]:
    a = abs(seconds)
    if a < 120:
        return 1.0, "s"
    if a < 2 * 3600:
        return 60.0, "min"
    return 3600.0, "h"


def format_duration(seconds: float) -> str:
    """``7.8 s``, ``4.2 min``, ``3.1 h``: short and readable."""
    div, unit = _unit(seconds)
    return f"{seconds / div:.1f} {unit}"


def format_value(kpi: str, v: float | None) -> str:
    """One KPI value as text (``None``: ``-``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if kpi in _PERCENT:
        return f"{100 * v:.1f}%"
    if kpi in _SECONDS:
        return format_duration(v)
    if kpi in ("staffed_hours", "staffed_hours_day", "inbound_hours", "outbound_hours"):
        return f"{v:.1f}"
    if kpi == "occupancy_gini":
        return f"{v:.4f}"
    if float(v).is_integer() or kpi in _COUNTS:
        return f"{v:.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.1f}"
    return f"{v:.3g}"


def _half(kpi: str, half: float, mean: float) -> str:
    if kpi in _PERCENT:
        return f"{100 * half:.1f}"
    if kpi in _SECONDS:
        return f"{half / _unit(mean)[0]:.1f}"
    return f"{half:.0f}" if half >= 10 else f"{half:.1f}"


def value(x: Any) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high) of an ``Estimate``, a number or None."""
    if x is None:
        return None, None, None
    if hasattr(x, "mean") and hasattr(x, "low"):
        return x.mean, x.low, x.high
    return float(x), None, None


def format_cell(kpi: str, x: Any, style: str = "pm") -> str:
    """A KPI cell: ``95.4% ±0.4`` (``style="pm"``) or ``95.4% [95.0%, 95.8%]`` (``"interval"``)."""
    mean, low, high = value(x)
    text = format_value(kpi, mean)
    if mean is None or low is None or high is None:
        return text
    if style == "interval":
        if kpi in _SECONDS:
            div, unit = _unit(mean)
            return f"{text} [{low / div:.1f}, {high / div:.1f}]"
        return f"{text} [{format_value(kpi, low)}, {format_value(kpi, high)}]"
    return f"{text} ±{_half(kpi, (high - low) / 2, mean)}"


def render(headers: Sequence[str], rows: Iterable[Sequence[str]], *, left: int = 1,
           indent: str = "") -> str:
    """Aligned text: the first ``left`` columns left-aligned, the others right-aligned.

    A row ``None``-free but empty (``[]``) prints as a blank separator line.
    """
    rows = [list(r) for r in rows]
    width = [len(h) for h in headers]
    for r in rows:
        for i, cell in enumerate(r):
            width[i] = max(width[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.ljust(width[i]) if i < left else cell.rjust(width[i]))
        return (indent + "  ".join(out)).rstrip()

    lines = [line(headers), indent + "  ".join("-" * w for w in width)]
    for r in rows:
        lines.append(line(r) if r else "")
    return "\n".join(lines)


_GROUPS = (("queues", "queue"), ("channels", "channel"), ("segments", "segment"))
_AGENT_GROUPS = (("tiers", "tier"), ("teams", "team"))


def kpi_table(result: Any, columns: Sequence[str] = CONTACT_COLUMNS,
              agent_columns: Sequence[str] = AGENT_COLUMNS,
              groups: Sequence[str] = ("queues", "channels", "segments", "tiers", "teams"),
              title: bool = True, scenario: Any = None) -> str:
    """The KPI table of a ``Summary`` or ``Report``: overall, then per queue, channel and
    segment, then occupancy per tier and team.

    With ``scenario`` (the ``Scenario`` run) and a service-level column, each queue's row
    names its threshold ("queue general (SL 20 s)"), and the overall row says whether its
    service level mixes several ("overall (SL 20 s)" or "overall (SL mixed: 20 s-4.0 h)").
    """
    kpis = result.kpis
    sl_label = {}
    overall = "overall"
    if scenario is not None and any(k.startswith("service_level") for k in columns):
        within = {q.name: q.queue.sla.within for q in scenario.queues}
        sl_label = {q: f" (SL {format_duration(w)})" for q, w in within.items()}
        used = sorted({w for q, w in within.items() if q in kpis.get("queues", {})})
        if len(used) == 1:
            overall = f"overall (SL {format_duration(used[0])})"
        elif used:
            overall = f"overall (SL mixed: {format_duration(used[0])}-{format_duration(used[-1])})"
    out: list[str] = []
    if title:
        n = getattr(result, "replications", 1)
        head = f"{result.scenario}: {n} replication{'s' if n != 1 else ''}, seed {_seed(result.seed)}"
        if n > 1:
            head += " (mean ±half-width of the 95% confidence interval)"
        out.append(head)
        out.append("")
    rows: list[list[str]] = [[overall, *(format_cell(k, kpis["overall"].get(k)) for k in columns)]]
    for group, label in _GROUPS:
        if group not in groups or not kpis.get(group):
            continue
        for key, d in kpis[group].items():
            tag = sl_label.get(key, "") if group == "queues" else ""
            rows.append([f"{label} {key}{tag}", *(format_cell(k, d.get(k)) if k in d else "" for k in columns)])
    out.append(render(["", *(LABELS.get(k, k) for k in columns)], rows))
    arows = []
    for group, label in _AGENT_GROUPS:
        if group not in groups or not kpis.get(group):
            continue
        for key, d in kpis[group].items():
            arows.append([f"{label} {key}", *(format_cell(k, d.get(k)) for k in agent_columns)])
    if arows:
        out.append("")
        out.append(render(["agents", *(LABELS.get(k, k) for k in agent_columns)], arows))
    if kpis.get("outbound"):
        crows = [[f"campaign {name}", *(format_cell(k, d.get(k)) for k in CAMPAIGN_COLUMNS)]
                 for name, d in kpis["outbound"].items()]
        out.append("")
        out.append(render(["outbound", *(LABELS.get(k, k) for k in CAMPAIGN_COLUMNS)], crows))
    return "\n".join(out)


def _seed(seed: Any) -> str:
    if isinstance(seed, dict):
        return str(seed.get("entropy"))
    return str(seed)
