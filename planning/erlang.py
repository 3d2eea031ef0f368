"""Erlang C: the M/M/c queue's chance of waiting, and the fewest servers for a wait target.

Pure functions, no Django. ``load`` is the offered load a = λ / μ (arrivals per hour times the
mean service time in hours). Erlang B is computed by its recursion, B(0) = 1,
B(k) = a·B(k-1) / (k + a·B(k-1)), which never overflows (the textbook formula's a^c / c! does),
and C from B: C = c·B / (c - a·(1 - B)).
"""

from __future__ import annotations

import math

MAX_SERVERS = 10_000  # far beyond any program: a guard, never a plan


def erlang_b(servers: int, load: float) -> float:
    """The chance that all ``servers`` are busy in a loss system (M/M/c/c)."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """P(wait > 0): the chance an arriving call finds every server busy and waits. 1 when the
    queue is unstable (servers <= load): the wait then grows without bound."""
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1 - blocking))


def wait_longer_than(servers: int, arrivals_per_hour: float, service_minutes: float, minutes: float) -> float:
    """P(wait > t) = C · exp(-(cμ - λ) t) for ``servers`` units, λ calls an hour and a mean
    service of ``service_minutes``."""
    if arrivals_per_hour <= 0:
        return 0.0
    per_unit = 60.0 / service_minutes  # μ: calls one unit finishes in an hour
    load = arrivals_per_hour / per_unit
    if servers <= load:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers * per_unit - arrivals_per_hour) * minutes / 60.0)


def servers_needed(arrivals_per_hour: float, service_minutes: float, minutes: float, share: float) -> int:
    """The fewest units c with c > a (a stable queue) and P(wait > ``minutes``) <= ``share``;
    0 when no call is expected."""
    if arrivals_per_hour <= 0 or service_minutes <= 0:
        return 0
    load = arrivals_per_hour * service_minutes / 60.0
    servers = math.floor(load) + 1
    while servers < MAX_SERVERS and wait_longer_than(servers, arrivals_per_hour, service_minutes, minutes) > share:
        servers += 1
    return servers
