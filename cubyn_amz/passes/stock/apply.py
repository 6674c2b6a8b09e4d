"""One sync-stock pass: settle the feeds sent before, read Cubyn, plan, push.

Each remote effect is framed by the state database: a SKU is marked ``sending``
before its patch or feed leaves, and its outcome recorded after Amazon's answer (a
patch) or its processing report (a feed, read by a later pass).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from cubyn_amz.amazon.client import UnreadableDocument
from cubyn_amz.clock import iso, parse_iso
from cubyn_amz.errors import (
    ApiError,
    NotFound,
    OutcomeUnknown,
    PacingPause,
    Throttled,
)
from cubyn_amz.marketplaces import country
from cubyn_amz.passes.result import PassResult
from cubyn_amz.passes.stock.feed import (
    FEED_TYPE,
    UnreadableReport,
    encode,
    feed_batches,
    feed_document,
    is_unknown_sku,
    read_report,
)
from cubyn_amz.passes.stock.plan import (
    RETRY_FAILED_AFTER,
    Change,
    Guard,
    StockPlan,
    plan_stock,
)
from cubyn_amz.runtime import Runtime
from cubyn_amz.state import core, orders, stock

log = logging.getLogger(__name__)

PRODUCTS_SINCE = "stock.products_since"
LAST_FULL = "stock.last_full"
# Cubyn's list may lag its own changes a little: each delta read overlaps the last.
OVERLAP = 300.0
GUARD_COUNT = "held back by the mass-zero guard"
# Amazon processes a feed within minutes, an hour at worst; one still unprocessed
# after this long is given up on, and its SKUs pushed again.
FEED_PATIENCE = 24 * 3600.0


def sync_stock(
    runtime: Runtime, result: PassResult, *, full: bool = False, force: bool = False
) -> None:
    """The body of a sync-stock pass (see ``cubyn_amz.passes.stock``)."""
    if not runtime.settings.stock.update:
        result.notes.append(
            "stock update is off in the settings: nothing read, nothing pushed "
            "(`cubyn-amz configure --stock-update` turns it on)"
        )
        return

    if not result.dry_run:
        settle_feeds(runtime, result)

    # The next delta read starts from before this one: a product that changes in
    # Cubyn while its catalogue is being read is read again next time.
    started = runtime.clock.now()
    snapshot, full_read = read_catalogue(runtime, result, full)
    now = runtime.clock.now()
    plan = plan_stock(
        stock.stock_rows(runtime.db),
        stock.products(runtime.db),
        snapshot,
        full=full_read,
        pending_demand=orders.pending_demand(runtime.db),
        marketplace_ids=runtime.settings.amazon.marketplace_ids,
        settings=runtime.settings.stock,
        now=now,
    )
    log.info(
        "stock: %d to push, %d unchanged, %d waiting for a feed report, %d held",
        plan.changes,
        plan.unchanged,
        plan.waiting,
        plan.held,
    )
    if plan.waiting:
        result.counts["waiting for a feed report"] = plan.waiting

    if plan.guard is not None:
        if not force:
            hold(result, plan.guard)
            return
        log.warning("%s; pushing all the same (--force)", _guard_text(plan.guard))

    if result.dry_run:
        describe(plan, result)
        return

    with runtime.db.transaction():
        stock.save_catalogue(runtime.db, snapshot, plan.unlisted, now)
        core.write_cursor(runtime.db, PRODUCTS_SINCE, iso(started), now)
        if full_read:
            core.write_cursor(runtime.db, LAST_FULL, iso(started), now)
    send(runtime, result, plan)


# -- reading Cubyn ------------------------------------------------------------------


def read_catalogue(
    runtime: Runtime, result: PassResult, full: bool
) -> tuple[dict[str, int], bool]:
    """Cubyn's stock: what changed since the last read, or the whole catalogue.

    The whole catalogue on the first pass, with ``--full``, and once every
    ``stock.full_every_hours``, so that a change a delta read missed cannot linger.
    A product whose figures cannot be used keeps the figure last read, if any.
    """
    db, now = runtime.db, runtime.clock.now()
    since = core.read_cursor(db, PRODUCTS_SINCE)
    last_full = core.read_cursor(db, LAST_FULL)
    every = runtime.settings.stock.full_every_hours * 3600.0
    due = since is None or last_full is None or now - parse_iso(last_full) >= every
    full = full or due

    updated_since = None if full else iso(parse_iso(since) - OVERLAP)
    snapshot: dict[str, int] = {}
    stored: dict[str, int] | None = None
    for product in runtime.cubyn.products(updated_since):
        if not product.sku:
            continue
        if product.problem:
            result.fail(
                f"stock {product.sku}: Cubyn's stock figures cannot be used "
                f"({product.problem}); nothing pushed from them"
            )
            stored = stock.products(db) if stored is None else stored
            if product.sku in stored:
                # Neither zeroed by a full read nor changed: as last read.
                snapshot[product.sku] = stored[product.sku]
            continue
        snapshot[product.sku] = product.available
    if full:
        log.info("stock: read Cubyn's whole catalogue (%d SKUs)", len(snapshot))
    else:
        log.info("stock: %d SKUs changed in Cubyn since %s", len(snapshot), since)
    return snapshot, full


# -- the plan, held or described ----------------------------------------------------


def _guard_text(guard: Guard) -> str:
    return (
        f"stock: the plan would drop {guard.zeroed} of the {guard.known} SKUs "
        "on Amazon to zero at once"
    )


def hold(result: PassResult, guard: Guard) -> None:
    result.fail(
        f"{_guard_text(guard)}; nothing pushed, in case Cubyn's answer is wrong (an "
        "outage, an empty catalogue): check the stock in Cubyn, then run "
        "`cubyn-amz sync-stock --force` if it is right",
        count=GUARD_COUNT,
    )
    result.counts[GUARD_COUNT] = guard.zeroed


def describe(plan: StockPlan, result: PassResult) -> None:
    for submission in plan.submissions:
        how = "by patch" if submission.method == "patch" else "in a feed"
        for change in submission.changes:
            was = (
                "never pushed" if change.previous is None else f"was {change.previous}"
            )
            result.planned.append(
                f"push {change.sku} = {change.quantity} to "
                f"{country(change.marketplace_id)} ({was}; {how})"
            )
    result.counts["to push"] = plan.changes


# -- sending ------------------------------------------------------------------------


def send(runtime: Runtime, result: PassResult, plan: StockPlan) -> None:
    for submission in plan.submissions:
        if submission.method == "patch":
            for change in submission.changes:
                patch(runtime, result, change)
        else:
            for batch in feed_batches(submission.changes):
                submit_feed(runtime, result, submission.marketplace_id, batch)


def patch(runtime: Runtime, result: PassResult, change: Change) -> None:
    """One patchListingsItem: safe to repeat, so a cut leaves the SKU to re-push."""
    db, sku, market = runtime.db, change.sku, change.marketplace_id
    stock.mark_sending(db, sku, market, change.quantity, runtime.clock.now())
    try:
        answer = runtime.amazon.patch_quantity(sku, market, change.quantity)
    except Throttled:
        # Still refused after the retries: stop here, the next run goes on.
        raise PacingPause("patchListingsItem", runtime.clock.now() + 60.0) from None
    except NotFound as error:
        unknown_sku(runtime, result, change, error.reason)
        return
    except ApiError as error:
        refused(runtime, result, change, str(error))
        return

    status = str(answer.get("status") or "")
    if status == "ACCEPTED":
        stock.record_accepted(db, sku, market, change.quantity, runtime.clock.now())
        result.counts["pushed"] += 1
        log.info("stock %s = %d pushed to %s", sku, change.quantity, country(market))
        return
    issues = [
        (str(i.get("code") or ""), str(i.get("message") or i.get("code") or ""))
        for i in answer.get("issues") or []
        if isinstance(i, dict) and i.get("severity", "ERROR") == "ERROR"
    ]
    why = "; ".join(text for _, text in issues) or f"status {status or 'missing'}"
    if any(is_unknown_sku(code, text) for code, text in issues):
        unknown_sku(runtime, result, change, why)
    else:
        refused(runtime, result, change, why)


def unknown_sku(runtime: Runtime, result: PassResult, change: Change, why: str) -> None:
    first = stock.record_unknown(
        runtime.db, change.sku, change.marketplace_id, why, runtime.clock.now()
    )
    line = (
        f"stock {change.sku} ({country(change.marketplace_id)}): Amazon has no "
        f"listing for this SKU ({why}); it is not pushed again until its quantity "
        "changes"
    )
    if first:
        result.flag(line, count="unknown SKU")
    else:
        log.info("%s", line)


def refused(runtime: Runtime, result: PassResult, change: Change, why: str) -> None:
    stock.record_failed(
        runtime.db, change.sku, change.marketplace_id, why, runtime.clock.now()
    )
    result.fail(
        f"stock {change.sku} ({country(change.marketplace_id)}): Amazon refused "
        f"quantity {change.quantity}: {why}; tried again within "
        f"{RETRY_FAILED_AFTER / 3600:.0f} hour or when the quantity changes"
    )


def submit_feed(
    runtime: Runtime, result: PassResult, marketplace_id: str, changes: Sequence[Change]
) -> None:
    """Upload one feed document, then create the feed: never blindly twice.

    The SKUs are recorded with the document before createFeed. If createFeed's answer
    is lost, the next pass finds the feed without an id and asks Amazon for it
    (``adopt_lost_feed``) before it pushes those SKUs again.
    """
    amazon, db = runtime.amazon, runtime.db
    content = encode(feed_document(runtime.settings.amazon.seller_id, changes))
    where = f"{len(changes)} quantities for {country(marketplace_id)}"
    try:
        document_id, url = amazon.create_feed_document()
        amazon.upload_feed_document(url, content)
    except Throttled:
        # Nothing is recorded yet: the SKUs are planned again next run.
        raise PacingPause("createFeedDocument", runtime.clock.now() + 60.0) from None
    except ApiError as error:
        result.fail(f"stock: Amazon refused the document of a feed of {where}: {error}")
        return

    messages = [(i, c.sku, c.quantity) for i, c in enumerate(changes, start=1)]
    feed = stock.open_feed(
        db, document_id, marketplace_id, messages, runtime.clock.now()
    )
    try:
        feed_id = amazon.create_feed(FEED_TYPE, [marketplace_id], document_id)
    except (PacingPause, Throttled) as error:
        # Refused before it was applied: the SKUs are planned again next run.
        stock.release_feed(db, feed, "unsent", str(error), runtime.clock.now())
        if isinstance(error, PacingPause):
            raise
        raise PacingPause("createFeed", runtime.clock.now() + 60.0) from None
    except OutcomeUnknown:
        log.warning(
            "stock: no answer to createFeed (%s); the next run pushes them again",
            where,
        )
        raise
    except ApiError as error:
        stock.fail_feed(db, feed, str(error), runtime.clock.now())
        result.fail(f"stock: Amazon refused a feed of {where}: {error}")
        return
    stock.feed_submitted(db, feed, feed_id, runtime.clock.now())
    result.counts["sent in a feed"] += len(changes)
    log.info("stock: feed %s sent with %s", feed_id, where)


# -- feeds sent by earlier passes ----------------------------------------------------


def settle_feeds(runtime: Runtime, result: PassResult) -> None:
    """Record the outcome of every feed Amazon has finished with since last time."""
    for feed in stock.open_feeds(runtime.db):
        if feed.feed_id is None:
            feed = adopt_lost_feed(runtime, feed)
            if feed.feed_id is None:
                continue
        settle_feed(runtime, result, feed)


def adopt_lost_feed(runtime: Runtime, feed: stock.FeedRow) -> stock.FeedRow:
    """A feed recorded without its id: Amazon may have created it all the same.

    getFeeds lists this seller's listings feeds for the marketplace created since
    the feed was recorded; the earliest one this connection does not know is taken
    as it (the tool sends one feed a marketplace at a time). When there is none,
    createFeed never went through, and the SKUs are planned again: pushing them in
    a second feed while the first could still be processed would let the older
    quantities land last.
    """
    db, now = runtime.db, runtime.clock.now()
    where = f"{len(feed.messages)} quantities for {country(feed.marketplace_id)}"
    # A minute's allowance for the two clocks.
    since = iso(feed.created_at - 60.0)
    known = stock.known_feed_ids(db)
    listed = runtime.amazon.find_feeds(FEED_TYPE, feed.marketplace_id, since)
    unknown = sorted(
        (f for f in listed if f.get("feedId") and str(f["feedId"]) not in known),
        key=lambda f: str(f.get("createdTime") or ""),
    )
    if unknown:
        feed_id = str(unknown[0]["feedId"])
        stock.feed_submitted(db, feed.id, feed_id, now)
        log.warning(
            "stock: createFeed's answer was lost; Amazon shows feed %s (%s), adopted",
            feed_id,
            where,
        )
        return replace(feed, feed_id=feed_id)

    log.warning(
        "stock: a feed of %s was never created (a run was cut short before or "
        "during createFeed); they are pushed again",
        where,
    )
    stock.release_feed(db, feed.id, "lost", "createFeed did not go through", now)
    return feed


def settle_feed(runtime: Runtime, result: PassResult, feed: stock.FeedRow) -> None:
    db, feed_id = runtime.db, str(feed.feed_id)
    where = f"{len(feed.messages)} quantities for {country(feed.marketplace_id)}"
    try:
        info = runtime.amazon.get_feed(feed_id)
    except NotFound:
        log.warning(
            "stock: Amazon no longer knows feed %s (%s); pushed again", feed_id, where
        )
        stock.release_feed(
            db, feed.id, "lost", "unknown to Amazon", runtime.clock.now()
        )
        return
    except ApiError as error:
        result.fail(
            f"stock: cannot read feed {feed_id} ({where}): {error}; "
            "tried again next run"
        )
        return
    status = str(info.get("processingStatus") or "")
    if status in ("FATAL", "CANCELLED"):
        log.warning(
            "stock: Amazon's processing of feed %s (%s) ended %s; they are pushed "
            "again",
            feed_id,
            where,
            status,
        )
        stock.release_feed(db, feed.id, "failed", status, runtime.clock.now())
        return
    report_id = info.get("resultFeedDocumentId")
    if status != "DONE" or not report_id:
        waited = runtime.clock.now() - (feed.submitted_at or runtime.clock.now())
        if waited > FEED_PATIENCE:
            log.warning(
                "stock: feed %s (%s) is still %s after %.0f hours; pushed again",
                feed_id,
                where,
                status or "of unknown status",
                waited / 3600,
            )
            stock.release_feed(db, feed.id, "lost", status, runtime.clock.now())
            return
        log.debug("stock: feed %s is %s", feed_id, status or "of unknown status")
        stock.feed_checked(db, feed.id, status, runtime.clock.now())
        return

    try:
        content = runtime.amazon.get_feed_document(str(report_id))
        report = read_report(content, feed.messages)
    except ApiError as error:
        result.fail(
            f"stock: cannot read the report of feed {feed_id} ({where}): {error}; "
            "tried again next run"
        )
        return
    except (UnreadableDocument, UnreadableReport) as error:
        log.warning("stock: feed %s (%s): %s; pushed again", feed_id, where, error)
        stock.release_feed(db, feed.id, "failed", str(error), runtime.clock.now())
        return
    if report.refused is not None:
        stock.fail_feed(db, feed.id, report.refused, runtime.clock.now())
        result.fail(f"stock: Amazon refused feed {feed_id} ({where}): {report.refused}")
        return

    first_time = set(
        stock.settle_feed(
            db,
            feed,
            report.accepted,
            report.failed,
            report.unknown,
            runtime.clock.now(),
        )
    )
    log.info(
        "stock: feed %s processed: %d accepted, %d refused, %d unknown SKUs",
        feed_id,
        len(report.accepted),
        len(report.failed),
        len(report.unknown),
    )
    if report.accepted:
        result.counts["accepted from a feed"] += len(report.accepted)
    where = country(feed.marketplace_id)
    for sku, why in report.failed:
        result.fail(
            f"stock {sku} ({where}): Amazon refused the quantity of feed "
            f"{feed_id}: {why}; tried again within the hour or when it changes"
        )
    for sku, why in report.unknown:
        line = (
            f"stock {sku} ({where}): Amazon has no listing for this SKU ({why}); "
            "it is not pushed again until its quantity changes"
        )
        if sku in first_time:
            result.flag(line, count="unknown SKU")
        else:
            log.info("%s", line)
