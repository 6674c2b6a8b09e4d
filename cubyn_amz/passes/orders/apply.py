"""Carrying out the plan: the Cubyn calls, and the state written around each.

The intent ("creating", with the parcel to create) is committed before the POST and
the outcome after the answer, each in its own transaction; a pass that dies between
the two leaves the order "creating", and the next pass settles it by looking the
order up in Cubyn instead of posting it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from cubyn_amz.errors import ApiError, PacingPause, ServiceUnavailable, Throttled
from cubyn_amz.passes.orders import plan as p
from cubyn_amz.passes.orders.cancel import (
    cancel_parcel,
    missing_attention,
    started_attention,
)
from cubyn_amz.passes.orders.model import UnreadableOrder, parse_order
from cubyn_amz.passes.orders.window import (
    CURSOR,
    after_page,
    cursor_from_json,
    cursor_to_json,
    open_window,
)
from cubyn_amz.passes.result import PassResult
from cubyn_amz.runtime import Runtime
from cubyn_amz.state import core
from cubyn_amz.state import orders as orders_db

log = logging.getLogger(__name__)

# Told of every order handled, for a progress bar; nothing by default.
Progress = Callable[[int], None]


def import_orders(
    runtime: Runtime,
    result: PassResult,
    *,
    since: float | None = None,
    progress: Progress | None = None,
) -> None:
    """One import-orders pass (``run_pass(runtime, "import-orders", body)``).

    ``since`` re-reads the orders updated since that time; a dry run (known from
    ``result.dry_run``) reads Amazon and plans, and changes nothing.
    """
    steps = Steps(runtime, result)
    settle_creating(runtime, steps)
    steps.run(
        p.Cancel(row.order_id, row.parcel_id or "")
        for row in orders_db.cancellations_due(runtime.db)
    )
    try:
        read_amazon(runtime, steps, since, progress or (lambda n: None))
    except PacingPause:
        # Amazon's usage plan does not hold Cubyn back.
        retry_rejected(runtime, steps)
        raise
    # After Amazon's news, so that an order cancelled meanwhile is not sent again.
    retry_rejected(runtime, steps)


def settle_creating(runtime: Runtime, steps: Steps) -> None:
    """Orders whose parcel creation has no recorded answer: adopt, or post again.

    Only once the creation is ``import.settle_after`` seconds old: a run killed in
    the middle of its POST may have left the request on its way, and a look-up
    that came before it would post the order a second time.
    """
    now = runtime.clock.now()
    for row in orders_db.in_state(runtime.db, "creating"):
        sent_at = row.last_attempt_at or 0.0
        if now - sent_at < runtime.settings.import_.settle_after:
            log.info(
                "order %s: its parcel creation has no answer yet; looked up in Cubyn "
                "on a later run",
                row.order_id,
            )
            steps.result.counts["waiting: creation unanswered"] += 1
            continue
        if steps.result.dry_run:
            steps.result.planned.append(
                f"look order {row.order_id} up in Cubyn (its creation has no "
                "recorded answer)"
            )
            continue
        parcels = runtime.cubyn.find_parcels(row.order_id)
        steps.run(p.plan_settle(row, parcels))


def retry_rejected(runtime: Runtime, steps: Steps) -> None:
    """Rejected orders due for their hourly try, whether or not Amazon changed them."""
    for row in orders_db.due_for_retry(runtime.db, runtime.clock.now()):
        steps.run(p.plan_retry(row))


def read_amazon(
    runtime: Runtime, steps: Steps, since: float | None, progress: Progress
) -> None:
    """The window of Amazon's orders, page by page, planned and applied per page."""
    db, settings = runtime.db, runtime.settings
    cursor = cursor_from_json(core.read_cursor(db, CURSOR))
    window = open_window(
        cursor, runtime.clock.now(), settings.import_.initial_days, since
    )
    log.debug("import-orders: reading %s", window.describe())
    marketplaces = settings.amazon.marketplace_ids
    restarted = False
    while True:
        try:
            page = runtime.amazon.search_orders(
                **window.query(marketplaces), page_token=window.token
            )
        except ApiError as error:
            if error.status != 400 or not window.token or restarted:
                raise
            # An expired or unknown token: reading the window again repeats nothing.
            log.warning(
                "Amazon refused the saved page token (%s); reading %s again",
                error.reason,
                window.describe(),
            )
            window, restarted = replace(window, token=None, token_at=None), True
            continue
        handle_page(runtime, steps, page.get("orders") or [], progress)

        pagination = page.get("pagination")
        token = pagination.get("nextToken") if isinstance(pagination, dict) else None
        if token and token == window.token:
            log.warning("Amazon gave the same page token twice; the window ends here")
            token = None
        cursor = after_page(window, str(token) if token else None, runtime.clock.now())
        if not steps.result.dry_run:
            core.write_cursor(db, CURSOR, cursor_to_json(cursor), runtime.clock.now())
        if cursor.window is None:
            return
        window = cursor.window


