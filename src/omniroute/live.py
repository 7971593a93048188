"""A live driver: one router run in real time by an asyncio event loop.

:class:`Live` owns a router (a :class:`~omniroute.Router`, or a
:class:`~omniroute.journal.JournaledRouter` to journal every call), reads a clock, fires
``tick`` at ``next_wakeup()`` by itself, and publishes every assignment to subscribers::

    async with Live(router) as live:            # the loop's monotonic clock, from router.now
        live.add_agent(orr.Agent("a1"))         # plain calls, ``now`` from the clock
        live.set_available("a1")
        async for a in live.assignments():       # each subscriber gets every assignment
            ...

Threads: every router call runs on the event loop's thread, one at a time, so calls from
tasks never interleave.  From another thread use :meth:`Live.call_threadsafe` (returns a
``concurrent.futures.Future``); never touch the router directly from another thread.

Subscribers: each has its own buffer of ``buffer`` assignments.  A subscriber that falls
that far behind is cut off: it receives what is buffered, then :class:`SubscriberLagged`
(it missed assignments and must resynchronise from ``router.agents()``); the driver and the
other subscribers go on untouched.  A subscriber that raises inside its ``async for`` only
ends its own iteration (its buffer is released when its iterator is closed or collected).
A subscriber can thus never slow the router down, block it or lose it an assignment.

The clock: ``clock.now()`` is the router's ``now`` (seconds), ``await clock.sleep_until(t)``
waits until ``now() >= t``.  :class:`LoopClock` is the loop's monotonic time, optionally
sped up (``speed=60``: a minute per second) and starting at the router's ``now``;
:class:`ManualClock` is moved by hand, for tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import heapq
import itertools
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from .agents import Agent
from .assignment import Assignment
from .contacts import Contact
from .errors import OmnirouteError

__all__ = ["Clock", "LoopClock", "ManualClock", "Live", "SubscriberLagged"]


class SubscriberLagged(OmnirouteError, RuntimeError):
    """A subscriber fell ``buffer`` assignments behind and was cut off."""


class Clock(Protocol):
    """What the driver needs of a clock."""

    def now(self) -> float: ...

    async def sleep_until(self, t: float) -> None: ...


class LoopClock:
    """The running loop's monotonic time, times ``speed``, starting at ``start``."""

    def __init__(self, start: float = 0.0, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"LoopClock.speed must be > 0 (got {speed!r})")
        self.start, self.speed = float(start), float(speed)
        self._t0: float | None = None

    def now(self) -> float:
        t = asyncio.get_running_loop().time()
        if self._t0 is None:
            self._t0 = t
        return self.start + (t - self._t0) * self.speed

    async def sleep_until(self, t: float) -> None:
        while (left := t - self.now()) > 0:
            await asyncio.sleep(left / self.speed)


class ManualClock:
    """A clock moved by :meth:`advance` (tests, simulation at full speed)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._n = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep_until(self, t: float) -> None:
        if t <= self._now:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (t, next(self._n), fut))
        await fut

    async def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``, waking each sleeper in turn at its own time."""
        end = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= end:
            t, _, fut = heapq.heappop(self._sleepers)
            self._now = max(self._now, t)
            if not fut.done():
                fut.set_result(None)
            await _settle()
        self._now = end
        await _settle()


async def _settle() -> None:
    # Let woken tasks run to their next await (a few turns of the loop; no wall time).
    for _ in range(5):
        await asyncio.sleep(0)


