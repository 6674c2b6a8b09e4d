"""Soak: many cron passes of the real ``cubyn-amz sync`` under faults and kills.

The sandbox runs in this process on a free port, seeded, with its usage plans on.
One in ten API calls suffers a fault (429, 500, 503, a dropped connection, a
truncated answer, or a POST applied whose answer is lost), and a share of the
passes are SIGKILLed after a seeded random delay. Between passes orders arrive,
the warehouse ships, buyers cancel and stock is received. Then the faults stop,
clean passes run until the state is settled, and the test checks what a seller
would check: every eligible order in Cubyn once, every shipped parcel confirmed
once with its tracking number, every cancellation passed on or flagged, every
listing at the planned quantity, no 429 of the tool's own making, no traceback,
and a sound state database.

Time. The tool reads the time of its runtime's clock, the sandbox the time of its
own. So that both agree while simulated time runs ``SCALE`` times faster than real
time (five minutes of cron interval in half a real second, and the usage plans
refill as they would in five minutes), each pass runs the real command line
(``cubyn_amz.cli.main``) with only the runtime's ``SystemClock`` replaced by the
same scaled clock the sandbox reads (see ``PASS``): the same formula over the same
machine clock, so no skew between the processes. Sleeps of the tool are scaled
too, so its pacing waits exactly as long as the sandbox's buckets need.

``--long`` runs at least 500 passes; the default run is short enough for CI.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cubyn_amz.cubyn.client import AMAZON_CARRIER_CODES
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.orders import BY_ID as MARKETPLACE_BY_ID
from cubyn_amz.sandbox.orders import SELLING
from cubyn_amz.sandbox.warehouse import SHIPPED as SHIPPED_STATUSES
from cubyn_amz.settings.model import Settings
from tests.system.e2e import (
    Connection,
    connect,
    expected_quantities,
    integrity,
    tool_environment,
)

SEED = 7
SCALE = 600.0  # sandbox seconds per real second
CRON = 300.0  # sandbox seconds between the starts of two passes
SHORT_PASSES = 80
LONG_PASSES = 500
FAULT_KINDS = ("429", "500", "503", "drop", "truncate", "lost")
KILL_SHARE = 0.25
# Real seconds after the start of a pass at which a kill may fall: a pass takes
# 0.25 to 0.55 s here, of which the first 0.15 s or so is Python starting.
KILL_WINDOW = (0.12, 0.5)
BUFFER = 1
# Low, so that the first pass and the busier ones go by JSON_LISTINGS_FEED.
FEED_THRESHOLD = 3
MIN_CLEAN = 2
MAX_CLEAN = 8
# A pass ends 0 (done), 1 (some items failed) or 4 (a service stayed unavailable).
EXPECTED_EXIT = {0, 1, 4}

# One pass: the real command line, with the runtime's clock scaled like the
# sandbox's. Self-contained, so that the child imports nothing of the tests.
PASS = """
import os, sys, time
import cubyn_amz.runtime

ORIGIN = float(os.environ["CUBYN_AMZ_SOAK_ORIGIN"])
SCALE = float(os.environ["CUBYN_AMZ_SOAK_SCALE"])

class ScaledClock:
    def now(self):
        return ORIGIN + (time.time() - ORIGIN) * SCALE
    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds / SCALE)

cubyn_amz.runtime.SystemClock = ScaledClock
from cubyn_amz.cli import main
main(sys.argv[1:])
"""


class ScaledClock:
    """The sandbox's clock; the same formula as in ``PASS``."""

    def __init__(self, origin: float, scale: float) -> None:
        self.origin = origin
        self.scale = scale

    def now(self) -> float:
        return self.origin + (time.time() - self.origin) * self.scale

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)


