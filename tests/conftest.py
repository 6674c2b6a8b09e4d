"""Shared fixtures: a settings file, a state database, mocked endpoints."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
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


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A complete settings file, found through $CUBYN_AMZ_CONFIG."""
    for variable in (
        "CUBYN_AMZ_LWA_CLIENT_SECRET",
        "CUBYN_AMZ_REFRESH_TOKEN",
        "CUBYN_AMZ_CUBYN_API_KEY",
    ):
        monkeypatch.delenv(variable, raising=False)
    path = write_settings_file(tmp_path / "config.toml", settings_values())
    monkeypatch.setenv("CUBYN_AMZ_CONFIG", str(path))
    return path


@pytest.fixture
def lwa(requests_mock: Any) -> Any:
    """Login with Amazon answering with a fresh access token."""
    return requests_mock.post(
        TOKEN,
        json={
            "access_token": "Atza|ACCESSTOKENEXAMPLE",
            "token_type": "bearer",
            "expires_in": 3600,
        },
    )
