"""The full menu as a page (« Menu » of the phone's bottom bar without JavaScript): cpts/navigation.py."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cpts.scoping import access_cpts


@login_required
def menu(request, slug):
    try:
        request.cpts_access = access_cpts(request.user, slug)
    except PermissionDenied:
        pass  # not a member of that CPTS: the menu of the user's own CPTS and account (context processor)
    return render(request, "cpts/menu.html")
