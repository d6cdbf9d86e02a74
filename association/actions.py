"""The write paths of the association of a project (lifecycle.md §5). Each writes in one transaction, with
the project's row locked; the rows are audited by the model signals (instance chain: the project has no CPTS
yet, or its CPTS's chain once converted for what reaches the CPTS) and each decision by an explicit entry.

- ``save_statutes``: the choices of the statuts and their collèges (rules.py checks them);
- ``save_rules``: the articles of the règlement intérieur;
- ``add_founder``, ``add_porteurs_as_founders``, ``remove_founder``: the founding members;
- ``save_convocation``, ``save_minutes``: the AG constitutive, its convocation then its PV;
- ``record_legal_entity``: RNA, SIRET, publication at the JOAFE; moves the project to the stage
  « association créée » and, once the project is the CPTS, carries SIRET and date into it;
- ``carry_into_cpts``: the receiver of ``projects.signals.project_converted`` (connected in apps.py).
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from association import rules
from association.models import (
    BureauRole,
    College,
    CollegeKind,
    ConstitutiveAssembly,
    FoundingMember,
    LegalEntity,
    RuleItem,
    Statutes,
)
from audit.log import record
from cpts.models import CPTS
from directory import identifiers
from opencpts.errors import ActionError
from projects import access
from projects.actions import set_stage
from projects.dossiers import territory_text
from projects.models import ORDER, Project, Stage

RNA = re.compile(r"W\d{9}")
MAX_FOUNDERS = 300


def _lock(project: Project) -> Project:
    """Locked, and refused once the project is its CPTS: the CPTS's identifiers change in its settings."""
    return access.lock_open(project)


def _decision(obj, project: Project, decision: str, **details) -> None:
    record("decision", obj=obj, details={"decision": decision, "project_id": project.pk, **details})


# --- Statuts -----------------------------------------------------------------------------------------------


def initial_statutes(project: Project) -> dict:
    """The statuts pre-filled from the project: its name as « Communauté Professionnelle Territoriale de
    Santé … », the objet citing L1434-12 and the ACI missions, its communes as territory, three collèges."""
    place = re.sub(
        r"^\s*(CPTS|Communaut[ée] professionnelle territoriale de santé)\s+", "", project.name, flags=re.I
    )
    return {
        "name": f"{rules.FULL_NAME} {place}".strip(),
        "short_name": f"CPTS {place}".strip(),
        "seat_address": "",
        "purpose": rules.PURPOSE,
        "duration_years": None,
        "territory": territory_text(project),
        "territory_in_rules": False,
        "board_mandate_years": 3,
        "bureau_roles": list(rules.DEFAULT_BUREAU),
        "ag_quorum_percent": 25,
        "ag_majority": "simple",
        "extraordinary_majority": "deux_tiers",
        "proxies_per_member": 2,
        "resources": rules.RESOURCES,
        "dissolution_beneficiary": rules.DISSOLUTION,
        "colleges": [dict(c) for c in rules.DEFAULT_COLLEGES],
    }


def _sync_colleges(statutes: Statutes, colleges: list[dict]) -> None:
    existing = {c.pk: c for c in statutes.colleges.all()}
    kept = set()
    for position, row in enumerate(colleges):
        college = existing.get(int(row["id"])) if str(row.get("id") or "").isdigit() else None
        college = college or College(statutes=statutes)
        for field in ("kind", "name", "members_desc", "voting", "board_seats", "dues"):
            setattr(college, field, row[field])
        college.position = position
        if college.pk:
            kept.add(college.pk)
        college.save()
    for pk, college in existing.items():
        if pk not in kept:
            college.delete()  # its founders keep their row, without a collège (the documents say so)


@transaction.atomic
def save_statutes(project: Project, data: dict, colleges: list[dict], by) -> Statutes:
    """Keep the choices of the statuts (a draft: blanks allowed, listed when a document is asked for)."""
    project = _lock(project)
    fields = rules.clean_statutes(data)
    rows = rules.clean_colleges(colleges, len(fields["bureau_roles"]))
    statutes = Statutes.objects.filter(project=project).first() or Statutes(project=project)
    for name, value in fields.items():
        setattr(statutes, name, value)
    statutes.updated_by = by
    statutes.save()
    try:
        with transaction.atomic():
            # Renamed collèges may swap names: free them first, then write the final ones.
            for college in statutes.colleges.all():
                college.name = f"__{college.pk}"
                college.save(update_fields=["name"])
            _sync_colleges(statutes, rows)
    except IntegrityError:
        raise ActionError("Deux collèges portent le même nom.", "colleges") from None
    _decision(statutes, project, "statutes_saved", colleges=len(rows))
    return statutes


