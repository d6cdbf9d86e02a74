from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints
from audit.verify import verify_report
from opencpts.french import count


class Command(BaseCommand):
    help = (
        "Vérifie l'intégrité du journal d'audit chaîné (entrées modifiées, supprimées ou réordonnées) "
        "et le compare au dernier point de contrôle signé (chaînes disparues, fins coupées, "
        "réécritures)."
    )

    def handle(self, *args, **options):
        report = verify_report()
        for problem in report.problems:
            self.stderr.write(f"[{problem.kind}] {problem.message}")
        if report.checkpoint is None:
            self.stdout.write(
                self.style.WARNING(
                    f"Aucun point de contrôle valide dans {checkpoints.store().describe()} : seules les "
                    "chaînes elles-mêmes sont vérifiées (lancez audit_checkpoint régulièrement)."
                )
            )
        else:
            last = report.checkpoint
            self.stdout.write(
                f"Comparé au point de contrôle du {last.at} "
                f"({count(len(last.chains), 'chaîne')}, ligne {last.line_no})."
            )
        if report.problems:
            raise CommandError(
                f"Journal d'audit altéré : {count(len(report.problems), 'problème')} "
                f"sur {count(report.checked, 'entrée')}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Journal d'audit intègre : {count(report.checked, 'entrée vérifiée', 'entrées vérifiées')}."
            )
        )
