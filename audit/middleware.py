from audit.context import Actor, reset_actor, set_actor
from opencpts.clientip import client_ip
from opencpts.middleware import _request_id


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
