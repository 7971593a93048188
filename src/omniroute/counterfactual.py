"""The offline counterfactual: a journal's recorded traffic re-run under other policies.

:func:`rerun` reads a journal and drives a fresh router (same queues, the policies given)
with the *traffic* the journal recorded rather than its calls:

* agents' calls (add, remove, presence) happen at their recorded times; one the new router
  refuses (e.g. removing an agent who is busy there) is skipped and counted;
* contacts arrive at their recorded times;
* a contact's service keeps its recorded durations: each ``complete``, ``transfer`` or
  ``decline`` that ended one of its assignments happens the same number of seconds after
  the contact's matching assignment in the re-run (with the same wrap-up, target queue...);
* a recorded ``abandon`` happens at its recorded time if the contact still waits then in the
  re-run (patience as observed); a contact that was answered in the recording has no known
  patience and never abandons in the re-run;
* ``tick`` is called at the new router's own ``next_wakeup()``.

Figures per queue (the queue a contact was submitted to) compare the recording with the
re-run: offered, answered, abandoned, ASA, service level (answered within the queue's
threshold / offered) and the contacts whose first agent differs.
"""

from __future__ import annotations

import heapq
import itertools
import os
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import attrs

from .errors import OmnirouteError
from .journal import CALLS, Journal, JournalError, _apply, _decode, _router, open_journal
from .policies import AgentPolicy, ContactPolicy
from .router import Router

__all__ = ["QueueFigures", "Comparison", "rerun"]

_AGENT_CALLS = ("add_agent", "remove_agent", "set_available", "set_away", "logout")


@attrs.frozen
class QueueFigures:
    """One queue's figures: ``waits`` of answered contacts; ``within`` the SLA threshold."""

    offered: int
    answered: int
    abandoned: int
    asa: float
    service_level: float


