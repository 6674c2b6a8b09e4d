"""``cubyn-amz demo``: one shop's day, told against the sandbox.

The sandbox (``cubyn_amz.sandbox``) serves Amazon and Cubyn on 127.0.0.1 from a
thread of this process. A throwaway connection is made to it in a temporary folder
with the real ``cubyn-amz connect``, and every step of the day runs the real
command in a child process, as cron would, so the story shows what the tool
prints. Between the commands the story plays the other side: buyers order and
cancel on Amazon, the warehouse picks, packs and ships, a parcel comes back, a
delivery arrives.

Time. The tool reads the system clock, and Amazon shows an order only once it is
two minutes old (searchOrders' window ends two minutes before the request). A
sandbox clock sped up would put every new order in the tool's future, where it
never sees it. So the sandbox keeps the system clock; the day's hours are the
story's, the warehouse moves when the story says, and the Amazon events of the
day are stamped a few minutes in the past, as if the tool had just woken up after
them. Amazon's feed processing is cut from minutes to seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cubyn_amz.errors import CubynAmzError
from cubyn_amz.sandbox import Sandbox

Echo = Callable[[str], None]

SHOP = "Maison Sandbox"
# Old enough for searchOrders (two minutes), young enough for the tool's next
# window, which starts five minutes before the previous one ended.
EVENT_AGO = 180.0
# More changed SKUs than this in a marketplace go by feed (50 by default): the
# first push of the day shows the feed flow.
FEED_THRESHOLD = 10
# Without --full, the warning lines shown per command, and the lines shown of a
# list in the output (status's SKUs on one side only, say).
OUTPUT_LINES = 6
LIST_LINES = 4
COMMAND_TIMEOUT = 120.0

EXIT_MEANINGS = {
    1: "some items failed or need a person",
    2: "usage or settings error",
    3: "credentials refused",
    4: "a service stayed unavailable",
    75: "another run holds the lock",
}


class DemoFailed(CubynAmzError):
    """A step of the demo did not go as a working install makes it go."""


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


class Tool:
    """The installed tool, run in a child process on the demo's connection."""

    def __init__(self, config: Path, echo: Echo, full: bool) -> None:
        self.config = config
        self.echo = echo
        self.full = full
        self.env = _child_environment()

    def run(
        self, *args: str, shown: str | None = None, allowed: Sequence[int] = (0,)
    ) -> Ran:
        """Run ``cubyn-amz args``, echo the command and what it printed."""
        self.echo(f"  $ cubyn-amz {shown or ' '.join(args)}")
        argv = [sys.executable, "-m", "cubyn_amz", "--config", str(self.config)]
        try:
            done = subprocess.run(
                [*argv, *args],
                capture_output=True,
                text=True,
                env=self.env,
                # Not the caller's folder: a source tree there would shadow the
                # installed package in ``-m cubyn_amz``.
                cwd=self.config.parent,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DemoFailed(
                f"`cubyn-amz {args[0]}` did not finish in {COMMAND_TIMEOUT:g} s"
            ) from None
        ran = Ran(done.returncode, done.stdout, done.stderr)
        self._show(ran)
        if ran.code not in allowed:
            raise DemoFailed(
                f"`cubyn-amz {args[0]}` exited {ran.code} "
                f"({EXIT_MEANINGS.get(ran.code, 'unexpected')})",
                "the output above says why; please report it",
            )
        return ran

    def _show(self, ran: Ran) -> None:
        # Warnings come first, as at a terminal: they are logged during the pass
        # and the summary is printed at its end.
        warnings = ran.stderr.splitlines()
        lines = ran.stdout.splitlines()
        if not self.full:
            warnings = abridge(warnings, OUTPUT_LINES, lambda line: True)
            lines = abridge(lines, LIST_LINES, lambda line: line.startswith("  "))
        for line in [*warnings, *lines]:
            self.echo(f"    {line}")
        if ran.code:
            self.echo(f"    (exit {ran.code}: {EXIT_MEANINGS.get(ran.code, '?')})")


def abridge(lines: list[str], limit: int, listed: Callable[[str], bool]) -> list[str]:
    """Each run of more than ``limit`` ``listed`` lines cut to its first ``limit``."""
    rv: list[str] = []
    run: list[str] = []

    def close() -> None:
        rv.extend(run[:limit])
        if len(run) > limit:
            indent = run[limit][: len(run[limit]) - len(run[limit].lstrip())]
            rv.append(f"{indent}… {len(run) - limit} more like these (--full)")
        run.clear()

    for line in lines:
        if listed(line):
            run.append(line)
            continue
        close()
        rv.append(line)
    close()
    return rv


def _child_environment() -> dict[str, str]:
    """The environment without the user's own cubyn-amz settings and secrets.

    A proxy is bypassed for loopback, so that nothing leaves the machine.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUBYN_AMZ_")}
    for name in ("NO_PROXY", "no_proxy"):
        present = [part for part in env.get(name, "").split(",") if part]
        env[name] = ",".join([*present, "127.0.0.1", "localhost"])
    return env


class Day:
    """The story: each step narrates, plays the world's part, and runs the tool."""

    def __init__(self, sandbox: Sandbox, tool: Tool, echo: Echo) -> None:
        self.sandbox = sandbox
        self.tool = tool
        self.echo = echo

    def tell(self, hour: str, text: str) -> None:
        self.echo("")
        body = textwrap.wrap(text, 80 - 7)
        self.echo(f"{hour}  {body[0]}")
        for line in body[1:]:
            self.echo(f"       {line}")

    def run(self) -> None:
        self.connect()
        self.first_import()
        self.first_stock_push()
        self.morning_orders()
        self.late_cancellation()
        self.shipping()
        self.return_and_receipt()
        self.evening_sync()
        self.status()

    # -- the steps ------------------------------------------------------------------

    def connect(self) -> None:
        self.tell(
            "07:55",
            f"{SHOP} sells on Amazon FR, DE, ES and IT; Cubyn keeps its stock and "
            "ships its parcels. The seller connects the two once: `connect` asks "
            "both sides to accept the credentials before it writes anything.",
        )
        command = self.sandbox.connect_command(SHOP)[1:]
        markets = " ".join(f"--marketplace {m}" for m in ("FR", "DE", "ES", "IT"))
        self.tool.run(
            *command,
            shown=f'connect --app-name "{SHOP}" {markets} … (credentials and '
            "the sandbox's endpoints)",
        )
        self._lower_feed_threshold()

    def first_import(self) -> None:
        skipped = self._not_offered()
        example = f" (here {skipped})" if skipped else ""
        self.tell(
            "08:00",
            "The first import: every unshipped order of the last 30 days becomes "
            "one Cubyn parcel. An order whose delivery mode Cubyn does not offer"
            f"{example} is skipped and recorded; so is one Amazon fulfils itself, "
            "or one still pending payment. An order Cubyn refuses is flagged and "
            "tried again hourly.",
        )
        self.tool.run("import-orders", allowed=(0, 1))

    def first_stock_push(self) -> None:
        self.tell(
            "08:01",
            "Stock: each listing gets the units Cubyn can still ship. Nearly every "
            "SKU differs on this first push, so each marketplace gets one listings "
            "feed (this demo lowers stock.feed_threshold to "
            f"{FEED_THRESHOLD} changes), which Amazon processes in the "
            "background; a later pass reads its report.",
        )
        self.tool.run("sync-stock", allowed=(0, 1))

    def morning_orders(self) -> None:
        amazon = self.sandbox.amazon
        amazon.generate_orders(4, ago=EVENT_AGO)
        cancelled = self._parcel_order("CREATED")
        if cancelled:
            amazon.cancel_order(cancelled, ago=EVENT_AGO)
        self.tell(
            "10:30",
            "New orders come in, and a buyer cancels order "
            f"{cancelled or '(none to cancel)'} before the warehouse has started "
            "on it. Cron's next run imports the new orders and cancels that "
            "parcel in Cubyn.",
        )
        self.tool.run("import-orders", allowed=(0, 1))

    def late_cancellation(self) -> None:
        self.sandbox.warehouse.step()
        late = self._parcel_order("PICKED")
        if late:
            self.sandbox.amazon.cancel_order(late, ago=EVENT_AGO)
        self.tell(
            "11:45",
            "The warehouse picks the morning's parcels. Then the buyer of order "
            f"{late or '(none)'} cancels too: Cubyn cannot cancel a parcel it has "
            "picked, so the order is flagged for a person, who can still "
            "intercept it.",
        )
        self.tool.run("import-orders", allowed=(0, 1))

    def shipping(self) -> None:
        self.sandbox.warehouse.step()
        self.sandbox.warehouse.step()
        self.tell(
            "15:00",
            "The parcels are packed and handed to the carriers. Each shipped "
            "parcel is confirmed on Amazon once, with its carrier and tracking "
            "number; the buyer gets the tracking link.",
        )
        self.tool.run("push-shipments", allowed=(0, 1))

    def return_and_receipt(self) -> None:
        warehouse = self.sandbox.warehouse
        returned = self._returnable()
        if returned is not None:
            warehouse.return_parcel(returned)
        sku, units = self._restock()
        warehouse.receive(sku, units)
        self._wait_for_feeds()
        self.tell(
            "16:30",
            f"A buyer's parcel comes back to the warehouse"
            f"{f' (parcel {returned})' if returned else ''}, its units back on "
            f"the shelf, and a delivery brings {units} units of {sku}. The stock "
            "pass first reads the reports of the morning's feeds, then pushes "
            "only the quantities that changed.",
        )
        self.tool.run("sync-stock", allowed=(0, 1))

    def evening_sync(self) -> None:
        self.tell(
            "18:00",
            "From cron, `cubyn-amz -q sync` runs the three passes every five "
            "minutes (here without -q, to show its summary). With nothing new on "
            "either side, a run changes nothing.",
        )
        self.tool.run("sync", allowed=(0, 1))

    def status(self) -> None:
        self.tell(
            "18:05",
            "At the end of the day the operator reads `status`: the last passes, "
            "what was done, and what needs a person. It exits 1 when something "
            "does, so that a script can alert on it.",
        )
        self.tool.run("status", allowed=(0, 1))
        self._totals()

    # -- reading and steering the sandbox -------------------------------------------

    def _lower_feed_threshold(self) -> None:
        from cubyn_amz.settings import write

        doc = write.read_document(self.tool.config)
        write.set_value(doc, "stock", "feed_threshold", FEED_THRESHOLD)
        write.write_settings(self.tool.config, doc)

    def _not_offered(self) -> str | None:
        """The service level of an unshipped order Cubyn has no delivery mode for."""
        from cubyn_amz.settings.model import BUILTIN_DELIVERY_MODES

        orders = self.sandbox.amazon.orders
        for order in sorted(orders.values(), key=lambda o: o.order_id):
            open_here = order.status == "UNSHIPPED" and order.fulfilled_by == "MERCHANT"
            if open_here and BUILTIN_DELIVERY_MODES.get(order.service_level) is None:
                return order.service_level
        return None

    def _parcel_order(self, status: str) -> str | None:
        """An Amazon order, still unshipped there, whose parcel is at ``status``."""
        with self.sandbox.lock:
            parcels = sorted(self.sandbox.cubyn.parcels.values(), key=lambda p: p.id)
            for parcel in parcels:
                order = self.sandbox.amazon.orders.get(parcel.order_ref)
                if parcel.status == status and order and order.status == "UNSHIPPED":
                    return parcel.order_ref
        return None

    def _returnable(self) -> int | None:
        """A shipped parcel whose order Amazon shows shipped (it was confirmed)."""
        with self.sandbox.lock:
            parcels = sorted(self.sandbox.cubyn.parcels.values(), key=lambda p: p.id)
            for parcel in parcels:
                order = self.sandbox.amazon.orders.get(parcel.order_ref)
                if parcel.status == "SHIPPED" and order and order.status == "SHIPPED":
                    return parcel.id
        return None

    def _restock(self) -> tuple[str, int]:
        """The SKU with the least available stock, and a delivery for it."""
        with self.sandbox.lock:
            products = self.sandbox.cubyn.products.values()
            low = min(products, key=lambda p: (p.available, p.sku))
            return low.sku, 24

    def _wait_for_feeds(self, timeout: float = 20.0) -> None:
        """Let Amazon finish the morning's feeds (seconds here, minutes for real)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sandbox.tick()
            with self.sandbox.lock:
                statuses = [f.status for f in self.sandbox.amazon.feeds.values()]
            if all(s not in ("IN_QUEUE", "IN_PROGRESS") for s in statuses):
                return
            time.sleep(0.1)

    def _totals(self) -> None:
        """What the two services saw, and whether anything was done twice."""
        state = self.sandbox.summary()
        amazon, cubyn = state["amazon"], state["cubyn"]
        calls = sum(amazon["calls"].values()) + sum(cubyn["calls"].values())
        with self.sandbox.lock:
            packages = [len(o.packages) for o in self.sandbox.amazon.orders.values()]
        twice = sum(1 for p in cubyn["parcelsByOrderRef"].values() if len(p) > 1)
        twice += sum(1 for n in packages if n > 1)
        self.echo("")
        self.echo(
            f"The sandbox saw {calls} API calls "
            f"({amazon['throttled'] + cubyn['throttled']} throttled): "
            f"{cubyn['parcels']} Cubyn parcels, {amazon['confirmationCount']} "
            "shipment confirmations, "
            f"{amazon['calls'].get('patchListingsItem', 0)} quantity patches and "
            f"{len(amazon['feeds'])} listings feeds; "
            + (
                "no order has two parcels or two packages."
                if not twice
                else f"{twice} orders have two parcels or packages!"
            )
        )


def run_demo(
    echo: Echo,
    *,
    seed: int = 3,
    orders: int = 24,
    keep: bool = False,
    full: bool = False,
) -> Path | None:
    """Tell the day; the folder of the connection when ``keep``, else None."""
    folder = Path(tempfile.mkdtemp(prefix="cubyn-amz-demo-"))
    sandbox = Sandbox(seed=seed, orders=orders, stage_seconds=None)
    # Amazon takes a minute or two over a feed; the demo cannot wait that long.
    sandbox.feeds.queue_seconds = (0, 1)
    sandbox.feeds.processing_seconds = (1, 2)
    try:
        sandbox.start()
        echo(
            f"A day at {SHOP}, in fast motion: cubyn-amz against a sandbox of "
            "Amazon and Cubyn"
        )
        echo(
            f"(served on {sandbox.base_url}, seed {seed}; nothing leaves this machine)"
        )
        tool = Tool(folder / "config.toml", echo, full)
        Day(sandbox, tool, echo).run()
    finally:
        sandbox.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return folder if keep else None
