"""Usage-plan pacing on a fake clock, shared across runs through the state database."""

from __future__ import annotations

from pathlib import Path

import pytest

from cubyn_amz.clock import FakeClock
from cubyn_amz.errors import PacingPause
from cubyn_amz.http.pacing import (
    ARRIVAL_MARGIN,
    MemoryBuckets,
    Pacer,
    UsagePlan,
    WriteBehindBuckets,
)
from cubyn_amz.state.buckets import StateBuckets
from cubyn_amz.state.db import StateDB

PLANS = {"confirmShipment": UsagePlan(2.0, 10), "searchOrders": UsagePlan(0.0056, 20)}


def test_the_burst_goes_at_once_then_calls_follow_the_rate() -> None:
    clock = FakeClock()
    pacer = Pacer(PLANS, MemoryBuckets(), clock)
    start = clock.now()

    for _ in range(10):
        pacer.acquire("confirmShipment")
    assert clock.now() == start

    for _ in range(4):
        pacer.acquire("confirmShipment")
    assert clock.now() - start == pytest.approx(2.0 + ARRIVAL_MARGIN)


def test_a_long_wait_stops_the_pass_with_the_time_to_resume() -> None:
    clock = FakeClock()
    pacer = Pacer(PLANS, MemoryBuckets(), clock, max_wait=30)
    for _ in range(20):
        pacer.acquire("searchOrders")

    with pytest.raises(PacingPause) as pause:
        pacer.acquire("searchOrders")

    assert pause.value.resume_at - clock.now() == pytest.approx(
        1 / 0.0056 + ARRIVAL_MARGIN
    )
    assert clock.slept == 0


def test_consecutive_runs_share_one_budget(tmp_path: Path) -> None:
    clock = FakeClock()
    with StateDB(tmp_path / "s.sqlite3") as db:
        first_run = Pacer(PLANS, StateBuckets(db), clock)
        for _ in range(20):
            first_run.acquire("searchOrders")

        clock.advance(300)  # cron, five minutes later
        second_run = Pacer(PLANS, StateBuckets(db), clock, max_wait=30)
        second_run.acquire("searchOrders")  # 300 s refilled 1.68 tokens
        with pytest.raises(PacingPause):
            second_run.acquire("searchOrders")


def test_an_operation_without_a_plan_is_not_paced() -> None:
    clock = FakeClock()
    pacer = Pacer(PLANS, MemoryBuckets(), clock)

    for _ in range(100):
        pacer.acquire("uploadFeedDocument")

    assert clock.slept == 0


def test_the_granted_rate_replaces_the_default() -> None:
    clock = FakeClock()
    pacer = Pacer(PLANS, MemoryBuckets(), clock)
    for _ in range(10):
        pacer.acquire("confirmShipment")

    pacer.granted_rate("confirmShipment", 10.0)
    start = clock.now()
    for _ in range(10):
        pacer.acquire("confirmShipment")

    assert clock.now() - start == pytest.approx(1.0 + ARRIVAL_MARGIN)


def test_a_429_empties_the_bucket() -> None:
    clock = FakeClock()
    pacer = Pacer(PLANS, MemoryBuckets(), clock)

    wait = pacer.throttled("confirmShipment")
    start = clock.now()
    pacer.acquire("confirmShipment")

    assert wait == pytest.approx(0.5)
    assert clock.now() - start == pytest.approx(0.5 + ARRIVAL_MARGIN)


def test_cubyn_runs_back_to_back_share_the_assumed_limit(tmp_path: Path) -> None:
    clock = FakeClock()
    plans = {"cubyn": UsagePlan(10.0, 10)}
    with StateDB(tmp_path / "s.sqlite3") as db:
        first_run = WriteBehindBuckets(StateBuckets(db))
        pacer = Pacer(plans, first_run, clock)
        for _ in range(10):
            pacer.acquire("cubyn")
        assert StateBuckets(db).load("cubyn") is None  # nothing written per call
        first_run.flush()

        second_run = Pacer(plans, WriteBehindBuckets(StateBuckets(db)), clock)
        second_run.acquire("cubyn")

    assert clock.slept == pytest.approx(0.1 + ARRIVAL_MARGIN)


def test_the_margin_is_paid_once_a_burst_not_once_a_call() -> None:
    clock = FakeClock()
    pacer = Pacer(PLANS, MemoryBuckets(), clock)
    for _ in range(10):
        pacer.acquire("confirmShipment")
    start = clock.now()

    for _ in range(100):
        pacer.acquire("confirmShipment")

    # 100 calls at 2/s; the margin keeps Amazon's bucket a little ahead of ours.
    assert clock.now() - start == pytest.approx(50 + ARRIVAL_MARGIN)
