"""The orders table: every Amazon order import-orders has seen, and what became of it.

States: ``creating`` (the parcel was asked of Cubyn, the answer is not recorded yet),
``imported`` (Cubyn has the parcel), ``skipped`` (not for Cubyn, or not yet: the
reason says which), ``rejected`` (Cubyn refused it; tried again hourly), ``cancelled``
and ``closed`` (Amazon shipped it: nothing more to do). ``attention`` says why a
person must look, and is NULL otherwise.

Other passes read this table through ``open_imported``, ``mark_parcel_status`` and
``pending_demand``; the columns order_id, marketplace_id, state, amazon_status,
parcel_id, parcel_status, items and created_at are stable.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cubyn_amz.cubyn.models import NewParcel, ParcelItem, Recipient
from cubyn_amz.state.db import StateDB

OPEN_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED")
# A rejected order is posted again at most this often.
RETRY_EVERY = 3600.0
# Parcel statuses after which a cancelled order needs no one any more.
INTERCEPTED = ("CANCELLED", "RETURNING", "RETURNED")


@dataclass(frozen=True)
class OrderItem:
    order_item_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    marketplace_id: str
    state: str
    amazon_status: str
    service_level: str | None = None
    delivery_mode: str | None = None
    parcel_id: str | None = None
    parcel_status: str | None = None
    items: tuple[OrderItem, ...] = ()
    request: NewParcel | None = None
    reason: str | None = None
    attention: str | None = None
    attempts: int = 0
    last_attempt_at: float | None = None
    ship_by: float | None = None
    amazon_updated_at: float | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class Sighting:
    """What Amazon says of an order, as the table keeps it."""

    order_id: str
    marketplace_id: str
    amazon_status: str
    service_level: str | None
    delivery_mode: str | None
    items: tuple[OrderItem, ...]
    ship_by: float | None
    amazon_updated_at: float | None


# -- reading -------------------------------------------------------------------


def get(db: StateDB, order_id: str) -> OrderRow | None:
    row = db.one("SELECT * FROM orders WHERE order_id = ?", (order_id,))
    return None if row is None else _row(row)


def get_many(db: StateDB, order_ids: Sequence[str]) -> dict[str, OrderRow]:
    found: dict[str, OrderRow] = {}
    # SQLite's default limit on parameters is 999; a page holds 100 orders.
    for start in range(0, len(order_ids), 500):
        chunk = list(order_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in db.all(f"SELECT * FROM orders WHERE order_id IN ({marks})", chunk):
            found[row["order_id"]] = _row(row)
    return found


def in_state(db: StateDB, state: str) -> list[OrderRow]:
    rows = db.all(
        "SELECT * FROM orders WHERE state = ? ORDER BY created_at, order_id", (state,)
    )
    return [_row(row) for row in rows]


def open_imported(db: StateDB) -> list[OrderRow]:
    """Orders Cubyn has a parcel for, that Amazon has neither shipped nor cancelled."""
    return in_state(db, "imported")


def due_for_retry(
    db: StateDB, now: float, every: float = RETRY_EVERY
) -> list[OrderRow]:
    """Rejected orders still open on Amazon, last tried ``every`` seconds ago or more,
    whose ship-by date has not passed."""
    rows = db.all(
        "SELECT * FROM orders WHERE state = 'rejected' AND request IS NOT NULL"
        " AND amazon_status IN (?, ?)"
        " AND (last_attempt_at IS NULL OR last_attempt_at <= ?)"
        " AND (ship_by IS NULL OR ship_by > ?)"
        " ORDER BY last_attempt_at, order_id",
        (*OPEN_STATUSES, now - every, now),
    )
    return [_row(row) for row in rows]


def cancellations_due(db: StateDB) -> list[OrderRow]:
    """Imported orders that Amazon cancelled and whose parcel is not cancelled yet."""
    rows = db.all(
        "SELECT * FROM orders WHERE state = 'imported' AND amazon_status = 'CANCELLED'"
        " ORDER BY updated_at, order_id"
    )
    return [_row(row) for row in rows]


def pending_demand(db: StateDB) -> dict[str, int]:
    """Units per SKU that Amazon counts as sold but Cubyn does not reserve yet.

    Orders seen UNSHIPPED or PARTIALLY_SHIPPED that Cubyn has no parcel for: not
    imported (skipped), still being created, or rejected.
    """
    demand: dict[str, int] = {}
    rows = db.all(
        "SELECT items FROM orders WHERE amazon_status IN (?, ?)"
        " AND state IN ('skipped', 'creating', 'rejected')",
        OPEN_STATUSES,
    )
    for row in rows:
        for item in items_from_json(row["items"]):
            if item.sku and item.quantity > 0:
                demand[item.sku] = demand.get(item.sku, 0) + item.quantity
    return demand


# -- writing -------------------------------------------------------------------


def record(
    db: StateDB,
    sighting: Sighting,
    state: str,
    reason: str | None,
    now: float,
    request: NewParcel | None = None,
) -> None:
    """Insert or refresh an order as Amazon shows it, in ``state``.

    The request is replaced only when one is given, and dropped once the order is
    over (cancelled or closed): the buyer's address is kept no longer than needed.
    """
    db.execute(
        "INSERT INTO orders (order_id, marketplace_id, state, amazon_status,"
        " service_level, delivery_mode, items, request, reason, ship_by,"
        " amazon_updated_at, created_at, updated_at)"
        " VALUES (:order_id, :marketplace_id, :state, :amazon_status, :service_level,"
        " :delivery_mode, :items, :request, :reason, :ship_by, :amazon_updated_at,"
        " :now, :now)"
        " ON CONFLICT (order_id) DO UPDATE SET"
        " marketplace_id = excluded.marketplace_id, state = excluded.state,"
        " amazon_status = excluded.amazon_status,"
        " service_level = excluded.service_level,"
        " delivery_mode = excluded.delivery_mode, items = excluded.items,"
        " request = CASE WHEN :has_request OR :over THEN excluded.request"
        " ELSE request END,"
        " reason = excluded.reason, ship_by = excluded.ship_by,"
        " amazon_updated_at = excluded.amazon_updated_at,"
        " updated_at = excluded.updated_at",
        {
            "order_id": sighting.order_id,
            "marketplace_id": sighting.marketplace_id,
            "state": state,
            "amazon_status": sighting.amazon_status,
            "service_level": sighting.service_level,
            "delivery_mode": sighting.delivery_mode,
            "items": items_json(sighting.items),
            "request": request_json(request) if request else None,
            "has_request": request is not None,
            "over": state in ("cancelled", "closed"),
            "reason": reason,
            "ship_by": sighting.ship_by,
            "amazon_updated_at": sighting.amazon_updated_at,
            "now": now,
        },
    )


def mark_creating(
    db: StateDB,
    order_id: str,
    request: NewParcel,
    items: Iterable[OrderItem],
    now: float,
) -> None:
    """The intent, written before the POST: found again if no answer is recorded."""
    _update(
        db,
        order_id,
        now,
        state="creating",
        request=request_json(request),
        delivery_mode=request.delivery_mode,
        items=items_json(items),
        parcel_id=None,
        parcel_status=None,
        last_attempt_at=now,
        attempts_plus=1,
    )


def mark_imported(
    db: StateDB, order_id: str, parcel_id: str, parcel_status: str, now: float
) -> None:
    # The request held the buyer's address only until Cubyn had it.
    _update(
        db,
        order_id,
        now,
        state="imported",
        parcel_id=parcel_id,
        parcel_status=parcel_status,
        request=None,
        reason=None,
    )


def mark_rejected(db: StateDB, order_id: str, reason: str, now: float) -> None:
    _update(db, order_id, now, state="rejected", reason=reason)


def mark_cancelled(
    db: StateDB,
    order_id: str,
    now: float,
    parcel_status: str | None = None,
    attention: str | None = None,
) -> None:
    values: dict[str, Any] = {"state": "cancelled", "attention": attention}
    if parcel_status is not None:
        values["parcel_status"] = parcel_status
    _update(db, order_id, now, request=None, **values)


def set_attention(db: StateDB, order_id: str, why: str | None, now: float) -> None:
    _update(db, order_id, now, attention=why)


def mark_parcel_status(db: StateDB, order_id: str, status: str, now: float) -> None:
    """The status Cubyn last gave for the order's parcel.

    A cancelled order waiting for the warehouse to intercept its parcel needs no one
    any more once the parcel is cancelled or on its way back.
    """
    with db.transaction() as conn:
        conn.execute(
            "UPDATE orders SET parcel_status = ?, updated_at = ? WHERE order_id = ?",
            (status, now, order_id),
        )
        if status.upper() in INTERCEPTED:
            conn.execute(
                "UPDATE orders SET attention = NULL"
                " WHERE order_id = ? AND state = 'cancelled'",
                (order_id,),
            )


def _update(db: StateDB, order_id: str, now: float, **values: Any) -> None:
    bump = values.pop("attempts_plus", 0)
    sets = [f"{name} = ?" for name in values]
    sets.append("attempts = attempts + ?")
    sets.append("updated_at = ?")
    db.execute(
        f"UPDATE orders SET {', '.join(sets)} WHERE order_id = ?",
        (*values.values(), bump, now, order_id),
    )


# -- encoding ------------------------------------------------------------------


def items_json(items: Iterable[OrderItem]) -> str:
    return json.dumps(
        [
            {"orderItemId": i.order_item_id, "sku": i.sku, "quantity": i.quantity}
            for i in items
        ]
    )


def items_from_json(text: str | None) -> tuple[OrderItem, ...]:
    """The items column: each Amazon order item with the quantity sent to Cubyn."""
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return ()
    items = []
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        quantity = entry.get("quantity")
        items.append(
            OrderItem(
                order_item_id=str(entry.get("orderItemId") or ""),
                sku=str(entry.get("sku") or ""),
                quantity=quantity if isinstance(quantity, int) else 0,
            )
        )
    return tuple(items)


def request_json(parcel: NewParcel) -> str:
    """The tool's own record of a parcel to create (not Cubyn's field names)."""
    # By hand: dataclasses.asdict deep-copies every field, a tenth of an order's CPU.
    record = {
        "order_ref": parcel.order_ref,
        "recipient": vars(parcel.recipient),
        "delivery_mode": parcel.delivery_mode,
        "items": [{"sku": i.sku, "quantity": i.quantity} for i in parcel.items],
    }
    return json.dumps(record, ensure_ascii=False)


def request_from_json(text: str | None) -> NewParcel | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return NewParcel(
            order_ref=data["order_ref"],
            recipient=Recipient(**data["recipient"]),
            delivery_mode=data["delivery_mode"],
            items=tuple(
                ParcelItem(i["sku"], int(i["quantity"])) for i in data["items"]
            ),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _row(row: sqlite3.Row) -> OrderRow:
    return OrderRow(
        order_id=row["order_id"],
        marketplace_id=row["marketplace_id"],
        state=row["state"],
        amazon_status=row["amazon_status"],
        service_level=row["service_level"],
        delivery_mode=row["delivery_mode"],
        parcel_id=row["parcel_id"],
        parcel_status=row["parcel_status"],
        items=items_from_json(row["items"]),
        request=request_from_json(row["request"]),
        reason=row["reason"],
        attention=row["attention"],
        attempts=row["attempts"],
        last_attempt_at=row["last_attempt_at"],
        ship_by=row["ship_by"],
        amazon_updated_at=row["amazon_updated_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
