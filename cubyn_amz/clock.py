"""Time as the tool sees it.

Every pass, the pacing of API calls and the sandbox read the time through a
``Clock``, so that benchmarks can run hours of cron passes on a simulated clock
in seconds, and tests can move time forward without sleeping.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``; a simulated clock just moves on."""


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to, or when something sleeps on it.

    Thread-safe, because the in-process sandbox serves requests from other threads.
    """

    def __init__(self, start: float = 1_796_292_000.0) -> None:  # 2026-12-03 10:00Z
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        with self._lock:
            self.slept += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)


def to_datetime(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc)


def iso(timestamp: float) -> str:
    """An ISO 8601 UTC time to the second, as both APIs accept: 2026-12-03T10:00:00Z."""
    return to_datetime(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Seconds since the epoch for an ISO 8601 time; a time without zone is UTC."""
    try:
        # The shape both APIs send; the standard library reads it fastest.
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from dateutil.parser import isoparse

        moment = isoparse(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()
