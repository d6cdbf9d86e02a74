#!/usr/bin/env python
"""Diagnostic territorial benchmark (issue 18): the diagnostic of a territory of about 1.8 million inhabitants
(every commune of a large département, default 69 Rhône: 266 communes with Lyon, 1.9 million) with a national
directory of 1.2 million synthetic professionals loaded.

What it builds (reused on the next run when already there, so a second run starts measuring at once):
- the official communes (``load_communes``) and their age structure (``load_age_structure``);
- the national directory: a synthetic public RPPS extract of ``--count`` professionals over the real communes
  in proportion to population (``generate_rpps``, written once to var/bench/), imported with ``import_rpps``
  (resumable: an interrupted import goes on from its staged rows) — a few minutes on PostgreSQL;
- a CPTS on the département's communes with ``--members`` adhérents linked to professionals practising there.

Then prints p50 / p95 over ``--runs`` runs of:
- ``diagnose()`` with the CPTS's members counted: the first run with an empty cache (the comparison areas —
  département, région, France — counted from the whole directory), then warm (those areas from the cache,
  the territory's own figures always live); and the public version;
- the documents' images: ``map_png`` for both indicators and ``age_chart_png``; ``chapter_context``;
- the documents that carry the diagnostic (``DOCUMENTS``: the lettre d'intention, the projet de santé), DOCX
  and PDF (the direct fpdf2 path, and LibreOffice headless when installed, a quarter of the runs);
and the machine's load (``uptime``) before and after.

    .venv/bin/python bench/diagnostic.py --db-url postgres://postgres@127.0.0.1:5432/bench_diag
    .venv/bin/python bench/diagnostic.py --count 200000 --runs 10        # SQLite file in var/bench, quicker

Targets (issue 18): the computation under 2 s on this machine, each document's DOCX and PDF under 5 s.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_CPTS = "CPTS Bench Diagnostic"
UNUSABLE = "!"  # Django's unusable password: the bench's members never log in


def setup_django(database_url: str) -> None:
    os.environ.setdefault("OPENCPTS_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def percentiles(values: list[float]) -> tuple[float, float]:
    data = sorted(values)

    def pick(q):
        return data[min(len(data) - 1, int(math.ceil(q * len(data))) - 1)]

    return pick(0.50), pick(0.95)


def num(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S607
    except (OSError, subprocess.CalledProcessError):
        return "uptime indisponible"


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, check=True, env=os.environ)


def reference_data() -> None:
    from django.core.management import call_command

    from diagnostic import ages
    from territory import loader

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not loader.is_loaded():
        print("Chargement des communes (load_communes)…", flush=True)
        call_command("load_communes", verbosity=0)
    if not ages.is_loaded():
        print("Chargement de la structure par âge (load_age_structure)…", flush=True)
        call_command("load_age_structure", verbosity=0)


def directory(count: int, seed: int) -> None:
    """The national synthetic directory: reused when it already holds ``count`` professionals."""
    from directory.models import Professional, RppsImportRun

    have = Professional.objects.filter(is_synthetic=True).count()
    if have >= count:
        print(f"Annuaire déjà chargé : {num(have)} professionnels synthétiques (réutilisé).")
        return
    extract = ROOT / "var" / "bench" / f"diagnostic_rpps_{count}_{seed}.txt"
    extract.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if not extract.exists():
        print(f"Génération de l'extrait RPPS synthétique ({count} professionnels)…", flush=True)
        manage("generate_rpps", "--count", str(count), "--out", str(extract), "--seed", str(seed))
    print("Import de l'extrait (import_rpps, reprend un import interrompu)…", flush=True)
    manage("import_rpps", str(extract), "--no-progress")
    run = RppsImportRun.objects.order_by("-pk").first()
    summary = f" ({run.summary})" if run and run.summary else ""
    print(f"  annuaire prêt en {time.perf_counter() - started:.0f} s{summary}")
    vacuum()


def vacuum() -> None:
    """PostgreSQL: the visibility map that index-only scans need, as autovacuum leaves it some minutes after a
    bulk import (the counts read ``place_commune_cover`` alone)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) directory_practiceplace")


def bench_cpts(dep: str, members: int):
    """The CPTS on the département's communes, with ``members`` adhérents linked to professionals practising
    there (accounts without a usable password: they never log in)."""
    from accounts.models import User
    from cpts import actions
    from cpts import territory as territory_rules
    from cpts.models import CPTS, Membership
    from cpts.roles import Role
    from directory.models import PracticePlace
    from territory.models import Commune

    communes = list(Commune.objects.filter(departement_id=dep, kind="COM").order_by("insee"))
    cpts = CPTS.objects.filter(name=BENCH_CPTS).first()
    if cpts is None:
        admin = User.objects.filter(email="bench-diag-admin@bench.test").first() or User.objects.create_user(
            "bench-diag-admin@bench.test", None, is_staff=True
        )
        cpts = actions.create_cpts(name=BENCH_CPTS, coordinator=admin)
        territory_rules.add_communes(cpts, communes, admin)
    have = Membership.objects.filter(cpts=cpts, role=Role.MEMBER).count()
    if have < members:
        pros = list(
            PracticePlace.objects.filter(commune__in=communes, professional__account__isnull=True)
            .order_by("professional_id")
            .values_list("professional_id", flat=True)
            .distinct()[: members - have]
        )
        users = User.objects.bulk_create(
            [
                User(email=f"bench-diag-{pro}@bench.test", password=UNUSABLE, professional_id=pro)
                for pro in pros
            ]
        )
        Membership.objects.bulk_create([Membership(cpts=cpts, user=u, role=Role.MEMBER) for u in users])
    return cpts, [c.insee for c in communes], sum(c.population for c in communes)


