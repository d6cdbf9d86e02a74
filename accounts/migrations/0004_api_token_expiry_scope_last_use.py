"""API tokens: expiry (compulsory; tokens created before get one year from this migration), read-only scope,
last use, revocation date."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def give_old_tokens_one_year(apps, schema_editor):
    APIToken = apps.get_model("accounts", "APIToken")
    APIToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + dt.timedelta(days=365))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_rate_counters")]

    operations = [
        migrations.AlterModelOptions(name="apitoken",
                                     options={"verbose_name": "jeton d'API", "verbose_name_plural": "jetons d'API"}),
        migrations.AlterField(model_name="apitoken", name="name",
                              field=models.CharField(default="jeton API", max_length=100, verbose_name="nom")),
        migrations.AlterField(model_name="apitoken", name="created_at",
                              field=models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
        migrations.AlterField(model_name="apitoken", name="revoked",
                              field=models.BooleanField(default=False, verbose_name="révoqué")),
        migrations.AddField(model_name="apitoken", name="read_only",
                            field=models.BooleanField(default=False, verbose_name="lecture seule")),
        migrations.AddField(model_name="apitoken", name="last_used_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="dernière utilisation")),
        migrations.AddField(model_name="apitoken", name="revoked_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="révoqué le")),
        migrations.RunPython(give_old_tokens_one_year, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires_at",
                              field=models.DateTimeField(verbose_name="expire le")),
    ]
