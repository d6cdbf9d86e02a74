"""Create the slots of every active availability pattern up to the horizon (28 days). Run it daily (cron,
systemd timer); `make setup` runs it too. Idempotent and resumable: each pattern remembers how far it went, so
an interrupted run simply continues."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from opencpts.french import count
from unscheduled import slots
from unscheduled.models import AvailabilityPattern


class Command(BaseCommand):
    help = "Matérialise les créneaux des disponibilités récurrentes jusqu'à l'horizon (28 jours)."

    def handle(self, *args, **options):
        today = timezone.localdate()
        total = AvailabilityPattern.objects.in_force(today).count()
        done = 0

        def progress(pattern):
            nonlocal done
            done += 1
            if options["verbosity"] >= 1 and (done % 100 == 0 or done == total):
                self.stdout.write(f"\r  disponibilités traitées : {done} / {total}", ending="")
                self.stdout.flush()

        created = slots.materialise_all(today, progress=progress)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"\n{count(created, 'créneau créé', 'créneaux créés')} pour "
                f"{count(total, 'disponibilité récurrente', 'disponibilités récurrentes')}."
            )
