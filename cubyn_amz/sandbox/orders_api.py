"""The Orders API: searchOrders and getOrder (2026-01-01), confirmShipment (v0).

searchOrders follows the model's rules: exactly one of createdAfter and
lastUpdatedAfter; the matching ``…Before`` no later than two minutes before now
(and two minutes before now when left out, which the answer echoes); array
parameters comma-separated; at most 100 orders a page. The pagination token is
opaque to the client but carries the whole query and a cursor, the (time,
orderId) of the last order served, so a walk through the pages never skips or
repeats an order; it expires after 24 hours.

confirmShipment validates the body as Amazon does, answers 204, and records the
package under its packageReferenceId: sending the same reference again edits
that package instead of adding one.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from cubyn_amz.clock import iso, parse_iso

from .amazon import LAG, AmazonState, invalid, json_body
from .orders import PENDING_STATUSES, Order, Package, render
from .server import Request, Response, Route, error_list, json_response

INCLUDED_DATA = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
STATUSES = frozenset(
    {
        "PENDING_AVAILABILITY",
        "PENDING",
        "UNSHIPPED",
        "PARTIALLY_SHIPPED",
        "SHIPPED",
        "CANCELLED",
        "UNFULFILLABLE",
    }
)
FULFILLED_BY = frozenset({"MERCHANT", "AMAZON"})
TOKEN_LIFETIME = 24 * 3600
ISO_8601 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass
class Query:
    by: str  # "updated" or "created"
    after: int
    before: int
    marketplaces: list[str]
    statuses: list[str]
    fulfilled_by: list[str]
    cursor: tuple[int, str]
    expires: int

    def encode(self) -> str:
        raw = json.dumps(asdict(self), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Query:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            fields = json.loads(raw)
            fields["cursor"] = tuple(fields["cursor"])
            return cls(**fields)
        except (binascii.Error, ValueError, TypeError, KeyError) as exc:
            raise ValueError("the paginationToken is not valid") from exc

    def matches(self, order: Order) -> bool:
        return (
            (not self.marketplaces or order.marketplace_id in self.marketplaces)
            and (not self.statuses or order.status in self.statuses)
            and (not self.fulfilled_by or order.fulfilled_by in self.fulfilled_by)
        )


def _time(req: Request, name: str, round_up: bool) -> int | None:
    text = req.arg(name)
    if text is None:
        return None
    try:
        moment = parse_iso(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{name} is not an ISO 8601 date-time: {text!r}") from exc
    return math.ceil(moment) if round_up else math.floor(moment)


def _enum(req: Request, name: str, allowed: frozenset[str]) -> list[str]:
    values = req.args(name)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{name} has invalid values: {', '.join(unknown)}")
    return values


class OrdersApi:
    def __init__(self, state: AmazonState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        api = self.state.endpoint
        v0 = "/orders/v0/orders/{orderId}"
        return [
            api("GET", "/orders/2026-01-01/orders", "searchOrders", self.search_orders),
            api(
                "GET", "/orders/2026-01-01/orders/{orderId}", "getOrder", self.get_order
            ),
            api("POST", f"{v0}/shipmentConfirmation", "confirmShipment", self.confirm),
        ]

    # -- searchOrders -------------------------------------------------------------

    def search_orders(self, req: Request, params: dict[str, str]) -> Response:
        try:
            included = set(_enum(req, "includedData", INCLUDED_DATA))
            size = self._page_size(req)
            token = req.arg("paginationToken")
            query = self._resume(token) if token else self._query(req)
        except ValueError as exc:
            return invalid(str(exc))

        page: list[Order] = []
        more = False
        for order in self.state.orders.walk(query.by, query.cursor):
            moment = order.updated if query.by == "updated" else order.created
            if moment > query.before:
                break
            if not query.matches(order):
                continue
            if len(page) == size:
                more = True
                break
            page.append(order)

        rv: dict[str, Any] = {"orders": [render(o, included) for o in page]}
        if more:
            last = page[-1]
            moment = last.updated if query.by == "updated" else last.created
            query.cursor = (moment, last.order_id)
            rv["pagination"] = {"nextToken": query.encode()}
        before_name = "lastUpdatedBefore" if query.by == "updated" else "createdBefore"
        rv[before_name] = iso(query.before)
        return json_response(200, rv)

    def _page_size(self, req: Request) -> int:
        text = req.arg("maxResultsPerPage")
        if text is None:
            return 100
        if not text.isdigit() or not 1 <= int(text) <= 100:
            raise ValueError("maxResultsPerPage must be between 1 and 100")
        return int(text)

    def _resume(self, token: str) -> Query:
        query = Query.decode(token)
        if query.expires <= self.state.now():
            raise ValueError("the paginationToken has expired")
        return query

    def _query(self, req: Request) -> Query:
        now = self.state.now()
        created_after = _time(req, "createdAfter", round_up=True)
        created_before = _time(req, "createdBefore", round_up=False)
        updated_after = _time(req, "lastUpdatedAfter", round_up=True)
        updated_before = _time(req, "lastUpdatedBefore", round_up=False)

        if (created_after is None) == (updated_after is None):
            raise ValueError(
                "exactly one of createdAfter and lastUpdatedAfter is required"
            )
        if created_after is not None and updated_before is not None:
            raise ValueError("lastUpdatedBefore cannot be combined with createdAfter")
        if updated_after is not None and created_before is not None:
            raise ValueError("createdBefore cannot be combined with lastUpdatedAfter")

        by = "created" if created_after is not None else "updated"
        after = created_after if created_after is not None else updated_after
        before = created_before if by == "created" else updated_before
        name = "createdBefore" if by == "created" else "lastUpdatedBefore"
        assert after is not None
        if before is None:
            before = now - LAG
        elif before > now - LAG:
            raise ValueError(f"{name} must be at least 2 minutes before the request")
        if before < after:
            raise ValueError(
                f"{name} must be equal to or after the start of the window"
            )

        marketplaces = req.args("marketplaceIds")
        if len(marketplaces) > 50:
            raise ValueError("marketplaceIds takes at most 50 values")
        return Query(
            by=by,
            after=after,
            before=before,
            marketplaces=marketplaces,
            statuses=_enum(req, "fulfillmentStatuses", STATUSES),
            fulfilled_by=_enum(req, "fulfilledBy", FULFILLED_BY),
            cursor=(after, ""),
            expires=now + TOKEN_LIFETIME,
        )

    # -- getOrder -----------------------------------------------------------------

    def get_order(self, req: Request, params: dict[str, str]) -> Response:
        try:
            included = set(_enum(req, "includedData", INCLUDED_DATA))
        except ValueError as exc:
            return invalid(str(exc))
        order = self.state.orders.get(params["orderId"])
        if order is None:
            return error_list(404, "NotFound", "The requested order was not found.")
        return json_response(200, {"order": render(order, included)})

    # -- confirmShipment ------------------------------------------------------------

    def confirm(self, req: Request, params: dict[str, str]) -> Response:
        order_id = params["orderId"]
        body = json_body(req)
        record = {
            "orderId": order_id,
            "body": body,
            "receivedAt": iso(self.state.now()),
        }

        order = self.state.orders.get(order_id)
        if order is None:
            self.state.rejected.append({**record, "reason": "unknown order"})
            return error_list(404, "NotFound", f"Order {order_id} was not found.")

        problem, package = self._validate(order, body)
        if problem is not None:
            self.state.rejected.append({**record, "reason": problem})
            return invalid(problem)
        assert package is not None

        edited = package.reference in order.packages
        self._apply(order, package)
        self.state.confirmations.append(
            {**record, "packageReferenceId": package.reference, "edited": edited}
        )
        return Response(204)

    def _validate(self, order: Order, body: Any) -> tuple[str | None, Package | None]:
        if not isinstance(body, dict):
            return "The request body must be a JSON object.", None
        if body.get("marketplaceId") != order.marketplace_id:
            return "marketplaceId is missing or is not the order's marketplace.", None

        detail = body.get("packageDetail")
        if not isinstance(detail, dict):
            return "packageDetail is required.", None
        for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate"):
            if not isinstance(detail.get(name), str) or not detail[name].strip():
                return f"packageDetail.{name} is required.", None
        code = detail["carrierCode"]
        codes = self.state.carrier_codes
        if codes is not None and code not in codes:
            return f"carrierCode {code!r} is not a valid carrier code.", None
        if code == "Other" and not str(detail.get("carrierName") or "").strip():
            return "carrierName is required when carrierCode is Other.", None
        if not ISO_8601.match(detail["shipDate"]):
            return "shipDate must be an ISO 8601 date-time.", None

        if order.status == "CANCELLED":
            return f"Order {order.order_id} is cancelled.", None
        if order.status in PENDING_STATUSES:
            return f"Order {order.order_id} is pending and cannot ship yet.", None
        if order.fulfilled_by != "MERCHANT":
            return f"Order {order.order_id} is fulfilled by Amazon.", None

        quantities, problem = self._quantities(order, detail)
        if problem is not None:
            return problem, None
        return None, Package(
            reference=detail["packageReferenceId"],
            carrier_code=code,
            carrier_name=detail.get("carrierName"),
            shipping_method=detail.get("shippingMethod"),
            tracking_number=detail["trackingNumber"],
            ship_date=detail["shipDate"],
            items=quantities,
            created=self.state.now(),
        )

    def _quantities(
        self, order: Order, detail: dict[str, Any]
    ) -> tuple[dict[str, int], str | None]:
        items = detail.get("orderItems")
        if not isinstance(items, list) or not items:
            return {}, "packageDetail.orderItems must list at least one item."

        wanted: dict[str, int] = {}
        for entry in items:
            if not isinstance(entry, dict) or not isinstance(
                entry.get("orderItemId"), str
            ):
                return {}, "Each order item needs an orderItemId."
            quantity = entry.get("quantity")
            if (
                not isinstance(quantity, int)
                or isinstance(quantity, bool)
                or quantity < 1
            ):
                return {}, "Each order item needs a positive integer quantity."
            if order.item(entry["orderItemId"]) is None:
                return {}, f"Order item {entry['orderItemId']} is not in this order."
            wanted[entry["orderItemId"]] = (
                wanted.get(entry["orderItemId"], 0) + quantity
            )

        # Re-sending a package replaces it, so its own units are not counted twice.
        previous = order.packages.get(detail["packageReferenceId"])
        for item_id, quantity in wanted.items():
            item = order.item(item_id)
            assert item is not None
            room = item.unshipped + (previous.items.get(item_id, 0) if previous else 0)
            if quantity > room:
                return (
                    {},
                    f"Order item {item_id}: {quantity} exceeds the {room} unshipped.",
                )
        return wanted, None

    def _apply(self, order: Order, package: Package) -> None:
        previous = order.packages.get(package.reference)
        if previous is not None:
            package.created = previous.created
            for item_id, quantity in previous.items.items():
                item = order.item(item_id)
                if item is not None:
                    item.shipped -= quantity
        order.packages[package.reference] = package
        for item_id, quantity in package.items.items():
            item = order.item(item_id)
            if item is not None:
                item.shipped += quantity

        done = all(item.unshipped == 0 for item in order.items)
        started = any(item.shipped for item in order.items)
        order.status = (
            "SHIPPED" if done else ("PARTIALLY_SHIPPED" if started else "UNSHIPPED")
        )
        self.state.orders.touch(order, self.state.now())
