"""The Cubyn warehouse: parcels moving through their stages, and stock moving.

A parcel goes CREATED → PICKED → PACKED → SHIPPED → CARRIER_IN_TRANSIT →
CARRIER_DELIVERED, one stage per ``step()``, or on its own every
``stage_seconds`` of sandbox time (with some seeded spread) as the clock moves.
A parcel is only picked when the shelf holds its units, so a parcel for an
out-of-stock SKU waits in CREATED until a receipt arrives.

Stock follows the parcels: creating one reserves its units, shipping takes them
off the shelf (onHand and reserved both fall), cancelling releases them, and
inbound receipts and returns raise onHand. Each change stamps the product's
updatedAt, which is what ``filters[updatedAfter]`` reads.

At SHIPPED a parcel gets a shipment: a carrier fitting its delivery mode (now
and then one Cubyn's carrier table does not know), a tracking number in that
carrier's format, and the ship time. A small seeded share has no tracking number.
"""

from __future__ import annotations

import heapq
import random
import string
import threading
from collections.abc import Iterable

from cubyn_amz.clock import Clock, iso

from .cubyn import CubynState, Parcel

STAGES = (
    "CREATED",
    "PICKED",
    "PACKED",
    "SHIPPED",
    "CARRIER_IN_TRANSIT",
    "CARRIER_DELIVERED",
)
NEXT = dict(zip(STAGES, STAGES[1:]))
SHIPPED = frozenset(STAGES[3:])

_CARRIERS = {
    "STANDARD": [
        ("COLISSIMO", 45),
        ("COLIS_PRIVE", 15),
        ("DPD", 12),
        ("GLS", 12),
        ("UPS", 6),
        ("CHRONOPOST", 6),
        ("MONDIAL_RELAY", 4),
    ],
    "EXPRESS": [("CHRONOPOST", 60), ("UPS", 25), ("DPD", 15)],
    "RELAY": [("MONDIAL_RELAY", 75), ("CHRONOPOST", 25)],
}
UNKNOWN_CARRIER = "FEDEX_FR"


def tracking_number(rng: random.Random, carrier: str) -> str:
    digits = string.digits
    if carrier == "COLISSIMO":
        return "6A" + "".join(rng.choices(digits, k=11))
    if carrier == "CHRONOPOST":
        return "XW" + "".join(rng.choices(digits, k=9)) + "FR"
    if carrier == "UPS":
        return "1Z" + "".join(rng.choices(string.ascii_uppercase + digits, k=16))
    if carrier == "MONDIAL_RELAY":
        return "".join(rng.choices(digits, k=8))
    if carrier == "GLS":
        return "".join(rng.choices(digits, k=11))
    length = {"DPD": 14, "COLIS_PRIVE": 13}.get(carrier, 12)
    return "".join(rng.choices(digits, k=length))


