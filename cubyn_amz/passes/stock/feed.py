"""The JSON_LISTINGS_FEED document (v2) that sets quantities, and its processing report.

Each message PATCHes one SKU's ``fulfillment_availability`` (channel DEFAULT), the
same change patchListingsItem makes. A feed holds at most 25,000 messages and should
stay under 10 MiB; more changes go in several feeds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cubyn_amz.amazon.client import quantity_patch
from cubyn_amz.passes.stock.plan import Change

FEED_TYPE = "JSON_LISTINGS_FEED"
MAX_MESSAGES = 25_000
MAX_BYTES = 9 * 1024 * 1024  # Amazon asks for less than 10 MiB; keep a margin
# Words of Amazon's when it has no listing for a SKU. Amazon documents no code for
# it (unconfirmed): the message is matched, in this one place.
UNKNOWN_SKU_CODES = frozenset({"NOT_FOUND", "NotFound"})
UNKNOWN_SKU_WORDS = (
    "not found",
    "does not exist",
    "no listing",
    "unknown sku",
    "does not match any listing",
)


def message(message_id: int, change: Change) -> dict[str, Any]:
    patch = quantity_patch(change.quantity)
    return {
        "messageId": message_id,
        "sku": change.sku,
        "operationType": "PATCH",
        "productType": patch["productType"],
        "patches": patch["patches"],
    }


def feed_document(seller_id: str, changes: Sequence[Change]) -> dict[str, Any]:
    """One feed: message ids 1..n in the order of ``changes``."""
    return {
        "header": {"sellerId": seller_id, "version": "2.0"},
        "messages": [message(i, change) for i, change in enumerate(changes, start=1)],
    }


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def feed_batches(
    changes: Sequence[Change],
    max_messages: int = MAX_MESSAGES,
    max_bytes: int = MAX_BYTES,
) -> list[list[Change]]:
    """Split changes into feeds of at most ``max_messages`` and about ``max_bytes``."""
    batches: list[list[Change]] = []
    batch: list[Change] = []
    size = 200  # the header and brackets
    for change in changes:
        cost = len(encode(message(len(batch) + 1, change))) + 1
        if batch and (len(batch) >= max_messages or size + cost > max_bytes):
            batches.append(batch)
            batch, size = [], 200
        batch.append(change)
        size += cost
    if batch:
        batches.append(batch)
    return batches


def is_unknown_sku(code: str, text: str) -> bool:
    """Does an issue say that Amazon has no listing for the SKU?"""
    lowered = text.lower()
    return code in UNKNOWN_SKU_CODES or any(w in lowered for w in UNKNOWN_SKU_WORDS)


@dataclass
class FeedReport:
    """What a processing report says of each message of a feed."""

    accepted: list[tuple[str, int]] = field(default_factory=list)  # sku, quantity
    failed: list[tuple[str, str]] = field(default_factory=list)  # sku, why
    unknown: list[tuple[str, str]] = field(default_factory=list)  # sku, why
    # Set when Amazon refused the feed as a whole (no message accepted).
    refused: str | None = None


class UnreadableReport(ValueError):
    pass


def read_report(content: bytes, messages: Mapping[int, tuple[str, int]]) -> FeedReport:
    """Each message's outcome: an ERROR issue refuses it, no issue accepts it."""
    try:
        data = json.loads(content)
    except ValueError as error:
        raise UnreadableReport(f"the processing report is not JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
        raise UnreadableReport("the processing report has no list of issues")

    by_sku = {sku: message_id for message_id, (sku, _) in messages.items()}
    errors: dict[int, list[tuple[str, str]]] = {}
    feed_errors: list[str] = []
    for issue in data["issues"]:
        if not isinstance(issue, dict) or issue.get("severity") != "ERROR":
            continue
        code = str(issue.get("code") or "")
        text = str(issue.get("message") or code or "refused")
        message_id = issue.get("messageId")
        if not isinstance(message_id, int) or message_id not in messages:
            message_id = by_sku.get(str(issue.get("sku") or ""))
        if message_id is None:
            feed_errors.append(text)
        else:
            errors.setdefault(message_id, []).append((code, text))

    summary = data.get("summary")
    accepted_count = summary.get("messagesAccepted") if isinstance(summary, dict) else 0
    report = FeedReport()
    if feed_errors and not accepted_count:
        report.refused = "; ".join(feed_errors[:3])
        return report
    for message_id, (sku, quantity) in sorted(messages.items()):
        issues = errors.get(message_id)
        if not issues:
            report.accepted.append((sku, quantity))
            continue
        why = "; ".join(text for _, text in issues)
        if any(is_unknown_sku(code, text) for code, text in issues):
            report.unknown.append((sku, why))
        else:
            report.failed.append((sku, why))
    return report
