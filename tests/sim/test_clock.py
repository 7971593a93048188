"""The wall-clock convention (omniroute.sim.clock) every output shares."""

import pytest

from omniroute.sim.clock import DAY, Clock


def test_labels_carry_weekday_and_time():
    c = Clock(start_day=1, start=8 * 3600)  # Tuesday 08:00
    assert c.label(0) == "Tue 08:00"
    assert c.label(17 * 3600) == "Wed 01:00"
    assert c.label(90.5) == "Tue 08:01:30"
    assert c.label(7 * DAY) == "Tue 08:00 (day 7)"
    assert c.label(3600, weekday=False) == "09:00"


def test_spans_within_and_across_midnight():
    c = Clock(start_day=6, start=0.0)  # Sunday midnight
    assert c.span(8 * 3600, 16 * 3600) == "Sun 08:00-16:00"
    assert c.span(22 * 3600, 30 * 3600) == "Sun 22:00-Mon 06:00"
    assert c.span(20 * 3600, DAY) == "Sun 20:00-24:00"


def test_conversions_round_trip():
    c = Clock(start_day=4, start=9 * 3600)
    for t in (0.0, 3600.0, 15 * 3600.0, 3 * DAY + 5.0):
        assert c.at(c.day(t), c.time_of_day(t)) == pytest.approx(t)
    assert c.weekday(15 * 3600) == 5  # Friday 09:00 + 15 h = Saturday 00:00
    assert c.origin == 4 * DAY + 9 * 3600


def test_ticks_are_round_clock_times():
    c = Clock(start_day=1, start=8 * 3600)
    assert [x for _t, x in c.ticks(0, 10 * 3600)] == ["08:00", "10:00", "12:00", "14:00", "16:00", "18:00"]
    days = c.ticks(0, 7 * DAY)
    assert [x for _t, x in days][:2] == ["Wed", "Thu"] and all(c.time_of_day(t) == 0 for t, _ in days)
    assert len(c.ticks(0, 400 * DAY)) <= 9


@pytest.mark.parametrize("kw", [{"start_day": 7}, {"start_day": -1}, {"start": DAY}, {"start": -1.0}])
def test_bad_clock_is_refused(kw):
    with pytest.raises(ValueError, match="Clock.start"):
        Clock(**kw)
