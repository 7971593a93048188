"""The two builds of the core (router and simulation engine): compiled (mypyc) and pure
Python, same decisions and same simulation reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import omniroute as orr
from omniroute import _accel

PKG = Path(orr.__file__).parent

# A seeded stream of every kind of call through one router; prints the build and a digest
# of every answer (assignments with reasons and scores, refusals) and the final views.
STREAM = """
import hashlib, omniroute as orr
from omniroute.testing import soak
digest = hashlib.sha256()
for seed, policy in ((1, "longest-idle"), (2, "random"), (3, "most-skilled"), (4, "preferred+longest-idle")):
    r = orr.Router(soak.queues(), agent_policy=soak.AGENT_POLICIES[policy]())
    d = soak.Driver([r], seed)
    for _ in range(3000):
        d.step()
    for name, (answer,) in d.log:
        digest.update(repr((name, answer)).encode())
    digest.update(repr((r.waiting(), r.agents(), r.next_wakeup())).encode())
print(orr.ACCELERATED, digest.hexdigest())
"""


# Every engine path (lean_cases.features) and a bundled scenario: prints whether the
# engine is the compiled one and a digest of the reports.
SIM = f"""
import sys; sys.path.insert(0, {str(Path(__file__).parent / "sim")!r})
import omniroute.sim.engine as engine
from omniroute import sim
from lean_cases import cases, digest
print(not engine.__file__.endswith(".py"), "-".join(digest(sim.run(sc, seed)) for sc, seed in cases().values()))
"""


def run_stream(pure: bool, code: str = STREAM) -> tuple[str, str]:
    env = dict(os.environ, OMNIROUTE_PURE_PYTHON="1" if pure else "0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    build, digest = out.stdout.split()
    return build, digest


def compiled_present() -> bool:
    return all(_accel._extension(name) for name in _accel.COMPILED)


def test_pure_python_is_forced_by_the_environment() -> None:
    build, _ = run_stream(pure=True)
    assert build == "False"


@pytest.mark.skipif(not compiled_present(), reason="this install is the pure-Python build")
def test_compiled_and_pure_builds_make_identical_decisions() -> None:
    compiled, want = run_stream(pure=False)
    pure, got = run_stream(pure=True)
    assert (compiled, pure) == ("True", "False")
    assert got == want


@pytest.mark.skipif(not compiled_present(), reason="this install is the pure-Python build")
def test_compiled_and_pure_engines_give_identical_reports() -> None:
    compiled, want = run_stream(pure=False, code=SIM)
    pure, got = run_stream(pure=True, code=SIM)
    assert (compiled, pure) == ("True", "False")
    assert got == want


def test_accelerated_says_which_build_runs() -> None:
    origin = sys.modules["omniroute.router"].__spec__.origin
    assert orr.ACCELERATED == (not origin.endswith(".py"))
    if os.environ.get("OMNIROUTE_PURE_PYTHON") == "1":
        assert not orr.ACCELERATED
