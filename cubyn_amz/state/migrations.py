"""Ordered schema migrations. Append only: a released migration never changes.

Each domain keeps its tables beside the code that reads them; this list fixes the
order in which they were introduced.
"""

from __future__ import annotations

from cubyn_amz.state import schema

MIGRATIONS: list[tuple[str, str]] = [
    ("core: tokens, usage-plan buckets, cursors, passes", schema.CORE),
    ("orders", schema.ORDERS),
    ("shipments", schema.SHIPMENTS),
    ("stock and feeds", schema.STOCK),
]
