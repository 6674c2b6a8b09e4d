"""The Feeds API (2021-06-30) for JSON_LISTINGS_FEED, and its document store.

The flow is Amazon's: createFeedDocument gives a document id and a presigned
upload URL on this server (``/uploads/<id>?X-Amz-…``, valid 5 minutes, PUT with
the declared Content-Type); createFeed queues the uploaded document; getFeed
shows IN_QUEUE, then IN_PROGRESS, then DONE (or FATAL when the document cannot
be read) as sandbox time passes; getFeedDocument gives a fresh URL for the
processing report, gzip-compressed when large. Processing checks each message
against listings-feed-schema-v2 in spirit, applies the accepted quantities to
the listings, and reports issues per messageId and SKU as
listings-feed-processing-report-schema-v2 describes. Other feed types are
refused: Amazon retired the XML and flat-file inventory feeds in 2025.
"""

from __future__ import annotations

import calendar
import gzip
import hashlib
import hmac
import json
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cubyn_amz.clock import iso, parse_iso

from .amazon import AmazonState, invalid, json_body, peek_feed_type, s3_error
from .listings import QUANTITY_PATH, quantity_of
from .orders import BY_ID
from .server import Request, Response, Route, error_list, json_response, route

URL_LIFETIME = 300
MAX_MESSAGES = 25_000
OPERATIONS = frozenset({"UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"})
GZIP_ABOVE = 4096  # bytes of report beyond which it is served compressed


@dataclass
class Document:
    id: str
    content_type: str
    report: bool = False
    content: bytes | None = None
    compression: str | None = None


@dataclass
class Feed:
    id: str
    feed_type: str
    marketplaces: list[str]
    document_id: str
    created: int
    starts: int
    ends: int
    status: str = "IN_QUEUE"
    result_document_id: str | None = None

    def render(self) -> dict[str, Any]:
        rv: dict[str, Any] = {
            "feedId": self.id,
            "feedType": self.feed_type,
            "marketplaceIds": self.marketplaces,
            "createdTime": iso(self.created),
            "processingStatus": self.status,
        }
        if self.status in ("IN_PROGRESS", "DONE", "FATAL"):
            rv["processingStartTime"] = iso(self.starts)
        if self.status in ("DONE", "FATAL", "CANCELLED"):
            rv["processingEndTime"] = iso(self.ends)
        if self.result_document_id:
            rv["resultFeedDocumentId"] = self.result_document_id
        return rv


