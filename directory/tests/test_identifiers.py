"""Checks of national identifiers (RPPS, ADELI, FINESS, SIRET, MSSanté) with French messages."""

import pytest
from django.core.exceptions import ValidationError

from directory import identifiers


def _code(func, value):
    with pytest.raises(ValidationError) as exc:
        func(value)
    return exc.value.code


# RPPS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10000000009", "10101010105", "1 0000 0000 09"])
def test_rpps_with_a_valid_luhn_key_is_accepted(value):
    assert identifiers.validate_rpps(value) == value.replace(" ", "")


def test_rpps_with_a_wrong_luhn_key_is_refused():
    assert _code(identifiers.validate_rpps, "10000000008") == "rpps_key"


def test_rpps_wrong_key_message_is_french():
    with pytest.raises(ValidationError, match="sa clé de contrôle \\(Luhn\\) ne correspond pas"):
        identifiers.validate_rpps("10000000008")


@pytest.mark.parametrize("value", ["1000000008", "100000000090", "1000000000A", ""])
def test_rpps_not_of_eleven_digits_is_refused(value):
    assert _code(identifiers.validate_rpps, value) == "rpps_format"


def test_rpps_with_key_computes_the_luhn_digit():
    assert identifiers.rpps_with_key("1000000000") == "10000000009"


# ADELI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected", [("691234567", "691234567"), ("2a1234567", "2A1234567"), ("2B 123 45 67", "2B1234567")]
)
def test_adeli_of_departement_and_seven_digits_is_accepted(value, expected):
    assert identifiers.validate_adeli(value) == expected


@pytest.mark.parametrize("value", ["69123456", "6912345678", "AB1234567", "2C1234567"])
def test_adeli_in_a_wrong_format_is_refused(value):
    assert _code(identifiers.validate_adeli, value) == "adeli_format"


# FINESS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["690781810", "750712184"])
def test_real_public_finess_numbers_are_valid(value):
    assert identifiers.validate_finess(value) == value


@pytest.mark.parametrize("value", ["690781811", "750712185", "690781910"])
def test_finess_with_a_changed_digit_is_invalid(value):
    assert _code(identifiers.validate_finess, value) == "finess_key"


@pytest.mark.parametrize("value", ["69078181", "6907818100", "AB0781810"])
def test_finess_in_a_wrong_format_is_refused(value):
    assert _code(identifiers.validate_finess, value) == "finess_format"


# SIRET -----------------------------------------------------------------------------------------


def test_real_siret_is_valid():
    assert identifiers.validate_siret("732 829 320 00074") == "73282932000074"


def test_siret_with_a_wrong_key_is_refused():
    assert _code(identifiers.validate_siret, "73282932000075") == "siret_key"


def test_siret_not_of_fourteen_digits_is_refused():
    assert _code(identifiers.validate_siret, "7328293200007") == "siret_format"


def test_siren_of_a_real_siret_is_valid():
    assert identifiers.validate_siren("732829320") == "732829320"


# MSSanté ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["prenom.nom@medecin.mssante.fr", "Jean.Dupont@CH-Belley.MSSANTE.FR", "secretariat@mssante.fr"]
)
def test_mssante_address_is_accepted_and_lowercased(value):
    assert identifiers.validate_mssante(value) == value.lower()


@pytest.mark.parametrize(
    "value",
    [
        "prenom.nom@gmail.com",
        "prenom.nom@mssante.fr.example.com",
        "mssante.fr",
        "prenom nom@medecin.mssante.fr",
    ],
)
def test_address_outside_the_mssante_space_is_refused(value):
    assert _code(identifiers.validate_mssante, value) == "mssante"


# National structure id of an RPPS activity (idNat_Struct) --------------------------------------------


@pytest.mark.parametrize(
    "finess, siret, former, expected",
    [
        ("250000700", "26250462400012", "1250000700", "1250000700"),  # FINESS site first
        ("", "26250462400012", "326250462400012", "326250462400012"),  # then SIRET site
        ("", "", "410100000275420", "410100000275420"),  # then the former id: an RPPS rang, prefixed 4
        ("", "", "1250000700", "1250000700"),  # the former id may be a prefixed FINESS or SIRET
        ("", "", "326250462400012", "326250462400012"),
        ("250000701", "26250462400012", "", "326250462400012"),  # a FINESS with a wrong key is skipped
        ("250000701", "26250462400013", "410100000275420", "410100000275420"),
        ("", "", "1250000701", ""),  # nothing valid: nothing
        ("", "", "0011234567001", ""),  # ADELI rang: not kept
        ("", "", "4101000002754", ""),  # RPPS rang of 13 digits
        ("", "", "R10100000275420", ""),
        ("", "", "", ""),
    ],
)
def test_structure_idnst_follows_the_sas_order(finess, siret, former, expected):
    assert identifiers.structure_idnst(finess, siret, former) == expected
