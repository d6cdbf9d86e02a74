"""System checks: documents cannot be stored without an encryption key outside development."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def document_keys(app_configs, **kwargs):
    from documents import crypto

    if not getattr(settings, "OPENCPTS_DOCUMENT_KEYS", None) and settings.DEV:
        return []  # a development key is generated in var/ on first use
    try:
        crypto.keyring()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                id="documents.E001",
                hint="Générez une clé : python manage.py rotate_document_keys --new-key k1",
            )
        ]
    return []
