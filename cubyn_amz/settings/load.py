"""Find, read and check the settings file.

Checking collects every problem before it reports, so that one run tells the user
all that needs fixing, each problem naming its key.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cubyn_amz import marketplaces
from cubyn_amz.cubyn.client import AMAZON_CARRIER_CODES, DELIVERY_MODES
from cubyn_amz.errors import SettingsError, UsageError
from cubyn_amz.settings.model import (
    BUILTIN_DELIVERY_MODES,
    AmazonSettings,
    CubynSettings,
    ImportSettings,
    Settings,
    StockSettings,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.9 and 3.10 only
    import tomli as tomllib

ENV_CONFIG = "CUBYN_AMZ_CONFIG"
ENV_SECRETS = {
    ("amazon", "lwa_client_secret"): "CUBYN_AMZ_LWA_CLIENT_SECRET",
    ("amazon", "refresh_token"): "CUBYN_AMZ_REFRESH_TOKEN",
    ("cubyn", "api_key"): "CUBYN_AMZ_CUBYN_API_KEY",
}
CUBYN_ENDPOINT = "https://api.cubyn.com/v2"
NOT_OFFERED = "none"

_NUMBER = (int, float)

# section -> key -> (type, required)
_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "app": {
        "name": (str, True),
        "state_db": (str, False),
        "max_wait": (_NUMBER, False),
    },
    "amazon": {
        "seller_id": (str, True),
        "marketplaces": (list, True),
        "lwa_client_id": (str, True),
        "lwa_client_secret": (str, True),
        "refresh_token": (str, True),
        "endpoint": (str, False),
        "token_endpoint": (str, False),
    },
    "cubyn": {"api_key": (str, True), "endpoint": (str, False)},
    "stock": {
        "update": (bool, False),
        "buffer": (int, False),
        "feed_threshold": (int, False),
        "full_every_hours": (_NUMBER, False),
    },
    "import": {"initial_days": (int, False), "settle_after": (_NUMBER, False)},
}
_FREE_TABLES = ("delivery_modes", "carriers")


def settings_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--config``, else ``$CUBYN_AMZ_CONFIG``, else the user's config folder."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("cubyn-amz")) / "config.toml"


def read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"no settings file at {path}",
            "run `cubyn-amz connect` first, or name the file with --config",
        ) from None
    except OSError as error:
        raise UsageError(
            f"cannot read the settings file {path}: {error.strerror}",
            "check its owner and permissions",
        ) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(
            f"the settings file {path} is not UTF-8 text", "save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(
            f"the settings file {path} is not valid TOML ({error})",
            "fix it at that line and column",
        ) from None


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    document = read_toml(path)
    environ = os.environ if environ is None else environ
    settings = parse_settings(document, path, environ)
    _refuse_readable_secrets(path, document)
    return settings


def parse_settings(
    document: Mapping[str, Any], path: Path, environ: Mapping[str, str]
) -> Settings:
    """Settings from a parsed TOML document; every problem is reported at once."""
    problems = _check_shape(document)
    values = _with_env_secrets(document, environ, problems)

    amazon = _table(values, "amazon")
    found = _marketplaces(amazon.get("marketplaces"), problems)
    regions = sorted({m.region for m in found})
    if len(regions) > 1:
        problems.append(
            "amazon.marketplaces: marketplaces from more than one region "
            f"({', '.join(regions)}); make one connection per region"
        )
    default_endpoint = marketplaces.ENDPOINTS[regions[0]] if regions else ""
    amazon_endpoint = _endpoint(
        amazon, "endpoint", default_endpoint, "amazon.endpoint", problems
    )
    token_endpoint = _endpoint(
        amazon,
        "token_endpoint",
        marketplaces.TOKEN_ENDPOINT,
        "amazon.token_endpoint",
        problems,
    )
    cubyn = _table(values, "cubyn")
    cubyn_endpoint = _endpoint(
        cubyn, "endpoint", CUBYN_ENDPOINT, "cubyn.endpoint", problems
    )

    stock = _table(values, "stock")
    if isinstance(stock.get("buffer"), int) and stock["buffer"] < 0:
        problems.append("stock.buffer: must be 0 or more")
    if isinstance(stock.get("feed_threshold"), int) and stock["feed_threshold"] < 1:
        problems.append("stock.feed_threshold: must be 1 or more")
    days = _table(values, "import").get("initial_days")
    if isinstance(days, int) and not 1 <= days <= 730:
        problems.append("import.initial_days: must be between 1 and 730")
    settle = _table(values, "import").get("settle_after")
    if isinstance(settle, (int, float)) and not 0 <= settle <= 3600:
        problems.append("import.settle_after: must be between 0 and 3600 seconds")

    delivery_modes = _delivery_modes(_table(values, "delivery_modes"), problems)
    carriers = _carriers(_table(values, "carriers"), problems)
    if problems:
        raise SettingsError(problems, str(path))

    app = values["app"]
    return Settings(
        path=path,
        app_name=app["name"],
        state_db=(path.parent / app.get("state_db", "cubyn-amz.sqlite3")).resolve(),
        amazon=AmazonSettings(
            seller_id=amazon["seller_id"],
            marketplaces=tuple(found),
            lwa_client_id=amazon["lwa_client_id"],
            lwa_client_secret=amazon["lwa_client_secret"],
            refresh_token=amazon["refresh_token"],
            endpoint=amazon_endpoint,
            token_endpoint=token_endpoint,
        ),
        cubyn=CubynSettings(api_key=cubyn["api_key"], endpoint=cubyn_endpoint),
        stock=StockSettings(**stock),
        import_=ImportSettings(**values.get("import", {})),
        delivery_modes=delivery_modes,
        carriers=carriers,
        max_wait=float(app.get("max_wait", 30.0)),
    )


def _table(values: Mapping[str, Any], section: str) -> dict[str, Any]:
    """A section's keys; nothing when it is not a table (``_check_shape`` says so)."""
    table = values.get(section, {})
    return table if isinstance(table, dict) else {}


