"""The sandbox's confirmShipment and Listings Items API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from cubyn_amz.clock import FakeClock, iso
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient
from cubyn_amz.sandbox.orders import Order

FR = "A13V1IB3VIYZZH"
DE = "A1PA6795UKMFR9"


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    sb = Sandbox(seed=5, orders=60, clock=clock, rate_limits=False).start()
    yield sb
    sb.stop()


def first(sandbox: Sandbox, status: str, by: str = "MERCHANT") -> Order:
    return next(
        o
        for o in sandbox.amazon.orders.values()
        if o.status == status and o.fulfilled_by == by
    )


def confirmation(order: Order, reference: str = "1", **changes: Any) -> dict:
    detail = {
        "packageReferenceId": reference,
        "carrierCode": "Colissimo",
        "trackingNumber": "6A12345678901",
        "shipDate": "2026-12-03T09:00:00Z",
        "orderItems": [
            {"orderItemId": i.item_id, "quantity": i.quantity} for i in order.items
        ],
    }
    detail.update(changes)
    return {"marketplaceId": order.marketplace_id, "packageDetail": detail}


def confirm(client: SandboxClient, order_id: str, body: Any) -> Any:
    path = f"/orders/v0/orders/{order_id}/shipmentConfirmation"
    return client.amazon("POST", path, json=body)


# -- confirmShipment ---------------------------------------------------------------


def test_a_confirmation_ships_the_order(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    before = order.updated
    clock.advance(60)

    response = confirm(client, order.order_id, confirmation(order))

    assert response.status_code == 204
    assert response.content == b""
    assert order.status == "SHIPPED"
    assert order.updated > before
    [record] = sandbox.amazon.confirmations
    assert record["orderId"] == order.order_id
    assert record["body"]["packageDetail"]["trackingNumber"] == "6A12345678901"


def test_resending_a_package_edits_it(sandbox: Sandbox, client: SandboxClient) -> None:
    order = first(sandbox, "UNSHIPPED")

    confirm(client, order.order_id, confirmation(order))
    again = confirm(
        client, order.order_id, confirmation(order, trackingNumber="6A99999999999")
    )

    assert again.status_code == 204
    assert list(order.packages) == ["1"]
    assert order.packages["1"].tracking_number == "6A99999999999"
    assert all(item.shipped == item.quantity for item in order.items)
    assert [r["edited"] for r in sandbox.amazon.confirmations] == [False, True]


def test_a_second_package_cannot_ship_more_than_was_ordered(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    confirm(client, order.order_id, confirmation(order))

    response = confirm(client, order.order_id, confirmation(order, reference="2"))

    assert response.status_code == 400
    assert "exceeds" in response.json()["errors"][0]["details"]


def test_part_of_an_order_is_partially_shipped(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    order = next(
        o
        for o in sandbox.amazon.orders.values()
        if o.status == "UNSHIPPED" and o.fulfilled_by == "MERCHANT" and len(o.items) > 1
    )
    item = order.items[0]
    items = [{"orderItemId": item.item_id, "quantity": item.quantity}]

    response = confirm(client, order.order_id, confirmation(order, orderItems=items))

    assert response.status_code == 204
    assert order.status == "PARTIALLY_SHIPPED"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"carrierCode": "Other"}, "carrierName"),
        ({"carrierCode": "COLISSIMO"}, "carrierCode"),
        ({"shipDate": "02/21/2022"}, "shipDate"),
        ({"trackingNumber": ""}, "trackingNumber"),
        ({"orderItems": []}, "orderItems"),
        ({"orderItems": [{"orderItemId": "00000000000000", "quantity": 1}]}, "not in"),
        ({"packageReferenceId": None}, "packageReferenceId"),
    ],
    ids=[
        "other-unnamed",
        "wrong-case",
        "not-iso",
        "no-tracking",
        "no-items",
        "unknown-item",
        "no-reference",
    ],
)
def test_invalid_confirmations_are_400(
    sandbox: Sandbox, client: SandboxClient, change: dict, fragment: str
) -> None:
    order = first(sandbox, "UNSHIPPED")

    response = confirm(client, order.order_id, confirmation(order, **change))

    error = response.json()["errors"][0]
    assert response.status_code == 400
    assert error["code"] == "InvalidInput"
    assert fragment in error["details"]
    assert order.status == "UNSHIPPED"
    assert sandbox.amazon.rejected[-1]["orderId"] == order.order_id


def test_carrier_other_with_a_name_is_accepted(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    body = confirmation(order, carrierCode="Other", carrierName="FEDEX_FR")

    assert confirm(client, order.order_id, body).status_code == 204


@pytest.mark.parametrize(
    ("status", "by"),
    [("CANCELLED", "MERCHANT"), ("PENDING", "MERCHANT"), ("SHIPPED", "AMAZON")],
)
def test_orders_that_cannot_ship_are_refused(
    sandbox: Sandbox, client: SandboxClient, status: str, by: str
) -> None:
    order = first(sandbox, status, by)

    response = confirm(client, order.order_id, confirmation(order))

    assert response.status_code == 400


def test_the_wrong_marketplace_is_refused(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    body = confirmation(order)
    body["marketplaceId"] = "ATVPDKIKX0DER"

    assert confirm(client, order.order_id, body).status_code == 400


def test_an_unknown_order_is_404(client: SandboxClient) -> None:
    response = confirm(client, "999-0000000-0000000", {"marketplaceId": FR})

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


def test_a_cancelled_order_refuses_its_confirmation(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    sandbox.amazon.cancel_order(order.order_id)

    response = confirm(client, order.order_id, confirmation(order))

    assert response.status_code == 400
    assert "cancelled" in response.json()["errors"][0]["details"]


def test_packages_show_with_included_data(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    confirm(client, order.order_id, confirmation(order))

    response = client.amazon(
        "GET",
        f"/orders/2026-01-01/orders/{order.order_id}",
        params={"includedData": "PACKAGES,FULFILLMENT"},
    )

    shown = response.json()["order"]
    assert shown["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert shown["packages"][0]["trackingNumber"] == "6A12345678901"


# -- Listings Items -------------------------------------------------------------------


def listing_path(sandbox: Sandbox, sku: str) -> str:
    return (
        f"/listings/2021-08-01/items/{sandbox.amazon.seller_id}/{quote(sku, safe='')}"
    )


def patch_body(quantity: Any) -> dict:
    value = [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": value,
            }
        ],
    }


def test_get_listing_with_an_encoded_sku(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    response = client.amazon(
        "GET",
        listing_path(sandbox, "BOX 12/24"),
        params={
            "marketplaceIds": FR,
            "includedData": "summaries,fulfillmentAvailability",
        },
    )

    body = response.json()
    assert response.status_code == 200
    assert body["sku"] == "BOX 12/24"
    assert body["summaries"][0]["marketplaceId"] == FR
    quantity = sandbox.amazon.listings[("BOX 12/24", FR)]
    assert body["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}
    ]


def test_patch_sets_the_quantity(sandbox: Sandbox, client: SandboxClient) -> None:
    path = listing_path(sandbox, "LAMP+SHADE")

    response = client.amazon(
        "PATCH", path, params={"marketplaceIds": DE}, json=patch_body(7)
    )

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ACCEPTED"
    assert body["sku"] == "LAMP+SHADE" and body["issues"] == [] and body["submissionId"]
    assert sandbox.amazon.quantity("LAMP+SHADE", "DE") == 7


def test_validation_preview_changes_nothing(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    before = sandbox.amazon.listings[("MUG-RED", FR)]

    response = client.amazon(
        "PATCH",
        listing_path(sandbox, "MUG-RED"),
        params={"marketplaceIds": FR, "mode": "VALIDATION_PREVIEW"},
        json=patch_body(before + 5),
    )

    assert response.json()["status"] == "VALID"
    assert sandbox.amazon.quantity("MUG-RED", "FR") == before


def test_a_negative_quantity_is_invalid(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    response = client.amazon(
        "PATCH",
        listing_path(sandbox, "MUG-RED"),
        params={"marketplaceIds": FR},
        json=patch_body(-1),
    )

    body = response.json()
    assert body["status"] == "INVALID"
    assert body["issues"][0]["severity"] == "ERROR"


@pytest.mark.parametrize("sku", ["MUG-BLUE", "GIFT-WRAP-KIT", "NO-SUCH-SKU"])
def test_skus_amazon_does_not_list_are_404(
    sandbox: Sandbox, client: SandboxClient, sku: str
) -> None:
    for method in ("GET", "PATCH"):
        response = client.amazon(
            method,
            listing_path(sandbox, sku),
            params={"marketplaceIds": FR},
            json=patch_body(1),
        )

        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "NOT_FOUND"


def test_a_sku_listed_in_one_marketplace_only(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    path = listing_path(sandbox, "TEAPOT-1L")

    french = client.amazon("GET", path, params={"marketplaceIds": FR})
    german = client.amazon("GET", path, params={"marketplaceIds": DE})

    assert french.status_code == 200
    assert german.status_code == 404


def test_listing_calls_need_marketplace_ids(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    response = client.amazon("GET", listing_path(sandbox, "MUG-RED"))

    assert response.status_code == 400


def test_search_listings_pages_through_the_skus(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    path = f"/listings/2021-08-01/items/{sandbox.amazon.seller_id}"
    skus: list[str] = []
    params: dict[str, Any] = {"marketplaceIds": FR, "pageSize": 20}
    while True:
        body = client.amazon("GET", path, params=params).json()
        skus += [item["sku"] for item in body["items"]]
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
        params["pageToken"] = token

    assert skus == sorted(
        sku for sku, market in sandbox.amazon.listings if market == FR
    )
    assert "MUG-BLUE-2" in skus and "MUG-BLUE" not in skus


def test_confirmations_keep_time(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    order = first(sandbox, "UNSHIPPED")
    clock.advance(30)

    confirm(client, order.order_id, confirmation(order))

    assert sandbox.amazon.confirmations[0]["receivedAt"] == iso(clock.now())
