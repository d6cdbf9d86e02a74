"""Synthetic health professionals, labelled as such, in the real formats.

Identifiers: RPPS of 11 digits with a valid Luhn key, in the range 99xxxxxxxxx that the real
registry does not use (real RPPS numbers start with 10), so a synthetic person can never be taken
for a real one; idNat_PS = "8" + RPPS. Professions and specialties from the real code systems.
"""

import random

from directory.identifiers import rpps_with_key

FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Claire", "Anne", "Marie", "Sophie",
    "Nathalie", "Isabelle", "Céline", "Élodie", "Pauline", "Lucie", "Hélène", "Aurélie", "Thomas", "Nicolas",
    "Julien", "Maxime", "Antoine", "Pierre", "Alexandre", "Hugo", "Lucas", "Louis", "Paul", "Mathieu", "Olivier",
    "François", "Laurent", "Philippe", "Sébastien", "Vincent", "Jérôme", "Benoît", "Yasmine", "Karim", "Mehdi",
    "Nadia", "Samir", "Fatima", "Rémi", "Gaëlle", "Sylvie", "Bruno",
]
LAST_NAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent", "Simon",
    "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont",
    "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin",
    "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud",
    "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard", "Roche",
    "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert",
    "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey",
]

# National mix of the RPPS/ADELI directory (data.md): (system, profession code, weight, specialties).
PROFESSION_MIX = [
    ("TRE_G15", "60", 50, []),
    ("TRE_G15", "10", 20, [("SM54", 55), ("SM40", 4), ("SM18", 3), ("SM42", 5), ("SM04", 4), ("SM15", 3),
                           ("SM38", 4), ("SM20", 3), ("SM24", 2), ("SM32", 2), ("SM48", 2), ("SM62", 2),
                           ("SM59", 4), ("SM41", 2), ("SM30", 1), ("SM29", 2), ("SM19", 2)]),
    ("TRE_G15", "70", 12, []),
    ("TRE_G15", "21", 7, []),
    ("TRE_G15", "40", 4, [("SCD03", 90), ("SCD01", 7), ("SCD02", 3)]),
    ("TRE_G15", "50", 2, []),
    ("TRE_G15", "91", 2, []),
    ("TRE_G15", "80", 1, []),
    ("TRE_G15", "92", 1, []),
    ("TRE_G15", "95", 1, []),
]
SYNTHETIC_RPPS_PREFIX = "99"


def synthetic_rpps(rng: random.Random) -> str:
    return rpps_with_key(SYNTHETIC_RPPS_PREFIX + f"{rng.randrange(10**8):08d}")


def pick_profession(rng: random.Random) -> tuple[str, str, str]:
    system, code, _, specialties = rng.choices(PROFESSION_MIX, weights=[m[2] for m in PROFESSION_MIX])[0]
    specialty = ""
    if specialties:
        specialty = rng.choices([s for s, _ in specialties], weights=[w for _, w in specialties])[0]
    return system, code, specialty


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
