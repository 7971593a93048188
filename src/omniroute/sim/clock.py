"""Simulation time on the wall clock: the one convention every table, CSV, plot and check uses.

A simulation counts seconds from 0.  :class:`Clock` ties that count to the week:
simulation time 0 is ``start`` seconds after midnight on weekday ``start_day`` (0 = Monday).
Every time a user reads is written on that clock, with its weekday: ``"Tue 08:30"``; a run
longer than a week adds the day number (``"Tue 08:30 (day 8)"``, day 0 being the first).

This module only formats and converts; the scenario decides the clock (``Scenario.clock``).
"""

from __future__ import annotations

import math

import attrs

__all__ = ["Clock", "DAY", "WEEKDAYS"]

DAY = 86400.0
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Tick steps a plot may use, in seconds: 1, 2, 3, 4, 6 and 12 hours, then whole days.
_STEPS = (3600.0, 7200.0, 10800.0, 14400.0, 21600.0, 43200.0, DAY, 2 * DAY, 7 * DAY)


def _hhmm(seconds_of_day: float) -> str:
    s = int(math.floor(seconds_of_day + 1e-6))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")


@attrs.frozen
class Clock:
    """Simulation time ``t`` (seconds) on the wall clock.

    ``start_day``: weekday of simulation time 0 (0 = Monday ... 6 = Sunday); ``start``:
    its time of day in seconds after midnight, in ``[0, 86400)``.
    """

    start_day: int = 0
    start: float = 0.0

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.start_day, int) or not 0 <= self.start_day <= 6:
            raise ValueError(f"Clock.start_day must be 0 (Monday) to 6 (got {self.start_day!r})")
        if not 0.0 <= self.start < DAY:
            raise ValueError(f"Clock.start must be in [0, 86400) seconds after midnight (got {self.start!r})")

    @property
    def origin(self) -> float:
        """Seconds from Monday 00:00 of the first week to simulation time 0."""
        return self.start_day * DAY + self.start

    def day(self, t: float) -> int:
        """The day ``t`` falls on, counted from the day the simulation starts (0)."""
        return int((self.start + t) // DAY)

    def weekday(self, t: float) -> int:
        """Weekday of simulation time ``t`` (0 = Monday)."""
        return (self.start_day + self.day(t)) % 7

    def time_of_day(self, t: float) -> float:
        """Seconds after midnight of simulation time ``t``."""
        return (self.start + t) % DAY

    def at(self, day: int, seconds_of_day: float) -> float:
        """Simulation time of ``seconds_of_day`` on day ``day`` (day 0: the first day)."""
        return day * DAY + seconds_of_day - self.start

    def label(self, t: float, weekday: bool = True, long_run: bool | None = None) -> str:
        """``"Tue 08:30"`` (seconds shown only when not zero).  ``long_run`` adds the day
        number; by default when ``t`` is past the first week."""
        text = _hhmm(self.time_of_day(t))
        if not weekday:
            return text
        d = self.day(t)
        text = f"{WEEKDAYS[self.weekday(t)]} {text}"
        if long_run or (long_run is None and d >= 7):
            text += f" (day {d})"
        return text

    def span(self, t0: float, t1: float) -> str:
        """``"Tue 08:00-18:00"`` within a day, ``"Tue 22:00-Wed 06:00"`` across midnight.
        ``t1`` is an end: a span ending at midnight reads ``"-24:00"``."""
        first = self.label(t0)
        if t1 > t0 and self.day(t1 - 1e-6) == self.day(t0):
            end = self.time_of_day(t1)
            return f"{first}-{'24:00' if end == 0 and t1 > t0 else _hhmm(end)}"
        return f"{first}-{self.label(t1)}"

    def ticks(self, t0: float, t1: float, most: int = 9) -> list[tuple[float, str]]:
        """Round clock times between ``t0`` and ``t1`` for an axis, at most ``most`` of them:
        whole hours (``"08:00"``; at midnight the weekday, ``"Wed"``) or whole days
        (``"Wed"``) on long spans."""
        if t1 <= t0:
            return [(t0, self.label(t0))]
        step = next((s for s in _STEPS if (t1 - t0) / s <= most), _STEPS[-1])
        while (t1 - t0) / step > most:
            step *= 2
        # the first multiple of step (on the clock, from Monday 00:00) at or after t0
        first = math.ceil((self.origin + t0) / step - 1e-9) * step - self.origin
        out: list[tuple[float, str]] = []
        t = first
        while t <= t1 + 1e-9:
            if step >= DAY or self.time_of_day(t) == 0.0:
                text = WEEKDAYS[self.weekday(t)] if step < 7 * DAY else f"{WEEKDAYS[self.weekday(t)]} (day {self.day(t)})"
            else:
                text = _hhmm(self.time_of_day(t))
            out.append((t, text))
            t += step
        return out
