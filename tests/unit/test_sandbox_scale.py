"""The sandbox at a benchmark's scale: many SKUs, orders to ship, long paced runs."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from cubyn_amz.clock import FakeClock
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.buckets import Buckets, Plan
from cubyn_amz.sandbox.client import SandboxClient
from cubyn_amz.sandbox.orders import MARKETPLACES, SELLING

FR = MARKETPLACES["FR"].id


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(
        seed=8,
        orders=0,
        clock=FakeClock(),
        rate_limits=False,
        stage_seconds=None,
        skus=250,
    )
    sb.start()
    yield sb
    sb.stop()


def test_added_skus_are_stocked_in_cubyn_and_listed_everywhere_on_amazon(
    sandbox: Sandbox,
) -> None:
    added = [sku for sku in sandbox.cubyn.products if sku.startswith("ITEM-")]

    assert len(added) == 250
    for sku in added:
        units = sandbox.cubyn.products[sku].on_hand
        shown = [sandbox.amazon.quantity(sku, country) for country in SELLING]
        # A first sync has something to change for every one of them.
        assert all(q is not None and q > units for q in shown), sku


def test_cubyn_lists_the_added_skus_page_by_page(sandbox: Sandbox) -> None:
    with SandboxClient(sandbox.connection()) as client:
        pages = [
            client.cubyn(
                "GET", "/product-catalog/products", params={"offset": n, "limit": 100}
            )
            for n in range(0, 400, 100)
        ]

    skus = [item["sku"] for page in pages for item in page.json()]
    assert pages[0].headers["x-total-count"] == str(len(sandbox.cubyn.products))
    assert len(skus) == len(set(skus)) == len(sandbox.cubyn.products)
    assert {f"ITEM-{n:05d}" for n in range(1, 251)} <= set(skus)


def test_an_added_sku_can_be_read_and_patched_on_amazon(sandbox: Sandbox) -> None:
    seller = sandbox.amazon.seller_id
    path = f"/listings/2021-08-01/items/{seller}/{quote('ITEM-00007')}"
    patch = {
        "productType": "HOME",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
            }
        ],
    }
    with SandboxClient(sandbox.connection()) as client:
        read = client.amazon(
            "GET", path, params={"marketplaceIds": FR, "includedData": "summaries"}
        )
        patched = client.amazon(
            "PATCH", path, params={"marketplaceIds": FR}, json=patch
        )

    assert read.status_code == 200
    assert read.json()["summaries"][0]["asin"].startswith("B0")
    assert patched.json()["status"] == "ACCEPTED"
    assert sandbox.amazon.quantity("ITEM-00007", "FR") == 3


def test_adding_more_skus_later_names_them_afresh(sandbox: Sandbox) -> None:
    later = sandbox.add_skus(3)

    assert later == ["ITEM-00251", "ITEM-00252", "ITEM-00253"]
    assert len({p.id for p in sandbox.cubyn.products.values()}) == len(
        sandbox.cubyn.products
    )


def test_orders_to_ship_are_all_paid_and_fulfilled_by_the_seller(
    sandbox: Sandbox,
) -> None:
    ids = sandbox.amazon.generate_orders(300, to_ship=True)
    orders = [sandbox.amazon.orders[i] for i in ids]

    assert len(orders) == 300
    assert {(o.status, o.fulfilled_by) for o in orders} == {("UNSHIPPED", "MERCHANT")}


def test_step_moves_only_the_parcels_named(sandbox: Sandbox) -> None:
    sku = next(p.sku for p in sandbox.cubyn.products.values() if p.on_hand >= 5)
    parcels = []
    with SandboxClient(sandbox.connection()) as client:
        for n in range(3):
            body = {
                "orderRef": f"405-0000000-000000{n}",
                "lastName": "Martin",
                "address": {
                    "line1": "3 rue de la Paix",
                    "zip": "75002",
                    "city": "Paris",
                    "country": "FR",
                },
                "deliveryMode": "STANDARD",
                "items": [{"sku": sku, "quantity": 1}],
            }
            parcels.append(client.cubyn("POST", "/parcels", json=body).json()["id"])

    moved = sandbox.warehouse.step(parcels[:2])

    assert moved == 2
    statuses = [sandbox.cubyn.parcels[i].status for i in parcels]
    assert statuses == ["PICKED", "PICKED", "CREATED"]


def test_a_client_waiting_exactly_for_each_token_is_never_refused() -> None:
    # Long runs of paced calls on a simulated clock near 1.8e9 s, where each
    # wait lands a rounding error short of a whole token.
    clock = FakeClock()
    buckets = Buckets({"cubyn": Plan(10.0, 10)}, clock)
    for _ in range(10):
        assert buckets.admit("cubyn") is None

    refused = 0
    for _ in range(2_000):
        clock.advance(0.1)
        refused += buckets.admit("cubyn") is not None

    assert refused == 0


def test_a_client_calling_early_is_still_refused() -> None:
    clock = FakeClock()
    buckets = Buckets({"cubyn": Plan(10.0, 10)}, clock)
    for _ in range(10):
        buckets.admit("cubyn")

    clock.advance(0.09)

    assert buckets.admit("cubyn") == pytest.approx(0.01, abs=1e-5)
