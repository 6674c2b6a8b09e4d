"""Cubyn's carrier as Amazon's carrierCode: built-in table, settings, "Other"."""

from __future__ import annotations

from pathlib import Path

import pytest

from cubyn_amz.passes.shipments.carriers import AmazonCarrier, amazon_carrier
from cubyn_amz.settings.load import load_settings
from tests.helpers import settings_values, write_settings_file


def carriers_in_force(tmp_path: Path, table: dict[str, str]) -> dict[str, str]:
    values = settings_values(carriers=table) if table else settings_values()
    path = write_settings_file(tmp_path / "config.toml", values)
    return load_settings(path, environ={}).carriers


@pytest.mark.parametrize(
    ("carrier", "code"),
    [
        ("COLISSIMO", "Colissimo"),
        ("CHRONOPOST", "Chronopost"),
        ("COLIS_PRIVE", "Colis Prive"),
        ("MONDIAL_RELAY", "Mondial Relay"),
        ("dpd", "DPD"),  # Cubyn's case does not matter
    ],
)
def test_built_in_table_maps_known_carriers(
    tmp_path: Path, carrier: str, code: str
) -> None:
    carriers = carriers_in_force(tmp_path, {})

    assert amazon_carrier(carrier, carriers) == AmazonCarrier(code, code, mapped=True)


def test_settings_override_the_built_in_code_and_add_carriers(tmp_path: Path) -> None:
    carriers = carriers_in_force(
        tmp_path, {"COLISSIMO": "La Poste", "FEDEX_FR": "FedEx"}
    )

    assert amazon_carrier("COLISSIMO", carriers).code == "La Poste"
    assert amazon_carrier("FEDEX_FR", carriers) == AmazonCarrier(
        "FedEx", "FedEx", mapped=True
    )
    # The rest of the built-in table still holds.
    assert amazon_carrier("GLS", carriers).code == "GLS"


def test_unmapped_carrier_goes_as_other_with_cubyns_name(tmp_path: Path) -> None:
    carriers = carriers_in_force(tmp_path, {})

    carrier = amazon_carrier("TNT_EXPRESS ", carriers)

    assert carrier == AmazonCarrier("Other", "TNT_EXPRESS", mapped=False)
    assert carrier.other


def test_carrier_mapped_to_other_by_the_settings_keeps_its_name(
    tmp_path: Path,
) -> None:
    carriers = carriers_in_force(tmp_path, {"STUART": "Other"})

    assert amazon_carrier("STUART", carriers) == AmazonCarrier(
        "Other", "STUART", mapped=True
    )
