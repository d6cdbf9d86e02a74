def current_cpts(request):
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"map_tiles": settings.MAP_TILE_URL}
    from cpts.scoping import memberships_of

    access = getattr(request, "cpts_access", None)
    return {"map_tiles": settings.MAP_TILE_URL, "my_memberships": list(memberships_of(user)), "access": access,
            "current_cpts": access.cpts if access else None}
