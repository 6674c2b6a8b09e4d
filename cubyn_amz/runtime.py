"""What a command runs with: settings, state database, clock and the two clients.

Clients are built on first use, so that a pass that needs only one service never
prepares the other, and a pass with nothing to do starts fast.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field

import requests

from cubyn_amz.amazon.client import AmazonClient
from cubyn_amz.amazon.usage_plans import USAGE_PLANS
from cubyn_amz.clock import Clock, SystemClock
from cubyn_amz.cubyn.client import CubynClient
from cubyn_amz.http.pacing import Pacer, WriteBehindBuckets
from cubyn_amz.http.redact import register_secrets
from cubyn_amz.settings.model import Settings
from cubyn_amz.state import core
from cubyn_amz.state.buckets import StateBuckets
from cubyn_amz.state.db import StateDB


class StateTokens:
    """The access-token cache of LwaAuth, kept in the state database."""

    def __init__(self, db: StateDB) -> None:
        self.db = db

    def get(self, name: str, now: float) -> str | None:
        return core.cached_token(self.db, name, now)

    def put(self, name: str, value: str, expires_at: float) -> None:
        core.store_token(self.db, name, value, expires_at)

    def forget(self, name: str) -> None:
        core.forget_token(self.db, name)


@dataclass
class Runtime:
    settings: Settings
    db: StateDB
    clock: Clock = field(default_factory=SystemClock)
    session: requests.Session | None = None
    _amazon: AmazonClient | None = None
    _cubyn: CubynClient | None = None
    _cubyn_buckets: WriteBehindBuckets | None = None

    def __post_init__(self) -> None:
        register_secrets(self.settings.secrets())

    @property
    def amazon(self) -> AmazonClient:
        if self._amazon is None:
            pacer = Pacer(
                USAGE_PLANS,
                StateBuckets(self.db),
                self.clock,
                max_wait=self.settings.max_wait,
            )
            self._amazon = AmazonClient(
                self.settings.amazon,
                clock=self.clock,
                pacer=pacer,
                tokens=StateTokens(self.db),
                session=self.session,
            )
        return self._amazon

    @property
    def cubyn(self) -> CubynClient:
        if self._cubyn is None:
            self._cubyn_buckets = WriteBehindBuckets(StateBuckets(self.db))
            self._cubyn = CubynClient(
                self.settings.cubyn.endpoint,
                self.settings.cubyn.api_key,
                clock=self.clock,
                session=self.session,
                buckets=self._cubyn_buckets,
            )
        return self._cubyn

    def calls(self) -> dict[str, dict[str, int]]:
        """API calls spent so far, by service and operation."""
        return {
            "amazon": self._amazon.calls if self._amazon else {},
            "cubyn": self._cubyn.calls if self._cubyn else {},
        }

    def close(self) -> None:
        if self._cubyn_buckets is not None:
            with contextlib.suppress(sqlite3.Error):
                self._cubyn_buckets.flush()
        # A shared session belongs to whoever passed it in.
        if self.session is None:
            for client in (self._amazon, self._cubyn):
                if client is not None:
                    client.close()
        self.db.close()


def open_runtime(
    settings: Settings,
    clock: Clock | None = None,
    session: requests.Session | None = None,
) -> Runtime:
    return Runtime(
        settings, StateDB(settings.state_db), clock or SystemClock(), session
    )
