"""What each order needs, decided from the state and Amazon's answer alone.

Pure functions: no I/O and no clock of their own. Each returns a tuple of steps,
plain frozen data that ``apply`` carries out in order and that a dry run prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from cubyn_amz.cubyn.models import NewParcel, Parcel, ParcelItem
from cubyn_amz.passes.orders.address import fit_recipient, latin
from cubyn_amz.passes.orders.model import AmazonOrder
from cubyn_amz.settings.model import Settings
from cubyn_amz.state.orders import RETRY_EVERY, OrderItem, OrderRow, Sighting

# Summary labels.
IMPORTED = "imported"
NOT_OFFERED = "skipped: not offered by Cubyn"
PENDING = "skipped: pending"
BY_AMAZON = "skipped: fulfilled by Amazon"
NO_ADDRESS = "skipped: no address"
NOTHING_TO_SHIP = "skipped: nothing to ship"
OTHER_STATUS = "skipped: other status"
CANCELLED = "cancelled"
REJECTED = "rejected"
UNREADABLE = "skipped: unreadable"

BUYER_REQUEST = "the buyer asked to cancel"
ITEMS_CANCELLED = "items cancelled on Amazon after import"


@dataclass(frozen=True)
class Record:
    """Write the order as Amazon shows it, in ``state``; nothing remote."""

    sighting: Sighting
    state: str
    reason: str | None = None
    # Set when this is news: the summary count, and a line for the log.
    label: str | None = None
    message: str = ""
    warn: bool = False
    request: NewParcel | None = None
    # An order that should have been importable: the pass counts it as failed.
    failed: bool = False

    def describe(self) -> str:
        if self.label is None:
            return ""
        return f"skip order {self.sighting.order_id}: {self.reason}"


@dataclass(frozen=True)
class Import:
    """Create the order's parcel in Cubyn."""

    order_id: str
    parcel: NewParcel
    items: tuple[OrderItem, ...]
    sighting: Sighting | None = None
    # What fitting the address to Cubyn's limits had to cut.
    notes: tuple[str, ...] = ()
    retry: bool = False

    def describe(self) -> str:
        units = sum(item.quantity for item in self.items)
        what = "retry rejected order" if self.retry else "import order"
        return (
            f"{what} {self.order_id} ({units} unit{'s' if units != 1 else ''}, "
            f"{self.parcel.delivery_mode})"
        )


@dataclass(frozen=True)
class Adopt:
    """Record a parcel Cubyn created although its answer never reached us."""

    order_id: str
    parcel: Parcel
    others: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"adopt Cubyn parcel {self.parcel.id} for order {self.order_id}"


@dataclass(frozen=True)
class Cancel:
    order_id: str
    parcel_id: str

    def describe(self) -> str:
        return f"cancel parcel {self.parcel_id} of order {self.order_id}"


@dataclass(frozen=True)
class Attend:
    """Set (or, with None, clear) why a person must look at the order."""

    order_id: str
    why: str | None

    def describe(self) -> str:
        if self.why is None:
            return ""
        return f"flag order {self.order_id}: {self.why}"


@dataclass(frozen=True)
class Drop:
    """An order left "creating" that Cubyn never got and Amazon has cancelled."""

    order_id: str

    def describe(self) -> str:
        return f"forget order {self.order_id}: cancelled before Cubyn had it"


Step = Union[Record, Import, Adopt, Cancel, Attend, Drop]


def plan_order(
    order: AmazonOrder, row: OrderRow | None, settings: Settings, now: float
) -> tuple[Step, ...]:
    """The steps one order of searchOrders needs, given what the state holds of it."""
    if (
        row is not None
        and row.amazon_updated_at is not None
        and order.updated_at is not None
        and order.updated_at < row.amazon_updated_at
    ):
        return ()  # older news than what was recorded
    if row is None or row.state == "skipped":
        return _plan_new(order, row, settings)
    if row.state == "rejected":
        return _plan_rejected(order, row, settings, now)
    if row.state == "imported":
        return _plan_imported(order, row, settings)
    if row.state == "creating":
        # Settled at the start of the next pass; a cancellation follows from there.
        return (Record(sighting(order, settings, row.items), "creating", row.reason),)
    return ()  # cancelled or closed: nothing more to do


