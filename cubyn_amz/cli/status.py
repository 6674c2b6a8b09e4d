"""``cubyn-amz status``: the connection, its last passes, and what needs a person."""

from __future__ import annotations

from typing import Any

import click

from cubyn_amz.cli.app import App, pass_app


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def status(app: App, as_json: bool) -> None:
    """Show the connection, the last run of each pass, and what needs attention.

    Also lists the SKUs present on one side only (their stock is not synchronised).
    Exits 1 when something needs a person, so that a script can alert on it.

    \b
    Examples:
      cubyn-amz status
      cubyn-amz status --json | jq '.attention'
    """
    from cubyn_amz.clock import iso
    from cubyn_amz.state import core, report
    from cubyn_amz.state.db import StateDB

    settings = app.load_settings()
    with StateDB(settings.state_db) as db:
        passes = core.last_passes(db)
        orders = report.counts(db, "orders")
        shipments = report.counts(db, "shipments")
        stock = report.counts(db, "stock")
        attention = report.attention(db)
        mismatches = report.sku_mismatches(db)

    data = {
        "connection": {
            "name": settings.app_name,
            "seller_id": settings.amazon.seller_id,
            "marketplaces": [m.country for m in settings.amazon.marketplaces],
            "stock_update": settings.stock.update,
            "settings": str(settings.path),
            "state_db": str(settings.state_db),
        },
        "passes": {
            p.kind: {
                "started": iso(p.started_at),
                "ended": iso(p.ended_at) if p.ended_at else None,
                "outcome": p.outcome if p.ended_at else "interrupted or running",
                "counts": p.counts,
                "message": p.message,
            }
            for p in passes
        },
        "orders": orders,
        "shipments": shipments,
        "stock": stock,
        "attention": [a.to_json() for a in attention],
        "sku_mismatches": [m.to_json() for m in mismatches],
    }
    if as_json or app.json:
        app.emit_json(data)
    else:
        _print(data, [a.line() for a in attention], [m.line() for m in mismatches])
    click.get_current_context().exit(1 if attention else 0)


def _print(data: dict[str, Any], attention: list[str], mismatches: list[str]) -> None:
    c = data["connection"]
    markets = ", ".join(c["marketplaces"])
    stock = "on" if c["stock_update"] else "off"
    click.echo(
        f"{c['name']}: seller {c['seller_id']} on {markets}; stock update {stock}"
    )
    if not data["passes"]:
        click.echo("no pass has run yet")
    for kind, p in data["passes"].items():
        counts = ", ".join(f"{n} {k}" for k, n in p["counts"].items()) or "nothing"
        click.echo(f"{kind}: {p['outcome']} at {p['ended'] or p['started']} ({counts})")
    for label in ("orders", "shipments", "stock"):
        if data[label]:
            parts = ", ".join(f"{n} {k}" for k, n in sorted(data[label].items()))
            click.echo(f"{label}: {parts}")
    if mismatches:
        click.echo(f"SKUs on one side only, not synchronised ({len(mismatches)}):")
        for line in mismatches:
            click.echo(f"  {line}")
    if attention:
        click.echo(f"needs attention ({len(attention)}):")
        for line in attention:
            click.echo(f"  {line}")
    else:
        click.echo("nothing needs attention")