def _statutes_or_refuse(project: Project) -> Statutes:
    statutes = Statutes.objects.filter(project=project).first()
    if statutes is None:
        raise ActionError("Enregistrez d'abord les choix des statuts (dénomination, collèges, bureau).")
    return statutes


@transaction.atomic
def save_rules(project: Project, items: list[dict], by) -> list[RuleItem]:
    """Replace the articles of the règlement intérieur (blank lines dropped)."""
    project = _lock(project)
    statutes = _statutes_or_refuse(project)
    rows = []
    for i, item in enumerate(items, 1):
        title = str(item.get("title") or "").strip()
        text = str(item.get("text") or "").strip()
        if not title and not text:
            continue
        if not title or not text:
            raise ActionError(f"Article n° {i} : indiquez son titre et son texte.", "items")
        if len(title) > 200 or len(text) > rules.TEXT_LIMIT:
            raise ActionError(f"Article n° {i} : titre de 200 caractères, texte de 10 000 au plus.", "items")
        rows.append((title, text))
    if len(rows) > 40:
        raise ActionError("40 articles au plus.", "items")
    for item in statutes.rule_items.all():
        item.delete()
    created = [
        RuleItem.objects.create(statutes=statutes, position=i, title=t, text=x)
        for i, (t, x) in enumerate(rows)
    ]
    _decision(statutes, project, "rules_saved", items=len(created))
    return created


# --- Founding members --------------------------------------------------------------------------------------


def _college(project: Project, college_id) -> College | None:
    if college_id in (None, ""):
        return None
    college = College.objects.filter(statutes__project=project, pk=college_id).first()
    if college is None:
        raise ActionError("Choisissez un collège des statuts.", "college")
    return college


def _create_founder(project: Project, by, **fields) -> FoundingMember:
    if project.founding_members.count() >= MAX_FOUNDERS:
        raise ActionError(f"{MAX_FOUNDERS} membres fondateurs au plus.")
    if project.founding_members.filter(name__iexact=fields["name"]).exists():
        raise ActionError(f"{fields['name']} est déjà membre fondateur.", "name")
    return FoundingMember.objects.create(project=project, added_by=by, **fields)


@transaction.atomic
def add_founder(
    project: Project, by, *, name: str, profession: str, college_id=None, address: str = ""
) -> FoundingMember:
    project = _lock(project)
    name, profession, address = (str(v or "").strip() for v in (name, profession, address))
    if not name:
        raise ActionError("Indiquez le nom du membre fondateur.", "name")
    if not profession:
        raise ActionError(
            "Indiquez sa profession ou sa qualité (par exemple « Infirmière libérale »).", "profession"
        )
    if len(name) > 200 or len(profession) > 200 or len(address) > 300:
        raise ActionError("Nom et profession : 200 caractères au plus ; adresse : 300.", "name")
    founder = _create_founder(
        project, by, name=name, profession=profession, college=_college(project, college_id), address=address
    )
    _decision(founder, project, "founder_added")
    return founder


def _address_of(user) -> str:
    pro = user.professional
    place = pro.places.filter(active=True).select_related("commune").first() if pro else None
    if place is None:
        return ""
    town = " ".join(p for p in (place.postal_code, place.commune.name if place.commune else "") if p)
    parts = [place.address, town]
    return ", ".join(p for p in parts if p)[:300]


@transaction.atomic
def add_porteurs_as_founders(project: Project, by) -> list[FoundingMember]:
    """The porteurs and co-porteurs not yet founding members, with their profession and address from the
    directory; in the libéraux collège when they are health professionals and the statuts have one."""
    project = _lock(project)
    liberal = College.objects.filter(statutes__project=project, kind=CollegeKind.LIBERAL).first()
    known = set(project.founding_members.exclude(user=None).values_list("user_id", flat=True))
    names = {n.lower() for n in project.founding_members.values_list("name", flat=True)}
    added = []
    for member in project.porteurs.select_related("user__professional"):
        user = member.user
        name = (user.get_full_name() or user.email)[:200]
        if user.pk in known or name.lower() in names:
            continue
        pro = user.professional
        added.append(
            _create_founder(
                project,
                by,
                user=user,
                name=name,
                profession=(pro.profession_title if pro else "") or member.get_role_display() + " du projet",
                college=liberal if pro else None,
                address=_address_of(user),
            )
        )
    _decision(project, project, "porteurs_added_as_founders", added=len(added))
    return added


