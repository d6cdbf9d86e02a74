from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify


class Command(BaseCommand):
    help = "Vérifie l'intégrité du journal d'audit chaîné (entrées modifiées, supprimées ou réordonnées)."

    def handle(self, *args, **options):
        checked, problems = verify()
        for problem in problems:
            self.stderr.write(f"[{problem.kind}] {problem.message}")
        if problems:
            raise CommandError(f"Journal d'audit altéré : {len(problems)} problème(s) sur {checked} entrée(s).")
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit intègre : {checked} entrée(s) vérifiée(s)."))
