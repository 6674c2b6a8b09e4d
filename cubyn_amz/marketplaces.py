"""Amazon marketplaces, their regions and the SP-API hosts that serve them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    country: str
    id: str
    region: str


_TABLE = """
CA A2EUQ1WTGCTBG2 NA  US ATVPDKIKX0DER NA  MX A1AM78C64UM0Y8 NA  BR A2Q3Y263D00KWC NA
IE A28R8C7NBKEWEA EU  ES A1RKKUPIHCS9HS EU  UK A1F83G8C2ARO7P EU  FR A13V1IB3VIYZZH EU
BE AMEN7PMS3EDWL EU   NL A1805IZSGTT6HS EU  DE A1PA6795UKMFR9 EU  IT APJ6JRA9NG5V4 EU
SE A2NODRKZP88ZB9 EU  ZA AE08WJ6YKNBMC EU   PL A1C3SOZRARQ6R3 EU  EG ARBP9OOSHTCHU EU
TR A33AVAJ2PDY3EV EU  SA A17E79C6D8DWNP EU  AE A2VIGQ35RCS4UG EU  IN A21TJRUUN4KGV EU
SG A19VAU5U5O7RUS FE  AU A39IBJ37TRP1C6 FE  JP A1VC38T7YXB528 FE
"""

_WORDS = _TABLE.split()
MARKETPLACES: tuple[Marketplace, ...] = tuple(
    Marketplace(*_WORDS[i : i + 3]) for i in range(0, len(_WORDS), 3)
)
BY_COUNTRY = {m.country: m for m in MARKETPLACES}
BY_ID = {m.id: m for m in MARKETPLACES}

# GB is the ISO code; Amazon's own tables say UK.
_ALIASES = {"GB": "UK"}

ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
TOKEN_ENDPOINT = "https://api.amazon.com/auth/o2/token"


def country(marketplace_id: str) -> str:
    """The country code of a marketplace id, for people to read (the id if unknown)."""
    market = BY_ID.get(marketplace_id)
    return market.country if market else marketplace_id


def find(code_or_id: str) -> Marketplace | None:
    """The marketplace named by a country code (FR) or a marketplace id."""
    text = code_or_id.strip()
    country = _ALIASES.get(text.upper(), text.upper())
    return BY_COUNTRY.get(country) or BY_ID.get(text)
