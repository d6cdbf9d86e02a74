"""Web Push, a notification channel beside e-mail: subscribe a browser, unsubscribe it, send. The one writer
of ``PushSubscription``.

- Keys: the VAPID pair from the environment (``VAPID_PRIVATE_KEY``, ``VAPID_PUBLIC_KEY``, ``VAPID_SUBJECT``);
  in development a pair is generated once in ``var/vapid_keys`` (never committed). Without keys the channel
  is off: nothing is sent and « Mes notifications » says so.
- A subscription is what the browser's ``PushManager.subscribe()`` returns: an https address of the browser
  vendor's push service (only the hosts of ``WEB_PUSH_ALLOWED_HOSTS``: the server posts there and nowhere
  else) and two keys (``p256dh``: a P-256 public point, 65 bytes; ``auth``: 16 bytes). Anything else is
  refused with a French message and nothing is stored.
- What is sent: the notification's ``email_text`` — the same fixed, neutral words as the e-mail, never a
  patient's name nor a message's text — and the link that opens the notification. Encrypted for the browser
  (RFC 8291, aes128gcm) and signed with the VAPID key (RFC 8292).
- When: by the job ``notifications.push`` deferred with the notification (notifications/tasks.py), for the
  categories not set to « Désactivé » and outside the user's quiet hours. A push service that fails (5xx,
  unreachable) gets a job ``notifications.push_retry`` for that browser, retried with an exponential backoff
  (jobs/engine.py) and then shown to the instance administrator; on the inline engine (SQLite) one attempt
  (the notification stays in the list). A push service answering 404 or 410 means the browser dropped the
  subscription: it is deleted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import jobs
from audit.log import record
from notifications import schedule
from notifications.delivery import preferences_for
from notifications.models import Delivery, Notification, PushSubscription
from opencpts.errors import ActionError

logger = logging.getLogger(__name__)

DEV_KEY_FILE = "vapid_keys"
TIMEOUT_SECONDS = 5
TTL_SECONDS = 24 * 3600
GONE = (404, 410)

ENDPOINT_MESSAGE = (
    "Abonnement refusé : l'adresse du service de notification doit être une adresse https d'un service de "
    "notification de navigateur connu."
)
P256DH_MESSAGE = "Abonnement refusé : la clé de chiffrement (p256dh) est invalide."
AUTH_MESSAGE = "Abonnement refusé : la clé d'authentification (auth) est invalide."


@dataclass(frozen=True)
class Keys:
    private: str
    public: str
    subject: str


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes | None:
    if not isinstance(text, str) or not text or len(text) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def new_key_pair() -> tuple[str, str]:
    """A fresh VAPID pair (private, public), base64url, as the environment variables expect them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private), _b64url(public)


def _dev_keys() -> tuple[str, str]:
    path = Path(settings.VAR_DIR) / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together keep the same pair
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(new_key_pair()) + "\n")
    private, public = path.read_text().split()[:2]
    return private, public


def keys() -> Keys | None:
    """The VAPID keys, or None: the channel is off."""
    private, public = settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY
    if not (private and public) and settings.VAPID_DEV_KEYS:
        private, public = _dev_keys()
    if not (private and public):
        return None
    subject = settings.VAPID_SUBJECT or f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"
    return Keys(private, public, subject)


def enabled() -> bool:
    return keys() is not None


# Subscriptions ----------------------------------------------------------------------------------------------


def _allowed_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in settings.WEB_PUSH_ALLOWED_HOSTS)


def check_endpoint(endpoint) -> str:
    if not isinstance(endpoint, str) or not 10 <= len(endpoint) <= 1000:
        raise ActionError(ENDPOINT_MESSAGE, "endpoint")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise ActionError(ENDPOINT_MESSAGE, "endpoint") from None
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username
        or parts.password
        or port not in (None, 443)
        or not _allowed_host(parts.hostname)
    ):
        raise ActionError(ENDPOINT_MESSAGE, "endpoint")
    return endpoint


def check_keys(p256dh, auth) -> tuple[str, str]:
    point = _unb64url(p256dh)
    if point is None or len(point) != 65 or point[0] != 4:
        raise ActionError(P256DH_MESSAGE, "p256dh")
    secret = _unb64url(auth)
    if secret is None or len(secret) != 16:
        raise ActionError(AUTH_MESSAGE, "auth")
    return p256dh.rstrip("="), auth.rstrip("=")


