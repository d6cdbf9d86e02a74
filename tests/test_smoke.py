from django.urls import reverse

from tests.cast import login


def test_coordinator_sees_home_with_population_and_tier(client, cast):
    login(client, cast.coordinator)
    response = client.get(reverse("cpts:home", args=[cast.cpts.slug]))
    assert response.status_code == 200
    assert "Taille 1" in response.content.decode()
