"""Scenario 4: sync-stock over 10,000 SKUs, with 0, 100 and 10,000 of them changed.

The sandbox's catalogue is made 10,000 SKUs larger (``Sandbox(skus=...)``), the
same SKUs on both sides, listed on Amazon FR (the connection's one marketplace)
with other quantities than Cubyn's stock. Amazon's usage plans are on, on a
simulated clock, with cron runs five minutes apart. The first run pushes the
whole catalogue and a later one reads the feed's report; then stock arrives in
the warehouse for 0, 100 and 10,000 SKUs before a run, and the sandbox counts
what that run spent, and what the next one spent to read the feed's report.

Targets (issue 5): no Amazon call when nothing changed; for 100 changes one feed
(createFeedDocument, the upload, createFeed: at most 3 calls) or 100 patches,
whichever the feed threshold (50) picks; for 10,000 changes one feed; Cubyn:
ceil(changed / 100) list pages on a delta pass (at least one, to learn that
nothing changed).
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import common

SKUS = 10_000
SCENARIO = "4 stock"
CHANGES = (0, 100, 10_000)


def settle(cron: common.Cron, settings: Any) -> Counter[str]:
    """Runs until every feed sent is read back; the calls they spent."""
    from cubyn_amz.state import stock
    from cubyn_amz.state.db import StateDB

    before = common.calls(cron.sb)
    for _ in range(6):
        with StateDB(settings.state_db) as db:
            if not stock.open_feeds(db):
                return common.spent(common.calls(cron.sb), before)
        cron.run(settings, passes=common.SYNC[2:])
    raise SystemExit("a feed was still not settled after six runs")


def agreeing(sb: Any) -> tuple[int, int]:
    """FR listings showing Cubyn's available stock, and all FR listings Cubyn has."""
    shown = [
        (sb.amazon.quantity(sku, "FR"), product.available)
        for sku, product in sb.cubyn.products.items()
        if sb.amazon.quantity(sku, "FR") is not None
    ]
    return sum(1 for amazon, cubyn in shown if amazon == cubyn), len(shown)


def measure() -> dict[int, dict[str, Any]]:
    from cubyn_amz.clock import FakeClock

    common.quiet_logs()
    with (
        tempfile.TemporaryDirectory() as folder,
        common.sandbox(clock=FakeClock(), skus=SKUS) as sb,
    ):
        connection = sb.connection()
        path = common.write_settings(Path(folder), connection, marketplaces=["FR"])
        settings = common.load(path)
        cron = common.Cron(sb)
        common.say(f"{SCENARIO}: first push of {len(sb.cubyn.products):,} SKUs")
        cron.run(settings, passes=common.SYNC[2:])
        settle(cron, settings)

        added = [sku for sku in sb.cubyn.products if sku.startswith("ITEM-")]
        runs: dict[int, dict[str, Any]] = {}
        for changed in CHANGES:
            common.say(f"{SCENARIO}: {changed:,} SKUs changed")
            for sku in added[:changed]:
                sb.warehouse.receive(sku, 5)
            before = common.calls(sb)
            results = cron.run(settings, passes=common.SYNC[2:])
            runs[changed] = {
                "calls": common.spent(common.calls(sb), before),
                "counts": results[0].counts,
                "report": settle(cron, settings),
                "agreeing": agreeing(sb),
            }
        runs[-1] = {"throttled": common.throttled(sb)}
        return runs


def rows(runs: dict[int, dict[str, Any]]) -> list[common.Row]:
    rv = []
    threshold = 50  # the settings' default stock.feed_threshold
    for changed in CHANGES:
        run = runs[changed]
        calls = run["calls"]
        amazon = sum(n for name, n in calls.items() if name.startswith("amazon."))
        cubyn = calls["cubyn.listProducts"]
        target = 0 if changed == 0 else (3 if changed >= threshold else changed)
        how = ", ".join(
            f"{n} {name.split('.', 1)[1]}"
            for name, n in sorted(calls.items())
            if name.startswith("amazon.")
        )
        report = sum(
            n for name, n in run["report"].items() if name.startswith("amazon")
        )
        rv.append(
            common.Row(
                SCENARIO,
                f"Amazon calls, {changed:,} changed",
                amazon,
                target,
                "calls",
                note=(how or "none")
                + (f"; the report read on the next run: {report}" if report else ""),
            )
        )
        rv.append(
            common.Row(
                SCENARIO,
                f"Cubyn list pages, {changed:,} changed",
                cubyn,
                max(1, math.ceil(changed / 100)),
                "calls",
                note=", ".join(f"{n:,} {what}" for what, n in run["counts"].items())
                or "nothing pushed",
            )
        )
    agree, listed = runs[CHANGES[-1]]["agreeing"]
    rv.append(
        common.Row(
            SCENARIO,
            "FR listings showing Cubyn's stock",
            agree,
            listed,
            op="==",
            note="after the last feed was processed",
        )
    )
    rv.append(
        common.Row(
            SCENARIO,
            "429s from the usage plans",
            runs[-1]["throttled"],
            0,
        )
    )
    return rv


def main() -> int:
    args = common.arguments(__doc__.splitlines()[0])
    return common.report(rows(measure()), args.json)


if __name__ == "__main__":
    sys.exit(main())
