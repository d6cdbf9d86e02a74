"""Delete the care circles closed for longer than their CPTS's retention period (coordination.retention)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coordination import retention
from cpts.models import CPTS
from opencpts.french import count


class Command(BaseCommand):
    help = (
        "Supprime les cercles de soins clôturés depuis plus longtemps que la durée de conservation de leur "
        "CPTS (messages, consentements, membres, documents ; le patient s'il n'est plus dans aucun groupe). "
        "Chaque cercle est supprimé dans sa propre transaction et laisse une trace dans le journal "
        "d'audit : une exécution interrompue se relance simplement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Lister ce qui serait supprimé, sans rien supprimer."
        )
        parser.add_argument("--cpts", metavar="SLUG", help="Une seule CPTS (par son identifiant d'URL).")

    def handle(self, *args, dry_run=False, cpts=None, **options):
        cpts_list = None
        if cpts:
            cpts_list = list(CPTS.objects.filter(slug=cpts))
            if not cpts_list:
                raise CommandError(f"CPTS inconnue : {cpts}")
        now = timezone.now()
        done = skipped = 0
        for item_cpts, group, purged in retention.purge_all(cpts_list, now=now, dry_run=dry_run):
            closed = timezone.localtime(group.closed_at).strftime("%d/%m/%Y")
            if purged is None:
                skipped += 1
                self.stdout.write(
                    f"[{item_cpts.slug}] cercle n° {group.pk} : plus à supprimer (rouvert ou déjà supprimé)"
                )
                continue
            done += 1
            counts = ", ".join(f"{k} {v}" for k, v in purged.counts.items() if v)
            verb = "serait supprimé" if dry_run else "supprimé"
            patient = (
                ""
                if dry_run
                else (" ; patient supprimé" if purged.patient_deleted else " ; patient conservé")
            )
            self.stdout.write(
                f"[{item_cpts.slug}] cercle n° {group.pk} (clôturé le {closed}) {verb} : "
                f"{counts or 'vide'}{patient}"
            )
        if dry_run:
            summary = count(done, "cercle à supprimer", "cercles à supprimer")
        else:
            summary = count(done, "cercle supprimé", "cercles supprimés")
        if skipped:
            summary += f", {count(skipped, 'ignoré')}"
        self.stdout.write(
            self.style.SUCCESS(summary + (" (simulation : rien n'a été supprimé)." if dry_run else "."))
        )
