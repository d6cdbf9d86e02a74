"""The job worker of one host: ``manage.py run_jobs``. On PostgreSQL it is Procrastinate's worker (jobs,
retries and the periodic tasks, one run per period across hosts); run one per host (systemd unit,
docs/OPERATIONS.md « Background jobs »). On the embedded SQLite default (inline engine) it runs the periodic
tasks when due, in this process, for a single host — or leave them to cron."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from jobs import engine


class Command(BaseCommand):
    help = "Exécute les tâches de fond et les tâches périodiques (un par hôte ; Ctrl+C pour arrêter)."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1, help="Tâches en parallèle (1 par défaut).")
        parser.add_argument(
            "--une-fois", action="store_true", help="S'arrêter quand la file est vide (essais, reprise)."
        )

    def handle(self, *args, concurrency=1, une_fois=False, **options):
        if engine.engine() == engine.PROCRASTINATE:
            argv = ["worker", f"--concurrency={concurrency}"]
            if une_fois:
                argv.append("--one-shot")
            call_command("procrastinate", *argv)
            return
        self._inline_loop(once=une_fois)

    def _inline_loop(self, once: bool) -> None:
        periodic = [s.name for s in engine.REGISTRY.values() if s.periodic]
        self.stdout.write(f"Tâches périodiques exécutées ici : {', '.join(periodic)}")
        last: dict[str, int] = {}
        while True:
            engine.run_due_periodic(last, int(time.time()))
            if once:
                return
            time.sleep(max(1.0, 60 - timezone.now().second))
