"""Cubyn's parcels and products, as the rest of the tool sees them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    """A delivery address already fitted to Cubyn's limits."""

    first_name: str
    last_name: str
    company: str
    line1: str
    additional: str
    zip: str
    city: str
    country: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class ParcelItem:
    sku: str
    quantity: int


@dataclass(frozen=True)
class NewParcel:
    order_ref: str
    recipient: Recipient
    delivery_mode: str
    items: tuple[ParcelItem, ...]


@dataclass(frozen=True)
class ParcelShipment:
    carrier: str
    tracking_number: str
    shipped_at: str


@dataclass(frozen=True)
class Parcel:
    id: str
    order_ref: str
    status: str
    delivery_mode: str = ""
    items: tuple[ParcelItem, ...] = ()
    updated_at: str = ""
    shipment: ParcelShipment | None = None

    @property
    def shipped(self) -> bool:
        return self.shipment is not None and (
            self.status == "SHIPPED" or self.status.startswith("CARRIER_")
        )

    @property
    def started(self) -> bool:
        """The warehouse has begun on it: it can no longer be cancelled."""
        return self.status not in ("CREATED", "CANCELLED")

    @property
    def cancelled(self) -> bool:
        return self.status == "CANCELLED"


@dataclass(frozen=True)
class Product:
    sku: str
    available: int
    on_hand: int = 0
    reserved: int = 0
    name: str = ""
    updated_at: str = ""
    # Why the stock figures cannot be used (not whole numbers, more available than
    # on hand), or "" when they can.
    problem: str = ""
