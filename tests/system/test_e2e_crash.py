"""Runs cut short by kill -9, and runs that overlap, against the sandbox over HTTP.

A kill lands while a request is in flight: the sandbox counts a request when it
arrives and, with "slow" faults, answers it only after a pause, so killing the tool
as soon as the count moves leaves the request applied by the server and unanswered,
which is the worst case the state database must recover from.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from cubyn_amz.sandbox import Sandbox
from tests.system import e2e
from tests.system.e2e import (
    Connection,
    assert_listings_show_stock,
    assert_one_parcel_each,
    assert_shipments_confirmed_once,
    connect,
    effects,
    eligible_orders,
    finish,
    integrity,
    kill_9,
    parcels_by_order,
    sync_until_converged,
    wait_until,
)

# The fixtures of e2e.py.
sandbox, sandboxes, connection = e2e.sandbox, e2e.sandboxes, e2e.connection

SLOW = 0.3  # seconds the sandbox holds each answer


def kill_sync_when(
    connection: Connection, sandbox: Sandbox, operation: str, count: int
) -> None:
    """Start ``sync``; kill -9 it once the sandbox has received ``count`` calls
    of ``operation``, while the last is held; let that request land."""
    process = connection.start("sync")
    wait_until(
        lambda: effects(sandbox)[operation] >= count or process.poll() is not None,
        f"{count} {operation} calls",
    )
    assert process.poll() is None, "the run ended before it could be killed"
    kill_9(process)
    time.sleep(SLOW + 0.2)  # the server finishes the request the run left


def states(connection: Connection, table: str) -> list[str]:
    with sqlite3.connect(connection.state_db) as db:
        return [row[0] for row in db.execute(f"SELECT state FROM {table}")]


def test_kill_9_in_the_middle_of_each_pass_loses_and_repeats_nothing(
    sandboxes: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandboxes(seed=11, orders=40)
    conn = connect(sb, tmp_path)
    # A second (not a minute) before an unanswered creation is looked up.
    conn.set("import", "settle_after", 1)
    eligible = eligible_orders(sb, conn)
    assert len(eligible) >= 8

    # Importing: killed with a parcel creation in flight.
    sb.faults.configure(rate=1.0, kinds=("slow",), slow_seconds=SLOW, apis=["cubyn"])
    kill_sync_when(conn, sb, "createParcel", 4)
    sb.faults.off()

    assert "creating" in states(conn, "orders")  # the intent, without its answer
    assert 4 <= len(parcels_by_order(sb)) < len(eligible)

    # Confirming shipments: killed with a confirmation in flight.
    for _ in range(3):
        sb.warehouse.step()
    sb.faults.configure(rate=1.0, kinds=("slow",), slow_seconds=SLOW, apis=["amazon"])
    kill_sync_when(conn, sb, "confirmShipment", 3)

    assert "confirming" in states(conn, "shipments")

    # Pushing stock: a delivery of every SKU, and killed with a patch in flight.
    for sku in list(sb.cubyn.products):
        sb.warehouse.receive(sku, 5)
    kill_sync_when(conn, sb, "patchListingsItem", 6)
    sb.faults.off()

    assert "sending" in states(conn, "stock")

    runs = sync_until_converged(conn, sb)
    status = conn.run("--json", "status")

    assert runs <= 3
    assert_one_parcel_each(sb, eligible)
    assert_shipments_confirmed_once(sb)
    assert any(c.get("edited") for c in sb.amazon.confirmations)  # the one resent
    assert_listings_show_stock(sb, conn)
    assert integrity(conn.state_db) == "ok"
    assert "interrupted" not in status.stdout
    assert "creating" not in states(conn, "orders")
    assert "confirming" not in states(conn, "shipments")
    assert "sending" not in states(conn, "stock")


def test_two_runs_at_once_one_waits_for_cron_with_exit_75(
    sandbox: Sandbox, connection: Connection
) -> None:
    connection.set("stock", "update", False)
    # Every Amazon answer takes a second: the first run holds the lock meanwhile.
    sandbox.faults.configure(
        rate=1.0, kinds=("slow",), slow_seconds=1.0, apis=["amazon"]
    )
    first = connection.start("sync")
    wait_until(
        lambda: sandbox.amazon.calls["searchOrders"] >= 1,
        "the first run to be inside import-orders",
    )

    second = connection.run("sync")
    sandbox.faults.off()
    done = finish(first)

    assert second.code == 75, second.output
    assert "another cubyn-amz run holds the lock" in second.stderr
    assert second.stdout == ""
    assert done.code in (0, 1), done.output
    assert sandbox.amazon.calls["searchOrders"] == 1  # the second asked nothing
    assert_one_parcel_each(sandbox, eligible_orders(sandbox, connection))
    assert connection.run("sync").code == 0
