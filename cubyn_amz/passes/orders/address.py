"""Fitting an Amazon delivery address to the limits of Cubyn's order form.

Cubyn takes Latin characters only and at most 35 of them per field; Amazon's
addresses are often longer and in any script. Every text is transliterated with
anyascii (京都 → "JingDu", São → "Sao"); what overflows the first address
line goes into the additional information; the name is split into first and last
name; the phone number and postal code are cleaned. Whatever still does not fit
is cut, and a note says so: the caller logs them at warning level. The notes name
fields and lengths, never the buyer's data, since they end up in cron mails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from anyascii import anyascii

from cubyn_amz.cubyn.client import PHONE_LIMITS, TEXT_LIMIT, ZIP_LIMIT
from cubyn_amz.cubyn.models import Recipient

_SPACES = re.compile(r"\s+")
# Control characters (a NUL or an escape pasted into a field): Cubyn refuses them,
# and anyascii keeps them as they are.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_NOT_ZIP = re.compile(r"[^A-Z0-9 -]")
# "+33 6 12 34 56 78 ext. 12": the extension is not part of the number.
_EXTENSION = re.compile(r"(?i)\s*(ext\.?|extension|x|poste)\s*\d+\s*$")


def latin(value: Any) -> str:
    """The value in Latin letters on one line, without surrounding blanks."""
    if not isinstance(value, str):
        return ""
    text = value if value.isascii() else anyascii(value)
    return _SPACES.sub(" ", _CONTROLS.sub(" ", text)).strip()


def split_at(text: str, limit: int) -> tuple[str, str]:
    """(what fits in ``limit``, the rest), cut between words where that keeps most."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip(" ,"), text[cut:].lstrip(" ,")


def fit_recipient(address: Mapping[str, Any]) -> tuple[Recipient, tuple[str, ...]]:
    """The recipient Cubyn accepts for an Amazon ``deliveryAddress``, and a note for
    every value that had to be shortened or dropped."""
    notes: list[str] = []

    def fit(field: str, text: str, limit: int = TEXT_LIMIT) -> str:
        if len(text) <= limit:
            return text
        kept, _ = split_at(text, limit)
        notes.append(f"{field} cut from {len(text)} to {len(kept)} characters")
        return kept

    company = latin(address.get("companyName"))
    first, last = split_name(latin(address.get("name")) or company)
    line1, additional = street_lines(address)
    recipient = Recipient(
        first_name=fit("first name", first),
        last_name=fit("last name", last),
        company=fit("company name", company),
        line1=fit("address line", line1),
        additional=fit("additional information", additional),
        zip=clean_zip(address.get("postalCode"), notes),
        city=fit("city", latin(address.get("city"))),
        country=latin(address.get("countryCode")).upper()[:2],
        phone=clean_phone(address.get("phone"), notes),
    )
    return recipient, tuple(notes)


def split_name(name: str) -> tuple[str, str]:
    """First word as first name, the rest as last name ("Maria Silva Santos" →
    "Maria", "Silva Santos"); a single word is a last name."""
    words = name.split(" ")
    if len(words) < 2:
        return "", name
    return words[0], " ".join(words[1:])


def street_lines(address: Mapping[str, Any]) -> tuple[str, str]:
    """(line1, additional information): what overflows line1 goes first into the
    additional information, followed by Amazon's second and third lines."""
    lines = [
        latin(address.get(key))
        for key in ("addressLine1", "addressLine2", "addressLine3")
    ]
    lines = [line for line in lines if line]
    if not lines:
        return "", ""
    line1, overflow = split_at(lines[0], TEXT_LIMIT)
    additional = ", ".join(part for part in (overflow, *lines[1:]) if part)
    return line1, additional


def clean_zip(value: Any, notes: list[str]) -> str:
    """Letters, digits, spaces and dashes; without the separators when too long;
    "0" where the country has no postal code."""
    text = _NOT_ZIP.sub("", latin(value).upper()).strip()
    if not text:
        return "0"
    if len(text) > ZIP_LIMIT:
        text = text.replace(" ", "").replace("-", "")
    if len(text) > ZIP_LIMIT:
        notes.append(f"postal code cut from {len(text)} to {ZIP_LIMIT} characters")
        text = text[:ZIP_LIMIT]
    return text


def clean_phone(value: Any, notes: list[str]) -> str:
    """Digits with a leading "+" if there was one; without the "+" when that makes
    it fit; empty, with a note, when it cannot be a phone number Cubyn accepts."""
    text = _EXTENSION.sub("", latin(value))
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    shortest, longest = PHONE_LIMITS
    number = "+" + digits if text.startswith("+") else digits
    if len(number) > longest and number.startswith("+"):
        number = digits
        if len(number) <= longest:
            notes.append("phone number written without its + to fit 13 characters")
    if len(number) > longest:
        notes.append(f"phone number of {len(digits)} digits left out (at most 13)")
        return ""
    if len(number) < shortest:
        notes.append(f"phone number of {len(digits)} digits left out (at least 4)")
        return ""
    return number