def _plan_new(
    order: AmazonOrder, row: OrderRow | None, settings: Settings
) -> tuple[Step, ...]:
    def skip(
        reason: str, label: str, warn: bool = True, failed: bool = False
    ) -> tuple[Step, ...]:
        # Items that cannot be read add nothing to the stock's pending demand.
        items = () if failed else importable_items(order)
        seen = sighting(order, settings, items)
        if row is not None and row.reason == reason:
            return (Record(seen, "skipped", reason),)  # shown once already
        message = f"order {order.order_id}: skipped, {reason}"
        return (Record(seen, "skipped", reason, label, message, warn, failed=failed),)

    if order.status == "CANCELLED" or order.status == "SHIPPED":
        if row is None:
            return ()  # never ours, and nothing to do
        state = "cancelled" if order.status == "CANCELLED" else "closed"
        return (Record(sighting(order, settings, row.items), state, row.reason),)
    if order.fulfilled_by != "MERCHANT":
        return skip("fulfilled by Amazon", BY_AMAZON, warn=False)
    if order.pending:
        # Not a problem: imported once Amazon releases it (UNSHIPPED).
        return skip("pending on Amazon, no address yet", PENDING, warn=False)
    if not order.open:
        return skip(f"Amazon status {order.status}", OTHER_STATUS)
    mode = settings.delivery_mode(order.service_level) if order.service_level else None
    if mode is None:
        level = order.service_level or "(none given)"
        return skip(f"service level {level} not offered by Cubyn", NOT_OFFERED)
    if order.unreadable is not None:
        reason = f"Amazon's items cannot be read ({order.unreadable})"
        return skip(reason, UNREADABLE, failed=True)
    items = importable_items(order)
    if not items:
        return skip("nothing left to ship", NOTHING_TO_SHIP)
    if order.address is None:
        return skip("Amazon gave no delivery address", NO_ADDRESS)

    parcel, notes = build_parcel(order, mode, items)
    steps: list[Step] = [
        Import(order.order_id, parcel, items, sighting(order, settings, items), notes)
    ]
    request = order.cancel_request()
    if request is not None:
        why = buyer_request(request)
        if row is None or row.attention != why:
            steps.append(Attend(order.order_id, why))
    return tuple(steps)


def _plan_rejected(
    order: AmazonOrder, row: OrderRow, settings: Settings, now: float
) -> tuple[Step, ...]:
    if order.status in ("CANCELLED", "SHIPPED"):
        state = "cancelled" if order.status == "CANCELLED" else "closed"
        seen = sighting(order, settings, row.items)
        message = f"order {order.order_id}: {state} on Amazon; no longer retried"
        return (Record(seen, state, row.reason, message=message),)

    steps = _plan_new(order, row, settings)
    if not steps or not isinstance(steps[0], Import):
        return steps  # no longer something to import (its service level, say)
    if retry_due(row, now):
        first = steps[0]
        return (
            Import(
                first.order_id,
                first.parcel,
                first.items,
                first.sighting,
                first.notes,
                retry=True,
            ),
            *steps[1:],
        )
    # Not yet: keep what Amazon says now for the hourly retry.
    first = steps[0]
    assert first.sighting is not None
    return (
        Record(first.sighting, "rejected", row.reason, request=first.parcel),
        *steps[1:],
    )


def _plan_imported(
    order: AmazonOrder, row: OrderRow, settings: Settings
) -> tuple[Step, ...]:
    seen = sighting(order, settings, row.items)
    if order.status == "CANCELLED":
        # The status is written first: a pass cut short finds the cancellation again.
        return (Record(seen, "imported"), Cancel(order.order_id, row.parcel_id or ""))
    if order.status == "SHIPPED":
        steps: list[Step] = [Record(seen, "closed")]
        if _ours(row.attention):
            steps.append(Attend(order.order_id, None))
        return tuple(steps)

    steps = [Record(seen, "imported")]
    sent = {item.order_item_id for item in row.items}
    gone = sorted(
        item.sku or item.order_item_id
        for item in order.items
        if item.cancelled and item.order_item_id in sent
    )
    request = order.cancel_request()
    why: str | None = None
    if gone:
        why = (
            f"{ITEMS_CANCELLED} ({', '.join(gone)}): take them out of Cubyn parcel "
            f"{row.parcel_id} by hand"
        )
    elif request is not None:
        why = buyer_request(request)
    if why != row.attention and (why is not None or _ours(row.attention)):
        steps.append(Attend(order.order_id, why))
    return tuple(steps)


