from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Concept",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("system", models.CharField(max_length=20)),
                ("code", models.CharField(max_length=20)),
                ("display", models.CharField(max_length=200)),
            ],
            options={"ordering": ["system", "display"]},
        ),
        migrations.AddConstraint(
            model_name="concept",
            constraint=models.UniqueConstraint(fields=("system", "code"), name="concept_unique_system_code"),
        ),
    ]
