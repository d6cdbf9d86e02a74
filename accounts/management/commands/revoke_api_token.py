from django.core.management.base import BaseCommand, CommandError

from accounts import tokens
from accounts.models import APIToken


class Command(BaseCommand):
    help = "Révoque un jeton d'API, désigné par son identifiant ou son préfixe (voir list_api_tokens)."

    def add_arguments(self, parser):
        parser.add_argument("token", help="identifiant (nombre) ou préfixe (ocp_…) du jeton")

    def handle(self, *args, token, **options):
        by_id = token.isdigit() and len(token) < 10
        qs = APIToken.objects.filter(pk=int(token)) if by_id else APIToken.objects.filter(prefix=token)
        found = list(qs[:2])
        if not found:
            raise CommandError(f"Aucun jeton « {token} ».")
        if len(found) > 1:
            raise CommandError(
                f"Plusieurs jetons ont le préfixe « {token} » : désignez-le par son identifiant."
            )
        if not tokens.revoke(found[0]):
            raise CommandError(f"Le jeton {found[0]} est déjà révoqué.")
        self.stdout.write(f"Jeton {found[0]} de {found[0].user.email} révoqué.")
