"""Amazon's side: the seller account's state, and the SP-API front door.

``AmazonState`` is what the seller account holds (orders, listings, feeds, the
confirmations received) plus the counters tests read. Every SP-API route passes
through ``AmazonState.operation``, which does what Amazon's front door does: it
checks the ``x-amz-access-token`` (403 otherwise), spends a token of the
operation's usage plan (429 QuotaExceeded otherwise), and stamps
``x-amzn-RequestId`` and ``x-amzn-RateLimit-Limit`` on the answer (tokens come
from lwa.py). Time-driven changes (a PENDING order's payment clearing, Amazon
shipping its own FBA orders, feeds being processed) are events on a heap, played
by ``tick`` before every request.
"""

from __future__ import annotations

import heapq
import random
import secrets
import string
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cubyn_amz.clock import Clock, iso

from . import data
from .buckets import AMAZON_PLANS, LISTINGS_FEED, LISTINGS_FEED_PLAN, Buckets
from .lwa import Credentials, LoginWithAmazon
from .orders import (
    CARRIER_CODES,
    MARKETPLACES,
    SELLING,
    Order,
    OrderIndex,
    Package,
    render,
)
from .server import (
    Handler,
    Request,
    Response,
    Route,
    error_list,
    json_response,
    request_id,
    route,
)

LAG = 120  # Amazon's order data trails real time by about two minutes.
ALL_DATASETS = {
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "FULFILLMENT",
    "CANCELLATION",
    "PACKAGES",
}


def invalid(details: str) -> Response:
    return error_list(400, "InvalidInput", "Invalid Input", details)


@dataclass(order=True)
class _Event:
    when: int
    seq: int
    kind: str = field(compare=False)
    key: str = field(compare=False)


