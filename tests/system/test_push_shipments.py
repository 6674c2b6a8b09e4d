"""push-shipments end to end: the real command, real SQLite, mocked Amazon and Cubyn.

Cubyn is a small fake that filters, orders and pages its parcels as the contract
says; Amazon's confirmShipment answers as told. Time is a FakeClock, so that the
hour between retries and the usage plan's waits cost nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner, Result

from cubyn_amz.cli import cli
from cubyn_amz.clock import FakeClock, iso, parse_iso
from cubyn_amz.state import core
from cubyn_amz.state.db import StateDB
from tests.helpers import settings_values, write_settings_file

AMAZON = "https://sellingpartnerapi-eu.amazon.com"
CUBYN = "https://api.cubyn.com/v2"
FR = "A13V1IB3VIYZZH"
CONFIRM = re.compile(r"/orders/v0/orders/([^/]+)/shipmentConfirmation$")
PARCEL = re.compile(r"/v2/parcels/(\d+)$")


def order_id(n: int) -> str:
    return f"405-1234567-{n:07d}"


def parcel_id(n: int) -> str:
    return str(673847000 + n)


class FakeCubyn:
    """Parcels as Cubyn lists them: changed since a time, newest first, paged."""

    def __init__(self, requests_mock: Any, clock: FakeClock) -> None:
        self.clock = clock
        self.parcels: dict[str, dict[str, Any]] = {}
        requests_mock.get(f"{CUBYN}/parcels", json=self._list)
        requests_mock.get(PARCEL, json=self._one)

    def add(self, n: int, status: str = "CREATED", **shipment: str) -> None:
        self.parcels[parcel_id(n)] = {
            "id": int(parcel_id(n)),
            "orderRef": order_id(n),
            "status": status,
            "deliveryMode": "STANDARD",
            "items": [{"sku": "SKU-1", "quantity": 2}],
            "createdAt": iso(self.clock.now()),
            "updatedAt": iso(self.clock.now()),
            "shipment": None,
        }
        if shipment or status == "SHIPPED":
            self.ship(n, **shipment)

    def ship(
        self,
        n: int,
        carrier: str = "COLISSIMO",
        tracking: str = "",
        status: str = "SHIPPED",
    ) -> None:
        parcel = self.parcels[parcel_id(n)]
        parcel["status"] = status
        parcel["updatedAt"] = iso(self.clock.now())
        parcel["shipment"] = {
            "carrier": carrier,
            "trackingNumber": tracking if tracking != "" else f"6A{n:011d}",
            "shippedAt": iso(self.clock.now() - 120),
        }

    def _list(self, request: Any, context: Any) -> list[dict[str, Any]]:
        since = parse_iso(request.qs["filters[updatedafter]"][0])
        offset = int(request.qs["offset"][0])
        limit = int(request.qs["limit"][0])
        changed = sorted(
            (p for p in self.parcels.values() if parse_iso(p["updatedAt"]) > since),
            key=lambda p: p["updatedAt"],
            reverse=True,
        )
        context.headers["x-total-count"] = str(len(changed))
        return changed[offset : offset + limit]

    def _one(self, request: Any, context: Any) -> dict[str, Any]:
        found = PARCEL.search(urlsplit(request.url).path)
        assert found
        return self.parcels[found.group(1)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Every run of the command reads the time from this clock."""
    fake = FakeClock()
    monkeypatch.setattr("cubyn_amz.runtime.SystemClock", lambda: fake)
    return fake


@pytest.fixture
def cubyn(requests_mock: Any, clock: FakeClock) -> FakeCubyn:
    return FakeCubyn(requests_mock, clock)


@pytest.fixture
def amazon(requests_mock: Any, lwa: Any) -> Any:
    return requests_mock.post(CONFIRM, status_code=204)


@pytest.fixture
def db(settings_file: Path) -> Iterator[StateDB]:
    state = StateDB(settings_file.parent / "state.sqlite3")
    yield state
    state.close()


def add_order(
    db: StateDB,
    clock: FakeClock,
    n: int,
    *,
    state: str = "imported",
    amazon_status: str = "UNSHIPPED",
    items: list[tuple[str, int]] | None = None,
) -> None:
    """An order as import-orders leaves it once its parcel is created."""
    items = items or [(f"7903976527{n:04d}", 2)]
    db.execute(
        "INSERT INTO orders (order_id, marketplace_id, state, amazon_status,"
        " parcel_id, parcel_status, items, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'CREATED', ?, ?, ?)",
        (
            order_id(n),
            FR,
            state,
            amazon_status,
            parcel_id(n),
            json.dumps(
                [
                    {"orderItemId": item, "sku": f"SKU-{i}", "quantity": quantity}
                    for i, (item, quantity) in enumerate(items, start=1)
                ]
            ),
            clock.now(),
            clock.now(),
        ),
    )


