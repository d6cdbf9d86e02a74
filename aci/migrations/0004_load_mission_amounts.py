"""Reference data: the missions of each ACI grid version, their deadlines and annual maxima per tier, and the
payment percentages (../shared/domain/aci.md §2.2, §2.5, §3, §5.1). Each line keeps its reliability as the
domain notes give it: [V] read in a primary source, [D] derived by arithmetic from verified totals, [R] the
per-mission split that reproduces every verified total. An instance administrator corrects a value in the admin
when the signed text shows another; schedules already computed keep the version they were computed with."""

from decimal import Decimal

from django.db import migrations

GRID_2019 = "ACI CPTS 2019"
GRID_2022 = "ACI CPTS 2019 modifié par l'avenant 2"

# code, label, optional, start months, deployment months, order
MISSIONS_2022 = [
    ("access", "Accès aux soins (médecin traitant, soins non programmés, SAS)", False, 6, 18, 1),
    ("crisis", "Réponse aux crises sanitaires graves", False, 6, 18, 2),
    ("pathways", "Parcours pluriprofessionnels", False, 12, 24, 3),
    ("prevention", "Prévention", False, 12, 24, 4),
    ("quality", "Qualité et pertinence des soins", True, None, None, 5),
    ("support", "Accompagnement des professionnels de santé", True, None, None, 6),
]
MISSIONS_2019 = [m for m in MISSIONS_2022 if m[0] != "crisis"]

# (mission or None, part, years, crisis_only, [T1, T2, T3, T4], status)
AMOUNTS_2022 = [
    (None, "operating", "all", False, [50000, 60000, 75000, 90000], "[V] S13, brochure, S24"),
    ("access", "fixed", "all", False, [55000, 70000, 90000, 110000], "T3 [V] S14/S15 ; autres [D]"),
    ("access", "variable", "all", False, [25000, 30000, 35000, 45000], "T3 [V] S14/S15 ; autres [D]"),
    ("pathways", "fixed", "all", False, [25000, 35000, 45000, 50000], "T3 [V] S14/S15 ; autres [R]"),
    ("pathways", "variable", "all", False, [25000, 35000, 45000, 50000], "T3 [V] S14/S15 ; autres [R]"),
    ("prevention", "fixed", "all", False, [10000, 15000, 17500, 20000], "T3 [V] S14/S15 ; autres [R]"),
    ("prevention", "variable", "all", False, [10000, 15000, 17500, 20000], "T3 [V] S14/S15 ; autres [R]"),
    ("crisis", "fixed", "first", False, [25000, 35000, 45000, 50000], "T1, T4 [V] S9, S10 ; T2, T3 [D]"),
    ("crisis", "fixed", "later", False, [12500, 17500, 22500, 25000], "T3 [V] S14/S15 ; règle 50 % [V] S10"),
    ("crisis", "variable", "all", True, [37500, 52500, 67500, 75000], "T1, T3, T4 [V] S9, S14 ; T2 [D]"),
    ("quality", "fixed", "all", False, [7500, 10000, 15000, 20000], "T3 [V] S14/S15 ; autres [R]"),
    ("quality", "variable", "all", False, [7500, 10000, 15000, 20000], "T3 [V] S14/S15 ; autres [R]"),
    ("support", "fixed", "all", False, [5000, 7500, 10000, 15000], "T3 [V] S14/S15 ; autres [R]"),
    ("support", "variable", "all", False, [5000, 7500, 10000, 15000], "T3 [V] S14/S15 ; autres [R]"),
]
# The 2019 text: the split of the accès envelope between fixed, variable and the SNP-specific money is not known
# (aci.md §2.5): it stays one undivided line. The other missions: halves, unchanged by avenant 2 (§2.4).
AMOUNTS_2019 = [
    (None, "operating", "all", False, [50000, 60000, 75000, 90000], "[V] S13, S24"),
    ("access", "undivided", "all", False, [75000, 92000, 120000, 150000], "T1, T2 [V] S8 ; T3, T4 [D]"),
    ("pathways", "fixed", "all", False, [25000, 35000, 45000, 50000], "[R]"),
    ("pathways", "variable", "all", False, [25000, 35000, 45000, 50000], "[R]"),
    ("prevention", "fixed", "all", False, [10000, 15000, 17500, 20000], "[R]"),
    ("prevention", "variable", "all", False, [10000, 15000, 17500, 20000], "[R]"),
    ("quality", "fixed", "all", False, [7500, 10000, 15000, 20000], "[R]"),
    ("quality", "variable", "all", False, [7500, 10000, 15000, 20000], "[R]"),
    ("support", "fixed", "all", False, [5000, 7500, 10000, 15000], "[R]"),
    ("support", "variable", "all", False, [5000, 7500, 10000, 15000], "[R]"),
]
NOTES = {
    GRID_2019: "Totaux par taille 220 000 / 287 000 / 370 000 / 450 000 € « incluant le financement spécifique SNP » "
               "(S7). Répartition de l'accès aux soins entre part fixe, part variable et financement SNP non publiée.",
    GRID_2022: "Totaux par taille 287 500 / 382 500 / 487 500 / 580 000 € (brochure, seed 001), part fixe avec le montant "
               "de première année de la mission crise, part variable avec la part crise payable seulement si une crise "
               "est déclarée. À partir de la 2e année, la part fixe crise est de 50 %.",
}


def load(apps, schema_editor):
    TierGrid = apps.get_model("aci", "TierGrid")
    GridMission = apps.get_model("aci", "GridMission")
    GridAmount = apps.get_model("aci", "GridAmount")
    for name, missions, amounts in ((GRID_2019, MISSIONS_2019, AMOUNTS_2019), (GRID_2022, MISSIONS_2022, AMOUNTS_2022)):
        grid = TierGrid.objects.get(name=name)
        grid.notes = NOTES[name]
        grid.operating_at_signature_pct, grid.operating_advance_pct, grid.fixed_advance_pct = (
            Decimal("100"), Decimal("75"), Decimal("75"))
        grid.save()
        by_code = {}
        for code, label, optional, start, deploy, order in missions:
            by_code[code], _ = GridMission.objects.get_or_create(grid=grid, code=code, defaults={
                "label": label, "optional": optional, "start_months": start, "deploy_months": deploy, "order": order})
        for code, part, years, crisis_only, values, status in amounts:
            for tier, value in enumerate(values, start=1):
                GridAmount.objects.get_or_create(
                    grid=grid, tier=tier, mission=by_code.get(code), part=part, years=years,
                    defaults={"crisis_only": crisis_only, "amount": Decimal(value), "status": status})


def unload(apps, schema_editor):
    apps.get_model("aci", "GridAmount").objects.all().delete()
    apps.get_model("aci", "GridMission").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("aci", "0003_grid_missions_amounts")]
    operations = [migrations.RunPython(load, unload)]
