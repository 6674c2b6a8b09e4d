"""Secrets never reach a log line, an error message or output."""

from __future__ import annotations

import logging

import pytest

from cubyn_amz.http.redact import (
    MASK,
    RedactingFilter,
    mask,
    redact,
    redact_headers,
    redact_url,
    register_secrets,
)


def test_registered_secrets_are_masked_anywhere_in_a_text() -> None:
    register_secrets(["cubyn-key-redact-test-0001"])

    text = redact("401 for key cubyn-key-redact-test-0001 at /v2/parcels")

    assert "cubyn-key-redact-test-0001" not in text
    assert MASK in text


def test_amazon_token_shapes_are_masked_without_being_registered() -> None:
    text = redact("refresh_token=Atzr|IwEBIabc-123&access Atza|IwEBIxyz")

    assert "IwEBIabc" not in text and "IwEBIxyz" not in text


def test_presigned_url_credentials_are_masked() -> None:
    url = (
        "https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/doc?"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261203"
        "&X-Amz-Signature=deadbeefcafe"
    )

    for shown in (redact_url(url), redact(url)):
        assert "deadbeefcafe" not in shown
        assert "AKIAEXAMPLE" not in shown
        assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in shown


def test_secret_headers_are_masked() -> None:
    headers = redact_headers(
        {"x-amz-access-token": "Atza|abc", "X-Application": "k", "Accept": "json"}
    )

    assert headers == {
        "x-amz-access-token": MASK,
        "X-Application": MASK,
        "Accept": "json",
    }


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("Atzr|IwEBIREFRESHTOKENEXAMPLE9f2c", "Atzr|…9f2c"),
        ("cubyn-key-0123456789abcdef", "…cdef"),
        ("short", "…"),
        ("", ""),
    ],
)
def test_mask_shows_just_enough_to_tell_secrets_apart(secret: str, shown: str) -> None:
    assert mask(secret) == shown


def test_the_logging_filter_redacts_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    register_secrets(["lwa-secret-in-a-traceback"])
    logger = logging.getLogger("cubyn_amz.test_redact")
    caplog.handler.addFilter(RedactingFilter())

    with caplog.at_level(logging.DEBUG, logger="cubyn_amz.test_redact"):
        logger.debug("sending %s", "client_secret=lwa-secret-in-a-traceback")
        try:
            raise ValueError("boom lwa-secret-in-a-traceback")
        except ValueError:
            logger.exception("failed")

    assert "lwa-secret-in-a-traceback" not in caplog.text
    assert caplog.text.count(MASK) >= 2
