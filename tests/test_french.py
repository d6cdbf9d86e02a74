"""French wording rules (opencpts/french.py) and their template filters."""

import datetime as dt
import html

import pytest
from django.template import Context, Template

from opencpts import french


@pytest.mark.parametrize(
    ("word", "following", "expected"),
    [
        ("de", "Inès", "d'Inès"),
        ("de", "Marc", "de Marc"),
        ("de", "Hélène", "d'Hélène"),
        ("De", "Éric", "D'Éric"),
        ("le", "hôpital", "l'hôpital"),
        ("à", "Inès", "à Inès"),
    ],
)
def test_elision(word, following, expected):
    assert french.elide(word, following) == expected


def test_counts_without_parenthesised_plurals():
    assert french.count(0, "créneau libre", "créneaux libres", "aucun créneau libre") == "aucun créneau libre"
    assert french.count(0, "commentaire") == "0 commentaire"
    assert french.count(1, "commentaire") == "1 commentaire"
    assert french.count(2, "commentaire") == "2 commentaires"
    assert french.count(12400, "créneau", "créneaux") == "12\u202f400 créneaux"


@pytest.mark.parametrize(
    ("label", "civility", "expected"),
    [
        ("Masseur-Kinésithérapeute", "M", "Masseur-kinésithérapeute"),
        ("Masseur-Kinésithérapeute", "MME", "Masseuse-kinésithérapeute"),
        ("Infirmier", "MME", "Infirmière"),
        ("Infirmier", "", "Infirmier"),
        ("Sage-Femme", "MME", "Sage-femme"),
        ("Médecin", "MME", "Médecin"),
        ("Manipulateur ERM", "MME", "Manipulatrice ERM"),
        ("Opticien-Lunetier", "mme", "Opticienne-lunetière"),
        ("Chirurgien-Dentiste", "DR", "Chirurgien-dentiste"),
    ],
)
def test_profession_title(label, civility, expected):
    assert french.profession_title(label, civility) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0440924228", "04 40 92 42 28"),
        ("04.40.92.42.28", "04 40 92 42 28"),
        ("+33 4 40 92 42 28", "04 40 92 42 28"),
        ("0033440924228", "04 40 92 42 28"),
        ("15", "15"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone(raw, expected):
    assert french.phone(raw) == expected


def test_days_and_hours():
    assert french.day(dt.date(2026, 12, 7), year=False) == "lundi 7 décembre"
    assert french.day(dt.date(2027, 3, 1), year=True) == "lundi 1er mars 2027"
    assert french.day(dt.date(2027, 3, 1), year=False, weekday=False) == "1er mars"
    assert french.hour(dt.time(18, 30)) == "18 h 30"
    assert french.hour(dt.time(9, 0)) == "9 h"


def test_filters_are_built_in():
    context = {"n": 0, "name": "Inès", "tel": "0440924228", "t": dt.time(18, 30), "label": "Infirmier"}
    text = Template(
        '{{ n|compte:"créneau libre,créneaux libres,aucun créneau libre" }} · {{ "Réponse"|de:name }} · '
        "{{ tel|telephone }} · {{ t|heure }} · {{ label|profession:'MME' }}"
    ).render(Context(context))
    expected = "aucun créneau libre · Réponse d'Inès · 04 40 92 42 28 · 18 h 30 · Infirmière"
    assert html.unescape(text) == expected
