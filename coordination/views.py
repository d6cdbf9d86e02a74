"""Pages of the coordination network. Thin: reads through coordination.access, writes through
coordination.actions (which check the rules again and raise French errors). The pages that carry files
(posting a message with attachments, recording a consent with its scan) are documents.views_posting:
coordination imports nothing from documents."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from audit.log import record_view
from coordination import access as rules
from coordination import actions, pages, selectors
from coordination import invitations as invitations_rules
from coordination.forms import InviteForm, PatientForm, WorkingGroupForm
from coordination.models import (
    Consent,
    EmailInvitation,
    Group,
    GroupMember,
    Message,
)
from coordination.pages import PERMISSION, back_to_group, form_errors, mention_feedback, run_action
from cpts.decorators import cpts_view
from cpts.models import Membership
from cpts.roles import PATIENT_DATA_ROLES
from cpts.scoping import scoped
from opencpts.errors import ActionError
from opencpts.forms import show_action_error


def _group(access, group_id: int) -> Group:
    group = scoped(Group, access.cpts).filter(pk=group_id).first()
    if group is None:
        raise Http404("Groupe introuvable.")
    return group


def _candidates(cpts, group: Group):
    """Active members of the CPTS with a patient-data role, not already in the group (invited or active)."""
    taken = group.members.filter(status__in=[GroupMember.Status.ACTIVE, GroupMember.Status.INVITED]).values(
        "user_id"
    )
    ids = scoped(Membership, cpts).filter(active=True, role__in=PATIENT_DATA_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids).exclude(pk__in=taken).order_by("last_name", "first_name")


@cpts_view(PERMISSION)
def groups(request, access):
    cpts = access.cpts
    mine = list(selectors.my_groups(request.user, cpts))  # with their unread counts, in one query
    invitations = (
        scoped(GroupMember, cpts)
        .filter(user=request.user, status=GroupMember.Status.INVITED, group__status=Group.Status.OPEN)
        .select_related("group", "invited_by")
    )
    return render(
        request,
        "coordination/groups.html",
        {
            "cpts": cpts,
            "groups": mine,
            "invitations": invitations,
            "unread_total": sum(g.unread for g in mine),
            "email_invitations": scoped(invitations_rules.pending_for(request.user), cpts),
            "can_set_retention": access.can("cpts.manage_coordination"),
        },
    )


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def new_patient(request, access):
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            with transaction.atomic():  # the patient and its circle, or nothing
                patient = actions.create_patient(access.cpts, request.user, **data)
                group = actions.open_care_circle(access.cpts, request.user, patient)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request,
                "Patient enregistré et cercle de soins ouvert. Recueillez maintenant son "
                "consentement avant tout partage d'information.",
            )
            return back_to_group(access, group.pk, "consentements")
    return render(request, "coordination/new_patient.html", {"cpts": access.cpts, "form": form})


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def new_working_group(request, access):
    form = WorkingGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.create_working_group(access.cpts, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Groupe de travail créé. Invitez maintenant ses membres.")
            return redirect("coordination:group", slug=access.cpts.slug, group_id=group.pk)
    return render(request, "coordination/new_group.html", {"cpts": access.cpts, "form": form})


@cpts_view(PERMISSION)
def group_page(request, access, group_id):
    """The group as a conversation: its messages, newest at the bottom, and the composer."""
    group = rules.group_to_read(request.user, access.cpts, group_id)
    return pages.render_conversation(request, access, group)


@cpts_view(PERMISSION)
def group_messages(request, access, group_id):
    """The messages section alone, re-fetched by the page when a real-time event announces a change."""
    group = rules.group_to_read(request.user, access.cpts, group_id)
    return render(
        request,
        "coordination/_messages_section.html",
        pages.conversation_context(request, access.cpts, group),
    )


def _tab(request, access, group_id: int, key: str, template: str, extra) -> object:
    """A section of a group on its own URL, for its readers only (403 otherwise, 404 for another CPTS's
    group); showing it is a read of patient data, recorded like the conversation's."""
    group = rules.group_to_read(request.user, access.cpts, group_id)
    context = {"cpts": access.cpts, "can_manage": rules.can_manage(request.user, group)} | pages.header(
        group, key
    )
    context |= extra(group, context)
    record_view(group, cpts_id=group.cpts_id, details={"page": key})
    return render(request, template, context)


