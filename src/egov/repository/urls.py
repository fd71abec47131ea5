from django.urls import path

from . import views

app_name = "repository"
urlpatterns = [
    path("repository/", views.documents, name="documents"),
    path("repository/<int:document_id>/", views.document, name="document"),
    path("repository/<int:document_id>/file/", views.download, name="download"),
    path("repository/<int:document_id>/share/", views.share, name="share"),
    path("repository/shares/<int:share_id>/revoke/", views.revoke, name="revoke"),
    path("share/<str:token>/", views.shared, name="shared"),
    path("share/<str:token>/file/", views.shared_file, name="shared_file"),
    path("dossiers/<int:dossier_id>/reuse/<str:code>/", views.reuse, name="reuse"),
    path("backoffice/dossiers/<int:dossier_id>/digitise/", views.digitise, name="digitise"),
    path("backoffice/dossiers/<int:dossier_id>/scans/", views.read_scans, name="read_scans"),
    path("backoffice/scans/<int:scan_id>/", views.scan_state, name="scan_state"),
]
