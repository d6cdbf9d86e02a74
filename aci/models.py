"""ACI reference data, versioned with effective dates. Never constants in code.

A grid version (``TierGrid``) holds the size tiers (tailles) that set a CPTS's financing from its population,
the missions of that version (``GridMission``: core or optional, start and deployment deadlines), the annual
maxima per tier and line (``GridAmount``: fonctionnement, each mission's fixed and variable parts, year 1 or
later years, payable only when a crisis is declared) and the payment percentages. Loaded by migrations, edited
by an instance administrator in the admin.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cpts.models import TenantModel


class TierGrid(models.Model):
    class Boundary(models.TextChoices):
        UPPER = (
            "upper",
            "Une population égale à un seuil relève de la taille supérieure (« en dessous de "
            "40 000 » = taille 1)",
        )
        LOWER = "lower", "Une population égale à un seuil relève de la taille inférieure"
        BY_TIER = (
            "tier",
            ("Chaque seuil est placé par le libellé de chaque taille (voir les tailles et la note)"),
        )

    name = models.CharField("version", max_length=100, unique=True)
    source = models.CharField(max_length=300, blank=True)
    effective_from = models.DateField("en vigueur à partir du")
    effective_to = models.DateField("jusqu'au (inclus)", null=True, blank=True)
    boundary_rule = models.CharField(
        "règle aux seuils", max_length=10, choices=Boundary.choices, default=Boundary.UPPER
    )
    boundary_note = models.TextField(
        "seuils exacts : de quel côté ils tombent, texte source cité", blank=True
    )
    # Payment rules (aci.md §3), in percent.
    operating_at_signature_pct = models.DecimalField(
        "fonctionnement versé à la signature (%)", max_digits=5, decimal_places=2, default=Decimal("100")
    )
    operating_advance_pct = models.DecimalField(
        "avance annuelle du fonctionnement (%)", max_digits=5, decimal_places=2, default=Decimal("75")
    )
    fixed_advance_pct = models.DecimalField(
        "avance de la part fixe des missions (%)", max_digits=5, decimal_places=2, default=Decimal("75")
    )
    notes = models.TextField("notes sur les sources", blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "grille ACI"
        verbose_name_plural = "grilles ACI"

    def __str__(self):
        return self.name

    def clean(self):
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "La date de fin précède la date de début."})
        overlapping = TierGrid.objects.exclude(pk=self.pk).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=self.effective_from)
        )
        if self.effective_to:
            overlapping = overlapping.filter(effective_from__lte=self.effective_to)
        if overlapping.exists():
            raise ValidationError(f"Cette période chevauche la grille « {overlapping.first()} ».")
        for field in ("operating_at_signature_pct", "operating_advance_pct", "fixed_advance_pct"):
            value = getattr(self, field)
            if value is not None and not Decimal("0") <= value <= Decimal("100"):
                raise ValidationError({field: "Un pourcentage est compris entre 0 et 100."})


class SizeTier(models.Model):
    grid = models.ForeignKey(TierGrid, on_delete=models.CASCADE, related_name="tiers")
    number = models.PositiveSmallIntegerField("taille")
    min_population = models.PositiveIntegerField("seuil bas")
    max_population = models.PositiveIntegerField("seuil haut", null=True, blank=True)
    # With the grid's BY_TIER rule: does a population exactly equal to ``min_population`` fall in this tier?
    includes_min = models.BooleanField(
        "une population égale au seuil bas relève de cette taille", default=True
    )
    source_wording = models.CharField("libellé de la source", max_length=200, blank=True)

    class Meta:
        ordering = ["grid", "number"]
        constraints = [models.UniqueConstraint(fields=["grid", "number"], name="sizetier_unique_number")]
        verbose_name = "taille de CPTS"

    def __str__(self):
        return f"Taille {self.number}"

    @property
    def label(self) -> str:
        if self.max_population is None:
            return f"Taille {self.number} (plus de {self.min_population:,} habitants)".replace(",", "\u202f")
        if self.min_population == 0:
            return f"Taille {self.number} (moins de {self.max_population:,} habitants)".replace(",", "\u202f")
        return f"Taille {self.number} ({self.min_population:,} à {self.max_population:,} habitants)".replace(
            ",", "\u202f"
        )


class GridMission(models.Model):
    """A mission of the ACI in one grid version."""

    class Code(models.TextChoices):
        ACCESS = "access", "Accès aux soins (médecin traitant, soins non programmés, SAS)"
        CRISIS = "crisis", "Réponse aux crises sanitaires graves"
        PATHWAYS = "pathways", "Parcours pluriprofessionnels"
        PREVENTION = "prevention", "Prévention"
        QUALITY = "quality", "Qualité et pertinence des soins"
        SUPPORT = "support", "Accompagnement des professionnels de santé"

    grid = models.ForeignKey(TierGrid, on_delete=models.CASCADE, related_name="missions")
    code = models.CharField(max_length=12, choices=Code.choices)
    label = models.CharField("intitulé", max_length=200)
    optional = models.BooleanField("optionnelle", default=False)
    start_months = models.PositiveSmallIntegerField(
        "démarrage au plus tard (mois après la signature)", null=True, blank=True
    )
    deploy_months = models.PositiveSmallIntegerField(
        "déploiement au plus tard (mois après la signature)", null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["grid", "order"]
        constraints = [models.UniqueConstraint(fields=["grid", "code"], name="gridmission_unique_code")]
        verbose_name = "mission de la grille"

    def __str__(self):
        return self.label


class GridAmount(models.Model):
    """An annual maximum of the grid: one line for one tier."""

    class Part(models.TextChoices):
        OPERATING = "operating", "Fonctionnement"
        FIXED = "fixed", "Part fixe (moyens)"
        VARIABLE = "variable", "Part variable (actions et résultats)"
        UNDIVIDED = "undivided", "Parts fixe et variable non ventilées"

    class Years(models.TextChoices):
        ALL = "all", "Chaque année"
        FIRST = "first", "Première année"
        LATER = "later", "Années suivantes"

    grid = models.ForeignKey(TierGrid, on_delete=models.CASCADE, related_name="amounts")
    tier = models.PositiveSmallIntegerField("taille")
    mission = models.ForeignKey(
        GridMission, on_delete=models.CASCADE, null=True, blank=True, related_name="amounts"
    )
    part = models.CharField(max_length=10, choices=Part.choices)
    years = models.CharField(max_length=5, choices=Years.choices, default=Years.ALL)
    crisis_only = models.BooleanField("seulement si une crise est déclarée", default=False)
    amount = models.DecimalField("montant annuel maximal (€)", max_digits=10, decimal_places=2)
    status = models.CharField(
        "fiabilité", max_length=200, blank=True
    )  # [V] verified, [D] derived... (aci.md)

    class Meta:
        ordering = ["grid", "tier", "mission__order", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "tier", "mission", "part", "years"], name="gridamount_unique_line"
            ),
            models.UniqueConstraint(
                fields=["grid", "tier", "years"],
                condition=models.Q(mission__isnull=True),
                name="gridamount_unique_operating",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="gridamount_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(tier__gte=1), name="gridamount_tier_positive"),
        ]
        verbose_name = "montant de la grille"

    def clean(self):
        if self.amount is not None and self.amount < 0:
            raise ValidationError({"amount": "Un montant ne peut pas être négatif."})
        if self.part == self.Part.OPERATING and self.mission_id:
            raise ValidationError({"mission": "Le fonctionnement ne relève d'aucune mission."})
        if self.part != self.Part.OPERATING and not self.mission_id:
            raise ValidationError({"mission": "Choisissez la mission de cette ligne."})
        if self.mission_id and self.grid_id and self.mission.grid_id != self.grid_id:
            raise ValidationError({"mission": "Cette mission appartient à une autre grille."})


# --- A CPTS's contract (tenant-owned) -----------------------------------------------------------------------


class Contract(TenantModel):
    """The ACI contract of a CPTS with its CPAM and ARS: 5 years from the signature, the grid version in force
    at the signature, the size tier taken from the territory's population (with the date and vintage of that
    figure)."""

    signed_on = models.DateField("date de signature")
    years = models.PositiveSmallIntegerField("durée (années)", default=5)
    grid = models.ForeignKey(TierGrid, on_delete=models.PROTECT, related_name="contracts")
    tier = models.PositiveSmallIntegerField("taille")
    population = models.PositiveIntegerField("population couverte")
    population_source = models.CharField("source de la population", max_length=200, blank=True)
    population_on = models.DateField("population au", null=True, blank=True)
    # The official vintage the population was taken from (None for a figure typed in): a later vintage never
    # changes the contract, it is shown beside it (aci.contracts.population_status).
    population_vintage = models.ForeignKey(
        "territory.DatasetVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="millésime de la population",
    )
    crisis_declared_years = models.JSONField(
        "années du contrat avec une crise déclarée", default=list, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cpts"], name="contract_one_per_cpts")]
        verbose_name = "contrat ACI"

    def __str__(self):
        return f"Contrat ACI signé le {self.signed_on:%d/%m/%Y}"


class ContractMission(models.Model):
    """A mission of the contract: the core ones from the signature, optional ones when chosen (possibly by an
    amendment); when it started and when it was deployed."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="missions")
    mission = models.ForeignKey(GridMission, on_delete=models.PROTECT, related_name="+")
    from_on = models.DateField("dans le contrat depuis")
    started_on = models.DateField("démarrée le", null=True, blank=True)
    deployed_on = models.DateField("déployée le", null=True, blank=True)

    class Meta:
        ordering = ["mission__order"]
        constraints = [models.UniqueConstraint(fields=["contract", "mission"], name="contractmission_unique")]


