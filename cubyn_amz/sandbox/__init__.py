"""A faithful local emulation of Amazon's SP-API and Cubyn's API, over HTTP.

``Sandbox`` serves both on 127.0.0.1 for the demo, for end-to-end tests that run
the real ``cubyn-amz`` against it, and for benchmarks on a simulated clock::

    sb = Sandbox(seed=1, orders=40, clock=FakeClock()).start()
    sb.connection()  # what `cubyn-amz connect` needs
    sb.warehouse.step()
    sb.stop()

Module map: core.py (wiring, clock), server.py (HTTP, routing, the fault hook),
amazon.py (the seller account, SP-API's front door), lwa.py (Login with Amazon),
orders.py and orders_api.py (Orders API), listings.py, feeds.py, cubyn.py (Cubyn
API), warehouse.py (parcels and stock), data.py (seeded data), buckets.py (usage
plans), faults.py, control.py (/_sandbox), client.py (a bare client for tests).
"""

from .core import Sandbox

__all__ = ["Sandbox"]
