"""Carrying out a push-shipments pass: read Cubyn, plan, record, confirm on Amazon."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cubyn_amz.clock import iso
from cubyn_amz.cubyn.models import Parcel
from cubyn_amz.errors import (
    ApiError,
    NotFound,
    PacingPause,
    Throttled,
)
from cubyn_amz.passes.result import PassResult
from cubyn_amz.passes.shipments.plan import (
    RETRY_AFTER,
    Confirm,
    ShipmentPlan,
    list_since,
    parcels_to_read,
    plan_shipments,
)
from cubyn_amz.runtime import Runtime
from cubyn_amz.state import core, shipments
from cubyn_amz.state.orders import mark_parcel_status
from cubyn_amz.state.shipments import OpenOrder

log = logging.getLogger(__name__)

CURSOR = "shipments.parcels_since"


def push_shipments(runtime: Runtime, result: PassResult) -> None:
    """One pass: confirm on Amazon every parcel Cubyn shipped since the last one."""
    started = runtime.clock.now()
    orders = shipments.open_orders(runtime.db)

    parcels = read_parcels(runtime, orders)

    plan = plan_shipments(
        orders, parcels, runtime.settings.carriers, runtime.clock.now()
    )
    warn_unmapped(plan.unmapped_carriers)

    try:
        if result.dry_run:
            show(plan, result)
            return

        record(runtime, plan, started, result)

        for confirmation in plan.confirmations:
            send(runtime, confirmation, result)
    finally:
        # Last in the summary, and there even when a pause cut the pass short.
        for label, count in (
            ("waiting", plan.waiting),
            ("retry later", plan.retry_later),
        ):
            if count:
                result.counts[label] += count


def read_parcels(runtime: Runtime, orders: Sequence[OpenOrder]) -> dict[str, Parcel]:
    """The parcels of open orders that changed since the last pass, and a few more.

    One list call when nothing changed, none when no order is waiting; single reads
    only for the parcels the list cannot settle (see ``parcels_to_read``).
    """
    since = list_since(orders, core.read_cursor(runtime.db, CURSOR))
    parcels: dict[str, Parcel] = {}
    if since is not None:
        wanted = {order.parcel_id for order in orders if order.parcel_id}
        for parcel in runtime.cubyn.parcels_updated_since(since):
            # Newest first: a parcel listed twice (it changed while we paged) is
            # taken as first seen.
            if parcel.id in wanted and parcel.id not in parcels:
                parcels[parcel.id] = parcel

    for parcel_id in parcels_to_read(orders, parcels):
        try:
            parcels[parcel_id] = runtime.cubyn.get_parcel(parcel_id)
        except NotFound:
            # Known shortcoming: read again, and warned of, on every pass.
            log.warning("parcel %s: Cubyn no longer knows it; passed over", parcel_id)
    return parcels


def warn_unmapped(carriers: Sequence[str]) -> None:
    for carrier in carriers:
        log.warning(
            'Cubyn carrier %r is in no carrier table: confirmed as carrierCode "Other"'
            " with its name, so Amazon shows no tracking link; map it to Amazon's"
            " carrier code under [carriers] in the settings",
            carrier,
        )


def show(plan: ShipmentPlan, result: PassResult) -> None:
    """A dry run: what would be sent and flagged; nothing sent, nothing recorded."""
    for confirmation in plan.confirmations:
        result.planned.append(confirmation.line())
        result.counts["to confirm"] += 1
    for flag in plan.attention:
        result.flag(f"order {flag.order_id}: {flag.reason}")
    for withdrawal in plan.withdrawn:
        result.planned.append(
            f"withdraw order {withdrawal.order_id}: {withdrawal.reason}"
        )
        result.counts[withdrawal.state] += 1


def record(
    runtime: Runtime, plan: ShipmentPlan, started: float, result: PassResult
) -> None:
    """Everything the plan learnt, and every confirmation's intent, in one change.

    The cursor moves in the same transaction: once it has passed a parcel, the
    parcel's confirmation is on record as "confirming", and a pass cut short by a
    crash, a pause or an outage sends it on the next run.
    """
    db = runtime.db
    now = runtime.clock.now()
    with db.transaction():
        for change in plan.parcel_statuses:
            mark_parcel_status(db, change.order_id, change.status, now)
        for flag in plan.attention:
            shipments.mark_attention(
                db, flag.order_id, flag.parcel_id, flag.reason, now
            )
        for withdrawal in plan.withdrawn:
            shipments.mark_withdrawn(
                db,
                withdrawal.order_id,
                withdrawal.parcel_id,
                withdrawal.state,
                withdrawal.reason,
                now,
            )
        for confirmation in plan.confirmations:
            if not confirmation.resend:
                write_intent(runtime, confirmation, now)
        core.write_cursor(db, CURSOR, iso(started), now)

    for flag in plan.attention:
        result.flag(f"order {flag.order_id}: {flag.reason}")
    for withdrawal in plan.withdrawn:
        log.warning("order %s: %s", withdrawal.order_id, withdrawal.reason)
        result.counts[withdrawal.state] += 1


def write_intent(runtime: Runtime, confirmation: Confirm, now: float) -> None:
    p = confirmation.package
    shipments.write_intent(
        runtime.db,
        confirmation.order_id,
        parcel_id=p.parcel_id,
        carrier=p.carrier,
        carrier_code=p.carrier_code,
        carrier_name=p.carrier_name,
        shipping_method=p.shipping_method,
        tracking_number=p.tracking_number,
        ship_date=p.ship_date,
        body=confirmation.body,
        now=now,
    )


def send(runtime: Runtime, confirmation: Confirm, result: PassResult) -> None:
    """POST one confirmation and record its outcome; a refusal is passed over."""
    order_id = confirmation.order_id
    try:
        runtime.amazon.confirm_shipment(order_id, confirmation.body)
    except Throttled:
        # Still "confirming": the next run sends it again, as after any pause.
        raise PacingPause("confirmShipment", runtime.clock.now() + 60.0) from None
    except ApiError as error:
        now = runtime.clock.now()
        shipments.mark_failed(
            runtime.db, order_id, f"Amazon refused the confirmation: {error}", now
        )
        result.fail(
            f"order {order_id}: Amazon refused the shipment confirmation: {error}; "
            f"tried again after {iso(now + RETRY_AFTER)}"
        )
        return

    shipments.mark_confirmed(runtime.db, order_id, runtime.clock.now())
    result.counts["confirmed"] += 1
    p = confirmation.package
    log.info(
        "order %s: shipment confirmed on Amazon (%s %s)%s",
        order_id,
        p.carrier_code,
        p.tracking_number,
        ", sent again after an interrupted pass" if confirmation.resend else "",
    )
