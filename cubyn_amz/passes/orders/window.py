"""Which part of Amazon's order history a pass reads, and where it stopped.

The cursor holds the window being read (its kind, start, end and the page token of
the next page) and, between windows, where the next one starts. It is saved after
every page: a pass cut short resumes at the page it did not finish, and the window
moves on only once it has been read to its end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cubyn_amz.clock import iso

CURSOR = "import-orders"
# Amazon refuses a window that ends less than two minutes ago; its data can lag.
LAG = 120.0
# Each window starts this long before the previous one ended, to catch late data.
OVERLAP = 300.0
# Page tokens expire after 24 hours; past this age a window is read again whole.
TOKEN_LIFETIME = 23 * 3600.0
FIRST_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED")


@dataclass(frozen=True)
class Window:
    by: str  # "created" (the first pass) or "updated"
    after: float
    before: float
    token: str | None = None
    token_at: float | None = None

    def query(self, marketplace_ids: list[str]) -> dict[str, Any]:
        """The searchOrders parameters of this window (the token aside)."""
        query: dict[str, Any] = {"marketplace_ids": marketplace_ids}
        if self.by == "created":
            # The client sends no createdBefore: Amazon then ends the window two
            # minutes before the request, a little after ``before``, which is the
            # safe side.
            query["created_after"] = iso(self.after)
            query["statuses"] = FIRST_STATUSES
        else:
            query["last_updated_after"] = iso(self.after)
            query["last_updated_before"] = iso(self.before)
        return query

    def describe(self) -> str:
        field = "created" if self.by == "created" else "updated"
        return f"orders {field} from {iso(self.after)} to {iso(self.before)}"


@dataclass(frozen=True)
class Cursor:
    window: Window | None = None
    next_after: float | None = None


def open_window(
    cursor: Cursor | None, now: float, initial_days: int, since: float | None = None
) -> Window:
    """The window to read now: the one in progress, else the next one.

    The first pass of a connection takes the orders created in the last
    ``initial_days`` days that are still to ship; every later one the orders
    updated since the previous window ended, whatever their status.
    """
    before = now - LAG
    if since is not None:
        return Window("updated", min(since, before), before)
    if cursor is not None and cursor.window is not None:
        window = cursor.window
        if window.token and (window.token_at or 0.0) >= now - TOKEN_LIFETIME:
            return window
        # A window without a live token is read again from its start.
        return replace(window, token=None, token_at=None)
    if cursor is None or cursor.next_after is None:
        return Window("created", now - initial_days * 86400.0, before)
    return Window("updated", min(cursor.next_after, before), before)


def after_page(window: Window, next_token: str | None, now: float) -> Cursor:
    """The cursor once a page of ``window`` is done."""
    if next_token:
        return Cursor(window=replace(window, token=next_token, token_at=now))
    return Cursor(next_after=window.before - OVERLAP)


def cursor_to_json(cursor: Cursor) -> dict[str, Any]:
    window = cursor.window
    return {
        "next_after": cursor.next_after,
        "window": None
        if window is None
        else {
            "by": window.by,
            "after": window.after,
            "before": window.before,
            "token": window.token,
            "token_at": window.token_at,
        },
    }


def cursor_from_json(data: Any) -> Cursor | None:
    if not isinstance(data, dict):
        return None
    window = data.get("window")
    next_after = data.get("next_after")
    try:
        return Cursor(
            window=None
            if not isinstance(window, dict)
            else Window(
                by=str(window["by"]),
                after=float(window["after"]),
                before=float(window["before"]),
                token=window.get("token") or None,
                token_at=window.get("token_at"),
            ),
            next_after=float(next_after) if next_after is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        return None
