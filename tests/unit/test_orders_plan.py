"""The import-orders plan: what each Amazon order needs, from its status and state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cubyn_amz.cubyn.client import parcel_body
from cubyn_amz.cubyn.models import Parcel
from cubyn_amz.passes.orders import plan as p
from cubyn_amz.passes.orders.model import parse_order
from cubyn_amz.settings.load import parse_settings
from cubyn_amz.settings.model import Settings
from cubyn_amz.state.orders import OrderItem, OrderRow
from tests.fixtures.orders import (
    AMAZON_FULFILLED,
    BUSINESS,
    FR,
    SHIPPED_UK,
    example,
    order,
)
from tests.helpers import settings_values

NOW = 1_796_292_000.0  # 2026-12-03T10:00:00Z
OID = "405-1234567-0000001"


def make_settings(**delivery_modes: str) -> Settings:
    values: dict[str, Any] = settings_values()
    if delivery_modes:
        values["delivery_modes"] = delivery_modes
    return parse_settings(values, Path("/nonexistent/config.toml"), {})


SETTINGS = make_settings()


def plan(data: dict[str, Any], row: OrderRow | None = None) -> tuple[p.Step, ...]:
    return p.plan_order(parse_order(data), row, SETTINGS, NOW)


def row(state: str, **values: Any) -> OrderRow:
    fields: dict[str, Any] = {
        "order_id": OID,
        "marketplace_id": FR,
        "state": state,
        "amazon_status": "UNSHIPPED",
        "items": (OrderItem(f"{OID.replace('-', '')[-8:]}0001", "SKU-1", 2),),
        "amazon_updated_at": NOW - 3600,
    }
    fields.update(values)
    return OrderRow(**fields)


# -- new orders, by Amazon status ------------------------------------------------


def test_an_unshipped_order_is_imported_with_its_skus_and_quantities() -> None:
    (step,) = plan(order(items=[("SKU-1", 2, 2), ("SKU-2", 1, 1)]))

    assert isinstance(step, p.Import)
    assert step.parcel.order_ref == OID
    assert step.parcel.delivery_mode == "STANDARD"
    assert [(i.sku, i.quantity) for i in step.parcel.items] == [
        ("SKU-1", 2),
        ("SKU-2", 1),
    ]
    assert step.sighting is not None and step.sighting.amazon_status == "UNSHIPPED"


def test_a_partly_shipped_order_is_imported_for_what_is_left() -> None:
    data = order(
        status="PARTIALLY_SHIPPED",
        items=[("SKU-1", 3, 1), ("SKU-2", 2, 0), ("SKU-3", 1, 1)],
    )

    (step,) = plan(data)

    assert isinstance(step, p.Import)
    assert [(i.sku, i.quantity) for i in step.items] == [("SKU-1", 1), ("SKU-3", 1)]


def test_the_same_sku_on_two_lines_is_one_parcel_line() -> None:
    (step,) = plan(order(items=[("SKU-1", 2, 2), ("SKU-1", 1, 1)]))

    assert isinstance(step, p.Import)
    assert [(i.sku, i.quantity) for i in step.parcel.items] == [("SKU-1", 3)]
    assert len(step.items) == 2  # the state keeps each Amazon order item


def test_items_cancelled_before_import_are_left_out() -> None:
    data = order(items=[("SKU-1", 1, 1), ("SKU-2", 1, 1)], cancelled_items=("SKU-2",))

    (step,) = plan(data)

    assert isinstance(step, p.Import)
    assert [i.sku for i in step.parcel.items] == ["SKU-1"]


@pytest.mark.parametrize(
    ("status", "label", "warn"),
    [
        ("PENDING", p.PENDING, False),
        ("PENDING_AVAILABILITY", p.PENDING, False),
        ("UNFULFILLABLE", p.OTHER_STATUS, True),
    ],
    ids=["pending", "pre-order", "unfulfillable"],
)
def test_orders_not_ready_to_ship_are_skipped_and_recorded(
    status: str, label: str, warn: bool
) -> None:
    (step,) = plan(order(status=status))

    assert isinstance(step, p.Record)
    assert step.state == "skipped"
    assert step.label == label
    assert step.warn is warn
    assert OID in step.message


@pytest.mark.parametrize("status", ["SHIPPED", "CANCELLED"])
def test_an_order_never_seen_that_needs_nothing_is_not_recorded(status: str) -> None:
    assert plan(order(status=status)) == ()


def test_the_merchant_shipped_example_needs_nothing() -> None:
    data = example(SHIPPED_UK)

    assert plan(data) == ()


def test_an_amazon_fulfilled_order_is_skipped_quietly() -> None:
    data = example(AMAZON_FULFILLED)
    data["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"

    (step,) = plan(data)

    assert isinstance(step, p.Record)
    assert step.label == p.BY_AMAZON
    assert step.state == "skipped"


@pytest.mark.parametrize(
    ("level", "mode"),
    [
        ("STANDARD", "STANDARD"),
        ("EXPEDITED", "EXPRESS"),
        ("SECOND_DAY", None),
        ("NEXT_DAY", None),
        ("SAME_DAY", None),
        ("PRIORITY", None),
        ("SCHEDULED", None),
        ("FREE_ECONOMY", None),
    ],
)
def test_each_service_level_is_imported_or_skipped_per_the_delivery_table(
    level: str, mode: str | None
) -> None:
    (step,) = plan(order(level=level))

    if mode is None:
        assert isinstance(step, p.Record)
        assert step.label == p.NOT_OFFERED
        assert level in (step.reason or "")
        assert step.warn
    else:
        assert isinstance(step, p.Import)
        assert step.parcel.delivery_mode == mode


def test_the_settings_can_offer_a_service_level_cubyn_lacks_by_default() -> None:
    settings = make_settings(NEXT_DAY="EXPRESS", STANDARD="none")

    (nextday,) = p.plan_order(parse_order(order(level="NEXT_DAY")), None, settings, NOW)
    (standard,) = p.plan_order(parse_order(order()), None, settings, NOW)

    assert isinstance(nextday, p.Import) and nextday.parcel.delivery_mode == "EXPRESS"
    assert isinstance(standard, p.Record) and standard.label == p.NOT_OFFERED


def test_an_order_without_a_service_level_is_not_offered() -> None:
    data = order()
    del data["fulfillment"]["fulfillmentServiceLevel"]

    (step,) = plan(data)

    assert isinstance(step, p.Record) and step.label == p.NOT_OFFERED


def test_an_open_order_without_an_address_is_skipped() -> None:
    data = order()
    del data["recipient"]

    (step,) = plan(data)

    assert isinstance(step, p.Record)
    assert step.label == p.NO_ADDRESS


# -- skipped orders --------------------------------------------------------------


def test_a_skip_reason_is_shown_once() -> None:
    (first,) = plan(order(level="NEXT_DAY"))
    assert isinstance(first, p.Record)
    skipped = row("skipped", reason=first.reason)

    (again,) = plan(order(level="NEXT_DAY", updated="2026-12-03T09:55:00Z"), skipped)

    assert isinstance(again, p.Record)
    assert again.label is None and again.message == ""


def test_a_pending_order_is_imported_once_amazon_releases_it() -> None:
    pending = row("skipped", amazon_status="PENDING", reason="pending")

    (step,) = plan(order(updated="2026-12-03T09:55:00Z"), pending)

    assert isinstance(step, p.Import)


@pytest.mark.parametrize(
    ("status", "state"), [("SHIPPED", "closed"), ("CANCELLED", "cancelled")]
)
def test_a_skipped_order_that_amazon_closes_is_recorded_so(
    status: str, state: str
) -> None:
    (step,) = plan(order(status=status), row("skipped", reason="not offered"))

    assert isinstance(step, p.Record)
    assert step.state == state
    assert step.label is None


def test_older_news_than_the_state_holds_changes_nothing() -> None:
    newer = row("skipped", reason="pending", amazon_updated_at=NOW)

    assert plan(order(updated="2026-12-03T09:00:00Z"), newer) == ()


# -- imported orders -------------------------------------------------------------


def test_an_imported_order_cancelled_on_amazon_is_cancelled_in_cubyn() -> None:
    imported = row("imported", parcel_id="673847167")

    record, cancel = plan(order(status="CANCELLED"), imported)

    assert isinstance(record, p.Record)
    assert record.state == "imported"  # the status is written before the cancel
    assert record.sighting.amazon_status == "CANCELLED"
    assert cancel == p.Cancel(OID, "673847167")


def test_an_imported_order_shipped_on_amazon_is_closed() -> None:
    (step,) = plan(order(status="SHIPPED"), row("imported", parcel_id="1"))

    assert isinstance(step, p.Record) and step.state == "closed"


def test_an_imported_order_seen_again_keeps_the_quantities_sent() -> None:
    imported = row("imported", parcel_id="1")
    data = order(status="PARTIALLY_SHIPPED", items=[("SKU-1", 2, 1)])

    (step,) = plan(data, imported)

    assert isinstance(step, p.Record)
    assert step.state == "imported"
    assert step.sighting.items == imported.items


def test_a_buyer_cancellation_request_flags_the_order_once() -> None:
    imported = row("imported", parcel_id="1")
    data = order(cancel_request="Changed mind about purchase")

    record, attend = plan(data, imported)

    assert isinstance(attend, p.Attend)
    assert attend.why is not None and "Changed mind" in attend.why
    flagged = row("imported", parcel_id="1", attention=attend.why)
    assert plan(data, flagged) == (record,)


def test_a_cancellation_request_withdrawn_clears_the_flag() -> None:
    flagged = row("imported", parcel_id="1", attention=p.buyer_request("oops"))

    _, attend = plan(order(), flagged)

    assert attend == p.Attend(OID, None)


def test_a_flag_set_by_a_person_is_not_cleared() -> None:
    flagged = row("imported", parcel_id="1", attention="Cubyn holds 2 parcels")

    assert len(plan(order(), flagged)) == 1


def test_a_new_order_with_a_cancellation_request_is_imported_and_flagged() -> None:
    step, attend = plan(order(cancel_request="Found it cheaper"))

    assert isinstance(step, p.Import)
    assert isinstance(attend, p.Attend) and attend.why


def test_items_cancelled_after_import_flag_the_order() -> None:
    data = order(items=[("SKU-1", 1, 1), ("SKU-2", 1, 1)], cancelled_items=("SKU-2",))
    sent = tuple(
        OrderItem(item.order_item_id, item.sku, 1) for item in parse_order(data).items
    )
    imported = row("imported", parcel_id="9", items=sent)

    _, attend = plan(data, imported)

    assert isinstance(attend, p.Attend)
    assert attend.why is not None and "SKU-2" in attend.why and "9" in attend.why


@pytest.mark.parametrize("state", ["cancelled", "closed"])
def test_finished_orders_need_nothing(state: str) -> None:
    assert plan(order(status="CANCELLED"), row(state)) == ()


# -- rejected orders -------------------------------------------------------------


def test_a_rejected_order_is_retried_after_an_hour() -> None:
    rejected = row("rejected", reason="unknown SKU", last_attempt_at=NOW - 3601)

    (step,) = plan(order(), rejected)

    assert isinstance(step, p.Import) and step.retry


def test_a_rejected_order_is_not_retried_within_the_hour_but_refreshed() -> None:
    rejected = row("rejected", reason="unknown SKU", last_attempt_at=NOW - 600)

    (step,) = plan(order(), rejected)

    assert isinstance(step, p.Record)
    assert step.state == "rejected" and step.reason == "unknown SKU"
    assert step.request is not None  # the next retry sends what Amazon says now


def test_a_rejected_order_past_its_ship_by_date_is_not_retried() -> None:
    rejected = row(
        "rejected", reason="unknown SKU", last_attempt_at=NOW - 7200, ship_by=NOW - 1
    )

    assert not p.retry_due(rejected, NOW)
    (step,) = plan(order(ship_by="2026-12-03T09:59:59Z"), rejected)
    assert isinstance(step, p.Record) and step.state == "rejected"


def test_a_rejected_order_cancelled_on_amazon_is_no_longer_retried() -> None:
    (step,) = plan(order(status="CANCELLED"), row("rejected", reason="bad zip"))

    assert isinstance(step, p.Record) and step.state == "cancelled"
    assert "no longer retried" in step.message


# -- orders left "creating" ------------------------------------------------------


def parcel(pid: str, status: str = "CREATED") -> Parcel:
    return Parcel(id=pid, order_ref=OID, status=status)


def test_settling_adopts_the_newest_live_parcel() -> None:
    creating = row("creating")

    (step,) = p.plan_settle(creating, [parcel("3", "CANCELLED"), parcel("2")])

    assert step == p.Adopt(OID, parcel("2"), ())


def test_settling_several_live_parcels_names_the_extra_ones() -> None:
    (step,) = p.plan_settle(row("creating"), [parcel("3"), parcel("2", "PICKED")])

    assert isinstance(step, p.Adopt)
    assert step.parcel.id == "3" and step.others == ("2",)


def test_settling_posts_again_only_when_cubyn_has_nothing() -> None:
    (first,) = plan(order())
    assert isinstance(first, p.Import)
    creating = row("creating", request=first.parcel)

    (step,) = p.plan_settle(creating, [parcel("3", "CANCELLED")])

    assert step == p.Import(OID, first.parcel, creating.items)


def test_settling_an_order_amazon_cancelled_meanwhile_sends_nothing() -> None:
    creating = row("creating", amazon_status="CANCELLED")

    assert p.plan_settle(creating, []) == (p.Drop(OID),)


# -- the Cubyn payload -----------------------------------------------------------


def test_the_cubyn_payload_of_a_business_order() -> None:
    data = order(base=BUSINESS, level="EXPEDITED", items=[("ECHO-POP-US-BLK", 1, 1)])

    (step,) = plan(data)

    assert isinstance(step, p.Import)
    assert parcel_body(step.parcel) == {
        "orderRef": OID,
        "firstName": "Test",
        "lastName": "Store #1234",
        "companyName": "Test Store",
        "phone": "+12065550100",
        "address": {
            "line1": "100 Main Street",
            "additionalInformation": "Suite 200",
            "zip": "98101",
            "city": "Seattle",
            "country": "US",
        },
        "deliveryMode": "EXPRESS",
        "items": [{"sku": "ECHO-POP-US-BLK", "quantity": 1}],
    }


def test_the_cubyn_payload_of_a_brazilian_order_fits_cubyn_limits() -> None:
    (step,) = plan(order())  # the getOrder example: São Paulo, +55 phone

    assert isinstance(step, p.Import)
    body = parcel_body(step.parcel)
    assert body["firstName"] == "Maria"
    assert body["lastName"] == "Silva Santos"
    assert body["address"]["city"] == "Sao Paulo"
    assert body["address"]["zip"] == "01234567"
    assert body["address"]["line1"] == "Rua das Flores, 123"
    assert body["address"]["additionalInformation"] == "Apartamento 45"
    assert body["phone"] == "5511987654321"  # without its + to fit 13 characters
    assert step.notes  # and said so


# -- dry-run descriptions --------------------------------------------------------


def test_every_step_that_does_something_describes_itself() -> None:
    (imported,) = plan(order())
    (skipped,) = plan(order(level="NEXT_DAY"))

    assert imported.describe() == f"import order {OID} (2 units, STANDARD)"
    assert skipped.describe().startswith(f"skip order {OID}: service level NEXT_DAY")
    assert p.Cancel(OID, "7").describe() == f"cancel parcel 7 of order {OID}"


def test_the_buyers_cancel_reason_reaches_cron_mail_short_and_on_one_line() -> None:
    reason = "Ich möchte\\x1b[31m stornieren, " + "weil " * 30

    text = p.buyer_request(reason.replace("\\x1b", "\x1b"))

    said = text[text.index("(") + 1 : text.index(")")]
    assert len(said) <= 40 and said.endswith("...")
    assert said.isascii() and "\x1b" not in said
