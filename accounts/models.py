"""User accounts: e-mail login, second factor (django-otp devices), API tokens, external identity."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django_otp.models import Device


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. ``is_staff`` marks an instance administrator.

    Roles inside a CPTS are carried by ``cpts.Membership``; the national identity of a health
    professional by the linked ``directory.Professional``.
    """

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    professional = models.OneToOneField(
        "directory.Professional", on_delete=models.SET_NULL, null=True, blank=True, related_name="account"
    )
    # External identity for Pro Santé Connect (idNat_PS, e.g. "8" + RPPS): unique when set.
    external_idnat = models.CharField(
        "identifiant national (idNat_PS)", max_length=32, null=True, blank=True, unique=True
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("administrateur de l'instance", default=False)
    is_synthetic = models.BooleanField("compte de démonstration (synthétique)", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    last_cpts = models.ForeignKey(
        "cpts.CPTS", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


class APIToken(models.Model):
    """A bearer token for the JSON API and FHIR. Only its SHA-256 is stored; the value is shown once.

    Written only by ``accounts/tokens.py`` (issue, revoke, authenticate: expiry, revocation, read-only scope,
    last use)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("nom", max_length=100, default="jeton API")
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    read_only = models.BooleanField("lecture seule", default=False)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked = models.BooleanField("révoqué", default=False)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(
        cls, user: User, name: str = "jeton API", expires_at=None, read_only: bool = False
    ) -> tuple["APIToken", str]:
        """The row and its raw value (shown once). Callers go through ``accounts.tokens.issue``, which
        validates and audits; ``expires_at`` defaults to one year."""
        from accounts.tokens import DEFAULT_DAYS

        raw = "ocp_" + secrets.token_urlsafe(32)
        expires_at = expires_at or timezone.now() + timedelta(days=DEFAULT_DAYS)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:12],
            digest=cls.digest_of(raw),
            expires_at=expires_at,
            read_only=read_only,
        )
        return token, raw

    @property
    def state(self) -> str:
        if self.revoked:
            return "révoqué"
        if self.expires_at <= timezone.now():
            return "expiré"
        return "actif"


class RateCounter(models.Model):
    """A counter shared by every application process: login attempts per account and per address, public form
    posts per address, anti-spam stamps already used. Written only by ``accounts/ratelimit.py`` with one
    conditional UPDATE, so that concurrent increments never read the same old value. Not domain data: not
    audited (``audit.signals.SKIPPED_MODELS``); keys are hashes, never e-mail or IP addresses."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "compteur de limitation"

    def __str__(self):
        return f"{self.key}: {self.count}"


class TrustedDevice(models.Model):
    """A browser where the user passed the second factor and chose « Faire confiance à cet appareil »: for
    ``accounts.trust.DAYS`` days a password login there skips the code. The browser keeps a signed cookie
    holding a random secret; only its SHA-256 is stored here, with the hash of the password it was created
    under (a password change ends the trust). Written only by ``accounts/trust.py``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trusted_devices")
    digest = models.CharField(max_length=64, unique=True)
    password_digest = models.CharField(max_length=64)
    label = models.CharField("appareil", max_length=100)
    created_at = models.DateTimeField("ajouté le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "appareil de confiance"
        verbose_name_plural = "appareils de confiance"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.label} ({self.user})"


class ProSanteConnectDevice(Device):
    """The second factor of a session opened through Pro Santé Connect (docs/DESIGN.md « Pro Santé Connect »).

    The e-CPS or the CPS card is itself a multi-factor authentication (eIDAS substantial), so a PSC login
    marks the session verified the way django-otp does for any factor: ``django_otp.login`` with this device,
    which ``OTPMiddleware`` finds again at each request. It never accepts a typed code and does not count as
    an enrolled factor for a password login (``cpts.policy.has_confirmed_device``). One per account, created
    at its first PSC login and deleted when the link is removed (``accounts/psc.py``), which ends the sessions
    it verified."""

    class Meta:
        verbose_name = "connexion Pro Santé Connect"
        verbose_name_plural = "connexions Pro Santé Connect"

    def verify_token(self, token):
        return False
