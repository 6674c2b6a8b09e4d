"""Small records every pass shares: cached tokens, cursors and the log of passes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cubyn_amz.state.db import StateDB


def cached_token(db: StateDB, name: str, now: float) -> str | None:
    row = db.one("SELECT value, expires_at FROM tokens WHERE name = ?", (name,))
    if row is None or row["expires_at"] <= now:
        return None
    return str(row["value"])


def store_token(db: StateDB, name: str, value: str, expires_at: float) -> None:
    db.execute(
        "INSERT INTO tokens (name, value, expires_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
        " expires_at = excluded.expires_at",
        (name, value, expires_at),
    )


def forget_token(db: StateDB, name: str) -> None:
    db.execute("DELETE FROM tokens WHERE name = ?", (name,))


def read_cursor(db: StateDB, name: str) -> Any:
    row = db.one("SELECT value FROM cursors WHERE name = ?", (name,))
    return None if row is None else json.loads(row["value"])


def write_cursor(db: StateDB, name: str, value: Any, now: float) -> None:
    db.execute(
        "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at",
        (name, json.dumps(value), now),
    )


@dataclass
class PassRecord:
    id: int
    kind: str
    started_at: float
    ended_at: float | None
    outcome: str
    counts: dict[str, Any]
    message: str | None


def start_pass(db: StateDB, kind: str, now: float) -> int:
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO passes (kind, started_at) VALUES (?, ?)", (kind, now)
        )
        return int(cursor.lastrowid or 0)


def end_pass(
    db: StateDB,
    pass_id: int,
    now: float,
    outcome: str,
    counts: dict[str, Any],
    message: str | None = None,
) -> None:
    db.execute(
        "UPDATE passes SET ended_at = ?, outcome = ?, counts = ?, message = ?"
        " WHERE id = ?",
        (now, outcome, json.dumps(counts), message, pass_id),
    )


def last_passes(db: StateDB) -> list[PassRecord]:
    """The latest pass of each kind."""
    rows = db.all(
        "SELECT * FROM passes WHERE id IN (SELECT MAX(id) FROM passes GROUP BY kind)"
        " ORDER BY kind"
    )
    return [
        PassRecord(
            id=row["id"],
            kind=row["kind"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            outcome=row["outcome"],
            counts=json.loads(row["counts"]),
            message=row["message"],
        )
        for row in rows
    ]
