"""Background jobs of the audit trail (jobs/engine.py): its checkpoints and its daily verification."""

from audit import checkpoints
from audit.verify import verify_report
from jobs.engine import task
from opencpts.french import count


class AuditTrailAltered(Exception):
    """``verify_audit`` found problems: a failed job, shown to the instance administrator."""


@task("audit.checkpoint", label="Point de contrôle du journal d'audit", cron="*/5 * * * *")
def checkpoint(timestamp: int) -> bool:
    return checkpoints.write_checkpoint() is not None


@task("audit.verify", label="Vérification du journal d'audit", cron="45 3 * * *")
def verify(timestamp: int) -> int:
    report = verify_report()
    if report.problems:
        lines = "\n".join(f"[{p.kind}] {p.message}" for p in report.problems[:20])
        total = count(len(report.problems), "problème")
        raise AuditTrailAltered(f"Journal d'audit altéré : {total}.\n{lines}")
    return report.checked
