"""The examples' conclusions hold: what each one claims in docs/examples.md, checked."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np

from omniroute import policies, sim

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / name))


def test_video_advice_opening_costs_premium_clients() -> None:
    ex = load("video_advice.py")
    only = sim.replicate(ex["scenario"](False), 3, seed=7)
    everyone = sim.replicate(ex["scenario"](True), 3, seed=7)
    assert only.kpi("offered", "segments", "premium").mean == everyone.kpi(
        "offered", "segments", "premium").mean  # common random numbers: the same premium clients
    premium_only = only.kpi("service_level", "segments", "premium").mean
    premium_open = everyone.kpi("service_level", "segments", "premium").mean
    assert premium_only > 0.95 and premium_open < premium_only - 0.05
    assert everyone.kpi("occupancy", "tiers", "2").mean > only.kpi("occupancy", "tiers", "2").mean


def test_social_media_complaints_first_helps_complaints() -> None:
    ex = load("social_media.py")
    first = sim.replicate(ex["scenario"]("priority-fifo"), 3, seed=ex["SEED"])
    fifo = sim.replicate(ex["scenario"]("fifo"), 3, seed=ex["SEED"])
    assert first.kpi("asa", "segments", "complaint").mean < fifo.kpi("asa", "segments", "complaint").mean
    assert first.kpi("asa", "segments", "other").mean >= fifo.kpi("asa", "segments", "other").mean


def test_human_ai_bots_take_load_off_agents() -> None:
    ex = load("human_ai.py")
    none = sim.replicate(ex["scenario"](0.0, 0.0), 3, seed=ex["SEED"])
    bot = sim.replicate(ex["scenario"](0.45, 0.60), 3, seed=ex["SEED"])
    assert bot.kpi("bot_contained").mean > 0 and none.kpi("bot_contained").mean == 0
    assert bot.kpi("offered").mean < none.kpi("offered").mean
    assert bot.kpi("occupancy").mean < none.kpi("occupancy").mean


def test_predictive_pairing_shortens_handling_and_waits() -> None:
    ex = load("predictive_pairing.py")
    model = ex["fit"](ex["history"](np.random.default_rng(ex["SEED"])))
    score = ex["scorer"](model)
    idle = sim.replicate(ex["scenario"]("longest-idle", "idle"), 2, seed=3)
    paired = sim.replicate(ex["scenario"](lambda _rng: policies.Scored(score), "paired"), 2, seed=3)
    assert idle.kpi("offered").mean == paired.kpi("offered").mean  # the same customers
    assert paired.kpi("aht").mean < 0.85 * idle.kpi("aht").mean
    assert paired.kpi("asa").mean < idle.kpi("asa").mean
