from django.utils.functional import SimpleLazyObject


def unread_notifications(request):
    """``unread_notifications``: the header badge's count, computed only if a template shows it (one count
    on the partial index of unread notifications)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from notifications.access import unread_count

        return unread_count(user)

    return {"unread_notifications": SimpleLazyObject(count)}
