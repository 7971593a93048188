"""Plots of a run and of a comparison (matplotlib, the optional extra ``plot``; imported inside
the functions).

:func:`plot_report` draws four panels over the run, on the scenario's wall clock: contacts
offered, service level (with each queue's target) and contacts waiting per interval and
channel, and occupancy per interval and tier; each line is the mean over the replications,
its band the 95% Student-t interval of the replications' values in that interval, and the
warm-up (not measured) is shaded.  :func:`plot_comparison` draws the variants of a comparison
side by side, each KPI with its 95% interval, beside the paired difference of the best and the
runner-up.  Both write PNG, PDF or SVG as the file's extension says (:data:`PLOT_FORMATS`).

:func:`plot_data` and :func:`comparison_data` return the numbers each plot draws (JSON-ready),
and :func:`data_digest` a checksum of them: ``docs/images/make.py`` stores it beside every
image so that a test notices when the code changes the numbers behind a picture.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .table import LABELS, format_duration, value

__all__ = ["plot_report", "plot_data", "plot_comparison", "comparison_data", "data_digest",
           "channel_series", "PlotError", "PLOT_FORMATS", "plot_format", "require_matplotlib"]

#: File extensions the plots are written as, and the format each names.
PLOT_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
#: Line styles by series rank: the first drawn is the widest, so a later series drawn over it
#: with the same values leaves it visible as an outline (no series hides another).
_WIDTHS = (3.4, 2.3, 1.5, 1.0, 0.8)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_FRACTIONS = {"service_level", "occupancy", "utilization", "p_wait", "abandon_rate",
              "service_level_ex_short", "service_level_answered", "service_level_customer"}


class PlotError(RuntimeError):
    """matplotlib is missing (``pip install omniroute[plot]``), or the file's extension names
    no format the plots are written as."""


def plot_format(path: str | Path) -> str:
    """The format the extension of ``path`` names (``"out.pdf"``: ``"pdf"``); PlotError for
    any other extension, before anything is drawn."""
    ext = Path(path).suffix.lower()
    if ext not in PLOT_FORMATS:
        raise PlotError(f"{str(path)!r}: a plot is written as {', '.join(PLOT_FORMATS)} (the file's "
                        f"extension chooses); {ext or 'no extension'!r} is none of them")
    return PLOT_FORMATS[ext]


def require_matplotlib() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend; PlotError if it is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotError("plots need matplotlib: pip install 'omniroute[plot]'") from exc
    return plt


# ------------------------------------------------------------------------- the data drawn

def _queue_channels(iv: Mapping[str, Any], scenario: Any | None) -> dict[str, str]:
    queues = list(iv.get("queues", {}))
    if scenario is None:
        return {q: q for q in queues}
    by_name = {q.name: q.channel.name for q in scenario.queues}
    return {q: by_name.get(q, q) for q in queues}


def channel_series(result: Any, scenario: Any | None = None) -> dict[str, dict[str, list[float | None]]]:
    """Per-interval ``offered``, ``service_level`` and ``waiting`` per channel.

    ``waiting`` is the time-average number of contacts waiting over the interval.  The
    result's ``intervals["channels"]`` (with its measured ``waiting``) is used as it is.  A
    result without it (an older report) falls back to grouping the queue series by channel
    (per queue when no ``scenario`` says each queue's channel), summing each queue's
    measured ``waiting``, or where that is missing too, estimating it by Little's law from
    the answered contacts' waits (``asa * answered / width``, which misses abandoners').
    """
    return _channels_of(result.intervals, scenario)


def _channels_of(iv: Mapping[str, Any], scenario: Any | None) -> dict[str, dict[str, list[Any]]]:
    width = float(iv["width"])
    n = len(iv["start"])
    if isinstance(iv.get("channels"), Mapping):
        out = {}
        for ch, s in iv["channels"].items():
            d = dict(s)
            if "waiting" not in d:
                d["waiting"] = _little(d, width, n)
            out[ch] = d
        return out
    groups: dict[str, list[Mapping[str, list[Any]]]] = {}
    for q, ch in _queue_channels(iv, scenario).items():
        groups.setdefault(ch, []).append(iv["queues"][q])
    out = {}
    for ch, series in groups.items():
        offered = [0.0] * n
        good = [0.0] * n
        wait = [0.0] * n
        for s in series:
            w = s["waiting"] if "waiting" in s else _little(s, width, n)
            for i in range(n):
                o = s["offered"][i] or 0.0
                offered[i] += o
                good[i] += (s["service_level"][i] or 0.0) * o
                wait[i] += w[i] or 0.0
        out[ch] = {
            "offered": offered,
            "service_level": [g / o if o > 0 else None for g, o in zip(good, offered, strict=True)],
            "waiting": wait,
        }
    return out


def _little(d: Mapping[str, list[Any]], width: float, n: int) -> list[float]:
    return [((d["asa"][i] or 0.0) * (d["answered"][i] or 0.0)) / width for i in range(n)]


def _replication_intervals(result: Any) -> list[Mapping[str, Any]]:
    """Each replication's per-interval series (a ``Summary`` keeps its ``reports``); empty for
    one ``Report``, or a summary that kept no replications."""
    reps = getattr(result, "reports", None) or ()
    return [r.intervals for r in reps if getattr(r, "intervals", None)]


def _band(kpi: str, mean: Sequence[Any], samples: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """``{"mean", "low", "high"}``: the summary's mean per interval, and the 95% Student-t
    interval of the replications' values in each interval (None where fewer than two have one)."""
    out: dict[str, Any] = {"mean": [_num(v) for v in mean], "low": None, "high": None}
    if len(samples) < 2:
        return out
    from ..sim.report import bounds, estimate

    lo_b, hi_b = bounds(kpi)
    low, high = [], []
    for i in range(len(mean)):
        e = estimate([s[i] if i < len(s) else None for s in samples], lower=lo_b, upper=hi_b)
        low.append(e.low)
        high.append(e.high)
    out["low"], out["high"] = low, high
    return out


