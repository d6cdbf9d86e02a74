import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "concepts.csv"


def load(apps, schema_editor):
    Concept = apps.get_model("nomenclature", "Concept")
    with DATA.open(encoding="utf-8") as fh:
        rows = [Concept(system=r["system"], code=r["code"], display=r["display"]) for r in csv.DictReader(fh)]
    Concept.objects.bulk_create(rows, ignore_conflicts=True)


def unload(apps, schema_editor):
    apps.get_model("nomenclature", "Concept").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("nomenclature", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
