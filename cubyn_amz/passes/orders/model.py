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
    return AmazonOrder(
        order_id=str(data["orderId"]),
        marketplace_id=str(channel.get("marketplaceId") or ""),
        status=str(fulfillment.get("fulfillmentStatus") or "UNKNOWN").upper(),
        fulfilled_by=str(fulfillment.get("fulfilledBy") or "MERCHANT").upper(),
        service_level=str(level).upper() if level else None,
        ship_by=_time(_dict(fulfillment.get("shipByWindow")).get("latestDateTime")),
        updated_at=_time(data.get("lastUpdatedTime")),
        items=tuple(
            _item(entry) for entry in data.get("orderItems") or [] if _dict(entry)
        ),
        address=address if isinstance(address, dict) and address else None,
    )


def _item(data: dict[str, Any]) -> AmazonItem:
    product = _dict(data.get("product"))
    fulfillment = _dict(data.get("fulfillment"))
    cancellation = _dict(data.get("cancellation"))
    ordered = _count(data.get("quantityOrdered"))
    unshipped = fulfillment.get("quantityUnfulfilled")
    if not isinstance(unshipped, int) or isinstance(unshipped, bool):
        # Without the FULFILLMENT data: what was ordered less what was shipped.
        unshipped = ordered - _count(fulfillment.get("quantityFulfilled"))
    cancelled = bool(_dict(cancellation.get("cancellationExecution")))
    request = _dict(cancellation.get("cancellationRequest"))
    reason = None
    if request and not cancelled:
        reason = str(request.get("cancelReason") or "no reason given")
    return AmazonItem(
        order_item_id=str(data.get("orderItemId") or ""),
        sku=str(product.get("sellerSku") or ""),
        ordered=ordered,
        unshipped=max(0, unshipped),
        cancelled=cancelled,
        cancel_request=reason,
    )


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
