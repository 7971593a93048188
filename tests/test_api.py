"""The public API is curated: names appear and disappear only on purpose."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import omniroute as orr

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "omniroute"

EXPECTED = {
    "ACCELERATED", "Agent", "AgentView", "Assignment", "CHAT", "Channel", "Contact", "DuplicateIdError",
    "EMAIL", "Expression", "ExpressionError", "InvalidStateError", "LockedRouter", "OmnirouteError", "Overflow", "Queue", "Reason", "Router",
    "SOCIAL", "ScenarioError", "ServiceLevel", "SnapshotError", "Step", "TASK", "TimeOrderError",
    "UnknownAgentError", "UnknownContactError", "UnknownIdError", "UnknownQueueError", "VIDEO",
    "VOICE", "ValidationError", "WaitingView", "analytics", "check_expressions", "policies", "sim", "vendors",
}


def test_top_level_exports_are_curated() -> None:
    assert set(orr.__all__) == EXPECTED
    missing = [name for name in orr.__all__ if not hasattr(orr, name)]
    assert missing == []


def test_policy_exports() -> None:
    assert set(orr.policies.__all__) == {
        "PolicyState", "AgentPolicy", "ContactPolicy",
        "LongestIdle", "LeastOccupied", "MostSkilled", "BestFit", "RoundRobin", "FewestHandled",
        "Random", "PreferredAgent", "Scored", "ScoreTable", "PriorityFIFO", "HeadStart", "WeightedAging",
        "EarliestDeadline", "FIFO", "RealtimeFirst",
        # research policies (issue 13)
        "CMu", "GeneralizedCMu", "Reserve", "QueueRatio", "IdlenessRatio",
        # vendor emulators' policies (issue 13)
        "TierFirst", "Linear", "WeightedRandom",
        "agent_policy", "contact_policy", "draw_index", "AGENT_POLICIES", "CONTACT_POLICIES",
    }
    missing = [name for name in orr.policies.__all__ if not hasattr(orr.policies, name)]
    assert missing == []


def test_vendor_exports() -> None:
    assert set(orr.vendors.__all__) == {
        "Emulation", "Member", "asterisk", "freeswitch", "connect", "genesys", "salesforce", "EMULATORS"}
    assert sorted(orr.vendors.EMULATORS) == ["asterisk", "connect", "freeswitch", "genesys", "salesforce"]


def test_import_loads_neither_simpy_nor_networkx() -> None:
    code = (
        "import sys, omniroute as orr; r = orr.Router([orr.Queue('q')]);"
        "bad = [m for m in ('simpy', 'networkx', 'matplotlib', 'scipy') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_errors_derive_from_builtins() -> None:
    assert issubclass(orr.UnknownAgentError, orr.OmnirouteError)
    assert issubclass(orr.UnknownAgentError, KeyError)
    assert issubclass(orr.UnknownContactError, KeyError)
    assert issubclass(orr.UnknownQueueError, KeyError)
    for err in (orr.DuplicateIdError, orr.TimeOrderError, orr.InvalidStateError,
                orr.ValidationError, orr.ScenarioError, orr.SnapshotError, orr.ExpressionError):
        assert issubclass(err, orr.OmnirouteError) and issubclass(err, ValueError)


# ------------------------------------------------------------------------------ layers
# Each module's layer; a module may import only from its own layer or those below.
LAYERS = {"model": 0, "core": 1, "analysis": 2, "adapters": 3, "faces": 4, "testing": 5}
MODEL = {"errors", "channels", "_checks", "agents", "contacts", "queues", "assignment", "views", "_accel",
         "expressions"}
CORE = {"state", "policies", "agent_index", "waiting", "tally", "router", "locked", "serial", "explain", "stats",
        "snapshot", "vendors", "matching"}
#: Adapters beside ``sim``: the journal (sqlite3), replay's counterfactual and the live driver (asyncio).
ADAPTERS = {"sim", "journal", "counterfactual", "live"}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "omniroute":
        raise ValueError(module)
    if len(parts) == 1:
        return "faces"  # the package's __init__ re-exports the core and loads the rest lazily
    head = parts[1]
    if head in MODEL:
        return "model"
    if head in CORE:
        return "core"
    if head == "analytics":
        return "analysis"
    if head in ADAPTERS:
        return "adapters"
    if head == "testing":
        return "testing"
    return "faces"  # cli, reports, __main__


def imports_of(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    out += [f"{name}.{a.name}" for a in node.names]
                else:
                    out.append(name)
            else:
                out.append(node.module or "")
    return out


def test_imports_flow_down_the_layers() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        mine = layer_of(module)
        for imp in imports_of(path, module):
            top = imp.split(".")[0]
            if top == "omniroute":
                theirs = layer_of(imp)
                if theirs == "testing" and mine != "testing":
                    problems.append(f"{module} imports {imp}: library code never imports testing")
                elif LAYERS[theirs] > LAYERS[mine] and module != "omniroute":
                    problems.append(f"{module} ({mine}) imports {imp} ({theirs})")
            elif top == "simpy" and mine not in ("adapters", "faces", "testing"):
                problems.append(f"{module} ({mine}) imports simpy")
            elif top == "networkx" and not module.startswith("omniroute.analytics"):
                problems.append(f"{module} imports networkx")
            elif top in ("attrs", "numpy", "mypy_extensions") or top in sys.stdlib_module_names:
                # mypy_extensions: the compiled build's decorator, imported only if present
                continue
            elif top == "scipy" and module == "omniroute.matching":
                continue  # the assignment solver (scipy replaces hand-written numerics)
            elif mine in ("model", "core") and top not in ("hypothesis",):
                problems.append(f"{module} ({mine}) imports third-party {top}")
    assert problems == []


def test_readme_examples_run(tmp_path, monkeypatch) -> None:
    # every Python block, in order, in one namespace (a later block may use an earlier one's
    # names), in a scratch directory (the journal example writes a file)
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 2, "the README has its Python examples"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)


def test_readme_commands_are_the_documented_two() -> None:
    text = (ROOT / "README.md").read_text()
    assert "pip install . && omniroute demo" in text
    assert 'pip install -e ".[test]" && python -m pytest -q' in text
    assert 'python -m pytest -q' in (ROOT / ".ci" / "run").read_text()


def test_readme_demo_output_is_current(capsys) -> None:
    from omniroute.cli import main

    assert main(["demo"]) == 0
    out = capsys.readouterr().out.rstrip()
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```\n\$ omniroute demo\n(.*?)```", text, re.S).group(1).rstrip()
    assert block == out, "README's demo output is stale: paste `omniroute demo` again"