class Amendment(models.Model):
    """An avenant to the contract (tier change, mission added...), kept with what it changed."""

    class Kind(models.TextChoices):
        TIER = "tier", "Changement de taille"
        MISSION = "mission", "Mission ajoutée"
        CRISIS = "crisis", "Crise sanitaire déclarée"
        OTHER = "other", "Autre"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    signed_on = models.DateField("date")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.CharField(max_length=300)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_on", "pk"]


class Schedule(models.Model):
    """A computed payment schedule. It keeps the grid version it was computed with; a recomputation is an
    explicit action that supersedes it (the old one stays, with who recomputed it and why)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="schedules")
    grid = models.ForeignKey(TierGrid, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(auto_now_add=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField("motif du calcul", max_length=300)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-computed_at", "-pk"]


class ExpectedPayment(models.Model):
    class Part(models.TextChoices):
        OPERATING = "operating", "Fonctionnement"
        FIXED = "fixed", "Part fixe"
        VARIABLE = "variable", "Part variable"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="payments")
    due_on = models.DateField("échéance")
    contract_year = models.PositiveSmallIntegerField("année du contrat")
    mission = models.CharField(max_length=12, blank=True)  # GridMission code, "" for fonctionnement
    part = models.CharField(max_length=10, choices=Part.choices)
    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="expectedpayment_not_negative")
        ]


class ReceivedPayment(models.Model):
    """A payment the CPTS actually received from its CPAM, recorded against the schedule."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="received")
    received_on = models.DateField("reçu le")
    amount = models.DecimalField("montant (€)", max_digits=10, decimal_places=2)
    label = models.CharField("objet", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="receivedpayment_positive")
        ]


