"""docs/policies.md: its worked comparison is what the command prints, its findings hold,
and its Python example runs."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from omniroute.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "policies.md"
COMMAND = "omniroute compare retail_bank --agent-policy longest-idle --agent-policy round-robin"


def _compare(command: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """What ``command`` (an ``omniroute compare``) prints, and its JSON."""
    js = tmp_path_factory.mktemp("policies") / "cmp.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*command.split()[1:], "-q", "--json", str(js)]) == 0
    return out.getvalue().rstrip(), json.loads(js.read_text())


def _block(command: str) -> str:
    """The output docs/policies.md shows under ``$ command``."""
    block = re.search(rf"```\n\$ {re.escape(command)}\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None, f"docs/policies.md has no block for `{command}`"
    return block.group(1).rstrip()


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    return _compare(COMMAND, tmp_path_factory)


def test_the_worked_comparison_is_what_the_command_prints(worked: tuple[str, dict]) -> None:
    out, _ = worked
    assert _block(COMMAND) == out, f"docs/policies.md's worked comparison is stale: paste `{COMMAND}` again"


def test_the_findings_the_doc_states(worked: tuple[str, dict]) -> None:
    _, data = worked
    rows = {(r["group"], r["key"], r["kpi"]): r for r in data["rows"]}

    def row(kpi: str, group: str = "overall", key: str = "") -> dict:
        return rows[(group, key, kpi)]

    for kpi in ("service_level", "asa", "abandon_rate", "wait_p95_lowest"):  # round-robin wins service
        assert row(kpi)["best"] == "round-robin" and row(kpi)["significant"], kpi
        s = row(kpi)["simultaneous"]
        assert s["low"] > 0 or s["high"] < 0, kpi
    for key in ("1",):  # longest-idle wins fairness to the frontline
        r = row("occupancy_gini", "tiers", key)
        assert r["best"] == "longest-idle" and r["significant"] and r["simultaneous"]["high"] < 0
    assert row("occupancy_gini")["best"] == "longest-idle" and row("occupancy_gini")["significant"]
    assert not row("occupancy_sd")["significant"] and not row("wait_max_lowest")["significant"]
    for kpi in ("service_level", "abandon_rate"):  # significant alone, not after Holm's correction
        r = row(kpi, "segments", "premium")
        assert r["p_value"] < 0.05 <= r["p_adjusted"], kpi
    util = {v: k["overall"]["utilization"]["mean"] for v, k in data["kpis"].items()}
    occ = {v: k["overall"]["occupancy"]["mean"] for v, k in data["kpis"].items()}
    assert abs(util["longest-idle"] - util["round-robin"]) < 0.005 < occ["longest-idle"] - occ["round-robin"]


def test_the_python_example_runs() -> None:
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text[text.index("## From Python"):], re.S).group(1)
    assert "replications=10, seed=1" in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # two replications: the API, not the numbers
        exec(compile(code.replace("replications=10", "replications=2"), str(DOC), "exec"), {})
    text = out.getvalue()
    assert "Holm p" in text and "occupancy Gini" in text


def test_the_custom_scoring_example_runs() -> None:
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text[text.index("## Custom scoring"):], re.S).group(1)
    exec(compile(code, str(DOC), "exec"), {})


def test_the_queue_ratio_example_runs() -> None:
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text[text.index("## Queue-ratio and idleness-ratio"):], re.S).group(1)
    ns: dict = {}
    exec(compile(code, str(DOC), "exec"), ns)
    router = ns["router"]
    assert (router.agent_policy.name, router.contact_policy.name) == ("idleness-ratio+longest-idle", "queue-ratio")


def test_the_attribute_expressions_example_runs() -> None:
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text[text.index("## Attribute expressions"):], re.S).group(1)
    exec(compile(code, str(DOC), "exec"), {})


JOINT = "omniroute compare examples/batch_matching.toml --matching greedy --matching joint"


@pytest.fixture(scope="module")
def joint(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    return _compare(JOINT, tmp_path_factory)


def test_the_joint_matching_comparison_is_what_the_command_prints(joint: tuple[str, dict]) -> None:
    out, _ = joint
    assert _block(JOINT) == out, f"docs/policies.md's joint matching figures are stale: paste `{JOINT}` again"


def test_the_joint_matching_findings(joint: tuple[str, dict]) -> None:
    """Joint serves loans significantly better, billing no significant worse."""
    _, data = joint
    rows = {(r["group"], r["key"], r["kpi"]): r for r in data["rows"]}
    for kpi in ("service_level", "asa", "abandon_rate"):
        r = rows[("queues", "loans", kpi)]
        assert r["best"] == "joint" and r["significant"], kpi
        assert not rows[("queues", "billing", kpi)]["significant"], kpi
    assert rows[("overall", "", "service_level")]["best"] == "joint"


def test_the_joint_matching_example_runs() -> None:
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text[text.index("## Joint matching"):], re.S).group(1)
    exec(compile(code, str(DOC), "exec"), {})


def test_the_batch_window_snippet_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The snippet behind the doc's "routing at once" figures (2 replications: the API)."""
    text = DOC.read_text()
    code = re.findall(r"```python\n(.*?)```", text[text.index("## Joint matching"):], re.S)[1]
    assert "replications=10, seed=1" in code
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.replace("replications=10", "replications=2"), str(DOC), "exec"), {})
    assert out.getvalue().count("loans") == 5
