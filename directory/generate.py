"""Write a synthetic public RPPS extract in exactly the real format (directory/rpps_format.py).

Professionals are spread over real communes in proportion to their population, with the national
profession mix of data.md; identifiers are valid (RPPS with Luhn key in the 99… range the registry
does not use, idNat = "8" + RPPS) and every row carries the synthetic marker.
"""

import itertools
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from directory import rpps_format
from directory.synthetic import FEMALE_FIRST_NAMES, FIRST_NAMES, LAST_NAMES, pick_profession
from nomenclature.models import Concept
from territory.models import Commune

STREET_TYPES = [("R", "Rue"), ("AV", "Avenue"), ("BD", "Boulevard"), ("PL", "Place"), ("CHE", "Chemin")]
STREET_NAMES = [
    "de la République",
    "Victor Hugo",
    "Jean Jaurès",
    "de la Gare",
    "Pasteur",
    "du Général de Gaulle",
    "des Écoles",
    "de l'Église",
    "du Stade",
    "de la Mairie",
    "Gambetta",
    "Carnot",
    "des Tilleuls",
]
MODES = [("L", "Libéral, indépendant, artisan, commerçant", 0.6), ("S", "Salarié", 0.4)]


def _communes(insee: list[str] | None = None) -> tuple[list[dict], list[int]]:
    # Paris, Lyon and Marseille are drawn by arrondissement (where their postal codes are).
    qs = Commune.objects.filter(population__gt=0, arrondissements__isnull=True, latitude__isnull=False)
    if insee is not None:
        qs = qs.filter(insee__in=insee)
    rows = list(
        qs.order_by("insee")
        .select_related("departement")
        .prefetch_related("postal_codes")
        .only("insee", "name", "population", "departement__code", "departement__name")
    )
    communes = [
        {
            "insee": c.insee,
            "name": c.name,
            "dep": c.departement.code,
            "dep_name": c.departement.name,
            "cp": min((p.code for p in c.postal_codes.all()), default=""),
        }
        for c in rows
    ]
    return communes, list(itertools.accumulate(c.population for c in rows))


def rows(count: int, seed: int = 1, insee: list[str] | None = None) -> Iterable[dict[str, str]]:
    """Yield ``count`` persons, about 8 % with a second activity (so more rows than persons), placed on
    the given communes (all of France by default) in proportion to their population."""
    rng = random.Random(seed)
    communes, cum_weights = _communes(insee)
    if not communes:
        raise ValueError("Aucune commune localisée pour placer les professionnels.")
    labels = {(c.system, c.code): c.display for c in Concept.objects.all()}
    used: set[str] = set()
    from stdnum import luhn

    for _ in range(count):
        while True:
            body = "99" + f"{rng.randrange(10**8):08d}"
            rpps = body + luhn.calc_check_digit(body)
            if rpps not in used:
                used.add(rpps)
                break
        system, code, specialty = pick_profession(rng)
        rng.random()  # drawn as before (the civility now follows the first name): the same extract otherwise
        first = rng.choice(FIRST_NAMES)
        female = first in FEMALE_FIRST_NAMES
        last = rng.choice(LAST_NAMES).upper()
        doctor = code in ("10", "40")
        for activity in range(2 if rng.random() < 0.08 else 1):
            commune = rng.choices(communes, cum_weights=cum_weights)[0]
            street_code, street_label = rng.choice(STREET_TYPES)
            mode_code, mode_label, _ = MODES[0] if rng.random() < MODES[0][2] else MODES[1]
            yield {
                "Type d'identifiant PP": "8",
                "Identifiant PP": rpps,
                "Identification nationale PP": "8" + rpps,
                "Code civilité d'exercice": "DR" if doctor else "",
                "Libellé civilité d'exercice": "Docteur" if doctor else "",
                "Code civilité": "MME" if female else "M",
                "Libellé civilité": "Madame" if female else "Monsieur",
                "Nom d'exercice": last,
                "Prénom d'exercice": first,
                "Code profession": code,
                "Libellé profession": labels.get((system, code), code),
                "Code catégorie professionnelle": "C",
                "Libellé catégorie professionnelle": "Civil",
                "Code type savoir-faire": "S" if specialty else "",
                "Libellé type savoir-faire": "Spécialité ordinale" if specialty else "",
                "Code savoir-faire": specialty,
                "Libellé savoir-faire": labels.get(("TRE_R38", specialty), ""),
                "Code mode exercice": mode_code,
                "Libellé mode exercice": mode_label,
                "Raison sociale site": f"Cabinet {last} ({rpps_format.SYNTHETIC_MARKER})",
                "Numéro Voie (coord. structure)": str(rng.randrange(1, 120)),
                "Code type de voie (coord. structure)": street_code,
                "Libellé type de voie (coord. structure)": street_label,
                "Libellé Voie (coord. structure)": rng.choice(STREET_NAMES),
                "Bureau cedex (coord. structure)": f"{commune['cp']} {commune['name'].upper()}",
                "Code postal (coord. structure)": commune["cp"],
                "Code commune (coord. structure)": commune["insee"],
                "Libellé commune (coord. structure)": commune["name"],
                "Code pays (coord. structure)": "99000",
                "Libellé pays (coord. structure)": "France",
                "Téléphone (coord. structure)": f"0{rng.randrange(1, 6)}{rng.randrange(10**8):08d}",
                "Code Département (structure)": commune["dep"],
                "Libellé Département (structure)": commune["dep_name"],
                # A cabinet libéral: no FINESS nor SIRET, its RPPS rang (the holder's RPPS + a rank), prefixed
                # 4.
                "Ancien identifiant de la structure": f"4{rpps}{activity + 1:03d}",
                "Autorité d'enregistrement": rpps_format.SYNTHETIC_MARKER,
            }


def write(
    path: Path,
    count: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    insee: list[str] | None = None,
) -> int:
    """Write the file (UTF-8); returns the number of data rows."""
    n = 0
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(rpps_format.header_line() + "\n")
        for row in rows(count, seed, insee):
            fh.write(rpps_format.format_line(row) + "\n")
            n += 1
            if progress and n % 10000 == 0:
                progress(n)
    tmp.replace(path)
    return n
