"""Login with Amazon: refresh token in, access token out, reused until near expiry.

An access token lasts an hour. A cron job every five minutes keeps it in the state
database across runs instead of exchanging the refresh token twelve times an hour.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Protocol

import requests

from cubyn_amz.clock import Clock
from cubyn_amz.errors import CredentialsRefused, ServiceUnavailable
from cubyn_amz.http.redact import redact, register_secrets
from cubyn_amz.http.service import HttpService
from cubyn_amz.settings.model import AmazonSettings

log = logging.getLogger(__name__)

EARLY_RENEWAL = 60.0  # seconds before expiry at which a cached token is not used


class TokenCache(Protocol):
    def get(self, name: str, now: float) -> str | None: ...

    def put(self, name: str, value: str, expires_at: float) -> None: ...

    def forget(self, name: str) -> None: ...


class MemoryTokens:
    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, name: str, now: float) -> str | None:
        value, expires_at = self._tokens.get(name, ("", 0.0))
        return value if value and expires_at > now else None

    def put(self, name: str, value: str, expires_at: float) -> None:
        self._tokens[name] = (value, expires_at)

    def forget(self, name: str) -> None:
        self._tokens.pop(name, None)


def _parse_token_error(response: requests.Response, data: Any) -> Exception:
    error = data.get("error", "") if isinstance(data, dict) else ""
    description = data.get("error_description", "") if isinstance(data, dict) else ""
    if error == "invalid_grant":
        return CredentialsRefused(
            "Login with Amazon refused the refresh token (invalid_grant): the "
            "authorisation was revoked or the token is wrong",
            "have the seller authorise the application again in Seller Central, "
            "then run `cubyn-amz connect --refresh-token …`",
        )
    if error == "invalid_client" or response.status_code == 401:
        return CredentialsRefused(
            "Login with Amazon refused the application's client id or secret "
            "(invalid_client); Amazon makes applications rotate the secret every "
            "180 days",
            "put the current LWA client secret in the settings or "
            "$CUBYN_AMZ_LWA_CLIENT_SECRET",
        )
    return CredentialsRefused(
        f"Login with Amazon answered {response.status_code} "
        f"{redact(error)}: {redact(description)}",
        "check the LWA client id, client secret and refresh token",
    )


class LwaAuth:
    def __init__(
        self,
        settings: AmazonSettings,
        *,
        clock: Clock,
        cache: TokenCache,
        user_agent: str,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.cache = cache
        self.http = HttpService(
            "Login with Amazon",
            settings.token_endpoint,
            clock=clock,
            user_agent=user_agent,
            parse_error=_parse_token_error,
            session=session,
        )
        digest = hashlib.sha256(
            f"{settings.lwa_client_id}\n{settings.refresh_token}".encode()
        ).hexdigest()
        self.cache_name = f"lwa:{digest[:16]}"
        self.exchanges = 0

    def access_token(self) -> str:
        now = self.clock.now()
        cached = self.cache.get(self.cache_name, now + EARLY_RENEWAL)
        if cached:
            register_secrets([cached])
            return cached
        return self._exchange(now)

    def forget(self) -> None:
        self.cache.forget(self.cache_name)

    def _exchange(self, now: float) -> str:
        answer = self.http.call(
            "POST",
            self.settings.token_endpoint,
            operation="lwaToken",
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.settings.refresh_token,
                "client_id": self.settings.lwa_client_id,
                "client_secret": self.settings.lwa_client_secret,
            },
        )
        self.exchanges += 1
        data = answer.data if isinstance(answer.data, dict) else {}
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ServiceUnavailable(
                "Login with Amazon answered without an access token",
                "try again later",
            )
        register_secrets([token])
        expires_in = data.get("expires_in", 3600)
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else 3600
        self.cache.put(self.cache_name, token, now + lifetime)
        log.debug("exchanged the refresh token for an access token (%ds)", lifetime)
        return token
