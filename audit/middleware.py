from audit.context import Actor, reset_actor, set_actor
from opencpts.middleware import _request_id


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the proxy's address behind a load balancer: the deployment sets
    # BEHIND_PROXY and the proxy overwrites X-Forwarded-For (docs/OPERATIONS.md).
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = Actor(user.pk, user.email, client_ip(request), _request_id.get())
        else:
            actor = Actor(None, "anonyme", client_ip(request), _request_id.get())
        token = set_actor(actor)
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
