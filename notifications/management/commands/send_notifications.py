import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import mailer


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
                self.stdout.write(f"… {users} utilisateur(s) traité(s), {report.emails} e-mail(s) envoyé(s)")

        report = mailer.send_due(now, batch_users=options["batch"], progress=progress)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{report.emails} e-mail(s) envoyé(s) pour {report.notifications} notification(s) ; "
                f"{report.deferred} reportée(s), {report.dropped} sans e-mail (lue, désactivée ou accès "
                f"perdu), {report.failed} échec(s) (réessai plus tard)."
            )
