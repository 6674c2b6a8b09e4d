"""Usage plans: the token buckets that throttle the emulated APIs.

Amazon meters each SP-API operation with a token bucket per seller and
application: ``burst`` tokens at most, refilled at ``rate`` tokens a second, one
token a call. The rates below are Amazon's published defaults (see
shared/amazon-notes.md). Cubyn publishes no limit; the project's contract caps it
at 10 requests a second. Buckets run on the sandbox clock, so a benchmark on a
simulated clock sees the same throttling as a real run, only faster.
"""

from __future__ import annotations

from dataclasses import dataclass

from cubyn_amz.clock import Clock


@dataclass(frozen=True)
class Plan:
    rate: float  # tokens a second
    burst: int


AMAZON_PLANS: dict[str, Plan] = {
    "searchOrders": Plan(0.0056, 20),
    "getOrder": Plan(0.5, 30),
    "confirmShipment": Plan(2.0, 10),
    "getListingsItem": Plan(5.0, 10),
    "patchListingsItem": Plan(5.0, 5),
    "searchListingsItems": Plan(5.0, 5),
    "createFeedDocument": Plan(0.5, 15),
    "createFeed": Plan(0.0083, 15),
    "getFeed": Plan(2.0, 15),
    "getFeeds": Plan(0.0222, 10),
    "cancelFeed": Plan(2.0, 15),
    "getFeedDocument": Plan(0.0222, 10),
    "getMarketplaceParticipations": Plan(0.016, 15),
}

# On top of createFeed's own plan, Amazon allows 5 JSON_LISTINGS_FEED submissions
# per 5 minutes per region.
LISTINGS_FEED_PLAN = Plan(5 / 300, 5)
LISTINGS_FEED = "createFeed:JSON_LISTINGS_FEED"

CUBYN_PLAN = Plan(10.0, 10)
CUBYN = "cubyn"

# A client that sleeps exactly until its next token, on the same simulated clock,
# lands a rounding error short of it (a time near 1.8e9 s keeps about 0.2 µs): so
# much less than a whole token still counts as one, and leaves no debt behind.
ROUNDING = 1e-5


class TokenBucket:
    def __init__(self, plan: Plan, clock: Clock) -> None:
        self.plan = plan
        self._clock = clock
        self._tokens = float(plan.burst)
        self._stamp = clock.now()

    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(
            float(self.plan.burst), self._tokens + elapsed * self.plan.rate
        )
        self._stamp = now

    def available(self) -> bool:
        self._refill()
        return self._tokens >= 1.0 - ROUNDING

    def take(self) -> None:
        self._tokens = max(self._tokens, 1.0) - 1.0

    def wait(self) -> float:
        """Seconds (sandbox time) until the next token."""
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self.plan.rate)


class Buckets:
    """The buckets of one API, created on first use of each operation."""

    def __init__(
        self,
        plans: dict[str, Plan],
        clock: Clock,
        enabled: bool = True,
        time_scale: float = 1.0,
    ) -> None:
        # A time-scaled sandbox grants faster plans, and says so in its headers.
        self.plans = {
            name: Plan(plan.rate * time_scale, plan.burst)
            for name, plan in plans.items()
        }
        self.enabled = enabled
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, name: str) -> TokenBucket:
        if name not in self._buckets:
            self._buckets[name] = TokenBucket(self.plans[name], self._clock)
        return self._buckets[name]

    def admit(self, *names: str) -> float | None:
        """Spend a token from each named bucket; None if admitted, else the wait.

        Tokens are spent only when every bucket has one, so a call refused by the
        feed-type bucket does not also drain createFeed's.
        """
        if not self.enabled:
            return None

        buckets = [self._bucket(name) for name in names if name in self.plans]
        short = [bucket for bucket in buckets if not bucket.available()]
        if short:
            return max(bucket.wait() for bucket in short)

        for bucket in buckets:
            bucket.take()
        return None

    def limit_header(self, name: str) -> str | None:
        """The rate in force, per real second, as x-amzn-RateLimit-Limit gives it."""
        plan = self.plans.get(name)
        if plan is None:
            return None
        return f"{plan.rate:g}"
