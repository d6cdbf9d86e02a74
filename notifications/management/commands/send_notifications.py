import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import mailer
from opencpts.french import count


class Command(BaseCommand):
    help = (
        "Envoie les e-mails de notification dus : ceux reportés après les heures calmes, ceux à réessayer, "
        "et les résumés quotidiens. Idempotent, sans double envoi même si deux exécutions se chevauchent : "
        "à lancer chaque minute (cron ou minuterie systemd)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=100, help="Utilisateurs traités par lot (100 par défaut)."
        )
        parser.add_argument(
            "--now",
            help="Date et heure à considérer (ISO 8601, pour les essais) ; l'heure actuelle par défaut.",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(
                    "--now : date et heure ISO 8601 attendues, par exemple 2026-03-02T07:00:00+01:00."
                ) from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        if options["batch"] < 1:
            raise CommandError("--batch : un entier positif est attendu.")
        verbose = options["verbosity"] >= 2

        def progress(users, report):
            if verbose:
                self.stdout.write(
                    f"… {count(users, 'utilisateur traité', 'utilisateurs traités')}, "
                    f"{count(report.emails, 'e-mail envoyé', 'e-mails envoyés')}"
                )

        report = mailer.send_due(now, batch_users=options["batch"], progress=progress)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{count(report.emails, 'e-mail envoyé', 'e-mails envoyés')} pour "
                f"{count(report.notifications, 'notification')} ; "
                f"{count(report.deferred, 'reportée')}, {report.dropped} sans e-mail (lue, désactivée ou "
                f"accès perdu), {count(report.failed, 'échec')} (réessai plus tard)."
            )
