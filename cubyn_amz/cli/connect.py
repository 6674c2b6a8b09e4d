"""``cubyn-amz connect``: record a connection once both sides accept it."""

from __future__ import annotations

import sys
from typing import Any

import click

from cubyn_amz.cli.app import App, pass_app

# option -> (section, key, prompt, secret, environment variable)
FIELDS = {
    "app_name": ("app", "name", "Application name", False, None),
    "seller_id": (
        "amazon",
        "seller_id",
        "Amazon seller id (merchant token)",
        False,
        None,
    ),
    "lwa_client_id": ("amazon", "lwa_client_id", "LWA client id", False, None),
    "lwa_client_secret": (
        "amazon",
        "lwa_client_secret",
        "LWA client secret",
        True,
        "CUBYN_AMZ_LWA_CLIENT_SECRET",
    ),
    "refresh_token": (
        "amazon",
        "refresh_token",
        "SP-API refresh token (Atzr|…)",
        True,
        "CUBYN_AMZ_REFRESH_TOKEN",
    ),
    "cubyn_api_key": (
        "cubyn",
        "api_key",
        "Cubyn API key",
        True,
        "CUBYN_AMZ_CUBYN_API_KEY",
    ),
}
ENDPOINTS = {
    "amazon_endpoint": ("amazon", "endpoint"),
    "token_endpoint": ("amazon", "token_endpoint"),
    "cubyn_endpoint": ("cubyn", "endpoint"),
}
MWS_GONE = (
    "MWS was shut down on 2024-04-01 and an MWS auth token can no longer be used or "
    "converted: have the seller authorise this application in Seller Central "
    "(Apps and Services > Manage Your Apps) to get an SP-API refresh token, then "
    "pass it with --refresh-token"
)


@click.command()
@click.option("--app-name", help='The connection\'s name, e.g. "Amazon FR".')
@click.option("--seller-id", help="Seller Central > Settings > Your Merchant Token.")
@click.option(
    "--marketplace",
    "marketplaces",
    multiple=True,
    help="Country code or marketplace id; repeat for several (one region).",
)
@click.option("--lwa-client-id", help="The SP-API application's LWA client id.")
@click.option(
    "--lwa-client-secret",
    envvar="CUBYN_AMZ_LWA_CLIENT_SECRET",
    help="Its LWA client secret [or $CUBYN_AMZ_LWA_CLIENT_SECRET].",
)
@click.option(
    "--refresh-token",
    envvar="CUBYN_AMZ_REFRESH_TOKEN",
    help="The seller's SP-API refresh token [or $CUBYN_AMZ_REFRESH_TOKEN].",
)
@click.option(
    "--cubyn-api-key",
    envvar="CUBYN_AMZ_CUBYN_API_KEY",
    help="The Cubyn API key [or $CUBYN_AMZ_CUBYN_API_KEY].",
)
@click.option("--amazon-endpoint", metavar="URL", help="SP-API host (from the region).")
@click.option("--token-endpoint", metavar="URL", help="Login with Amazon token URL.")
@click.option("--cubyn-endpoint", metavar="URL", help="Cubyn API base URL.")
@click.option("--no-verify", is_flag=True, help="Write without asking either side.")
@click.option("--mws-auth-token", hidden=True)
@click.pass_context
@pass_app
def connect(app: App, ctx: click.Context, **options: Any) -> None:
    """Record a connection between an Amazon seller and Cubyn.

    Both sides are asked first: the refresh token is exchanged, Amazon must list
    every chosen marketplace for the seller, and Cubyn must recognise the API key.
    Nothing is written unless they do. Missing values are asked for at a terminal.
    Secrets given through their environment variables stay out of the file.

    \b
    Example:
      cubyn-amz connect --app-name "Amazon FR" --seller-id A2EXAMPLE123 \\
        --marketplace FR --marketplace BE --lwa-client-id amzn1.application-oa2-... \\
        --lwa-client-secret ... --refresh-token 'Atzr|...' --cubyn-api-key ...
    """
    from cubyn_amz.connection import connect_and_record
    from cubyn_amz.errors import UsageError

    if options.pop("mws_auth_token"):
        raise UsageError(MWS_GONE)
    verify = not options.pop("no_verify")
    values, from_env = _collect(ctx, options)
    path = app.settings_path
    summary = connect_and_record(path, values, from_env, verify=verify)
    if app.json:
        app.emit_json(summary)
    else:
        app.say(summary["message"])


def _collect(
    ctx: click.Context, options: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str]]]:
    """The settings values from flags, the existing file, and prompts, in that order."""
    from cubyn_amz.connection import existing_values
    from cubyn_amz.errors import UsageError

    app: App = ctx.find_object(App)  # type: ignore[assignment]
    existing = existing_values(app.settings_path)
    values: dict[str, dict[str, Any]] = {"app": {}, "amazon": {}, "cubyn": {}}
    from_env: set[tuple[str, str]] = set()
    interactive = sys.stdin.isatty()
    missing = []

    for option, (section, key, prompt, secret, _env) in FIELDS.items():
        value = options.get(option)
        source = ctx.get_parameter_source(option)
        if value and source == click.core.ParameterSource.ENVIRONMENT:
            from_env.add((section, key))
        if not value:
            value = existing.get(section, {}).get(key)
        if not value and interactive:
            value = click.prompt(prompt, hide_input=secret).strip()
        if value:
            values[section][key] = value
        else:
            missing.append(f"--{option.replace('_', '-')}")

    marketplaces = list(options.get("marketplaces") or ())
    if not marketplaces:
        marketplaces = list(existing.get("amazon", {}).get("marketplaces") or [])
    if not marketplaces and interactive:
        answer = click.prompt("Marketplaces (country codes, comma-separated)")
        marketplaces = [m.strip() for m in answer.split(",") if m.strip()]
    if marketplaces:
        values["amazon"]["marketplaces"] = marketplaces
    else:
        missing.append("--marketplace")

    for option, (section, key) in ENDPOINTS.items():
        value = options.get(option) or existing.get(section, {}).get(key)
        if value:
            values[section][key] = value

    if missing:
        raise UsageError(
            "missing " + ", ".join(missing),
            "pass them as options (no terminal to ask at)",
        )
    return values, from_env
