"""End to end: the sandbox in this process, the tool in child processes, as cron does.

The sandbox serves Amazon and Cubyn on a free port of 127.0.0.1 from a thread of the
test process. The tool runs as ``python -m cubyn_amz --config FILE …`` in a child
process, on real SQLite files, with a connection made by the real ``cubyn-amz
connect``. Tests then read what a user would notice from the sandbox's state: the
parcels Cubyn holds, the packages Amazon shows, the listings' quantities, and the call
counters that tell whether a run repeated something.

The sandbox keeps the system clock, as the tool does. Amazon shows a change to an
order only once it is two minutes old (a searchOrders window ends two minutes before
the request), so the changes tests make on Amazon are stamped ``EVENT_AGO`` seconds
in the past.

Use ``sandboxes`` (a factory) or ``sandbox`` (seed 1), then ``connect()``::

    def test_x(sandboxes, tmp_path):
        sb = sandboxes(seed=4, orders=30)
        conn = connect(sb, tmp_path)
        assert conn.run("sync").code == 0
        assert_one_parcel_each(sb, eligible_orders(sb, conn))
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.warehouse import SHIPPED
from cubyn_amz.settings.load import load_settings
from cubyn_amz.settings.model import Settings

SOURCE = Path(__file__).resolve().parents[2]  # the tree whose tool is tested
# Old enough for searchOrders' two-minute lag, young enough for the tool's next
# window (each starts five minutes before the previous one ended).
EVENT_AGO = 180.0
RUN_TIMEOUT = 90.0
OPEN = ("UNSHIPPED", "PARTIALLY_SHIPPED")
# The calls that change something on either side: a run that converged makes none.
EFFECTS = (
    ("cubyn", "createParcel"),
    ("cubyn", "cancelParcel"),
    ("amazon", "confirmShipment"),
    ("amazon", "patchListingsItem"),
    ("amazon", "createFeed"),
)


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def tool_environment() -> dict[str, str]:
    """The test's environment without cubyn-amz's own variables, no proxy for us,
    and this source tree first on the path, whatever the current folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUBYN_AMZ_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(SOURCE), env.get("PYTHONPATH", "")) if part
    )
    return env


