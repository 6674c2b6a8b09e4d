"""The Cubyn API (https://api.cubyn.com/v2), as this tool codes against it.

Cubyn publishes only part of its API. Every field name, status code and enum value
of Cubyn's lives in this one module, so that one file changes when Cubyn's real
names differ from the contract the project settled on (see the README).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from typing import Any

import requests

from cubyn_amz import __version__
from cubyn_amz.clock import Clock
from cubyn_amz.cubyn.models import (
    NewParcel,
    Parcel,
    ParcelItem,
    ParcelShipment,
    Product,
)
from cubyn_amz.errors import (
    ApiError,
    Conflict,
    CredentialsRefused,
    CubynAmzError,
    NotFound,
    ServiceUnavailable,
)
from cubyn_amz.http.pacing import BucketStore, MemoryBuckets, Pacer, UsagePlan
from cubyn_amz.http.redact import redact
from cubyn_amz.http.service import HttpService

log = logging.getLogger(__name__)

SERVICE = "Cubyn"
USER_AGENT = f"cubyn-amz/{__version__}"
PAGE_SIZE = 100  # Cubyn's largest page
# Cubyn publishes no rate limit; the contract stays at or below 10 requests a second.
USAGE_PLAN = UsagePlan(10.0, 10)

DELIVERY_MODES = frozenset({"STANDARD", "STANDARD_SIGNATURE", "EXPRESS"})
# Cubyn carrier -> the Amazon carrierCode it is confirmed with by default; any other
# carrier goes as "Other" with its name. The settings' [carriers] override these.
AMAZON_CARRIER_CODES: dict[str, str] = {
    "COLISSIMO": "Colissimo",
    "CHRONOPOST": "Chronopost",
    "DPD": "DPD",
    "GLS": "GLS",
    "UPS": "UPS",
    "DHL": "DHL",
    "COLIS_PRIVE": "Colis Prive",
    "MONDIAL_RELAY": "Mondial Relay",
}
# Cubyn's limits on the order form.
TEXT_LIMIT = 35
ZIP_LIMIT = 8
PHONE_LIMITS = (4, 13)


def parse_error(response: requests.Response, data: Any) -> CubynAmzError:
    """``{"message": …, "errors": [{"field", "message"}]}`` as a typed error."""
    body = data if isinstance(data, dict) else {}
    message = redact(str(body.get("message") or response.reason or "error"))
    details = [
        redact(f"{e.get('field', '?')}: {e.get('message', '')}")
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    status = response.status_code
    if status in (401, 403):
        return CredentialsRefused(
            f"Cubyn refused the API key ({status} {message})",
            "copy the key again from the Cubyn app (Apps > Cubyn API > details) "
            "into the settings or $CUBYN_AMZ_CUBYN_API_KEY",
        )
    kind = {404: NotFound, 409: Conflict}.get(status, ApiError)
    return kind(SERVICE, status, message, details=details)


class CubynClient:
    def __init__(
        self,
        endpoint: str,
        api_key: str,
        *,
        clock: Clock,
        session: requests.Session | None = None,
        buckets: BucketStore | None = None,
    ) -> None:
        self.http = HttpService(
            SERVICE,
            endpoint,
            clock=clock,
            user_agent=USER_AGENT,
            parse_error=parse_error,
            pacer=Pacer({"cubyn": USAGE_PLAN}, buckets or MemoryBuckets(), clock),
            session=session,
            headers={"X-Application": api_key},
            bucket="cubyn",
        )

    @property
    def calls(self) -> dict[str, int]:
        return dict(self.http.calls)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        return self.http.call(method, path, operation=name, **kwargs)

    def whoami(self) -> str | None:
        """The application name the API key belongs to, None for a key Cubyn rejects."""
        answer = self._call("GET", "", "whoami")
        data = answer.data if isinstance(answer.data, dict) else {}
        auth = data.get("auth")
        if not isinstance(auth, dict):
            return None
        application = auth.get("application")
        if not isinstance(application, dict) or not application.get("name"):
            return None
        return str(application["name"])

    # -- parcels ---------------------------------------------------------------

    def create_parcel(self, parcel: NewParcel) -> Parcel:
        """Never retried once it may have left: see ``OutcomeUnknown``."""
        answer = self._call(
            "POST",
            "/parcels",
            "createParcel",
            idempotent=False,
            json_body=parcel_body(parcel),
        )
        return parse_parcel(answer.data)

    def get_parcel(self, parcel_id: str) -> Parcel:
        answer = self._call("GET", f"/parcels/{parcel_id}", "getParcel")
        return parse_parcel(answer.data)

    def find_parcels(self, order_ref: str) -> list[Parcel]:
        """Every parcel created for a reference, newest first."""
        return list(self._list_parcels({"filters[orderRef]": order_ref}))

    def parcels_updated_since(self, since: str) -> Iterator[Parcel]:
        """Parcels changed since an ISO 8601 time, page by page, newest first."""
        return self._list_parcels({"filters[updatedAfter]": since})

    def cancel_parcel(self, parcel_id: str) -> Parcel:
        """Raises ``Conflict`` once the warehouse has started on the parcel."""
        answer = self._call("PUT", f"/parcels/{parcel_id}/cancel", "cancelParcel")
        return parse_parcel(answer.data)

    def _list_parcels(self, filters: dict[str, str]) -> Iterator[Parcel]:
        for item in self._pages("/parcels", "listParcels", filters):
            if item.get("id") in (None, ""):
                # One bad entry must not hide the others from every pass.
                log.warning(
                    "Cubyn listed a parcel without an id (orderRef %r); passed over",
                    item.get("orderRef"),
                )
                continue
            yield parse_parcel(item)

    # -- stock -----------------------------------------------------------------

    def products(self, updated_since: str | None = None) -> Iterator[Product]:
        """The catalogue with stock; only what changed since a time when given."""
        filters = {"filters[updatedAfter]": updated_since} if updated_since else {}
        for item in self._pages("/product-catalog/products", "listProducts", filters):
            yield parse_product(item)

    def _pages(
        self, path: str, name: str, filters: dict[str, str]
    ) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            params = {**filters, "offset": offset, "limit": PAGE_SIZE}
            answer = self._call("GET", path, name, params=params)
            if not isinstance(answer.data, list):
                raise ServiceUnavailable(
                    f"Cubyn answered {path} without a list", "the next run tries again"
                )
            for item in answer.data:
                if isinstance(item, dict):
                    yield item
            offset += len(answer.data)
            total = _total(answer.headers, offset)
            if not answer.data or len(answer.data) < PAGE_SIZE or offset >= total:
                return


def _total(headers: Any, default: int) -> int:
    try:
        return int(headers.get("x-total-count", default))
    except (TypeError, ValueError):
        return default


def parcel_body(parcel: NewParcel) -> dict[str, Any]:
    r = parcel.recipient
    body: dict[str, Any] = {
        "orderRef": parcel.order_ref,
        "firstName": r.first_name,
        "lastName": r.last_name,
        "companyName": r.company,
        "phone": r.phone,
        "address": {
            "line1": r.line1,
            "additionalInformation": r.additional,
            "zip": r.zip,
            "city": r.city,
            "country": r.country,
        },
        "deliveryMode": parcel.delivery_mode,
        "items": [{"sku": i.sku, "quantity": i.quantity} for i in parcel.items],
    }
    if r.email:
        body["email"] = r.email
    return body


def parse_parcel(data: Any) -> Parcel:
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise ServiceUnavailable(
            "Cubyn answered without a parcel", "the next run tries again"
        )
    shipment = data.get("shipment")
    return Parcel(
        id=str(data["id"]),
        order_ref=str(data.get("orderRef") or ""),
        status=str(data.get("status") or "UNKNOWN").upper(),
        delivery_mode=str(data.get("deliveryMode") or ""),
        items=tuple(
            ParcelItem(str(i.get("sku")), _int(i.get("quantity")))
            for i in data.get("items") or []
            if isinstance(i, dict)
        ),
        updated_at=str(data.get("updatedAt") or ""),
        shipment=(
            ParcelShipment(
                carrier=str(shipment.get("carrier") or ""),
                tracking_number=str(shipment.get("trackingNumber") or ""),
                shipped_at=str(shipment.get("shippedAt") or ""),
            )
            if isinstance(shipment, dict)
            else None
        ),
    )


def parse_product(data: dict[str, Any]) -> Product:
    stock = data.get("stock")
    if not isinstance(stock, dict):
        stock = {}
    return Product(
        sku=str(data.get("sku") or ""),
        available=_int(stock.get("available")),
        on_hand=_int(stock.get("onHand")),
        reserved=_int(stock.get("reserved")),
        name=str(data.get("name") or ""),
        updated_at=str(data.get("updatedAt") or ""),
        problem=_stock_problem(stock),
    )


def _stock_problem(stock: dict[str, Any]) -> str:
    """Why a product's stock figures cannot be pushed to Amazon, or ""."""
    available, on_hand = stock.get("available"), stock.get("onHand")
    # Below zero is oversold: a count all the same, which Amazon is shown as 0.
    if _is_count(available, signed=True) and _int(available) < 0:
        return ""
    if not _is_count(available):
        text = repr(available)
        return f"available is {text if len(text) <= 24 else text[:21] + '...'}"
    if _is_count(on_hand) and _int(available) > _int(on_hand):
        return f"{_int(available)} available but {_int(on_hand)} on hand"
    return ""


def _is_count(value: Any, signed: bool = False) -> bool:
    """A whole number of units, 0 or more unless ``signed`` (12.0 will do; "12" or
    NaN will not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return False
    return signed or value >= 0


def _int(value: Any) -> int:
    """A count from Cubyn; anything that is not a whole number counts as 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0  # JSON's 1e400 reads as infinity
    return int(value)
