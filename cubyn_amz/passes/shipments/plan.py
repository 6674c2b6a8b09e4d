"""What a push-shipments pass must do, decided from plain data only.

Inputs: the open orders and their shipments (the state), the parcels Cubyn reported
(the snapshot), the carrier table of the settings, and the time. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cubyn_amz.clock import iso, parse_iso
from cubyn_amz.cubyn.models import Parcel, ParcelShipment
from cubyn_amz.passes.shipments.body import (
    Package,
    confirmation_body,
    ship_date,
    shipping_method,
)
from cubyn_amz.passes.shipments.carriers import amazon_carrier
from cubyn_amz.state.shipments import OpenOrder, ShipmentRecord

# Amazon refused a confirmation: try again, but not more often than this.
# Known shortcoming: there is no last try; a refusal that never clears is tried
# hourly until the order is cancelled or a person confirms it by hand.
RETRY_AFTER = 3600.0
# The parcel list starts this long before the last pass began: Cubyn's clock and
# ours may differ, and a parcel may change while a pass reads the list.
LIST_OVERLAP = 600.0

_NO_SHIPMENT = ParcelShipment(carrier="", tracking_number="", shipped_at="")


@dataclass(frozen=True)
class Confirm:
    """One confirmShipment to send."""

    order_id: str
    package: Package
    body: dict[str, Any] = field(hash=False)
    # A confirmation left "confirming" by an earlier pass, sent again as recorded.
    resend: bool = False
    # Cubyn's carrier is in no carrier table: it goes as "Other" with its name.
    unmapped: bool = False

    def line(self) -> str:
        items = self.body["packageDetail"]["orderItems"]
        units = sum(item["quantity"] for item in items)
        p = self.package
        return (
            f"confirm order {self.order_id}: parcel {p.parcel_id} by {p.carrier_code}"
            f"{f' ({p.carrier_name})' if p.carrier_name != p.carrier_code else ''}"
            f", tracking {p.tracking_number}, shipped {p.ship_date}, "
            f"{units} unit{'s' if units != 1 else ''}"
        )


@dataclass(frozen=True)
class Flag:
    """A shipped parcel Amazon cannot be told about: a person must look."""

    order_id: str
    parcel_id: str
    reason: str


@dataclass(frozen=True)
class Withdraw:
    """A shipment that is not to be confirmed by this tool after all.

    "cancelled": the order was cancelled on Amazon. "closed": Amazon shows it shipped
    by another way (a person confirmed it by hand) while this tool's confirmation
    was refused or waiting for a person.
    """

    order_id: str
    parcel_id: str
    reason: str
    state: str = "cancelled"


@dataclass(frozen=True)
class ParcelStatus:
    order_id: str
    status: str


@dataclass(frozen=True)
class ShipmentPlan:
    confirmations: tuple[Confirm, ...] = ()
    attention: tuple[Flag, ...] = ()
    withdrawn: tuple[Withdraw, ...] = ()
    parcel_statuses: tuple[ParcelStatus, ...] = ()
    # Cubyn carriers sent as "Other": each is worth one warning a pass.
    unmapped_carriers: tuple[str, ...] = ()
    waiting: int = 0  # imported orders whose parcel has not shipped yet
    retry_later: int = 0  # refused confirmations not due again yet


def says_shipped(status: str) -> bool:
    """Whether a Cubyn parcel status means the parcel has left the warehouse.

    The rule lives in the Cubyn model (``Parcel.shipped``); asked here of a parcel
    with an empty shipment, so that a status alone can be judged.
    """
    return Parcel(id="-", order_ref="", status=status, shipment=_NO_SHIPMENT).shipped


def watches_list(order: OpenOrder) -> bool:
    """Whether a change to this order's parcel would give the pass work."""
    if order.cancelled or not order.parcel_id:
        return False
    return order.shipment is None or order.shipment.state in ("failed", "attention")


