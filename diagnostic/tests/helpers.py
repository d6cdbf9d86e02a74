"""Small directory fixtures on real communes for the diagnostic's tests."""

import itertools

from directory.identifiers import rpps_with_key
from directory.models import PracticePlace, Professional
from territory.models import Commune

_numbers = itertools.count(1)

BELLEY = "01034"
CULOZ = "01138"  # Culoz-Béon
ARTEMARE = "01022"


def professional(code: str, *communes: str, specialty: str = "", active: bool = True) -> Professional:
    """A professional practising at the centre of each of ``communes`` (places located like the RPPS
    extract's: at the commune's centre)."""
    rpps = rpps_with_key(f"99{next(_numbers):08d}")
    pro = Professional.objects.create(
        id_type="8",
        national_id=rpps,
        idnat="8" + rpps,
        last_name=f"TEST{rpps[-4:]}",
        first_name="Camille",
        profession_code=code,
        specialty_code=specialty,
        is_synthetic=True,
    )
    for insee in communes:
        commune = Commune.objects.get(insee=insee)
        place = PracticePlace(professional=pro, commune=commune, postal_code="", activity_key=insee)
        place.locate()
        place.save()
    if not active:  # as the directory deactivates someone: the places follow (Professional.save)
        pro.active = False
        pro.save()
    return pro


def gp(*communes: str, **kw) -> Professional:
    return professional("10", *communes, specialty="SM54", **kw)
