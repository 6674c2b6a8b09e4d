"""Fixtures the sandbox's unit tests share; each test module starts its own
``sandbox`` fixture with the seed and data it needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cubyn_amz.clock import FakeClock
from cubyn_amz.sandbox import Sandbox
from cubyn_amz.sandbox.client import SandboxClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[SandboxClient]:
    """A bare client of the module's sandbox, logged in."""
    with SandboxClient(sandbox.connection()) as rv:
        yield rv
