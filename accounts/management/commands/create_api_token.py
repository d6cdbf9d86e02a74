from django.core.management.base import BaseCommand, CommandError

from accounts.models import APIToken, User
from audit.log import record


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un utilisateur et l'affiche une seule fois."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="jeton API")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Aucun utilisateur avec l'adresse {email}.")
        token, raw = APIToken.issue(user, name)
        record("create", obj=token, details={"user": user.email})
        self.stdout.write(raw)