# --- Objectives and indicators (contract annex) -------------------------------------------------------------


class Indicator(models.Model):
    """An indicator of the contract annex for one mission: what it measures, its unit, where its result comes
    from (a figure computed from the platform's activity, see ``aci/sources.py``, or a figure entered with
    justificatifs) and which way is better. Its graded targets are ``IndicatorStep`` rows per contract
    year."""

    class Unit(models.TextChoices):
        COUNT = "count", "Nombre"
        PERCENT = "percent", "Pourcentage (%)"
        DAYS = "days", "Jours"
        HOURS = "hours", "Heures"
        EUROS = "euros", "Euros"
        DONE = "done", "Réalisé (1) / non réalisé (0)"

    class Direction(models.TextChoices):
        HIGHER = "higher", "Plus c'est haut, mieux c'est"
        LOWER = "lower", "Plus c'est bas, mieux c'est"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="indicators")
    mission = models.ForeignKey(ContractMission, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("intitulé", max_length=200)
    definition = models.TextField("définition", blank=True)
    unit = models.CharField("unité", max_length=8, choices=Unit.choices, default=Unit.COUNT)
    direction = models.CharField("sens", max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    source = models.CharField(
        "source", max_length=40, default="manual"
    )  # a key of aci.sources.SOURCES or "manual"
    source_note = models.CharField("source (précision)", max_length=200, blank=True)
    baseline = models.DecimalField(
        "valeur de référence", max_digits=12, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mission__mission__order", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="indicator_unique_name")]

    def __str__(self):
        return self.name

    @property
    def computed(self) -> bool:
        return self.source != "manual"


class IndicatorStep(models.Model):
    """A graded target (palier) of an indicator for a contract year: reaching ``threshold`` (at least it when
    higher is better, at most it when lower is better) earns ``amount``. The best step reached counts."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="steps")
    contract_year = models.PositiveSmallIntegerField("année du contrat")
    label = models.CharField("palier", max_length=60)
    threshold = models.DecimalField("seuil", max_digits=12, decimal_places=2)
    amount = models.DecimalField("montant (€)", max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["indicator", "contract_year", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "contract_year", "threshold"], name="indicatorstep_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="indicatorstep_amount_not_negative"
            ),
        ]


class IndicatorResult(models.Model):
    """The result of an indicator for a contract year. Computed results are recorded when the coordination
    closes the year (``closed``), with the number of rows they counted; hand-entered ones carry who entered
    them."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="results")
    contract_year = models.PositiveSmallIntegerField("année du contrat")
    value = models.DecimalField("résultat", max_digits=12, decimal_places=2)
    computed = models.BooleanField(default=False)
    rows_counted = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField("commentaire", max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "contract_year"], name="indicatorresult_unique")
        ]


class Evidence(models.Model):
    """A justificatif of an indicator's result for a contract year: the file is checked like a document
    (``documents.filetypes``) and stored encrypted (AES-256-GCM, ``documents.crypto``, its own associated
    data)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="evidence")
    contract_year = models.PositiveSmallIntegerField("année du contrat")
    title = models.CharField("intitulé", max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    key_id = models.CharField(max_length=40)
    nonce = models.BinaryField()
    ciphertext = models.BinaryField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract_year", "added_at", "pk"]


# --- Budget -------------------------------------------------------------------------------------------------


class Expense(models.Model):
    """An actual expense of the CPTS, by mission ("" = fonctionnement) and category."""

    class Category(models.TextChoices):
        STAFF = "staff", "Équipe de coordination (salaires, charges)"
        INDEMNITIES = "indemnities", "Indemnisation des professionnels"
        TOOLS = "tools", "Outils et systèmes d'information"
        COMMUNICATION = "communication", "Communication"
        EVENTS = "events", "Événements et réunions"
        PREMISES = "premises", "Locaux et frais de structure"
        OTHER = "other", "Autres"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="expenses")
    spent_on = models.DateField("date")
    mission = models.CharField("mission", max_length=12, blank=True)
    category = models.CharField("catégorie", max_length=14, choices=Category.choices)
    label = models.CharField("libellé", max_length=200)
    amount = models.DecimalField("montant (€)", max_digits=10, decimal_places=2)
    supplier = models.CharField("fournisseur ou bénéficiaire", max_length=200, blank=True)
    imported = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["contract", "spent_on"], name="aci_expense_by_day")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="expense_positive")]


class BudgetLine(models.Model):
    """The planned budget of a contract year by mission and category (what the CPTS intends to spend)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="budget")
    contract_year = models.PositiveSmallIntegerField("année du contrat")
    mission = models.CharField("mission", max_length=12, blank=True)
    category = models.CharField("catégorie", max_length=14, choices=Expense.Category.choices)
    amount = models.DecimalField("montant prévu (€)", max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["contract_year", "mission", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "contract_year", "mission", "category"], name="budgetline_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budgetline_not_negative"),
        ]
