"""Which window of Amazon's orders a pass reads, and where the cursor stops."""

from __future__ import annotations

from cubyn_amz.clock import iso
from cubyn_amz.passes.orders.window import (
    LAG,
    OVERLAP,
    Cursor,
    Window,
    after_page,
    cursor_from_json,
    cursor_to_json,
    open_window,
)

NOW = 1_796_292_000.0
DAY = 86400.0


def test_the_first_pass_takes_recent_orders_still_to_ship() -> None:
    window = open_window(None, NOW, 30)

    assert window == Window("created", NOW - 30 * DAY, NOW - LAG)
    assert window.query(["A13V1IB3VIYZZH"]) == {
        "marketplace_ids": ["A13V1IB3VIYZZH"],
        "created_after": iso(NOW - 30 * DAY),
        "statuses": ("UNSHIPPED", "PARTIALLY_SHIPPED"),
    }


def test_later_passes_take_every_update_since_the_last_window_with_overlap() -> None:
    done = after_page(Window("created", NOW - 30 * DAY, NOW - LAG), None, NOW)

    window = open_window(done, NOW + 300, 30)

    assert window.by == "updated"
    assert window.after == NOW - LAG - OVERLAP
    assert window.before == NOW + 300 - LAG
    query = window.query(["X"])
    assert query["last_updated_after"] == iso(NOW - LAG - OVERLAP)
    assert query["last_updated_before"] == iso(NOW + 300 - LAG)
    assert "statuses" not in query  # cancellations and shipments matter too


def test_a_window_cut_short_resumes_at_its_page() -> None:
    window = Window("updated", NOW - 600, NOW - LAG)
    cursor = after_page(window, "token-2", NOW)

    resumed = open_window(cursor, NOW + 60, 30)

    assert resumed.token == "token-2"
    assert (resumed.after, resumed.before) == (window.after, window.before)


def test_a_window_whose_token_expired_is_read_again_from_its_start() -> None:
    cursor = after_page(Window("updated", NOW - 600, NOW - LAG), "old", NOW)

    resumed = open_window(cursor, NOW + DAY, 30)

    assert resumed.token is None
    assert resumed.after == NOW - 600


def test_since_replaces_any_window() -> None:
    cursor = after_page(Window("updated", NOW - 600, NOW - LAG), "t", NOW)

    window = open_window(cursor, NOW, 30, since=NOW - 7 * DAY)

    assert window == Window("updated", NOW - 7 * DAY, NOW - LAG)


def test_the_cursor_survives_json() -> None:
    for cursor in (
        Cursor(next_after=NOW),
        after_page(Window("created", NOW - DAY, NOW - LAG), "tok", NOW),
    ):
        assert cursor_from_json(cursor_to_json(cursor)) == cursor
    assert cursor_from_json({"window": {"by": "x"}}) is None
    assert cursor_from_json(None) is None
