"""Scenario 1: the first import of 10,000 orders, on a sandbox without usage plans.

The sandbox holds N orders to ship (all merchant-fulfilled and paid, placed
over the last two days). The tool runs one import-orders pass in a process of
its own, so that the process's CPU time and peak memory are the tool's alone
(the sandbox serves from this process). The sandbox counts the calls. It runs
at N = 1,000 and N = 10,000: memory must not grow with the orders of a pass
(page by page).

Targets (issue 3): Amazon calls ceil(N/100) searchOrders plus at most one token
exchange; Cubyn calls one POST per order; at most 1 ms of the tool's CPU an
order; at 10,000 orders at most 20 MB more peak memory than at 1,000.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common

SIZES = (1_000, 10_000)
SCENARIO = "1 initial import"


def measure(orders: int) -> dict[str, Any]:
    """One import of ``orders`` orders by a tool process of its own."""
    from cubyn_amz.clock import FakeClock

    with (
        tempfile.TemporaryDirectory() as folder,
        common.sandbox(clock=FakeClock(), rate_limits=False) as sb,
    ):
        ids = common.orders_to_ship(sb, orders)
        settings = common.write_settings(Path(folder), sb.connection())
        before = common.calls(sb)

        child = subprocess.run(
            [sys.executable, __file__, "--child", str(settings), repr(sb.clock.now())],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"the import pass failed:\n{child.stderr}")
        rv: dict[str, Any] = json.loads(child.stdout)
        rv["calls"] = common.spent(common.calls(sb), before)
        rv["in_cubyn"] = sum(1 for i in ids if sb.cubyn.by_order_ref.get(i))

        cubyn = sb.connection()
        bare = subprocess.run(
            [
                sys.executable,
                __file__,
                "--bare",
                cubyn["cubyn_endpoint"],
                cubyn["cubyn_api_key"],
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rv["bare_post_ms"] = float(bare.stdout)
        return rv


def bare_posts(endpoint: str, key: str, count: int = 1_000) -> None:
    """The CPU of a bare requests POST of a parcel, in ms: what the machine gives."""
    import requests

    parcel = {
        "orderRef": "405-0000000-0000000",
        "firstName": "Hélène",
        "lastName": "Dubois-Châtelain",
        "phone": "0612345678",
        "email": "abc123@marketplace.amazon.fr",
        "address": {
            "line1": "3 place de la République",
            "additionalInformation": "Bâtiment B",
            "zip": "69002",
            "city": "Lyon",
            "country": "FR",
        },
        "deliveryMode": "STANDARD",
        "items": [{"sku": "MUG-RED", "quantity": 1}],
    }
    session = requests.Session()
    session.trust_env = False  # as the tool's own sessions
    headers = {"X-Application": key}
    cpu = time.process_time()
    for _ in range(count):
        answer = session.post(
            endpoint + "/parcels", json=parcel, headers=headers, timeout=(5, 30)
        )
        answer.json()
    print((time.process_time() - cpu) * 1000 / count)


def child(settings_path: str, now: str) -> None:
    """The tool's side: one import-orders pass, then what it cost, as JSON."""
    from cubyn_amz.clock import FakeClock
    from cubyn_amz.passes.orders import import_orders
    from cubyn_amz.passes.result import run_pass

    common.quiet_logs()
    settings = common.load(Path(settings_path))
    rt = common.runtime(settings, FakeClock(float(now)), paced=False)
    rss_before = peak_rss_mb()
    cpu, wall = time.process_time(), time.perf_counter()

    result = run_pass(rt, "import-orders", import_orders)

    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rss = peak_rss_mb()
    rt.close()
    print(
        json.dumps(
            {
                "cpu": cpu,
                "wall": wall,
                "rss_before_mb": rss_before,
                "rss_mb": rss,
                "counts": dict(result.counts),
                "failures": result.failures[:5],
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started.

    Linux's VmHWM: ru_maxrss would also count the parent's memory, copied
    into the child when it forked, before it became this program.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows(runs: dict[int, dict[str, Any]]) -> list[common.Row]:
    n = max(runs)
    run = runs[n]
    calls = run["calls"]
    amazon = sum(v for k, v in calls.items() if k.startswith("amazon."))
    cubyn = sum(v for k, v in calls.items() if k.startswith("cubyn."))
    exchanges = calls.get("amazon.lwaToken", 0)
    rv = [
        common.Row(
            SCENARIO,
            f"Amazon calls, N={n:,}",
            amazon,
            math.ceil(n / 100) + 1,
            "calls",
            note=f"{calls.get('amazon.searchOrders', 0)} searchOrders, "
            f"{exchanges} token exchange",
        ),
        common.Row(
            SCENARIO,
            f"Cubyn calls, N={n:,}",
            cubyn,
            n,
            "calls",
            op="==",
            note=f"{calls.get('cubyn.createParcel', 0):,} POST /parcels; "
            f"{run['in_cubyn']:,} orders in Cubyn",
        ),
    ]
    bare = min(r["bare_post_ms"] for r in runs.values())
    for size in sorted(runs):
        cpu_ms = runs[size]["cpu"] * 1000 / size
        rv.append(
            common.Row(
                SCENARIO,
                f"tool CPU an order, N={size:,}",
                cpu_ms,
                1.0,
                "ms",
                note=f"{runs[size]['cpu']:.1f} s CPU, {runs[size]['wall']:.1f} s wall; "
                f"{cpu_ms / bare:.1f}× a bare POST",
            )
        )
    rv.append(
        common.Row(
            SCENARIO,
            "a bare requests POST, this machine",
            bare,
            None,
            "ms",
            note="CPU of the HTTP client alone, for the figures above "
            "(requests.Session, keep-alive)",
        )
    )
    small, large = runs[min(runs)], runs[max(runs)]
    rv.append(
        common.Row(
            SCENARIO,
            f"peak memory at {max(runs):,} less at {min(runs):,}",
            large["rss_mb"] - small["rss_mb"],
            20.0,
            "MB",
            note=f"peak RSS {small['rss_mb']:.0f} MB and {large['rss_mb']:.0f} MB",
        )
    )
    return rv


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        bare_posts(sys.argv[2], sys.argv[3])
        return 0
    args = common.arguments(__doc__.splitlines()[0])
    runs = {}
    for orders in SIZES:
        common.say(f"{SCENARIO}: importing {orders:,} orders")
        runs[orders] = measure(orders)
        if runs[orders]["failures"]:
            common.say(f"  failures: {runs[orders]['failures']}")
    return common.report(rows(runs), args.json)


if __name__ == "__main__":
    sys.exit(main())
