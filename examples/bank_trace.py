"""A real bank's calls replayed: Anonymous Bank, Israel, January 1999 (Technion SEE Center).

The trace (``../shared/data/anonymous-bank-callcenter-1999/``, beside this repository; never
copied into it) records every call: arrival, priority, time in queue, outcome and the agent.
Here one working week (Sunday 3 to Thursday 7 January 1999; the Israeli weekend is Friday and
Saturday) is replayed through the router:

* **arrivals and service times as recorded**: each call that asked for an agent (served, or
  abandoned in the queue) arrives when it left the voice-response unit; a served call keeps its
  recorded service time; an abandoned call, had it been served, gets a service time drawn from
  that day's served calls;
* **staffing per hour inferred from the trace**: an agent is present from the start of a
  service to its end and between services less than 10 minutes apart; the agents of an hour
  are the present agent-hours in it, rounded (see ``staffing``); agent k works the hours of
  the day in which at least k agents were present;
* **patience estimated from the data**: exponential, by maximum likelihood with censoring: a
  served caller's time in queue is a lower bound of their patience, an abandoner's is their
  patience, so the rate is abandonments / total time waited by all queued callers (one rate
  per priority class);
* **the bank's rule**: high-priority callers (priority 2 in the file) get a 90 s head start
  (``head-start`` contact policy, priority 1 in the simulation).

Then the simulated mean wait and abandonment per hour of the day are printed beside the
recorded ones.  Without the data directory the example says so and exits normally.

Run: python examples/bank_trace.py
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

import omniroute as orr
from omniroute import reports, sim

DATA = Path(os.environ.get(
    "OMNIROUTE_BANK_DATA",
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "anonymous-bank-callcenter-1999",
))
DAYS = [dt.date(1999, 1, d) for d in (3, 4, 5, 6, 7)]  # Sunday 3 to Thursday 7 January 1999
REPLICATIONS = 5
SEED = 1999
GAP = 600.0  # seconds between two services of one agent that still count as present
DAY = 86400.0


def _secs(text: str) -> int:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def load_calls(path: Path, days: list[dt.date]) -> list[dict]:
    """The agent-requesting calls of ``days``: served by a named agent or abandoned in queue."""
    index = {d.strftime("%y%m%d"): i for i, d in enumerate(days)}
    calls = []
    with open(path, encoding="ascii", newline="") as fh:
        next(fh)
        for line in fh:
            f = line.rstrip("\r\n").split("\t")
            if len(f) != 17 or f[5] not in index:
                continue
            outcome, server = f[12], f[16]
            queued = f[9] != "0:00:00"
            served = outcome == "AGENT" and server != "NO_SERVER"
            if not (served or (outcome == "HANG" and queued)):
                continue
            day = index[f[5]]
            entry = _secs(f[6])
            start = _secs(f[9]) if queued else _secs(f[13])
            if start < entry - 3600:  # wrapped past midnight
                start += 86400
            ser_start = _secs(f[13]) if served else None
            if ser_start is not None and ser_start < entry - 3600:
                ser_start += 86400
            calls.append({
                "day": day, "t": day * DAY + start, "wait": int(f[11]) if queued else 0,
                "queued": queued, "served": served, "handle": int(f[15]) if served else None,
                "ser_start": None if ser_start is None else day * DAY + ser_start,
                "server": server, "high": f[3] == "2",
            })
    return calls


def patience_means(calls: list[dict]) -> dict[bool, float]:
    """Mean patience per class (high priority or not): total time waited / abandonments."""
    out = {}
    for high in (False, True):
        cls = [c for c in calls if c["queued"] and c["high"] == high]
        waited = sum(c["wait"] for c in cls)
        abandons = sum(1 for c in cls if not c["served"])
        out[high] = waited / abandons if abandons else math.inf
    return out


def staffing(calls: list[dict], ndays: int, gap: float = GAP) -> list[list[int]]:
    """Agents per (day, hour), from the agents' activity in the trace.

    An agent is present from the start of a service to its end and between two services less
    than ``gap`` apart (a session); the agents in an hour are the present agent-hours in it,
    rounded.  Counting every agent who served at least one call in the hour instead counts an
    agent who leaves at 10:05 and the one who replaces her both, for the whole hour: it
    finds 11-12 agents at peak for the bank's 8 positions, and waits far shorter than recorded.
    """
    sessions: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    for c in calls:
        if c["served"]:
            sessions[(c["day"], c["server"])].append((c["ser_start"], c["ser_start"] + max(c["handle"], 1)))
    present = [[0.0] * 24 for _ in range(ndays)]
    for spans in sessions.values():
        spans.sort()
        blocks = [list(spans[0])]
        for s, e in spans[1:]:
            if s - blocks[-1][1] <= gap:
                blocks[-1][1] = max(blocks[-1][1], e)
            else:
                blocks.append([s, e])
        for s, e in blocks:
            for hour in range(int(s // 3600), int((e - 1e-9) // 3600) + 1):
                d, h = divmod(hour, 24)
                if 0 <= d < ndays:
                    present[d][h] += (min(e, (hour + 1) * 3600) - max(s, hour * 3600)) / 3600
    return [[int(round(x)) for x in day] for day in present]


def agent_groups(per_hour: list[list[int]], start_day: int) -> list[sim.AgentGroup]:
    """Agent k works, each day, the hours in which at least k agents served."""
    top = max(max(day) for day in per_hour)
    groups = []
    for k in range(1, top + 1):
        shifts = []
        for d, counts in enumerate(per_hour):
            dow = (start_day + d) % 7
            h = 0
            while h < 24:
                if counts[h] >= k:
                    h0 = h
                    while h < 24 and counts[h] >= k:
                        h += 1
                    shifts.append(sim.Shift(h0 * 3600.0, h * 3600.0, days=(dow,)))
                else:
                    h += 1
        if shifts:
            groups.append(sim.AgentGroup(1, skills={"calls": 1}, team="agents", shifts=shifts,
                                         prefix=f"agent{k}"))
    return groups


def build(calls: list[dict], groups: list[sim.AgentGroup], patience: dict[bool, float],
          rng: np.random.Generator) -> sim.Scenario:
    served_by_day = defaultdict(list)
    for c in calls:
        if c["served"]:
            served_by_day[c["day"]].append(max(c["handle"], 1))
    records = []
    for c in calls:
        handle = c["handle"] if c["served"] else float(rng.choice(served_by_day[c["day"]]))
        mean = patience[c["high"]]
        records.append(sim.TraceRecord(c["t"], "calls", float(max(handle, 1)),
                                       patience=float(rng.exponential(mean)) if math.isfinite(mean) else None,
                                       priority=1 if c["high"] else 0,
                                       segment="high priority" if c["high"] else "regular"))
    queue = sim.QueueSpec(orr.Queue("calls", sla=orr.ServiceLevel(0.8, 20.0)), needs={"calls": 1})
    return sim.Scenario(queues=[queue], agents=groups, demand=[sim.Trace(records)],
                        horizon=len(DAYS) * DAY, name="Anonymous Bank, 3-7 January 1999, replayed",
                        interval=3600.0, start_day=DAYS[0].weekday(),
                        routing=sim.Routing(contact="head-start"))


def main() -> None:
    path = DATA / "january.txt"
    if not path.is_file():
        print(f"bank_trace: data not found at {path}; skipping (clone the shared data beside "
              "the repository, or set OMNIROUTE_BANK_DATA)")
        return
    calls = load_calls(path, DAYS)
    patience = patience_means(calls)
    per_hour = staffing(calls, len(DAYS))
    groups = agent_groups(per_hour, DAYS[0].weekday())
    print(f"{len(calls)} agent-requesting calls on {len(DAYS)} days; up to {len(groups)} agents an hour; "
          f"estimated mean patience: regular {patience[False]:.0f} s, high priority {patience[True]:.0f} s")
    root = np.random.SeedSequence(SEED)
    runs = []
    for child in sim.seeds(SEED, REPLICATIONS):
        rng = np.random.Generator(np.random.PCG64(root.spawn(1)[0]))
        runs.append(sim.run(build(calls, groups, patience, rng), seed=child))
    summary = sim.summarize(runs, seed=SEED)
    print()
    print(reports.kpi_table(summary, columns=("offered", "answered", "asa", "mean_wait", "abandon_rate",
                                              "occupancy"), groups=("segments",)))

    # recorded vs simulated, per hour of the day (all five days together)
    rec = defaultdict(lambda: [0, 0, 0.0, 0])  # offered, served, wait of served, abandoned
    for c in calls:
        h = int(c["t"] % DAY // 3600)
        r = rec[h]
        r[0] += 1
        if c["served"]:
            r[1] += 1
            r[2] += c["wait"]
        else:
            r[3] += 1
    iv = summary.intervals["overall"]
    simh = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # offered, answered, wait of answered, abandoned
    for i, start in enumerate(summary.intervals["start"]):
        h = int(start % DAY // 3600)
        s = simh[h]
        s[0] += iv["offered"][i] or 0
        s[1] += iv["answered"][i] or 0
        s[2] += (iv["asa"][i] or 0) * (iv["answered"][i] or 0)
        s[3] += iv["abandoned"][i] or 0
    rows = []
    tot_r, tot_s = [0, 0, 0.0, 0], [0.0, 0.0, 0.0, 0.0]
    for h in range(24):
        r, s = rec[h], simh[h]
        if r[0] < 5 * len(DAYS):
            continue
        for tot, x in ((tot_r, r), (tot_s, s)):
            for j in range(4):
                tot[j] += x[j]
        agents = sum(day[h] for day in per_hour) / len(DAYS)
        rows.append([f"{h:02d}-{h + 1:02d}", f"{r[0] / len(DAYS):.0f}", f"{agents:.1f}",
                     f"{r[2] / max(r[1], 1):.0f}", f"{s[2] / max(s[1], 1e-9):.0f}",
                     f"{100 * r[3] / r[0]:.1f}%", f"{100 * s[3] / max(s[0], 1e-9):.1f}%"])
    rows.append([])
    rows.append(["all", f"{tot_r[0] / len(DAYS):.0f}", "", f"{tot_r[2] / tot_r[1]:.0f}",
                 f"{tot_s[2] / tot_s[1]:.0f}", f"{100 * tot_r[3] / tot_r[0]:.1f}%",
                 f"{100 * tot_s[3] / tot_s[0]:.1f}%"])
    print()
    print("Per hour of the day, recorded vs simulated (mean over the five days; waits of answered "
          "calls in seconds):")
    print(reports.render(["hour", "calls/day", "agents", "ASA rec.", "ASA sim.", "abandon rec.",
                          "abandon sim."], rows))


if __name__ == "__main__":
    main()
