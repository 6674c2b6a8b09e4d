"""Cubyn's carrier as Amazon's carrierCode.

Amazon accepts only the carrier codes of its own list (Seller Central's, per
marketplace), and publishes that list in no machine-readable form. The built-in
table (``AMAZON_CARRIER_CODES`` of the Cubyn client) is overridden by the settings'
``[carriers]``; any carrier left unmapped goes as "Other" with its name, which keeps
the tracking number but loses Amazon's tracking link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OTHER = "Other"


@dataclass(frozen=True)
class AmazonCarrier:
    code: str
    name: str
    mapped: bool

    @property
    def other(self) -> bool:
        return self.code == OTHER


def amazon_carrier(carrier: str, carriers: Mapping[str, str]) -> AmazonCarrier:
    """The carrierCode and carrierName to confirm a parcel of ``carrier`` with.

    ``carriers`` is the table in force (``settings.carriers``: built-in and
    overrides, keyed by Cubyn's carrier in capitals).
    """
    carrier = carrier.strip()
    code = carriers.get(carrier.upper())
    if not code:
        return AmazonCarrier(OTHER, carrier, mapped=False)
    # A carrier mapped to "Other" by the settings still needs its name.
    name = carrier if code == OTHER else code
    return AmazonCarrier(code, name, mapped=True)
