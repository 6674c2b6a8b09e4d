"""An Amazon order as searchOrders (Orders API 2026-01-01) gives it, reduced to what
import-orders needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cubyn_amz.clock import parse_iso

PENDING_STATUSES = ("PENDING", "PENDING_AVAILABILITY")
OPEN_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED")


@dataclass(frozen=True)
class AmazonItem:
    order_item_id: str
    sku: str
    ordered: int
    unshipped: int
    # Amazon carried out a cancellation of this item.
    cancelled: bool = False
    # The buyer asked to cancel it and the seller has not answered yet.
    cancel_request: str | None = None
    # Why the item cannot be trusted (no SKU, a quantity that is no count), if so.
    problem: str | None = None


@dataclass(frozen=True)
class AmazonOrder:
    order_id: str
    marketplace_id: str
    status: str
    fulfilled_by: str
    service_level: str | None
    ship_by: float | None
    updated_at: float | None
    items: tuple[AmazonItem, ...]
    # recipient.deliveryAddress as Amazon sent it; None before the order is payable.
    address: Mapping[str, Any] | None = field(default=None, compare=False)
    # Why the items cannot be read, if so: such an order is not sent to Cubyn.
    unreadable: str | None = None

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    def cancel_request(self) -> str | None:
        """The buyer's reason when some item has a cancellation request open."""
        for item in self.items:
            if item.cancel_request is not None:
                return item.cancel_request
        return None


class UnreadableOrder(ValueError):
    pass


def parse_order(data: Any) -> AmazonOrder:
    """One element of searchOrders' ``orders``; ``UnreadableOrder`` if it has no id."""
    if not isinstance(data, dict) or not data.get("orderId"):
        raise UnreadableOrder("an order without orderId")
    fulfillment = _dict(data.get("fulfillment"))
    channel = _dict(data.get("salesChannel"))
    recipient = _dict(data.get("recipient"))
    address = recipient.get("deliveryAddress")
    level = fulfillment.get("fulfillmentServiceLevel")
    entries = data.get("orderItems")
    items = tuple(
        _item(entry)
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    )
    return AmazonOrder(
        order_id=str(data["orderId"]),
        marketplace_id=str(channel.get("marketplaceId") or ""),
        status=str(fulfillment.get("fulfillmentStatus") or "UNKNOWN").upper(),
        fulfilled_by=str(fulfillment.get("fulfilledBy") or "MERCHANT").upper(),
        service_level=str(level).upper() if level else None,
        ship_by=_time(_dict(fulfillment.get("shipByWindow")).get("latestDateTime")),
        updated_at=_time(data.get("lastUpdatedTime")),
        items=items,
        address=address if isinstance(address, dict) and address else None,
        unreadable=_unreadable(entries, items),
    )


def _unreadable(entries: Any, items: tuple[AmazonItem, ...]) -> str | None:
    """Why Amazon's list of items cannot be acted on, or None when it can."""
    if not isinstance(entries, list) or not entries:
        return "no order items"
    if len(items) < len(entries):
        return "an order item that is not an object"
    for number, item in enumerate(items, start=1):
        if item.problem:
            return f"item {number}: {item.problem}"
    return None


def _item(data: dict[str, Any]) -> AmazonItem:
    product = _dict(data.get("product"))
    fulfillment = _dict(data.get("fulfillment"))
    cancellation = _dict(data.get("cancellation"))
    ordered = _count(data.get("quantityOrdered"))
    unshipped = fulfillment.get("quantityUnfulfilled")
    if not isinstance(unshipped, int) or isinstance(unshipped, bool):
        # Without the FULFILLMENT data: what was ordered less what was shipped.
        unshipped = ordered - _count(fulfillment.get("quantityFulfilled"))
    sku = str(product.get("sellerSku") or "")
    cancelled = bool(_dict(cancellation.get("cancellationExecution")))
    request = _dict(cancellation.get("cancellationRequest"))
    reason = None
    if request and not cancelled:
        reason = str(request.get("cancelReason") or "no reason given")
    return AmazonItem(
        order_item_id=str(data.get("orderItemId") or ""),
        sku=sku,
        ordered=ordered,
        unshipped=max(0, unshipped),
        cancelled=cancelled,
        cancel_request=reason,
        problem=_item_problem(data, fulfillment, sku),
    )


def _item_problem(
    data: dict[str, Any], fulfillment: dict[str, Any], sku: str
) -> str | None:
    """Why an item cannot be trusted: a missing id or SKU, a quantity that is not a
    count of 0 or more, or more units to ship than were ordered."""
    if not data.get("orderItemId"):
        return "no orderItemId"
    if not sku:
        return "no seller SKU"
    ordered = data.get("quantityOrdered")
    if not isinstance(ordered, int) or not _is_count(ordered):
        return f"quantityOrdered {_show(ordered)} is not a count"
    for name in ("quantityUnfulfilled", "quantityFulfilled"):
        value = fulfillment.get(name, 0)
        if not isinstance(value, int) or not _is_count(value) or value > ordered:
            return f"{name} {_show(value)} does not fit the {ordered} ordered"
    return None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, value)


def _time(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso(value)
    except (ValueError, OverflowError):
        return None
