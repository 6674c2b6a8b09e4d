"""Scenario 6, for comparison: scenario 1's import done the v0 way, per order.

Before Orders API 2026-01-01 an integration listed orders with getOrders (100 a
page), then fetched each order's items with getOrderItems and its address with
getOrderAddress. Nothing is run here: the calls follow from N, and the floor
time from the operations' default usage plans, read from Amazon's v0 model
(tests/fixtures/spapi/ordersV0.json, an unmodified copy of the published one):
a client calling one at a time, as soon as each bucket allows. Set beside
searchOrders' figures for the same N (calls as measured in scenario 1; its
plan, 0.0056 a second with a burst of 20, from cubyn_amz.amazon.usage_plans).
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

import common

ORDERS = 10_000
SCENARIO = "6 v0, per order"
MODEL = common.ROOT / "tests" / "fixtures" / "spapi" / "ordersV0.json"
OPERATIONS = ("getOrders", "getOrderItems", "getOrderAddress")
PLAN_ROW = re.compile(r"Usage Plan:.*?\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|", re.S)


def v0_plans() -> dict[str, tuple[float, float]]:
    """(rate, burst) of each v0 operation, as the model's descriptions state them."""
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    found: dict[str, tuple[float, float]] = {}
    for path in model["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            name = operation.get("operationId")
            if name in OPERATIONS:
                plan = PLAN_ROW.search(operation.get("description", ""))
                if plan is None:
                    raise SystemExit(f"{MODEL}: no usage plan for {name}")
                found[name] = (float(plan[1]), float(plan[2]))
    missing = set(OPERATIONS) - set(found)
    if missing:
        raise SystemExit(f"{MODEL}: no operation {', '.join(sorted(missing))}")
    return found


def v0_floor(orders: int, plans: dict[str, tuple[float, float]]) -> float:
    buckets, at = common.Buckets(plans), 0.0
    for page in range(math.ceil(orders / 100)):
        at = buckets.call(at, "getOrders")
        for _ in range(min(100, orders - 100 * page)):
            at = buckets.call(at, "getOrderItems")
            at = buckets.call(at, "getOrderAddress")
    return at


def search_floor(orders: int) -> float:
    from cubyn_amz.amazon.usage_plans import USAGE_PLANS

    plan = USAGE_PLANS["searchOrders"]
    buckets = common.Buckets({"searchOrders": (plan.rate, plan.burst)})
    return buckets.calls(0.0, math.ceil(orders / 100), "searchOrders")


def measure() -> dict[str, Any]:
    plans = v0_plans()
    pages = math.ceil(ORDERS / 100)
    return {
        "plans": plans,
        "v0_calls": pages + 2 * ORDERS + 1,
        "calls": pages + 1,
        "v0_floor": v0_floor(ORDERS, plans),
        "floor": search_floor(ORDERS),
    }


def rows(measured: dict[str, Any]) -> list[common.Row]:
    plans = measured["plans"]
    stated = "; ".join(
        f"{name} {rate:g}/s burst {burst:g}" for name, (rate, burst) in plans.items()
    )
    more = measured["v0_calls"] / measured["calls"]
    return [
        common.Row(
            SCENARIO,
            f"Amazon calls, N={ORDERS:,}",
            measured["v0_calls"],
            None,
            "calls",
            note=f"{math.ceil(ORDERS / 100)} getOrders + {ORDERS:,} getOrderItems + "
            f"{ORDERS:,} getOrderAddress + 1 token exchange (no Restricted Data "
            f"Token counted): {more:.0f}× searchOrders' {measured['calls']}",
        ),
        common.Row(
            SCENARIO,
            f"floor time, N={ORDERS:,}",
            measured["v0_floor"],
            None,
            "s",
            note=f"from ordersV0.json: {stated}; searchOrders' floor: "
            f"{measured['floor']:,.0f} s ({measured['floor'] / 3600:.2f} h)",
        ),
    ]


def main() -> int:
    args = common.arguments(__doc__.splitlines()[0])
    return common.report(rows(measure()), args.json)


if __name__ == "__main__":
    sys.exit(main())
