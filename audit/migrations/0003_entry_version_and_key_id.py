"""Keyed chain: entries written from now on are HMAC-SHA256 under a key kept outside the database (version 2,
with the key's id); the entries already written keep their plain SHA-256 (version 1) and stay verifiable.
Adding the columns rewrites no row (the append-only trigger is not involved)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [
        migrations.AddField("auditentry", "version", models.PositiveSmallIntegerField(default=1)),
        migrations.AlterField("auditentry", "version", models.PositiveSmallIntegerField(default=2)),
        migrations.AddField("auditentry", "key_id", models.CharField(blank=True, default="", max_length=32)),
    ]
