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
from omniroute import serial
from omniroute.journal import (
    JournaledRouter,
    JournalError,
    JSONLinesJournal,
    SQLiteJournal,
    copy_journal,
    replay,
)
from omniroute.testing.strategies import (
    agent_policy_factories,
    contact_policy_factories,
    contact_policy_for,
)

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
    factory = agent_policy_factories[agent]
    custom = not serial.is_builtin(factory())  # Scored: journaled anyway, replayed with its factory
    jr = JournaledRouter(drv.QUEUES, factory(), contact_policy_for(contact, [q.name for q in drv.QUEUES]),
                         journal=path, custom_policies=custom)
    outs = drv.run(jr, seed, 0, calls)
    jr.close()
    res = replay(path, agent_policy=factory if custom else None)
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
    """Kill a writer with SIGKILL at random moments, resume each time, compare with a clean run.

    The writer checkpoints every few calls and resumes from its latest checkpoint plus the
    calls after it; after each kill, that recovery must give exactly the router a replay of
    the whole committed journal rebuilds (snapshots equal: every agent, contact, timer,
    update stamp and the generator's state)."""
    path, seed = tmp_path / "kill.sqlite", 21
    rng = np.random.default_rng(2024)
    committed, tails = [], []
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
        fast = replay(path, from_checkpoint=True)
        assert fast.divergence is None and fast.start + fast.calls == res.calls
        assert res.calls - fast.start < drv.CHECKPOINT_EVERY  # the latest checkpoint is restored
        assert fast.router.snapshot() == res.router.snapshot()
        tails.append(fast.calls)
    assert committed == sorted(committed) and committed[-1] > committed[0]
    assert any(tails), "some kill should have left calls after the latest checkpoint"
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


# ------------------------------------------------------------------ checkpoints
@pytest.mark.parametrize("suffix", [".sqlite", ".jsonl"])
def test_checkpoints_make_recovery_replay_only_the_tail(tmp_path, suffix) -> None:
    path = tmp_path / f"c{suffix}"
    jr = JournaledRouter(drv.QUEUES, orr.policies.Random(4), journal=path, checkpoint_every=25)
    drv.run(jr, 4, 0, 60)
    with jr.batch():  # a checkpoint inside a batch is written with it
        drv.run(jr, 4, 60, 80)
        jr.checkpoint()
        drv.run(jr, 4, 80, 90)
    mid = jr.now
    drv.run(jr, 4, 90, 110)
    jr.close()
    full = replay(path)
    fast = replay(path, from_checkpoint=True)
    assert (full.start, fast.start, fast.calls) == (0, 100, 10)  # the latest: call 100
    assert fast.router.snapshot() == full.router.snapshot() == jr.snapshot()
    assert replay(path, from_checkpoint=True, until=mid).start == 0  # the checkpoint is later
    jr2 = JournaledRouter.resume(path, checkpoint_every=25)
    assert jr2.seq == 110 and jr2.snapshot() == jr.snapshot()
    assert drv.run(jr2, 4, 110, 140) == drv.run(jr.router, 4, 110, 140)
    jr2.close()
    copied = tmp_path / ("copy.jsonl" if suffix == ".sqlite" else "copy.sqlite")
    assert copy_journal(path, copied) == 140
    res = replay(copied, from_checkpoint=True)
    assert res.start == 125 and res.router.snapshot() == jr.snapshot()


def test_a_bad_checkpoint_is_refused_and_can_be_done_without(tmp_path) -> None:
    path = tmp_path / "c.sqlite"
    jr = JournaledRouter(drv.QUEUES, orr.policies.Random(4), journal=path, checkpoint_every=10)
    drv.run(jr, 4, 0, 35)
    jr.close()
    db = sqlite3.connect(str(path))
    edited = json.loads(db.execute("SELECT json FROM checkpoints").fetchone()[0])
    edited["content"]["router"]["agents"][0]["handled"] += 1
    db.execute("UPDATE checkpoints SET json = ?", (json.dumps(edited),))
    db.commit()
    db.close()
    with pytest.raises(JournalError, match=r"checkpoint at call 30 cannot be restored .*checksum mismatch.*"
                                           r"from_checkpoint=False"):
        JournaledRouter.resume(path)
    jr2 = JournaledRouter.resume(path, from_checkpoint=False)
    assert jr2.seq == 35 and jr2.snapshot() == jr.snapshot()
    jr2.close()
    # a checkpoint of another configuration than the header's is refused, the difference named
    other = tmp_path / "o.jsonl"
    JournaledRouter(drv.QUEUES, orr.policies.Random(4), journal=other).close()
    lines = other.read_text()
    snap = orr.Router(drv.QUEUES[1:], orr.policies.Random(4)).snapshot()
    other.write_text(lines + json.dumps({"seq": 1, "call": "tick", "now": 0.0, "args": {}, "out": []}) + "\n"
                     + json.dumps({"checkpoint": 1, "snapshot": snap}) + "\n")
    with pytest.raises(JournalError, match=r"has \['backup'\], expected \['backup', 'general'\]"):
        replay(other, from_checkpoint=True)
    other.write_text(lines + json.dumps({"checkpoint": 1, "snapshot": snap}) + "\n")
    with pytest.raises(JournalError, match="malformed checkpoint"):
        replay(other, from_checkpoint=True)


def test_checkpointing_needs_a_snapshottable_router(tmp_path) -> None:
    class Mine(orr.policies.LongestIdle):
        name = "mine"

    with pytest.raises(JournalError, match="cannot be checkpointed .*does not say how it snapshots"):
        JournaledRouter(drv.QUEUES, Mine(), journal=tmp_path / "a.sqlite", custom_policies=True,
                        checkpoint_every=5)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(JournalError, match="checkpoint_every must be"):
            JournaledRouter(drv.QUEUES, journal=tmp_path / "b.sqlite", checkpoint_every=bad)

    class Stateless(orr.policies.LongestIdle):
        name = "mine"
        stateless = True

    jr = JournaledRouter(drv.QUEUES, Stateless(), journal=tmp_path / "c.sqlite", custom_policies=True,
                         checkpoint_every=5)
    drv.run(jr, 2, 0, 23)
    jr.close()
    with pytest.raises(JournalError, match="custom"):
        JournaledRouter.resume(tmp_path / "c.sqlite")
    jr2 = JournaledRouter.resume(tmp_path / "c.sqlite", agent_policy=Stateless)
    assert jr2.seq == 23 and jr2.snapshot() == jr.snapshot()
    jr2.close()
