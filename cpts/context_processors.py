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
