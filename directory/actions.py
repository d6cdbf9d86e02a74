"""Write paths of the directory that users trigger themselves: the professional identity they declare (linked
by idNat to the entry imported from the RPPS extract rather than duplicated), their practice places. Each
validates, writes in one transaction and raises ActionError with a French message; the model signals audit the
rows, ``record_bulk`` the account's link written by ``update()``. The RPPS import has its own path
(directory.rpps_import)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.log import record_bulk
from directory import identifiers
from directory.models import PracticePlace, Professional
from opencpts.errors import ActionError, InvalidFields
from territory.models import Commune
from territory.text import normalize

# What a user's declaration copies onto the directory entry that already holds their idNat.
DECLARED_FIELDS = (
    "civility",
    "salutation",
    "last_name",
    "first_name",
    "profession_system",
    "profession_code",
    "specialty_code",
    "mssante",
    "phone",
    "accepts_new_patients",
    "takes_part_in_snp",
    "home_visits",
)


# What the RPPS extract owns on an entry it imported: a declaration never changes it (the next import would
# put it back, and until then the directory would show a name the extract does not know).
EXTRACT_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "profession_system",
    "profession_code",
    "specialty_code",
)


def _same_person(declared: Professional, entry: Professional) -> bool:
    """The name typed is the extract's (case, accents, hyphens and spaces aside)."""
    return normalize(declared.last_name) == normalize(entry.last_name)


def declare_professional(user, declared: Professional) -> Professional:
    """Save ``declared`` (the identity as typed, not saved yet) as ``user``'s professional identity. An entry
    with the same idNat is reused (its fields updated) unless another account already holds it. An entry of
    the RPPS extract is checked against what was typed: the name must be the extract's, and the extract's
    identity fields stay as imported (only what the professional declares is updated)."""
    User = get_user_model()  # accounts sits above directory: no import of accounts here
    typed = f"{declared.id_type}{declared.national_id}"
    stored = Professional.objects.filter(pk=declared.pk).first() if declared.pk else None
    if stored is not None and stored.source == "rpps" and stored.idnat != typed:
        raise ActionError(
            "Le numéro d'une fiche de l'extrait RPPS ne se modifie pas : si ce n'est pas le vôtre, écrivez à "
            "l'administrateur de la plateforme.",
            "national_id",
        )
    # The entry holding the number typed: another one, or the user's own (its stored row, not the form's).
    existing = Professional.objects.filter(idnat=typed).first()
    if existing is not None and User.objects.filter(professional=existing).exclude(pk=user.pk).exists():
        raise ActionError("Ce numéro est déjà rattaché au compte d'un autre utilisateur.", "national_id")
    from_extract = existing is not None and existing.source == "rpps"
    if from_extract and not _same_person(declared, existing):
        raise ActionError(
            "Le nom saisi ne correspond pas à celui que l'annuaire RPPS associe à ce numéro : vérifiez le "
            "numéro, ou connectez-vous avec Pro Santé Connect.",
            "last_name",
        )
    pro = declared
    try:
        with transaction.atomic():
            if existing is not None:
                for field in DECLARED_FIELDS:
                    if not (from_extract and field in EXTRACT_FIELDS):
                        setattr(existing, field, getattr(declared, field))
                pro = existing
            pro.full_clean()
            pro.save()
            User.objects.filter(pk=user.pk).update(professional=pro)
            record_bulk("update", User, [user.pk], ["professional"])
    except ValidationError as exc:
        raise InvalidFields(exc.message_dict) from exc
    except IntegrityError:
        raise ActionError("Ce numéro est déjà utilisé.", "national_id") from None
    user.professional = pro
    return pro


@transaction.atomic
def add_practice_place(professional: Professional, place: PracticePlace, commune_insee: str) -> PracticePlace:
    """Add ``place`` (as typed, not saved yet) to ``professional``'s practice places, in a known commune whose
    postal codes include the one typed; located at the best precision held."""
    commune = Commune.objects.filter(insee=commune_insee.strip().upper()).first()
    if commune is None:
        raise ActionError(f"Commune inconnue : « {commune_insee} ».", "commune_insee")
    if place.postal_code and not commune.postal_codes.filter(code=place.postal_code).exists():
        raise ActionError(
            f"Le code postal {place.postal_code} ne correspond pas à {commune.name}.", "postal_code"
        )
    place.professional, place.commune = professional, commune
    place.locate()
    place.save()
    return place


@transaction.atomic
def delete_practice_place(professional_id: int | None, place_id: int) -> None:
    """Delete one of the places of ``professional_id`` (the user's own identity)."""
    place = PracticePlace.objects.filter(pk=place_id, professional=professional_id).first()
    if place is None:
        raise ActionError("Lieu introuvable.")
    place.delete()


def claim_extract_entry(user, national_id: str) -> Professional:
    """Link ``user`` to the entry of the RPPS extract holding ``national_id`` (an 11-digit RPPS or a 9-digit
    ADELI), checked against the directory: the entry must come from the extract, bear the account's name and
    be held by no other account. A claim, not a proof (accounts/psc.py proves a link by a Pro Santé Connect
    login)."""
    User = get_user_model()
    digits = identifiers.clean_digits(national_id or "")
    try:
        if len(digits) == 11:
            idnat = "8" + identifiers.validate_rpps(digits)
        else:
            idnat = "0" + identifiers.validate_adeli(digits)
    except ValidationError as exc:
        raise ActionError(exc.messages[0], "national_id") from None
    entry = Professional.objects.filter(idnat=idnat, source="rpps", active=True).first()
    if entry is None:
        raise ActionError(
            "Ce numéro n'est pas dans l'annuaire des professionnels de santé (extrait RPPS importé) : "
            "vérifiez-le, ou connectez-vous avec Pro Santé Connect.",
            "national_id",
        )
    if normalize(user.last_name or "") != normalize(entry.last_name):
        raise ActionError(
            "Le nom du compte ne correspond pas à celui que l'annuaire associe à ce numéro.", "national_id"
        )
    with transaction.atomic():
        taken = User.objects.select_for_update().filter(professional=entry).exclude(pk=user.pk).exists()
        if taken:
            raise ActionError("Ce numéro est déjà rattaché au compte d'un autre utilisateur.", "national_id")
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(professional=entry)
        except IntegrityError:  # claimed by another account at the same moment
            raise ActionError(
                "Ce numéro est déjà rattaché au compte d'un autre utilisateur.", "national_id"
            ) from None
        record_bulk("update", User, [user.pk], ["professional"])
    user.professional = entry
    return entry
