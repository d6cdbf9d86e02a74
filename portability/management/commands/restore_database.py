"""Restore a pg_dump (custom format) into a new, empty PostgreSQL database (docs/OPERATIONS.md, « Backup
and restore »). Refuses a database that holds any table."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portability import backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde pg_dump (format custom) dans une base PostgreSQL neuve et vide, sur le "
        "serveur de DATABASE_URL ; refuse une base qui contient déjà des tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", help="fichier écrit par pg_dump --format=custom")
        parser.add_argument("--into", required=True, metavar="NOM", help="base cible (neuve et vide)")
        parser.add_argument("--create", action="store_true", help="créer la base cible")

    def handle(self, dump, into, create=False, **options):
        try:
            server = backup.current_server()
            versions = backup.tool_versions(server)
            target = backup.create_database(server, into) if create else server.named(into)
            backup.restore(Path(dump), target)
        except backup.BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde restaurée dans « {target.name} » (pg_restore {versions['pg_restore']}, serveur "
                f"{versions['server']}). Vérifiez-la : DATABASE_URL pointant sur cette base, mêmes clés et "
                "mêmes points de contrôle que la production, python manage.py restore_check."
            )
        )
