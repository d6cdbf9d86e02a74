from django.db import migrations


def build(apps, schema_editor):
    from directory import geopoints

    geopoints.rebuild()


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_geopoints")]
    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
