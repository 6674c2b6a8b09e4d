"""The /_sandbox control endpoints, as a test driving a subprocess uses them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cubyn_amz.clock import FakeClock
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(seed=4, orders=20, clock=FakeClock(), stage_seconds=None).start()
    yield sb
    sb.stop()


def post(client: SandboxClient, path: str, body: dict | None = None) -> dict:
    response = client.control("POST", path, json=body or {})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_state_summarises_both_sides(sandbox: Sandbox, client: SandboxClient) -> None:
    state = client.control("GET", "/state").json()

    assert state["amazon"]["orders"] == 20
    assert state["amazon"]["sellerId"] == sandbox.amazon.seller_id
    assert state["amazon"]["listings"]["TEAPOT-1L"].keys() == {"FR"}
    assert state["cubyn"]["products"]["MUG-BLUE"]["onHand"] >= 0
    assert state["amazon"]["throttled"] == 0
    assert state["faults"]["rate"] == 0.0


def test_connection_is_served(sandbox: Sandbox, client: SandboxClient) -> None:
    assert client.control("GET", "/connection").json() == sandbox.connection()


def test_orders_arrive_and_get_cancelled(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    [order_id] = post(client, "/orders", {"count": 1})["orderIds"]
    cancelled = post(client, "/cancel", {"orderId": order_id})
    unknown = client.control("POST", "/cancel", json={"orderId": "000-0000000-0000000"})

    assert cancelled == {"orderId": order_id, "status": "CANCELLED"}
    assert unknown.status_code == 404
    assert sandbox.amazon.orders[order_id].status == "CANCELLED"


def test_a_shipped_order_cannot_be_cancelled(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    shipped = next(o for o in sandbox.amazon.orders.values() if o.status == "SHIPPED")

    response = client.control("POST", "/cancel", json={"orderId": shipped.order_id})

    assert response.status_code == 409


def test_cancellation_requests(sandbox: Sandbox, client: SandboxClient) -> None:
    [order_id] = post(client, "/orders", {"count": 1})["orderIds"]

    post(client, "/request-cancellation", {"orderId": order_id, "reason": "Too late"})

    item = sandbox.amazon.orders[order_id].items[0]
    assert item.cancel_request == ("BUYER", "Too late")


def test_receive_and_warehouse_step(sandbox: Sandbox, client: SandboxClient) -> None:
    before = sandbox.cubyn.products["MUG-RED"].on_hand

    product = post(client, "/receive", {"sku": "MUG-RED", "quantity": 4})
    moved = post(client, "/warehouse/step", {"times": 2})
    missing = client.control("POST", "/receive", json={"sku": "NOPE", "quantity": 1})

    assert product["stock"]["onHand"] == before + 4
    assert moved == {"moved": [0, 0]}
    assert missing.status_code == 404


def test_faults_are_configured_and_never_hit_the_controls(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    configured = post(
        client, "/faults", {"rate": 1.0, "kinds": ["503"], "seed": 3, "apis": ["cubyn"]}
    )
    faulted = client.cubyn("GET", "/parcels")
    state = client.control("GET", "/state")
    off = post(client, "/faults", {"off": True})

    assert configured["kinds"] == ["503"]
    assert faulted.status_code == 503
    assert state.status_code == 200
    assert off["rate"] == 0.0
    assert state.json()["cubyn"]["injected"] == {"503": 1}


def test_advance_moves_a_fake_clock(sandbox: Sandbox, client: SandboxClient) -> None:
    start = sandbox.clock.now()

    post(client, "/advance", {"seconds": 90})

    assert sandbox.clock.now() == start + 90


def test_advance_needs_a_fake_clock() -> None:
    with Sandbox(seed=4, orders=2) as sb, SandboxClient(sb.connection()) as client:
        response = client.control("POST", "/advance", json={"seconds": 5})

    assert response.status_code == 409


def test_bad_control_bodies_are_400(client: SandboxClient) -> None:
    assert client.control("POST", "/cancel", json={}).status_code == 400
    assert client.control("POST", "/orders", data=b"[1, 2]").status_code == 400
