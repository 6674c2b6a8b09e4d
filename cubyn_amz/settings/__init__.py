"""The settings file: where it is, what it holds, how it is checked and written."""

from cubyn_amz.settings.load import load_settings, settings_path
from cubyn_amz.settings.model import (
    AmazonSettings,
    CubynSettings,
    ImportSettings,
    Settings,
    StockSettings,
)

__all__ = [
    "AmazonSettings",
    "CubynSettings",
    "ImportSettings",
    "Settings",
    "StockSettings",
    "load_settings",
    "settings_path",
]
