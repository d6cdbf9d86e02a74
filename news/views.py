"""Pages of the news feed. Thin: reads through news.access, writes through news.actions (which check the
rules again and raise French errors). Comments are posted, edited and deleted without reloading the page
when HTMX is there (the comments section comes back alone), and with a plain form post otherwise."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cpts.decorators import cpts_view
from news import access as rules
from news import actions
from news.forms import CommentForm, PostForm
from news.models import Post
from opencpts.errors import ActionError
from opencpts.forms import show_action_error

PAGE_SIZE = 10


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# The action names the commune by its INSEE code; the form asks for it as ``commune``.
NEWS_FIELDS = {"commune_insee": "commune"}


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''} : {' '.join(e)}".strip(" :")
        for f, e in form.errors.items()
    )


@cpts_view(rules.READ)
def feed(request, access):
    cpts = access.cpts
    kind = request.GET.get("type", "")
    if kind not in Post.Kind.values:
        kind = ""
    page = Paginator(rules.feed(request.user, cpts, kind or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "news/feed.html",
        {
            "cpts": cpts,
            "page": page,
            "kind": kind,
            "kinds": Post.Kind.choices,
            "query": f"type={kind}" if kind else "",
            "upcoming": rules.upcoming_events(request.user, cpts, timezone.localdate()),
            "can_publish": access.can(rules.PUBLISH),
            "can_moderate": access.can(rules.MODERATE),
        },
    )


def _comments_context(request, access, post: Post, form: CommentForm | None = None, feedback=None) -> dict:
    comments = list(post.comments.select_related("author", "deleted_by"))
    editable, deletable = rules.comment_rights(request.user, post, comments)
    can_comment = access.can(rules.COMMENT)
    return {
        "cpts": access.cpts,
        "post": post,
        "comments": comments,
        "editable": editable,
        "deletable": deletable,
        "live_count": sum(1 for c in comments if c.deleted_at is None),
        "can_comment": can_comment,
        "comment_form": (form or CommentForm(auto_id="commentaire_%s")) if can_comment else None,
        "feedback": feedback,
    }


@cpts_view(rules.READ)
def post_page(request, access, post_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    revisions = list(post.revisions.select_related("edited_by"))
    return render(
        request,
        "news/post.html",
        _comments_context(request, access, post)
        | {
            "revisions": revisions,
            "can_edit": rules.can_edit_post(request.user, post),
            "can_delete": rules.can_delete_post(request.user, post),
            "can_pin": rules.can_pin(request.user, post),
            "can_moderate": access.can(rules.MODERATE),
        },
    )


@cpts_view(rules.READ)
def comments(request, access, post_id):
    """The comments section alone: swapped in by HTMX and re-fetched on a real-time event."""
    post = rules.post_to_read(request.user, access.cpts, post_id)
    return render(request, "news/_comments.html", _comments_context(request, access, post))


@cpts_view(rules.PUBLISH)
@require_http_methods(["GET", "POST"])
def create(request, access):
    cpts = access.cpts
    can_pin = access.can(rules.MODERATE)
    initial = {"kind": request.GET["type"]} if request.GET.get("type") in Post.Kind.values else None
    form = PostForm(request.POST or None, cpts=cpts, can_pin=can_pin, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            post = actions.publish_post(cpts, request.user, **form.action_fields())
        except ActionError as exc:
            show_action_error(form, exc, NEWS_FIELDS)
        else:
            messages.success(request, "Actualité publiée : tous les membres de la CPTS peuvent la lire.")
            return redirect("news:post", slug=cpts.slug, post_id=post.pk)
    return render(
        request,
        "news/edit.html",
        {"cpts": cpts, "form": form, "post": None, "warning": actions.PATIENT_DATA_WARNING},
    )


@cpts_view(rules.PUBLISH)
@require_http_methods(["GET", "POST"])
def edit(request, access, post_id):
    cpts = access.cpts
    post = rules.post_to_read(request.user, cpts, post_id)
    rules.require(rules.can_edit_post(request.user, post), "Seul l'auteur d'une actualité peut la modifier.")
    initial = {
        "kind": post.kind,
        "title": post.title,
        "body": post.body,
        "event_date": post.event_date,
        "event_time": post.event_time,
        "place": post.place,
        "commune": post.commune_id or "",
    }
    form = PostForm(request.POST or None, cpts=cpts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.action_fields()
        data.pop("pinned", None)
        try:
            actions.edit_post(post, request.user, **data)
        except ActionError as exc:
            show_action_error(form, exc, NEWS_FIELDS)
        else:
            messages.success(request, "Actualité modifiée : la version précédente reste dans l'historique.")
            return redirect("news:post", slug=cpts.slug, post_id=post.pk)
    return render(
        request,
        "news/edit.html",
        {"cpts": cpts, "form": form, "post": post, "warning": actions.PATIENT_DATA_WARNING},
    )


def _run(request, action, success: str) -> bool:
    try:
        action()
    except ActionError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _back_to(request, access, post: Post):
    if request.POST.get("retour") == "fil":
        return redirect("news:feed", slug=access.cpts.slug)
    return redirect("news:post", slug=access.cpts.slug, post_id=post.pk)


@cpts_view(rules.MODERATE)
@require_POST
def pin(request, access, post_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    _run(request, lambda: actions.set_pinned(post, request.user, True), "Actualité épinglée en tête du fil.")
    return _back_to(request, access, post)


@cpts_view(rules.MODERATE)
@require_POST
def unpin(request, access, post_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    _run(request, lambda: actions.set_pinned(post, request.user, False), "Actualité désépinglée.")
    return _back_to(request, access, post)


@cpts_view(rules.PUBLISH)
@require_POST
def delete(request, access, post_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    rules.require(
        rules.can_delete_post(request.user, post),
        "Seuls l'auteur d'une actualité et la coordination peuvent la supprimer.",
    )
    if _run(request, lambda: actions.delete_post(post, request.user), "Actualité supprimée."):
        return redirect("news:feed", slug=access.cpts.slug)
    return redirect("news:post", slug=access.cpts.slug, post_id=post.pk)


def _comment_response(request, access, post: Post, action, success: str, form: CommentForm | None = None):
    """Run a comment action; answer with the comments section (HTMX) or a redirect to it (plain post)."""
    try:
        action()
    except ActionError as exc:
        if form is not None:
            show_action_error(form, exc)
        feedback = {"level": "error", "text": exc.message}
        if not _is_htmx(request):
            messages.error(request, exc.message)
    else:
        form = None
        feedback = {"level": "success", "text": success}
        if not _is_htmx(request):
            messages.success(request, success)
    if _is_htmx(request):
        return render(
            request, "news/_comments.html", _comments_context(request, access, post, form, feedback)
        )
    response = redirect("news:post", slug=access.cpts.slug, post_id=post.pk)
    response["Location"] += "#commentaires"
    return response


@cpts_view(rules.COMMENT)
@require_POST
def add_comment(request, access, post_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    form = CommentForm(request.POST, auto_id="commentaire_%s")
    if not form.is_valid():
        text = _form_errors(form)
        if _is_htmx(request):
            return render(
                request,
                "news/_comments.html",
                _comments_context(request, access, post, form, {"level": "error", "text": text}),
            )
        messages.error(request, text)
        return redirect("news:post", slug=access.cpts.slug, post_id=post.pk)
    return _comment_response(
        request,
        access,
        post,
        lambda: actions.add_comment(post, request.user, form.cleaned_data["body"]),
        "Commentaire publié.",
        form,
    )


@cpts_view(rules.COMMENT)
@require_POST
def edit_comment(request, access, post_id, comment_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    comment = rules.comment_of(post, comment_id)
    rules.require(
        rules.can_edit_comment(request.user, comment), "Seul l'auteur d'un commentaire peut le modifier."
    )
    body = request.POST.get("body", "")
    return _comment_response(
        request,
        access,
        post,
        lambda: actions.edit_comment(comment, request.user, body),
        "Commentaire modifié.",
    )


@cpts_view(rules.COMMENT)
@require_POST
def delete_comment(request, access, post_id, comment_id):
    post = rules.post_to_read(request.user, access.cpts, post_id)
    comment = rules.comment_of(post, comment_id)
    rules.require(
        rules.can_delete_comment(request.user, comment),
        "Seuls l'auteur d'un commentaire et la coordination peuvent le supprimer.",
    )
    return _comment_response(
        request,
        access,
        post,
        lambda: actions.delete_comment(comment, request.user),
        "Commentaire supprimé."
        if comment.author_id == request.user.pk
        else "Commentaire retiré par la modération.",
    )