def _check_shape(document: Mapping[str, Any]) -> list[str]:
    problems = []
    for section in document:
        if section not in _SCHEMA and section not in _FREE_TABLES:
            problems.append(f"{section}: unknown section")
    for section, keys in _SCHEMA.items():
        table = document.get(section, {})
        if not isinstance(table, dict):
            problems.append(f"{section}: must be a table ([{section}])")
            continue
        for key in table:
            if key not in keys:
                problems.append(f"{section}.{key}: unknown key")
        for key, (kind, required) in keys.items():
            name = f"{section}.{key}"
            if key not in table:
                if required and (section, key) not in ENV_SECRETS:
                    problems.append(f"{name}: missing")
                continue
            value = table[key]
            is_bool = isinstance(value, bool)
            if not isinstance(value, kind) or (is_bool and kind is not bool):
                problems.append(f"{name}: must be {_type_name(kind)}")
            elif (
                isinstance(value, str)
                and required
                and not value.strip()
                and (section, key) not in ENV_SECRETS  # may come from the environment
            ):
                problems.append(f"{name}: is empty")
    for section in _FREE_TABLES:
        if not isinstance(document.get(section, {}), dict):
            problems.append(f"{section}: must be a table ([{section}])")
    return problems


def _with_env_secrets(
    document: Mapping[str, Any], environ: Mapping[str, str], problems: list[str]
) -> dict[str, Any]:
    """The document with secrets from the environment; those win over the file."""
    values = {k: dict(v) if isinstance(v, dict) else v for k, v in document.items()}
    for (section, key), variable in ENV_SECRETS.items():
        table = values.setdefault(section, {})
        if not isinstance(table, dict):
            continue
        if environ.get(variable):
            table[key] = environ[variable]
        elif not table.get(key):
            problems.append(f"{section}.{key}: missing (or set ${variable})")
    return values


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", bool: "true or false"}
    if isinstance(kind, tuple):
        return "a number"
    if kind is list:
        return "a list"
    return names.get(kind, kind.__name__)


def _marketplaces(value: Any, problems: list[str]) -> list[marketplaces.Marketplace]:
    if not isinstance(value, list):
        return []
    if not value:
        problems.append("amazon.marketplaces: name at least one marketplace")
    found = []
    for item in value:
        market = marketplaces.find(item) if isinstance(item, str) else None
        if market is None:
            problems.append(
                f"amazon.marketplaces: unknown marketplace {item!r} "
                "(use a country code such as FR or a marketplace id)"
            )
        elif market not in found:
            found.append(market)
    return found


def _endpoint(
    table: Mapping[str, Any], key: str, default: str, name: str, problems: list[str]
) -> str:
    url = table.get(key, default)
    if not isinstance(url, str) or not url:
        return default
    if not is_allowed_url(url):
        problems.append(
            f"{name}: {url!r} must be an https URL "
            "(plain http is allowed only for loopback addresses)"
        )
    return url.rstrip("/")


def is_allowed_url(url: str) -> bool:
    """https everywhere; plain http only on loopback, for the sandbox."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _delivery_modes(
    table: Mapping[str, Any], problems: list[str]
) -> dict[str, str | None]:
    modes = dict(BUILTIN_DELIVERY_MODES)
    for level, mode in table.items():
        if not isinstance(mode, str):
            problems.append(f"delivery_modes.{level}: must be a string")
            continue
        if mode.lower() == NOT_OFFERED:
            modes[level.upper()] = None
        elif mode.upper() in DELIVERY_MODES:
            modes[level.upper()] = mode.upper()
        else:
            offered = ", ".join(sorted(DELIVERY_MODES))
            problems.append(
                f"delivery_modes.{level}: unknown Cubyn delivery mode {mode!r} "
                f'(one of {offered}, or "none")'
            )
    return modes


def _carriers(table: Mapping[str, Any], problems: list[str]) -> dict[str, str]:
    carriers = dict(AMAZON_CARRIER_CODES)
    for carrier, code in table.items():
        if not isinstance(code, str) or not code.strip():
            problems.append(f"carriers.{carrier}: must be an Amazon carrier code")
            continue
        carriers[carrier.upper()] = code.strip()
    return carriers


def _refuse_readable_secrets(path: Path, document: Mapping[str, Any]) -> None:
    holds_secret = any(
        isinstance(document.get(section), dict) and document[section].get(key)
        for section, key in ENV_SECRETS
    )
    if not holds_secret or os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(
            f"the settings file {path} holds secrets and can be read by others "
            f"(mode {stat.S_IMODE(mode):o})",
            f"run `chmod 600 {path}`",
        )
