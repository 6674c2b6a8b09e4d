"""Usage-plan buckets kept in the state database, shared by consecutive runs."""

from __future__ import annotations

from cubyn_amz.http.pacing import Bucket
from cubyn_amz.state.db import StateDB


class StateBuckets:
    def __init__(self, db: StateDB) -> None:
        self.db = db

    def load(self, operation: str) -> Bucket | None:
        row = self.db.one(
            "SELECT tokens, rate, burst, updated_at FROM rate_buckets"
            " WHERE operation = ?",
            (operation,),
        )
        if row is None:
            return None
        return Bucket(row["tokens"], row["rate"], row["burst"], row["updated_at"])

    def save(self, operation: str, bucket: Bucket) -> None:
        self.db.execute(
            "INSERT INTO rate_buckets (operation, tokens, rate, burst, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (operation) DO UPDATE SET"
            " tokens = excluded.tokens, rate = excluded.rate,"
            " burst = excluded.burst, updated_at = excluded.updated_at",
            (operation, bucket.tokens, bucket.rate, bucket.burst, bucket.updated_at),
        )
