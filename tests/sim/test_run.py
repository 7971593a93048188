"""run / replicate: determinism, common random numbers, reports, executors."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

import omniroute as orr
from omniroute import sim


@pytest.fixture
def small(mmn):
    return mmn(5, 120.0, 120.0, patience=120.0, horizon=2 * 3600.0, warmup=600.0)


def test_same_seed_identical_report(small):
    a, b = sim.run(small, 7), sim.run(small, 7)
    assert a == b
    assert a.to_dict() == b.to_dict()
    assert sim.run(small, 8) != a


def test_report_shape_and_json(small):
    r = sim.run(small, 1)
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d["kpis"]) == {"overall", "queues", "channels", "segments", "tiers", "teams", "agents"}
    o = d["kpis"]["overall"]
    for k in ("offered", "answered", "abandoned", "service_level", "asa", "mean_wait", "p_wait",
              "abandon_rate", "occupancy", "utilization"):
        assert k in o
    assert o["offered"] == o["answered"] + o["abandoned"] + o["unanswered"]
    assert d["kpis"]["queues"]["q"]["offered"] == o["offered"]
    assert d["kpis"]["channels"]["voice"]["offered"] == o["offered"]
    assert 0 < d["kpis"]["teams"]["pool"]["occupancy"] <= 1
    iv = r.intervals
    assert iv["width"] == 1800.0 and len(iv["start"]) == 4
    assert sum(iv["overall"]["offered"]) >= o["offered"]  # intervals include the warm-up


def test_summary_to_dict_is_section_7(small):
    s = sim.replicate(small, 3, seed=1)
    d = json.loads(json.dumps(s.to_dict()))
    assert d["scenario"] == "mmn" and d["replications"] == 3 and d["seed"] == 1
    e = d["kpis"]["overall"]["service_level"]
    assert set(e) == {"mean", "low", "high"} and e["low"] <= e["mean"] <= e["high"]
    assert set(d["kpis"]["tiers"]["1"]) >= {"occupancy", "utilization"}
    assert "occupancy" in d["kpis"]["teams"]["pool"]
    assert "agents" not in d["kpis"]


def test_common_random_numbers_across_policies(small):
    other = sim.Scenario(small.queues, small.agents, small.demand, small.horizon, small.warmup,
                         routing=sim.Routing(agent="fewest-handled", contact="fifo"))
    a, b = sim.run(small, 3), sim.run(other, 3)
    assert a.kpis["overall"]["offered"] == b.kpis["overall"]["offered"]
    assert a.kpis["overall"]["aht"] == pytest.approx(b.kpis["overall"]["aht"], rel=0.05)


def test_executors_give_the_sequential_result(small):
    seq = sim.replicate(small, 4, seed=5)
    with ThreadPoolExecutor(2) as ex:
        thr = sim.replicate(small, 4, seed=5, executor=ex)
    with ProcessPoolExecutor(2) as ex:
        proc = sim.replicate(small, 4, seed=5, executor=ex)
    by_n = sim.replicate(small, 4, seed=5, processes=2)
    assert seq == thr == proc == by_n
    assert seq.to_dict() == proc.to_dict()


def test_dask_local_cluster(small):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        viaclient = sim.replicate(small, 3, seed=2, executor=client)
        viaexec = sim.replicate(small, 3, seed=2, executor=client.get_executor())
    seq = sim.replicate(small, 3, seed=2)
    assert viaclient == seq == viaexec


def test_bundled_retail_bank_runs():
    sc = sim.load_scenario("retail_bank")
    r = sim.run(sc, 1)
    o = r.kpis["overall"]
    assert o["offered"] > 1000 and o["bot_contained"] > 0
    assert set(r.kpis["queues"]) == {"general", "chat", "email"}
    assert "premium" in r.kpis["segments"]
    assert set(r.kpis["teams"]) == {"frontline", "frontline-late", "premium"}


def test_run_refuses_bad_arguments(small):
    with pytest.raises(orr.OmnirouteError, match="scenario must be a Scenario"):
        sim.run("retail_bank", 1)  # type: ignore[arg-type]
    with pytest.raises(orr.ValidationError, match="replications must be an integer >= 1"):
        sim.replicate(small, 0)


def test_exports():
    assert sorted(sim.__all__) == sorted(n for n in sim.__all__ if hasattr(sim, n))
    for name in ("Scenario", "run", "replicate", "load_scenario", "RouterResource", "Report",
                 "Summary", "bundled_scenario_path", "calibrate", "Calibration", "kaplan_meier",
                 "KaplanMeier"):
        assert name in sim.__all__
    assert orr.sim is sim
