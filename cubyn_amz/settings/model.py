"""The settings in force, as plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cubyn_amz.marketplaces import Marketplace

# Amazon fulfillmentServiceLevel -> Cubyn delivery mode; None: not offered by Cubyn,
# so such orders are never imported. Every level not named here is not offered either.
BUILTIN_DELIVERY_MODES: dict[str, str | None] = {
    "STANDARD": "STANDARD",
    "EXPEDITED": "EXPRESS",
    "SECOND_DAY": None,
    "NEXT_DAY": None,
}


@dataclass(frozen=True)
class AmazonSettings:
    seller_id: str
    marketplaces: tuple[Marketplace, ...]
    lwa_client_id: str
    lwa_client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    endpoint: str
    token_endpoint: str

    @property
    def region(self) -> str:
        return self.marketplaces[0].region

    @property
    def marketplace_ids(self) -> list[str]:
        return [m.id for m in self.marketplaces]


@dataclass(frozen=True)
class CubynSettings:
    api_key: str = field(repr=False)
    endpoint: str


@dataclass(frozen=True)
class StockSettings:
    update: bool = True
    buffer: int = 0
    # Above this many changed SKUs a pass sends one feed instead of one patch each.
    feed_threshold: int = 50
    full_every_hours: float = 24.0


@dataclass(frozen=True)
class ImportSettings:
    initial_days: int = 30
    # Seconds an unanswered parcel creation is given before it is looked up in
    # Cubyn: the request of a run killed mid-POST may still be on its way there.
    settle_after: float = 60.0


@dataclass(frozen=True)
class Settings:
    path: Path
    app_name: str
    state_db: Path
    amazon: AmazonSettings
    cubyn: CubynSettings
    stock: StockSettings
    import_: ImportSettings
    delivery_modes: dict[str, str | None]
    carriers: dict[str, str]
    # How long a pass may sleep for Amazon's usage plan before it stops and leaves
    # the rest to the next run.
    max_wait: float = 30.0

    def secrets(self) -> list[str]:
        """Every value that must never reach output, a log line or an error."""
        values = [
            self.amazon.lwa_client_secret,
            self.amazon.refresh_token,
            self.cubyn.api_key,
        ]
        return [v for v in values if v]

    def delivery_mode(self, service_level: str) -> str | None:
        """Cubyn's delivery mode for an Amazon service level, None when not offered."""
        return self.delivery_modes.get(service_level.upper())
