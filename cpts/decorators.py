import functools

from django.contrib.auth.decorators import login_required

from accounts.models import User
from cpts.scoping import access_cpts


def cpts_view(permission: str):
    """Resolve the CPTS of the URL (``slug``), check ``permission``, expose ``request.cpts_access``
    and pass the Access to the view. Every CPTS page uses it."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            access = access_cpts(request.user, slug, permission)
            request.cpts_access = access
            response = view(request, access, *args, **kwargs)
            # After the view, so that a request it refuses (a POST needing a further permission) writes
            # nothing.
            if request.user.last_cpts_id != access.cpts.pk:
                User.objects.filter(pk=request.user.pk).update(last_cpts=access.cpts)
            return response

        return wrapper

    return decorator
