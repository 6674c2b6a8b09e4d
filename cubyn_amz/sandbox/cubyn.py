"""Cubyn's side: the API of shared/cubyn-api.md over the warehouse's state.

``CubynState`` holds the parcels and the products with their stock, and the
counters tests read. ``CubynApi`` serves ``/cubyn/v2``: who-am-I without a key,
everything else behind ``X-Application`` (401 otherwise) and a 10 requests a
second bucket (429 with Retry-After). Parcel creation enforces every limit of
Cubyn's order form and refuses the whole parcel on the first problem list, as
Cubyn does; ``orderRef`` is deliberately not unique. Lists page with
offset/limit (at most 100, 20 by default) and give ``x-total-count``.
Stock moves are the warehouse's business (warehouse.py).
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cubyn_amz.clock import Clock, iso, parse_iso

from .buckets import CUBYN, CUBYN_PLAN, Buckets
from .server import Request, Response, Route, json_response, route

if TYPE_CHECKING:
    from .warehouse import Warehouse

DELIVERY_MODES = frozenset({"STANDARD", "STANDARD_SIGNATURE", "EXPRESS", "RELAY"})
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
PHONE = re.compile(r"^[0-9+() ./-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM
    BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX
    CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG
    GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
    IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
    LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE
    NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
    RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF
    WS YE YT ZA ZM ZW
    """
COUNTRIES = frozenset(_COUNTRY_CODES.split())


def latin(text: str) -> bool:
    """Printable ASCII or a Latin-1 letter: what Cubyn's order form accepts."""
    for char in text:
        code = ord(char)
        if 0x20 <= code <= 0x7E:
            continue
        if 0xC0 <= code <= 0xFF and code not in (0xD7, 0xF7):
            continue
        return False
    return True


@dataclass
class Product:
    id: str
    sku: str
    name: str
    on_hand: int
    updated: int
    reserved: int = 0
    picked: int = 0  # units taken off the shelf for parcels not yet shipped

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved)

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sku": self.sku,
            "name": self.name,
            "stock": {
                "onHand": self.on_hand,
                "reserved": self.reserved,
                "available": self.available,
            },
            "updatedAt": iso(self.updated),
        }


@dataclass
class Parcel:
    id: int
    order_ref: str
    status: str
    delivery_mode: str
    items: list[tuple[str, int]]
    recipient: dict[str, Any]
    created: int
    updated: int
    shipment: dict[str, Any] | None = None

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "orderRef": self.order_ref,
            "status": self.status,
            "deliveryMode": self.delivery_mode,
            "items": [{"sku": sku, "quantity": qty} for sku, qty in self.items],
            **self.recipient,
            "createdAt": iso(self.created),
            "updatedAt": iso(self.updated),
            "shipment": dict(self.shipment) if self.shipment else None,
        }


