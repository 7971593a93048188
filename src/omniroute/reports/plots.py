"""Plots of a run (matplotlib, the optional extra ``plot``; imported inside the functions).

:func:`plot_report` draws four panels over the day: contacts offered, service level and
contacts waiting per interval and channel, and occupancy by tier per interval, as PNG, PDF or
SVG as the file's extension says (:data:`PLOT_FORMATS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .table import value

__all__ = ["plot_report", "channel_series", "PlotError", "PLOT_FORMATS", "plot_format", "require_matplotlib"]

#: File extensions :func:`plot_report` writes, and the format each names.
PLOT_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


class PlotError(RuntimeError):
    """matplotlib is missing (``pip install omniroute[plot]``), or the file's extension names
    no format :func:`plot_report` writes."""


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


def _queue_channels(result: Any, scenario: Any | None) -> dict[str, str]:
    queues = list(result.intervals.get("queues", {}))
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
    iv = result.intervals
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
    groups: dict[str, list[dict[str, list[Any]]]] = {}
    for q, ch in _queue_channels(result, scenario).items():
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


def plot_report(result: Any, path: str | Path, scenario: Any | None = None,
                title: str | None = None) -> Path:
    """Write a plot of ``result`` (a ``Summary`` or a ``Report``) to ``path`` and return it:
    PNG, PDF or SVG as the extension of ``path`` says (any other: :class:`PlotError`).

    Panels: offered, service level (with each queue's target, dashed) and contacts waiting
    (time-average) per interval and channel; occupancy per tier and interval (from
    ``intervals["tiers"]``; a result without that series gets a bar per tier with its 95%
    interval instead).  Without ``intervals["channels"]`` in the result, ``scenario`` (the
    ``Scenario`` run) groups queues by channel; without either, one line per queue.
    """
    fmt = plot_format(path)
    plt = require_matplotlib()

    iv = result.intervals
    hours = [s / 3600.0 for s in iv["start"]]
    width_h = float(iv["width"]) / 3600.0
    mids = [h + width_h / 2 for h in hours]
    series = channel_series(result, scenario)
    n = getattr(result, "replications", 1)

    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), dpi=80)
    (ax_off, ax_sl), (ax_wait, ax_occ) = axes
    for ch, s in series.items():
        ax_off.step(hours + [hours[-1] + width_h], s["offered"] + s["offered"][-1:], where="post", label=ch)
        ax_sl.plot(mids, [None if v is None else 100 * v for v in s["service_level"]], marker=".", label=ch)
        ax_wait.plot(mids, s["waiting"], marker=".", label=ch)
    if scenario is not None:
        targets = {q.queue.sla.target for q in scenario.queues}
        for t in sorted(targets):
            ax_sl.axhline(100 * t, color="grey", linestyle="--", linewidth=0.8)
    per = f"per {iv['width'] / 60:g} min" if iv["width"] < 3600 * 2 else f"per {iv['width'] / 3600:g} h"
    ax_off.set_title(f"contacts offered ({per})")
    ax_sl.set_title("service level (%)")
    ax_sl.set_ylim(0, 105)
    ax_wait.set_title("contacts waiting (time-average)")
    for ax in (ax_off, ax_sl, ax_wait):
        ax.set_xlabel("hour")
        ax.grid(alpha=0.3)
    ax_off.legend(fontsize=8, loc="best")

    tier_iv = iv.get("tiers")
    if isinstance(tier_iv, Mapping) and tier_iv:
        for t, s in tier_iv.items():
            occ = s.get("occupancy", [])
            ax_occ.plot(mids[:len(occ)], [None if v is None else 100 * v for v in occ], marker=".",
                        label=f"tier {t}")
        ax_occ.set_xlabel("hour")
        ax_occ.legend(fontsize=8, loc="best")
        ax_occ.grid(alpha=0.3)
    else:
        _occupancy_bars(ax_occ, result)
    ax_occ.set_ylim(0, 110)
    ax_occ.set_title("occupancy by tier (%)")

    head = title or result.scenario
    fig.suptitle(f"{head} ({n} replication{'s' if n != 1 else ''})", fontsize=11)
    fig.tight_layout()
    p = Path(path)
    fig.savefig(p, format=fmt)
    plt.close(fig)
    return p


def _occupancy_bars(ax: Any, result: Any) -> None:
    """Fallback without per-interval tier series: one bar per tier with its 95% interval."""
    tiers = result.kpis.get("tiers", {})
    names = list(tiers)
    means, errs = [], [[], []]
    for t in names:
        m, lo, hi = value(tiers[t].get("occupancy"))
        m = m or 0.0
        means.append(100 * m)
        errs[0].append(100 * (m - lo) if lo is not None else 0.0)
        errs[1].append(100 * (hi - m) if hi is not None else 0.0)
    ax.bar([f"tier {t}" for t in names], means, yerr=errs, capsize=4, color="tab:purple", alpha=0.8)
    for i, m in enumerate(means):
        ax.text(i, m + errs[1][i] + 2, f"{m:.0f}%", ha="center", fontsize=9)
    ax.grid(alpha=0.3, axis="y")
