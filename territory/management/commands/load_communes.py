import time

from django.core.management.base import BaseCommand, CommandError

from audit.log import record
from opencpts.progress import step_bars
from territory import loader, npm_data


class Command(BaseCommand):
    help = "Charge les communes, EPCI, départements, régions et codes postaux officiels (hors ligne)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed", action="store_true", help="Ne rien faire si la version est déjà chargée."
        )

    def handle(self, *args, if_needed=False, **options):
        if if_needed and loader.is_loaded():
            self.stdout.write(f"Communes déjà chargées ({loader.PACKAGE} {loader.PACKAGE_VERSION}).")
            return
        started = time.monotonic()
        try:
            with step_bars(self.stderr) as progress:
                counts = loader.load(progress)
        except npm_data.PackageMissing as exc:
            raise CommandError(str(exc)) from None
        record(
            "create",
            object_type="territory.dataset",
            object_id="communes",
            object_label=f"{loader.PACKAGE} {loader.PACKAGE_VERSION}",
            details=counts,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['communes']} communes, {counts['epci']} EPCI, {counts['postal_codes']} codes "
                f"postaux chargés en {time.monotonic() - started:.0f} s ({loader.vintage_source()})."
            )
        )
