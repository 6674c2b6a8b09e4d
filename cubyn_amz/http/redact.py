"""Keep secrets out of every log line, error message and output.

Two nets: the values the settings know to be secret, and the shapes of Amazon's
tokens (``Atza|…``, ``Atzr|…``) and of presigned URLs, which the tool learns at run
time. A logging filter applies both to every record, whatever its level.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_TOKEN_SHAPES = re.compile(r"Atz[ar]\|[^\s\"'&,;]+")
# Presigned URLs carry their credentials in the query string.
_SIGNED_QUERY = re.compile(
    r"((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=)[^&\s\"']+",
    re.IGNORECASE,
)
_SECRET_FIELDS = {
    "refresh_token",
    "client_secret",
    "access_token",
    "x-amz-access-token",
    "x-application",
    "authorization",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-credential",
    "signature",
}
_secrets: set[str] = set()


def register_secrets(values: Iterable[str]) -> None:
    """Values to mask wherever they appear from now on (short ones are too common)."""
    _secrets.update(v for v in values if v and len(v) >= 6)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _SIGNED_QUERY.sub(r"\1" + MASK, text)
    return _TOKEN_SHAPES.sub(MASK, text)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return redact(url)
    query = [
        (key, MASK if key.lower() in _SECRET_FIELDS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return redact(urlunsplit(parts._replace(query=urlencode(query, safe="*,|"))))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        key: MASK if key.lower() in _SECRET_FIELDS else redact(value)
        for key, value in headers.items()
    }


def mask(secret: str) -> str:
    """A secret shown so that a person can tell which one it is: ``Atzr|…9f2c``."""
    if not secret:
        return ""
    prefix = secret[:5] if secret.startswith(("Atzr|", "Atza|")) else ""
    tail = secret[-4:] if len(secret) >= 16 else ""
    return f"{prefix}…{tail}"


class RedactingFilter(logging.Filter):
    """Renders each record's message once, redacted, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
        return True
