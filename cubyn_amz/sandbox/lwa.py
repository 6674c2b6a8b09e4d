"""Login with Amazon: the app's credentials, the token endpoint, token checks.

``POST /auth/o2/token`` exchanges the seller's refresh token, with the app's
client id and secret, for an access token that lasts an hour of sandbox time.
Errors are LWA's: ``invalid_client`` (401) for a wrong id or secret,
``invalid_grant`` (400) for a wrong or revoked refresh token. SP-API calls then
carry the access token in ``x-amz-access-token``; a missing, unknown or expired
one is answered 403 Unauthorized, as SP-API does.
"""

from __future__ import annotations

import random
import secrets
import string
from dataclasses import dataclass
from typing import Any

from cubyn_amz.clock import Clock

from .server import Request, Response, error_list, json_response, request_id

TOKEN_LIFETIME = 3600
HEX = "0123456789abcdef"


def _token(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


@dataclass
class Credentials:
    seller_id: str
    client_id: str
    client_secret: str
    refresh_token: str

    @classmethod
    def generate(cls, rng: random.Random) -> Credentials:
        upper = string.ascii_uppercase + string.digits
        alnum = string.ascii_letters + string.digits
        return cls(
            seller_id="A" + _token(rng, upper, 13),
            client_id="amzn1.application-oa2-client." + _token(rng, HEX, 32),
            client_secret="amzn1.oa2-cs.v1." + _token(rng, HEX, 64),
            refresh_token="Atzr|IwEB" + _token(rng, alnum + "-_", 140),
        )


def _lwa_error(status: int, error: str, description: str) -> Response:
    body = {"error": error, "error_description": description}
    return json_response(status, body, {"x-amzn-RequestId": request_id()})


def _form(req: Request) -> dict[str, Any]:
    """LWA takes a form; JSON bodies are accepted too."""
    content_type = (req.header("content-type") or "").lower()
    try:
        form = req.json() if "json" in content_type else req.form()
    except Exception:
        return {}
    return form if isinstance(form, dict) else {}


class LoginWithAmazon:
    def __init__(self, clock: Clock, seed: int) -> None:
        self.clock = clock
        self.credentials = Credentials.generate(random.Random(f"{seed}:credentials"))
        self.refresh_token_valid = True
        self.access_tokens: dict[str, float] = {}  # token -> expiry, sandbox time

    def token(self, req: Request, params: dict[str, str]) -> Response:
        form = _form(req)
        for name in ("grant_type", "refresh_token", "client_id", "client_secret"):
            if not form.get(name):
                return _lwa_error(
                    400,
                    "invalid_request",
                    f"The request is missing a required parameter : {name}",
                )
        if form["grant_type"] != "refresh_token":
            return _lwa_error(400, "unsupported_grant_type", "Unsupported grant_type.")

        creds = self.credentials
        if (form["client_id"], form["client_secret"]) != (
            creds.client_id,
            creds.client_secret,
        ):
            return _lwa_error(401, "invalid_client", "Client authentication failed")
        if form["refresh_token"] != creds.refresh_token or not self.refresh_token_valid:
            return _lwa_error(
                400,
                "invalid_grant",
                "The request has an invalid grant parameter : refresh_token",
            )

        access_token = "Atza|IwEB" + secrets.token_urlsafe(96)
        self.access_tokens[access_token] = self.clock.now() + TOKEN_LIFETIME
        expires_in = int(TOKEN_LIFETIME)
        body = {
            "access_token": access_token,
            "refresh_token": creds.refresh_token,
            "token_type": "bearer",
            "expires_in": expires_in,
        }
        return json_response(200, body, {"x-amzn-RequestId": request_id()})

    def authenticate(self, req: Request) -> Response | None:
        """None when the call carries a live access token, else SP-API's 403."""
        expiry = self.access_tokens.get(req.header("x-amz-access-token") or "")
        denied = "Access to requested resource is denied."
        if expiry is None:
            return error_list(403, "Unauthorized", denied)
        if expiry <= self.clock.now():
            details = "The access token you provided has expired."
            return error_list(403, "Unauthorized", denied, details)
        return None

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.refresh_token_valid = False
        self.access_tokens.clear()
