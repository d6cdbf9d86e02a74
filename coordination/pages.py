"""What the coordination pages share (and documents' pages for posting with files): the permission they
need, the group's header and tabs (each section of a group on its own URL), the conversation (messages and
composer), going back to a tab after an action and saying how it went, form errors in one line."""

import dataclasses
import secrets

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import User
from audit.log import record_view
from coordination import access as rules
from coordination import actions, selectors
from coordination.models import Group, Message, MessageMention, ReadReceipt
from opencpts.errors import ActionError

PERMISSION = "cpts.use_coordination"

# The sections of a group, each on its own URL: (key, label, URL name). « consents » only in a care circle.
TABS = (
    ("messages", "Messages", "coordination:group"),
    ("members", "Membres", "coordination:members"),
    ("consents", "Consentements", "coordination:consents"),
    ("documents", "Documents", "coordination:documents"),
    ("agenda", "Agenda", "agenda:group"),
    ("informations", "Informations", "coordination:informations"),
    ("history", "Historique", "coordination:history"),
)
# The anchors of the former single page (links in old notifications, actions' redirects) and their tab.
ANCHOR_TABS = {
    "messages": "messages",
    "informations": "informations",
    "membres": "members",
    "consentements": "consents",
    "documents": "documents",
    "agenda": "agenda",
}


def form_errors(form) -> str:
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''} : {' '.join(e)}".strip(" :")
        for f, e in form.errors.items()
    )


def tab_url(group: Group, key: str) -> str:
    name = dict((k, n) for k, _, n in TABS)[key]
    return reverse(name, kwargs={"slug": group.cpts.slug, "group_id": group.pk})


def tabs(group: Group, current: str) -> list[dict]:
    return [
        {"key": key, "label": label, "url": tab_url(group, key), "current": key == current}
        for key, label, _ in TABS
        if key != "consents" or group.kind == Group.Kind.CARE_CIRCLE
    ]


def header(group: Group, current: str) -> dict:
    """The context of the group's compact header and tab bar (templates/coordination/_group_header.html):
    for a reader of the group (checked by the caller)."""
    return {
        "group": group,
        "tabs": tabs(group, current),
        "current_tab": current,
        "age": group.patient.age() if group.patient else None,
        "is_open": group.status == Group.Status.OPEN,
    }


def back_to_group(access, group_id: int, anchor: str = ""):
    """To the tab an action belongs to (``anchor``: a tab key or a former anchor of the single page)."""
    key = ANCHOR_TABS.get(anchor, anchor) or "messages"
    name = dict((k, n) for k, _, n in TABS).get(key, "coordination:group")
    return redirect(name, slug=access.cpts.slug, group_id=group_id)


def run_action(request, access, group_id, action, success: str, anchor: str = ""):
    try:
        action()
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return back_to_group(access, group_id, anchor)


def mention_warning(message: Message) -> str:
    """The @names that were ambiguous (several members answer to them): nobody was mentioned for them."""
    ambiguous = getattr(message, "ambiguous_mentions", None)
    if not ambiguous:
        return ""
    names = ", ".join(f"@{name}" for name in ambiguous)
    return (
        f"Mention ambiguë, personne n'a été mentionné pour : {names}. Plusieurs membres "
        "portent ce nom : écrivez « @Prénom Nom »."
    )


def mention_feedback(request, message: Message) -> Message:
    """Tell the author which @names were ambiguous."""
    warning = mention_warning(message)
    if warning:
        messages.warning(request, warning)
    return message


# --- The conversation: messages, newest at the bottom, and the composer -------------------------------------


def new_token() -> str:
    """A composer's idempotency token (coordination.actions.post_message ``token``)."""
    return secrets.token_urlsafe(24)


def wants_json(request) -> bool:
    """The composer's script posts with ``Accept: application/json``; without it, the form posts as HTML."""
    return "application/json" in request.headers.get("Accept", "")


@dataclasses.dataclass
class Composer:
    """What the composer shows: the text kept after a refusal, the subject it answers, the error."""

    token: str = dataclasses.field(default_factory=new_token)
    body: str = ""
    subject: str = ""
    reply_to: Message | None = None
    error: str = ""
    field: str = ""


def composer_for(request, group: Group) -> Composer:
    """A blank composer, answering the subject named by ``?repondre=`` (the « Répondre » link without
    script) when it is one of the group's."""
    raw = request.GET.get("repondre", "")
    reply_to = None
    if raw.isdigit():
        reply_to = group.messages.filter(pk=int(raw), parent__isnull=True).first()
    return Composer(reply_to=reply_to)


def _timeline(subjects: list[Message], reader_id: int) -> list[Message]:
    """Subjects and replies in one list, oldest first (newest at the bottom), each knowing its ``thread``,
    whether it starts a new day and whether the subject it answers must be recalled (``show_thread``)."""
    items = []
    for subject in subjects:
        subject.thread = subject
        items.append(subject)
        for reply in subject.replies.all():
            reply.thread = subject
            items.append(reply)
    items.sort(key=lambda m: (m.created_at, m.pk))
    previous = None
    for message in items:
        day = timezone.localdate(message.created_at)
        message.new_day = previous is None or day != timezone.localdate(previous.created_at)
        message.show_thread = message.parent_id is not None and (
            previous is None or previous.thread.pk != message.thread.pk
        )
        message.mine = message.author_id == reader_id
        previous = message
    return items


