from django.urls import path

from documents import views, views_posting

app_name = "documents"

G = "c/<slug:slug>/groupes/<int:group_id>/documents/"
D = G + "<int:document_id>/"

urlpatterns = [
    # The section alone, re-fetched by the real-time script (the Documents tab: coordination:documents).
    path(G + "section/", views.section, name="section"),
    path(G + "deposer/", views.upload, name="upload"),
    path(D, views.detail, name="detail"),
    path(D + "versions/", views.new_version, name="new_version"),
    path(D + "supprimer/", views.delete, name="delete"),
    path(D + "versions/<int:number>/telecharger/", views.download, name="download"),
    path(D + "versions/<int:number>/apercu/", views.preview, name="preview"),
]

# Coordination pages that carry files, named in the ``coordination`` namespace by opencpts/urls.py (their URLs
# and names did not change when they moved here from coordination, which must not import documents).
CG = "c/<slug:slug>/groupes/<int:group_id>/"
coordination_urlpatterns = [
    path(CG + "messages/", views_posting.post_message, name="post_message"),
    path(CG + "consentements/enregistrer/", views_posting.record_consent, name="record_consent"),
]
