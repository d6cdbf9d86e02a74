"""Who may read and do what in the news feed of a CPTS. The only place these rules live.

- News is not clinical: every *active* member of the CPTS reads it, whatever their role (``cpts.read_news``
  is given to every role in cpts/roles.py); never another CPTS, never an account without membership.
- Publishing (``cpts.publish_news``: coordination and bureau) is to post; the author edits and deletes their
  own posts.
- Commenting (``cpts.comment_news``: every role taking part in care, not the institutional referents); the
  author edits and deletes their own comments.
- Moderation (``cpts.moderate_news``: coordinators) is to pin and unpin posts and to remove anyone's post or
  comment. A moderator never rewrites someone else's words.
- A deleted post is gone for everybody (404); its comments with it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cpts.models import CPTS, Membership
from cpts.roles import ROLE_PERMISSIONS
from cpts.scoping import permissions_for, scoped
from news.models import Comment, Post

READ = "cpts.read_news"
COMMENT = "cpts.comment_news"
PUBLISH = "cpts.publish_news"
MODERATE = "cpts.moderate_news"


def permissions(user, cpts: CPTS) -> set[str]:
    """What ``user`` may do in ``cpts`` right now (from their active membership, see cpts/roles.py)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    membership = scoped(Membership, cpts).filter(user=user, active=True).first()
    return permissions_for(user, membership)


def can(user, cpts: CPTS, permission: str) -> bool:
    return permission in permissions(user, cpts)


def visible_posts(user, cpts: CPTS) -> QuerySet:
    """The live posts of the CPTS's feed, pinned first then newest, or nothing for a non-reader."""
    posts = scoped(Post, cpts).filter(deleted_at__isnull=True)
    if not can(user, cpts, READ):
        return posts.none()
    return posts.order_by("-pinned", "-published_at", "-pk")


def feed(user, cpts: CPTS, kind: str | None = None) -> QuerySet:
    """The feed as shown: authors loaded, live comments counted, optionally one kind only."""
    posts = (
        visible_posts(user, cpts)
        .select_related("author", "commune")
        .annotate(comment_count=Count("comments", filter=Q(comments__deleted_at__isnull=True)))
    )
    if kind:
        posts = posts.filter(kind=kind)
    return posts


def upcoming_events(user, cpts: CPTS, today, limit: int = 5) -> list[Post]:
    return list(
        visible_posts(user, cpts)
        .filter(kind=Post.Kind.EVENT, event_date__gte=today)
        .select_related("commune")
        .order_by("event_date", "event_time", "pk")[:limit]
    )


def post_to_read(user, cpts: CPTS, post_id: int) -> Post:
    post = (
        scoped(Post, cpts)
        .filter(pk=post_id, deleted_at__isnull=True)
        .select_related("author", "commune")
        .first()
    )
    if post is None:
        raise Http404("Actualité introuvable.")
    if not can(user, cpts, READ):
        raise PermissionDenied("Vous n'êtes pas membre de cette CPTS.")
    return post


def comment_of(post: Post, comment_id: int) -> Comment:
    comment = post.comments.filter(pk=comment_id).select_related("post").first()
    if comment is None:
        raise Http404("Commentaire introuvable.")
    return comment


def can_edit_post(user, post: Post) -> bool:
    return post.deleted_at is None and post.author_id == user.pk and can(user, post.cpts, PUBLISH)


def can_delete_post(user, post: Post) -> bool:
    if post.deleted_at is not None:
        return False
    perms = permissions(user, post.cpts)
    return MODERATE in perms or (post.author_id == user.pk and PUBLISH in perms)


def can_pin(user, post: Post) -> bool:
    return post.deleted_at is None and can(user, post.cpts, MODERATE)


def can_comment(user, post: Post) -> bool:
    return post.deleted_at is None and can(user, post.cpts, COMMENT)


def can_edit_comment(user, comment: Comment) -> bool:
    return (
        comment.deleted_at is None
        and comment.post.deleted_at is None
        and comment.author_id == user.pk
        and can(user, comment.cpts, COMMENT)
    )


def can_delete_comment(user, comment: Comment) -> bool:
    if comment.deleted_at is not None or comment.post.deleted_at is not None:
        return False
    perms = permissions(user, comment.cpts)
    return MODERATE in perms or (comment.author_id == user.pk and COMMENT in perms)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def reader_roles() -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if READ in perms]


def audience(cpts_id: int) -> list[int]:
    """Ids of the users allowed to read the CPTS's news right now: its active members whose role reads news
    (every role today), with an active account. Real-time events and notifications go to these users only."""
    members = scoped(Membership, CPTS(pk=cpts_id)).filter(
        active=True, role__in=reader_roles(), user__is_active=True
    )
    return list(members.order_by("user_id").values_list("user_id", flat=True))


def comment_rights(user, post: Post, comments) -> tuple[set[int], set[int]]:
    """The ids of the comments ``user`` may edit and those they may delete (one permission lookup)."""
    if post.deleted_at is not None:
        return set(), set()
    perms = permissions(user, post.cpts)
    live = [c for c in comments if c.deleted_at is None]
    editable = {c.pk for c in live if c.author_id == user.pk and COMMENT in perms}
    deletable = {c.pk for c in live if MODERATE in perms or (c.author_id == user.pk and COMMENT in perms)}
    return editable, deletable
