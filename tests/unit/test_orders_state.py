"""The orders table as other passes read it: open orders, pending demand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cubyn_amz.cubyn.models import NewParcel, ParcelItem, Recipient
from cubyn_amz.state import orders, report
from cubyn_amz.state.db import StateDB

NOW = 1_796_292_000.0
PARCEL = NewParcel(
    "405-0000000-0000001",
    Recipient("Sophie", "Martin", "", "3 place X", "", "69002", "Lyon", "FR", ""),
    "STANDARD",
    (ParcelItem("SKU-1", 2),),
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[StateDB]:
    with StateDB(tmp_path / "state.sqlite3") as db:
        yield db


def add(
    db: StateDB, order_id: str, state: str, status: str, *items: tuple[str, int]
) -> None:
    sighting = orders.Sighting(
        order_id=order_id,
        marketplace_id="A13V1IB3VIYZZH",
        amazon_status=status,
        service_level="STANDARD",
        delivery_mode="STANDARD",
        items=tuple(
            orders.OrderItem(f"{order_id}-{n}", sku, q)
            for n, (sku, q) in enumerate(items)
        ),
        ship_by=NOW + 86400,
        amazon_updated_at=NOW,
    )
    orders.record(db, sighting, state, None, NOW, request=PARCEL)


def test_pending_demand_counts_open_orders_cubyn_does_not_have(db: StateDB) -> None:
    add(db, "a", "skipped", "UNSHIPPED", ("SKU-1", 2))
    add(db, "b", "creating", "UNSHIPPED", ("SKU-1", 1), ("SKU-2", 3))
    add(db, "c", "rejected", "PARTIALLY_SHIPPED", ("SKU-2", 1))
    add(db, "d", "imported", "UNSHIPPED", ("SKU-1", 5))  # Cubyn reserves these
    add(db, "e", "skipped", "PENDING", ("SKU-1", 7))
    add(db, "f", "cancelled", "CANCELLED", ("SKU-1", 9))

    assert orders.pending_demand(db) == {"SKU-1": 3, "SKU-2": 4}


def test_open_imported_lists_imported_orders_with_their_items(db: StateDB) -> None:
    add(db, "a", "creating", "UNSHIPPED", ("SKU-1", 2))
    add(db, "b", "creating", "UNSHIPPED", ("SKU-1", 2))
    orders.mark_imported(db, "a", "673847167", "CREATED", NOW)
    orders.mark_cancelled(db, "b", NOW)

    (row,) = orders.open_imported(db)

    assert (row.order_id, row.parcel_id, row.parcel_status) == (
        "a",
        "673847167",
        "CREATED",
    )
    assert row.items == (orders.OrderItem("a-0", "SKU-1", 2),)
    assert row.request is None  # the buyer's address is not kept once imported
    stored = db.one("SELECT items FROM orders WHERE order_id = 'a'")
    assert stored is not None
    assert json.loads(stored["items"]) == [
        {"orderItemId": "a-0", "sku": "SKU-1", "quantity": 2}
    ]


def test_the_request_survives_the_table(db: StateDB) -> None:
    add(db, "a", "rejected", "UNSHIPPED", ("SKU-1", 2))

    row = orders.get(db, "a")

    assert row is not None and row.request == PARCEL


def test_the_buyers_address_is_dropped_once_the_order_is_over(db: StateDB) -> None:
    add(db, "a", "rejected", "UNSHIPPED", ("SKU-1", 2))
    row = orders.get(db, "a")
    assert row is not None
    sighting = orders.Sighting(
        order_id="a",
        marketplace_id=row.marketplace_id,
        amazon_status="CANCELLED",
        service_level="STANDARD",
        delivery_mode="STANDARD",
        items=row.items,
        ship_by=row.ship_by,
        amazon_updated_at=NOW,
    )

    orders.record(db, sighting, "cancelled", None, NOW)

    stored = db.one("SELECT request FROM orders WHERE order_id = 'a'")
    assert stored is not None and stored["request"] is None


def test_an_intercepted_parcel_clears_the_attention(db: StateDB) -> None:
    add(db, "a", "imported", "CANCELLED", ("SKU-1", 1))
    orders.mark_cancelled(db, "a", NOW, "PICKED", attention="intercept it")
    assert [a.ref for a in report.attention(db)] == ["a"]

    orders.mark_parcel_status(db, "a", "PACKED", NOW)
    assert [a.ref for a in report.attention(db)] == ["a"]
    orders.mark_parcel_status(db, "a", "CANCELLED", NOW)

    assert report.attention(db) == []


def test_rejected_orders_are_due_hourly_until_their_ship_by_date(db: StateDB) -> None:
    add(db, "a", "rejected", "UNSHIPPED", ("SKU-1", 1))
    add(db, "b", "rejected", "CANCELLED", ("SKU-1", 1))
    db.execute("UPDATE orders SET last_attempt_at = ?", (NOW,))

    assert orders.due_for_retry(db, NOW + 1800) == []
    assert [r.order_id for r in orders.due_for_retry(db, NOW + 3600)] == ["a"]
    assert orders.due_for_retry(db, NOW + 2 * 86400) == []  # past its ship-by date


def test_status_lists_rejected_orders_with_their_reason(db: StateDB) -> None:
    add(db, "a", "creating", "UNSHIPPED", ("SKU-9", 1))
    add(db, "b", "creating", "UNSHIPPED", ("SKU-9", 1))
    orders.mark_rejected(db, "a", "items: unknown SKU SKU-9", NOW)
    orders.mark_rejected(db, "b", "items: unknown SKU SKU-9", NOW)
    # status compares with the wall clock: one date long past, one far ahead.
    db.execute("UPDATE orders SET ship_by = 4.0e9 WHERE order_id = 'a'")
    db.execute("UPDATE orders SET ship_by = 1.0 WHERE order_id = 'b'")

    lines = [a.line() for a in report.attention(db)]

    assert lines == [
        "order a: rejected by Cubyn: items: unknown SKU SKU-9",
        "order b: rejected by Cubyn: items: unknown SKU SKU-9; ship-by date passed, "
        "no longer retried",
    ]
