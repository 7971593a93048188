from __future__ import annotations

import textwrap

import pytest

import omniroute as orr
from omniroute import sim

GOOD = """
name = "Retail bank, one weekday"
horizon = "24h"
warmup = "1h"
replications = 10

[routing]
agent = "longest-idle"
contact = "priority-fifo"

[[queues]]
name = "general"
channel = "voice"
needs = { general = 1, french = 2 }
sla = { target = 0.8, within = "20s" }
priority = 0
steps = [ { after = "30s", max_tier = 2 }, { after = "2m", drop = ["french"] } ]
overflow = { after = "10m", to = "backup" }

[[queues]]
name = "backup"

[[agents]]
team = "frontline"
count = 40
tier = 1
skills = { general = 3, french = 2 }
capacity = { voice = 1, chat = 3 }
shifts = [ { start = "08:00", end = "16:00" } ]

[[demand]]
queue = "general"
arrivals = { per_hour = 228 }
handle = { dist = "exponential", mean = "300s" }
patience = { dist = "exponential", mean = "5m" }
wrap_up = "15s"
segment = "premium"
priority = 1
"""


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_design_example_loads(tmp_path):
    sc = sim.load_scenario(write(tmp_path, GOOD))
    assert sc.name == "Retail bank, one weekday"
    assert sc.horizon == 86400.0 and sc.warmup == 3600.0 and sc.replications == 10
    q = sc.queue("general")
    assert q.channel == orr.VOICE and dict(q.needs) == {"general": 1, "french": 2}
    assert q.queue.sla == orr.ServiceLevel(0.8, 20.0)
    assert q.queue.steps == (orr.Step(30.0, max_tier=2), orr.Step(120.0, drop=("french",)))
    assert q.queue.overflow == orr.Overflow(600.0, "backup")
    g = sc.agents[0]
    assert g.count == 40 and g.shifts == (sim.Shift(8 * 3600.0, 16 * 3600.0),)
    d = sc.demand[0]
    assert d.handle == sim.Exponential(300.0) and d.patience == sim.Exponential(300.0)
    assert d.arrivals.per_hour == 228.0 and d.wrap_up == 15.0 and d.priority == 1


def test_bundled_scenario_by_name_and_path():
    assert "retail_bank" in sim.bundled_scenarios()
    sc = sim.load_scenario("retail_bank")
    assert sc == sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    assert len(sc.queues) == 3
    with pytest.raises(orr.ScenarioError, match="no bundled scenario 'nope'"):
        sim.bundled_scenario_path("nope")


def problems(tmp_path, text):
    with pytest.raises(orr.ScenarioError) as info:
        sim.load_scenario(write(tmp_path, text))
    assert isinstance(info.value, ValueError)
    return info.value.problems


def test_bad_duration_message(tmp_path):
    bad = GOOD.replace('handle = { dist = "exponential", mean = "300s" }',
                       'handle = { dist = "exponential", mean = "3OOs" }')
    assert problems(tmp_path, bad) == [
        "demand[0].handle.mean: '3OOs' is not a duration (use seconds or '20s', '5m', '2h', '1d')"
    ]


@pytest.mark.parametrize("old, new, expected", [
    ('start = "08:00"', 'start = "8h00"', "agents[0].shifts[0].start: '8h00' is not a clock time"),
    ('channel = "voice"', 'channel = "fax"', "queues[0].channel: 'fax' is not a channel; allowed: voice"),
    ('dist = "exponential", mean = "300s"', 'dist = "weibull", mean = "300s"',
     "demand[0].handle.dist: 'weibull' is not a distribution; allowed: exponential"),
    ("target = 0.8", "target = 1.5", "queues[0].sla.target: 1.5 must be a probability between 0 and 1"),
    ("general = 3, french = 2", "general = 11, french = 2", "agents[0].skills.general: 11 must be a skill level 1-10"),
    ('to = "backup"', 'to = "nowhere"', "queues[0].overflow.to: 'nowhere' is not a queue; known: general, backup"),
    ('queue = "general"\narrivals', 'queue = "genral"\narrivals', "demand[0].queue: 'genral' is not a queue"),
    ("count = 40", "count = -1", "agents[0].count: -1 must be an integer from 0 to 100,000"),
    ("count = 40", "count = 40\ncolour = 'red'", "agents[0].colour: unknown key; allowed: team, count"),
    ('agent = "longest-idle"', 'agent = "shortest-idle"', "routing.agent: unknown agent policy 'shortest-idle'"),
    ('warmup = "1h"', 'warmup = "2d"', "warmup: '2d' must be shorter than the horizon"),
    ("per_hour = 228", "per_hour = [10, -2]", "demand[0].arrivals.per_hour[1]: -2 must be a rate from 0 to 1,000,000"),
])
def test_each_kind_of_problem(tmp_path, old, new, expected):
    assert old in GOOD
    got = problems(tmp_path, GOOD.replace(old, new, 1))
    assert any(p.startswith(expected) for p in got), got