def _summary_band(summary: Any, kpi: str, group: str, key: Any, mean: Sequence[Any]) -> dict[str, Any]:
    """A band from a :class:`~omniroute.sim.Summary`'s running per-interval estimates (it keeps
    no reports); as :func:`_band` (the channel series must be the summary's own)."""
    out: dict[str, Any] = {"mean": [_num(v) for v in mean], "low": None, "high": None}
    try:
        est = summary.interval_band(kpi, group, key)
    except KeyError:
        return out
    if summary.replications >= 2:
        out["low"] = [e.low for e in est]
        out["high"] = [e.high for e in est]
    return out


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def plot_data(result: Any, scenario: Any | None = None, title: str | None = None) -> dict[str, Any]:
    """The numbers :func:`plot_report` draws, JSON-ready.

    ``{"title", "replications", "start" (each interval's start, simulation seconds), "width",
    "warmup" (None without a scenario), "clock" ({"start_day", "start"}; None without a
    scenario), "panels": {"offered" | "service_level" | "waiting": {channel: band},
    "occupancy": {tier: band}}, "occupancy_bars": {tier: band} (only when the result has no
    per-interval tier series), "targets": [{"queues", "channel", "target", "within"}]}``; a
    band is ``{"mean", "low", "high"}``, one value per interval (low/high None with fewer than
    two replications).
    """
    iv = result.intervals
    reps = _replication_intervals(result)
    mean_ch = _channels_of(iv, scenario)
    rep_ch = [_channels_of(r, scenario) for r in reps]
    streamed = not reps and hasattr(result, "interval_band")  # a Summary keeps the bands
    panels: dict[str, dict[str, Any]] = {}
    for kpi in ("offered", "service_level", "waiting"):
        panels[kpi] = {ch: (_summary_band(result, kpi, "channels", ch, s[kpi]) if streamed
                            else _band(kpi, s[kpi], [r[ch][kpi] for r in rep_ch if ch in r]))
                       for ch, s in mean_ch.items()}
    tiers = iv.get("tiers")
    panels["occupancy"] = {}
    data: dict[str, Any] = {}
    if isinstance(tiers, Mapping) and tiers:
        for t, s in tiers.items():
            if streamed:
                panels["occupancy"][str(t)] = _summary_band(result, "occupancy", "tiers", t, s.get("occupancy", []))
                continue
            samples = [r["tiers"][t]["occupancy"] for r in reps if t in r.get("tiers", {})]
            panels["occupancy"][str(t)] = _band("occupancy", s.get("occupancy", []), samples)
    else:
        bars = {}
        for t, d in result.kpis.get("tiers", {}).items():
            m, lo, hi = value(d.get("occupancy"))
            bars[str(t)] = {"mean": m, "low": lo, "high": hi}
        data["occupancy_bars"] = bars
    targets: list[dict[str, Any]] = []
    if scenario is not None:
        by_target: dict[float, list[Any]] = {}
        for q in scenario.queues:
            if q.name in iv.get("queues", {q.name: None}):
                by_target.setdefault(float(q.queue.sla.target), []).append(q)
        for t in sorted(by_target):
            qs = by_target[t]
            chans = {q.channel.name for q in qs}
            targets.append({"queues": [q.name for q in qs], "within": [float(q.queue.sla.within) for q in qs],
                            "channel": chans.pop() if len(chans) == 1 else None, "target": t})
    clock = getattr(scenario, "clock", None)
    return {
        "title": title or result.scenario, "replications": int(getattr(result, "replications", 1)),
        "band_replications": result.replications if streamed else len(reps),
        "start": [float(s) for s in iv["start"]], "width": float(iv["width"]),
        "warmup": float(scenario.warmup) if scenario is not None else None,
        "clock": None if clock is None else {"start_day": clock.start_day, "start": float(clock.start)},
        "panels": panels, "targets": targets, **data,
    }


