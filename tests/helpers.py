"""Helpers the tests share: settings values and files, the mocked endpoints."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import tomlkit

AMAZON = "https://sellingpartnerapi-eu.amazon.com"
TOKEN = "https://api.amazon.com/auth/o2/token"
CUBYN = "https://api.cubyn.com/v2"
SECRETS = {
    "lwa_client_secret": "amzn1.oa2-cs.v1.SECRETSECRETSECRET0001",
    "refresh_token": "Atzr|IwEBIREFRESHTOKENEXAMPLE9f2c",
    "cubyn_api_key": "cubyn-key-0123456789abcdef",
}


def settings_values(**sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "app": {"name": "Amazon FR", "state_db": "state.sqlite3"},
        "amazon": {
            "seller_id": "A2EXAMPLE123",
            "marketplaces": ["FR"],
            "lwa_client_id": "amzn1.application-oa2-client.example",
            "lwa_client_secret": SECRETS["lwa_client_secret"],
            "refresh_token": SECRETS["refresh_token"],
        },
        "cubyn": {"api_key": SECRETS["cubyn_api_key"]},
    }
    for section, table in sections.items():
        values.setdefault(section, {}).update(table)
    return values


def write_settings_file(path: Path, values: dict[str, dict[str, Any]]) -> Path:
    path.write_text(tomlkit.dumps(values), encoding="utf-8")
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    return path


# Amazon's published models and schemas, copied for the tests (see its README).
SPAPI = Path(__file__).resolve().parent / "fixtures" / "spapi"