def test_all_problems_collected_before_raising(tmp_path):
    bad = (GOOD.replace('mean = "300s"', 'mean = "3OOs"')
               .replace('start = "08:00"', 'start = "25:00"')
               .replace("tier = 1", "tier = 0")
               .replace('within = "20s"', 'within = "soon"'))
    got = problems(tmp_path, bad)
    assert len(got) == 4, got
    paths = sorted(p.split(":")[0] for p in got)
    assert paths == ["agents[0].shifts[0].start", "agents[0].tier", "demand[0].handle.mean",
                     "queues[0].sla.within"]


def test_deferrable_channel_refuses_patience(tmp_path):
    bad = GOOD.replace("wrap_up = \"15s\"", "wrap_up = \"15s\"\nchannel = \"email\"")
    got = problems(tmp_path, bad)
    assert any("demand[0].patience: channel 'email' is deferrable" in p for p in got)


def test_not_toml(tmp_path):
    with pytest.raises(orr.ScenarioError, match="not valid TOML"):
        sim.load_scenario(write(tmp_path, "name = "))


def test_extensions_parse(tmp_path):
    text = GOOD + """
busyness = { cv = 0.1 }
"""
    # busyness must be top-level: move it before the first table
    text = 'busyness = { cv = 0.1 }\nstart_day = "sat"\ninterval = "15m"\n' + GOOD
    text = text.replace('segment = "premium"', '''segment = "premium"
bot = { containment = 0.3, time = { dist = "uniform", low = "30s", high = "90s" } }
retrial = { probability = 0.5, delay = { dist = "exponential", mean = "10m" }, max_attempts = 2 }
callback = { after = "1m", probability = 0.6, queue = "backup" }
transfer = { probability = 0.1, to = "backup", needs = { general = 2 }, handle = { dist = "gamma", mean = "5m", cv = 0.5 } }''')
    text = text.replace('shifts = [ { start = "08:00", end = "16:00" } ]',
                        'shifts = [ { start = "22:00", end = "06:00", days = ["mon", "fri"], '
                        'breaks = [ { start = "02:00", duration = "30m" } ] } ]')
    text += """
[[demand]]
records = [ { arrival = "1h", queue = "backup", handle = "5m", patience = "2m", priority = 1, segment = "vip" },
            { arrival = 7200, queue = "general", handle = 60 } ]
wrap_up = "10s"

[[demand]]
trace = "calls.csv"
"""
    write(tmp_path, "arrival,queue,handle,patience,priority,segment,channel\n10,general,120,,0,,voice\n20,backup,60,30,1,vip,\n", "calls.csv")
    sc = sim.load_scenario(write(tmp_path, text))
    d = sc.demand[0]
    assert d.bot == sim.Bot(0.3, sim.Uniform(30.0, 90.0))
    assert d.retrial == sim.Retrial(0.5, sim.Exponential(600.0), 2)
    assert d.callback == sim.Callback(60.0, 0.6, "backup")
    assert d.transfer.to == "backup" and d.transfer.handle == sim.Gamma(300.0, 0.5)
    assert sc.busyness == sim.Busyness(0.1) and sc.start_day == 5 and sc.interval == 900.0
    sh = sc.agents[0].shifts[0]
    assert sh.days == (0, 4) and sh.breaks == (sim.Break(7200.0, 1800.0),)
    tr = sc.demand[1]
    assert [r.arrival for r in tr.records] == [3600.0, 7200.0]
    assert tr.records[0].patience == 120.0 and tr.records[0].segment == "vip"
    csv = sc.demand[2]
    assert [(r.arrival, r.queue, r.handle, r.patience) for r in csv.records] == [
        (10.0, "general", 120.0, None), (20.0, "backup", 60.0, 30.0)]
