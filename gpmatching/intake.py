"""Requests for a médecin traitant coming in: from the public form, from a member for a patient, from an
imported list. Validation with French messages, the reference number, e-mail confirmation of public requests,
and the detection and merging of duplicates of one person (same NIR, or same names and birth date).

Every function validates everything before writing and writes in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

from audit.log import record_bulk
from cpts.models import CPTS, TerritoryCommune
from cpts.scoping import scoped
from gpmatching import priority
from gpmatching.models import NoGPReason, Request, RequestEvent
from opencpts.errors import ActionError
from territory.models import Commune
from territory.text import normalize

CONSENT_TEXT_VERSION = "mt-2026-12"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
CONFIRMATION_DAYS = 7
FLAGS = ("ald", "c2s", "ame", "disability", "pregnancy", "chronic", "home_visits")
PHONE_RE = re.compile(r"^(?:\+33|0033|0)[1-9]\d{8}$")
MAX_AGE = 120


@dataclass
class Intake:
    """The outcome of a submission: the request the person is in, whether it merged into an existing one, and
    for a public request the confirmation token to e-mail (never stored in clear)."""

    request: Request
    merged: bool = False
    token: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_reference(today: dt.date) -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"MT-{today.year}-{code}"


def identity_key(last_name: str, first_name: str, birth_date: dt.date | None) -> str:
    if not birth_date:
        return ""
    return f"{normalize(last_name)}|{normalize(first_name)}|{birth_date.isoformat()}"[:120]


def clean_phone(value: str) -> str:
    phone = re.sub(r"[\s.\-()]", "", value or "")
    if phone and not PHONE_RE.match(phone):
        raise ActionError(
            "Numéro de téléphone invalide : 10 chiffres (06 12 34 56 78) ou +33 suivi de 9 chiffres.", "phone"
        )
    return phone


def clean_nir(value: str, birth_date: dt.date | None) -> str:
    nir = re.sub(r"\s", "", value or "").upper()
    if not nir:
        return ""
    try:
        nir = stdnum_nir.validate(nir)
    except StdnumError as exc:
        raise ActionError(
            "Numéro de sécurité sociale invalide : 15 caractères dont une clé de contrôle correcte "
            "(13 chiffres + 2 de clé).",
            "nir",
        ) from exc
    if birth_date:
        year, month = nir[1:3], int(nir[3:5])
        if year != f"{birth_date.year % 100:02d}" or (1 <= month <= 12 and month != birth_date.month):
            raise ActionError(
                "Le numéro de sécurité sociale ne correspond pas à la date de naissance (année et mois "
                "de naissance en 2e à 5e chiffres).",
                "nir",
            )
    return nir


def clean_birth_date(value, today: dt.date) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise ActionError("La date de naissance est obligatoire (jour, mois, année).", "birth_date")
    if value > today:
        raise ActionError("Date de naissance impossible : elle est dans le futur.", "birth_date")
    if (
        today.year - value.year - ((today.month, today.day) < (value.month, value.day)) > MAX_AGE
    ):  # age in whole years
        raise ActionError(f"Date de naissance impossible : plus de {MAX_AGE} ans.", "birth_date")
    return value


def territory_commune(cpts: CPTS, commune) -> Commune:
    """The commune, which must belong to the CPTS's territory (arrondissements count for their city)."""
    if isinstance(commune, str):
        code = commune.strip()
        commune = Commune.objects.filter(insee=code).first() if code else None
        if commune is None:
            raise ActionError(
                f"Commune inconnue : « {code} » n'est pas un code INSEE de commune."
                if code
                else "La commune est obligatoire.",
                "commune",
            )
    if commune is None:
        raise ActionError("La commune est obligatoire.", "commune")
    codes = {commune.insee} | ({commune.parent_id} if commune.parent_id else set())
    if not scoped(TerritoryCommune, cpts).filter(commune_id__in=codes).exists():
        other = TerritoryCommune.objects.filter(commune_id__in=codes).select_related("cpts").first()
        where = f" Elle relève de la {other.cpts.name}." if other else ""
        raise ActionError(f"{commune.name} n'est pas dans le territoire de la {cpts.name}.{where}", "commune")
    return commune


