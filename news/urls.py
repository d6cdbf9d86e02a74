from django.urls import path

from news import views

app_name = "news"

N = "c/<slug:slug>/actualites/"
P = N + "<int:post_id>/"

urlpatterns = [
    path(N, views.feed, name="feed"),
    path(N + "nouvelle/", views.create, name="create"),
    path(P, views.post_page, name="post"),
    path(P + "modifier/", views.edit, name="edit"),
    path(P + "epingler/", views.pin, name="pin"),
    path(P + "desepingler/", views.unpin, name="unpin"),
    path(P + "supprimer/", views.delete, name="delete"),
    path(P + "commentaires/", views.add_comment, name="comment"),
    path(P + "commentaires/fil/", views.comments, name="comments"),
    path(P + "commentaires/<int:comment_id>/modifier/", views.edit_comment, name="edit_comment"),
    path(P + "commentaires/<int:comment_id>/supprimer/", views.delete_comment, name="delete_comment"),
]
