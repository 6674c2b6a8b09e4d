"""Fault injection: the network and server failures a real run meets.

Each API request draws from a seeded generator; with probability ``rate`` it
suffers one of the configured kinds:

- ``429``, ``500``, ``503``: an error answer in the API's own shape, without
  touching state (Cubyn's 429 carries Retry-After);
- ``drop``: the socket is closed before anything is done or answered;
- ``slow``: the answer comes after ``slow_seconds`` of real time, longer than a
  typical client read timeout;
- ``truncate``: the request is applied and the status and headers are sent, but
  the JSON body is cut short;
- ``lost``: a POST/PUT/PATCH/DELETE is applied, then the connection is dropped
  without an answer, so the client cannot know that it went through.

The control endpoints under /_sandbox are never faulted. The same seed and the
same sequence of requests give the same faults.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable

KINDS = ("429", "500", "503", "drop", "slow", "truncate", "lost")
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
APIS = ("amazon", "lwa", "uploads", "cubyn")


class Faults:
    def __init__(self) -> None:
        self.rate = 0.0
        self.kinds: tuple[str, ...] = KINDS
        self.apis: tuple[str, ...] = APIS
        self.slow_seconds = 2.0
        self.injected: Counter[str] = Counter()
        self._random = random.Random(0)
        self._lock = threading.Lock()

    def configure(
        self,
        rate: float = 0.1,
        kinds: Iterable[str] = KINDS,
        seed: int = 0,
        slow_seconds: float = 2.0,
        apis: Iterable[str] = APIS,
    ) -> None:
        """Inject faults into a share ``rate`` of the requests to ``apis``."""
        kinds = tuple(kinds)
        apis = tuple(apis)
        unknown = sorted(set(kinds) - set(KINDS)) + sorted(set(apis) - set(APIS))
        if unknown:
            raise ValueError(f"unknown fault kinds or APIs: {', '.join(unknown)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("the fault rate is a probability between 0 and 1")

        with self._lock:
            self.rate = rate
            self.kinds = kinds
            self.apis = apis
            self.slow_seconds = slow_seconds
            self._random = random.Random(seed)

    def off(self) -> None:
        with self._lock:
            self.rate = 0.0

    def draw(self, api: str, method: str) -> str | None:
        """The fault this request suffers, if any."""
        with self._lock:
            if self.rate <= 0.0 or api not in self.apis:
                return None

            # Always draw twice, so the stream stays aligned whatever is chosen.
            hit = self._random.random() < self.rate
            pick = self._random.random()
            kinds = [k for k in self.kinds if k != "lost" or method in MUTATING]
            if not hit or not kinds:
                return None
            return kinds[int(pick * len(kinds))]

    def count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    def summary(self) -> dict[str, object]:
        with self._lock:
            return {
                "rate": self.rate,
                "kinds": list(self.kinds),
                "apis": list(self.apis),
                "slowSeconds": self.slow_seconds,
                "injected": dict(self.injected),
            }
