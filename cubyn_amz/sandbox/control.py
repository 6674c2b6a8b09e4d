"""The /_sandbox control endpoints: steer a running sandbox from another process.

End-to-end tests run the real ``cubyn-amz`` against ``cubyn-amz sandbox serve``
and cannot reach its Python objects; these endpoints give them the same
controls: read a summary of the state, make orders arrive or be cancelled, move
the warehouse, receive stock, configure faults, and move a fake clock. They are
never faulted, never rate-limited and need no credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .server import BadRequest, Request, Response, Route, json_response, route

if TYPE_CHECKING:
    from .core import Sandbox

Action = Callable[[dict[str, Any]], Any]


def _ok(payload: Any) -> Response:
    return json_response(200, payload)


def _fail(status: int, message: str) -> Response:
    return json_response(status, {"message": message})


class ControlApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def routes(self) -> list[Route]:
        actions: dict[str, Action] = {
            "warehouse/step": self.step,
            "orders": self.orders,
            "cancel": self.cancel,
            "request-cancellation": self.request_cancellation,
            "receive": self.receive,
            "return": self.return_parcel,
            "faults": self.faults,
            "advance": self.advance,
            "rate-limits": self.rate_limits,
            "amazon/expire-tokens": self.expire_tokens,
            "amazon/revoke": self.revoke,
        }
        rv = [
            route("GET", "/_sandbox/state", self.state, "control", "state"),
            route(
                "GET", "/_sandbox/connection", self.connection, "control", "connection"
            ),
        ]
        for name, action in actions.items():
            rv.append(
                route("POST", f"/_sandbox/{name}", self._wrap(action), "control", name)
            )
        return rv

    def _wrap(self, action: Action) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            try:
                body = req.json() if req.body.strip() else {}
                if not isinstance(body, dict):
                    raise BadRequest("the body must be a JSON object")
                return _ok(action(body))
            except BadRequest as exc:
                return _fail(400, str(exc))
            except KeyError as exc:
                return _fail(404, f"not found: {exc.args[0]}")
            except (ValueError, TypeError) as exc:
                return _fail(409, str(exc))

        return handler

    # -- reads -------------------------------------------------------------------------

    def state(self, req: Request, params: dict[str, str]) -> Response:
        return _ok(self.sandbox.summary())

    def connection(self, req: Request, params: dict[str, str]) -> Response:
        return _ok(self.sandbox.connection())

    # -- actions ----------------------------------------------------------------

    def step(self, body: dict[str, Any]) -> Any:
        moved = [
            self.sandbox.warehouse.step() for _ in range(int(body.get("times", 1)))
        ]
        return {"moved": moved}

    # "ago" (seconds) backdates an Amazon event past searchOrders' two-minute lag.

    def orders(self, body: dict[str, Any]) -> Any:
        count, ago = int(body.get("count", 1)), float(body.get("ago", 0))
        return {"orderIds": self.sandbox.amazon.generate_orders(count, ago=ago)}

    def cancel(self, body: dict[str, Any]) -> Any:
        order = self.sandbox.amazon.cancel_order(
            _required(body, "orderId"),
            by=body.get("by", "BUYER"),
            ago=float(body.get("ago", 0)),
        )
        return {"orderId": order.order_id, "status": order.status}

    def request_cancellation(self, body: dict[str, Any]) -> Any:
        reason = body.get("reason", "No longer needed")
        order = self.sandbox.amazon.request_cancellation(
            _required(body, "orderId"), reason, ago=float(body.get("ago", 0))
        )
        return {"orderId": order.order_id, "status": order.status}

    def receive(self, body: dict[str, Any]) -> Any:
        sku = _required(body, "sku")
        self.sandbox.warehouse.receive(sku, int(body.get("quantity", 1)))
        return self.sandbox.cubyn.products[sku].render()

    def return_parcel(self, body: dict[str, Any]) -> Any:
        return self.sandbox.warehouse.return_parcel(
            int(_required(body, "parcelId"))
        ).render()

    def faults(self, body: dict[str, Any]) -> Any:
        faults = self.sandbox.faults
        if body.get("off") or float(body.get("rate", 0.1)) == 0.0:
            faults.off()
        else:
            faults.configure(
                rate=float(body.get("rate", 0.1)),
                kinds=body.get("kinds", faults.kinds),
                seed=int(body.get("seed", 0)),
                slow_seconds=float(body.get("slowSeconds", 2.0)),
                apis=body.get("apis", faults.apis),
            )
        return faults.summary()

    def advance(self, body: dict[str, Any]) -> Any:
        self.sandbox.advance(float(_required(body, "seconds")))
        return {"now": self.sandbox.summary()["now"]}

    def rate_limits(self, body: dict[str, Any]) -> Any:
        enabled = bool(body.get("enabled", True))
        self.sandbox.amazon.buckets.enabled = enabled
        self.sandbox.cubyn.buckets.enabled = enabled
        return {"enabled": enabled}

    def expire_tokens(self, body: dict[str, Any]) -> Any:
        self.sandbox.amazon.expire_tokens()
        return {"expired": True}

    def revoke(self, body: dict[str, Any]) -> Any:
        self.sandbox.amazon.revoke()
        return {"revoked": True}

    # -- Service (for the server) -----------------------------------------------------

    def received(self, route: Route) -> None:
        pass

    def faulted(self, kind: str, route: Route) -> None:
        pass

    def failure(self, status: int, route: Route | None) -> Response:
        return _fail(
            status, "sandbox control failed" if status >= 500 else "no such control"
        )


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) in (None, ""):
        raise BadRequest(f"{name} is required")
    return body[name]