def plan_settle(row: OrderRow, parcels: Sequence[Parcel]) -> tuple[Step, ...]:
    """An order left "creating", and the parcels Cubyn holds under its orderRef.

    Adopt the newest parcel that is not cancelled; post again only when there is
    none. Several parcels mean a duplicate was created: a person must cancel it.
    """
    alive = [p for p in parcels if not p.cancelled]  # Cubyn lists newest first
    if alive:
        return (Adopt(row.order_id, alive[0], tuple(p.id for p in alive[1:])),)
    if row.amazon_status == "CANCELLED":
        return (Drop(row.order_id),)
    if row.request is None:
        # Not through this tool, which writes the request with the intent; but an
        # order left so would be looked up on every pass without anyone knowing.
        return (
            Attend(
                row.order_id,
                "its parcel creation has no answer and no record of what was sent: "
                "check Cubyn for it, then import it by hand",
            ),
        )
    return (Import(row.order_id, row.request, row.items),)


def plan_retry(row: OrderRow) -> tuple[Step, ...]:
    """A rejected order due for its hourly retry, with the request last recorded."""
    if row.request is None:
        return ()
    return (Import(row.order_id, row.request, row.items, retry=True),)


def retry_due(row: OrderRow, now: float) -> bool:
    if row.ship_by is not None and row.ship_by <= now:
        return False
    return row.last_attempt_at is None or row.last_attempt_at <= now - RETRY_EVERY


def importable_items(order: AmazonOrder) -> tuple[OrderItem, ...]:
    """The items still to ship, with their unshipped quantity."""
    return tuple(
        OrderItem(item.order_item_id, item.sku, item.unshipped)
        for item in order.items
        if item.unshipped > 0 and not item.cancelled
    )


def build_parcel(
    order: AmazonOrder, delivery_mode: str, items: Sequence[OrderItem]
) -> tuple[NewParcel, tuple[str, ...]]:
    """The parcel to create for an order, and what its address fitting had to cut."""
    recipient, notes = fit_recipient(order.address or {})
    quantities: dict[str, int] = {}
    for item in items:
        # One line per SKU: Amazon may list the same SKU on two order items.
        quantities[item.sku] = quantities.get(item.sku, 0) + item.quantity
    parcel = NewParcel(
        order_ref=order.order_id,
        recipient=recipient,
        delivery_mode=delivery_mode,
        items=tuple(ParcelItem(sku, n) for sku, n in quantities.items()),
    )
    return parcel, notes


def sighting(
    order: AmazonOrder, settings: Settings, items: tuple[OrderItem, ...]
) -> Sighting:
    level = order.service_level
    return Sighting(
        order_id=order.order_id,
        marketplace_id=order.marketplace_id,
        amazon_status=order.status,
        service_level=level,
        delivery_mode=settings.delivery_mode(level) if level else None,
        items=items,
        ship_by=order.ship_by,
        amazon_updated_at=order.updated_at,
    )


def buyer_request(reason: str) -> str:
    # The buyer's own words go to cron mails: one Latin line, kept short.
    said = latin(reason)
    said = said if len(said) <= 40 else said[:37] + "..."
    return (
        f"{BUYER_REQUEST} ({said}): accept or decline it in Seller Central; an "
        "accepted cancellation is passed on to Cubyn while the parcel is CREATED"
    )


def _ours(attention: str | None) -> bool:
    """An attention this plan sets and clears by itself, as Amazon's data changes."""
    return attention is not None and attention.startswith(
        (BUYER_REQUEST, ITEMS_CANCELLED)
    )
