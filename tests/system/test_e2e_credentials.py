"""Credentials that stop working between two cron runs."""

from __future__ import annotations

from cubyn_amz.sandbox import Sandbox
from tests.system import e2e
from tests.system.e2e import EVENT_AGO, Connection, effects

sandbox, sandboxes, connection = e2e.sandbox, e2e.sandboxes, e2e.connection


def test_an_access_token_refused_early_is_exchanged_again(
    sandbox: Sandbox, connection: Connection
) -> None:
    assert connection.run("-q", "import-orders").code in (0, 1)
    sandbox.amazon.expire_tokens()  # Amazon drops the token the state still holds
    sandbox.amazon.generate_orders(2, ago=EVENT_AGO)
    exchanges = sandbox.amazon.calls["lwaToken"]

    run = connection.run("import-orders")

    assert run.code in (0, 1), run.output
    assert "Traceback" not in run.output
    assert sandbox.amazon.calls["lwaToken"] == exchanges + 1


def test_a_revoked_authorisation_stops_with_exit_3_and_changes_nothing(
    sandbox: Sandbox, connection: Connection
) -> None:
    assert connection.run("-q", "import-orders").code in (0, 1)
    sandbox.amazon.expire_tokens()
    sandbox.amazon.revoke()  # the seller withdrew the application's authorisation
    sandbox.amazon.generate_orders(3, ago=EVENT_AGO)
    before = effects(sandbox)

    run = connection.run("sync")

    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("cubyn-amz: error: Login with Amazon refused")
    assert "authorise the application again" in lines[-1]
    assert "Traceback" not in run.output
    assert effects(sandbox) == before
    status = connection.run("status")
    assert "import-orders: stopped" in status.output
