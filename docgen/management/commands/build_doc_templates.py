"""``manage.py build_doc_templates`` (``make doc-templates``): write every app's default DOCX templates from
their sources (``<app>/doc_templates_src.py``, docgen/builder.py); ``--check`` only says which differ."""

import importlib
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from docgen.builder import to_bytes


def sources():
    """(app path, file name, builder) of every template source of the installed apps."""
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.doc_templates_src")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.doc_templates_src":
                raise
            continue
        for name, build in module.TEMPLATES.items():
            yield Path(config.path), name, build


def build(found, *, check: bool = False, write=print) -> list[Path]:
    """Write (unless ``check``) the templates of ``found`` (``sources()``) that differ; returns them."""
    stale = []
    for folder, name, make in found:
        path = folder / "doc_templates" / name
        data = to_bytes(make())
        if path.is_file() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            write(f"écrit : {path}")
    return stale


class Command(BaseCommand):
    help = "Écrit les modèles DOCX par défaut des applications depuis leurs sources (doc_templates_src.py)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Vérifie sans écrire.")

    def handle(self, *args, check=False, **options):
        stale = build(sources(), check=check, write=self.stdout.write)
        if check and stale:
            raise CommandError("Modèles à régénérer (make doc-templates) : " + ", ".join(map(str, stale)))
        if not stale:
            self.stdout.write("Les modèles sont à jour.")
