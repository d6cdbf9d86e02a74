"""The daily upkeep of the médecin traitant waiting lists (gpmatching/daily.py). Run it once a day: on
PostgreSQL the job workers do (``manage.py run_jobs``, periodic job ``gpmatching.daily``); on the embedded
SQLite default, cron or a systemd timer."""

from django.core.management.base import BaseCommand

from gpmatching import daily
from opencpts.french import count


class Command(BaseCommand):
    help = "Relances et expirations des propositions, effacement des demandes échues, priorités du jour."

    def handle(self, *args, **options):
        def progress(done, total):
            if options["verbosity"] >= 1:
                self.stdout.write(f"\r  CPTS traitées : {done} / {total}", ending="")
                self.stdout.flush()

        totals = daily.run(progress=progress)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"\n{count(totals['reminded'], 'relance')}, "
                f"{count(totals['expired'], 'proposition expirée', 'propositions expirées')}, "
                f"{count(totals['purged'], 'demande effacée', 'demandes effacées')}, "
                f"{count(totals['scored'], 'priorité modifiée', 'priorités modifiées')}."
            )
