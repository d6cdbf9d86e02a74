"""News feed events: a new post tells the CPTS's members, a comment tells the post's author."""

import pytest
from django.core import mail

from news import actions as news
from news.models import Post
from notifications.models import Category, Kind, Notification

from .conftest import set_prefs

pytestmark = pytest.mark.django_db


def publish(cast, title="Soirée RCP", by=None):
    return news.publish_post(
        cast.cpts,
        by or cast.coordinator,
        kind=Post.Kind.ANNOUNCEMENT,
        title=title,
        body="Ordre du jour en pièce jointe.",
    )


def recipients(kind) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


def test_a_post_tells_every_member_of_the_cpts_but_its_author(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(cast)
    assert recipients(Kind.NEWS_POST) == {cast.bureau.pk, cast.member.pk, cast.partner.pk, cast.referent.pk}
    n = Notification.objects.get(user=cast.member)
    assert n.title == "Nouvelle actualité : « Soirée RCP »"
    assert n.category == Category.NEWS and n.group_id is None
    assert n.url == f"/c/{cast.cpts.slug}/actualites/{post.pk}/"
    assert not mail.outbox  # news is not e-mailed by default


def test_posts_in_a_burst_are_grouped(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish(cast, "Une")
        publish(cast, "Deux", by=cast.bureau)
    n = Notification.objects.get(user=cast.member)
    assert n.count == 2 and n.title == "2 nouvelles actualités dans CPTS Test Bugey"
    assert n.url == f"/c/{cast.cpts.slug}/actualites/"
    assert Notification.objects.get(user=cast.coordinator).count == 1  # the bureau's post only


def test_a_comment_tells_the_post_author_only(cast, django_capture_on_commit_callbacks):
    post = publish(cast)
    with django_capture_on_commit_callbacks(execute=True):
        comment = news.add_comment(post, cast.member, "Je serai là.")
        news.add_comment(post, cast.coordinator, "Merci !")  # on their own post: nobody
    assert set(Notification.objects.values_list("user_id", "kind")) == {
        (cast.coordinator.pk, Kind.NEWS_COMMENT)
    }
    n = Notification.objects.get()
    assert n.title == "Nouveau commentaire sur votre actualité « Soirée RCP »"
    assert n.url.endswith(f"/actualites/{post.pk}/#commentaire-{comment.pk}")


def test_a_deleted_post_takes_its_unread_notifications_with_it(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(cast)
        news.add_comment(post, cast.member, "Je serai là.")
    assert Notification.objects.count() == 5
    with django_capture_on_commit_callbacks(execute=True):
        news.delete_post(post, cast.coordinator)
    assert not Notification.objects.exists()


def test_news_email_names_no_post(cast, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for user in (cast.member, cast.other_coordinator):
        set_prefs(user, news="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        publish(cast, "Réunion chez le Dr Martin")
    (sent,) = mail.outbox  # the other CPTS's coordinator is not told
    assert sent.to == [cast.member.email]
    assert sent.subject == "[OpenCPTS] Nouvelle actualité publiée par votre CPTS"
    assert "Martin" not in sent.body and "Réunion" not in sent.body
