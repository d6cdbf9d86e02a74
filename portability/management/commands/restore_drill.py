"""The restore drill (docs/OPERATIONS.md, « Backup and restore »): pg_dump this database (or take a backup
file), restore it into a new database, check it from a separate process (audit chains and checkpoints,
every encrypted content), compare the row counts, drop it."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opencpts.french import count
from portability import backup


class Command(BaseCommand):
    help = (
        "Exercice de restauration : sauvegarde pg_dump de cette base (ou --dump FICHIER), restauration dans "
        "une base neuve, vérification (audit, points de contrôle, documents), puis suppression de la base."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dump", metavar="FICHIER", help="restaurer cette sauvegarde au lieu d'en faire une"
        )
        parser.add_argument("--name", metavar="NOM", help="base de l'exercice (défaut : drill_<date>)")
        parser.add_argument("--keep", action="store_true", help="garder la base restaurée après l'exercice")

    def handle(self, *args, dump=None, name=None, keep=False, **options):
        name = name or datetime.now(UTC).strftime("drill_%Y%m%d_%H%M%S")
        with tempfile.TemporaryDirectory(prefix="opencpts-drill-") as workdir:
            try:
                report = backup.drill(
                    name,
                    Path(dump) if dump else None,
                    Path(workdir),
                    keep,
                    progress=lambda step: self.stdout.write(f"… {step}"),
                )
            except backup.BackupError as exc:
                raise CommandError(exc.message) from exc
        self._print(report)
        if not report.ok:
            raise CommandError(f"Exercice de restauration en échec (base « {name} »).")
        self.stdout.write(self.style.SUCCESS(f"Exercice de restauration réussi (base « {name} »)."))

    def _print(self, report: backup.DrillReport) -> None:
        v, s, check = report.versions, report.seconds, report.check
        self.stdout.write(
            f"Serveur {v['server']}, pg_dump {v['pg_dump']}, pg_restore {v['pg_restore']}. Sauvegarde : "
            f"{report.dump_bytes} octets en {s.get('dump', 0):.1f} s ; "
            f"restauration {s.get('restore', 0):.1f} s ; "
            f"vérification {s.get('check', 0):.1f} s."
        )
        entries = count(check.get("audit_entries", 0), "entrée vérifiée", "entrées vérifiées")
        self.stdout.write(
            f"Journal d'audit : {entries}, "
            f"point de contrôle {check.get('checkpoint') or 'absent'} "
            f"({count(check.get('chains_at_checkpoint', 0), 'chaîne')} à la même tête, "
            f"{check.get('chains_ahead', 0)} en avance) ; contenus chiffrés lus : {check.get('contents', 0)}."
        )
        for problem in check.get("audit_problems", []) + check.get("content_failures", []):
            self.stderr.write(problem)
        for label, (source, restored) in sorted(report.count_differences.items()):
            self.stderr.write(f"{label} : {source} lignes dans la source, {restored} restaurées")
        if report.kept:
            self.stdout.write(f"Base gardée : « {report.database} » (à supprimer après examen).")