class Live:
    """An asyncio driver around ``router`` (see the module's docstring).

    ``clock``: default :class:`LoopClock` starting at ``router.now``.  ``buffer``: the most
    assignments a subscriber may have pending before it is cut off.  Use ``async with``
    (or :meth:`start` / :meth:`stop`) so that the ticking task runs.
    """

    def __init__(self, router: Any, *, clock: Clock | None = None, buffer: int = 1000) -> None:
        if isinstance(buffer, bool) or not isinstance(buffer, int) or buffer < 1:
            raise ValueError(f"Live.buffer must be an integer >= 1 (got {buffer!r})")
        self.router = router
        self.clock: Clock = clock if clock is not None else LoopClock(start=router.now)
        self.buffer = buffer
        self._subs: list[asyncio.Queue[Assignment | None]] = []
        self._lagged: set[int] = set()
        self._changed = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Subscribers cut off so far for falling behind.
        self.dropped_subscribers = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ticker = asyncio.create_task(self._tick_loop())

    async def stop(self) -> None:
        """Stop ticking and end every subscriber's iteration (after what it has buffered)."""
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass
            self._ticker = None
        for q in self._subs:
            self._put(q, None)

    async def __aenter__(self) -> Live:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _tick_loop(self) -> None:
        while True:
            self._changed.clear()
            w = self.router.next_wakeup()
            waits = [asyncio.ensure_future(self._changed.wait())]
            if w is not None:
                waits.append(asyncio.ensure_future(self.clock.sleep_until(w)))
            done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for p in pending:
                p.cancel()
            if w is not None and waits[1] in done:
                self._apply("tick")

    # ------------------------------------------------------------------ calls
    def _apply(self, call: str, *args: Any, **kwargs: Any) -> list[Assignment]:
        now = max(self.clock.now(), self.router.now)  # a clock read a hair late never goes back
        out: list[Assignment] = getattr(self.router, call)(*args[:1], now, *args[1:], **kwargs) \
            if args else getattr(self.router, call)(now, **kwargs)
        for a in out:
            for q in list(self._subs):
                self._put(q, a)
        self._changed.set()  # timers may have moved: the ticker looks again
        return out

    def _put(self, q: asyncio.Queue[Assignment | None], a: Assignment | None) -> None:
        if id(q) in self._lagged:
            return
        try:
            q.put_nowait(a)
        except asyncio.QueueFull:
            self._lagged.add(id(q))
            self.dropped_subscribers += 1

    def call_threadsafe(self, call: str, *args: Any, **kwargs: Any) -> concurrent.futures.Future[list[Assignment]]:
        """Run router call ``call`` (e.g. "submit") on the loop, from any thread.

        ``now`` is the clock's, read on the loop.  The future holds the assignments, or the
        router's error if it refused the call.
        """
        if self._loop is None:
            raise RuntimeError("Live.call_threadsafe: start the driver first (async with Live(...))")

        async def run() -> list[Assignment]:
            return getattr(self, call)(*args, **kwargs)  # type: ignore[no-any-return]

        if call not in _CALLS:
            raise ValueError(f"Live.call_threadsafe: unknown call {call!r}; allowed: {sorted(_CALLS)}")
        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    # The router's mutating calls, ``now`` from the clock.  Plain methods: they run on the
    # loop's thread at once; ``await`` is not needed (and they return the assignments).
    def add_agent(self, agent: Agent) -> list[Assignment]:
        return self._apply("add_agent", agent)

    def remove_agent(self, agent_id: str) -> list[Assignment]:
        return self._apply("remove_agent", agent_id)

    def set_available(self, agent_id: str) -> list[Assignment]:
        return self._apply("set_available", agent_id)

    def set_away(self, agent_id: str, reason: str | None = None) -> list[Assignment]:
        return self._apply("set_away", agent_id, reason)

    def logout(self, agent_id: str) -> list[Assignment]:
        return self._apply("logout", agent_id)

    def submit(self, contact: Contact) -> list[Assignment]:
        return self._apply("submit", contact)

    def complete(self, contact_id: str, wrap_up: float = 0.0) -> list[Assignment]:
        return self._apply("complete", contact_id, wrap_up)

    def abandon(self, contact_id: str) -> list[Assignment]:
        return self._apply("abandon", contact_id)

    def decline(self, contact_id: str, away: str | None = None) -> list[Assignment]:
        return self._apply("decline", contact_id, away)

    def transfer(self, contact_id: str, queue: str | None = None, needs: Mapping[str, int] | None = None,
                 wrap_up: float = 0.0) -> list[Assignment]:
        return self._apply("transfer", contact_id, queue, needs, wrap_up)

    # ------------------------------------------------------------------ reading
    def stats(self, window: float = 900.0, agents: bool = False) -> Any:
        """The router's real-time statistics at the clock's now (:mod:`omniroute.stats`)."""
        return self.router.stats(max(self.clock.now(), self.router.now), window, agents)

    def estimated_wait(self, target: str, method: str = "queue-length", priority: int = 0) -> float | None:
        """The router's estimated wait for a queue's newcomer or a waiting contact, at the
        clock's now (:mod:`omniroute.stats`)."""
        return self.router.estimated_wait(target, max(self.clock.now(), self.router.now), method, priority)

    # ------------------------------------------------------------------ subscribers
    def assignments(self) -> AsyncIterator[Assignment]:
        """Every assignment from now on, in decision order (see the buffer policy above).

        Subscribed when called (not at the first ``__anext__``): nothing decided after
        this call is missed.
        """
        q: asyncio.Queue[Assignment | None] = asyncio.Queue(maxsize=self.buffer)
        self._subs.append(q)
        return self._iterate(q)

    async def _iterate(self, q: asyncio.Queue[Assignment | None]) -> AsyncIterator[Assignment]:
        try:
            while True:
                if q.empty() and id(q) in self._lagged:
                    raise SubscriberLagged(f"subscriber fell {self.buffer} assignments behind and was cut "
                                           "off; resynchronise from router.agents() and subscribe again")
                a = await q.get()
                if a is None:
                    return
                yield a
        finally:
            self._subs.remove(q)
            self._lagged.discard(id(q))


_CALLS: frozenset[str] = frozenset({"add_agent", "remove_agent", "set_available", "set_away", "logout", "submit",
                                    "complete", "abandon", "decline", "transfer"})
