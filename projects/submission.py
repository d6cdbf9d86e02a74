"""Sending a dossier to the ARS: the AMI (seed 004).

``submit_ami(project, by)``: what is missing is listed in French and nothing is sent (``MissingFields``);
otherwise, in one transaction: the project row and its communes are locked (the communes in code order,
their parent for an arrondissement, as ``cpts.territory.add_communes`` locks them: a CPTS adding one of
them at the same moment waits too), the territory is checked again under the lock (a commune of a CPTS, or of
another project that has sent its AMI, refuses the submission naming who holds it: of two projects sending at
once with a commune in common, the first wins and the second is told), the document is generated, the
``Submission`` recorded (addressee, date, SHA-256, the file encrypted), the stage moves to AMI with its date,
and the decision is audited (instance chain: the project has no CPTS).
"""

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from audit.log import record
from docgen import render
from documents import crypto
from opencpts.errors import ActionError
from projects import dossiers
from projects import territory as rules
from projects.actions import set_stage
from projects.models import Project, Stage, Submission
from territory.models import Commune, Region


class MissingFields(ActionError):
    """The dossier cannot be sent: ``gaps`` lists what is missing (French)."""

    def __init__(self, gaps: list[str]):
        super().__init__("Le dossier n'a pas été envoyé. À compléter : " + " ".join(gaps))
        self.gaps = gaps


def _lock_communes(project: Project) -> list[Commune]:
    communes = list(Commune.objects.filter(project_links__project=project))
    roots = sorted({c.parent_id or c.insee for c in communes})
    list(Commune.objects.select_for_update().filter(insee__in=roots).order_by("insee"))
    return communes


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def render_ami(context: dict, fmt: str = "pdf") -> tuple[bytes, str, str]:
    """(content, extension, content type) of the AMI from its template (projects/doc_templates/ami.docx or
    the instance's replacement): the PDF sent, or the DOCX to edit."""
    if fmt == "docx":
        return render.render_docx(dossiers.AMI_KEY, context), "docx", DOCX
    return render.render_pdf(dossiers.AMI_KEY, context), "pdf", "application/pdf"


def draft_file(project: Project, fmt: str) -> tuple[bytes, str, str]:
    """The AMI as filled so far, not sent (content, file name, content type)."""
    data, extension, content_type = render_ami(dossiers.ami_context(project), fmt)
    return data, f"AMI-{slugify(project.name)[:60] or 'projet'}-brouillon.{extension}", content_type


def _store(submission: Submission, data: bytes) -> None:
    submission.key_id, submission.nonce, submission.ciphertext = crypto.encrypt(
        data, submission.pk, purpose=Submission.PURPOSE
    )
    submission.save(update_fields=["key_id", "nonce", "ciphertext"])


def content(submission: Submission) -> bytes:
    """The file sent, decrypted and checked against its SHA-256 (raises ``crypto.IntegrityFailure``)."""
    data = crypto.decrypt(
        submission.key_id,
        submission.nonce,
        bytes(submission.ciphertext),
        submission.pk,
        purpose=Submission.PURPOSE,
    )
    if hashlib.sha256(data).hexdigest() != submission.sha256:
        raise crypto.IntegrityFailure("empreinte SHA-256 différente")
    return data


def check_sendable(project: Project, on: dt.date | None = None) -> tuple[dict, rules.TerritoryCheck]:
    """The AMI's data and the territory's check; ``MissingFields`` listing everything missing (the meeting
    wished must come after ``on``, the day it is sent)."""
    data = dossiers.current_ami(project)
    gaps = dossiers.missing(data, on)
    territory = rules.check(project)
    if not territory.communes:
        gaps.append(
            "Territoire : ajoutez au moins une commune au projet (l'AMI est adressé à l'ARS de sa région)."
        )
    if gaps:
        raise MissingFields(gaps)
    return data, territory


@transaction.atomic
def submit_ami(project: Project, by, *, now: dt.datetime | None = None) -> Submission:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.cpts_id:
        raise ActionError("Le projet est devenu une CPTS : il n'envoie plus d'AMI.")
    sent = project.submissions.filter(kind=Submission.Kind.AMI).first()
    if sent is not None:
        raise ActionError(f"L'AMI a déjà été envoyé le {sent.submitted_at:%d/%m/%Y} à {sent.addressee}.")
    now = now or timezone.now()
    data, _ = check_sendable(project, timezone.localdate(now))
    communes = _lock_communes(project)
    refused = rules.cpts_conflicts(communes) + rules.holder_conflicts(project, [c.insee for c in communes])
    if refused:
        raise ActionError("L'AMI n'a pas été envoyé. " + " ".join(refused), conflict=True)
    territory = rules.check(project)  # under the lock
    region = territory.region
    context = dossiers.ami_context(project, data, addressee=region.addressee, on=timezone.localdate(now))
    file, extension, content_type = render_ami(context)
    submission = Submission.objects.create(
        project=project,
        kind=Submission.Kind.AMI,
        addressee=region.addressee,
        region=Region.objects.get(code=region.code),
        submitted_by=by,
        submitted_at=now,
        filename=f"AMI-{slugify(project.name)[:60] or 'projet'}-{now:%Y-%m-%d}.{extension}",
        content_type=content_type,
        size=len(file),
        sha256=hashlib.sha256(file).hexdigest(),
        key_id="",
        nonce=b"",
        ciphertext=b"",
    )
    _store(submission, file)
    if project.stage == Stage.INTENTION:
        set_stage(project, Stage.AMI, timezone.localdate(now), by, f"Envoyé à {region.addressee}")
    record(
        "decision",
        obj=submission,
        details={
            "decision": "dossier_submitted",
            "kind": Submission.Kind.AMI,
            "project_id": project.pk,
            "addressee": region.addressee,
            "sha256": submission.sha256,
            "communes": len(communes),
        },
    )
    return submission


@transaction.atomic
def open_file(submission: Submission, by) -> bytes:
    """The file sent, for a member of the project: its download is traced (instance chain)."""
    data = content(submission)
    record("export", obj=submission, details={"project_id": submission.project_id, "by": by.pk})
    return data
