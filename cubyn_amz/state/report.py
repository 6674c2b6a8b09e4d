"""What ``status`` shows: counts by state and the items that need a person."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

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
        Attention("order", row["order_id"], f"rejected by Cubyn: {row['reason']}")
        for row in db.all(
            "SELECT order_id, reason FROM orders WHERE state = 'rejected'"
            " ORDER BY updated_at"
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
            f"{row['sku']} ({row['marketplace_id']})",
            row["message"] or row["state"],
        )
        for row in db.all(
            "SELECT sku, marketplace_id, state, message FROM stock"
            " WHERE state IN ('unknown_sku', 'failed') ORDER BY sku"
        )
    ]
    return items
