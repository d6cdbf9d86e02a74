"""Forms of the SNP pages: they only shape the input; every rule is in unscheduled.slots / booking /
search."""

import datetime as dt

from django import forms

from directory.forms import SearchForm as DirectorySearchForm
from directory.models import PracticePlace
from opencpts import french
from unscheduled.models import VISIBILITY_HELP, Modality, Visibility
from unscheduled.search import WINDOWS
from unscheduled.slots import WEEKDAYS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _visibility_field():
    # Not required here: the rule (slots.clean_visibility) explains in French why a choice is needed.
    return forms.MultipleChoiceField(
        label="Visible par",
        choices=Visibility.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=VISIBILITY_HELP,
    )


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, place):
        where = ", ".join(
            p
            for p in (
                place.address,
                f"{place.postal_code} {place.commune.name if place.commune_id else ''}".strip(),
            )
            if p
        )
        return f"{place.label or 'Lieu'} — {where}" if where else (place.label or f"Lieu n° {place.pk}")


class _ProfessionalForm(forms.Form):
    """Forms acting for one professional: their active places of practice."""

    def __init__(self, *args, professional=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "place" in self.fields:
            qs = PracticePlace.objects.none()
            if professional is not None:
                qs = PracticePlace.objects.filter(professional=professional, active=True).select_related(
                    "commune"
                )
            self.fields["place"].queryset = qs.order_by("-is_primary", "pk")


class DateListField(forms.Field):
    """Dates chosen on the calendar (one ISO value per date: the picked days, kept as checked boxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        out = []
        for item in value or []:
            try:
                out.append(dt.date.fromisoformat(str(item).strip()))
            except ValueError:
                raise forms.ValidationError(
                    f"Jour exclu « {item} » : choisissez-le dans le calendrier."
                ) from None
        return sorted(set(out))


DURATIONS = [(m, f"{m} min") for m in (10, 15, 20, 30, 45, 60)]


def week_choices(today: dt.date, weeks: int = 12) -> list[tuple[str, str]]:
    monday = today - dt.timedelta(days=today.weekday())
    out = []
    for i in range(weeks):
        start = monday + dt.timedelta(days=7 * i)
        name = {0: "Cette semaine", 1: "Semaine prochaine"}.get(i, "Semaine")
        out.append((start.isoformat(), f"{name} ({french.day(start, weekday=False)})"))
    return out


class AddForm(_ProfessionalForm):
    """« Ajouter des créneaux »: chosen days of one week, or every week over a period; the same hours."""

    repeat = forms.ChoiceField(
        label="Répéter",
        choices=[("once", "Une semaine"), ("weekly", "Chaque semaine")],
        initial="once",
        widget=forms.RadioSelect,
    )
    week = forms.TypedChoiceField(label="Semaine", coerce=dt.date.fromisoformat, required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label="Jours",
        coerce=int,
        required=False,
        choices=[(i, d) for i, d in enumerate(WEEKDAYS)],
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.TimeField(label="De", widget=TIME)
    end_time = forms.TimeField(label="À", widget=TIME)
    slot_minutes = forms.TypedChoiceField(
        label="Durée de chaque créneau", coerce=int, choices=DURATIONS, initial=20
    )
    valid_from = forms.DateField(label="À partir du", widget=DATE, required=False)
    valid_until = forms.DateField(label="Jusqu'au", widget=DATE, required=False)
    exceptions = DateListField(label="Jours exclus", required=False)
    exclude = forms.DateField(
        label="Exclure un jour",
        widget=DATE,
        required=False,
        help_text="Congés, jours fériés : choisissez le jour dans le calendrier.",
    )
    place = PlaceChoiceField(label="Lieu", queryset=PracticePlace.objects.none(), empty_label=None)
    modality = forms.ChoiceField(label="Modalité", choices=Modality.choices, initial=Modality.CABINET)
    motifs = forms.CharField(
        label="Motifs acceptés",
        max_length=300,
        required=False,
        help_text="Facultatif, par exemple : fièvre, douleur aiguë, plaie.",
    )
    visibility = _visibility_field()

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = week_choices(today)

    def clean(self):
        data = super().clean()
        if data.get("exclude"):
            data["exceptions"] = sorted({*data.get("exceptions", []), data["exclude"]})
        if data.get("repeat") == "once" and not data.get("week"):
            self.add_error("week", "Choisissez la semaine.")
        return data

    @property
    def weekly(self) -> bool:
        return self.cleaned_data["repeat"] == "weekly"

    def rule_fields(self) -> dict:
        """The input of unscheduled.slots.publish / preview."""
        data = self.cleaned_data
        common = {
            k: data[k] for k in ("start_time", "end_time", "slot_minutes", "place", "modality", "motifs")
        }
        common["visibility"] = data["visibility"]
        if self.weekly:
            return {
                **common,
                "weekdays": data["weekdays"],
                "valid_from": data["valid_from"],
                "valid_until": data["valid_until"],
                "exceptions": data["exceptions"],
            }
        return {**common, "days": [data["week"] + dt.timedelta(days=d) for d in sorted(data["weekdays"])]}

    def excluded_days(self) -> list[dt.date]:
        """The days already excluded, to show as checked boxes."""
        if self.is_bound:
            values = self.data.getlist(self.add_prefix("exceptions")) + [
                self.data.get(self.add_prefix("exclude"))
            ]
        else:
            values = self.initial.get("exceptions") or []
        out = set()
        for value in values:
            try:
                out.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
            except ValueError:
                continue
        return sorted(out)


class BulkForm(forms.Form):
    ACTIONS = [
        ("pause", "Mettre en pause"),
        ("resume", "Reprendre"),
        ("visibility", "Changer la visibilité"),
        ("delete", "Supprimer"),
    ]
    slots = forms.TypedMultipleChoiceField(label="Créneaux", coerce=int, required=False)
    action = forms.ChoiceField(label="Action sur les créneaux sélectionnés", choices=ACTIONS)
    visibility = _visibility_field()

    def __init__(self, *args, slot_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slots"].choices = [(i, str(i)) for i in slot_ids]


class CopyWeekForm(forms.Form):
    source = forms.DateField(label="Semaine copiée (lundi)", widget=DATE)
    target = forms.DateField(label="Vers la semaine du (lundi)", widget=DATE)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("honoured", "Honoré"), ("no_show", "Absent")])


class BookForm(forms.Form):
    family_name = forms.CharField(label="Nom du patient", max_length=100)
    given_names = forms.CharField(label="Prénoms", max_length=150)
    birth_date = forms.DateField(label="Date de naissance", required=False, widget=DATE)
    phone = forms.CharField(
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Pour la confirmation au patient : un téléphone ou un e-mail.",
    )
    email = forms.EmailField(label="E-mail", required=False)
    motif = forms.CharField(
        label="Motif",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Quelques mots sur le besoin de soins.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label="Motif d'annulation", max_length=300, required=False)


class RescheduleForm(forms.Form):
    slot = forms.TypedChoiceField(label="Nouveau créneau", coerce=int)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(s.pk, label) for s, label in slots]


class SearchForm(forms.Form):
    where = forms.CharField(
        label="Autour de (commune, code postal ou « latitude, longitude »)", required=False, max_length=100
    )
    radius_km = forms.FloatField(label="Rayon (km)", required=False, min_value=0.1, max_value=200, initial=20)
    window = forms.ChoiceField(label="Quand", choices=list(WINDOWS.items()), initial="24h")
    profession = forms.ChoiceField(label="Profession", required=False)
    specialty = forms.ChoiceField(label="Spécialité", required=False)
    modality = forms.ChoiceField(
        label="Modalité", required=False, choices=[("", "Toutes")] + Modality.choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        directory = DirectorySearchForm()  # the same profession and specialty lists as the directory
        self.fields["profession"].choices = directory.fields["profession"].choices
        self.fields["specialty"].choices = directory.fields["specialty"].choices