@cpts_view(PERMISSION)
def members(request, access, group_id):
    def extra(group, context):
        return {
            "members": group.members.select_related("user", "invited_by").order_by(
                "status", "user__last_name"
            ),
            "invite_form": InviteForm(candidates=_candidates(access.cpts, group), auto_id="invitation_%s")
            if context["is_open"]
            else None,
        }

    return _tab(request, access, group_id, "members", "coordination/tab_members.html", extra)


@cpts_view(PERMISSION)
def consents(request, access, group_id):
    def extra(group, context):
        if group.kind != Group.Kind.CARE_CIRCLE:
            raise Http404("Seul un cercle de soins recueille un consentement.")
        return {
            "consents": group.consents.select_related("collected_by", "withdrawn_by"),
            "valid_consent": rules.valid_consent(group),
        }

    return _tab(request, access, group_id, "consents", "coordination/tab_consents.html", extra)


@cpts_view(PERMISSION)
def documents(request, access, group_id):
    """The documents of the group (their list and the upload form come from documents' template tag)."""
    return _tab(request, access, group_id, "documents", "coordination/tab_documents.html", lambda g, c: {})


@cpts_view(PERMISSION)
def informations(request, access, group_id):
    return _tab(
        request,
        access,
        group_id,
        "informations",
        "coordination/tab_informations.html",
        lambda group, context: {"valid_consent": rules.valid_consent(group)},
    )


def _own_message(request, access, group_id, message_id) -> Message:
    group = rules.group_to_read(request.user, access.cpts, group_id)
    message = group.messages.filter(pk=message_id).select_related("group").first()
    if message is None:
        raise Http404("Message introuvable.")
    return message


@cpts_view(PERMISSION)
@require_POST
def edit_message(request, access, group_id, message_id):
    message = _own_message(request, access, group_id, message_id)
    body = request.POST.get("body", "")
    subject = request.POST.get("subject") if message.parent_id is None else None
    return run_action(
        request,
        access,
        group_id,
        lambda: mention_feedback(request, actions.edit_message(message, request.user, body, subject=subject)),
        "Message modifié.",
        "messages",
    )


@cpts_view(PERMISSION)
@require_POST
def delete_message(request, access, group_id, message_id):
    message = _own_message(request, access, group_id, message_id)
    return run_action(
        request,
        access,
        group_id,
        lambda: actions.delete_message(message, request.user),
        "Message supprimé.",
        "messages",
    )


@cpts_view(PERMISSION)
@require_POST
def invite(request, access, group_id):
    group = _group(access, group_id)
    if not (rules.can_manage(request.user, group) or rules.active_member(request.user, group)):
        raise PermissionDenied("Seuls les membres du groupe peuvent inviter.")
    form = InviteForm(request.POST, candidates=_candidates(access.cpts, group))
    if not form.is_valid():
        messages.error(request, form_errors(form) or "Choisissez un professionnel à inviter.")
        return back_to_group(access, group.pk, "membres")
    if form.cleaned_data["email"]:
        return _invite_by_email(
            request, access, group, form.cleaned_data["email"], form.cleaned_data["function"]
        )
    user = User.objects.get(pk=form.cleaned_data["user"])
    return run_action(
        request,
        access,
        group.pk,
        lambda: actions.invite(group, request.user, user, form.cleaned_data["function"]),
        f"Invitation dans le groupe envoyée à {user.get_full_name() or user.email}.",
        "membres",
    )


def _invite_by_email(request, access, group: Group, email: str, function: str):
    try:
        result = invitations_rules.invite_by_email(group, request.user, email, function)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        if isinstance(result, EmailInvitation):
            messages.success(
                request,
                f"Invitation envoyée par e-mail à {result.email} : le lien est valable 14 jours "
                "et ne sert qu'une fois.",
            )
        else:
            messages.success(
                request,
                f"Invitation dans le groupe envoyée à {result.user.get_full_name() or result.user.email}, "
                "qui a déjà un compte dans la CPTS.",
            )
    return back_to_group(access, group.pk, "membres")


