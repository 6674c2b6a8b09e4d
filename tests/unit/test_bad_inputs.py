"""The pure parts that turn bad input into a clear refusal (see tests/system/).

Each test pins one fix made when the bad-input table or the soak found a crash, a
wrong exit code or a value sent on that should not have been.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from cubyn_amz.amazon.auth import MemoryTokens
from cubyn_amz.amazon.client import AmazonClient, UnreadableDocument
from cubyn_amz.amazon.usage_plans import USAGE_PLANS
from cubyn_amz.clock import FakeClock
from cubyn_amz.cubyn.client import CubynClient, parse_product
from cubyn_amz.errors import SettingsError
from cubyn_amz.http.pacing import MemoryBuckets, Pacer
from cubyn_amz.passes.orders import plan as p
from cubyn_amz.passes.orders.address import fit_recipient, latin
from cubyn_amz.passes.orders.model import parse_order
from cubyn_amz.settings.load import load_settings, parse_settings
from tests.fixtures.orders import order
from tests.helpers import AMAZON, CUBYN, settings_values

NOW = 1_796_292_000.0
SETTINGS = parse_settings(settings_values(), Path("/nonexistent/config.toml"), {})


# -- settings: a section that is not a table -----------------------------------------


@pytest.mark.parametrize(
    "section", ["amazon", "cubyn", "stock", "import", "delivery_modes", "carriers"]
)
def test_a_section_that_is_not_a_table_is_reported_not_crashed_on(
    section: str,
) -> None:
    values: dict[str, Any] = settings_values()
    values[section] = "GLS"

    with pytest.raises(SettingsError) as raised:
        parse_settings(values, Path("/x/config.toml"), {})

    assert f"{section}: must be a table ([{section}])" in raised.value.problems


# -- Amazon's order items ------------------------------------------------------------


def with_item(**changes: Any) -> dict[str, Any]:
    data = order(items=[("SKU-1", 2, 2)])
    item = data["orderItems"][0]
    for key, value in changes.items():
        if key == "unfulfilled":
            item["fulfillment"]["quantityUnfulfilled"] = value
        elif value is None:
            item.pop(key)
        else:
            item[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (order(items=[]), "no order items"),
        ({**order(), "orderItems": {"0": {}}}, "no order items"),
        ({**order(), "orderItems": ["SKU-1"]}, "an order item that is not an object"),
        (with_item(orderItemId=None), "item 1: no orderItemId"),
        (with_item(product={"asin": "B0X"}), "item 1: no seller SKU"),
        (with_item(quantityOrdered="2"), "item 1: quantityOrdered '2' is not a count"),
        (with_item(quantityOrdered=-1), "item 1: quantityOrdered -1 is not a count"),
        (
            with_item(quantityOrdered=True),
            "item 1: quantityOrdered True is not a count",
        ),
        (
            with_item(unfulfilled=10**9),
            "item 1: quantityUnfulfilled 1000000000 does not fit the 2 ordered",
        ),
        (
            with_item(unfulfilled=1.5),
            "item 1: quantityUnfulfilled 1.5 does not fit the 2 ordered",
        ),
    ],
    ids=[
        "no-items",
        "items-not-a-list",
        "item-not-an-object",
        "no-item-id",
        "no-sku",
        "quantity-text",
        "quantity-negative",
        "quantity-bool",
        "unfulfilled-absurd",
        "unfulfilled-float",
    ],
)
def test_unreadable_items_are_named(data: dict[str, Any], why: str) -> None:
    assert parse_order(data).unreadable == why


def test_readable_items_are_not_flagged() -> None:
    data = order(status="PARTIALLY_SHIPPED", items=[("SKU-1", 3, 1), ("SKU-2", 1, 0)])

    assert parse_order(data).unreadable is None


def test_an_unreadable_order_is_not_imported_and_counts_as_failed() -> None:
    steps = p.plan_order(parse_order(with_item(unfulfilled=10**9)), None, SETTINGS, NOW)

    (step,) = steps
    assert isinstance(step, p.Record)
    assert step.state == "skipped" and step.failed
    assert step.label == p.UNREADABLE
    assert "Amazon's items cannot be read" in step.message
    # A billion units must not reach the stock plan as pending demand either.
    assert step.sighting.items == ()


def test_an_unreadable_order_not_offered_by_cubyn_is_only_not_offered() -> None:
    data = with_item(unfulfilled=10**9)
    data["fulfillment"]["fulfillmentServiceLevel"] = "NEXT_DAY"

    (step,) = p.plan_order(parse_order(data), None, SETTINGS, NOW)

    assert isinstance(step, p.Record)
    assert step.label == p.NOT_OFFERED and not step.failed


# -- addresses -----------------------------------------------------------------------


def test_control_characters_become_spaces() -> None:
    assert latin("Sophie\x00Martin\x1b") == "Sophie Martin"
    assert latin("12 rue\x7f du Port") == "12 rue du Port"

    recipient, _ = fit_recipient(
        {"name": "Jean\x07 Dupont", "addressLine1": "3 rue\x00 Haute", "city": "Lyon"}
    )
    assert (recipient.first_name, recipient.last_name) == ("Jean", "Dupont")
    assert recipient.line1 == "3 rue Haute"


# -- Cubyn's answers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stock", "problem"),
    [
        ({"onHand": 5, "reserved": 0, "available": 5}, ""),
        ({"onHand": 5, "available": 5.0}, ""),
        ({"available": 3}, ""),  # without onHand there is nothing to check against
        ({"onHand": 5, "available": -2}, ""),  # oversold: Amazon gets 0
        ({"onHand": 5, "available": "5"}, "available is '5'"),
        ({"onHand": 5, "available": None}, "available is None"),
        ({"onHand": 5, "available": float("inf")}, "available is inf"),
        ({"onHand": 5, "available": float("nan")}, "available is nan"),
        ({"onHand": 5, "available": 2.5}, "available is 2.5"),
        ({"onHand": 5, "available": 10**12}, "1000000000000 available but 5 on hand"),
    ],
    ids=[
        "good",
        "whole-float",
        "no-on-hand",
        "oversold",
        "text",
        "missing",
        "infinite",
        "nan",
        "fraction",
        "above-on-hand",
    ],
)
def test_stock_figures_that_cannot_be_pushed_are_named(
    stock: dict[str, Any], problem: str
) -> None:
    product = parse_product({"sku": "SKU-1", "stock": stock})

    assert product.problem == problem
    assert isinstance(product.available, int)  # and no OverflowError on the way


def test_a_listed_parcel_without_an_id_is_passed_over(requests_mock: Any) -> None:
    listed = [
        {"id": None, "orderRef": "405-1", "status": "SHIPPED"},
        {"orderRef": "405-2", "status": "SHIPPED"},
        {"id": 673847001, "orderRef": "405-3", "status": "CREATED"},
    ]
    requests_mock.get(
        f"{CUBYN}/parcels", text=json.dumps(listed), headers={"x-total-count": "3"}
    )
    client = CubynClient(CUBYN, "key", clock=FakeClock())

    parcels = list(client.parcels_updated_since("2026-12-03T09:00:00Z"))

    assert [parcel.id for parcel in parcels] == ["673847001"]


# -- Amazon's feed documents ---------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [gzip.compress(b'{"issues": []}')[:12], b'{"issues": []}', b"\x1f\x8b\x08junk"],
    ids=["cut-short", "not-gzip", "bad-gzip"],
)
def test_a_report_that_is_not_the_gzip_announced_is_unreadable(
    content: bytes, settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    url = "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/report-1"
    requests_mock.get(
        f"{AMAZON}/feeds/2021-06-30/documents/report-1",
        json={"feedDocumentId": "report-1", "url": url, "compressionAlgorithm": "GZIP"},
    )
    requests_mock.get(url, content=content)
    clock = FakeClock()
    client = AmazonClient(
        load_settings(settings_file, {}).amazon,
        clock=clock,
        pacer=Pacer(USAGE_PLANS, MemoryBuckets(), clock),
        tokens=MemoryTokens(),
    )

    with pytest.raises(UnreadableDocument, match="not the gzip it was said to be"):
        client.get_feed_document("report-1")
