"""Template tags putting documents in the coordination pages without their views knowing about them:
the group's Documents section, the attachments under a message, the signed scan of a consent, and the blank
forms that carry files (a consent with its scan: documents.views_posting) and what the composer's
attachments may be."""

from django import template

from documents import context as documents_context
from documents.filetypes import ACCEPT
from documents.forms import ConsentForm, accepted_help

register = template.Library()


def _cached(context, key: str, group, build):
    """One query per page render, not one per message or consent."""
    cache = context.render_context.setdefault("documents_tags", {})
    if (key, group.pk) not in cache:
        cache[(key, group.pk)] = build(group)
    return cache[(key, group.pk)]


def _reader(context, group) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return False
    cache = context.render_context.setdefault("documents_tags", {})
    if ("reader", group.pk) not in cache:
        cache[("reader", group.pk)] = documents_context.can_read(user, group)
    return cache[("reader", group.pk)]


@register.inclusion_tag("documents/_section.html", takes_context=True)
def documents_section(context):
    group = context["group"]
    request = context.get("request")
    if not _reader(context, group):
        return {"hidden": True}
    return documents_context.section_context(request.user, group) | {
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "user": request.user,
    }


@register.inclusion_tag("documents/_attachments.html", takes_context=True)
def message_attachments(context, message):
    group = context.get("group") or message.group
    if message.deleted_at is not None or not _reader(context, group):
        return {"attachments": []}
    by_message = _cached(context, "messages", group, documents_context.attachments_by_message)
    return {
        "attachments": by_message.get(message.pk, []),
        "cpts": context.get("cpts") or group.cpts,
        "group": group,
        "message": message,
    }


@register.inclusion_tag("documents/_consent_document.html", takes_context=True)
def consent_document(context, consent):
    group = context.get("group") or consent.group
    if not _reader(context, group):
        return {"documents": []}
    by_consent = _cached(context, "consents", group, documents_context.documents_by_consent)
    return {
        "documents": by_consent.get(consent.pk, []),
        "cpts": context.get("cpts") or group.cpts,
        "group": group,
    }


@register.simple_tag
def document_accept() -> str:
    return ACCEPT


@register.simple_tag
def attachments_help() -> str:
    """What the composer's attachments may be (types, size)."""
    return accepted_help()


@register.simple_tag
def consent_form() -> ConsentForm:
    return ConsentForm(auto_id="consentement_%s")
