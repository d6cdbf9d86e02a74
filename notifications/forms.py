"""Form of the preferences page: it only shapes the input; the rules are in notifications.actions."""

from django import forms

from notifications.models import Category, Delivery

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
HOURS = [(h, f"{h} h") for h in range(24)]


class PreferencesForm(forms.Form):
    quiet_start = forms.TimeField(
        label="Début des heures calmes",
        required=False,
        widget=TIME,
        error_messages={"invalid": "Heure invalide (HH:MM)."},
    )
    quiet_end = forms.TimeField(
        label="Fin des heures calmes",
        required=False,
        widget=TIME,
        error_messages={"invalid": "Heure invalide (HH:MM)."},
        help_text="Heure de Paris. Une fin avant le début passe minuit (21:00 → 07:00). "
        "Laissez les deux vides pour ne pas en avoir.",
    )
    digest_hour = forms.TypedChoiceField(
        label="Heure du résumé quotidien",
        choices=HOURS,
        coerce=int,
        error_messages={"invalid_choice": "Choisissez une heure entre 0 et 23."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category in Category:
            self.fields[category.value] = forms.ChoiceField(
                label=category.label,
                choices=Delivery.choices,
                error_messages={
                    "invalid_choice": "Choisissez « immédiatement », « résumé quotidien » ou « désactivé »."
                },
            )
        # Categories first, then the timing.
        self.order_fields(list(Category.values) + ["quiet_start", "quiet_end", "digest_hour"])

    def category_fields(self):
        return [self[c] for c in Category.values]

    def timing_fields(self):
        return [self["quiet_start"], self["quiet_end"], self["digest_hour"]]

    @classmethod
    def initial_from(cls, prefs) -> dict:
        initial = {c: prefs.delivery(c) for c in Category.values}
        initial.update(
            quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end, digest_hour=prefs.digest_hour
        )
        return initial
