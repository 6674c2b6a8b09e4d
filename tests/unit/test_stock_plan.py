"""The quantity plan of sync-stock: pure data in, pure data out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cubyn_amz.passes.stock.plan import (
    RETRY_FAILED_AFTER,
    StockPlan,
    plan_stock,
    quantity,
)
from cubyn_amz.settings.model import StockSettings
from cubyn_amz.state.stock import StockRow

FR = "A13V1IB3VIYZZH"
DE = "A1PA6795UKMFR9"
NOW = 1_796_292_000.0


def row(
    sku: str,
    accepted: int | None,
    *,
    state: str = "ok",
    planned: int | None = None,
    feed: int | None = None,
    marketplace_id: str = FR,
    attempted_at: float | None = None,
) -> StockRow:
    return StockRow(
        sku=sku,
        marketplace_id=marketplace_id,
        planned=accepted if planned is None else planned,
        accepted=accepted,
        sending=None,
        feed=feed,
        state=state,
        attempted_at=attempted_at,
    )


def plan(
    snapshot: Mapping[str, int],
    *,
    rows: Sequence[StockRow] = (),
    stored: Mapping[str, int] | None = None,
    full: bool = False,
    demand: Mapping[str, int] | None = None,
    markets: Sequence[str] = (FR,),
    buffer: int = 0,
    threshold: int = 50,
    now: float = NOW,
) -> StockPlan:
    return plan_stock(
        {(r.sku, r.marketplace_id): r for r in rows},
        stored or {},
        snapshot,
        full=full,
        pending_demand=demand or {},
        marketplace_ids=markets,
        settings=StockSettings(buffer=buffer, feed_threshold=threshold),
        now=now,
    )


def pushed(result: StockPlan) -> dict[tuple[str, str], int]:
    return {
        (c.sku, c.marketplace_id): c.quantity
        for s in result.submissions
        for c in s.changes
    }


def test_quantity_is_available_less_buffer_and_pending_demand_floored_at_zero() -> None:
    assert quantity(12, 0, 0) == 12
    assert quantity(12, 2, 0) == 10
    assert quantity(12, 2, 3) == 7
    assert quantity(4, 2, 3) == 0
    assert quantity(-5, 0, 0) == 0


def test_first_push_sends_every_sku_to_every_marketplace() -> None:
    result = plan({"MUG": 12, "CUP": 0}, full=True, markets=(FR, DE))

    assert pushed(result) == {
        ("CUP", FR): 0,
        ("MUG", FR): 12,
        ("CUP", DE): 0,
        ("MUG", DE): 12,
    }
    assert all(c.previous is None for s in result.submissions for c in s.changes)
    assert result.guard is None


def test_buffer_and_pending_demand_are_held_back_per_sku() -> None:
    result = plan(
        {"MUG": 12, "CUP": 5, "BOWL": 1}, buffer=2, demand={"MUG": 3, "BOWL": 4}
    )

    assert pushed(result) == {("MUG", FR): 7, ("CUP", FR): 3, ("BOWL", FR): 0}


def test_pending_demand_alone_changes_the_quantity_of_an_unchanged_sku() -> None:
    # Cubyn did not move, but an Amazon order it does not reserve yet appeared.
    result = plan({}, rows=[row("MUG", 12)], stored={"MUG": 12}, demand={"MUG": 1})

    assert pushed(result) == {("MUG", FR): 11}
    assert result.submissions[0].changes[0].previous == 12


def test_unchanged_skus_are_not_pushed() -> None:
    result = plan(
        {"MUG": 12, "CUP": 4},
        rows=[row("MUG", 12), row("CUP", 5), row("BOWL", 3)],
        stored={"MUG": 12, "CUP": 5, "BOWL": 3},
    )

    assert pushed(result) == {("CUP", FR): 4}
    assert result.unchanged == 2
    assert result.catalogue == {"MUG": 12, "CUP": 4, "BOWL": 3}


def test_a_delta_read_keeps_what_it_did_not_list_and_a_full_read_zeroes_it() -> None:
    rows = [row("MUG", 12), row("CUP", 5)]
    stored = {"MUG": 12, "CUP": 5}

    delta = plan({"MUG": 12}, rows=rows, stored=stored, full=False)
    assert pushed(delta) == {}
    assert delta.unlisted == frozenset()

    full = plan({"MUG": 12}, rows=rows, stored=stored, full=True)
    assert pushed(full) == {("CUP", FR): 0}
    assert full.unlisted == {"CUP"}


def test_a_sku_in_a_feed_being_processed_waits_for_its_report() -> None:
    result = plan(
        {"MUG": 9},
        rows=[row("MUG", 12, state="sending", planned=10, feed=3)],
        stored={"MUG": 12},
    )

    assert pushed(result) == {}
    assert result.waiting == 1


def test_a_sku_whose_push_was_cut_short_is_pushed_again_even_if_unchanged() -> None:
    # Amazon may or may not have applied the 10: only a new push settles it.
    result = plan(
        {}, rows=[row("MUG", 12, state="sending", planned=10)], stored={"MUG": 12}
    )

    assert pushed(result) == {("MUG", FR): 12}


def test_an_unknown_sku_is_pushed_again_only_when_its_quantity_changes() -> None:
    rows = [row("GHOST", None, state="unknown_sku", planned=4)]

    same = plan({"GHOST": 4}, rows=rows, stored={"GHOST": 4})
    assert pushed(same) == {}
    assert same.held == 1

    moved = plan({"GHOST": 5}, rows=rows, stored={"GHOST": 4})
    assert pushed(moved) == {("GHOST", FR): 5}


def test_a_refused_sku_is_tried_again_after_an_hour_or_when_it_changes() -> None:
    rows = [row("MUG", 3, state="failed", planned=7, attempted_at=NOW - 600)]

    assert pushed(plan({"MUG": 7}, rows=rows, stored={"MUG": 7})) == {}
    assert pushed(plan({"MUG": 8}, rows=rows, stored={"MUG": 7})) == {("MUG", FR): 8}
    later = NOW - 600 + RETRY_FAILED_AFTER
    assert pushed(plan({"MUG": 7}, rows=rows, stored={"MUG": 7}, now=later)) == {
        ("MUG", FR): 7
    }


def test_below_the_threshold_each_change_is_a_patch_from_it_a_feed() -> None:
    few = plan({f"SKU-{i}": 1 for i in range(4)}, threshold=5)
    many = plan({f"SKU-{i}": 1 for i in range(5)}, threshold=5)

    assert [s.method for s in few.submissions] == ["patch"]
    assert [s.method for s in many.submissions] == ["feed"]
    assert len(many.submissions[0].changes) == 5


def test_the_sending_method_is_chosen_per_marketplace() -> None:
    skus = {f"SKU-{i}": 2 for i in range(6)}
    # In DE every SKU is new; in FR only one changed.
    rows = [row(sku, 2) for sku in skus if sku != "SKU-0"]

    result = plan(skus, rows=rows, stored=skus, markets=(FR, DE), threshold=5)

    methods = {s.marketplace_id: (s.method, len(s.changes)) for s in result.submissions}
    assert methods == {FR: ("patch", 1), DE: ("feed", 6)}


def test_the_guard_trips_when_more_than_half_and_more_than_ten_drop_to_zero() -> None:
    stored = {f"SKU-{i:02}": 5 for i in range(20)}
    rows = [row(sku, 5) for sku in stored]
    snapshot = {sku: 0 if i < 11 else 5 for i, sku in enumerate(sorted(stored))}

    result = plan(snapshot, rows=rows, stored=stored)

    assert result.guard is not None
    assert (result.guard.zeroed, result.guard.known) == (11, 20)


def test_the_guard_lets_ten_zeroes_or_half_of_the_skus_through() -> None:
    ten = {f"SKU-{i:02}": 5 for i in range(10)}
    all_ten_zero = plan(
        dict.fromkeys(ten, 0), rows=[row(s, 5) for s in ten], stored=ten
    )
    assert all_ten_zero.guard is None
    assert len(pushed(all_ten_zero)) == 10

    twenty_two = {f"SKU-{i:02}": 5 for i in range(22)}
    half = {s: 0 if i < 11 else 5 for i, s in enumerate(sorted(twenty_two))}
    result = plan(half, rows=[row(s, 5) for s in twenty_two], stored=twenty_two)
    assert result.guard is None


def test_the_guard_sees_skus_a_full_read_no_longer_lists() -> None:
    # Cubyn answered an empty catalogue: every SKU would drop to zero.
    stored = {f"SKU-{i:02}": 5 for i in range(12)}

    result = plan({}, rows=[row(s, 5) for s in stored], stored=stored, full=True)

    assert result.guard is not None
    assert result.guard.zeroed == 12


def test_the_guard_ignores_skus_already_at_zero_or_never_accepted() -> None:
    stored = {f"SKU-{i:02}": 0 for i in range(30)}
    rows = [row(s, 0) for s in list(stored)[:15]]

    result = plan({}, rows=rows, stored=stored, full=True)

    assert result.guard is None
