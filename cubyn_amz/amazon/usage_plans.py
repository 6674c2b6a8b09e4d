"""Amazon's default usage plans (rate a second, burst), per seller and application.

``x-amzn-RateLimit-Limit`` may raise a rate at run time; the burst stays as here.
"""

from __future__ import annotations

from cubyn_amz.http.pacing import UsagePlan

USAGE_PLANS: dict[str, UsagePlan] = {
    "searchOrders": UsagePlan(0.0056, 20),
    "confirmShipment": UsagePlan(2.0, 10),
    "patchListingsItem": UsagePlan(5.0, 5),
    "getListingsItem": UsagePlan(5.0, 10),
    "createFeedDocument": UsagePlan(0.5, 15),
    "createFeed": UsagePlan(0.0083, 15),
    # JSON_LISTINGS_FEED has a plan of its own on top: 5 feeds per 5 minutes a region.
    "createFeed:JSON_LISTINGS_FEED": UsagePlan(5 / 300, 5),
    "getFeed": UsagePlan(2.0, 15),
    "getFeeds": UsagePlan(0.0222, 10),
    "getFeedDocument": UsagePlan(0.0222, 10),
    "getMarketplaceParticipations": UsagePlan(0.016, 15),
}
