"""Reads of the document templates: which file is in force for a key, and the administrator's list."""

from __future__ import annotations

from dataclasses import dataclass

from docgen import registry
from docgen.errors import TemplateError
from docgen.models import TemplateOverride


def entry(key: str) -> registry.DocTemplate:
    found = registry.get(key)
    if found is None:
        raise TemplateError(f"Aucun modèle de document n'est enregistré sous la clé « {key} ».")
    return found


def active_override(key: str) -> TemplateOverride | None:
    return TemplateOverride.objects.filter(key=key, active=True).select_related("uploaded_by").first()


def template_bytes(key: str) -> bytes:
    """The DOCX in force for ``key``: the instance's uploaded replacement if any, else the default file."""
    template = entry(key)
    override = TemplateOverride.objects.filter(key=key, active=True).only("content").first()
    if override is not None:
        return bytes(override.content)
    return template.default_bytes()


@dataclass
class Row:
    template: registry.DocTemplate
    override: TemplateOverride | None

    @property
    def replaced(self) -> bool:
        return self.override is not None


def listing() -> list[Row]:
    """Every registered template with its replacement in force (the « Modèles de documents » page)."""
    overrides = {
        o.key: o
        for o in TemplateOverride.objects.filter(active=True).select_related("uploaded_by").defer("content")
    }
    return [Row(t, overrides.get(t.key)) for t in registry.entries()]


def history(key: str, limit: int = 10) -> list[TemplateOverride]:
    return list(
        TemplateOverride.objects.filter(key=key)
        .select_related("uploaded_by", "ended_by")
        .defer("content")
        .order_by("-uploaded_at")[:limit]
    )
