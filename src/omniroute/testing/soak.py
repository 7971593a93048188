"""A long soak: the fast router against the independent oracle, and its memory over time.

Run it outside the test suite (it takes minutes)::

    python -m omniroute.testing.soak --events 10000 --seeds 100 --memory-events 3000000 \\
        --write benchmarks/RESULTS.md

Agreement: for each seed, a fresh :class:`~omniroute.Router` and
:class:`~omniroute.testing.IndependentRouter` get the same random stream of ``--events``
calls — agents joining, leaving and changing presence, submits (bursts at one instant
too, custom and conflicting channels, preferred lists naming unknown agents), completes
with wrap-ups, abandons, decline storms, transfers, ticks, numpy-typed times and bad values
that both must refuse — under a policy pair drawn per seed.  Every call's assignments must
agree (scores aside), :func:`~omniroute.testing.check_router` (work conservation included)
holds after every call, and :func:`~omniroute.testing.check_assignments` (no priority
inversion included) after every call that assigns.

Memory: one fast router alone gets ``--memory-events`` calls of the same kind of stream at
a steady load; every 100,000 calls it samples the process's resident memory and the
router's own containers (index entries, timers, live contacts).  The slope over the second
half, per million calls, should be about zero.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

from .. import ACCELERATED
from .. import policies as pol
from ..agents import Agent
from ..channels import CHAT, EMAIL, VOICE, Channel
from ..contacts import Contact
from ..errors import OmnirouteError
from ..queues import Overflow, Queue, Step
from ..router import Router
from .independent import IndependentRouter
from .invariants import check_assignments, check_router

__all__ = ["Driver", "agreement", "memory", "main"]

SKILLS = [f"s{i}" for i in range(8)]
WHATSAPP = Channel("whatsapp", realtime=True, exclusive=False)
CONFLICTING = Channel("whatsapp", realtime=False, exclusive=True)
CHANNELS = [VOICE, CHAT, EMAIL, WHATSAPP]

AGENT_POLICIES = {
    "longest-idle": pol.LongestIdle, "least-occupied": pol.LeastOccupied,
    "most-skilled": pol.MostSkilled, "best-fit": pol.BestFit, "round-robin": pol.RoundRobin,
    "fewest-handled": pol.FewestHandled, "random": lambda: pol.Random(11),
    "preferred+longest-idle": lambda: pol.PreferredAgent(pol.LongestIdle(), hold=8.0),
    "tier-first+random": lambda: pol.TierFirst(pol.Random(13)),
    "tier-first+linear": lambda: pol.TierFirst(pol.Linear(["a5", "a1", "a9", "a0"])),
    "weighted-random": lambda: pol.WeightedRandom({"a2": 3.0, "a4": 1.0, "a7": 0.5}, default=2.0, seed=11),
}
CONTACT_POLICIES = {
    "priority-fifo": pol.PriorityFIFO, "head-start": lambda: pol.HeadStart(20.0),
    "weighted-aging": lambda: pol.WeightedAging({"q1": 2.0}, seconds=5.0),
    "earliest-deadline": pol.EarliestDeadline, "fifo": pol.FIFO,
    "realtime-first": lambda: pol.RealtimeFirst(pol.PriorityFIFO()),
    "cmu": lambda: pol.CMu({"q0": 3.0, "q2": 0.5}, {"q0": 0.2, "q1": 0.6}),
    "gcmu": lambda: pol.GeneralizedCMu({"q1": 2.0}, {"q2": 0.3}, {"q0": 1.0, "q1": 2.5}),
}


def queues() -> list[Queue]:
    """Three queues whose steps fall due at equal offsets (so timers coincide)."""
    return [
        Queue("q0", steps=[Step(10.0, lower=1)], forget_declines=15.0),
        Queue("q1", max_tier=1, priority=2, steps=[Step(10.0, max_tier=3), Step(20.0, drop=("s0",))],
              segment_steps={"vip": (Step(0.0, min_tier=2), Step(10.0, min_tier=1))}),
        Queue("q2", min_tier=2, priority=1, overflow=Overflow(20.0, "q0", needs={"s1": 1})),
    ]


class Driver:
    """Random calls on one or more routers at once, with the bookkeeping to make them valid.

    ``routers[0]`` leads: its answers decide what the stream does next.  ``step()`` makes one
    call (a burst: several) on every router; ``log`` collects, per call, its name and each
    router's answer (a list of assignments, or the error class when refused).
    """

    def __init__(self, routers: list, seed: int, n_agents: int = 30, max_waiting: int = 60) -> None:
        self.routers = routers
        self.max_waiting = max_waiting
        self.rng = np.random.default_rng(seed)
        self.n_agents = n_agents
        self.now = 0.0
        self.n = 0
        self.assigned: list[str] = []
        self.waiting: set[str] = set()
        self.log: list[tuple[str, list]] = []
        rng = self.rng
        for i in range(n_agents):
            k = int(rng.integers(1, 5))
            skills = {SKILLS[j]: int(rng.integers(1, 6)) for j in rng.choice(8, size=k, replace=False)}
            cap = {VOICE: 1, CHAT: int(rng.integers(0, 4)), EMAIL: int(rng.integers(0, 3))}
            if rng.random() < 0.3:
                cap[WHATSAPP] = int(rng.integers(1, 3))
            agent = Agent(f"a{i}", skills=skills, tier=int(rng.integers(1, 4)), capacity=cap)
            self.call("add_agent", agent, 0.0)
            if i % 4:
                self.call("set_available", agent.id, 0.0)

    def call(self, method: str, *args: object, **kw: object) -> list:
        out: list = []
        for r in self.routers:
            try:
                out.append(getattr(r, method)(*args, **kw))
            except OmnirouteError as exc:
                out.append(type(exc))
        lead = out[0]
        if isinstance(lead, list):
            for x in lead:
                self.assigned.append(x.contact_id)
                self.waiting.discard(x.contact_id)
        self.log.append((method, out))
        return out

    def contact(self) -> Contact:
        rng = self.rng
        self.n += 1
        k = int(rng.integers(0, 4))
        needs = {SKILLS[j]: int(rng.integers(1, 4)) for j in rng.choice(8, size=k, replace=False)}
        pool = [f"a{j}" for j in range(self.n_agents)] + ["ghost"]
        preferred = tuple(rng.choice(pool, size=int(rng.integers(0, 3)), replace=False).tolist())
        channel = CHANNELS[int(rng.integers(len(CHANNELS)))] if rng.random() > 0.01 else CONFLICTING
        return Contact(f"c{self.n}", channel=channel, queue=f"q{int(rng.integers(0, 3))}", needs=needs,
                       priority=int(rng.integers(0, 3)), preferred_agents=preferred,
                       segment="vip" if rng.random() < 0.2 else None)

    def submit(self, now: object) -> None:
        c = self.contact()
        out = self.call("submit", c, now)
        if isinstance(out[0], list) and c.id not in self.assigned:
            self.waiting.add(c.id)

    def step(self) -> None:
        """One random call (or a burst of submits at one instant) on every router."""
        rng = self.rng
        if len(self.waiting) > self.max_waiting:  # customers give up: a stationary stream
            cid = sorted(self.waiting)[int(rng.integers(len(self.waiting)))]
            self.waiting.discard(cid)
            self.call("abandon", cid, self.now)
            return
        gap = float(rng.exponential(0.6)) if rng.random() < 0.9 else 0.0  # same instant: ties
        self.now += gap
        now: object = self.now
        if rng.random() < 0.1:  # callers pass numpy numbers too
            now = np.float64(self.now)
        u = rng.random()
        if u < 0.25:
            self.call("tick", now)
        elif u < 0.55:
            burst = int(rng.integers(2, 6)) if rng.random() < 0.1 else 1  # several at one instant
            for _ in range(burst):
                self.submit(now)
        elif u < 0.75 and self.assigned:
            cid = self.assigned.pop(int(rng.integers(len(self.assigned))))
            self.call("complete", cid, now, wrap_up=float(rng.choice([0.0, 0.0, 2.0, 10.0])))
        elif u < 0.78 and self.waiting:
            cid = sorted(self.waiting)[int(rng.integers(len(self.waiting)))]
            self.waiting.discard(cid)
            self.call("abandon", cid, now)
        elif u < 0.84 and self.assigned:
            cid = self.assigned.pop(int(rng.integers(len(self.assigned))))
            self.waiting.add(cid)
            self.call("decline", cid, now, away="missed" if rng.random() < 0.2 else None)
        elif u < 0.87 and (self.assigned or self.waiting):
            pool = self.assigned + sorted(self.waiting)
            cid = pool[int(rng.integers(len(pool)))]
            if cid in self.assigned:
                self.assigned.remove(cid)
            self.waiting.add(cid)
            needs = None if rng.random() < 0.5 else {SKILLS[int(rng.integers(8))]: int(rng.integers(1, 4))}
            self.call("transfer", cid, now, queue=f"q{int(rng.integers(0, 3))}",
                      needs=needs, wrap_up=float(rng.choice([0.0, 4.0])))
        elif u < 0.88:  # bad values: refused, and nothing changes (the oracle validates nothing)
            bad = [10**400, math.nan, -1.0, np.int64(-5)][int(rng.integers(4))]
            for r in self.routers:
                if isinstance(r, Router):
                    before = (r.now, r.next_wakeup(), len(r._contacts))
                    try:
                        r.tick(bad)
                    except OmnirouteError:
                        assert before == (r.now, r.next_wakeup(), len(r._contacts)), "refused tick changed state"
                    else:
                        raise AssertionError(f"tick({bad!r}) accepted")
        else:
            aid = f"a{int(rng.integers(self.n_agents))}"
            what = str(rng.choice(["set_away", "set_available", "set_available", "logout"]))
            self.call(what, aid, now)


def _facts(xs: object) -> object:
    if not isinstance(xs, list):
        return xs
    return [(x.contact_id, x.agent_id, float(x.time), x.queue, float(x.waited), x.reason._replace(score=None))
            for x in xs]


def agreement(seed: int, events: int) -> dict:
    """One seed: fast router vs independent oracle on ``events`` calls."""
    names = sorted(AGENT_POLICIES), sorted(CONTACT_POLICIES)
    ap = names[0][seed % len(names[0])]
    cp = names[1][(seed // len(names[0])) % len(names[1])]
    routers = [cls(queues(), agent_policy=AGENT_POLICIES[ap](), contact_policy=CONTACT_POLICIES[cp]())
               for cls in (Router, IndependentRouter)]
    fast = routers[0]
    d = Driver(routers, seed)
    assigned = 0
    d.log.clear()
    for i in range(events):
        before = {**dict.fromkeys(d.waiting, "waiting"), **dict.fromkeys(d.assigned, "assigned")}
        d.step()
        for name, (got, want) in d.log:
            if _facts(got) != _facts(want):
                raise AssertionError(f"seed {seed} ({ap}, {cp}) call {i} {name}: fast {got} != oracle {want}")
            if isinstance(got, list) and got:
                assigned += len(got)
                if len(d.log) == 1:  # a burst's submits are checked as a whole by check_router
                    check_assignments(fast, got, before, fast.now,
                                      ordered=name != "tick" or fast._tick_instants <= 1)
        d.log.clear()
        check_router(fast)
        if i % 200 == 0:
            assert fast.waiting() == routers[1].waiting(), f"seed {seed} call {i}: waiting views differ"
            assert fast.agents() == routers[1].agents(), f"seed {seed} call {i}: agent views differ"
            assert fast.next_wakeup() == routers[1].next_wakeup(), f"seed {seed} call {i}: wake-ups differ"
    return {"seed": seed, "agent": ap, "contact": cp, "events": events, "assignments": assigned}


class _Discard(list):
    """A log that keeps nothing (the memory run does not compare answers)."""

    def append(self, item: object) -> None:
        pass


def _rss() -> int:
    """Resident memory of this process, in bytes (Linux), or 0 when unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def _entries(r: Router) -> int:
    idx = r._agent_index
    n = 0
    for b in idx._buckets.values():
        n += sum(len(q) for q in b) if idx._fifo else len(b)
    return n


