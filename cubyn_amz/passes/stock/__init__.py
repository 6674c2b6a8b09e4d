"""sync-stock: each Amazon listing shows the stock Cubyn can still ship.

A pass first settles the feeds earlier passes sent: a processing report records each
SKU as accepted or refused, an aborted feed sends its SKUs back to be planned. It then
reads Cubyn's stock, only what changed since the last read (with a few minutes of
overlap), or the whole catalogue on the first pass, with ``--full`` and once every
``stock.full_every_hours``; a SKU a full read no longer lists counts as 0.

The plan (``plan.py``) gives each SKU and marketplace
``max(0, available - buffer - pending demand)``, pending demand being the units of
Amazon orders the tool has seen and Cubyn does not reserve yet (Amazon lowered its own
count already; offering them again would sell a unit twice). Only quantities that
differ from the one Amazon last accepted are pushed. A SKU Amazon has no listing for
is reported once, and pushed again only once its quantity changes; a refused one is
tried again within the hour. When the plan would drop more than half of the SKUs
Amazon holds a quantity for (and more than ten) to zero at once, nothing is pushed
unless ``--force``: an outage or an empty answer of Cubyn's must not empty the shop.

Below ``stock.feed_threshold`` changes in a marketplace, each goes by its own
patchListingsItem; from there, by JSON_LISTINGS_FEED (``feed.py``), 25,000 messages a
feed at most, whose report a later pass reads so that no pass waits for Amazon.
Amazon's quantity counts as pushed only once Amazon accepted it.
"""

from cubyn_amz.passes.stock.apply import sync_stock

__all__ = ["sync_stock"]
