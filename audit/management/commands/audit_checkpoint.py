"""Append a signed checkpoint of every audit chain head to the checkpoint store (run every few minutes, see
docs/OPERATIONS.md), or export the checkpoints, or print a new audit key."""

from pathlib import Path

from django.core.management.base import BaseCommand

from audit import checkpoints, keys
from opencpts.french import count


class Command(BaseCommand):
    help = "Écrit un point de contrôle signé des têtes de chaîne du journal d'audit (hors base de données)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--export",
            metavar="FICHIER",
            help="Copier tous les points de contrôle dans FICHIER (sans en écrire de nouveau).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Écrire un point de contrôle même si aucune chaîne n'a avancé.",
        )
        parser.add_argument(
            "--new-key",
            metavar="KEYID",
            help="Afficher une nouvelle clé « KEYID:base64 » à placer en tête de OPENCPTS_AUDIT_KEYS.",
        )

    def handle(self, *args, export=None, new_key=None, **options):
        if new_key:
            self.stdout.write(keys.new_key_entry(new_key))
            return
        if export:
            n = checkpoints.export(Path(export))
            self.stdout.write(
                self.style.SUCCESS(
                    f"{count(n, 'point de contrôle exporté', 'points de contrôle exportés')} vers {export}."
                )
            )
            return
        data = checkpoints.write_checkpoint(even_if_unchanged=options.get("force", False))
        if data is None:
            self.stdout.write(
                "Aucune chaîne n'a avancé depuis le dernier point de contrôle : rien à ajouter."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Point de contrôle du {data['at']} : {count(data['chain_count'], 'chaîne')} "
                f"dans {checkpoints.store().describe()}."
            )
        )
