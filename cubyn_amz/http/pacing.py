"""Pacing API calls with token buckets that outlive the process.

Amazon grants each operation a bucket per seller and application: ``burst`` tokens,
refilled at ``rate`` a second whether or not the tool runs. Every run of the tool
spends from the same bucket, so the bucket is kept in the state database and the
next run starts from what the last one left. When a call needs only a short wait the
pass sleeps; a longer one stops the pass (``PacingPause``) and the next run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from cubyn_amz.clock import Clock
from cubyn_amz.errors import PacingPause

log = logging.getLogger(__name__)

ARRIVAL_MARGIN = 0.01  # seconds added to a wait for a token


@dataclass(frozen=True)
class UsagePlan:
    rate: float  # tokens a second
    burst: float


@dataclass
class Bucket:
    tokens: float
    rate: float
    burst: float
    updated_at: float

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated_at = max(self.updated_at, now)


class BucketStore(Protocol):
    def load(self, operation: str) -> Bucket | None: ...

    def save(self, operation: str, bucket: Bucket) -> None: ...


class MemoryBuckets:
    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}

    def load(self, operation: str) -> Bucket | None:
        return self._buckets.get(operation)

    def save(self, operation: str, bucket: Bucket) -> None:
        self._buckets[operation] = bucket


class WriteBehindBuckets:
    """Buckets read from a store once and written back on ``flush()``.

    For a limit that is only assumed (Cubyn's), sharing it between runs is worth a
    write at the end of a run, not one at every call. A run killed before its flush
    leaves the previous figures, as if it had spent nothing.
    """

    def __init__(self, store: BucketStore) -> None:
        self.store = store
        self._buckets: dict[str, Bucket | None] = {}

    def load(self, operation: str) -> Bucket | None:
        if operation not in self._buckets:
            self._buckets[operation] = self.store.load(operation)
        return self._buckets[operation]

    def save(self, operation: str, bucket: Bucket) -> None:
        self._buckets[operation] = bucket

    def flush(self) -> None:
        for operation, bucket in self._buckets.items():
            if bucket is not None:
                self.store.save(operation, bucket)


class Pacer:
    def __init__(
        self,
        plans: dict[str, UsagePlan],
        store: BucketStore,
        clock: Clock,
        max_wait: float = 30.0,
    ) -> None:
        self.plans = plans
        self.store = store
        self.clock = clock
        self.max_wait = max_wait

    def acquire(self, operation: str) -> None:
        """Take one token, sleeping for it if the wait is short."""
        bucket = self._bucket(operation)
        if bucket is None:
            return
        now = self.clock.now()
        bucket.refill(now)
        if bucket.tokens < 1.0:
            # Amazon refills its bucket on its own clock, when a call arrives: one
            # sent the instant its token is due may land a little early.
            wait = (1.0 - bucket.tokens) / bucket.rate + ARRIVAL_MARGIN
            if wait > self.max_wait:
                self.store.save(operation, bucket)
                raise PacingPause(operation, now + wait)
            log.debug("pacing %s: waiting %.2f s for the usage plan", operation, wait)
            self.clock.sleep(wait)
            bucket.refill(self.clock.now())
            # A simulated clock may land a hair short of a whole token.
            bucket.tokens = max(bucket.tokens, 1.0)
        bucket.tokens -= 1.0
        self.store.save(operation, bucket)

    def granted_rate(self, operation: str, rate: float) -> None:
        """Amazon's ``x-amzn-RateLimit-Limit``: the rate actually granted."""
        bucket = self._bucket(operation)
        if bucket is None or rate <= 0 or abs(bucket.rate - rate) < 1e-9:
            return
        log.debug("usage plan of %s: %g/s granted", operation, rate)
        bucket.refill(self.clock.now())
        bucket.rate = rate
        self.store.save(operation, bucket)

    def throttled(self, operation: str) -> float:
        """A 429: the bucket is empty whatever we thought. The wait for one token."""
        bucket = self._bucket(operation)
        if bucket is None:
            return 1.0
        bucket.refill(self.clock.now())
        bucket.tokens = 0.0
        self.store.save(operation, bucket)
        return 1.0 / bucket.rate

    def _bucket(self, operation: str) -> Bucket | None:
        bucket = self.store.load(operation)
        if bucket is not None:
            return bucket
        plan = self.plans.get(operation)
        if plan is None:
            return None
        # Nothing known: assume a full bucket, as after a long pause.
        return Bucket(plan.burst, plan.rate, plan.burst, self.clock.now())
