"""A report people can send: one self-contained HTML file (no network, no scripts).

:func:`html_report` (``simulate --html``) writes the scenario in words, ``check``'s findings, the KPI tables with
their 95% intervals, the plot (embedded as a PNG when matplotlib is installed), and the
command and versions that produced it.  Every KPI cell carries its exact values
(``data-mean``, ``data-low``, ``data-high``) so a reader's tool, or a test, can match it to
the JSON report.  :func:`comparison_html` (``compare --html``) does the same for a
comparison: the paired comparison table, the comparison plot, and each variant's tables.
"""

from __future__ import annotations

import base64
import html
import platform
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .table import LABELS, format_duration, format_value

__all__ = ["html_report", "write_html", "comparison_html", "write_comparison_html"]

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .6em 0; } td, th { padding: .2em .7em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
tr:nth-child(even) td { background: #fafafa; } .ci { color: #777; font-size: .85em; }
.problem { color: #a00; } .warning { color: #a60; } .meta { color: #555; font-size: .9em; }
img { max-width: 100%; } code { background: #f3f3f3; padding: 0 .2em; } td.best { font-weight: bold; }
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


def _table(rows: Sequence[tuple[str, str, str, Mapping[str, Any]]], columns: Sequence[str],
           variant: str | None = None) -> str:
    """Rows of (label, group, key, kpis); ``variant`` (a comparison's) tags every row."""
    head = "".join(f"<th>{_e(LABELS.get(k, k))}</th>" for k in columns)
    tag = "" if variant is None else f' data-variant="{_e(variant)}"'
    body = []
    for label, group, key, kpis in rows:
        cells = "".join(_cell(k, kpis.get(k)) for k in columns)
        body.append(f'<tr data-group="{_e(group)}" data-key="{_e(key)}"{tag}><td>{_e(label)}</td>{cells}</tr>')
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


def _plot(draw: Callable[[Path], Any], alt: str) -> str:
    """``draw(path)`` writes a PNG; embedded as base64 (said in words if matplotlib is missing)."""
    from .plots import PlotError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plot.png"
        try:
            draw(path)
        except PlotError:
            return "<p class=\"meta\">(No plot: matplotlib is not installed.)</p>"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _check(check: Any) -> str:
    if check.findings:
        return "<ul>" + "".join(f'<li class="{_e(f.severity)}">{_e(f.severity)}: {_e(f.message)}</li>'
                                for f in check.findings) + "</ul>"
    return "<p>No problems found.</p>"


def _kpi_tables(k: Mapping[str, Any], level: str = "h2", variant: str | None = None) -> list[str]:
    """The contact, agent and outbound tables of one result's ``kpis``."""
    rows: list[tuple[str, str, str, Mapping[str, Any]]] = [("overall", "overall", "", k["overall"])]
    for group, label in (("queues", "queue"), ("channels", "channel"), ("segments", "segment")):
        rows.extend((f"{label} {key}", group, key, d) for key, d in k.get(group, {}).items())
    parts = [f"<{level}>Contacts</{level}>", _table(rows, _CONTACT, variant)]
    arows = [(f"{label} {key}", group, key, d) for group, label in (("tiers", "tier"), ("teams", "team"))
             for key, d in k.get(group, {}).items()]
    if arows:
        parts += [f"<{level}>Agents</{level}>", _table(arows, _AGENT, variant)]
    if k.get("outbound"):
        parts += [f"<{level}>Outbound</{level}>", _table([(f"campaign {key}", "outbound", key, d)
                                                          for key, d in k["outbound"].items()], _CAMPAIGN, variant)]
    return parts


def _provenance(command: str | None) -> str:
    from importlib.metadata import version

    from .. import __version__

    return (f'<h2>Provenance</h2><p class="meta">omniroute {_e(__version__)}, Python '
            f"{_e(platform.python_version())}, numpy {_e(version('numpy'))}, simpy "
            f"{_e(version('simpy'))}" + (f"; command: <code>{_e(command)}</code>" if command else "")
            + ". Definitions of every figure: docs/metrics.md.</p>")


def _document(title: str, parts: Sequence[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}: omniroute report</title><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def html_report(summary: Any, scenario: Any, *, check: Any = None, command: str | None = None,
                plot: bool = True) -> str:
    """The report as one HTML document (a string).

    ``summary``: a ``Summary`` (or a ``Report``); ``scenario``: the ``Scenario`` run;
    ``check``: its ``CheckResult`` (default: ``sim.check_scenario(scenario)``); ``command``:
    the command line to show; ``plot``: embed the plot (needs matplotlib; said if missing).
    """
    from ..sim import check_scenario

    if check is None:
        check = check_scenario(scenario)
    n = getattr(summary, "replications", 1)
    parts = [f"<h1>{_e(scenario.name)}</h1>",
             f'<p class="meta">{_e(n)} replication{"s" if n != 1 else ""}, seed {_e(summary.seed)}; '
             "each cell: the mean over replications and its 95% confidence interval.</p>",
             "<h2>The scenario</h2>", _scenario_words(scenario), "<h2>Check</h2>", _check(check)]
    parts += _kpi_tables(summary.kpis)
    if plot:
        from .plots import plot_report

        parts += ["<h2>Over time</h2>",
                  _plot(lambda p: plot_report(summary, p, scenario=scenario),
                        "offered, service level, waiting and occupancy per interval")]
    parts.append(_provenance(command))
    return _document(scenario.name, parts)


def _verdict(r: Any) -> str:
    """The raw p, the adjusted p and the verdict (decided on the adjusted p)."""
    if r.p_value is None:
        return "<td>-</td><td>-</td><td>-</td>"
    word = "significant" if r.significant else "not significant"
    adj = getattr(r, "p_adjusted", None)
    adj_cell = "<td>-</td>" if adj is None else f'<td data-p-adjusted="{_e(repr(adj))}">{_e(f"{adj:.3g}")}</td>'
    return f'<td data-p="{_e(repr(r.p_value))}">{_e(f"{r.p_value:.3g}")}</td>{adj_cell}<td>{word}</td>'


def _comparison(names: Sequence[str], rows: Sequence[Any]) -> str:
    """The paired comparison as a table: each variant's cell, the paired difference, the test."""
    from .compare import _GROUP_LABEL

    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    body = []
    for r in rows:
        where = "overall" if r.group == "overall" else f"{_GROUP_LABEL.get(r.group, r.group)} {r.key}"
        cells = "".join(_cell(r.kpi, e).replace("<td", '<td class="best"' if i == r.best else "<td", 1)
                        .replace("<td", f'<td data-variant="{_e(n)}"', 1)
                        for i, (n, e) in enumerate(zip(names, r.estimates, strict=True)))
        diff = "<td>-</td>" if r.difference is None else \
            _cell(r.kpi, r.difference).replace("<td", '<td data-difference="1"', 1)
        simul = getattr(r, "simultaneous", None)
        sim_cell = "<td>-</td>" if simul is None else \
            _cell(r.kpi, simul).replace("<td", '<td data-simultaneous="1"', 1)
        pair = "" if r.runner_up is None or r.difference is None else \
            f"{names[r.best if r.best is not None else r.runner_up]} - {names[r.runner_up]}"
        body.append(f'<tr data-group="{_e(r.group)}" data-key="{_e(r.key)}"><td>{_e(where)}</td>'
                    f"<td>{_e(LABELS.get(r.kpi, r.kpi))}</td>{cells}<td>{_e(pair)}</td>{diff}{sim_cell}"
                    f"{_verdict(r)}</tr>")
    tested = [r for r in rows if r.p_value is not None]
    method = next((getattr(r, "correction", "none") for r in tested), "none")
    adj = {"holm": "Holm", "bonferroni": "Bonferroni"}.get(method, "adjusted")
    return (f"<table><tr><th></th><th>KPI</th>{head}<th>pair</th><th>best - runner-up, per-KPI 95%</th>"
            f"<th>best - runner-up, simultaneous</th><th>paired t-test p</th><th>{_e(adj)} p</th><th>verdict</th></tr>"
            f"{''.join(body)}</table>")


def _correction_words(rows: Sequence[Any], alpha: float) -> str:
    """Which correction, over how many rows, and what the two intervals of a difference are."""
    tested = [r for r in rows if r.p_value is not None]
    m = len(tested)
    method = next((getattr(r, "correction", "none") for r in tested), "none")
    simul = (f"the simultaneous interval is Bonferroni's at {100 * (1 - alpha):g}% over the {m} tested rows "
             "together (one that excludes 0 is significant after the correction)")
    if method in ("holm", "bonferroni"):
        return (f"The p-values are adjusted by {method.capitalize()}'s method over the {m} tested rows "
                f"(family-wise error rate {alpha:g}); significant if the adjusted p < {alpha:g}. The per-KPI "
                f"95% interval of a difference is for that row alone; {simul}.")
    return (f"No correction for the {m} rows: each is significant if its p < {alpha:g}. The per-KPI 95% "
            f"interval of a difference is for that row alone; {simul}.")


def comparison_html(names: Sequence[str], summaries: Sequence[Any], scenarios: Sequence[Any],
                    rows: Sequence[Any], *, checks: Sequence[Any] | None = None,
                    command: str | None = None, plot: bool = True, title: str | None = None) -> str:
    """A comparison (``omniroute compare --html``) as one HTML document (a string).

    ``names``, ``summaries``, ``scenarios``: each variant's name, ``Summary`` (same seeds,
    same replications) and ``Scenario``; ``rows``: :func:`omniroute.reports.compare` of the
    summaries; ``checks``: each distinct scenario's ``CheckResult`` (default: computed).  The
    page: the scenarios in words, check's findings, the paired comparison (each variant's
    mean and 95% interval, the paired difference best minus runner-up with its interval, the
    paired t-test), the comparison plot when matplotlib is installed, each variant's KPI
    tables, the command and versions.
    """
    from ..sim import check_scenario

    distinct: dict[str, Any] = {}
    for sc in scenarios:
        distinct.setdefault(sc.name, sc)
    if checks is None:
        checks = [check_scenario(sc) for sc in distinct.values()]
    first = summaries[0]
    head = title or ", ".join(distinct)
    alpha = next((r.alpha for r in rows), 0.05)
    parts = [f"<h1>{_e(head)}: {_e(' vs '.join(names))}</h1>",
             f'<p class="meta">{_e(first.replications)} replications per variant, seed {_e(first.seed)}, '
             "the same customers in every variant (common random numbers); each cell: the mean over "
             "replications and its 95% confidence interval; the paired t-test compares the best "
             f"variant with the runner-up. {_e(_correction_words(rows, alpha))}</p>",
             "<h2>The variants</h2><ul>"]
    for n, sc in zip(names, scenarios, strict=True):
        parts.append(f"<li><b>{_e(n)}</b>: {_e(sc.name)}; agent policy "
                     f"<code>{_e(getattr(sc.routing.agent, 'name', sc.routing.agent))}</code>, contact policy "
                     f"<code>{_e(getattr(sc.routing.contact, 'name', sc.routing.contact))}</code></li>")
    parts.append("</ul>")
    for (name, sc), chk in zip(distinct.items(), checks, strict=True):
        label = f": {_e(name)}" if len(distinct) > 1 else ""
        parts += [f"<h2>The scenario{label}</h2>", _scenario_words(sc), f"<h2>Check{label}</h2>", _check(chk)]
    parts += ["<h2>Paired comparison</h2>", _comparison(names, rows)]
    if plot:
        from .plots import plot_comparison

        parts += ["<h2>Side by side</h2>",
                  _plot(lambda p: plot_comparison(names, rows, p, title=head),
                        "each KPI per variant with its 95% interval, and the paired difference")]
    for n, s in zip(names, summaries, strict=True):
        parts += [f"<h2>Variant {_e(n)}</h2>", *_kpi_tables(s.kpis, "h3", variant=n)]
    parts.append(_provenance(command))
    return _document(head, parts)


def write_html(path: str | Path, summary: Any, scenario: Any, **kw: Any) -> Path:
    """Write :func:`html_report` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(html_report(summary, scenario, **kw), encoding="utf-8")
    return p


def write_comparison_html(path: str | Path, names: Sequence[str], summaries: Sequence[Any],
                          scenarios: Sequence[Any], rows: Sequence[Any], **kw: Any) -> Path:
    """Write :func:`comparison_html` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(comparison_html(names, summaries, scenarios, rows, **kw), encoding="utf-8")
    return p
