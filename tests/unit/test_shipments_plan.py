"""The push-shipments plan: who is confirmed, flagged, withdrawn, read, or waits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cubyn_amz.clock import FakeClock, iso
from cubyn_amz.cubyn.client import AMAZON_CARRIER_CODES
from cubyn_amz.cubyn.models import Parcel, ParcelShipment
from cubyn_amz.passes.shipments.plan import (
    LIST_OVERLAP,
    RETRY_AFTER,
    list_since,
    parcels_to_read,
    plan_shipments,
)
from cubyn_amz.state.shipments import OpenOrder, OrderItem, ShipmentRecord

NOW = FakeClock().now()


def order(n: int = 1, **changes: Any) -> OpenOrder:
    values: dict[str, Any] = {
        "order_id": f"405-0000000-000000{n}",
        "marketplace_id": "A13V1IB3VIYZZH",
        "state": "imported",
        "amazon_status": "UNSHIPPED",
        "parcel_id": f"67384716{n}",
        "parcel_status": "CREATED",
        "items": (OrderItem(f"7903976527215{n}", "SKU-1", 2),),
        "created_at": NOW - 3600 * n,
    }
    values.update(changes)
    return OpenOrder(**values)


def parcel(n: int = 1, status: str = "SHIPPED", tracking: str = "6A1") -> Parcel:
    shipment = None
    if status == "SHIPPED" or status.startswith("CARRIER_"):
        shipment = ParcelShipment("COLISSIMO", tracking, "2026-12-03T09:00:00Z")
    return Parcel(f"67384716{n}", f"405-0000000-000000{n}", status, shipment=shipment)


def record(state: str, **changes: Any) -> ShipmentRecord:
    values: dict[str, Any] = {
        "state": state,
        "parcel_id": "673847161",
        "carrier": "COLISSIMO",
        "carrier_code": "Colissimo",
        "carrier_name": "Colissimo",
        "shipping_method": "Standard",
        "tracking_number": "6A1",
        "ship_date": "2026-12-03T09:00:00Z",
        "body": {"marketplaceId": "A13V1IB3VIYZZH", "packageDetail": {"x": 1}},
        "message": "",
        "attempts": 1,
        "last_attempt_at": NOW - 60,
    }
    values.update(changes)
    return ShipmentRecord(**values)


def plan(orders: list[OpenOrder], parcels: list[Parcel], now: float = NOW) -> Any:
    snapshot = {p.id: p for p in parcels}
    return plan_shipments(orders, snapshot, AMAZON_CARRIER_CODES, now)


def test_shipped_parcels_are_confirmed_the_others_wait() -> None:
    result = plan([order(1), order(2), order(3)], [parcel(1), parcel(2, "PACKED")])

    assert [c.order_id for c in result.confirmations] == ["405-0000000-0000001"]
    assert result.waiting == 2
    assert result.attention == ()


def test_parcel_statuses_are_recorded_when_they_change() -> None:
    result = plan(
        [order(1), order(2, parcel_status="PACKED")], [parcel(1), parcel(2, "PACKED")]
    )

    assert [(s.order_id, s.status) for s in result.parcel_statuses] == [
        ("405-0000000-0000001", "SHIPPED")
    ]


def test_carrier_statuses_count_as_shipped() -> None:
    result = plan([order(1)], [parcel(1, "CARRIER_DELIVERED")])

    assert len(result.confirmations) == 1


def test_cancelled_order_is_never_confirmed() -> None:
    orders = [
        order(1, amazon_status="CANCELLED"),
        order(2, state="cancelled", amazon_status="CANCELLED"),
        order(3, amazon_status="CANCELLED", shipment=record("confirming")),
    ]

    result = plan(orders, [parcel(1), parcel(2, "PACKED")])

    assert result.confirmations == ()
    assert [w.order_id for w in result.withdrawn] == [
        "405-0000000-0000001",  # shipped anyway
        "405-0000000-0000003",  # a confirmation was under way
    ]
    assert "Cubyn shipped parcel 673847161" in result.withdrawn[0].reason
    assert result.waiting == 0


def test_parcel_without_tracking_number_is_flagged_once() -> None:
    first = plan([order(1)], [parcel(1, tracking="")])

    assert first.confirmations == ()
    assert [f.order_id for f in first.attention] == ["405-0000000-0000001"]
    assert "without a tracking number" in first.attention[0].reason

    known = order(1, shipment=record("attention", message=first.attention[0].reason))
    again = plan([known], [parcel(1, tracking="")])
    assert again.attention == () and again.confirmations == ()


def test_flagged_parcel_is_confirmed_once_cubyn_adds_the_tracking_number() -> None:
    flagged = order(1, shipment=record("attention", message="no tracking"))

    result = plan([flagged], [parcel(1, tracking="6A999")])

    assert [c.package.tracking_number for c in result.confirmations] == ["6A999"]


def test_confirming_shipment_is_sent_again_as_recorded() -> None:
    recorded = record("confirming", body={"packageDetail": {"trackingNumber": "OLD"}})

    # Even when Cubyn says something else now: what may have reached Amazon is
    # what is sent again.
    result = plan([order(1, shipment=recorded)], [parcel(1, tracking="NEW")])

    (confirmation,) = result.confirmations
    assert confirmation.resend
    assert confirmation.body == {"packageDetail": {"trackingNumber": "OLD"}}


def test_refused_confirmation_waits_an_hour_then_is_rebuilt() -> None:
    refused = order(1, shipment=record("failed", carrier="TNT", carrier_code="Other"))

    soon = plan([refused], [], now=NOW)
    assert soon.confirmations == () and soon.retry_later == 1

    later = plan([refused], [], now=NOW - 60 + RETRY_AFTER)
    (confirmation,) = later.confirmations
    assert not confirmation.resend
    detail = confirmation.body["packageDetail"]
    assert (detail["carrierCode"], detail["carrierName"]) == ("Other", "TNT")
    assert detail["orderItems"] == [{"orderItemId": "79039765272151", "quantity": 2}]


def test_refused_confirmation_takes_a_fixed_carrier_table() -> None:
    refused = order(1, shipment=record("failed", carrier="TNT", last_attempt_at=0.0))

    result = plan_shipments([refused], {}, {**AMAZON_CARRIER_CODES, "TNT": "TNT"}, NOW)

    assert result.confirmations[0].body["packageDetail"]["carrierCode"] == "TNT"


def test_unmapped_carriers_are_named_once() -> None:
    tnt = ParcelShipment("TNT", "GE1", "")
    parcels = [replace(parcel(n), shipment=tnt) for n in (1, 2)]

    result = plan([order(1), order(2)], parcels)

    assert result.unmapped_carriers == ("TNT",)
    assert len(result.confirmations) == 2


def test_order_without_items_is_flagged_not_confirmed() -> None:
    result = plan([order(1, items=())], [parcel(1)])

    assert result.confirmations == ()
    assert "no order item" in result.attention[0].reason


def test_first_list_starts_from_the_oldest_waiting_order() -> None:
    orders = [order(1), order(5), order(9, amazon_status="CANCELLED")]

    assert list_since(orders, None) == iso(NOW - 5 * 3600 - LIST_OVERLAP)
    assert list_since(orders, "2026-12-03T09:00:00Z") == iso(NOW - 3600 - LIST_OVERLAP)


def test_no_list_when_nothing_waits_for_a_parcel() -> None:
    orders = [
        order(1, shipment=record("confirming")),
        order(2, amazon_status="CANCELLED"),
    ]

    assert list_since(orders, "2026-12-03T09:00:00Z") is None
    assert list_since([], None) is None


def test_single_reads_only_where_the_list_cannot_settle() -> None:
    summary = replace(parcel(1), shipment=None)  # says SHIPPED, no details
    orders = [
        order(1),
        order(2),
        order(3, parcel_status="SHIPPED"),  # recorded shipped, not listed
        order(4, parcel_status="SHIPPED", shipment=record("attention")),
        order(5, parcel_status="PACKED"),
    ]

    wanted = parcels_to_read(orders, {"673847161": summary, "673847162": parcel(2)})

    assert wanted == ["673847161", "673847163"]


def test_refusal_is_given_up_once_amazon_shows_the_order_shipped() -> None:
    # A person confirmed it by hand; import-orders closed the order.
    refused = order(1, state="closed", shipment=record("failed", last_attempt_at=0.0))
    interrupted = order(2, state="closed", shipment=record("confirming"))

    result = plan([refused, interrupted], [])

    assert [(w.order_id, w.state) for w in result.withdrawn] == [
        ("405-0000000-0000001", "closed")
    ]
    # What may have reached Amazon is still sent again: it edits the same package.
    assert [c.order_id for c in result.confirmations] == ["405-0000000-0000002"]
