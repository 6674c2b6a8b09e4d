"""The Listings Items API (2021-08-01): read and patch a SKU's quantity.

A listing is a (SKU, marketplace) pair with a quantity, the
``fulfillment_availability`` attribute of channel DEFAULT. getListingsItem shows
it in the ``summaries``, ``attributes`` and ``fulfillmentAvailability`` datasets;
patchListingsItem takes JSON Patch operations on
``/attributes/fulfillment_availability`` and applies them at once (Amazon takes
a few minutes; the sandbox does not make the client wait), or only validates
them with ``mode=VALIDATION_PREVIEW``. SKUs arrive percent-encoded in the path.
searchListingsItems pages through the seller's SKUs, 20 at most a page.
"""

from __future__ import annotations

import uuid
from typing import Any

from cubyn_amz.clock import iso

from .amazon import AmazonState, json_body
from .orders import BY_ID
from .server import Request, Response, Route, error_list, json_response

QUANTITY_PATH = "/attributes/fulfillment_availability"
PATCH_OPS = frozenset({"add", "replace", "merge", "delete"})
DATASETS = frozenset(
    {
        "summaries",
        "attributes",
        "issues",
        "offers",
        "fulfillmentAvailability",
        "procurement",
        "relationships",
        "productTypes",
        "identifiers",
    }
)


def bad_request(details: str) -> Response:
    return error_list(400, "BAD_REQUEST", "Invalid input", details)


def quantity_of(values: Any) -> tuple[int | None, str | None]:
    """The DEFAULT channel's quantity in a fulfillment_availability value."""
    if not isinstance(values, list) or not values:
        return None, "fulfillment_availability needs at least one value"
    for value in values:
        if not isinstance(value, dict):
            return None, "fulfillment_availability values are objects"
        if value.get("fulfillment_channel_code", "DEFAULT") != "DEFAULT":
            continue
        quantity = value.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            return None, "quantity must be a whole number, 0 or more"
        return quantity, None
    return None, "fulfillment_availability has no DEFAULT channel value"


def issue(message: str, code: str = "90000900") -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "attributeNames": ["fulfillment_availability"],
        "categories": ["INVALID_ATTRIBUTE"],
    }


