"""ASGI entry point: HTTP through Django (opencpts.asgi_handler), WebSocket ``/ws/`` through channels
(realtime app), authenticated by the session cookie and checked against ALLOWED_HOSTS as origin."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")

from opencpts.asgi_handler import get_asgi_application  # noqa: E402

http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

from opencpts.gctuning import tune_after_startup  # noqa: E402

tune_after_startup()  # the objects loaded so far live as long as the process (opencpts/gctuning.py)
