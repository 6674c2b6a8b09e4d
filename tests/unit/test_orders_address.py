"""Fitting Amazon delivery addresses to Cubyn's limits."""

from __future__ import annotations

from typing import Any

import pytest

from cubyn_amz.passes.orders.address import (
    clean_phone,
    clean_zip,
    fit_recipient,
    split_at,
)
from tests.fixtures.orders import SHIPPED_UK, example


def address(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Sophie Martin",
        "addressLine1": "3 place de la République",
        "addressLine2": "Bâtiment B",
        "city": "Lyon",
        "postalCode": "69002",
        "countryCode": "FR",
        "phone": "+33 6 12 34 56 78",
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


def test_a_french_address_fits_as_it_is_in_latin_letters() -> None:
    recipient, notes = fit_recipient(address())

    assert recipient.first_name == "Sophie"
    assert recipient.last_name == "Martin"
    assert recipient.line1 == "3 place de la Republique"
    assert recipient.additional == "Batiment B"
    assert recipient.zip == "69002"
    assert recipient.city == "Lyon"
    assert recipient.country == "FR"
    assert recipient.phone == "+33612345678"
    assert notes == ()


def test_the_uk_example_address() -> None:
    data = example(SHIPPED_UK)["recipient"]["deliveryAddress"]

    recipient, notes = fit_recipient(data)

    assert (recipient.first_name, recipient.last_name) == ("Sarah", "Thompson")
    assert recipient.line1 == "45 Oak Avenue"
    assert recipient.additional == "Flat 2A"  # an empty third line adds nothing
    assert recipient.zip == "SW1A 1AA"
    assert recipient.phone == "+442079460958"
    assert notes == ()


def test_non_latin_fields_are_transliterated() -> None:
    recipient, _ = fit_recipient(
        address(
            name="山田 太郎",
            addressLine1="東京都渋谷区神南1-2-3",
            addressLine2=None,
            city="Москва",
            postalCode="150-0041",
            countryCode="jp",
        )
    )

    for value in (
        recipient.first_name,
        recipient.last_name,
        recipient.line1,
        recipient.city,
    ):
        assert value and value.isascii()
    assert recipient.city == "Moskva"
    assert recipient.first_name == "ShanTian"
    assert recipient.country == "JP"
    assert recipient.zip == "150-0041"


def test_a_long_first_line_overflows_into_additional_information() -> None:
    line1 = "Residence Les Jardins du Parc, 128 avenue du General de Gaulle"

    recipient, notes = fit_recipient(address(addressLine1=line1, addressLine2="Apt 4"))

    assert len(recipient.line1) <= 35
    assert recipient.line1 == "Residence Les Jardins du Parc, 128"
    assert recipient.additional == "avenue du General de Gaulle, Apt 4"
    assert notes == ()  # moved, not lost


def test_what_still_does_not_fit_is_cut_and_noted() -> None:
    recipient, notes = fit_recipient(
        address(
            name="Jean-Christophe Alexandre-Maximilien de la Tour d Auvergne-Lauragais",
            addressLine2="Batiment C, escalier 4, porte gauche, digicode 4512",
            city="Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson",
        )
    )

    assert all(
        len(v) <= 35
        for v in (
            recipient.first_name,
            recipient.last_name,
            recipient.additional,
            recipient.city,
        )
    )
    fields = " / ".join(notes)
    assert "last name cut" in fields
    assert "additional information cut" in fields
    assert "city cut" in fields
    # Notes name fields and lengths, never the buyer's data.
    assert "Auvergne" not in fields and "Bouzemont" not in fields


def test_a_company_goes_in_its_own_field_and_names_a_nameless_recipient() -> None:
    recipient, _ = fit_recipient(address(name=None, companyName="Société Générale"))

    assert recipient.company == "Societe Generale"
    assert (recipient.first_name, recipient.last_name) == ("Societe", "Generale")


def test_a_single_word_name_is_a_last_name() -> None:
    recipient, _ = fit_recipient(address(name="Madonna"))

    assert (recipient.first_name, recipient.last_name) == ("", "Madonna")


def test_missing_fields_give_empty_values_and_a_zero_postal_code() -> None:
    recipient, notes = fit_recipient({"name": "A B", "countryCode": "HK"})

    assert recipient.line1 == "" and recipient.additional == ""
    assert recipient.zip == "0"  # Cubyn's value where a country has none
    assert recipient.phone == "" and recipient.city == ""
    assert notes == ()


def test_a_missing_first_line_takes_the_second() -> None:
    recipient, _ = fit_recipient(address(addressLine1="", addressLine2="12 rue Vide"))

    assert recipient.line1 == "12 rue Vide" and recipient.additional == ""


@pytest.mark.parametrize(
    ("raw", "clean", "noted"),
    [
        ("69002", "69002", False),
        ("01310-100", "01310100", False),
        (" sw1a 1aa ", "SW1A 1AA", False),
        ("75-001 (CEDEX)", "75001CED", True),
        ("", "0", False),
        (None, "0", False),
    ],
)
def test_postal_codes_are_cleaned(raw: Any, clean: str, noted: bool) -> None:
    notes: list[str] = []

    assert clean_zip(raw, notes) == clean
    assert bool(notes) is noted


@pytest.mark.parametrize(
    ("raw", "clean", "noted"),
    [
        ("+33 6 12 34 56 78", "+33612345678", False),
        ("06.12.34.56.78", "0612345678", False),
        ("+1 (206) 555-0100 ext. 42", "+12065550100", False),
        ("+55 11 91234-5678", "5511912345678", True),
        ("+49 1234 5678 9012 345", "", True),
        ("12", "", True),
        ("", "", False),
        (None, "", False),
    ],
)
def test_phone_numbers_are_cleaned(raw: Any, clean: str, noted: bool) -> None:
    notes: list[str] = []

    assert clean_phone(raw, notes) == clean
    assert bool(notes) is noted


def test_split_at_prefers_a_word_boundary() -> None:
    assert split_at("short", 35) == ("short", "")
    assert split_at("aaaa bbbb cccc", 10) == ("aaaa bbbb", "cccc")
    assert split_at("a" * 40, 35) == ("a" * 35, "a" * 5)