def clean(cpts: CPTS, data: dict, *, public: bool, today: dt.date) -> dict:
    """The validated fields of a request, or ActionError naming the first problem."""
    out: dict = _clean_names(data)
    out["birth_date"] = clean_birth_date(data.get("birth_date"), today)
    out["nir"] = clean_nir(str(data.get("nir") or ""), out["birth_date"])
    out |= _clean_contact(data, public=public)
    out["commune"] = territory_commune(cpts, data.get("commune"))
    for flag in FLAGS:
        out[flag] = bool(data.get(flag))
    out["reason"] = _clean_reason(data, public=public)
    out["comment"] = " ".join(str(data.get("comment") or "").split())[:500]
    if not data.get("consent"):
        raise ActionError(
            "Votre accord au traitement de ces informations est nécessaire pour vous inscrire."
            if public
            else "Confirmez que le patient a donné son accord à son inscription.",
            "consent",
        )
    return out


def _clean_names(data: dict) -> dict:
    out = {}
    for field, label in (("last_name", "Le nom"), ("first_name", "Le prénom")):
        value = " ".join(str(data.get(field) or "").split())
        if not value:
            raise ActionError(f"{label} est obligatoire.", field)
        if len(value) > 100:
            raise ActionError(f"{label} est trop long (100 caractères au plus).", field)
        out[field] = value
    return out


def _clean_contact(data: dict, *, public: bool) -> dict:
    """E-mail, phone and address; at least one way to reach the person (the address does not count for a
    public request)."""
    out = {"email": str(data.get("email") or "").strip().lower()}
    if out["email"]:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(out["email"])
        except ValidationError as exc:
            raise ActionError("Adresse e-mail invalide.", "email") from exc
    out["phone"] = clean_phone(str(data.get("phone") or ""))
    out["address"] = " ".join(str(data.get("address") or "").split())[:200]
    if not out["email"] and not out["phone"] and (public or not out["address"]):
        raise ActionError(
            "Indiquez au moins un moyen de vous joindre : téléphone ou e-mail."
            if public
            else "Indiquez au moins un moyen de joindre le patient : téléphone, e-mail ou adresse.",
            "phone",
        )
    return out


def _clean_reason(data: dict, *, public: bool) -> str:
    reason = str(data.get("reason") or "")
    if reason and reason not in NoGPReason.values:
        raise ActionError("Raison inconnue.", "reason")
    if public and not reason:
        raise ActionError("Dites-nous pourquoi vous n'avez pas de médecin traitant.", "reason")
    return reason


def find_duplicate(cpts: CPTS, fields: dict, exclude_pk: int | None = None) -> Request | None:
    """An open, confirmed request of the same person: same NIR, or same names and birth date."""
    key = identity_key(fields["last_name"], fields["first_name"], fields["birth_date"])
    qs = scoped(Request, cpts).filter(status__in=Request.QUEUED).exclude(pk=exclude_pk)
    if fields.get("nir"):
        found = qs.filter(nir=fields["nir"]).first()
        if found:
            return found
    return qs.filter(identity_key=key).order_by("pk").first()