def imported(db: StateDB, cubyn: FakeCubyn, clock: FakeClock, *ns: int) -> None:
    for n in ns:
        add_order(db, clock, n)
        cubyn.add(n)


def push(*options: str) -> Result:
    return CliRunner().invoke(cli, ["push-shipments", *options])


def sent(requests_mock: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every confirmShipment that reached Amazon: (order id, body)."""
    calls = []
    for request in requests_mock.request_history:
        found = CONFIRM.search(urlsplit(request.url).path)
        if found and request.method == "POST":
            calls.append((found.group(1), request.json()))
    return calls


def shipment_state(db: StateDB, n: int) -> str | None:
    row = db.one("SELECT state FROM shipments WHERE order_id = ?", (order_id(n),))
    return None if row is None else str(row["state"])


def calls_to(requests_mock: Any, host: str) -> list[Any]:
    return [r for r in requests_mock.request_history if r.url.startswith(host)]


def test_shipped_parcels_are_confirmed_once_across_passes(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1, 2)
    clock.advance(3600)
    cubyn.ship(1, tracking="6A12345678901")

    first = push()

    assert first.exit_code == 0, first.output
    assert "push-shipments: 1 confirmed, 1 waiting" in first.stdout
    assert sent(requests_mock) == [
        (
            order_id(1),
            {
                "marketplaceId": FR,
                "packageDetail": {
                    "packageReferenceId": "1",
                    "carrierCode": "Colissimo",
                    "carrierName": "Colissimo",
                    "shippingMethod": "Standard",
                    "trackingNumber": "6A12345678901",
                    "shipDate": iso(clock.now() - 120),
                    "orderItems": [{"orderItemId": "79039765270001", "quantity": 2}],
                },
            },
        )
    ]
    assert shipment_state(db, 1) == "confirmed"
    row = db.one("SELECT parcel_status FROM orders WHERE order_id = ?", (order_id(1),))
    assert row is not None and row["parcel_status"] == "SHIPPED"

    for _ in range(3):
        clock.advance(300)
        again = push()
        assert again.exit_code == 0, again.output
    assert len(sent(requests_mock)) == 1

    cubyn.ship(2, carrier="CARRIER_UNKNOWN_TO_AMAZON")
    clock.advance(300)
    last = push()

    assert last.exit_code == 0, last.output
    assert [order for order, _ in sent(requests_mock)] == [order_id(1), order_id(2)]
    detail = sent(requests_mock)[1][1]["packageDetail"]
    assert (detail["carrierCode"], detail["carrierName"]) == (
        "Other",
        "CARRIER_UNKNOWN_TO_AMAZON",
    )
    assert "CARRIER_UNKNOWN_TO_AMAZON" in last.stderr
    assert shipment_state(db, 2) == "confirmed"


def test_list_starts_where_the_last_pass_began(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1)
    created = clock.now()
    clock.advance(3600)
    push()
    first_start = clock.now()
    clock.advance(300)

    push()

    lists = [r for r in requests_mock.request_history if r.path == "/v2/parcels"]
    since = [r.qs["filters[updatedafter]"][0].upper() for r in lists]
    # First pass: from the oldest open order; then from the last pass's start, both
    # less the overlap for Cubyn's clock.
    assert since == [iso(created - 600), iso(first_start - 600)]
    assert core.read_cursor(db, "shipments.parcels_since") == iso(clock.now())


def test_nothing_shipped_costs_one_list_call_and_no_amazon_call(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1, 2, 3)
    clock.advance(300)

    result = push()

    assert result.exit_code == 0, result.output
    assert "3 waiting" in result.stdout
    assert [r.path for r in requests_mock.request_history] == ["/v2/parcels"]


def test_no_open_order_costs_no_call_at_all(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, requests_mock: Any
) -> None:
    result = push()

    assert result.exit_code == 0, result.output
    assert "push-shipments: nothing to do" in result.stdout
    assert requests_mock.request_history == []


def test_many_shipments_are_paged_and_paced_by_the_usage_plan(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    orders = range(1, 106)
    imported(db, cubyn, clock, *orders)
    clock.advance(3600)
    for n in orders:
        cubyn.ship(n)

    result = push("--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["confirmed"] == 105
    # ceil(105 / 100) list pages, one confirmation per order, no single read.
    assert summary["api_calls"]["cubyn"] == {"listParcels": 2}
    assert summary["api_calls"]["amazon"]["confirmShipment"] == 105
    assert sorted(order for order, _ in sent(requests_mock)) == [
        order_id(n) for n in orders
    ]
    # 10 at once, then 2 a second: 47.5 s of waiting, no 429.
    assert clock.slept == pytest.approx((105 - 10) / 2, rel=0.05)


def test_transient_failure_is_retried_with_the_same_package(
    db: StateDB, cubyn: FakeCubyn, lwa: Any, clock: FakeClock, requests_mock: Any
) -> None:
    requests_mock.post(CONFIRM, [{"status_code": 500}, {"status_code": 204}])
    imported(db, cubyn, clock, 1)
    clock.advance(3600)
    cubyn.ship(1)

    result = push()

    assert result.exit_code == 0, result.output
    (first_order, first), (second_order, second) = sent(requests_mock)
    assert first_order == second_order == order_id(1)
    assert first == second
    assert first["packageDetail"]["packageReferenceId"] == "1"
    assert shipment_state(db, 1) == "confirmed"


def test_outage_leaves_confirming_and_the_next_run_resends_the_recorded_body(
    db: StateDB, cubyn: FakeCubyn, lwa: Any, clock: FakeClock, requests_mock: Any
) -> None:
    requests_mock.post(CONFIRM, exc=requests.ConnectionError("connection reset"))
    imported(db, cubyn, clock, 1)
    clock.advance(3600)
    cubyn.ship(1, tracking="6A111")

    down = push()

    assert down.exit_code == 4, down.output
    assert shipment_state(db, 1) == "confirming"
    before = sent(requests_mock)
    assert before and all(body == before[0][1] for _, body in before)

    # Cubyn's answer has changed meanwhile; what may have reached Amazon is what
    # is sent again, and the list need not be read for it.
    cubyn.ship(1, tracking="6A222")
    requests_mock.post(CONFIRM, status_code=204)
    requests_mock.reset_mock()
    clock.advance(300)

    up = push()

    assert up.exit_code == 0, up.output
    assert sent(requests_mock) == [before[0]]
    assert calls_to(requests_mock, CUBYN) == []
    assert shipment_state(db, 1) == "confirmed"


def test_refusal_is_recorded_listed_and_retried_after_an_hour(
    db: StateDB, cubyn: FakeCubyn, lwa: Any, clock: FakeClock, requests_mock: Any
) -> None:
    refusal = {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}
    requests_mock.post(
        CONFIRM,
        status_code=400,
        json=refusal,
        headers={"x-amzn-RequestId": "req-400-1"},
    )
    imported(db, cubyn, clock, 1, 2)
    clock.advance(3600)
    cubyn.ship(1)
    cubyn.ship(2)

    refused = push()

    assert refused.exit_code == 1, refused.output
    assert "2 failed" in refused.stdout
    assert f"order {order_id(1)}: Amazon refused" in refused.stderr
    assert "Invalid Input" in refused.stderr
    assert shipment_state(db, 1) == shipment_state(db, 2) == "failed"

    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 1
    assert f"shipment {order_id(1)}: Amazon refused the confirmation" in status.stdout
    assert "Invalid Input" in status.stdout and "req-400-1" in status.stdout

    clock.advance(30 * 60)
    held = push()
    assert held.exit_code == 0, held.output
    assert "2 retry later" in held.stdout
    assert len(sent(requests_mock)) == 2

    requests_mock.post(CONFIRM, status_code=204)
    clock.advance(31 * 60)
    retried = push()

    assert retried.exit_code == 0, retried.output
    assert len(sent(requests_mock)) == 4
    assert sent(requests_mock)[2][1]["packageDetail"]["packageReferenceId"] == "1"
    assert shipment_state(db, 1) == shipment_state(db, 2) == "confirmed"
    assert "nothing needs attention" in CliRunner().invoke(cli, ["status"]).stdout


def test_order_cancelled_on_amazon_is_never_confirmed(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1)
    add_order(db, clock, 2, amazon_status="CANCELLED")
    add_order(db, clock, 3, state="cancelled", amazon_status="CANCELLED")
    cubyn.add(2)
    cubyn.add(3)
    clock.advance(3600)
    for n in (1, 2, 3):
        cubyn.ship(n)

    result = push()

    assert result.exit_code == 0, result.output
    assert [order for order, _ in sent(requests_mock)] == [order_id(1)]
    assert f"order {order_id(2)}: cancelled on Amazon" in result.stderr
    assert shipment_state(db, 2) == "cancelled"

    clock.advance(300)
    push()
    assert len(sent(requests_mock)) == 1


def test_cancellation_after_a_failed_confirmation_withdraws_it(
    db: StateDB, cubyn: FakeCubyn, lwa: Any, clock: FakeClock, requests_mock: Any
) -> None:
    requests_mock.post(CONFIRM, status_code=400, json={"errors": [{"code": "x"}]})
    imported(db, cubyn, clock, 1)
    clock.advance(3600)
    cubyn.ship(1)
    assert push().exit_code == 1

    db.execute(
        "UPDATE orders SET amazon_status = 'CANCELLED' WHERE order_id = ?",
        (order_id(1),),
    )
    clock.advance(2 * 3600)
    result = push()

    assert result.exit_code == 0, result.output
    assert len(sent(requests_mock)) == 1
    assert shipment_state(db, 1) == "cancelled"


def test_refusal_stops_once_the_order_shipped_by_another_way(
    db: StateDB, cubyn: FakeCubyn, lwa: Any, clock: FakeClock, requests_mock: Any
) -> None:
    requests_mock.post(CONFIRM, status_code=400, json={"errors": [{"code": "x"}]})
    imported(db, cubyn, clock, 1)
    clock.advance(3600)
    cubyn.ship(1)
    assert push().exit_code == 1

    # Confirmed by hand in Seller Central; import-orders saw it shipped.
    db.execute("UPDATE orders SET state = 'closed' WHERE order_id = ?", (order_id(1),))
    clock.advance(2 * 3600)
    result = push()

    assert result.exit_code == 0, result.output
    assert "1 closed" in result.stdout
    assert len(sent(requests_mock)) == 1
    assert shipment_state(db, 1) == "closed"
    assert "nothing needs attention" in CliRunner().invoke(cli, ["status"]).stdout


def test_parcel_shipped_without_tracking_is_reported_not_confirmed(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1)
    clock.advance(3600)
    cubyn.ship(1, tracking="")
    cubyn.parcels[parcel_id(1)]["shipment"]["trackingNumber"] = ""

    result = push()

    assert result.exit_code == 0, result.output
    assert sent(requests_mock) == []
    assert "without a tracking number" in result.stderr
    # The list could not settle it: one single read made sure.
    reads = [r for r in calls_to(requests_mock, CUBYN) if PARCEL.search(r.path)]
    assert len(reads) == 1
    assert result.stdout.startswith("push-shipments: 1 attention")
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 1
    assert f"shipment {order_id(1)}: parcel {parcel_id(1)} shipped by COLISSIMO" in (
        status.stdout
    )

    clock.advance(300)
    quiet = push()
    assert "tracking" not in quiet.stderr  # told once, listed by status

    cubyn.ship(1, tracking="6A777")
    clock.advance(300)
    fixed = push()

    assert fixed.exit_code == 0, fixed.output
    assert [
        body["packageDetail"]["trackingNumber"] for _, body in sent(requests_mock)
    ] == ["6A777"]
    assert shipment_state(db, 1) == "confirmed"


def test_dry_run_sends_and_records_nothing(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1, 2)
    clock.advance(3600)
    cubyn.ship(1, tracking="6A12345678901")

    result = push("--dry-run")

    assert result.exit_code == 0, result.output
    assert (
        f"would confirm order {order_id(1)}: parcel {parcel_id(1)} by Colissimo, "
        f"tracking 6A12345678901, shipped {iso(clock.now() - 120)}, 2 units"
    ) in result.stdout
    assert "push-shipments (dry run): 1 to confirm, 1 waiting" in result.stdout
    assert calls_to(requests_mock, AMAZON) == []
    assert sent(requests_mock) == []
    assert db.one("SELECT COUNT(*) FROM shipments")[0] == 0  # type: ignore[index]
    assert db.one("SELECT COUNT(*) FROM passes")[0] == 0  # type: ignore[index]
    assert core.read_cursor(db, "shipments.parcels_since") is None

    real = push()
    assert real.exit_code == 0, real.output
    assert [order for order, _ in sent(requests_mock)] == [order_id(1)]


def test_unmapped_carrier_is_warned_once_a_pass(
    db: StateDB, cubyn: FakeCubyn, amazon: Any, clock: FakeClock, requests_mock: Any
) -> None:
    imported(db, cubyn, clock, 1, 2, 3)
    clock.advance(3600)
    for n in (1, 2, 3):
        cubyn.ship(n, carrier="TNT")

    result = push()

    assert result.exit_code == 0, result.output
    assert result.stderr.count("Cubyn carrier 'TNT' is in no carrier table") == 1
    names = {body["packageDetail"]["carrierName"] for _, body in sent(requests_mock)}
    assert names == {"TNT"}


def test_carriers_from_the_settings_are_used(
    settings_file: Path,
    db: StateDB,
    cubyn: FakeCubyn,
    amazon: Any,
    clock: FakeClock,
    requests_mock: Any,
) -> None:
    write_settings_file(
        settings_file, settings_values(carriers={"COLISSIMO": "La Poste"})
    )
    imported(db, cubyn, clock, 1)
    clock.advance(3600)
    cubyn.ship(1)

    assert push().exit_code == 0

    detail = sent(requests_mock)[0][1]["packageDetail"]
    assert detail["carrierCode"] == "La Poste"


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["push-shipments", "--help"])

    assert result.exit_code == 0
    assert "cubyn-amz push-shipments --dry-run" in result.stdout
