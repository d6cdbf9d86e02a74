"""The financing simulator page: reference data, open to every logged-in account (a CPTS in project uses it
before it exists on the platform). Thin: the amounts and rules are in aci.financing and the grid rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aci import financing
from aci.models import TierGrid
from aci.tiers import NoGridInForce, grid_in_force


def parse(params, today: dt.date) -> dict:
    """The simulation parameters from a query string (page and API share it). Raises SimulationError."""
    try:
        on = dt.date.fromisoformat(params.get("date") or today.isoformat())
    except ValueError as exc:
        raise financing.SimulationError("Date invalide (AAAA-MM-JJ).", "date") from exc
    try:
        grid = grid_in_force(on)
    except NoGridInForce as exc:
        raise financing.SimulationError(str(exc), "date") from exc
    try:
        tier = int(params.get("taille") or 1)
        year = int(params.get("annee") or 1)
    except ValueError as exc:
        raise financing.SimulationError("Taille et année : des nombres entiers.", "tier") from exc
    codes = params.getlist("missions") if hasattr(params, "getlist") else params.get("missions")
    if not codes:
        codes = [m.code for m in grid.missions.all() if not m.optional]
    attainment = {}
    for mission in grid.missions.all():
        raw = params.get(f"taux_{mission.code}")
        if raw in (None, ""):
            continue
        try:
            attainment[mission.code] = Decimal(str(raw).replace(",", ".")) / 100
        except InvalidOperation as exc:
            raise financing.SimulationError(
                f"Taux d'atteinte de « {mission.label} » : un pourcentage est attendu.", "attainment"
            ) from exc
    crisis = str(params.get("crise") or "").lower() in ("1", "on", "true", "oui")
    return {
        "grid": grid,
        "tier": tier,
        "codes": codes,
        "attainment": attainment,
        "year": year,
        "crisis": crisis,
        "on": on,
    }


@login_required
@require_GET
def simulator(request):
    today = timezone.localdate()
    error, first, later, p = "", None, None, None
    try:
        p = parse(request.GET, today)
        first = financing.simulate(p["grid"], p["tier"], p["codes"], p["attainment"], 1, p["crisis"])
        later = financing.simulate(p["grid"], p["tier"], p["codes"], p["attainment"], 2, p["crisis"])
    except financing.SimulationError as exc:
        error = exc.message
    grid = p["grid"] if p else grid_in_force(today)
    rows = []
    if first and later:
        for a, b in zip(first.lines, later.lines, strict=True):
            rows.append({"first": a, "later": b, "difference": b.total - a.total})
    return render(
        request,
        "aci/simulator.html",
        {
            "error": error,
            "grid": grid,
            "grids": TierGrid.objects.all(),
            "params": p,
            "first": first,
            "later": later,
            "rows": rows,
            "table": financing.brochure_table(grid),
            "missions": list(grid.missions.all()),
            "tiers": list(grid.tiers.all()),
            "attainment_pct": {k: v * 100 for k, v in (p["attainment"] if p else {}).items()},
        },
    )