def _merge_into(target: Request, fields: dict, *, by, detail: str) -> Request:
    """The newer submission completes the existing request: situations are added, newer contact details kept,
    the waiting time counted from the oldest."""
    changed = []
    for flag in FLAGS:
        if fields.get(flag) and not getattr(target, flag):
            setattr(target, flag, True)
            changed.append(flag)
    for field in ("email", "phone", "address", "nir", "reason"):
        if fields.get(field) and fields[field] != getattr(target, field):
            setattr(target, field, fields[field])
            changed.append(field)
    if fields.get("comment") and fields["comment"] not in target.comment:
        target.comment = f"{target.comment} / {fields['comment']}".strip(" /")[:500]
        changed.append("comment")
    if fields.get("commune") and fields["commune"].pk != target.commune_id:
        target.commune = fields["commune"]
        target.latitude, target.longitude = fields["commune"].latitude, fields["commune"].longitude
        changed.append("commune")
    since = fields.get("waiting_since")
    if since and since < target.waiting_since:
        target.waiting_since = since
        changed.append("waiting_since")
    priority.apply(target, priority.policy_for(target.cpts))
    target.save()
    RequestEvent.objects.create(
        cpts=target.cpts,
        request=target,
        kind=RequestEvent.Kind.MERGED,
        actor=by,
        detail=(detail + (f" ; complété : {', '.join(changed)}" if changed else ""))[:500],
    )
    return target


def _insert(
    cpts: CPTS, fields: dict, *, source: str, status: str, by, now: dt.datetime, token_hash: str = ""
) -> Request:
    today = timezone.localdate(now)
    commune = fields["commune"]
    request = Request(
        cpts=cpts,
        source=source,
        status=status,
        created_by=by,
        consent_at=now,
        consent_text=CONSENT_TEXT_VERSION,
        waiting_since=fields.pop("waiting_since", None) or today,
        latitude=commune.latitude,
        longitude=commune.longitude,
        identity_key=identity_key(fields["last_name"], fields["first_name"], fields["birth_date"]),
        confirmation_token_hash=token_hash,
        confirmed_at=None if status == Request.Status.UNCONFIRMED else now,
        **fields,
    )
    priority.apply(request, priority.policy_for(cpts), today)
    for _ in range(5):
        request.reference = new_reference(today)
        try:
            with transaction.atomic():
                request.save()
            break
        except IntegrityError:
            if Request.objects.filter(reference=request.reference).exists():
                continue
            raise
    RequestEvent.objects.create(
        cpts=cpts,
        request=request,
        kind=RequestEvent.Kind.CREATED,
        actor=by,
        detail=Request.Source(source).label,
    )
    return request


@transaction.atomic
def submit_public(cpts: CPTS, data: dict, now: dt.datetime | None = None) -> Intake:
    """A request from the public form: kept unconfirmed until the e-mail link is followed (or the coordination
    confirms it by phone when only a phone number was given). Duplicates are merged at confirmation, so that a
    stranger cannot change someone's request, nor learn that it exists."""
    now = now or timezone.now()
    fields = clean(cpts, data, public=True, today=timezone.localdate(now))
    token = secrets.token_urlsafe(32) if fields["email"] else ""
    request = _insert(
        cpts,
        fields,
        source=Request.Source.PUBLIC,
        status=Request.Status.UNCONFIRMED,
        by=None,
        now=now,
        token_hash=_hash(token) if token else "",
    )
    return Intake(request=request, token=token)


@transaction.atomic
def submit_for_patient(
    cpts: CPTS, data: dict, by, source: str = Request.Source.MEMBER, now: dt.datetime | None = None
) -> Intake:
    """A request entered by a member (or imported): confirmed at once; a duplicate completes the existing
    one."""
    now = now or timezone.now()
    fields = clean(cpts, data, public=False, today=timezone.localdate(now))
    if data.get("waiting_since"):
        fields["waiting_since"] = data["waiting_since"]
    existing = find_duplicate(cpts, fields)
    if existing is not None:
        Request.objects.select_for_update().filter(pk=existing.pk).first()
        label = Request.Source(source).label.lower()
        return Intake(
            _merge_into(existing, fields, by=by, detail=f"Nouvelle inscription ({label})"), merged=True
        )
    return Intake(_insert(cpts, fields, source=source, status=Request.Status.WAITING, by=by, now=now))


