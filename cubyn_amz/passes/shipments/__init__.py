"""push-shipments: every parcel Cubyn ships is confirmed on Amazon, once.

Algorithm. The open orders are the imported ones with no confirmed shipment. The
pass lists the Cubyn parcels updated since the previous pass began (less a few
minutes, as the two clocks may differ; the first pass starts from the oldest open
order), keeps those that belong to open orders, and reads single parcels only for
the few the list cannot settle. A pure plan then decides, order by order: confirm
(carrier mapped through the settings, tracking number, ship date, every item with
the quantity sent to Cubyn), flag for a person (shipped without a tracking number),
withdraw (cancelled on Amazon), or wait.

Exactly once. In one transaction the pass records what it learnt, writes each
confirmation as "confirming" with the body it is about to send, and moves the
cursor to the pass start. It then POSTs each confirmation and records the outcome.
A confirmation found "confirming" by a later pass (a crash, a kill, an outage) is
sent again with its recorded body: with the same packageReferenceId "1" Amazon
edits the package rather than adding one. Amazon's refusal (400) is recorded as
"failed" with Amazon's message and tried again, at most once an hour.
"""

from cubyn_amz.passes.shipments.apply import push_shipments

__all__ = ["push_shipments"]