class AmazonState:
    """The emulated seller account. Public methods take the sandbox lock."""

    def __init__(
        self,
        clock: Clock,
        lock: threading.RLock,
        seed: int,
        stock: dict[str, int],
        orders: int = 40,
        rate_limits: bool = True,
        time_scale: float = 1.0,
    ) -> None:
        self.clock = clock
        self.time_scale = time_scale
        self._lock = lock
        self._rng = random.Random(f"{seed}:amazon")
        self.lwa = LoginWithAmazon(clock, seed)

        self.orders = OrderIndex()
        self._factory = data.OrderFactory(random.Random(f"{seed}:orders"), set())
        self.catalogue = {sku: data.PRODUCTS[sku] for sku in data.amazon_skus()}
        self._added_asins: dict[str, str] = {}  # of the SKUs add_listings made
        self.listings: dict[tuple[str, str], int] = {}  # (sku, marketplaceId) -> qty
        self.listing_updated: dict[tuple[str, str], int] = {}
        self.confirmations: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.feeds: dict[str, Any] = {}
        self.documents: dict[str, Any] = {}
        self.carrier_codes: frozenset[str] | None = CARRIER_CODES  # None: any

        self.calls: Counter[str] = Counter()
        self.throttled = 0
        self.throttled_by_operation: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.buckets = Buckets(
            {**AMAZON_PLANS, LISTINGS_FEED: LISTINGS_FEED_PLAN},
            clock,
            enabled=rate_limits,
            time_scale=time_scale,
        )
        self._events: list[_Event] = []
        self._seq = 0
        self.on_tick: list[Callable[[int], None]] = []

        self._seed_listings(random.Random(f"{seed}:listings"), stock)
        self._seed_orders(orders)

    @property
    def credentials(self) -> Credentials:
        return self.lwa.credentials

    @property
    def seller_id(self) -> str:
        return self.credentials.seller_id

    def now(self) -> int:
        return int(self.clock.now())

    # -- seeded start ------------------------------------------------------------

    def _seed_listings(self, rng: random.Random, stock: dict[str, int]) -> None:
        quantities = data.initial_quantities(rng, stock)
        created = self.now() - 200 * 86400
        for sku in self.catalogue:
            for country in data.listing_marketplaces(sku):
                key = (sku, MARKETPLACES[country].id)
                self.listings[key] = quantities[sku]
                self.listing_updated[key] = created + rng.randint(0, 150 * 86400)

    def _seed_orders(self, count: int) -> None:
        """A few days of history: shipped, cancelled, FBA, pending, to ship."""
        rng = self._rng
        now = self.now()
        quotas = [
            ("PENDING", "MERCHANT", max(1, count // 15)),
            ("CANCELLED", "MERCHANT", max(1, count // 20)),
            ("SHIPPED", "MERCHANT", count // 8),
            ("SHIPPED", "AMAZON", max(1, count // 10)),
        ]
        plan = [(status, by) for status, by, n in quotas for _ in range(n)]
        plan = plan[:count] + [("UNSHIPPED", "MERCHANT")] * max(0, count - len(plan))
        rng.shuffle(plan)

        for status, by in plan:
            if status == "PENDING":
                created = now - rng.randint(60, 50 * 60)
            elif status == "UNSHIPPED":
                created = now - rng.randint(10 * 60, 2 * 86400)
            else:
                created = now - rng.randint(86400, 3 * 86400)
            order = self._factory.make(created, status, by)
            order.updated = min(now, created + rng.randint(60, 15 * 60))
            if status == "SHIPPED":
                self._ship_history(order)
            if status == "CANCELLED":
                self._cancel(order, "BUYER", "Order placed by mistake", order.updated)
            self.orders.add(order)
            if status == "PENDING":
                self._schedule(
                    created + rng.randint(10 * 60, 60 * 60), "authorize", order
                )

        unshipped = [o for o in self.orders.values() if o.status == "UNSHIPPED"]
        for order in unshipped[: max(0, count // 20)]:
            self._request_cancellation(order, "Found a better price", order.updated)

    def _ship_history(self, order: Order) -> None:
        shipped = order.created + self._rng.randint(6 * 3600, 30 * 3600)
        order.updated = min(shipped, self.now() - 600)
        for item in order.items:
            item.shipped = item.quantity
        if order.fulfilled_by == "MERCHANT":
            tracking = "6A" + "".join(self._rng.choices(string.digits, k=11))
            order.packages["1"] = Package(
                reference="1",
                carrier_code="Colissimo",
                carrier_name=None,
                shipping_method="Colissimo Domicile",
                tracking_number=tracking,
                ship_date=iso(order.updated),
                items={i.item_id: i.quantity for i in order.items},
                created=order.updated,
            )

    # -- time ----------------------------------------------------------------------

    def _schedule(self, when: int, kind: str, order: Order) -> None:
        self._seq += 1
        heapq.heappush(self._events, _Event(when, self._seq, kind, order.order_id))

    def tick(self) -> None:
        """Play every event that is due; called before each request."""
        with self._lock:
            now = self.now()
            while self._events and self._events[0].when <= now:
                event = heapq.heappop(self._events)
                self._play(event)
            for hook in self.on_tick:
                hook(now)

    def _play(self, event: _Event) -> None:
        order = self.orders.get(event.key)
        if order is None:
            return
        if event.kind == "authorize" and order.status == "PENDING":
            order.status = "UNSHIPPED"
            self.orders.touch(order, event.when)
        elif event.kind == "fba-ship" and order.status == "UNSHIPPED":
            order.status = "SHIPPED"
            for item in order.items:
                item.shipped = item.quantity
            self.orders.touch(order, event.when)

    # -- Python controls -------------------------------------------------------------

    def generate_orders(
        self, n: int, ago: float = 0.0, *, to_ship: bool = False
    ) -> list[str]:
        """``n`` new orders, placed within the minute before ``ago`` seconds ago.

        ``ago`` backdates them: searchOrders shows nothing younger than ``LAG``,
        so a client on the system clock, whose windows end two minutes before
        its own now, would otherwise wait that long to see them. ``to_ship``
        makes each a paid order the seller fulfils (none pending, none FBA), so
        that a benchmark knows exactly how many there are to import.
        """
        with self._lock:
            now = self.now() - int(ago)
            rng = self._rng
            rv = []
            for _ in range(n):
                roll = 1.0 if to_ship else rng.random()
                created = now - rng.randint(0, 59)
                if roll < 0.06:
                    order = self._factory.make(created, "PENDING", "MERCHANT")
                    self._schedule(
                        created + rng.randint(5 * 60, 40 * 60), "authorize", order
                    )
                elif roll < 0.16:
                    order = self._factory.make(created, "UNSHIPPED", "AMAZON")
                    self._schedule(
                        created + rng.randint(2 * 3600, 24 * 3600), "fba-ship", order
                    )
                else:
                    order = self._factory.make(created, "UNSHIPPED", "MERCHANT")
                self.orders.add(order)
                rv.append(order.order_id)
            return rv

    def cancel_order(
        self,
        order_id: str,
        by: str = "BUYER",
        reason: str = "Buyer cancelled",
        ago: float = 0.0,
    ) -> Order:
        """Cancel an order on Amazon's side, as a buyer or the seller can.

        ``ago`` backdates the cancellation, as for ``generate_orders``.
        """
        with self._lock:
            order = self.orders[order_id]
            if order.status in ("SHIPPED", "PARTIALLY_SHIPPED"):
                raise ValueError(
                    f"order {order_id} has shipped and cannot be cancelled"
                )
            if order.status != "CANCELLED":
                self._cancel(order, by, reason, self.now() - int(ago))
            return order

    def _cancel(self, order: Order, by: str, reason: str, when: int) -> None:
        order.status = "CANCELLED"
        for item in order.items:
            item.cancelled_by = (by, reason)
        if order.order_id in self.orders:
            self.orders.touch(order, when)
        else:
            order.updated = max(order.updated, when)

    def request_cancellation(
        self, order_id: str, reason: str = "No longer needed", ago: float = 0.0
    ) -> Order:
        """The buyer asks to cancel: the items carry a cancellationRequest."""
        with self._lock:
            order = self.orders[order_id]
            self._request_cancellation(order, reason, self.now() - int(ago))
            return order

    def _request_cancellation(self, order: Order, reason: str, when: int) -> None:
        for item in order.items:
            item.cancel_request = ("BUYER", reason)
        self.orders.touch(order, when)

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working."""
        with self._lock:
            self.lwa.expire_tokens()

    def revoke(self) -> None:
        """The seller revokes the authorization: the refresh token is dead."""
        with self._lock:
            self.lwa.revoke()

    def order_json(self, order_id: str) -> dict[str, Any]:
        """The order as searchOrders shows it with every dataset included."""
        with self._lock:
            return render(self.orders[order_id], ALL_DATASETS)

    def asin(self, sku: str) -> str:
        return self._added_asins.get(sku) or self._factory.asin_of(sku)

    def add_listings(
        self, products: list[data.Product], quantities: dict[str, int]
    ) -> None:
        """List more SKUs in every selling marketplace (``Sandbox.add_skus``)."""
        with self._lock:
            rng = random.Random(f"{self.seller_id}:asins:{len(self._added_asins)}")
            now = self.now()
            for product in products:
                self.catalogue[product.sku] = product
                self._added_asins[product.sku] = data.asin(rng)
                for country in SELLING:
                    key = (product.sku, MARKETPLACES[country].id)
                    self.listings[key] = quantities[product.sku]
                    self.listing_updated[key] = now

    def quantity(self, sku: str, marketplace: str) -> int | None:
        """Amazon's quantity for ``sku`` in a marketplace (id or country code)."""
        market = MARKETPLACES.get(marketplace)
        return self.listings.get((sku, market.id if market else marketplace))

    # -- the front door ----------------------------------------------------------

    def endpoint(
        self,
        method: str,
        path: str,
        name: str,
        handler: Handler,
        extra_buckets: Callable[[Request], list[str]] | None = None,
    ) -> Route:
        """The route of SP-API operation ``name`` at /amazon``path``."""
        gated = self.operation(name, handler, extra_buckets)
        return route(method, "/amazon" + path, gated, "amazon", name)

    def operation(
        self,
        name: str,
        handler: Handler,
        extra_buckets: Callable[[Request], list[str]] | None = None,
    ) -> Handler:
        """``handler`` behind Amazon's authentication and usage plan."""

        def gated(req: Request, params: dict[str, str]) -> Response:
            denied = self.lwa.authenticate(req)
            if denied is not None:
                denied.headers["x-amzn-RequestId"] = request_id()
                return denied

            names = [name, *(extra_buckets(req) if extra_buckets else [])]
            if self.buckets.admit(*names) is not None:
                self.throttled += 1
                self.throttled_by_operation[name] += 1
                return self.quota_exceeded()

            rv = handler(req, params)
            rv.headers["x-amzn-RequestId"] = request_id()
            limit = self.buckets.limit_header(name)
            if limit is not None and self.buckets.enabled:
                rv.headers["x-amzn-RateLimit-Limit"] = limit
            return rv

        return gated

    def quota_exceeded(self) -> Response:
        message = "You exceeded your quota for the requested resource."
        rv = error_list(429, "QuotaExceeded", message)
        rv.headers["x-amzn-RequestId"] = request_id()
        return rv

    # -- Service (for the server) -----------------------------------------------

    def received(self, route: Route) -> None:
        self.calls[route.operation] += 1

    def faulted(self, kind: str, route: Route) -> None:
        self.injected[kind] += 1

    def failure(self, status: int, route: Route | None) -> Response:
        api = route.api if route else "amazon"
        if api == "lwa":
            rv = json_response(
                status, {"error": "server_error", "error_description": "Try again."}
            )
        elif api == "uploads":
            rv = s3_error(status, "InternalError" if status == 500 else "SlowDown")
        elif status == 429:
            return self.quota_exceeded()
        elif status == 404:
            rv = error_list(404, "NotFound", "Resource not found.")
        elif status == 503:
            message = "Service temporarily unavailable."
            rv = error_list(503, "ServiceUnavailable", message)
        else:
            message = "We encountered an internal error."
            rv = error_list(status, "InternalFailure", message)
        rv.headers["x-amzn-RequestId"] = request_id()
        return rv

    # -- the sellers API ---------------------------------------------------------

    def marketplace_participations(
        self, req: Request, params: dict[str, str]
    ) -> Response:
        payload = []
        for country, market in MARKETPLACES.items():
            payload.append(
                {
                    "marketplace": {
                        "id": market.id,
                        "countryCode": country,
                        "name": market.name,
                        "defaultCurrencyCode": market.currency,
                        "defaultLanguageCode": market.language,
                        "domainName": market.domain,
                    },
                    "storeName": "Maison Sandbox",
                    "participation": {
                        "isParticipating": country in SELLING,
                        "hasSuspendedListings": False,
                    },
                }
            )
        return json_response(200, {"payload": payload})


def s3_error(status: int, code: str, message: str = "") -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message or code}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
    return Response(status, body.encode(), {"Content-Type": "application/xml"})


def json_body(req: Request) -> Any:
    """The JSON body, or None when it cannot be read (the caller answers 400)."""
    try:
        return req.json()
    except Exception:
        return None


def peek_feed_type(req: Request) -> list[str]:
    """createFeed's extra bucket, for JSON_LISTINGS_FEED submissions."""
    body = json_body(req)
    if isinstance(body, dict) and body.get("feedType") == "JSON_LISTINGS_FEED":
        return [LISTINGS_FEED]
    return []
