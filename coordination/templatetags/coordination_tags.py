"""Template helpers of the coordination pages: a message's text with its mentions, the unread counts."""

from django import template

from coordination import mentions, selectors

register = template.Library()


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
    cached = getattr(request, "_coordination_unread", None)
    if cached is None or cached[0] != access.cpts.pk:
        cached = (access.cpts.pk, selectors.unread_totals(request.user, access.cpts))
        request._coordination_unread = cached
    return cached[1]
