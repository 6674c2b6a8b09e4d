"""Proxies and CA bundles come from the environment, once a host; ~/.netrc never."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cubyn_amz.clock import FakeClock
from cubyn_amz.cubyn.client import CubynClient
from tests.helpers import CUBYN, SECRETS

PROXY = "http://proxy.example.net:3128"
WHOAMI = {"version": "0.0.3", "auth": {"application": {"name": "Amazon sync"}}}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)


def client() -> CubynClient:
    return CubynClient(CUBYN, SECRETS["cubyn_api_key"], clock=FakeClock())


def test_a_proxy_in_the_environment_is_used(
    requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    requests_mock.get(CUBYN, json=WHOAMI)

    client().whoami()

    assert requests_mock.last_request.proxies.get("https") == PROXY


def test_no_proxy_bypasses_it_for_its_hosts(
    requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "api.cubyn.com")
    requests_mock.get(CUBYN, json=WHOAMI)

    client().whoami()

    assert "https" not in requests_mock.last_request.proxies


def test_a_ca_bundle_in_the_environment_verifies_the_server(
    requests_mock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    requests_mock.get(CUBYN, json=WHOAMI)

    client().whoami()

    assert requests_mock.last_request.verify == str(bundle)


def test_netrc_credentials_are_never_sent(requests_mock: Any, tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine api.cubyn.com login ops password hunter2\n")
    netrc.chmod(0o600)
    requests_mock.get(CUBYN, json=WHOAMI)

    client().whoami()

    assert "Authorization" not in requests_mock.last_request.headers


def test_the_environment_is_read_once_a_host_not_once_a_request(
    requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    requests_mock.get(CUBYN, json=WHOAMI)
    cubyn = client()
    cubyn.whoami()
    # A later change of the environment is not looked at again by this process.
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example.net:8080")

    cubyn.whoami()

    assert requests_mock.last_request.proxies.get("https") == PROXY
