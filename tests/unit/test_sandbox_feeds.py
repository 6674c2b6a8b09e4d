"""The sandbox's Feeds API: documents, uploads, processing and the report."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest

from cubyn_amz.clock import FakeClock, iso
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient

FR = "A13V1IB3VIYZZH"
IT = "APJ6JRA9NG5V4"
FEEDS = "/feeds/2021-06-30"
CONTENT_TYPE = "application/json; charset=UTF-8"


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    sb = Sandbox(seed=7, orders=5, clock=clock).start()
    yield sb
    sb.stop()


def feed(seller_id: str, quantities: dict[str, Any]) -> bytes:
    messages = [
        {
            "messageId": number,
            "sku": sku,
            "operationType": "PATCH",
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": qty}],
                }
            ],
        }
        for number, (sku, qty) in enumerate(quantities.items(), start=1)
    ]
    document = {
        "header": {"sellerId": seller_id, "version": "2.0"},
        "messages": messages,
    }
    return json.dumps(document).encode()


def upload(client: SandboxClient, content: bytes) -> str:
    created = client.amazon(
        "POST", f"{FEEDS}/documents", json={"contentType": CONTENT_TYPE}
    )
    assert created.status_code == 201
    document = created.json()
    put = client.url(
        document["url"], "PUT", data=content, headers={"Content-Type": CONTENT_TYPE}
    )
    assert put.status_code == 200, put.text
    return str(document["feedDocumentId"])


def submit(client: SandboxClient, document_id: str, markets: list[str]) -> Any:
    body = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": markets,
        "inputFeedDocumentId": document_id,
    }
    return client.amazon("POST", f"{FEEDS}/feeds", json=body)


def status(client: SandboxClient, feed_id: str) -> dict:
    return dict(client.amazon("GET", f"{FEEDS}/feeds/{feed_id}").json())


def report(client: SandboxClient, document_id: str) -> Any:
    document = client.amazon("GET", f"{FEEDS}/documents/{document_id}").json()
    content = client.url(document["url"]).content
    if document.get("compressionAlgorithm") == "GZIP":
        content = gzip.decompress(content)
    return json.loads(content)


def test_a_feed_runs_to_done_and_applies_its_quantities(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.feeds.queue_seconds = (30, 30)
    sandbox.feeds.processing_seconds = (60, 60)
    content = feed(sandbox.amazon.seller_id, {"MUG-RED": 11, "NO-SUCH-SKU": 3})
    feed_id = submit(client, upload(client, content), [FR, IT]).json()["feedId"]

    queued = status(client, feed_id)
    clock.advance(50)
    running = status(client, feed_id)
    clock.advance(100)
    done = status(client, feed_id)

    assert queued["processingStatus"] == "IN_QUEUE"
    assert running["processingStatus"] == "IN_PROGRESS"
    assert done["processingStatus"] == "DONE"
    assert sandbox.amazon.quantity("MUG-RED", "FR") == 11
    assert sandbox.amazon.quantity("MUG-RED", "IT") == 11

    result = report(client, done["resultFeedDocumentId"])
    assert result["header"]["feedId"] == feed_id
    assert result["summary"] == {
        "errors": 1,
        "warnings": 0,
        "messagesProcessed": 2,
        "messagesAccepted": 1,
        "messagesInvalid": 1,
    }
    [issue] = result["issues"]
    assert issue["messageId"] == 2
    assert issue["sku"] == "NO-SUCH-SKU"
    assert issue["severity"] == "ERROR"


def test_quantities_wait_for_the_processing(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    before = sandbox.amazon.listings[("MUG-RED", FR)]
    content = feed(sandbox.amazon.seller_id, {"MUG-RED": before + 4})
    submit(client, upload(client, content), [FR])

    assert sandbox.amazon.quantity("MUG-RED", "FR") == before
    sandbox.advance(200)
    assert sandbox.amazon.quantity("MUG-RED", "FR") == before + 4


def test_an_unreadable_document_is_fatal(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    feed_id = submit(client, upload(client, b"{not json"), [FR]).json()["feedId"]

    sandbox.advance(200)
    result = status(client, feed_id)

    assert result["processingStatus"] == "FATAL"
    assert (
        report(client, result["resultFeedDocumentId"])["issues"][0]["severity"]
        == "ERROR"
    )


def test_another_sellers_feed_is_fatal(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    feed_id = submit(client, upload(client, feed("A0THER", {"MUG-RED": 1})), [FR])

    sandbox.advance(200)

    assert status(client, feed_id.json()["feedId"])["processingStatus"] == "FATAL"


def test_large_reports_come_gzipped(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.feeds.compress_reports = True
    content = feed(sandbox.amazon.seller_id, {"MUG-RED": 2})
    feed_id = submit(client, upload(client, content), [FR]).json()["feedId"]
    sandbox.advance(200)
    done = status(client, feed_id)

    document = client.amazon(
        "GET", f"{FEEDS}/documents/{done['resultFeedDocumentId']}"
    ).json()

    assert document["compressionAlgorithm"] == "GZIP"
    assert (
        report(client, done["resultFeedDocumentId"])["summary"]["messagesAccepted"] == 1
    )


def test_the_upload_url_checks_content_type_and_expiry(
    clock: FakeClock, client: SandboxClient
) -> None:
    created = client.amazon(
        "POST", f"{FEEDS}/documents", json={"contentType": CONTENT_TYPE}
    ).json()

    wrong_type = client.url(
        created["url"], "PUT", data=b"{}", headers={"Content-Type": "text/plain"}
    )
    clock.advance(301)
    expired = client.url(
        created["url"], "PUT", data=b"{}", headers={"Content-Type": CONTENT_TYPE}
    )
    forged = client.url(created["url"].replace("Signature=", "Signature=0"), "PUT")

    assert wrong_type.status_code == 403
    assert b"SignatureDoesNotMatch" in wrong_type.content
    assert expired.status_code == 403
    assert b"expired" in expired.content
    assert forged.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"feedType": "POST_INVENTORY_AVAILABILITY_DATA", "marketplaceIds": [FR]},
        {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": []},
        {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [FR]},
    ],
    ids=["retired-type", "no-marketplace", "no-document"],
)
def test_invalid_feeds_are_400(client: SandboxClient, body: dict) -> None:
    response = client.amazon("POST", f"{FEEDS}/feeds", json=body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_five_listings_feeds_per_five_minutes(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    document_id = upload(client, feed(sandbox.amazon.seller_id, {"MUG-RED": 1}))

    statuses = [submit(client, document_id, [FR]).status_code for _ in range(6)]
    clock.advance(61)
    later = submit(client, document_id, [FR])

    assert statuses == [202] * 5 + [429]
    assert later.status_code == 202
    assert sandbox.amazon.throttled_by_operation["createFeed"] == 1


def test_a_queued_feed_can_be_cancelled(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    document_id = upload(client, feed(sandbox.amazon.seller_id, {"MUG-RED": 1}))
    feed_id = submit(client, document_id, [FR]).json()["feedId"]

    cancelled = client.amazon("DELETE", f"{FEEDS}/feeds/{feed_id}")
    sandbox.advance(200)

    assert cancelled.status_code == 200
    assert status(client, feed_id)["processingStatus"] == "CANCELLED"


def test_get_feeds_lists_a_marketplaces_feeds_created_since(
    sandbox: Sandbox, client: SandboxClient, clock: FakeClock
) -> None:
    seller = sandbox.connection()["seller_id"]
    before = iso(clock.now() - 1)
    document_id = upload(client, feed(seller, {"MUG-RED": 3}))
    feed_id = submit(client, document_id, [FR]).json()["feedId"]

    def listed(**params: str) -> list[str]:
        query = {"feedTypes": "JSON_LISTINGS_FEED", **params}
        answer = client.amazon("GET", f"{FEEDS}/feeds", params=query).json()
        return [f["feedId"] for f in answer["feeds"]]

    assert listed(marketplaceIds=FR, createdSince=before) == [feed_id]
    assert listed(marketplaceIds=IT, createdSince=before) == []
    assert listed(createdSince=iso(clock.now() + 60)) == []
