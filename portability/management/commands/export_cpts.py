"""Operator command: write one CPTS's data to an encrypted archive (docs/OPERATIONS.md, « Backup and
restore »)."""

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from audit.context import Actor, acting_as
from cpts.models import CPTS
from opencpts.errors import ActionError
from opencpts.french import count
from portability.export import export_cpts
from portability.passphrase import create_private, read_passphrase


def actor_for(email: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise CommandError(f"Aucun compte « {email} » sur cette instance.")
    return user


class Progress:
    """A line per model, and every few seconds for a long one."""

    def __init__(self, out, verbosity: int):
        self.out, self.verbosity, self.last = out, verbosity, 0.0

    def __call__(self, label: str, n: int, total: int | None = None) -> None:
        now = time.monotonic()
        if self.verbosity >= 1 and (now - self.last > 2 or n == total):
            self.last = now
            self.out.write(f"  {label} : {n}" + (f" / {total}" if total else ""))


class Command(BaseCommand):
    help = (
        "Exporte les données d'une CPTS dans une archive chiffrée (phrase de passe), pour import_cpts sur "
        "une autre instance. Commande d'exploitation : réservée à un administrateur de l'instance (--as)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifiant de la CPTS")
        parser.add_argument("--output", required=True, help="fichier de l'archive (créé, jamais écrasé)")
        parser.add_argument("--as", dest="as_email", required=True, help="e-mail de l'administrateur")
        parser.add_argument(
            "--passphrase-env", metavar="VAR", help="variable d'environnement contenant la phrase de passe"
        )

    def handle(self, slug, output, as_email, passphrase_env=None, **options):
        user = actor_for(as_email)
        cpts = CPTS.objects.filter(slug=slug).first()
        if cpts is None:
            raise CommandError(f"Aucune CPTS « {slug} ».")
        path = Path(output)
        if path.exists():
            raise CommandError(f"{path} existe déjà : choisissez un autre fichier.")
        passphrase = read_passphrase(passphrase_env, confirm=True)
        partial = path.with_name(path.name + ".partiel")
        started = time.monotonic()
        try:
            with create_private(partial) as out, acting_as(Actor(user.pk, user.email)):
                report = export_cpts(
                    cpts, out, passphrase, by=user, progress=Progress(self.stdout, options["verbosity"])
                )
                out.flush()
                os.fsync(out.fileno())
        except ActionError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(exc.message) from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.rename(path)
        self.stdout.write(
            self.style.SUCCESS(
                f"Archive écrite : {path} ({path.stat().st_size} octets, "
                f"{count(sum(report.counts.values()), 'ligne')}, "
                f"{count(report.contents, 'contenu chiffré', 'contenus chiffrés')}, "
                f"{count(report.audit_entries, 'entrée', 'entrées')} d'historique d'audit) en "
                f"{time.monotonic() - started:.1f} s. Gardez la phrase de passe à part."
            )
        )
