"""Small helpers shared by the accounts tests (real login pages, real database)."""

import html

from django.urls import reverse

from tests.cast import PASSWORD


def text_of(response) -> str:
    """The rendered page as text, HTML entities (apostrophes...) decoded."""
    return html.unescape(response.content.decode())


def post_password(client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"email": email, "password": password}, **extra)
