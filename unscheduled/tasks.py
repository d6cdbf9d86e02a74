"""Background jobs of the unscheduled-care app (jobs/engine.py)."""

from jobs.engine import task
from unscheduled import slots


@task("unscheduled.materialise_slots", label="Matérialisation des créneaux (28 jours)", cron="15 2 * * *")
def materialise_slots(timestamp: int) -> int:
    return slots.materialise_all()
