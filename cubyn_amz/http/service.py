"""One HTTP service: a requests Session with timeouts, pacing, retries and logging.

Retries are bounded, with exponential backoff and jitter, and only where repeating a
request cannot do harm: reads, writes that set a value, and any request that never
left this machine. A request that creates something and may have been applied is not
repeated; the caller gets ``OutcomeUnknown`` and settles it by looking the thing up.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from cubyn_amz.clock import Clock
from cubyn_amz.errors import (
    OutcomeUnknown,
    PacingPause,
    ServiceUnavailable,
    Throttled,
)
from cubyn_amz.http.pacing import Pacer
from cubyn_amz.http.redact import redact, redact_url

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    data: Any
    content: bytes = field(repr=False, default=b"")


class _Retry(Exception):
    """One failed attempt that may be repeated."""

    def __init__(self, final: Exception, wait: float = 0.0) -> None:
        super().__init__(str(final))
        self.final = final
        self.wait = wait


ErrorParser = Callable[[requests.Response, Any], Exception]


class HttpService:
    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        clock: Clock,
        user_agent: str,
        parse_error: ErrorParser,
        headers: Mapping[str, str] | None = None,
        pacer: Pacer | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        attempts: int = 4,
        bucket: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.pacer = pacer
        self.timeout = timeout
        self.attempts = attempts
        self.parse_error = parse_error
        # The session may be shared between services: headers go with each request.
        if session is None:
            session = requests.Session()
            # Else requests reads every proxy variable and stats ~/.netrc again for
            # each request, a fifth of a call's CPU: see _environment.
            session.trust_env = False
        self.session = session
        self._environments: dict[tuple[str, str], dict[str, Any]] = {}
        self.headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            **(headers or {}),
        }
        # One bucket for every operation, when the service has a single rate limit.
        self.bucket = bucket
        self.calls: dict[str, int] = {}
        self._jitter = tenacity.wait_random_exponential(multiplier=0.5, max=20)

    def close(self) -> None:
        self.session.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        idempotent: bool = True,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        expect_json: bool = True,
    ) -> Answer:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retry),
            sleep=self.clock.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(
                        method,
                        url,
                        operation,
                        idempotent,
                        params=params,
                        json=json_body,
                        data=data,
                        headers={**self.headers, **(headers or {})},
                        expect_json=expect_json,
                    )
        except _Retry as failure:
            raise failure.final from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        hint = failure.wait if isinstance(failure, _Retry) else 0.0
        return max(hint, float(self._jitter(state)))

    def _attempt(
        self,
        method: str,
        url: str,
        operation: str,
        idempotent: bool,
        *,
        expect_json: bool,
        **kwargs: Any,
    ) -> Answer:
        if self.pacer is not None:
            self.pacer.acquire(self.bucket or operation)
        self.calls[operation] = self.calls.get(operation, 0) + 1
        # Redacting a URL costs more than the rest of the logging: only when shown.
        shown = redact_url(url) if log.isEnabledFor(logging.DEBUG) else ""
        log.debug("%s %s %s", self.name, method, shown)
        started = time.monotonic()

        try:
            # Prepared here rather than by Session.request, which merges session
            # settings this tool never sets: a fifth of a call's CPU.
            prepared = requests.Request(method, url, **kwargs).prepare()
            response = self.session.send(
                prepared, timeout=self.timeout, **self._environment(url)
            )
        except requests.RequestException as error:
            raise self._network_failure(method, operation, idempotent, error) from None

        elapsed = time.monotonic() - started
        request_id = response.headers.get("x-amzn-RequestId", "")
        log.debug(
            "%s %s %s -> %d in %.2fs%s",
            self.name,
            method,
            shown,
            response.status_code,
            elapsed,
            f" [request {request_id}]" if request_id else "",
        )
        self._note_rate(operation, response)
        if response.status_code in TRANSIENT_STATUSES:
            raise self._transient_status(method, operation, idempotent, response)
        data = self._decode(method, operation, idempotent, response, expect_json)
        if response.status_code >= 400:
            raise self.parse_error(response, data)
        return Answer(response.status_code, response.headers, data, response.content)

    def _environment(self, url: str) -> dict[str, Any]:
        """The proxies and CA bundle the environment sets for ``url``, read once a host.

        What requests itself would read, less ~/.netrc: the tool sends its own
        credentials and no others.
        """
        parts = urlsplit(url)
        host = (parts.scheme, parts.netloc)
        if host not in self._environments:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get(
                "CURL_CA_BUNDLE"
            )
            self._environments[host] = {
                "proxies": requests.utils.get_environ_proxies(url),
                "verify": bundle or True,
            }
        return self._environments[host]

    def _note_rate(self, operation: str, response: requests.Response) -> None:
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        if self.pacer is None or not limit:
            return
        try:
            self.pacer.granted_rate(operation, float(limit))
        except ValueError:
            log.debug("ignoring x-amzn-RateLimit-Limit %r", limit)

    def _network_failure(
        self,
        method: str,
        operation: str,
        idempotent: bool,
        error: requests.RequestException,
    ) -> Exception:
        reason = redact(type(error).__name__)
        final = ServiceUnavailable(
            f"{self.name} did not answer {operation} ({reason})",
            "check the network; the next run resumes",
        )
        never_sent = isinstance(error, requests.ConnectTimeout) or (
            isinstance(error, requests.ConnectionError)
            and "NewConnectionError" in repr(error)
        )
        if idempotent or never_sent:
            log.debug("%s %s failed (%s); may retry", self.name, operation, reason)
            return _Retry(final)
        return OutcomeUnknown(
            f"{self.name} did not answer {operation} ({reason}); "
            "it may have been applied",
            "the next run looks it up before trying again",
        )

    def _transient_status(
        self,
        method: str,
        operation: str,
        idempotent: bool,
        response: requests.Response,
    ) -> Exception:
        status = response.status_code
        if status == 429:
            wait = self._retry_after(response)
            if self.pacer is not None and self.bucket is None:
                wait = self.pacer.throttled(operation)
                if wait > self.pacer.max_wait:
                    return PacingPause(operation, self.clock.now() + wait)
                # The next attempt's acquire() sleeps for the token itself.
                wait = 0.0
            log.info("%s throttled %s (429); backing off", self.name, operation)
            final: Exception = Throttled(
                self.name, 429, "too many requests", "QuotaExceeded"
            )
            return _Retry(final, wait)
        final = ServiceUnavailable(
            f"{self.name} answered {status} to {operation}",
            "the service is having trouble; the next run resumes",
        )
        # A 503 from a gateway may come after the service applied the request.
        if idempotent:
            return _Retry(final)
        return OutcomeUnknown(
            f"{self.name} answered {status} to {operation}; it may have been applied",
            "the next run looks it up before trying again",
        )

    def _decode(
        self,
        method: str,
        operation: str,
        idempotent: bool,
        response: requests.Response,
        expect_json: bool,
    ) -> Any:
        if not response.content or (not expect_json and response.status_code < 400):
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            if response.status_code >= 400:
                return None
            final = ServiceUnavailable(
                f"{self.name} sent an unreadable answer to {operation}",
                "the next run tries again",
            )
            if idempotent:
                raise _Retry(final) from None
            raise OutcomeUnknown(
                f"{self.name} sent an unreadable answer to {operation}; "
                "it may have been applied",
                "the next run looks it up before trying again",
            ) from None

    @staticmethod
    def _retry_after(response: requests.Response) -> float:
        try:
            return min(60.0, float(response.headers.get("Retry-After", "1")))
        except ValueError:
            return 1.0
