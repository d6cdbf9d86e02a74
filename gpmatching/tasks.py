"""Background jobs of the médecin traitant app (jobs/engine.py)."""

from gpmatching import daily
from jobs.engine import task


@task(
    "gpmatching.daily",
    label="Médecin traitant : relances, expirations, effacements, priorités",
    cron="0 6 * * *",
)
def gp_daily(timestamp: int) -> dict[str, int]:
    return daily.run()