@cpts_view(PERMISSION)
@require_POST
def answer_invitation(request, access, group_id):
    group = _group(access, group_id)
    if not group.members.filter(user=request.user, status=GroupMember.Status.INVITED).exists():
        raise PermissionDenied("Aucune invitation en attente pour ce groupe.")
    accept = request.POST.get("answer") == "accept"
    try:
        actions.answer_invitation(group, request.user, accept=accept)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("coordination:groups", slug=access.cpts.slug)
    if accept:
        messages.success(request, f"Vous avez rejoint « {group.title} ».")
        return back_to_group(access, group.pk)
    messages.success(request, "Invitation déclinée.")
    return redirect("coordination:groups", slug=access.cpts.slug)


@cpts_view(PERMISSION)
@require_POST
def leave(request, access, group_id):
    group = _group(access, group_id)
    if rules.active_member(request.user, group) is None:
        raise PermissionDenied("Vous n'êtes pas membre de ce groupe.")
    try:
        actions.leave(group, request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
        return back_to_group(access, group.pk, "informations")
    messages.success(request, f"Vous avez quitté « {group.title} ».")
    return redirect("coordination:groups", slug=access.cpts.slug)


@cpts_view(PERMISSION)
@require_POST
def remove_member(request, access, group_id, user_id):
    group = _group(access, group_id)
    if not rules.can_manage(request.user, group):
        raise PermissionDenied("Seuls l'initiateur du groupe et la coordination peuvent retirer un membre.")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404("Personne introuvable.")
    response = run_action(
        request,
        access,
        group.pk,
        lambda: actions.remove_member(group, request.user, user),
        f"{user.get_full_name() or user.email} ne fait plus partie du groupe.",
        "membres",
    )
    return _manage_redirect(request, access, group, response)


def _manage_redirect(request, access, group, response):
    return (
        response
        if rules.can_read(request.user, group)
        else redirect("coordination:groups", slug=access.cpts.slug)
    )


@cpts_view(PERMISSION)
@require_POST
def close(request, access, group_id):
    group = _group(access, group_id)
    response = run_action(
        request,
        access,
        group.pk,
        lambda: actions.close_group(group, request.user),
        "Groupe clôturé : il reste consultable en lecture seule.",
        "informations",
    )
    return _manage_redirect(request, access, group, response)


@cpts_view(PERMISSION)
@require_POST
def reopen(request, access, group_id):
    group = _group(access, group_id)
    response = run_action(
        request,
        access,
        group.pk,
        lambda: actions.reopen_group(group, request.user),
        "Groupe rouvert.",
        "informations",
    )
    return _manage_redirect(request, access, group, response)


@cpts_view(PERMISSION)
@require_POST
def withdraw_consent(request, access, group_id, consent_id):
    group = rules.group_to_read(request.user, access.cpts, group_id)
    consent = scoped(Consent, access.cpts).filter(group=group, pk=consent_id).first()
    if consent is None:
        raise Http404("Consentement introuvable.")
    return run_action(
        request,
        access,
        group.pk,
        lambda: actions.withdraw_consent(consent, request.user),
        "Retrait du consentement enregistré : plus rien ne peut être partagé dans ce cercle.",
        "consentements",
    )


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def edit_patient(request, access, group_id):
    """Correct the patient's identity (rectification): the circle's readers, while it is open."""
    group = rules.group_to_read(request.user, access.cpts, group_id)
    if group.patient_id is None:
        raise Http404("Ce groupe n'a pas de patient.")
    patient = group.patient
    initial = {name: getattr(patient, name) for name in actions.IDENTITY_FIELDS}
    form = PatientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_patient(group, request.user, **form.cleaned_data)
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Identité du patient corrigée.")
            return back_to_group(access, group.pk, "informations")
    record_view(group, details={"page": "edit_patient"})
    return render(
        request, "coordination/edit_patient.html", {"cpts": access.cpts, "group": group, "form": form}
    )
