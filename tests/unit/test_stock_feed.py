"""The JSON_LISTINGS_FEED document and its processing report, against Amazon's
published schemas."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from cubyn_amz.passes.stock.feed import (
    MAX_MESSAGES,
    UnreadableReport,
    encode,
    feed_batches,
    feed_document,
    read_report,
)
from cubyn_amz.passes.stock.plan import Change
from tests.helpers import SPAPI

FR = "A13V1IB3VIYZZH"


def schema(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((SPAPI / name).read_text()))


FEED = schema("listings-feed-schema-v2.json")
REPORT = schema("listings-feed-processing-report-schema-v2.json")


def changes(n: int, quantity: int = 3) -> list[Change]:
    return [Change(f"SKU-{i:05}", FR, quantity, None) for i in range(n)]


def test_the_feed_document_validates_against_amazons_schema() -> None:
    odd_sku = Change("MUG/Ø 8", FR, 0, 5)
    document = feed_document("A2EXAMPLE123", [*changes(3), odd_sku])

    FEED.validate(json.loads(encode(document)))
    assert document["header"] == {"sellerId": "A2EXAMPLE123", "version": "2.0"}
    assert [m["messageId"] for m in document["messages"]] == [1, 2, 3, 4]
    last = document["messages"][-1]
    assert last["sku"] == "MUG/Ø 8"
    assert last["operationType"] == "PATCH"
    assert last["patches"] == [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        }
    ]


def test_the_schema_refuses_what_the_feed_must_not_be() -> None:
    # A check that the validator used above does bite.
    assert not FEED.is_valid({"header": {"sellerId": "A", "version": "2.0"}})
    document = feed_document("A2EXAMPLE123", changes(1))
    del document["messages"][0]["productType"]
    assert not FEED.is_valid(document)


def test_more_than_25000_changes_are_split_into_valid_feeds() -> None:
    batches = feed_batches(changes(MAX_MESSAGES * 2 + 1))

    assert [len(b) for b in batches] == [MAX_MESSAGES, MAX_MESSAGES, 1]
    full = feed_document("A2EXAMPLE123", batches[0])
    assert len(encode(full)) < 10 * 1024 * 1024
    # Validating 25,000 messages one by one takes seconds: the schema's own limit on
    # their number is checked on the whole feed, each message's shape on a sample.
    outline = json.loads((SPAPI / "listings-feed-schema-v2.json").read_text())
    del outline["properties"]["messages"]["items"]
    jsonschema.Draft7Validator(outline).validate(full)
    too_many = feed_document("A2EXAMPLE123", changes(MAX_MESSAGES + 1))
    assert not jsonschema.Draft7Validator(outline).is_valid(too_many)
    FEED.validate({**full, "messages": full["messages"][-200:]})
    FEED.validate(feed_document("A2EXAMPLE123", batches[-1]))


def test_feeds_are_split_by_size_too() -> None:
    many = changes(100)

    batches = feed_batches(many, max_bytes=5_000)

    assert len(batches) > 1
    assert [c for b in batches for c in b] == many
    for batch in batches:
        assert len(encode(feed_document("A2EXAMPLE123", batch))) <= 5_000


def report(issues: list[dict[str, Any]], accepted: int, invalid: int) -> bytes:
    data = {
        "header": {"sellerId": "A2EXAMPLE123", "version": "2.0", "feedId": "5001"},
        "issues": issues,
        "summary": {
            "errors": len([i for i in issues if i["severity"] == "ERROR"]),
            "warnings": len([i for i in issues if i["severity"] == "WARNING"]),
            "messagesProcessed": accepted + invalid,
            "messagesAccepted": accepted,
            "messagesInvalid": invalid,
        },
    }
    REPORT.validate(data)
    return json.dumps(data).encode()


MESSAGES = {1: ("MUG", 12), 2: ("GHOST", 4), 3: ("CUP", 0), 4: ("BOWL", 7)}


def test_the_report_accepts_every_message_without_an_error() -> None:
    content = report(
        [
            {"messageId": 2, "sku": "GHOST", "code": "4000001", "severity": "ERROR",
             "message": "SKU 'GHOST' not found for this seller."},
            {"messageId": 3, "sku": "CUP", "code": "90220", "severity": "ERROR",
             "message": "'fulfillment_availability' is not valid."},
            {"messageId": 4, "sku": "BOWL", "code": "18448", "severity": "WARNING",
             "message": "Attributes tagged as relevant_attributes are incomplete."},
        ],
        accepted=2,
        invalid=2,
    )  # fmt: skip

    outcome = read_report(content, MESSAGES)

    assert outcome.accepted == [("MUG", 12), ("BOWL", 7)]
    assert outcome.unknown == [("GHOST", "SKU 'GHOST' not found for this seller.")]
    assert outcome.failed == [("CUP", "'fulfillment_availability' is not valid.")]
    assert outcome.refused is None


@pytest.mark.parametrize(
    "text",
    [
        "SKU 'GHOST' not found for this seller.",
        "The SKU 'GHOST' does not match any listing of this seller in A13V1IB3VIYZZH.",
        "The listing for SKU GHOST does not exist.",
    ],
)
def test_amazons_ways_of_saying_it_has_no_such_listing(text: str) -> None:
    issue = {"messageId": 2, "sku": "GHOST", "severity": "ERROR", "message": text}
    content = report([issue], accepted=3, invalid=1)

    assert [sku for sku, _ in read_report(content, MESSAGES).unknown] == ["GHOST"]


def test_an_issue_naming_only_the_sku_is_matched_to_its_message() -> None:
    content = report(
        [{"sku": "CUP", "severity": "ERROR", "message": "quantity too large"}],
        accepted=3,
        invalid=1,
    )

    assert read_report(content, MESSAGES).failed == [("CUP", "quantity too large")]


def test_a_feed_refused_as_a_whole_accepts_nothing() -> None:
    content = report(
        [{"code": "4002008", "severity": "ERROR",
          "message": "The provided message did not meet the schema validation."}],
        accepted=0,
        invalid=4,
    )  # fmt: skip

    outcome = read_report(content, MESSAGES)

    assert outcome.accepted == []
    assert outcome.refused is not None and "schema validation" in outcome.refused


def test_amazons_example_report_reads() -> None:
    example = (
        SPAPI / "listings-feed-processing-report-schema-v2.example.json"
    ).read_text()
    REPORT.validate(json.loads(example))
    messages = {4: ("My-SKU-B", 1), 5: ("My-SKU-C", 2), 6: ("My-SKU-D", 3)}

    outcome = read_report(example.encode(), messages)

    assert outcome.accepted == [("My-SKU-D", 3)]
    assert [sku for sku, _ in outcome.failed] == ["My-SKU-B", "My-SKU-C"]


@pytest.mark.parametrize("content", [b"<xml/>", b"[]", b'{"summary": {}}'])
def test_an_unreadable_report_is_refused(content: bytes) -> None:
    with pytest.raises(UnreadableReport):
        read_report(content, MESSAGES)
