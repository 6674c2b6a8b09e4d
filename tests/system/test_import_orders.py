"""import-orders end to end: the real command, a real SQLite file, fakes of both APIs.

Amazon's searchOrders is a small fake that filters by window and status and pages
as the model says; Cubyn's parcels endpoints create, list by orderRef, and cancel
only CREATED parcels. Time is a FakeClock, so the hour between retries costs
nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner, Result

from cubyn_amz.cli import cli
from cubyn_amz.clock import FakeClock, iso, parse_iso
from cubyn_amz.lock import connection_lock
from cubyn_amz.state import core
from cubyn_amz.state.db import StateDB
from cubyn_amz.state.orders import pending_demand
from tests.fixtures.orders import order

AMAZON = "https://sellingpartnerapi-eu.amazon.com"
CUBYN = "https://api.cubyn.com/v2"
SEARCH = f"{AMAZON}/orders/2026-01-01/orders"
PARCEL = re.compile(r"/v2/parcels/(\d+)$")
CANCEL = re.compile(r"/v2/parcels/(\d+)/cancel$")
DAY = 86400.0


def oid(n: int) -> str:
    return f"405-1234567-{n:07d}"


class FakeAmazon:
    """searchOrders over a set of orders: windows, statuses, pages, faults."""

    def __init__(self, requests_mock: Any, clock: FakeClock) -> None:
        self.clock = clock
        self.orders: dict[str, dict[str, Any]] = {}
        self.page_size = 100
        self.queries: list[dict[str, str]] = []
        # Answer 500 to every call once this many have been answered.
        self.fail_after: int | None = None
        requests_mock.get(SEARCH, json=self._search)

    def put(self, n: int, ago: float = 600.0, **changes: Any) -> None:
        """Order ``n`` as it stands, last updated ``ago`` seconds ago."""
        now = self.clock.now()
        data = order(oid(n), updated=iso(now - ago), **changes)
        previous = self.orders.get(data["orderId"])
        data["createdTime"] = previous["createdTime"] if previous else iso(now - ago)
        self.orders[data["orderId"]] = data

    def _search(self, request: Any, context: Any) -> dict[str, Any]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.queries.append(query)
        if self.fail_after is not None and len(self.queries) > self.fail_after:
            context.status_code = 500
            return {"errors": [{"code": "InternalFailure", "message": "oops"}]}
        assert query["fulfilledBy"] == "MERCHANT"
        assert query["includedData"] == "RECIPIENT,FULFILLMENT,CANCELLATION"
        assert query["maxResultsPerPage"] == "100"
        if "createdAfter" in query:
            after = parse_iso(query["createdAfter"])
            statuses = query["fulfillmentStatuses"].split(",")
            found = [
                o
                for o in self.orders.values()
                if parse_iso(o["createdTime"]) >= after
                and o["fulfillment"]["fulfillmentStatus"] in statuses
            ]
        else:
            after = parse_iso(query["lastUpdatedAfter"])
            before = parse_iso(query["lastUpdatedBefore"])
            assert before <= self.clock.now() - 120
            found = [
                o
                for o in self.orders.values()
                if after <= parse_iso(o["lastUpdatedTime"]) <= before
            ]
        found.sort(key=lambda o: (o["lastUpdatedTime"], o["orderId"]))
        token = query.get("paginationToken", "page-0")
        if not token.startswith("page-"):
            context.status_code = 400
            return {"errors": [{"code": "InvalidInput", "message": "Invalid token"}]}
        start = int(token.split("-")[1])
        answer: dict[str, Any] = {"orders": found[start : start + self.page_size]}
        if start + self.page_size < len(found):
            answer["pagination"] = {"nextToken": f"page-{start + self.page_size}"}
        return answer


class FakeCubyn:
    """Cubyn's parcels: created from known SKUs, listed by orderRef, cancelled."""

    def __init__(self, requests_mock: Any, clock: FakeClock) -> None:
        self.clock = clock
        self.parcels: dict[str, dict[str, Any]] = {}
        self.skus = {"SKU-1", "SKU-2", "SKU-3"}
        self.posts: list[dict[str, Any]] = []
        self.lookups: list[str] = []
        # "lost": create, then drop the answer; "unsent": fail before creating.
        self.fault: str | None = None
        requests_mock.post(f"{CUBYN}/parcels", json=self._create)
        requests_mock.get(f"{CUBYN}/parcels", json=self._list)
        requests_mock.get(PARCEL, json=self._one)
        requests_mock.put(CANCEL, json=self._cancel)

    def add(self, order_ref: str, status: str = "CREATED") -> str:
        pid = str(673847000 + len(self.parcels) + 1)
        self.parcels[pid] = {
            "id": int(pid),
            "orderRef": order_ref,
            "status": status,
            "deliveryMode": "STANDARD",
            "items": [],
            "createdAt": iso(self.clock.now()),
            "updatedAt": iso(self.clock.now()),
            "shipment": None,
        }
        return pid

    def of(self, order_ref: str) -> list[dict[str, Any]]:
        return [p for p in self.parcels.values() if p["orderRef"] == order_ref]

    def _create(self, request: Any, context: Any) -> dict[str, Any]:
        body = request.json()
        self.posts.append(body)
        if self.fault == "unsent":
            self.fault = None
            raise requests.ConnectionError("connection reset by peer")
        unknown = [i["sku"] for i in body["items"] if i["sku"] not in self.skus]
        if unknown:
            context.status_code = 400
            return {
                "message": "Validation failed",
                "errors": [{"field": "items", "message": f"unknown SKU {unknown[0]}"}],
            }
        pid = self.add(body["orderRef"])
        self.parcels[pid]["items"] = body["items"]
        self.parcels[pid]["deliveryMode"] = body["deliveryMode"]
        if self.fault == "lost":
            self.fault = None
            raise requests.ReadTimeout("read timed out")
        context.status_code = 201
        return self.parcels[pid]

    def _list(self, request: Any, context: Any) -> list[dict[str, Any]]:
        query = parse_qs(urlsplit(request.url).query)
        ref = query["filters[orderRef]"][0]
        self.lookups.append(ref)
        found = sorted(self.of(ref), key=lambda p: p["id"], reverse=True)
        context.headers["x-total-count"] = str(len(found))
        return found

    def _one(self, request: Any, context: Any) -> dict[str, Any]:
        found = PARCEL.search(urlsplit(request.url).path)
        assert found
        return self.parcels[found.group(1)]

    def _cancel(self, request: Any, context: Any) -> dict[str, Any]:
        found = CANCEL.search(urlsplit(request.url).path)
        assert found
        parcel = self.parcels[found.group(1)]
        if parcel["status"] != "CREATED":
            context.status_code = 409
            return {"message": "You can only cancel an order in Created status"}
        parcel["status"] = "CANCELLED"
        return parcel


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("cubyn_amz.runtime.SystemClock", lambda: fake)
    return fake