class CubynState:
    """The merchant's Cubyn account. Public methods take the sandbox lock."""

    def __init__(
        self,
        clock: Clock,
        lock: threading.RLock,
        seed: int,
        stock: dict[str, int],
        names: dict[str, str],
        rate_limits: bool = True,
        time_scale: float = 1.0,
    ) -> None:
        self.clock = clock
        self.time_scale = time_scale
        self._lock = lock
        rng = random.Random(f"{seed}:cubyn")
        self.api_key = "".join(rng.choices("0123456789abcdef", k=40))
        self.application = "Amazon sync (cubyn-amz)"
        self.user = {
            "id": rng.randint(1000, 99999),
            "email": "ops@maison-sandbox.example",
        }

        now = int(clock.now())
        self.products: dict[str, Product] = {}
        for number, sku in enumerate(sorted(stock), start=rng.randint(40, 90)):
            updated = now - rng.randint(3600, 20 * 86400)
            self.products[sku] = Product(
                f"p_{number}", sku, names[sku], stock[sku], updated
            )
        self.parcels: dict[int, Parcel] = {}
        self.by_order_ref: dict[str, list[int]] = {}
        self.next_parcel_id = 673_000_000 + rng.randrange(10**6)

        self.calls: Counter[str] = Counter()
        self.throttled = 0
        self.injected: Counter[str] = Counter()
        self.buckets = Buckets({CUBYN: CUBYN_PLAN}, clock, rate_limits, time_scale)

    def now(self) -> int:
        return int(self.clock.now())

    def add_products(self, names: dict[str, str], stock: dict[str, int]) -> None:
        """More products in the catalogue, with their units on hand, updated now."""
        with self._lock:
            number = max((int(p.id[2:]) for p in self.products.values()), default=0)
            for sku, name in names.items():
                number += 1
                self.products[sku] = Product(
                    f"p_{number}", sku, name, stock[sku], self.now()
                )

    def parcels_for(self, order_ref: str) -> list[Parcel]:
        with self._lock:
            return [self.parcels[i] for i in self.by_order_ref.get(order_ref, [])]

    def add_parcel(self, parcel: Parcel) -> None:
        self.parcels[parcel.id] = parcel
        self.by_order_ref.setdefault(parcel.order_ref, []).append(parcel.id)

    # -- Service (for the server) -----------------------------------------------

    def received(self, route: Route) -> None:
        self.calls[route.operation] += 1

    def faulted(self, kind: str, route: Route) -> None:
        self.injected[kind] += 1

    def failure(self, status: int, route: Route | None) -> Response:
        if status == 429:
            return json_response(
                429, {"message": "Too many requests"}, {"Retry-After": "1"}
            )
        if status == 404:
            return json_response(404, {"message": "Not found"})
        if status == 503:
            return json_response(503, {"message": "Service unavailable"})
        return json_response(status, {"message": "Internal server error"})


def _problems(body: Any, known_skus: set[str]) -> list[dict[str, str]]:
    """Every reason Cubyn would refuse this parcel, as {field, message}."""
    if not isinstance(body, dict):
        return [{"field": "", "message": "The body must be a JSON object"}]
    rv: list[dict[str, str]] = []

    def text(
        path: str, value: Any, required: bool, limit: int, latin_only: bool
    ) -> None:
        if value is None or value == "":
            if required:
                rv.append({"field": path, "message": "is required"})
            return
        if not isinstance(value, str):
            rv.append({"field": path, "message": "must be a string"})
        elif len(value) > limit:
            rv.append({"field": path, "message": f"must be at most {limit} characters"})
        elif latin_only and not latin(value):
            rv.append({"field": path, "message": "must contain Latin characters only"})

    text("orderRef", body.get("orderRef"), True, 50, False)
    text("firstName", body.get("firstName"), False, 35, True)
    text("lastName", body.get("lastName"), True, 35, True)
    text("companyName", body.get("companyName"), False, 35, True)
    text("email", body.get("email"), False, 70, False)
    if (
        isinstance(body.get("email"), str)
        and body["email"]
        and not EMAIL.match(body["email"])
    ):
        rv.append({"field": "email", "message": "must be an e-mail address"})
    phone = body.get("phone")
    if phone not in (None, "") and (
        not isinstance(phone, str)
        or not 4 <= len(phone) <= 13
        or not PHONE.match(phone)
    ):
        rv.append(
            {"field": "phone", "message": "must be 4 to 13 digits or + ( ) . - /"}
        )

    address = body.get("address")
    if not isinstance(address, dict):
        rv.append({"field": "address", "message": "is required"})
    else:
        text("address.line1", address.get("line1"), True, 35, True)
        info = address.get("additionalInformation")
        text("address.additionalInformation", info, False, 35, True)
        text("address.zip", address.get("zip"), True, 8, False)
        text("address.city", address.get("city"), True, 35, True)
        if address.get("country") not in COUNTRIES:
            rv.append(
                {"field": "address.country", "message": "must be ISO 3166-1 alpha-2"}
            )

    mode = body.get("deliveryMode")
    if mode not in DELIVERY_MODES:
        choices = ", ".join(sorted(DELIVERY_MODES))
        rv.append({"field": "deliveryMode", "message": f"must be one of {choices}"})
    if mode == "RELAY" and not body.get("relayPointRef"):
        rv.append({"field": "relayPointRef", "message": "is required for RELAY"})

    items = body.get("items")
    if not isinstance(items, list) or not items:
        rv.append({"field": "items", "message": "must hold at least one item"})
        return rv
    for number, item in enumerate(items):
        where = f"items[{number}]"
        if not isinstance(item, dict):
            rv.append({"field": where, "message": "must be an object"})
            continue
        if item.get("sku") not in known_skus:
            rv.append(
                {"field": f"{where}.sku", "message": f"unknown SKU {item.get('sku')!r}"}
            )
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            rv.append(
                {"field": f"{where}.quantity", "message": "must be a positive integer"}
            )
    return rv


