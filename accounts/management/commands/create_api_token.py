from django.core.management.base import BaseCommand, CommandError

from accounts import tokens
from accounts.models import User


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un utilisateur et l'affiche une seule fois."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="jeton API", help="nom du jeton (l'outil qui l'utilise)")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=tokens.DEFAULT_DAYS,
            help=f"durée de validité en jours, de 1 à {tokens.MAX_DAYS} (par défaut {tokens.DEFAULT_DAYS})",
        )
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="lecture seule : toute requête autre que GET, HEAD ou OPTIONS est refusée (403)",
        )

    def handle(self, *args, email, name, expires_days, read_only, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Aucun utilisateur avec l'adresse {email}.")
        try:
            token, raw = tokens.issue(user, name=name, days=expires_days, read_only=read_only)
        except tokens.TokenError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(
            f"Jeton « {token.name} » ({token.prefix}…) créé pour {user.email}, valable jusqu'au "
            f"{token.expires_at:%d/%m/%Y}{', lecture seule' if token.read_only else ''}. "
            "Conservez-le : il ne sera plus affiché."
        )
        self.stdout.write(raw)
