"""A report people can send: one self-contained HTML file (no network, no scripts).

:func:`html_report` writes the scenario in words, ``check``'s findings, the KPI tables with
their 95% intervals, the plot (embedded as a PNG when matplotlib is installed), and the
command and versions that produced it.  Every KPI cell carries its exact values
(``data-mean``, ``data-low``, ``data-high``) so a reader's tool, or a test, can match it to
the JSON report.
"""

from __future__ import annotations

import base64
import html
import platform
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .table import LABELS, format_duration, format_value

__all__ = ["html_report", "write_html"]

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .6em 0; } td, th { padding: .2em .7em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
tr:nth-child(even) td { background: #fafafa; } .ci { color: #777; font-size: .85em; }
.problem { color: #a00; } .warning { color: #a60; } .meta { color: #555; font-size: .9em; }
img { max-width: 100%; } code { background: #f3f3f3; padding: 0 .2em; }
"""

_CONTACT = ("offered", "answered", "service_level", "asa", "mean_wait", "abandon_rate", "aht",
            "blocked")
_AGENT = ("answered", "occupancy", "utilization", "staffed_hours", "occupancy_day")
_CAMPAIGN = ("dials", "connects", "no_answer", "outbound_abandoned", "outbound_abandon_rate", "pacing")


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _cell(kpi: str, est: Any) -> str:
    """A table cell of one estimate (a Summary's ``Estimate``) or one value (a Report's)."""
    if est is None:
        return "<td>-</td>"
    if hasattr(est, "mean"):
        mean, low, high = est.mean, est.low, est.high
        text = format_value(kpi, mean)
        ci = "" if low is None or high is None or low == high else \
            f' <span class="ci">[{_e(format_value(kpi, low))}, {_e(format_value(kpi, high))}]</span>'
        return (f'<td data-kpi="{_e(kpi)}" data-mean="{_e(repr(mean))}" data-low="{_e(repr(low))}" '
                f'data-high="{_e(repr(high))}">{_e(text)}{ci}</td>')
    return f'<td data-kpi="{_e(kpi)}" data-mean="{_e(repr(est))}">{_e(format_value(kpi, est))}</td>'


def _table(rows: Sequence[tuple[str, str, str, Mapping[str, Any]]], columns: Sequence[str]) -> str:
    """Rows of (label, group, key, kpis)."""
    head = "".join(f"<th>{_e(LABELS.get(k, k))}</th>" for k in columns)
    body = []
    for label, group, key, kpis in rows:
        cells = "".join(_cell(k, kpis.get(k)) for k in columns)
        body.append(f'<tr data-group="{_e(group)}" data-key="{_e(key)}"><td>{_e(label)}</td>{cells}</tr>')
    return f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>"


def _scenario_words(sc: Any) -> str:
    """The scenario in sentences and lists: horizon, queues, agents, demand, campaigns."""
    out = [f"<p>Horizon {_e(format_duration(sc.horizon))}, warm-up {_e(format_duration(sc.warmup))} "
           f"(not measured), {_e(sc.replications)} replications by default; agent policy "
           f"<code>{_e(getattr(sc.routing.agent, 'name', sc.routing.agent))}</code>, contact policy "
           f"<code>{_e(getattr(sc.routing.contact, 'name', sc.routing.contact))}</code>.</p>"]
    items = []
    for q in sc.queues:
        sla = q.queue.sla
        extra = f", overflow to {q.queue.overflow.to} after {format_duration(q.queue.overflow.after)}" \
            if q.queue.overflow is not None else ""
        needs = ", ".join(f"{s} ≥ {lv}" for s, lv in q.needs.items()) or "no skill"
        items.append(f"<li><b>{_e(q.name)}</b>: {_e(q.channel.name)}, needs {_e(needs)}; target "
                     f"{_e(format_value('service_level', sla.target))} within {_e(format_duration(sla.within))}"
                     f"{_e(extra)}</li>")
    out.append(f"<h3>Queues</h3><ul>{''.join(items)}</ul>")
    items = []
    for g in sc.agents:
        skills = ", ".join(f"{s} {lv}" for s, lv in g.skills.items()) or "no skills"
        when = ("always on" if not g.shifts and not g.staffing else
                f"staffing {list(g.staffing)} per {format_duration(g.staffing_interval)}" if g.staffing else
                f"{len(g.shifts)} shift(s)")
        caps = ", ".join(f"{ch.name} {n}" for ch, n in g.capacity.items())
        items.append(f"<li><b>{_e(g.count)} × {_e(g.team or g.prefix or 'agent')}</b> (tier {_e(g.tier)}): "
                     f"{_e(skills)}; capacity {_e(caps)}; {_e(when)}</li>")
    out.append(f"<h3>Agents</h3><ul>{''.join(items)}</ul>")
    items = []
    for i, d in enumerate(sc.demand):
        arr = getattr(d, "arrivals", None)
        if arr is None:
            items.append(f"<li>demand[{i}]: a trace of {len(d.records)} recorded contacts</li>")
            continue
        rate = arr.per_hour if not isinstance(arr.per_hour, tuple) else \
            f"a profile of {len(arr.per_hour)} rates, up to {max(arr.per_hour):g}"
        pat = f", patience mean {format_duration(d.patience.mean)}" if d.patience is not None else ""
        items.append(f"<li>demand[{i}] to <b>{_e(d.queue)}</b>: {_e(rate)} per hour, handle mean "
                     f"{_e(format_duration(d.handle.mean))}{_e(pat)}</li>")
    for cp in sc.outbound:
        items.append(f"<li>outbound <b>{_e(cp.name)}</b> ({_e(cp.mode)}) to {_e(cp.queue)}</li>")
    out.append(f"<h3>Demand</h3><ul>{''.join(items)}</ul>")
    return "".join(out)


def _plot(summary: Any, scenario: Any) -> str:
    try:
        from .plots import PlotError, plot_report
    except ImportError:  # pragma: no cover - part of the package
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plot.png"
        try:
            plot_report(summary, path, scenario=scenario)
        except PlotError:
            return "<p class=\"meta\">(No plot: matplotlib is not installed.)</p>"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<img alt="offered, service level, waiting and occupancy per interval" '
            f'src="data:image/png;base64,{data}">')


def html_report(summary: Any, scenario: Any, *, check: Any = None, command: str | None = None,
                plot: bool = True) -> str:
    """The report as one HTML document (a string).

    ``summary``: a ``Summary`` (or a ``Report``); ``scenario``: the ``Scenario`` run;
    ``check``: its ``CheckResult`` (default: ``sim.check_scenario(scenario)``); ``command``:
    the command line to show; ``plot``: embed the plot (needs matplotlib; said if missing).
    """
    from importlib.metadata import version

    from .. import __version__
    from ..sim import check_scenario

    if check is None:
        check = check_scenario(scenario)
    k = summary.kpis
    n = getattr(summary, "replications", 1)
    parts = [f"<h1>{_e(scenario.name)}</h1>",
             f'<p class="meta">{_e(n)} replication{"s" if n != 1 else ""}, seed {_e(summary.seed)}; '
             "each cell: the mean over replications and its 95% confidence interval.</p>",
             "<h2>The scenario</h2>", _scenario_words(scenario), "<h2>Check</h2>"]
    if check.findings:
        parts.append("<ul>" + "".join(f'<li class="{_e(f.severity)}">{_e(f.severity)}: {_e(f.message)}</li>'
                                      for f in check.findings) + "</ul>")
    else:
        parts.append("<p>No problems found.</p>")
    rows: list[tuple[str, str, str, Mapping[str, Any]]] = [("overall", "overall", "", k["overall"])]
    for group, label in (("queues", "queue"), ("channels", "channel"), ("segments", "segment")):
        rows.extend((f"{label} {key}", group, key, d) for key, d in k.get(group, {}).items())
    parts += ["<h2>Contacts</h2>", _table(rows, _CONTACT)]
    arows = [(f"{label} {key}", group, key, d) for group, label in (("tiers", "tier"), ("teams", "team"))
             for key, d in k.get(group, {}).items()]
    if arows:
        parts += ["<h2>Agents</h2>", _table(arows, _AGENT)]
    if k.get("outbound"):
        parts += ["<h2>Outbound</h2>", _table([(f"campaign {key}", "outbound", key, d)
                                               for key, d in k["outbound"].items()], _CAMPAIGN)]
    if plot:
        parts += ["<h2>Over the day</h2>", _plot(summary, scenario)]
    parts.append(f'<h2>Provenance</h2><p class="meta">omniroute {_e(__version__)}, Python '
                 f"{_e(platform.python_version())}, numpy {_e(version('numpy'))}, simpy "
                 f"{_e(version('simpy'))}" + (f"; command: <code>{_e(command)}</code>" if command else "")
                 + ". Definitions of every figure: docs/metrics.md.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(scenario.name)}: omniroute report</title><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def write_html(path: str | Path, summary: Any, scenario: Any, **kw: Any) -> Path:
    """Write :func:`html_report` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(html_report(summary, scenario, **kw), encoding="utf-8")
    return p