@attrs.frozen
class Comparison:
    """The recording against the re-run, per queue; ``moved``: contacts whose first agent
    differs (or who were answered in one run only); ``skipped``: agent calls refused by the
    re-run's router; ``policies``: names (recorded, re-run)."""

    calls: int
    recorded: dict[str, QueueFigures]
    rerun: dict[str, QueueFigures]
    moved: int
    answered_both: int
    skipped: int
    policies: tuple[tuple[str, str], tuple[str, str]]

    def format(self, baseline: Comparison | None = None) -> str:
        """A table: each cell ``recorded -> re-run``; with ``baseline`` (the same traffic
        re-run under the recorded policies) ``recorded | baseline -> re-run``, so that the
        policy's own effect reads between the last two."""
        (ra, rc), (na, nc) = self.policies
        head = ["queue", "offered", "answered", "abandoned", "ASA (s)", "service level"]
        rows = []
        for q in sorted(self.recorded):
            a, b = self.recorded[q], self.rerun[q]
            m = baseline.rerun[q] if baseline is not None else None

            def cell(fmt: str, attr: str, a: QueueFigures = a, b: QueueFigures = b,
                     m: QueueFigures | None = m) -> str:
                mid = f" | {fmt.format(getattr(m, attr))}" if m is not None else ""
                return f"{fmt.format(getattr(a, attr))}{mid} -> {fmt.format(getattr(b, attr))}"

            rows.append([q, f"{a.offered}", cell("{}", "answered"), cell("{}", "abandoned"),
                         cell("{:.1f}", "asa"), cell("{:.1%}", "service_level")])
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        how = "recorded | re-run, recorded policies -> re-run" if baseline is not None else "recorded -> re-run"
        lines = [f"recorded: {ra} / {rc}   re-run: {na} / {nc}   ({self.calls} calls read; cells: {how})",
                 f"decisions: {self.answered_both} contacts answered in both runs, {self.moved} went to another "
                 f"agent or were answered in one run only; {self.skipped} agent calls skipped", "",
                 "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join(lines)


@attrs.define
class _Contact:
    contact: Any
    arrival: float
    ends: list[tuple[float, str, tuple[Any, ...]]] = attrs.field(factory=list)  # (after, call, args)
    abandon: float | None = None
    first: tuple[str, float] | None = None  # (agent, waited) at the first assignment
    last_assigned: float = 0.0


def _read(j: Journal, until: float | None) -> tuple[list[tuple[float, str, tuple[Any, ...]]], dict[str, _Contact], int]:
    agent_calls: list[tuple[float, str, tuple[Any, ...]]] = []
    contacts: dict[str, _Contact] = {}
    n = 0
    for rec in j.records():
        call, now = rec.get("call"), rec.get("now")
        if call not in CALLS or not isinstance(now, (int, float)):
            raise JournalError(f"{j.path}: record {rec['seq']} is malformed")
        if until is not None and now > until:
            break
        n += 1
        try:
            args = _decode(call, rec.get("args") or {}, f"{j.path}: record {rec['seq']}")
        except OmnirouteError as exc:
            raise JournalError(str(exc)) from None
        if call in _AGENT_CALLS:
            agent_calls.append((now, call, args))
        elif call == "submit":
            contacts[args[0].id] = _Contact(args[0], now)
        elif call in ("complete", "transfer", "decline") and args[0] in contacts:
            c = contacts[args[0]]
            c.ends.append((now - c.last_assigned, call, args))
        elif call == "abandon" and args[0] in contacts:
            contacts[args[0]].abandon = now
        for a in rec.get("out") or []:
            c = contacts.get(a["contact_id"])
            if c is not None:
                c.last_assigned = a["time"]
                if c.first is None:
                    c.first = (a["agent_id"], a["waited"])
    return agent_calls, contacts, n


def _figures(router: Router, contacts: dict[str, _Contact], first: dict[str, tuple[str, float]],
             abandoned: set[str]) -> dict[str, QueueFigures]:
    by: dict[str, list[str]] = defaultdict(list)
    for cid, c in contacts.items():
        by[c.contact.queue].append(cid)
    out = {}
    for q, ids in by.items():
        waits = [first[c][1] for c in ids if c in first]
        within = router.queues[q].sla.within
        out[q] = QueueFigures(offered=len(ids), answered=len(waits), abandoned=sum(c in abandoned for c in ids),
                              asa=sum(waits) / len(waits) if waits else 0.0,
                              service_level=sum(w <= within for w in waits) / len(ids))
    return out


def rerun(journal: str | os.PathLike[str] | Journal, *, agent_policy: AgentPolicy | None = None,
          contact_policy: ContactPolicy | None = None, until: float | None = None) -> Comparison:
    """Re-run ``journal``'s traffic under the given policies (default: the recorded ones)."""
    j = open_journal(journal, "r") if not isinstance(journal, Journal) else journal
    try:
        head = j.header()
        recorded_router = _router(head, j.path, None, None) if _builtin(head) else None
        router = _router(head, j.path, agent_policy, contact_policy)
        agent_calls, contacts, n = _read(j, until)
    finally:
        if not isinstance(journal, Journal):
            j.close()
    ref = recorded_router or router
    rec_first = {cid: c.first for cid, c in contacts.items() if c.first is not None}
    rec_abandoned = {cid for cid, c in contacts.items() if c.abandon is not None and c.first is None}

    seq = itertools.count()
    events: list[tuple[float, int, str, tuple[Any, ...]]] = []
    for now, call, args in agent_calls:
        heapq.heappush(events, (now, next(seq), call, args))
    for cid, c in contacts.items():
        heapq.heappush(events, (c.arrival, next(seq), "submit", (c.contact,)))
        if c.abandon is not None:
            heapq.heappush(events, (c.abandon, next(seq), "abandon", (cid,)))
    first: dict[str, tuple[str, float]] = {}
    served: dict[str, int] = defaultdict(int)  # assignments so far, per contact
    abandoned: set[str] = set()
    skipped = 0

    def record(assignments: list[Any], now: float) -> None:
        for a in assignments:
            c = contacts.get(a.contact_id)
            if c is None:
                continue
            first.setdefault(a.contact_id, (a.agent_id, a.waited))
            k = served[a.contact_id]
            served[a.contact_id] += 1
            if k < len(c.ends):  # its k-th service ends as recorded, after the same time
                after, call, args = c.ends[k]
                heapq.heappush(events, (now + after, next(seq), call, args))

    for now, call, args in _drain(events, router):
        if call == "abandon" and (args[0] not in contacts or _status(router, args[0]) != "waiting"):
            continue
        try:
            out = _apply(router, call, now, args)
        except OmnirouteError:
            skipped += call in _AGENT_CALLS
            continue
        if call == "abandon":
            abandoned.add(args[0])
        record(out, router.now)
    moved = sum(1 for cid in set(first) | set(rec_first)
                if (first.get(cid) or ("",))[0] != (rec_first.get(cid) or ("",))[0])
    names = ((ref.agent_policy.name, ref.contact_policy.name) if recorded_router else
             (str(head["agent_policy"].get("custom", "?")), str(head["contact_policy"].get("custom", "?"))))
    return Comparison(
        calls=n, recorded=_figures(ref, contacts, rec_first, rec_abandoned),
        rerun=_figures(router, contacts, first, abandoned), moved=moved,
        answered_both=len(set(first) & set(rec_first)), skipped=skipped,
        policies=(names, (router.agent_policy.name, router.contact_policy.name)))


def _builtin(head: dict[str, Any]) -> bool:
    return all("custom" not in (head.get(k) or {}) for k in ("agent_policy", "contact_policy"))


def _status(router: Router, cid: str) -> str | None:
    try:
        return router.status(cid)
    except OmnirouteError:
        return None


def _drain(events: list[tuple[float, int, str, tuple[Any, ...]]],
           router: Router) -> Iterator[tuple[float, str, tuple[Any, ...]]]:
    """The events in time order, with the router's own ticks slotted in when due."""
    while events:
        w = router.next_wakeup()
        if w is not None and w < events[0][0]:
            yield max(w, router.now), "tick", ()
            continue
        now, _, call, args = heapq.heappop(events)
        yield max(now, router.now), call, args
