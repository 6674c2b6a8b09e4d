"""Every pass, and ``sync``, run as cron runs them against the sandbox over HTTP.

Each test checks what a user would see on the two sides (parcels in Cubyn, packages
and quantities on Amazon) and that running again changes nothing: the call counters
of the sandbox do not move.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cubyn_amz.sandbox import Sandbox
from tests.system import e2e
from tests.system.e2e import (
    EVENT_AGO,
    Connection,
    assert_listings_show_stock,
    assert_one_parcel_each,
    assert_shipments_confirmed_once,
    connect,
    effects,
    eligible_orders,
    feeds_done,
    integrity,
    parcels_by_order,
    sync_until_converged,
    wait_until,
)

# The fixtures of e2e.py.
sandbox, sandboxes, connection = e2e.sandbox, e2e.sandboxes, e2e.connection


def test_each_pass_on_its_own_does_its_work_once(
    sandbox: Sandbox, connection: Connection
) -> None:
    eligible = eligible_orders(sandbox, connection)
    assert len(eligible) >= 5  # the seed gives the test something to do

    first = connection.run("import-orders")
    again = connection.run("import-orders")

    assert first.code in (0, 1), first.output
    assert "imported" in first.stdout
    assert_one_parcel_each(sandbox, eligible)
    assert again.code == 0, again.output
    assert "nothing to do" in again.stdout

    for _ in range(3):  # picked, packed, shipped
        sandbox.warehouse.step()
    before = effects(sandbox)
    shipped = connection.run("push-shipments")
    after_push = effects(sandbox)
    push_again = connection.run("push-shipments")

    assert shipped.code in (0, 1), shipped.output
    assert after_push["confirmShipment"] > before["confirmShipment"]
    assert_shipments_confirmed_once(sandbox)
    assert push_again.code == 0, push_again.output
    assert effects(sandbox) == after_push

    stock = connection.run("sync-stock")
    after_stock = effects(sandbox)
    stock_again = connection.run("sync-stock")

    assert stock.code in (0, 1), stock.output
    assert after_stock["patchListingsItem"] > after_push["patchListingsItem"]
    assert_listings_show_stock(sandbox, connection)
    assert stock_again.code == 0, stock_again.output
    assert "nothing to do" in stock_again.stdout
    assert effects(sandbox) == after_stock
    assert integrity(connection.state_db) == "ok"


def test_a_day_of_sync_converges_and_duplicates_nothing(
    sandboxes: Callable[..., Sandbox], tmp_path: Path
) -> None:
    # Two marketplaces, and feeds from ten changes a marketplace: the first push
    # goes by feed, whose report a later run reads; the day's changes by patch.
    sb = sandboxes(seed=7, orders=24)
    conn = connect(sb, tmp_path, marketplaces=("FR", "DE"))
    conn.set("stock", "feed_threshold", 10)
    eligible = eligible_orders(sb, conn)

    morning = conn.run("sync")
    wait_until(lambda: feeds_done(sb), "Amazon to process the morning's feeds")

    assert morning.code in (0, 1), morning.output
    assert "sent in a feed" in morning.stdout
    assert_one_parcel_each(sb, eligible)

    # The day: new orders, the warehouse ships, a return, a delivery.
    sb.amazon.generate_orders(6, ago=EVENT_AGO)
    eligible |= eligible_orders(sb, conn)
    for _ in range(3):
        sb.warehouse.step()
    conn.run("sync")
    shipped = next(
        p
        for p in sb.cubyn.parcels.values()
        if p.status == "SHIPPED" and sb.amazon.orders[p.order_ref].packages
    )
    sb.warehouse.return_parcel(shipped.id)
    sb.warehouse.receive("CANDLE-FIG", 30)
    for _ in range(3):
        sb.warehouse.step()

    runs = sync_until_converged(conn, sb)
    settled = effects(sb)
    last = conn.run("sync")

    assert runs <= 3
    assert last.code == 0, last.output
    assert effects(sb) == settled
    for line in last.stdout.splitlines():
        assert line.endswith(("nothing to do", "waiting")), line
    assert_one_parcel_each(sb, eligible)
    assert_shipments_confirmed_once(sb)
    assert_listings_show_stock(sb, conn)
    assert integrity(conn.state_db) == "ok"


def test_cancellations_on_amazon_reach_cubyn_or_a_person(
    sandbox: Sandbox, connection: Connection
) -> None:
    connection.set("stock", "update", False)  # not what this test is about
    assert connection.run("import-orders").code in (0, 1)
    parcels = parcels_by_order(sandbox)
    early, late = sorted(parcels)[:2]

    sandbox.amazon.cancel_order(early, ago=EVENT_AGO)
    passed_on = connection.run("import-orders")
    sandbox.warehouse.step()  # the warehouse picks the rest
    sandbox.amazon.cancel_order(late, ago=EVENT_AGO)
    too_late = connection.run("import-orders")
    again = connection.run("import-orders")
    status = connection.run("status")

    assert passed_on.code == 0, passed_on.output
    assert "1 cancelled" in passed_on.stdout
    assert [p.status for p in parcels_by_order(sandbox)[early]] == ["CANCELLED"]
    assert too_late.code == 0, too_late.output
    assert f"order {late}: cancelled on Amazon" in too_late.stderr
    assert [p.status for p in parcels_by_order(sandbox)[late]] == ["PICKED"]
    assert effects(sandbox)["cancelParcel"] == 2  # one refused with 409
    assert again.stdout.strip() == "import-orders: nothing to do"
    assert status.code == 1
    assert f"order {late}: cancelled on Amazon" in status.stdout
    assert early not in status.stdout
