from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_by_code, name="verify_code"),
    path("tsa/", views.timestamp, name="tsa"),
    path("dossiers/<int:dossier_id>/result-status/", views.result_status, name="result_status"),
    path(".well-known/egov/trust-roots.pem", views.trust_roots, name="trust_roots"),
    path(
        ".well-known/egov/certificates/<str:fingerprint>.<str:encoding>",
        views.published_certificate,
        name="certificate",
    ),
    path("backoffice/results/", views.issued, name="issued"),
    path("backoffice/results/<str:code>/revoke/", views.revoke, name="revoke"),
]
