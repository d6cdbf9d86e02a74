"""The permission matrix, end to end.

* docs/PERMISSIONS.md is exactly what ``manage.py permission_matrix`` prints (the document cannot drift);
* every URL of the project is in ``cpts.roles.PAGE_ACCESS`` / ``API_ACCESS`` and in the request table below,
  so that a new URL cannot be added without deciding who may reach it;
* for every role of the standing cast (tests/cast.py), every page answers GET (and POST where accepted) with
  the status that roles.py implies: allowed -> 200/302, refused -> 403, anonymous -> redirect to the login;
* the JSON API likewise: allowed -> 200/201, refused -> 403, anonymous -> 401;
* a refused write (403, login redirect, 401) changes nothing in the database.

The expected statuses are computed from cpts/roles.py, never copied by hand: roles.py is the one source.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coordination import actions as coordination
from coordination.models import Consent, Group, GroupMember, Message, Patient
from cpts.models import CPTS, BureauPosition, Dues, Membership, MembershipRequest, PartnerStructure, TerritoryCommune
from cpts.permission_matrix import api_routes, page_routes, render_markdown
from cpts.roles import API_ACCESS, AUTHENTICATED, INSTANCE_ADMIN_PERMISSIONS, PAGE_ACCESS, PUBLIC, ROLE_PERMISSIONS, STAFF, Role
from directory.identifiers import rpps_with_key
from directory.models import PracticePlace
from territory.models import Commune
from tests.cast import PASSWORD, Cast, login

ROLES = ["instance_admin", "coordinator", "bureau", "member", "partner", "referent", "other_coordinator", "outsider",
         "anonymous"]
CPTS_MEMBERS = {"coordinator", "bureau", "member", "partner", "referent"}  # roles with a membership in cast.cpts

OK, LOGIN, FORBIDDEN = "ok", "login", "forbidden"


# --- What each role may do, from cpts/roles.py ---------------------------------------------------------------

def role_permissions(role: str) -> set[str]:
    """The permissions of ``role`` in cast.cpts."""
    if role == "instance_admin":
        return set(INSTANCE_ADMIN_PERMISSIONS)
    if role in Role.values:
        return set(ROLE_PERMISSIONS[role])
    return set()  # other_coordinator (coordinator elsewhere), outsider (no membership), anonymous


def verdict(rule: str, role: str) -> str:
    if rule == PUBLIC:
        return OK
    if role == "anonymous":
        return LOGIN
    if rule == AUTHENTICATED:
        return OK
    if rule == STAFF:
        return OK if role == "instance_admin" else FORBIDDEN
    return OK if rule in role_permissions(role) else FORBIDDEN


def test_doc_is_generated_from_roles():
    path = Path(settings.BASE_DIR) / "docs" / "PERMISSIONS.md"
    out = io.StringIO()
    call_command("permission_matrix", stdout=out)
    assert out.getvalue() == render_markdown()
    assert path.read_text(encoding="utf-8") == out.getvalue(), (
        "docs/PERMISSIONS.md est périmé : lancez `python manage.py permission_matrix --write`.")


def test_every_rule_is_known():
    from cpts.roles import ACCESS_RULE_LABELS, PERMISSIONS

    rules = [r for access in PAGE_ACCESS.values() for r in access.values()] + [r for _, r in API_ACCESS.values()]
    assert {r for r in rules if r not in PERMISSIONS} <= set(ACCESS_RULE_LABELS)
    assert all(m in ("GET", "POST") for access in PAGE_ACCESS.values() for m in access)


# --- The world the requests act on ------------------------------------------------------------------------

@dataclass
class World:
    cast: Cast
    member_membership: Membership
    request_to_accept: MembershipRequest
    request_to_refuse: MembershipRequest
    place: PracticePlace
    free_commune: str  # in no territory
    free_epci: str  # no commune in any territory
    cpts_commune: str  # in cast.cpts's territory
    coordination: "CoordinationWorld"

    @property
    def slug(self):
        return self.cast.cpts.slug


@dataclass
class CoordinationWorld:
    """Groups where the member (and, to manage, the coordinator) may act, and no other role of the cast."""
    colleague: User  # a professional of cast.cpts outside the cast, active in the circle
    circle: Group  # care circle initiated by the member, with a valid consent
    consent: Consent
    to_edit: Message
    to_delete: Message
    invited_to: Group  # the colleague's working group, the member invited
    to_close: Group  # the member's working group
    to_reopen: Group  # the member's closed working group


def coordination_world(cast) -> CoordinationWorld:
    colleague = User.objects.create_user("colleague@cast.test", PASSWORD, first_name="Cléo", last_name="Collègue")
    Membership.objects.create(cpts=cast.cpts, user=colleague, role=Role.MEMBER)
    patient = coordination.create_patient(cast.cpts, cast.member, family_name="MATRICE", given_names="Paul",
                                          birth_date=timezone.localdate().replace(year=1950, day=1))
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.invite(circle, cast.member, colleague)
    coordination.answer_invitation(circle, colleague, accept=True)
    consent = coordination.record_consent(circle, cast.member, collected_on=timezone.localdate(),
                                          method=Consent.Method.SIGNED_PAPER, scope="Partage dans le cercle")
    to_edit = coordination.post_message(circle, cast.member, "À modifier", subject="Sujet 1")
    to_delete = coordination.post_message(circle, cast.member, "À supprimer", subject="Sujet 2")
    invited_to = coordination.create_working_group(cast.cpts, colleague, "Groupe du collègue")
    coordination.invite(invited_to, colleague, cast.member)
    to_close = coordination.create_working_group(cast.cpts, cast.member, "Groupe à clôturer")
    to_reopen = coordination.create_working_group(cast.cpts, cast.member, "Groupe à rouvrir")
    coordination.close_group(to_reopen, cast.member)
    return CoordinationWorld(colleague, circle, consent, to_edit, to_delete, invited_to, to_close, to_reopen)


@pytest.fixture
def world(cast):
    applicants = [User.objects.create_user(f"applicant{i}@cast.test", PASSWORD, first_name="Anne", last_name=f"A{i}")
                  for i in (1, 2)]
    req1, req2 = (MembershipRequest.objects.create(cpts=cast.cpts, user=u, message="Bonjour") for u in applicants)
    place = PracticePlace.objects.create(professional=cast.member.professional, label="Cabinet",
                                         commune=Commune.objects.get(insee="01034"), postal_code="01300")
    return World(cast=cast, member_membership=Membership.objects.get(cpts=cast.cpts, user=cast.member),
                 request_to_accept=req1, request_to_refuse=req2, place=place, free_commune="01053",
                 free_epci=Commune.objects.get(insee="39300").epci_id, cpts_commune="01034",
                 coordination=coordination_world(cast))


def acting_user(cast: Cast, role: str) -> User | None:
    return cast.by_role()[role]


@pytest.fixture
def client_as(client, world):
    """A client logged in (password + TOTP, the real way) as the role of the test; anonymous: not logged in."""

    def make(role: str):
        user = acting_user(world.cast, role)
        if user is not None:
            login(client, user)
        return client, user

    return make


# --- Database snapshot -------------------------------------------------------------------------------------

SNAPSHOT_APPS = ("cpts", "coordination", "accounts", "directory", "territory", "aci", "audit", "otp_totp", "otp_static",
                 "nomenclature")
BIG_TABLE = 5000  # rows: big reference tables are fingerprinted per request, compared in full at the end


def _models():
    return [m for app in SNAPSHOT_APPS for m in apps.get_app_config(app).get_models()]


def snapshot(full: bool = False) -> dict:
    out = {}
    for model in _models():
        qs = model._default_manager.order_by("pk")
        count = qs.count()
        if full or count < BIG_TABLE:
            out[model._meta.label] = list(qs.values_list())
        else:
            last = qs.values_list("pk", flat=True).last()
            out[model._meta.label] = ("fingerprint", count, last)
    return out


def assert_unchanged(before: dict, after: dict, what: str):
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"{what}: refused, yet it changed {changed}"


@pytest.fixture
def reference_tables_unchanged(db, world):
    """Big reference tables (communes, postal codes...): compared in full once per test."""
    before = snapshot(full=True)
    yield
    after = snapshot(full=True)
    territory = [m._meta.label for m in apps.get_app_config("territory").get_models()]
    for label in territory:
        assert before[label] == after[label], f"{label} changed"


# --- The pages --------------------------------------------------------------------------------------------

Data = Callable[[World, str], dict]
Status = int | Callable[[str], int]


@dataclass
class Page:
    kwargs: Callable[[World], dict] = lambda w: {}
    query: dict = field(default_factory=dict)  # GET parameters
    data: Data | None = None  # POST data
    ok: dict[str, Status] = field(default_factory=lambda: {"GET": 200, "POST": 302})
    refused: int = 403  # status for a logged-in user refused by the rule
    owner_only: Callable[[str], bool] | None = None  # POST allowed but acting on the user's own rows only
    order: int = 0  # > 0: changes who is logged in, so run at the end, in this order


def slug(w):
    return {"slug": w.slug}


def _today():
    return timezone.localdate()


def _profile(w, role):
    return {"id_type": "8", "national_id": rpps_with_key("1000000123"), "civility": "DR",
            "last_name": "TEST", "first_name": "Prénom", "profession": "TRE_G15|10", "specialty_code": "",
            "mssante": "", "phone": ""}


def _logged_in_302(role):
    return 200 if role == "anonymous" else 302


# Group pages: the permission is not enough, the rules of coordination.access apply (active member of the
# group to read and post; initiator or coordinator to manage). Other roles get 403 and change nothing.
GROUP_READERS = {"member"}
GROUP_MANAGERS = {"member", "coordinator"}


def group_page(kwargs, data=None, who=GROUP_READERS) -> Page:
    if data is None:
        return Page(kwargs=kwargs, ok={"GET": lambda role: 200 if role in who else 403})
    return Page(kwargs=kwargs, data=data, ok={"POST": lambda role: 302 if role in who else 403},
                owner_only=lambda role: role in who)


def _group(attr):
    return lambda w: {"slug": w.slug, "group_id": getattr(w.coordination, attr).pk}


def _message(attr):
    return lambda w: {"slug": w.slug, "group_id": w.coordination.circle.pk,
                      "message_id": getattr(w.coordination, attr).pk}


PAGES: dict[str, Page] = {
    "home": Page(ok={"GET": 302}),
    "healthz": Page(),
    "accounts:login": Page(data=lambda w, r: {"email": "nobody@cast.test", "password": "wrong"},
                           ok={"GET": 200, "POST": 200}),
    "accounts:logout": Page(data=lambda w, r: {}, order=2),
    "accounts:register": Page(
        data=lambda w, r: {"first_name": "Nina", "last_name": "Nouvelle", "email": "new@cast.test",
                           "password": "Une-Phrase-Longue-2026", "password2": "Une-Phrase-Longue-2026"},
        ok={"GET": _logged_in_302, "POST": 302}, order=1),  # logs the anonymous client in
    "accounts:otp_verify": Page(data=lambda w, r: {"code": "000000"}, ok={"GET": 302, "POST": 302}),
    "accounts:otp_setup": Page(data=lambda w, r: {"code": "000000"}, ok={"GET": 200, "POST": 200}),
    "accounts:recovery_codes": Page(data=lambda w, r: {}, ok={"POST": 200}),
    "accounts:security": Page(),
    "accounts:password_reset": Page(data=lambda w, r: {"email": "member@cast.test"}),
    "accounts:password_reset_done": Page(),
    "accounts:password_reset_confirm": Page(kwargs=lambda w: {"uidb64": "MQ", "token": "invalide-jeton"}),
    "accounts:password_reset_complete": Page(),
    "directory:my_profile": Page(data=_profile),
    "directory:add_place": Page(data=lambda w, r: {"place-label": "Cabinet 2", "place-address": "1 rue du Test",
                                                   "place-postal_code": "01300", "place-phone": "",
                                                   "place-commune_insee": "01034"}),
    "directory:delete_place": Page(kwargs=lambda w: {"place_id": w.place.pk}, data=lambda w, r: {},
                                   owner_only=lambda role: role == "member"),
    "directory:search": Page(kwargs=slug),
    "directory:professional": Page(kwargs=lambda w: {"slug": w.slug,
                                                     "professional_id": w.cast.member.professional_id}),
    "directory:offer": Page(kwargs=slug),
    "cpts:list": Page(),
    "cpts:create": Page(data=lambda w, r: {"name": "CPTS Test Nouvelle", "stage": "projet", "dues_amount": "20",
                                           "coordinator_email": ""}),
    "cpts:home": Page(kwargs=slug),
    "cpts:join": Page(kwargs=slug, data=lambda w, r: {"message": "Je souhaite adhérer."},
                      ok={"GET": 200, "POST": lambda role: 200 if role in CPTS_MEMBERS else 302}),
    "cpts:territory": Page(kwargs=slug),
    "cpts:territory_geojson": Page(kwargs=slug),
    "cpts:territory_search": Page(kwargs=slug, query={"q": "Bourg"}),
    "cpts:territory_add": Page(kwargs=slug, data=lambda w, r: {"insee": w.free_commune}),
    "cpts:territory_remove": Page(kwargs=lambda w: {"slug": w.slug, "insee": w.cpts_commune}, data=lambda w, r: {}),
    "cpts:members": Page(kwargs=slug, query={"q": "a"}),
    "cpts:member_role": Page(kwargs=lambda w: {"slug": w.slug, "membership_id": w.member_membership.pk},
                             data=lambda w, r: {"role": Role.BUREAU}),
    "cpts:requests": Page(kwargs=slug),
    "cpts:request_accept": Page(kwargs=lambda w: {"slug": w.slug, "request_id": w.request_to_accept.pk},
                                data=lambda w, r: {"role": Role.MEMBER}),
    "cpts:request_refuse": Page(kwargs=lambda w: {"slug": w.slug, "request_id": w.request_to_refuse.pk},
                                data=lambda w, r: {"reason": "Exercice hors du territoire."}),
    "cpts:dues": Page(kwargs=slug, data=lambda w, r: {
        "membership": w.member_membership.pk, "year": _today().year, "amount": "50.00", "paid": "on",
        "paid_on": _today().isoformat()}),
    "cpts:bureau": Page(kwargs=slug, data=lambda w, r: {"membership": w.member_membership.pk, "title": "tresorier",
                                                        "since": "2025-01-15"}),
    "cpts:structures": Page(kwargs=slug, data=lambda w, r: {"name": "MSP du Test", "kind": "msp", "finess": "",
                                                            "siret": "", "address": "", "postal_code": "",
                                                            "phone": "", "email": "", "commune_insee": "01034",
                                                            "agreement": "Convention 2026"}),
    "cpts:audit": Page(kwargs=slug),
    "cpts:audit_export": Page(kwargs=slug),
    "cpts:reports": Page(kwargs=slug),
    "cpts:settings": Page(kwargs=slug, data=lambda w, r: {"stage": "valide", "siret": "", "finess": "",
                                                          "email": "contact@cast.test", "phone": "", "address": "",
                                                          "founded_on": "2024-03-01", "dues_amount": "30"}),
    "coordination:groups": Page(kwargs=slug),
    "coordination:new_patient": Page(kwargs=slug, data=lambda w, r: {
        "family_name": "NOUVEAU", "used_name": "", "given_names": "Patient", "birth_date": "1960-01-31", "sex": "U",
        "address": "", "postal_code": "", "phone": "", "nir": ""}),
    "coordination:new_group": Page(kwargs=slug, data=lambda w, r: {"title": "Groupe matrice", "description": ""}),
    "coordination:group": group_page(_group("circle")),
    "coordination:group_messages": group_page(_group("circle")),
    "coordination:post_message": group_page(_group("circle"), lambda w, r: {"subject": "Matrice", "body": "Bonjour"}),
    "coordination:edit_message": group_page(_message("to_edit"), lambda w, r: {"subject": "Sujet 1", "body": "Modifié"}),
    "coordination:delete_message": group_page(_message("to_delete"), lambda w, r: {}),
    "coordination:invite": group_page(_group("circle"), lambda w, r: {"user": w.cast.bureau.pk, "function": ""},
                                      who=GROUP_MANAGERS),
    "coordination:answer_invitation": group_page(_group("invited_to"), lambda w, r: {"answer": "accept"}),
    "coordination:leave": group_page(_group("invited_to"), lambda w, r: {}),  # after accepting the invitation
    "coordination:remove_member": group_page(
        lambda w: {"slug": w.slug, "group_id": w.coordination.circle.pk, "user_id": w.coordination.colleague.pk},
        lambda w, r: {}, who=GROUP_MANAGERS),
    "coordination:close": group_page(_group("to_close"), lambda w, r: {}, who=GROUP_MANAGERS),
    "coordination:reopen": group_page(_group("to_reopen"), lambda w, r: {}, who=GROUP_MANAGERS),
    "coordination:record_consent": group_page(_group("circle"), lambda w, r: {
        "collected_on": _today().isoformat(), "method": "on_screen", "witness": "", "scope": "Consentement matrice",
        "expires_on": ""}),
    "coordination:withdraw_consent": group_page(
        lambda w: {"slug": w.slug, "group_id": w.coordination.circle.pk, "consent_id": w.coordination.consent.pk},
        lambda w, r: {}),
    "admin:index": Page(refused=302),  # the admin sends non-staff accounts to the login
}


def test_every_page_is_in_the_matrix():
    routes = set(page_routes())
    assert not routes - set(PAGE_ACCESS), "URL sans règle dans cpts.roles.PAGE_ACCESS (la déclarer)"
    assert not set(PAGE_ACCESS) - routes, "PAGE_ACCESS nomme une URL qui n'existe plus"
    assert not routes - set(PAGES), "URL absente de la table des requêtes de ce test (l'ajouter à PAGES)"
    assert not set(PAGES) - routes


def expected_page_status(name: str, page: Page, method: str, role: str) -> tuple[str, int | None]:
    access = PAGE_ACCESS[name]
    if method in access:
        rule = access[method]
    else:  # a method the view does not accept: 405 once the rule of the accepted method(s) passes
        (rule,) = set(access.values())
    v = verdict(rule, role)
    if v == LOGIN:
        return LOGIN, 302
    if v == FORBIDDEN:
        return FORBIDDEN, page.refused
    if method not in access:
        return OK, 405
    status = page.ok[method]
    return OK, status(role) if callable(status) else status


def _assert_status(response, expected_kind, expected_status, what):
    assert response.status_code == expected_status, (
        f"{what}: attendu {expected_status} ({expected_kind}), obtenu {response.status_code} "
        f"{response.get('Location', '')}")
    location = response.get("Location", "")
    login_url = reverse("accounts:login")
    if expected_kind == LOGIN:
        assert location.startswith((login_url, "/admin/login/")), f"{what}: redirige vers {location}, pas vers la connexion"
    elif expected_kind == OK and expected_status == 302 and not what.endswith("accounts:logout"):
        assert not location.startswith((login_url, "/admin/login/", reverse("accounts:otp_verify"),
                                        reverse("accounts:otp_setup"))), f"{what}: autorisé mais redirigé vers {location}"


@pytest.mark.parametrize("role", ROLES)
def test_pages(role, world, client_as, reference_tables_unchanged):
    client, user = client_as(role)
    ordered = sorted(PAGES.items(), key=lambda item: item[1].order)
    for name, page in ordered:
        url = reverse(name, kwargs=page.kwargs(world))
        methods = ["GET"] + (["POST"] if page.data is not None else [])
        for method in methods:
            kind, status = expected_page_status(name, page, method, role)
            what = f"{role} {method} {name}"
            if method == "GET":
                response = client.get(url, page.query)
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
            else:
                if user is not None:  # so that any write by a refused request shows in the snapshot
                    User.objects.filter(pk=user.pk).update(last_cpts=None)
                watch = kind != OK or (page.owner_only is not None and not page.owner_only(role))
                before = snapshot() if watch else None
                response = client.post(url, page.data(world, role))
                if watch:
                    assert_unchanged(before, snapshot(), what)
            _assert_status(response, kind, status, what)
    assert_writes(role, world)


def _readers(role):
    return role in GROUP_READERS


def _managers(role):
    return role in GROUP_MANAGERS


# What each allowed POST must have done (so that "302" cannot hide a rejected form), and a refused one not.
EFFECTS: dict[str, tuple[Callable[[World, User | None], bool], Callable[[str], bool] | None]] = {
    "accounts:register": (lambda w, u: User.objects.filter(email="new@cast.test").exists(),
                          lambda role: role == "anonymous"),  # a logged-in user is sent home
    "directory:my_profile": (lambda w, u: u is not None and User.objects.get(pk=u.pk).professional is not None
                             and User.objects.get(pk=u.pk).professional.national_id == rpps_with_key("1000000123"),
                             None),
    "directory:add_place": (lambda w, u: PracticePlace.objects.filter(label="Cabinet 2").exists(), None),
    "directory:delete_place": (lambda w, u: not PracticePlace.objects.filter(pk=w.place.pk).exists(),
                               lambda role: role == "member"),
    "cpts:create": (lambda w, u: CPTS.objects.filter(name="CPTS Test Nouvelle").exists(), None),
    "cpts:join": (lambda w, u: u is not None and MembershipRequest.objects.filter(
        cpts=w.cast.cpts, user=u, status="pending").exists(), lambda role: role not in CPTS_MEMBERS),
    "cpts:territory_add": (lambda w, u: TerritoryCommune.objects.filter(
        cpts=w.cast.cpts, commune_id=w.free_commune).exists(), None),
    "cpts:territory_remove": (lambda w, u: not TerritoryCommune.objects.filter(
        cpts=w.cast.cpts, commune_id=w.cpts_commune).exists(), None),
    "cpts:member_role": (lambda w, u: Membership.objects.get(pk=w.member_membership.pk).role == Role.BUREAU, None),
    "cpts:request_accept": (lambda w, u: MembershipRequest.objects.get(pk=w.request_to_accept.pk).status == "accepted",
                            None),
    "cpts:request_refuse": (lambda w, u: MembershipRequest.objects.get(pk=w.request_to_refuse.pk).status == "refused",
                            None),
    "cpts:dues": (lambda w, u: Dues.objects.filter(membership=w.member_membership, year=_today().year).exists(), None),
    "cpts:bureau": (lambda w, u: BureauPosition.objects.filter(cpts=w.cast.cpts, title="tresorier").exists(), None),
    "cpts:structures": (lambda w, u: PartnerStructure.objects.filter(
        cpts=w.cast.cpts, structure__name="MSP du Test").exists(), None),
    "cpts:settings": (lambda w, u: CPTS.objects.get(pk=w.cast.cpts.pk).stage == "valide", None),
    "coordination:new_patient": (lambda w, u: Patient.objects.filter(family_name="NOUVEAU", groups__isnull=False).exists(),
                                 None),
    "coordination:new_group": (lambda w, u: Group.objects.filter(title="Groupe matrice").exists(), None),
    "coordination:post_message": (lambda w, u: Message.objects.filter(subject="Matrice").exists(), _readers),
    "coordination:edit_message": (lambda w, u: Message.objects.get(pk=w.coordination.to_edit.pk).body == "Modifié",
                                  _readers),
    "coordination:delete_message": (lambda w, u: Message.objects.get(pk=w.coordination.to_delete.pk).deleted_at
                                    is not None, _readers),
    "coordination:invite": (lambda w, u: GroupMember.objects.filter(group=w.coordination.circle, user=w.cast.bureau,
                                                                    status="invited").exists(), _managers),
    "coordination:answer_invitation": (lambda w, u: GroupMember.objects.get(
        group=w.coordination.invited_to, user=w.cast.member).joined_at is not None, _readers),
    "coordination:leave": (lambda w, u: GroupMember.objects.get(
        group=w.coordination.invited_to, user=w.cast.member).status == "left", _readers),
    "coordination:remove_member": (lambda w, u: GroupMember.objects.get(
        group=w.coordination.circle, user=w.coordination.colleague).status == "removed", _managers),
    "coordination:close": (lambda w, u: Group.objects.get(pk=w.coordination.to_close.pk).status == "closed", _managers),
    "coordination:reopen": (lambda w, u: Group.objects.get(pk=w.coordination.to_reopen.pk).status == "open",
                            _managers),
    "coordination:record_consent": (lambda w, u: Consent.objects.filter(scope="Consentement matrice").exists(),
                                    _readers),
    "coordination:withdraw_consent": (lambda w, u: Consent.objects.get(pk=w.coordination.consent.pk).withdrawn_at
                                      is not None, _readers),
}


def assert_writes(role: str, world: World):
    user = acting_user(world.cast, role)
    for name, (done, applies) in EFFECTS.items():
        allowed = verdict(PAGE_ACCESS[name]["POST"], role) == OK and (applies is None or applies(role))
        assert done(world, user) == allowed, f"{role} POST {name}: " + (
            "autorisé mais sans effet (données refusées ?)" if allowed else "refusé mais effectué")


def test_every_page_write_has_an_effect_check():
    posts = {name for name, access in PAGE_ACCESS.items() if "POST" in access}
    no_lasting_effect = {"accounts:login", "accounts:logout", "accounts:otp_verify", "accounts:otp_setup",
                         "accounts:recovery_codes", "accounts:password_reset"}
    assert posts - no_lasting_effect == set(EFFECTS)


# --- The JSON API -------------------------------------------------------------------------------------------

TECHNICAL_API_ROUTES = {"api:api-root": 404}  # django-ninja's root: only there to build the other paths


@dataclass
class Call:
    path: Callable[[World], str]
    body: Callable[[World, str], dict] | None = None
    query: dict = field(default_factory=dict)
    ok: Status = 200


def _cpts_path(suffix=""):
    return lambda w: f"/api/cpts/{w.slug}{suffix}"


API_CALLS: dict[str, Call] = {
    "api:openapi-json": Call(lambda w: "/api/openapi.json"),
    "api:openapi-view": Call(lambda w: "/api/docs"),
    "api:search_communes": Call(lambda w: "/api/communes", query={"q": "Bourg"}),
    "api:list_cpts": Call(lambda w: "/api/cpts"),
    "api:get_cpts": Call(_cpts_path()),
    "api:get_territory": Call(_cpts_path("/territory")),
    "api:list_members": Call(_cpts_path("/members")),
    "api:members_stats": Call(_cpts_path("/members/by-profession")),
    "api:list_structures": Call(_cpts_path("/structures")),
    "api:list_requests": Call(_cpts_path("/membership-requests"), query={"status": "all"}),
    "api:add_commune": Call(_cpts_path("/territory/communes"), body=lambda w, r: {"insee": w.free_commune}),
    "api:add_epci": Call(_cpts_path("/territory/epci"), body=lambda w, r: {"siren": w.free_epci}),
    "api:remove_commune": Call(lambda w: f"/api/cpts/{w.slug}/territory/communes/{w.cpts_commune}"),
    "api:add_structure": Call(_cpts_path("/structures"), body=lambda w, r: {"name": "MSP API", "kind": "msp"}, ok=201),
    "api:create_request": Call(_cpts_path("/membership-requests"), body=lambda w, r: {"message": "Bonjour"},
                               ok=lambda role: 400 if role in CPTS_MEMBERS else 201),  # 400: déjà membre
    "api:accept_request": Call(lambda w: f"/api/cpts/{w.slug}/membership-requests/{w.request_to_accept.pk}/accept",
                               body=lambda w, r: {"role": "member"}),
    "api:refuse_request": Call(lambda w: f"/api/cpts/{w.slug}/membership-requests/{w.request_to_refuse.pk}/refuse",
                               body=lambda w, r: {"reason": "Hors territoire."}),
    "api:search_directory": Call(_cpts_path("/directory/search")),
    "api:get_professional": Call(lambda w: f"/api/cpts/{w.slug}/directory/professionals/"
                                           f"{w.cast.member.professional_id}"),
    "api:offer": Call(_cpts_path("/offer")),
    "api:nearest": Call(_cpts_path("/directory/nearest"), query={"lat": "45.76", "lon": "5.69", "profession": "10"}),
    "api:api-root": Call(lambda w: "/api/", ok=404),
}


def test_every_api_route_is_in_the_matrix():
    routes = set(api_routes())
    assert not routes - set(API_ACCESS) - set(TECHNICAL_API_ROUTES), "opération sans règle dans API_ACCESS"
    assert not set(API_ACCESS) - routes
    assert routes == set(API_CALLS), "opération absente de API_CALLS (l'ajouter)"


@pytest.mark.parametrize("role", ROLES)
def test_api(role, world, client_as, reference_tables_unchanged):
    client, user = client_as(role)
    for name, call in API_CALLS.items():
        path = call.path(world)
        if name in TECHNICAL_API_ROUTES:
            method, kind, status = "GET", OK, TECHNICAL_API_ROUTES[name]
        else:
            method, rule = API_ACCESS[name]
            kind = verdict(rule, role)
            status = {LOGIN: 401, FORBIDDEN: 403}.get(kind) or (call.ok(role) if callable(call.ok) else call.ok)
        what = f"{role} {method} {name}"
        writes = method != "GET"
        before = snapshot() if writes and kind != OK else None
        if method == "GET":
            response = client.get(path, call.query)
        elif method == "DELETE":
            response = client.delete(path)
        else:
            response = client.post(path, json.dumps(call.body(world, role)), content_type="application/json")
        if before is not None:
            assert_unchanged(before, snapshot(), what)
        assert response.status_code == status, f"{what}: attendu {status}, obtenu {response.status_code} " \
                                               f"{response.content[:300]!r}"
        if kind == OK and status < 300 and method != "GET" or name in ("api:get_cpts", "api:list_members"):
            assert response["Content-Type"].startswith("application/json")


def test_refused_api_write_with_token_changes_nothing(world, client):
    """A bearer token gives no more than the session: a member's token cannot edit the territory."""
    from accounts.models import APIToken

    _, raw = APIToken.issue(world.cast.member)
    before = snapshot()
    response = client.post(f"/api/cpts/{world.slug}/territory/communes", json.dumps({"insee": world.free_commune}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    assert_unchanged(before, snapshot(), "member token POST territory")
