"""The sandbox's fault injection: each kind, its counting, its reproducibility."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from cubyn_amz.clock import FakeClock, iso
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient

ORDERS = "/orders/2026-01-01/orders"
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    sb = Sandbox(seed=2, orders=10, clock=clock, rate_limits=False).start()
    yield sb
    sb.stop()


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[SandboxClient]:
    with SandboxClient(sandbox.connection(), timeout=5) as rv:
        rv.login()
        yield rv


def parcel_body(sku: str) -> dict:
    return {
        "orderRef": "403-7654321-7654321",
        "lastName": "Martin",
        "address": {
            "line1": "1 rue Haute",
            "zip": "75001",
            "city": "Paris",
            "country": "FR",
        },
        "deliveryMode": "STANDARD",
        "items": [{"sku": sku, "quantity": 1}],
    }


def outcome(call: object) -> str:
    """What the client saw: a status code or the exception's name."""
    try:
        response = call()  # type: ignore[operator]
        json.loads(response.content or b"null")
        return str(response.status_code)
    except ValueError:
        return "bad-json"
    except requests.RequestException as exc:
        return type(exc).__name__


def test_injected_errors_take_each_apis_shape(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("500",), seed=1)

    amazon = client.amazon("GET", PARTICIPATIONS)
    cubyn = client.cubyn("GET", "/parcels")
    control = client.control("GET", "/state")

    assert amazon.status_code == 500
    assert amazon.json()["errors"][0]["code"] == "InternalFailure"
    assert amazon.headers["x-amzn-RequestId"]
    assert cubyn.status_code == 500 and cubyn.json()["message"]
    assert control.status_code == 200
    assert sandbox.amazon.injected["500"] == 1
    assert sandbox.cubyn.injected["500"] == 1
    assert sandbox.faults.injected["500"] == 2


def test_injected_429s_are_counted_apart_from_usage_plans(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("429",), seed=1)

    amazon = client.amazon("GET", PARTICIPATIONS)
    cubyn = client.cubyn("GET", "/parcels")

    assert amazon.json()["errors"][0]["code"] == "QuotaExceeded"
    assert cubyn.status_code == 429 and cubyn.headers["Retry-After"]
    assert sandbox.amazon.injected["429"] == 1
    assert sandbox.amazon.throttled == 0


def test_a_drop_applies_nothing(sandbox: Sandbox, client: SandboxClient) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("drop",), seed=1)

    with pytest.raises(requests.ConnectionError):
        client.cubyn("POST", "/parcels", json=parcel_body("MUG-RED"))

    assert not sandbox.cubyn.parcels


def test_a_lost_answer_still_applies_the_post(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("lost",), seed=1)

    with pytest.raises(requests.ConnectionError):
        client.cubyn("POST", "/parcels", json=parcel_body("MUG-RED"))

    assert len(sandbox.cubyn.parcels_for("403-7654321-7654321")) == 1


def test_lost_spares_reads(sandbox: Sandbox, client: SandboxClient) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("lost",), seed=1)

    assert client.cubyn("GET", "/parcels").status_code == 200


def test_a_truncated_answer_is_not_json(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("truncate",), seed=1)
    after = iso(sandbox.clock.now() - 86400)

    seen = {
        outcome(
            lambda: client.amazon("GET", ORDERS, params={"lastUpdatedAfter": after})
        )
        for _ in range(6)
    }

    assert seen <= {"bad-json", "ChunkedEncodingError", "ConnectionError"}
    assert sandbox.faults.injected["truncate"] == 6


def test_a_slow_answer_outlasts_the_read_timeout(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("slow",), seed=1, slow_seconds=0.5)

    with pytest.raises(requests.ReadTimeout):
        client.cubyn("GET", "/parcels", timeout=0.1)


def run(seed: int, clock: FakeClock) -> list[str]:
    with (
        Sandbox(seed=2, orders=10, clock=clock, rate_limits=False) as sb,
        SandboxClient(sb.connection(), timeout=5) as client,
    ):
        client.login()
        sb.faults.configure(rate=0.4, seed=seed, slow_seconds=0.05)
        calls = [
            lambda: client.cubyn("GET", "/parcels"),
            lambda: client.amazon("GET", PARTICIPATIONS),
            lambda: client.cubyn("POST", "/parcels", json=parcel_body("MUG-RED")),
        ]
        return [outcome(calls[n % 3]) for n in range(30)]


def test_faults_are_reproducible_by_seed(clock: FakeClock) -> None:
    first = run(7, clock)
    again = run(7, clock)
    other = run(8, clock)

    assert first == again
    assert first != other
    assert set(first) - {"200", "201"}


def test_faults_off(sandbox: Sandbox, client: SandboxClient) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("503",), seed=1)
    sandbox.faults.off()

    assert client.cubyn("GET", "/parcels").status_code == 200


def test_faults_can_spare_an_api(sandbox: Sandbox, client: SandboxClient) -> None:
    sandbox.faults.configure(rate=1.0, kinds=("503",), seed=1, apis=("cubyn",))

    assert client.amazon("GET", PARTICIPATIONS).status_code == 200
    assert client.cubyn("GET", "/parcels").status_code == 503


def test_unknown_kinds_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown"):
        sandbox.faults.configure(kinds=("fire",))
