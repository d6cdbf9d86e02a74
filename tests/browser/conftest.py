"""Browser tests: Playwright (sync API) driving the system Chromium against pytest-django's live server.

Playwright's sync API runs an asyncio event loop in the test thread, which makes Django refuse ORM
calls there (SynchronousOnlyOperation); the ORM calls of these tests are plain synchronous code.
"""

import importlib
import os
import re
import shutil

import pytest
from django.urls import reverse

from tests.cast import PASSWORD

CHROMIUM = os.environ.get("OPENCPTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required for the browser tests in CI ({CHROMIUM} missing)")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # only while the browser (and its event loop) lives
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def tier_grids(transactional_db):
    """The ACI tier grids come from a data migration; the flush after each transactional test removes them."""
    from django.apps import apps

    migration = importlib.import_module("aci.migrations.0002_load_tier_grids")
    migration.load(apps, None)


def log_in(page, base_url: str, user, code: str) -> None:
    """Through the real login pages: e-mail and password, then the TOTP code."""
    page.goto(base_url + reverse("accounts:login"))
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(re.escape(reverse("accounts:otp_verify"))))
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
