"""The instance administrator's writes on the document templates, audited on the instance chain: upload
a replacement (checked first by docgen/validation.py, nothing stored when refused), go back to the default."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.log import record
from docgen import selectors, validation
from docgen.errors import TemplateError
from docgen.models import TemplateOverride

CONCURRENT = "Un autre administrateur vient de modifier ce modèle : rechargez la page et recommencez."


def _check(user) -> None:
    """``user`` None: the operator at the shell, recorded as « système »."""
    if user is not None and not user.is_staff:
        raise TemplateError("Seul un administrateur de l'instance peut modifier les modèles de documents.")


def _end(override: TemplateOverride, user, now) -> None:
    override.active, override.ended_at, override.ended_by = False, now, user
    override.save(update_fields=["active", "ended_at", "ended_by"])


def upload_template(user, key: str, content: bytes, filename: str = "") -> TemplateOverride:
    """Make ``content`` the template in force for ``key`` (the previous replacement, if any, is kept as
    history). Raises ``TemplateError`` with the reason when the file is refused."""
    _check(user)
    template = selectors.entry(key)
    validation.check_upload(template, content)
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    try:
        with transaction.atomic():
            previous = TemplateOverride.objects.select_for_update().filter(key=key, active=True).first()
            if previous is not None:
                _end(previous, user, now)
            override = TemplateOverride.objects.create(
                key=key,
                content=content,
                filename=(filename or f"{key}.docx")[:255],
                size=len(content),
                sha256=digest,
                uploaded_by=user,
                uploaded_at=now,
            )
            record(
                "docgen.template_uploaded",
                obj=override,
                object_label=template.title[:255],
                details={
                    "key": key,
                    "sha256": digest,
                    "size": len(content),
                    "replaces": previous.pk if previous else None,
                },
            )
    except IntegrityError as exc:  # two uploads of the same key at once: one wins
        raise TemplateError(CONCURRENT, conflict=True) from exc
    return override


def reset_template(user, key: str) -> TemplateOverride:
    """Go back to the default file of ``key``; the replacement in force is kept as history."""
    _check(user)
    template = selectors.entry(key)
    with transaction.atomic():
        override = TemplateOverride.objects.select_for_update().filter(key=key, active=True).first()
        if override is None:
            raise TemplateError("Ce modèle est déjà le modèle par défaut : rien à rétablir.")
        _end(override, user, timezone.now())
        record(
            "docgen.template_reset",
            obj=override,
            object_label=template.title[:255],
            details={"key": key, "sha256": override.sha256},
        )
    return override
