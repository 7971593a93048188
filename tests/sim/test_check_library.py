"""check as a library (issue 12): ``sim.check_scenario`` for a scenario and
``sim.check_config`` for a platform's live configuration (queues and agents, no traffic)."""

from __future__ import annotations

import omniroute as orr
from omniroute import sim


def test_check_config_reports_the_structural_problems() -> None:
    queues = [orr.Queue("general", overflow=orr.Overflow(60.0, "backup")),
              orr.Queue("backup", overflow=orr.Overflow(30.0, "general"),
                        steps=[orr.Step(after=120.0, min_tier=1)]),
              orr.Queue("french"), orr.Queue("video")]
    agents = [orr.Agent("ann", skills={"general": 1}), orr.Agent("bob", skills={"general": 2}, tier=2)]
    res = sim.check_config(queues, agents, needs={"french": {"french": 1}}, channels={"video": orr.VIDEO})
    kinds = sorted((f.severity, f.kind) for f in res.findings)
    assert kinds == [("problem", "overflow-cycle"), ("problem", "skill"), ("problem", "unreachable-step"),
                     ("problem", "unservable"), ("problem", "unservable")]
    text = "\n".join(f.message for f in res.findings)
    assert "skill 'french' is needed by queue 'french' but no agent has it" in text
    assert "overflow cycle general -> backup -> general" in text
    assert "queue 'video': contacts (video" in text and "demand[" not in text
    assert res.capacity == []  # no traffic, no capacity table


def test_a_sound_configuration_checks_clean() -> None:
    queues = [orr.Queue("general"), orr.Queue("premium", min_tier=2, steps=[orr.Step(after=30.0, min_tier=1)])]
    agents = [orr.Agent("ann", skills={"billing": 3}), orr.Agent("bob", skills={"billing": 5}, tier=2)]
    assert sim.check_config(queues, agents, needs={"premium": {"billing": 2}}).findings == []


def test_check_scenario_is_the_commands_own() -> None:
    from omniroute.cli import check as cli_check

    assert cli_check.check_scenario is sim.check_scenario
