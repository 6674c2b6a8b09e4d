"""What the benchmark scenarios share: the tool on a sandbox, floors, and the table.

A scenario builds a sandbox (``cubyn_amz.sandbox``) and runs the tool's own pass
bodies against it over HTTP, in-process, with a settings file of its own. Where
Amazon's usage plans matter the tool and the sandbox read one ``FakeClock``: the
tool's pacer sleeps on it, the sandbox's buckets refill on it, and hours of cron
passes take seconds. A scenario reports ``Row``s (a figure, its target, their
ratio, whether it holds); ``report`` prints them, writes them for run_all.py with
``--json PATH``, and gives the exit code: 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import stat
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import tomlkit

from cubyn_amz.amazon.client import AmazonClient
from cubyn_amz.clock import Clock
from cubyn_amz.http.pacing import MemoryBuckets, Pacer
from cubyn_amz.passes.orders import import_orders
from cubyn_amz.passes.result import PassBody, PassResult, run_pass
from cubyn_amz.passes.shipments import push_shipments
from cubyn_amz.passes.stock import sync_stock
from cubyn_amz.runtime import Runtime, StateTokens
from cubyn_amz.settings.load import load_settings
from cubyn_amz.settings.model import Settings
from cubyn_amz.state.db import StateDB

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cubyn_amz.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
CRON = 300.0  # cron runs `cubyn-amz sync` every five minutes
SELLING = ("FR", "DE", "ES", "IT")
# Every service level the sandbox sells goes to Cubyn, so that each order a
# scenario makes is one to import (the tool's default leaves some out).
ALL_LEVELS = {
    "STANDARD": "STANDARD",
    "EXPEDITED": "EXPRESS",
    "SECOND_DAY": "EXPRESS",
    "NEXT_DAY": "EXPRESS",
    "FREE_ECONOMY": "STANDARD",
    "PRIORITY": "EXPRESS",
    "SAME_DAY": "EXPRESS",
    "SCHEDULED": "STANDARD",
}
SYNC: list[tuple[str, PassBody]] = [
    ("import-orders", import_orders),
    ("push-shipments", push_shipments),
    ("sync-stock", sync_stock),
]


# -- the sandbox and the tool on it ---------------------------------------------------


@contextmanager
def sandbox(**options: Any) -> Iterator[Sandbox]:
    """A started sandbox whose SKUs are all known to Cubyn.

    The seeded catalogue has two Amazon-only SKUs, on purpose; here the seller
    has created them in Cubyn too, so that no order is refused for its SKU and
    every order a scenario makes is imported.
    """
    from cubyn_amz.sandbox import Sandbox
    from cubyn_amz.sandbox.data import AMAZON_ONLY, PRODUCTS

    options.setdefault("seed", 7)
    options.setdefault("orders", 0)
    options.setdefault("stage_seconds", None)
    sb = Sandbox(**options)
    missing = [sku for sku in AMAZON_ONLY if sku not in sb.cubyn.products]
    sb.cubyn.add_products(
        {sku: PRODUCTS[sku].title for sku in missing}, dict.fromkeys(missing, 500)
    )
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def orders_to_ship(sb: Sandbox, count: int, days: float = 2.0) -> list[str]:
    """``count`` orders to import, placed evenly over the last ``days`` days.

    Merchant-fulfilled and paid (none pending, none FBA), so that exactly
    ``count`` are to import; the newest were placed three minutes ago, past
    searchOrders' two-minute lag.
    """
    batches = min(count, 100)
    rv: list[str] = []
    for batch in range(batches):
        size = count * (batch + 1) // batches - count * batch // batches
        ago = 180 + batch * days * 86400 / batches
        rv += sb.amazon.generate_orders(size, ago=ago, to_ship=True)
    return rv


def quiet_logs() -> None:
    """Keep the tool's log off the terminal: the figures are what a scenario prints.

    Its warnings here are expected ones: address lines shortened, the SKUs the
    sandbox's catalogue has on one side only.
    """
    logging.getLogger("cubyn_amz").addHandler(logging.NullHandler())
    logging.getLogger("cubyn_amz").propagate = False


def write_settings(
    folder: Path,
    connection: dict[str, Any],
    *,
    marketplaces: Sequence[str] = SELLING,
    stock_update: bool = True,
) -> Path:
    """A settings file for the sandbox's connection; its state DB beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    values = {
        "app": {"name": "bench", "state_db": "state.sqlite3"},
        "amazon": {
            "seller_id": connection["seller_id"],
            "marketplaces": list(marketplaces),
            "lwa_client_id": connection["lwa_client_id"],
            "lwa_client_secret": connection["lwa_client_secret"],
            "refresh_token": connection["refresh_token"],
            "endpoint": connection["amazon_endpoint"],
            "token_endpoint": connection["token_endpoint"],
        },
        "cubyn": {
            "api_key": connection["cubyn_api_key"],
            "endpoint": connection["cubyn_endpoint"],
        },
        "stock": {"update": stock_update},
        "delivery_modes": ALL_LEVELS,
    }
    path = folder / "config.toml"
    path.write_text(tomlkit.dumps(values), encoding="utf-8")
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    return path


