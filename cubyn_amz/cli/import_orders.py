"""``cubyn-amz import-orders`` and ``cubyn-amz cancel-order``."""

from __future__ import annotations

import click

from cubyn_amz.cli.app import App, pass_app


@click.command("import-orders")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read Amazon and print what would be done; change nothing (see README).",
)
@click.option(
    "--since",
    metavar="ISO8601",
    help="Read again every order updated since this time (e.g. 2026-12-01T00:00Z).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@pass_app
def import_orders(app: App, dry_run: bool, since: str | None, as_json: bool) -> None:
    """Bring new Amazon orders into Cubyn, and pass cancellations on.

    Every merchant-fulfilled order that is unshipped (or partly shipped, for what
    is left) becomes one Cubyn parcel, exactly once. Orders whose service level
    Cubyn does not offer ([delivery_modes] in the settings) and pending ones are
    skipped and recorded; an order Cubyn rejects is tried again hourly. An order
    cancelled on Amazon is cancelled in Cubyn while its parcel is CREATED, and
    flagged for a person otherwise (see `cubyn-amz status`).

    \b
    Examples:
      cubyn-amz -q import-orders          (from cron, every 5 minutes)
      cubyn-amz -v import-orders --dry-run
      cubyn-amz import-orders --since 2026-12-01T00:00:00Z
    """
    from cubyn_amz.cli.passes import run_passes
    from cubyn_amz.cli.progress import ItemProgress
    from cubyn_amz.passes.orders import import_orders as import_orders_pass
    from cubyn_amz.passes.result import PassResult
    from cubyn_amz.runtime import Runtime

    since_at = _parse_since(since) if since else None
    progress = ItemProgress(app, "Amazon orders")

    def body(runtime: Runtime, result: PassResult) -> None:
        try:
            import_orders_pass(runtime, result, since=since_at, progress=progress)
        finally:
            progress.stop()

    run_passes(app, [("import-orders", body)], dry_run=dry_run, as_json=as_json)


@click.command("cancel-order")
@click.argument("order_id", metavar="AMAZON_ORDER_ID")
@pass_app
def cancel_order(app: App, order_id: str) -> None:
    """Cancel the Cubyn parcel of one imported order, by hand.

    Only a parcel the warehouse has not started on (status CREATED) can be
    cancelled; otherwise the command says so and exits 1, and the parcel must be
    intercepted through Cubyn. The Amazon order itself is left as it is.

    \b
    Example:
      cubyn-amz cancel-order 405-1234567-1234567
    """
    from cubyn_amz.lock import connection_lock
    from cubyn_amz.passes.orders.cancel import cancel_by_hand
    from cubyn_amz.runtime import open_runtime

    settings = app.load_settings()
    with connection_lock(settings.state_db):
        runtime = open_runtime(settings)
        try:
            line = cancel_by_hand(runtime, order_id.strip())
        finally:
            runtime.close()
    if app.json:
        app.emit_json({"order_id": order_id, "outcome": "cancelled", "message": line})
    else:
        app.say(line)


def _parse_since(text: str) -> float:
    from cubyn_amz.clock import parse_iso

    try:
        return parse_iso(text)
    except (ValueError, OverflowError):
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-12-01T00:00:00Z)",
            param_hint="--since",
        ) from None
