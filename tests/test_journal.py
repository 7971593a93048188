"""The journal: accepted calls recorded, replay bit for bit, faults refused loudly, SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omniroute as orr
from omniroute.journal import (
    JournaledRouter,
    JournalError,
    JSONLinesJournal,
    SQLiteJournal,
    copy_journal,
    replay,
)
from omniroute.testing.strategies import agent_policy_factories, contact_policy_factories

sys.path.insert(0, str(Path(__file__).parent))
import journal_driver as drv  # noqa: E402


def state(router: object) -> tuple:
    return router.waiting(), router.agents(), router.now, router.next_wakeup()  # type: ignore[attr-defined]


def journaled(tmp_path: Path, name: str = "j.sqlite", seed: int = 3, calls: int = 120,
              agent: object = None) -> JournaledRouter:
    jr = JournaledRouter(drv.QUEUES, agent or orr.policies.Random(seed), journal=tmp_path / name)
    drv.run(jr, seed, 0, calls)
    return jr


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), agent=st.sampled_from(sorted(agent_policy_factories)),
       contact=st.sampled_from(sorted(contact_policy_factories)), suffix=st.sampled_from([".sqlite", ".jsonl"]),
       calls=st.integers(1, 150))
def test_replay_reproduces_every_decision(tmp_path_factory, seed, agent, contact, suffix, calls) -> None:
    path = tmp_path_factory.mktemp("j") / f"j{suffix}"
    jr = JournaledRouter(drv.QUEUES, agent_policy_factories[agent](), contact_policy_factories[contact](),
                         journal=path)
    outs = drv.run(jr, seed, 0, calls)
    jr.close()
    res = replay(path)
    assert res.divergence is None and res.calls == calls
    assert state(res.router) == state(jr.router)
    # and the two go on deciding alike
    assert drv.run(res.router, seed, calls, calls + 30) == drv.run(jr.router, seed, calls, calls + 30)
    # the journal holds the returned decisions themselves
    recs = list(SQLiteJournal(path).records() if suffix == ".sqlite" else JSONLinesJournal(path).records())
    assert [len(r["out"]) for r in recs] == [len(o) for o in outs]


def test_refused_call_is_not_recorded(tmp_path) -> None:
    jr = journaled(tmp_path, calls=20)
    before = jr.seq
    with pytest.raises(orr.UnknownContactError):
        jr.complete("nobody", jr.now + 1)
    with pytest.raises(orr.TimeOrderError):
        jr.tick(jr.now - 1)
    with pytest.raises(orr.ValidationError, match="attributes"):  # the journal cannot hold it: refused first
        jr.submit(orr.Contact("x", channel=orr.VOICE, queue="general", attributes={"f": object()}), jr.now)
    assert jr.seq == before and "x" not in {w.contact.id for w in jr.waiting()}
    jr.close()
    assert replay(tmp_path / "j.sqlite").calls == before


def test_until_and_batch_and_export(tmp_path) -> None:
    jr = JournaledRouter(drv.QUEUES, journal=tmp_path / "j.sqlite")
    with jr.batch():
        drv.run(jr, 5, 0, 40)
    mid = jr.now
    drv.run(jr, 5, 40, 80)
    jr.close()
    res = replay(tmp_path / "j.sqlite", until=mid)
    assert res.calls == 40 and res.router.now == mid
    assert copy_journal(tmp_path / "j.sqlite", tmp_path / "j.jsonl") == 80
    assert copy_journal(tmp_path / "j.jsonl", tmp_path / "k.sqlite") == 80
    assert state(replay(tmp_path / "k.sqlite").router) == state(jr.router)


def test_first_divergence_is_reported(tmp_path) -> None:
    jr = journaled(tmp_path, seed=11, calls=150)
    jr.close()
    res = replay(tmp_path / "j.sqlite", agent_policy=orr.policies.Random(12))
    d = res.divergence
    assert d is not None and res.calls == d.seq
    assert d.recorded != d.replayed and f"call {d.seq}" in str(d)
    full = replay(tmp_path / "j.sqlite", agent_policy=lambda: orr.policies.Random(12), stop=False)
    assert full.divergence == d and full.calls >= d.seq


def test_custom_policy_needs_consent_and_a_factory(tmp_path) -> None:
    class Mine(orr.policies.LongestIdle):
        name = "mine"

    with pytest.raises(JournalError, match="not a built-in policy"):
        JournaledRouter(drv.QUEUES, Mine(), journal=tmp_path / "a.sqlite")
    jr = JournaledRouter(drv.QUEUES, Mine(), journal=tmp_path / "b.sqlite", custom_policies=True)
    drv.run(jr, 1, 0, 30)
    jr.close()
    with pytest.raises(JournalError, match="custom"):
        replay(tmp_path / "b.sqlite")
    assert replay(tmp_path / "b.sqlite", agent_policy=Mine).divergence is None


def test_bad_journals_are_refused(tmp_path) -> None:
    journaled(tmp_path, "j.jsonl", calls=30).close()
    lines = (tmp_path / "j.jsonl").read_text().splitlines(keepends=True)
    # a torn last line: an error, or dropped on request
    (tmp_path / "torn.jsonl").write_text("".join(lines[:-1]) + lines[-1][:20])
    with pytest.raises(JournalError, match="line 31 is incomplete"):
        replay(tmp_path / "torn.jsonl")
    assert replay(tmp_path / "torn.jsonl", torn_tail="drop").calls == 29
    # a gap (a lost line), another version, not a journal
    (tmp_path / "gap.jsonl").write_text("".join(lines[:5] + lines[6:]))
    with pytest.raises(JournalError, match="record 5 expected, found 6"):
        replay(tmp_path / "gap.jsonl")
    head = json.loads(lines[0])
    (tmp_path / "v2.jsonl").write_text(json.dumps({**head, "version": 2}) + "\n" + "".join(lines[1:]))
    with pytest.raises(JournalError, match="version 2"):
        replay(tmp_path / "v2.jsonl")
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(JournalError, match="not a readable SQLite journal|damaged"):
        replay(tmp_path / "junk.sqlite")
    with pytest.raises(JournalError, match="no such journal"):
        replay(tmp_path / "absent.sqlite")
    # a hand-edited record is a malformed journal, not a silent divergence
    bad = json.loads(lines[3])
    bad["args"] = {"bogus": 1}
    (tmp_path / "edit.jsonl").write_text("".join(lines[:3]) + json.dumps(bad) + "\n")
    with pytest.raises(JournalError, match="bogus"):
        replay(tmp_path / "edit.jsonl")
    with pytest.raises(JournalError, match="already exists"):
        JournaledRouter(drv.QUEUES, journal=tmp_path / "j.jsonl")


def test_two_writers_are_refused(tmp_path) -> None:
    jr = journaled(tmp_path, calls=10)
    with pytest.raises(JournalError, match="another process is writing"):
        JournaledRouter.resume(tmp_path / "j.sqlite")
    # without the lock file (e.g. no flock), the record keys still refuse the second writer
    other = SQLiteJournal.__new__(SQLiteJournal)
    other.path, other._lock_fd = tmp_path / "j.sqlite", None
    other._db = sqlite3.connect(str(tmp_path / "j.sqlite"), isolation_level=None)
    other.append([{"seq": 11, "call": "tick", "now": 1e9, "args": {}, "out": []}])
    with pytest.raises(JournalError, match="record 11 was already written"):
        jr.tick(jr.now)
    with pytest.raises(JournalError, match="ahead of its journal"):
        jr.tick(jr.now)
    other.close()
    jr.close()


def test_sigkill_loses_and_doubles_nothing(tmp_path) -> None:
    """Kill a writer with SIGKILL at random moments, resume each time, compare with a clean run."""
    path, seed = tmp_path / "kill.sqlite", 21
    rng = np.random.default_rng(2024)
    committed = []
    for _ in range(8):
        p = subprocess.Popen([sys.executable, str(Path(__file__).parent / "journal_driver.py"), str(path), str(seed)],
                             stdout=subprocess.PIPE, text=True)
        started = p.stdout.readline().split()  # type: ignore[union-attr]
        assert started[0] == "started" and int(started[1]) == (committed[-1] if committed else 0)
        time.sleep(float(rng.uniform(0.0, 0.15)))  # a random point of the writer's work
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()  # type: ignore[union-attr]
        res = replay(path)
        assert res.divergence is None
        committed.append(res.calls)
    assert committed == sorted(committed) and committed[-1] > committed[0]
    # the clean run of the same stream, cut where the last commit was
    clean = orr.Router(drv.QUEUES, orr.policies.Random(seed), orr.policies.PriorityFIFO())
    drv.run(clean, seed, 0, committed[-1])
    rebuilt = replay(path).router
    assert state(rebuilt) == state(clean)
    n = committed[-1]
    assert drv.run(rebuilt, seed, n, n + 40) == drv.run(clean, seed, n, n + 40)


def test_replay_command(tmp_path, capsys) -> None:
    from omniroute.cli import main

    journaled(tmp_path, calls=200, agent=orr.policies.LongestIdle()).close()
    path = str(tmp_path / "j.sqlite")
    assert main(["replay", path]) == 0
    assert "every decision reproduced" in capsys.readouterr().out
    assert main(["replay", path, "--until", "60", "--agent-policy", "best-fit"]) == 0
    out = capsys.readouterr().out
    assert "re-run: best-fit / priority-fifo" in out and "general" in out and "->" in out
    assert main(["replay", path + "x"]) == 2
    assert main(["replay", path, "--agent-policy", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no such journal" in err[0] and "unknown agent policy" in err[1]
