"""From a call log to a scenario: :func:`calibrate` (``omniroute calibrate LOG.csv``).

From a per-call log (``omniroute.sim.calllog``, ``docs/calibrate.md``) it estimates, per
queue: arrival rates per interval of the day and weekday, the handle-time distribution
(exponential, lognormal and gamma fitted, the lowest AIC chosen), patience from the
censored waits (Kaplan-Meier, and the same families fitted by censored maximum likelihood,
the lowest AIC chosen), wrap-up; and the agents: who served which queue (skills) and how
many were present per interval (staffing as shifts).  The result writes a scenario TOML that
``omniroute check`` accepts and a summary of every estimate with its sample size.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..errors import ValidationError
from .calllog import CallLog, read_log
from .fitting import FAMILIES, ZERO_EVENT, FitChoice, KaplanMeier, choose, kaplan_meier
from .loader import parse_scenario
from .scenario import Scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["calibrate", "Calibration", "QueueCalibration", "AgentShare"]

DAY = 86400.0
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


@attrs.frozen(eq=False)
class QueueCalibration:
    """What was estimated for one queue.

    ``handle`` and ``patience`` are the fits (``pooled``: the queue had fewer than
    ``min_calls`` observations, so the fit is over all queues); ``km`` the Kaplan-Meier
    curve of its patience; ``zero_handles`` answered calls with a handle time of 0,
    left out of the fit; ``wrap_up`` the mean wrap-up (None: the log has none).
    """

    queue: str
    offered: int
    answered: int
    abandoned: int
    handle: FitChoice
    handle_pooled: bool
    zero_handles: int
    patience: FitChoice | None
    patience_pooled: bool
    km: KaplanMeier | None
    wrap_up: float | None
    wrap_up_n: int


@attrs.frozen
class AgentShare:
    """The agents who served exactly ``skills`` (a skill group): how many, and their
    mean number present per interval of the profile (before rounding)."""

    skills: tuple[str, ...]
    agents: int
    mean_present: float


@attrs.frozen(eq=False)
class Calibration:
    """The estimates from a log and the scenario written from them.

    ``toml`` is the scenario file's text, ``scenario`` the same loaded by the project's
    loader; ``rates`` the arrivals per hour of each ``(queue, priority)`` stream, one per
    interval (a week from Monday 00:00, or a day); ``staffing`` the agents per interval
    (rounded), ``days`` the days of each weekday (Monday first) the log covers.
    """

    scenario: Scenario
    toml: str
    source: str
    calls: int
    interval: float
    profile: str
    days: tuple[int, ...]
    day0: dt.date | None
    start_day: int
    queues: tuple[QueueCalibration, ...]
    rates: Mapping[tuple[str, int], tuple[float, ...]]
    staffing: tuple[int, ...]
    skill_groups: tuple[AgentShare, ...]
    gap: float
    ignored: tuple[str, ...] = ()

    def write(self, path: str | Path) -> None:
        """Write :attr:`toml` to ``path`` whole or not at all (a temporary file beside it,
        renamed into place)."""
        _atomic_write(Path(path), self.toml)

    def summary(self) -> str:
        """What was estimated, from how many calls, and which fits were chosen by what."""
        return _summary(self)


def _atomic_write(p: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_options(interval: float, profile: str, gap: float, handle: str | None,
                   patience: str | None, min_calls: int, skill_share: float) -> None:
    ok = isinstance(interval, (int, float)) and not isinstance(interval, bool) and interval >= 60 \
        and float(interval) % 60 == 0 and DAY % float(interval) == 0
    if not ok:
        raise ValidationError(f"calibrate: interval must be whole minutes that divide a day, e.g. "
                              f"900 (15 min), 1800 or 3600 s (got {interval!r})")
    if profile not in ("week", "day"):
        raise ValidationError(f"calibrate: profile must be 'week' or 'day' (got {profile!r})")
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or not 0 <= gap < math.inf:
        raise ValidationError(f"calibrate: gap must be seconds >= 0 (got {gap!r})")
    if handle is not None and handle not in FAMILIES:
        raise ValidationError(f"calibrate: handle must be one of {', '.join(FAMILIES)} or None "
                              f"(the lowest AIC) (got {handle!r})")
    if patience is not None and patience not in (*FAMILIES, "none"):
        raise ValidationError(f"calibrate: patience must be one of {', '.join(FAMILIES)}, 'none' "
                              f"(nobody abandons) or None (the lowest AIC) (got {patience!r})")
    if isinstance(min_calls, bool) or not isinstance(min_calls, int) or min_calls < 1:
        raise ValidationError(f"calibrate: min_calls must be an integer >= 1 (got {min_calls!r})")
    if isinstance(skill_share, bool) or not isinstance(skill_share, (int, float)) or not 0 <= skill_share < 1:
        raise ValidationError(f"calibrate: skill_share must be a fraction in [0, 1) (got {skill_share!r})")


def calibrate(log: str | Path | Iterable[Mapping[str, Any]] | CallLog, *, interval: float = 3600.0,
              profile: str = "week", gap: float = 600.0, handle: str | None = None,
              patience: str | None = None, start_day: int | str = "mon", name: str | None = None,
              contact: str = "priority-fifo", min_calls: int = 10, skill_share: float = 0.0,
              source: str | None = None) -> Calibration:
    """Estimate a scenario from a per-call log (a CSV path, rows as mappings, or a CallLog).

    ``interval``: width of the arrival and staffing profile, seconds (whole minutes dividing
    a day).  ``profile``: ``"week"`` (one rate per interval of each weekday, Monday first:
    a weekday the log never covers gets no arrivals and no agents) or ``"day"`` (every day
    alike).  ``gap``: two services of one agent less than this apart count as one stretch
    of presence.  ``handle``/``patience``: a family to use instead of the lowest AIC
    (``patience="none"``: nobody abandons, for a log without abandonment).  ``start_day``:
    the weekday of day 0 when the log's times are seconds.  ``contact``: the contact policy
    written into ``[routing]``.  ``min_calls``: a queue with fewer observations (answered
    calls for handle, abandonments for patience) takes the fit over all queues.
    ``skill_share``: an agent has a queue's skill if at least this share of their calls
    (and at least one) was of that queue.  ``source``: the name of rows given in code, in
    messages and the summary (default ``"log"``).
    """
    _check_options(interval, profile, gap, handle, patience, min_calls, skill_share)
    cl = log if isinstance(log, CallLog) else read_log(log, start_day=start_day, source=source)
    interval = float(interval)
    answered = ~cl.abandoned
    if not np.any(answered):
        raise ValidationError(f"{cl.source}: no answered call among {len(cl)} calls (outcome is abandoned "
                              "in every row): handle times and agents cannot be estimated; the log needs "
                              "the answered calls too (outcome=answered, service_start, service_end, agent)")
    if patience != "none" and not np.any(cl.abandoned):
        raise ValidationError(
            f"{cl.source}: no abandoned call among {len(cl)} calls (outcome is answered in every row): "
            "patience cannot be estimated from served callers' waits alone (they only bound it from "
            "below); the log needs the calls abandoned in the queue too (outcome=abandoned, wait = time "
            "to abandon), or use patience='none' (--patience none) for a scenario where nobody abandons")
    day = np.floor(cl.arrival / DAY).astype(np.int64)
    observed = np.unique(day)
    weekday_of = (cl.start_day + observed) % 7
    days = tuple(int(np.sum(weekday_of == w)) for w in range(7))
    queues = sorted(set(cl.queue))
    qarr = np.array(cl.queue, dtype=object)
    rates = _rates(cl, day, observed, days, interval, profile)
    qcals = _queue_fits(cl, queues, qarr, handle, patience, min_calls)
    staffing, shares, groups = _agents(cl, observed, days, interval, profile, gap, skill_share)
    toml = _toml(cl, name, profile, interval, contact, queues, qcals, rates, groups)
    try:
        scenario = parse_scenario(tomllib.loads(toml), source="calibrated scenario")
    except Exception as exc:  # a bug here, not in the log: say what was written
        raise ValidationError(f"calibrate wrote a scenario the loader refuses: {exc}") from exc
    return Calibration(scenario, toml, cl.source, len(cl), interval, profile, days, cl.day0,
                       cl.start_day, qcals, rates, staffing, shares, float(gap), cl.ignored)


def _rates(cl: CallLog, day: np.ndarray, observed: np.ndarray, days: tuple[int, ...], interval: float,
           profile: str) -> dict[tuple[str, int], tuple[float, ...]]:
    """Arrivals per hour of each (queue, priority) stream per interval of the profile."""
    slots = int(round(DAY / interval))
    slot = np.floor((cl.arrival - day * DAY) / interval).astype(np.int64)
    weekday = (cl.start_day + day) % 7
    per = 3600.0 / interval
    out = {}
    for key in sorted(set(zip(cl.queue, cl.priority.tolist(), strict=True)), key=lambda k: (k[0], -k[1])):
        mask = np.array([q == key[0] for q in cl.queue]) & (cl.priority == key[1])
        counts = np.zeros((7, slots))
        np.add.at(counts, (weekday[mask], slot[mask]), 1.0)
        if profile == "week":
            n = np.array(days, dtype=float)[:, None]
            r = np.divide(counts, n, out=np.zeros_like(counts), where=n > 0).ravel()
        else:
            r = counts.sum(axis=0) / len(observed)
        out[key] = tuple(float(x) * per for x in r)
    return out


def _queue_fits(cl: CallLog, queues: list[str], qarr: np.ndarray, handle: str | None,
                patience: str | None, min_calls: int) -> tuple[QueueCalibration, ...]:
    answered = ~cl.abandoned
    h = cl.handle
    everyone = np.ones(len(cl), dtype=bool)
    pooled: dict[str, Any] = {}

    def handle_fit(mask: np.ndarray, q: str) -> FitChoice:
        x = h[mask & answered]
        try:
            return choose(x[x > 0], family=handle)
        except ValidationError as exc:
            raise ValidationError(f"{cl.source}: handle time of {q}: {exc}") from None

    def patience_fit(mask: np.ndarray, q: str) -> tuple[FitChoice, KaplanMeier]:
        w, ab = cl.wait[mask], cl.abandoned[mask]
        km = kaplan_meier(w, ab)
        try:
            return choose(np.maximum(w[ab], ZERO_EVENT), w[~ab], family=patience, km=km), km
        except ValidationError as exc:
            raise ValidationError(f"{cl.source}: patience in {q}: {exc}") from None

    if not np.any(h[answered] > 0):
        raise ValidationError(f"{cl.source}: every answered call has a handle time of 0 "
                              "(service_end = service_start): no handle time can be fitted")
    out = []
    for q in queues:
        mask = qarr == q
        ans, ab = int(np.sum(mask & answered)), int(np.sum(mask & cl.abandoned))
        positive = int(np.sum(h[mask & answered] > 0))
        h_pooled = positive < min_calls
        if h_pooled and "handle" not in pooled:
            pooled["handle"] = handle_fit(everyone, "all queues")
        hf = pooled["handle"] if h_pooled else handle_fit(mask, f"queue {q!r}")
        pf, km, p_pooled = None, None, False
        if patience != "none":
            p_pooled = ab < min_calls
            if p_pooled and "patience" not in pooled:
                pooled["patience"] = patience_fit(everyone, "all queues")
            pf, km = pooled["patience"] if p_pooled else patience_fit(mask, f"queue {q!r}")
        wrap, wrap_n = None, 0
        if cl.wrap_up is not None:
            wv = cl.wrap_up[mask & answered]
            wv = wv[np.isfinite(wv)]
            wrap_n = int(wv.size)
            wrap = float(wv.mean()) if wv.size else 0.0
        out.append(QueueCalibration(q, int(mask.sum()), ans, ab, hf, h_pooled, ans - positive, pf, p_pooled,
                                    km, wrap, wrap_n))
    return tuple(out)


def _sessions(starts: np.ndarray, ends: np.ndarray, gap: float) -> list[tuple[float, float]]:
    """Stretches of presence: services sorted by start, a new stretch where a service starts
    more than ``gap`` after every earlier one has ended."""
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] - np.maximum.accumulate(e)[:-1] > gap
    first = np.flatnonzero(new)
    return list(zip(s[first].tolist(), np.maximum.reduceat(e, first).tolist(), strict=True))


def _agents(cl: CallLog, observed: np.ndarray, days: tuple[int, ...], interval: float, profile: str,
            gap: float, skill_share: float) -> tuple[tuple[int, ...], tuple[AgentShare, ...], list[Any]]:
    """Agents present per interval (rounded, split among skill groups) and the groups as shifts.

    An agent is present from a service's start to its end (plus wrap-up when the log has it)
    and between two services less than ``gap`` apart; the presence of a (day, interval) is
    the agents' present time in it / its length, averaged over the days of the log (per
    weekday for a weekly profile)."""
    slots = int(round(DAY / interval))
    served: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(cl.agent):
        if a is not None:
            served[a].append(i)
    wrap = np.nan_to_num(cl.wrap_up, nan=0.0) if cl.wrap_up is not None else np.zeros(len(cl))
    ndays = int(max(np.nanmax(cl.service_end), cl.arrival.max()) // DAY) + 2
    sig_presence: dict[tuple[str, ...], np.ndarray] = defaultdict(lambda: np.zeros((ndays, slots)))
    sig_agents: dict[tuple[str, ...], int] = defaultdict(int)
    for agent in sorted(served):
        idx = served[agent]
        counts: dict[str, int] = defaultdict(int)
        for i in idx:
            counts[cl.queue[i]] += 1
        sig = tuple(sorted(q for q, n in counts.items() if n >= skill_share * len(idx)))
        sig_agents[sig] += 1
        pres = sig_presence[sig]
        starts = cl.service_start[idx]
        ends = np.maximum(cl.service_end[idx] + wrap[idx], starts + 1.0)
        for s, e in _sessions(starts, ends, gap):
            for b in range(int(s // interval), int(math.ceil(e / interval))):
                d, k = divmod(b, slots)
                if 0 <= d < ndays:
                    pres[d, k] += (min(e, (b + 1) * interval) - max(s, b * interval)) / interval
    keep = np.zeros(ndays, dtype=bool)
    keep[observed[observed < ndays]] = True
    weekday = (cl.start_day + np.arange(ndays)) % 7
    sigs = sorted(sig_presence, key=lambda s: (-sig_agents[s], s))
    means = {}
    for sig in sigs:
        pres = sig_presence[sig]
        if profile == "week":
            m = np.zeros((7, slots))
            for w in range(7):
                if days[w]:
                    m[w] = pres[keep & (weekday == w)].sum(axis=0) / days[w]
        else:
            m = pres[keep].sum(axis=0, keepdims=True) / int(keep.sum())
        means[sig] = m
    total = sum(means.values())
    staff = np.rint(total).astype(np.int64)
    alloc = {sig: np.zeros_like(staff) for sig in sigs}
    for cell in zip(*np.nonzero(staff), strict=True):
        share = np.array([means[s][cell] for s in sigs]) * staff[cell] / total[cell]
        base = np.floor(share).astype(np.int64)
        rest = staff[cell] - base.sum()
        order = sorted(range(len(sigs)), key=lambda j: (-(share[j] - base[j]), j))
        for j in order[:rest]:
            base[j] += 1
        for j, s in enumerate(sigs):
            alloc[s][cell] = base[j]
    if not staff.any():
        raise ValidationError(
            f"{cl.source}: the agents' services add up to less than half an agent in every interval "
            f"of {interval:g} s ({len(served)} agents, {sum(len(v) for v in served.values())} answered "
            "calls): no agent to write; a log for calibration needs the answered calls of whole "
            "days, or a shorter interval")
    groups = []
    for sig in sigs:
        c = alloc[sig]
        levels = []
        for k in range(1, int(c.max(initial=0)) + 1):
            levels.append(_shifts(c >= k, interval, profile))
        k = 0
        while k < len(levels):
            n = 1
            while k + n < len(levels) and levels[k + n] == levels[k]:
                n += 1
            groups.append((sig, k + 1, n, levels[k]))
            k += n
    shares = tuple(AgentShare(sig, sig_agents[sig], float(means[sig].sum() / means[sig].size)) for sig in sigs)
    return tuple(int(x) for x in staff.ravel()), shares, groups


def _shifts(on: np.ndarray, interval: float, profile: str) -> list[tuple[float, float, tuple[int, ...] | None]]:
    """Contiguous runs of ``on`` per day row as shifts (start, end, weekdays), runs with the
    same clock times merged across days."""
    runs: dict[tuple[float, float], list[int]] = defaultdict(list)
    for w, row in enumerate(on):
        k = 0
        while k < row.size:
            if row[k]:
                k0 = k
                while k < row.size and row[k]:
                    k += 1
                runs[(k0 * interval, k * interval)].append(w)
            else:
                k += 1
    return [(s, e, tuple(ws) if profile == "week" else None) for (s, e), ws in sorted(runs.items())]


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _num(x: float) -> str:
    return f"{x:.6g}" if abs(x) < 1e15 else f"{x:.6e}"


def _clock(t: float) -> str:
    t = int(round(t))
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}"


def _dist(f: FitChoice) -> str:
    c = f.chosen
    if c.family == "deterministic":
        return f'{{ dist = "deterministic", value = {_num(c.mean)} }}'
    extra = "" if c.family == "exponential" else f", cv = {_num(c.cv)}"
    return f'{{ dist = "{c.family}", mean = {_num(c.mean)}{extra} }}'


def _toml(cl: CallLog, name: str | None, profile: str, interval: float, contact: str, queues: list[str],
          qcals: tuple[QueueCalibration, ...], rates: Mapping[tuple[str, int], tuple[float, ...]],
          groups: list[Any]) -> str:
    minutes = int(interval // 60)
    iv = f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
    span = f"from {cl.day0}" if cl.day0 is not None else "with times in seconds"
    lines = [f"# Calibrated by omniroute calibrate from {cl.source} ({len(cl)} calls, {span});",
             "# see the calibration summary for the fits, their AIC and sample sizes.",
             f"name = {_str(name or f'calibrated from {Path(cl.source).name}')}",
             f'horizon = "{"7d" if profile == "week" else "1d"}"',
             f'interval = "{iv}"', 'start_day = "mon"',
             'start = "00:00"          # Monday midnight: the profiles and shifts below are on this clock',
             "replications = 10", "",
             "[routing]", 'agent = "longest-idle"', f"contact = {_str(contact)}", ""]
    for q in queues:
        lines += ["[[queues]]", f"name = {_str(q)}", f"needs = {{ {_key(q)} = 1 }}", ""]
    for sig, level, count, shifts in groups:
        label = "+".join(sig)
        lines += ["[[agents]]", 'team = "agents"', f"prefix = {_str(f'{label}-{level}')}", f"count = {count}",
                  "skills = { " + ", ".join(f"{_key(s)} = 1" for s in sig) + " }", "shifts = ["]
        for s, e, ws in shifts:
            d = "" if ws is None else ", days = [" + ", ".join(f'"{_DAYS[w]}"' for w in ws) + "]"
            lines.append(f'  {{ start = "{_clock(s)}", end = "{_clock(e)}"{d} }},')
        lines += ["]", ""]
    byq = {c.queue: c for c in qcals}
    for (q, prio), r in rates.items():
        c = byq[q]
        lines += ["[[demand]]", f"name = {_str(f'{q} priority {prio}')}", f"queue = {_str(q)}",
                  f"priority = {prio}", f"handle = {_dist(c.handle)}"]
        if c.patience is not None:
            lines.append(f"patience = {_dist(c.patience)}")
        lines.append(f"wrap_up = {_num(c.wrap_up or 0.0)}")
        lines += ["[demand.arrivals]", f'interval = "{iv}"', "per_hour = ["]
        per_line = int(round(DAY / interval))
        per_line = per_line if per_line <= 24 else 24
        for k in range(0, len(r), per_line):
            lines.append("  " + ", ".join(f"{x:.4g}" for x in r[k:k + per_line]) + ",")
        lines += ["]", ""]
    return "\n".join(lines)


def _fit_rows(f: FitChoice, dist_name: str) -> list[str]:
    out = [f"    {'family':<13}{'mean (s)':>10}{'cv':>8}{'log L':>14}{'AIC':>14}{dist_name:>10}"]
    for x in f.fits:
        mark = "*" if x is f.chosen else " "
        note = f"  (not usable: {x.problem})" if x.problem else ""
        out.append(f"  {mark} {x.family:<13}{x.mean:>10.1f}{x.cv:>8.3f}{x.loglik:>14.1f}{x.aic:>14.1f}"
                   f"{x.distance:>10.4f}{note}")
    return out


def _summary(c: Calibration) -> str:
    n_ab = sum(q.abandoned for q in c.queues)
    n_ans = sum(q.answered for q in c.queues)
    ndays = sum(c.days)
    iv = f"{c.interval / 60:g} min"
    out = [f"Calibrated from {c.source}: {c.calls} calls ({n_ans} answered, {n_ab} abandoned) on {ndays} days"
           + (f" from {c.day0}" if c.day0 is not None else "")]
    out.append("  days of each weekday in the log: "
               + ", ".join(f"{_DAYS[w]} {c.days[w]}" for w in range(7)))
    if c.ignored:
        out.append(f"  columns ignored: {', '.join(c.ignored)}")
    out += ["", f"Arrivals: {'a weekly' if c.profile == 'week' else 'a daily'} profile of {iv} intervals "
            "(calls in the interval / days of " + ("that weekday" if c.profile == "week" else "the log")
            + " in the log; Poisson in the scenario)"]
    out.append(f"    {'queue':<16}{'priority':>9}{'calls/day':>11}{'peak/h':>9}  peak at")
    slots = int(round(DAY / c.interval))
    for (q, p), r in c.rates.items():
        arr = np.array(r)
        k = int(arr.argmax())
        when = (f"{_DAYS[k // slots]} " if c.profile == "week" else "") + _clock(k % slots * c.interval)
        per_day = arr.sum() * c.interval / 3600 / (7 - c.days.count(0) if c.profile == "week" else 1)
        out.append(f"    {q:<16}{p:>9}{per_day:>11.1f}{arr.max():>9.1f}  {when}")
    out += ["", "Handle time per queue: exponential, lognormal and gamma fitted by maximum likelihood; "
            "* = lowest AIC, written into the scenario (KS: Kolmogorov-Smirnov distance)"]
    for q in c.queues:
        head = f"  {q.queue}: {q.answered} answered"
        if q.zero_handles:
            head += f", {q.zero_handles} with a handle time of 0 left out"
        if q.handle_pooled:
            head += f"; fewer than the minimum with handle > 0: the fit over all queues ({q.handle.chosen.n} calls)"
        else:
            head += f"; fitted on {q.handle.chosen.n}"
        out += [head, *_fit_rows(q.handle, "KS")]
    out += ["", "Patience per queue (Brown et al. 2005): an abandoner's wait is their patience, a served "
            "caller's wait a lower bound (censored). Kaplan-Meier, and the three families fitted by "
            "censored maximum likelihood; * = lowest AIC, written into the scenario (KM gap: largest "
            "|S_KM - S_fit| where >= 1% are at risk). The exponential's mean is total wait / abandonments, "
            "what Erlang A assumes."]
    for q in c.queues:
        if q.patience is None or q.km is None:
            out.append(f"  {q.queue}: patience not estimated (patience 'none': nobody abandons in the scenario)")
            continue
        km = q.km
        med = f"{km.median:.0f} s" if km.median is not None else f"not reached (S = {km.survival[-1]:.2f} at the end)"
        head = f"  {q.queue}: {q.abandoned} abandoned, {q.answered} served (censored)"
        if q.patience_pooled:
            head += f"; fewer abandonments than the minimum: the fit over all queues ({km.n} calls, " \
                    f"{int(km.events.sum())} abandoned)"
        out.append(head)
        out.append(f"    Kaplan-Meier: S(30 s) = {float(km(30.0)):.3f}, S(60 s) = {float(km(60.0)):.3f}, "
                   f"S(120 s) = {float(km(120.0)):.3f}, median {med}, mean up to {km.last:.0f} s = "
                   f"{km.restricted_mean():.0f} s")
        out += _fit_rows(q.patience, "KM gap")
    out += [""]
    if all(q.wrap_up is None for q in c.queues):
        out.append("Wrap-up: the log has no wrap_up column: 0 s in the scenario")
    else:
        out.append("Wrap-up (mean of the answered calls' wrap_up): " + ", ".join(
            f"{q.queue} {q.wrap_up:.1f} s (n={q.wrap_up_n})" for q in c.queues))
    staff = np.array(c.staffing)
    k = int(staff.argmax())
    when = (f"{_DAYS[k // slots]} " if c.profile == "week" else "") + _clock(k % slots * c.interval)
    out += ["", f"Agents: present from a service's start to its end (plus wrap-up) and between services "
            f"less than {c.gap:g} s apart; agents per {iv} interval = present agent-time / interval, "
            f"mean over the days, rounded; peak {staff.max()} at {when}, {staff.sum() * c.interval / 3600:.0f} "
            f"agent-hours a {'week' if c.profile == 'week' else 'day'}",
            "  skill groups (who served which queue):"]
    for s in c.skill_groups:
        plural = "s" if s.agents != 1 else " "
        out.append(f"    {'+'.join(s.skills):<30} {s.agents:>3} agent{plural}, mean present {s.mean_present:.2f}")
    return "\n".join(out)
