"""Both API clients against requests-mock: retries, pacing, errors, tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from cubyn_amz.amazon.auth import MemoryTokens
from cubyn_amz.amazon.client import AmazonClient
from cubyn_amz.amazon.usage_plans import USAGE_PLANS
from cubyn_amz.clock import FakeClock
from cubyn_amz.cubyn.client import CubynClient
from cubyn_amz.cubyn.models import NewParcel, ParcelItem, Recipient
from cubyn_amz.errors import (
    ApiError,
    Conflict,
    CredentialsRefused,
    NotFound,
    OutcomeUnknown,
    PacingPause,
    ServiceUnavailable,
)
from cubyn_amz.http.pacing import MemoryBuckets, Pacer
from cubyn_amz.runtime import open_runtime
from cubyn_amz.settings.load import load_settings
from tests.helpers import AMAZON, CUBYN, SECRETS, TOKEN

ORDERS = AMAZON + "/orders/2026-01-01/orders"
CONFIRM = AMAZON + "/orders/v0/orders/405-1234567-1234567/shipmentConfirmation"


def amazon_client(settings_file: Path, clock: FakeClock) -> AmazonClient:
    settings = load_settings(settings_file, {})
    return AmazonClient(
        settings.amazon,
        clock=clock,
        pacer=Pacer(USAGE_PLANS, MemoryBuckets(), clock),
        tokens=MemoryTokens(),
    )


def cubyn_client(clock: FakeClock) -> CubynClient:
    return CubynClient(CUBYN, SECRETS["cubyn_api_key"], clock=clock)


def page(orders: list[dict[str, Any]], token: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"orders": orders}
    if token:
        answer["pagination"] = {"nextToken": token}
    return answer


def test_calls_carry_the_access_token_and_a_user_agent(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.get(ORDERS, json=page([]))
    client = amazon_client(settings_file, FakeClock())

    client.search_orders(marketplace_ids=["A13V1IB3VIYZZH"], created_after="x")

    sent = requests_mock.request_history[-1]
    assert sent.headers["x-amz-access-token"] == "Atza|ACCESSTOKENEXAMPLE"
    assert sent.headers["User-Agent"].startswith("cubyn-amz/")
    assert sent.qs["fulfilledby"] == ["merchant"]
    assert sent.qs["includeddata"] == ["recipient,fulfillment,cancellation"]
    assert sent.qs["maxresultsperpage"] == ["100"]
    token_form = requests_mock.request_history[0].text
    assert "grant_type=refresh_token" in token_form


def test_the_access_token_is_reused_across_runs(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.get(ORDERS, json=page([]))
    settings = load_settings(settings_file, {})
    clock = FakeClock()

    for _ in range(3):  # three cron runs, five minutes apart
        runtime = open_runtime(settings, clock)
        runtime.amazon.search_orders(marketplace_ids=["x"], created_after="x")
        runtime.close()
        clock.advance(300)

    assert lwa.call_count == 1
    clock.advance(3600)
    runtime = open_runtime(settings, clock)
    runtime.amazon.search_orders(marketplace_ids=["x"], created_after="x")
    runtime.close()
    assert lwa.call_count == 2


def test_a_revoked_refresh_token_is_a_credentials_error(
    settings_file: Path, requests_mock: Any
) -> None:
    requests_mock.post(
        TOKEN,
        status_code=400,
        json={"error": "invalid_grant", "error_description": "revoked"},
    )
    client = amazon_client(settings_file, FakeClock())

    with pytest.raises(CredentialsRefused, match="invalid_grant") as caught:
        client.marketplace_participations()

    assert caught.value.exit_code == 3
    assert SECRETS["refresh_token"] not in str(caught.value)


def test_transient_failures_are_retried_with_backoff(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.get(
        ORDERS,
        [
            {"status_code": 503, "json": {"errors": []}},
            {"exc": requests.ConnectionError("reset")},
            {"json": page([{"orderId": "1"}])},
        ],
    )
    clock = FakeClock()
    client = amazon_client(settings_file, clock)

    answer = client.search_orders(marketplace_ids=["x"], created_after="x")

    assert answer["orders"] == [{"orderId": "1"}]
    assert clock.slept > 0


def test_a_service_that_stays_down_ends_with_exit_4(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.get(ORDERS, status_code=500, json={"errors": []})
    client = amazon_client(settings_file, FakeClock())

    with pytest.raises(ServiceUnavailable) as caught:
        client.search_orders(marketplace_ids=["x"], created_after="x")

    assert caught.value.exit_code == 4
    assert requests_mock.call_count == 1 + 4  # token, then four attempts


def test_a_truncated_answer_to_a_read_is_retried(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.get(
        ORDERS, [{"text": '{"orders": [{"ord'}, {"json": page([{"orderId": "2"}])}]
    )
    client = amazon_client(settings_file, FakeClock())

    answer = client.search_orders(marketplace_ids=["x"], created_after="x")

    assert answer["orders"][0]["orderId"] == "2"


def test_a_429_backs_off_on_the_bucket_and_is_never_counted_as_success(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.post(
        CONFIRM,
        [
            {"status_code": 429, "json": {"errors": [{"code": "QuotaExceeded"}]}},
            {"status_code": 204},
        ],
    )
    clock = FakeClock()
    client = amazon_client(settings_file, clock)

    client.confirm_shipment("405-1234567-1234567", {"marketplaceId": "x"})

    assert requests_mock.call_count == 3
    assert clock.slept >= 0.49  # one token of confirmShipment's 2/s


def test_a_429_on_a_slow_plan_pauses_the_pass(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.get(
        ORDERS, status_code=429, json={"errors": [{"code": "QuotaExceeded"}]}
    )
    client = amazon_client(settings_file, FakeClock())

    with pytest.raises(PacingPause):
        client.search_orders(marketplace_ids=["x"], created_after="x")


def test_amazon_errors_keep_code_message_and_request_id(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.post(
        CONFIRM,
        status_code=400,
        headers={"x-amzn-RequestId": "req-42"},
        json={"errors": [{"code": "InvalidInput", "message": "bad carrier"}]},
    )
    client = amazon_client(settings_file, FakeClock())

    with pytest.raises(ApiError) as caught:
        client.confirm_shipment("405-1234567-1234567", {})

    assert caught.value.code == "InvalidInput"
    assert caught.value.request_id == "req-42"
    assert "bad carrier" in str(caught.value) and "req-42" in str(caught.value)
    assert requests_mock.call_count == 2  # a 400 is not retried


def test_the_granted_rate_header_is_followed(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.post(
        CONFIRM, status_code=204, headers={"x-amzn-RateLimit-Limit": "20"}
    )
    clock = FakeClock()
    client = amazon_client(settings_file, clock)

    for _ in range(30):
        client.confirm_shipment("405-1234567-1234567", {})

    # 10 at once, then the rest at 20/s once the header was seen.
    assert clock.slept == pytest.approx(20 / 20, abs=0.02)


def test_feed_documents_upload_without_the_access_token(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    upload = "https://tortuga-prod-eu.s3.amazonaws.com/doc?X-Amz-Signature=abc"
    requests_mock.post(
        AMAZON + "/feeds/2021-06-30/documents",
        json={"feedDocumentId": "amzn1.tortuga.3.x", "url": upload},
    )
    requests_mock.put(upload, status_code=200)
    client = amazon_client(settings_file, FakeClock())

    document_id, url = client.create_feed_document()
    client.upload_feed_document(url, b'{"header": {}}')

    put = requests_mock.request_history[-1]
    assert document_id == "amzn1.tortuga.3.x"
    assert "x-amz-access-token" not in put.headers
    assert put.headers["Content-Type"] == "application/json; charset=UTF-8"


def test_skus_are_url_encoded_in_listings_paths(
    settings_file: Path, lwa: Any, requests_mock: Any
) -> None:
    requests_mock.patch(
        AMAZON + "/listings/2021-08-01/items/A2EXAMPLE123/BOX%2012%2F24",
        json={"sku": "BOX 12/24", "status": "ACCEPTED", "issues": []},
    )
    client = amazon_client(settings_file, FakeClock())

    answer = client.patch_quantity("BOX 12/24", "A13V1IB3VIYZZH", 7)

    body = requests_mock.request_history[-1].json()
    assert answer["status"] == "ACCEPTED"
    assert body["patches"][0]["value"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 7}
    ]


def recipient() -> Recipient:
    return Recipient(
        "Sophie",
        "Martin",
        "",
        "3 place de la Republique",
        "",
        "69002",
        "Lyon",
        "FR",
        "0600000000",
    )


def new_parcel() -> NewParcel:
    return NewParcel(
        "405-1234567-1234567", recipient(), "STANDARD", (ParcelItem("SKU-1", 2),)
    )


def test_creating_a_parcel_is_never_retried_once_it_may_have_left(
    requests_mock: Any,
) -> None:
    requests_mock.post(CUBYN + "/parcels", exc=requests.exceptions.ReadTimeout)
    client = cubyn_client(FakeClock())

    with pytest.raises(OutcomeUnknown):
        client.create_parcel(new_parcel())

    assert requests_mock.call_count == 1


def test_creating_a_parcel_is_retried_when_it_never_left(requests_mock: Any) -> None:
    requests_mock.post(
        CUBYN + "/parcels",
        [
            {"exc": requests.exceptions.ConnectTimeout},
            {"status_code": 201, "json": {"id": 673847167, "status": "CREATED"}},
        ],
    )
    client = cubyn_client(FakeClock())

    parcel = client.create_parcel(new_parcel())

    assert parcel.id == "673847167"
    sent = requests_mock.request_history[-1]
    assert sent.headers["X-Application"] == SECRETS["cubyn_api_key"]
    assert sent.json()["address"]["zip"] == "69002"
    assert sent.json()["items"] == [{"sku": "SKU-1", "quantity": 2}]


def test_cubyn_validation_errors_keep_each_field(requests_mock: Any) -> None:
    requests_mock.post(
        CUBYN + "/parcels",
        status_code=400,
        json={
            "message": "Validation failed",
            "errors": [{"field": "items[0].sku", "message": "unknown SKU SKU-9"}],
        },
    )

    with pytest.raises(ApiError) as caught:
        cubyn_client(FakeClock()).create_parcel(new_parcel())

    assert caught.value.reason == "items[0].sku: unknown SKU SKU-9"


def test_cubyn_lists_are_read_page_by_page(requests_mock: Any) -> None:
    first = [{"id": i, "orderRef": f"r{i}", "status": "CREATED"} for i in range(100)]
    requests_mock.get(
        CUBYN + "/parcels",
        [
            {"json": first, "headers": {"x-total-count": "130"}},
            {"json": first[:30], "headers": {"x-total-count": "130"}},
        ],
    )

    parcels = list(
        cubyn_client(FakeClock()).parcels_updated_since("2026-12-03T00:00:00Z")
    )

    assert len(parcels) == 130
    second = requests_mock.request_history[1]
    assert second.qs["offset"] == ["100"] and second.qs["limit"] == ["100"]
    assert second.qs["filters[updatedafter]"] == ["2026-12-03t00:00:00z"]


def test_cubyn_shipment_and_status(requests_mock: Any) -> None:
    requests_mock.get(
        CUBYN + "/parcels/5",
        json={
            "id": 5,
            "orderRef": "405-1",
            "status": "CARRIER_IN_TRANSIT",
            "shipment": {"carrier": "COLISSIMO", "trackingNumber": "6A1"},
        },
    )
    requests_mock.put(
        CUBYN + "/parcels/5/cancel", status_code=409, json={"message": "x"}
    )
    client = cubyn_client(FakeClock())

    parcel = client.get_parcel("5")

    assert parcel.shipped and parcel.started
    assert parcel.shipment is not None and parcel.shipment.tracking_number == "6A1"
    with pytest.raises(Conflict):
        client.cancel_parcel("5")


def test_cubyn_unknown_key(requests_mock: Any) -> None:
    requests_mock.get(CUBYN, json={"version": "0.0.3", "auth": None})
    requests_mock.get(
        CUBYN + "/parcels/1", status_code=401, json={"message": "Unauthorized"}
    )
    client = cubyn_client(FakeClock())

    assert client.whoami() is None
    with pytest.raises(CredentialsRefused):
        client.get_parcel("1")


def test_cubyn_not_found(requests_mock: Any) -> None:
    requests_mock.get(CUBYN + "/parcels/1", status_code=404, json={"message": "nope"})

    with pytest.raises(NotFound):
        cubyn_client(FakeClock()).get_parcel("1")


def test_products_with_stock(requests_mock: Any) -> None:
    requests_mock.get(
        CUBYN + "/product-catalog/products",
        json=[
            {"sku": "SKU-1", "stock": {"onHand": 15, "reserved": 3, "available": 12}},
            {"sku": "SKU-2", "stock": {"available": "lots"}},
        ],
        headers={"x-total-count": "2"},
    )

    products = list(cubyn_client(FakeClock()).products())

    assert [(p.sku, p.available) for p in products] == [("SKU-1", 12), ("SKU-2", 0)]


def test_a_503_to_a_create_is_not_repeated(requests_mock: Any) -> None:
    # A gateway may answer 503 after the service applied the request.
    requests_mock.post(CUBYN + "/parcels", status_code=503, json={"message": "busy"})

    with pytest.raises(OutcomeUnknown):
        cubyn_client(FakeClock()).create_parcel(new_parcel())

    assert requests_mock.call_count == 1
