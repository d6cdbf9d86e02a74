from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from directory import generate
from territory import loader


class Command(BaseCommand):
    help = (
        "Écrit un extrait RPPS synthétique au format PS_LibreAcces_Personne_activite "
        "(professionnels répartis sur les communes réelles au prorata de la population)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="nombre de professionnels")
        parser.add_argument("--out", required=True, help="fichier à écrire")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count, out, seed, **options):
        if count <= 0:
            raise CommandError("--count doit être un entier positif.")
        if not loader.is_loaded():
            raise CommandError("Chargez d'abord les communes : python manage.py load_communes")
        path = Path(out)
        if not path.parent.exists():
            raise CommandError(f"Le dossier {path.parent} n'existe pas.")
        bar = tqdm(total=None, unit=" lignes", file=self.stderr, desc="génération")

        def progress(n):
            bar.update(n - bar.n)

        rows = generate.write(path, count, seed, progress)
        bar.update(rows - bar.n)
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(f"{rows} lignes ({count} professionnels synthétiques) écrites dans {path}.")
        )