class ListingsApi:
    def __init__(self, state: AmazonState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        api = self.state.endpoint
        items = "/listings/2021-08-01/items/{sellerId}"
        return [
            api("GET", f"{items}/{{sku}}", "getListingsItem", self.get_item),
            api("PATCH", f"{items}/{{sku}}", "patchListingsItem", self.patch_item),
            api("GET", items, "searchListingsItems", self.search_items),
        ]

    def _check(
        self, req: Request, params: dict[str, str]
    ) -> tuple[list[str], Response | None]:
        if params["sellerId"] != self.state.seller_id:
            return [], error_list(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "The sellerId does not match the authorized selling partner.",
            )
        marketplaces = req.args("marketplaceIds")
        if not marketplaces:
            return [], bad_request("marketplaceIds is required")
        unknown = [m for m in marketplaces if m not in BY_ID]
        if unknown:
            return [], bad_request(f"unknown marketplaceIds: {', '.join(unknown)}")
        return marketplaces, None

    def _listed(self, sku: str, marketplaces: list[str]) -> list[str]:
        return [m for m in marketplaces if (sku, m) in self.state.listings]

    def render_item(self, sku: str, marketplaces: list[str], datasets: set[str]) -> Any:
        product = self.state.catalogue[sku]
        asin = self.state.asin(sku)
        rv: dict[str, Any] = {"sku": sku}
        if "summaries" in datasets:
            rv["summaries"] = [
                {
                    "marketplaceId": m,
                    "asin": asin,
                    "productType": product.product_type,
                    "conditionType": "new_new",
                    "status": ["BUYABLE", "DISCOVERABLE"]
                    if self.state.listings[(sku, m)] > 0
                    else ["DISCOVERABLE"],
                    "itemName": product.title,
                    "createdDate": iso(
                        self.state.listing_updated[(sku, m)] - 86400 * 30
                    ),
                    "lastUpdatedDate": iso(self.state.listing_updated[(sku, m)]),
                }
                for m in marketplaces
            ]
        quantity = self.state.listings[(sku, marketplaces[0])]
        if "attributes" in datasets:
            rv["attributes"] = {
                "item_name": [
                    {"value": product.title, "marketplace_id": marketplaces[0]}
                ],
                "fulfillment_availability": [
                    {"fulfillment_channel_code": "DEFAULT", "quantity": quantity}
                ],
            }
        if "issues" in datasets:
            rv["issues"] = []
        if "offers" in datasets:
            rv["offers"] = [
                {
                    "marketplaceId": m,
                    "offerType": "B2C",
                    "price": {
                        "currencyCode": BY_ID[m].currency,
                        "amount": product.price,
                    },
                }
                for m in marketplaces
            ]
        if "fulfillmentAvailability" in datasets:
            rv["fulfillmentAvailability"] = [
                {"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}
            ]
        if "productTypes" in datasets:
            rv["productTypes"] = [
                {"marketplaceId": m, "productType": product.product_type}
                for m in marketplaces
            ]
        return rv

    def _datasets(self, req: Request, default: str) -> set[str]:
        return set(req.args("includedData") or [default]) & DATASETS

    def get_item(self, req: Request, params: dict[str, str]) -> Response:
        marketplaces, problem = self._check(req, params)
        if problem is not None:
            return problem
        sku = params["sku"]
        listed = self._listed(sku, marketplaces)
        if not listed:
            return error_list(
                404,
                "NOT_FOUND",
                f"SKU '{sku}' not found in marketplace {marketplaces[0]}",
            )
        return json_response(
            200, self.render_item(sku, listed, self._datasets(req, "summaries"))
        )

    def patch_item(self, req: Request, params: dict[str, str]) -> Response:
        marketplaces, problem = self._check(req, params)
        if problem is not None:
            return problem
        sku = params["sku"]
        if not self._listed(sku, marketplaces):
            return error_list(
                404,
                "NOT_FOUND",
                f"SKU '{sku}' not found in marketplace {marketplaces[0]}",
            )
        body = json_body(req)
        if not isinstance(body, dict):
            return bad_request("the body must be a JSON object")
        if not isinstance(body.get("productType"), str) or not body["productType"]:
            return bad_request("productType is required")
        patches = body.get("patches")
        if not isinstance(patches, list) or not patches:
            return bad_request("patches must hold at least one operation")
        for patch in patches:
            if not isinstance(patch, dict) or patch.get("op") not in PATCH_OPS:
                return bad_request(
                    "each patch needs an op among add, replace, merge, delete"
                )
            if not isinstance(patch.get("path"), str):
                return bad_request("each patch needs a path")

        quantity, issues = self._quantity(patches)
        preview = req.arg("mode") == "VALIDATION_PREVIEW"
        if preview:
            status = "INVALID" if issues else "VALID"
        else:
            status = "INVALID" if issues else "ACCEPTED"
        if status == "ACCEPTED" and quantity is not None:
            for m in self._listed(sku, marketplaces):
                self.state.listings[(sku, m)] = quantity
                self.state.listing_updated[(sku, m)] = self.state.now()

        rv: dict[str, Any] = {
            "sku": sku,
            "status": status,
            "submissionId": uuid.uuid4().hex,
            "issues": issues,
        }
        if "identifiers" in req.args("includedData"):
            asin = self.state.asin(sku)
            rv["identifiers"] = [
                {"marketplaceId": m, "asin": asin} for m in marketplaces
            ]
        return json_response(200, rv)

    def _quantity(self, patches: list[dict[str, Any]]) -> tuple[int | None, list[Any]]:
        quantity = None
        issues = []
        for patch in patches:
            if patch["path"] != QUANTITY_PATH:
                continue  # other attributes are accepted and ignored
            if patch["op"] == "delete":
                quantity = 0
                continue
            value, problem = quantity_of(patch.get("value"))
            if problem is not None:
                issues.append(issue(problem))
            else:
                quantity = value
        return quantity, issues

    def search_items(self, req: Request, params: dict[str, str]) -> Response:
        marketplaces, problem = self._check(req, params)
        if problem is not None:
            return problem
        size_text = req.arg("pageSize") or "10"
        if not size_text.isdigit() or not 1 <= int(size_text) <= 20:
            return bad_request("pageSize must be between 1 and 20")
        size = int(size_text)

        wanted = req.args("identifiers")
        if wanted and req.arg("identifiersType") != "SKU":
            return bad_request("the sandbox searches by identifiersType=SKU only")
        skus = sorted(
            sku
            for sku in self.state.catalogue
            if self._listed(sku, marketplaces) and (not wanted or sku in wanted)
        )
        token = req.arg("pageToken")
        start = int(token) if token and token.isdigit() else 0
        chunk = skus[start : start + size]

        datasets = self._datasets(req, "summaries")
        items = [
            self.render_item(s, self._listed(s, marketplaces), datasets) for s in chunk
        ]
        rv: dict[str, Any] = {"numberOfResults": len(skus), "items": items}
        if start + size < len(skus):
            rv["pagination"] = {"nextToken": str(start + size)}
        return json_response(200, rv)