@transaction.atomic
def set_founder_college(project: Project, founder_id: int, college_id) -> FoundingMember:
    project = _lock(project)
    founder = project.founding_members.filter(pk=founder_id).first()
    if founder is None:
        raise ActionError("Ce membre fondateur n'existe pas.")
    founder.college = _college(project, college_id)
    founder.save(update_fields=["college"])
    _decision(founder, project, "founder_college_set", college_id=founder.college_id)
    return founder


@transaction.atomic
def remove_founder(project: Project, founder_id: int) -> None:
    project = _lock(project)
    founder = project.founding_members.filter(pk=founder_id).first()
    if founder is None:
        raise ActionError("Ce membre fondateur n'existe pas.")
    if _minutes_recorded(project):
        raise ActionError(
            "Le PV de l'AG constitutive est enregistré : la liste des fondateurs ne change plus."
        )
    founder.delete()
    _decision(project, project, "founder_removed", founder_id=founder_id)


# --- AG constitutive ---------------------------------------------------------------------------------------


def _minutes_recorded(project: Project) -> bool:
    return ConstitutiveAssembly.objects.filter(project=project, minutes_recorded_at__isnull=False).exists()


@transaction.atomic
def save_convocation(
    project: Project, data: dict, by, *, today: dt.date | None = None
) -> ConstitutiveAssembly:
    """Date, time, place and agenda of the AG constitutive, and the day the convocation was sent."""
    project = _lock(project)
    today = today or timezone.localdate()
    held_on, convened_on = data.get("held_on"), data.get("convened_on")
    place = str(data.get("place") or "").strip()
    agenda = "\n".join(line.strip() for line in str(data.get("agenda") or "").splitlines() if line.strip())
    if len(place) > 300 or len(agenda) > rules.TEXT_LIMIT:
        raise ActionError("Lieu : 300 caractères au plus ; ordre du jour : 10 000.", "place")
    if convened_on and convened_on > today:
        raise ActionError("La convocation ne peut pas avoir été envoyée dans le futur.", "convened_on")
    if convened_on and held_on and convened_on > held_on:
        raise ActionError("La convocation s'envoie avant l'assemblée.", "convened_on")
    if held_on and not dt.date(2000, 1, 1) <= held_on <= today + dt.timedelta(days=730):
        raise ActionError("Date de l'assemblée invraisemblable.", "held_on")
    assembly = ConstitutiveAssembly.objects.filter(project=project).first()
    assembly = assembly or ConstitutiveAssembly(project=project)
    if assembly.minutes_recorded_at:
        raise ActionError("Le PV de l'AG constitutive est enregistré : sa convocation ne change plus.")
    assembly.held_on, assembly.held_at, assembly.place = held_on, data.get("held_at"), place
    assembly.agenda, assembly.convened_on, assembly.updated_by = agenda, convened_on, by
    assembly.save()
    _decision(assembly, project, "convocation_saved", convened=bool(convened_on))
    return assembly


def _check_votes(assembly: ConstitutiveAssembly, voters: int) -> None:
    votes = [assembly.votes_for, assembly.votes_against, assembly.abstentions]
    if any(v is None for v in votes):
        raise ActionError(
            "Indiquez les voix pour, contre et les abstentions sur les statuts (0 si aucune).", "votes_for"
        )
    if sum(votes) > voters:
        raise ActionError(
            f"{sum(votes)} voix exprimées ou abstentions pour {voters} fondateurs présents ou représentés : "
            "vérifiez les nombres.",
            "votes_for",
        )


