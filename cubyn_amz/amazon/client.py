"""The SP-API operations this tool uses, each paced by its usage plan.

Payload shapes follow Amazon's published models: Orders 2026-01-01 (searchOrders),
Orders v0 (confirmShipment), Listings Items 2021-08-01, Feeds 2021-06-30 and Sellers.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

import requests

from cubyn_amz import __version__
from cubyn_amz.amazon.auth import LwaAuth, TokenCache
from cubyn_amz.amazon.errors import parse_error
from cubyn_amz.clock import Clock
from cubyn_amz.errors import CredentialsRefused, ServiceUnavailable
from cubyn_amz.http.pacing import Pacer
from cubyn_amz.http.service import Answer, HttpService
from cubyn_amz.settings.model import AmazonSettings

log = logging.getLogger(__name__)

USER_AGENT = f"cubyn-amz/{__version__} (Language=Python)"
ORDER_DATA = ("RECIPIENT", "FULFILLMENT", "CANCELLATION")
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"


class UnreadableDocument(ValueError):
    """A feed document whose content cannot be uncompressed (cut short, or no gzip)."""


class AmazonClient:
    def __init__(
        self,
        settings: AmazonSettings,
        *,
        clock: Clock,
        pacer: Pacer,
        tokens: TokenCache,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.auth = LwaAuth(
            settings, clock=clock, cache=tokens, user_agent=USER_AGENT, session=session
        )
        self.http = HttpService(
            "Amazon",
            settings.endpoint,
            clock=clock,
            user_agent=USER_AGENT,
            parse_error=parse_error,
            pacer=pacer,
            session=session,
        )

    @property
    def calls(self) -> dict[str, int]:
        counts = dict(self.http.calls)
        if self.auth.exchanges:
            counts["lwaToken"] = self.auth.exchanges
        return counts

    def close(self) -> None:
        self.http.close()
        self.auth.http.close()

    def _call(self, method: str, path: str, operation: str, **kwargs: Any) -> Answer:
        headers = {"x-amz-access-token": self.auth.access_token()}
        try:
            return self.http.call(
                method, path, operation=operation, headers=headers, **kwargs
            )
        except CredentialsRefused:
            # A token revoked or expired early: exchange once more before giving up.
            self.auth.forget()
            headers = {"x-amz-access-token": self.auth.access_token()}
            return self.http.call(
                method, path, operation=operation, headers=headers, **kwargs
            )

    # -- sellers ---------------------------------------------------------------

    def marketplace_participations(self) -> list[str]:
        """The marketplace ids in which this seller takes part."""
        answer = self._call(
            "GET",
            "/sellers/v1/marketplaceParticipations",
            "getMarketplaceParticipations",
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        payload = data.get("payload")
        ids = []
        for entry in payload if isinstance(payload, list) else []:
            if not isinstance(entry, dict):
                continue
            market = entry.get("marketplace") or {}
            participation = entry.get("participation") or {}
            if market.get("id") and participation.get("isParticipating", True):
                ids.append(str(market["id"]))
        return ids

    # -- orders ----------------------------------------------------------------

    def search_orders(
        self,
        *,
        marketplace_ids: Sequence[str],
        created_after: str | None = None,
        last_updated_after: str | None = None,
        last_updated_before: str | None = None,
        statuses: Iterable[str] = (),
        fulfilled_by: Iterable[str] = ("MERCHANT",),
        included_data: Iterable[str] = ORDER_DATA,
        page_token: str | None = None,
        page_size: int = 100,
    ) -> dict[str, Any]:
        """One page of searchOrders: ``{"orders": [...], "pagination": {...}}``."""
        params: dict[str, Any] = {
            "marketplaceIds": ",".join(marketplace_ids),
            "fulfilledBy": ",".join(fulfilled_by),
            "includedData": ",".join(included_data),
            "maxResultsPerPage": page_size,
        }
        if created_after:
            params["createdAfter"] = created_after
        if last_updated_after:
            params["lastUpdatedAfter"] = last_updated_after
        if last_updated_before:
            params["lastUpdatedBefore"] = last_updated_before
        statuses = list(statuses)
        if statuses:
            params["fulfillmentStatuses"] = ",".join(statuses)
        if page_token:
            params["paginationToken"] = page_token
        answer = self._call(
            "GET", "/orders/2026-01-01/orders", "searchOrders", params=params
        )
        if not isinstance(answer.data, dict) or not isinstance(
            answer.data.get("orders"), list
        ):
            raise ServiceUnavailable(
                "Amazon answered searchOrders without a list of orders",
                "the next run tries again",
            )
        return answer.data

    def confirm_shipment(self, order_id: str, body: dict[str, Any]) -> None:
        """Safe to repeat: the same packageReferenceId edits the same package."""
        self._call(
            "POST",
            f"/orders/v0/orders/{quote(order_id, safe='')}/shipmentConfirmation",
            "confirmShipment",
            json_body=body,
            expect_json=False,
        )

    # -- listings --------------------------------------------------------------

    def _listing_path(self, sku: str) -> str:
        seller = quote(self.settings.seller_id, safe="")
        return f"/listings/2021-08-01/items/{seller}/{quote(sku, safe='')}"

    def get_listing(self, sku: str, marketplace_id: str) -> dict[str, Any]:
        answer = self._call(
            "GET",
            self._listing_path(sku),
            "getListingsItem",
            params={
                "marketplaceIds": marketplace_id,
                "includedData": "summaries,fulfillmentAvailability",
            },
        )
        return answer.data if isinstance(answer.data, dict) else {}

    def patch_quantity(
        self, sku: str, marketplace_id: str, quantity: int
    ) -> dict[str, Any]:
        """``{"status": "ACCEPTED" | "INVALID", "issues": [...]}``; safe to repeat."""
        answer = self._call(
            "PATCH",
            self._listing_path(sku),
            "patchListingsItem",
            params={"marketplaceIds": marketplace_id},
            json_body=quantity_patch(quantity),
        )
        return answer.data if isinstance(answer.data, dict) else {}

    # -- feeds -----------------------------------------------------------------

    def create_feed_document(self) -> tuple[str, str]:
        """A document to upload a feed into: (feedDocumentId, upload url)."""
        answer = self._call(
            "POST",
            "/feeds/2021-06-30/documents",
            "createFeedDocument",
            json_body={"contentType": FEED_CONTENT_TYPE},
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        if not data.get("feedDocumentId") or not data.get("url"):
            raise ServiceUnavailable(
                "Amazon answered createFeedDocument without a document",
                "the next run tries again",
            )
        return str(data["feedDocumentId"]), str(data["url"])

    def upload_feed_document(self, url: str, content: bytes) -> None:
        # A presigned URL: no access token, and no usage plan of SP-API's.
        self.http.call(
            "PUT",
            url,
            operation="uploadFeedDocument",
            data=content,
            headers={"Content-Type": FEED_CONTENT_TYPE},
            expect_json=False,
        )

    def create_feed(
        self, feed_type: str, marketplace_ids: Sequence[str], document_id: str
    ) -> str:
        if self.http.pacer is not None:
            self.http.pacer.acquire(f"createFeed:{feed_type}")
        answer = self._call(
            "POST",
            "/feeds/2021-06-30/feeds",
            "createFeed",
            idempotent=False,
            json_body={
                "feedType": feed_type,
                "marketplaceIds": list(marketplace_ids),
                "inputFeedDocumentId": document_id,
            },
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        if not data.get("feedId"):
            raise ServiceUnavailable(
                "Amazon answered createFeed without a feed id",
                "the next run tries again",
            )
        return str(data["feedId"])

    def find_feeds(
        self, feed_type: str, marketplace_id: str, created_since: str
    ) -> list[dict[str, Any]]:
        """getFeeds: the feeds of a type for a marketplace created since a time."""
        answer = self._call(
            "GET",
            "/feeds/2021-06-30/feeds",
            "getFeeds",
            params={
                "feedTypes": feed_type,
                "marketplaceIds": marketplace_id,
                "createdSince": created_since,
                "pageSize": 100,
            },
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        feeds = data.get("feeds")
        return (
            [f for f in feeds if isinstance(f, dict)] if isinstance(feeds, list) else []
        )

    def get_feed(self, feed_id: str) -> dict[str, Any]:
        answer = self._call(
            "GET", f"/feeds/2021-06-30/feeds/{quote(feed_id, safe='')}", "getFeed"
        )
        return answer.data if isinstance(answer.data, dict) else {}

    def get_feed_document(self, document_id: str) -> bytes:
        """The content of a feed's processing report, uncompressed."""
        answer = self._call(
            "GET",
            f"/feeds/2021-06-30/documents/{quote(document_id, safe='')}",
            "getFeedDocument",
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        if not data.get("url"):
            raise ServiceUnavailable(
                "Amazon answered getFeedDocument without a url",
                "the next run tries again",
            )
        download = self.http.call(
            "GET", str(data["url"]), operation="downloadFeedDocument", expect_json=False
        )
        if data.get("compressionAlgorithm") == "GZIP":
            try:
                return gzip.decompress(download.content)
            except (OSError, EOFError, zlib.error) as error:
                raise UnreadableDocument(
                    f"the document is not the gzip it was said to be ({error})"
                ) from None
        return download.content


def quantity_patch(quantity: int) -> dict[str, Any]:
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [
                    {"fulfillment_channel_code": "DEFAULT", "quantity": quantity}
                ],
            }
        ],
    }
