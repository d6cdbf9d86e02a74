"""Checks of national identifiers, with French messages. python-stdnum where it has the scheme."""

import re

from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret


def clean_digits(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def validate_rpps(value: str) -> str:
    """RPPS: 11 digits, the last one a Luhn check digit."""
    number = clean_digits(value)
    if not re.fullmatch(r"\d{11}", number):
        raise ValidationError("Le numéro RPPS doit comporter exactement 11 chiffres.", code="rpps_format")
    if not luhn.is_valid(number):
        raise ValidationError(
            "Le numéro RPPS est invalide : sa clé de contrôle (Luhn) ne correspond pas.", code="rpps_key"
        )
    return number


def rpps_with_key(first_ten: str) -> str:
    return first_ten + luhn.calc_check_digit(first_ten)


def validate_adeli(value: str) -> str:
    """ADELI: 9 characters, the département (2 digits, or 2A/2B) then 7 digits."""
    number = clean_digits(value).upper()
    if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", number):
        raise ValidationError(
            "Le numéro ADELI doit comporter 9 caractères : le département puis 7 chiffres.",
            code="adeli_format",
        )
    return number


def validate_finess(value: str) -> str:
    """FINESS: 9 characters (département + 6 digits + a Luhn check digit)."""
    number = clean_digits(value).upper()
    if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", number):
        raise ValidationError(
            "Le numéro FINESS doit comporter 9 caractères : le département puis 7 chiffres.",
            code="finess_format",
        )
    digits = number.replace("2A", "20").replace("2B", "20") if number[:2] in ("2A", "2B") else number
    if not luhn.is_valid(digits):
        raise ValidationError(
            "Le numéro FINESS est invalide : sa clé de contrôle ne correspond pas.", code="finess_key"
        )
    return number


def validate_siret(value: str) -> str:
    number = clean_digits(value)
    if not re.fullmatch(r"\d{14}", number):
        raise ValidationError("Le numéro SIRET doit comporter exactement 14 chiffres.", code="siret_format")
    try:
        return stdnum_siret.validate(number)
    except StdnumError as exc:
        raise ValidationError(
            "Le numéro SIRET est invalide : sa clé de contrôle ne correspond pas.", code="siret_key"
        ) from exc


def validate_siren(value: str) -> str:
    number = clean_digits(value)
    if not re.fullmatch(r"\d{9}", number):
        raise ValidationError("Le numéro SIREN doit comporter exactement 9 chiffres.", code="siren_format")
    try:
        return stdnum_siren.validate(number)
    except StdnumError as exc:
        raise ValidationError(
            "Le numéro SIREN est invalide : sa clé de contrôle ne correspond pas.", code="siren_key"
        ) from exc


# Prefixed national structure identifiers (idNat_Struct, system urn:oid:1.2.250.1.71.4.2.2): 1 + FINESS,
# 3 + SIRET, 4 + RPPS rang (the cabinet: 14 digits). ADELI rangs (prefix 0) are not kept: the SAS test kit
# does not accept them and their length is not documented.
_PREFIXED_IDNST = re.compile(r"1(?:\d{2}|2A|2B)\d{7}|3\d{14}|4\d{14}")


def _valid(check, value: str) -> str:
    try:
        return check(value) if value else ""
    except ValidationError:
        return ""


def structure_idnst(finess_site: str, siret_site: str, former_id: str) -> str:
    """The prefixed national identifier of the structure of one RPPS activity, in the order the SAS asks for
    (IG FAQ « Comment intégrer les ID nationaux de structure »): the site's FINESS, else its SIRET, else the
    extract's « Ancien identifiant de la structure » (already prefixed: FINESS, SIRET or RPPS rang). '' if
    none is valid."""
    finess = _valid(validate_finess, (finess_site or "").strip())
    if finess:
        return "1" + finess
    siret = _valid(validate_siret, (siret_site or "").strip())
    if siret:
        return "3" + siret
    former = clean_digits((former_id or "").strip()).upper()
    if not _PREFIXED_IDNST.fullmatch(former):
        return ""
    if former[0] == "1":
        return former if _valid(validate_finess, former[1:]) else ""
    if former[0] == "3":
        return former if _valid(validate_siret, former[1:]) else ""
    return former


def validate_mssante(value: str) -> str:
    """An MSSanté address is an e-mail address in a domain of the MSSanté space (…mssante.fr)."""
    address = (value or "").strip().lower()
    if not re.fullmatch(r"[^@\s]+@([a-z0-9-]+\.)*mssante\.fr", address):
        raise ValidationError(
            "L'adresse MSSanté doit être une adresse de messagerie sécurisée se terminant "
            "par mssante.fr (par exemple prenom.nom@medecin.mssante.fr).",
            code="mssante",
        )
    return address