class Warehouse:
    """Public methods take the sandbox lock."""

    def __init__(
        self,
        cubyn: CubynState,
        clock: Clock,
        lock: threading.RLock,
        seed: int,
        stage_seconds: float | None = 1800.0,
    ) -> None:
        self.cubyn = cubyn
        self.clock = clock
        self.seed = seed
        self.stage_seconds = stage_seconds  # None: parcels move only on step()
        self.untracked_share = 0.04
        self.unknown_carrier_share = 0.03
        self._lock = lock
        self._due: list[tuple[float, int, str]] = []  # (when, parcel id, status then)

    def now(self) -> int:
        return int(self.clock.now())

    def _rng(self, parcel: Parcel, purpose: str) -> random.Random:
        # Per parcel, so results do not depend on the order parcels are moved in.
        return random.Random(f"{self.seed}:{parcel.id}:{purpose}")

    def _schedule(self, parcel: Parcel, start: float) -> None:
        if self.stage_seconds is None or parcel.status not in NEXT:
            return
        spread = self._rng(parcel, parcel.status).uniform(0.5, 1.5)
        heapq.heappush(
            self._due, (start + self.stage_seconds * spread, parcel.id, parcel.status)
        )

    # -- stock -----------------------------------------------------------------------

    def _touch(self, sku: str, when: int) -> None:
        self.cubyn.products[sku].updated = when

    def accept(self, parcel: Parcel) -> None:
        """A new parcel reserves its units."""
        with self._lock:
            for sku, quantity in parcel.items:
                self.cubyn.products[sku].reserved += quantity
                self._touch(sku, parcel.created)
            self._schedule(parcel, parcel.created)

    def cancel(self, parcel: Parcel) -> None:
        with self._lock:
            now = self.now()
            for sku, quantity in parcel.items:
                product = self.cubyn.products[sku]
                product.reserved = max(0, product.reserved - quantity)
                self._touch(sku, now)
            parcel.status = "CANCELLED"
            parcel.updated = now

    def receive(self, sku: str, quantity: int) -> None:
        """An inbound receipt: ``quantity`` more units on the shelf."""
        with self._lock:
            if sku not in self.cubyn.products:
                raise KeyError(f"Cubyn does not know SKU {sku!r}")
            if quantity < 1:
                raise ValueError("a receipt brings at least one unit")
            self.cubyn.products[sku].on_hand += quantity
            self._touch(sku, self.now())

    def return_parcel(self, parcel_id: int) -> Parcel:
        """The buyer sent the parcel back: it is RETURNED and its units restocked."""
        with self._lock:
            parcel = self.cubyn.parcels[parcel_id]
            if parcel.status not in SHIPPED:
                raise ValueError(f"parcel {parcel_id} is {parcel.status}, not shipped")
            now = self.now()
            for sku, quantity in parcel.items:
                self.cubyn.products[sku].on_hand += quantity
                self._touch(sku, now)
            parcel.status = "RETURNED"
            parcel.updated = now
            return parcel

    # -- progression -------------------------------------------------------------------

    def step(self, parcel_ids: Iterable[int] | None = None) -> int:
        """Move each moving parcel (or each named) one stage now; how many moved."""
        with self._lock:
            now = self.now()
            moved = 0
            parcels = self.cubyn.parcels
            chosen = (
                list(parcels.values())
                if parcel_ids is None
                else [parcels[i] for i in parcel_ids]
            )
            for parcel in chosen:
                if parcel.status in NEXT and self._advance(parcel, now):
                    moved += 1
            return moved

    def tick(self, now: int) -> None:
        """Move the parcels whose stage time has come; called before each request."""
        while self._due and self._due[0][0] <= now:
            when, parcel_id, status = heapq.heappop(self._due)
            parcel = self.cubyn.parcels.get(parcel_id)
            if parcel is None or parcel.status != status:
                continue  # moved by step() or cancelled since
            if not self._advance(parcel, int(when)):
                self._schedule(parcel, when)  # still waiting for stock

    def _advance(self, parcel: Parcel, when: int) -> bool:
        nxt = NEXT[parcel.status]
        if nxt == "PICKED":
            if not self._pick(parcel, when):
                return False
        elif nxt == "SHIPPED":
            self._ship(parcel, when)
        parcel.status = nxt
        parcel.updated = when
        self._schedule(parcel, when)
        return True

    def _pick(self, parcel: Parcel, when: int) -> bool:
        products = self.cubyn.products
        if any(products[s].on_hand - products[s].picked < q for s, q in parcel.items):
            return False
        for sku, quantity in parcel.items:
            products[sku].picked += quantity
        return True

    def _ship(self, parcel: Parcel, when: int) -> None:
        for sku, quantity in parcel.items:
            product = self.cubyn.products[sku]
            product.on_hand -= quantity
            product.reserved = max(0, product.reserved - quantity)
            product.picked = max(0, product.picked - quantity)
            self._touch(sku, when)

        rng = self._rng(parcel, "shipment")
        choices = _CARRIERS.get(parcel.delivery_mode, _CARRIERS["STANDARD"])
        carrier = rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
        if rng.random() < self.unknown_carrier_share:
            carrier = UNKNOWN_CARRIER
        tracking = (
            None
            if rng.random() < self.untracked_share
            else tracking_number(rng, carrier)
        )
        parcel.shipment = {
            "carrier": carrier,
            "trackingNumber": tracking,
            "shippedAt": iso(when),
        }
