"""The shipments table: what push-shipments confirmed on Amazon, or is confirming.

The orders table belongs to import-orders; this module only reads its stable columns
(order_id, marketplace_id, state, amazon_status, parcel_id, parcel_status, items,
created_at) and writes one of them, parcel_status.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cubyn_amz.state.db import StateDB
from cubyn_amz.state.orders import OrderItem, items_from_json

# A shipment in one of these states still has work to do, or a person to wait for.
PENDING_STATES = ("confirming", "failed", "attention")


@dataclass(frozen=True)
class ShipmentRecord:
    """A row of the shipments table: the facts of the package, and the outcome."""

    state: str
    parcel_id: str
    carrier: str = ""
    carrier_code: str = ""
    carrier_name: str = ""
    shipping_method: str = ""
    tracking_number: str = ""
    ship_date: str = ""
    body: dict[str, Any] | None = None
    message: str = ""
    attempts: int = 0
    last_attempt_at: float | None = None


@dataclass(frozen=True)
class OpenOrder:
    """An imported order that has not been confirmed on Amazon yet."""

    order_id: str
    marketplace_id: str
    state: str
    amazon_status: str
    parcel_id: str
    parcel_status: str
    items: tuple[OrderItem, ...]
    created_at: float
    shipment: ShipmentRecord | None = None

    @property
    def cancelled(self) -> bool:
        return self.state == "cancelled" or self.amazon_status == "CANCELLED"


def open_orders(db: StateDB) -> list[OpenOrder]:
    """Imported orders with no confirmed shipment, and every pending shipment.

    A pending shipment is listed whatever its order's state, so that a cancellation
    that came after the parcel shipped is seen and the confirmation withdrawn.
    """
    marks = ", ".join("?" for _ in PENDING_STATES)
    rows = db.all(
        "SELECT o.order_id, o.marketplace_id, o.state, o.amazon_status, o.parcel_id,"
        " o.parcel_status, o.items, o.created_at,"
        " s.state AS s_state, s.parcel_id AS s_parcel_id, s.carrier, s.carrier_code,"
        " s.carrier_name, s.shipping_method, s.tracking_number, s.ship_date, s.body,"
        " s.message, s.attempts, s.last_attempt_at"
        " FROM orders o LEFT JOIN shipments s ON s.order_id = o.order_id"
        f" WHERE (o.state = 'imported' AND (s.state IS NULL OR s.state IN ({marks})))"
        f" OR s.state IN ({marks})"
        " ORDER BY o.created_at, o.order_id",
        (*PENDING_STATES, *PENDING_STATES),
    )
    return [_open_order(row) for row in rows]


def _open_order(row: sqlite3.Row) -> OpenOrder:
    shipment = None
    if row["s_state"] is not None:
        shipment = ShipmentRecord(
            state=row["s_state"],
            parcel_id=row["s_parcel_id"] or "",
            carrier=row["carrier"] or "",
            carrier_code=row["carrier_code"] or "",
            carrier_name=row["carrier_name"] or "",
            shipping_method=row["shipping_method"] or "",
            tracking_number=row["tracking_number"] or "",
            ship_date=row["ship_date"] or "",
            body=json.loads(row["body"]) if row["body"] else None,
            message=row["message"] or "",
            attempts=row["attempts"],
            last_attempt_at=row["last_attempt_at"],
        )
    return OpenOrder(
        order_id=row["order_id"],
        marketplace_id=row["marketplace_id"],
        state=row["state"],
        amazon_status=row["amazon_status"] or "",
        parcel_id=row["parcel_id"] or "",
        parcel_status=row["parcel_status"] or "",
        items=_items(row["items"]),
        created_at=row["created_at"],
        shipment=shipment,
    )


def _items(text: str | None) -> tuple[OrderItem, ...]:
    # Amazon confirms items by their id: one without cannot be confirmed.
    return tuple(item for item in items_from_json(text) if item.order_item_id)


def _upsert(db: StateDB, order_id: str, values: dict[str, Any], now: float) -> None:
    """Insert the shipment of an order, or change the named columns of it."""
    values = {**values, "updated_at": now}
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{name} = excluded.{name}" for name in values)
    db.execute(
        f"INSERT INTO shipments (order_id, {columns}) VALUES (?, {marks})"
        f" ON CONFLICT (order_id) DO UPDATE SET {updates}",
        (order_id, *values.values()),
    )


def write_intent(
    db: StateDB,
    order_id: str,
    *,
    parcel_id: str,
    carrier: str,
    carrier_code: str,
    carrier_name: str,
    shipping_method: str,
    tracking_number: str,
    ship_date: str,
    body: dict[str, Any],
    now: float,
) -> None:
    """Before the POST: what is about to be sent, so a crash leads to a re-send."""
    _upsert(
        db,
        order_id,
        {
            "state": "confirming",
            "parcel_id": parcel_id,
            "carrier": carrier,
            "carrier_code": carrier_code,
            "carrier_name": carrier_name,
            "shipping_method": shipping_method,
            "tracking_number": tracking_number,
            "ship_date": ship_date,
            "body": json.dumps(body, sort_keys=True),
        },
        now,
    )


def mark_confirmed(db: StateDB, order_id: str, now: float) -> None:
    db.execute(
        "UPDATE shipments SET state = 'confirmed', message = NULL,"
        " attempts = attempts + 1, last_attempt_at = ?, confirmed_at = ?,"
        " updated_at = ? WHERE order_id = ?",
        (now, now, now, order_id),
    )


def mark_failed(db: StateDB, order_id: str, message: str, now: float) -> None:
    db.execute(
        "UPDATE shipments SET state = 'failed', message = ?,"
        " attempts = attempts + 1, last_attempt_at = ?, updated_at = ?"
        " WHERE order_id = ?",
        (message, now, now, order_id),
    )


def mark_attention(
    db: StateDB, order_id: str, parcel_id: str, message: str, now: float
) -> None:
    _upsert(
        db,
        order_id,
        {"state": "attention", "parcel_id": parcel_id, "message": message},
        now,
    )


def mark_withdrawn(
    db: StateDB, order_id: str, parcel_id: str, state: str, message: str, now: float
) -> None:
    """Never to be confirmed by this tool: ``state`` is "cancelled" or "closed"."""
    _upsert(
        db,
        order_id,
        {"state": state, "parcel_id": parcel_id, "message": message},
        now,
    )
