"""KPIs (defined in ``docs/metrics.md``) from a replication's records.

Contacts count where they **arrive**: a contact (or retrial attempt) belongs to the
measured window if it arrived in ``[warmup, horizon)``.  Overall, channel and segment KPIs
count each customer contact once (its first leg); queue KPIs count every leg offered to the
queue (transfers in included).  Waits run from entering the queue (after any bot stage;
a callback keeps its original entry time).  A contact contained by the bot is not offered.

* ``service_level``: answered within the queue's SLA threshold / offered (an abandon is a
  miss); ``asa``: mean wait of answered; ``mean_wait``: mean wait of all offered contacts
  (abandoners: time to abandon; contacts still unanswered when the run ends, after the
  drain: their wait up to the run's end); ``p_wait``: share of offered that waited > 0 (the
  same waits); ``abandon_rate``: abandoned / offered; ``aht``: mean handle time of answered.
* A queue's KPIs count the contacts that **entered** it (offered, answered, abandoned,
  service level by the queue of entry, wherever they were answered); ``overflowed``: the
  answered contacts that were answered from another queue than the one they entered (moved
  by overflow; a callback to another queue counts from the queue it moved to).
* ``occupancy`` (agents, teams, tiers): time holding at least one contact or in wrap-up /
  staffed time; ``utilization``: time-average share of capacity in use / staffed time (an
  exclusive contact uses all of it, a non-exclusive one ``1 / non-exclusive capacity``).
  Staffed time is logged-in time outside breaks, plus any time spent finishing a contact
  after the shift ended.  Both are measured over ``[warmup, horizon)``.
* Fairness (overall; the occupancy spread per tier and team too): ``occupancy_range`` (max -
  min), ``occupancy_sd`` (population standard deviation) and ``occupancy_gini`` (Gini
  coefficient) of the per-agent ``occupancy`` among the agents staffed in the window;
  ``wait_max_lowest`` and ``wait_p95_lowest``: the longest and the 95th-percentile wait of
  the offered contacts of the lowest contact priority offered (waits as ``mean_wait``'s).

Per-interval series (``intervals``): bins of ``scenario.interval`` seconds over
``[0, horizon)`` (warm-up included; the last bin ends at the horizon, so may be shorter).
``overall``, ``queues`` and ``channels`` have ``offered``, ``answered``, ``abandoned``,
``service_level``, ``asa``, ``abandon_rate`` by arrival interval (counting contacts as the
KPIs do), and ``waiting``: the time-average number of contacts waiting in the interval (the
integral of the number waiting over the bin / the bin's length).  ``waiting`` counts every
leg in a queue, by time, not by arrival: each wait (entry to answer, abandonment or the
run's end) is clipped to the bins, abandoners' and transferred legs' waits included, so
the overall series is the sum of the queues' and of the channels'.  ``tiers``: per tier,
``occupancy`` and ``utilization`` as the KPIs but over each bin (busy and staffed time
clipped to it; None where nobody was staffed) and ``staffed``, the mean number of agents
staffed in the bin.  ``clock``: where the bins are on the wall clock, ``start_day``
(``"tue"``) and ``start`` (``"08:00"``) of the scenario, and ``labels``, each bin's start
(``"Tue 08:30"``, :mod:`omniroute.sim.clock`).

A KPI without a defined value (no contact offered) is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .clock import WEEKDAYS
from .engine import Outcome
from .scenario import Scenario

__all__ = ["CONTACT_KPIS", "AGENT_KPIS", "FAIRNESS_KPIS", "SPREAD_KPIS", "compute", "gini"]

CONTACT_KPIS = (
    "offered", "answered", "abandoned", "service_level", "service_level_ex_short",
    "service_level_answered", "service_level_customer", "abandoned_within", "abandoned_after",
    "customers", "blocked", "block_rate", "asa", "mean_wait", "p_wait", "abandon_rate", "aht",
    "unanswered", "callbacks", "retrials", "transferred", "bot_contained", "overflowed",
)
AGENT_KPIS = ("occupancy", "utilization", "staffed_hours", "answered", "occupancy_day",
              "utilization_day", "staffed_hours_day")
#: The fairness KPIs: the spread of the agents' occupancy (overall, per tier and team) and
#: the tail of the lowest priority's waits (overall).
SPREAD_KPIS = ("occupancy_range", "occupancy_sd", "occupancy_gini")
FAIRNESS_KPIS = (*SPREAD_KPIS, "wait_max_lowest", "wait_p95_lowest")
INTERVAL_KPIS = ("offered", "answered", "abandoned", "service_level", "asa", "abandon_rate", "waiting",
                 "service_level_ex_short", "service_level_answered", "service_level_customer",
                 "abandoned_within", "abandoned_after", "blocked")
TIER_INTERVAL_KPIS = ("occupancy", "utilization", "staffed")


def _val(x: float) -> float | None:
    return None if x != x else float(x)


class _Columns:
    """The columns the KPIs read, derived from the replication's :class:`Legs`."""

    def __init__(self, out: Outcome) -> None:
        legs = out.columns
        self.n = legs.n
        for f in ("arrival", "entered", "answered", "abandoned", "ended", "within", "leg",
                  "attempt", "contained", "callback", "queue", "blocked"):
            setattr(self, f, getattr(legs, f))
        self.channel = legs.channel()
        self.segment = legs.segment()
        self.priority = np.array([sp.priority for sp in legs.spec], dtype=np.int64)
        self.agent = legs.agent  # index into out.agents, -1: none
        self.transferred = legs.moved
        # overflowed: answered from another queue than its home (the callback's queue for
        # a callback to another queue)
        home = np.array(legs.queue, dtype=object)
        for k in np.flatnonzero(legs.callback).tolist():
            cb = legs.spec[k].callback
            if cb is not None and cb.queue is not None:
                home[k] = cb.queue
        served = np.array(legs.served_queue, dtype=object)
        self.overflowed = np.not_equal(served, None) & np.not_equal(served, home)
        self.end = out.end
        # Per customer (indexed by the customer's first leg): total wait over its attempts'
        # first legs (entry to answer, abandonment or the run's end) and whether one of them
        # was answered; for the customer-level service level.
        self.customer = legs.customer
        self.demand = legs.demand
        self.inbound = legs.demand >= 0  # campaigns' contacts have negative demand indexes
        queued = (self.leg == 0) & ~np.isnan(self.entered) & ~self.contained & self.inbound
        w_end = np.where(~np.isnan(self.answered), self.answered,
                         np.where(~np.isnan(self.abandoned), self.abandoned, self.end))
        self.customer_wait = np.bincount(self.customer[queued], weights=(w_end - self.entered)[queued],
                                         minlength=self.n)
        self.customer_answered = np.bincount(self.customer[queued & ~np.isnan(self.answered)],
                                             minlength=self.n) > 0


