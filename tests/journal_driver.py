"""A deterministic, resumable stream of router calls for the journal tests.

Call ``k`` (the k-th *accepted* call) is drawn from ``default_rng([seed, k, attempt])`` and the
router's state alone, so a router rebuilt from a journal of k calls continues the very same
stream.  Run as a script, it is the writer process the SIGKILL test kills; it writes a
checkpoint every ``CHECKPOINT_EVERY`` calls and resumes from the latest one.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import omniroute as orr

SKILLS = ("billing", "loans")
QUEUES = [
    orr.Queue("general", sla=orr.ServiceLevel(0.8, 20.0), steps=[orr.Step(15.0, lower=1)],
              overflow=orr.Overflow(60.0, "backup")),
    orr.Queue("backup", priority=1, forget_declines=10.0),
]


def one_call(router: Any, seed: int, k: int) -> tuple[str, list[orr.Assignment]]:
    """Make accepted call number ``k`` on ``router``; returns its name and assignments."""
    for attempt in range(100):
        rng = np.random.default_rng([seed, k, attempt])
        now = round(router.now + float(rng.exponential(2.0)), 3)
        agents = router.agents()
        held = [c for a in agents for c in a.contacts]
        waiting = [w.contact.id for w in router.waiting()]
        kind = int(rng.integers(10))
        try:
            if kind == 0 or not agents:
                aid = f"a{int(rng.integers(6))}"
                skills = {s: int(rng.integers(1, 4)) for s in SKILLS if rng.random() < 0.7}
                return "add_agent", router.add_agent(orr.Agent(aid, skills=skills, tier=int(rng.integers(1, 3)),
                                                               capacity={orr.VOICE: 1, orr.CHAT: 2}), now)
            aid = agents[int(rng.integers(len(agents)))].agent.id
            if kind == 1:
                return "set_available", router.set_available(aid, now)
            if kind == 2:
                return ("set_away", router.set_away(aid, now, "break")) if rng.random() < 0.5 else \
                    ("logout", router.logout(aid, now))
            if kind in (3, 4, 5):
                cid = f"c{k}"
                ch = orr.VOICE if rng.random() < 0.6 else orr.CHAT
                needs = {s: int(rng.integers(1, 3)) for s in SKILLS if rng.random() < 0.5}
                return "submit", router.submit(orr.Contact(cid, channel=ch, queue="general", needs=needs,
                                                           priority=int(rng.integers(2))), now)
            if kind in (6, 7) and held:
                cid = held[int(rng.integers(len(held)))]
                return "complete", router.complete(cid, now, wrap_up=float(rng.integers(0, 3)))
            if kind == 8 and waiting:
                return "abandon", router.abandon(waiting[int(rng.integers(len(waiting)))], now)
            if kind == 9 and held:
                cid = held[int(rng.integers(len(held)))]
                if rng.random() < 0.5:
                    return "decline", router.decline(cid, now)
                return "transfer", router.transfer(cid, now, queue="backup")
            return "tick", router.tick(now)
        except orr.OmnirouteError:
            continue  # refused: nothing applied; draw another call
    raise AssertionError("no call accepted in 100 attempts")


def run(router: Any, seed: int, start: int, stop: int) -> list[list[orr.Assignment]]:
    """Accepted calls ``start+1 .. stop``; returns what each returned."""
    return [one_call(router, seed, k)[1] for k in range(start + 1, stop + 1)]


#: The writer's checkpoint interval (small: the SIGKILL test should cut some checkpoints).
CHECKPOINT_EVERY = 7


def writer(path: str, seed: int) -> None:
    """Append calls to the journal at ``path`` forever (resuming it from its latest checkpoint
    and the calls after it, if it exists)."""
    import os

    from omniroute.journal import JournaledRouter

    if os.path.exists(path):
        jr = JournaledRouter.resume(path, checkpoint_every=CHECKPOINT_EVERY)
    else:
        jr = JournaledRouter(QUEUES, orr.policies.Random(seed), orr.policies.PriorityFIFO(), journal=path,
                             checkpoint_every=CHECKPOINT_EVERY)
    print("started", jr.seq, flush=True)
    k = jr.seq
    while True:
        k += 1
        one_call(jr, seed, k)


if __name__ == "__main__":
    writer(sys.argv[1], int(sys.argv[2]))
