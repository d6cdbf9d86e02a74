"""Reference data: the ACI size tiers (aci.md §2.1). Same thresholds in the 2019 text and after
avenant 2; an instance administrator edits them in the admin, never in code."""

import datetime as dt

from django.db import migrations

TIERS = [(1, 0, 40000), (2, 40000, 80000), (3, 80000, 175000), (4, 175000, None)]
GRIDS = [
    ("ACI CPTS 2019", "Arrêté du 21 août 2019 (ACI signé le 20 juin 2019)", dt.date(2019, 8, 25), dt.date(2022, 3, 30)),
    ("ACI CPTS 2019 modifié par l'avenant 2", "Avenant 2 signé le 20 décembre 2021, publié au JO le 31 mars 2022",
     dt.date(2022, 3, 31), None),
]


def load(apps, schema_editor):
    TierGrid = apps.get_model("aci", "TierGrid")
    SizeTier = apps.get_model("aci", "SizeTier")
    for name, source, start, end in GRIDS:
        grid, _ = TierGrid.objects.get_or_create(
            name=name, defaults={"source": source, "effective_from": start, "effective_to": end, "boundary_rule": "upper"})
        for number, low, high in TIERS:
            SizeTier.objects.get_or_create(grid=grid, number=number, defaults={"min_population": low, "max_population": high})


def unload(apps, schema_editor):
    apps.get_model("aci", "TierGrid").objects.filter(name__in=[g[0] for g in GRIDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("aci", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