def load(path: Path) -> Settings:
    return load_settings(path, environ={})


def runtime(
    settings: Settings,
    clock: Clock,
    *,
    paced: bool = True,
    session: requests.Session | None = None,
) -> Runtime:
    """The tool's runtime, as a command builds it.

    ``paced=False`` gives the Amazon client a pacer without usage plans, for a
    sandbox that has none: the scenario then measures calls and local cost in
    one pass, not the hours Amazon's default plans would spread them over.
    """
    db = StateDB(settings.state_db)
    if paced:
        return Runtime(settings, db, clock, session)
    amazon = AmazonClient(
        settings.amazon,
        clock=clock,
        pacer=Pacer({}, MemoryBuckets(), clock),
        tokens=StateTokens(db),
        session=session,
    )
    return Runtime(settings, db, clock, session, _amazon=amazon)


def sync_run(
    settings: Settings,
    clock: Clock,
    *,
    paced: bool = True,
    session: requests.Session | None = None,
    passes: Sequence[tuple[str, PassBody]] = SYNC,
) -> list[PassResult]:
    """One `cubyn-amz sync` run in-process: a fresh runtime, the passes in order."""
    rt = runtime(settings, clock, paced=paced, session=session)
    try:
        return [run_pass(rt, kind, body) for kind, body in passes]
    finally:
        rt.close()


class Cron:
    """`*/5 * * * * cubyn-amz sync` on a sandbox's FakeClock.

    A run starts at a tick; a run longer than the interval holds the lock over
    the ticks it spans (those runs exit 75 at once), so the next one starts at
    the first tick after it ended.
    """

    def __init__(self, sb: Sandbox, interval: float = CRON) -> None:
        self.sb = sb
        self.interval = interval
        self.origin = sb.clock.now()
        self.tick = 0
        self.runs = 0

    @property
    def next_at(self) -> float:
        return self.origin + self.tick * self.interval

    def wait(self) -> float:
        """Move the clock to the next tick; its time."""
        now = self.sb.clock.now()
        if now < self.next_at:
            self.sb.advance(self.next_at - now)
        return self.next_at

    def run(self, settings: Settings, **options: Any) -> list[PassResult]:
        """One run at the next tick; ``options`` go to ``sync_run``."""
        self.wait()
        results = sync_run(settings, self.sb.clock, **options)
        self.runs += 1
        spent = (self.sb.clock.now() - self.origin) / self.interval
        self.tick = max(self.tick + 1, math.ceil(spent - 1e-9))
        return results


