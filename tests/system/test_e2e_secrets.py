"""Secrets never reach output or logs, at any verbosity, over real HTTP."""

from __future__ import annotations

from cubyn_amz.sandbox import Sandbox
from tests.system import e2e
from tests.system.e2e import Connection

sandbox, sandboxes, connection = e2e.sandbox, e2e.sandboxes, e2e.connection


def test_no_secret_in_the_most_verbose_output(
    sandbox: Sandbox, connection: Connection
) -> None:
    secrets = [
        sandbox.connection()[key]
        for key in ("lwa_client_secret", "refresh_token", "cubyn_api_key")
    ]

    runs = [
        connection.run("-vvv", "sync"),
        connection.run("-vvv", "--json", "configure", "--show"),
        connection.run("-vvv", "status"),
    ]

    text = "\n".join(run.output for run in runs)
    assert "POST /auth/o2/token" in text  # the token exchange itself was logged
    for secret in secrets:
        assert secret not in text
    # The access tokens the sandbox handed out, whatever their number.
    for token in sandbox.amazon.lwa.access_tokens:
        assert token not in text
    assert "Atza|" not in text.replace("Atza|***", "")