def tool_argv(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cubyn_amz", "--config", str(config), *args]


def run_tool(config: Path, *args: str, timeout: float = RUN_TIMEOUT) -> Ran:
    """``cubyn-amz --config CONFIG args`` in a child process, as cron runs it."""
    done = subprocess.run(
        tool_argv(config, *args),
        capture_output=True,
        text=True,
        env=tool_environment(),
        timeout=timeout,
        check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def start_tool(config: Path, *args: str) -> subprocess.Popen[str]:
    """The same, left running: wait for it, or kill it."""
    return subprocess.Popen(
        tool_argv(config, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tool_environment(),
    )


def finish(process: subprocess.Popen[str], timeout: float = RUN_TIMEOUT) -> Ran:
    stdout, stderr = process.communicate(timeout=timeout)
    return Ran(process.returncode, stdout, stderr)


def kill_9(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)


@dataclass(frozen=True)
class Connection:
    """A connection made with ``cubyn-amz connect`` in a folder of its own."""

    folder: Path
    config: Path

    @property
    def settings(self) -> Settings:
        return load_settings(self.config, environ={})

    @property
    def state_db(self) -> Path:
        return self.settings.state_db

    def run(self, *args: str, timeout: float = RUN_TIMEOUT) -> Ran:
        return run_tool(self.config, *args, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return start_tool(self.config, *args)

    def set(self, section: str, key: str, value: Any) -> None:
        """Change one setting in the file, as a person editing it would."""
        from cubyn_amz.settings import write

        doc = write.read_document(self.config)
        write.set_value(doc, section, key, value)
        write.write_settings(self.config, doc)


def connect(
    sandbox: Sandbox,
    folder: Path,
    marketplaces: Sequence[str] = ("FR",),
    app_name: str = "e2e",
) -> Connection:
    """Connect ``folder``/config.toml to the sandbox with the real command."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    command = sandbox.connect_command(app_name)[2:]
    # The sandbox's command names every marketplace it sells in; keep the chosen.
    args: list[str] = []
    pairs = iter(command)
    for flag in pairs:
        value = next(pairs)
        if flag != "--marketplace":
            args += [flag, value]
    for country in marketplaces:
        args += ["--marketplace", country]
    ran = run_tool(config, "connect", *args)
    assert ran.code == 0, ran.output
    return Connection(folder, config)


def start_sandbox(seed: int = 1, orders: int = 30, **options: Any) -> Sandbox:
    """A sandbox on a free port whose parcels move only on ``warehouse.step()``.

    ``fast_feeds`` (default True) has Amazon process a feed in a second or two
    instead of a minute or two.
    """
    fast_feeds = options.pop("fast_feeds", True)
    options.setdefault("stage_seconds", None)
    sandbox = Sandbox(seed=seed, orders=orders, **options)
    if fast_feeds:
        sandbox.feeds.queue_seconds = (0, 1)
        sandbox.feeds.processing_seconds = (1, 1)
    return sandbox.start()


@pytest.fixture
def sandboxes() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with ``start_sandbox``'s arguments; all stop at the end."""
    started: list[Sandbox] = []

    def start(**options: Any) -> Sandbox:
        started.append(start_sandbox(**options))
        return started[-1]

    yield start
    for sandbox in started:
        sandbox.faults.off()
        sandbox.stop()


@pytest.fixture
def sandbox(sandboxes: Callable[..., Sandbox]) -> Sandbox:
    return sandboxes(seed=1, orders=30)


@pytest.fixture
def connection(sandbox: Sandbox, tmp_path: Path) -> Connection:
    return connect(sandbox, tmp_path / "connection")


# -- what the sandbox shows ---------------------------------------------------------


def effects(sandbox: Sandbox) -> dict[str, int]:
    """How many times each call that changes something was answered."""
    with sandbox.lock:
        calls = {"amazon": sandbox.amazon.calls, "cubyn": sandbox.cubyn.calls}
        return {op: calls[api][op] for api, op in EFFECTS}


def eligible_orders(sandbox: Sandbox, connection: Connection) -> set[str]:
    """The Amazon orders that should have a Cubyn parcel now.

    Merchant-fulfilled, open, in the connection's marketplaces, at a service level
    the settings map to a Cubyn delivery mode, and made of SKUs Cubyn stocks.
    """
    settings = connection.settings
    markets = set(settings.amazon.marketplace_ids)
    with sandbox.lock:
        known = set(sandbox.cubyn.products)
        return {
            order.order_id
            for order in sandbox.amazon.orders.values()
            if order.fulfilled_by == "MERCHANT"
            and order.status in OPEN
            and order.marketplace_id in markets
            and settings.delivery_mode(order.service_level) is not None
            and all(item.sku in known for item in order.items)
        }


def parcels_by_order(sandbox: Sandbox) -> dict[str, list[Any]]:
    with sandbox.lock:
        rv: dict[str, list[Any]] = {}
        for parcel in sandbox.cubyn.parcels.values():
            rv.setdefault(parcel.order_ref, []).append(parcel)
        return rv


def assert_one_parcel_each(sandbox: Sandbox, eligible: Iterable[str]) -> None:
    """Exactly the eligible orders have a parcel, and each exactly one."""
    parcels = parcels_by_order(sandbox)
    eligible = set(eligible)
    twice = {
        ref: [p.id for p in found] for ref, found in parcels.items() if len(found) > 1
    }
    assert not twice, f"orders with several parcels: {twice}"
    assert set(parcels) == eligible, (
        f"missing: {sorted(eligible - set(parcels))}, "
        f"not eligible: {sorted(set(parcels) - eligible)}"
    )


def assert_shipments_confirmed_once(sandbox: Sandbox) -> None:
    """Each shipped, tracked parcel of an order not cancelled shows as one package.

    A confirmation sent again after a crash edits the package Amazon holds (same
    packageReferenceId); no order holds two packages or two first confirmations.
    """
    with sandbox.lock:
        amazon = sandbox.amazon
        first = Counter(
            c["orderId"] for c in amazon.confirmations if not c.get("edited")
        )
        for parcel in sandbox.cubyn.parcels.values():
            order = amazon.orders[parcel.order_ref]
            tracked = bool((parcel.shipment or {}).get("trackingNumber"))
            expected = (
                parcel.status in SHIPPED | {"RETURNED"}
                and tracked
                and order.status != "CANCELLED"
            )
            packages = len(order.packages)
            assert packages == (1 if expected else 0), (
                f"order {order.order_id} (parcel {parcel.id}, {parcel.status}, "
                f"tracked {tracked}) holds {packages} packages"
            )
            assert first[order.order_id] == packages, order.order_id
            if expected:
                assert order.status == "SHIPPED", order.order_id
                [package] = order.packages.values()
                shipment = parcel.shipment or {}
                assert package.tracking_number == shipment["trackingNumber"]


def expected_quantities(sandbox: Sandbox, connection: Connection) -> dict[Any, int]:
    """What each listing should show: Cubyn's available units, less a buffer and
    the units of open orders Cubyn holds no parcel for (Amazon counted them sold)."""
    settings = connection.settings
    markets = set(settings.amazon.marketplace_ids)
    parcels = parcels_by_order(sandbox)
    with sandbox.lock:
        demand: Counter[str] = Counter()
        for order in sandbox.amazon.orders.values():
            live = [
                p for p in parcels.get(order.order_id, []) if p.status != "CANCELLED"
            ]
            if (
                order.fulfilled_by == "MERCHANT"
                and order.status in OPEN
                and order.marketplace_id in markets
                and not live
            ):
                for item in order.items:
                    demand[item.sku] += item.unshipped
        products = sandbox.cubyn.products
        return {
            (sku, market): max(
                0, products[sku].available - settings.stock.buffer - demand[sku]
            )
            for (sku, market) in sandbox.amazon.listings
            if market in markets and sku in products
        }


def assert_listings_show_stock(sandbox: Sandbox, connection: Connection) -> None:
    expected = expected_quantities(sandbox, connection)
    with sandbox.lock:
        shown = {key: sandbox.amazon.listings[key] for key in expected}
    wrong = {
        f"{sku} ({market})": (shown[sku, market], quantity)
        for (sku, market), quantity in expected.items()
        if shown[sku, market] != quantity
    }
    assert not wrong, f"listings (shown, expected): {wrong}"


def integrity(state_db: Path) -> str:
    with sqlite3.connect(state_db) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


# -- steering ---------------------------------------------------------------------


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def feeds_done(sandbox: Sandbox) -> bool:
    """Whether Amazon has finished every feed (the sandbox ticks on requests)."""
    sandbox.tick()
    with sandbox.lock:
        return all(
            f.status not in ("IN_QUEUE", "IN_PROGRESS")
            for f in sandbox.amazon.feeds.values()
        )


def sync_until_converged(
    connection: Connection, sandbox: Sandbox, most: int = 6
) -> int:
    """Run ``sync`` until a run exits 0 and changes nothing; how many runs it took.

    Feeds pending at Amazon are waited for between runs, so that a run can settle
    them.
    """
    for runs in range(1, most + 1):
        before = effects(sandbox)
        ran = connection.run("sync")
        assert ran.code in (0, 1), ran.output
        wait_until(lambda: feeds_done(sandbox), "Amazon to process the feeds")
        if ran.code == 0 and effects(sandbox) == before:
            return runs
    raise AssertionError(f"sync still changing things after {most} runs")