def _confirm(request: Request, by, now: dt.datetime, how: str) -> Intake:
    fields = {
        f: getattr(request, f)
        for f in (
            "last_name",
            "first_name",
            "birth_date",
            "nir",
            "email",
            "phone",
            "address",
            "commune",
            "reason",
            "comment",
            "waiting_since",
            *FLAGS,
        )
    }
    existing = find_duplicate(request.cpts, fields, exclude_pk=request.pk)
    if existing is not None:
        Request.objects.select_for_update().filter(pk=existing.pk).first()
        target = _merge_into(existing, fields, by=by, detail=f"Doublon {request.reference} ({how})")
        # The duplicate keeps its reference as an alias, without personal data (health situation included: the
        # target has it now).
        merged = dict(
            status=Request.Status.MERGED,
            merged_into=target,
            confirmed_at=now,
            closed_at=now,
            confirmation_token_hash="",
            last_name="",
            first_name="",
            birth_date=None,
            nir="",
            email="",
            phone="",
            address="",
            comment="",
            identity_key="",
            reason="",
            priority=0,
            priority_reasons=[],
            **dict.fromkeys(FLAGS, False),
        )
        Request.objects.filter(pk=request.pk).update(**merged)
        record_bulk("update", Request, [request.pk], merged, cpts_id=request.cpts_id)
        RequestEvent.objects.create(
            cpts=request.cpts,
            request=request,
            kind=RequestEvent.Kind.MERGED,
            actor=by,
            detail=f"Fusionnée dans {target.reference}",
        )
        return Intake(target, merged=True)
    Request.objects.filter(pk=request.pk).update(
        status=Request.Status.WAITING, confirmed_at=now, confirmation_token_hash=""
    )
    record_bulk(
        "update",
        Request,
        [request.pk],
        ["status", "confirmed_at", "confirmation_token_hash"],
        cpts_id=request.cpts_id,
    )
    RequestEvent.objects.create(
        cpts=request.cpts, request=request, kind=RequestEvent.Kind.CONFIRMED, actor=by, detail=how
    )
    request.refresh_from_db()
    return Intake(request)


@transaction.atomic
def confirm_by_token(token: str, now: dt.datetime | None = None) -> Intake:
    now = now or timezone.now()
    request = (
        Request.objects.select_for_update()
        .select_related("cpts")
        .filter(confirmation_token_hash=_hash(token or ""), status=Request.Status.UNCONFIRMED)
        .first()
        if token
        else None
    )
    if request is None:
        raise ActionError(
            "Ce lien de confirmation n'est pas valable : il a déjà servi ou la demande n'existe plus."
        )
    if request.created_at < now - dt.timedelta(days=CONFIRMATION_DAYS):
        raise ActionError(
            f"Ce lien de confirmation a expiré ({CONFIRMATION_DAYS} jours). Déposez une nouvelle demande."
        )
    return _confirm(request, None, now, "lien reçu par e-mail")


@transaction.atomic
def confirm_by_coordinator(request: Request, by, now: dt.datetime | None = None) -> Intake:
    now = now or timezone.now()
    request = Request.objects.select_for_update().select_related("cpts").get(pk=request.pk)
    if request.status != Request.Status.UNCONFIRMED:
        raise ActionError("Cette demande est déjà confirmée.")
    return _confirm(request, by, now, "confirmée par la coordination (téléphone)")


@transaction.atomic
def withdraw(request: Request, by, reason: str) -> Request:
    request = Request.objects.select_for_update().get(pk=request.pk)
    if request.status not in Request.OPEN:
        raise ActionError("Cette demande n'est plus en cours.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ActionError(
            "Indiquez pourquoi la demande est retirée (médecin trouvé par ailleurs, déménagement...).",
            "reason",
        )
    from gpmatching.models import Proposal

    pending = Proposal.objects.filter(request=request, status__in=Proposal.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    if ids:
        pending.update(status=Proposal.Status.DISCARDED)
        record_bulk("update", Proposal, ids, ["status"], cpts_id=request.cpts_id)
    request.status, request.closed_at = Request.Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "closed_at"])
    RequestEvent.objects.create(
        cpts=request.cpts, request=request, kind=RequestEvent.Kind.WITHDRAWN, actor=by, detail=reason[:500]
    )
    return request
