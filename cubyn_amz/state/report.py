"""What ``status`` shows: counts by state and the items that need a person."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from cubyn_amz.marketplaces import country
from cubyn_amz.state.db import StateDB


@dataclass(frozen=True)
class Attention:
    kind: str  # order | shipment | stock
    ref: str  # an Amazon order id or a SKU
    why: str

    def line(self) -> str:
        return f"{self.kind} {self.ref}: {self.why}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def counts(db: StateDB, table: str) -> dict[str, int]:
    if table not in ("orders", "shipments", "stock"):
        raise ValueError(table)
    rows = db.all(f"SELECT state, COUNT(*) AS n FROM {table} GROUP BY state")
    return {row["state"]: row["n"] for row in rows}


def attention(db: StateDB) -> list[Attention]:
    items = [
        Attention("order", row["order_id"], row["attention"])
        for row in db.all(
            "SELECT order_id, attention FROM orders WHERE attention IS NOT NULL"
            " ORDER BY updated_at"
        )
    ]
    items += [
        Attention(
            "order",
            row["order_id"],
            f"rejected by Cubyn: {row['reason']}"
            + ("; ship-by date passed, no longer retried" if row["late"] else ""),
        )
        for row in db.all(
            "SELECT order_id, reason,"
            " (ship_by IS NOT NULL AND ship_by < CAST(strftime('%s', 'now') AS REAL))"
            " AS late FROM orders WHERE state = 'rejected' ORDER BY updated_at"
        )
    ]
    items += [
        Attention("shipment", row["order_id"], row["message"] or row["state"])
        for row in db.all(
            "SELECT order_id, state, message FROM shipments"
            " WHERE state IN ('failed', 'attention') ORDER BY updated_at"
        )
    ]
    items += [
        Attention(
            "stock",
            f"{row['sku']} ({country(row['marketplace_id'])})",
            f"Amazon refused its quantity: {row['message']}",
        )
        for row in db.all(
            "SELECT sku, marketplace_id, message FROM stock"
            " WHERE state = 'failed' ORDER BY sku, marketplace_id"
        )
    ]
    return items


def sku_mismatches(db: StateDB) -> list[Attention]:
    """SKUs present on one side only; their stock is not synchronised.

    A SKU must be spelt the same on both sides: one edited on either side is not
    followed, it shows here twice (unknown to Amazon, and sold but not in Cubyn).
    Listed by ``status`` but not counted as needing attention, since a seller may
    keep some Cubyn products off Amazon on purpose.
    """
    items = [
        Attention(
            "stock",
            f"{row['sku']} ({country(row['marketplace_id'])})",
            f"no Amazon listing for this Cubyn SKU ({row['message']})",
        )
        for row in db.all(
            "SELECT sku, marketplace_id, message FROM stock"
            " WHERE state = 'unknown_sku' ORDER BY sku, marketplace_id"
        )
    ]
    # Only once Cubyn's catalogue has been read, or every SKU would look missing.
    items += [
        Attention(
            "stock",
            row["sku"],
            "sold in open Amazon orders, but Cubyn's catalogue lacks it",
        )
        for row in db.all(
            "SELECT DISTINCT json_extract(item.value, '$.sku') AS sku"
            " FROM orders, json_each(orders.items) AS item"
            " WHERE orders.amazon_status IN ('PENDING', 'UNSHIPPED',"
            " 'PARTIALLY_SHIPPED') AND EXISTS (SELECT 1 FROM products)"
            " AND json_extract(item.value, '$.sku') NOT IN"
            " (SELECT sku FROM products WHERE listed = 1) ORDER BY sku"
        )
        if row["sku"]
    ]
    return items
