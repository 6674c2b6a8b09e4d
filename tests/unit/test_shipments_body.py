"""The confirmShipment body: Amazon's shape, every item, the quantities, the dates."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from cubyn_amz.clock import FakeClock, parse_iso
from cubyn_amz.cubyn.client import AMAZON_CARRIER_CODES, parse_parcel
from cubyn_amz.passes.shipments.body import (
    PACKAGE_REFERENCE_ID,
    ship_date,
    shipping_method,
)
from cubyn_amz.passes.shipments.plan import Confirm, plan_shipments
from cubyn_amz.state.shipments import OpenOrder, OrderItem
from tests.helpers import SPAPI

MODEL = SPAPI / "ordersV0.json"
NOW = FakeClock().now()  # 2026-12-03T10:00:00Z
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def order(*items: OrderItem, marketplace: str = "A13V1IB3VIYZZH") -> OpenOrder:
    return OpenOrder(
        order_id="902-1106328-1059050",
        marketplace_id=marketplace,
        state="imported",
        amazon_status="UNSHIPPED",
        parcel_id="673847167",
        parcel_status="PACKED",
        items=items,
        created_at=NOW - 86_400,
    )


def cubyn_parcel(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 673847167,
        "orderRef": "902-1106328-1059050",
        "status": "SHIPPED",
        "deliveryMode": "STANDARD",
        "items": [{"sku": "SKU-1", "quantity": 2}],
        "createdAt": "2026-12-02T09:00:00Z",
        "updatedAt": "2026-12-03T09:30:00Z",
        "shipment": {
            "carrier": "COLISSIMO",
            "trackingNumber": "6A12345678901",
            "shippedAt": "2026-12-03T09:15:00Z",
        },
    }
    data.update(changes)
    return data


def confirm(the_order: OpenOrder, **parcel: Any) -> Confirm:
    snapshot = parse_parcel(cubyn_parcel(**parcel))
    plan = plan_shipments(
        [the_order], {snapshot.id: snapshot}, AMAZON_CARRIER_CODES, NOW
    )
    assert len(plan.confirmations) == 1, plan
    return plan.confirmations[0]


def test_body_has_every_item_with_the_quantity_sent_to_cubyn() -> None:
    the_order = order(
        OrderItem("79039765272157", "SKU-1", 2),
        OrderItem("79039765272158", "SKU-2", 1),
    )

    body = confirm(the_order).body

    assert body == {
        "marketplaceId": "A13V1IB3VIYZZH",
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "Colissimo",
            "carrierName": "Colissimo",
            "shippingMethod": "Standard",
            "trackingNumber": "6A12345678901",
            "shipDate": "2026-12-03T09:15:00Z",
            "orderItems": [
                {"orderItemId": "79039765272157", "quantity": 2},
                {"orderItemId": "79039765272158", "quantity": 1},
            ],
        },
    }


def test_items_with_nothing_sent_to_cubyn_are_left_out() -> None:
    # A partially shipped order: one item went earlier, by another way.
    the_order = order(
        OrderItem("79039765272157", "SKU-1", 0),
        OrderItem("79039765272158", "SKU-2", 3),
    )

    items = confirm(the_order).body["packageDetail"]["orderItems"]

    assert items == [{"orderItemId": "79039765272158", "quantity": 3}]


def test_body_is_a_valid_confirm_shipment_request() -> None:
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    schema = {
        "$ref": "#/definitions/ConfirmShipmentRequest",
        "definitions": model["definitions"],
    }
    body = confirm(order(OrderItem("79039765272157", "SKU-1", 1))).body

    jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.FormatChecker()
    ).validate(body)
    assert body["packageDetail"]["packageReferenceId"] == PACKAGE_REFERENCE_ID
    assert ISO_UTC.match(body["packageDetail"]["shipDate"])


def test_unmapped_carrier_is_sent_as_other_with_its_name() -> None:
    shipment = {"carrier": "TNT", "trackingNumber": "GE123", "shippedAt": ""}

    confirmation = confirm(
        order(OrderItem("79039765272157", "SKU-1", 1)), shipment=shipment
    )

    detail = confirmation.body["packageDetail"]
    assert (detail["carrierCode"], detail["carrierName"]) == ("Other", "TNT")
    assert confirmation.unmapped


def test_delivery_mode_becomes_the_shipping_method() -> None:
    assert shipping_method("EXPRESS") == "Express"
    assert shipping_method("STANDARD_SIGNATURE") == "Standard Signature"
    assert shipping_method("") == "Standard"


@pytest.mark.parametrize(
    ("shipped_at", "updated_at", "expected"),
    [
        ("2026-12-03T09:15:00Z", "", "2026-12-03T09:15:00Z"),
        # Other zones and fractions of a second, as UTC to the second.
        ("2026-12-03T10:15:00.250+02:00", "", "2026-12-03T08:15:00Z"),
        # Without shippedAt, the parcel's last change stands in.
        ("", "2026-12-03T09:30:00Z", "2026-12-03T09:30:00Z"),
        ("not a date", "2026-12-03T09:30:00Z", "2026-12-03T09:30:00Z"),
        # Cubyn's clock ahead of ours: Amazon refuses a ship date in the future.
        ("2026-12-03T10:04:00Z", "", "2026-12-03T10:00:00Z"),
        ("", "", "2026-12-03T10:00:00Z"),
    ],
)
def test_ship_date(shipped_at: str, updated_at: str, expected: str) -> None:
    assert ship_date(shipped_at, updated_at, NOW) == expected
    assert parse_iso(expected) <= NOW
