"""A bare HTTP client for a running sandbox, for tests that poke the raw APIs.

It logs in with Login with Amazon once, then sends the access token or the Cubyn
key on each call and hands back the ``requests.Response`` untouched, so tests
can assert on statuses and headers. It is no substitute for the project's real
clients; it exists so that the sandbox's own tests read like the API's docs.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import requests


class SandboxClient:
    def __init__(self, connection: dict[str, Any], timeout: float = 10.0) -> None:
        self.connection = connection
        self.timeout = timeout
        self.session = requests.Session()
        self._token: str | None = None
        base = connection["amazon_endpoint"].rsplit("/amazon", 1)[0]
        self.base_url = base

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def login(self, **overrides: str) -> requests.Response:
        conn = self.connection
        form = {
            "grant_type": "refresh_token",
            "refresh_token": conn["refresh_token"],
            "client_id": conn["lwa_client_id"],
            "client_secret": conn["lwa_client_secret"],
            **overrides,
        }
        rv = self.session.post(conn["token_endpoint"], data=form, timeout=self.timeout)
        if rv.status_code == 200:
            self._token = rv.json()["access_token"]
        return rv

    @property
    def token(self) -> str:
        if self._token is None:
            self.login().raise_for_status()
        assert self._token is not None
        return self._token

    def amazon(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An SP-API call; ``path`` starts after the endpoint, e.g. /orders/…"""
        headers = {"x-amz-access-token": self.token, **kwargs.pop("headers", {})}
        url = self.connection["amazon_endpoint"] + path
        return self._send(method, url, headers=headers, **kwargs)

    def cubyn(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {
            "X-Application": self.connection["cubyn_api_key"],
            **kwargs.pop("headers", {}),
        }
        url = self.connection["cubyn_endpoint"] + path
        return self._send(method, url, headers=headers, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._send(method, f"{self.base_url}/_sandbox{path}", **kwargs)

    def url(self, url: str, method: str = "GET", **kwargs: Any) -> requests.Response:
        """A call to a full URL (a presigned document URL)."""
        return self._send(method, url, **kwargs)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, url, **kwargs)
