"""``Sandbox``: both emulated APIs, their state and their clock, wired together.

One object owns the seller's Amazon account, the Cubyn account and its
warehouse, the fault injector and the HTTP server that exposes them on
loopback. All of it reads time from one clock: a ``FakeClock`` for tests and
benchmarks, the system clock otherwise. ``time_scale`` speeds up what the sandbox
does by itself (warehouse stages, feed processing, usage-plan refills).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from types import TracebackType
from typing import Any

from cubyn_amz.clock import Clock, FakeClock, SystemClock, iso

from . import data
from .amazon import AmazonState
from .control import ControlApi
from .cubyn import CubynApi, CubynState
from .faults import Faults
from .feeds import FeedsApi
from .listings import ListingsApi
from .orders import MARKETPLACES, SELLING
from .orders_api import OrdersApi
from .server import App, HttpServer, Route, Service, route
from .warehouse import Warehouse


class Sandbox:
    """Amazon's SP-API and Cubyn's API, emulated over HTTP on 127.0.0.1.

    ``orders`` seeds a few days of order history; ``rate_limits=False`` turns
    every usage plan off; ``stage_seconds`` is the sandbox time a parcel spends
    at each warehouse stage (None: parcels move only on ``warehouse.step()``);
    ``skus`` adds that many SKUs to the catalogue (see ``add_skus``).
    """

    def __init__(
        self,
        seed: int = 1,
        orders: int = 40,
        clock: Clock | None = None,
        time_scale: float = 1.0,
        rate_limits: bool = True,
        stage_seconds: float | None = 1800.0,
        skus: int = 0,
    ) -> None:
        if clock is not None and time_scale != 1.0:
            raise ValueError("give either a clock or a time_scale, not both")
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        # A time scale speeds up what the sandbox does by itself (the warehouse,
        # feed processing, the usage plans' refill) but not its timestamps: a real
        # cubyn-amz, on the system clock, must see the orders as they arrive.
        if clock is None:
            clock = SystemClock()
        self.seed = seed
        self.clock = clock
        self.time_scale = time_scale
        self.lock = threading.RLock()
        self.faults = Faults()

        stock = data.initial_stock(random.Random(f"{seed}:stock"))
        names = {sku: data.PRODUCTS[sku].title for sku in stock}
        self.amazon = AmazonState(
            clock, self.lock, seed, stock, orders, rate_limits, time_scale
        )
        self.cubyn = CubynState(
            clock, self.lock, seed, stock, names, rate_limits, time_scale
        )
        if stage_seconds is not None:
            stage_seconds /= time_scale
        self.warehouse = Warehouse(self.cubyn, clock, self.lock, seed, stage_seconds)

        listings = ListingsApi(self.amazon)
        self.feeds = FeedsApi(self.amazon, listings.render_item)
        self.feeds.queue_seconds = _scaled(self.feeds.queue_seconds, time_scale)
        self.feeds.processing_seconds = _scaled(
            self.feeds.processing_seconds, time_scale
        )
        self.app = App(clock, self.lock, self.tick, self.faults)
        amazon_routes = [
            *OrdersApi(self.amazon).routes(),
            *listings.routes(),
            *self.feeds.routes(),
            *self._amazon_routes(),
        ]
        services: dict[str, Service] = {
            "amazon": self.amazon,
            "lwa": self.amazon,
            "uploads": self.amazon,
        }
        self.app.add(amazon_routes, services)
        self.app.add(
            CubynApi(self.cubyn, self.warehouse).routes(), {"cubyn": self.cubyn}
        )
        control = ControlApi(self)
        self.app.add(control.routes(), {"control": control})
        self.app.prefixes = {
            "/amazon": "amazon",
            "/auth": "lwa",
            "/uploads": "uploads",
            "/cubyn": "cubyn",
            "/_sandbox": "control",
        }
        self._http = HttpServer(self.app)
        self.base_url: str | None = None
        self._added_skus = 0
        self.add_skus(skus)

    def add_skus(self, count: int) -> list[str]:
        """``count`` more SKUs, the same on both sides; their names.

        Each is stocked in Cubyn and listed in every selling marketplace on
        Amazon with a quantity a few units above the stock, as before a first
        sync, so that a first push changes every one of them. For benchmarks
        at the scale of a real catalogue (the seeded one has ~30 SKUs).
        """
        with self.lock:
            products = data.more_products(self._added_skus + 1, count)
            self._added_skus += count
            rng = random.Random(f"{self.seed}:skus:{self._added_skus}")
            stock = {p.sku: rng.randint(0, 200) for p in products}
            self.cubyn.add_products({p.sku: p.title for p in products}, stock)
            quantities = {
                sku: units + rng.randint(1, 8) for sku, units in stock.items()
            }
            self.amazon.add_listings(products, quantities)
            return [p.sku for p in products]

    def _amazon_routes(self) -> list[Route]:
        amazon = self.amazon
        return [
            route("POST", "/auth/o2/token", amazon.lwa.token, "lwa", "lwaToken"),
            amazon.endpoint(
                "GET",
                "/sellers/v1/marketplaceParticipations",
                "getMarketplaceParticipations",
                amazon.marketplace_participations,
            ),
        ]

    # -- life cycle -----------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1") -> Sandbox:
        """Serve in a daemon thread; ``port`` 0 takes any free port."""
        bound = self._http.start(host, port)
        self.base_url = f"http://{host}:{bound}"
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> Sandbox:
        if self.base_url is None:
            self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- time -----------------------------------------------------------------------

    def tick(self) -> None:
        """Catch up with the clock: due orders, feeds and parcels move."""
        with self.lock:
            self.amazon.tick()
            self.warehouse.tick(int(self.clock.now()))

    def advance(self, seconds: float) -> None:
        """Move a FakeClock forward and let the state catch up."""
        if not isinstance(self.clock, FakeClock):
            raise ValueError("only a sandbox on a FakeClock can be advanced")
        self.clock.advance(seconds)
        self.tick()

    # -- what a client needs, and what tests read -----------------------------------

    def connection(self) -> dict[str, Any]:
        if self.base_url is None:
            raise RuntimeError("start the sandbox first")
        creds = self.amazon.credentials
        return {
            "seller_id": creds.seller_id,
            "marketplaces": list(SELLING),
            "lwa_client_id": creds.client_id,
            "lwa_client_secret": creds.client_secret,
            "refresh_token": creds.refresh_token,
            "cubyn_api_key": self.cubyn.api_key,
            "amazon_endpoint": self.base_url + "/amazon",
            "token_endpoint": self.base_url + "/auth/o2/token",
            "cubyn_endpoint": self.base_url + "/cubyn/v2",
        }

    def connect_command(self, app_name: str = "sandbox") -> list[str]:
        """The ``cubyn-amz connect`` arguments that point a connection here."""
        conn = self.connection()
        rv = ["cubyn-amz", "connect", "--app-name", app_name]
        rv += ["--seller-id", conn["seller_id"]]
        for country in conn["marketplaces"]:
            rv += ["--marketplace", country]
        rv += ["--lwa-client-id", conn["lwa_client_id"]]
        rv += ["--lwa-client-secret", conn["lwa_client_secret"]]
        rv += ["--refresh-token", conn["refresh_token"]]
        rv += ["--cubyn-api-key", conn["cubyn_api_key"]]
        rv += ["--amazon-endpoint", conn["amazon_endpoint"]]
        rv += ["--token-endpoint", conn["token_endpoint"]]
        rv += ["--cubyn-endpoint", conn["cubyn_endpoint"]]
        return rv

    def summary(self) -> dict[str, Any]:
        """A JSON-ready picture of both sides, for /_sandbox/state."""
        with self.lock:
            return {
                "now": iso(self.clock.now()),
                "baseUrl": self.base_url,
                "amazon": self._amazon_summary(),
                "cubyn": self._cubyn_summary(),
                "faults": self.faults.summary(),
            }

    def _amazon_summary(self) -> dict[str, Any]:
        amazon = self.amazon
        confirmations: dict[str, list[Any]] = {}
        for record in amazon.confirmations:
            confirmations.setdefault(record["orderId"], []).append(record["body"])
        listings: dict[str, dict[str, int]] = {}
        countries = {m.id: c for c, m in MARKETPLACES.items()}
        for (sku, market), quantity in sorted(amazon.listings.items()):
            listings.setdefault(sku, {})[countries.get(market, market)] = quantity
        return {
            "sellerId": amazon.seller_id,
            "orders": len(amazon.orders),
            "ordersByStatus": dict(Counter(o.status for o in amazon.orders.values())),
            "orderStatuses": {o.order_id: o.status for o in amazon.orders.values()},
            "confirmations": confirmations,
            "confirmationCount": len(amazon.confirmations),
            "rejectedConfirmations": len(amazon.rejected),
            "listings": listings,
            "feeds": {f.id: f.status for f in amazon.feeds.values()},
            "calls": dict(amazon.calls),
            "throttled": amazon.throttled,
            "throttledByOperation": dict(amazon.throttled_by_operation),
            "injected": dict(amazon.injected),
        }

    def _cubyn_summary(self) -> dict[str, Any]:
        cubyn = self.cubyn
        by_ref: dict[str, list[Any]] = {}
        for parcel in cubyn.parcels.values():
            shipment = parcel.shipment or {}
            by_ref.setdefault(parcel.order_ref, []).append(
                {
                    "id": parcel.id,
                    "status": parcel.status,
                    "carrier": shipment.get("carrier"),
                    "trackingNumber": shipment.get("trackingNumber"),
                }
            )
        return {
            "parcels": len(cubyn.parcels),
            "parcelsByStatus": dict(Counter(p.status for p in cubyn.parcels.values())),
            "parcelsByOrderRef": by_ref,
            "products": {p.sku: p.render()["stock"] for p in cubyn.products.values()},
            "calls": dict(cubyn.calls),
            "throttled": cubyn.throttled,
            "injected": dict(cubyn.injected),
        }


def _scaled(bounds: tuple[int, int], time_scale: float) -> tuple[int, int]:
    """Bounds in whole seconds, shortened by the time scale (a second at least)."""
    low, high = bounds
    return max(1, round(low / time_scale)), max(1, round(high / time_scale))