class FeedsApi:
    def __init__(self, state: AmazonState, render_item: Callable[..., Any]) -> None:
        self.state = state
        self.render_item = render_item
        self.queue_seconds = (15, 45)
        self.processing_seconds = (30, 90)
        self.compress_reports: bool | None = None  # None: when larger than GZIP_ABOVE
        self._rng = random.Random(f"{state.seller_id}:feeds")
        self._secret = secrets.token_bytes(16)
        self._next_feed = 50_000_000_000 + self._rng.randrange(10**9)
        self._active: list[Feed] = []
        state.on_tick.append(self.tick)

    def routes(self) -> list[Route]:
        api = self.state.endpoint
        base = "/feeds/2021-06-30"
        document = f"{base}/documents/{{feedDocumentId}}"
        feed = f"{base}/feeds/{{feedId}}"
        upload = "/uploads/{documentId}"
        return [
            api(
                "POST", f"{base}/documents", "createFeedDocument", self.create_document
            ),
            api("GET", document, "getFeedDocument", self.get_document),
            api(
                "POST", f"{base}/feeds", "createFeed", self.create_feed, peek_feed_type
            ),
            api("GET", f"{base}/feeds", "getFeeds", self.get_feeds),
            api("GET", feed, "getFeed", self.get_feed),
            api("DELETE", feed, "cancelFeed", self.cancel_feed),
            route("PUT", upload, self.upload, "uploads", "uploadDocument"),
            route("GET", upload, self.download, "uploads", "downloadDocument"),
        ]

    # -- presigned URLs -------------------------------------------------------------

    def _signature(self, document_id: str, stamp: str) -> str:
        message = f"{document_id}\n{stamp}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _url(self, req: Request, document_id: str) -> str:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.state.now()))
        host = req.header("host") or "127.0.0.1"
        return (
            f"http://{host}/uploads/{document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Date={stamp}&X-Amz-Expires={URL_LIFETIME}"
            f"&X-Amz-SignedHeaders=content-type%3Bhost"
            f"&X-Amz-Signature={self._signature(document_id, stamp)}"
        )

    def _presigned(
        self, req: Request, document_id: str
    ) -> tuple[Document | None, Response | None]:
        document = self.state.documents.get(document_id)
        if document is None:
            return None, s3_error(404, "NoSuchKey", "The specified key does not exist.")
        stamp = req.arg("X-Amz-Date") or ""
        signature = req.arg("X-Amz-Signature") or ""
        if not hmac.compare_digest(signature, self._signature(document_id, stamp)):
            return None, s3_error(403, "SignatureDoesNotMatch")
        try:
            signed = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            return None, s3_error(403, "AccessDenied", "Malformed X-Amz-Date")
        if self.state.now() > signed + URL_LIFETIME:
            return None, s3_error(403, "AccessDenied", "Request has expired")
        return document, None

    def upload(self, req: Request, params: dict[str, str]) -> Response:
        document, problem = self._presigned(req, params["documentId"])
        if problem is not None:
            return problem
        assert document is not None
        if document.report:
            return s3_error(403, "AccessDenied", "Reports are read-only")
        if _normal(req.header("content-type")) != _normal(document.content_type):
            # The content type is part of the signature, as in S3.
            return s3_error(
                403, "SignatureDoesNotMatch", "Content-Type differs from the signed one"
            )
        document.content = req.body
        etag = hashlib.md5(req.body).hexdigest()  # S3's ETag is the MD5 of the body
        return Response(200, b"", {"ETag": f'"{etag}"'})

    def download(self, req: Request, params: dict[str, str]) -> Response:
        document, problem = self._presigned(req, params["documentId"])
        if problem is not None:
            return problem
        assert document is not None
        if document.content is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return Response(200, document.content, {"Content-Type": document.content_type})

    # -- documents and feeds ----------------------------------------------------

    def _new_document(self, content_type: str, report: bool = False) -> Document:
        document_id = (
            f"amzn1.tortuga.4.eu.{uuid.uuid4()}.T{secrets.token_hex(6).upper()}"
        )
        document = Document(document_id, content_type, report=report)
        self.state.documents[document_id] = document
        return document

    def create_document(self, req: Request, params: dict[str, str]) -> Response:
        body = json_body(req)
        content_type = body.get("contentType") if isinstance(body, dict) else None
        if not isinstance(content_type, str) or not content_type.strip():
            return invalid("contentType is required")
        document = self._new_document(content_type)
        return json_response(
            201, {"feedDocumentId": document.id, "url": self._url(req, document.id)}
        )

    def get_document(self, req: Request, params: dict[str, str]) -> Response:
        document = self.state.documents.get(params["feedDocumentId"])
        if document is None:
            return error_list(
                404, "NotFound", "The requested feed document was not found."
            )
        rv = {"feedDocumentId": document.id, "url": self._url(req, document.id)}
        if document.compression:
            rv["compressionAlgorithm"] = document.compression
        return json_response(200, rv)

    def create_feed(self, req: Request, params: dict[str, str]) -> Response:
        body = json_body(req)
        if not isinstance(body, dict):
            return invalid("the body must be a JSON object")
        feed_type = body.get("feedType")
        marketplaces = body.get("marketplaceIds")
        document = self.state.documents.get(str(body.get("inputFeedDocumentId")))
        if not isinstance(feed_type, str) or not feed_type:
            return invalid("feedType is required")
        if feed_type != "JSON_LISTINGS_FEED":
            return invalid(
                f"feedType {feed_type} is not accepted; use JSON_LISTINGS_FEED"
            )
        if not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25:
            return invalid("marketplaceIds must list 1 to 25 marketplaces")
        if any(m not in BY_ID for m in marketplaces):
            return invalid("marketplaceIds holds an unknown marketplace")
        if document is None or document.report:
            return invalid(
                "inputFeedDocumentId does not name an uploaded feed document"
            )

        now = self.state.now()
        starts = now + self._rng.randint(*self.queue_seconds)
        self._next_feed += 1
        feed = Feed(
            id=str(self._next_feed),
            feed_type=feed_type,
            marketplaces=list(marketplaces),
            document_id=document.id,
            created=now,
            starts=starts,
            ends=starts + self._rng.randint(*self.processing_seconds),
        )
        self.state.feeds[feed.id] = feed
        self._active.append(feed)
        return json_response(202, {"feedId": feed.id})

    def get_feeds(self, req: Request, params: dict[str, str]) -> Response:
        """getFeeds: the feeds of given types and marketplaces, created since."""
        types = set(req.args("feedTypes"))
        if not types:
            return invalid("feedTypes is required unless nextToken is given")
        markets = set(req.args("marketplaceIds"))
        since = req.arg("createdSince")
        start = parse_iso(since) if since else self.state.now() - 90 * 86400
        found = [
            feed.render()
            for feed in self.state.feeds.values()
            if feed.feed_type in types
            and feed.created >= start
            and (not markets or markets & set(feed.marketplaces))
        ]
        return json_response(200, {"feeds": found})

    def get_feed(self, req: Request, params: dict[str, str]) -> Response:
        feed = self.state.feeds.get(params["feedId"])
        if feed is None:
            return error_list(404, "NotFound", "The requested feed was not found.")
        return json_response(200, feed.render())

    def cancel_feed(self, req: Request, params: dict[str, str]) -> Response:
        feed = self.state.feeds.get(params["feedId"])
        if feed is None:
            return error_list(404, "NotFound", "The requested feed was not found.")
        if feed.status != "IN_QUEUE":
            return invalid(
                f"feed {feed.id} is {feed.status} and can no longer be cancelled"
            )
        feed.status = "CANCELLED"
        feed.ends = self.state.now()
        return Response(200)

    # -- processing -----------------------------------------------------------------

    def tick(self, now: int) -> None:
        if not self._active:
            return
        for feed in list(self._active):
            if feed.status == "IN_QUEUE" and now >= feed.starts:
                feed.status = "IN_PROGRESS"
            if feed.status == "IN_PROGRESS" and now >= feed.ends:
                self._process(feed)
            if feed.status not in ("IN_QUEUE", "IN_PROGRESS"):
                self._active.remove(feed)

    def _process(self, feed: Feed) -> None:
        document = self.state.documents[feed.document_id]
        header = {"sellerId": self.state.seller_id, "version": "2.0", "feedId": feed.id}
        try:
            parsed = self._parse(document)
        except ValueError as exc:
            report = {
                "header": header,
                "issues": [
                    {"code": "4000001", "severity": "ERROR", "message": str(exc)}
                ],
                "summary": _summary(1, 0, 0, 0, 0),
            }
            feed.status = "FATAL"
        else:
            report = self._apply(feed, parsed, header)
            feed.status = "DONE"
        feed.result_document_id = self._store_report(report).id

    def _parse(self, document: Document) -> dict[str, Any]:
        if document.content is None:
            raise ValueError("The feed document was never uploaded.")
        try:
            parsed = json.loads(document.content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"The feed document is not valid JSON: {exc}") from exc
        header = parsed.get("header") if isinstance(parsed, dict) else None
        if not isinstance(header, dict) or header.get("version") != "2.0":
            raise ValueError("The feed header must give version 2.0 and a sellerId.")
        if header.get("sellerId") != self.state.seller_id:
            raise ValueError("The feed header's sellerId is not the submitting seller.")
        messages = parsed.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
            raise ValueError(f"The feed must hold 1 to {MAX_MESSAGES} messages.")
        return parsed

    def _apply(self, feed: Feed, parsed: dict[str, Any], header: dict[str, Any]) -> Any:
        issues: list[dict[str, Any]] = []
        accepted: list[str] = []
        seen: set[int] = set()
        for message in parsed["messages"]:
            problem = self._message(feed, message, seen)
            if problem is None:
                accepted.append(message["sku"])
                continue
            entry: dict[str, Any] = {
                "code": problem[0],
                "severity": "ERROR",
                "message": problem[1],
            }
            if isinstance(message, dict) and isinstance(message.get("messageId"), int):
                entry = {"messageId": message["messageId"], **entry}
            if isinstance(message, dict) and isinstance(message.get("sku"), str):
                entry = {**entry, "sku": message["sku"]}
            issues.append(entry)

        processed = len(parsed["messages"])
        report: dict[str, Any] = {
            "header": header,
            "issues": issues,
            "summary": _summary(
                len(issues), 0, processed, processed - len(issues), len(issues)
            ),
        }
        wanted = (parsed["header"].get("report") or {}).get("includedData")
        if isinstance(wanted, list) and wanted:
            items = [
                self._report_item(feed, sku, set(wanted))
                for sku in dict.fromkeys(accepted)
            ]
            report["items"] = [item for item in items if item is not None]
            report["summary"]["itemSummary"] = {
                "items": len(report["items"]),
                "errors": 0,
                "warnings": 0,
            }
        return report

    def _report_item(self, feed: Feed, sku: str, datasets: set[str]) -> Any:
        listed = [m for m in feed.marketplaces if (sku, m) in self.state.listings]
        return self.render_item(sku, listed, datasets) if listed else None

    def _message(
        self, feed: Feed, message: Any, seen: set[int]
    ) -> tuple[str, str] | None:
        """Check and apply one message; (code, message) of the issue if refused."""
        if not isinstance(message, dict):
            return "4000002", "Each message must be a JSON object."
        message_id = message.get("messageId")
        if (
            not isinstance(message_id, int)
            or isinstance(message_id, bool)
            or message_id < 1
        ):
            return "4000002", "messageId must be a positive integer."
        if message_id in seen:
            return "4000002", f"messageId {message_id} is used twice in this feed."
        seen.add(message_id)
        sku = message.get("sku")
        if not isinstance(sku, str) or not sku:
            return "4000002", "sku is required."
        operation = message.get("operationType")
        if operation not in OPERATIONS:
            return (
                "4000002",
                "operationType must be UPDATE, PARTIAL_UPDATE, PATCH or DELETE.",
            )
        if operation != "DELETE" and not isinstance(message.get("productType"), str):
            return "4000002", f"productType is required for {operation}."

        listed = [m for m in feed.marketplaces if (sku, m) in self.state.listings]
        if not listed:
            return "8541", (
                f"The SKU '{sku}' does not match any listing of this seller in "
                f"{', '.join(feed.marketplaces)}; this feed does not create listings."
            )
        if operation == "DELETE":
            for m in listed:
                del self.state.listings[(sku, m)]
            return None

        quantity, problem = self._quantity(operation, message)
        if problem is not None:
            return "90000900", problem
        if quantity is not None:
            for m in listed:
                self.state.listings[(sku, m)] = quantity
                self.state.listing_updated[(sku, m)] = self.state.now()
        return None

    def _quantity(
        self, operation: str, message: dict[str, Any]
    ) -> tuple[int | None, str | None]:
        if operation == "PATCH":
            patches = message.get("patches")
            if not isinstance(patches, list) or not patches:
                return None, "patches must hold at least one operation for PATCH."
            for patch in patches:
                if not isinstance(patch, dict) or patch.get("op") not in (
                    "add",
                    "replace",
                    "merge",
                    "delete",
                ):
                    return (
                        None,
                        "each patch needs an op among add, replace, merge, delete.",
                    )
                if patch.get("path") == QUANTITY_PATH:
                    if patch["op"] == "delete":
                        return 0, None
                    return quantity_of(patch.get("value"))
            return None, None
        attributes = message.get("attributes")
        if not isinstance(attributes, dict) or not attributes:
            return None, f"attributes are required for {operation}."
        if "fulfillment_availability" in attributes:
            return quantity_of(attributes["fulfillment_availability"])
        return None, None

    def _store_report(self, report: Any) -> Document:
        body = json.dumps(report, ensure_ascii=False).encode("utf-8")
        compress = self.compress_reports
        if compress is None:
            compress = len(body) > GZIP_ABOVE
        document = self._new_document("application/json", report=True)
        if compress:
            document.content = gzip.compress(body, mtime=0)
            document.compression = "GZIP"
        else:
            document.content = body
        return document


def _normal(content_type: str | None) -> str:
    return "".join((content_type or "").lower().split())


def _summary(
    errors: int, warnings: int, processed: int, accepted: int, invalid: int
) -> Any:
    return {
        "errors": errors,
        "warnings": warnings,
        "messagesProcessed": processed,
        "messagesAccepted": accepted,
        "messagesInvalid": invalid,
    }
