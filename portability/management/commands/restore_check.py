"""Check a restored database: run with DATABASE_URL pointing at it and the production keys and checkpoint
store (docs/OPERATIONS.md, « Backup and restore »). restore_drill runs it on the drill's database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opencpts.french import count
from portability.backup import check_restored


class Command(BaseCommand):
    requires_system_checks = []  # reads only; run by restore_drill in a new process
    help = (
        "Vérifie une base restaurée : journal d'audit intègre et conforme au dernier point de contrôle, "
        "tous les contenus chiffrés lisibles avec les clés gardées à part."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="une ligne JSON (pour restore_drill)")
        parser.add_argument(
            "--checkpoint-file",
            metavar="FICHIER",
            help="comparer à ce fichier de points de contrôle (par exemple une copie exportée) plutôt qu'à "
            "OPENCPTS_AUDIT_CHECKPOINT_FILE",
        )

    def handle(self, *args, json=False, checkpoint_file=None, **options):
        if checkpoint_file:
            settings.OPENCPTS_AUDIT_CHECKPOINT_FILE = checkpoint_file  # this process only
            settings.OPENCPTS_AUDIT_CHECKPOINT_STORE = "audit.checkpoints.FileCheckpointStore"
        check = check_restored()
        if json:
            self.stdout.write(check.as_json())
            return
        for problem in check.audit_problems + check.content_failures:
            self.stderr.write(problem)
        self.stdout.write(
            f"Journal d'audit : {count(check.audit_entries, 'entrée vérifiée', 'entrées vérifiées')}, "
            f"point de contrôle : {check.checkpoint or 'aucun'} "
            f"({count(check.chains_at_checkpoint, 'chaîne')} "
            f"à la même tête, {check.chains_ahead} en avance). Contenus chiffrés lus : {check.contents}."
        )
        if not check.ok:
            raise CommandError(
                "Base restaurée NON conforme : "
                + ("aucun point de contrôle valide ; " if check.checkpoint is None else "")
                + f"{count(len(check.audit_problems), 'problème')} d'audit, "
                f"{count(len(check.content_failures), 'contenu illisible', 'contenus illisibles')}."
            )
        self.stdout.write(self.style.SUCCESS("Base restaurée conforme."))
