"""Bad input gets one clear line, its exit code, no traceback, and changes nothing."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cubyn_amz.cli import COMMANDS, cli
from cubyn_amz.state.db import StateDB


def run_tool(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command, as cron runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cubyn_amz", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def one_line_error(process: subprocess.CompletedProcess[str]) -> str:
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1, process.stderr
    assert "Traceback" not in process.stderr
    assert lines[0].startswith("cubyn-amz: error: ")
    return lines[0]


def test_malformed_toml(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[app\nname = 1\n")

    process = run_tool("--config", str(config), "status")

    assert process.returncode == 2
    assert "line 1" in one_line_error(process)


def test_world_readable_secrets(settings_file: Path) -> None:
    os.chmod(settings_file, 0o644)

    process = run_tool("--config", str(settings_file), "status")

    assert process.returncode == 2
    assert f"chmod 600 {settings_file}" in one_line_error(process)


def test_state_database_from_a_newer_version(settings_file: Path) -> None:
    with StateDB(settings_file.parent / "state.sqlite3") as db:
        db.execute("INSERT INTO schema_version VALUES (999, 'future')")

    process = run_tool("--config", str(settings_file), "status")

    assert process.returncode == 2
    assert "upgrade cubyn-amz" in one_line_error(process)


def test_a_traceback_only_with_vv(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[app\n")

    process = run_tool("-vv", "--config", str(config), "status")

    assert process.returncode == 2
    assert "Traceback" in process.stderr
    assert process.stderr.strip().splitlines()[-1].startswith("cubyn-amz: error: ")


def test_a_full_disk_leaves_the_settings_as_they_were(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = settings_file.read_text()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = CliRunner().invoke(cli, ["configure", "--app-name", "New name"])

    assert result.exit_code == 2
    assert "the disk is full" in result.output
    assert settings_file.read_text() == before
    assert [
        p.name for p in settings_file.parent.iterdir() if p.name.startswith(".")
    ] == []


def test_unknown_option_is_a_usage_error(settings_file: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "--colour"])

    assert result.exit_code == 2


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])

    assert result.exit_code == 0
    assert "Example" in result.output, f"{name} --help shows no example"


def test_main_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])

    assert "75 another run holds this connection's lock" in result.output


def test_a_settings_folder_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    process = run_tool(
        "--config", str(blocker / "sub" / "config.toml"), "connect", "--no-verify",
        "--app-name", "x", "--seller-id", "A2", "--marketplace", "FR",
        "--lwa-client-id", "id", "--lwa-client-secret", "s" * 12,
        "--refresh-token", "Atzr|" + "r" * 12, "--cubyn-api-key", "k" * 12,
    )  # fmt: skip

    assert process.returncode == 2
    one_line_error(process)
