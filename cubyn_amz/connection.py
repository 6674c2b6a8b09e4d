"""Proving and recording a connection (what ``cubyn-amz connect`` does)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cubyn_amz.errors import CredentialsRefused, UsageError
from cubyn_amz.http.redact import register_secrets
from cubyn_amz.settings.model import Settings

log = logging.getLogger(__name__)


def existing_values(path: Path) -> dict[str, dict[str, Any]]:
    """What a settings file already holds, to fill in what the flags leave out."""
    if not path.exists():
        return {}
    from cubyn_amz.settings.load import read_toml

    document = read_toml(path)
    return {k: v for k, v in document.items() if isinstance(v, dict)}


def connect_and_record(
    path: Path,
    values: dict[str, dict[str, Any]],
    from_env: set[tuple[str, str]],
    *,
    verify: bool,
) -> dict[str, Any]:
    from cubyn_amz.settings.load import parse_settings

    register_secrets(
        str(values.get(s, {}).get(k, ""))
        for s, k in (
            ("amazon", "lwa_client_secret"),
            ("amazon", "refresh_token"),
            ("cubyn", "api_key"),
        )
    )
    settings = parse_settings(values, path, environ={})
    cubyn_application = verify_connection(settings) if verify else None

    # The state database first: a folder it cannot be made in leaves no settings.
    from cubyn_amz.state.db import StateDB

    StateDB(settings.state_db).close()
    _record(path, values, from_env)
    markets = ", ".join(m.country for m in settings.amazon.marketplaces)
    message = f"connected {settings.app_name!r}: seller {settings.amazon.seller_id} "
    message += f"on {markets}"
    if cubyn_application:
        message += f", Cubyn application {cubyn_application!r}"
    if not verify:
        message += " (not verified)"
    message += f"; settings in {path}"
    return {
        "message": message,
        "settings": str(path),
        "state_db": str(settings.state_db),
        "verified": verify,
        "cubyn_application": cubyn_application,
        "marketplaces": settings.amazon.marketplace_ids,
    }


def verify_connection(settings: Settings) -> str:
    """Ask both sides; the Cubyn application name when they accept."""
    from cubyn_amz.amazon.auth import MemoryTokens
    from cubyn_amz.amazon.client import AmazonClient
    from cubyn_amz.amazon.usage_plans import USAGE_PLANS
    from cubyn_amz.clock import SystemClock
    from cubyn_amz.cubyn.client import CubynClient
    from cubyn_amz.http.pacing import MemoryBuckets, Pacer

    clock = SystemClock()
    amazon = AmazonClient(
        settings.amazon,
        clock=clock,
        pacer=Pacer(USAGE_PLANS, MemoryBuckets(), clock),
        tokens=MemoryTokens(),
    )
    cubyn = CubynClient(settings.cubyn.endpoint, settings.cubyn.api_key, clock=clock)
    try:
        participating = set(amazon.marketplace_participations())
        application = cubyn.whoami()
    finally:
        amazon.close()
        cubyn.close()

    absent = [m for m in settings.amazon.marketplaces if m.id not in participating]
    if absent:
        names = ", ".join(f"{m.country} ({m.id})" for m in absent)
        raise UsageError(
            f"Amazon does not list seller {settings.amazon.seller_id} in {names}",
            "choose the marketplaces the seller sells in",
        )
    if not application:
        raise CredentialsRefused(
            "Cubyn did not recognise the API key",
            "copy the key again from the Cubyn app (Apps > Cubyn API > details)",
        )
    log.info("Amazon and Cubyn (application %r) accept the credentials", application)
    return application


def _record(
    path: Path, values: dict[str, dict[str, Any]], from_env: set[tuple[str, str]]
) -> None:
    from cubyn_amz.settings import write

    to_write = {
        section: {k: v for k, v in table.items() if (section, k) not in from_env}
        for section, table in values.items()
    }
    if path.exists():
        doc = write.read_document(path)
        for section, table in to_write.items():
            for key, value in table.items():
                write.set_value(doc, section, key, value)
    else:
        doc = write.new_settings(to_write)
    write.write_settings(path, doc)
