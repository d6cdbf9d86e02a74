"""How a patient is told about their booking: a pluggable backend (``OPENCPTS_PATIENT_MESSAGES_BACKEND``),
the console by default, an e-mail backend over Django's mail settings, and any SMS gateway an operator plugs
in with the same two-method interface. A message never carries the motif: only the date, the time, the place
and the professional's name, as a receptionist would say on the phone."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PatientMessage:
    phone: str
    email: str
    text: str
    subject: str = "Votre rendez-vous de soins non programmés"


class ConsoleBackend:
    """Writes the message to the log (development, demos)."""

    def send(self, message: PatientMessage) -> str:
        logger.info("Message au patient (%s) : %s", message.phone or message.email, message.text)
        return f"console:{'sms' if message.phone else 'e-mail'}"


class EmailBackend:
    """E-mails the message when the patient gave an address; otherwise nothing (a phone number needs an SMS
    gateway)."""

    def send(self, message: PatientMessage) -> str:
        if not message.email:
            return ""
        send_mail(message.subject, message.text, None, [message.email])
        return "e-mail"


class MemoryBackend:
    """Keeps the messages (tests)."""

    outbox: list[PatientMessage] = []

    def send(self, message: PatientMessage) -> str:
        MemoryBackend.outbox.append(message)
        return "memory"


def backend():
    path = getattr(
        settings, "OPENCPTS_PATIENT_MESSAGES_BACKEND", "unscheduled.patient_messages.ConsoleBackend"
    )
    return import_string(path)()


def send(message: PatientMessage) -> str:
    """Send through the configured backend; a failure is logged, never raised (the booking stands)."""
    try:
        return backend().send(message) or ""
    except Exception:  # noqa: BLE001 - any gateway error: the booking is made, the coordinator can call
        logger.exception("patient message not sent")
        return "échec"
