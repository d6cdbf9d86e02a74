from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import seed as demo


class Command(BaseCommand):
    help = "Crée la CPTS de démonstration (CPTS Bugey Sud, données synthétiques) et affiche les identifiants."

    def handle(self, *args, **options):
        if not settings.DEV:
            raise CommandError("La démonstration ne se crée qu'en mode développement (OPENCPTS_DEV=1).")
        cpts, logins, created = demo.seed()
        self.stdout.write(
            ("Démonstration créée : " if created else "Démonstration déjà en place : ") + cpts.name
        )
        self.stdout.write("")
        self.stdout.write(f"  Mot de passe de tous les comptes de démonstration : {demo.demo_password()}")
        self.stdout.write("  Second facteur : ajoutez la clé TOTP dans votre application d'authentification,")
        self.stdout.write("  ou affichez le code courant avec `make totp EMAIL=<adresse>`.")
        self.stdout.write("")
        for login in logins:
            self.stdout.write(f"  {login.email:<44} {login.role}")
            self.stdout.write(f"  {'':<44} clé TOTP : {login.totp_secret}")
