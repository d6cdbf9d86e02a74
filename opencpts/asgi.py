import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")

from opencpts.asgi_handler import get_asgi_application  # noqa: E402

application = get_asgi_application()
