"""Amazon's error answers, turned into the tool's typed errors."""

from __future__ import annotations

from typing import Any

import requests

from cubyn_amz.errors import (
    ApiError,
    Conflict,
    CredentialsRefused,
    CubynAmzError,
    NotFound,
)
from cubyn_amz.http.redact import redact

SERVICE = "Amazon"


def parse_error(response: requests.Response, data: Any) -> CubynAmzError:
    """An SP-API answer ``{"errors": [{"code", "message", "details"}]}`` as an error."""
    request_id = response.headers.get("x-amzn-RequestId", "")
    errors = data.get("errors") if isinstance(data, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        first = {}
    code = str(first.get("code") or "")
    message = redact(str(first.get("message") or response.reason or "error"))
    details = [redact(str(first["details"]))] if first.get("details") else []
    status = response.status_code
    if status in (401, 403):
        return CredentialsRefused(
            f"Amazon refused the access token ({status} {code}: {message})"
            + (f" [request {request_id}]" if request_id else ""),
            "check that the seller authorised this application, then run "
            "`cubyn-amz connect` again",
        )
    kind = {404: NotFound, 409: Conflict}.get(status, ApiError)
    return kind(SERVICE, status, message, code, request_id, details)