def _page(req: Request) -> tuple[int, int]:
    offset_text = req.arg("offset") or "0"
    limit_text = req.arg("limit") or str(DEFAULT_LIMIT)
    if not offset_text.isdigit() or not limit_text.isdigit():
        raise ValueError("offset and limit must be whole numbers")
    limit = int(limit_text)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    return int(offset_text), limit


def _since(req: Request) -> float | None:
    text = req.arg("filters[updatedAfter]")
    if not text:
        return None
    try:
        return parse_iso(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError("filters[updatedAfter] must be an ISO 8601 date-time") from exc


def _listing(items: list[dict[str, Any]], offset: int, limit: int) -> Response:
    headers = {"x-total-count": str(len(items))}
    return json_response(200, items[offset : offset + limit], headers)


class CubynApi:
    def __init__(self, state: CubynState, warehouse: Warehouse) -> None:
        self.state = state
        self.warehouse = warehouse

    def routes(self) -> list[Route]:
        gate = self.gate
        base = "/cubyn/v2"
        return [
            route("GET", base, self.whoami, "cubyn", "whoami"),
            route(
                "POST",
                f"{base}/parcels",
                gate(self.create_parcel),
                "cubyn",
                "createParcel",
            ),
            route(
                "GET",
                f"{base}/parcels",
                gate(self.list_parcels),
                "cubyn",
                "listParcels",
            ),
            route(
                "GET",
                f"{base}/parcels/{{id}}",
                gate(self.get_parcel),
                "cubyn",
                "getParcel",
            ),
            route(
                "PUT",
                f"{base}/parcels/{{id}}/cancel",
                gate(self.cancel_parcel),
                "cubyn",
                "cancelParcel",
            ),
            route(
                "GET",
                f"{base}/product-catalog/products",
                gate(self.list_products),
                "cubyn",
                "listProducts",
            ),
        ]

    def _throttle(self) -> Response | None:
        wait = self.state.buckets.admit(CUBYN)
        if wait is None:
            return None
        self.state.throttled += 1
        retry = max(1, math.ceil(wait))
        return json_response(
            429, {"message": "Too many requests"}, {"Retry-After": str(retry)}
        )

    def gate(self, handler: Any) -> Any:
        def gated(req: Request, params: dict[str, str]) -> Response:
            if req.header("x-application") != self.state.api_key:
                return json_response(401, {"message": "Unauthorized"})
            throttled = self._throttle()
            if throttled is not None:
                return throttled
            rv: Response = handler(req, params)
            return rv

        return gated

    def whoami(self, req: Request, params: dict[str, str]) -> Response:
        throttled = self._throttle()
        if throttled is not None:
            return throttled
        auth = None
        if req.header("x-application") == self.state.api_key:
            auth = {
                "application": {"name": self.state.application},
                "user": self.state.user,
            }
        return json_response(
            200, {"version": "0.0.3", "name": "cubyn.api", "auth": auth}
        )

    def _parcel(self, params: dict[str, str]) -> Parcel | None:
        text = params["id"]
        return self.state.parcels.get(int(text)) if text.isdigit() else None

    def create_parcel(self, req: Request, params: dict[str, str]) -> Response:
        try:
            body = req.json()
        except Exception:
            return json_response(400, {"message": "The body is not valid JSON"})
        problems = _problems(body, set(self.state.products))
        if problems:
            return json_response(
                400, {"message": "Validation failed", "errors": problems}
            )

        now = self.state.now()
        address = body["address"]
        recipient = {
            "firstName": body.get("firstName") or "",
            "lastName": body["lastName"],
            "companyName": body.get("companyName") or "",
            "phone": body.get("phone") or "",
            "email": body.get("email") or "",
            "address": {
                "line1": address["line1"],
                "additionalInformation": address.get("additionalInformation") or "",
                "zip": address["zip"],
                "city": address["city"],
                "country": address["country"],
            },
        }
        if body.get("relayPointRef"):
            recipient["relayPointRef"] = body["relayPointRef"]
        merged: dict[str, int] = {}
        for item in body["items"]:
            merged[item["sku"]] = merged.get(item["sku"], 0) + item["quantity"]

        # Cubyn's ids are shared by all its merchants: one account sees gaps.
        self.state.next_parcel_id += 1 + self.state.next_parcel_id % 7
        parcel = Parcel(
            id=self.state.next_parcel_id,
            order_ref=body["orderRef"],
            status="CREATED",
            delivery_mode=body["deliveryMode"],
            items=list(merged.items()),
            recipient=recipient,
            created=now,
            updated=now,
        )
        self.state.add_parcel(parcel)
        self.warehouse.accept(parcel)
        return json_response(201, parcel.render())

    def get_parcel(self, req: Request, params: dict[str, str]) -> Response:
        parcel = self._parcel(params)
        if parcel is None:
            return json_response(404, {"message": "Parcel not found"})
        return json_response(200, parcel.render())

    def list_parcels(self, req: Request, params: dict[str, str]) -> Response:
        try:
            offset, limit = _page(req)
            since = _since(req)
        except ValueError as exc:
            return json_response(400, {"message": str(exc)})
        refs = req.args("filters[orderRef]")
        statuses = set(req.args("filters[status]"))

        if refs:
            ids = [
                i
                for ref in dict.fromkeys(refs)
                for i in self.state.by_order_ref.get(ref, [])
            ]
            candidates = [self.state.parcels[i] for i in ids]
        else:
            candidates = list(self.state.parcels.values())
        chosen = [
            p
            for p in candidates
            if (not statuses or p.status in statuses)
            and (since is None or p.updated >= since)
        ]
        chosen.sort(key=lambda p: (p.created, p.id), reverse=True)
        window = chosen[offset : offset + limit]
        return json_response(
            200, [p.render() for p in window], {"x-total-count": str(len(chosen))}
        )

    def cancel_parcel(self, req: Request, params: dict[str, str]) -> Response:
        parcel = self._parcel(params)
        if parcel is None:
            return json_response(404, {"message": "Parcel not found"})
        if parcel.status != "CREATED":
            message = (
                f"Parcel {parcel.id} is {parcel.status}: only CREATED can be cancelled"
            )
            return json_response(409, {"message": message})
        self.warehouse.cancel(parcel)
        return json_response(200, parcel.render())

    def list_products(self, req: Request, params: dict[str, str]) -> Response:
        try:
            offset, limit = _page(req)
            since = _since(req)
        except ValueError as exc:
            return json_response(400, {"message": str(exc)})
        products = sorted(self.state.products.values(), key=lambda p: int(p.id[2:]))
        chosen = [p.render() for p in products if since is None or p.updated >= since]
        return _listing(chosen, offset, limit)