class TimedSession(requests.Session):
    """A session that adds up the wall time spent in its requests."""

    def __init__(self) -> None:
        super().__init__()
        # As the tool's own sessions (cubyn_amz.http.service): no environment
        # look-up on each request.
        self.trust_env = False
        self.seconds = 0.0
        self.count = 0

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        started = time.perf_counter()
        try:
            return super().request(method, url, *args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def calls(sb: Sandbox) -> Counter[str]:
    """Every request the sandbox answered so far, as "amazon.op" / "cubyn.op"."""
    with sb.lock:
        rv: Counter[str] = Counter()
        for name, count in sb.amazon.calls.items():
            rv[f"amazon.{name}"] = count
        for name, count in sb.cubyn.calls.items():
            rv[f"cubyn.{name}"] = count
        return rv


def spent(after: Counter[str], before: Counter[str], api: str = "") -> Counter[str]:
    rv = after - before
    return Counter({k: v for k, v in rv.items() if k.startswith(api)})


def throttled(sb: Sandbox) -> int:
    """429s the sandbox's usage plans answered (Amazon's and Cubyn's)."""
    return int(sb.amazon.throttled + sb.cubyn.throttled)


# -- floors: the earliest a perfect client could be done ------------------------------


class Buckets:
    """Usage-plan buckets, full at time 0, for a client that never waits idly."""

    def __init__(self, plans: dict[str, tuple[float, float]]) -> None:
        self.plans = plans
        self._state = {name: (float(burst), 0.0) for name, (_, burst) in plans.items()}

    def call(self, at: float, *names: str) -> float:
        """The earliest time from ``at`` when one token of each bucket is there."""
        start = at
        for name in names:
            rate, burst = self.plans[name]
            tokens, stamp = self._state[name]
            tokens = min(burst, tokens + (start - stamp) * rate)
            if tokens < 1.0:
                start += (1.0 - tokens) / rate
        for name in names:
            rate, burst = self.plans[name]
            tokens, stamp = self._state[name]
            tokens = min(burst, tokens + (start - stamp) * rate)
            self._state[name] = (tokens - 1.0, start)
        return start

    def calls(self, at: float, count: int, *names: str) -> float:
        for _ in range(count):
            at = self.call(at, *names)
        return at


def default_plans() -> dict[str, tuple[float, float]]:
    """Amazon's default usage plans and Cubyn's 10 a second, as the sandbox has them."""
    from cubyn_amz.sandbox.buckets import (
        AMAZON_PLANS,
        CUBYN,
        CUBYN_PLAN,
        LISTINGS_FEED,
        LISTINGS_FEED_PLAN,
    )

    plans = {**AMAZON_PLANS, LISTINGS_FEED: LISTINGS_FEED_PLAN, CUBYN: CUBYN_PLAN}
    return {name: (plan.rate, float(plan.burst)) for name, plan in plans.items()}


# -- figures and the table ------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One figure: ``value`` against ``target`` (None: shown for comparison only).

    ``op`` is how the value must stand to the target: "<=" or "==", the target
    times ``within`` (a floor a time may exceed by 5 %: within=1.05). The ratio
    is value / target. ``unit`` says how both are shown; ``note`` what the
    figure counts, in a few words.
    """

    scenario: str
    figure: str
    value: float
    target: float | None
    unit: str = ""
    op: str = "<="
    note: str = ""
    within: float = 1.0

    @property
    def ratio(self) -> float | None:
        if self.target is None or self.target == 0:
            return None
        return self.value / self.target

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        if self.op == "==":
            return math.isclose(self.value, self.target)
        return self.value <= self.target * self.within + 1e-9


def show(value: float, unit: str) -> str:
    if unit == "s" and value >= 600:
        return f"{value:,.0f} s ({value / 3600:.2f} h)"
    if unit in ("s", "ms", "MB"):
        digits = 3 if abs(value) < 10 else (1 if abs(value) < 1000 else 0)
        return f"{value:,.{digits}f} {unit}"
    if float(value).is_integer():
        return f"{int(value):,}" + (f" {unit}" if unit else "")
    return f"{value:,.2f}" + (f" {unit}" if unit else "")


def cells(row: Row) -> list[str]:
    if row.target is None:
        target = "—"
    else:
        sign = "=" if row.op == "==" else "≤"
        times = f"{row.within:g} × " if row.within != 1.0 else ""
        target = f"{sign} {times}{show(row.target, row.unit)}"
    ratio = "" if row.ratio is None else f"{row.ratio:.3f}"
    ok = {True: "ok", False: "MISSED", None: ""}[row.ok]
    value = show(row.value, row.unit)
    return [row.scenario, row.figure, value, target, ratio, ok, row.note]


def table(rows: Iterable[Row]) -> str:
    header = ["scenario", "figure", "value", "target", "ratio", "ok", "details"]
    body = [cells(row) for row in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(7)]
    lines = []
    for number, line in enumerate([header, *body]):
        lines.append(
            "  ".join(
                cell.rjust(width) if i in (2, 4) else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(line, widths))
            ).rstrip()
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="PATH", help="also write the rows here")
    return parser.parse_args()


def report(rows: Sequence[Row], json_path: str | None = None) -> int:
    """Print the rows; the exit code is 1 when a target is missed."""
    print(table(rows))
    if json_path:
        Path(json_path).write_text(
            json.dumps([asdict(row) for row in rows], indent=1), encoding="utf-8"
        )
    missed = [row for row in rows if row.ok is False]
    return 1 if missed else 0


def rows_from_json(path: Path) -> list[Row]:
    return [Row(**fields) for fields in json.loads(path.read_text(encoding="utf-8"))]


def say(line: str) -> None:
    """Progress on stderr, so that stdout holds the table alone."""
    print(line, file=sys.stderr, flush=True)
