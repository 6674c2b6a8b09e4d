"""import-orders: every unshipped Amazon order reaches Cubyn once, cancellations follow.

A pass runs four steps, each of which a crash can interrupt at any line:

1. Orders left "creating" by an earlier pass (the POST went out, no answer was
   recorded) are looked up in Cubyn by orderRef: the newest live parcel is adopted,
   several are flagged for a person, and only when there is none is it posted again.
   Cubyn does not promise that orderRef is unique, so a POST is never repeated blind.
2. Imported orders that Amazon cancelled are cancelled in Cubyn while the parcel is
   CREATED; when the warehouse has started on one (409) the order is flagged.
3. Amazon is read incrementally with searchOrders (Orders API 2026-01-01, items and
   address inline, 100 orders a page): the first pass takes the orders created in
   the last ``import.initial_days`` days that are still to ship, every later one the
   orders updated since the previous window ended (less five minutes, for Amazon's
   lag), up to two minutes ago. Each page is planned (``plan.plan_order``: import,
   skip with its reason, cancel, flag, or nothing) and applied before the cursor,
   saved after every page, moves on; so a pass cut short resumes at its page.
4. Orders Cubyn rejected (an unknown SKU, an invalid address) are posted again, at
   most once an hour each, until they go through, are cancelled on Amazon or their
   ship-by date has passed. This comes after Amazon's news, so that an order
   cancelled meanwhile is not sent again.

Creating a parcel writes the intent ("creating", with the fitted request) in its
own transaction before the POST and the parcel id after it. ``--dry-run`` reads
Amazon, plans, and writes no order, cursor or pass record (only the usage-plan
buckets and the access token, which are facts about Amazon).
"""

from cubyn_amz.passes.orders.apply import import_orders

__all__ = ["import_orders"]
