from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from directory import rpps_import
from directory.models import RppsImportRun


class Command(BaseCommand):
    help = (
        "Importe l'extrait public RPPS (PS_LibreAcces_Personne_activite_*.txt ou son .zip) : "
        "idempotent, reprise après interruption, rapport des lignes rejetées."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--force",
            action="store_true",
            help="accepter de rendre inactifs plus de 20 %% des professionnels",
        )
        parser.add_argument("--restart", action="store_true", help="reprendre la lecture au début")
        parser.add_argument("--report", help="écrire le rapport des lignes rejetées (CSV) dans ce fichier")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path, force, restart, report, no_progress, **options):
        bar = (
            None
            if no_progress
            else tqdm(total=None, unit="o", unit_scale=True, file=self.stderr, desc="lecture")
        )

        def progress(done, total):
            if bar is not None:
                bar.total = total
                bar.update(done - bar.n)

        try:
            result = rpps_import.import_extract(path, force=force, restart=restart, progress=progress)
        except rpps_import.ImportAborted as exc:
            raise CommandError(exc.message) from exc
        finally:
            if bar is not None:
                bar.close()
        if result.resumed_from_line:
            self.stdout.write(f"Reprise à la ligne {result.resumed_from_line}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.lines} lignes lues : {result.accepted} acceptées, {result.rejected} rejetées, "
                f"{result.warnings} avertissements. Professionnels : {result.created} créés, "
                f"{result.updated} mis à jour, {result.deactivated} rendus inactifs ; {result.places} lieux "
                f"d'exercice. ({result.seconds:.0f} s)"
            )
        )
        for line_no, severity, reason in result.issues_sample:
            self.stdout.write(
                f"  ligne {line_no} [{'rejetée' if severity == 'rejected' else 'avertissement'}] : {reason}"
            )
        if report:
            run = RppsImportRun.objects.get(pk=result.run_id)
            Path(report).write_text(rpps_import.issues_csv(run).getvalue(), encoding="utf-8")
            self.stdout.write(f"Rapport complet : {report}")
