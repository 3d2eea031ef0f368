"""Matching waiting calls to free units when several of each are free at once.

Which calls are served is decided by priority, then age: with ``k`` free units the first ``k``
calls in that order are served, as they would be one by one. Which unit goes to which of those
calls is then chosen to minimise the total of travel times, each weighted by its call's
priority, with the Hungarian algorithm. Greedy (each call in turn takes the nearest unit left)
is one of the assignments that algorithm considers, so the optimum is never worse; ``greedy``
is kept here for the tests that show it.
"""

from __future__ import annotations

from collections.abc import Sequence

INFINITY = float("inf")


def hungarian(cost: Sequence[Sequence[float]]) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    Returns, for each row, its column. O(rows² × columns); the classic potentials method.
    """
    n = len(cost)
    if n == 0:
        return []
    m = len(cost[0])
    if n > m:
        raise ValueError("hungarian() needs at least as many columns as rows")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: the row matched to column j (1-based), 0 if none
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [INFINITY] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], INFINITY, 0
            for j in range(1, m + 1):
                if not used[j]:
                    current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < minv[j]:
                        minv[j], way[j] = current, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    assignment = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            assignment[p[j] - 1] = j - 1
    return assignment


def greedy(cost: Sequence[Sequence[float]]) -> list[int]:
    """Each row in order takes its cheapest column still free."""
    taken: set[int] = set()
    assignment = []
    for row in cost:
        column = min((j for j in range(len(row)) if j not in taken), key=lambda j: row[j])
        taken.add(column)
        assignment.append(column)
    return assignment


def total(cost: Sequence[Sequence[float]], assignment: list[int]) -> float:
    return sum(cost[i][j] for i, j in enumerate(assignment))


def plan(cost: Sequence[Sequence[float]]) -> list[int]:
    """The assignment for rows (calls) already ordered by priority then age and trimmed to at
    most as many as there are columns (units): the minimum total cost."""
    return hungarian(cost)
