"""The sandbox's Amazon side: LWA, access checks, searchOrders, usage plans."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cubyn_amz.clock import FakeClock, iso, parse_iso
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient

ORDERS = "/orders/2026-01-01/orders"
FR = "A13V1IB3VIYZZH"


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    # Usage plans are tested on their own; here they would only slow paging down.
    sb = Sandbox(seed=3, orders=60, clock=clock, rate_limits=False).start()
    yield sb
    sb.stop()


def search(client: SandboxClient, **params: object) -> dict:
    response = client.amazon("GET", ORDERS, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: SandboxClient, size: int, **params: object) -> list[str]:
    """Every orderId of a search, page by page."""
    seen = []
    page = search(client, maxResultsPerPage=size, **params)
    while True:
        seen += [order["orderId"] for order in page["orders"]]
        token = page.get("pagination", {}).get("nextToken")
        if not token:
            return seen
        page = search(client, paginationToken=token, maxResultsPerPage=size)


# -- Login with Amazon and access tokens ---------------------------------------------


def test_lwa_exchanges_the_refresh_token(client: SandboxClient) -> None:
    response = client.login()

    body = response.json()
    assert response.status_code == 200
    assert body["access_token"].startswith("Atza|")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600


@pytest.mark.parametrize(
    ("override", "status", "error"),
    [
        ({"refresh_token": "Atzr|nope"}, 400, "invalid_grant"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
    ],
    ids=["refresh-token", "secret", "client-id", "grant-type"],
)
def test_lwa_refuses_bad_credentials(
    client: SandboxClient, override: dict[str, str], status: int, error: str
) -> None:
    response = client.login(**override)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_a_revoked_authorization_is_an_invalid_grant(
    sandbox: Sandbox, client: SandboxClient
) -> None:
    sandbox.amazon.revoke()

    assert client.login().json()["error"] == "invalid_grant"


def test_sp_api_calls_need_a_valid_token(client: SandboxClient) -> None:
    response = client.amazon(
        "GET", ORDERS, headers={"x-amz-access-token": "Atza|forged"}
    )

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"
    assert response.headers["x-amzn-RequestId"]


def test_access_tokens_expire_after_an_hour(
    clock: FakeClock, client: SandboxClient
) -> None:
    client.login()
    path = "/sellers/v1/marketplaceParticipations"
    assert client.amazon("GET", path).status_code == 200

    clock.advance(3601)
    response = client.amazon("GET", path)

    assert response.status_code == 403
    assert "expired" in response.json()["errors"][0]["details"]


def test_marketplace_participations(client: SandboxClient) -> None:
    response = client.amazon("GET", "/sellers/v1/marketplaceParticipations")

    payload = response.json()["payload"]
    selling = [
        p["marketplace"]["countryCode"]
        for p in payload
        if p["participation"]["isParticipating"]
    ]
    assert sorted(selling) == ["DE", "ES", "FR", "IT"]
    assert {"id", "countryCode", "name", "defaultCurrencyCode", "domainName"} <= set(
        payload[0]["marketplace"]
    )


# -- searchOrders ---------------------------------------------------------------------


def test_paging_never_skips_or_repeats(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.amazon.generate_orders(250)
    sandbox.advance(600)  # and let pending payments clear
    start = clock.now() - 30 * 86400
    before = int(clock.now()) - 120
    expected = {
        o.order_id for o in sandbox.amazon.orders.values() if o.updated <= before
    }

    seen = walk(client, 7, lastUpdatedAfter=iso(start))

    assert len(seen) == len(set(seen))
    assert set(seen) == expected


def test_an_update_while_paging_neither_repeats_nor_skips_the_rest(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.amazon.generate_orders(40)
    clock.advance(600)
    start = iso(clock.now() - 30 * 86400)
    first = search(client, lastUpdatedAfter=start, maxResultsPerPage=10)
    served = [o["orderId"] for o in first["orders"]]

    sandbox.amazon.request_cancellation(served[0])
    rest = walk_from(client, first["pagination"]["nextToken"])

    assert not set(served) & set(rest)
    assert len(served) + len(rest) == len(set(served + rest))


def walk_from(client: SandboxClient, token: str) -> list[str]:
    seen: list[str] = []
    while token:
        page = search(client, paginationToken=token)
        seen += [o["orderId"] for o in page["orders"]]
        token = page.get("pagination", {}).get("nextToken", "")
    return seen


def test_pages_are_sorted_by_last_update_then_order_id(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.amazon.generate_orders(30)
    clock.advance(600)

    orders = search(client, lastUpdatedAfter=iso(clock.now() - 30 * 86400))["orders"]

    keys = [(o["lastUpdatedTime"], o["orderId"]) for o in orders]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "createdAfter": "2026-11-01T00:00:00Z",
            "lastUpdatedAfter": "2026-11-01T00:00:00Z",
        },
        {
            "createdAfter": "2026-11-01T00:00:00Z",
            "lastUpdatedBefore": "2026-11-02T00:00:00Z",
        },
        {
            "lastUpdatedAfter": "2026-11-01T00:00:00Z",
            "createdBefore": "2026-11-02T00:00:00Z",
        },
        {"lastUpdatedAfter": "yesterday"},
        {"lastUpdatedAfter": "2026-11-01T00:00:00Z", "maxResultsPerPage": 101},
        {"lastUpdatedAfter": "2026-11-01T00:00:00Z", "fulfillmentStatuses": "SENT"},
        {"lastUpdatedAfter": "2026-11-01T00:00:00Z", "includedData": "EVERYTHING"},
        {"paginationToken": "not-a-token"},
    ],
    ids=[
        "no-window",
        "both-afters",
        "created-with-updated-before",
        "updated-with-created-before",
        "not-iso",
        "page-too-big",
        "bad-status",
        "bad-included-data",
        "bad-token",
    ],
)
def test_invalid_searches_are_400(client: SandboxClient, params: dict) -> None:
    response = client.amazon("GET", ORDERS, params=params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_last_updated_before_must_be_two_minutes_old(
    clock: FakeClock, client: SandboxClient
) -> None:
    after = iso(clock.now() - 86400)

    too_recent = {"lastUpdatedAfter": after, "lastUpdatedBefore": iso(clock.now() - 60)}
    old_enough = {
        "lastUpdatedAfter": after,
        "lastUpdatedBefore": iso(clock.now() - 121),
    }

    assert client.amazon("GET", ORDERS, params=too_recent).status_code == 400
    assert client.amazon("GET", ORDERS, params=old_enough).status_code == 200


def test_the_answer_says_where_the_window_ended(
    clock: FakeClock, client: SandboxClient
) -> None:
    body = search(client, lastUpdatedAfter=iso(clock.now() - 86400))

    assert body["lastUpdatedBefore"] == iso(clock.now() - 120)


def test_new_orders_show_after_amazons_two_minute_lag(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    [order_id] = sandbox.amazon.generate_orders(1)
    after = iso(clock.now() - 300)

    hidden = [o["orderId"] for o in search(client, createdAfter=after)["orders"]]
    clock.advance(180)
    shown = [o["orderId"] for o in search(client, createdAfter=after)["orders"]]

    assert order_id not in hidden
    assert order_id in shown


def test_pagination_tokens_expire_after_a_day(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.amazon.generate_orders(10)
    clock.advance(600)
    page = search(
        client, lastUpdatedAfter=iso(clock.now() - 86400), maxResultsPerPage=2
    )

    clock.advance(24 * 3600 + 1)
    client.login()
    response = client.amazon(
        "GET", ORDERS, params={"paginationToken": page["pagination"]["nextToken"]}
    )

    assert response.status_code == 400
    assert "expired" in response.json()["errors"][0]["details"]


def all_orders(client: SandboxClient, clock: FakeClock, **params: object) -> list[dict]:
    rv: list[dict] = []
    page = search(client, createdAfter=iso(clock.now() - 30 * 86400), **params)
    while True:
        rv += page["orders"]
        token = page.get("pagination", {}).get("nextToken")
        if not token:
            return rv
        page = search(
            client,
            paginationToken=token,
            **{k: v for k, v in params.items() if k == "includedData"},
        )


def test_without_included_data_the_order_is_bare(
    clock: FakeClock, client: SandboxClient
) -> None:
    orders = all_orders(client, clock)

    assert orders
    for order in orders:
        assert "recipient" not in order
        assert "fulfillment" not in order
        assert "buyer" not in order
        assert all("fulfillment" not in item for item in order["orderItems"])
        assert order["orderItems"][0]["product"]["sellerSku"]


def test_recipient_is_given_except_for_pending_orders(
    clock: FakeClock, client: SandboxClient
) -> None:
    orders = all_orders(client, clock, includedData="RECIPIENT,FULFILLMENT")

    pending = [o for o in orders if o["fulfillment"]["fulfillmentStatus"] == "PENDING"]
    ready = [o for o in orders if o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"]
    assert pending and ready
    assert all("recipient" not in o for o in pending)
    for order in ready:
        address = order["recipient"]["deliveryAddress"]
        assert {"name", "addressLine1", "city", "postalCode", "countryCode"} <= set(
            address
        )


def test_cancellation_requests_show_with_cancellation(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    [order_id] = sandbox.amazon.generate_orders(1)
    clock.advance(180)
    sandbox.amazon.request_cancellation(order_id, "Ordered twice")
    clock.advance(180)

    orders = all_orders(client, clock, includedData="CANCELLATION")
    order = next(o for o in orders if o["orderId"] == order_id)

    request = order["orderItems"][0]["cancellation"]["cancellationRequest"]
    assert request == {"requester": "BUYER", "cancelReason": "Ordered twice"}


def test_filters_by_status_fulfilment_channel_and_marketplace(
    sandbox: Sandbox, clock: FakeClock, client: SandboxClient
) -> None:
    sandbox.amazon.generate_orders(100)
    clock.advance(600)

    amazon = all_orders(client, clock, fulfilledBy="AMAZON", includedData="FULFILLMENT")
    mixed = all_orders(
        client,
        clock,
        fulfillmentStatuses="PENDING,CANCELLED",
        includedData="FULFILLMENT",
    )
    french = all_orders(client, clock, marketplaceIds=FR)

    assert amazon and all(o["fulfillment"]["fulfilledBy"] == "AMAZON" for o in amazon)
    statuses = {o["fulfillment"]["fulfillmentStatus"] for o in mixed}
    assert statuses <= {"PENDING", "CANCELLED"}
    assert french and all(o["salesChannel"]["marketplaceId"] == FR for o in french)


def test_generated_orders_cover_the_awkward_cases(sandbox: Sandbox) -> None:
    sandbox.amazon.generate_orders(400)
    orders = list(sandbox.amazon.orders.values())

    levels = {o.service_level for o in orders}
    lines = [v for o in orders for k, v in o.address.items() if k.startswith("address")]
    skus = {i.sku for o in orders for i in o.items}
    assert {"STANDARD", "EXPEDITED", "SECOND_DAY", "NEXT_DAY"} <= levels
    assert any(len(line) > 35 for line in lines)
    assert any(any("\u0370" <= c <= "\u04ff" for c in line) for line in lines)
    assert any(o.company for o in orders)
    assert any(len(o.items) > 1 for o in orders)
    assert "MUG-BLUE-2" in skus and "MUG-BLUE" not in skus


def test_generation_is_reproducible() -> None:
    clock = FakeClock()
    one = Sandbox(seed=9, orders=30, clock=clock)
    two = Sandbox(seed=9, orders=30, clock=clock)

    assert [o.order_id for o in one.amazon.orders.values()] == [
        o.order_id for o in two.amazon.orders.values()
    ]
    assert one.amazon.generate_orders(5) == two.amazon.generate_orders(5)
    assert one.amazon.credentials == two.amazon.credentials
    assert one.cubyn.api_key == two.cubyn.api_key


def test_ten_thousand_orders_are_cheap(sandbox: Sandbox, clock: FakeClock) -> None:
    ids = sandbox.amazon.generate_orders(10_000)

    assert len(set(ids)) == 10_000


# -- usage plans ---------------------------------------------------------------------


@pytest.fixture
def limited(clock: FakeClock) -> Iterator[Sandbox]:
    sb = Sandbox(seed=3, orders=10, clock=clock).start()
    yield sb
    sb.stop()


def test_search_orders_bucket_throttles_past_its_burst(
    limited: Sandbox, clock: FakeClock
) -> None:
    client = SandboxClient(limited.connection())
    params = {"lastUpdatedAfter": iso(clock.now() - 86400)}
    statuses = [
        client.amazon("GET", ORDERS, params=params).status_code for _ in range(21)
    ]

    refused = client.amazon("GET", ORDERS, params=params)
    clock.advance(1 / 0.0056 + 1)
    again = client.amazon("GET", ORDERS, params=params)

    assert statuses == [200] * 20 + [429]
    assert refused.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert refused.headers["x-amzn-RequestId"]
    assert again.status_code == 200
    assert again.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    assert "x-amzn-RateLimit-Limit" not in refused.headers
    client.close()
    assert limited.amazon.throttled == 2
    assert limited.amazon.throttled_by_operation["searchOrders"] == 2
    assert limited.amazon.calls["searchOrders"] == 23


def test_rate_limits_can_be_turned_off(clock: FakeClock) -> None:
    with (
        Sandbox(seed=3, orders=5, clock=clock, rate_limits=False) as sb,
        SandboxClient(sb.connection()) as client,
    ):
        params = {"lastUpdatedAfter": iso(clock.now() - 86400)}
        answers = [client.amazon("GET", ORDERS, params=params) for _ in range(30)]

    assert {answer.status_code for answer in answers} == {200}
    assert sb.amazon.throttled == 0
    # Without buckets there is no rate to advertise, or a client would pace itself.
    assert "x-amzn-RateLimit-Limit" not in answers[-1].headers


def test_a_time_scaled_sandbox_grants_faster_plans_on_real_time() -> None:
    with (
        Sandbox(seed=3, orders=5, time_scale=60) as sb,
        SandboxClient(sb.connection()) as client,
    ):
        login = client.login().json()
        response = client.amazon("GET", "/sellers/v1/marketplaceParticipations")
        placed = sb.amazon.generate_orders(1)
        created = parse_iso(sb.amazon.order_json(placed[0])["createdTime"])

    assert login["expires_in"] == 3600
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.96"
    # Stamped on the system clock, as a real cubyn-amz reads it: never ahead.
    assert time.time() - 3600 < created <= time.time()


def test_a_clock_and_a_time_scale_do_not_mix() -> None:
    with pytest.raises(ValueError, match="not both"):
        Sandbox(clock=FakeClock(), time_scale=10)
