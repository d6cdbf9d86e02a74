"""Pages of the coordination network around its messages: direct conversations, search, a group's history and
edition, e-mail invitations of external professionals, retention setting. Thin, like coordination.views: reads
through coordination.access / selectors / history, writes through coordination.actions / invitations /
retention, which check the rules again and raise French errors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from audit.log import record_view
from coordination import access as rules
from coordination import actions, history, pages, retention, selectors
from coordination import invitations as invitations_rules
from coordination.forms import (
    ConversationForm,
    GroupEditForm,
    InvitationAccountForm,
    MessageSearchForm,
    RetentionForm,
)
from coordination.models import Group
from coordination.pages import PERMISSION, back_to_group
from cpts.decorators import cpts_view
from cpts.models import Membership
from cpts.roles import PATIENT_DATA_ROLES
from cpts.scoping import scoped
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

SEARCH_PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 50


# --- Group edition and history ------------------------------------------------------------------------------


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def edit_group(request, access, group_id):
    group = rules.group_to_manage(request.user, access.cpts, group_id)
    if group.status != Group.Status.OPEN:
        messages.error(request, "Ce groupe est clôturé : il est en lecture seule.")
        return _manage_back(request, access, group)
    form = GroupEditForm(
        request.POST or None, initial={"title": group.title, "description": group.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_group(
                group, request.user, form.cleaned_data["title"], form.cleaned_data["description"]
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Groupe modifié.")
            return _manage_back(request, access, group)
    return render(
        request,
        "coordination/edit_group.html",
        {
            "cpts": access.cpts,
            "group": group,
            "form": form,
            "display_title": _display_title(request.user, group),
        },
    )


def _manage_back(request, access, group):
    if rules.can_read(request.user, group):
        return back_to_group(access, group.pk, "informations")
    return redirect("coordination:groups", slug=access.cpts.slug)


def _display_title(user, group: Group) -> str:
    """A manager who does not read the group (a coordinator) sees no title that could name a patient."""
    if rules.can_read(user, group) or group.kind == Group.Kind.WORKING_GROUP:
        return group.title
    return f"{group.get_kind_display()} n° {group.pk}"


@cpts_view(PERMISSION)
def group_history(request, access, group_id):
    group = rules.group_history_to_read(request.user, access.cpts, group_id)
    what = request.GET.get("type", history.ALL)
    if what not in dict(history.FILTERS):
        what = history.ALL
    page = Paginator(history.entries(group, what), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = history.describe(
        page.object_list
    )  # read before this view is itself recorded (page counted first)
    record_view(group, cpts_id=group.cpts_id, details={"page": "history"})
    can_read = rules.can_read(request.user, group)
    return render(
        request,
        "coordination/history.html",
        {
            "cpts": access.cpts,
            "group": group,
            "page": page,
            "lines": lines,
            "filters": history.FILTERS,
            "what": what,
            "query": urlencode({"type": what}) if what != history.ALL else "",
            "can_read": can_read,
            "display_title": _display_title(request.user, group),
        }
        # The group's header and tabs (its title may name the patient) only for those who read it.
        | (pages.header(group, "history") if can_read else {}),
    )


# --- Search -------------------------------------------------------------------------------------------------


@cpts_view(PERMISSION)
def search(request, access):
    form = MessageSearchForm(request.GET or None)
    q = selectors.clean_query(request.GET.get("q"))
    page, results, notice = None, [], ""
    if "q" in request.GET and len(q) < selectors.SEARCH_MIN_LENGTH:
        notice = f"Saisissez au moins {selectors.SEARCH_MIN_LENGTH} caractères."
    elif q:
        page = Paginator(selectors.search_messages(request.user, access.cpts, q), SEARCH_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        results = [
            (
                m,
                selectors.excerpt(m.body, q),
                selectors.excerpt(m.subject or (m.parent.subject if m.parent else ""), q),
            )
            for m in page.object_list
        ]
        for group in {m.group_id: m.group for m, _, _ in results}.values():  # what was shown, group by group
            record_view(group, cpts_id=group.cpts_id, details={"page": "search"})
    return render(
        request,
        "coordination/search.html",
        {
            "cpts": access.cpts,
            "form": form,
            "q": q,
            "page": page,
            "results": results,
            "notice": notice,
            "query": urlencode({"q": q}) if q else "",
        },
    )


# --- Conversations (direct messages) ------------------------------------------------------------------------


@cpts_view(PERMISSION)
def conversations(request, access):
    mine = selectors.my_conversations(request.user, access.cpts)
    return render(
        request,
        "coordination/conversations.html",
        {
            "cpts": access.cpts,
            "conversations": mine,
            "unread_total": sum(c.unread for c in mine),
            "can_start": access.role in PATIENT_DATA_ROLES,
        },
    )


def _colleagues(cpts, user):
    ids = scoped(Membership, cpts).filter(active=True, role__in=PATIENT_DATA_ROLES).values("user_id")
    return (
        User.objects.filter(pk__in=ids, is_active=True)
        .exclude(pk=user.pk)
        .order_by("last_name", "first_name")
    )


@cpts_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def new_conversation(request, access):
    if access.role not in PATIENT_DATA_ROLES:
        raise PermissionDenied("Votre rôle dans cette CPTS ne permet pas d'échanger des messages.")
    candidates = list(_colleagues(access.cpts, request.user))
    initial = {}
    if request.GET.get("avec", "").isdigit():
        initial["recipients"] = [request.GET["avec"]]
    form = ConversationForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        by_pk = {str(u.pk): u for u in candidates}
        others = [by_pk[pk] for pk in form.cleaned_data["recipients"]]
        try:
            group, message, created = actions.start_conversation(
                access.cpts, request.user, others, form.cleaned_data["subject"], form.cleaned_data["body"]
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(
                request,
                "Conversation créée, message envoyé."
                if created
                else "Message envoyé dans votre conversation existante avec cette personne.",
            )
            response = redirect("coordination:group", slug=access.cpts.slug, group_id=group.pk)
            response["Location"] += f"#message-{message.pk}"
            return response
    return render(request, "coordination/new_conversation.html", {"cpts": access.cpts, "form": form})


# --- Retention setting --------------------------------------------------------------------------------------


@cpts_view("cpts.manage_coordination")
@require_http_methods(["GET", "POST"])
def coordination_settings(request, access):
    current = retention.settings_for(access.cpts)
    form = RetentionForm(
        request.POST or None, initial={"closed_circle_retention_days": current.closed_circle_retention_days}
    )
    if request.method == "POST" and form.is_valid():
        try:
            retention.set_retention(
                access.cpts, request.user, form.cleaned_data["closed_circle_retention_days"]
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Durée de conservation enregistrée.")
            return redirect("coordination:settings", slug=access.cpts.slug)
    return render(
        request,
        "coordination/settings.html",
        {
            "cpts": access.cpts,
            "form": form,
            "current": current,
            "default_days": current.DEFAULT_RETENTION_DAYS,
            "to_purge": retention.expired_circles(access.cpts).count(),
        },
    )


# --- Invitations by e-mail ----------------------------------------------------------------------------------


@login_required
def my_invitations(request):
    return render(
        request,
        "coordination/my_invitations.html",
        {"invitations": invitations_rules.pending_for(request.user)},
    )


@login_required
@require_POST
def answer_email_invitation(request, invitation_id):
    invitation = invitations_rules.pending_for(request.user).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("Invitation introuvable.")
    return _answer(request, invitation)


def _answer(request, invitation_or_token):
    accept = request.POST.get("answer") == "accept"
    try:
        if accept:
            member = invitations_rules.accept(invitation_or_token, request.user)
        else:
            invitations_rules.decline(invitation_or_token, request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("coordination:my_invitations")
    if not accept:
        messages.success(request, "Invitation déclinée.")
        return redirect("coordination:my_invitations")
    messages.success(request, f"Vous avez rejoint « {member.group.title} ».")
    return redirect("coordination:group", slug=member.group.cpts.slug, group_id=member.group_id)


@require_http_methods(["GET", "POST"])
def email_invitation(request, token):
    """The link of the e-mail. Anonymous: create the account (or log in when one exists for the address);
    logged in with the invited address: accept or decline; with another account: refused."""
    try:
        invitation = invitations_rules.by_token(token)
    except invitations_rules.InvitationError as exc:
        return render(
            request, "coordination/email_invitation.html", {"error": exc.message}, status=exc.status
        )
    context = {
        "invitation": invitation,
        "cpts": invitation.cpts,
        "inviter": invitation.invited_by.get_full_name() if invitation.invited_by else "",
    }
    if request.user.is_authenticated:
        if not invitations_rules.addressed_to(invitation, request.user):
            if request.method == "POST":
                raise PermissionDenied("Cette invitation est adressée à une autre adresse e-mail.")
            return render(request, "coordination/email_invitation.html", context | {"other_account": True})
        if request.method == "POST":
            return _answer(request, token)
        return render(request, "coordination/email_invitation.html", context | {"answer": True})
    if User.objects.filter(email__iexact=invitation.email).exists():
        if request.method == "POST":
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        return render(
            request,
            "coordination/email_invitation.html",
            context
            | {"login_url": f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}"},
        )
    form = InvitationAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            invitations_rules.accept_with_new_account(
                token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
            )
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            next_url = reverse(
                "coordination:group", kwargs={"slug": invitation.cpts.slug, "group_id": invitation.group_id}
            )
            return render(
                request,
                "coordination/email_invitation.html",
                context
                | {
                    "created": True,
                    "login_url": f"{reverse('accounts:login')}?{urlencode({'next': next_url})}",
                },
            )
    return render(request, "coordination/email_invitation.html", context | {"form": form})
