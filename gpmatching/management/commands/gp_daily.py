"""The daily upkeep of the médecin traitant waiting lists, CPTS by CPTS: reminders to GPs who have not
answered a proposal and expiry of those past the limit (gpmatching.matching.follow_up), deletion of personal
data past their retention (gpmatching.retention.purge), refresh of the priority scores
(gpmatching.priority.refresh). Run it once a day (cron, systemd timer; one instance is enough). Each CPTS is
one transaction per step, so an interrupted run is simply run again: what was done stays done and is not done
twice."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cpts.models import CPTS
from gpmatching import matching, priority, retention
from gpmatching.models import Request
from opencpts.french import count


class Command(BaseCommand):
    help = "Relances et expirations des propositions, effacement des demandes échues, priorités du jour."

    def handle(self, *args, **options):
        now = timezone.now()
        ids = list(Request.objects.values_list("cpts_id", flat=True).distinct().order_by("cpts_id"))
        totals = {"reminded": 0, "expired": 0, "purged": 0, "scored": 0}
        for done, cpts in enumerate(CPTS.objects.filter(pk__in=ids).order_by("pk"), 1):
            follow = matching.follow_up(cpts, now)
            purged = retention.purge(cpts, now)
            scored = priority.refresh(cpts, timezone.localdate(now))
            totals["reminded"] += follow.reminded
            totals["expired"] += follow.expired
            totals["purged"] += purged.total
            totals["scored"] += scored
            if options["verbosity"] >= 1:
                self.stdout.write(f"\r  CPTS traitées : {done} / {len(ids)}", ending="")
                self.stdout.flush()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"\n{count(totals['reminded'], 'relance')}, "
                f"{count(totals['expired'], 'proposition expirée', 'propositions expirées')}, "
                f"{count(totals['purged'], 'demande effacée', 'demandes effacées')}, "
                f"{count(totals['scored'], 'priorité modifiée', 'priorités modifiées')}."
            )
