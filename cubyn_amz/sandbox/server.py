"""The sandbox's HTTP plumbing: requests, answers, routing and the fault hook.

One ``ThreadingHTTPServer`` on loopback serves every emulated API. A route names
the API it belongs to ("amazon", "lwa", "uploads", "cubyn" or "control"); the
API's ``Service`` shapes its errors and counts its calls, so this module knows
nothing of Amazon or Cubyn. Handlers run one at a time under the sandbox lock,
after the sandbox has caught up with its clock (``tick``), so that state moves
exactly as the simulated time says, whichever thread asks.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from cubyn_amz.clock import Clock

from .faults import Faults

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """A request body or parameter that cannot be read; handlers answer 400."""


@dataclass
class Request:
    method: str
    path: str  # still percent-encoded, so that an encoded "/" in a SKU survives
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """An array parameter, comma-separated or repeated."""
        return [
            part.strip()
            for value in self.query.get(name, [])
            for part in value.split(",")
            if part.strip()
        ]

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"the body is not valid JSON: {exc}") from exc

    def form(self) -> dict[str, str]:
        text = self.body.decode("utf-8", errors="replace")
        return {key: values[0] for key, values in parse_qs(text).items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    rv = Response(status, body, {"Content-Type": "application/json"})
    rv.headers.update(headers or {})
    return rv


def error_list(status: int, code: str, message: str, details: str = "") -> Response:
    """An answer in SP-API's ErrorList shape."""
    error = {"code": code, "message": message, "details": details}
    return json_response(status, {"errors": [error]})


def request_id() -> str:
    return str(uuid.uuid4())


Handler = Callable[[Request, dict[str, str]], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    api: str
    operation: str


def route(method: str, path: str, handler: Handler, api: str, operation: str) -> Route:
    """A route; ``{name}`` in ``path`` captures one percent-decoded segment."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{regex}/?$"), handler, api, operation)


class Service(Protocol):
    def received(self, route: Route) -> None:
        """Count a request that reached one of this service's routes."""

    def faulted(self, kind: str, route: Route) -> None:
        """Count a fault injected into one of this service's routes."""

    def failure(self, status: int, route: Route | None) -> Response:
        """An error answer in this service's shape (injected, crash, no route)."""


@dataclass
class Outcome:
    response: Response | None  # None: close the connection without answering
    truncate: bool = False


class App:
    """Routes requests to handlers, with faults injected on the way."""

    def __init__(
        self,
        clock: Clock,
        lock: threading.RLock,
        tick: Callable[[], None],
        faults: Faults,
    ) -> None:
        self.clock = clock
        self.lock = lock
        self.tick = tick
        self.faults = faults
        self.routes: list[Route] = []
        self.services: dict[str, Service] = {}
        self.prefixes: dict[str, str] = {}
        self.stopping = threading.Event()

    def add(self, routes: list[Route], services: dict[str, Service]) -> None:
        self.routes.extend(routes)
        self.services.update(services)

    def match(self, req: Request) -> tuple[Route | None, dict[str, str]]:
        for candidate in self.routes:
            if candidate.method != req.method:
                continue
            found = candidate.pattern.match(req.path)
            if found:
                return candidate, {k: unquote(v) for k, v in found.groupdict().items()}
        return None, {}

    def dispatch(self, req: Request) -> Outcome:
        found, params = self.match(req)
        if found is None:
            return Outcome(self._no_route(req))
        service = self.services[found.api]
        with self.lock:
            service.received(found)

        fault = None
        if found.api != "control":
            fault = self.faults.draw(found.api, req.method)
        if fault is not None and fault != "truncate":
            self._count(fault, found, service)
        if fault == "drop":
            return Outcome(None)
        if fault in ("429", "500", "503"):
            return Outcome(service.failure(int(fault), found))
        if fault == "slow":
            # Real time: the point is to outlast the client's read timeout.
            self.stopping.wait(self.faults.slow_seconds)

        rv = self._handle(found, params, req, service)
        if fault == "lost":
            return Outcome(None)
        # An empty answer (204) has nothing to cut: it goes out whole, uncounted.
        if fault == "truncate" and len(rv.body) > 1:
            self._count(fault, found, service)
            return Outcome(rv, truncate=True)
        return Outcome(rv)

    def _count(self, kind: str, found: Route, service: Service) -> None:
        self.faults.count(kind)
        with self.lock:
            service.faulted(kind, found)

    def _handle(
        self, found: Route, params: dict[str, str], req: Request, service: Service
    ) -> Response:
        try:
            with self.lock:
                self.tick()
                return found.handler(req, params)
        except Exception:
            log.exception("sandbox handler %s crashed", found.operation)
            return service.failure(500, found)

    def _no_route(self, req: Request) -> Response:
        for prefix, api in self.prefixes.items():
            if req.path.startswith(prefix) and api in self.services:
                return self.services[api].failure(404, None)
        return json_response(404, {"message": f"No route for {req.method} {req.path}"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, each answer would
    # wait for the client's delayed ACK (40 ms a request on Linux).
    disable_nagle_algorithm = True
    server_version = "cubyn-amz-sandbox"
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        req = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )

        outcome = self.server.app.dispatch(req)
        if outcome.response is None:
            self.close_connection = True
            return
        self._answer(outcome.response, outcome.truncate)

    def _answer(self, rv: Response, truncate: bool) -> None:
        body = rv.body
        announced = len(body)
        if truncate:
            body = body[: len(body) // 2]
            # Half the time the length is honest and the JSON is simply cut;
            # otherwise the connection ends before the announced length.
            if len(body) % 2 == 0:
                announced = len(body)

        self.send_response(rv.status)
        for name, value in rv.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(announced))
        if truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header tells the sandbox's time, simulated or not.
        return email.utils.formatdate(self.server.app.clock.now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is routine here (timeouts, faults).
        log.debug("connection from %s ended abruptly", client_address, exc_info=True)


class HttpServer:
    """The listening socket and the thread that serves it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.app.stopping.clear()
        self._server = _Server((host, port), self.app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="cubyn-amz-sandbox",
            daemon=True,
        )
        self._thread.start()
        return int(self._server.server_address[1])

    def stop(self) -> None:
        self.app.stopping.set()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def port(self) -> int | None:
        if self._server is None:
            return None
        return int(self._server.server_address[1])
