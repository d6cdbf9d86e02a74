"""Sending a dossier to the ARS: the AMI (seed 004) and the lettre d'intention (seed 000).

``submit(project, kind, by)`` (``submit_ami``, ``submit_letter``): what is missing is listed in French and
nothing is sent (``MissingFields``); otherwise, in one transaction: the project row and its communes are
locked (the communes in code order, their parent for an arrondissement, as ``cpts.territory.add_communes``
locks them: a CPTS adding one of them at the same moment waits too), the territory is checked again under the
lock (a commune of a CPTS, or of another project that has sent a dossier, refuses the submission naming who
holds it: of two projects sending at once with a commune in common, the first wins and the second is told),
the document is generated, the ``Submission`` recorded (addressee, date, SHA-256, the file encrypted), the
stage moves to AMI (to lettre d'intention) with its date unless the project is already there, and the decision
is audited (instance chain: the project has no CPTS). The AMI is optional: a project may send its letter
first; the letter needs the project's communes (its addressee and its diagnostic).
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from audit.log import record
from docgen import render
from documents import crypto
from opencpts.errors import ActionError
from projects import dossiers, letter
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


def render_letter(context: dict, images: dict[str, bytes], fmt: str = "pdf") -> tuple[bytes, str, str]:
    """(content, extension, content type) of the lettre d'intention from its template
    (projects/doc_templates/lettre.docx or the instance's replacement), with the diagnostic's pictures."""
    if fmt == "docx":
        return render.render_docx(letter.LETTER_KEY, context, images), "docx", DOCX
    return render.render_pdf(letter.LETTER_KEY, context, images), "pdf", "application/pdf"


def draft_file(project: Project, fmt: str) -> tuple[bytes, str, str]:
    """The AMI as filled so far, not sent (content, file name, content type)."""
    data, extension, content_type = render_ami(dossiers.ami_context(project), fmt)
    return data, f"AMI-{slugify(project.name)[:60] or 'projet'}-brouillon.{extension}", content_type


def letter_draft_file(project: Project, fmt: str) -> tuple[bytes, str, str]:
    """The lettre d'intention as filled so far, not sent (content, file name, content type)."""
    diagnostic = letter.project_diagnostic(project) if project.communes.exists() else None
    context = letter.letter_context(project, diagnostic=diagnostic)
    data, extension, content_type = render_letter(context, letter.letter_images(diagnostic), fmt)
    return (
        data,
        f"Lettre-intention-{slugify(project.name)[:60] or 'projet'}-brouillon.{extension}",
        content_type,
    )


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


def letter_gaps(project: Project, on: dt.date | None = None) -> list[str]:
    """What prevents sending the lettre d'intention, the territory included (its communes say the ARS and
    make the diagnostic)."""
    gaps = letter.missing_letter(letter.current_letter(project), on)
    if not project.communes.exists():
        gaps.append(
            "Territoire : ajoutez au moins une commune au projet (la lettre est adressée à l'ARS de sa "
            "région et son diagnostic est calculé sur ses communes)."
        )
    return gaps


def check_letter_sendable(project: Project, on: dt.date | None = None) -> dict:
    """The letter's data; ``MissingFields`` listing everything missing."""
    gaps = letter_gaps(project, on)
    if gaps:
        raise MissingFields(gaps)
    return letter.current_letter(project)


@dataclass(frozen=True)
class Dossier:
    """What differs between the dossiers sent: their kind, their words in the messages, the file name, how
    their data is checked (``check(project, on) -> data``, raising ``MissingFields``) and made into a file
    (``document(project, data, addressee, on) -> (content, extension, content type)``), and the stage their
    sending reaches."""

    kind: str
    the: str  # « L'AMI », « La lettre d'intention »
    sent: str  # « envoyé », « envoyée »
    of: str  # « d'AMI », « de lettre d'intention »
    prefix: str  # of the file name
    stage: str
    check: Callable[[Project, dt.date | None], dict]
    document: Callable[[Project, dict, str, dt.date], tuple[bytes, str, str]]


def _ami_document(project: Project, data: dict, addressee: str, on: dt.date) -> tuple[bytes, str, str]:
    return render_ami(dossiers.ami_context(project, data, addressee=addressee, on=on))


def _letter_document(project: Project, data: dict, addressee: str, on: dt.date) -> tuple[bytes, str, str]:
    diagnostic = letter.project_diagnostic(project)
    context = letter.letter_context(project, data, addressee=addressee, on=on, diagnostic=diagnostic)
    return render_letter(context, letter.letter_images(diagnostic))


DOSSIERS = {
    Submission.Kind.AMI: Dossier(
        Submission.Kind.AMI,
        "L'AMI",
        "envoyé",
        "d'AMI",
        "AMI",
        Stage.AMI,
        lambda project, on: check_sendable(project, on)[0],
        _ami_document,
    ),
    Submission.Kind.LETTER: Dossier(
        Submission.Kind.LETTER,
        "La lettre d'intention",
        "envoyée",
        "de lettre d'intention",
        "Lettre-intention",
        Stage.LETTER,
        lambda project, on: check_letter_sendable(project, on),
        _letter_document,
    ),
}


@transaction.atomic
def submit(project: Project, kind: str, by, *, now: dt.datetime | None = None) -> Submission:
    """Send the dossier ``kind`` (``Submission.Kind``) of the project to the ARS of its région: see the
    module's docstring. Refused once sent, after the conversion, with a field missing (``MissingFields``,
    nothing sent) or a commune held by a CPTS or by another project that sent a dossier first."""
    dossier = DOSSIERS[kind]
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.cpts_id:
        raise ActionError(f"Le projet est devenu une CPTS : il n'envoie plus {dossier.of}.")
    sent = project.submissions.filter(kind=kind).first()
    if sent is not None:
        raise ActionError(
            f"{dossier.the} a déjà été {dossier.sent} le {sent.submitted_at:%d/%m/%Y} à {sent.addressee}."
        )
    now = now or timezone.now()
    on = timezone.localdate(now)
    data = dossier.check(project, on)
    communes = _lock_communes(project)
    refused = rules.cpts_conflicts(communes) + rules.holder_conflicts(project, [c.insee for c in communes])
    if refused:
        raise ActionError(f"{dossier.the} n'a pas été {dossier.sent}. " + " ".join(refused), conflict=True)
    region = rules.check(project).region  # under the lock
    file, extension, content_type = dossier.document(project, data, region.addressee, on)
    submission = Submission.objects.create(
        project=project,
        kind=kind,
        addressee=region.addressee,
        region=Region.objects.get(code=region.code),
        submitted_by=by,
        submitted_at=now,
        filename=f"{dossier.prefix}-{slugify(project.name)[:60] or 'projet'}-{now:%Y-%m-%d}.{extension}",
        content_type=content_type,
        size=len(file),
        sha256=hashlib.sha256(file).hexdigest(),
        key_id="",
        nonce=b"",
        ciphertext=b"",
    )
    _store(submission, file)
    if not project.has_reached(dossier.stage):
        set_stage(project, dossier.stage, on, by, f"Envoyé à {region.addressee}")
    record(
        "decision",
        obj=submission,
        details={
            "decision": "dossier_submitted",
            "kind": kind,
            "project_id": project.pk,
            "addressee": region.addressee,
            "sha256": submission.sha256,
            "communes": len(communes),
        },
    )
    return submission


def submit_ami(project: Project, by, *, now: dt.datetime | None = None) -> Submission:
    return submit(project, Submission.Kind.AMI, by, now=now)


def submit_letter(project: Project, by, *, now: dt.datetime | None = None) -> Submission:
    return submit(project, Submission.Kind.LETTER, by, now=now)


@transaction.atomic
def open_file(submission: Submission, by) -> bytes:
    """The file sent, for a member of the project: its download is traced (instance chain)."""
    data = content(submission)
    record("export", obj=submission, details={"project_id": submission.project_id, "by": by.pk})
    return data