class Crashes(logging.Handler):
    """The sandbox's own failures: a handler that crashed answers 500, which would
    pass for an injected fault and hide what went wrong."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass
class PassRun:
    number: int
    clean: bool
    code: int  # the exit code, or -9 when killed
    killed: bool
    seconds: float
    stdout: str
    stderr: str


@dataclass
class Soak:
    """The sandbox, the connection, and what the test did to both sides."""

    sandbox: Sandbox
    clock: ScaledClock
    connection: Connection
    settings: Settings
    rng: random.Random
    runs: list[PassRun] = field(default_factory=list)
    # Orders seen UNSHIPPED on Amazon at some point, and those the test cancelled.
    unshipped: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    events: Counter[str] = field(default_factory=Counter)
    # What passes cut short left for the next one to settle.
    left_open: Counter[str] = field(default_factory=Counter)
    crashes: Crashes = field(default_factory=Crashes)

    @property
    def state_db(self) -> Path:
        return self.settings.state_db

    # -- the world moves ------------------------------------------------------------

    def sample(self) -> None:
        with self.sandbox.lock:
            self.unshipped.update(
                o.order_id
                for o in self.sandbox.amazon.orders.values()
                if o.status == "UNSHIPPED" and o.fulfilled_by == "MERCHANT"
            )

    def move(self) -> None:
        """What happens between two cron passes, drawn from the seeded generator."""
        sb, rng = self.sandbox, self.rng
        self.sample()
        arriving = rng.choice((0, 0, 1, 1, 2, 3))
        if arriving:
            sb.amazon.generate_orders(arriving)
            self.events["orders placed"] += arriving
        if rng.random() < 0.15:
            self.cancel_one()
        if rng.random() < 0.05:
            self.request_cancellation()
        if rng.random() < 0.5:
            sb.warehouse.step()
            self.events["warehouse steps"] += 1
        if rng.random() < 0.2:
            sku = rng.choice(sorted(sb.cubyn.products))
            sb.warehouse.receive(sku, rng.randint(1, 20))
            self.events["receipts"] += 1
        if rng.random() < 0.05:
            self.return_one()
        # Amazon gzips the reports of large feeds; the soak's are small, so half
        # the time they are gzipped all the same, to be cut short that way too.
        sb.feeds.compress_reports = rng.random() < 0.5
        self.sample()

    def _open_orders(self) -> list[str]:
        with self.sandbox.lock:
            return sorted(
                o.order_id
                for o in self.sandbox.amazon.orders.values()
                if o.status == "UNSHIPPED" and o.fulfilled_by == "MERCHANT"
            )

    def cancel_one(self) -> None:
        candidates = self._open_orders()
        if candidates:
            order_id = self.rng.choice(candidates)
            self.sandbox.amazon.cancel_order(order_id)
            self.cancelled.add(order_id)
            self.events["cancellations"] += 1

    def request_cancellation(self) -> None:
        candidates = self._open_orders()
        if candidates:
            self.sandbox.amazon.request_cancellation(self.rng.choice(candidates))
            self.events["cancellation requests"] += 1

    def return_one(self) -> None:
        """A buyer sends back a parcel whose shipment Amazon shows."""
        sb = self.sandbox
        with sb.lock:
            candidates = sorted(
                p.id
                for p in sb.cubyn.parcels.values()
                if p.status in SHIPPED_STATUSES
                and sb.amazon.orders.get(p.order_ref) is not None
                and sb.amazon.orders[p.order_ref].status == "SHIPPED"
            )
        if candidates:
            sb.warehouse.return_parcel(self.rng.choice(candidates))
            self.events["returns"] += 1

    # -- passes ---------------------------------------------------------------------

    def run_pass(self, clean: bool = False) -> PassRun:
        number = len(self.runs) + 1
        kill_after = None
        # Draw both every time, so that the sequence does not depend on `clean`.
        kill = self.rng.random() < KILL_SHARE
        delay = self.rng.uniform(*KILL_WINDOW)
        if kill and not clean:
            kill_after = delay

        env = tool_environment()
        env["CUBYN_AMZ_SOAK_ORIGIN"] = repr(self.clock.origin)
        env["CUBYN_AMZ_SOAK_SCALE"] = repr(self.clock.scale)
        config = str(self.connection.config)
        argv = [sys.executable, "-c", PASS, "--config", config, "-q", "sync"]
        started = time.monotonic()
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        killed = False
        try:
            out, err = process.communicate(timeout=kill_after or 60.0)
        except subprocess.TimeoutExpired:
            if kill_after is None:
                process.kill()
                out, err = process.communicate()
                raise AssertionError(f"pass {number} ran for a minute") from None
            process.send_signal(signal.SIGKILL)
            out, err = process.communicate()
            killed = True
        run = PassRun(
            number,
            clean,
            process.returncode,
            killed,
            time.monotonic() - started,
            out,
            err,
        )
        self.runs.append(run)
        return run

    def wait_for_next_cron(self, started: float) -> None:
        """Sleep until CRON sandbox seconds after ``started`` (a sandbox time)."""
        left = started + CRON - self.clock.now()
        if left > 0:
            self.clock.sleep(left)

    def cycle(self, clean: bool = False) -> PassRun:
        started = self.clock.now()
        if not clean:
            self.move()
        run = self.run_pass(clean)
        if run.killed or run.code == 4:
            left = +open_work(self.state_db)
            self.left_open.update(left)
            self.left_open["interrupted passes that left work open"] += bool(left)
        self.wait_for_next_cron(started)
        return run

    def wait_for_pending_orders(self) -> None:
        """Let every PENDING order clear payment, then Amazon's two-minute lag pass.

        Only then can the clean passes see every order that will ever be
        UNSHIPPED; the sandbox authorises a pending order within the hour.
        """
        deadline = self.clock.now() + 2 * 3600
        while self.clock.now() < deadline:
            with self.sandbox.lock:
                self.sandbox.tick()
                pending = any(
                    o.status.startswith("PENDING")
                    for o in self.sandbox.amazon.orders.values()
                )
            if not pending:
                break
            self.clock.sleep(60)
        self.clock.sleep(130)
        self.sample()


def connect_soak(sb: Sandbox, folder: Path) -> Connection:
    """A connection made with the real ``cubyn-amz connect``, in all four markets."""
    connection = connect(sb, folder, marketplaces=SELLING, app_name="soak")
    connection.set("stock", "buffer", BUFFER)
    connection.set("stock", "feed_threshold", FEED_THRESHOLD)
    return connection


# -- settling and checking ------------------------------------------------------------


# Work a pass leaves open only when it is cut short (a kill, an outage).
LEFT_OPEN = {
    "orders left creating": "SELECT COUNT(*) FROM orders WHERE state = 'creating'",
    "confirmations left in flight": (
        "SELECT COUNT(*) FROM shipments WHERE state = 'confirming'"
    ),
    "patches left in flight": (
        "SELECT COUNT(*) FROM stock WHERE state = 'sending' AND feed IS NULL"
    ),
    "feeds left without an id": (
        "SELECT COUNT(*) FROM feeds WHERE state = 'submitting'"
    ),
}
# And what any pass may leave for the next one to read.
AWAITING = {
    "feeds awaiting their report": (
        "SELECT COUNT(*) FROM feeds WHERE state = 'submitted'"
    ),
}


def open_work(path: Path, queries: dict[str, str] = LEFT_OPEN) -> Counter[str]:
    if not path.exists():
        return Counter()
    with contextlib.closing(sqlite3.connect(path)) as db:
        return Counter(
            {name: db.execute(sql).fetchone()[0] for name, sql in queries.items()}
        )


def unsettled(path: Path) -> list[str]:
    """Work the state still holds open: why another clean pass is needed."""
    work = open_work(path, {**LEFT_OPEN, **AWAITING})
    return [f"{count} {name}" for name, count in work.items() if count]


@dataclass
class Findings:
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, line: str) -> None:
        self.problems.append(line)


def check(soak: Soak, db: sqlite3.Connection) -> Findings:
    found = Findings()
    with soak.sandbox.lock:
        check_orders(soak, db, found)
        check_shipments(soak, db, found)
        check_stock(soak, found)
    check_runs(soak, found)
    check_database(soak, found)
    return found


def eligible(soak: Soak, order_id: str) -> bool:
    amazon, cubyn = soak.sandbox.amazon, soak.sandbox.cubyn
    order = amazon.orders[order_id]
    return (
        order_id in soak.unshipped
        and order.fulfilled_by == "MERCHANT"
        and soak.settings.delivery_mode(order.service_level) is not None
        and all(item.sku in cubyn.products for item in order.items)
    )


def check_orders(soak: Soak, db: sqlite3.Connection, found: Findings) -> None:
    amazon, cubyn = soak.sandbox.amazon, soak.sandbox.cubyn
    rows = {
        row[0]: (row[1], row[2])
        for row in db.execute("SELECT order_id, state, attention FROM orders")
    }
    counts: Counter[str] = Counter()
    for order_id, order in amazon.orders.items():
        parcels = cubyn.parcels_for(order_id)
        if not eligible(soak, order_id):
            counts["not eligible"] += 1
            if parcels:
                found.problem(f"order {order_id} is not eligible but is in Cubyn")
            continue
        counts["eligible"] += 1
        if order.status != "CANCELLED":
            if not parcels:
                found.problem(f"order {order_id} is missing from Cubyn")
            elif len(parcels) > 1:
                ids = ", ".join(str(p.id) for p in parcels)
                found.problem(f"order {order_id} is in Cubyn {len(parcels)}×: {ids}")
            else:
                counts["in Cubyn once"] += 1
            continue

        # Cancelled on Amazon: its parcel cancelled, or the order flagged.
        counts["cancelled on Amazon"] += 1
        if len(parcels) > 1:
            found.problem(f"cancelled order {order_id} is in Cubyn {len(parcels)}×")
        live = [p for p in parcels if p.status != "CANCELLED"]
        if not parcels:
            counts["cancelled before import"] += 1
        elif not live:
            counts["cancelled in Cubyn"] += 1
        else:
            _, attention = rows.get(order_id, (None, None))
            statuses = ", ".join(p.status for p in live)
            if attention is None:
                found.problem(
                    f"cancelled order {order_id} has a live parcel ({statuses}) "
                    "and is not flagged"
                )
            elif any(p.status == "CREATED" for p in live):
                found.problem(
                    f"cancelled order {order_id} is flagged, but its parcel is "
                    "CREATED and could have been cancelled"
                )
            else:
                counts["flagged: warehouse had started"] += 1
    found.figures["orders"] = dict(counts, **{"on Amazon": len(amazon.orders)})


def check_shipments(soak: Soak, db: sqlite3.Connection, found: Findings) -> None:
    amazon, cubyn = soak.sandbox.amazon, soak.sandbox.cubyn
    states = dict(db.execute("SELECT order_id, state FROM shipments").fetchall())
    carriers = {**AMAZON_CARRIER_CODES, **soak.settings.carriers}
    sent: Counter[str] = Counter(c["orderId"] for c in amazon.confirmations)
    # A confirmation sent again after a kill or a lost answer edits the package.
    first: Counter[str] = Counter(
        c["orderId"] for c in amazon.confirmations if not c.get("edited")
    )
    counts: Counter[str] = Counter()
    for parcel in cubyn.parcels.values():
        if parcel.shipment is None:
            continue  # not shipped (yet)
        order = amazon.orders.get(parcel.order_ref)
        if order is None or parcel.order_ref in soak.cancelled:
            continue  # a cancelled order is never confirmed
        counts["shipped parcels"] += 1
        order_id = parcel.order_ref
        tracking = parcel.shipment.get("trackingNumber")
        if not tracking:
            if states.get(order_id) == "attention":
                counts["flagged: no tracking number"] += 1
            else:
                found.problem(f"order {order_id}: untracked parcel not flagged")
            if order.packages:
                found.problem(f"order {order_id}: confirmed without tracking")
            continue

        packages = list(order.packages.values())
        if len(packages) != 1:
            found.problem(f"order {order_id}: {len(packages)} packages on Amazon")
            continue
        package = packages[0]
        carrier = parcel.shipment["carrier"]
        code = carriers.get(carrier, "Other")
        if package.tracking_number != tracking:
            found.problem(
                f"order {order_id}: Amazon shows tracking "
                f"{package.tracking_number}, Cubyn {tracking}"
            )
        elif package.carrier_code != code or (
            code == "Other" and package.carrier_name != carrier
        ):
            found.problem(
                f"order {order_id}: Amazon shows carrier {package.carrier_code} "
                f"({package.carrier_name}) for Cubyn's {carrier}"
            )
        elif order.status != "SHIPPED":
            found.problem(
                f"order {order_id}: confirmed but Amazon shows {order.status}"
            )
        elif first[order_id] != 1:
            found.problem(f"order {order_id}: {first[order_id]} first confirmations")
        else:
            counts["confirmed once"] += 1
            if sent[order_id] > 1:
                counts["sent again (same package edited)"] += 1
    for order_id in soak.unshipped:
        order = amazon.orders[order_id]
        parcels = cubyn.parcels_for(order_id)
        if order.packages and not any(p.shipment for p in parcels):
            found.problem(f"order {order_id}: confirmed on Amazon, not shipped")
    if amazon.rejected:
        counts["confirmations Amazon refused"] = len(amazon.rejected)
    found.figures["shipments"] = dict(counts)


def check_stock(soak: Soak, found: Findings) -> None:
    """Each listing of a SKU on both sides shows available − buffer − pending."""
    amazon, cubyn = soak.sandbox.amazon, soak.sandbox.cubyn
    expected = expected_quantities(soak.sandbox, soak.connection)
    counts: Counter[str] = Counter()
    for (sku, marketplace_id), shown in sorted(amazon.listings.items()):
        if (sku, marketplace_id) not in expected:
            counts["listings of Amazon-only SKUs"] += 1
            continue
        wanted = expected[sku, marketplace_id]
        if shown == wanted:
            counts["listings at the planned quantity"] += 1
        else:
            country = MARKETPLACE_BY_ID[marketplace_id].country
            found.problem(
                f"listing {sku} ({country}) shows {shown}, planned {wanted} "
                f"(available {cubyn.products[sku].available})"
            )
    found.figures["stock"] = dict(counts)


def check_runs(soak: Soak, found: Findings) -> None:
    codes: Counter[str] = Counter()
    for run in soak.runs:
        codes["killed" if run.killed else f"exit {run.code}"] += 1
        for stream in (run.stdout, run.stderr):
            # Click prints "Aborted!" for an EOFError that escaped: a crash too.
            if "Traceback" in stream or "Aborted!" in stream:
                found.problem(f"pass {run.number} crashed:\n{stream}")
        if not run.killed and run.code not in EXPECTED_EXIT:
            found.problem(
                f"pass {run.number} ended {run.code}:\n{run.stdout}{run.stderr}"
            )
        if run.clean and not run.killed and run.code == 4:
            found.problem(f"clean pass {run.number} found a service unavailable")

    for line in soak.crashes.lines:
        found.problem(f"the sandbox failed: {line}")
    amazon, cubyn = soak.sandbox.amazon, soak.sandbox.cubyn
    if amazon.throttled:
        found.problem(
            f"Amazon answered {amazon.throttled} 429s of the tool's own making: "
            f"{dict(amazon.throttled_by_operation)}"
        )
    if cubyn.throttled:
        found.problem(f"Cubyn answered {cubyn.throttled} 429s of the tool's making")
    found.figures["passes"] = dict(codes, total=len(soak.runs))
    found.figures["faults injected"] = dict(soak.sandbox.faults.injected)
    found.figures["429 of the tool's own making"] = {
        "Amazon": amazon.throttled,
        "Cubyn": cubyn.throttled,
    }
    found.figures["API calls"] = {
        "Amazon": sum(amazon.calls.values()),
        "Cubyn": sum(cubyn.calls.values()),
    }
    found.figures["world"] = dict(soak.events)
    found.figures["recovered"] = dict(soak.left_open)


def check_database(soak: Soak, found: Findings) -> None:
    verdict = integrity(soak.state_db)
    if verdict != "ok":
        found.problem(f"the state database fails integrity_check: {verdict}")
    found.figures["state database"] = {"integrity_check": verdict}


def report(soak: Soak, found: Findings, clean: int, why: list[str]) -> str:
    hours = (soak.clock.now() - soak.clock.origin) / 3600
    lines = [
        f"soak: seed {SEED}, {len(soak.runs)} passes ({clean} clean), "
        f"{hours:.1f} sandbox hours, {sum(r.seconds for r in soak.runs):.0f} s "
        "spent in passes",
    ]
    if why:
        lines.append(f"  clean passes beyond {MIN_CLEAN}: {'; '.join(why)}")
    for name, figures in found.figures.items():
        text = ", ".join(f"{k} {v}" for k, v in figures.items())
        lines.append(f"  {name}: {text}")
    lines.append(
        f"  problems: {len(found.problems)}"
        + "".join(f"\n    {p}" for p in found.problems[:30])
    )
    return "\n".join(lines)


def settle(soak: Soak) -> tuple[int, list[str]]:
    """Clean passes: at least MIN_CLEAN, then until nothing is left open.

    Two are enough for orders and shipments; a feed sent by the last pass is read
    only by a later one, and a quantity that changed while it was out goes in the
    pass after that, so feeds may need more. Why each extra pass ran is kept.
    """
    why: list[str] = []
    for clean in range(1, MAX_CLEAN + 1):
        soak.cycle(clean=True)
        left = unsettled(soak.state_db)
        if clean >= MIN_CLEAN:
            if not left:
                return clean, why
            why.append(f"after pass {clean}: {', '.join(left)}")
    return MAX_CLEAN, why


def test_soak(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    passes = LONG_PASSES if request.config.getoption("--long") else SHORT_PASSES
    crashes = Crashes()
    sandbox_log = logging.getLogger("cubyn_amz.sandbox")
    sandbox_log.addHandler(crashes)
    clock = ScaledClock(time.time(), SCALE)
    sb = Sandbox(seed=SEED, orders=40, clock=clock, stage_seconds=None).start()
    try:
        connection = connect_soak(sb, tmp_path / "connection")
        rng = random.Random(f"{SEED}:soak")
        soak = Soak(sb, clock, connection, connection.settings, rng, crashes=crashes)
        sb.faults.configure(rate=0.1, kinds=FAULT_KINDS, seed=SEED)
        for _ in range(passes):
            soak.cycle()

        sb.faults.off()
        soak.wait_for_pending_orders()
        clean, why = settle(soak)
        soak.sample()
        with contextlib.closing(sqlite3.connect(soak.state_db)) as db:
            found = check(soak, db)
        left = unsettled(soak.state_db)
        if left:
            found.problem(f"still unsettled after {clean} clean passes: {left}")
        text = report(soak, found, clean, why)
        with capsys.disabled():
            print("\n" + text)
    finally:
        sandbox_log.removeHandler(crashes)
        sb.stop()

    assert not found.problems, text
    assert len(soak.runs) >= passes
    assert found.figures["orders"].get("in Cubyn once", 0) > 0
    assert found.figures["shipments"].get("confirmed once", 0) > 0
    assert sum(found.figures["faults injected"].values()) > 0
    assert found.figures["passes"].get("killed", 0) > 0
