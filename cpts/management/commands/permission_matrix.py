from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cpts.permission_matrix import render_markdown


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "PERMISSIONS.md"


class Command(BaseCommand):
    help = (
        "Affiche (ou écrit avec --write) docs/PERMISSIONS.md, la matrice des permissions tirée de "
        "cpts/roles.py."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--write", action="store_true", help="Écrire docs/PERMISSIONS.md au lieu d'afficher."
        )

    def handle(self, *args, **options):
        text = render_markdown()
        if options["write"]:
            path = default_path()
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"{path} écrit.")
        else:
            self.stdout.write(text, ending="")
