"""``cubyn-amz configure``: change a connection's settings, or show them."""

from __future__ import annotations

import json
from typing import Any

import click

from cubyn_amz.cli.app import App, pass_app


@click.command()
@click.option("--app-name", metavar="NAME", help="Rename the connection.")
@click.option(
    "--stock-update/--no-stock-update",
    default=None,
    help="Turn pushing Cubyn's stock to Amazon on or off.",
)
@click.option("--buffer", type=click.IntRange(min=0), help="Units held back per SKU.")
@click.option("--show", is_flag=True, help="Print the settings in force (the default).")
@pass_app
def configure(
    app: App,
    app_name: str | None,
    stock_update: bool | None,
    buffer: int | None,
    show: bool,
) -> None:
    """Change the application name, the stock update or the buffer.

    The file is rewritten in place: comments and layout are kept. With no option,
    or with --show, prints the settings in force with secrets masked.

    \b
    Examples:
      cubyn-amz configure --no-stock-update
      cubyn-amz configure --app-name "Amazon FR+BE" --buffer 2
      cubyn-amz --json configure --show
    """
    from cubyn_amz.errors import UsageError
    from cubyn_amz.settings import write

    changes: list[tuple[str, str, Any]] = []
    if app_name is not None:
        if not app_name.strip():
            raise UsageError("--app-name is empty", "give the connection a name")
        changes.append(("app", "name", app_name.strip()))
    if stock_update is not None:
        changes.append(("stock", "update", stock_update))
    if buffer is not None:
        changes.append(("stock", "buffer", buffer))

    if changes:
        settings = app.load_settings()  # refuse to edit a file that is wrong already
        doc = write.read_document(settings.path)
        for section, key, value in changes:
            write.set_value(doc, section, key, value)
        write.write_settings(settings.path, doc)
        for section, key, value in changes:
            app.say(f"{section}.{key} = {_toml(value)}")
    if show or not changes:
        _show(app)


def _toml(value: Any) -> str:
    """A value as TOML writes it: "text", true, 3, ["FR"]."""
    return json.dumps(value, ensure_ascii=False)


def _show(app: App) -> None:
    from cubyn_amz.http.redact import mask

    s = app.load_settings()
    shown = {
        "settings": str(s.path),
        "app": {"name": s.app_name, "state_db": str(s.state_db)},
        "amazon": {
            "seller_id": s.amazon.seller_id,
            "marketplaces": [m.country for m in s.amazon.marketplaces],
            "region": s.amazon.region,
            "lwa_client_id": s.amazon.lwa_client_id,
            "lwa_client_secret": mask(s.amazon.lwa_client_secret),
            "refresh_token": mask(s.amazon.refresh_token),
            "endpoint": s.amazon.endpoint,
            "token_endpoint": s.amazon.token_endpoint,
        },
        "cubyn": {"api_key": mask(s.cubyn.api_key), "endpoint": s.cubyn.endpoint},
        "stock": {
            "update": s.stock.update,
            "buffer": s.stock.buffer,
            "feed_threshold": s.stock.feed_threshold,
            "full_every_hours": s.stock.full_every_hours,
        },
        "import": {
            "initial_days": s.import_.initial_days,
            "settle_after": s.import_.settle_after,
        },
        "delivery_modes": {k: v or "none" for k, v in sorted(s.delivery_modes.items())},
        "carriers": dict(sorted(s.carriers.items())),
    }
    if app.json:
        app.emit_json(shown)
        return
    click.echo(f"# {shown['settings']}")
    for section, table in shown.items():
        if not isinstance(table, dict):
            continue
        click.echo(f"[{section}]")
        for key, value in table.items():
            click.echo(f"{key} = {_toml(value)}")
