"""The document templates the platform knows: each app registers its default DOCX (shipped in
``<app>/doc_templates/<name>.docx``) with a title and a sample context, from its ``AppConfig.ready()``.

The sample context is what a replacement uploaded by the instance administrator is rendered with before it is
accepted (docgen/validation.py): it names every variable the app's real context provides, with plausible
values, so that a tag the app never fills is refused at upload time rather than left blank in a real document.
``images`` names the context entries the app gives as pictures (``render_docx(..., images=...)``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DocTemplate:
    key: str
    title: str
    default_path: Path
    sample_context: Mapping = field(default_factory=dict)
    images: tuple[str, ...] = ()
    description: str = ""

    def default_bytes(self) -> bytes:
        return self.default_path.read_bytes()


_REGISTRY: dict[str, DocTemplate] = {}


def register(
    key: str,
    title: str,
    default_path: str | Path,
    sample_context: Mapping,
    *,
    images: tuple[str, ...] | list[str] = (),
    description: str = "",
) -> DocTemplate:
    """Declare a template. ``key`` is ``<app>.<name>`` (lower case); ``default_path`` is absolute or relative
    to the project's root and must exist. Registering the same key again with the same file replaces the
    entry (idempotent); another file under a key already taken is a programming error (ValueError)."""
    if not KEY.match(key):
        raise ValueError(f"Invalid template key {key!r}: expected '<app>.<name>' in lower case")
    path = Path(default_path)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    if not path.is_file():
        raise ValueError(f"Default template of {key!r} not found: {path}")
    taken = _REGISTRY.get(key)
    if taken is not None and taken.default_path != path:
        raise ValueError(f"Template key {key!r} already registered with {taken.default_path}")
    clash = set(images) & set(sample_context)
    if clash:
        raise ValueError(f"Template {key!r}: {sorted(clash)} both images and context entries")
    entry = DocTemplate(key, title, path, dict(sample_context), tuple(images), description)
    _REGISTRY[key] = entry
    return entry


def unregister(key: str) -> None:
    """For tests that register a template of their own."""
    _REGISTRY.pop(key, None)


def get(key: str) -> DocTemplate | None:
    return _REGISTRY.get(key)


def entries() -> list[DocTemplate]:
    """Every registered template, by title (the administrator's list)."""
    return sorted(_REGISTRY.values(), key=lambda e: (e.title.lower(), e.key))


def variables(context: Mapping, images: tuple[str, ...] = (), prefix: str = "") -> list[str]:
    """The dotted names a template may use, from a sample context: ``projet.nom``, ``communes[].insee``,
    ``carte (image)``."""
    names: list[str] = []
    for name, value in context.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            names += variables(value, prefix=f"{path}.")
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            names += variables(value[0], prefix=f"{path}[].")
        else:
            names.append(path)
    names += [f"{prefix}{name} (image)" for name in images]
    return names
