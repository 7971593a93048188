"""Joint (batch) matching: the assignment solved when several contacts and agents meet at once.

:func:`solve` takes a bipartite problem — rows are contacts in the contact policy's order
(row 0 first), columns are agents, an edge ``(row, column) -> cost`` where that agent may
take that contact — and returns the pairs to assign, at most one per row and per column.
It optimises, lexicographically:

1. **how many contacts are served** — a maximum matching;
2. **then the contact policy's order** — the set of rows served is the best in row order:
   no row is left out while a later row is served in its place if some maximum matching
   serves it.  (Rows a matching can serve together form a transversal matroid, whose
   maximal sets all have the same size, so taking rows in order and keeping each one that
   still fits satisfies 1 and 2 at once: there is no trade between them.)
3. **then the least total cost** over the edges used, among the matchings that serve
   exactly that set of rows: the router's cost is the agent policy's preference (the
   agent's position in that contact's ranking, 0 for its first choice) or, for
   :class:`~omniroute.policies.Scored`, minus the score (the highest total score wins).

Ties in 3 go to the first optimum scipy's ``linear_sum_assignment`` finds on the rows in
row order and the columns in the order given: the same input, the same pairs.

Cost: step 1–2 is one augmenting-path search per row, O(rows × edges); step 3 is the
shortest augmenting path algorithm, O(rows² × columns).  The router calls it only with the
contacts and agents that meet at one instant.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["solve", "served_rows"]


def served_rows(n_rows: int, edges: Mapping[tuple[int, int], float]) -> list[int]:
    """The rows a maximum matching serves, best in row order (objectives 1 and 2)."""
    adj: dict[int, list[int]] = {}
    for (i, j) in sorted(edges):
        adj.setdefault(i, []).append(j)
    owner: dict[int, int] = {}  # column -> row currently matched to it

    def augment(start: int) -> bool:
        """Find an augmenting path from row ``start`` (depth-first, without recursion, so
        that thousands of rows do not reach Python's recursion limit) and flip it."""
        seen: set[int] = set()
        path: list[tuple[int, int]] = []  # the edges from the root to the row being explored
        stack = [(start, iter(adj[start]))]
        while stack:
            i, cols = stack[-1]
            for j in cols:
                if j in seen:
                    continue
                seen.add(j)
                path.append((i, j))
                if j not in owner:
                    for row, col in path:  # flip: each row on the path takes its column
                        owner[col] = row
                    return True
                stack.append((owner[j], iter(adj[owner[j]])))
                break
            else:  # row i has no way on: back up, dropping the edge that led to it
                stack.pop()
                if path:
                    path.pop()
        return False

    # Augmenting never unmatches a row: rows kept stay served, so the greedy over the rows
    # in order is the matroid greedy.
    return [i for i in range(n_rows) if i in adj and augment(i)]


def solve(n_rows: int, n_cols: int, edges: Mapping[tuple[int, int], float]) -> list[tuple[int, int]]:
    """The pairs ``(row, column)`` to assign, in row order (see the module docstring)."""
    rows = served_rows(n_rows, edges)
    if not rows:
        return []
    if len(rows) == 1 and n_cols == 1:
        return [(rows[0], 0)]
    import numpy as np  # scipy is loaded only when a joint solve happens
    from scipy.optimize import linear_sum_assignment

    cost = np.full((len(rows), n_cols), np.inf)
    for k, i in enumerate(rows):
        for j in range(n_cols):
            c = edges.get((i, j))
            if c is not None:
                cost[k, j] = c
    # Every row has a finite-cost column in some full matching (step 1), so the rectangular
    # problem (rows <= columns) is feasible and each row gets a column.
    got_rows, got_cols = linear_sum_assignment(cost)
    return [(rows[int(k)], int(j)) for k, j in zip(got_rows, got_cols, strict=True)]
