"""Template helpers of the coordination pages: a message's text with its mentions, the unread counts, the
time of a group's last message as a conversation list says it, the first words of a message."""

import datetime as dt

from django import template
from django.utils import timezone

from coordination import mentions, pages, selectors
from opencpts import french

register = template.Library()

SHORT_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def when(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """« 18 h 30 » today, « hier », « lun. » within the week, « 7 déc. » this year, « 7 déc. 2025 »
    before."""
    if not value:
        return ""
    now = timezone.localtime(now) if now else timezone.localtime()
    local = timezone.localtime(value)
    days = (now.date() - local.date()).days
    if days <= 0:
        return french.hour(local)
    if days == 1:
        return "hier"
    if days < 7:
        return SHORT_DAYS[local.weekday()]
    text = f"{'1er' if local.day == 1 else local.day} {SHORT_MONTHS[local.month - 1]}"
    return text if local.year == now.year else f"{text} {local.year}"


@register.filter
def quand(value) -> str:
    return when(value)


def day_label(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """The day separator of a conversation: « Aujourd'hui », « Hier », else « lundi 7 décembre »."""
    now = timezone.localtime(now) if now else timezone.localtime()
    days = (now.date() - timezone.localtime(value).date()).days
    if days == 0:
        return "Aujourd'hui"
    if days == 1:
        return "Hier"
    return french.day(value).capitalize()


@register.filter
def jour_du_fil(value) -> str:
    return day_label(value) if value else ""


@register.filter
def apercu(text) -> str:
    """The first words of a message, on one line."""
    return selectors.preview(text)


@register.filter
def message_html(message):
    """The message's text escaped, line breaks kept, the mentions stored for it highlighted (``mentions``
    prefetched by the page: no query per message)."""
    people = [(m.user_id, m.user.first_name, m.user.last_name) for m in message.mentions.all()]
    return mentions.highlight(message.body, mentions.name_table(people))


@register.simple_tag(takes_context=True)
def coordination_unread(context):
    """{"groups": n, "conversations": m}: the current user's unread messages in the current CPTS (one query,
    computed once per request), or None outside a CPTS or without the coordination permission."""
    request = context.get("request")
    access = context.get("access")
    if request is None or access is None or "cpts.use_coordination" not in access.permissions:
        return None
    return selectors.unread_totals_of_request(request, access.cpts)


@register.inclusion_tag("coordination/_group_header_tag.html", takes_context=True)
def group_header(context, group, current: str):
    """The group's compact header and tab bar on a page of another app showing one of its sections (the
    agenda's calendar): ``{% group_header group "agenda" %}``. Only on pages whose view has checked that the
    reader reads the group (the header names the patient)."""
    return pages.header(group, current) | {"cpts": context.get("cpts") or group.cpts}