def handle_page(
    runtime: Runtime, steps: Steps, page: list[Any], progress: Progress
) -> None:
    orders = []
    for data in page:
        try:
            orders.append(parse_order(data))
        except UnreadableOrder:
            steps.result.fail(
                "Amazon listed an order without an id; passed over", p.UNREADABLE
            )
    rows = orders_db.get_many(runtime.db, [o.order_id for o in orders])
    for order in orders:
        plan = p.plan_order(
            order, rows.get(order.order_id), runtime.settings, runtime.clock.now()
        )
        steps.run(plan)
        if plan and not steps.result.dry_run:
            # The same order twice in a page must see what was just done.
            found = orders_db.get(runtime.db, order.order_id)
            if found is not None:
                rows[order.order_id] = found
        progress(1)


class Steps:
    """Performs plan steps and records each outcome; a dry run only lists them."""

    def __init__(self, runtime: Runtime, result: PassResult) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.result = result

    def run(self, steps: Iterable[p.Step]) -> None:
        for step in steps:
            if self.result.dry_run:
                line = step.describe()
                if line:
                    self.result.planned.append(line)
                continue
            if isinstance(step, p.Record):
                self.record(step)
            elif isinstance(step, p.Import):
                self.create(step)
            elif isinstance(step, p.Adopt):
                self.adopt(step)
            elif isinstance(step, p.Cancel):
                self.cancel(step)
            elif isinstance(step, p.Attend):
                self.attend(step)
            else:
                self.drop(step)

    def now(self) -> float:
        return self.runtime.clock.now()

    def record(self, step: p.Record) -> None:
        orders_db.record(
            self.db, step.sighting, step.state, step.reason, self.now(), step.request
        )
        if step.failed:
            self.result.fail(step.message, step.label or p.UNREADABLE)
            return
        if step.label:
            self.result.counts[step.label] += 1
        if step.message:
            log.log(logging.WARNING if step.warn else logging.INFO, "%s", step.message)

    def create(self, step: p.Import) -> None:
        order_id = step.order_id
        for note in step.notes:
            log.warning("order %s: %s", order_id, note)
        with self.db.transaction():
            if step.sighting is not None:
                orders_db.record(self.db, step.sighting, "creating", None, self.now())
            orders_db.mark_creating(
                self.db, order_id, step.parcel, step.items, self.now()
            )

        try:
            parcel = self.runtime.cubyn.create_parcel(step.parcel)
        except Throttled:
            # Refused, so not created; the lookup next pass confirms it.
            raise ServiceUnavailable(
                f"Cubyn kept refusing requests (429) while order {order_id} was sent",
                "the next run looks it up and carries on",
            ) from None
        except ServiceUnavailable:
            log.warning(
                "order %s: Cubyn gave no answer to its creation; the next run looks "
                "it up before posting it again",
                order_id,
            )
            raise
        except ApiError as error:
            orders_db.mark_rejected(self.db, order_id, error.reason, self.now())
            self.result.fail(
                f"order {order_id}: rejected by Cubyn: {error.reason}", p.REJECTED
            )
            return

        orders_db.mark_imported(self.db, order_id, parcel.id, parcel.status, self.now())
        self.result.counts[p.IMPORTED] += 1
        log.info("order %s: imported as Cubyn parcel %s", order_id, parcel.id)

    def adopt(self, step: p.Adopt) -> None:
        parcel = step.parcel
        orders_db.mark_imported(
            self.db, step.order_id, parcel.id, parcel.status, self.now()
        )
        self.result.counts[p.IMPORTED] += 1
        log.info(
            "order %s: adopted Cubyn parcel %s, created before the answer was lost",
            step.order_id,
            parcel.id,
        )
        if step.others:
            why = (
                f"Cubyn holds {len(step.others) + 1} parcels for it; kept "
                f"{parcel.id}, cancel {', '.join(step.others)} by hand"
            )
            self.attend(p.Attend(step.order_id, why))

    def cancel(self, step: p.Cancel) -> None:
        order_id, parcel_id = step.order_id, step.parcel_id
        try:
            outcome = cancel_parcel(self.runtime.cubyn, parcel_id)
        except ApiError as error:
            # Stays imported with Amazon's CANCELLED: tried again next pass.
            self.result.fail(
                f"order {order_id}: Cubyn refused to cancel parcel {parcel_id}: "
                f"{error.reason}"
            )
            return

        now = self.now()
        if outcome.outcome == "cancelled":
            orders_db.mark_cancelled(
                self.db, order_id, now, parcel_status=outcome.parcel_status
            )
            self.result.counts[p.CANCELLED] += 1
            log.info("order %s: cancelled Cubyn parcel %s", order_id, parcel_id)
            return
        if outcome.outcome == "started":
            why = started_attention(parcel_id, outcome.parcel_status)
        else:
            why = missing_attention(parcel_id)
        orders_db.mark_cancelled(
            self.db, order_id, now, parcel_status=outcome.parcel_status, attention=why
        )
        self.result.flag(f"order {order_id}: {why}")

    def attend(self, step: p.Attend) -> None:
        orders_db.set_attention(self.db, step.order_id, step.why, self.now())
        if step.why is None:
            log.info("order %s: no longer needs attention", step.order_id)
        else:
            self.result.flag(f"order {step.order_id}: {step.why}")

    def drop(self, step: p.Drop) -> None:
        orders_db.mark_cancelled(self.db, step.order_id, self.now())
        log.info(
            "order %s: cancelled on Amazon before Cubyn had it; not sent", step.order_id
        )