def data_digest(data: Any) -> str:
    """SHA-256 of ``data`` (the JSON-ready numbers of :func:`plot_data` or
    :func:`comparison_data`) as canonical JSON, each float rounded to 9 significant digits:
    the same numbers give the same digest on any machine and matplotlib version."""
    def canon(x: Any) -> Any:
        if isinstance(x, float):
            return None if math.isnan(x) else float(f"{x:.9g}")
        if isinstance(x, Mapping):
            return {str(k): canon(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [canon(v) for v in x]
        return x

    text = json.dumps(canon(data), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------ plot_report

def _arr(xs: Sequence[Any] | None, scale: float = 1.0) -> Any:
    import numpy as np

    return np.array([math.nan if v is None else scale * v for v in (xs or [])], dtype=float)


def _x_axis(ax: Any, data: Mapping[str, Any]) -> None:
    """Clock ticks (the scenario's wall clock) or hours since the start, and the axis label."""
    from ..sim.clock import WEEKDAYS, Clock

    t0 = data["start"][0] if data["start"] else 0.0
    t1 = (data["start"][-1] + data["width"]) if data["start"] else data["width"]
    ax.set_xlim(t0, t1)
    c = data["clock"]
    if c is None:
        ticks = Clock().ticks(t0, t1, most=7)
        ax.set_xticks([t for t, _ in ticks], [f"{t / 3600:g}" for t, _ in ticks])
        ax.set_xlabel("time since start (hours)")
        return
    clock = Clock(c["start_day"], c["start"])
    ticks = clock.ticks(t0, t1, most=7)
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks])
    if clock.day(t0) == clock.day(t1 - 1e-6):
        days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        ax.set_xlabel(f"clock time ({days[clock.weekday(t0)]})")
    else:
        ax.set_xlabel(f"day and clock time ({WEEKDAYS[clock.weekday(t0)]} to {WEEKDAYS[clock.weekday(t1 - 1e-6)]})")


def _same_as(series: Mapping[str, Any]) -> dict[str, str]:
    """Series whose means equal an earlier one's: name -> that earlier name (said in the legend)."""
    out: dict[str, str] = {}
    seen: list[tuple[str, list[Any]]] = []
    for name, band in series.items():
        for other, m in seen:
            if m == band["mean"] and any(v is not None for v in m):
                out[name] = other
                break
        seen.append((name, band["mean"]))
    return out


def _draw_bands(ax: Any, data: Mapping[str, Any], panel: str, colors: Mapping[str, Any], scale: float,
                step: bool, prefix: str = "") -> None:
    start, width = data["start"], data["width"]
    series = data["panels"][panel]
    same = _same_as(series)
    if step:
        x = _arr([*start, start[-1] + width]) if start else _arr([])
    else:
        x = _arr([s + width / 2 for s in start])
    for i, (name, band) in enumerate(series.items()):
        color = colors[name]
        m = _arr(band["mean"], scale)
        lw = _WIDTHS[min(i, len(_WIDTHS) - 1)]
        label = f"{prefix}{name}" + (f" (same as {prefix}{same[name]})" if name in same else "")
        if step:
            m = _arr([*band["mean"], band["mean"][-1] if band["mean"] else None], scale)
            ax.step(x, m, where="post", color=color, linewidth=lw, label=label, zorder=2 + i)
        else:
            marker = _MARKERS[i % len(_MARKERS)] if len(start) <= 60 else None  # a week of hours: lines
            ax.plot(x, m, color=color, linewidth=lw, marker=marker,
                    markersize=max(7 - 1.3 * i, 3), label=label, zorder=2 + i)
        if band["low"] is not None:
            lo, hi = _arr(band["low"], scale), _arr(band["high"], scale)
            if step:
                lo, hi = _arr([*band["low"], band["low"][-1]], scale), _arr([*band["high"], band["high"][-1]], scale)
                ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.18, linewidth=0, zorder=1)
            else:
                ax.fill_between(x, lo, hi, color=color, alpha=0.18, linewidth=0, zorder=1)