def measure(label: str, fn, runs: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    p50, p95 = percentiles(times)
    print(f"  {label:<52} p50 {p50 * 1000:>8.0f} ms   p95 {p95 * 1000:>8.0f} ms   (n={runs})", flush=True)
    return p50, p95, out


# The documents that carry the diagnostic as a chapter (docgen keys), measured when their app registers them.
DOCUMENTS = ("projects.letter", "healthplan.project")


def documents(d, contours, runs: int) -> None:
    """DOCX and PDF of each document carrying the diagnostic: its template's sample context with the bench
    territory's chapter and images (the maps and the chart drawn once here, measured above)."""
    from diagnostic import chapter, images
    from docgen import registry, render

    pictures = {
        "map_gp_density": images.map_png(d, "gp_density", contours),
        "map_share_65": images.map_png(d, "share_65", contours),
        "age_chart": images.age_chart_png(d),
    }
    engines = [render.FPDF2] + ([render.LIBREOFFICE] if render.libreoffice() else [])
    for key in DOCUMENTS:
        entry = registry.get(key)
        if entry is None:
            print(f"  {key} : modèle non enregistré, non mesuré")
            continue
        context = {**entry.sample_context, "diagnostic": chapter.chapter_context(d)}
        used = {name: pictures[name] for name in entry.images if name in pictures}
        docx = functools.partial(render.render_docx, key, context, used)
        _, _, data = measure(f"{key} : DOCX", docx, runs)
        print(f"    {len(data) // 1024} Kio, {len(used)} images")
        for engine in engines:
            pdf = functools.partial(render.render_pdf, key, context, used, engine=engine)
            measure(
                f"{key} : PDF ({engine})", pdf, max(1, runs // 4) if engine == render.LIBREOFFICE else runs
            )


def run(args) -> None:
    from django.core.cache import cache
    from django.db import connection

    from diagnostic import chapter, images, maps
    from diagnostic.compute import diagnose
    from directory.models import PracticePlace, Professional

    print(f"Base : {connection.vendor} ; charge avant : {uptime()}")
    reference_data()
    directory(args.count, args.seed)
    cpts, codes, population = bench_cpts(args.dep, args.members)
    pros, places = Professional.objects.count(), PracticePlace.objects.count()
    print(
        f"Territoire : département {args.dep}, {len(codes)} communes, {num(population)} habitants ; "
        f"annuaire : "
        f"{num(pros)} professionnels, {num(places)} lieux d'exercice."
    )

    def compute(public=False):
        return diagnose(codes, members_of_cpts=cpts, public=public, name=cpts.name)

    cache.clear()
    t = time.perf_counter()
    d = compute()
    cold = time.perf_counter() - t
    print(f"  {'diagnose(), cache vide (comparaisons comptées)':<52} {cold * 1000:>8.0f} ms")
    measure("diagnose(), adhérents comptés", compute, args.runs)
    measure("diagnose(public=True)", lambda: compute(public=True), args.runs)
    contours = maps.contours_of(d)
    measure(
        "map_png (médecins généralistes / 10 000 hab.)",
        lambda: images.map_png(d, "gp_density", contours),
        args.runs,
    )
    measure("map_png (part des 65 ans et plus)", lambda: images.map_png(d, "share_65", contours), args.runs)
    measure("age_chart_png", lambda: images.age_chart_png(d), args.runs)
    measure("chapter_context", lambda: chapter.chapter_context(d), args.runs)
    documents(d, contours, args.runs)
    gp = d.territory.profession("10-MG")
    print(
        f"Résultat : {d.territory.population.display} hab., {gp.count.display} médecins généralistes "
        f"({gp.per_10000.display} / 10 000 hab.), dont {gp.members.display} adhérents ; comparaisons : "
        + ", ".join(a.name for a in d.comparisons)
    )
    print(f"Charge après : {uptime()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db-url",
        default=os.environ.get("DATABASE_URL")
        or f"sqlite:///{ROOT / 'var' / 'bench' / 'diagnostic.sqlite3'}",
        help="base du banc (défaut : DATABASE_URL, sinon un fichier SQLite dans var/bench) ; conservée d'un "
        "lancement à l'autre",
    )
    parser.add_argument(
        "--count", type=int, default=1_200_000, help="professionnels synthétiques (1 200 000)"
    )
    parser.add_argument(
        "--dep", default="69", help="département du territoire (69 Rhône, 1,9 million d'habitants)"
    )
    parser.add_argument("--members", type=int, default=600, help="adhérents de la CPTS du banc (600)")
    parser.add_argument("--runs", type=int, default=20, help="mesures par opération (20)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    setup_django(args.db_url)
    run(args)


if __name__ == "__main__":
    main()
