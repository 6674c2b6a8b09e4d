"""``cubyn-amz sandbox serve`` as a real process, steered over /_sandbox."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys

import requests
from click.testing import CliRunner

from cubyn_amz.cli.sandbox import sandbox

SERVE = "from cubyn_amz.cli.sandbox import sandbox; sandbox()"


def test_serve_prints_a_connect_command_and_stops_on_sigterm() -> None:
    argv = [sys.executable, "-c", SERVE, "serve", "--port", "0", "--orders", "12"]
    process = subprocess.Popen(
        [*argv, "--fake-clock", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("State:"):
                break
        command = shlex.split(next(x for x in lines if "cubyn-amz connect" in x))
        base = command[command.index("--amazon-endpoint") + 1].rsplit("/amazon", 1)[0]

        with requests.Session() as session:
            state = session.get(f"{base}/_sandbox/state", timeout=5).json()
            added = session.post(
                f"{base}/_sandbox/orders", json={"count": 3}, timeout=5
            )
            moved = session.post(
                f"{base}/_sandbox/advance", json={"seconds": 60}, timeout=5
            )
            after = session.get(f"{base}/_sandbox/state", timeout=5).json()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)

    assert command[:2] == ["cubyn-amz", "connect"]
    assert command.count("--marketplace") == 4
    assert state["amazon"]["orders"] == 12
    assert added.status_code == 200 and moved.status_code == 200
    assert after["amazon"]["orders"] == 15
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out


def test_serve_has_help_with_an_example() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--help"])

    assert result.exit_code == 0
    assert "Example" in result.output
    assert "--time-scale" in result.output


def test_fake_clock_and_time_scale_do_not_mix() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--fake-clock", "--time-scale", "5"])

    assert result.exit_code == 2
