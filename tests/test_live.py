"""The live driver, on a manual clock: ticks by itself, serialises calls, survives subscribers."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

import omniroute as orr
from omniroute.journal import JournaledRouter, replay
from omniroute.live import Live, LoopClock, ManualClock, SubscriberLagged

QUEUES = [orr.Queue("general", max_tier=1, steps=[orr.Step(30.0, max_tier=2)])]


def voice(cid: str) -> orr.Contact:
    return orr.Contact(cid, channel=orr.VOICE, queue="general")


def run(coro) -> object:
    return asyncio.run(coro)


def test_ticks_at_next_wakeup_by_itself() -> None:
    async def main() -> list[orr.Assignment]:
        clock = ManualClock()
        async with Live(orr.Router(QUEUES), clock=clock) as live:
            got = live.assignments()
            live.add_agent(orr.Agent("senior", tier=2))
            live.set_available("senior")
            await clock.advance(5.0)
            assert live.submit(voice("c1")) == []  # tier 1 only for 30 s
            await clock.advance(29.0)
            assert live.router.waiting()  # 34 s: the step (at 35 s) is not due yet
            await clock.advance(1.0)  # the driver ticks at 35.0 by itself
            assert not live.router.waiting()
            return [await got.__anext__()]
    (a,) = run(main())
    assert (a.contact_id, a.agent_id, a.time, a.reason.trigger) == ("c1", "senior", 35.0, "step")


def test_every_subscriber_gets_every_assignment_and_a_slow_one_is_cut_off() -> None:
    async def main() -> None:
        clock = ManualClock()
        async with Live(orr.Router(QUEUES), clock=clock, buffer=3) as live:
            fast, slow, raising = live.assignments(), live.assignments(), live.assignments()
            seen: list[str] = []

            async def consume() -> None:
                async for a in fast:
                    seen.append(a.contact_id)

            async def explode() -> None:
                async for _ in raising:
                    raise RuntimeError("a subscriber's own bug")

            task, bad = asyncio.create_task(consume()), asyncio.create_task(explode())
            live.add_agent(orr.Agent("a", capacity={orr.CHAT: 10}))
            live.set_available("a")
            for i in range(6):
                await clock.advance(1.0)
                live.submit(orr.Contact(f"c{i}", channel=orr.CHAT, queue="general"))
            await clock.advance(1.0)
            assert seen == [f"c{i}" for i in range(6)]
            with pytest.raises(RuntimeError, match="own bug"):
                await bad
            # the slow one gets its 3 buffered assignments, then is told it lagged
            assert [(await slow.__anext__()).contact_id for _ in range(3)] == ["c0", "c1", "c2"]
            with pytest.raises(SubscriberLagged, match="resynchronise"):
                await slow.__anext__()
            assert live.dropped_subscribers == 2  # the slow one and the dead raising one
            live.submit(orr.Contact("late", channel=orr.CHAT, queue="general"))  # the driver goes on
            await clock.advance(1.0)
            assert seen[-1] == "late"
        await task  # stop() ends the iteration
    run(main())


def test_calls_from_threads_are_serialised_and_journaled(tmp_path: Path) -> None:
    async def main() -> JournaledRouter:
        clock = ManualClock(start=10.0)
        jr = JournaledRouter(QUEUES, journal=tmp_path / "live.sqlite")
        async with Live(jr, clock=clock) as live:
            live.add_agent(orr.Agent("a", capacity={orr.CHAT: 100}))
            live.set_available("a")

            def worker(k: int) -> list[orr.Assignment]:
                out = []
                for i in range(20):
                    out += live.call_threadsafe("submit", orr.Contact(f"t{k}-{i}", channel=orr.CHAT,
                                                                      queue="general")).result()
                return out

            loop = asyncio.get_running_loop()
            results = await asyncio.gather(*(loop.run_in_executor(None, worker, k) for k in range(4)))
            assert sum(len(r) for r in results) == 80
            fut = live.call_threadsafe("complete", "nobody")
            with pytest.raises(orr.UnknownContactError):
                await asyncio.wrap_future(fut)
            with pytest.raises(ValueError, match="unknown call"):
                live.call_threadsafe("explode")
        jr.close()
        return jr
    jr = run(main())
    assert threading.active_count() >= 1
    res = replay(tmp_path / "live.sqlite")
    assert res.divergence is None and res.calls == 82
    assert res.router.agents() == jr.agents()


def test_loop_clock_speed_and_start() -> None:
    async def main() -> None:
        clock = LoopClock(start=100.0, speed=60.0)
        t0 = clock.now()
        await clock.sleep_until(t0 + 0.6)  # 10 ms of wall time at 60x
        assert clock.now() >= t0 + 0.6 and t0 >= 100.0
    run(main())
    with pytest.raises(ValueError, match="speed"):
        LoopClock(speed=0)
