from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Affiche le code TOTP courant d'un compte de démonstration (synthétique, mode développement "
        "seulement)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEMO_TOTP_HELPER:
            raise CommandError("Commande réservée au mode développement (OPENCPTS_DEV=1).")
        device = TOTPDevice.objects.filter(
            user__email__iexact=email, user__is_synthetic=True, confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                "Aucun compte de démonstration avec double authentification pour cette adresse."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
