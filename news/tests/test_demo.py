"""The demo's news feed (demo/news.py, called by demo/seed.py): a pinned announcement, a soirée RCP in a
commune of the territory with comments, an information; a second run adds nothing."""

import pytest

from accounts.models import User
from cpts import actions as cpts_actions
from cpts import territory as territory_rules
from cpts.models import Membership
from cpts.roles import Role
from demo.news import seed_news
from news.models import Comment, Post
from territory.models import Commune

pytestmark = pytest.mark.django_db
DOMAIN = "demo.example.test"


def test_seed_news_builds_the_feed_once(db):
    users = {
        local: User.objects.create_user(f"{local}@{DOMAIN}", None, first_name=local.title(), last_name="Démo")
        for local in ("coordination", "medecin", "bureau", "admin")
    }
    cpts = cpts_actions.create_cpts(name="CPTS Démo Actualités", coordinator=users["coordination"])
    territory_rules.add_communes(cpts, [Commune.objects.get(insee="01034")], users["admin"])
    Membership.objects.create(cpts=cpts, user=users["medecin"], role=Role.MEMBER)
    Membership.objects.create(cpts=cpts, user=users["bureau"], role=Role.BUREAU)

    assert seed_news(cpts, DOMAIN) is True
    posts = list(Post.objects.filter(cpts=cpts).order_by("-pinned", "-published_at", "-pk"))
    assert (
        posts[0].pinned
        and posts[0].kind == Post.Kind.ANNOUNCEMENT
        and posts[0].author == users["coordination"]
    )
    (rcp,) = [p for p in posts if p.kind == Post.Kind.EVENT]
    assert rcp.commune.name == "Belley" and rcp.event_date and rcp.event_time and rcp.place
    assert "RCP" in rcp.title
    assert set(Comment.objects.filter(post=rcp).values_list("author__email", flat=True)) == {
        f"medecin@{DOMAIN}",
        f"bureau@{DOMAIN}",
    }

    assert seed_news(cpts, DOMAIN) is False
    assert Post.objects.filter(cpts=cpts).count() == len(posts) and Comment.objects.count() == 2
