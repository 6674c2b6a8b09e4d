"""``configure`` keeps comments and modes; ``status`` tells what needs a person."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from click.testing import CliRunner

from cubyn_amz.cli import cli
from cubyn_amz.state.db import StateDB
from tests.helpers import SECRETS


def test_configure_keeps_comments_and_mode_0600(settings_file: Path) -> None:
    original = settings_file.read_text()
    settings_file.write_text(
        "# written by hand\n" + original.replace("[cubyn]", "# the warehouse\n[cubyn]")
    )
    os.chmod(settings_file, 0o600)

    result = CliRunner().invoke(
        cli, ["configure", "--app-name", "Amazon FR+BE", "--no-stock-update"]
    )

    assert result.exit_code == 0, result.output
    text = settings_file.read_text()
    assert text.startswith("# written by hand\n")
    assert "# the warehouse\n[cubyn]" in text
    assert 'name = "Amazon FR+BE"' in text
    assert "update = false" in text
    assert stat.S_IMODE(os.stat(settings_file).st_mode) == 0o600


def test_configure_turns_the_stock_update_back_on(settings_file: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["configure", "--no-stock-update"])

    result = runner.invoke(cli, ["--json", "configure", "--stock-update", "--show"])

    assert json.loads(result.output)["stock"]["update"] is True


def test_configure_show_masks_secrets(settings_file: Path) -> None:
    result = CliRunner().invoke(cli, ["configure", "--show"])

    assert result.exit_code == 0
    assert 'refresh_token = "Atzr|…9f2c"' in result.output
    for secret in SECRETS.values():
        assert secret not in result.output


def test_configure_refuses_a_negative_buffer(settings_file: Path) -> None:
    before = settings_file.read_text()

    result = CliRunner().invoke(cli, ["configure", "--buffer", "-1"])

    assert result.exit_code == 2
    assert settings_file.read_text() == before


def test_status_of_a_new_connection(settings_file: Path) -> None:
    result = CliRunner().invoke(cli, ["status"])

    assert result.exit_code == 0, result.output
    assert "Amazon FR: seller A2EXAMPLE123 on FR" in result.output
    assert "nothing needs attention" in result.output


def test_status_lists_what_needs_a_person_and_exits_1(settings_file: Path) -> None:
    with StateDB(settings_file.parent / "state.sqlite3") as db:
        db.execute(
            "INSERT INTO orders (order_id, marketplace_id, state, amazon_status,"
            " attention, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
            (
                "405-1234567-1234567",
                "A13V1IB3VIYZZH",
                "imported",
                "CANCELLED",
                "cancelled on Amazon after the warehouse started: intercept it",
            ),
        )

    result = CliRunner().invoke(cli, ["status", "--json"])

    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["orders"] == {"imported": 1}
    assert data["attention"][0]["ref"] == "405-1234567-1234567"