def plot_report(result: Any, path: str | Path, scenario: Any | None = None,
                title: str | None = None) -> Path:
    """Write a plot of ``result`` (a ``Summary`` or a ``Report``) to ``path`` and return it:
    PNG, PDF or SVG as the extension of ``path`` says (any other: :class:`PlotError`).

    Four panels over the run, x on the wall clock of ``scenario`` (``Scenario.clock``:
    weekday and time of day; hours since the start without a scenario): contacts offered per
    interval, service level (answered within the queue's threshold / offered, with each
    queue's target dashed and named in the legend) and contacts waiting (time-average) per
    interval and channel, and occupancy per interval and tier.  Lines are the means over the
    replications, bands their 95% Student-t intervals per interval; the warm-up is shaded.
    Without ``intervals["channels"]`` in the result, ``scenario`` groups queues by channel;
    without per-interval tier series, occupancy is a bar per tier with its 95% interval.
    The numbers drawn are :func:`plot_data`'s.
    """
    fmt = plot_format(path)
    plt = require_matplotlib()
    data = plot_data(result, scenario, title)
    fig = _draw_report(plt, data)
    p = Path(path)
    fig.savefig(p, format=fmt)
    plt.close(fig)
    return p


def _draw_report(plt: Any, data: Mapping[str, Any]) -> Any:
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.6), dpi=80)
    (ax_off, ax_sl), (ax_wait, ax_occ) = axes
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    chans = list(data["panels"]["offered"])
    colors = {ch: cycle[i % len(cycle)] for i, ch in enumerate(chans)}
    width = data["width"]
    per = f"{width / 60:g} min" if width < 7200 else f"{width / 3600:g} h"
    _draw_bands(ax_off, data, "offered", colors, 1.0, step=True)
    _draw_bands(ax_sl, data, "service_level", colors, 100.0, step=False)
    _draw_bands(ax_wait, data, "waiting", colors, 1.0, step=False)
    for tg in data["targets"]:
        names = ", ".join(f"{q} in {format_duration(w)}" for q, w in zip(tg["queues"], tg["within"], strict=True))
        ax_sl.axhline(100 * tg["target"], color=colors.get(tg["channel"], "0.4"), linestyle="--",
                      linewidth=1.1, label=f"target {100 * tg['target']:g}%: {names}", zorder=1.5)
    ax_off.set_title(f"contacts offered per {per}, by channel")
    ax_off.set_ylabel(f"contacts per {per}")
    ax_sl.set_title("service level by channel (contacts arriving in the interval)")
    ax_sl.set_ylabel("answered within the threshold (%)")
    ax_sl.set_ylim(0, 105)
    ax_wait.set_title("contacts waiting, by channel")
    ax_wait.set_ylabel("contacts waiting (time-average)")
    ax_wait.set_ylim(bottom=0)
    ax_off.set_ylim(bottom=0)
    ax_occ.set_title("occupancy by tier")
    ax_occ.set_ylabel("busy or in wrap-up (% of staffed time)")
    ax_occ.set_ylim(0, 110)
    if data["panels"]["occupancy"]:
        tcolors = {t: cycle[(len(chans) + i) % len(cycle)] for i, t in enumerate(data["panels"]["occupancy"])}
        _draw_bands(ax_occ, data, "occupancy", tcolors, 100.0, step=False, prefix="tier ")
        panels = (ax_off, ax_sl, ax_wait, ax_occ)
    else:
        _occupancy_bars(ax_occ, data.get("occupancy_bars", {}))
        panels = (ax_off, ax_sl, ax_wait)
    for ax in panels:
        _x_axis(ax, data)
        if data["warmup"]:
            ax.axvspan(data["start"][0] if data["start"] else 0.0, data["warmup"], color="0.6", alpha=0.2,
                       linewidth=0, label="warm-up (not measured)", zorder=0)
        ax.grid(alpha=0.3)
    for ax in (ax_off, ax_sl, ax_wait, ax_occ):
        ax.legend(fontsize=7, loc="best", framealpha=0.85)
    n, nb = data["replications"], data["band_replications"]
    bands = (f"bands: 95% confidence interval over the {nb} replications" if nb >= 2
             else "one replication: no confidence bands" if n < 2
             else "no per-replication series kept: no confidence bands")
    fig.suptitle(f"{data['title']} ({n} replication{'s' if n != 1 else ''})\n"
                 f"lines: mean per {per} interval; {bands}"
                 + ("; grey: warm-up, not measured" if data["warmup"] else ""), fontsize=10)
    fig.tight_layout()
    return fig


