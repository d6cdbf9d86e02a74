"""Pages of the directory: a user's own professional identity and places (writes through directory.actions),
and the search of the territory's health offer inside a CPTS."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from directory import actions
from directory.forms import PracticePlaceForm, ProfessionalForm
from directory.models import Professional
from opencpts.errors import ActionError
from opencpts.forms import show_action_error


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request):
    """The professional identity of the logged-in user, linked by idNat (RPPS/ADELI)."""
    professional = request.user.professional or Professional()
    form = ProfessionalForm(request.POST or None, instance=professional)
    place_form = PracticePlaceForm(prefix="place")
    if request.method == "POST" and form.is_valid():
        try:
            actions.declare_professional(request.user, form.save(commit=False))
        except ActionError as exc:
            show_action_error(form, exc)
        else:
            messages.success(request, "Profil professionnel enregistré.")
            return redirect("directory:my_profile")
    places = professional.places.select_related("commune") if professional.pk else []
    return render(
        request,
        "directory/my_profile.html",
        {"form": form, "place_form": place_form, "places": places, "professional": professional},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["POST"])
def add_place(request):
    professional = request.user.professional
    if professional is None:
        messages.error(request, "Enregistrez d'abord votre identité professionnelle (RPPS ou ADELI).")
        return redirect("directory:my_profile")
    form = PracticePlaceForm(request.POST, prefix="place")
    if form.is_valid():
        try:
            actions.add_practice_place(
                professional, form.save(commit=False), form.cleaned_data["commune_insee"]
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Lieu d'exercice ajouté.")
    else:
        messages.error(
            request,
            "Lieu d'exercice invalide : " + " ".join(e for errs in form.errors.values() for e in errs),
        )
    return redirect("directory:my_profile")


@login_required
@require_http_methods(["POST"])
def delete_place(request, place_id):
    try:
        actions.delete_practice_place(request.user.professional_id, place_id)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Lieu d'exercice supprimé.")
    return redirect("directory:my_profile")


# --- Directory of the territory's health offer (inside a CPTS) -------------------------------------

from django.http import Http404  # noqa: E402

from cpts.decorators import cpts_view  # noqa: E402
from cpts.models import TerritoryCommune  # noqa: E402
from cpts.offer import membership_rates  # noqa: E402
from cpts.scoping import scoped  # noqa: E402
from directory import pages, query  # noqa: E402
from directory.forms import SearchForm  # noqa: E402


def default_place(cpts) -> str:
    """Where a search starts: the most populous commune of the territory."""
    link = scoped(TerritoryCommune, cpts).select_related("commune").order_by("-commune__population").first()
    return link.commune.insee if link else ""


def criteria_from(form: SearchForm, cpts) -> query.Criteria:
    data = form.cleaned_data
    return query.Criteria(
        name=data.get("name") or "",
        profession=data.get("profession") or "",
        specialty=data.get("specialty") or "",
        where=(data.get("where") or "") if "where" in form.data else default_place(cpts),
        radius_km=data.get("radius_km") or query.DEFAULT_RADIUS_KM,
        accepts_new_patients=bool(data.get("accepts_new_patients")),
        snp=bool(data.get("snp")),
        home_visits=bool(data.get("home_visits")),
        free_within=data.get("free_within") or "",
        members_only=bool(data.get("members_only")),
        page=data.get("page") or 1,
    )


def _decorate(rows, access, viewer) -> None:
    """What each result offers beyond the directory: its next free unscheduled slot, the account to write to
    (directory/pages.py composes them from the apps above the directory)."""
    ids = [row.professional.pk for row in rows]
    slots = pages.next_free_slots(access.cpts, ids)
    writers = pages.message_accounts(access, viewer, ids)
    for row in rows:
        row.next_slot = slots.get(row.professional.pk)
        row.write_to = writers.get(row.professional.pk)


@cpts_view("cpts.search_directory")
def search_page(request, access):
    form = SearchForm(request.GET or None, initial={"where": default_place(access.cpts), "radius_km": 10})
    result = None
    if form.is_bound:
        if form.is_valid():
            criteria = criteria_from(form, access.cpts)
            free = pages.free_slot_professionals(access.cpts, criteria.free_within)
            result = query.run(criteria, cpts_id=access.cpts.pk, professional_ids=free)
            for field, message in result.errors.items():
                form.add_error(field if field in form.fields else None, message)
    else:
        result = query.run(query.Criteria(where=default_place(access.cpts)), cpts_id=access.cpts.pk)
    if result is not None:
        _decorate(result.rows, access, request.user)
    params = request.GET.copy()
    params.pop("page", None)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "directory/search.html",
        {
            "cpts": access.cpts,
            "form": form,
            "result": result,
            "groups": query.group_by_point(result.rows) if result else [],
            "active_filters": form.active_filters(),
            "query": params.urlencode(),
        },
        status=status,
    )


@cpts_view("cpts.search_directory")
def professional_page(request, access, professional_id):
    pro = Professional.objects.filter(pk=professional_id).first()
    if pro is None:
        raise Http404("Professionnel introuvable.")
    places = list(pro.places.select_related("commune", "structure").order_by("-active", "-is_primary", "pk"))
    account = getattr(pro, "account", None)
    member = bool(account and scoped(account.memberships.all(), access.cpts).filter(active=True).exists())
    row = query.Row(pro, next((p for p in places if p.active), None), None)
    _decorate([row], access, request.user)
    return render(
        request,
        "directory/professional.html",
        {
            "cpts": access.cpts,
            "pro": pro,
            "row": row,
            "places": places,
            "groups": query.group_by_point([query.Row(pro, p, None) for p in places if p.active]),
            "is_member": member,
        },
    )


@cpts_view("cpts.view_reports")
def offer_page(request, access):
    rates = membership_rates(access.cpts)
    return render(request, "directory/offer.html", {"cpts": access.cpts, "rates": rates})
