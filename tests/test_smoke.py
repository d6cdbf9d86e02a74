from django.urls import reverse

from tests.cast import login


def test_coordinator_sees_today_at_home_and_the_tier_on_the_territory_page(client, cast):
    login(client, cast.coordinator)
    response = client.get(reverse("cpts:home", args=[cast.cpts.slug]))
    assert response.status_code == 200
    assert "<h1>Aujourd'hui</h1>" in response.content.decode()
    response = client.get(reverse("cpts:territory", args=[cast.cpts.slug]))
    assert response.status_code == 200
    assert "Taille 1" in response.content.decode()