@pytest.fixture
def amazon(requests_mock: Any, lwa: Any, clock: FakeClock) -> FakeAmazon:
    return FakeAmazon(requests_mock, clock)


@pytest.fixture
def cubyn(requests_mock: Any, clock: FakeClock) -> FakeCubyn:
    return FakeCubyn(requests_mock, clock)


@pytest.fixture
def db(settings_file: Path) -> Iterator[StateDB]:
    state = StateDB(settings_file.parent / "state.sqlite3")
    yield state
    state.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def state_of(db: StateDB, n: int) -> str | None:
    row = db.one("SELECT state FROM orders WHERE order_id = ?", (oid(n),))
    return None if row is None else str(row["state"])


def posts_for(cubyn: FakeCubyn, n: int) -> int:
    return sum(1 for body in cubyn.posts if body["orderRef"] == oid(n))


# -- the first pass and the next ---------------------------------------------------


def test_first_pass_imports_every_open_order_of_the_last_30_days(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1, items=[("SKU-1", 2, 2)])
    amazon.put(2, level="EXPEDITED", items=[("SKU-2", 1, 1)])
    amazon.put(3, status="PARTIALLY_SHIPPED", items=[("SKU-1", 3, 1), ("SKU-2", 1, 0)])
    amazon.put(4, level="NEXT_DAY")
    amazon.put(5, status="PENDING")  # not asked for by the first pass
    amazon.put(6, ago=31 * DAY)  # older than the initial days

    result = run("import-orders")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "import-orders: 3 imported, 1 skipped: not offered by Cubyn"
    )
    assert "405-1234567-0000004: skipped, service level NEXT_DAY" in result.stderr
    (query,) = amazon.queries
    assert query["createdAfter"] == iso(clock.now() - 30 * DAY)
    assert query["fulfillmentStatuses"] == "UNSHIPPED,PARTIALLY_SHIPPED"
    sent = {body["orderRef"]: body for body in cubyn.posts}
    assert set(sent) == {oid(1), oid(2), oid(3)}
    assert sent[oid(2)]["deliveryMode"] == "EXPRESS"
    assert sent[oid(3)]["items"] == [{"sku": "SKU-1", "quantity": 1}]
    assert [state_of(db, n) for n in range(1, 7)] == [
        "imported",
        "imported",
        "imported",
        "skipped",
        None,
        None,
    ]
    cursor = core.read_cursor(db, "import-orders")
    assert cursor["window"] is None
    assert cursor["next_after"] == clock.now() - 120 - 300


