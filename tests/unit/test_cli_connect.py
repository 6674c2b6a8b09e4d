"""``connect``: both sides proven before anything is written; every refusal."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cubyn_amz.cli import cli
from tests.helpers import AMAZON, CUBYN, SECRETS, TOKEN

PARTICIPATIONS = AMAZON + "/sellers/v1/marketplaceParticipations"
FLAGS = [
    "--app-name", "Amazon FR",
    "--seller-id", "A2EXAMPLE123",
    "--marketplace", "FR",
    "--lwa-client-id", "amzn1.application-oa2-client.example",
    "--lwa-client-secret", SECRETS["lwa_client_secret"],
    "--refresh-token", SECRETS["refresh_token"],
    "--cubyn-api-key", SECRETS["cubyn_api_key"],
]  # fmt: skip


@pytest.fixture
def both_sides(requests_mock: Any) -> Any:
    requests_mock.post(
        TOKEN,
        json={"access_token": "Atza|x", "token_type": "bearer", "expires_in": 3600},
    )
    requests_mock.get(
        PARTICIPATIONS,
        json={
            "payload": [
                {
                    "marketplace": {"id": "A13V1IB3VIYZZH", "countryCode": "FR"},
                    "participation": {"isParticipating": True},
                }
            ]
        },
    )
    requests_mock.get(
        CUBYN,
        json={"version": "0.0.3", "auth": {"application": {"name": "Shop API"}}},
    )
    return requests_mock


def run(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "connect", *args], env=env)


def test_connect_records_a_proven_connection(tmp_path: Path, both_sides: Any) -> None:
    config = tmp_path / "config.toml"

    result = run(config, *FLAGS)

    assert result.exit_code == 0, result.output
    assert "Cubyn application 'Shop API'" in result.output
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert (tmp_path / "cubyn-amz.sqlite3").exists()
    text = config.read_text()
    assert 'seller_id = "A2EXAMPLE123"' in text
    assert 'marketplaces = ["FR"]' in text
    for secret in SECRETS.values():
        assert secret not in result.output


def test_a_revoked_refresh_token_writes_nothing(
    tmp_path: Path, requests_mock: Any
) -> None:
    requests_mock.post(TOKEN, status_code=400, json={"error": "invalid_grant"})
    config = tmp_path / "config.toml"

    result = run(config, *FLAGS)

    assert result.exit_code == 3
    assert "invalid_grant" in result.output
    assert not config.exists()


def test_a_rotated_client_secret_is_explained(
    tmp_path: Path, requests_mock: Any
) -> None:
    requests_mock.post(TOKEN, status_code=401, json={"error": "invalid_client"})

    result = run(tmp_path / "config.toml", *FLAGS)

    assert result.exit_code == 3
    assert "180 days" in result.output


def test_a_marketplace_the_seller_is_not_in(tmp_path: Path, both_sides: Any) -> None:
    config = tmp_path / "config.toml"

    result = run(config, *FLAGS, "--marketplace", "DE")

    assert result.exit_code == 2
    assert "DE (A1PA6795UKMFR9)" in result.output
    assert not config.exists()


def test_an_unknown_cubyn_key(tmp_path: Path, both_sides: Any) -> None:
    both_sides.get(CUBYN, json={"version": "0.0.3", "auth": None})
    config = tmp_path / "config.toml"

    result = run(config, *FLAGS)

    assert result.exit_code == 3
    assert "Cubyn did not recognise the API key" in result.output
    assert not config.exists()


def test_missing_values_without_a_terminal(tmp_path: Path) -> None:
    result = run(tmp_path / "config.toml", "--app-name", "x")

    assert result.exit_code == 2
    assert "missing --seller-id" in result.output
    assert "--marketplace" in result.output


def test_the_mws_auth_token_is_refused_with_the_way_forward(tmp_path: Path) -> None:
    result = run(tmp_path / "config.toml", *FLAGS, "--mws-auth-token", "amzn.mws.1")

    assert result.exit_code == 2
    assert "shut down on 2024-04-01" in result.output
    assert "--refresh-token" in result.output


def test_plain_http_is_refused_outside_loopback(tmp_path: Path) -> None:
    result = run(
        tmp_path / "config.toml", *FLAGS, "--cubyn-endpoint", "http://api.cubyn.com/v2"
    )

    assert result.exit_code == 2
    assert "must be an https URL" in result.output


def test_no_verify_writes_without_asking(tmp_path: Path, requests_mock: Any) -> None:
    result = run(tmp_path / "config.toml", *FLAGS, "--no-verify")

    assert result.exit_code == 0
    assert "(not verified)" in result.output
    assert requests_mock.call_count == 0


def test_secrets_from_the_environment_stay_out_of_the_file(
    tmp_path: Path, both_sides: Any
) -> None:
    config = tmp_path / "config.toml"
    flags = [f for f in FLAGS if f not in (SECRETS["refresh_token"], "--refresh-token")]

    result = run(
        config, *flags, env={"CUBYN_AMZ_REFRESH_TOKEN": SECRETS["refresh_token"]}
    )

    assert result.exit_code == 0, result.output
    assert "refresh_token" not in config.read_text()


def test_connecting_again_keeps_the_users_comments(
    tmp_path: Path, both_sides: Any
) -> None:
    config = tmp_path / "config.toml"
    assert run(config, *FLAGS).exit_code == 0
    config.write_text("# my own note\n" + config.read_text())

    result = run(config, "--refresh-token", "Atzr|NEWTOKENAFTERREAUTHORISATION")

    assert result.exit_code == 0, result.output
    text = config.read_text()
    assert text.startswith("# my own note\n")
    assert "Atzr|NEWTOKENAFTERREAUTHORISATION" in text
    assert "Atzr|NEWTOKENAFTERREAUTHORISATION" not in result.output
