"""Erlang C against the issue's figures, and servers_needed against a brute-force search."""

import math

import pytest

from planning.erlang import erlang_b, erlang_c, servers_needed, wait_longer_than


@pytest.mark.parametrize(
    ("calls_per_hour", "units", "waits"), [(1.5, 3, 0.387), (1.5, 4, 0.145), (1.0, 2, 0.481), (1.0, 3, 0.155)]
)
def test_the_chance_of_waiting_matches_the_issues_figures_for_75_minute_calls(calls_per_hour, units, waits):
    load = calls_per_hour * 75 / 60
    assert erlang_c(units, load) == pytest.approx(waits, abs=0.001)
    assert wait_longer_than(units, calls_per_hour, 75, 0) == pytest.approx(waits, abs=0.001)


def test_erlang_b_by_its_recursion_agrees_with_the_textbook_formula():
    for servers in range(1, 12):
        for load in (0.2, 1.0, 3.7, 9.5):
            textbook = (load**servers / math.factorial(servers)) / sum(
                load**k / math.factorial(k) for k in range(servers + 1)
            )
            assert erlang_b(servers, load) == pytest.approx(textbook, rel=1e-12)


def test_a_large_program_does_not_overflow():
    assert 0 < erlang_c(400, 380.0) < 1


def test_the_chance_of_waiting_longer_falls_exponentially_with_the_wait():
    c, lam, mu = 3, 1.5, 60 / 75
    expected = erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * 10 / 60)
    assert wait_longer_than(c, lam, 75, 10) == pytest.approx(expected)
    assert wait_longer_than(c, lam, 75, 10) < wait_longer_than(c, lam, 75, 0)


def test_an_unstable_queue_always_waits_and_no_calls_need_no_units():
    assert wait_longer_than(2, 3.0, 60, 10) == 1.0  # load 3 on 2 units
    assert servers_needed(0, 75, 10, 0.1) == 0


def brute_force(calls_per_hour, service, minutes, share):
    load = calls_per_hour * service / 60
    return next(c for c in range(1, 500) if c > load and wait_longer_than(c, calls_per_hour, service, minutes) <= share)


@pytest.mark.parametrize("calls_per_hour", [0.05, 0.3, 1.0, 1.5, 2.75, 6.0, 15.0])
@pytest.mark.parametrize("service", [20, 75, 140])
@pytest.mark.parametrize(("minutes", "share"), [(0, 0.2), (10, 0.1), (30, 0.05)])
def test_servers_needed_is_the_fewest_stable_units_that_meet_the_target(calls_per_hour, service, minutes, share):
    needed = servers_needed(calls_per_hour, service, minutes, share)
    assert needed == brute_force(calls_per_hour, service, minutes, share)
    assert wait_longer_than(needed, calls_per_hour, service, minutes) <= share
    if needed - 1 > calls_per_hour * service / 60:
        assert wait_longer_than(needed - 1, calls_per_hour, service, minutes) > share