def test_a_pass_with_nothing_new_makes_one_amazon_call_and_repeats_nothing(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    amazon.put(4, level="NEXT_DAY", ago=200)
    assert run("import-orders").exit_code == 0
    first_end = clock.now() - 120
    clock.advance(300)
    amazon.queries.clear()

    result = run("import-orders")

    assert result.exit_code == 0
    assert result.stdout.strip() == "import-orders: nothing to do"
    assert result.stderr == ""  # the skip reason was shown once, on the first pass
    (query,) = amazon.queries
    assert query["lastUpdatedAfter"] == iso(first_end - 300)  # five minutes' overlap
    assert query["lastUpdatedBefore"] == iso(clock.now() - 120)
    assert "fulfillmentStatuses" not in query
    assert len(cubyn.posts) == 1


def test_a_pending_order_is_imported_once_amazon_releases_it(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    assert run("import-orders").exit_code == 0
    clock.advance(300)
    amazon.put(5, status="PENDING", ago=150)
    result = run("-q", "import-orders")
    assert result.stdout == "" and result.stderr == ""  # -q: nothing but warnings
    assert state_of(db, 5) == "skipped"
    assert pending_demand(db) == {}  # Amazon shows no demand before release

    clock.advance(300)
    amazon.put(5, ago=150)
    result = run("import-orders")

    assert result.exit_code == 0
    assert "1 imported" in result.stdout
    assert state_of(db, 5) == "imported"


def test_verbose_shows_one_line_per_order_and_json_a_summary(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB
) -> None:
    amazon.put(1)
    amazon.put(2, level="SECOND_DAY")

    result = run("-v", "import-orders", "--json")

    assert result.exit_code == 0
    assert re.search(
        r"order 405-1234567-0000001: imported as Cubyn parcel \d+", result.stderr
    )
    summary = json.loads(result.stdout)
    assert summary["pass"] == "import-orders"
    assert summary["counts"] == {"imported": 1, "skipped: not offered by Cubyn": 1}
    assert summary["api_calls"]["amazon"]["searchOrders"] == 1
    assert summary["api_calls"]["cubyn"] == {"createParcel": 1}


def test_since_reads_again_from_the_given_time(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    assert run("import-orders").exit_code == 0
    amazon.queries.clear()

    result = run("import-orders", "--since", "2026-11-20T00:00:00Z")

    assert result.exit_code == 0
    assert amazon.queries[0]["lastUpdatedAfter"] == "2026-11-20T00:00:00Z"
    assert run("import-orders", "--since", "last tuesday").exit_code == 2


# -- resuming ----------------------------------------------------------------------


def test_a_pass_cut_short_between_pages_resumes_at_its_page(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB
) -> None:
    amazon.page_size = 2
    for n in range(1, 6):
        amazon.put(n, ago=600 - n)

    amazon.fail_after = 1  # the second page fails, and each retry of it

    first = run("import-orders")

    assert first.exit_code == 4
    assert "Amazon answered 500" in first.stderr
    assert sorted(b["orderRef"] for b in cubyn.posts) == [oid(1), oid(2)]
    cursor = core.read_cursor(db, "import-orders")
    assert cursor["window"]["token"] == "page-2"

    amazon.queries.clear()
    amazon.fail_after = None
    second = run("import-orders")

    assert second.exit_code == 0, second.output
    assert amazon.queries[0]["paginationToken"] == "page-2"
    assert sorted(b["orderRef"] for b in cubyn.posts) == [oid(n) for n in range(1, 6)]
    assert core.read_cursor(db, "import-orders")["window"] is None


def test_a_pass_cut_short_in_the_middle_of_a_page_loses_and_repeats_nothing(
    amazon: FakeAmazon,
    cubyn: FakeCubyn,
    db: StateDB,
    requests_mock: Any,
    clock: FakeClock,
) -> None:
    for n in range(1, 4):
        amazon.put(n, ago=600 - n)
    cubyn.fault = "unsent"  # the first POST never reaches Cubyn

    first = run("import-orders")

    assert first.exit_code == 4
    assert "looks it up" in first.stderr
    assert state_of(db, 1) == "creating"
    assert state_of(db, 2) is None
    assert core.read_cursor(db, "import-orders") is None  # the page was not done

    clock.advance(300)  # the next cron run
    second = run("import-orders")

    assert second.exit_code == 0, second.output
    assert cubyn.lookups == [oid(1)]  # looked up, found nothing, posted again
    assert [posts_for(cubyn, n) for n in (1, 2, 3)] == [2, 1, 1]
    assert [len(cubyn.of(oid(n))) for n in (1, 2, 3)] == [1, 1, 1]


# -- exactly once --------------------------------------------------------------------


def test_a_parcel_created_whose_answer_was_lost_is_adopted_not_posted_again(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    cubyn.fault = "lost"

    first = run("import-orders")

    assert first.exit_code == 4
    assert state_of(db, 1) == "creating"
    (parcel,) = cubyn.of(oid(1))

    clock.advance(300)
    second = run("-v", "import-orders")

    assert second.exit_code == 0, second.output
    assert f"adopted Cubyn parcel {parcel['id']}" in second.stderr
    assert posts_for(cubyn, 1) == 1
    assert len(cubyn.of(oid(1))) == 1
    row = db.one("SELECT state, parcel_id FROM orders WHERE order_id = ?", (oid(1),))
    assert row is not None
    assert (row["state"], row["parcel_id"]) == ("imported", str(parcel["id"]))


def test_a_creation_just_left_unanswered_is_given_time_before_its_look_up(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    cubyn.fault = "lost"
    assert run("import-orders").exit_code == 4
    cubyn.fault = None

    # Run again at once, as an operator might after a kill: the request of the
    # killed run could still be on its way to Cubyn, so no look-up, no POST yet.
    clock.advance(10)
    early = run("import-orders")

    assert early.exit_code == 0, early.output
    assert "1 waiting: creation unanswered" in early.output
    assert cubyn.lookups == []
    assert posts_for(cubyn, 1) == 1

    clock.advance(60)
    later = run("import-orders")

    assert later.exit_code == 0, later.output
    assert cubyn.lookups == [oid(1)]
    assert posts_for(cubyn, 1) == 1  # adopted, not posted again
    assert state_of(db, 1) == "imported"


def test_duplicate_parcels_found_while_settling_are_flagged(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    cubyn.fault = "lost"
    assert run("import-orders").exit_code == 4
    extra = cubyn.add(oid(1))  # someone created it by hand meanwhile
    clock.advance(300)

    result = run("import-orders")

    assert result.exit_code == 0
    assert "1 attention" in result.stdout
    assert f"cancel {int(extra) - 1}" in result.stderr
    status = run("status")
    assert oid(1) in status.stdout and "parcels" in status.stdout


# -- cancellations -----------------------------------------------------------------


def test_an_order_cancelled_before_the_warehouse_started_is_cancelled_in_cubyn(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    assert run("import-orders").exit_code == 0
    clock.advance(300)
    amazon.put(1, ago=200, status="CANCELLED")

    result = run("import-orders")

    assert result.exit_code == 0
    assert result.stdout.strip() == "import-orders: 1 cancelled"
    (parcel,) = cubyn.of(oid(1))
    assert parcel["status"] == "CANCELLED"
    assert state_of(db, 1) == "cancelled"
    assert "nothing needs attention" in run("status").stdout


def test_an_order_cancelled_after_the_warehouse_started_is_flagged(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    assert run("import-orders").exit_code == 0
    (parcel,) = cubyn.of(oid(1))
    parcel["status"] = "PICKED"
    clock.advance(300)
    amazon.put(1, ago=200, status="CANCELLED")

    result = run("import-orders")

    assert result.exit_code == 0
    assert "1 attention" in result.stdout
    assert f"order {oid(1)}: cancelled on Amazon, but the warehouse has started" in (
        result.stderr
    )
    status = run("status")
    assert status.exit_code == 1
    assert f"order {oid(1)}: cancelled on Amazon" in status.stdout
    assert "intercept" in status.stdout

    clock.advance(300)
    again = run("import-orders")  # flagged once, not every pass
    assert again.stdout.strip() == "import-orders: nothing to do"


def test_a_buyer_cancellation_request_is_flagged_for_a_person(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    assert run("import-orders").exit_code == 0
    clock.advance(300)
    amazon.put(1, ago=200, cancel_request="Changed mind about purchase")

    result = run("import-orders")

    assert "1 attention" in result.stdout
    assert "the buyer asked to cancel (Changed mind about purchase)" in result.stderr
    assert oid(1) in run("status").stdout


def test_cancel_order_by_hand(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    amazon.put(2)
    assert run("import-orders").exit_code == 0
    (started,) = cubyn.of(oid(2))
    started["status"] = "PACKED"

    done = run("cancel-order", oid(1))
    refused = run("cancel-order", oid(2))
    unknown = run("cancel-order", oid(9))

    assert done.exit_code == 0
    assert "cancelled" in done.stdout and "still open on Amazon" in done.stdout
    assert cubyn.of(oid(1))[0]["status"] == "CANCELLED"
    assert state_of(db, 1) == "cancelled"
    assert refused.exit_code == 1
    assert "is PACKED: only a CREATED parcel can be cancelled" in refused.stderr
    assert state_of(db, 2) == "imported"
    assert unknown.exit_code == 2
    assert "not known" in unknown.stderr


# -- rejections ----------------------------------------------------------------------


def test_a_rejected_order_goes_through_an_hour_after_its_sku_is_created(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1, items=[("NEW-SKU", 1, 1)])
    amazon.put(2)

    first = run("import-orders")

    assert first.exit_code == 1
    assert "1 imported" in first.stdout and "1 rejected" in first.stdout
    assert f"order {oid(1)}: rejected by Cubyn: items: unknown SKU NEW-SKU" in (
        first.stderr
    )
    assert state_of(db, 1) == "rejected"
    assert "unknown SKU NEW-SKU" in run("status").stdout

    cubyn.skus.add("NEW-SKU")
    clock.advance(600)
    soon = run("import-orders")
    assert soon.exit_code == 0
    assert posts_for(cubyn, 1) == 1  # not within the hour

    clock.advance(3600)
    later = run("import-orders")

    assert later.exit_code == 0, later.output
    assert "1 imported" in later.stdout
    assert posts_for(cubyn, 1) == 2
    assert state_of(db, 1) == "imported"
    assert "nothing needs attention" in run("status").stdout


def test_a_rejected_order_cancelled_on_amazon_is_no_longer_tried(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1, items=[("NEW-SKU", 1, 1)])
    assert run("import-orders").exit_code == 1
    clock.advance(4000)
    amazon.put(1, ago=200, status="CANCELLED", items=[("NEW-SKU", 1, 1)])

    result = run("import-orders")
    clock.advance(4000)
    later = run("import-orders")

    assert result.exit_code == 0 and later.exit_code == 0
    assert state_of(db, 1) == "cancelled"
    assert posts_for(cubyn, 1) == 1
    assert "nothing needs attention" in run("status").stdout


# -- dry run and lock ----------------------------------------------------------------


def test_a_dry_run_prints_the_plan_and_writes_nothing(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB
) -> None:
    amazon.put(1)
    amazon.put(4, level="NEXT_DAY")

    result = run("import-orders", "--dry-run")

    assert result.exit_code == 0
    assert f"would import order {oid(1)} (2 units, STANDARD)" in result.stdout
    assert f"would skip order {oid(4)}: service level NEXT_DAY" in result.stdout
    assert "import-orders (dry run): " in result.stdout
    assert cubyn.posts == []
    assert db.all("SELECT * FROM orders") == []
    assert db.all("SELECT * FROM cursors") == []
    assert db.all("SELECT * FROM passes") == []


def test_a_run_that_finds_the_lock_taken_exits_75(
    amazon: FakeAmazon, cubyn: FakeCubyn, settings_file: Path
) -> None:
    amazon.put(1)

    with connection_lock(settings_file.parent / "state.sqlite3"):
        result = run("import-orders")

    assert result.exit_code == 75
    assert amazon.queries == [] and cubyn.posts == []


def test_a_large_first_import_spreads_over_passes_within_the_usage_plan(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.page_size = 1  # 25 pages: more than searchOrders' burst of 20
    for n in range(1, 26):
        amazon.put(n, ago=3600 - n)

    first = run("import-orders")

    assert first.exit_code == 0, first.output
    assert "paused by Amazon's usage plan for searchOrders" in first.stdout
    assert len(amazon.queries) == 20  # never a 429
    assert len(cubyn.posts) == 20
    assert core.read_cursor(db, "import-orders")["window"]["token"] == "page-20"

    # Cron goes on every five minutes; the bucket refills 1.7 calls in that time.
    passes = 0
    while core.read_cursor(db, "import-orders")["window"] is not None:
        clock.advance(300)
        amazon.queries.clear()
        assert run("import-orders").exit_code == 0
        passes += 1
        assert len(amazon.queries) <= 2
        assert passes < 10

    assert passes > 1
    assert sorted(b["orderRef"] for b in cubyn.posts) == [oid(n) for n in range(1, 26)]


def test_a_page_token_amazon_refuses_reads_the_window_again(
    amazon: FakeAmazon, cubyn: FakeCubyn, db: StateDB, clock: FakeClock
) -> None:
    amazon.put(1)
    window = {"by": "updated", "after": clock.now() - 3600, "before": clock.now() - 120}
    window.update(token="stale", token_at=clock.now() - 60)
    core.write_cursor(db, "import-orders", {"window": window}, clock.now())

    result = run("import-orders")

    assert result.exit_code == 0, result.output
    assert "refused the saved page token" in result.stderr
    assert [q.get("paginationToken") for q in amazon.queries] == ["stale", None]
    assert posts_for(cubyn, 1) == 1
