"""Scenario 3: Amazon's usage plans on a simulated clock, cron every five minutes.

The tool and the sandbox share one FakeClock, with every usage plan on: the
sandbox's buckets (Amazon's default plans, Cubyn's 10 a second) refill on it and
the tool's pacer sleeps on it, so hours of `cubyn-amz sync` runs every five
minutes take seconds, and the figures are exact. Three stages follow each other,
each starting at a cron tick:

1. orders: 5,000 orders to ship are on Amazon; until every one is in Cubyn;
2. shipments: the warehouse ships 1,000 of their parcels; until Amazon has the
   1,000 confirmations;
3. stock: stock sync is turned on over a catalogue 10,000 SKUs larger; until
   Amazon shows every quantity (the feeds' processing ends).

Each stage's time is set against its floor: when a client that called as soon
as the buckets allow (full at the stage's start) would be through. Orders:
searchOrders 20 at once then 0.0056 a second for ceil(5,000/100) pages, each
page's orders posted to Cubyn at 10 a second; shipments: a Cubyn list page per
100 parcels, then confirmShipment 10 at once then 2 a second; stock: the
catalogue read from Cubyn, one feed a marketplace (createFeedDocument and
createFeed, within their bursts), plus Amazon's own processing time of each
feed as the sandbox drew it.

Targets (issues 3, 4, 7): everything through within 1.05 times the floor; no
429 answered by the usage plans.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import common

ORDERS = 5_000
SHIPMENTS = 1_000
SKUS = 10_000
SCENARIO = "3 usage plans"
MAX_RUNS = 100


def until(cron: common.Cron, settings: Any, done: Any) -> int:
    """Cron runs until ``done()``; how many."""
    runs = 0
    while not done():
        if runs == MAX_RUNS:
            raise SystemExit(f"not through after {MAX_RUNS} cron runs")
        cron.run(settings)
        runs += 1
    return runs


def orders_floor(orders: int) -> float:
    buckets, at = common.Buckets(common.default_plans()), 0.0
    for page in range(math.ceil(orders / 100)):
        at = buckets.call(at, "searchOrders")
        at = buckets.calls(at, min(100, orders - 100 * page), "cubyn")
    return at


def shipments_floor(parcels: int) -> float:
    buckets = common.Buckets(common.default_plans())
    at = buckets.calls(0.0, math.ceil(parcels / 100), "cubyn")
    return buckets.calls(at, parcels, "confirmShipment")


def stock_floor(products: int, durations: list[float]) -> float:
    """``durations``: Amazon's processing time of each feed, in sending order."""
    buckets = common.Buckets(common.default_plans())
    at = buckets.calls(0.0, math.ceil(products / 100), "cubyn")
    through = at
    for duration in durations:
        at = buckets.call(at, "createFeedDocument")
        at = buckets.call(at, "createFeed", "createFeed:JSON_LISTINGS_FEED")
        through = max(through, at + duration)
    return through


def measure() -> dict[str, Any]:
    from cubyn_amz.clock import FakeClock, parse_iso
    from cubyn_amz.sandbox.data import PRODUCTS

    common.quiet_logs()
    with (
        tempfile.TemporaryDirectory() as folder,
        common.sandbox(clock=FakeClock(), skus=SKUS) as sb,
    ):
        sb.warehouse.untracked_share = 0.0  # each shipment can be confirmed
        path = common.write_settings(Path(folder), sb.connection(), stock_update=False)
        stock_off = common.load(path)
        stock_on = dataclasses.replace(
            stock_off, stock=dataclasses.replace(stock_off.stock, update=True)
        )
        cron = common.Cron(sb)
        stages: dict[str, Any] = {}

        common.say(f"{SCENARIO}: importing {ORDERS:,} orders")
        start = cron.wait()
        ids = common.orders_to_ship(sb, ORDERS)
        runs = until(cron, stock_off, lambda: all(sb.cubyn.parcels_for(i) for i in ids))
        parcels = [sb.cubyn.parcels_for(i)[0] for i in ids]
        stages["orders"] = {
            "elapsed": max(p.created for p in parcels) - start,
            "floor": orders_floor(ORDERS),
            "runs": runs,
            "extra": len([i for i in ids if len(sb.cubyn.parcels_for(i)) > 1]),
        }

        common.say(f"{SCENARIO}: confirming {SHIPMENTS:,} shipments")
        start = cron.wait()
        for sku in PRODUCTS:
            if sku in sb.cubyn.products:
                sb.warehouse.receive(sku, 10_000)  # enough on the shelf to pick
        shipped = parcels[:SHIPMENTS]
        for _ in range(3):  # picked, packed, shipped
            sb.warehouse.step([p.id for p in shipped])
        if any(p.status != "SHIPPED" for p in shipped):
            raise SystemExit("the warehouse did not ship every chosen parcel")
        wanted = {p.order_ref for p in shipped}

        def confirmed() -> list[dict[str, Any]]:
            return [c for c in sb.amazon.confirmations if c["orderId"] in wanted]

        runs = until(cron, stock_off, lambda: len(confirmed()) >= SHIPMENTS)
        stages["shipments"] = {
            "elapsed": max(parse_iso(c["receivedAt"]) for c in confirmed()) - start,
            "floor": shipments_floor(SHIPMENTS),
            "runs": runs,
            "extra": len(confirmed()) - SHIPMENTS,
        }

        common.say(f"{SCENARIO}: pushing the stock of {len(sb.cubyn.products):,} SKUs")
        start = cron.wait()
        known = set(sb.amazon.feeds)

        def feeds() -> list[Any]:
            return [f for i, f in sb.amazon.feeds.items() if i not in known]

        runs = until(
            cron,
            stock_on,
            lambda: bool(feeds()) and all(f.status == "DONE" for f in feeds()),
        )
        sent = sorted(feeds(), key=lambda f: f.created)
        stages["stock"] = {
            "elapsed": max(f.ends for f in sent) - start,
            "floor": stock_floor(
                len(sb.cubyn.products), [f.ends - f.created for f in sent]
            ),
            "runs": runs,
            "extra": len(sent),
        }
        return {"stages": stages, "throttled": common.throttled(sb)}


def rows(measured: dict[str, Any]) -> list[common.Row]:
    stages = measured["stages"]
    notes = {
        "orders": lambda s: f"{ORDERS:,} orders; {s['extra']} posted twice",
        "shipments": lambda s: f"{SHIPMENTS:,} parcels; {s['extra']} confirmed again",
        "stock": lambda s: f"{SKUS:,} more SKUs; {s['extra']} feeds",
    }
    rv = []
    for name, stage in stages.items():
        runs = f"{stage['runs']} cron run" + ("s" if stage["runs"] > 1 else "")
        rv.append(
            common.Row(
                SCENARIO,
                f"time until through, {name}",
                stage["elapsed"],
                stage["floor"],
                "s",
                note=f"{runs}; {notes[name](stage)}",
                within=1.05,
            )
        )
    rv.append(
        common.Row(
            SCENARIO,
            "time until through, all three",
            sum(s["elapsed"] for s in stages.values()),
            sum(s["floor"] for s in stages.values()),
            "s",
            note="the target is the floor the default usage plans allow",
            within=1.05,
        )
    )
    rv.append(
        common.Row(SCENARIO, "429s from the usage plans", measured["throttled"], 0)
    )
    return rv


def main() -> int:
    args = common.arguments(__doc__.splitlines()[0])
    return common.report(rows(measure()), args.json)


if __name__ == "__main__":
    sys.exit(main())
