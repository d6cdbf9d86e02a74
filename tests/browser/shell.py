"""Browser helpers for the page shell (templates/base.html): follow a menu entry the way a person does."""

import re


def entry_name(label: str):
    # The entry's own label, possibly followed by its unread count (« Messages 2 messages non lus »).
    return re.compile("^" + re.escape(label) + r"(\s+\d.*)?$")


def go_to(page, label: str) -> None:
    """Follow the menu entry ``label``: in the phone's bottom bar when it is there, else through « Menu » (the
    drawer); on a desktop in the sidebar."""
    sidebar = page.get_by_role("navigation", name="Menu", exact=True)
    if page.locator(".sidebar").is_visible():
        sidebar.get_by_role("link", name=entry_name(label)).click()
        return
    bar = page.get_by_role("navigation", name="Navigation principale")
    link = bar.get_by_role("link", name=entry_name(label))
    if link.count():
        link.click()
        return
    bar.get_by_role("button", name="Menu").click()
    page.locator("#nav-drawer").get_by_role("link", name=entry_name(label)).click()