def _occupancy_bars(ax: Any, bars: Mapping[str, Mapping[str, Any]]) -> None:
    """Without per-interval tier series: one bar per tier with its 95% interval."""
    names = list(bars)
    means, errs = [], [[], []]
    for t in names:
        m, lo, hi = bars[t]["mean"] or 0.0, bars[t]["low"], bars[t]["high"]
        means.append(100 * m)
        errs[0].append(100 * (m - lo) if lo is not None else 0.0)
        errs[1].append(100 * (hi - m) if hi is not None else 0.0)
    ax.bar([f"tier {t}" for t in names], means, yerr=errs, capsize=4, color="tab:purple", alpha=0.8,
           label="occupancy over the run, 95% interval")
    for i, m in enumerate(means):
        ax.text(i, m + errs[1][i] + 2, f"{m:.0f}%", ha="center", fontsize=9)
    ax.set_xlabel("tier")
    ax.grid(alpha=0.3, axis="y")


# ------------------------------------------------------------------------ plot_comparison

_WHERE = {"queues": "queue", "segments": "segment", "channels": "channel", "tiers": "tier", "teams": "team"}


def _unit_of(kpi: str) -> tuple[float, str]:
    if kpi in _FRACTIONS or kpi in ("occupancy_range", "occupancy_sd"):
        return 100.0, "%"
    if kpi in ("asa", "mean_wait", "aht", "wait_max_lowest", "wait_p95_lowest"):
        return 1.0, "s"
    return 1.0, ""


