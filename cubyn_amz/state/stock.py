"""The SQL of the stock pass: Cubyn's catalogue, Amazon's quantities, the feeds.

``products`` is Cubyn's catalogue as last read (a delta pass only updates what it
read). ``stock`` holds, per SKU and marketplace, the quantity last planned, the one
Amazon last accepted, and the one on its way. A row in state ``sending`` without a
feed is one whose fate is not known (a patch cut short, a feed lost or aborted): the
next plan pushes it again. ``feeds`` holds each JSON_LISTINGS_FEED with the SKU and
quantity of every message, written before createFeed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cubyn_amz.state.db import StateDB


@dataclass(frozen=True)
class StockRow:
    sku: str
    marketplace_id: str
    planned: int | None
    accepted: int | None
    sending: int | None
    feed: int | None
    state: str
    reported: bool = False
    attempted_at: float | None = None

    @property
    def in_feed(self) -> bool:
        """Its quantity is on its way in a feed that Amazon has not processed yet."""
        return self.state == "sending" and self.feed is not None


@dataclass(frozen=True)
class FeedRow:
    id: int
    feed_id: str | None
    document_id: str
    marketplace_id: str
    state: str
    # messageId -> (sku, quantity)
    messages: Mapping[int, tuple[str, int]]
    created_at: float = 0.0
    submitted_at: float | None = None


# -- the catalogue -----------------------------------------------------------------


def products(db: StateDB) -> dict[str, int]:
    """Every SKU Cubyn has listed, with the available units last read."""
    return {
        row["sku"]: row["available"]
        for row in db.all("SELECT sku, available FROM products")
    }


def save_catalogue(
    db: StateDB, available: Mapping[str, int], unlisted: Iterable[str], now: float
) -> None:
    """Store what a read found; SKUs a full read no longer lists count as 0."""
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, available, listed, updated_at)"
            " VALUES (?, ?, 1, ?) ON CONFLICT (sku) DO UPDATE SET"
            " available = excluded.available, listed = 1,"
            " updated_at = excluded.updated_at",
            [(sku, units, now) for sku, units in available.items()],
        )
        conn.executemany(
            "UPDATE products SET available = 0, listed = 0, updated_at = ?"
            " WHERE sku = ?",
            [(now, sku) for sku in unlisted],
        )


# -- quantities per SKU and marketplace ----------------------------------------------


def stock_rows(db: StateDB) -> dict[tuple[str, str], StockRow]:
    rows = db.all(
        "SELECT sku, marketplace_id, planned, accepted, sending, feed, state,"
        " reported, attempted_at FROM stock"
    )
    return {
        (row["sku"], row["marketplace_id"]): StockRow(
            sku=row["sku"],
            marketplace_id=row["marketplace_id"],
            planned=row["planned"],
            accepted=row["accepted"],
            sending=row["sending"],
            feed=row["feed"],
            state=row["state"],
            reported=bool(row["reported"]),
            attempted_at=row["attempted_at"],
        )
        for row in rows
    }


_UPSERT_SENDING = (
    "INSERT INTO stock (sku, marketplace_id, planned, sending, feed, state,"
    " attempted_at, updated_at) VALUES (?, ?, ?, ?, ?, 'sending', ?, ?)"
    " ON CONFLICT (sku, marketplace_id) DO UPDATE SET planned = excluded.planned,"
    " sending = excluded.sending, feed = excluded.feed, state = 'sending',"
    " attempted_at = excluded.attempted_at, updated_at = excluded.updated_at"
)


def mark_sending(
    db: StateDB, sku: str, marketplace_id: str, quantity: int, now: float
) -> None:
    """The intent of one patch, written before it leaves."""
    db.execute(
        _UPSERT_SENDING, (sku, marketplace_id, quantity, quantity, None, now, now)
    )


def record_accepted(
    db: StateDB, sku: str, marketplace_id: str, quantity: int, now: float
) -> None:
    db.execute(
        "UPDATE stock SET accepted = ?, sending = NULL, feed = NULL, state = 'ok',"
        " message = NULL, reported = 0, updated_at = ?"
        " WHERE sku = ? AND marketplace_id = ?",
        (quantity, now, sku, marketplace_id),
    )


def record_unknown(
    db: StateDB, sku: str, marketplace_id: str, message: str, now: float
) -> bool:
    """Amazon has no such listing. True when nobody has been told yet."""
    with db.transaction() as conn:
        row = conn.execute(
            "SELECT reported FROM stock WHERE sku = ? AND marketplace_id = ?",
            (sku, marketplace_id),
        ).fetchone()
        conn.execute(
            "UPDATE stock SET sending = NULL, feed = NULL, state = 'unknown_sku',"
            " message = ?, reported = 1, updated_at = ?"
            " WHERE sku = ? AND marketplace_id = ?",
            (message, now, sku, marketplace_id),
        )
    # The flag outlives the pushes in between: a SKU is reported once, until Amazon
    # accepts it.
    return row is None or not row["reported"]


def record_failed(
    db: StateDB, sku: str, marketplace_id: str, message: str, now: float
) -> None:
    db.execute(
        "UPDATE stock SET sending = NULL, feed = NULL, state = 'failed',"
        " message = ?, updated_at = ? WHERE sku = ? AND marketplace_id = ?",
        (message, now, sku, marketplace_id),
    )


# -- feeds ---------------------------------------------------------------------------


def open_feed(
    db: StateDB,
    document_id: str,
    marketplace_id: str,
    messages: Sequence[tuple[int, str, int]],
    now: float,
) -> int:
    """Record a feed about to be created, and each of its SKUs as on its way.

    Written before createFeed: a crash after it leaves a feed without an id, whose
    SKUs the next pass pushes again.
    """
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO feeds (document_id, marketplace_id, state, messages,"
            " created_at) VALUES (?, ?, 'submitting', ?, ?)",
            (document_id, marketplace_id, json.dumps(messages), now),
        )
        feed = int(cursor.lastrowid or 0)
        conn.executemany(
            _UPSERT_SENDING,
            [
                (sku, marketplace_id, quantity, quantity, feed, now, now)
                for _, sku, quantity in messages
            ],
        )
    return feed


def feed_submitted(db: StateDB, feed: int, feed_id: str, now: float) -> None:
    db.execute(
        "UPDATE feeds SET feed_id = ?, state = 'submitted', submitted_at = ?"
        " WHERE id = ?",
        (feed_id, now, feed),
    )


def feed_checked(db: StateDB, feed: int, processing_status: str, now: float) -> None:
    db.execute(
        "UPDATE feeds SET processing_status = ?, checked_at = ? WHERE id = ?",
        (processing_status, now, feed),
    )


def known_feed_ids(db: StateDB) -> set[str]:
    """Every feed id this connection has recorded, whatever became of the feed."""
    rows = db.all("SELECT feed_id FROM feeds WHERE feed_id IS NOT NULL")
    return {str(row["feed_id"]) for row in rows}


def open_feeds(db: StateDB) -> list[FeedRow]:
    """Feeds being created or processed, oldest first."""
    rows = db.all(
        "SELECT id, feed_id, document_id, marketplace_id, state, messages,"
        " created_at, submitted_at FROM feeds"
        " WHERE state IN ('submitting', 'submitted')"
        " ORDER BY id"
    )
    return [
        FeedRow(
            id=row["id"],
            feed_id=row["feed_id"],
            document_id=row["document_id"],
            marketplace_id=row["marketplace_id"],
            state=row["state"],
            messages={
                int(message_id): (str(sku), int(quantity))
                for message_id, sku, quantity in json.loads(row["messages"])
            },
            created_at=row["created_at"],
            submitted_at=row["submitted_at"],
        )
        for row in rows
    ]


def release_feed(
    db: StateDB, feed: int, state: str, message: str | None, now: float
) -> None:
    """A feed whose outcome is unknown or void: its SKUs are pushed again."""
    with db.transaction() as conn:
        conn.execute(
            "UPDATE feeds SET state = ?, message = ?, checked_at = ? WHERE id = ?",
            (state, message, now, feed),
        )
        conn.execute(
            "UPDATE stock SET feed = NULL, updated_at = ? WHERE feed = ?", (now, feed)
        )


def fail_feed(db: StateDB, feed: int, message: str, now: float) -> None:
    """Amazon refused the feed as a whole: its SKUs failed, tried again later."""
    with db.transaction() as conn:
        conn.execute(
            "UPDATE feeds SET state = 'failed', message = ?, checked_at = ?"
            " WHERE id = ?",
            (message, now, feed),
        )
        conn.execute(
            "UPDATE stock SET state = 'failed', message = ?, sending = NULL,"
            " feed = NULL, updated_at = ? WHERE feed = ?",
            (message, now, feed),
        )


def settle_feed(
    db: StateDB,
    feed: FeedRow,
    accepted: Iterable[tuple[str, int]],
    failed: Iterable[tuple[str, str]],
    unknown: Iterable[tuple[str, str]],
    now: float,
) -> list[str]:
    """Record a processing report; the SKUs found unknown for the first time."""
    # Each row by its primary key, and only while it still waits for this feed.
    where = "WHERE sku = ? AND marketplace_id = ? AND feed = ?"
    market = feed.marketplace_id
    with db.transaction() as conn:
        conn.executemany(
            "UPDATE stock SET accepted = ?, sending = NULL, feed = NULL, state = 'ok',"
            f" message = NULL, reported = 0, updated_at = ? {where}",
            [(quantity, now, sku, market, feed.id) for sku, quantity in accepted],
        )
        conn.executemany(
            "UPDATE stock SET sending = NULL, feed = NULL, state = 'failed',"
            f" message = ?, updated_at = ? {where}",
            [(message, now, sku, market, feed.id) for sku, message in failed],
        )
        unknown = list(unknown)
        first_time = [
            sku
            for sku, _ in unknown
            if conn.execute(
                f"SELECT 1 FROM stock {where} AND reported = 0", (sku, market, feed.id)
            ).fetchone()
        ]
        conn.executemany(
            "UPDATE stock SET sending = NULL, feed = NULL, state = 'unknown_sku',"
            f" message = ?, reported = 1, updated_at = ? {where}",
            [(message, now, sku, market, feed.id) for sku, message in unknown],
        )
        conn.execute(
            "UPDATE feeds SET state = 'done', processing_status = 'DONE',"
            " checked_at = ? WHERE id = ?",
            (now, feed.id),
        )
    return first_time
