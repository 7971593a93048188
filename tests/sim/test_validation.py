"""The simulation against queueing theory: Erlang C, Erlang A and an N-design CTMC.

Reference values are computed here from first principles (birth-death chains and a
phase-type tagged-customer analysis), not from ``omniroute.analytics``.  Each check asks
the replications' 95% Student-t interval, widened by a small absolute floor, to hold the
exact value.  Fixed seeds: the outcome is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import linalg, sparse
from scipy.sparse import linalg as splinalg

import omniroute as orr
from omniroute import sim


def birth_death(lam: float, mu: float, n: int, theta: float, cap: int) -> np.ndarray:
    """Stationary law of M/M/n+M (theta=0: M/M/n) truncated at ``cap`` in system."""
    logp = np.zeros(cap + 1)
    for k in range(1, cap + 1):
        death = min(k, n) * mu + max(k - n, 0) * theta
        logp[k] = logp[k - 1] + math.log(lam / death)
    p = np.exp(logp - logp.max())
    return p / p.sum()


def reference(lam: float, handle: float, n: int, patience: float | None, t: float) -> dict[str, float]:
    """p_wait, asa, service_level(t), abandon_rate of M/M/n(+M), by a tagged customer."""
    mu = 1.0 / handle
    theta = 0.0 if patience is None else 1.0 / patience
    cap = n + 400
    pi = birth_death(lam, mu, n, theta, cap)  # PASTA: what an arrival finds
    p_wait = float(pi[n:].sum())
    # an arrival finding k >= n waits behind j = k - n; it moves up at n*mu + j*theta,
    # is served from j = 0 at n*mu, abandons at theta throughout.
    J = cap - n + 1
    Q = np.zeros((J, J))
    served = np.zeros(J)
    for j in range(J):
        Q[j, j] = -(n * mu + j * theta + theta)
        if j > 0:
            Q[j, j - 1] = n * mu + j * theta
    served[0] = n * mu
    alpha = pi[n:]
    N = np.linalg.inv(-Q)
    p_served_wait = alpha @ N @ served
    wait_served = alpha @ N @ N @ served  # E[W 1{served}] among waiters
    p_served = (1 - p_wait) + p_served_wait
    within = (1 - p_wait) + alpha @ ((np.eye(J) - linalg.expm(Q * t)) @ N @ served)
    return {
        "p_wait": p_wait,
        "asa": float(wait_served / p_served),
        "service_level": float(within),
        "abandon_rate": float(1 - p_served),
    }


def test_reference_matches_erlang_c_closed_form():
    lam, h, n = 100 / 1800, 180.0, 14  # DESIGN: 0.1741, 7.84, 0.888
    r = reference(lam, h, n, None, 20.0)
    assert r["p_wait"] == pytest.approx(0.1741, abs=1e-4)
    assert r["asa"] == pytest.approx(7.84, abs=0.01)
    assert r["service_level"] == pytest.approx(0.888, abs=1e-3)


FLOOR = {"p_wait": 0.01, "asa": 1.0, "service_level": 0.01, "abandon_rate": 0.005}


def check(summary: sim.Summary, ref: dict[str, float], group: str = "overall", key: str | None = None) -> None:
    for kpi, exact in ref.items():
        e = summary.kpi(kpi, group, key)
        floor = FLOOR[kpi]
        assert e.low - floor <= exact <= e.high + floor, (kpi, exact, e)


@pytest.mark.parametrize("agents, per_hour", [(10, 255.0), (20, 540.0)])
def test_mmn_against_erlang_c(agents, per_hour, mmn):
    handle = 120.0
    s = sim.replicate(mmn(agents, per_hour, handle, horizon=6 * 3600.0, warmup=1800.0), 16, seed=11)
    check(s, reference(per_hour / 3600, handle, agents, None, 20.0))


def test_mmn_m_against_erlang_a(mmn):
    agents, per_hour, handle, patience = 15, 480.0, 120.0, 180.0  # offered load 16 > 15
    s = sim.replicate(mmn(agents, per_hour, handle, patience=patience, horizon=6 * 3600.0,
                          warmup=1800.0), 16, seed=12)
    ref = reference(per_hour / 3600, handle, agents, patience, 20.0)
    assert ref["abandon_rate"] > 0.05  # a real test of abandonment
    check(s, ref)


# --------------------------------------------------------------------------- N-design


def n_design_chain(lam1: float, lam2: float, mu1: float, mu2: float, n1: int, n2: int, cap: int):
    """Stationary law of the N-design: pool 1 serves class 1 and overflow of class 2 (only
    when pool 2 is full); a freed pool-1 agent serves class 1 first.

    State (b11, b12, b22, q1, q2): pool-1 agents busy with class 1 / class 2, pool-2 busy,
    queue lengths (each truncated at ``cap``).
    """
    states = []
    for b11 in range(n1 + 1):
        for b12 in range(n1 + 1 - b11):
            for b22 in range(n2 + 1):
                full1 = b11 + b12 == n1
                for q1 in range(cap + 1 if full1 else 1):
                    for q2 in range(cap + 1 if (full1 and b22 == n2) else 1):
                        states.append((b11, b12, b22, q1, q2))
    index = {s: i for i, s in enumerate(states)}
    rows, cols, vals = [], [], []

    def add(s, t, rate):
        if rate > 0 and t in index:
            rows.append(index[s])
            cols.append(index[t])
            vals.append(rate)

    for s in states:
        b11, b12, b22, q1, q2 = s
        full1 = b11 + b12 == n1
        add(s, (b11, b12, b22, q1 + 1, q2) if full1 else (b11 + 1, b12, b22, q1, q2), lam1)
        if b22 < n2:
            add(s, (b11, b12, b22 + 1, q1, q2), lam2)
        elif not full1:
            add(s, (b11, b12 + 1, b22, q1, q2), lam2)
        else:
            add(s, (b11, b12, b22, q1, q2 + 1), lam2)
        for rate, kind in ((b11 * mu1, "11"), (b12 * mu2, "12")):
            if q1 > 0:
                t = (b11, b12, b22, q1 - 1, q2) if kind == "11" else (b11 + 1, b12 - 1, b22, q1 - 1, q2)
            elif q2 > 0:
                t = (b11 - 1, b12 + 1, b22, q1, q2 - 1) if kind == "11" else (b11, b12, b22, q1, q2 - 1)
            else:
                t = (b11 - 1, b12, b22, q1, q2) if kind == "11" else (b11, b12 - 1, b22, q1, q2)
            add(s, t, rate)
        add(s, (b11, b12, b22, q1, q2 - 1) if q2 > 0 else (b11, b12, b22 - 1, q1, q2), b22 * mu2)
    m = len(states)
    G = sparse.csr_matrix((vals, (rows, cols)), shape=(m, m))
    G = G - sparse.diags(np.asarray(G.sum(axis=1)).ravel())
    A = G.T.tolil()
    A[0, :] = 1.0  # replace one balance equation by normalisation
    b = np.zeros(m)
    b[0] = 1.0
    pi = splinalg.spsolve(A.tocsc(), b)
    S = np.array(states)
    full1 = S[:, 0] + S[:, 1] == n1
    full2 = S[:, 2] == n2
    return {
        "p_wait_1": float(pi[full1].sum()),
        "p_wait_2": float(pi[full1 & full2].sum()),
        "asa_1": float(pi @ S[:, 3]) / lam1,
        "asa_2": float(pi @ S[:, 4]) / lam2,
        "tail": float(pi[(S[:, 3] == cap) | (S[:, 4] == cap)].sum()),
    }


def test_n_design_against_its_markov_chain():
    n1, n2 = 4, 3
    h1, h2 = 100.0, 150.0
    lam1, lam2 = 0.024, 0.02  # loads 2.4 and 3.0 on 7 agents
    ref = n_design_chain(lam1, lam2, 1 / h1, 1 / h2, n1, n2, cap=40)
    assert ref["tail"] < 1e-6
    sc = sim.Scenario(
        queues=[sim.QueueSpec(orr.Queue("one", priority=1), needs={"s1": 1}),
                sim.QueueSpec(orr.Queue("two", priority=0), needs={"s2": 1})],
        agents=[sim.AgentGroup(n1, skills={"s1": 1, "s2": 1}, team="pool1"),
                sim.AgentGroup(n2, skills={"s2": 1}, team="pool2")],
        demand=[sim.Demand("one", sim.Arrivals(lam1 * 3600), sim.Exponential(h1)),
                sim.Demand("two", sim.Arrivals(lam2 * 3600), sim.Exponential(h2))],
        # best-fit: a class-2 contact takes a pool-2 agent (no unneeded skill) when one is idle
        routing=sim.Routing(agent="best-fit", contact="priority-fifo"),
        horizon=8 * 3600.0, warmup=3600.0,
    )
    s = sim.replicate(sc, 16, seed=13)
    for cls, q in (("1", "one"), ("2", "two")):
        for kpi in ("p_wait", "asa"):
            e = s.kpi(kpi, "queues", q)
            exact = ref[f"{kpi}_{cls}"]
            floor = FLOOR[kpi]
            assert e.low - floor <= exact <= e.high + floor, (q, kpi, exact, e)