def comparison_data(names: Sequence[str], rows: Sequence[Any], title: str | None = None) -> dict[str, Any]:
    """The numbers :func:`plot_comparison` draws, JSON-ready: ``{"title", "variants", "kpis":
    [{"kpi", "rows": [{"where", "estimates": [{"mean", "low", "high"} | None per variant],
    "difference": {"mean", "low", "high"} | None, "best", "runner_up" (variant indexes),
    "p_value", "significant"}]}]}``, KPIs in the order they first appear; rows of a
    corrected comparison also have ``"simultaneous"`` (the difference's simultaneous
    interval, the one drawn) and ``"p_adjusted"``.

    ``rows``: :func:`omniroute.reports.compare`'s rows, or the same as JSON (the ``"rows"`` of
    ``omniroute compare --json``): both give the same data.
    """
    from .compare import as_dicts

    dicts = list(rows) if rows and isinstance(rows[0], Mapping) else as_dicts(names, rows)
    index = {n: i for i, n in enumerate(names)}
    kpis: dict[str, list[dict[str, Any]]] = {}
    for r in dicts:
        where = "overall" if r["group"] == "overall" else f"{_WHERE.get(r['group'], r['group'])} {r['key']}"
        row = {
            "where": where, "estimates": [r["variants"].get(n) for n in names],
            "difference": r.get("difference"), "best": index.get(r["best"]),
            "runner_up": index.get(r.get("runner_up")), "p_value": r["p_value"],
            "significant": r["significant"],
        }
        if "simultaneous" in r:
            row.update(simultaneous=r["simultaneous"], p_adjusted=r.get("p_adjusted"))
        kpis.setdefault(r["kpi"], []).append(row)
    return {"title": title or "", "variants": list(names),
            "kpis": [{"kpi": k, "rows": v} for k, v in kpis.items()]}


def plot_comparison(names: Sequence[str], rows: Sequence[Any], path: str | Path,
                    title: str | None = None) -> Path:
    """Write the comparison ``rows`` (:func:`omniroute.reports.compare` of variants ``names``)
    to ``path`` (PNG, PDF or SVG as its extension says) and return it.

    One row of panels per KPI: on the left each variant's mean with its 95% interval, side by
    side per place (overall, each queue, segment, tier); on the right the paired difference
    of the best and the runner-up (per replication, same customers) with its simultaneous
    interval (Bonferroni over the tested rows; the per-KPI 95% interval for rows without
    one), filled where the paired t-test finds it significant after the correction.  The
    numbers drawn are :func:`comparison_data`'s.
    """
    fmt = plot_format(path)
    plt = require_matplotlib()
    data = comparison_data(names, rows, title)
    kp = data["kpis"]
    if not kp:
        raise PlotError("nothing to plot: the comparison has no rows")
    heights = [max(len(k["rows"]), 1) * 0.55 * max(1.0, len(names) / 2) + 0.9 for k in kp]
    fig, axes = plt.subplots(len(kp), 2, figsize=(11, sum(heights) + 1.0), dpi=80, squeeze=False,
                             gridspec_kw={"height_ratios": heights, "width_ratios": [3, 2]})
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (ax, ax_d), k in zip(axes, kp, strict=True):
        _draw_kpi(ax, ax_d, k, data["variants"], cycle)
    def get(r: Any, name: str, default: Any) -> Any:
        return r.get(name, default) if isinstance(r, Mapping) else getattr(r, name, default)

    alpha = next((get(r, "alpha", 0.05) for r in rows), 0.05)
    method = next((get(r, "correction", "none") for r in rows if get(r, "p_value", None) is not None), "none")
    right = (f"right: best minus runner-up, paired, {100 * (1 - alpha):g}% simultaneous interval (Bonferroni), "
             f"filled if significant ({method.capitalize()}-adjusted p < {alpha:g})") \
        if method in ("holm", "bonferroni") else \
        f"right: best minus runner-up, paired, 95% interval, filled if significant (p < {alpha:g})"
    fig.suptitle(f"{data['title'] + ': ' if data['title'] else ''}{' vs '.join(names)}\n"
                 f"left: mean and 95% confidence interval per variant (same customers in every variant)\n{right}",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.7 / (sum(heights) + 1.0)))  # room for the three-line title
    p = Path(path)
    fig.savefig(p, format=fmt)
    plt.close(fig)
    return p


