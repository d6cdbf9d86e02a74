"""Exact tier boundaries as seed 001 (CPAM du Rhône / ARS Auvergne-Rhône-Alpes brochure) words them, tier
by tier, instead of one rule for every threshold: « < 40 000 habitants » (taille 1) puts 40 000 in taille 2;
« > 175 000 habitants » (taille 4) puts 175 000 in taille 3; 80 000 is in the words of both taille 2 and
taille 3 (« entre 40 000 et 80 000 », « entre 80 000 et 175 000 »): like 40 000 for taille 2, the lower
bound of an « entre » range is read as included, so 80 000 is taille 3."""

from django.db import migrations, models

GRIDS = ["ACI CPTS 2019", "ACI CPTS 2019 modifié par l'avenant 2"]
WORDING = {
    1: ("< 40 000 habitants", True),
    2: ("Entre 40 000 et 80 000 habitants", True),
    3: ("Entre 80 000 et 175 000 habitants", True),
    4: ("> 175 000 habitants", False),
}
NOTE = (
    "Seuils exacts selon le tableau « Taille 1 : < 40 000 habitants ; Taille 2 : Entre 40 000 et 80 000 "
    "habitants ; Taille 3 : Entre 80 000 et 175 000 habitants ; Taille 4 : > 175 000 habitants » (plaquette "
    "CPAM du Rhône et ARS Auvergne-Rhône-Alpes, « Le financement »). 40 000 habitants : taille 2 "
    "(la taille 1 est « < 40 000 »). 80 000 habitants : taille 3 (le texte le place dans les deux "
    "intervalles « entre » ; la borne basse d'un intervalle est lue comme incluse, comme 40 000 pour la "
    "taille 2). 175 000 habitants : taille 3 (la taille 4 est « > 175 000 »)."
)


def load(apps, schema_editor):
    TierGrid = apps.get_model("aci", "TierGrid")
    SizeTier = apps.get_model("aci", "SizeTier")
    for grid in TierGrid.objects.filter(name__in=GRIDS):
        grid.boundary_rule, grid.boundary_note = "tier", NOTE
        grid.save(update_fields=["boundary_rule", "boundary_note"])
        for number, (wording, includes_min) in WORDING.items():
            SizeTier.objects.filter(grid=grid, number=number).update(source_wording=wording,
                                                                      includes_min=includes_min)


def unload(apps, schema_editor):
    apps.get_model("aci", "TierGrid").objects.filter(name__in=GRIDS).update(boundary_rule="upper")


class Migration(migrations.Migration):
    dependencies = [("aci", "0006_objectives_budget")]

    operations = [
        migrations.AddField("tiergrid", "boundary_note", models.TextField(
            blank=True, verbose_name="seuils exacts : de quel côté ils tombent, texte source cité")),
        migrations.AlterField("tiergrid", "boundary_rule", models.CharField(
            choices=[("upper", "Une population égale à un seuil relève de la taille supérieure (« en dessous "
                               "de 40 000 » = taille 1)"),
                     ("lower", "Une population égale à un seuil relève de la taille inférieure"),
                     ("tier", "Chaque seuil est placé par le libellé de chaque taille "
                              "(voir les tailles et la note)")],
            default="upper", max_length=10, verbose_name="règle aux seuils")),
        migrations.AddField("sizetier", "includes_min", models.BooleanField(
            default=True, verbose_name="une population égale au seuil bas relève de cette taille")),
        migrations.AddField("sizetier", "source_wording", models.CharField(
            blank=True, max_length=200, verbose_name="libellé de la source")),
        migrations.RunPython(load, unload),
    ]
