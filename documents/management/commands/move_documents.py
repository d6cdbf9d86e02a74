"""Move document contents between the database and the object store, or list and delete orphan objects.

    python manage.py move_documents --to s3 [--batch-size 100] [--dry-run]
    python manage.py move_documents --to database
    python manage.py move_documents --orphans [--older-than-hours 24] [--delete]

Resumable and safe to interrupt: each content is moved in its own transaction, after its copy is read
back and decrypted (documents/relocation.py). See docs/OPERATIONS.md, « Documents on object storage ».
"""

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from documents import relocation, store
from opencpts.french import count


class Command(BaseCommand):
    help = (
        "Déplace le contenu chiffré des documents entre la base de données et le stockage objet (S3), "
        "par lots, avec reprise possible ; ou liste et supprime les objets orphelins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", choices=relocation.DIRECTIONS, help="Destination des contenus.")
        parser.add_argument("--batch-size", type=int, default=100, help="Contenus par lot (100).")
        parser.add_argument("--dry-run", action="store_true", help="Compter les contenus à déplacer.")
        parser.add_argument(
            "--orphans",
            action="store_true",
            help="Lister les objets du stockage qu'aucun document ne référence.",
        )
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=24,
            help="Avec --orphans : ne retenir que les objets écrits il y a plus de N heures (24).",
        )
        parser.add_argument("--delete", action="store_true", help="Avec --orphans : les supprimer.")

    def handle(self, *args, to=None, batch_size=100, dry_run=False, orphans=False, **options):
        if bool(to) == bool(orphans):
            raise CommandError("Indiquez soit --to s3|database, soit --orphans.")
        if batch_size < 1:
            raise CommandError("--batch-size : un entier positif.")
        try:
            if orphans:
                self._orphans(options["older_than_hours"], options["delete"])
            else:
                self._move(to, batch_size, dry_run)
        except ImproperlyConfigured as exc:
            raise CommandError(
                "Stockage objet non configuré : définissez AWS_STORAGE_BUCKET_NAME (docs/OPERATIONS.md, "
                "« Documents on object storage »)."
            ) from exc
        except store.StoreUnavailable as exc:
            raise CommandError(
                f"Le stockage objet ne répond pas ({exc}) : relancez la commande, elle reprend où elle "
                "s'est arrêtée."
            ) from exc

    def _move(self, to: str, batch_size: int, dry_run: bool):
        where = "le stockage objet" if to == store.S3 else "la base de données"
        report = relocation.move(to, batch_size=batch_size, progress=self._progress, dry_run=dry_run)
        if dry_run or not report.to_do:
            todo = count(report.to_do, "contenu", "contenus", "Aucun contenu")
            self.stdout.write(f"{todo} à déplacer vers {where}.")
            return
        self.stdout.write(f"{count(report.moved, 'contenu déplacé', 'contenus déplacés')} vers {where}.")
        if report.skipped:
            self.stdout.write(
                f"{count(report.skipped, 'contenu modifié', 'contenus modifiés')} pendant le déplacement "
                "(rotation, purge) : relancez la commande pour les reprendre."
            )
        for version_id, reason in report.failed:
            self.stderr.write(f"version n° {version_id} : {reason}")
        if report.failed:
            raise CommandError(
                f"{count(len(report.failed), 'contenu')} en échec de contrôle d'intégrité : "
                "laissés à leur place (voir ci-dessus)."
            )
        self.stdout.write(self.style.SUCCESS(f"Tous les contenus sont dans {where}."))

    def _progress(self, report: relocation.MoveReport):
        self.stdout.write(f"  {report.done}/{report.to_do}")

    def _orphans(self, hours: int, delete: bool):
        found = relocation.orphans(dt.timedelta(hours=hours))
        for name in found:
            self.stdout.write(name)
        summary = count(len(found), "objet orphelin", "objets orphelins", "Aucun objet orphelin")
        if not delete or not found:
            self.stdout.write(f"{summary} (écrits il y a plus de {hours} h).")
            return
        failed = store.delete_objects(found)
        if failed:
            raise CommandError(
                f"{count(len(failed), 'objet non supprimé', 'objets non supprimés')} : relancez la commande."
            )
        self.stdout.write(
            self.style.SUCCESS(
                count(len(found), "objet orphelin supprimé", "objets orphelins supprimés") + "."
            )
        )