def list_since(orders: Sequence[OpenOrder], cursor: str | None) -> str | None:
    """Where the list of changed parcels starts; None when no order needs it.

    The first pass of a connection starts from the oldest order still waiting.
    """
    watching = [o for o in orders if watches_list(o)]
    if not watching:
        return None
    start = parse_iso(cursor) if cursor else min(o.created_at for o in watching)
    return iso(start - LIST_OVERLAP)


def parcels_to_read(
    orders: Sequence[OpenOrder], listed: Mapping[str, Parcel]
) -> list[str]:
    """The parcels worth a single read: the few the list cannot settle.

    A listed parcel that says it shipped but carries no tracking number (a list may
    summarise), and a parcel recorded as shipped (by another pass) that the list did
    not name since, so would never name again.
    """
    wanted = []
    for order in orders:
        if not watches_list(order):
            continue
        parcel = listed.get(order.parcel_id)
        if parcel is not None:
            incomplete = parcel.shipment is None or not parcel.shipment.tracking_number
            if says_shipped(parcel.status) and incomplete:
                wanted.append(order.parcel_id)
        elif order.shipment is None and says_shipped(order.parcel_status):
            wanted.append(order.parcel_id)
    return wanted


def plan_shipments(
    orders: Sequence[OpenOrder],
    parcels: Mapping[str, Parcel],
    carriers: Mapping[str, str],
    now: float,
) -> ShipmentPlan:
    """Decide, for each open order, to confirm, flag, withdraw, or wait."""
    confirmations: list[Confirm] = []
    attention: list[Flag] = []
    withdrawn: list[Withdraw] = []
    statuses: list[ParcelStatus] = []
    unmapped: dict[str, None] = {}
    waiting = retry_later = 0

    for order in orders:
        parcel = parcels.get(order.parcel_id) if order.parcel_id else None
        if parcel is not None and parcel.status != order.parcel_status:
            statuses.append(ParcelStatus(order.order_id, parcel.status))
        shipment = order.shipment
        shipped = parcel is not None and says_shipped(parcel.status)

        if order.cancelled:
            if shipment is not None or shipped:
                withdrawn.append(_withdraw(order, shipped))
            continue

        # Amazon shows it shipped by another way: a refusal need not be tried again.
        given_up = ("failed", "attention")
        if order.state == "closed" and shipment and shipment.state in given_up:
            withdrawn.append(_closed(order, shipment))
            continue

        if shipment is not None and shipment.state == "confirming" and shipment.body:
            confirmations.append(_resend(order, shipment))
            continue

        if shipment is not None and shipment.state == "failed":
            due = shipment.last_attempt_at is None or (
                now - shipment.last_attempt_at >= RETRY_AFTER
            )
            if not due:
                retry_later += 1
                continue
            if not shipped:
                # Nothing newer from Cubyn: the facts recorded, with today's carriers.
                decision = _decide(order, _from_record(shipment), carriers, now)
                _add(decision, confirmations, attention, unmapped, order)
                continue

        if parcel is None or not shipped:
            if order.state == "imported" and shipment is None:
                waiting += 1
            continue

        decision = _decide(order, _from_parcel(parcel), carriers, now)
        _add(decision, confirmations, attention, unmapped, order)

    return ShipmentPlan(
        confirmations=tuple(confirmations),
        attention=tuple(attention),
        withdrawn=tuple(withdrawn),
        parcel_statuses=tuple(statuses),
        unmapped_carriers=tuple(unmapped),
        waiting=waiting,
        retry_later=retry_later,
    )


@dataclass(frozen=True)
class _Shipped:
    """The facts of a shipped parcel, from Cubyn or from the shipments table."""

    parcel_id: str
    carrier: str
    tracking_number: str
    shipped_at: str
    updated_at: str
    delivery_mode: str = ""
    shipping_method: str = ""


def _from_parcel(parcel: Parcel) -> _Shipped:
    shipment = parcel.shipment or _NO_SHIPMENT
    return _Shipped(
        parcel_id=parcel.id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        shipped_at=shipment.shipped_at,
        updated_at=parcel.updated_at,
        delivery_mode=parcel.delivery_mode,
    )