def _last_read(items: list[Message]) -> tuple[Message | None, list[ReadReceipt]]:
    """The last live message and who (besides its author) has read it: « Lu par 3 » under it."""
    for message in reversed(items):
        if message.deleted_at is None:
            return message, [r for r in message.receipts.all() if r.user_id != message.author_id]
    return None, []


def conversation_context(request, cpts, group: Group, composer: Composer | None = None) -> dict:
    """The messages of a group the reader may read (checked by the caller), marked read and audited; the
    subjects narrowed by ``?sujet=`` (one subject) and ``?q=`` (text in the subject or its messages)."""
    message_filter = _message_filter(request, group)
    subjects_qs = message_filter.pop("subjects")
    shown = group.messages.filter(Q(pk__in=subjects_qs.values("pk")) | Q(parent__in=subjects_qs.values("pk")))
    for message in shown.filter(deleted_at__isnull=True).exclude(receipts__user=request.user):
        actions.mark_read(message, request.user)
    receipts = Prefetch("receipts", queryset=ReadReceipt.objects.select_related("user").order_by("read_at"))
    mentioned = Prefetch("mentions", queryset=MessageMention.objects.select_related("user"))
    replies = Prefetch(
        "replies", queryset=Message.objects.select_related("author").prefetch_related(receipts, mentioned)
    )
    subjects = list(subjects_qs.select_related("author").prefetch_related(receipts, replies, mentioned))
    record_view(group, cpts_id=group.cpts_id)
    others = [uid for uid in rules.audience(group) if uid != request.user.pk]
    mentionable = [
        u.get_full_name()
        for u in User.objects.filter(pk__in=others).order_by("last_name", "first_name")
        if u.get_full_name()
    ][:40]
    items = _timeline(subjects, request.user.pk)
    last_read, readers = _last_read(items)
    continues = selectors.current_subject(group)
    return {
        "cpts": cpts,
        "group": group,
        "subjects": subjects,
        "timeline": items,
        "last_read": last_read,
        "readers": readers,
        "continues": continues,
        "can_post": rules.can_share_clinical(group),
        "is_open": group.status == Group.Status.OPEN,
        "message_filter": message_filter,
        "mentionable": mentionable,
        "composer": composer or composer_for(request, group),
    }


def _message_filter(request, group: Group) -> dict:
    subjects = group.messages.filter(parent__isnull=True)
    choices = list(subjects.values_list("pk", "subject"))
    raw_subject = request.GET.get("sujet", "")
    subject_id = (
        int(raw_subject) if raw_subject.isdigit() and int(raw_subject) in {pk for pk, _ in choices} else None
    )
    q = selectors.clean_query(request.GET.get("q"))
    if subject_id is not None:
        subjects = subjects.filter(pk=subject_id)
    if q:
        live = Q(deleted_at__isnull=True)
        subjects = subjects.filter(
            Q(subject__icontains=q)
            | (live & Q(body__icontains=q))
            | Q(
                pk__in=group.messages.filter(live, parent__isnull=False, body__icontains=q).values(
                    "parent_id"
                )
            )
        )
    params = {k: v for k, v in (("sujet", subject_id), ("q", q)) if v}
    return {
        "subjects": subjects,
        "choices": choices,
        "subject_id": subject_id,
        "q": q,
        "active": bool(params),
        "query": urlencode(params),
        "unknown_subject": bool(raw_subject) and subject_id is None,
    }


def render_conversation(request, access, group: Group, composer: Composer | None = None, status: int = 200):
    """The group's conversation page (its Messages tab)."""
    context = conversation_context(request, access.cpts, group, composer)
    return render(
        request,
        "coordination/group.html",
        context | header(group, "messages"),
        status=status,
    )


def composer_refused(request, access, group: Group, composer: Composer, status: int = 400):
    """A refused post: the composer's script gets the error as JSON; without script, the conversation is shown
    again with the typed text kept and the error beside the composer. Nothing was stored."""
    if wants_json(request):
        return JsonResponse({"ok": False, "error": composer.error, "field": composer.field}, status=status)
    return render_conversation(request, access, group, composer, status=status)


def composer_sent(request, access, group: Group, message: Message):
    """A message sent (or the same one sent again with its token: ``duplicate``)."""
    duplicate = getattr(message, "duplicate", False)
    warning = "" if duplicate else mention_warning(message)
    text = "Message déjà envoyé." if duplicate else "Message envoyé."
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message_id": message.pk,
                "duplicate": duplicate,
                "text": text,
                "warning": warning,
                "token": new_token(),
            }
        )
    messages.success(request, text)
    if warning:
        messages.warning(request, warning)
    response = redirect("coordination:group", slug=access.cpts.slug, group_id=group.pk)
    response["Location"] += f"#message-{message.pk}"
    return response
