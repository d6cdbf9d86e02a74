"""JSON API of the news feed: the feed, one post with its comments, and posting a comment. Thin mapping onto
news.access and news.actions, with the same rules as the pages. Texts are returned as typed (plain text):
a client escapes them when it displays them."""

import datetime as dt

from django.core.paginator import Paginator
from django.urls import reverse
from ninja import Router, Schema, Status

from cpts.scoping import access_cpts
from news import access as rules
from news import actions
from news.models import Comment, Post
from opencpts.intparams import DbId, Page
from opencpts.schemas import LocalTime

router = Router(tags=["actualités"])


class NewsError(Schema):  # its own name: one schema per name in the OpenAPI document
    detail: str
    field: str | None = None


PAGE_SIZE = 20


class EventOut(Schema):
    date: dt.date
    time: LocalTime
    place: str
    commune_insee: str | None
    commune: str | None


class PostOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    author: str
    published_at: dt.datetime
    edited_at: dt.datetime | None
    pinned: bool
    event: EventOut | None
    comment_count: int
    url: str


class FeedOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PostOut]


class CommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool


class PostDetailOut(PostOut):
    comments: list[CommentOut]


class CommentIn(Schema):
    body: str


def _post(cpts, post: Post, comment_count: int) -> dict:
    event = None
    if post.is_event:
        event = {
            "date": post.event_date,
            "time": post.event_time,
            "place": post.place,
            "commune_insee": post.commune_id,
            "commune": post.commune.name if post.commune_id else None,
        }
    return {
        "id": post.pk,
        "kind": post.kind,
        "kind_label": post.get_kind_display(),
        "title": post.title,
        "body": post.body,
        "author": str(post.author),
        "published_at": post.published_at,
        "edited_at": post.edited_at,
        "pinned": post.pinned,
        "event": event,
        "comment_count": comment_count,
        "url": reverse("news:post", kwargs={"slug": cpts.slug, "post_id": post.pk}),
    }


def _comment(comment: Comment) -> dict:
    deleted = comment.deleted_at is not None
    return {
        "id": comment.pk,
        "author": str(comment.author),
        "body": "" if deleted else comment.body,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "deleted": deleted,
    }


@router.get(
    "/{slug}/news",
    response={200: FeedOut, 400: NewsError},
    summary="Le fil d'actualités : épinglées d'abord, puis les plus récentes",
)
def list_news(request, slug: str, kind: str = "", page: Page = 1):
    access = access_cpts(request.user, slug, rules.READ)
    if kind and kind not in Post.Kind.values:
        return Status(
            400, {"detail": "Type d'actualité inconnu : annonce, evenement ou information.", "field": "kind"}
        )
    if page < 1:
        return Status(400, {"detail": "Le numéro de page commence à 1.", "field": "page"})
    paginator = Paginator(rules.feed(request.user, access.cpts, kind or None), PAGE_SIZE)
    current = paginator.get_page(page)
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "results": [_post(access.cpts, p, p.comment_count) for p in current],
        },
    )


@router.get(
    "/{slug}/news/{post_id}",
    response={200: PostDetailOut, 404: NewsError},
    summary="Une actualité et ses commentaires",
)
def get_news_post(request, slug: str, post_id: DbId):
    access = access_cpts(request.user, slug, rules.READ)
    post = rules.post_to_read(request.user, access.cpts, post_id)
    comments = list(post.comments.select_related("author"))
    data = _post(access.cpts, post, sum(1 for c in comments if c.deleted_at is None))
    data["comments"] = [_comment(c) for c in comments]
    return Status(200, data)


@router.post(
    "/{slug}/news/{post_id}/comments",
    response={201: CommentOut, 400: NewsError, 404: NewsError},
    summary="Commenter une actualité",
)
def add_news_comment(request, slug: str, post_id: DbId, payload: CommentIn):
    access = access_cpts(request.user, slug, rules.COMMENT)
    post = rules.post_to_read(request.user, access.cpts, post_id)
    comment = actions.add_comment(post, request.user, payload.body)
    return Status(201, _comment(comment))
