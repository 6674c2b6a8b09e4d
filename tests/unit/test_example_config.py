"""The documented example settings file is one the tool accepts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cubyn_amz.settings.load import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config.toml"


def test_the_example_settings_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    shutil.copy(EXAMPLE, path)
    os.chmod(path, 0o600)

    settings = load_settings(path, {})

    assert settings.delivery_mode("EXPEDITED") == "EXPRESS"
    assert settings.delivery_mode("NEXT_DAY") is None
    assert settings.stock.update is True
