"""The state of the background jobs for the instance administrator: the queue's counts, the failed and the
stuck jobs with their error; ``--relancer ID`` relaunches one (audited). Exit status 1 when a job needs
attention (for monitoring)."""

from django.core.management.base import BaseCommand, CommandError

from jobs import actions, engine, status
from opencpts.errors import ActionError
from opencpts.french import count


class Command(BaseCommand):
    help = "État des tâches de fond : files, tâches échouées ou bloquées avec leur erreur."

    def add_arguments(self, parser):
        parser.add_argument(
            "--relancer", type=int, metavar="ID", help="Relancer la tâche ID (voir la liste)."
        )
        parser.add_argument(
            "--erreurs", action="store_true", help="Afficher l'erreur complète de chaque tâche."
        )

    def handle(self, *args, relancer=None, erreurs=False, **options):
        if relancer is not None:
            self._relaunch(relancer)
            return
        self.stdout.write(f"Moteur : {engine.engine()}")
        for state, n in sorted(status.counts().items()):
            self.stdout.write(f"  {state} : {n}")
        rows = status.problems()
        for row in rows:
            ident = f"#{row.job_id}" if row.job_id else f"échec {row.failure_id}"
            self.stdout.write(
                f"- {ident} {row.task_name} ({row.label}) : {row.state}, {count(row.attempts, 'essai')}"
            )
            if row.error:
                self.stdout.write("    " + (row.error if erreurs else row.error.strip().splitlines()[-1]))
        if rows:
            raise CommandError(
                f"{count(len(rows), 'tâche')} à examiner (relancer : --relancer ID).", returncode=1
            )
        self.stdout.write("Aucune tâche échouée ni bloquée.")

    def _relaunch(self, ident: int) -> None:
        admin = None  # the operator at the shell: audited as « système »
        try:
            if engine.engine() == engine.PROCRASTINATE:
                actions.retry_job(admin, ident)
                self.stdout.write(f"Tâche #{ident} remise en file.")
            else:
                ok = actions.rerun_failure(admin, ident)
                self.stdout.write("Tâche relancée : réussie." if ok else "Tâche relancée : nouvel échec.")
        except ActionError as exc:
            raise CommandError(str(exc)) from exc