def _waits(c: _Columns, ans: np.ndarray, ab: np.ndarray, un: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The waits of the answered (to answer), the abandoned (to abandon) and the contacts
    still waiting when the run ended (to its end; 0 if still in the bot stage)."""
    wait_ans = c.answered[ans] - c.entered[ans]
    wait_ab = c.abandoned[ab] - c.entered[ab]
    ent_un = c.entered[un]  # nan: never reached the queue (still in the bot stage)
    wait_un = np.where(np.isnan(ent_un), 0.0, np.maximum(c.end - np.nan_to_num(ent_un), 0.0))
    return wait_ans, wait_ab, wait_un


def _lowest_priority_waits(c: _Columns, m: np.ndarray) -> dict[str, Any]:
    """``wait_max_lowest``, ``wait_p95_lowest``: the longest and the 95th-percentile wait
    (numpy's default, linear between order statistics) of the contacts of ``m`` offered with
    the lowest contact priority among them; None if nothing was offered."""
    offered_m = m & ~c.contained & ~c.blocked
    if not offered_m.any():
        return {"wait_max_lowest": None, "wait_p95_lowest": None}
    low = offered_m & (c.priority == c.priority[offered_m].min())
    waits = np.concatenate(_waits(c, low & ~np.isnan(c.answered), low & ~np.isnan(c.abandoned),
                                  low & np.isnan(c.answered) & np.isnan(c.abandoned)))
    return {"wait_max_lowest": float(waits.max()), "wait_p95_lowest": float(np.percentile(waits, 95))}


def gini(x: np.ndarray) -> float | None:
    """The Gini coefficient of non-negative values: the mean absolute difference between
    two of them over twice their mean (0: all equal; (n-1)/n: one holds everything); None
    when there are none or all are 0."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    total = float(x.sum())
    if n == 0 or total <= 0:
        return None
    i = np.arange(1, n + 1, dtype=float)
    return max(float(2.0 * (i * x).sum() / (n * total) - (n + 1) / n), 0.0)


def _occupancy_spread(rows: list[tuple[float, float, float]]) -> dict[str, Any]:
    """``occupancy_range``, ``occupancy_sd``, ``occupancy_gini`` of the agents of ``rows``
    (busy, weighted busy, staffed seconds) who were staffed; None if nobody was."""
    occ = np.array([b / s for b, _, s in rows if s > 0], dtype=float)
    if not len(occ):
        return dict.fromkeys(SPREAD_KPIS)
    return {"occupancy_range": float(occ.max() - occ.min()), "occupancy_sd": float(occ.std()),
            "occupancy_gini": gini(occ)}


def _contact_kpis(c: _Columns, m: np.ndarray) -> dict[str, Any]:
    offered_m = m & ~c.contained & ~c.blocked
    blocked = int((m & c.blocked).sum())
    ans = offered_m & ~np.isnan(c.answered)
    ab = offered_m & ~np.isnan(c.abandoned)
    un = offered_m & np.isnan(c.answered) & np.isnan(c.abandoned)  # still waiting at the end
    offered = int(offered_m.sum())
    answered = int(ans.sum())
    abandoned = int(ab.sum())
    wait_ans, wait_ab, wait_un = _waits(c, ans, ab, un)
    within = c.within[ans]
    nan = float("nan")
    good = float((wait_ans <= within + 1e-9).sum())
    sl = good / offered if offered else nan
    ab_within = int((wait_ab <= c.within[ab] + 1e-9).sum())
    ab_after = abandoned - ab_within
    cust = m & ~c.contained & (c.attempt == 1) & (c.leg == 0)  # a customer's first attempt
    customers = int(cust.sum())
    good_c = float((cust & c.customer_answered & (c.customer_wait <= c.within + 1e-9)).sum())
    waits = np.concatenate([wait_ans, wait_ab, wait_un])  # one per offered contact
    handle = c.ended[ans] - c.answered[ans]
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "service_level": _val(sl),
        "service_level_ex_short": _val(good / (answered + ab_after) if answered + ab_after else nan),
        "service_level_answered": _val(good / answered if answered else nan),
        "service_level_customer": _val(good_c / customers if customers else nan),
        "abandoned_within": ab_within,
        "abandoned_after": ab_after,
        "customers": customers,
        "blocked": blocked,
        "block_rate": _val(blocked / (offered + blocked) if offered + blocked else nan),
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
        "overflowed": int((ans & c.overflowed).sum()),
    }


def _merged(group: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's spans merged: (group, start, end) of the disjoint intervals, sorted by
    group then start.  Empty spans (``e <= s``) are dropped; overlapping and touching spans
    merge.

    The spans sorted by (group, start); a span opens a new interval unless it starts at or
    before the largest end seen so far in its group.  That running maximum is taken over
    ``group * n + rank(end)`` (exact integers that order by group first), so one
    ``maximum.accumulate`` serves every group at once.
    """
    keep = e > s
    group, s, e = group[keep], s[keep], e[keep]
    n = len(s)
    if not n:
        empty = np.zeros(0)
        return np.zeros(0, np.int64), empty, empty
    order = np.lexsort((s, group))
    g, s, e = group[order], s[order], e[order]
    by_end = np.argsort(e, kind="stable")
    ends = e[by_end]
    rank = np.empty(n, np.int64)
    rank[by_end] = np.arange(n, dtype=np.int64)
    base = g.astype(np.int64) * n
    reach = ends[np.maximum.accumulate(base + rank) - base]  # each group's running max end
    new = np.empty(n, bool)
    new[0] = True
    new[1:] = (g[1:] != g[:-1]) | (s[1:] > reach[:-1])
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, n - 1)
    return g[first], s[first], reach[last]


def _agent_time(out: Outcome, lo: float, hi: float) -> dict[str, tuple[float, float, float]]:
    """Per agent: (busy seconds, capacity-weighted busy seconds, staffed seconds), over
    ``[lo, hi)``."""
    ids = list(out.agents)
    na = len(ids)
    busy = out.busy
    bs, be = np.maximum(busy.start, lo), np.minimum(busy.end, hi)
    g, s, e = _merged(busy.agent, bs, be)
    # sequential sums in each agent's order, as a running total would add them
    b = np.bincount(g, weights=e - s, minlength=na)
    u = np.bincount(busy.agent, weights=busy.weight * np.maximum(be - bs, 0.0), minlength=na)
    st_g, st_s, st_e = _staffed_spans(out)
    g, s, e = _merged(np.concatenate([st_g, busy.agent]),
                      np.maximum(np.concatenate([st_s, busy.start]), lo),
                      np.minimum(np.concatenate([st_e, busy.end]), hi))
    staffed = np.bincount(g, weights=e - s, minlength=na)
    return {aid: (float(b[i]), float(u[i]), float(staffed[i])) for i, aid in enumerate(ids)}


def _staffed_spans(out: Outcome) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The agents' staffed intervals as columns (agent index, start, end)."""
    g: list[int] = []
    s: list[float] = []
    e: list[float] = []
    for i, spans in enumerate(out.staffed.values()):
        for a, b in spans:
            g.append(i)
            s.append(a)
            e.append(b)
    return np.array(g, dtype=np.int64), np.array(s, dtype=float), np.array(e, dtype=float)


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
    arr = np.array(keys, dtype=object)
    out = {}
    for k in sorted(set(keys) - {None}):
        out[str(k)] = base & (arr == k)
    return out


def compute(sc: Scenario, out: Outcome) -> tuple[dict[str, Any], dict[str, Any]]:
    """(kpis, intervals) of one replication, as plain JSON-ready dicts."""
    c = _Columns(out)
    lo, hi = sc.warmup, sc.horizon
    every = (c.arrival >= lo) & (c.arrival < hi)  # the agents' work: campaigns' contacts too
    window = every & c.inbound  # the contact KPIs: customers who called
    first = window & (c.leg == 0)
    kpis: dict[str, Any] = {"overall": _contact_kpis(c, first)}
    kpis["queues"] = {q: _contact_kpis(c, m) for q, m in _groups(c.queue, window).items()}
    for q in sc.queues:  # every queue appears, even one nobody reached
        kpis["queues"].setdefault(q.name, _contact_kpis(c, np.zeros(c.n, bool)))
    for qn in _campaign_only(sc):  # a campaign's own queue: its figures are the campaign's
        del kpis["queues"][qn]
    kpis["channels"] = {k: _contact_kpis(c, m) for k, m in _groups(c.channel, first).items()}
    kpis["segments"] = {k: _contact_kpis(c, m) for k, m in _groups(c.segment, first).items()}

    # agents, teams, tiers
    times = _agent_time(out, lo, hi)
    ans_w = ~np.isnan(c.answered) & every
    counts = np.bincount(c.agent[ans_w], minlength=len(out.agents)).tolist()
    handled = dict(zip(out.agents, counts, strict=True))
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
    # fairness: the spread of the agents' occupancy, the lowest priority's longest waits
    for name, ids in (("tiers", tiers), ("teams", teams)):
        for k, v in ids.items():
            if k in kpis[name]:
                kpis[name][k].update(_occupancy_spread([times[i] for i in v]))
    kpis["overall"].update(_occupancy_spread(list(times.values())))
    kpis["overall"].update(_lowest_priority_waits(c, first))
    # The working day's variant: up to the end of the run (the drain after the horizon,
    # while the last contacts are served, included), where the KPIs above stop at the horizon.
    day = _agent_time(out, lo, max(hi, out.end))
    for name, ids in (("tiers", tiers), ("teams", teams)):
        for k, v in ids.items():
            if k in kpis[name]:
                kpis[name][k].update(_day_kpis([day[i] for i in v]))
    for aid in out.agents:
        kpis["agents"][aid].update(_day_kpis([day[aid]]))
    all_day = _day_kpis(list(day.values()))
    kpis["overall"]["occupancy_day"] = all_day["occupancy_day"]
    kpis["overall"]["utilization_day"] = all_day["utilization_day"]
    if sc.outbound:
        _outbound_kpis(sc, c, out, every, kpis, tiers, teams)
    return kpis, _intervals(sc, c, out)


def _campaign_only(sc: Scenario) -> set[str]:
    """Queues only outbound campaigns use (no inbound demand, overflow, callback or transfer
    reaches them)."""
    used: set[str] = set()
    for d in sc.demand:
        q = getattr(d, "queue", None)
        if q is not None:
            used.add(q)
        for r in getattr(d, "records", ()):
            used.add(r.queue)
        for sub, key in (("callback", "queue"), ("transfer", "to")):
            x = getattr(d, sub, None)
            if x is not None and getattr(x, key) is not None:
                used.add(getattr(x, key))
    for q in sc.queues:
        if q.queue.overflow is not None:
            used.add(q.queue.overflow.to)
    return {cp.queue for cp in sc.outbound} - used


def _outbound_kpis(sc: Scenario, c: _Columns, out: Outcome, every: np.ndarray,
                   kpis: dict[str, Any], tiers: dict[str, list[str]], teams: dict[str, list[str]]) -> None:
    """Per campaign: the dialer's counts and its connects' fate; per agent, team, tier and
    overall: handling hours by direction (inbound, outbound) in the measured window."""
    camp: dict[str, Any] = {}
    for i, cp in enumerate(sc.outbound):
        m = every & (c.demand == -1 - i)
        abandoned = int((m & ~np.isnan(c.abandoned)).sum())
        n = out.campaigns[i] if i < len(out.campaigns) else {}
        connects = int(n.get("connects", 0))
        camp[cp.name] = {
            "dials": int(n.get("dials", 0)), "connects": connects,
            "no_answer": int(n.get("no_answer", 0)), "failed": int(n.get("failed", 0)),
            "outbound_abandoned": abandoned,
            "outbound_abandon_rate": _val(abandoned / connects) if connects else None,
            "pacing": float(n.get("pacing", cp.pacing)),
        }
    kpis["outbound"] = camp
    busy = out.busy
    lo, hi = sc.warmup, sc.horizon
    dur = np.maximum(np.minimum(busy.end, hi) - np.maximum(busy.start, lo), 0.0)
    na = len(out.agents)
    inbound = np.bincount(busy.agent, weights=np.where(busy.outbound, 0.0, dur), minlength=na)
    outbound = np.bincount(busy.agent, weights=np.where(busy.outbound, dur, 0.0), minlength=na)
    index = {aid: i for i, aid in enumerate(out.agents)}

    def hours(ids: list[str]) -> dict[str, float]:
        ix = [index[a] for a in ids]
        return {"inbound_hours": float(inbound[ix].sum()) / 3600.0,
                "outbound_hours": float(outbound[ix].sum()) / 3600.0}

    for name, groups in (("tiers", tiers), ("teams", teams)):
        for k, ids in groups.items():
            if k in kpis[name]:
                kpis[name][k].update(hours(ids))
    for aid in out.agents:
        kpis["agents"][aid].update(hours([aid]))
    kpis["overall"].update(hours(list(out.agents)))


def _day_kpis(rows: list[tuple[float, float, float]]) -> dict[str, Any]:
    k = _agent_kpis(rows, 0)
    return {"occupancy_day": k["occupancy"], "utilization_day": k["utilization"],
            "staffed_hours_day": k["staffed_hours"]}


def _spread(s: np.ndarray, e: np.ndarray, edges: np.ndarray,
            w: np.ndarray | None = None) -> np.ndarray:
    """Per bin ``[edges[k], edges[k+1])``: integral of ``sum_i w_i [s_i <= t < e_i]``.

    ``F(t) = sum_{s_i < t} w_i (t - s_i) - sum_{e_i < t} w_i (t - e_i)`` from prefix sums
    over the sorted starts and ends: O((n + bins) log n), no loop over contacts.
    """
    if w is None:
        w = np.ones(len(s))

    def part(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        xs, ws = x[order], w[order]
        cw = np.concatenate([[0.0], np.cumsum(ws)])
        cwx = np.concatenate([[0.0], np.cumsum(ws * xs)])
        k = np.searchsorted(xs, edges, side="left")
        return edges * cw[k] - cwx[k]

    f = part(s) - part(e)
    area = np.maximum(np.diff(f), 0.0)
    # A bin no span of positive length overlaps is exactly 0: the prefix sums' difference
    # there is float noise (1e-11 at a day's times), not time.
    real = e > s
    starts, ends = np.sort(s[real]), np.sort(e[real])
    over = np.searchsorted(starts, edges[1:], side="left") - np.searchsorted(ends, edges[:-1], side="right")
    area[over <= 0] = 0.0
    return area


def _channels(sc: Scenario, c: _Columns) -> list[str]:
    """Every channel a contact of the scenario can have (each appears in the series, even
    one nobody used in this replication, so replications line up)."""
    names = {q.channel.name for q in sc.queues}
    for d in sc.demand:
        recs = getattr(d, "records", None)
        if recs is not None:
            names.update(r.channel.name for r in recs if r.channel is not None)
        elif getattr(d, "channel", None) is not None:
            names.add(d.channel.name)
    names.update(c.channel)
    return sorted(names)


def _intervals(sc: Scenario, c: _Columns, out: Outcome) -> dict[str, Any]:
    width = sc.interval
    nbins = int(np.ceil(sc.horizon / width))
    edges = np.minimum(np.arange(nbins + 1, dtype=float) * width, sc.horizon)
    length = np.diff(edges)
    b = np.minimum((c.arrival // width).astype(np.int64), nbins - 1) if c.n else np.zeros(0, np.int64)
    in_horizon = (c.arrival >= 0) & (c.arrival < sc.horizon) & ~c.contained & c.inbound
    inside = in_horizon & ~c.blocked

    # waits (every leg that entered a queue, abandoners and unanswered included), as spans
    w_end = np.where(~np.isnan(c.answered), c.answered,
                     np.where(~np.isnan(c.abandoned), c.abandoned, c.end))
    queued = ~np.isnan(c.entered) & ~c.contained & c.inbound

    def waiting(m: np.ndarray) -> list[float | None]:
        m = m & queued
        area = _spread(c.entered[m], w_end[m], edges)
        return [_val(x) for x in area / length]

    def series(m: np.ndarray, wait_m: np.ndarray) -> dict[str, list[Any]]:
        m0 = m & in_horizon
        m = m & inside
        ans = m & ~np.isnan(c.answered)
        ab = m & ~np.isnan(c.abandoned)
        wait = np.where(ans, c.answered - c.entered, 0.0)
        offered = np.bincount(b[m], minlength=nbins)
        answered = np.bincount(b[ans], minlength=nbins)
        abandoned = np.bincount(b[ab], minlength=nbins)
        good = np.bincount(b[ans & (wait <= c.within + 1e-9)], minlength=nbins)
        wsum = np.bincount(b[ans], weights=wait[ans], minlength=nbins)
        short = ab & (np.where(ab, c.abandoned - c.entered, 0.0) <= c.within + 1e-9)
        ab_within = np.bincount(b[short], minlength=nbins)
        ab_after = abandoned - ab_within
        blocked = np.bincount(b[m0 & c.blocked], minlength=nbins)
        cust = m0 & (c.attempt == 1)
        customers = np.bincount(b[cust], minlength=nbins)
        good_c = np.bincount(b[cust & c.customer_answered & (c.customer_wait <= c.within + 1e-9)],
                             minlength=nbins)
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = good / offered
            asa = wsum / answered
            ar = abandoned / offered
            sl_ex = good / (answered + ab_after)
            sl_ans = good / answered
            sl_c = good_c / customers
        return {
            "offered": offered.tolist(), "answered": answered.tolist(),
            "abandoned": abandoned.tolist(),
            "service_level": [_val(x) for x in sl], "asa": [_val(x) for x in asa],
            "abandon_rate": [_val(x) for x in ar],
            "waiting": waiting(wait_m),
            "service_level_ex_short": [_val(x) for x in sl_ex],
            "service_level_answered": [_val(x) for x in sl_ans],
            "service_level_customer": [_val(x) for x in sl_c],
            "abandoned_within": ab_within.tolist(), "abandoned_after": ab_after.tolist(),
            "blocked": blocked.tolist(),
        }

    every = np.ones(c.n, bool)
    first = c.leg == 0
    queue_arr = np.array(c.queue, dtype=object)
    chan_arr = np.array(c.channel, dtype=object)
    clock = sc.clock
    res = {
        "width": width,
        "start": [i * width for i in range(nbins)],
        # where the bins are on the wall clock (the scenario's start_day and start), and each
        # bin's start as a label: "Tue 08:30"
        "clock": {"start_day": WEEKDAYS[clock.start_day].lower(), "start": clock.label(0.0, weekday=False),
                  "labels": [clock.label(i * width) for i in range(nbins)]},
        "overall": series(every & first, every),
        "queues": {}, "channels": {}, "tiers": _tier_intervals(out, edges, length),
    }
    for q in sc.queues:
        m = queue_arr == q.name
        res["queues"][q.name] = series(m, m)
    for ch in _channels(sc, c):
        m = chan_arr == ch
        res["channels"][ch] = series(m & first, m)
    return res


def _tier_intervals(out: Outcome, edges: np.ndarray, length: np.ndarray) -> dict[str, Any]:
    """Per tier and interval: ``occupancy``, ``utilization`` (as the KPIs, over the interval)
    and ``staffed`` (mean number of agents staffed)."""
    tier_of = np.array([str(a.tier) for a in out.agents.values()], dtype=object)
    busy = out.busy
    mb_g, mb_s, mb_e = _merged(busy.agent, busy.start, busy.end)
    st_g, st_s, st_e = _staffed_spans(out)
    ms_g, ms_s, ms_e = _merged(np.concatenate([st_g, busy.agent]),
                               np.concatenate([st_s, busy.start]),
                               np.concatenate([st_e, busy.end]))
    by_agent = np.argsort(busy.agent, kind="stable")  # each agent's spans, agents in order
    w_g, w_s, w_e, w_w = (busy.agent[by_agent], busy.start[by_agent], busy.end[by_agent],
                          busy.weight[by_agent])
    res = {}

    def area(mine: np.ndarray, g: np.ndarray, s: np.ndarray, e: np.ndarray,
             w: np.ndarray | None = None) -> np.ndarray:
        m = mine[g] if len(g) else np.zeros(0, bool)
        if not m.any():
            return np.zeros(len(length))
        return _spread(s[m], e[m], edges, w[m] if w is not None else None)

    for tier in sorted(set(tier_of.tolist())):
        mine = tier_of == tier
        staffed = area(mine, ms_g, ms_s, ms_e)
        # float noise of the prefix sums: never above 1
        busy_a = np.minimum(area(mine, mb_g, mb_s, mb_e), staffed)
        used = np.minimum(area(mine, w_g, w_s, w_e, w_w), staffed)
        with np.errstate(invalid="ignore", divide="ignore"):
            occ = np.where(staffed > 0, busy_a / staffed, np.nan)
            util = np.where(staffed > 0, used / staffed, np.nan)
        res[tier] = {
            "occupancy": [_val(x) for x in occ],
            "utilization": [_val(x) for x in util],
            "staffed": [float(x) for x in staffed / length],
        }
    return res


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
