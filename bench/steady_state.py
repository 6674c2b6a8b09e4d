"""Scenario 2: steady state, 10,000 orders in the state and nothing new.

The sandbox holds 10,000 orders, all imported; their parcels sit in Cubyn and
nothing moves. After the first import (one pass) and a few cron runs that do
the first-time work (push-shipments lists every parcel once, sync-stock reads
the whole catalogue and pushes it), five more `sync` runs, five simulated
minutes apart, are measured: the calls each pass kind spends, read from the
tool's own counters, and the wall time of the run beyond the time spent inside
HTTP requests (timed around each request of the tool's session).

Targets (issues 3-5, 7): one searchOrders a run, no other Amazon call (the
hourly token exchange aside); at most one Cubyn list a pass kind; at most 0.5 s
of wall time a run beyond the calls.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import common

ORDERS = 10_000
RUNS = 5
SCENARIO = "2 steady state"


def per_pass(results: list[Any]) -> dict[str, Counter[str]]:
    """The calls each pass spent; ``result.calls`` adds up over a run's passes."""
    rv: dict[str, Counter[str]] = {}
    before: Counter[str] = Counter()
    for result in results:
        total = Counter(
            {
                f"{service}.{operation}": count
                for service, operations in result.calls.items()
                for operation, count in operations.items()
            }
        )
        rv[result.kind] = total - before
        before = total
    return rv


def measure() -> list[dict[str, Any]]:
    from cubyn_amz.clock import FakeClock

    common.quiet_logs()
    with (
        tempfile.TemporaryDirectory() as folder,
        common.sandbox(clock=FakeClock(), rate_limits=False) as sb,
    ):
        common.orders_to_ship(sb, ORDERS)
        settings = common.load(common.write_settings(Path(folder), sb.connection()))
        common.say(f"{SCENARIO}: importing {ORDERS:,} orders (set-up)")
        first = common.sync_run(settings, sb.clock, paced=False, passes=common.SYNC[:1])
        imported = first[0].counts["imported"]
        if imported != ORDERS:
            raise SystemExit(f"set-up imported {imported} orders of {ORDERS}")

        # From here on as in real life: Amazon's usage plans on both sides.
        sb.amazon.buckets.enabled = sb.cubyn.buckets.enabled = True
        cron = common.Cron(sb)
        for _ in range(3):
            cron.run(settings)

        common.say(f"{SCENARIO}: {RUNS} measured runs")
        runs = []
        for _ in range(RUNS):
            session = common.TimedSession()
            started = time.perf_counter()
            results = cron.run(settings, session=session)
            wall = time.perf_counter() - started
            runs.append(
                {
                    "wall": wall,
                    "in_calls": session.seconds,
                    "requests": session.count,
                    "calls": per_pass(results),
                    "counts": sum((r.counts for r in results), Counter[str]()),
                }
            )
        return runs


def rows(runs: list[dict[str, Any]]) -> list[common.Row]:
    def most(kind: str, prefix: str, but: str = "") -> int:
        return max(
            sum(
                n
                for name, n in run["calls"][kind].items()
                if name.startswith(prefix) and name != but
            )
            for run in runs
        )

    search = [
        sum(run["calls"][kind]["amazon.searchOrders"] for kind in run["calls"])
        for run in runs
    ]
    other_amazon = max(
        sum(
            n
            for kind in run["calls"]
            for name, n in run["calls"][kind].items()
            if name.startswith("amazon.")
            and name not in ("amazon.searchOrders", "amazon.lwaToken")
        )
        for run in runs
    )
    beyond = [run["wall"] - run["in_calls"] for run in runs]
    counts: Counter[str] = sum((run["counts"] for run in runs), Counter())
    waiting = counts.pop("waiting", 0) // len(runs)
    work = ", ".join(f"{n} {label}" for label, n in sorted(counts.items())) or "nothing"
    rv = [
        common.Row(
            SCENARIO,
            "searchOrders a run",
            max(search),
            1,
            "calls",
            op="==",
            note=f"most of {RUNS} runs; they did {work}, {waiting:,} orders "
            "waiting for Cubyn to ship",
        ),
        common.Row(
            SCENARIO,
            "other Amazon calls a run",
            other_amazon,
            0,
            "calls",
            note="the hourly token exchange aside",
        ),
    ]
    for kind in ("import-orders", "push-shipments", "sync-stock"):
        rv.append(
            common.Row(
                SCENARIO,
                f"Cubyn calls, {kind}",
                most(kind, "cubyn."),
                1,
                "calls",
                note="most of the runs",
            )
        )
    median = statistics.median(beyond)
    rv.append(
        common.Row(
            SCENARIO,
            "wall time a run beyond the calls",
            median,
            0.5,
            "s",
            note=f"median of {RUNS}, worst {max(beyond):.3f} s; "
            f"{statistics.median(r['in_calls'] for r in runs):.3f} s in "
            f"{runs[0]['requests']} requests",
        )
    )
    return rv


def main() -> int:
    args = common.arguments(__doc__.splitlines()[0])
    return common.report(rows(measure()), args.json)


if __name__ == "__main__":
    sys.exit(main())
