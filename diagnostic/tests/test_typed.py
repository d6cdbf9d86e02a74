"""Figures typed in from Rézone CPTS: checked, stored with their source and vintage, shown as typed in (never
as computed), in the page and in the document chapter; a member who may not change the territory only reads
them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from cpts.models import TerritoryCommune
from cpts.scoping import scoped
from diagnostic import chapter, typed
from diagnostic.compute import diagnose
from diagnostic.models import TypedFigure
from opencpts.errors import ActionError
from tests.cast import login

NO_GP = "Patients de 17 ans et plus sans médecin traitant"


def _typed(**kw):
    values = {"indicator": NO_GP, "unit": "%", "source": "", "vintage": "2024", "territory_value": "12,4"}
    return typed.Typed(**{**values, **kw})


def test_a_typed_figure_is_stored_with_rezone_as_source_and_audited(cast):
    figure = typed.add_figure(cast.cpts, cast.coordinator, _typed(departement_value="9,8", france_value="11"))
    figure.refresh_from_db()
    assert (figure.territory_value, figure.departement_value, figure.region_value) == (
        Decimal("12.40"),
        Decimal("9.80"),
        None,
    )
    assert figure.source == typed.REZONE and figure.typed_by == cast.coordinator
    assert AuditEntry.objects.filter(action="create", object_type="diagnostic.typedfigure").exists()
    with pytest.raises(ActionError, match="déjà saisi pour le millésime 2024") as err:
        typed.add_figure(cast.cpts, cast.coordinator, _typed(territory_value="13"))
    assert err.value.conflict
    assert TypedFigure.objects.get().territory_value == Decimal("12.40")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"territory_value": ""}, "valeur du territoire"),
        ({"territory_value": "douze"}, "n'est pas un nombre"),
        ({"territory_value": "140"}, "pourcentage : 100 au plus"),
        ({"territory_value": "1e400"}, "comprise entre 0"),
        ({"territory_value": "NaN"}, "comprise entre 0"),
        ({"territory_value": "-3"}, "comprise entre 0"),
        ({"france_value": "99999999999999"}, "de la France doit être comprise"),
        ({"vintage": " "}, "millésime"),
        ({"indicator": ""}, "l'indicateur"),
        ({"unit": "km"}, "Unité inconnue"),
    ],
)
def test_bad_figures_are_refused_in_french_and_nothing_is_stored(cast, kw, message):
    with pytest.raises(ActionError, match=message):
        typed.add_figure(cast.cpts, cast.coordinator, _typed(**kw))
    assert not TypedFigure.objects.exists()


def test_typed_figures_belong_to_their_owner_and_go_into_the_diagnostic_and_the_chapter(cast):
    from cpts import actions as cpts_actions

    other = cpts_actions.create_cpts(name="CPTS Voisine")
    typed.add_figure(cast.cpts, cast.coordinator, _typed(departement_value="9,8"))
    typed.add_figure(
        other, cast.coordinator, _typed(indicator="Bénéficiaires de la C2S", territory_value="7")
    )
    codes = list(scoped(TerritoryCommune, cast.cpts).values_list("commune_id", flat=True))
    d = typed.attach(diagnose(codes, name=cast.cpts.name), cast.cpts)
    assert [(t.indicator, t.values) for t in d.typed] == [(NO_GP, ["12,40 %", "9,80 %", "—", "—"])]
    assert any("saisi depuis Rézone CPTS" in s.text and "2024" in s.text for s in d.sources)
    context = chapter.chapter_context(d)
    assert context["typed"][0]["territory"] == "12,40 %"
    assert context["typed"][0]["provenance"].startswith("saisi depuis Rézone CPTS")
    with pytest.raises(ActionError, match="n'existe plus"):  # another owner's figure is not reachable
        typed.remove_figure(
            cast.cpts, cast.coordinator, TypedFigure.objects.get(indicator__contains="C2S").pk
        )


def test_the_page_types_a_figure_and_the_diagnostic_shows_it_as_typed(client, cast):
    login(client, cast.coordinator)
    url = reverse("diagnostic:cpts_typed", kwargs={"slug": cast.cpts.slug})
    bad = client.post(url, {"indicator": NO_GP, "unit": "%", "territory_value": "abc", "vintage": "2024"})
    assert bad.status_code == 400 and "n&#x27;est pas un nombre" in bad.content.decode()
    assert not TypedFigure.objects.exists()
    ok = client.post(url, {"indicator": NO_GP, "unit": "%", "territory_value": "12,4", "vintage": "2024"})
    assert ok.status_code == 302
    page = client.get(reverse("diagnostic:cpts", kwargs={"slug": cast.cpts.slug})).content.decode()
    table = page.split('data-testid="typed-table"')[1].split("</table>")[0]
    assert NO_GP in table and "12,40 %" in table and "saisi depuis Rézone CPTS" in table
    removed = client.post(url, {"remove": TypedFigure.objects.get().pk})
    assert removed.status_code == 302 and not TypedFigure.objects.exists()


def test_a_member_who_may_not_change_the_territory_reads_but_cannot_type(client, cast):
    typed.add_figure(cast.cpts, cast.coordinator, _typed())
    login(client, cast.member)
    url = reverse("diagnostic:cpts_typed", kwargs={"slug": cast.cpts.slug})
    page = client.get(url)
    assert page.status_code == 200 and NO_GP in page.content.decode()
    assert "Saisir un chiffre" not in page.content.decode()
    assert client.post(url, {"remove": TypedFigure.objects.get().pk}).status_code == 403
    assert TypedFigure.objects.count() == 1
