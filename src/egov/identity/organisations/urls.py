"""URL patterns of the organisations pages (part of the identity namespace, under the account's
address)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("account/organisations/", views.organisations, name="organisations"),
    path("account/organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path(
        "account/organisations/<int:organisation_id>/representatives/<int:representation_id>/revoke/",
        views.revoke,
        name="revoke_representation",
    ),
]
