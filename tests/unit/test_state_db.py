"""The state database: migrations, transactions, permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cubyn_amz.errors import StateError
from cubyn_amz.state import core
from cubyn_amz.state.db import StateDB, schema_version
from cubyn_amz.state.migrations import MIGRATIONS


def test_a_new_database_gets_every_migration_and_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"

    with StateDB(path) as db:
        assert schema_version(db) == len(MIGRATIONS)
        tables = {r["name"] for r in db.all("SELECT name FROM sqlite_master")}
        journal = db.one("PRAGMA journal_mode")

    assert {"orders", "shipments", "stock", "cursors", "rate_buckets"} <= tables
    assert journal is not None and journal[0] == "wal"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateDB(path).close()

    with StateDB(path) as db:
        rows = db.all("SELECT version FROM schema_version")

    assert [r["version"] for r in rows] == list(range(1, len(MIGRATIONS) + 1))


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with StateDB(path) as db:
        db.execute("INSERT INTO schema_version VALUES (99, 'later')")

    with pytest.raises(StateError, match="newer cubyn-amz .*upgrade cubyn-amz"):
        StateDB(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)

    with pytest.raises(StateError, match="cannot be used"):
        StateDB(path)


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    with StateDB(tmp_path / "s.sqlite3") as db:
        with pytest.raises(RuntimeError), db.transaction() as conn:
            conn.execute("INSERT INTO cursors VALUES ('a', '1', 0)")
            raise RuntimeError("crash between two writes")

        assert core.read_cursor(db, "a") is None


def test_nested_transactions_join_the_outer_one(tmp_path: Path) -> None:
    with StateDB(tmp_path / "s.sqlite3") as db:
        with pytest.raises(RuntimeError), db.transaction():
            core.write_cursor(db, "a", {"x": 1}, 0.0)
            raise RuntimeError

        assert core.read_cursor(db, "a") is None
        core.write_cursor(db, "a", {"x": 2}, 0.0)
        assert core.read_cursor(db, "a") == {"x": 2}


def test_tokens_expire(tmp_path: Path) -> None:
    with StateDB(tmp_path / "s.sqlite3") as db:
        core.store_token(db, "lwa", "Atza|x", expires_at=100.0)

        assert core.cached_token(db, "lwa", now=99.0) == "Atza|x"
        assert core.cached_token(db, "lwa", now=100.0) is None


def test_pass_log_keeps_the_last_of_each_kind(tmp_path: Path) -> None:
    with StateDB(tmp_path / "s.sqlite3") as db:
        first = core.start_pass(db, "import-orders", 1.0)
        core.end_pass(db, first, 2.0, "ok", {"imported": 3})
        second = core.start_pass(db, "import-orders", 3.0)
        core.start_pass(db, "sync-stock", 4.0)

        passes = {p.kind: p for p in core.last_passes(db)}

    assert passes["import-orders"].id == second
    assert passes["import-orders"].ended_at is None
    assert passes["sync-stock"].outcome == "running"


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="does not exist"):
        StateDB(tmp_path / "no" / "such" / "state.sqlite3")
