"""The confirmShipment request: one package, every item of the order.

Shape: ConfirmShipmentRequest and PackageDetail of Amazon's Orders v0 model. The
package reference is always "1", so that sending the confirmation again (after a
timeout, a crash, a refusal fixed since) edits that package instead of adding one.

Known shortcoming: an order partly shipped before it reached this tool (by hand in
Seller Central) may already have a package "1", which this confirmation would edit.
A confirmed shipment is not sent again when Cubyn changes its tracking number later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cubyn_amz.clock import iso, parse_iso
from cubyn_amz.state.shipments import OrderItem

PACKAGE_REFERENCE_ID = "1"
DEFAULT_SHIPPING_METHOD = "Standard"


@dataclass(frozen=True)
class Package:
    """What Cubyn shipped, in the words Amazon is told."""

    parcel_id: str
    carrier: str  # Cubyn's name for it
    carrier_code: str
    carrier_name: str
    shipping_method: str
    tracking_number: str
    ship_date: str  # ISO 8601, UTC


def confirmation_body(
    marketplace_id: str, package: Package, items: Iterable[OrderItem]
) -> dict[str, Any]:
    return {
        "marketplaceId": marketplace_id,
        "packageDetail": {
            "packageReferenceId": PACKAGE_REFERENCE_ID,
            "carrierCode": package.carrier_code,
            "carrierName": package.carrier_name,
            "shippingMethod": package.shipping_method,
            "trackingNumber": package.tracking_number,
            "shipDate": package.ship_date,
            "orderItems": [
                {"orderItemId": item.order_item_id, "quantity": item.quantity}
                for item in items
            ],
        },
    }


def shipping_method(delivery_mode: str) -> str:
    """Cubyn's delivery mode as a readable ship method: EXPRESS -> "Express"."""
    words = delivery_mode.replace("_", " ").strip()
    return words.title() if words else DEFAULT_SHIPPING_METHOD


def ship_date(shipped_at: str, updated_at: str, now: float) -> str:
    """When the parcel left, as ISO 8601 UTC; never later than now.

    Cubyn's clock may run ahead of ours, and Amazon refuses a ship date in the
    future. Without a readable shippedAt, the parcel's last change stands in.
    """
    for text in (shipped_at, updated_at):
        if not text:
            continue
        try:
            moment = parse_iso(text)
        except (ValueError, OverflowError):
            continue
        return iso(min(moment, now))
    return iso(now)
