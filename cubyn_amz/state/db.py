"""The state database: the tool's memory of what it did, one SQLite file a connection.

Every change happens inside a transaction. A pass writes its intent before a remote
call and the outcome after it, so that a crash in between is found and settled by the
next run instead of being repeated blindly.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cubyn_amz.errors import StateError
from cubyn_amz.state.migrations import MIGRATIONS

log = logging.getLogger(__name__)


class StateDB:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            _create_private(Path(self.path))
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        except sqlite3.Error as error:
            raise StateError(
                f"cannot open the state database {self.path}: {error}",
                "check the folder exists and is writable",
            ) from None
        self.conn.row_factory = sqlite3.Row
        self._depth = 0
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            migrate(self)
        except sqlite3.DatabaseError as error:
            self.conn.close()
            raise StateError(
                f"the state database {self.path} cannot be used: {error}",
                "restore it from a backup, or move it aside to start afresh",
            ) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> None:
        """One statement: atomic on its own, so outside a transaction SQLite's
        autocommit is enough (and saves the BEGIN and COMMIT round)."""
        self.conn.execute(sql, params)

    def one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params).fetchall())


def _create_private(path: Path) -> None:
    """Create the file 0600 before SQLite does; SQLite gives its journals the same."""
    if not path.parent.is_dir():
        raise StateError(
            f"the folder of the state database {path} does not exist",
            "create it, or set app.state_db in the settings",
        )
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as error:
        raise StateError(
            f"cannot open the state database {path}: {error.strerror}",
            "check its owner and permissions",
        ) from None
    os.close(fd)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)


def schema_version(db: StateDB) -> int:
    row = db.one("SELECT MAX(version) FROM schema_version")
    return int(row[0] or 0) if row else 0


def migrate(db: StateDB) -> None:
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise StateError(
            f"the state database {db.path} was written by a newer cubyn-amz "
            f"(schema {current}; this version knows {len(MIGRATIONS)})",
            "upgrade cubyn-amz",
        )
    for version, (description, script) in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        with db.transaction() as conn:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version VALUES (?, datetime('now'))", (version,)
            )
        log.debug("state database migrated to schema %d (%s)", version, description)


def _statements(script: str) -> list[str]:
    # executescript() would commit the open transaction; run one statement at a time.
    # Splitting on ";" holds while no migration has a semicolon inside a literal.
    return [s.strip() for s in script.split(";") if s.strip()]
