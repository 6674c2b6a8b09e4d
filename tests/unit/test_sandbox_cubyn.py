"""The sandbox's Cubyn API and warehouse: limits, listings, cancel, stock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cubyn_amz.clock import FakeClock, iso
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    sb = Sandbox(seed=11, orders=5, clock=clock, rate_limits=False, stage_seconds=None)
    sb.start()
    yield sb
    sb.stop()


def stocked(sandbox: Sandbox) -> str:
    return next(p.sku for p in sandbox.cubyn.products.values() if p.on_hand >= 10)


def parcel(sku: str = "MUG-RED", **changes: Any) -> dict:
    body: dict[str, Any] = {
        "orderRef": "405-1234567-1234567",
        "firstName": "Hélène",
        "lastName": "Dubois-Châtelain",
        "companyName": "",
        "phone": "0612345678",
        "email": "abc123@marketplace.amazon.fr",
        "address": {
            "line1": "3 place de la République",
            "additionalInformation": "Bâtiment B",
            "zip": "69002",
            "city": "Lyon",
            "country": "FR",
        },
        "deliveryMode": "STANDARD",
        "items": [{"sku": sku, "quantity": 2}],
    }
    for key, value in changes.items():
        if key.startswith("address."):
            body["address"][key.split(".", 1)[1]] = value
        else:
            body[key] = value
    return body


def create(client: SandboxClient, body: dict) -> Any:
    return client.cubyn("POST", "/parcels", json=body)


def test_whoami_needs_no_key(client: SandboxClient) -> None:
    anonymous = client.cubyn("GET", "", headers={"X-Application": "bad"}).json()
    known = client.cubyn("GET", "").json()

    assert anonymous["auth"] is None
    assert known["name"] == "cubyn.api"
    assert known["auth"]["application"]["name"]


def test_every_other_endpoint_needs_the_key(client: SandboxClient) -> None:
    response = client.cubyn("GET", "/parcels", headers={"X-Application": "bad"})

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_a_parcel_is_created_and_reserves_stock(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sku = stocked(sandbox)
    product = sandbox.cubyn.products[sku]
    available = product.available

    response = create(client, parcel(sku))

    body = response.json()
    assert response.status_code == 201
    assert body["status"] == "CREATED"
    assert body["shipment"] is None
    assert body["items"] == [{"sku": sku, "quantity": 2}]
    assert product.reserved == 2
    assert product.available == available - 2


def test_order_ref_is_not_unique(sandbox: Sandbox, client: SandboxClient) -> None:
    create(client, parcel())
    create(client, parcel())

    assert len(sandbox.cubyn.parcels_for("405-1234567-1234567")) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lastName": "x" * 36}, "lastName"),
        ({"firstName": "Γιώργος"}, "firstName"),
        ({"address.line1": "ул. Граф Игнатиев 22"}, "address.line1"),
        ({"address.city": "Œuilly"}, "address.city"),
        ({"address.additionalInformation": "y" * 36}, "address.additionalInformation"),
        ({"address.zip": "123456789"}, "address.zip"),
        ({"address.zip": ""}, "address.zip"),
        ({"address.country": "FRA"}, "address.country"),
        ({"address.country": "XX"}, "address.country"),
        ({"phone": "+33 6 12 34 56 78"}, "phone"),
        ({"phone": "123"}, "phone"),
        ({"email": "a" * 60 + "@example.com"}, "email"),
        ({"deliveryMode": "FAST"}, "deliveryMode"),
        ({"deliveryMode": "RELAY"}, "relayPointRef"),
        ({"items": []}, "items"),
        ({"items": [{"sku": "MUG-BLUE-2", "quantity": 1}]}, "items[0].sku"),
        ({"items": [{"sku": "MUG-RED", "quantity": 0}]}, "items[0].quantity"),
        ({"orderRef": ""}, "orderRef"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_cubyn_limits_refuse_the_parcel(
    sandbox: Sandbox, client: SandboxClient, change: dict, field: str
) -> None:
    response = create(client, parcel(**change))

    body = response.json()
    assert response.status_code == 400
    assert body["message"]
    assert field in [error["field"] for error in body["errors"]]
    assert not sandbox.cubyn.parcels


def test_latin_1_accents_and_35_characters_pass(client: SandboxClient) -> None:
    body = parcel(
        lastName="Ibáñez de la Peña y Müller-Schäfers",
        phone="+33612345678",
    )

    assert len(body["lastName"]) == 35
    assert create(client, body).status_code == 201


def test_parcels_list_filters_and_pages(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    for number in range(5):
        create(client, parcel(orderRef=f"402-0000000-000000{number}"))
        clock.advance(10)
    create(client, parcel(orderRef="402-0000000-0000001"))
    middle = iso(clock.now() - 25)

    page = client.cubyn("GET", "/parcels", params={"offset": 1, "limit": 2})
    mine = client.cubyn(
        "GET", "/parcels", params={"filters[orderRef]": "402-0000000-0000001"}
    )
    recent = client.cubyn("GET", "/parcels", params={"filters[updatedAfter]": middle})
    created = client.cubyn(
        "GET", "/parcels", params={"filters[status]": "PICKED,CREATED", "limit": 100}
    )

    assert page.headers["x-total-count"] == "6"
    ids = [p["id"] for p in page.json()]
    newest_first = sorted(sandbox.cubyn.parcels, reverse=True)
    assert ids == newest_first[1:3]
    assert len(mine.json()) == 2
    assert {p["orderRef"] for p in recent.json()} == {
        "402-0000000-0000003",
        "402-0000000-0000004",
        "402-0000000-0000001",
    }
    assert created.headers["x-total-count"] == "6"


def test_a_page_holds_at_most_100(client: SandboxClient) -> None:
    response = client.cubyn("GET", "/parcels", params={"limit": 101})

    assert response.status_code == 400


def test_only_a_created_parcel_can_be_cancelled(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sku = stocked(sandbox)
    one = create(client, parcel(sku)).json()
    two = create(client, parcel(sku)).json()
    product = sandbox.cubyn.products[sku]

    cancelled = client.cubyn("PUT", f"/parcels/{one['id']}/cancel")
    sandbox.warehouse.step()
    refused = client.cubyn("PUT", f"/parcels/{two['id']}/cancel")
    again = client.cubyn("PUT", f"/parcels/{one['id']}/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"
    assert refused.status_code == 409
    assert refused.json()["message"]
    assert again.status_code == 409
    assert product.reserved == 2


def test_an_unknown_parcel_is_404(client: SandboxClient) -> None:
    assert client.cubyn("GET", "/parcels/1").status_code == 404
    assert client.cubyn("PUT", "/parcels/nope/cancel").status_code == 404


def test_the_warehouse_ships_and_stock_follows(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sku = stocked(sandbox)
    product = sandbox.cubyn.products[sku]
    on_hand = product.on_hand
    parcel_id = create(client, parcel(sku)).json()["id"]
    statuses = []
    for _ in range(5):
        clock.advance(60)
        sandbox.warehouse.step()
        statuses.append(client.cubyn("GET", f"/parcels/{parcel_id}").json()["status"])
    shipped = client.cubyn("GET", f"/parcels/{parcel_id}").json()

    assert statuses == [
        "PICKED",
        "PACKED",
        "SHIPPED",
        "CARRIER_IN_TRANSIT",
        "CARRIER_DELIVERED",
    ]
    assert shipped["shipment"]["carrier"]
    assert shipped["shipment"]["shippedAt"]
    assert product.on_hand == on_hand - 2
    assert product.reserved == 0


def test_shipments_use_varied_carriers_some_untracked(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.warehouse.receive("MUG-RED", 1000)
    for number in range(150):
        create(
            client,
            parcel(
                "MUG-RED",
                orderRef=f"r{number}",
                items=[{"sku": "MUG-RED", "quantity": 1}],
            ),
        )
    for _ in range(3):
        sandbox.warehouse.step()

    shipments = [p.shipment for p in sandbox.cubyn.parcels.values()]
    carriers = {s["carrier"] for s in shipments if s}
    assert len(shipments) == 150 and all(shipments)
    assert {"COLISSIMO", "DPD", "GLS"} <= carriers
    assert any(s["trackingNumber"] is None for s in shipments if s)


def test_parcels_move_on_their_own_as_time_passes(clock: FakeClock) -> None:
    with (
        Sandbox(seed=11, orders=5, clock=clock, stage_seconds=600) as sb,
        SandboxClient(sb.connection()) as client,
    ):
        sku = stocked(sb)
        parcel_id = create(client, parcel(sku)).json()["id"]
        sb.advance(6 * 900)  # six stages at the longest spread
        status = client.cubyn("GET", f"/parcels/{parcel_id}").json()["status"]

    assert status == "CARRIER_DELIVERED"


def test_a_parcel_waits_for_stock(sandbox: Sandbox, client: SandboxClient) -> None:
    sku = next(p.sku for p in sandbox.cubyn.products.values() if p.on_hand == 0)
    parcel_id = create(client, parcel(sku)).json()["id"]

    sandbox.warehouse.step()
    waiting = sandbox.cubyn.parcels[parcel_id].status
    sandbox.warehouse.receive(sku, 5)
    sandbox.warehouse.step()

    assert waiting == "CREATED"
    assert sandbox.cubyn.parcels[parcel_id].status == "PICKED"
    assert sandbox.cubyn.products[sku].available == 3


def test_receipts_and_returns_raise_stock_and_mark_products_updated(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sku = stocked(sandbox)
    parcel_id = create(client, parcel(sku)).json()["id"]
    for _ in range(3):
        sandbox.warehouse.step()
    on_hand = sandbox.cubyn.products[sku].on_hand
    clock.advance(3600)
    since = iso(clock.now())

    sandbox.warehouse.receive(sku, 10)
    sandbox.warehouse.return_parcel(parcel_id)
    changed = client.cubyn(
        "GET", "/product-catalog/products", params={"filters[updatedAfter]": since}
    )

    assert sandbox.cubyn.products[sku].on_hand == on_hand + 12
    assert sandbox.cubyn.parcels[parcel_id].status == "RETURNED"
    assert [p["sku"] for p in changed.json()] == [sku]
    assert changed.headers["x-total-count"] == "1"


def test_products_list_pages_with_a_total(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    first = client.cubyn("GET", "/product-catalog/products", params={"limit": 10})
    rest = client.cubyn(
        "GET", "/product-catalog/products", params={"limit": 100, "offset": 10}
    )

    skus = [p["sku"] for p in first.json() + rest.json()]
    assert first.headers["x-total-count"] == str(len(sandbox.cubyn.products))
    assert sorted(skus) == sorted(sandbox.cubyn.products)
    assert "MUG-BLUE" in skus and "MUG-BLUE-2" not in skus
    stock = first.json()[0]["stock"]
    assert stock["available"] == stock["onHand"] - stock["reserved"]


def test_cubyn_throttles_past_ten_requests_a_second(clock: FakeClock) -> None:
    with (
        Sandbox(seed=11, orders=5, clock=clock) as sb,
        SandboxClient(sb.connection()) as client,
    ):
        statuses = [client.cubyn("GET", "/parcels").status_code for _ in range(11)]
        refused = client.cubyn("GET", "/parcels")
        clock.advance(1)
        later = client.cubyn("GET", "/parcels")

    assert statuses == [200] * 10 + [429]
    assert refused.headers["Retry-After"] == "1"
    assert later.status_code == 200
    assert sb.cubyn.throttled == 2
