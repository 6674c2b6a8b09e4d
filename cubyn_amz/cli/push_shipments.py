"""``cubyn-amz push-shipments``: confirm on Amazon what Cubyn has shipped."""

from __future__ import annotations

import click

from cubyn_amz.cli.app import App, pass_app


@click.command("push-shipments")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read Cubyn and show the confirmations it would send; send and record "
    "nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@pass_app
def push_shipments(app: App, dry_run: bool, as_json: bool) -> None:
    """Confirm on Amazon every order whose Cubyn parcel has shipped.

    Each shipped parcel is confirmed once, with its carrier (mapped through
    [carriers] in the settings), tracking number, ship date and every item. A
    confirmation Amazon refuses is tried again hourly; a parcel shipped without a
    tracking number is left for a person. `cubyn-amz status` lists both.

    \b
    Examples:
      cubyn-amz push-shipments --dry-run
      cubyn-amz -q push-shipments          (from cron, every 5 minutes)
    """
    from cubyn_amz.cli.passes import run_passes
    from cubyn_amz.passes.shipments import push_shipments as push_shipments_pass

    run_passes(
        app,
        [("push-shipments", push_shipments_pass)],
        dry_run=dry_run,
        as_json=as_json,
    )
