"""``cubyn-amz sync-stock``: make Amazon show the stock Cubyn can ship."""

from __future__ import annotations

import click

from cubyn_amz.cli.app import App, pass_app


@click.command("sync-stock")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read Cubyn and print the quantities it would push; send and record nothing.",
)
@click.option(
    "--full", is_flag=True, help="Read Cubyn's whole catalogue, not only what changed."
)
@click.option(
    "--force",
    is_flag=True,
    help="Push even when most SKUs would drop to zero at once (the mass-zero guard).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@pass_app
def sync_stock(app: App, dry_run: bool, full: bool, force: bool, as_json: bool) -> None:
    """Push Cubyn's available stock to every matching Amazon listing.

    Each SKU shows Cubyn's available units less the [stock] buffer and less the
    units of Amazon orders Cubyn does not reserve yet; only quantities that changed
    are sent, a few by patch, many by one feed whose report the next run reads.
    When more than half of the SKUs would drop to zero at once, nothing is pushed
    and the exit code is 1, unless --force. SKUs that Amazon does not know are
    reported once and listed by `cubyn-amz status`.

    \b
    Examples:
      cubyn-amz sync-stock --dry-run
      cubyn-amz -q sync-stock             (from cron, every 5 to 15 minutes)
      cubyn-amz sync-stock --full --force (after checking Cubyn's stock)
    """
    from functools import partial

    from cubyn_amz.cli.passes import run_passes
    from cubyn_amz.passes.stock import sync_stock as sync_stock_pass

    body = partial(sync_stock_pass, full=full, force=force)
    run_passes(app, [("sync-stock", body)], dry_run=dry_run, as_json=as_json)
