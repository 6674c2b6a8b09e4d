"""Shared fixtures: a settings file, a mocked Login with Amazon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import TOKEN, settings_values, write_settings_file


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="run the long soak (tests/system/test_soak.py): at least 500 passes",
    )


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
