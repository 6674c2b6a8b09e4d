"""Amazon orders as the sandbox keeps them, and as searchOrders shows them.

Orders live as small dataclasses and are rendered in the Orders API 2026-01-01
shape only when asked for, with the parts that ``includedData`` gates (BUYER,
RECIPIENT, PROCEEDS, FULFILLMENT, CANCELLATION, PACKAGES) left out unless
requested, as Amazon does. ``OrderIndex`` keeps the orders sorted by
(lastUpdatedTime, orderId) and by (createdTime, orderId), so that a page is a
bisect and a short walk even with tens of thousands of orders, and so that a
cursor of the last order served never skips or repeats one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cubyn_amz.clock import iso

PENDING_STATUSES = frozenset({"PENDING", "PENDING_AVAILABILITY"})


@dataclass(frozen=True)
class Marketplace:
    id: str
    country: str
    name: str
    currency: str
    language: str
    domain: str


MARKETPLACES = {
    "FR": Marketplace(
        "A13V1IB3VIYZZH", "FR", "Amazon.fr", "EUR", "fr_FR", "www.amazon.fr"
    ),
    "DE": Marketplace(
        "A1PA6795UKMFR9", "DE", "Amazon.de", "EUR", "de_DE", "www.amazon.de"
    ),
    "ES": Marketplace(
        "A1RKKUPIHCS9HS", "ES", "Amazon.es", "EUR", "es_ES", "www.amazon.es"
    ),
    "IT": Marketplace(
        "APJ6JRA9NG5V4", "IT", "Amazon.it", "EUR", "it_IT", "www.amazon.it"
    ),
    "NL": Marketplace(
        "A1805IZSGTT6HS", "NL", "Amazon.nl", "EUR", "nl_NL", "www.amazon.nl"
    ),
    "BE": Marketplace(
        "AMEN7PMS3EDWL", "BE", "Amazon.com.be", "EUR", "fr_BE", "www.amazon.com.be"
    ),
}
SELLING = ("FR", "DE", "ES", "IT")

# Seller Central's carrier list is not published; these are the names it shows
# in the EU marketplaces (unconfirmed). AmazonState.carrier_codes = None accepts
# any code.
CARRIER_CODES = frozenset(
    {
        "Colissimo",
        "Chronopost",
        "DPD",
        "GLS",
        "UPS",
        "DHL",
        "Colis Prive",
        "Mondial Relay",
        "La Poste",
        "FedEx",
        "TNT",
        "Hermes",
        "Deutsche Post",
        "SEUR",
        "Correos",
        "MRW",
        "Poste Italiane",
        "BRT",
        "SDA",
        "Other",
    }
)

BY_ID = {m.id: m for m in MARKETPLACES.values()}


@dataclass
class Item:
    item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    unit_price: str
    shipped: int = 0
    cancel_request: tuple[str, str] | None = None  # (requester, reason)
    cancelled_by: tuple[str, str] | None = None  # (who, reason)

    @property
    def unshipped(self) -> int:
        return self.quantity - self.shipped


@dataclass
class Package:
    reference: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: str
    items: dict[str, int]
    created: int


@dataclass
class Order:
    order_id: str
    marketplace_id: str
    created: int
    updated: int
    status: str
    fulfilled_by: str
    service_level: str
    programs: list[str]
    ship_by: int
    address: dict[str, str]
    buyer_name: str
    buyer_email: str
    items: list[Item]
    company: str | None = None
    packages: dict[str, Package] = field(default_factory=dict)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.item_id == item_id), None)


def _money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def render(order: Order, included: set[str]) -> dict[str, Any]:
    """The order in the 2026-01-01 shape, with the ``included`` datasets only."""
    market = BY_ID[order.marketplace_id]
    rv: dict[str, Any] = {
        "orderId": order.order_id,
        "createdTime": iso(order.created),
        "lastUpdatedTime": iso(order.updated),
        "programs": list(order.programs),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": market.id,
            "marketplaceName": market.name,
        },
    }
    if "BUYER" in included:
        rv["buyer"] = _buyer(order)
    if "RECIPIENT" in included and order.status not in PENDING_STATUSES:
        rv["recipient"] = {"deliveryAddress": _address(order)}
    if "PROCEEDS" in included:
        total = sum(float(i.unit_price) * i.quantity for i in order.items)
        rv["proceeds"] = {"grandTotal": _money(f"{total:.2f}", market.currency)}
    if "FULFILLMENT" in included:
        rv["fulfillment"] = {
            "fulfillmentStatus": order.status,
            "fulfilledBy": order.fulfilled_by,
            "fulfillmentServiceLevel": order.service_level,
            "shipByWindow": {
                "earliestDateTime": iso(order.created),
                "latestDateTime": iso(order.ship_by),
            },
        }
    rv["orderItems"] = [_item(order, item, included, market) for item in order.items]
    if "PACKAGES" in included and order.packages:
        rv["packages"] = [_package(p) for p in order.packages.values()]
    return rv


def _buyer(order: Order) -> dict[str, str]:
    rv = {"buyerName": order.buyer_name}
    if order.fulfilled_by == "MERCHANT":
        rv["buyerEmail"] = order.buyer_email
    if order.company:
        rv["buyerCompanyName"] = order.company
    return rv


def _address(order: Order) -> dict[str, str]:
    rv = dict(order.address)
    # Amazon suppresses the phone of FBA orders and of long-delivered FBM ones.
    if order.fulfilled_by == "AMAZON" or order.status == "SHIPPED":
        rv.pop("phone", None)
    rv["addressType"] = "COMMERCIAL" if order.company else "RESIDENTIAL"
    return rv


def _item(order: Order, item: Item, included: set[str], market: Marketplace) -> Any:
    rv: dict[str, Any] = {
        "orderItemId": item.item_id,
        "quantityOrdered": item.quantity,
        "product": {
            "asin": item.asin,
            "title": item.title,
            "sellerSku": item.sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": _money(item.unit_price, market.currency)},
        },
    }
    if "PROCEEDS" in included:
        total = f"{float(item.unit_price) * item.quantity:.2f}"
        rv["proceeds"] = {"proceedsTotal": _money(total, market.currency)}
    if "CANCELLATION" in included and (item.cancel_request or item.cancelled_by):
        cancellation: dict[str, Any] = {}
        if item.cancel_request:
            requester, reason = item.cancel_request
            cancellation["cancellationRequest"] = {
                "requester": requester,
                "cancelReason": reason,
            }
        if item.cancelled_by:
            who, reason = item.cancelled_by
            cancellation["cancellationExecution"] = {
                "cancelledBy": who,
                "cancelReason": reason,
            }
        rv["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        left = 0 if order.status == "CANCELLED" else item.unshipped
        rv["fulfillment"] = {
            "quantityFulfilled": item.shipped,
            "quantityUnfulfilled": left,
        }
    return rv


def _package(package: Package) -> dict[str, Any]:
    rv: dict[str, Any] = {
        "packageReferenceId": package.reference,
        "createdTime": iso(package.created),
        "packageStatus": {"status": "SHIPPED"},
        "carrier": package.carrier_name or package.carrier_code,
        "shipTime": package.ship_date,
        "trackingNumber": package.tracking_number,
        "packageItems": [
            {"orderItemId": item_id, "quantity": qty}
            for item_id, qty in package.items.items()
        ],
    }
    if package.shipping_method:
        rv["shippingService"] = package.shipping_method
    return rv


class OrderIndex:
    """Orders by id, plus two sorted keys for searchOrders' two time filters."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self._by_updated: list[tuple[int, str]] = []
        self._by_created: list[tuple[int, str]] = []

    def __len__(self) -> int:
        return len(self.orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self.orders

    def __getitem__(self, order_id: str) -> Order:
        return self.orders[order_id]

    def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self.orders)

    def keys(self) -> Iterator[str]:
        return iter(self.orders)

    def values(self) -> Iterator[Order]:
        return iter(self.orders.values())

    def items(self) -> Iterator[tuple[str, Order]]:
        return iter(self.orders.items())

    def add(self, order: Order) -> None:
        self.orders[order.order_id] = order
        bisect.insort(self._by_updated, (order.updated, order.order_id))
        bisect.insort(self._by_created, (order.created, order.order_id))

    def touch(self, order: Order, when: int) -> None:
        """Move ``order``'s lastUpdatedTime to ``when``, keeping the index sorted."""
        old = (order.updated, order.order_id)
        at = bisect.bisect_left(self._by_updated, old)
        if at < len(self._by_updated) and self._by_updated[at] == old:
            del self._by_updated[at]
        order.updated = max(order.updated, when)
        bisect.insort(self._by_updated, (order.updated, order.order_id))

    def walk(self, by: str, after: tuple[int, str]) -> Iterator[Order]:
        """Orders whose (time, orderId) sorts strictly after ``after``."""
        keys = self._by_updated if by == "updated" else self._by_created
        start = bisect.bisect_right(keys, after)
        for position in range(start, len(keys)):
            yield self.orders[keys[position][1]]
