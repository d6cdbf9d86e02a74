"""How French is written on every page, e-mail and notification: elision, counts and plurals, professions
in sentence case and in the feminine, phone numbers, days and times.

Plain functions: templates reach them through the ``fr`` filters (``opencpts/templatetags/fr.py``, a
built-in library), Python code calls them directly.
"""

import datetime as dt
import re

# A word starting with a vowel or a mute h takes the elided article (« d'Inès », « l'hôpital »).
_ELIDING = re.compile(r"^[aeiouyhàâäéèêëîïôöùûüœæ]", re.IGNORECASE)
_ELIDED = {"de": "d'", "que": "qu'", "le": "l'", "la": "l'", "je": "j'", "ne": "n'", "se": "s'"}

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def elide(word: str, following: str) -> str:
    """``word`` followed by ``following``, elided when French elides it: ``elide("de", "Inès")`` is
    « d'Inès », ``elide("de", "Marc")`` « de Marc ». ``word`` keeps its capital (« D'Inès »)."""
    following = str(following).strip()
    elided = _ELIDED.get(word.lower())
    if elided and _ELIDING.match(following):
        prefix = elided.capitalize() if word[:1].isupper() else elided
        return f"{prefix}{following}"
    return f"{word} {following}"


def count(number: int | None, singular: str, plural: str | None = None, zero: str | None = None) -> str:
    """« 1 commentaire », « 3 commentaires », « aucun créneau libre » (``zero``) — never « (s) ».
    ``plural`` defaults to ``singular`` + s; French takes the singular below 2 (« 1,5 heure »)."""
    number = number or 0
    if number == 0 and zero:
        return zero
    if abs(number) < 2:
        return f"{_number(number)} {singular}"
    return f"{_number(number)} {plural or singular + 's'}"


def _number(value) -> str:
    """Thousands separated by a narrow no-break space, as French typography wants (« 12 400 »)."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return str(value).replace(".", ",")


# Feminine of the profession labels of TRE_G15, TRE_R94 and TRE_R95, in sentence case. A label absent here
# is the same for women (« Médecin », « Sage-femme », « Orthophoniste »).
_FEMININE = {
    "Pharmacien": "Pharmacienne",
    "Opticien-lunetier": "Opticienne-lunetière",
    "Assistant dentaire": "Assistante dentaire",
    "Physicien médical": "Physicienne médicale",
    "Aide-soignant": "Aide-soignante",
    "Ambulancier": "Ambulancière",
    "Préparateur en pharmacie hospitalière": "Préparatrice en pharmacie hospitalière",
    "Préparateur en pharmacie (officine)": "Préparatrice en pharmacie (officine)",
    "Chirurgien-dentiste": "Chirurgienne-dentiste",
    "Infirmier": "Infirmière",
    "Infirmier psychiatrique": "Infirmière psychiatrique",
    "Masseur-kinésithérapeute": "Masseuse-kinésithérapeute",
    "Technicien de laboratoire médical": "Technicienne de laboratoire médical",
    "Diététicien": "Diététicienne",
    "Psychomotricien": "Psychomotricienne",
    "Manipulateur ERM": "Manipulatrice ERM",
    "Chiropracteur": "Chiropractrice",
    "Assistant de service social": "Assistante de service social",
}
# Civilities that say the person is a woman: RPPS « Code civilité » (MME, MLLE) or the civility of practice.
FEMALE_CIVILITIES = frozenset({"MME", "MLLE"})
# Civilities that say the person is a man (DR and PR say nothing of the gender).
MALE_CIVILITIES = frozenset({"M", "MR"})


def sentence_case(label: str) -> str:
    """« Masseur-Kinésithérapeute » → « Masseur-kinésithérapeute »; acronyms (ERM) are kept."""

    def lower(match: re.Match) -> str:
        word = match.group(0)
        return word if word.isupper() and len(word) > 1 else word.lower()

    if not label:
        return label
    head, tail = label[0], label[1:]
    return head.upper() + re.sub(r"[^\W\d_]+", lower, tail)


def profession_title(label: str, civility: str = "") -> str:
    """A profession label as a sentence says it, in the feminine when ``civility`` says the person is a
    woman (TRE_G15 has no gender)."""
    label = sentence_case(label or "")
    if civility.upper() in FEMALE_CIVILITIES:
        return _FEMININE.get(label, label)
    return label


def gendered(masculine: str, feminine: str, civility: str, unknown: str) -> str:
    """A title said of one person: « Coordinatrice » for a woman, « Coordinateur » for a man, ``unknown``
    (a wording with no gender, « Coordination ») when ``civility`` does not tell; never inclusive endings."""
    civility = (civility or "").upper()
    if civility in FEMALE_CIVILITIES:
        return feminine
    if civility in MALE_CIVILITIES:
        return masculine
    return unknown


def phone(value: str | None) -> str:
    """« 04 40 92 42 28 » for a French number written in any way (« 0440924228 », « +33 4 40 92 42 28 »,
    « 04.40.92.42.28 »); any other value unchanged."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+33") or (digits.startswith("0033") and len(digits) == 13):
        digits = "0" + digits[-9:]
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return value.strip()


def day(value: dt.date | dt.datetime, year: bool | None = None, weekday: bool = True) -> str:
    """« lundi 7 décembre » (« 1er » for the first; the year only when it is not the current one, unless
    ``year`` says otherwise)."""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    number = "1er" if value.day == 1 else str(value.day)
    text = f"{number} {MONTHS[value.month - 1]}"
    if weekday:
        text = f"{DAYS[value.weekday()]} {text}"
    if year or (year is None and value.year != _today().year):
        text = f"{text} {value.year}"
    return text


def hour(value: dt.time | dt.datetime) -> str:
    """« 18 h 30 », « 9 h »."""
    if isinstance(value, dt.datetime):
        value = _local(value).time()
    return f"{value.hour} h" if value.minute == 0 else f"{value.hour} h {value.minute:02d}"


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def _local(value: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(value) if timezone.is_aware(value) else value
