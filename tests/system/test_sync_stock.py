"""sync-stock end to end: the real command, real SQLite, mocked Cubyn and Amazon.

Cubyn is a small fake that lists its catalogue whole or changed since a time, paged
as the contract says. Amazon is a fake seller account: listings with a quantity,
patches applied or refused (404 for a SKU it has no listing for), feeds uploaded,
created and processed when the test says, each with a processing report. Time is a
FakeClock, so that usage-plan waits and the hours between full reads cost nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
import pytest
import requests
from click.testing import CliRunner, Result

from cubyn_amz.cli import cli
from cubyn_amz.clock import FakeClock, iso, parse_iso
from cubyn_amz.state import core
from cubyn_amz.state.db import StateDB
from tests.helpers import SPAPI, settings_values, write_settings_file

AMAZON = "https://sellingpartnerapi-eu.amazon.com"
CUBYN = "https://api.cubyn.com/v2"
SELLER = "A2EXAMPLE123"
FR = "A13V1IB3VIYZZH"
LISTING = re.compile(rf"{AMAZON}/listings/2021-08-01/items/{SELLER}/([^/?]+)")
UPLOAD = "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/feed-upload"
REPORT_URL = "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/feed-report"
FEED_SCHEMA = jsonschema.Draft7Validator(
    json.loads((SPAPI / "listings-feed-schema-v2.json").read_text())
)


class FakeCubyn:
    """The catalogue with stock, as GET /v2/product-catalog/products lists it."""

    def __init__(self, requests_mock: Any, clock: FakeClock) -> None:
        self.clock = clock
        self.products: dict[str, dict[str, Any]] = {}
        self.mock = requests_mock.get(
            f"{CUBYN}/product-catalog/products", json=self._list
        )

    def stock(self, sku: str, available: int, ago: float = 0.0) -> None:
        self.products[sku] = {
            "id": f"p_{sku}",
            "sku": sku,
            "name": f"Product {sku}",
            "stock": {"onHand": available + 2, "reserved": 2, "available": available},
            "updatedAt": iso(self.clock.now() - ago),
        }

    def _list(self, request: Any, context: Any) -> list[dict[str, Any]]:
        args = parse_qs(urlsplit(request.url).query)
        products = sorted(self.products.values(), key=lambda p: p["sku"])
        if "filters[updatedAfter]" in args:
            since = parse_iso(args["filters[updatedAfter]"][0])
            products = [p for p in products if parse_iso(p["updatedAt"]) > since]
        offset, limit = int(args["offset"][0]), int(args["limit"][0])
        context.headers["x-total-count"] = str(len(products))
        return products[offset : offset + limit]

    def reads(self) -> list[str | None]:
        """The updatedAfter of each list read (None: the whole catalogue), page 1."""
        rv = []
        for request in self.mock.request_history:
            args = parse_qs(urlsplit(request.url).query)
            if args["offset"] == ["0"]:
                rv.append(args.get("filters[updatedAfter]", [None])[0])
        return rv


class FakeAmazon:
    """One seller's listings in FR, the Listings Items API and the Feeds API."""

    def __init__(self, requests_mock: Any) -> None:
        self.listings: dict[str, int] = {}
        self.patches: list[tuple[str, int]] = []
        self.documents: list[dict[str, Any]] = []
        self.feed_status = "IN_QUEUE"
        self.create_feed_fails: Exception | None = None
        # True: Amazon creates the feed before the answer is lost.
        self.applied_before_failing = False
        self.feeds_created = 0
        self.refuse: set[str] = set()  # SKUs whose patches Amazon finds INVALID
        token = {
            "access_token": "Atza|ACCESS",
            "token_type": "bearer",
            "expires_in": 3600,
        }
        requests_mock.post("https://api.amazon.com/auth/o2/token", json=token)
        requests_mock.patch(LISTING, json=self._patch)
        requests_mock.post(
            f"{AMAZON}/feeds/2021-06-30/documents",
            status_code=201,
            json={"feedDocumentId": "amzn1.tortuga.4.eu.doc-1", "url": UPLOAD},
        )
        requests_mock.put(UPLOAD, text=self._upload)
        self.create_feed = requests_mock.post(
            f"{AMAZON}/feeds/2021-06-30/feeds", status_code=202, json=self._create_feed
        )
        self.get_feed = requests_mock.get(
            re.compile(rf"{AMAZON}/feeds/2021-06-30/feeds/\w+"), json=self._feed
        )
        self.get_feeds = requests_mock.get(
            f"{AMAZON}/feeds/2021-06-30/feeds", json=self._feeds
        )
        requests_mock.get(
            f"{AMAZON}/feeds/2021-06-30/documents/amzn1.tortuga.4.eu.report-1",
            json={"feedDocumentId": "amzn1.tortuga.4.eu.report-1", "url": REPORT_URL},
        )
        requests_mock.get(REPORT_URL, json=self._report)

    def list(self, *skus: str, quantity: int = 0) -> None:
        for sku in skus:
            self.listings[sku] = quantity

    def _patch(self, request: Any, context: Any) -> dict[str, Any]:
        sku = unquote(LISTING.match(request.url).group(1))  # type: ignore[union-attr]
        assert parse_qs(urlsplit(request.url).query)["marketplaceIds"] == [FR]
        if sku not in self.listings:
            context.status_code = 404
            return {
                "errors": [{"code": "NOT_FOUND", "message": f"SKU '{sku}' not found"}]
            }
        patch = request.json()["patches"][0]
        assert patch["path"] == "/attributes/fulfillment_availability"
        if sku in self.refuse:
            issue = {
                "code": "90000900",
                "severity": "ERROR",
                "message": "The provided value for 'quantity' is invalid.",
            }
            return {"sku": sku, "status": "INVALID", "submissionId": "f1dd",
                    "issues": [issue]}  # fmt: skip
        quantity = patch["value"][0]["quantity"]
        self.patches.append((sku, quantity))
        self.listings[sku] = quantity
        return {"sku": sku, "status": "ACCEPTED", "submissionId": "f1dc", "issues": []}

    def _upload(self, request: Any, context: Any) -> str:
        assert request.headers["Content-Type"] == "application/json; charset=UTF-8"
        self.documents.append(json.loads(request.body))
        return ""

    def _create_feed(self, request: Any, context: Any) -> dict[str, Any]:
        if self.create_feed_fails is not None and not self.applied_before_failing:
            raise self.create_feed_fails
        body = request.json()
        assert body["feedType"] == "JSON_LISTINGS_FEED"
        assert body["marketplaceIds"] == [FR]
        self.feeds_created += 1
        if self.create_feed_fails is not None:
            raise self.create_feed_fails
        return {"feedId": f"5000{self.feeds_created}"}

    def _feeds(self, request: Any, context: Any) -> dict[str, Any]:
        assert request.qs["feedtypes"] == ["json_listings_feed"]
        return {
            "feeds": [
                {
                    "feedId": f"5000{n}",
                    "feedType": "JSON_LISTINGS_FEED",
                    "marketplaceIds": [FR],
                    "createdTime": "2026-12-03T10:00:00Z",
                    "processingStatus": self.feed_status,
                }
                for n in range(1, self.feeds_created + 1)
            ]
        }

    def _feed(self, request: Any, context: Any) -> dict[str, Any]:
        feed: dict[str, Any] = {
            "feedId": request.url.rsplit("/", 1)[1],
            "feedType": "JSON_LISTINGS_FEED",
            "createdTime": "2026-12-03T10:00:00Z",
            "processingStatus": self.feed_status,
        }
        if self.feed_status == "DONE":
            feed["resultFeedDocumentId"] = "amzn1.tortuga.4.eu.report-1"
        return feed

    def _report(self, request: Any, context: Any) -> dict[str, Any]:
        """Processes the last document uploaded: unknown SKUs are refused."""
        messages = self.documents[-1]["messages"]
        issues = []
        for message in messages:
            if message["sku"] in self.listings:
                patch = message["patches"][0]
                self.listings[message["sku"]] = patch["value"][0]["quantity"]
            else:
                issues.append(
                    {
                        "messageId": message["messageId"],
                        "sku": message["sku"],
                        "code": "4000001",
                        "severity": "ERROR",
                        "message": f"SKU '{message['sku']}' not found for this seller",
                    }
                )
        return {
            "header": {"sellerId": SELLER, "version": "2.0", "feedId": "50001"},
            "issues": issues,
            "summary": {
                "errors": len(issues),
                "warnings": 0,
                "messagesProcessed": len(messages),
                "messagesAccepted": len(messages) - len(issues),
                "messagesInvalid": len(issues),
            },
        }


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The clock of every runtime the commands open."""
    fake = FakeClock()
    monkeypatch.setattr("cubyn_amz.runtime.SystemClock", lambda: fake)
    return fake


@pytest.fixture
def cubyn(requests_mock: Any, clock: FakeClock) -> FakeCubyn:
    return FakeCubyn(requests_mock, clock)


@pytest.fixture
def amazon(requests_mock: Any) -> FakeAmazon:
    return FakeAmazon(requests_mock)


@pytest.fixture
def db(settings_file: Path) -> StateDB:
    return StateDB(settings_file.parent / "state.sqlite3")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def amazon_requests(requests_mock: Any) -> list[str]:
    return [
        f"{r.method} {urlsplit(r.url).path}"
        for r in requests_mock.request_history
        if "cubyn" not in r.url
    ]


def stock_rows(db: StateDB) -> dict[str, tuple[str, int | None]]:
    return {
        r["sku"]: (r["state"], r["accepted"])
        for r in db.all("SELECT sku, state, accepted FROM stock")
    }


def seen_order(db: StateDB, order_id: str, items: list[tuple[str, int]]) -> None:
    """An unshipped order import-orders saw and Cubyn refused (no reservation)."""
    lines = [
        {"orderItemId": str(i), "sku": sku, "quantity": n}
        for i, (sku, n) in enumerate(items)
    ]
    db.execute(
        "INSERT INTO orders (order_id, marketplace_id, state, amazon_status, items,"
        " created_at, updated_at) VALUES (?, ?, 'rejected', 'UNSHIPPED', ?, 0, 0)",
        (order_id, FR, json.dumps(lines)),
    )


def set_stock_settings(settings_file: Path, **stock: Any) -> None:
    write_settings_file(settings_file, settings_values(stock=stock))


# -- patches ----------------------------------------------------------------------


def test_first_pass_pushes_every_sku_then_nothing_until_cubyn_changes(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    for sku, units in (("MUG", 12), ("CUP", 0), ("BOWL", 3)):
        cubyn.stock(sku, units, ago=3600)
        amazon.list(sku, quantity=1)

    first = run("sync-stock")

    assert first.exit_code == 0, first.output
    assert "sync-stock: 3 pushed" in first.output
    assert sorted(amazon.patches) == [("BOWL", 3), ("CUP", 0), ("MUG", 12)]
    assert amazon.listings == {"MUG": 12, "CUP": 0, "BOWL": 3}
    assert stock_rows(db) == {"MUG": ("ok", 12), "CUP": ("ok", 0), "BOWL": ("ok", 3)}

    second = run("sync-stock")

    assert second.exit_code == 0, second.output
    assert "sync-stock: nothing to do" in second.output
    assert len(amazon.patches) == 3
    # The first pass read the whole catalogue, the second only what changed.
    assert cubyn.reads()[0] is None and cubyn.reads()[1] is not None


def test_a_delta_pass_pushes_only_the_skus_that_changed(
    settings_file: Path,
    cubyn: FakeCubyn,
    amazon: FakeAmazon,
    clock: FakeClock,
    requests_mock: Any,
) -> None:
    for i in range(8):
        cubyn.stock(f"SKU-{i}", 10, ago=3600)
        amazon.list(f"SKU-{i}")
    run("sync-stock")
    amazon.patches.clear()
    requests_mock.reset_mock()

    clock.advance(300)
    cubyn.stock("SKU-2", 7)
    cubyn.stock("SKU-5", 0)
    result = run("-v", "sync-stock")

    assert result.exit_code == 0, result.output
    assert sorted(amazon.patches) == [("SKU-2", 7), ("SKU-5", 0)]
    assert "sync-stock: 2 pushed" in result.output
    assert "stock SKU-2 = 7 pushed to FR" in result.output
    # The delta read overlaps the previous one by a few minutes.
    since = cubyn.reads()[-1]
    assert since is not None
    assert parse_iso(since) == pytest.approx(clock.now() - 300 - 300, abs=1)


def test_buffer_and_orders_cubyn_does_not_reserve_yet_are_held_back(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    set_stock_settings(settings_file, buffer=1)
    cubyn.stock("MUG", 12)
    cubyn.stock("CUP", 1)
    amazon.list("MUG", "CUP")
    # An order import-orders saw but could not give Cubyn (a rejected SKU, say).
    seen_order(db, "405-1", [("MUG", 3)])

    result = run("sync-stock")

    assert result.exit_code == 0, result.output
    assert sorted(amazon.patches) == [("CUP", 0), ("MUG", 8)]


def test_a_full_read_comes_back_once_a_day(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, clock: FakeClock
) -> None:
    cubyn.stock("MUG", 2, ago=3600)
    amazon.list("MUG")
    run("sync-stock")
    clock.advance(3600)
    run("sync-stock")
    clock.advance(23 * 3600)
    run("sync-stock")
    run("sync-stock", "--full")

    reads = cubyn.reads()
    assert reads[0] is None and reads[1] is not None
    assert reads[2] is None, "24 hours after the last full read"
    assert reads[3] is None, "--full"


def test_a_refused_quantity_fails_the_pass_and_is_tried_again_within_the_hour(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, clock: FakeClock
) -> None:
    cubyn.stock("MUG", 5, ago=3600)
    cubyn.stock("CUP", 2, ago=3600)
    amazon.list("MUG", "CUP")
    amazon.refuse.add("MUG")

    first = run("sync-stock")

    assert first.exit_code == 1
    assert "stock MUG (FR): Amazon refused quantity 5" in first.output
    assert "'quantity' is invalid" in first.output
    assert amazon.patches == [("CUP", 2)]
    assert "MUG (FR): Amazon refused its quantity" in run("status").output

    clock.advance(600)
    assert run("sync-stock").exit_code == 0, "not tried again at once"

    clock.advance(3000)
    amazon.refuse.clear()
    again = run("sync-stock")

    assert again.exit_code == 0, again.output
    assert amazon.patches == [("CUP", 2), ("MUG", 5)]
    assert "nothing needs attention" in run("status").output


# -- unknown SKUs -------------------------------------------------------------------


def test_an_unknown_sku_is_reported_once_and_pushed_again_when_it_changes(
    settings_file: Path,
    cubyn: FakeCubyn,
    amazon: FakeAmazon,
    clock: FakeClock,
    requests_mock: Any,
) -> None:
    cubyn.stock("MUG", 5, ago=3600)
    cubyn.stock("GHOST-1", 4, ago=3600)
    amazon.list("MUG")

    first = run("sync-stock")

    assert first.exit_code == 0, first.output
    assert "stock GHOST-1 (FR): Amazon has no listing for this SKU" in first.output
    summary = first.output.splitlines()[-1]
    assert "1 pushed" in summary and "1 unknown SKU" in summary

    requests_mock.reset_mock()
    clock.advance(3600)
    cubyn.stock("GHOST-1", 4)  # touched in Cubyn, same quantity
    second = run("sync-stock")

    assert second.exit_code == 0
    assert "GHOST-1" not in second.output
    assert amazon_requests(requests_mock) == []

    clock.advance(300)
    cubyn.stock("GHOST-1", 6)
    third = run("sync-stock")

    assert "GHOST-1" not in third.output, "reported once"
    ghost = f"PATCH /listings/2021-08-01/items/{SELLER}/GHOST-1"
    assert amazon_requests(requests_mock).count(ghost) == 1

    status = run("status")
    assert status.exit_code == 0, "a SKU kept off Amazon is not an alert"
    assert "SKUs on one side only" in status.output
    assert "stock GHOST-1 (FR): no Amazon listing for this Cubyn SKU" in status.output


def test_status_lists_skus_sold_on_amazon_that_cubyn_lacks(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    cubyn.stock("MUG", 5)
    amazon.list("MUG")
    run("sync-stock")
    seen_order(db, "405-2", [("OLD-MUG", 1), ("MUG", 1)])

    result = run("--json", "status")

    mismatches = json.loads(result.output)["sku_mismatches"]
    assert [a["ref"] for a in mismatches] == ["OLD-MUG"]
    assert "Cubyn's catalogue lacks it" in mismatches[0]["why"]


# -- the mass-zero guard ------------------------------------------------------------


def test_the_mass_zero_guard_pushes_nothing_unless_forced(
    settings_file: Path,
    cubyn: FakeCubyn,
    amazon: FakeAmazon,
    clock: FakeClock,
    requests_mock: Any,
    db: StateDB,
) -> None:
    skus = [f"SKU-{i:02}" for i in range(20)]
    for sku in skus:
        cubyn.stock(sku, 4, ago=3600)
    amazon.list(*skus)
    assert run("sync-stock").exit_code == 0
    amazon.patches.clear()
    requests_mock.reset_mock()
    cursor = core.read_cursor(db, "stock.products_since")

    # Cubyn answers an empty catalogue on a full read.
    cubyn.products.clear()
    held = run("sync-stock", "--full")

    assert held.exit_code == 1, held.output
    warnings = [
        line for line in held.output.splitlines() if "mass" in line or "drop" in line
    ]
    assert any("would drop 20 of the 20 SKUs" in line for line in warnings)
    assert "--force" in held.output
    assert amazon_requests(requests_mock) == []
    assert core.read_cursor(db, "stock.products_since") == cursor
    assert all(accepted == 4 for _, accepted in stock_rows(db).values())

    forced = run("sync-stock", "--full", "--force")

    assert forced.exit_code == 0, forced.output
    assert sorted(amazon.patches) == [(sku, 0) for sku in skus]
    assert set(amazon.listings.values()) == {0}


# -- toggle off, dry run ------------------------------------------------------------


def test_stock_update_off_means_no_call_at_all(
    settings_file: Path, requests_mock: Any, db: StateDB
) -> None:
    set_stock_settings(settings_file, update=False)

    result = run("sync-stock", "--full")

    assert result.exit_code == 0, result.output
    assert "stock update is off" in result.output
    assert requests_mock.request_history == []
    assert db.all("SELECT * FROM stock") == []


def test_dry_run_prints_the_quantities_and_sends_nothing(
    settings_file: Path,
    cubyn: FakeCubyn,
    amazon: FakeAmazon,
    requests_mock: Any,
    db: StateDB,
) -> None:
    cubyn.stock("MUG", 12)
    cubyn.stock("CUP", 0)
    amazon.list("MUG", "CUP")

    result = run("sync-stock", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would push CUP = 0 to FR" in result.output
    assert "would push MUG = 12 to FR" in result.output
    assert "sync-stock (dry run): 2 to push" in result.output
    assert amazon_requests(requests_mock) == []
    assert db.all("SELECT * FROM stock") == []
    assert db.all("SELECT * FROM products") == []
    assert core.read_cursor(db, "stock.products_since") is None
    assert db.all("SELECT * FROM passes") == []


def test_json_summary(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon
) -> None:
    cubyn.stock("MUG", 12)
    amazon.list("MUG")

    data = json.loads(run("sync-stock", "--json").output)

    assert data["pass"] == "sync-stock"
    assert data["counts"] == {"pushed": 1}
    assert data["api_calls"]["amazon"]["patchListingsItem"] == 1


# -- feeds --------------------------------------------------------------------------


def test_many_changes_go_by_one_feed_whose_report_a_later_pass_reads(
    settings_file: Path,
    cubyn: FakeCubyn,
    amazon: FakeAmazon,
    requests_mock: Any,
    db: StateDB,
) -> None:
    skus = [f"SKU-{i:03}" for i in range(60)]
    for sku in skus:
        cubyn.stock(sku, 9, ago=3600)
    amazon.list(*skus[:-1])  # the last one has no listing on Amazon

    first = run("sync-stock")

    assert first.exit_code == 0, first.output
    assert "sync-stock: 60 sent in a feed" in first.output
    assert amazon.patches == []
    assert amazon.create_feed.call_count == 1
    (document,) = amazon.documents
    FEED_SCHEMA.validate(document)
    assert document["header"]["sellerId"] == SELLER
    assert len(document["messages"]) == 60
    # Not accepted until Amazon's report says so.
    assert set(stock_rows(db).values()) == {("sending", None)}

    requests_mock.reset_mock()
    waiting = run("sync-stock")

    assert "60 waiting for a feed report" in waiting.output
    assert amazon_requests(requests_mock) == ["GET /feeds/2021-06-30/feeds/50001"]

    amazon.feed_status = "DONE"
    done = run("sync-stock")

    assert done.exit_code == 0, done.output
    assert "59 accepted from a feed, 1 unknown SKU" in done.output
    assert "stock SKU-059 (FR): Amazon has no listing" in done.output
    rows = stock_rows(db)
    assert rows.pop("SKU-059") == ("unknown_sku", None)
    assert set(rows.values()) == {("ok", 9)}

    again = run("sync-stock")
    assert "nothing to do" in again.output
    assert "SKU-059" not in again.output
    assert len(amazon.documents) == 1, "no second feed"


def test_a_fatal_feed_sends_its_skus_to_be_planned_again(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    set_stock_settings(settings_file, feed_threshold=3)
    for sku in ("A", "B", "C"):
        cubyn.stock(sku, 2, ago=3600)
    amazon.list("A", "B", "C")
    run("sync-stock")
    amazon.feed_status = "FATAL"

    result = run("sync-stock")

    assert result.exit_code == 0, result.output
    assert "ended FATAL" in result.output
    assert "3 sent in a feed" in result.output
    assert amazon.create_feed.call_count == 2
    assert len(amazon.documents) == 2


def test_a_create_feed_that_never_went_through_is_sent_again(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    set_stock_settings(settings_file, feed_threshold=3)
    for sku in ("A", "B", "C"):
        cubyn.stock(sku, 2, ago=3600)
    amazon.list("A", "B", "C")
    amazon.create_feed_fails = requests.ReadTimeout("read timed out")

    cut = CliRunner().invoke(cli, ["sync-stock"])

    assert cut.exit_code == 4, cut.output
    assert "it may have been applied" in cut.output
    assert amazon.create_feed.call_count == 1, "createFeed is never repeated"
    assert set(stock_rows(db).values()) == {("sending", None)}

    amazon.create_feed_fails = None
    result = run("sync-stock")

    assert result.exit_code == 0, result.output
    assert amazon.get_feeds.call_count == 1  # Amazon was asked first
    assert "was never created" in result.output
    assert "3 sent in a feed" in result.output
    assert amazon.create_feed.call_count == 2


def test_a_feed_created_whose_answer_was_lost_is_adopted_not_sent_again(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    set_stock_settings(settings_file, feed_threshold=3)
    for sku in ("A", "B", "C"):
        cubyn.stock(sku, 2, ago=3600)
    amazon.list("A", "B", "C")
    amazon.create_feed_fails = requests.ReadTimeout("read timed out")
    amazon.applied_before_failing = True

    cut = CliRunner().invoke(cli, ["sync-stock"])

    assert cut.exit_code == 4, cut.output
    amazon.create_feed_fails = None
    amazon.feed_status = "DONE"
    result = run("sync-stock")

    assert result.exit_code == 0, result.output
    assert "Amazon shows feed 50001" in result.output
    assert amazon.create_feed.call_count == 1, "the first feed counts"
    assert set(stock_rows(db).values()) == {("ok", 2)}


# -- sync: the three passes --------------------------------------------------------


def test_sync_imports_orders_before_it_computes_the_stock(
    settings_file: Path,
    cubyn: FakeCubyn,
    amazon: FakeAmazon,
    clock: FakeClock,
    requests_mock: Any,
    db: StateDB,
) -> None:
    cubyn.stock("MUG", 10, ago=3600)
    amazon.list("MUG")
    # An unshipped order of two mugs on a service level Cubyn does not offer: it is
    # recorded as skipped, and Cubyn reserves nothing for it.
    order = {
        "orderId": "405-1234567-0000001",
        "createdTime": iso(clock.now() - 1800),
        "lastUpdatedTime": iso(clock.now() - 1800),
        "salesChannel": {"marketplaceId": FR, "marketplaceName": "Amazon.fr"},
        "fulfillment": {
            "fulfillmentStatus": "UNSHIPPED",
            "fulfilledBy": "MERCHANT",
            "fulfillmentServiceLevel": "SECOND_DAY",
        },
        "orderItems": [
            {
                "orderItemId": "10000000000001",
                "quantityOrdered": 2,
                "product": {"sellerSku": "MUG"},
            }
        ],
    }
    searches = requests_mock.get(
        f"{AMAZON}/orders/2026-01-01/orders", json={"orders": [order]}
    )
    requests_mock.get(f"{CUBYN}/parcels", json=[], headers={"x-total-count": "0"})

    result = run("sync")

    assert result.exit_code == 0, result.output
    kinds = [line.split(":")[0] for line in result.output.splitlines() if ": " in line]
    assert [k for k in kinds if not k.startswith("warning")] == [
        "import-orders",
        "push-shipments",
        "sync-stock",
    ]
    assert searches.call_count == 1
    assert amazon.patches == [("MUG", 8)]
    passes = [r["kind"] for r in db.all("SELECT kind FROM passes ORDER BY id")]
    assert passes == ["import-orders", "push-shipments", "sync-stock"]


def test_sync_stops_at_the_lock_of_another_run(
    settings_file: Path, requests_mock: Any
) -> None:
    from cubyn_amz.lock import connection_lock

    with connection_lock(settings_file.parent / "state.sqlite3"):
        result = CliRunner().invoke(cli, ["sync"])

    assert result.exit_code == 75
    assert requests_mock.request_history == []


class Killed(BaseException):
    """The process dies where this is raised (kill -9), nothing after it runs."""


def test_a_run_killed_before_create_feed_leaves_its_skus_to_the_next_one(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, db: StateDB
) -> None:
    set_stock_settings(settings_file, feed_threshold=3)
    for sku in ("A", "B", "C"):
        cubyn.stock(sku, 2, ago=3600)
    amazon.list("A", "B", "C")
    amazon.create_feed_fails = Killed()

    with pytest.raises(Killed):
        run("sync-stock")

    (feed,) = db.all("SELECT feed_id, state, messages FROM feeds")
    assert (feed["feed_id"], feed["state"]) == (None, "submitting")
    assert json.loads(feed["messages"]) == [[1, "A", 2], [2, "B", 2], [3, "C", 2]]
    assert set(stock_rows(db).values()) == {("sending", None)}

    amazon.create_feed_fails = None
    result = run("sync-stock")

    assert result.exit_code == 0, result.output
    assert "was never created" in result.output
    assert "3 sent in a feed" in result.output
    states = [r["state"] for r in db.all("SELECT state FROM feeds ORDER BY id")]
    assert states == ["lost", "submitted"]


def test_a_feed_amazon_never_processes_is_given_up_after_a_day(
    settings_file: Path, cubyn: FakeCubyn, amazon: FakeAmazon, clock: FakeClock
) -> None:
    set_stock_settings(settings_file, feed_threshold=3)
    for sku in ("A", "B", "C"):
        cubyn.stock(sku, 2, ago=3600)
    amazon.list("A", "B", "C")
    amazon.feed_status = "IN_PROGRESS"
    run("sync-stock")
    clock.advance(3600)
    assert "3 waiting for a feed report" in run("sync-stock").output

    clock.advance(24 * 3600)
    result = run("sync-stock")

    assert "is still IN_PROGRESS after 25 hours" in result.output
    assert "3 sent in a feed" in result.output
    assert len(amazon.documents) == 2
