"""Erlang B, C and A against birth-death chains solved numerically, textbook values,
and the extremes (10,000 agents, loads above 1, very long patience)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, sparse, stats
from scipy.sparse import linalg as sparse_linalg

from omniroute import analytics

# ---------------------------------------------------------------- the independent route


def chain(lam: float, h: float, n: int, patience: float | None, states: int) -> np.ndarray:
    """Stationary distribution of the birth-death chain on 0..states-1 (truncated), solved
    as a linear system pi Q = 0, sum pi = 1."""
    mu = 1.0 / h
    theta = 0.0 if patience is None else 1.0 / patience
    q = np.zeros((states, states))
    for k in range(states):
        if k + 1 < states:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(0, k - n) * theta
        q[k, k] = -q[k].sum()
    a = np.vstack([q.T[:-1], np.ones(states)])
    b = np.zeros(states)
    b[-1] = 1.0
    return np.linalg.solve(a, b)


def tagged(lam: float, h: float, n: int, patience: float, states: int):
    """A tagged arrival's fate as an absorbing chain: transient states = its queue position
    1..m; exits to 'served' (from position 1, rate n mu) and 'abandoned' (rate theta).
    Returns (p_no_wait, p0, T, served_exit, abandon_exit)."""
    pi = chain(lam, h, n, patience, states)
    mu, theta = 1.0 / h, 1.0 / patience
    m = states - n
    t = np.zeros((m, m))
    served, aband = np.zeros(m), np.full(m, theta)
    for i in range(m):
        forward = n * mu + i * theta  # position i+1: i ahead, each may abandon
        t[i, i] = -(forward + theta)
        if i == 0:
            served[i] = forward
        else:
            t[i, i - 1] = forward
    return pi[:n].sum(), pi[n:], t, served, aband


def absorbed_by(p0, t, exits, at: float) -> np.ndarray:
    """P(absorbed through each column of ``exits`` by time ``at``) = p0 (I - e^{Tt}) (-T)^-1 r."""
    x = np.linalg.solve(-t, exits)
    return p0 @ x - p0 @ sparse_linalg.expm_multiply(sparse.csr_matrix(t * at), x)


GRID = [
    (5 / 300, 300.0, 10),
    (100 / 1800, 180.0, 14),
    (0.9, 10.0, 12),
    (0.02, 120.0, 3),
    (1 / 60, 60.0, 1),
    (2.0, 20.0, 45),
]


# ---------------------------------------------------------------- Erlang B


@pytest.mark.parametrize("lam,h,n", GRID)
def test_erlang_b_matches_chain(lam, h, n):
    pi = chain(lam, h, n, None, n + 1)  # the loss system: states 0..n
    b = analytics.erlang_b(lam, h, n)
    assert b.p_block == pytest.approx(pi[n], rel=1e-10)
    assert b.carried_load == pytest.approx(sum(k * p for k, p in enumerate(pi)), rel=1e-10)
    assert b.occupancy == pytest.approx(b.carried_load / n)


def test_erlang_b_textbook():
    # Erlang B tables: 5 Erlangs on 10 circuits block 1.838%; 2 Erlangs on 5 block 3.67%.
    assert analytics.erlang_b(5 / 300, 300.0, 10).p_block == pytest.approx(0.018385, abs=1e-6)
    assert analytics.erlang_b(2 / 100, 100.0, 5).p_block == pytest.approx(0.0367, abs=1e-4)


@pytest.mark.parametrize("n,load", [(10_000, 9_800.0), (10_000, 10_000.0), (10_000, 25_000.0),
                                    (10_000, 1.0), (5_000, 4_999.9), (1, 1e6)])
def test_erlang_b_matches_recurrence_up_to_10000_agents(n, load):
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    got = analytics.erlang_b(load / 100.0, 100.0, n).p_block
    assert math.isfinite(got)
    assert got == pytest.approx(b, rel=1e-9, abs=1e-300)


# ---------------------------------------------------------------- Erlang C


def test_erlang_c_textbook_example():
    # 100 calls in 30 minutes, 3-minute handle time, 14 agents.
    c = analytics.erlang_c(arrival_rate=100 / 1800, handle_time=180.0, agents=14)
    assert c.load == pytest.approx(10.0)
    assert round(c.p_wait, 4) == 0.1741
    assert round(c.service_level(20.0), 3) == 0.888
    assert round(c.occupancy, 3) == 0.714
    assert c.asa == pytest.approx(7.84, abs=0.005)
    assert c.mean_queue == pytest.approx(c.asa * 100 / 1800)
    assert c.stable and c.p_abandon == 0.0


@pytest.mark.parametrize("lam,h,n", [g for g in GRID if g[0] * g[1] < g[2]])
def test_erlang_c_matches_chain(lam, h, n):
    states = n + 600
    pi = chain(lam, h, n, None, states)
    c = analytics.erlang_c(lam, h, n)
    p_wait = pi[n:].sum()
    lq = sum((k - n) * pi[k] for k in range(n, states))
    assert c.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert c.mean_queue == pytest.approx(lq, rel=1e-8)
    assert c.asa == pytest.approx(lq / lam, rel=1e-8)  # Little
    # FIFO: a contact finding k >= n present waits for k - n + 1 completions at rate n mu
    for t in (0.0, 5.0, 20.0, 120.0):
        waits = stats.gamma.cdf(t, a=np.arange(1, states - n + 1), scale=h / n)
        assert c.service_level(t) == pytest.approx(pi[:n].sum() + pi[n:] @ waits, abs=1e-10)


def test_erlang_c_unstable_is_reported_not_raised():
    c = analytics.erlang_c(1.0, 10.0, 10)
    assert not c.stable
    assert c.p_wait == 1.0 and c.asa == math.inf and c.service_level(20.0) == 0.0
    assert c.occupancy == 1.0


def test_erlang_c_10000_agents():
    c = analytics.erlang_c(9_800 / 300, 300.0, 10_000)
    values = [c.p_wait, c.asa, c.service_level(20.0), c.mean_queue, c.occupancy]
    assert all(math.isfinite(v) for v in values)
    assert 0.0 < c.p_wait < 0.1 and c.service_level(20.0) > 0.999 and c.occupancy == 0.98
    # the Halfin-Whitt approximation for beta = 200 / sqrt(9800)
    beta = 200 / math.sqrt(9_800)
    alpha = 1 / (1 + beta * stats.norm.cdf(beta) / stats.norm.pdf(beta))
    assert c.p_wait == pytest.approx(alpha, rel=0.05)


# ---------------------------------------------------------------- Erlang A

A_GRID = [
    (100 / 1800, 180.0, 14, 120.0),
    (100 / 1800, 180.0, 9, 60.0),  # load 10 on 9 agents
    (0.1, 300.0, 20, 300.0),  # load 30 on 20 agents: 1.5 per agent
    (0.05, 300.0, 20, 30.0),
    (0.02, 120.0, 3, 1000.0),
    (1 / 60, 60.0, 1, 20.0),
]


@pytest.mark.parametrize("lam,h,n,patience", A_GRID)
def test_erlang_a_matches_chain(lam, h, n, patience):
    states = n + 400
    pi = chain(lam, h, n, patience, states)
    a = analytics.erlang_a(lam, h, n, patience)
    lq = sum((k - n) * pi[k] for k in range(n, states))
    assert a.p_wait == pytest.approx(pi[n:].sum(), rel=1e-9)
    assert a.mean_queue == pytest.approx(lq, rel=1e-8)
    assert a.p_abandon == pytest.approx(lq / patience / lam, rel=1e-8)  # abandons = theta Lq
    busy = sum(min(k, n) * p for k, p in enumerate(pi))
    assert a.occupancy == pytest.approx(busy / n, rel=1e-9)


@pytest.mark.parametrize("lam,h,n,patience", A_GRID)
def test_erlang_a_waits_match_tagged_chain(lam, h, n, patience):
    no_wait, p0, t, served, aband = tagged(lam, h, n, patience, n + 200)
    a = analytics.erlang_a(lam, h, n, patience)
    x = np.linalg.solve(-t, served)
    p_answered = no_wait + p0 @ x
    assert a.p_answered == pytest.approx(p_answered, rel=1e-9)
    # E[W; answered] = p0 T^-2 r
    assert a.asa == pytest.approx(p0 @ np.linalg.solve(-t, x) / p_answered, rel=1e-8)
    for within in (0.0, 5.0, 20.0, 60.0, 300.0):
        by_then = absorbed_by(p0, t, np.column_stack([served, aband]), within)
        answered, abandoned = no_wait + by_then[0], by_then[1]
        assert a.service_level(within) == pytest.approx(answered, abs=1e-10)
        assert a.abandoned_within(within) == pytest.approx(abandoned, abs=1e-10)
        assert a.service_level_excluding_abandons(within) == pytest.approx(
            answered / (1 - abandoned), abs=1e-10
        )


def test_erlang_a_asa_is_the_integral_of_its_waiting_time_tail():
    a = analytics.erlang_a(100 / 1800, 180.0, 12, 200.0)
    tail, _ = integrate.quad(lambda t: a.p_answered - a.service_level(t), 0, np.inf, limit=200)
    assert a.asa == pytest.approx(tail / a.p_answered, rel=1e-7)


def test_erlang_a_abandon_within_threshold_is_a_miss():
    a = analytics.erlang_a(0.1, 300.0, 20, 60.0)
    assert a.service_level(20.0) < a.service_level_excluding_abandons(20.0)
    assert a.service_level(1e9) == pytest.approx(a.p_answered)
    assert a.abandoned_within(1e9) == pytest.approx(a.p_abandon)
    assert a.service_level(0.0) == pytest.approx(1 - a.p_wait)


@pytest.mark.parametrize("per_agent", [1.0, 1.5, 3.0, 20.0])
def test_erlang_a_load_above_one_is_finite(per_agent):
    n = 50
    a = analytics.erlang_a(per_agent * n / 300, 300.0, n, 180.0)
    values = [a.p_wait, a.p_abandon, a.asa, a.mean_queue, a.occupancy, a.service_level(20.0)]
    assert all(math.isfinite(v) for v in values)
    # at least the excess load is lost, and agents are nearly always busy
    assert a.p_abandon >= 1 - 1 / per_agent - 1e-12
    assert 0.0 < a.occupancy <= 1.0


def test_erlang_a_10000_agents():
    for load in (9_000.0, 10_000.0, 12_000.0):
        a = analytics.erlang_a(load / 300, 300.0, 10_000, 300.0)
        values = [a.p_wait, a.p_abandon, a.asa, a.mean_queue, a.service_level(20.0),
                  a.service_level_excluding_abandons(20.0)]
        assert all(math.isfinite(v) and v >= 0 for v in values)
    # at load = agents, with patience = handle time: x = y = n, P(wait) = 1/2 (GMR), about
    # 1 / sqrt(2 pi n) of contacts abandon
    a = analytics.erlang_a(10_000 / 300, 300.0, 10_000, 300.0)
    assert a.p_wait == pytest.approx(0.5, abs=0.005)
    assert a.p_abandon == pytest.approx(1 / math.sqrt(2 * math.pi * 10_000), rel=0.01)


@pytest.mark.parametrize("patience", [1e4, 1e6, 1e8])
def test_erlang_a_tends_to_erlang_c(patience):
    c = analytics.erlang_c(100 / 1800, 180.0, 14)
    a = analytics.erlang_a(100 / 1800, 180.0, 14, patience)
    scale = 180.0 / patience  # the gap closes like handle_time / patience
    assert a.p_wait == pytest.approx(c.p_wait, rel=20 * scale)
    assert a.asa == pytest.approx(c.asa, rel=20 * scale)
    assert a.service_level(20.0) == pytest.approx(c.service_level(20.0), rel=20 * scale)
    assert a.p_abandon == pytest.approx(c.asa / patience, rel=20 * scale)  # P(ab) ~ E[W]/patience


def test_erlang_a_infinite_patience_is_erlang_c():
    c = analytics.erlang_c(100 / 1800, 180.0, 14)
    a = analytics.erlang_a(100 / 1800, 180.0, 14, math.inf)
    assert (a.p_wait, a.asa, a.p_abandon) == (c.p_wait, c.asa, 0.0)
    assert a.service_level(20.0) == c.service_level(20.0)
    assert a.mean_queue == pytest.approx(c.mean_queue)


def test_zero_arrivals():
    assert analytics.erlang_b(0.0, 100.0, 3).p_block == 0.0
    assert analytics.erlang_c(0.0, 100.0, 3).asa == 0.0
    a = analytics.erlang_a(0.0, 100.0, 3, 60.0)
    assert (a.p_wait, a.p_abandon, a.service_level(20.0)) == (0.0, 0.0, 1.0)


def test_to_dict():
    d = analytics.erlang_a(0.1, 300.0, 20, 300.0).to_dict(within=20.0)
    assert d["model"] == "erlang_a" and d["agents"] == 20 and "service_level" in d
    assert analytics.erlang_c(0.01, 300.0, 5).to_dict(20.0)["service_level"] > 0
    assert analytics.erlang_b(0.01, 300.0, 5).to_dict()["p_block"] > 0


@settings(max_examples=40, deadline=None)
@given(
    load=st.floats(0.1, 200.0),
    n=st.integers(1, 250),
    patience=st.floats(1.0, 3600.0),
    within=st.floats(0.0, 600.0),
)
def test_more_agents_never_hurt(load, n, patience, within):
    h = 300.0
    a0, a1 = (analytics.erlang_a(load / h, h, k, patience) for k in (n, n + 1))
    assert a1.service_level(within) >= a0.service_level(within) - 1e-12
    assert a1.p_abandon <= a0.p_abandon + 1e-12
    assert a1.asa <= a0.asa * (1 + 1e-9) + 1e-12
    assert 0.0 <= a0.service_level(within) <= a0.p_answered + 1e-12
    c0, c1 = (analytics.erlang_c(load / h, h, k) for k in (n, n + 1))
    assert c1.service_level(within) >= c0.service_level(within) - 1e-12
    assert analytics.erlang_b(load / h, h, n + 1).p_block <= analytics.erlang_b(load / h, h, n).p_block