def memory(events: int, seed: int = 1, every: int = 100_000,
           policy: str = "longest-idle") -> list[dict]:
    """Drive one fast router for ``events`` calls; sample memory every ``every`` calls."""
    r = Router(queues(), agent_policy=AGENT_POLICIES[policy](), contact_policy=pol.PriorityFIFO())
    d = Driver([r], seed, n_agents=200, max_waiting=400)
    d.log = _Discard()
    samples = []
    t0 = time.perf_counter()
    for i in range(1, events + 1):
        d.step()
        # A moderate load (agents often free, so the index is busy): complete often.
        if d.assigned and d.rng.random() < 0.5:
            cid = d.assigned.pop(int(d.rng.integers(len(d.assigned))))
            d.call("complete", cid, d.now, wrap_up=float(d.rng.choice([0.0, 3.0])))
        if i % every == 0:
            gc.collect()
            samples.append({"events": i, "rss": _rss(), "index_entries": _entries(r),
                            "timers": len(r._timers), "live_contacts": len(r._contacts),
                            "seconds": time.perf_counter() - t0})
    return samples


def slope(samples: list[dict], key: str) -> float:
    """Least-squares slope of ``key`` per million events over the second half of the samples."""
    half = samples[len(samples) // 2:] if len(samples) >= 4 else samples
    if len(half) < 2:
        return float("nan")
    x = np.array([s["events"] for s in half], dtype=float)
    y = np.array([s[key] for s in half], dtype=float)
    return float(np.polyfit(x, y, 1)[0] * 1e6)


def report(command: str, runs: list[dict], seconds: float, samples: list[dict], mem_seconds: float) -> str:
    total = sum(r["events"] for r in runs)
    lines = [
        "## Soak",
        "",
        f"Command: `{command}` (Python {platform.python_version()}, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}; the {'compiled' if ACCELERATED else 'pure-Python'} build of the core; "
        "run it with `OMNIROUTE_PURE_PYTHON=1` for the other)",
        "",
    ]
    if runs:
        pairs = sorted({(r["agent"], r["contact"]) for r in runs})
        lines += [
            f"Agreement: {total:,} calls over {len(runs)} seeds ({len(pairs)} agent/contact policy pairs), "
            f"{sum(r['assignments'] for r in runs):,} assignments, fast router against "
            f"`IndependentRouter`, `check_router` after every call: **0 disagreements, 0 invariant "
            f"violations** ({seconds:,.0f} s).",
            "",
        ]
    if samples:
        lines += [
            f"Memory: one router, 200 agents, {samples[-1]['events']:,} calls "
            f"({mem_seconds:,.0f} s), sampled every {samples[0]['events']:,}:",
            "",
            "| calls | resident MB | index entries | timers | live contacts |",
            "|---:|---:|---:|---:|---:|",
        ]
        for s in samples:
            lines.append(f"| {s['events']:,} | {s['rss'] / 2**20:.1f} | {s['index_entries']:,} | "
                         f"{s['timers']:,} | {s['live_contacts']:,} |")
        rss = slope(samples, "rss") / 2**20
        ent = slope(samples, "index_entries")
        # Index entries follow a sawtooth (filed, then swept): compare the peaks of the halves.
        k = len(samples) // 2
        first = max(x["index_entries"] for x in samples[:k]) if k else 0
        second = max(x["index_entries"] for x in samples[k:])
        verdict = ("too few samples" if math.isnan(rss) else
                   "flat" if abs(rss) < 1.0 and second <= 1.5 * first + 1000 else "growing")
        lines += ["", f"Slope over the second half, per million calls: resident memory {rss:+.2f} MB, "
                      f"index entries {ent:+,.0f}; largest index in the first half {first:,}, "
                      f"in the second {second:,}: **{verdict}**."]
    return "\n".join(lines) + "\n"


def write_section(path: Path, body: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    pat = re.compile(r"^## Soak\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(body + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + body
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m omniroute.testing.soak", description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000, help="calls per seed (agreement)")
    ap.add_argument("--seeds", type=int, default=100, help="seeds (agreement)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--memory-events", type=int, default=0, help="calls of the memory run (0: none)")
    ap.add_argument("--write", type=Path, default=None, help="update the '## Soak' section of this file")
    args = ap.parse_args(argv)
    runs = []
    t0 = time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        runs.append(agreement(seed, args.events))
        print(f"seed {seed}: {runs[-1]['agent']} / {runs[-1]['contact']}: "
              f"{args.events} calls, {runs[-1]['assignments']} assignments, agree", flush=True)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    samples = memory(args.memory_events) if args.memory_events else []
    for s in samples:
        print(f"memory: {s['events']:,} calls, rss {s['rss'] / 2**20:.1f} MB, "
              f"index {s['index_entries']:,}, timers {s['timers']:,}", flush=True)
    command = "python -m omniroute.testing.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    body = report(command, runs, seconds, samples, time.perf_counter() - t1)
    print(body)
    if args.write is not None:
        write_section(args.write, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
