"""Operator command: load a CPTS archive written by export_cpts (docs/OPERATIONS.md, « Backup and
restore »)."""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.context import Actor, acting_as
from opencpts.errors import ActionError
from opencpts.french import count
from portability.actions import import_cpts
from portability.management.commands.export_cpts import Progress, actor_for
from portability.passphrase import create_private, read_passphrase


class Command(BaseCommand):
    help = (
        "Importe l'archive chiffrée d'une CPTS (export_cpts) dans cette instance, tout ou rien : nouvelles "
        "clés, liens recalculés, documents re-chiffrés avec les clés de cette instance. Commande "
        "d'exploitation : réservée à un administrateur de l'instance (--as)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="fichier écrit par export_cpts")
        parser.add_argument("--as", dest="as_email", required=True, help="e-mail de l'administrateur")
        parser.add_argument(
            "--passphrase-env", metavar="VAR", help="variable d'environnement contenant la phrase de passe"
        )
        parser.add_argument(
            "--history",
            metavar="FILE",
            help="écrire ici le journal d'audit de la CPTS source (JSON lines, signé par la source)",
        )

    def handle(self, archive, as_email, passphrase_env=None, history=None, **options):
        user = actor_for(as_email)
        source = Path(archive)
        if not source.is_file():
            raise CommandError(f"Archive introuvable : {source}.")
        history_path = Path(history) if history else None
        if history_path and history_path.exists():
            raise CommandError(f"{history_path} existe déjà : choisissez un autre fichier.")
        passphrase = read_passphrase(passphrase_env, confirm=False)
        partial = history_path.with_name(history_path.name + ".partiel") if history_path else None
        sink = create_private(partial, "w") if partial else None

        def on_history(entries):
            if sink:
                sink.writelines(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)

        started = time.monotonic()
        report = None
        try:
            with open(source, "rb") as f, acting_as(Actor(user.pk, user.email)):
                report = import_cpts(
                    f,
                    passphrase,
                    by=user,
                    progress=Progress(self.stdout, options["verbosity"]),
                    on_history=on_history,
                )
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if sink:
                sink.close()
                if report is None:
                    partial.unlink(missing_ok=True)
        if partial:
            partial.rename(history_path)
        created = ", ".join(f"{label} : {n}" for label, n in sorted(report.created.items())) or "aucune"
        self.stdout.write(
            self.style.SUCCESS(
                f"CPTS « {report.cpts.slug} » importée en {time.monotonic() - started:.1f} s : "
                f"{count(sum(report.counts.values()), 'ligne')}, "
                f"{count(report.contents, 'contenu re-chiffré', 'contenus re-chiffrés')}. "
                f"Références créées : {created}. Historique d'audit de la source : "
                f"{count(report.history, 'entrée', 'entrées')}"
                + (f" ({history_path})." if history_path else " (non écrit : --history FILE).")
            )
        )