@transaction.atomic
def subscribe(user, endpoint, p256dh, auth, label: str = "") -> PushSubscription:
    """Turn Web Push on for one browser of ``user`` (again: the keys are refreshed)."""
    if not enabled():
        raise ActionError("Les notifications sur appareil ne sont pas activées sur cette plateforme.")
    endpoint = check_endpoint(endpoint)
    p256dh, auth = check_keys(p256dh, auth)
    subscription, created = PushSubscription.objects.select_for_update().get_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "label": label[:100],
            "created_at": timezone.now(),
        },
    )
    if not created:
        subscription.user, subscription.p256dh, subscription.auth = user, p256dh, auth
        subscription.label = label[:100] or subscription.label
        subscription.save(update_fields=["user", "p256dh", "auth", "label"])
    record("push.subscribed", obj=subscription, details={"user_id": user.pk})
    return subscription


@transaction.atomic
def unsubscribe(user, endpoint) -> bool:
    """Turn Web Push off for the browser of ``endpoint``; False when it was not on for ``user``."""
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=str(endpoint or "")[:1000]).delete()
    if deleted:
        record(
            "push.unsubscribed", object_type="notifications.pushsubscription", details={"user_id": user.pk}
        )
    return bool(deleted)


def subscriptions_of(user):
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")


# Sending ----------------------------------------------------------------------------------------------------


def payload(notification: Notification) -> str:
    """What the browser shows: fixed, neutral words (the e-mail's line) and the link; no clinical text."""
    return json.dumps(
        {
            "title": "OpenCPTS",
            "body": notification.email_text,
            "url": reverse("notifications:open", kwargs={"notification_id": notification.pk}),
            "tag": f"opencpts-{notification.kind}-{notification.topic}",
        },
        ensure_ascii=False,
    )


def _wanted(notification: Notification, prefs, now: dt.datetime) -> bool:
    return (
        notification.read_at is None
        and prefs.delivery(notification.category) != Delivery.OFF
        and not schedule.in_quiet_hours(prefs, now)
    )


SENT, DROPPED, FAILED = "sent", "dropped", "failed"


class PushFailed(Exception):
    """The push service refused the message or could not be reached: the job is retried."""


def _post(subscription: PushSubscription, data: str, vapid: Keys) -> str:
    """One POST to the push service: SENT, DROPPED (the service says the subscription is gone: it is deleted)
    or FAILED (worth another attempt)."""
    from pywebpush import WebPushException, webpush

    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        webpush(
            info,
            data,
            vapid_private_key=vapid.private,
            vapid_claims={"sub": vapid.subject},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("notifications: push subscription %s gone (%s), deleted", subscription.pk, status)
            return DROPPED
        logger.warning("notifications: push to subscription %s failed (%s)", subscription.pk, status)
        return FAILED
    except Exception:  # noqa: BLE001 - network errors: logged, retried by a job
        logger.exception("notifications: push to subscription %s failed", subscription.pk)
        return FAILED
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
    return SENT


def send_one(subscription: PushSubscription, data: str, vapid: Keys) -> bool:
    """One POST to the push service; True when accepted. A subscription the service says is gone is
    deleted."""
    return _post(subscription, data, vapid) == SENT


def send_now(notification_ids: list[int], now: dt.datetime | None = None) -> int:
    """Push the notifications just created or grouped to their recipients' browsers; the number of pushes
    accepted by the push services. A failed push gets its own retried job when the engine can wait."""
    vapid = keys()
    if vapid is None or not notification_ids:
        return 0
    now = now or timezone.now()
    rows = list(
        Notification.objects.filter(
            pk__in=notification_ids, user__push_subscriptions__isnull=False
        ).distinct()
    )
    if not rows:
        return 0
    prefs = preferences_for({n.user_id for n in rows})
    by_user: dict[int, list[PushSubscription]] = {}
    for subscription in PushSubscription.objects.filter(user_id__in=list(prefs)):
        by_user.setdefault(subscription.user_id, []).append(subscription)
    sent = 0
    for notification in rows:
        if not _wanted(notification, prefs[notification.user_id], now):
            continue
        data = payload(notification)
        for subscription in by_user.get(notification.user_id, []):
            outcome = _post(subscription, data, vapid)
            sent += outcome == SENT
            if outcome == FAILED and jobs.engine.can_retry_later():
                jobs.defer(
                    "notifications.push_retry",
                    subscription_id=subscription.pk,
                    notification_id=notification.pk,
                )
    return sent


def send_again(subscription_id: int, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Another attempt at one push that failed: nothing when the browser, the notification or the wish is
    gone (read, category off, quiet hours); raises ``PushFailed`` when the service fails again."""
    vapid = keys()
    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    notification = Notification.objects.filter(pk=notification_id).first()
    if vapid is None or subscription is None or notification is None:
        return False
    if notification.user_id != subscription.user_id:
        return False
    prefs = preferences_for([notification.user_id])[notification.user_id]
    if not _wanted(notification, prefs, now or timezone.now()):
        return False
    outcome = _post(subscription, payload(notification), vapid)
    if outcome == FAILED:
        raise PushFailed(
            f"Le service de notification n'a pas accepté l'envoi (abonnement {subscription.pk})."
        )
    return outcome == SENT
