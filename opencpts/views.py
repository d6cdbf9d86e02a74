from django.db import connection
from django.http import JsonResponse
from django.utils import timezone


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return JsonResponse({"status": "ok", "database": "ok", "time": timezone.now().isoformat()})
    except Exception as exc:  # noqa: BLE001 - report any database failure as unhealthy
        return JsonResponse({"status": "error", "database": exc.__class__.__name__}, status=503)
