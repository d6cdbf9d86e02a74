"""Re-encrypt every document content with the current key (the first of OPENCPTS_DOCUMENT_KEYS).

Resumable: run it again after an interruption, it continues with the blobs not yet under the current key.
See docs/OPERATIONS.md, « Documents : clés de chiffrement ».
"""

from django.core.management.base import BaseCommand, CommandError

from documents import crypto, rotation, store
from opencpts.french import count


class Command(BaseCommand):
    requires_system_checks = []  # --new-key must work before any key is configured
    help = (
        "Re-chiffre le contenu de tous les documents avec la clé courante (reprise possible après "
        "interruption)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compter les contenus à re-chiffrer, sans écrire."
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Vérifier l'intégrité de tous les contenus (déchiffrement et SHA-256), sans écrire.",
        )
        parser.add_argument(
            "--new-key",
            metavar="KEYID",
            help="Afficher une nouvelle clé « KEYID:base64 » à placer en tête de OPENCPTS_DOCUMENT_KEYS.",
        )

    def handle(self, *args, dry_run=False, verify=False, new_key=None, **options):
        if new_key:
            if not crypto.KEY_ID.match(new_key):
                raise CommandError(
                    "Identifiant de clé invalide (lettres, chiffres, . _ -, 64 caractères au plus)."
                )
            self.stdout.write(crypto.new_key_entry(new_key))
            return
        try:
            if verify:
                failures = rotation.verify(progress=self._verify_progress)
                self._fail_on(failures, "contrôle d'intégrité")
                self.stdout.write(self.style.SUCCESS("Tous les contenus sont intègres."))
                return
            report = rotation.rotate(progress=self._progress, dry_run=dry_run)
        except store.StoreUnavailable as exc:
            raise CommandError(
                f"Le stockage objet ne répond pas ({exc}) : relancez la commande, elle reprend où elle "
                "s'est arrêtée."
            ) from exc
        if dry_run:
            self.stdout.write(
                f"{count(report.to_do, 'contenu', 'contenus', 'Aucun contenu')} à re-chiffrer "
                f"avec la clé « {report.current_key} »."
            )
            return
        self.stdout.write(
            f"{count(report.rotated, 'contenu re-chiffré', 'contenus re-chiffrés')} "
            f"avec la clé « {report.current_key} »."
        )
        self._fail_on(report.failed, "re-chiffrement")
        self.stdout.write(
            self.style.SUCCESS(
                "Rotation terminée : les anciennes clés peuvent être retirées de OPENCPTS_DOCUMENT_KEYS."
            )
        )

    def _progress(self, report: rotation.RotationReport):
        done = report.rotated + len(report.failed)
        if done == report.to_do or done % 100 == 0:
            self.stdout.write(f"  {done}/{report.to_do}")

    def _verify_progress(self, done: int, total: int):
        if done == total or done % 100 == 0:
            self.stdout.write(f"  {done}/{total}")

    def _fail_on(self, failures, what: str):
        for version_id, reason in failures:
            self.stderr.write(f"n° {version_id}, {reason}")
        if failures:
            raise CommandError(
                f"{count(len(failures), 'contenu')} en échec de {what} : voir ci-dessus (laissés tels quels)."
            )