def _from_record(record: ShipmentRecord) -> _Shipped:
    return _Shipped(
        parcel_id=record.parcel_id,
        carrier=record.carrier or record.carrier_name,
        tracking_number=record.tracking_number,
        shipped_at=record.ship_date,
        updated_at="",
        shipping_method=record.shipping_method,
    )


def _decide(
    order: OpenOrder, facts: _Shipped, carriers: Mapping[str, str], now: float
) -> Confirm | Flag:
    problem = _missing(order, facts)
    if problem:
        return Flag(order.order_id, facts.parcel_id, problem)

    carrier = amazon_carrier(facts.carrier, carriers)
    package = Package(
        parcel_id=facts.parcel_id,
        carrier=facts.carrier,
        carrier_code=carrier.code,
        carrier_name=carrier.name,
        shipping_method=facts.shipping_method or shipping_method(facts.delivery_mode),
        tracking_number=facts.tracking_number,
        ship_date=ship_date(facts.shipped_at, facts.updated_at, now),
    )
    items = [item for item in order.items if item.quantity > 0]
    body = confirmation_body(order.marketplace_id, package, items)
    return Confirm(order.order_id, package, body, unmapped=not carrier.mapped)


def _missing(order: OpenOrder, facts: _Shipped) -> str:
    """Why Amazon cannot be told of this shipment, or "" when it can."""
    if not facts.tracking_number.strip():
        return (
            f"parcel {facts.parcel_id} shipped "
            f"{f'by {facts.carrier} ' if facts.carrier else ''}without a tracking "
            "number: not confirmed on Amazon; ask Cubyn for it, then confirm the "
            "shipment in Seller Central"
        )
    if not facts.carrier.strip():
        return (
            f"parcel {facts.parcel_id} shipped without a carrier name: not confirmed "
            "on Amazon; confirm the shipment in Seller Central"
        )
    if not any(item.quantity > 0 for item in order.items):
        return (
            f"parcel {facts.parcel_id} shipped, but no order item is recorded for "
            "it: confirm the shipment in Seller Central"
        )
    return ""


def _add(
    decision: Confirm | Flag,
    confirmations: list[Confirm],
    attention: list[Flag],
    unmapped: dict[str, None],
    order: OpenOrder,
) -> None:
    if isinstance(decision, Confirm):
        confirmations.append(decision)
        if decision.unmapped:
            unmapped[decision.package.carrier] = None
        return
    # A person was told already when the same reason is on record.
    known = order.shipment
    if known is None or known.state != "attention" or known.message != decision.reason:
        attention.append(decision)


def _resend(order: OpenOrder, shipment: ShipmentRecord) -> Confirm:
    package = Package(
        parcel_id=shipment.parcel_id,
        carrier=shipment.carrier,
        carrier_code=shipment.carrier_code,
        carrier_name=shipment.carrier_name,
        shipping_method=shipment.shipping_method,
        tracking_number=shipment.tracking_number,
        ship_date=shipment.ship_date,
    )
    return Confirm(order.order_id, package, dict(shipment.body or {}), resend=True)


def _closed(order: OpenOrder, shipment: ShipmentRecord) -> Withdraw:
    return Withdraw(
        order.order_id,
        shipment.parcel_id,
        "Amazon shows the order shipped by another way: this tool's confirmation "
        f"of parcel {shipment.parcel_id} is given up",
        state="closed",
    )


def _withdraw(order: OpenOrder, shipped: bool) -> Withdraw:
    parcel_id = order.parcel_id or (order.shipment.parcel_id if order.shipment else "")
    if shipped:
        reason = (
            f"cancelled on Amazon, but Cubyn shipped parcel {parcel_id}: the shipment "
            "is not confirmed"
        )
    else:
        reason = f"cancelled on Amazon: the shipment of parcel {parcel_id} is withdrawn"
    return Withdraw(order.order_id, parcel_id, reason)
