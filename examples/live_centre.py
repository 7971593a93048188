"""A small centre run live at 60x speed: the asyncio driver ticks by itself, simulated
customers call and chat, simulated agents answer; every few (simulated) minutes the
supervisor's figures are printed from the router's real-time statistics (``live.stats()``:
waiting, longest wait, agents available/busy/away, service level over the last 15 minutes)
with the wait a new caller would be told (``live.estimated_wait``).

    python examples/live_centre.py      # about 5 s of wall time = 5 minutes of the centre
"""

from __future__ import annotations

import asyncio
import statistics

import numpy as np

import omniroute as orr
from omniroute.live import Live, LoopClock

SPEED = 60.0  # simulated seconds per wall second
QUEUES = [orr.Queue("general", sla=orr.ServiceLevel(0.8, 20.0)),
          orr.Queue("premium", sla=orr.ServiceLevel(0.9, 10.0), priority=1)]


async def customers(live: Live, rng: np.random.Generator, until: float) -> None:
    """Arrivals every 8 s on average; each abandons after its patience if still waiting."""
    n = 0
    while live.clock.now() < until:
        await live.clock.sleep_until(live.clock.now() + float(rng.exponential(8.0)))
        n += 1
        cid = f"c{n}"
        queue = "premium" if rng.random() < 0.2 else "general"
        live.submit(orr.Contact(cid, channel=orr.VOICE if rng.random() < 0.7 else orr.CHAT, queue=queue))
        asyncio.get_running_loop().create_task(patience(live, cid, float(rng.exponential(60.0))))


async def patience(live: Live, cid: str, seconds: float) -> None:
    await live.clock.sleep_until(live.clock.now() + seconds)
    try:
        if live.router.status(cid) == "waiting":
            live.abandon(cid)
    except orr.UnknownContactError:
        pass  # already served and completed


async def agents(live: Live, rng: np.random.Generator, waits: list[float]) -> None:
    """Each assignment is handled for an exponential time (mean 40 s), then completed."""
    async def handle(a: orr.Assignment) -> None:
        await live.clock.sleep_until(live.clock.now() + float(rng.exponential(40.0)))
        live.complete(a.contact_id, wrap_up=3.0)

    async for a in live.assignments():
        waits.append(a.waited)
        asyncio.get_running_loop().create_task(handle(a))


def figures(live: Live) -> str:
    st = live.stats()
    lines = [f"t={st.now:6.0f} s"]
    for q in st.queues.values():
        sl = "-" if q.service_level is None else f"{q.service_level:.0%}"
        ewt = live.estimated_wait(q.queue)
        told = "-" if ewt is None else f"{ewt:.0f} s"
        lines.append(f"  {q.queue:8s} waiting {q.waiting:2d} (longest {q.longest_wait:5.1f} s)  "
                     f"agents {q.agents_available} free / {q.agents_busy} busy / {q.agents_away} away  "
                     f"SL {sl:>4s}  a new caller is told {told}")
    return "\n".join(lines)


async def run(minutes: float) -> None:
    rng = np.random.default_rng(7)
    router = orr.Router(QUEUES, agent_policy=orr.policies.LongestIdle())
    async with Live(router, clock=LoopClock(speed=SPEED)) as live:
        for i in range(6):
            live.add_agent(orr.Agent(f"a{i}", tier=2 if i < 2 else 1, capacity={orr.VOICE: 1, orr.CHAT: 2}))
            live.set_available(f"a{i}")
        waits: list[float] = []
        until = minutes * 60.0
        tasks = [asyncio.create_task(customers(live, rng, until)), asyncio.create_task(agents(live, rng, waits))]
        while live.clock.now() < until:
            await live.clock.sleep_until(live.clock.now() + 60.0)
            print(figures(live))
        tasks[0].cancel()
        sd = statistics.stdev(waits) if len(waits) > 1 else 0.0
        mean = statistics.fmean(waits) if waits else 0.0
        print(f"overall: {len(waits)} answered, wait {mean:.1f} ± {sd:.1f} s (mean ± sd)")
    tasks[1].cancel()


def main(minutes: float = 5.0) -> None:
    asyncio.run(run(minutes))


if __name__ == "__main__":
    main()
