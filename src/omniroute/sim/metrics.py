"""KPIs of DESIGN section 6 from a replication's records.

Contacts count where they **arrive**: a contact (or retrial attempt) belongs to the
measured window if it arrived in ``[warmup, horizon)``.  Overall, channel and segment KPIs
count each customer contact once (its first leg); queue KPIs count every leg offered to the
queue (transfers in included).  Waits run from entering the queue (after any bot stage;
a callback keeps its original entry time).  A contact contained by the bot is not offered.

* ``service_level``: answered within the queue's SLA threshold / offered (an abandon is a
  miss); ``asa``: mean wait of answered; ``mean_wait``: mean wait of answered and abandoned
  (abandoners: time to abandon); ``p_wait``: share of offered that waited > 0;
  ``abandon_rate``: abandoned / offered; ``aht``: mean handle time of answered.
* ``occupancy`` (agents, teams, tiers): time holding at least one contact or in wrap-up /
  staffed time; ``utilization``: time-average share of capacity in use / staffed time (an
  exclusive contact uses all of it, a non-exclusive one ``1 / non-exclusive capacity``).
  Staffed time is logged-in time outside breaks, plus any time spent finishing a contact
  after the shift ended.  Both are measured over ``[warmup, horizon)``.

A KPI without a defined value (no contact offered) is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .engine import Outcome
from .scenario import Scenario

__all__ = ["CONTACT_KPIS", "AGENT_KPIS", "compute"]

CONTACT_KPIS = (
    "offered", "answered", "abandoned", "service_level", "asa", "mean_wait", "p_wait",
    "abandon_rate", "aht", "unanswered", "callbacks", "retrials", "transferred", "bot_contained",
)
AGENT_KPIS = ("occupancy", "utilization", "staffed_hours", "answered")
INTERVAL_KPIS = ("offered", "answered", "abandoned", "service_level", "asa", "abandon_rate")


def _val(x: float) -> float | None:
    return None if x != x else float(x)


class _Columns:
    def __init__(self, out: Outcome) -> None:
        legs = out.legs
        self.n = len(legs)
        f = np.fromiter
        self.arrival = f((g.arrival for g in legs), float, self.n)
        self.entered = f((g.entered for g in legs), float, self.n)
        self.answered = f((g.answered for g in legs), float, self.n)
        self.abandoned = f((g.abandoned for g in legs), float, self.n)
        self.ended = f((g.ended for g in legs), float, self.n)
        self.within = f((g.within for g in legs), float, self.n)
        self.leg = f((g.leg for g in legs), np.int64, self.n)
        self.attempt = f((g.attempt for g in legs), np.int64, self.n)
        self.contained = f((g.contained for g in legs), bool, self.n)
        self.callback = f((g.callback for g in legs), bool, self.n)
        self.queue = [g.queue for g in legs]
        self.channel = [g.channel for g in legs]
        self.segment = [g.segment for g in legs]
        self.agent = [g.agent for g in legs]
        self.transferred = f((g.moved for g in legs), bool, self.n)


def _contact_kpis(c: _Columns, m: np.ndarray) -> dict[str, Any]:
    offered_m = m & ~c.contained
    ans = offered_m & ~np.isnan(c.answered)
    ab = offered_m & ~np.isnan(c.abandoned)
    offered = int(offered_m.sum())
    answered = int(ans.sum())
    abandoned = int(ab.sum())
    wait_ans = c.answered[ans] - c.entered[ans]
    wait_ab = c.abandoned[ab] - c.entered[ab]
    within = c.within[ans]
    nan = float("nan")
    sl = float((wait_ans <= within + 1e-9).sum()) / offered if offered else nan
    waits = np.concatenate([wait_ans, wait_ab])
    handle = c.ended[ans] - c.answered[ans]
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "service_level": _val(sl),
        "asa": _val(float(wait_ans.mean()) if answered else nan),
        "mean_wait": _val(float(waits.mean()) if len(waits) else nan),
        "p_wait": _val(float((waits > 0).sum()) / offered if offered else nan),
        "abandon_rate": _val(abandoned / offered if offered else nan),
        "aht": _val(float(handle.mean()) if answered else nan),
        "unanswered": offered - answered - abandoned,
        "callbacks": int((offered_m & c.callback).sum()),
        "retrials": int((offered_m & (c.attempt > 1)).sum()),
        "transferred": int((ans & c.transferred).sum()),
        "bot_contained": int((m & c.contained).sum()),
    }


def _union_length(iv: Iterable[tuple[float, float]], lo: float, hi: float) -> float:
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted((max(s, lo), min(e, hi)) for s, e in iv):
        if e <= s:
            continue
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s  # type: ignore[operator]
            cur_s, cur_e = s, e
        elif e > cur_e:
            cur_e = e
    if cur_e is not None:
        total += cur_e - cur_s  # type: ignore[operator]
    return total


def _agent_time(out: Outcome, lo: float, hi: float) -> dict[str, tuple[float, float, float]]:
    """Per agent: (busy seconds, capacity-weighted busy seconds, staffed seconds)."""
    res = {}
    for aid in out.agents:
        busy = out.busy[aid]
        spans = [(s, e) for s, e, _w in busy]
        b = _union_length(spans, lo, hi)
        u = sum(w * max(0.0, min(e, hi) - max(s, lo)) for s, e, w in busy)
        staffed = _union_length([*out.staffed[aid], *spans], lo, hi)
        res[aid] = (b, u, staffed)
    return res


def _agent_kpis(rows: list[tuple[float, float, float]], answered: int) -> dict[str, Any]:
    b = sum(r[0] for r in rows)
    u = sum(r[1] for r in rows)
    s = sum(r[2] for r in rows)
    return {
        "occupancy": _val(b / s) if s > 0 else None,
        "utilization": _val(u / s) if s > 0 else None,
        "staffed_hours": s / 3600.0,
        "answered": answered,
    }


def _groups(keys: list[Any], base: np.ndarray) -> dict[str, np.ndarray]:
    arr = np.array([k if k is not None else "" for k in keys], dtype=object)
    out = {}
    for k in sorted({k for k in keys if k is not None}):
        out[str(k)] = base & (arr == k)
    return out


def compute(sc: Scenario, out: Outcome) -> tuple[dict[str, Any], dict[str, Any]]:
    """(kpis, intervals) of one replication, as plain JSON-ready dicts."""
    c = _Columns(out)
    lo, hi = sc.warmup, sc.horizon
    window = (c.arrival >= lo) & (c.arrival < hi)
    first = window & (c.leg == 0)
    kpis: dict[str, Any] = {"overall": _contact_kpis(c, first)}
    kpis["queues"] = {q: _contact_kpis(c, m) for q, m in _groups(c.queue, window).items()}
    for q in sc.queues:  # every queue appears, even one nobody reached
        kpis["queues"].setdefault(q.name, _contact_kpis(c, np.zeros(c.n, bool)))
    kpis["channels"] = {k: _contact_kpis(c, m) for k, m in _groups(c.channel, first).items()}
    kpis["segments"] = {k: _contact_kpis(c, m) for k, m in _groups(c.segment, first).items()}

    # agents, teams, tiers
    times = _agent_time(out, lo, hi)
    handled: dict[str, int] = {}
    ans_w = ~np.isnan(c.answered) & window
    for i in np.flatnonzero(ans_w):
        a = c.agent[i]
        handled[a] = handled.get(a, 0) + 1  # type: ignore[index]
    teams: dict[str, list[str]] = {}
    tiers: dict[str, list[str]] = {}
    for aid, a in out.agents.items():
        teams.setdefault(a.team or "", []).append(aid)
        tiers.setdefault(str(a.tier), []).append(aid)

    def group(ids: list[str]) -> dict[str, Any]:
        return _agent_kpis([times[i] for i in ids], sum(handled.get(i, 0) for i in ids))

    kpis["tiers"] = {k: group(v) for k, v in sorted(tiers.items())}
    kpis["teams"] = {k: group(v) for k, v in sorted(teams.items()) if k}
    kpis["agents"] = {aid: group([aid]) for aid in out.agents}
    agents_all = group(list(out.agents))
    kpis["overall"]["occupancy"] = agents_all["occupancy"]
    kpis["overall"]["utilization"] = agents_all["utilization"]
    return kpis, _intervals(sc, c)


def _intervals(sc: Scenario, c: _Columns) -> dict[str, Any]:
    width = sc.interval
    nbins = int(np.ceil(sc.horizon / width))
    b = np.minimum((c.arrival // width).astype(np.int64), nbins - 1) if c.n else np.zeros(0, np.int64)
    inside = (c.arrival >= 0) & (c.arrival < sc.horizon) & ~c.contained

    def series(m: np.ndarray) -> dict[str, list[Any]]:
        m = m & inside
        ans = m & ~np.isnan(c.answered)
        ab = m & ~np.isnan(c.abandoned)
        wait = np.where(ans, c.answered - c.entered, 0.0)
        offered = np.bincount(b[m], minlength=nbins)
        answered = np.bincount(b[ans], minlength=nbins)
        abandoned = np.bincount(b[ab], minlength=nbins)
        good = np.bincount(b[ans & (wait <= c.within + 1e-9)], minlength=nbins)
        wsum = np.bincount(b[ans], weights=wait[ans], minlength=nbins)
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = good / offered
            asa = wsum / answered
            ar = abandoned / offered
        return {
            "offered": offered.tolist(), "answered": answered.tolist(),
            "abandoned": abandoned.tolist(),
            "service_level": [_val(x) for x in sl], "asa": [_val(x) for x in asa],
            "abandon_rate": [_val(x) for x in ar],
        }

    every = np.ones(c.n, bool)
    return {
        "width": width,
        "start": [i * width for i in range(nbins)],
        "overall": series(every & (c.leg == 0)),
        "queues": {q.name: series(np.array([x == q.name for x in c.queue], bool)) for q in sc.queues},
    }


def flatten(kpis: Mapping[str, Any]) -> dict[tuple[str, str, str], Any]:
    """{(group, key, kpi): value}; ``overall`` has key ""."""
    out = {}
    for group, val in kpis.items():
        if group == "overall":
            for k, v in val.items():
                out[("overall", "", k)] = v
        else:
            for key, d in val.items():
                for k, v in d.items():
                    out[(group, key, k)] = v
    return out
