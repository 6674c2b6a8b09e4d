"""What Amazon should show per SKU and marketplace, and how to tell it: pure.

No I/O here: the plan is a function of Cubyn's answer, the state rows, the pending
demand, the settings and the time, so that every rule can be tested on plain data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cubyn_amz.settings.model import StockSettings
from cubyn_amz.state.stock import StockRow

# A SKU Amazon refused is tried again once an hour, or as soon as its quantity moves.
RETRY_FAILED_AFTER = 3600.0
# The mass-zero guard: more than this many SKUs, and more than this share of the
# SKUs Amazon holds a quantity for, dropping to zero at once looks like an outage.
GUARD_MIN_SKUS = 10
GUARD_SHARE = 0.5


@dataclass(frozen=True)
class Change:
    sku: str
    marketplace_id: str
    quantity: int
    previous: int | None  # what Amazon last accepted; None: never pushed


@dataclass(frozen=True)
class Submission:
    """The changes of one marketplace, and the cheapest safe way to send them."""

    marketplace_id: str
    method: str  # "patch": one patchListingsItem each; "feed": JSON_LISTINGS_FEED
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Guard:
    """The plan would drop ``zeroed`` of ``known`` SKUs to zero at once."""

    zeroed: int
    known: int


@dataclass(frozen=True)
class StockPlan:
    catalogue: Mapping[str, int]  # SKU -> available, as Cubyn's catalogue now stands
    unlisted: frozenset[str]  # SKUs a full read no longer lists: counted as 0
    submissions: tuple[Submission, ...]
    unchanged: int
    waiting: int  # on their way in a feed Amazon has not processed yet
    held: int  # unknown or refused SKUs, not pushed again for now
    guard: Guard | None

    @property
    def changes(self) -> int:
        return sum(len(s.changes) for s in self.submissions)


def quantity(available: int, buffer: int, pending: int) -> int:
    """What Amazon may offer: Cubyn's units less the buffer and the orders that
    Amazon counted already but Cubyn does not reserve yet."""
    return max(0, available - buffer - pending)


def plan_stock(
    rows: Mapping[tuple[str, str], StockRow],
    stored: Mapping[str, int],
    snapshot: Mapping[str, int],
    *,
    full: bool,
    pending_demand: Mapping[str, int],
    marketplace_ids: Sequence[str],
    settings: StockSettings,
    now: float,
) -> StockPlan:
    """Plan a pass from the state (``rows``, the ``stored`` catalogue) and Cubyn's
    ``snapshot`` (the whole catalogue when ``full``, else only what changed)."""
    unlisted = frozenset(stored) - frozenset(snapshot) if full else frozenset()
    catalogue = {**stored, **snapshot}
    for sku in unlisted:
        catalogue[sku] = 0

    by_marketplace: dict[str, list[Change]] = {m: [] for m in marketplace_ids}
    unchanged = waiting = held = 0
    known: set[str] = set()
    zeroed: set[str] = set()
    for sku in sorted(catalogue):
        wanted = quantity(catalogue[sku], settings.buffer, pending_demand.get(sku, 0))
        for marketplace_id in marketplace_ids:
            row = rows.get((sku, marketplace_id))
            if row is not None and row.accepted is not None:
                known.add(sku)
                if row.accepted > 0 and wanted == 0:
                    zeroed.add(sku)
            verdict = _verdict(row, wanted, now)
            if verdict == "push":
                previous = row.accepted if row is not None else None
                by_marketplace[marketplace_id].append(
                    Change(sku, marketplace_id, wanted, previous)
                )
            elif verdict == "waiting":
                waiting += 1
            elif verdict == "held":
                held += 1
            else:
                unchanged += 1

    submissions = tuple(
        Submission(
            marketplace_id,
            "patch" if len(changes) < settings.feed_threshold else "feed",
            tuple(changes),
        )
        for marketplace_id, changes in by_marketplace.items()
        if changes
    )
    guard = None
    if len(zeroed) > GUARD_MIN_SKUS and len(zeroed) > GUARD_SHARE * len(known):
        guard = Guard(len(zeroed), len(known))
    return StockPlan(
        catalogue=catalogue,
        unlisted=unlisted,
        submissions=submissions,
        unchanged=unchanged,
        waiting=waiting,
        held=held,
        guard=guard,
    )


def _verdict(row: StockRow | None, wanted: int, now: float) -> str:
    """push | waiting | held | unchanged, for one SKU in one marketplace."""
    if row is None:
        return "push"
    if row.in_feed:
        # Its report will say; a new quantity follows once the feed is settled.
        return "waiting"
    if row.state == "sending":
        # A patch cut short or a feed lost: Amazon may show either figure.
        return "push"
    if row.state == "unknown_sku":
        return "push" if wanted != row.planned else "held"
    if row.state == "failed":
        retry_due = (row.attempted_at or 0.0) + RETRY_FAILED_AFTER <= now
        return "push" if wanted != row.planned or retry_due else "held"
    return "unchanged" if wanted == row.accepted else "push"
