from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import APIToken, User


class Command(BaseCommand):
    help = (
        "Liste les jetons d'API (identifiant, préfixe, utilisateur, nom, création, dernière utilisation, "
        "expiration, portée, état). Les valeurs des jetons ne sont jamais conservées."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="les jetons de cet utilisateur seulement")
        parser.add_argument("--all", action="store_true", help="inclure les jetons révoqués ou expirés")

    def handle(self, *args, email=None, all=False, **options):  # noqa: A002 - the option's name
        qs = APIToken.objects.select_related("user").order_by("user__email", "-created_at")
        if email:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"Aucun utilisateur avec l'adresse {email}.")
            qs = qs.filter(user=user)
        if not all:
            qs = qs.filter(revoked=False, expires_at__gt=timezone.now())
        self.stdout.write(
            "id\tpréfixe\tutilisateur\tnom\tcréé le\tdernière utilisation\texpire le\tportée\tétat"
        )
        for t in qs:
            used = f"{timezone.localtime(t.last_used_at):%d/%m/%Y %H:%M}" if t.last_used_at else "jamais"
            self.stdout.write(
                "\t".join(
                    [
                        str(t.pk),
                        t.prefix,
                        t.user.email,
                        t.name,
                        f"{timezone.localtime(t.created_at):%d/%m/%Y}",
                        used,
                        f"{timezone.localtime(t.expires_at):%d/%m/%Y}",
                        "lecture seule" if t.read_only else "lecture et écriture",
                        t.state,
                    ]
                )
            )
