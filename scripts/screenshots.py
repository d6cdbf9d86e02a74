#!/usr/bin/env python
"""Screenshots of the daily pages on a phone (390 × 844) and a laptop (1366 × 900), from a fresh demo, into
docs/screenshots/; prints, for each page, whether it is wider than a 360 px screen.

    .venv/bin/python scripts/screenshots.py                  # fresh demo (about 1 min), every page
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

Pages: « Aujourd'hui » of the GP and of the coordinator, a care circle, « Mes créneaux », the directory
answering "which nurse does home visits near Belley", the ACI cockpit. The demo is built and served as
bench/ux.py does (its own temporary folder, uvicorn on a free port), logins go through the real pages.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import ux, uxtasks  # noqa: E402 - after the project's root is on the path

SLUG = uxtasks.SLUG
SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}
# (file name, account, path or None for the first care circle of the list)
PAGES = [
    ("aujourdhui-medecin", uxtasks.GP, f"/c/{SLUG}/"),
    ("aujourdhui-coordination", uxtasks.COORDINATOR, f"/c/{SLUG}/"),
    ("cercle-de-soins", uxtasks.GP, None),
    ("mes-creneaux", uxtasks.GP, f"/c/{SLUG}/snp/mes-creneaux/"),
    ("annuaire", uxtasks.GP, f"/c/{SLUG}/annuaire/?profession=60&where=Belley&home_visits=on"),
    ("contrat-aci", uxtasks.COORDINATOR, f"/c/{SLUG}/aci/"),
]
WIDER_THAN = "() => document.documentElement.scrollWidth > window.innerWidth"


def first_circle(page, base_url: str) -> str:
    page.goto(f"{base_url}/c/{SLUG}/groupes/")
    href = page.locator("a[href*='/groupes/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).filter(h => /\\/groupes\\/\\d+\\/$/.test(h))"
    )
    if not href:
        sys.exit("no care circle in the GP's group list")
    return href[0]


def shoot(browser, demo: uxtasks.Demo, out: Path) -> list[tuple[str, bool]]:
    widths = []
    for account in dict.fromkeys(email for _, email, _ in PAGES):
        context = browser.new_context(viewport=SIZES["390"], device_scale_factor=2, is_mobile=True)
        page = context.new_page()
        uxtasks.log_in(page, demo, account)
        for name, email, path in PAGES:
            if email != account:
                continue
            path = path or first_circle(page, demo.base_url)
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.goto(demo.base_url + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=size == "1366")
            page.set_viewport_size({"width": 360, "height": 740})
            page.goto(demo.base_url + path)
            widths.append((f"{name} ({path})", page.evaluate(WIDER_THAN)))
        context.close()
    return widths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="opencpts-shots-"))
    server = None
    try:
        env, password = ux.fresh_demo(work, print)
        server, base_url = ux.start_server(env)
        demo = uxtasks.Demo(
            base_url=base_url,
            password=password,
            code_for=lambda email: ux.manage(env, "demo_totp", email).strip(),
        )
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=ux.CHROMIUM, args=ux.CHROMIUM_ARGS)
            try:
                widths = shoot(browser, demo, args.out)
            finally:
                browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nScreenshots in {args.out}; wider than 360 px:")
    for label, wider in widths:
        print(f"  {'YES' if wider else 'no '}  {re.sub(r'[?].*', '', label)}")
    sys.exit(1 if any(wider for _, wider in widths) else 0)


if __name__ == "__main__":
    main()