def _apply_roles(project: Project, statutes: Statutes | None, founders: dict[int, dict]) -> tuple[int, dict]:
    """Attendance, elections and bureau roles of each founder; (elected, {role: founder})."""
    allowed = set(statutes.bureau_roles) if statutes else set(BureauRole.values)
    roles, elected, changes = {}, 0, []
    for founder in project.founding_members.select_for_update():
        row = founders.get(founder.pk, {})
        attendance = row.get("attendance", "") or ""
        if attendance not in FoundingMember.Attendance.values:
            raise ActionError(f"{founder.name} : présence inconnue.", "founders")
        role = row.get("bureau_role", "") or ""
        if role and role not in allowed:
            raise ActionError(
                f"{founder.name} : cette fonction n'existe pas dans le bureau des statuts.", "founders"
            )
        if role in roles:
            raise ActionError(f"Deux fondateurs sont élus {BureauRole(role).label.lower()}.", "founders")
        if role:
            roles[role] = founder
        on_board = bool(row.get("elected_to_board")) or bool(role)  # the bureau is elected within the CA
        elected += on_board
        changes.append((founder, attendance, role, on_board))
    for founder, *_ in changes:  # roles freed first: two founders may swap theirs
        if founder.bureau_role:
            founder.bureau_role = ""
            founder.save(update_fields=["bureau_role"])
    for founder, attendance, role, on_board in changes:
        founder.attendance, founder.bureau_role, founder.elected_to_board = attendance, role, on_board
        founder.save(update_fields=["attendance", "bureau_role", "elected_to_board"])
    return elected, roles


@transaction.atomic
def save_minutes(
    project: Project, data: dict, founders: dict[int, dict], by, *, today=None
) -> ConstitutiveAssembly:
    """The PV of the AG constitutive: who chaired, attendance of each founder, the vote on the statuts, the
    conseil d'administration and the bureau elected, the other resolutions."""
    project = _lock(project)
    today = today or timezone.localdate()
    assembly = ConstitutiveAssembly.objects.filter(project=project).first()
    if assembly is None or assembly.held_on is None:
        raise ActionError("Enregistrez d'abord la date et le lieu de l'AG constitutive (convocation).")
    if assembly.held_on > today:
        raise ActionError(f"L'AG est prévue le {assembly.held_on:%d/%m/%Y} : son PV s'écrit une fois tenue.")
    for field in ("chaired_by", "secretary_name"):
        setattr(assembly, field, str(data.get(field) or "").strip()[:200])
    assembly.resolutions = "\n".join(
        line.strip() for line in str(data.get("resolutions") or "").splitlines() if line.strip()
    )[: rules.TEXT_LIMIT]
    for field in ("votes_for", "votes_against", "abstentions"):
        value = data.get(field)
        setattr(
            assembly, field, None if value in (None, "") else rules.number(value, "Voix", field, 0, 10_000)
        )
    statutes = Statutes.objects.filter(project=project).first()
    elected, roles = _apply_roles(project, statutes, founders)
    voters = project.founding_members.filter(
        attendance__in=[FoundingMember.Attendance.PRESENT, FoundingMember.Attendance.REPRESENTED]
    ).count()
    _check_votes(assembly, voters)
    seats = rules.seats_of(statutes.colleges.all()).total if statutes else 0
    if seats and elected > seats:
        raise ActionError(
            f"{elected} administrateurs élus pour {seats} sièges au conseil d'administration.", "founders"
        )
    if BureauRole.PRESIDENT not in roles:
        raise ActionError("Indiquez le président élu.", "founders")
    assembly.minutes_recorded_at = assembly.minutes_recorded_at or timezone.now()
    assembly.updated_by = by
    assembly.save()
    _decision(assembly, project, "minutes_recorded", elected=elected, voters=voters)
    return assembly


# --- The legal entity --------------------------------------------------------------------------------------


def clean_rna(value: str) -> str:
    number = re.sub(r"[\s.\-]", "", value or "").upper()
    if not RNA.fullmatch(number):
        raise ActionError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres (par exemple W294001234), tel qu'il figure sur le "
            "récépissé de déclaration.",
            "rna",
        )
    return number


def clean_siret(value: str) -> str:
    try:
        return identifiers.validate_siret(value)
    except ValidationError as exc:
        raise ActionError(exc.messages[0], "siret") from exc


def _check_siret_free(project: Project, siret: str) -> None:
    other = LegalEntity.objects.filter(siret=siret).exclude(project=project).select_related("project").first()
    if other is not None:
        raise ActionError(
            f"Ce SIRET est déjà celui de l'association du projet « {other.project.name} ».",
            "siret",
            conflict=True,
        )
    cpts = CPTS.objects.filter(siret=siret).exclude(pk=project.cpts_id).first()
    if cpts is not None:
        raise ActionError(f"Ce SIRET est déjà celui de la {cpts.name}.", "siret", conflict=True)


