"""Forms of the calendar pages: they only shape the input; the rules are in agenda.actions and
agenda.timing."""

from django import forms

from agenda.models import Event
from agenda.timing import PARIS, When, when_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=[("", "— choisir —"), *Event.Kind.choices])
    title = forms.CharField(label="Titre", max_length=200)
    all_day = forms.BooleanField(label="Journée entière", required=False)
    start_date = forms.DateField(label="Date de début", widget=DATE)
    start_time = forms.TimeField(
        label="Heure de début",
        required=False,
        widget=TIME,
        help_text="Heure de Paris. Laissez vide pour un événement sur la journée entière.",
    )
    end_date = forms.DateField(
        label="Date de fin",
        required=False,
        widget=DATE,
        help_text="Laissez vide si l'événement finit le jour où il commence.",
    )
    end_time = forms.TimeField(label="Heure de fin", required=False, widget=TIME)
    place = forms.CharField(label="Lieu", max_length=255, required=False)
    description = forms.CharField(
        label="Description", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    participants = forms.MultipleChoiceField(
        label="Participants (membres du groupe)", required=False, widget=forms.CheckboxSelectMultiple
    )
    external_participants = forms.CharField(
        label="Participants extérieurs",
        max_length=500,
        required=False,
        help_text="Personnes qui ne sont pas membres du groupe (texte libre).",
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [(str(u.pk), u.get_full_name() or u.email) for u in members]

    def when(self) -> When:
        """The period typed in (ActionError with a French message when it is not a valid one)."""
        data = self.cleaned_data
        if data["all_day"]:
            return When.days(data["start_date"], data.get("end_date"))
        return When.timed(
            data["start_date"], data.get("start_time"), data.get("end_date"), data.get("end_time")
        )

    @staticmethod
    def initial_for(event: Event) -> dict:
        start, end = event.starts_at.astimezone(PARIS), event.ends_at.astimezone(PARIS)
        initial = {
            "kind": event.kind,
            "title": event.title,
            "all_day": event.all_day,
            "place": event.place,
            "description": event.description,
            "external_participants": event.external_participants,
            "participants": [str(pk) for pk in event.participant_links.values_list("user_id", flat=True)],
            "start_date": start.date(),
        }
        if event.all_day:
            initial["end_date"] = when_of(event).last_day
        else:
            initial.update(start_time=start.time(), end_date=end.date(), end_time=end.time())
        return initial


class CancelForm(forms.Form):
    reason = forms.CharField(label="Motif (facultatif)", max_length=500, required=False)
