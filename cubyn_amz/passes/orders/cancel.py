"""Cancelling an order's parcel in Cubyn, by the pass or by hand (``cancel-order``).

Cubyn cancels only a parcel in status CREATED; once the warehouse has started on
it, Cubyn answers 409 and the parcel must be intercepted by a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cubyn_amz.cubyn.client import CubynClient
from cubyn_amz.errors import ApiError, Conflict, CubynAmzError, NotFound, UsageError
from cubyn_amz.runtime import Runtime
from cubyn_amz.state import orders as orders_db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cancelled:
    """What came of a cancellation: ``cancelled``, ``started`` or ``missing``."""

    outcome: str
    parcel_status: str | None


def cancel_parcel(cubyn: CubynClient, parcel_id: str) -> Cancelled:
    """Ask Cubyn to cancel a parcel. Other refusals than 409 and 404 are raised."""
    try:
        parcel = cubyn.cancel_parcel(parcel_id)
    except NotFound:
        return Cancelled("missing", None)
    except Conflict:
        # Also the answer when an earlier cancel went through and its answer was
        # lost: look before calling for a person.
        try:
            current = cubyn.get_parcel(parcel_id)
        except ApiError:
            return Cancelled("started", None)
        if current.cancelled:
            return Cancelled("cancelled", current.status)
        return Cancelled("started", current.status)
    return Cancelled("cancelled", parcel.status)


def started_attention(parcel_id: str, status: str | None) -> str:
    where = f" ({status})" if status else ""
    return (
        f"cancelled on Amazon, but the warehouse has started on Cubyn parcel "
        f"{parcel_id}{where}: have Cubyn intercept it"
    )


def missing_attention(parcel_id: str) -> str:
    return (
        f"cancelled on Amazon, but Cubyn has no parcel {parcel_id}: check in the "
        "Cubyn app that nothing ships"
    )


def cancel_by_hand(runtime: Runtime, order_id: str) -> str:
    """Cancel the parcel of one imported order; the line to show when it worked.

    Raises an error that says why when the order has no parcel to cancel or the
    warehouse has started on it.
    """
    db = runtime.db
    row = orders_db.get(db, order_id)
    if row is None:
        raise UsageError(
            f"order {order_id} is not known to this connection",
            "check the Amazon order id; import-orders lists what it imports with -v",
        )
    if row.state == "cancelled" and row.parcel_status == "CANCELLED":
        return f"order {order_id}: Cubyn parcel {row.parcel_id} is already cancelled"
    if row.state == "creating":
        raise UsageError(
            f"order {order_id} is being created in Cubyn and its parcel is not "
            "known yet",
            "run import-orders first, then cancel it again",
        )
    if not row.parcel_id:
        raise UsageError(
            f"order {order_id} has no Cubyn parcel (it is {row.state})",
            "there is nothing to cancel in Cubyn",
        )

    parcel = runtime.cubyn.get_parcel(row.parcel_id)
    if parcel.cancelled:
        result = Cancelled("cancelled", parcel.status)
    elif parcel.status != "CREATED":
        result = Cancelled("started", parcel.status)
    else:
        result = cancel_parcel(runtime.cubyn, row.parcel_id)

    now = runtime.clock.now()
    if result.outcome == "missing":
        raise CubynAmzError(
            f"Cubyn has no parcel {row.parcel_id} for order {order_id}",
            "check the order in the Cubyn app",
        )
    if result.outcome == "started":
        orders_db.mark_parcel_status(db, order_id, result.parcel_status or "", now)
        raise CubynAmzError(
            f"Cubyn parcel {row.parcel_id} of order {order_id} is "
            f"{result.parcel_status or 'started'}: only a CREATED parcel can be "
            "cancelled",
            "ask Cubyn to intercept it",
        )
    orders_db.mark_cancelled(db, order_id, now, parcel_status=result.parcel_status)
    log.info("order %s: Cubyn parcel %s cancelled by hand", order_id, row.parcel_id)
    line = f"order {order_id}: Cubyn parcel {row.parcel_id} cancelled"
    if row.amazon_status != "CANCELLED":
        line += (
            "; the order is still open on Amazon: cancel it in Seller Central if it "
            "is not to be shipped"
        )
    return line