def _draw_kpi(ax: Any, ax_d: Any, k: Mapping[str, Any], names: Sequence[str], cycle: Sequence[Any]) -> None:
    kpi = k["kpi"]
    scale, unit = _unit_of(kpi)
    label = LABELS.get(kpi, kpi).replace(" %", "")
    rows = k["rows"]
    ys = list(range(len(rows)))[::-1]
    nv = len(names)
    for i, name in enumerate(names):
        off = (i - (nv - 1) / 2) * min(0.7 / max(nv, 1), 0.3)
        xs, yy, lo, hi = [], [], [], []
        for y, r in zip(ys, rows, strict=True):
            e = r["estimates"][i]
            if e is None or e["mean"] is None:
                continue
            m = e["mean"] * scale
            xs.append(m)
            yy.append(y - off)
            lo.append(m - e["low"] * scale if e["low"] is not None else 0.0)
            hi.append(e["high"] * scale - m if e["high"] is not None else 0.0)
        ax.errorbar(xs, yy, xerr=[lo, hi], fmt=_MARKERS[i % len(_MARKERS)], color=cycle[i % len(cycle)],
                    capsize=3, markersize=6, label=name)
    ax.set_yticks(ys, [r["where"] for r in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(f"{label} ({unit})" if unit else label)
    ax.set_title(label, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=7, loc="best", framealpha=0.85)
    drawn = False
    pairs = []
    for y, r in zip(ys, rows, strict=True):
        d = r.get("simultaneous") or r["difference"]
        if d is None or d["mean"] is None or r["runner_up"] is None:
            pairs.append("")
            continue
        best = r["best"] if r["best"] is not None else (1 if r["runner_up"] == 0 else 0)
        pairs.append(f"{names[best]} - {names[r['runner_up']]}")
        m = d["mean"] * scale
        lo = m - d["low"] * scale if d["low"] is not None else 0.0
        hi = d["high"] * scale - m if d["high"] is not None else 0.0
        sig = bool(r["significant"])
        ax_d.errorbar([m], [y], xerr=[[lo], [hi]], fmt="o", color="black", capsize=3, markersize=6,
                      markerfacecolor="black" if sig else "white",
                      label="significant" if sig else "not significant")
        drawn = True
    if not drawn:
        ax_d.axis("off")
        ax_d.text(0.5, 0.5, f"{label}: no 'better' direction,\nso no paired test", ha="center", va="center",
                  transform=ax_d.transAxes, fontsize=9, color="0.3")
        return
    ax_d.yaxis.tick_right()
    ax_d.set_yticks(ys, pairs, fontsize=7)
    ax_d.set_ylim(-0.7, len(rows) - 0.3)
    ax_d.axvline(0.0, color="0.5", linewidth=1.0, label="no difference")
    ax_d.set_xlabel(f"best - runner-up ({'percentage points' if unit == '%' else unit or 'units'})")
    simultaneous = any(r.get("simultaneous") for r in rows)
    ax_d.set_title(f"{label}: paired difference, {'simultaneous' if simultaneous else '95%'} interval", fontsize=10)
    ax_d.grid(alpha=0.3, axis="x")
    handles, labels = ax_d.get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    ax_d.legend(uniq.values(), uniq.keys(), fontsize=7, loc="best", framealpha=0.85)
