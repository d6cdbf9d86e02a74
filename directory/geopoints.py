"""Keeps ``GeoPoint`` (distinct located points of active places, per profession and for all) exact.

``rebuild()`` recomputes everything after a bulk import; ``refresh(keys)`` recounts the given
(profession, latitude, longitude) points from the places themselves after a single write, so the table
never drifts by increments.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from directory.models import GeoPoint, PracticePlace

PLACE = "directory_practiceplace"
POINT = "directory_geopoint"


@transaction.atomic
def rebuild() -> int:
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {POINT}")
        cursor.execute(
            f"INSERT INTO {POINT} (profession_code, latitude, longitude, places) "
            f"SELECT profession_code, latitude, longitude, COUNT(*) FROM {PLACE} "
            f"WHERE active = {true} AND latitude IS NOT NULL AND longitude IS NOT NULL "
            "GROUP BY profession_code, latitude, longitude"
        )
        cursor.execute(
            f"INSERT INTO {POINT} (profession_code, latitude, longitude, places) SELECT '{GeoPoint.ALL}', "
            f"latitude, longitude, COUNT(*) FROM {PLACE} WHERE active = {true} AND latitude IS NOT NULL AND "
            "longitude IS NOT NULL GROUP BY latitude, longitude"
        )
        cursor.execute(f"SELECT COUNT(*) FROM {POINT}")
        return cursor.fetchone()[0]


def refresh(keys: Iterable[tuple | None]) -> None:
    """Recount these points (and their all-professions twin) from the active places."""
    points = {
        (code, lat, lon)
        for key in keys
        if key
        for code, lat, lon in [key]
        if lat is not None and lon is not None
    }
    for code, lat, lon in points:
        for profession in {code, GeoPoint.ALL}:
            places = PracticePlace.objects.filter(active=True, latitude=lat, longitude=lon)
            if profession != GeoPoint.ALL:
                places = places.filter(profession_code=profession)
            n = places.count()
            if n:
                GeoPoint.objects.update_or_create(
                    profession_code=profession, latitude=lat, longitude=lon, defaults={"places": n}
                )
            else:
                GeoPoint.objects.filter(profession_code=profession, latitude=lat, longitude=lon).delete()
