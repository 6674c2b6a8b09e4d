"""``cubyn-amz sync``: the three passes in order, under one lock (what cron runs)."""

from __future__ import annotations

import click

from cubyn_amz.cli.app import App, pass_app


@click.command()
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read both sides and print what each pass would do; change nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summaries.")
@pass_app
def sync(app: App, dry_run: bool, as_json: bool) -> None:
    """Run import-orders, push-shipments and sync-stock, in that order.

    One lock covers the three, and the orders are imported first so that the
    stock pushed to Amazon already allows for them. A service outage ends the run
    (exit 4) after what was done is recorded; the next run goes on from there.

    \b
    Examples:
      cubyn-amz -q sync                   (from cron, every 5 minutes)
      cubyn-amz sync --dry-run
    """
    from cubyn_amz.cli.passes import run_passes
    from cubyn_amz.passes.orders import import_orders
    from cubyn_amz.passes.shipments import push_shipments
    from cubyn_amz.passes.stock import sync_stock

    run_passes(
        app,
        [
            ("import-orders", import_orders),
            ("push-shipments", push_shipments),
            ("sync-stock", sync_stock),
        ],
        dry_run=dry_run,
        as_json=as_json,
    )
