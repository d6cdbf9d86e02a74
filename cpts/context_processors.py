def current_cpts(request):
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"map_tiles": settings.MAP_TILE_URL}
    from cpts.policy import must_verify
    from cpts.scoping import memberships_of

    if not user.is_verified() and must_verify(user):
        # Between the password and the second factor: nothing but the way out.
        return {"map_tiles": settings.MAP_TILE_URL, "second_factor_pending": True}

    access = getattr(request, "cpts_access", None)
    return {
        "map_tiles": settings.MAP_TILE_URL,
        "my_memberships": list(memberships_of(user)),
        "access": access,
        "current_cpts": access.cpts if access else None,
    }


def navigation(request):
    """``nav``: the page shell's menu for the current user (cpts/navigation.py), computed only if a
    template shows it. In a CPTS page it follows that CPTS; elsewhere (notifications, profile...) the
    user's last CPTS."""
    from django.utils.functional import SimpleLazyObject

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: _navigation(request, user))}


class _Nav:
    """What base.html draws: ``cpts``, ``groups`` [(key, label, entries)], ``bar`` (entries), ``menu_url``,
    ``search_url``, ``home_url``; an entry has label, short, url, icon, badge, current, url_name."""

    def __init__(self, cpts, groups, bar, menu_url, search_url, home_url):
        self.cpts, self.groups, self.bar = cpts, groups, bar
        self.menu_url, self.search_url, self.home_url = menu_url, search_url, home_url


def _nav_access(request, user):
    from cpts.policy import must_verify
    from cpts.scoping import memberships_of, permissions_for

    if not user.is_verified() and must_verify(user):
        return None, set(), 0
    access = getattr(request, "cpts_access", None)
    memberships = list(memberships_of(user))
    if access is not None:
        return access.cpts, set(access.permissions), len(memberships)
    chosen = next((m for m in memberships if m.cpts_id == user.last_cpts_id), None) or (
        memberships[0] if memberships else None
    )
    if chosen is None:
        return None, set(), 0
    return chosen.cpts, permissions_for(user, chosen), len(memberships)


def _navigation(request, user):
    from django.urls import reverse

    from cpts import navigation

    cpts, permissions, count = _nav_access(request, user)
    conditions = set()
    professional = getattr(user, "professional", None)
    if professional is not None and professional.profession_code == "10":  # TRE_G15: médecin
        conditions.add("physician")
    if count > 1 or user.is_staff:
        conditions.add("several_cpts")
    from projects.access import is_referent

    if is_referent(user):  # an ARS / CPAM referent: « Suivi »
        conditions.add("referent")
    items = navigation.menu(permissions, conditions, user.is_staff)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else None
    bar_items = navigation.bottom_bar(items, permissions)
    here, bar_here = navigation.current(items, view_name), navigation.current(bar_items, view_name)
    counts = _Counts(request, user, cpts, permissions)

    def entry(item, in_bar=False):
        args = [cpts.slug] if item.cpts_scoped else []
        badge_name = (item.bar_badge or item.badge) if in_bar else item.badge
        return {
            "url_name": item.url_name,
            "label": item.label,
            "short": item.bar_label,
            "icon": item.icon,
            "url": reverse(item.url_name, args=args),
            "badge": counts.get(badge_name) if badge_name else 0,
            "current": item is (bar_here if in_bar else here),
        }

    groups = [(key, label, [entry(i) for i in group]) for key, label, group in navigation.grouped(items)]
    bar = [entry(i, in_bar=True) for i in bar_items]
    slug_urls = (
        (
            reverse("cpts:menu", args=[cpts.slug]),
            reverse("directory:search", args=[cpts.slug]) if "cpts.search_directory" in permissions else "",
            reverse("cpts:home", args=[cpts.slug]) if "cpts.view_home" in permissions else "",
        )
        if cpts
        else ("", "", "")
    )
    return _Nav(cpts, groups, bar, *slug_urls)


class _Counts:
    """The badges' counts (cpts/navigation.py:badge_counts), computed on first use."""

    def __init__(self, request, user, cpts, permissions):
        self.request, self.user, self.cpts, self.permissions = request, user, cpts, permissions
        self.totals = None

    def get(self, name: str) -> int:
        if self.cpts is None:
            return 0
        if self.totals is None:
            from cpts import navigation

            self.totals = navigation.badge_counts(self.request, self.user, self.cpts, self.permissions)
        return self.totals.get(name, 0)
