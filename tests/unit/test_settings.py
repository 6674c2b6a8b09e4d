"""The settings file: defaults, secrets from the environment, every problem at once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cubyn_amz.errors import SettingsError, UsageError
from cubyn_amz.settings.load import is_allowed_url, load_settings, settings_path
from cubyn_amz.settings.model import Settings
from tests.helpers import SECRETS, settings_values, write_settings_file


def load(
    tmp_path: Path, environ: dict[str, str] | None = None, **sections: Any
) -> Settings:
    path = write_settings_file(tmp_path / "config.toml", settings_values(**sections))
    return load_settings(path, environ or {})


def test_defaults_hold_for_every_key_not_written(tmp_path: Path) -> None:
    settings = load(tmp_path)

    assert settings.app_name == "Amazon FR"
    assert settings.state_db == (tmp_path / "state.sqlite3").resolve()
    assert settings.amazon.endpoint == "https://sellingpartnerapi-eu.amazon.com"
    assert settings.amazon.token_endpoint == "https://api.amazon.com/auth/o2/token"
    assert settings.cubyn.endpoint == "https://api.cubyn.com/v2"
    assert settings.stock.update is True and settings.stock.buffer == 0
    assert settings.import_.initial_days == 30


def test_builtin_delivery_table_and_overrides_key_by_key(tmp_path: Path) -> None:
    settings = load(
        tmp_path, delivery_modes={"SECOND_DAY": "EXPRESS", "PRIORITY": "none"}
    )

    assert settings.delivery_mode("STANDARD") == "STANDARD"
    assert settings.delivery_mode("EXPEDITED") == "EXPRESS"
    assert settings.delivery_mode("SECOND_DAY") == "EXPRESS"
    assert settings.delivery_mode("NEXT_DAY") is None
    assert settings.delivery_mode("PRIORITY") is None
    assert settings.delivery_mode("SAME_DAY") is None  # not offered unless mapped


def test_carriers_override_the_builtin_table(tmp_path: Path) -> None:
    settings = load(tmp_path, carriers={"COLISSIMO": "La Poste", "FEDEX_FR": "FedEx"})

    assert settings.carriers["COLISSIMO"] == "La Poste"
    assert settings.carriers["FEDEX_FR"] == "FedEx"
    assert settings.carriers["CHRONOPOST"] == "Chronopost"


def test_marketplaces_by_country_or_id_in_one_region(tmp_path: Path) -> None:
    settings = load(tmp_path, amazon={"marketplaces": ["fr", "A1PA6795UKMFR9", "GB"]})

    assert [m.country for m in settings.amazon.marketplaces] == ["FR", "DE", "UK"]
    assert settings.amazon.region == "EU"


def test_secrets_from_the_environment_win_over_the_file(tmp_path: Path) -> None:
    environ = {"CUBYN_AMZ_REFRESH_TOKEN": "Atzr|FROMENVIRONMENT"}

    settings = load(tmp_path, environ)

    assert settings.amazon.refresh_token == "Atzr|FROMENVIRONMENT"
    assert settings.cubyn.api_key == SECRETS["cubyn_api_key"]


def test_a_secret_may_live_only_in_the_environment(tmp_path: Path) -> None:
    values = settings_values()
    del values["cubyn"]["api_key"]
    path = write_settings_file(tmp_path / "config.toml", values)

    with pytest.raises(SettingsError, match=r"cubyn.api_key: missing \(or set"):
        load_settings(path, {})
    settings = load_settings(path, {"CUBYN_AMZ_CUBYN_API_KEY": "key-from-env"})
    assert settings.cubyn.api_key == "key-from-env"


def test_every_problem_is_reported_at_once_with_its_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load(
            tmp_path,
            app={"colour": "blue"},
            amazon={"marketplaces": ["FR", "US", "XX"], "seller_id": 7},
            stock={"buffer": "two", "update": "yes"},
            cubyn={"endpoint": "http://api.cubyn.com/v2"},
            delivery_modes={"STANDARD": "DRONE"},
        )

    problems = "\n".join(caught.value.problems)
    assert "app.colour: unknown key" in problems
    assert "amazon.seller_id: must be a string" in problems
    assert "unknown marketplace 'XX'" in problems
    assert "more than one region (EU, NA)" in problems
    assert "stock.buffer: must be a whole number" in problems
    assert "stock.update: must be true or false" in problems
    assert "cubyn.endpoint" in problems and "https" in problems
    assert "delivery_modes.STANDARD: unknown Cubyn delivery mode 'DRONE'" in problems
    assert len(caught.value.problems) == 8


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"initial_days": 0}, "import.initial_days: must be between 1 and 730"),
        ({"settle_after": -1}, "import.settle_after: must be between 0 and 3600"),
        ({"settle_after": "soon"}, "import.settle_after: must be a number"),
    ],
)
def test_import_settings_are_bounded(
    tmp_path: Path, table: dict[str, object], problem: str
) -> None:
    with pytest.raises(SettingsError, match=problem):
        load(tmp_path, **{"import": table})


def test_unknown_section_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="shop: unknown section"):
        load(tmp_path, shop={"x": 1})


def test_a_missing_required_key_names_it(tmp_path: Path) -> None:
    values = settings_values()
    del values["amazon"]["seller_id"]
    path = write_settings_file(tmp_path / "config.toml", values)

    with pytest.raises(SettingsError, match="amazon.seller_id: missing"):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://sellingpartnerapi-eu.amazon.com", True),
        ("http://127.0.0.1:8765/amazon", True),
        ("http://localhost:8765", True),
        ("http://[::1]:8765", True),
        ("http://sellingpartnerapi-eu.amazon.com", False),
        ("http://10.0.0.5:8765", False),
        ("ftp://example.com", False),
        ("not a url", False),
    ],
)
def test_https_everywhere_but_loopback(url: str, allowed: bool) -> None:
    assert is_allowed_url(url) is allowed


def test_malformed_toml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[app]\nname = "Amazon FR\n', encoding="utf-8")
    os.chmod(path, 0o600)

    with pytest.raises(UsageError, match=r"not valid TOML .*line 2"):
        load_settings(path, {})


def test_a_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = write_settings_file(tmp_path / "config.toml", settings_values())
    os.chmod(path, 0o644)

    with pytest.raises(UsageError, match="chmod 600"):
        load_settings(path, {})


def test_a_file_without_secrets_may_be_readable(tmp_path: Path) -> None:
    values = settings_values()
    for section, key in (
        ("amazon", "lwa_client_secret"),
        ("amazon", "refresh_token"),
        ("cubyn", "api_key"),
    ):
        del values[section][key]
    path = write_settings_file(tmp_path / "config.toml", values)
    os.chmod(path, 0o644)
    environ = {
        "CUBYN_AMZ_LWA_CLIENT_SECRET": "s" * 20,
        "CUBYN_AMZ_REFRESH_TOKEN": "Atzr|" + "r" * 20,
        "CUBYN_AMZ_CUBYN_API_KEY": "k" * 20,
    }

    assert load_settings(path, environ).cubyn.api_key == "k" * 20


def test_missing_file_says_to_connect(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cubyn-amz connect"):
        load_settings(tmp_path / "nope.toml", {})


def test_settings_path_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CUBYN_AMZ_CONFIG", str(tmp_path / "env.toml"))

    assert settings_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"
    assert settings_path() == tmp_path / "env.toml"
    monkeypatch.delenv("CUBYN_AMZ_CONFIG")
    assert settings_path().name == "config.toml"
    assert "cubyn-amz" in str(settings_path())


def test_repr_never_shows_secrets(tmp_path: Path) -> None:
    settings = load(tmp_path)

    text = repr(settings)
    for secret in SECRETS.values():
        assert secret not in text


def test_an_empty_secret_in_the_file_may_come_from_the_environment(
    tmp_path: Path,
) -> None:
    settings = load(
        tmp_path,
        {"CUBYN_AMZ_LWA_CLIENT_SECRET": "secret-from-the-environment"},
        amazon={"lwa_client_secret": ""},
    )

    assert settings.amazon.lwa_client_secret == "secret-from-the-environment"