def _check_dates(
    project: Project, published_on: dt.date, declared_on: dt.date | None, today: dt.date
) -> None:
    if published_on is None:
        raise ActionError("Indiquez la date de publication au Journal officiel (JOAFE).", "published_on")
    if published_on > today:
        raise ActionError("La date de publication au JOAFE ne peut pas être dans le futur.", "published_on")
    if declared_on and declared_on > published_on:
        raise ActionError("La déclaration en préfecture précède la publication au JOAFE.", "declared_on")
    assembly = ConstitutiveAssembly.objects.filter(project=project).first()
    first = declared_on or published_on
    if assembly and assembly.held_on and first < assembly.held_on:
        raise ActionError(
            f"L'association est déclarée après son AG constitutive ({assembly.held_on:%d/%m/%Y}).",
            "declared_on" if declared_on else "published_on",
        )


@transaction.atomic
def record_legal_entity(
    project: Project, by, *, rna: str, siret: str, published_on: dt.date, declared_on: dt.date | None = None
) -> LegalEntity:
    """The association's identifiers. The project reaches « association créée » on the day of publication
    (unless it already has); once it is the CPTS, the CPTS's SIRET and date of creation follow."""
    project = _lock(project)
    rna, siret = clean_rna(rna), clean_siret(siret)
    _check_dates(project, published_on, declared_on, timezone.localdate())
    _check_siret_free(project, siret)
    if LegalEntity.objects.filter(rna=rna).exclude(project=project).exists():
        raise ActionError("Ce numéro RNA est déjà celui d'une autre association.", "rna", conflict=True)
    entity = LegalEntity.objects.filter(project=project).first() or LegalEntity(project=project)
    entity.rna, entity.siret, entity.published_on, entity.declared_on = rna, siret, published_on, declared_on
    entity.recorded_by = by
    try:
        with transaction.atomic():
            entity.save()
    except IntegrityError:  # another project recorded the same RNA or SIRET at the same moment
        raise ActionError(
            "Ce numéro RNA ou ce SIRET vient d'être enregistré pour une autre association.",
            "siret",
            conflict=True,
        ) from None
    moved = ORDER.index(project.stage) < ORDER.index(Stage.ASSOCIATION)
    if moved:
        try:
            set_stage(project, Stage.ASSOCIATION, published_on, by, f"RNA {rna}, SIRET {siret}")
        except ActionError as exc:
            raise ActionError(exc.message, "published_on") from exc
    if project.cpts_id:
        _carry(entity, project.cpts)
    _decision(entity, project, "legal_entity_recorded", stage_moved=moved, cpts_id=project.cpts_id)
    return entity


def _carry(entity: LegalEntity, cpts: CPTS) -> None:
    cpts = CPTS.objects.select_for_update().get(pk=cpts.pk)
    taken = CPTS.objects.filter(siret=entity.siret).exclude(pk=cpts.pk).first()
    if taken is not None:
        raise ActionError(f"Ce SIRET est déjà celui de la {taken.name}.", "siret", conflict=True)
    cpts.siret, cpts.founded_on = entity.siret, entity.published_on
    fields = ["siret", "founded_on"]
    statutes = Statutes.objects.filter(project_id=entity.project_id).first()
    if statutes and statutes.seat_address and not cpts.address:
        cpts.address = statutes.seat_address
        fields.append("address")
    cpts.save(update_fields=fields)
    record(
        "decision",
        obj=cpts,
        cpts_id=cpts.pk,
        details={
            "decision": "association_identifiers_carried",
            "project_id": entity.project_id,
            "fields": fields,
        },
    )


def carry_into_cpts(sender, project: Project, cpts: CPTS, by=None, **kwargs) -> None:
    """Receiver of ``projects.signals.project_converted``: the association's SIRET, its date of creation (of
    publication at the JOAFE) and its seat go into the new CPTS, in the conversion's transaction (a SIRET
    taken by another CPTS refuses the conversion)."""
    entity = LegalEntity.objects.filter(project=project).first()
    if entity is not None:
        _carry(entity, cpts)
